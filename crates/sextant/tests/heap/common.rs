//! What the heap tests share: the serial lock, the rate guard, reading profiles, Go's tool.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use sextant_profile::{Profile, Sample};

pub(crate) use super::go::go_pprof;

/// One test at a time: the rate is process-wide, and the big tests hold hundreds of MB.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static M: Mutex<()> = Mutex::new(());
    M.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sets the sampling rate for the test's duration; the default comes back on drop.
pub(crate) struct Rate;

impl Rate {
    pub(crate) fn set(bytes: u64) -> Rate {
        sextant::heap::set_rate(bytes);
        Rate
    }
}

impl Drop for Rate {
    fn drop(&mut self) {
        sextant::heap::set_rate(sextant::heap::DEFAULT_RATE);
    }
}

/// The named profile (`heap` or `allocs`), written as profile.proto and parsed back.
pub(crate) fn profile(name: &str) -> Profile {
    let mut buf = Vec::new();
    sextant::lookup(name)
        .expect("a known profile")
        .write_to(&mut buf, 0)
        .expect("the profile is written");
    Profile::parse(&buf).expect("our profile parses")
}

/// The function names of a sample's stack, leaf first, inline frames included.
pub(crate) fn stack_names<'a>(p: &'a Profile, s: &Sample) -> Vec<&'a str> {
    let mut names = Vec::new();
    for id in &s.location {
        let loc = p.location.iter().find(|l| l.id == *id).expect("a location");
        for line in &loc.line {
            if let Some(f) = line.function_id {
                let f = p.function.iter().find(|x| x.id == f).expect("a function");
                names.push(f.name.as_str());
            }
        }
    }
    names
}

/// The four values (alloc_objects, alloc_space, inuse_objects, inuse_space) summed over the
/// samples with a frame whose function name ends with `func`.
pub(crate) fn totals(p: &Profile, func: &str) -> [i64; 4] {
    let mut t = [0i64; 4];
    for s in &p.sample {
        if stack_names(p, s).iter().any(|n| n.ends_with(func)) {
            for (a, v) in t.iter_mut().zip(&s.value) {
                *a += v;
            }
        }
    }
    t
}

/// A fresh path in the temporary directory.
pub(crate) fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sextant-heap-{}-{name}", std::process::id()))
}

/// The rows of a `-top` report: (flat, function), in order.
pub(crate) fn top_rows(top: &str) -> Vec<(String, String)> {
    top.lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 6).then(|| (cols[0].to_string(), cols[5..].join(" ")))
        })
        .collect()
}
