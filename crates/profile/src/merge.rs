//! Merging profiles of one kind into one, and compaction (google/pprof's `profile.Merge` and
//! `Profile.Compact`).
//!
//! # Design
//!
//! The result is a new profile whose tables hold only what its samples reach, numbered 1..n in
//! the order Go's merger first meets them: the first profile's first mapping (the main binary)
//! first, then every entity in sample order, leaf first. Equal entities are shared:
//!
//! - mappings by (size rounded up to 4 KiB, file offset, build id or else file name), so the same
//!   binary loaded at another address is one mapping; its locations' addresses are moved by the
//!   difference of the start addresses;
//! - functions by (start line, name, system name, file name);
//! - locations by (address relative to the mapping start, mapping, lines, folded flag);
//! - samples by (merged location ids, labels grouped by key), whose values are summed.
//!
//! Samples whose values are all zero are dropped; when a sum comes to zero the result is merged
//! once more, as Go does, so that nothing only those samples used survives.
//!
//! Go builds a string per sample as its key. Here a sample key is integers: an interned id of
//! the sample's label set and the merged location ids, hashed into a chained index whose
//! entries are the merged samples themselves, so a lookup allocates nothing (see
//! [`index::SampleIndex`]). Source tables are indexed by id through a dense vector when ids are
//! small, as every writer numbers them.

mod headers;
mod index;

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::model::*;
use headers::combine_headers;
pub(crate) use headers::type_list;
use index::{FastHash, IdIndex, SampleIndex};

/// Merges profiles of one kind into a new, compacted profile, as google/pprof's `Merge`.
///
/// Headers combine as in Go: the earliest `time_nanos` (Go's quirk kept: a zero resets the
/// search, so a later non-zero time wins over it), the sum of `duration_nanos`, the largest
/// `period`, comments de-duplicated in order, the first non-empty `default_sample_type` and
/// `doc_url`, and `drop_frames`, `keep_frames` and `period_type` from the first profile.
///
/// # Errors
///
/// [`Error::NothingToMerge`] for an empty slice; [`Error::Incompatible`] when the profiles'
/// sample types or period types differ (the message names both); [`Error::Invalid`] when a
/// profile that was never checked refers to a missing entity or has a sample with the wrong
/// number of values.
pub fn merge(srcs: &[&Profile]) -> Result<Profile> {
    let Some(first) = srcs.first() else {
        return Err(Error::NothingToMerge);
    };
    for (i, p) in srcs.iter().enumerate().skip(1) {
        first.check_compatible(p).map_err(|what| {
            Error::Incompatible(format!("profile 1 and profile {}: {what}", i + 1))
        })?;
    }
    let mut m = Merger::new(combine_headers(srcs), first);
    for p in srcs {
        m.add(p)?;
    }
    let out = m.out;
    if out.sample.iter().any(is_zero) {
        // Sums that came to zero: merge again to drop them and what only they used.
        return merge(&[&out]);
    }
    Ok(out)
}

/// [`merge`], consuming the profiles: each source sample's vectors are moved into the result
/// (its location ids rewritten in place) or freed as soon as it is summed into an equal one,
/// so the samples, most of a big profile's memory, are never held twice.
///
/// # Errors
///
/// As [`merge`].
pub fn merge_owned(mut srcs: Vec<Profile>) -> Result<Profile> {
    let Some(first) = srcs.first() else {
        return Err(Error::NothingToMerge);
    };
    for (i, p) in srcs.iter().enumerate().skip(1) {
        first.check_compatible(p).map_err(|what| {
            Error::Incompatible(format!("profile 1 and profile {}: {what}", i + 1))
        })?;
    }
    let samples: Vec<Vec<Sample>> = srcs
        .iter_mut()
        .map(|p| std::mem::take(&mut p.sample))
        .collect();
    let refs: Vec<&Profile> = srcs.iter().collect();
    let mut m = Merger::new(combine_headers(&refs), refs[0]);
    for (p, samples) in refs.iter().zip(samples) {
        m.add_owned(p, samples)?;
    }
    let out = m.out;
    drop(srcs);
    if out.sample.iter().any(is_zero) {
        return merge_owned(vec![out]);
    }
    Ok(out)
}

