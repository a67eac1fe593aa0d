//! [`RwLock`]: std's reader-writer lock, profiled as [`super::Mutex`] is.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use super::event;
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
    /// The lock's waiters if profiling was on when it was taken (see [`super::MutexGuard`]).
    waits: Option<&'a Waits>,
    inner: ManuallyDrop<std::sync::RwLockReadGuard<'a, T>>,
}

/// Exclusive access to a [`RwLock`]'s data; dropping it releases the write lock.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    /// The lock's waiters if profiling was on when it was taken (see [`super::MutexGuard`]).
    waits: Option<&'a Waits>,
    inner: ManuallyDrop<std::sync::RwLockWriteGuard<'a, T>>,
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

/// Waits for a lock `try_` could not take, recording the wait; see [`super::Mutex`].
#[inline(never)]
fn wait<G>(waits: &Waits, lock: impl FnOnce() -> G) -> G {
    let tracked = event::mutex_fraction() != 0;
    let (start, ticket) = if tracked {
        let t = waits.enter();
        (t.start, Some(t))
    } else {
        (event::now(), None)
    };
    let r = lock();
    if let Some(t) = ticket {
        waits.leave(t);
    }
    if event::block_rate() != 0 {
        event::block(start);
    }
    r
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
        match self.inner.try_read() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(e)) => Err(e),
            Err(TryLockError::WouldBlock) => wait(&self.waits, || self.inner.read()),
        }
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
        match self.inner.try_write() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(e)) => Err(e),
            Err(TryLockError::WouldBlock) => wait(&self.waits, || self.inner.write()),
        }
    }

    /// Takes a read lock if it can without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if a writer holds it; [`TryLockError::Poisoned`] with
    /// the guard if it is poisoned.
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let profiled = event::active();
        match self.inner.try_read() {
            Ok(g) => Ok(self.read_guard(g, profiled)),
            Err(TryLockError::Poisoned(e)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.read_guard(e.into_inner(), profiled),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
    }

    /// Takes the write lock if it is free, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if anyone holds it; [`TryLockError::Poisoned`] with the
    /// guard if it is poisoned.
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let profiled = event::active();
        match self.inner.try_write() {
            Ok(g) => Ok(self.write_guard(g, profiled)),
            Err(TryLockError::Poisoned(e)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.write_guard(e.into_inner(), profiled),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
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
            waits: profiled.then_some(&self.waits),
            inner: ManuallyDrop::new(g),
        }
    }

    #[inline]
    fn write_guard<'a>(
        &'a self,
        g: std::sync::RwLockWriteGuard<'a, T>,
        profiled: bool,
    ) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            waits: profiled.then_some(&self.waits),
            inner: ManuallyDrop::new(g),
        }
    }

    #[inline]
    fn wrap_read<'a>(
        &'a self,
        r: LockResult<std::sync::RwLockReadGuard<'a, T>>,
        profiled: bool,
    ) -> LockResult<RwLockReadGuard<'a, T>> {
        match r {
            Ok(g) => Ok(self.read_guard(g, profiled)),
            Err(e) => Err(PoisonError::new(self.read_guard(e.into_inner(), profiled))),
        }
    }

    #[inline]
    fn wrap_write<'a>(
        &'a self,
        r: LockResult<std::sync::RwLockWriteGuard<'a, T>>,
        profiled: bool,
    ) -> LockResult<RwLockWriteGuard<'a, T>> {
        match r {
            Ok(g) => Ok(self.write_guard(g, profiled)),
            Err(e) => Err(PoisonError::new(self.write_guard(e.into_inner(), profiled))),
        }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
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

impl<T: ?Sized> RwLockReadGuard<'_, T> {
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

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
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

impl<T: ?Sized> RwLockWriteGuard<'_, T> {
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

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(t: T) -> RwLock<T> {
        RwLock::new(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
