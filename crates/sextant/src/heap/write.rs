//! The buckets to a profile, as Go's `writeHeapProto` (runtime/pprof/protomem.go) writes
//! heap and allocs profiles.

use std::time::SystemTime;

use sextant_profile::{Label, LocationId, Profile, Sample, ValueType};
use sextant_symbolize::{LoadedModule, loaded_modules};

use super::buckets::{self, Counts, NO_STACK};
use super::{STACK_UNAVAILABLE_FUNCTION, TRUNCATED_STACK_FUNCTION};
use crate::error::Result;
use crate::stackwalk::{ProfileBuilder, TRUNCATED};

/// Leading frames in these are the allocation machinery and are dropped, as Go hides the
/// leading `runtime.*` frames of allocation stacks (Go's runtime holds its `make`, `append`
/// and map code, as Rust's `alloc` crate and hashbrown hold `Vec`, `Box`, `String` and
/// `HashMap`): the first frame left is the code that asked for memory.
const MACHINERY: &[&str] = &[
    "sextant::heap::",
    "sextant::stackwalk::",
    "std::thread::local::",
    "__rust_alloc",
    "__rust_realloc",
    "__rust_dealloc",
    "__rg_",
    "__rdl_",
    "alloc::",
    "core::",
    "hashbrown::",
    "std::alloc::",
    "std::collections::",
];

/// Whether a function is [`MACHINERY`]: by its path; for `<Type as Trait>::f`, by the type's
/// path, or by the trait's when the type is a primitive or a parameter (`<[T] as
/// alloc::slice::..>`, `<str as alloc::borrow::ToOwned>`).
fn is_machinery(name: &str) -> bool {
    let name = name.strip_prefix("__rustc::").unwrap_or(name);
    let starts = |s: &str| MACHINERY.iter().any(|m| s.starts_with(m));
    match name.strip_prefix('<') {
        None => starts(name),
        Some(rest) => {
            starts(rest)
                || rest
                    .split_once(" as ")
                    .is_some_and(|(ty, tr)| starts(tr) && (!ty.contains("::") || starts(ty)))
        }
    }
}

/// One bucket, ready to print: its counts, its locations and their addresses.
pub(super) struct Record {
    pub(super) counts: Counts,
    pub(super) location: Vec<LocationId>,
}

/// A snapshot of the buckets, symbolized.
pub(super) struct Snapshot {
    pub(super) profile: Profile,
    pub(super) records: Vec<Record>,
    pub(super) rate: u64,
    /// The modules the profile's mappings were made from, in order.
    pub(super) modules: Vec<LoadedModule>,
}

/// Reads the buckets and symbolizes their stacks. The profile has its mappings, locations
/// and functions but no samples yet.
pub(super) fn snapshot() -> Result<Snapshot> {
    let rate = super::rate();
    let buckets: Vec<_> = buckets::all().map(|b| (b, b.counts())).collect();
    let modules = loaded_modules()?;
    let mut b = ProfileBuilder::new(&modules, true);
    let mut records = Vec::with_capacity(buckets.len());
    let mut truncated = 0u64;
    for (bucket, counts) in buckets {
        if counts.allocs == 0 {
            continue;
        }
        let mut location = if bucket.flags & NO_STACK != 0 {
            vec![b.pseudo(STACK_UNAVAILABLE_FUNCTION)]
        } else {
            let all: Vec<LocationId> = bucket.pcs.iter().map(|&pc| b.location(pc)).collect();
            trim(&b.profile, all)
        };
        if bucket.flags & TRUNCATED != 0 {
            truncated += counts.allocs;
            location.push(b.pseudo(TRUNCATED_STACK_FUNCTION));
        }
        records.push(Record { counts, location });
    }
    let mut profile = b.profile;
    if truncated > 0 {
        profile.comments.push(format!(
            "{truncated} sampled allocations had stacks deeper than {} frames; their roots are \
             cut and marked {TRUNCATED_STACK_FUNCTION}",
            crate::stackwalk::MAX_DEPTH
        ));
    }
    if super::stack::failed() {
        profile.comments.push(format!(
            "the unwinder could not read this process's modules; stacks are \
             {STACK_UNAVAILABLE_FUNCTION}"
        ));
    }
    Ok(Snapshot {
        profile,
        records,
        rate,
        modules,
    })
}

/// Whether a function is the global allocator's entry: the `__rust_alloc` shims or a
/// `GlobalAlloc` method. The frames up to it are the sampler's own (taking the stack,
/// thread-local access), whatever the build inlined.
fn is_allocator_entry(name: &str) -> bool {
    // Rust 1.90 and later name the shims `__rustc::__rust_alloc`.
    let name = name.strip_prefix("__rustc::").unwrap_or(name);
    // Not `__rust_` alone: `__rust_try` (catch_unwind) and `__rust_begin_short_backtrace`
    // sit low in every thread's stack.
    [
        "__rust_alloc",
        "__rust_realloc",
        "__rust_dealloc",
        "__rg_",
        "__rdl_",
    ]
    .iter()
    .any(|p| name.starts_with(p))
        || name.contains(" as core::alloc::global::GlobalAlloc>::")
}

