//! The stack walker that thread dumps, the wall-clock profiler and thread creation share.
//!
//! # Design
//!
//! Parsing every module's `.eh_frame` costs tens of milliseconds and a copy of the sections,
//! so the walker is built once, on first use, and kept. It is rebuilt only when the set of
//! executable mappings changed (a library was loaded or unloaded), which [`refresh`] checks
//! each time it re-reads `/proc/self/maps` for the stacks of new threads.
//!
//! Signal handlers use the walker too, so it is published through one pointer and every
//! user counts itself in [`USERS`] before loading it (a handler included: atomics only). A
//! replaced walker is freed by a later [`refresh`] that sees no user; one that never sees
//! the count at zero (a thread stopped forever inside a handler) keeps it, which leaks a
//! walker rather than freeing memory a handler may read.
//!
//! [`StackRanges::update`](crate::stackwalk::StackRanges) allows one writer at a time:
//! every update happens under the [`REFRESH`] lock.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard};

use sextant_symbolize::{MapEntry, modules_from_maps, read_self_maps};

use crate::error::Result;
use crate::stackwalk::StackWalker;

/// Framehop caches in the walker: one per request slot (the threads signalled at once), and
/// some for threads unwinding themselves (the dumping thread, thread creations) meanwhile.
const CACHES: usize = super::signal::SLOTS + 8;

struct Published {
    walker: StackWalker,
    /// A hash of the executable mappings the walker's tables were parsed from.
    modules: u64,
}

static CURRENT: AtomicPtr<Published> = AtomicPtr::new(std::ptr::null_mut());
static USERS: AtomicUsize = AtomicUsize::new(0);

/// Replaced walkers not yet freed.
struct Retired(Vec<*mut Published>);
// SAFETY: the pointers are owned boxes, only touched under the REFRESH lock.
unsafe impl Send for Retired {}

static REFRESH: Mutex<Retired> = Mutex::new(Retired(Vec::new()));

/// Runs `f` with the current walker, or returns `None` if none is built yet.
///
/// Async-signal-safe: atomics only.
pub(crate) fn with_walker<R>(f: impl FnOnce(&StackWalker) -> R) -> Option<R> {
    USERS.fetch_add(1, SeqCst);
    let p = CURRENT.load(SeqCst);
    // SAFETY: a published walker is freed only after it is unpublished and USERS is seen at
    // zero; we counted ourselves before loading it.
    let r = (!p.is_null()).then(|| f(unsafe { &(*p).walker }));
    USERS.fetch_sub(1, SeqCst);
    r
}

fn lock() -> MutexGuard<'static, Retired> {
    REFRESH.lock().unwrap_or_else(|e| e.into_inner())
}

/// Builds the walker if needed (or rebuilds it if the executable mappings changed) and
/// refreshes its stack ranges from `/proc/self/maps`, so the stacks of threads created
/// since the last refresh can be unwound.
///
/// # Errors
///
/// [`crate::Error::Symbolize`] if `/proc/self/maps` cannot be read.
pub(crate) fn refresh() -> Result<()> {
    let mut retired = lock();
    let maps = read_self_maps()?;
    let hash = modules_hash(&maps);
    let p = CURRENT.load(SeqCst);
    // SAFETY: only this function (under the lock we hold) replaces or frees walkers.
    let current = (!p.is_null()).then(|| unsafe { &*p });
    match current {
        Some(c) if c.modules == hash => c.walker.stacks.update(&maps),
        _ => {
            let walker = StackWalker::new(&modules_from_maps(&maps), CACHES);
            walker.stacks.update(&maps);
            let fresh = Box::into_raw(Box::new(Published {
                walker,
                modules: hash,
            }));
            let old = CURRENT.swap(fresh, SeqCst);
            if !old.is_null() {
                retired.0.push(old);
            }
        }
    }
    if !retired.0.is_empty() && USERS.load(SeqCst) == 0 {
        for p in retired.0.drain(..) {
            // SAFETY: unpublished before USERS was seen at zero, so no user holds it; it
            // came from Box::into_raw above.
            drop(unsafe { Box::from_raw(p) });
        }
    }
    Ok(())
}

/// Makes sure the stack holding `sp` can be unwound: builds the walker on first use and
/// re-reads the mappings if `sp` is in no known stack (a thread created since).
///
/// # Errors
///
/// As [`refresh`].
pub(crate) fn cover(sp: u64) -> Result<()> {
    if with_walker(|w| w.stacks.readable_end(sp).is_some()) == Some(true) {
        return Ok(());
    }
    refresh()
}

fn modules_hash(maps: &[MapEntry]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // Only mappings the walker parses tables from: anonymous executable memory (a JIT's)
    // has none, and changing it must not rebuild the walker.
    for m in maps.iter().filter(|m| m.execute && !m.path.is_empty()) {
        (m.start, m.end, m.offset, &m.path).hash(&mut h);
    }
    h.finish()
}
