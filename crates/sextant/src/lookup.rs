//! Named profiles: Go's `pprof.Lookup` and `pprof.Profiles`.
//!
//! ```no_run
//! let mut f = std::fs::File::create("heap.pb.gz")?;
//! sextant::lookup("heap").expect("a known profile").write_to(&mut f, 0)?;
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! | name | what it holds | sample types |
//! |---|---|---|
//! | `allocs` | sampled allocations since the program started | `alloc_objects/count, alloc_space/bytes, inuse_objects/count, inuse_space/bytes`, default `alloc_space` |
//! | `heap` | the same, viewed as live memory | the same, default `inuse_space` |
//! | `threads` (`goroutine`, Go's name) | the stack of every thread now | `threads/count` (Go: `goroutine/count`) |
//! | `block` | where threads waited on [`crate::sync`] primitives | `contentions/count, delay/nanoseconds` |
//! | `mutex` | who held contended [`crate::sync`] locks | `contentions/count, delay/nanoseconds` |
//! | `threadcreate` | stacks that created threads | `threadcreate/count` |
//!
//! `write_to(w, 0)` writes profile.proto, gzip-compressed; `write_to(w, 1)` writes Go's legacy
//! text format (and for `threads`/`goroutine`, `write_to(w, 2)` one dump per thread, in the
//! shape of Go's goroutine dump).

use std::io::Write;

use sextant_profile::Profile;

use crate::error::Result;

/// Which profile a [`Lookup`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Allocs,
    Block,
    Heap,
    Mutex,
    Threadcreate,
    Threads,
}

/// A named profile, as Go's `*pprof.Profile`: [`lookup`] finds one, [`Lookup::write_to`]
/// writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookup {
    name: &'static str,
    kind: Kind,
}

/// Every profile name [`lookup`] knows, in the order of Go's `pprof.Profiles` (by name).
const NAMES: &[(&str, Kind)] = &[
    ("allocs", Kind::Allocs),
    ("block", Kind::Block),
    ("goroutine", Kind::Threads),
    ("heap", Kind::Heap),
    ("mutex", Kind::Mutex),
    ("threadcreate", Kind::Threadcreate),
    ("threads", Kind::Threads),
];

/// The profile called `name` (Go's `pprof.Lookup`): `allocs`, `block`, `goroutine` (an alias
/// of `threads`), `heap`, `mutex`, `threadcreate`, `threads`. `None` for any other name.
pub fn lookup(name: &str) -> Option<Lookup> {
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(name, kind)| Lookup { name, kind })
}

/// Every profile, sorted by name (Go's `pprof.Profiles`); `goroutine` and `threads` are both
/// listed, as the same profile.
pub fn profiles() -> Vec<Lookup> {
    NAMES
        .iter()
        .map(|&(name, kind)| Lookup { name, kind })
        .collect()
}

impl Lookup {
    /// The name it was looked up by.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the profile shows, as net/http/pprof's index page says it.
    pub fn description(&self) -> &'static str {
        match self.kind {
            Kind::Allocs => "A sampling of all past memory allocations",
            Kind::Block => {
                "Stack traces that led to blocking on synchronization primitives (sextant::sync)"
            }
            Kind::Heap => {
                "A sampling of memory allocations of live objects. You can specify the gc GET \
                 parameter to run GC before taking the heap sample (accepted and ignored: Rust \
                 has no GC)."
            }
            Kind::Mutex => "Stack traces of holders of contended mutexes (sextant::sync)",
            Kind::Threadcreate => "Stack traces that led to the creation of new OS threads",
            Kind::Threads => "Stack traces of all current threads",
        }
    }

    /// The number of samples the profile holds now (Go's `Profile.Count`): threads alive,
    /// distinct allocation stacks, contention stacks, thread creations recorded.
    pub fn count(&self) -> usize {
        match self.kind {
            Kind::Allocs | Kind::Heap => crate::heap::lookup_count(),
            Kind::Block => crate::sync::lookup_count(crate::sync::Which::Block),
            Kind::Mutex => crate::sync::lookup_count(crate::sync::Which::Mutex),
            Kind::Threadcreate => crate::threads::threadcreate_count(),
            Kind::Threads => crate::threads::lookup_count(),
        }
    }

    /// The profile now, in memory.
    ///
    /// # Errors
    ///
    /// When the collector cannot read what it needs from the system (this process's
    /// mappings, its threads).
    pub fn profile(&self) -> Result<Profile> {
        match self.kind {
            Kind::Allocs => crate::heap::lookup_profile(true),
            Kind::Heap => crate::heap::lookup_profile(false),
            Kind::Block => crate::sync::lookup_profile(crate::sync::Which::Block),
            Kind::Mutex => crate::sync::lookup_profile(crate::sync::Which::Mutex),
            Kind::Threadcreate => crate::threads::threadcreate_profile(),
            Kind::Threads => crate::threads::lookup_profile(),
        }
    }

    /// Writes the profile (Go's `Profile.WriteTo`): `debug` 0 is gzip-compressed
    /// profile.proto; 1 is Go's legacy text format with symbolized frames; 2, for `threads`
    /// and `goroutine`, one stack dump per thread (other profiles treat 2 as 1).
    ///
    /// # Errors
    ///
    /// As [`Lookup::profile`], and when writing to `w` fails.
    pub fn write_to(&self, w: &mut dyn Write, debug: u32) -> Result<()> {
        if debug == 0 {
            let mut w = w;
            self.profile()?.write(&mut w)?;
            return Ok(());
        }
        match self.kind {
            Kind::Allocs => crate::heap::lookup_text(w, true),
            Kind::Heap => crate::heap::lookup_text(w, false),
            Kind::Block => crate::sync::lookup_text(w, crate::sync::Which::Block),
            Kind::Mutex => crate::sync::lookup_text(w, crate::sync::Which::Mutex),
            Kind::Threadcreate => crate::threads::threadcreate_text(w),
            Kind::Threads => crate::threads::lookup_text(w, debug),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_names_are_found_and_others_are_not() {
        for n in [
            "allocs",
            "block",
            "goroutine",
            "heap",
            "mutex",
            "threadcreate",
            "threads",
        ] {
            assert_eq!(lookup(n).map(|l| l.name()), Some(n));
        }
        assert_eq!(lookup("goroutine").unwrap().kind, Kind::Threads);
        assert!(
            lookup("cpu").is_none(),
            "cpu is started and stopped, not looked up"
        );
        assert!(lookup("Heap").is_none());
    }

    #[test]
    fn profiles_are_sorted_by_name() {
        let names: Vec<_> = profiles().iter().map(|p| p.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
}
