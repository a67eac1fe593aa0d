//! The two sampling rates, the clock, and the recording of one block or mutex event.
//!
//! Recording functions are `#[inline(never)]` and take the stack themselves: their own frame
//! is dropped, so a stack starts at the primitive that blocked or unlocked (as Go's start at
//! `sync.(*Mutex).Lock` or `sync.(*Mutex).Unlock`), then its caller.

use std::cell::Cell;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use super::profile::{BLOCK, MUTEX};
use super::walk;
use crate::stackwalk::Regs;

/// Whether either profile is on: the one load the primitives make when both are off.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// [`super::set_block_rate`]'s rate in nanoseconds (0: off).
static BLOCK_RATE: AtomicU64 = AtomicU64::new(0);
/// [`super::set_mutex_fraction`]'s fraction (0: off).
static MUTEX_FRACTION: AtomicU64 = AtomicU64::new(0);
/// Serializes the setters, so that [`ACTIVE`] always agrees with the two rates.
static SETTERS: StdMutex<()> = StdMutex::new(());

/// Whether a primitive should measure its waits: one relaxed load.
#[inline(always)]
pub(crate) fn active() -> bool {
    ACTIVE.load(Relaxed)
}

pub(crate) fn block_rate() -> u64 {
    BLOCK_RATE.load(Relaxed)
}

pub(crate) fn mutex_fraction() -> u64 {
    MUTEX_FRACTION.load(Relaxed)
}

/// Stores `value` in `rate` and returns the previous value, keeping [`ACTIVE`] in step.
pub(crate) fn set(rate: &AtomicU64, value: u64) -> u64 {
    let _g = SETTERS.lock().unwrap_or_else(|e| e.into_inner());
    let old = rate.swap(value, Relaxed);
    ACTIVE.store(
        BLOCK_RATE.load(Relaxed) != 0 || MUTEX_FRACTION.load(Relaxed) != 0,
        Relaxed,
    );
    old
}

pub(crate) fn set_block_rate(ns: u64) -> u64 {
    set(&BLOCK_RATE, ns)
}

pub(crate) fn set_mutex_fraction(n: u64) -> u64 {
    set(&MUTEX_FRACTION, n)
}

/// `CLOCK_MONOTONIC` in nanoseconds. Delays are measured in nanoseconds, so the text
/// profiles' "cycles" are nanoseconds and `cycles/second` is 1e9.
pub(crate) fn now() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_MONOTONIC always exists
    // on Linux, so it does not fail.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A per-thread xorshift64* generator (Go's `fastrand` plays the same part): sampling
/// needs speed and independence between threads, not cryptographic quality.
fn fastrand() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            // Seed from the clock and this thread's slot address, distinct per thread.
            x = (now() ^ (s as *const Cell<u64> as u64).rotate_left(32)) | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// Go's `blocksampled` (runtime/mprof.go, Go 1.19): an event at least `rate` long is
/// always kept; a shorter one with probability `cycles / rate`, drawn from `rand`.
pub(crate) fn block_sampled(cycles: u64, rate: u64, rand: u64) -> bool {
    if rate == 0 {
        return false;
    }
    // Go: `rate > cycles && fastrand() % rate > cycles` rejects.
    !(rate > cycles && rand % rate > cycles)
}

/// Go's `mutexevent` sampling: one event in `fraction` on average.
pub(crate) fn mutex_sampled(fraction: u64, rand: u64) -> bool {
    fraction != 0 && rand % fraction == 0
}

/// Records that the caller blocked from `start` (a [`now`] reading) until now, in the block
/// profile, if the block rate samples it. The stack starts at the caller.
#[inline(never)]
pub(crate) fn block(start: u64) {
    // Go: `if cycles <= 0 { cycles = 1 }`.
    let cycles = now().saturating_sub(start).max(1);
    let rate = block_rate();
    if !block_sampled(cycles, rate, fastrand()) {
        return;
    }
    let regs = Regs::capture();
    let stack = walk::stack(regs);
    BLOCK.add_block(stack, cycles, rate);
}

/// Records `delay` nanoseconds that `count` new waiters (and earlier ones still waiting)
/// spent waiting while the caller held the lock it is releasing, in the mutex profile, if
/// the mutex fraction samples it. The stack starts at the caller (the unlock).
#[inline(never)]
pub(crate) fn mutex(count: u64, delay: u64) {
    if !mutex_sampled(mutex_fraction(), fastrand()) {
        return;
    }
    let regs = Regs::capture();
    let stack = walk::stack(regs);
    MUTEX.add_mutex(stack, count, delay);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_at_least_the_rate_long_are_always_kept() {
        for rand in [0, 1, 999, u64::MAX] {
            assert!(block_sampled(1000, 1000, rand));
            assert!(block_sampled(5000, 1000, rand));
        }
    }

    #[test]
    fn a_shorter_event_is_kept_when_the_draw_falls_within_its_length() {
        // 250 ns against a 1000 ns rate: Go keeps draws with `rand % 1000 <= 250`.
        assert!(block_sampled(250, 1000, 250));
        assert!(block_sampled(250, 1000, 1250));
        assert!(!block_sampled(250, 1000, 251));
        assert!(!block_sampled(250, 1000, 999));
    }

    #[test]
    fn rate_zero_keeps_nothing_and_rate_one_everything() {
        assert!(!block_sampled(1_000_000, 0, 0));
        assert!(block_sampled(1, 1, u64::MAX));
    }

    #[test]
    fn the_mutex_fraction_keeps_one_event_in_n() {
        assert!(!mutex_sampled(0, 0));
        assert!(mutex_sampled(1, 12345));
        assert!(mutex_sampled(4, 8));
        assert!(!mutex_sampled(4, 9));
        let kept = (0..4000).filter(|_| mutex_sampled(4, fastrand())).count();
        assert!((800..1200).contains(&kept), "{kept} of 4000 kept at 1/4");
    }
}
