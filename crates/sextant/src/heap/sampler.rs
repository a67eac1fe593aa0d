//! The `GlobalAlloc` wrapper and its per-thread state: the byte countdown, the counters, the
//! reentrancy flag.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{live, stack};

/// Bytes a thread may allocate (or free) before its counters are flushed to the global ones
/// [`crate::memstats::read`] sums: small enough that the totals are off by at most this much
/// per thread, large enough that the flush (four uncontended atomic adds) costs well under
/// 1% even for 16-byte allocations (one flush per 4096 of them).
pub(crate) const FLUSH_BYTES: u64 = 64 * 1024;

/// A [`GlobalAlloc`] that samples the allocations of `A` for the `heap` and `allocs`
/// profiles and counts them for [`crate::memstats`].
///
/// ```no_run
/// #[global_allocator]
/// static A: sextant::heap::Sampler<std::alloc::System> =
///     sextant::heap::Sampler::new(std::alloc::System);
/// ```
#[derive(Debug, Default)]
pub struct Sampler<A> {
    inner: A,
}

impl<A> Sampler<A> {
    /// Wraps `inner`, which does the allocating.
    pub const fn new(inner: A) -> Sampler<A> {
        Sampler { inner }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments and returns its
// result unchanged; the bookkeeping around it never touches the memory handed out.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Sampler<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we forward.
        let p = unsafe { self.inner.alloc(layout) };
        if !p.is_null() {
            on_alloc(p, layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if !p.is_null() {
            on_alloc(p, layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Forget the address before the allocator may hand it out again.
        on_free(ptr, layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract, which we forward.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let taken = if live::maybe_sampled(ptr) {
            take_sampled(ptr)
        } else {
            None
        };
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which we forward.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if new.is_null() {
            // The old block stays allocated, and sampled.
            if let Some(e) = taken {
                restore_sampled(ptr, e);
            }
            return new;
        }
        if let Some(e) = taken {
            e.freed();
        }
        on_realloc(new, layout.size(), new_size);
        new
    }
}

/// The state of a thread that has not allocated yet.
const NEW: u8 = 0;
/// The normal state.
const LIVE: u8 = 1;
/// The thread's destructors are running: every operation flushes its counters at once.
const EXITING: u8 = 2;

/// One thread's sampler state. `const`-initialized `Cell`s of plain integers: no destructor,
/// so it is usable at any point of a thread's life, including while other thread-locals are
/// destroyed.
struct Local {
    /// Bytes left before the slow path runs (a sample or a flush is due).
    countdown: Cell<i64>,
    /// `countdown` when last armed, to tell how many bytes the fast path allocated since.
    armed: Cell<i64>,
    /// Bytes left before the next sample, from the last time the slow path ran.
    sample_left: Cell<i64>,
    /// The rate `sample_left` was drawn with.
    rate: Cell<u64>,
    allocs: Cell<u64>,
    alloc_bytes: Cell<u64>,
    frees: Cell<u64>,
    free_bytes: Cell<u64>,
    /// Pending freed bytes that trigger a flush.
    free_limit: Cell<u64>,
    /// Set while this thread runs the sampler's own code: its allocations are not sampled and
    /// its frees do not consult the set of sampled objects.
    busy: Cell<bool>,
    state: Cell<u8>,
    rng: Cell<u64>,
    /// The stack-snapshot generation when this thread first allocated.
    born: Cell<u64>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            countdown: Cell::new(0),
            armed: Cell::new(0),
            sample_left: Cell::new(0),
            rate: Cell::new(0),
            allocs: Cell::new(0),
            alloc_bytes: Cell::new(0),
            frees: Cell::new(0),
            free_bytes: Cell::new(0),
            free_limit: Cell::new(FLUSH_BYTES),
            busy: Cell::new(false),
            state: Cell::new(NEW),
            rng: Cell::new(0),
            born: Cell::new(0),
        }
    };
    /// Registered on a thread's first slow path; its destructor flushes the counters.
    static EXIT: ExitFlush = const { ExitFlush };
}

static INSTALLED: AtomicBool = AtomicBool::new(false);
/// Seeds the per-thread generators apart.
static SEEDS: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

pub(super) fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// The fast path of an allocation: count it, and take the slow path when the countdown runs
/// out.
#[inline(always)]
fn on_alloc(p: *mut u8, size: usize) {
    LOCAL.with(|l| count_alloc(l, p, size))
}

/// Counts an allocation of `size` bytes at `p` in the thread's state `l`, taking the slow
/// path when the countdown runs out.
#[inline(always)]
fn count_alloc(l: &Local, p: *mut u8, size: usize) {
    l.allocs.set(l.allocs.get() + 1);
    l.alloc_bytes.set(l.alloc_bytes.get() + size as u64);
    let c = l.countdown.get() - size as i64;
    if c > 0 {
        l.countdown.set(c);
    } else {
        slow_alloc(l, p, size);
    }
}

/// A successful realloc: a free of `old` bytes and an allocation of `new`, counted in one
/// visit to the thread's state (the allocation's countdown also bounds the pending frees:
/// they flush with it).
#[inline(always)]
fn on_realloc(p: *mut u8, old: usize, new: usize) {
    LOCAL.with(|l| {
        l.frees.set(l.frees.get() + 1);
        l.free_bytes.set(l.free_bytes.get() + old as u64);
        count_alloc(l, p, new);
    })
}

/// Counts a free; flushes when enough is pending.
#[inline(always)]
fn count_free(size: usize) {
    LOCAL.with(|l| {
        l.frees.set(l.frees.get() + 1);
        let b = l.free_bytes.get() + size as u64;
        l.free_bytes.set(b);
        if b >= l.free_limit.get() {
            flush(l);
        }
    })
}

/// The fast path of a free: count it, and look the pointer up only if the filter says it
/// may have been sampled.
#[inline(always)]
fn on_free(p: *mut u8, size: usize) {
    if live::maybe_sampled(p) {
        if let Some(e) = take_sampled(p) {
            e.freed();
        }
    }
    count_free(size);
}

/// Removes `p` from the set of sampled objects, unless this thread is inside the sampler
/// (whose own frees are never of sampled objects; looking them up could wait on a shard
/// this thread holds).
#[cold]
fn take_sampled(p: *mut u8) -> Option<live::Entry> {
    LOCAL.with(|l| {
        if l.busy.get() {
            return None;
        }
        l.busy.set(true);
        let e = live::remove(p);
        l.busy.set(false);
        e
    })
}

#[cold]
fn restore_sampled(p: *mut u8, e: live::Entry) {
    LOCAL.with(|l| {
        let was = l.busy.replace(true);
        live::insert(p, e);
        l.busy.set(was);
    })
}

#[cold]
#[inline(never)]
fn slow_alloc(l: &Local, p: *mut u8, size: usize) {
    if l.state.get() == NEW {
        init(l);
    }
    let size = size as i64;
    let rate = super::rate();
    let mut left = l.sample_left.get() - (l.armed.get() - l.countdown.get());
    if rate != l.rate.get() {
        l.rate.set(rate);
        left = next_sample(l, rate);
    }
    let sampled = rate != 0 && size >= left;
    left = if sampled {
        next_sample(l, rate)
    } else {
        left - size
    };
    l.sample_left.set(left);
    flush(l);
    arm(l);
    if sampled && !l.busy.get() {
        l.busy.set(true);
        stack::record(p, size as u64, l.born.get());
        l.busy.set(false);
    }
}

/// Sets the countdown to the next sample or the next flush, whichever comes first.
fn arm(l: &Local) {
    let c = if l.state.get() == EXITING {
        0
    } else {
        l.sample_left.get().min(FLUSH_BYTES as i64)
    };
    l.countdown.set(c);
    l.armed.set(c);
}

/// A thread's first slow path: seed, register the exit flush, note the stack generation.
fn init(l: &Local) {
    INSTALLED.store(true, Ordering::Relaxed);
    // Keeps the `SEXTANT_MEMTRACE` constructor linked in wherever the sampler is.
    std::hint::black_box(&crate::memstats::MEMTRACE_INIT);
    l.state.set(LIVE);
    let seed = SEEDS.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
        ^ (l as *const Local as u64).rotate_left(32);
    l.rng.set(seed | 1);
    l.born.set(stack::generation());
    // Registering a thread-local destructor may allocate (glibc's
    // `__cxa_thread_atexit_impl`); the flag keeps that allocation plain.
    let was = l.busy.replace(true);
    if EXIT.try_with(|_| ()).is_err() {
        // Already being destroyed: flush on every operation from now on.
        exiting(l);
    }
    l.busy.set(was);
    // A rate drawn for a thread that never allocated: start a fresh countdown.
    l.rate.set(super::rate());
    l.sample_left.set(next_sample(l, l.rate.get()));
    l.armed.set(l.countdown.get());
}

fn exiting(l: &Local) {
    l.state.set(EXITING);
    l.free_limit.set(0);
    arm(l);
}

/// Moves the thread's pending counts to the global ones.
fn flush(l: &Local) {
    crate::memstats::add(
        l.allocs.replace(0),
        l.alloc_bytes.replace(0),
        l.frees.replace(0),
        l.free_bytes.replace(0),
    );
}

/// Flushes the calling thread's counters (for [`crate::memstats::read`]).
pub(crate) fn flush_current() {
    LOCAL.with(flush);
}

/// Runs `f` with the calling thread's allocations unsampled, as the sampler's own are: for
/// the profile writer, whose symbolization allocates much (at rate 1 it would otherwise
/// sample and unwind each of its own allocations).
pub(super) fn quiet<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let was = self.0;
            LOCAL.with(|l| l.busy.set(was));
        }
    }
    let _restore = Restore(LOCAL.with(|l| l.busy.replace(true)));
    f()
}

