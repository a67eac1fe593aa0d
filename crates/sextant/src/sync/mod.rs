//! Profiled synchronization primitives: Go's block and mutex profiles for Rust locks and
//! channels.
//!
//! [`Mutex`], [`RwLock`], [`Condvar`] and the channels of [`mpsc`] are std's, with std's API
//! and poisoning, wrapped so that their contention is recorded:
//!
//! - the **block profile** (`sextant::lookup("block")`): where threads waited, at the
//!   waiter's stack: a lock that was held, a `Condvar` wait, a receive on an empty channel, a
//!   send on a full `sync_channel`. Turn it on with [`set_block_rate`] (Go's
//!   `runtime.SetBlockProfileRate`);
//! - the **mutex profile** (`sextant::lookup("mutex")`): which lock holders made others wait,
//!   at the stack that released the lock, with the time the waiters lost while it was held.
//!   Turn it on with [`set_mutex_fraction`] (Go's `runtime.SetMutexProfileFraction`).
//!
//! ```no_run
//! use sextant::sync::{Mutex, set_block_rate, set_mutex_fraction};
//!
//! set_block_rate(1); // every blocking event
//! set_mutex_fraction(1); // every contended unlock
//! let m = Mutex::new(0);
//! *m.lock().unwrap() += 1;
//! let mut f = std::fs::File::create("mutex.pb.gz")?;
//! sextant::lookup("mutex").expect("known").write_to(&mut f, 0)?;
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! Then `go tool pprof -top mutex.pb.gz` (or `sextant pprof`).
//!
//! # Cost
//!
//! Both profiles are off by default; each lock, receive or blocking send then costs one
//! relaxed atomic load more than std's (no clock read, no stack). When a profile is on, an
//! uncontended operation adds a `try_lock` (or `try_recv`) that succeeds; only an operation
//! that must wait reads the clock and, if sampled, takes its stack.
//!
//! # What is recorded, and how it matches Go (1.19)
//!
//! - Block events are sampled as Go's `blocksampled`: an event at least `rate` nanoseconds
//!   long is always kept; a shorter one with probability `delay / rate`, and then counted as
//!   `rate / delay` events of `rate` nanoseconds in all (Go's bias removal, CL 299991). The
//!   writer does not scale them further.
//! - Mutex events are sampled one in `fraction` on average, stored raw, and multiplied by
//!   the fraction current at write time when the profile is written, as Go 1.19's
//!   `scaleMutexProfile` does. Go charges each woken waiter's wait to the goroutine that
//!   woke it; a wrapper cannot see wake-ups, so each unlock is charged the time its waiters
//!   spent waiting while it held the lock, and a waiter counts as one contention at the
//!   first unlock that charges it (a wait spanning several holders is split between them).
//!   A lock taken while both profiles were off charges nothing at its unlock.
//! - Profiles hold `contentions/count` and `delay/nanoseconds`, period type
//!   `contentions/count` with period 1, as Go 1.19 writes them. `debug=1` gives Go's legacy
//!   text (`--- contention:` or `--- mutex:`, `cycles/second=1000000000` since delays are
//!   kept in nanoseconds, `sampling period=` for the mutex profile), which pprof reads.
//! - Stacks start at the primitive (`Mutex::lock`, `Receiver::recv`, the guard's `drop`, or
//!   their callers when inlined), as Go's start at `sync.(*Mutex).Lock`. Recorded stacks are
//!   kept for the life of the process, as Go keeps its buckets.

mod condvar;
mod event;
mod held;
pub mod mpsc;
mod mutex;
mod profile;
mod rwlock;
pub(crate) mod text;
mod waits;
mod walk;

use std::io::Write;

use sextant_profile::Profile;

pub use condvar::Condvar;
pub use mutex::{Mutex, MutexGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult};

use crate::error::Result;

/// Sets the block profile's rate (Go's `runtime.SetBlockProfileRate`): on average one
/// blocking event per `ns` nanoseconds spent blocked is recorded; 1 records every event, 0
/// (the default) turns the profile off.
pub fn set_block_rate(ns: u64) {
    event::set_block_rate(ns);
}

/// The block profile's rate in nanoseconds (0: off).
pub fn block_rate() -> u64 {
    event::block_rate()
}

/// Sets the mutex profile's fraction (Go's `runtime.SetMutexProfileFraction`): on average
/// one contended unlock in `n` is recorded; 1 records all, 0 (the default) turns the
/// profile off. Returns the previous fraction.
pub fn set_mutex_fraction(n: u64) -> u64 {
    event::set_mutex_fraction(n)
}

/// The mutex profile's fraction (0: off); Go reads it with `SetMutexProfileFraction(-1)`.
pub fn mutex_fraction() -> u64 {
    event::mutex_fraction()
}

/// The two profiles of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    /// Where threads waited.
    Block,
    /// Who held contended locks.
    Mutex,
}

/// Distinct stacks recorded in `which`.
pub(crate) fn lookup_count(which: Which) -> usize {
    profile::count(which)
}

/// The profile `which` now.
pub(crate) fn lookup_profile(which: Which) -> Result<Profile> {
    profile::build(which)
}

/// The profile `which` in Go's legacy text format (`debug=1`).
pub(crate) fn lookup_text(w: &mut dyn Write, which: Which) -> Result<()> {
    profile::write_text(w, which)
}
