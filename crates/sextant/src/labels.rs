//! Labels on CPU samples: Go's `pprof.Do` for Rust threads.
//!
//! [`with`] attaches labels to every sample taken on the calling thread while its closure
//! runs. Calls nest: inner labels add to the outer ones, and an inner value replaces an outer
//! one with the same key, as in Go. The labels reach the profile as string labels, so
//! `sextant pprof -tagfocus=endpoint=/api` (or `go tool pprof`) selects those samples.
//!
//! ```
//! sextant::labels::with(&[("endpoint", "/api")], || {
//!     sextant::labels::with(&[("tenant", "acme")], || {
//!         assert_eq!(
//!             sextant::labels::current(),
//!             [("endpoint".to_string(), "/api".to_string()), ("tenant".to_string(), "acme".to_string())]
//!         );
//!     });
//! });
//! ```
//!
//! # Design
//!
//! A label set is interned once into a process-wide table and named by a number; the thread
//! keeps only that number in a thread-local cell. The signal handler reads the cell (a plain
//! load: no allocation, no lock) and stores the number with the sample; the profile builder
//! turns numbers back into labels off the signal path. The table holds each distinct set
//! once, so its size is bounded by the label cardinality the program uses, as in Go.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A sorted, key-unique list of labels.
pub(crate) type LabelSet = Arc<[(String, String)]>;

thread_local! {
    // Const-initialised and without a destructor, so reading it from a signal handler is a
    // plain thread-local load that can neither allocate nor fail.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

#[derive(Default)]
struct Table {
    sets: Vec<LabelSet>,
    ids: HashMap<LabelSet, u64>,
}

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(Mutex::default)
}

/// Runs `f` with `labels` added to this thread's labels, and returns what it returns.
///
/// Samples the CPU profiler takes on this thread while `f` runs carry the labels. The
/// previous labels come back when `f` returns or unwinds.
pub fn with<R>(labels: &[(&str, &str)], f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(Cell::get);
    let mut merged: Vec<(String, String)> = resolve(prev).map(|s| s.to_vec()).unwrap_or_default();
    for (k, v) in labels {
        match merged.iter_mut().find(|(mk, _)| mk == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => merged.push((k.to_string(), v.to_string())),
        }
    }
    merged.sort();
    let id = intern(merged);
    struct Restore(u64);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(prev);
    CURRENT.with(|c| c.set(id));
    f()
}

/// This thread's labels, sorted by key.
pub fn current() -> Vec<(String, String)> {
    resolve(CURRENT.with(Cell::get))
        .map(|s| s.to_vec())
        .unwrap_or_default()
}

/// The calling thread's label-set number, for the signal handler.
///
/// Async-signal-safe: one thread-local load; 0 when the thread has no labels.
pub(crate) fn current_id() -> u64 {
    CURRENT.try_with(Cell::get).unwrap_or(0)
}

/// The labels a number stands for; `None` for 0 (no labels) or an unknown number.
pub(crate) fn resolve(id: u64) -> Option<LabelSet> {
    if id == 0 {
        return None;
    }
    let t = table().lock().unwrap_or_else(|e| e.into_inner());
    t.sets.get(id as usize - 1).cloned()
}

fn intern(set: Vec<(String, String)>) -> u64 {
    if set.is_empty() {
        return 0;
    }
    let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
    let set: LabelSet = set.into();
    if let Some(&id) = t.ids.get(&set) {
        return id;
    }
    t.sets.push(set.clone());
    let id = t.sets.len() as u64;
    t.ids.insert(set, id);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_nest_and_inner_values_replace_outer_ones() {
        with(&[("endpoint", "/api"), ("tenant", "a")], || {
            with(&[("tenant", "b")], || {
                assert_eq!(current(), pairs(&[("endpoint", "/api"), ("tenant", "b")]));
            });
            assert_eq!(current(), pairs(&[("endpoint", "/api"), ("tenant", "a")]));
        });
        assert!(current().is_empty());
        assert_eq!(current_id(), 0);
    }

    #[test]
    fn the_same_set_gets_the_same_number() {
        let a = with(&[("k", "v")], current_id);
        let b = with(&[("k", "v")], current_id);
        assert_eq!(a, b);
        assert_ne!(a, 0);
    }

    #[test]
    fn labels_come_back_after_a_panic() {
        let r = std::panic::catch_unwind(|| with(&[("k", "v")], || panic!("boom")));
        assert!(r.is_err());
        assert!(current().is_empty());
    }
}
