//! Who waits on a lock, and for how long while each holder held it: the mutex profile's
//! bookkeeping.
//!
//! # Design
//!
//! Go charges a waiter's wait to the goroutine that wakes it from its unlock. A wrapper over
//! std's lock cannot see wake-ups, so each lock keeps the sum of its waiters' start times
//! instead: a thread whose `try_lock` failed [`enter`](Waits::enter)s with its start time;
//! every unlock that finds waiters [`charge`](Waits::charge)s them the time since their start
//! (`count * now - sum`) and moves their starts to now. Each waiter's wait is so cut into
//! the pieces each holder caused, and each piece is charged to the stack of the holder that
//! caused it, at its unlock. A waiter counts as one contention, at the first unlock that
//! charges it; a waiter that leaves uncharged (it got the lock in the instant between an
//! unlock and its own registration) leaves no trace.
//!
//! The state sits behind a std mutex taken only by threads that already wait or that
//! release a lock others wait for; an unlock with no waiter reads one atomic.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::event::now;

/// The waiters of one lock.
#[derive(Debug)]
pub(crate) struct Waits {
    /// How many threads are registered: read by unlocks without the state lock.
    waiters: AtomicU32,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Registered waiters.
    count: u64,
    /// Sum of their start times (each moved to the last charge once charged); 128 bits, as
    /// `count` times a monotonic clock in nanoseconds can pass 64.
    start_sum: u128,
    /// Waiters not yet charged (counted as contentions at their first charge).
    fresh: u64,
    /// Charges so far, so a leaving waiter knows whether it was charged.
    epoch: u64,
    /// The time of the last charge.
    last_charge: u64,
}

/// A waiter's registration, handed back to [`Waits::leave`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    /// When it started waiting (a [`now`] reading).
    pub(crate) start: u64,
    epoch: u64,
}

impl Waits {
    pub(crate) const fn new() -> Waits {
        Waits {
            waiters: AtomicU32::new(0),
            state: Mutex::new(State {
                count: 0,
                start_sum: 0,
                fresh: 0,
                epoch: 0,
                last_charge: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers the calling thread as waiting from now.
    pub(crate) fn enter(&self) -> Ticket {
        let mut s = self.state();
        let start = now();
        s.count += 1;
        s.start_sum += u128::from(start);
        s.fresh += 1;
        self.waiters.fetch_add(1, Relaxed);
        Ticket {
            start,
            epoch: s.epoch,
        }
    }

    /// Unregisters a waiter that got the lock.
    pub(crate) fn leave(&self, t: Ticket) {
        let mut s = self.state();
        if s.epoch == t.epoch {
            // Never charged: its start is still its own, and it was never counted.
            s.start_sum -= u128::from(t.start);
            s.fresh -= 1;
        } else {
            s.start_sum -= u128::from(s.last_charge);
        }
        s.count -= 1;
        self.waiters.fetch_sub(1, Relaxed);
    }

    /// Called by a holder about to release the lock: the new contentions and the wait time
    /// the registered waiters spent since their start or the last charge, or `None` when
    /// nobody waits.
    pub(crate) fn charge(&self) -> Option<(u64, u64)> {
        if self.waiters.load(Relaxed) == 0 {
            return None;
        }
        let mut s = self.state();
        if s.count == 0 {
            return None;
        }
        let t = now().max(s.last_charge);
        let total = u128::from(s.count) * u128::from(t);
        let delay = u64::try_from(total - s.start_sum).unwrap_or(u64::MAX);
        let fresh = std::mem::take(&mut s.fresh);
        s.start_sum = total;
        s.last_charge = t;
        s.epoch += 1;
        Some((fresh, delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_waiting_charges_nothing() {
        assert_eq!(Waits::new().charge(), None);
    }

    #[test]
    fn a_wait_is_cut_between_the_holders_that_caused_it_and_counted_once() {
        let w = Waits::new();
        let t = w.enter();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let (n1, d1) = w.charge().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let (n2, d2) = w.charge().unwrap();
        let before_leave = now();
        w.leave(t);
        assert_eq!((n1, n2), (1, 0));
        assert!(d1 >= 2_000_000 && d2 >= 2_000_000, "{d1} {d2}");
        assert!(d1 + d2 <= before_leave - t.start);
        assert_eq!(w.charge(), None);
        let s = w.state();
        assert_eq!((s.count, s.start_sum, s.fresh), (0, 0, 0));
    }

    #[test]
    fn a_waiter_leaving_uncharged_leaves_no_trace() {
        let w = Waits::new();
        let a = w.enter();
        w.charge().unwrap();
        let b = w.enter();
        w.leave(b);
        w.leave(a);
        let s = w.state();
        assert_eq!((s.count, s.start_sum, s.fresh), (0, 0, 0));
    }
}
