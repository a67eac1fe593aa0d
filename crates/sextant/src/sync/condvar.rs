//! [`Condvar`]: std's condition variable, its waits in the block profile.

use std::fmt;
#[cfg(doc)]
use std::sync::PoisonError;
use std::sync::{LockResult, WaitTimeoutResult};
use std::time::Duration;

use super::event;
use super::held::map_lock;
use super::mutex::MutexGuard;

/// A condition variable: [`std::sync::Condvar`] with the same API, used with
/// [`super::Mutex`], whose waits are recorded in the block profile at the waiter's stack
/// (every wait blocks, as every `sync.Cond.Wait` does in Go). The wait's delay runs until the
/// waiter holds the mutex again. Releasing the mutex to wait counts as an unlock for the
/// mutex profile: threads waiting for the mutex are charged to the waiter's stack.
///
/// # Poisoning
///
/// As std's: when the mutex is poisoned on wake-up, the wait returns `Err(PoisonError)`
/// holding the reacquired guard.
///
/// ```
/// use std::sync::Arc;
/// use sextant::sync::{Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let p = pair.clone();
/// std::thread::spawn(move || {
///     *p.0.lock().unwrap() = true;
///     p.1.notify_one();
/// });
/// let ready = pair.1.wait_while(pair.0.lock().unwrap(), |r| !*r).unwrap();
/// assert!(*ready);
/// ```
#[derive(Default)]
pub struct Condvar {
    inner: std::sync::Condvar,
}

impl Condvar {
    /// A new condition variable.
    pub const fn new() -> Condvar {
        Condvar {
            inner: std::sync::Condvar::new(),
        }
    }

    /// Releases the guard's mutex and blocks until notified (or woken spuriously), then
    /// locks it again.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when reacquired, the guard inside a [`PoisonError`].
    ///
    /// # Panics
    ///
    /// As std's: may panic if used with more than one mutex.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let (inner, waits) = guard.release_for_wait();
        let start = if event::active() { event::now() } else { 0 };
        let r = self.inner.wait(inner);
        if start != 0 && event::block_rate() != 0 {
            event::block(start);
        }
        map_lock(r, |g| MutexGuard::reacquired(g, waits))
    }

    /// Waits while `condition` holds for the guarded data, as [`Condvar::wait`] in a loop.
    ///
    /// # Errors
    ///
    /// As [`Condvar::wait`].
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// As [`Condvar::wait`], giving up after `dur`; the result says whether it timed out.
    /// A wait that times out is recorded in the block profile too.
    ///
    /// # Errors
    ///
    /// As [`Condvar::wait`].
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let (inner, waits) = guard.release_for_wait();
        let start = if event::active() { event::now() } else { 0 };
        let r = self.inner.wait_timeout(inner, dur);
        if start != 0 && event::block_rate() != 0 {
            event::block(start);
        }
        map_lock(r, |(g, t)| (MutexGuard::reacquired(g, waits), t))
    }

    /// Waits while `condition` holds, for at most `dur` in all. The waits it makes count as
    /// one block event.
    ///
    /// # Errors
    ///
    /// As [`Condvar::wait`].
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let (inner, waits) = guard.release_for_wait();
        let start = if event::active() { event::now() } else { 0 };
        // std checks the condition before each wait and once after it: a second call
        // means it waited.
        let mut calls = 0u32;
        let r = self.inner.wait_timeout_while(inner, dur, |t| {
            calls = calls.saturating_add(1);
            condition(t)
        });
        if start != 0 && calls > 1 && event::block_rate() != 0 {
            event::block(start);
        }
        map_lock(r, |(g, t)| (MutexGuard::reacquired(g, waits), t))
    }

    /// Wakes one waiting thread.
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
