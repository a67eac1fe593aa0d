//! Channels: [`std::sync::mpsc`] with blocking receives and full-buffer sends recorded in the
//! block profile.
//!
//! A receive first tries without blocking; only when the channel is empty (or, for
//! [`SyncSender::send`], full) does it read the clock, block, and record the wait at its own
//! stack, as Go records `chan receive` and `chan send`. [`Receiver::recv_timeout`] records
//! its wait whether or not it timed out (as Go records a `select` with a timer). With both
//! profiles off, each call costs one relaxed atomic load more than std's.
//!
//! ```
//! use sextant::sync::mpsc;
//!
//! let (tx, rx) = mpsc::channel();
//! std::thread::spawn(move || tx.send(42).unwrap());
//! assert_eq!(rx.recv().unwrap(), 42);
//! ```

use std::fmt;
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

use super::event;

/// The sending half of a [`channel`]: sends never block.
pub struct Sender<T> {
    inner: std::sync::mpsc::Sender<T>,
}

/// The sending half of a [`sync_channel`]: a send blocks while the buffer is full.
pub struct SyncSender<T> {
    inner: std::sync::mpsc::SyncSender<T>,
}

/// The receiving half of a [`channel`] or [`sync_channel`].
pub struct Receiver<T> {
    inner: std::sync::mpsc::Receiver<T>,
}

/// An unbounded channel (std's [`std::sync::mpsc::channel`]).
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = std::sync::mpsc::channel();
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// A channel buffering at most `bound` messages; with 0, each send waits for its receive
/// (std's [`std::sync::mpsc::sync_channel`]).
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(bound);
    (SyncSender { inner: tx }, Receiver { inner: rx })
}

impl<T> Sender<T> {
    /// Sends `t`; never blocks.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `t` if the receiver is gone.
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.inner.send(t)
    }
}

impl<T> SyncSender<T> {
    /// Sends `t`, blocking while the buffer is full.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `t` if the receiver is gone.
    #[inline]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        if !event::active() {
            return self.inner.send(t);
        }
        self.send_profiled(t)
    }

    #[inline(never)]
    fn send_profiled(&self, t: T) -> Result<(), SendError<T>> {
        let t = match self.inner.try_send(t) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Disconnected(t)) => return Err(SendError(t)),
            Err(TrySendError::Full(t)) => t,
        };
        let start = event::now();
        let r = self.inner.send(t);
        if event::block_rate() != 0 {
            event::block(start);
        }
        r
    }

    /// Sends `t` if there is room, without blocking.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Disconnected`], holding `t`.
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(t)
    }
}

impl<T> Receiver<T> {
    /// Receives a message, blocking while the channel is empty.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and every sender is gone.
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        if !event::active() {
            return self.inner.recv();
        }
        self.recv_profiled()
    }

    #[inline(never)]
    fn recv_profiled(&self) -> Result<T, RecvError> {
        match self.inner.try_recv() {
            Ok(t) => return Ok(t),
            Err(TryRecvError::Disconnected) => return Err(RecvError),
            Err(TryRecvError::Empty) => {}
        }
        let start = event::now();
        let r = self.inner.recv();
        if event::block_rate() != 0 {
            event::block(start);
        }
        r
    }

    /// Receives a message if one is waiting, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Receives a message, blocking for at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] when none came in time, [`RecvTimeoutError::Disconnected`]
    /// once the channel is empty and every sender is gone.
    #[inline]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        if !event::active() {
            return self.inner.recv_timeout(timeout);
        }
        self.recv_timeout_profiled(timeout)
    }

    #[inline(never)]
    fn recv_timeout_profiled(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match self.inner.try_recv() {
            Ok(t) => return Ok(t),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        let start = event::now();
        let r = self.inner.recv_timeout(timeout);
        if event::block_rate() != 0 {
            event::block(start);
        }
        r
    }

    /// An iterator blocking for each message, ending when every sender is gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the messages waiting now, never blocking.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

/// Blocking iterator of a [`Receiver`] ([`Receiver::iter`]).
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

/// Non-blocking iterator of a [`Receiver`] ([`Receiver::try_iter`]).
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

/// Owning blocking iterator of a [`Receiver`].
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        SyncSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