/// Makes the calling thread draw its countdown with the new rate now.
pub(super) fn rate_changed() {
    LOCAL.with(|l| {
        if l.state.get() == NEW {
            return;
        }
        let rate = super::rate();
        l.rate.set(rate);
        l.sample_left.set(next_sample(l, rate));
        arm(l);
    })
}

/// Flushes the counters of an exiting thread and makes the rest of its operations flush.
#[derive(Debug)]
struct ExitFlush;

impl Drop for ExitFlush {
    fn drop(&mut self) {
        LOCAL.with(|l| {
            flush(l);
            exiting(l);
        })
    }
}

/// Bytes until the next sample: exponentially distributed with mean `rate` (Go's
/// `nextSample` and `fastexprand`, runtime/malloc.go). 0 for rate 1 (every allocation),
/// `i64::MAX` for rate 0 (none).
fn next_sample(l: &Local, rate: u64) -> i64 {
    match rate {
        0 => i64::MAX,
        1 => 0,
        _ => {
            // Go caps the mean at 0x7000000 so that the largest step (about 20 times the
            // mean, for 26 random bits) fits an int32; our countdown is 64-bit, but the cap
            // keeps the same distribution for the same rate.
            let mean = rate.min(0x700_0000) as f64;
            // 26 random bits, as Go: q in [1, 2^26]; -ln(q / 2^26) is exponential with mean 1.
            const RANDOM_BITS: u32 = 26;
            let q = (xorshift(l) >> (64 - RANDOM_BITS)) + 1;
            let qlog = ((q as f64).log2() - f64::from(RANDOM_BITS)).min(0.0);
            (qlog * (-std::f64::consts::LN_2 * mean)) as i64 + 1
        }
    }
}

