//! `std::thread`'s `spawn` and `Builder`, recording who creates threads for the
//! `threadcreate` profile ([`crate::lookup()`]`("threadcreate")`).
//!
//! ```
//! let handle = sextant::thread::Builder::new()
//!     .name("worker".into())
//!     .spawn(|| 6 * 7)?;
//! assert_eq!(handle.join().unwrap(), 42);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Each creation unwinds the creating thread's stack (a few microseconds with the tables
//! parsed; the very first use in the process parses them, tens of milliseconds) and counts
//! it. The threads themselves are std's: the same `JoinHandle`, names, stack sizes and
//! panics. Threads created any other way are counted only while alive, without a stack (see
//! [`crate::threads`]).

use std::io;
use std::sync::Arc;
use std::thread::{JoinHandle, Scope, ScopedJoinHandle};

use crate::threads::{Live, capture_self, record_creation};

/// Spawns a thread as [`std::thread::spawn`] does, and records the calling stack in the
/// `threadcreate` profile.
///
/// # Panics
///
/// As std's: if the OS fails to create a thread; use [`Builder::spawn`] to get the error.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Thread configuration, as [`std::thread::Builder`], whose spawns are recorded in the
/// `threadcreate` profile.
#[derive(Debug)]
pub struct Builder {
    inner: std::thread::Builder,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with std's defaults.
    pub fn new() -> Builder {
        Builder {
            inner: std::thread::Builder::new(),
        }
    }

    /// Names the thread (as [`std::thread::Builder::name`]; Linux shows its first 15
    /// bytes in `/proc` and in thread dumps).
    pub fn name(self, name: String) -> Builder {
        Builder {
            inner: self.inner.name(name),
        }
    }

    /// Sets the stack size in bytes (as [`std::thread::Builder::stack_size`]).
    pub fn stack_size(self, size: usize) -> Builder {
        Builder {
            inner: self.inner.stack_size(size),
        }
    }

    /// Spawns the thread (as [`std::thread::Builder::spawn`]) and, if it was created,
    /// counts the calling stack in the `threadcreate` profile.
    ///
    /// # Errors
    ///
    /// The OS error of creating the thread.
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let stack = capture_self();
        let creator: Arc<[u64]> = stack.pcs.clone().into();
        let handle = self.inner.spawn(move || {
            let _live = Live::register(creator);
            f()
        })?;
        record_creation(&stack);
        Ok(handle)
    }

    /// Spawns a scoped thread (as [`std::thread::Builder::spawn_scoped`]) and counts the
    /// calling stack in the `threadcreate` profile.
    ///
    /// # Errors
    ///
    /// The OS error of creating the thread.
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let stack = capture_self();
        let creator: Arc<[u64]> = stack.pcs.clone().into();
        let handle = self.inner.spawn_scoped(scope, move || {
            let _live = Live::register(creator);
            f()
        })?;
        record_creation(&stack);
        Ok(handle)
    }
}
