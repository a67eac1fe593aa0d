//! [`RwLock`]: std's reader-writer lock, profiled as [`super::Mutex`] is.

use std::ops::DerefMut;
use std::sync::{LockResult, TryLockResult};
#[cfg(doc)]
use std::sync::{PoisonError, TryLockError};

use super::event;
use super::held::{Held, guard_impls, lock_impls, map_lock, map_try, try_or_wait};
use super::waits::Waits;

/// A reader-writer lock: [`std::sync::RwLock`] with the same API and poisoning, whose
/// contention is recorded in the block and mutex profiles.
///
/// A reader or writer that has to wait is recorded as [`super::Mutex`]'s waiters are: its
/// wait in the block profile at its own stack, and in the mutex profile at the stacks of the
/// holders (readers or the writer) that released the lock while it waited, each charged the
/// part of the wait during which it held the lock (Go's mutex profile charges
/// `RWMutex.Unlock` and `RUnlock` the same way).
///
/// # Poisoning
///
/// Exactly std's: a panic while a writer holds the lock poisons it (a panicking reader does
/// not); `read`, `write`, `try_*` and `into_inner` then return `Err(PoisonError)` holding the
/// guard or value.
///
/// ```
/// use sextant::sync::RwLock;
///
/// let l = RwLock::new(vec![1]);
/// assert_eq!(l.read().unwrap().len(), 1);
/// l.write().unwrap().push(2);
/// assert_eq!(*l.read().unwrap(), [1, 2]);
/// ```
pub struct RwLock<T: ?Sized> {
    waits: Waits,
    inner: std::sync::RwLock<T>,
}

/// Shared access to a [`RwLock`]'s data; dropping it releases the read lock.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    held: Held<'a, std::sync::RwLockReadGuard<'a, T>>,
}

/// Exclusive access to a [`RwLock`]'s data; dropping it releases the write lock.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    held: Held<'a, std::sync::RwLockWriteGuard<'a, T>>,
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `t`.
    pub const fn new(t: T) -> RwLock<T> {
        RwLock {
            waits: Waits::new(),
            inner: std::sync::RwLock::new(t),
        }
    }

    /// Consumes the lock and returns its data.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the data inside a [`PoisonError`].
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for shared reading, blocking while a writer holds (or, std permitting, waits
    /// for) the lock.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the guard inside a [`PoisonError`].
    ///
    /// # Panics
    ///
    /// As std's: may panic if the current thread already holds the lock.
    #[inline]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        // As `Mutex::lock`: both paths give std's result, the guard is built once.
        let profiled = event::active();
        let r = if profiled {
            self.read_profiled()
        } else {
            self.inner.read()
        };
        self.wrap_read(r, profiled)
    }

    #[inline(never)]
    fn read_profiled(&self) -> LockResult<std::sync::RwLockReadGuard<'_, T>> {
        try_or_wait(&self.waits, || self.inner.try_read(), || self.inner.read())
    }

    /// Locks for exclusive writing, blocking while anyone else holds the lock.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the guard inside a [`PoisonError`].
    ///
    /// # Panics
    ///
    /// As std's: may panic if the current thread already holds the lock.
    #[inline]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        // As `Mutex::lock`: both paths give std's result, the guard is built once.
        let profiled = event::active();
        let r = if profiled {
            self.write_profiled()
        } else {
            self.inner.write()
        };
        self.wrap_write(r, profiled)
    }

    #[inline(never)]
    fn write_profiled(&self) -> LockResult<std::sync::RwLockWriteGuard<'_, T>> {
        try_or_wait(
            &self.waits,
            || self.inner.try_write(),
            || self.inner.write(),
        )
    }

    /// Takes a read lock if it can without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if a writer holds it; [`TryLockError::Poisoned`] with
    /// the guard if it is poisoned.
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let profiled = event::active();
        map_try(self.inner.try_read(), |g| self.read_guard(g, profiled))
    }

    /// Takes the write lock if it is free, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if anyone holds it; [`TryLockError::Poisoned`] with the
    /// guard if it is poisoned.
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let profiled = event::active();
        map_try(self.inner.try_write(), |g| self.write_guard(g, profiled))
    }

    /// Whether a writer panicked while holding the lock.
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
    /// If the lock is poisoned, the reference inside a [`PoisonError`].
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    #[inline]
    fn read_guard<'a>(
        &'a self,
        g: std::sync::RwLockReadGuard<'a, T>,
        profiled: bool,
    ) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            held: Held::new(g, profiled.then_some(&self.waits)),
        }
    }

    #[inline]
    fn write_guard<'a>(
        &'a self,
        g: std::sync::RwLockWriteGuard<'a, T>,
        profiled: bool,
    ) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            held: Held::new(g, profiled.then_some(&self.waits)),
        }
    }

    #[inline]
    fn wrap_read<'a>(
        &'a self,
        r: LockResult<std::sync::RwLockReadGuard<'a, T>>,
        profiled: bool,
    ) -> LockResult<RwLockReadGuard<'a, T>> {
        map_lock(r, |g| self.read_guard(g, profiled))
    }

    #[inline]
    fn wrap_write<'a>(
        &'a self,
        r: LockResult<std::sync::RwLockWriteGuard<'a, T>>,
        profiled: bool,
    ) -> LockResult<RwLockWriteGuard<'a, T>> {
        map_lock(r, |g| self.write_guard(g, profiled))
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.held
    }
}

guard_impls!(RwLockReadGuard, RwLockWriteGuard);
lock_impls!(RwLock);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::TryLockError;

    #[test]
    fn a_writer_panicking_poisons_a_reader_does_not() {
        let l = std::sync::Arc::new(RwLock::new(0));
        let l2 = l.clone();
        let _ = std::thread::spawn(move || {
            let _g = l2.read().unwrap();
            panic!("reader");
        })
        .join();
        assert!(!l.is_poisoned());
        let l2 = l.clone();
        let _ = std::thread::spawn(move || {
            let _g = l2.write().unwrap();
            panic!("writer");
        })
        .join();
        assert!(l.is_poisoned());
        assert_eq!(*l.read().unwrap_err().into_inner(), 0);
        assert!(matches!(l.try_write(), Err(TryLockError::Poisoned(_))));
    }
}