impl Profile {
    /// Merges `self` with `others`, in that order; see [`merge`].
    ///
    /// # Errors
    ///
    /// As [`merge`].
    pub fn merge_with(&self, others: &[&Profile]) -> Result<Profile> {
        let mut all = Vec::with_capacity(others.len() + 1);
        all.push(self);
        all.extend_from_slice(others);
        merge(&all)
    }

    /// The profile with unused locations, functions and mappings removed, equal entities shared,
    /// equal samples summed, zero samples dropped and ids renumbered from 1 (google/pprof's
    /// `Compact`, which is a merge of one profile).
    ///
    /// Strings need no compaction here: the model holds no string table, and encoding writes
    /// each distinct string once.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if the profile refers to entities it does not hold, or a sample has
    /// the wrong number of values ([`Profile::parse`] rules both out).
    pub fn compact(&self) -> Result<Profile> {
        merge(&[self])
    }

    /// [`Profile::compact`], consuming the profile so that its samples are not held twice
    /// (see [`merge_owned`]).
    ///
    /// # Errors
    ///
    /// As [`Profile::compact`].
    pub fn into_compact(self) -> Result<Profile> {
        merge_owned(vec![self])
    }
}

fn is_zero(s: &Sample) -> bool {
    s.value.iter().all(|&v| v == 0)
}

/// One source profile's tables, indexed, with what each entry became in the result.
struct Source<'a> {
    p: &'a Profile,
    locations: IdIndex,
    functions: IdIndex,
    mappings: IdIndex,
    /// Merged ids by source position; 0 until mapped (merged ids start at 1). Plain ids rather
    /// than options keep these tables at 8 bytes an entry: they are read once per frame.
    location_memo: Vec<u64>,
    function_memo: Vec<u64>,
    /// The merged mapping, and what to add to addresses to move them into it.
    mapping_memo: Vec<Option<(usize, i64)>>,
}

