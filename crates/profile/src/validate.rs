//! The checks every decoded profile passes: the rules of profile.proto that the wire format
//! itself cannot enforce (google/pprof's `CheckValid`).

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::model::*;

fn invalid(path: String, what: impl Into<String>) -> Error {
    Error::Invalid {
        path,
        what: what.into(),
    }
}

impl Profile {
    /// Checks that ids are non-zero and unique, that every referenced id exists, and that every
    /// sample has one value per sample type.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the first offending field.
    pub fn check_valid(&self) -> Result<()> {
        let types = self.sample_type.len();
        if types == 0 && !self.sample.is_empty() {
            return Err(invalid(
                "sample_type".into(),
                "missing, but the profile has samples",
            ));
        }
        let mut mappings = IdSet::new(self.mapping.iter().map(|m| m.id.0));
        for (i, m) in self.mapping.iter().enumerate() {
            if m.id.0 == 0 {
                return Err(invalid(format!("mapping[{i}].id"), "is zero"));
            }
            if !mappings.insert(m.id.0) {
                return Err(invalid(
                    format!("mapping[{i}].id"),
                    format!("{} is not unique", m.id.0),
                ));
            }
        }
        let mut functions = IdSet::new(self.function.iter().map(|f| f.id.0));
        for (i, f) in self.function.iter().enumerate() {
            if f.id.0 == 0 {
                return Err(invalid(format!("function[{i}].id"), "is zero"));
            }
            if !functions.insert(f.id.0) {
                return Err(invalid(
                    format!("function[{i}].id"),
                    format!("{} is not unique", f.id.0),
                ));
            }
        }
        let mut locations = IdSet::new(self.location.iter().map(|l| l.id.0));
        for (i, l) in self.location.iter().enumerate() {
            if l.id.0 == 0 {
                return Err(invalid(format!("location[{i}].id"), "is zero"));
            }
            if !locations.insert(l.id.0) {
                return Err(invalid(
                    format!("location[{i}].id"),
                    format!("{} is not unique", l.id.0),
                ));
            }
            if let Some(m) = l.mapping_id {
                if !mappings.contains(m.0) {
                    let what = format!("mapping {} does not exist", m.0);
                    return Err(invalid(format!("location[{i}].mapping_id"), what));
                }
            }
            for (j, line) in l.line.iter().enumerate() {
                if let Some(f) = line.function_id {
                    if !functions.contains(f.0) {
                        let what = format!("function {} does not exist", f.0);
                        return Err(invalid(
                            format!("location[{i}].line[{j}].function_id"),
                            what,
                        ));
                    }
                }
            }
        }
        for (i, s) in self.sample.iter().enumerate() {
            if s.value.len() != types {
                let what = format!(
                    "has {} values, but there are {types} sample types",
                    s.value.len()
                );
                return Err(invalid(format!("sample[{i}].value"), what));
            }
            for (j, l) in s.location.iter().enumerate() {
                if !locations.contains(l.0) {
                    let what = format!("location {} does not exist", l.0);
                    return Err(invalid(format!("sample[{i}].location_id[{j}]"), what));
                }
            }
        }
        Ok(())
    }
}

/// A set of ids. Producers number ids 1..n, so a dense bitmap answers membership without
/// hashing; sparse ids fall back to a hash set. Checking a profile of millions of samples
/// is one lookup per location id, so this matters.
enum IdSet {
    Dense(Vec<bool>),
    Sparse(HashSet<u64>),
}

impl IdSet {
    /// An empty set sized for `ids` (which are only looked at, not inserted).
    fn new(ids: impl Iterator<Item = u64> + Clone) -> Self {
        let count = ids.clone().count();
        let max = ids.max().unwrap_or(0);
        // Dense when the bitmap is at most a few times the table: ids 1..n are the norm.
        if max <= (count as u64).saturating_mul(4).saturating_add(1024) {
            IdSet::Dense(vec![false; max as usize + 1])
        } else {
            IdSet::Sparse(HashSet::with_capacity(count))
        }
    }

    /// Adds `id`; false if it was already there.
    fn insert(&mut self, id: u64) -> bool {
        match self {
            IdSet::Dense(bits) => !std::mem::replace(&mut bits[id as usize], true),
            IdSet::Sparse(set) => set.insert(id),
        }
    }

    fn contains(&self, id: u64) -> bool {
        match self {
            IdSet::Dense(bits) => usize::try_from(id).ok().and_then(|i| bits.get(i)) == Some(&true),
            IdSet::Sparse(set) => set.contains(&id),
        }
    }
}