/// Drops the frames of the sampler and of the allocation machinery above the code that
/// asked for memory: everything up to the outermost allocator entry, then the leading
/// locations whose every function is [`MACHINERY`]. Keeps all if that would leave nothing
/// (Go's rule for its runtime frames).
fn trim(p: &Profile, location: Vec<LocationId>) -> Vec<LocationId> {
    let names = |id: LocationId| {
        let loc = &p.location[id.0 as usize - 1];
        loc.line
            .iter()
            .filter_map(|l| l.function_id)
            .map(|f| p.function[f.0 as usize - 1].name.as_str())
            .collect::<Vec<_>>()
    };
    let entry = location
        .iter()
        .rposition(|&id| names(id).iter().any(|n| is_allocator_entry(n)))
        .map_or(0, |i| i + 1);
    let machinery = |id: LocationId| {
        let n = names(id);
        !n.is_empty() && n.iter().all(|n| is_machinery(n))
    };
    match location[entry..].iter().position(|&id| !machinery(id)) {
        Some(i) => location[entry + i..].to_vec(),
        None => location,
    }
}

/// Go's `scaleHeapSample`: the unsampled (count, bytes) of a record taken with probability
/// `1 - exp(-avg/rate)` per object of average size `avg`.
pub(super) fn scale(count: u64, size: u64, rate: u64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count as i64, size as i64);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

/// The heap (`allocs` false) or allocs profile.
pub(super) fn profile(allocs: bool) -> Result<Profile> {
    let Snapshot {
        mut profile,
        records,
        rate,
        ..
    } = snapshot()?;
    for r in records {
        let c = r.counts;
        let (ao, ab) = scale(c.allocs, c.alloc_bytes, rate);
        let (io, ib) = scale(c.inuse(), c.inuse_bytes(), rate);
        let block = c.alloc_bytes / c.allocs;
        profile.sample.push(Sample {
            location: r.location,
            value: vec![ao, ab, io, ib],
            label: if block != 0 {
                vec![Label::num("bytes", block as i64, "")]
            } else {
                Vec::new()
            },
        });
    }
    profile.sample_type = vec![
        ValueType::new("alloc_objects", "count"),
        ValueType::new("alloc_space", "bytes"),
        ValueType::new("inuse_objects", "count"),
        ValueType::new("inuse_space", "bytes"),
    ];
    // Go leaves the heap profile's default empty, which means the last type, inuse_space.
    if allocs {
        profile.default_sample_type = "alloc_space".to_string();
    }
    profile.period_type = Some(ValueType::new("space", "bytes"));
    profile.period = rate as i64;
    profile.time_nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allocation_machinery_is_recognized_by_path() {
        for m in [
            "__rust_alloc",
            "__rustc::__rust_alloc_zeroed",
            "alloc::raw_vec::RawVecInner<A>::try_allocate_in",
            "<alloc::vec::Vec<T> as alloc::vec::spec_from_elem::SpecFromElem>::from_elem",
            "<u8 as alloc::vec::spec_from_elem::SpecFromElem>::from_elem",
            "<T as alloc::vec::spec_from_elem::SpecFromElem>::from_elem",
            "hashbrown::raw::RawTable<T,A>::reserve_rehash",
            "std::collections::hash::map::HashMap<K,V,S>::insert",
            "<sextant::heap::Sampler<A> as core::alloc::global::GlobalAlloc>::alloc",
        ] {
            assert!(is_machinery(m), "{m}");
        }
        for user in [
            "leak::remember",
            "<leak::Cache as core::default::Default>::default",
            "std::io::default_read_to_end",
            "myalloc::grow",
            "__rust_try",
        ] {
            assert!(!is_machinery(user), "{user}");
        }
    }

    #[test]
    fn scaling_matches_gos_arithmetic() {
        // One 512 KiB object sampled at rate 512 KiB: probability 1 - 1/e, scale 1.5819767 (hand: 524288 * 1.5819767 = 829411.3).
        assert_eq!(scale(1, 524_288, 524_288), (1, 829_411));
        // 10 objects of 100 bytes: scale = 1/(1-exp(-100/524288)) = 5243.38...
        assert_eq!(scale(10, 1000, 524_288), (52_433, 5_243_380));
        assert_eq!(scale(3, 300, 1), (3, 300));
        assert_eq!(scale(0, 0, 524_288), (0, 0));
    }
}
