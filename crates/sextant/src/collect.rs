//! What the CPU and wall-clock profilers share: one profile at a time, the background
//! thread that collects until told to stop, the global `start(w)`/`stop()` pair, and the
//! profile's header.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use sextant_profile::{Label, Profile, ValueType};

use crate::error::{Error, Result};

/// Claims `active` (one profile of a kind at a time), then runs `start`; a failed start
/// releases the claim. `busy` is the error when the claim is already taken.
pub(crate) fn claim<S>(
    active: &AtomicBool,
    busy: Error,
    start: impl FnOnce() -> Result<S>,
) -> Result<S> {
    if active
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return Err(busy);
    }
    start().inspect_err(|_| active.store(false, Ordering::SeqCst))
}

/// A profile's collecting thread, which runs until [`Worker::finish`] tells it to stop and
/// hands back its result `R`.
pub(crate) struct Worker<R> {
    stop_tx: mpsc::Sender<()>,
    thread: Option<JoinHandle<R>>,
}

impl<R: Send + 'static> Worker<R> {
    /// Spawns thread `name` running `run` with the receiver that says stop.
    ///
    /// # Errors
    ///
    /// [`Error::Os`] (`call` names the spawn) if the thread cannot start.
    pub(crate) fn spawn(
        name: &str,
        call: &'static str,
        run: impl FnOnce(mpsc::Receiver<()>) -> R + Send + 'static,
    ) -> Result<Worker<R>> {
        let (stop_tx, stop_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(stop_rx))
            .map_err(|e| Error::Os { call, source: e })?;
        Ok(Worker {
            stop_tx,
            thread: Some(thread),
        })
    }
}

impl<R> Worker<R> {
    /// Whether [`Worker::finish`] has yet to be called.
    pub(crate) fn running(&self) -> bool {
        self.thread.is_some()
    }

    /// Tells the thread to stop without waiting for it, for a thread that must also be woken
    /// by other means (its receiver is then no longer empty); [`Worker::finish`] waits.
    pub(crate) fn tell_stop(&self) {
        let _ = self.stop_tx.send(());
    }

    /// Tells the thread to stop and waits for its result: `None` if it panicked or was
    /// already finished.
    pub(crate) fn finish(&mut self) -> Option<R> {
        let _ = self.stop_tx.send(());
        self.thread.take().and_then(|t| t.join().ok())
    }
}

/// The writer [`Global::start`] keeps until [`Global::stop`].
type Writer = Box<dyn Write + Send>;

/// The profile of a process-wide `start(w)`, kept with its writer until `stop()` (Go's
/// `StartCPUProfile`/`StopCPUProfile` pair).
pub(crate) struct Global<P>(Mutex<Option<(P, Writer)>>);

impl<P> Global<P> {
    /// Nothing running.
    pub(crate) const fn new() -> Global<P> {
        Global(Mutex::new(None))
    }

    /// Starts a profile with `begin`, kept with `w` until [`Global::stop`].
    ///
    /// # Errors
    ///
    /// `busy` if one is already running; `begin`'s error.
    pub(crate) fn start(
        &self,
        w: Writer,
        busy: Error,
        begin: impl FnOnce() -> Result<P>,
    ) -> Result<()> {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_some() {
            return Err(busy);
        }
        *g = Some((begin()?, w));
        Ok(())
    }

    /// Stops the running profile with `end` and writes it, gzip-compressed, to the writer
    /// given at start. Does nothing if none is running.
    ///
    /// # Errors
    ///
    /// `end`'s error; [`Error::Profile`] if writing fails.
    pub(crate) fn stop(&self, end: impl FnOnce(P) -> Result<Profile>) -> Result<()> {
        let running = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some((profiler, mut w)) = running else {
            return Ok(());
        };
        let profile = end(profiler)?;
        profile.write(&mut w)?;
        w.flush().map_err(sextant_profile::Error::from)?;
        Ok(())
    }
}

/// Sets what a sampled time profile says besides its samples: values `samples/count` and
/// `<kind>/nanoseconds`, period type `<kind>/nanoseconds` with the period of `hz`, when it
/// started and how long it ran, and `comments`.
pub(crate) fn set_header(
    p: &mut Profile,
    kind: &str,
    hz: u32,
    start: SystemTime,
    duration: Duration,
    comments: Vec<String>,
) {
    p.sample_type = vec![
        ValueType::new("samples", "count"),
        ValueType::new(kind, "nanoseconds"),
    ];
    p.period_type = Some(ValueType::new(kind, "nanoseconds"));
    p.period = period_ns(hz);
    p.time_nanos = start
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    p.duration_nanos = duration.as_nanos() as i64;
    p.comments = comments;
}

/// The sampling period of `hz` in nanoseconds.
pub(crate) fn period_ns(hz: u32) -> i64 {
    1_000_000_000 / i64::from(hz.max(1))
}

/// Appends the user labels of label set `id` (see [`crate::labels`]) to `label`.
pub(crate) fn push_user_labels(label: &mut Vec<Label>, id: u64) {
    for (k, v) in crate::labels::resolve(id).iter().flat_map(|s| s.iter()) {
        label.push(Label::str(k, v));
    }
}
