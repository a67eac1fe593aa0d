//! The counting global allocator behind `-benchmem`, `b.report_allocs()` and `B/op`.
//!
//! Go reads `runtime.MemStats.Mallocs` and `TotalAlloc` around a benchmark; Rust has no such
//! counters, so the harness provides them: [`CountingAlloc`] wraps another allocator (the
//! system's by default) and counts every allocation and its bytes, process-wide, as Go does.
//! [`main!`](crate::main) installs it ([`DefaultAlloc`]: with the `memprofile` feature it wraps
//! `sextant::heap::Sampler<System>`, the sampling allocator `-memprofile` reads); a program
//! with its own `#[global_allocator]` wraps that one instead, here the system's:
//!
//! ```
//! #[global_allocator]
//! static ALLOC: sextant_bench::CountingAlloc<std::alloc::System> =
//!     sextant_bench::CountingAlloc::new(std::alloc::System);
//!
//! let v = vec![1u8; 100];
//! assert_eq!(v.len(), 100);
//! ```
//!
//! and for `-memprofile` as well, with the sampler between the two (`MyAlloc` being any
//! `GlobalAlloc` with a `const` constructor):
//!
//! ```
//! # use std::alloc::{GlobalAlloc, Layout, System};
//! # struct MyAlloc;
//! # // SAFETY: forwards to the system allocator.
//! # unsafe impl GlobalAlloc for MyAlloc {
//! #     unsafe fn alloc(&self, l: Layout) -> *mut u8 { unsafe { System.alloc(l) } }
//! #     unsafe fn dealloc(&self, p: *mut u8, l: Layout) { unsafe { System.dealloc(p, l) } }
//! # }
//! #[global_allocator]
//! static ALLOC: sextant_bench::CountingAlloc<sextant::heap::Sampler<MyAlloc>> =
//!     sextant_bench::CountingAlloc::new(sextant::heap::Sampler::new(MyAlloc));
//!
//! let v = vec![1u8; 100];
//! assert!(sextant::heap::is_installed());
//! # drop(v);
//! ```
//!
//! Counting stays exact with the sampler underneath: every allocation passes through
//! [`CountingAlloc`] first. When `-memprofile` is given, the sampler's own bookkeeping (a
//! bucket for each new stack, the growth of its set of sampled objects) is allocated through
//! the global allocator too and so counted in `B/op`; Go's profiler allocates off its heap. It
//! is a few allocations per new stack, and `-memprofile` runs are not for measuring anyway.
//!
//! Design: the fast path is two relaxed `fetch_add`s on counters striped across cache lines by
//! thread, so parallel benchmarks do not all contend on one line; a reader sums the stripes.
//! `realloc` counts as one allocation of the new size, as Go counts a grown slice. Frees are not
//! counted: Go's `B/op` is bytes allocated, not bytes live.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// The global allocator [`main!`](crate::main) installs: [`CountingAlloc`] over
/// `sextant::heap::Sampler<System>` with the `memprofile` feature (on by default), so that
/// `-memprofile` has allocations to report, and over [`System`] without it.
#[cfg(feature = "memprofile")]
pub type DefaultAlloc = CountingAlloc<sextant::heap::Sampler<System>>;

/// The global allocator [`main!`](crate::main) installs: [`CountingAlloc`] over
/// `sextant::heap::Sampler<System>` with the `memprofile` feature (on by default), so that
/// `-memprofile` has allocations to report, and over [`System`] without it.
#[cfg(not(feature = "memprofile"))]
pub type DefaultAlloc = CountingAlloc<System>;

/// The value of [`DefaultAlloc`], for a `static`:
///
/// ```
/// #[global_allocator]
/// static ALLOC: sextant_bench::DefaultAlloc = sextant_bench::default_alloc();
/// ```
///
/// Decided by this crate's features, not the caller's, since [`main!`](crate::main) expands in
/// the benchmark's crate.
pub const fn default_alloc() -> DefaultAlloc {
    #[cfg(feature = "memprofile")]
    return CountingAlloc::new(sextant::heap::Sampler::new(System));
    #[cfg(not(feature = "memprofile"))]
    return CountingAlloc::system();
}

/// Stripes of counters: enough that a 16-way parallel benchmark rarely shares one.
const STRIPES: usize = 16;

#[repr(align(128))] // 128: two 64-byte lines, as adjacent-line prefetchers pair them.
struct Stripe {
    allocs: AtomicU64,
    bytes: AtomicU64,
}

#[allow(clippy::declare_interior_mutable_const)] // Used only to initialise the array below.
const ZERO: Stripe = Stripe {
    allocs: AtomicU64::new(0),
    bytes: AtomicU64::new(0),
};
static COUNTERS: [Stripe; STRIPES] = [ZERO; STRIPES];
static INSTALLED: AtomicBool = AtomicBool::new(false);
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Const-initialised without a destructor, so reading it never allocates.
    static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// A global allocator that counts allocations for the benchmark harness.
///
/// Install it with [`main!`](crate::main) (which does so by default), or by hand:
///
/// ```
/// #[global_allocator]
/// static ALLOC: sextant_bench::CountingAlloc = sextant_bench::CountingAlloc::system();
/// ```
#[derive(Debug, Default)]
pub struct CountingAlloc<A = System> {
    inner: A,
}

impl CountingAlloc<System> {
    /// Counts allocations made through the system allocator.
    pub const fn system() -> Self {
        CountingAlloc { inner: System }
    }
}

impl<A> CountingAlloc<A> {
    /// Counts allocations made through `inner`, such as a sampling heap profiler.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }
}

fn count(size: usize) {
    let stripe = STRIPE
        .try_with(|s| {
            if s.get() == usize::MAX {
                s.set(NEXT_STRIPE.fetch_add(1, Relaxed) % STRIPES);
            }
            s.get()
        })
        // A thread being torn down still allocates; give it stripe 0.
        .unwrap_or(0);
    let c = &COUNTERS[stripe];
    c.allocs.fetch_add(1, Relaxed);
    c.bytes.fetch_add(size as u64, Relaxed);
}

// SAFETY: every method forwards to `inner` with the caller's arguments unchanged, so `inner`'s
// guarantees hold; counting touches only atomics and a const thread-local, never allocating.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { self.inner.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { self.inner.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, so from `inner`.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        unsafe { self.inner.realloc(ptr, layout, new_size) }
    }
}

/// Process-wide totals since start: allocations and bytes allocated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AllocCounts {
    pub(crate) allocs: u64,
    pub(crate) bytes: u64,
}

/// Reads the counters (Go's `ReadMemStats` for `Mallocs` and `TotalAlloc`).
pub(crate) fn read() -> AllocCounts {
    let mut total = AllocCounts::default();
    for c in &COUNTERS {
        total.allocs += c.allocs.load(Relaxed);
        total.bytes += c.bytes.load(Relaxed);
    }
    total
}

/// Whether a [`CountingAlloc`] is this program's global allocator: a probe allocation must
/// move the counters.
pub(crate) fn installed() -> bool {
    if INSTALLED.load(Relaxed) {
        return true;
    }
    let before = read().allocs;
    drop(std::hint::black_box(Box::new(0u64)));
    let yes = read().allocs != before;
    INSTALLED.store(yes, Relaxed);
    yes
}
