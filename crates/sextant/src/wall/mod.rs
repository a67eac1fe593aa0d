//! The wall-clock profiler: every thread's stack sampled at a fixed rate of real time,
//! whether the thread runs or waits (what Go users reach for fgprof to get).
//!
//! ```no_run
//! let f = std::fs::File::create("wall.pb.gz")?;
//! sextant::wall::start(f)?;
//! // ... the work to profile ...
//! sextant::wall::stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A CPU profile is blind to time spent off the CPU: blocked on a lock, a channel, a socket,
//! a disk, a sleep. A wall profile charges each thread one period of real time per sample
//! wherever it is, so `go tool pprof -top wall.pb.gz` shows where the time of a request
//! goes. `-tagfocus=state=running` keeps the CPU part, `-tagignore=state=running` the
//! waiting part, `-tagfocus=thread=NAME` one thread.
//!
//! ```no_run
//! let profiler = sextant::wall::ProfilerBuilder::new().rate(50).start()?;
//! // ... the work to profile ...
//! let profile = profiler.stop()?;
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! # How it samples
//!
//! A thread of its own, `sextant-wall`, wakes [`DEFAULT_RATE`] times a second, lists
//! `/proc/self/task`, reads each thread's state from its `stat`, then signals every thread
//! as a thread dump does ([`crate::threads`]): each unwinds its own interrupted stack in the
//! handler, async-signal-safely. A thread sleeping in a system call is woken by the signal
//! and goes back to sleep (the handler is installed with `SA_RESTART`; `nanosleep`, which
//! the kernel never restarts, returns `EINTR` with the time left and `std::thread::sleep`
//! sleeps again). Samples are valued by the real time since the previous round, so the
//! `wall/nanoseconds` of a thread add up to the time it lived during the profile even when
//! the sampler itself is scheduled late.
//!
//! The profile has sample types `samples/count` and `wall/nanoseconds`, period type
//! `wall/nanoseconds`; labels `thread` (the thread's name), `state` (`running`, `sleeping`,
//! `disk wait`, `stopped`, ... as `/proc` says just before the signal) and those of
//! [`crate::labels::with`]. A thread that did not answer its signal (blocked, stopped, in
//! uninterruptible sleep) is charged under [`crate::threads::NO_RESPONSE_FUNCTION`] with its
//! state. The sampler thread itself is not sampled.
//!
//! # Cost and limits
//!
//! Each sample costs, for every thread, a read of its `/proc` `stat` by the sampler and a
//! signal, a wake-up, a handler run and an unwind on the thread itself. Measured with
//! `benches/wall-overhead` on a 2-core VM under heavy load from other work (load average
//! 9-12), release build: 10 idle threads at 99 Hz cost about 4% of one core, 100 idle
//! threads about 30%, some 30 µs per thread and sample (each `stat` read alone took 18 µs
//! there; the sampler thread was half of the cost). Lower the rate for processes with many
//! threads. Linux only; one wall profile at a time.

mod build;
mod session;

use std::io::Write;

use sextant_profile::Profile;

use crate::collect::Global;
use crate::error::{Error, Result};
use session::Session;

/// 99 samples per second, fgprof's choice: a period of about 10 ms, as the CPU profiler's,
/// and off the round 100 Hz so sampling does not run in lockstep with periodic work (timers
/// at 10 ms or 100 ms multiples) and see it always or never.
pub const DEFAULT_RATE: u32 = 99;

/// The highest rate accepted: at 1 kHz every thread of the process is interrupted every
/// millisecond, which already costs a visible share of the time it measures.
pub const MAX_RATE: u32 = 1000;

static GLOBAL: Global<Profiler> = Global::new();

/// Starts a wall-clock profile of the whole process at [`DEFAULT_RATE`]; [`stop`] writes it
/// to `w`, gzip-compressed.
///
/// # Errors
///
/// [`Error::WallAlreadyInUse`] if a wall profile is already being collected, by [`start`]
/// or by a [`Profiler`]; [`Error::Os`] if no signal is free for sampling or the sampler
/// thread cannot start; [`Error::Symbolize`] if this process's mappings cannot be read.
pub fn start(w: impl Write + Send + 'static) -> Result<()> {
    GLOBAL.start(Box::new(w), Error::WallAlreadyInUse, || {
        ProfilerBuilder::new().start()
    })
}

/// Stops the profile [`start`] began and writes it. Does nothing if none is running.
///
/// # Errors
///
/// [`Error::Profile`] if writing fails; [`Error::Symbolize`] if this process's mappings
/// cannot be read.
pub fn stop() -> Result<()> {
    GLOBAL.stop(Profiler::stop)
}

/// Configures and starts a wall-clock profile whose [`Profiler::stop`] returns the
/// [`Profile`].
#[derive(Debug, Clone)]
pub struct ProfilerBuilder {
    hz: u32,
    dwarf: bool,
}

impl Default for ProfilerBuilder {
    fn default() -> Self {
        ProfilerBuilder::new()
    }
}

impl ProfilerBuilder {
    /// [`DEFAULT_RATE`], with lines from DWARF.
    pub fn new() -> ProfilerBuilder {
        ProfilerBuilder {
            hz: DEFAULT_RATE,
            dwarf: true,
        }
    }

    /// Samples per second of real time, clamped to `1..=`[`MAX_RATE`].
    pub fn rate(mut self, hz: u32) -> ProfilerBuilder {
        self.hz = hz.clamp(1, MAX_RATE);
        self
    }

    /// Whether to read DWARF for files, lines and inline frames (default true).
    pub fn lines(mut self, dwarf: bool) -> ProfilerBuilder {
        self.dwarf = dwarf;
        self
    }

    /// Starts sampling.
    ///
    /// # Errors
    ///
    /// As [`start`].
    pub fn start(self) -> Result<Profiler> {
        Ok(Profiler {
            session: Session::start(self.hz, self.dwarf)?,
        })
    }
}

/// A running wall-clock profile. Dropping it stops sampling and discards the samples.
pub struct Profiler {
    session: Session,
}

impl std::fmt::Debug for Profiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profiler").finish_non_exhaustive()
    }
}

impl Profiler {
    /// Stops sampling and returns the profile.
    ///
    /// # Errors
    ///
    /// [`Error::Symbolize`] if this process's mappings cannot be read.
    pub fn stop(self) -> Result<Profile> {
        self.session.stop()
    }
}
