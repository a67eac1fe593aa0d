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
        let mut mappings = HashSet::with_capacity(self.mapping.len());
        for (i, m) in self.mapping.iter().enumerate() {
            if m.id.0 == 0 {
                return Err(invalid(format!("mapping[{i}].id"), "is zero"));
            }
            if !mappings.insert(m.id) {
                return Err(invalid(
                    format!("mapping[{i}].id"),
                    format!("{} is not unique", m.id.0),
                ));
            }
        }
        let mut functions = HashSet::with_capacity(self.function.len());
        for (i, f) in self.function.iter().enumerate() {
            if f.id.0 == 0 {
                return Err(invalid(format!("function[{i}].id"), "is zero"));
            }
            if !functions.insert(f.id) {
                return Err(invalid(
                    format!("function[{i}].id"),
                    format!("{} is not unique", f.id.0),
                ));
            }
        }
        let mut locations = HashSet::with_capacity(self.location.len());
        for (i, l) in self.location.iter().enumerate() {
            if l.id.0 == 0 {
                return Err(invalid(format!("location[{i}].id"), "is zero"));
            }
            if !locations.insert(l.id) {
                return Err(invalid(
                    format!("location[{i}].id"),
                    format!("{} is not unique", l.id.0),
                ));
            }
            if let Some(m) = l.mapping_id {
                if !mappings.contains(&m) {
                    let what = format!("mapping {} does not exist", m.0);
                    return Err(invalid(format!("location[{i}].mapping_id"), what));
                }
            }
            for (j, line) in l.line.iter().enumerate() {
                if let Some(f) = line.function_id {
                    if !functions.contains(&f) {
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
                if !locations.contains(l) {
                    let what = format!("location {} does not exist", l.0);
                    return Err(invalid(format!("sample[{i}].location_id[{j}]"), what));
                }
            }
        }
        Ok(())
    }
}
