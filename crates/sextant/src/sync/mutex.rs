//! [`Mutex`]: std's mutex, with its waits in the block profile and the waits it causes in
//! the mutex profile.

use std::ops::DerefMut;
use std::sync::{LockResult, TryLockResult};
#[cfg(doc)]
use std::sync::{PoisonError, TryLockError};

use super::event;
use super::held::{Held, guard_impls, lock_impls, map_lock, map_try, try_or_wait};
use super::waits::Waits;

/// A mutual exclusion lock: [`std::sync::Mutex`] with the same API and poisoning, whose
/// contention is recorded in the block and mutex profiles.
///
/// When both profiles are off ([`super::set_block_rate`] and [`super::set_mutex_fraction`]
/// at 0, the default) `lock` costs one relaxed atomic load more than std's. When one is on,
/// `lock` first tries the lock; only when that fails does it read the clock, wait, and record
/// the wait (the block profile, at the waiter's stack) and leave it on the lock, to be charged
/// to the stack of the holder that caused it when that holder unlocks (the mutex profile).
///
/// # Poisoning
///
/// Exactly std's: a thread that panics while holding the lock poisons it; `lock`,
/// `try_lock` and `into_inner` then return `Err(PoisonError)`, whose
/// [`PoisonError::into_inner`] still gives the guard (or the value);
/// [`Mutex::clear_poison`] clears the flag.
///
/// ```
/// use sextant::sync::Mutex;
///
/// let m = Mutex::new(0);
/// *m.lock().unwrap() += 1;
/// assert_eq!(m.into_inner().unwrap(), 1);
/// ```
pub struct Mutex<T: ?Sized> {
    waits: Waits,
    inner: std::sync::Mutex<T>,
}

/// The guard of a locked [`Mutex`]: the data is reachable through it, and dropping it
/// unlocks (and charges the waits this holder caused to its stack).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    held: Held<'a, std::sync::MutexGuard<'a, T>>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `t`.
    pub const fn new(t: T) -> Mutex<T> {
        Mutex {
            waits: Waits::new(),
            inner: std::sync::Mutex::new(t),
        }
    }

    /// Consumes the mutex and returns its data.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the data inside a [`PoisonError`].
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking the thread until it is free.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the guard inside a [`PoisonError`] (the lock is held).
    ///
    /// # Panics
    ///
    /// As std's: may panic if the current thread already holds the lock.
    #[inline]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let profiled = event::active();
        // Both paths give std's result, two words returned in registers, and the guard is
        // built once after they meet: a wider guard coming back through memory from the slow
        // path made the fast path spill and reload it, costing several nanoseconds.
        let r = if profiled {
            self.lock_profiled()
        } else {
            self.inner.lock()
        };
        self.wrap(r, profiled)
    }

    #[inline(never)]
    fn lock_profiled(&self) -> LockResult<std::sync::MutexGuard<'_, T>> {
        try_or_wait(&self.waits, || self.inner.try_lock(), || self.inner.lock())
    }

    /// Takes the lock if it is free, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if another thread holds it; [`TryLockError::Poisoned`]
    /// with the guard if it is poisoned.
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let profiled = event::active();
        map_try(self.inner.try_lock(), |g| self.guard(g, profiled))
    }

    /// Whether a thread panicked while holding the lock.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned flag.
    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    /// The data, through the exclusive borrow (no locking needed).
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the reference inside a [`PoisonError`].
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    #[inline]
    fn guard<'a>(&'a self, g: std::sync::MutexGuard<'a, T>, profiled: bool) -> MutexGuard<'a, T> {
        MutexGuard {
            held: Held::new(g, profiled.then_some(&self.waits)),
        }
    }

    #[inline]
    fn wrap<'a>(
        &'a self,
        r: LockResult<std::sync::MutexGuard<'a, T>>,
        profiled: bool,
    ) -> LockResult<MutexGuard<'a, T>> {
        map_lock(r, |g| self.guard(g, profiled))
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Takes std's guard out for [`super::Condvar`], which releases the lock while it waits:
    /// the waits charged so far are recorded now, as at an unlock.
    pub(crate) fn release_for_wait(self) -> (std::sync::MutexGuard<'a, T>, Option<&'a Waits>) {
        self.held.release()
    }

    /// Wraps std's guard again after a [`super::Condvar`] wait.
    pub(crate) fn reacquired(
        inner: std::sync::MutexGuard<'a, T>,
        waits: Option<&'a Waits>,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            held: Held::new(inner, waits),
        }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.held
    }
}

guard_impls!(MutexGuard);
lock_impls!(Mutex);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::TryLockError;

    #[test]
    fn a_panic_while_holding_poisons_and_the_error_gives_the_guard() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(m.is_poisoned());
        let mut g = m.lock().unwrap_err().into_inner();
        *g += 1;
        drop(g);
        assert!(matches!(m.try_lock(), Err(TryLockError::Poisoned(_))));
        m.clear_poison();
        assert_eq!(*m.lock().unwrap(), 2);
    }

    #[test]
    fn try_lock_would_block_while_held() {
        let m = Mutex::new(());
        let _g = m.lock().unwrap();
        assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
    }
}
