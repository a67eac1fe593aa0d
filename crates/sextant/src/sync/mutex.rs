//! [`Mutex`]: std's mutex, with its waits in the block profile and the waits it causes in
//! the mutex profile.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use super::event;
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
    /// The lock's waiters, if profiling was on when the lock was taken; an unprofiled hold
    /// charges nothing. (An `Option` rather than a flag keeps the guard three words, which
    /// the compiler moves as cheaply as std's guard.)
    waits: Option<&'a Waits>,
    inner: ManuallyDrop<std::sync::MutexGuard<'a, T>>,
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
        match self.inner.try_lock() {
            Ok(g) => return Ok(g),
            Err(TryLockError::Poisoned(e)) => return Err(e),
            Err(TryLockError::WouldBlock) => {}
        }
        let tracked = event::mutex_fraction() != 0;
        let (start, ticket) = if tracked {
            let t = self.waits.enter();
            (t.start, Some(t))
        } else {
            (event::now(), None)
        };
        let r = self.inner.lock();
        if let Some(t) = ticket {
            self.waits.leave(t);
        }
        if event::block_rate() != 0 {
            event::block(start);
        }
        r
    }

    /// Takes the lock if it is free, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if another thread holds it; [`TryLockError::Poisoned`]
    /// with the guard if it is poisoned.
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let profiled = event::active();
        match self.inner.try_lock() {
            Ok(g) => Ok(self.guard(g, profiled)),
            Err(TryLockError::Poisoned(e)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.guard(e.into_inner(), profiled),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
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
            waits: profiled.then_some(&self.waits),
            inner: ManuallyDrop::new(g),
        }
    }

    #[inline]
    fn wrap<'a>(
        &'a self,
        r: LockResult<std::sync::MutexGuard<'a, T>>,
        profiled: bool,
    ) -> LockResult<MutexGuard<'a, T>> {
        match r {
            Ok(g) => Ok(self.guard(g, profiled)),
            Err(e) => Err(PoisonError::new(self.guard(e.into_inner(), profiled))),
        }
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Takes std's guard out for [`super::Condvar`], which releases the lock while it waits:
    /// the waits charged so far are recorded now, as at an unlock.
    pub(crate) fn release_for_wait(self) -> (std::sync::MutexGuard<'a, T>, Option<&'a Waits>) {
        let mut this = ManuallyDrop::new(self);
        if let Some((n, d)) = this.waits.and_then(Waits::charge) {
            event::mutex(n, d);
        }
        // SAFETY: `this` is never dropped (ManuallyDrop), so `inner` is taken exactly once.
        let inner = unsafe { ManuallyDrop::take(&mut this.inner) };
        (inner, this.waits)
    }

    /// Wraps std's guard again after a [`super::Condvar`] wait.
    pub(crate) fn reacquired(
        inner: std::sync::MutexGuard<'a, T>,
        waits: Option<&'a Waits>,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            waits,
            inner: ManuallyDrop::new(inner),
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(waits) = self.waits {
            self.unlock_profiled(waits);
        } else {
            // SAFETY: `inner` is dropped here and nowhere else; the guard is being dropped.
            unsafe { ManuallyDrop::drop(&mut self.inner) };
        }
    }
}

impl<T: ?Sized> MutexGuard<'_, T> {
    /// The unlock of a lock taken while profiling: charges the waiters, releases, records.
    #[cold]
    #[inline(never)]
    fn unlock_profiled(&mut self, waits: &Waits) {
        let charge = waits.charge();
        // SAFETY: called only from `drop`, which drops `inner` nowhere else.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        if let Some((n, d)) = charge {
            event::mutex(n, d);
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(t: T) -> Mutex<T> {
        Mutex::new(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
