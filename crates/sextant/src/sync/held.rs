//! What every profiled lock shares: waiting for a lock `try_` could not take while recording
//! the wait, and [`Held`], the part of a guard that charges the waiters at the unlock.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use super::event;
use super::waits::Waits;

/// std's guard `G` of a profiled lock, with the lock's waiters if profiling was on when it
/// was taken: dropping it releases the lock and charges the waits this holder caused to its
/// stack; an unprofiled hold charges nothing. (An `Option` rather than a flag keeps a mutex
/// guard three words, which the compiler moves as cheaply as std's guard.)
pub(super) struct Held<'a, G> {
    waits: Option<&'a Waits>,
    inner: ManuallyDrop<G>,
}

impl<'a, G> Held<'a, G> {
    /// Wraps std's guard; `waits` is the lock's if profiling was on when it was taken.
    #[inline]
    pub(super) fn new(inner: G, waits: Option<&'a Waits>) -> Held<'a, G> {
        Held {
            waits,
            inner: ManuallyDrop::new(inner),
        }
    }

    /// Takes std's guard out (for a condition variable, which releases the lock while it
    /// waits): the waits charged so far are recorded now, as at an unlock.
    pub(super) fn release(self) -> (G, Option<&'a Waits>) {
        let mut this = ManuallyDrop::new(self);
        if let Some((n, d)) = this.waits.and_then(Waits::charge) {
            event::mutex(n, d);
        }
        // SAFETY: `this` is never dropped (ManuallyDrop), so `inner` is taken exactly once.
        let inner = unsafe { ManuallyDrop::take(&mut this.inner) };
        (inner, this.waits)
    }

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

impl<G> Drop for Held<'_, G> {
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

impl<G> Deref for Held<'_, G> {
    type Target = G;
    #[inline]
    fn deref(&self) -> &G {
        &self.inner
    }
}

impl<G> DerefMut for Held<'_, G> {
    #[inline]
    fn deref_mut(&mut self) -> &mut G {
        &mut self.inner
    }
}

/// The slow path of a lock taken while profiling: `try_lock` first; only when the lock is
/// held does it [`wait`] with `lock`.
#[inline]
pub(super) fn try_or_wait<G>(
    waits: &Waits,
    try_lock: impl FnOnce() -> TryLockResult<G>,
    lock: impl FnOnce() -> LockResult<G>,
) -> LockResult<G> {
    match try_lock() {
        Ok(g) => Ok(g),
        Err(TryLockError::Poisoned(e)) => Err(e),
        Err(TryLockError::WouldBlock) => wait(waits, lock),
    }
}

/// Waits for a lock `try_` could not take, recording the wait: in the block profile at this
/// stack, and on the lock's [`Waits`] for the holders to be charged (see [`super::Mutex`]).
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

/// std's lock result with its guard (held or poisoned) wrapped by `wrap`.
#[inline]
pub(super) fn map_lock<G, W>(r: LockResult<G>, wrap: impl FnOnce(G) -> W) -> LockResult<W> {
    match r {
        Ok(g) => Ok(wrap(g)),
        Err(e) => Err(PoisonError::new(wrap(e.into_inner()))),
    }
}

/// std's `try_` result with its guard (held or poisoned) wrapped by `wrap`.
#[inline]
pub(super) fn map_try<G, W>(r: TryLockResult<G>, wrap: impl FnOnce(G) -> W) -> TryLockResult<W> {
    match r {
        Ok(g) => Ok(wrap(g)),
        Err(TryLockError::Poisoned(e)) => Err(TryLockError::Poisoned(PoisonError::new(wrap(
            e.into_inner(),
        )))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

/// The traits every guard of this module has as std's has them: `Deref` to the data, and
/// `Debug` and `Display` as the data's. Each `$guard<'_, T>` holds a `held` [`Held`] of a
/// std guard that derefs to `T`.
macro_rules! guard_impls {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized> std::ops::Deref for $guard<'_, T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.held
            }
        }

        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + std::fmt::Display> std::fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}
pub(super) use guard_impls;

/// The traits every lock of this module has as std's has them: `Debug` as the std lock in
/// its `inner` field, `Default` and `From<T>` through its `new`.
macro_rules! lock_impls {
    ($($lock:ident),*) => {$(
        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.inner, f)
            }
        }

        impl<T: Default> Default for $lock<T> {
            fn default() -> $lock<T> {
                $lock::new(T::default())
            }
        }

        impl<T> From<T> for $lock<T> {
            fn from(t: T) -> $lock<T> {
                $lock::new(t)
            }
        }
    )*};
}
pub(super) use lock_impls;
