//! The CPU profiler: Go's `pprof.StartCPUProfile` for Rust programs.
//!
//! ```no_run
//! let f = std::fs::File::create("cpu.pb.gz")?;
//! sextant::cpu::start(f)?;
//! // ... the work to profile ...
//! sextant::cpu::stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Then `sextant pprof -top cpu.pb.gz` or `go tool pprof -top cpu.pb.gz`. The builder gives
//! the [`Profile`] itself:
//!
//! ```no_run
//! let profiler = sextant::cpu::ProfilerBuilder::new().rate(1000).start()?;
//! // ... the work to profile ...
//! let profile = profiler.stop()?;
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! # How it samples
//!
//! Every thread of the process, those alive at start and those created while profiling, by
//! any crate, gets a timer on its own CPU clock that sends it SIGPROF each `1/hz` seconds of
//! CPU time it uses ([`timer`](self) details the design, which is Go's since 1.18). A
//! process-wide `setitimer(ITIMER_PROF)` runs beside them, as in Go: its signal is ignored on
//! a thread with its own timer, and on a new thread is a sample and the news that gets the
//! thread a timer, so no thread list is polled. The handler unwinds the interrupted stack
//! with `.eh_frame` tables parsed at start (so release builds without frame pointers work)
//! into a preallocated lock-free buffer sized for a quarter second of samples; a background
//! thread, `sextant-cpu`, wakes every 250 ms (sooner when the buffer fills or a thread is
//! new), drains it and sums identical stacks. At stop the
//! addresses are symbolized, once each: names from the symbol table, files, lines and
//! inline frames from DWARF, read only for those addresses. Build with `debug = "limited"`
//! in `[profile.release]` to get lines and the full paths of inlined functions in release
//! builds (`"line-tables-only"` gives lines, but inlined frames only by their short names).
//!
//! The profile is Go's: sample types `samples/count` and `cpu/nanoseconds`, period
//! `cpu/nanoseconds`, mappings with build ids, a `thread` label with each thread's name and
//! the labels of [`crate::labels::with`]. Its losses are in it too: samples lost to a full
//! buffer under `sextant::_LostSamples`, stacks cut at 128 frames marked with a
//! `sextant::_TruncatedStack` root, and counts of both in the comments.
//!
//! # Limits
//!
//! Linux only. Another library's SIGPROF handler is refused, not chained
//! ([`Error::ForeignSigprofHandler`]). A thread created while profiling is sampled by the
//! process timer until it has its own timer (a few milliseconds); those first samples hold
//! its leaf frame only, until the profiler has read where its stack is. Libraries loaded
//! after start are unwound by frame pointers only.

mod buffer;
mod build;
mod session;
mod signal;
mod timer;

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

use sextant_profile::Profile;

/// The pseudo-function at the root of a stack cut at the depth limit (128 frames).
pub const TRUNCATED_STACK_FUNCTION: &str = "sextant::_TruncatedStack";
/// The pseudo-function of samples lost because the sample buffer was full (Go's
/// `runtime/pprof.lostProfileEvent`).
pub const LOST_SAMPLES_FUNCTION: &str = "sextant::_LostSamples";

use crate::collect::Global;
use crate::error::{Error, Result};
use session::Session;

/// Go's rate: 100 samples per CPU-second, a sample per 10 ms, cheap enough to leave on and
/// plenty for functions that take a percent or more of the CPU.
pub const DEFAULT_RATE: u32 = 100;

/// The highest rate accepted. Above 10 kHz the handler's own cost (a few microseconds per
/// sample) becomes a visible share of the CPU it measures.
pub const MAX_RATE: u32 = 10_000;

static RATE: AtomicU32 = AtomicU32::new(DEFAULT_RATE);

static GLOBAL: Global<Profiler> = Global::new();

/// Sets the sampling rate, in samples per CPU-second, of profiles started afterwards
/// (Go's `runtime.SetCPUProfileRate`). Clamped to `1..=`[`MAX_RATE`].
pub fn set_rate(hz: u32) {
    RATE.store(hz.clamp(1, MAX_RATE), Ordering::Relaxed);
}

/// Starts profiling the whole process; [`stop`] writes the profile to `w`, gzip-compressed.
///
/// # Errors
///
/// [`Error::AlreadyInUse`] if a profile is already being collected, by [`start`] or by a
/// [`Profiler`]; [`Error::ForeignSigprofHandler`] if another library handles SIGPROF;
/// [`Error::Os`] if the OS refuses the handler or the timers.
pub fn start(w: impl Write + Send + 'static) -> Result<()> {
    GLOBAL.start(Box::new(w), Error::AlreadyInUse, || {
        ProfilerBuilder::new().start()
    })
}

/// Stops the profile [`start`] began and writes it. Does nothing if none is running, as Go's
/// `StopCPUProfile`.
///
/// # Errors
///
/// [`Error::Profile`] if writing fails; [`Error::Symbolize`] if this process's mappings
/// cannot be read.
pub fn stop() -> Result<()> {
    GLOBAL.stop(Profiler::stop)
}

/// Configures and starts a CPU profile whose [`Profiler::stop`] returns the [`Profile`].
#[derive(Debug, Clone)]
pub struct ProfilerBuilder {
    hz: u32,
    dwarf: bool,
    per_thread: bool,
}

impl Default for ProfilerBuilder {
    fn default() -> Self {
        ProfilerBuilder::new()
    }
}

impl ProfilerBuilder {
    /// The rate of [`set_rate`] (100 Hz unless changed), with lines from DWARF.
    pub fn new() -> ProfilerBuilder {
        ProfilerBuilder {
            hz: RATE.load(Ordering::Relaxed),
            dwarf: true,
            per_thread: true,
        }
    }

    /// Samples per CPU-second of each thread, clamped to `1..=`[`MAX_RATE`].
    pub fn rate(mut self, hz: u32) -> ProfilerBuilder {
        self.hz = hz.clamp(1, MAX_RATE);
        self
    }

    /// Whether to read DWARF for files, lines and inline frames (default true). Without it
    /// functions are named from the symbol table alone, which costs less memory.
    pub fn lines(mut self, dwarf: bool) -> ProfilerBuilder {
        self.dwarf = dwarf;
        self
    }

    /// Whether to use one CPU-time timer per thread (default true). `false` uses the
    /// process-wide `setitimer(ITIMER_PROF)` that the profiler otherwise falls back to only
    /// where per-thread timers are unavailable: for comparison with tools that use it.
    pub fn per_thread_timers(mut self, per_thread: bool) -> ProfilerBuilder {
        self.per_thread = per_thread;
        self
    }

    /// Starts sampling.
    ///
    /// # Errors
    ///
    /// As [`start`].
    pub fn start(self) -> Result<Profiler> {
        Ok(Profiler {
            session: Session::start(self.hz, self.dwarf, self.per_thread)?,
        })
    }
}

/// A running CPU profile. Dropping it stops sampling and discards the samples.
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
