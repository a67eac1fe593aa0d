//! Allocation and heap profiles from a sampling [`GlobalAlloc`](std::alloc::GlobalAlloc):
//! Go's `runtime.MemProfileRate`, `pprof.Lookup("heap")` and `pprof.Lookup("allocs")` for any
//! allocator.
//!
//! ```no_run
//! use std::alloc::System;
//!
//! #[global_allocator]
//! static A: sextant::heap::Sampler<System> = sextant::heap::Sampler::new(System);
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // ... the work whose memory to profile ...
//!     let mut f = std::fs::File::create("heap.pb.gz")?;
//!     sextant::lookup("heap").expect("a known profile").write_to(&mut f, 0)?;
//!     Ok(())
//! }
//! ```
//!
//! then `go tool pprof -top heap.pb.gz` (or `sextant pprof`), `-sample_index=alloc_space` for
//! who allocates most.
//!
//! # Design
//!
//! - **Sampling as Go samples.** Each thread counts down the bytes it allocates; when an
//!   allocation of `size` bytes finds `size >= countdown`, it is sampled and a new countdown is
//!   drawn from an exponential distribution with mean [`rate`] (Go's `nextSample` /
//!   `fastexprand`). An allocation of `size` bytes is thus sampled with probability
//!   `1 - exp(-size/rate)`, which the writer divides out (Go's `scaleHeapSample`), so the
//!   estimates are unbiased. The fast path is one thread-local decrement and compare, plus
//!   the object and byte counters [`crate::memstats`] needs; the same countdown also fires
//!   every 64 KiB to flush those counters (so a thread never keeps more than that unflushed).
//! - **A sampled allocation** takes its stack (the unwinder of the CPU profiler, with
//!   `.eh_frame` tables parsed on the first sample), adds one to its stack's bucket (a
//!   lock-free hash chain of buckets, never freed, as Go's `mProf` buckets) and enters its
//!   address in the set of live sampled objects.
//! - **A free** must learn whether its pointer was sampled. An 8 KiB bitmap indexed by
//!   address bits says "certainly not" for almost every free at the default rate (one
//!   relaxed load and a bit test); only when it says "maybe" is the set of live sampled
//!   objects consulted. That set is an open-addressing table split into 64 independently
//!   locked shards: a lock is held for a few probes and never while allocating from outside
//!   the sampler, and at the default rate it is taken about once per 512 KiB, so threads are
//!   not serialized. The entry is removed *before* the memory goes back to the inner
//!   allocator, so a concurrent allocation reusing the address cannot be confused with it;
//!   in-use counts of sampled objects are therefore exact.
//! - **`realloc`** is a free of the old block and an allocation of the new one (Go has no
//!   realloc; dhat counts the same way), so `alloc_space` counts every block size a growing
//!   `Vec` passes through.
//! - **Reentrancy.** The profiler allocates (buckets, the set, the unwind tables); a
//!   thread-local flag marks the sampling code and makes allocations inside it plain. All
//!   thread-local state is `const`-initialized `Cell`s without destructors, so it stays usable
//!   while other thread-locals are destroyed; a separate small thread-local with a destructor
//!   flushes the counters when a thread exits and from then on every operation of that thread
//!   flushes at once.
//! - **Stacks of new threads.** The unwinder only reads memory inside the writable mappings
//!   of its latest `/proc/self/maps` snapshot. Each thread notes the snapshot generation at its
//!   first allocation (its stack is mapped by then); its first sample re-reads the maps unless
//!   a snapshot was started after that. One thread refreshes at a time; the others wait for it
//!   (it holds no lock an allocation needs).
//! - **The unwinder is built lazily** on the first sampled allocation (it reads every loaded
//!   module's unwind sections), by that thread with the reentrancy flag set; threads that
//!   sample while it is being built record their sample under the pseudo-frame
//!   [`STACK_UNAVAILABLE_FUNCTION`] rather than wait.
//! - **The writer's own allocations** (symbolization allocates much) are not sampled, like
//!   the sampler's bookkeeping; they are counted in [`crate::memstats`].
//!
//! Profiles show stacks from the code that asked for memory outwards: the leading frames of
//! the allocation machinery (`__rust_alloc`, this module, the `alloc` and `core` crates,
//! hashbrown and `std::collections`: `Vec`, `Box`, `String`, `HashMap`) are dropped, as Go
//! hides the leading `runtime.*` frames (where its `make`, `append` and maps live).

mod buckets;
mod live;
mod sampler;
mod stack;
mod text;
mod write;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use sextant_profile::Profile;

use crate::error::Result;

pub use sampler::Sampler;

/// Go's default `MemProfileRate`: one sample per 512 KiB allocated, on average.
pub const DEFAULT_RATE: u64 = 512 * 1024;

/// The pseudo-function of samples taken while the unwinder was not ready (being built by
/// another thread, or failed to read this process's modules).
pub const STACK_UNAVAILABLE_FUNCTION: &str = "sextant::heap::stack_unavailable";

/// The pseudo-function at the root of a stack cut at the depth limit.
pub const TRUNCATED_STACK_FUNCTION: &str = "sextant::heap::truncated_stack";

static RATE: AtomicU64 = AtomicU64::new(DEFAULT_RATE);

/// Sets the mean number of bytes allocated between two samples (Go's
/// `runtime.MemProfileRate`): [`DEFAULT_RATE`] (512 KiB) unless changed, 1 records every
/// allocation, 0 turns sampling off.
///
/// Set it early, as Go advises: the calling thread picks up the new rate at once; other
/// threads at their next flush, within 64 KiB of allocation. Samples already taken are
/// unsampled with the rate in force when the profile is written, as in Go.
pub fn set_rate(bytes: u64) {
    RATE.store(bytes, Ordering::Relaxed);
    sampler::rate_changed();
}

/// The current sampling rate (see [`set_rate`]).
pub fn rate() -> u64 {
    RATE.load(Ordering::Relaxed)
}

/// Whether a [`Sampler`] is the global allocator of this program (it has seen an
/// allocation).
pub fn is_installed() -> bool {
    sampler::installed()
}

/// Flushes the calling thread's allocation counters to the totals [`crate::memstats`] reads.
pub(crate) fn flush_current_thread() {
    sampler::flush_current();
}

pub(crate) fn lookup_count() -> usize {
    buckets::count()
}

pub(crate) fn lookup_profile(allocs: bool) -> Result<Profile> {
    sampler::quiet(|| write::profile(allocs))
}

pub(crate) fn lookup_text(w: &mut dyn Write, _allocs: bool) -> Result<()> {
    // Go writes the same text for both (writeHeapInternal).
    sampler::quiet(|| text::write(w))
}