impl<'a> Source<'a> {
    fn new(p: &'a Profile) -> Self {
        Source {
            p,
            locations: IdIndex::new(p.location.iter().map(|l| l.id.0)),
            functions: IdIndex::new(p.function.iter().map(|f| f.id.0)),
            mappings: IdIndex::new(p.mapping.iter().map(|m| m.id.0)),
            location_memo: vec![0; p.location.len()],
            function_memo: vec![0; p.function.len()],
            mapping_memo: vec![None; p.mapping.len()],
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
struct MappingKey<'a> {
    size: u64,
    offset: u64,
    build_id_or_file: &'a str,
}

impl<'a> MappingKey<'a> {
    fn of(m: &'a Mapping) -> Self {
        // Sizes are rounded up to 4 KiB, as Go does, to absorb small differences.
        const ROUNDING: u64 = 0x1000;
        let size = m.memory_limit.wrapping_sub(m.memory_start);
        let size = size.wrapping_add(ROUNDING - 1);
        let build_id_or_file = if m.build_id.is_empty() {
            &m.filename
        } else {
            &m.build_id
        };
        MappingKey {
            size: size - size % ROUNDING,
            offset: m.file_offset,
            build_id_or_file,
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
struct FunctionKey<'a> {
    start_line: i64,
    name: &'a str,
    system_name: &'a str,
    filename: &'a str,
}

#[derive(PartialEq, Eq, Hash)]
struct LocationKey {
    addr: u64,
    mapping: u64,
    lines: Box<[(u64, i64, i64)]>,
    folded: bool,
}

/// The merge in progress.
struct Merger<'a> {
    out: Profile,
    samples: SampleIndex,
    label_sets: HashMap<Vec<Label>, u64, FastHash>,
    locations: HashMap<LocationKey, LocationId, FastHash>,
    functions: HashMap<FunctionKey<'a>, FunctionId, FastHash>,
    mappings: HashMap<MappingKey<'a>, usize, FastHash>,
    /// The sample being mapped: its merged location ids, and its labels in canonical order.
    locs: Vec<LocationId>,
    labels: Vec<Label>,
}

impl<'a> Merger<'a> {
    fn new(out: Profile, first: &Profile) -> Self {
        Merger {
            out,
            samples: SampleIndex::with_capacity(first.sample.len()),
            label_sets: HashMap::default(),
            locations: HashMap::with_capacity_and_hasher(first.location.len(), FastHash::default()),
            functions: HashMap::with_capacity_and_hasher(first.function.len(), FastHash::default()),
            mappings: HashMap::default(),
            locs: Vec::new(),
            labels: Vec::new(),
        }
    }

    fn add(&mut self, p: &'a Profile) -> Result<()> {
        let mut src = self.source(p);
        for (i, s) in p.sample.iter().enumerate() {
            if self.keep(i, s)? {
                let (label_set, found) = self.map_sample(&mut src, i, s)?;
                match found {
                    Some(at) => self.sum_into(at, &s.value),
                    None => {
                        let (location, value) = (self.locs.clone(), s.value.clone());
                        self.insert(label_set, location, value);
                    }
                }
            }
        }
        Ok(())
    }

    /// [`Merger::add`] for a profile whose samples were taken out of it: each sample's vectors
    /// move into the result or are freed here.
    fn add_owned(&mut self, p: &'a Profile, samples: Vec<Sample>) -> Result<()> {
        let mut src = self.source(p);
        for (i, s) in samples.into_iter().enumerate() {
            if self.keep(i, &s)? {
                let (label_set, found) = self.map_sample(&mut src, i, &s)?;
                match found {
                    Some(at) => self.sum_into(at, &s.value),
                    None => {
                        let mut location = s.location;
                        location.copy_from_slice(&self.locs);
                        self.insert(label_set, location, s.value);
                    }
                }
            }
        }
        Ok(())
    }

    fn source(&mut self, p: &'a Profile) -> Source<'a> {
        let mut src = Source::new(p);
        if self.mappings.is_empty() && !p.mapping.is_empty() {
            // The first mapping is the main binary: keep it first, used or not, as Go does.
            self.map_mapping(&mut src, 0);
        }
        src
    }

    /// Whether sample `i` takes part: it must have a value per sample type, and zero samples
    /// are dropped.
    fn keep(&self, i: usize, s: &Sample) -> Result<bool> {
        let types = self.out.sample_type.len();
        if s.value.len() != types {
            return Err(Error::Invalid {
                path: format!("sample[{i}].value"),
                what: format!(
                    "has {} values, but there are {types} sample types",
                    s.value.len()
                ),
            });
        }
        Ok(!is_zero(s))
    }

    /// Maps the sample's locations into `self.locs` and its labels into `self.labels`;
    /// returns its label set and where an equal merged sample is, if there is one.
    fn map_sample(
        &mut self,
        src: &mut Source<'a>,
        i: usize,
        s: &Sample,
    ) -> Result<(u64, Option<usize>)> {
        let label_set = self.label_set(&s.label);
        let mut locs = std::mem::take(&mut self.locs);
        locs.clear();
        for (j, &id) in s.location.iter().enumerate() {
            let Some(pos) = src.locations.get(id.0) else {
                let path = format!("sample[{i}].location_id[{j}]");
                return Err(dangling(path, "location", id.0));
            };
            locs.push(self.map_location(src, pos)?);
        }
        let found = self.samples.find(&self.out.sample, label_set, &locs);
        self.locs = locs;
        Ok((label_set, found))
    }

    fn sum_into(&mut self, at: usize, value: &[i64]) {
        let merged = &mut self.out.sample[at].value;
        for (m, v) in merged.iter_mut().zip(value) {
            *m = m.wrapping_add(*v);
        }
    }

    /// Adds a new merged sample with the locations `self.locs` holds (passed in `location`).
    fn insert(&mut self, label_set: u64, location: Vec<LocationId>, value: Vec<i64>) {
        let at = self.out.sample.len();
        self.samples.insert(at, label_set, &location);
        let label = match label_set {
            0 => Vec::new(),
            _ => self.labels.clone(),
        };
        self.out.sample.push(Sample {
            location,
            value,
            label,
        });
    }

    /// An id for the sample's labels grouped by key, the way Go's label maps group them
    /// (0 for none); leaves the canonical list in `self.labels`.
    ///
    /// The canonical order is Go's encoding order: string labels by key, then numeric labels by
    /// key, values of one key in their original order.
    fn label_set(&mut self, labels: &[Label]) -> u64 {
        if labels.is_empty() {
            return 0;
        }
        self.labels.clear();
        self.labels.extend_from_slice(labels);
        self.labels.sort_by(|a, b| {
            let num = |l: &Label| matches!(l.value, LabelValue::Num { .. });
            (num(a), &a.key).cmp(&(num(b), &b.key))
        });
        if let Some(&id) = self.label_sets.get(self.labels.as_slice()) {
            return id;
        }
        let id = self.label_sets.len() as u64 + 1;
        self.label_sets.insert(self.labels.clone(), id);
        id
    }

    fn map_location(&mut self, src: &mut Source<'a>, pos: usize) -> Result<LocationId> {
        if src.location_memo[pos] != 0 {
            return Ok(LocationId(src.location_memo[pos]));
        }
        let p: &'a Profile = src.p;
        let l = &p.location[pos];
        let (mapping, offset) = match l.mapping_id {
            None => (None, 0),
            Some(id) => {
                let Some(mpos) = src.mappings.get(id.0) else {
                    return Err(dangling(
                        format!("location[{pos}].mapping_id"),
                        "mapping",
                        id.0,
                    ));
                };
                let (m, offset) = self.map_mapping(src, mpos);
                (Some(m), offset)
            }
        };
        let address = l.address.wrapping_add(offset as u64);
        let mut line = Vec::with_capacity(l.line.len());
        for (j, ln) in l.line.iter().enumerate() {
            let function_id = match ln.function_id {
                None => None,
                Some(id) => {
                    let Some(fpos) = src.functions.get(id.0) else {
                        let path = format!("location[{pos}].line[{j}].function_id");
                        return Err(dangling(path, "function", id.0));
                    };
                    Some(self.map_function(src, fpos))
                }
            };
            line.push(Line {
                function_id,
                line: ln.line,
                column: ln.column,
            });
        }
        let (key_addr, key_mapping) = match mapping {
            // Addresses relative to the mapping, so that ASLR does not split locations.
            Some(m) => {
                let m: &Mapping = &self.out.mapping[m];
                (address.wrapping_sub(m.memory_start), m.id.0)
            }
            None => (address, 0),
        };
        let key = LocationKey {
            addr: key_addr,
            mapping: key_mapping,
            lines: line
                .iter()
                .map(|ln| (ln.function_id.map_or(0, |f| f.0), ln.line, ln.column))
                .collect(),
            folded: l.is_folded,
        };
        let id = match self.locations.get(&key) {
            Some(&id) => id,
            None => {
                let id = LocationId(self.out.location.len() as u64 + 1);
                self.out.location.push(Location {
                    id,
                    mapping_id: mapping.map(|m| self.out.mapping[m].id),
                    address,
                    line,
                    is_folded: l.is_folded,
                });
                self.locations.insert(key, id);
                id
            }
        };
        src.location_memo[pos] = id.0;
        Ok(id)
    }

    /// The merged mapping's position for the source's mapping at `pos`, and the address shift.
    fn map_mapping(&mut self, src: &mut Source<'a>, pos: usize) -> (usize, i64) {
        if let Some(mi) = src.mapping_memo[pos] {
            return mi;
        }
        let p: &'a Profile = src.p;
        let m = &p.mapping[pos];
        let key = MappingKey::of(m);
        let mi = match self.mappings.get(&key) {
            Some(&at) => {
                let start = self.out.mapping[at].memory_start;
                (at, (start as i64).wrapping_sub(m.memory_start as i64))
            }
            None => {
                let at = self.out.mapping.len();
                self.out.mapping.push(Mapping {
                    id: MappingId(at as u64 + 1),
                    ..m.clone()
                });
                self.mappings.insert(key, at);
                (at, 0)
            }
        };
        src.mapping_memo[pos] = Some(mi);
        mi
    }

    fn map_function(&mut self, src: &mut Source<'a>, pos: usize) -> FunctionId {
        if src.function_memo[pos] != 0 {
            return FunctionId(src.function_memo[pos]);
        }
        let p: &'a Profile = src.p;
        let f = &p.function[pos];
        let key = FunctionKey {
            start_line: f.start_line,
            name: &f.name,
            system_name: &f.system_name,
            filename: &f.filename,
        };
        let id = *self.functions.entry(key).or_insert_with(|| {
            let id = FunctionId(self.out.function.len() as u64 + 1);
            self.out.function.push(Function { id, ..f.clone() });
            id
        });
        src.function_memo[pos] = id.0;
        id
    }
}

fn dangling(path: String, what: &str, id: u64) -> Error {
    Error::Invalid {
        path,
        what: format!("{what} {id} does not exist"),
    }
}