/// xorshift64*: enough randomness for sampling intervals, and no lock or syscall.
fn xorshift(l: &Local) -> u64 {
    let mut x = l.rng.get();
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    l.rng.set(x);
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_intervals_are_exponential_with_the_rate_as_mean() {
        let l = Local {
            countdown: Cell::new(0),
            armed: Cell::new(0),
            sample_left: Cell::new(0),
            rate: Cell::new(0),
            allocs: Cell::new(0),
            alloc_bytes: Cell::new(0),
            frees: Cell::new(0),
            free_bytes: Cell::new(0),
            free_limit: Cell::new(0),
            busy: Cell::new(false),
            state: Cell::new(LIVE),
            rng: Cell::new(12345),
            born: Cell::new(0),
        };
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| next_sample(&l, 512 * 1024) as f64).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        // The mean of 200k exponential draws has a standard error of 0.22% of the mean.
        assert!((mean / 524_288.0 - 1.0).abs() < 0.01, "mean {mean}");
        // P(X > mean) = 1/e for an exponential distribution.
        let above = draws.iter().filter(|&&d| d > 524_288.0).count() as f64 / n as f64;
        assert!((above - (-1f64).exp()).abs() < 0.01, "{above}");
        assert_eq!(next_sample(&l, 1), 0);
        assert_eq!(next_sample(&l, 0), i64::MAX);
    }
}
