//! Thread dumps (Go's `goroutine` profile, ours is `threads`) and the `threadcreate`
//! profile, read through [`crate::lookup()`].
//!
//! ```no_run
//! // Go's `pprof.Lookup("goroutine").WriteTo(os.Stdout, 2)`:
//! let mut out = std::io::stdout();
//! sextant::lookup("threads").expect("a known profile").write_to(&mut out, 2)?;
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! # The `threads` profile
//!
//! Every thread's stack at one instant. The calling thread unwinds itself; every other
//! thread listed in `/proc/self/task` is sent a real-time signal (the highest one with no
//! handler, `SIGRTMAX` on most systems; see [`signal()`]) and unwinds its own interrupted stack
//! in the handler, async-signal-safely, with the `.eh_frame` tables parsed beforehand, into a
//! preallocated slot. The wait is bounded: a thread gets 250 ms to answer and the dump one
//! second in all. A thread that does not answer (it blocks the signal, is stopped, sleeps
//! uninterruptibly) is reported under the pseudo-function [`NO_RESPONSE_FUNCTION`] with its
//! state, never waited for again while the signal stays pending on it. Dumps taken at once
//! from several threads run one after the other.
//!
//! - `debug=0`: profile.proto with sample type `threads/count` (Go's is `goroutine/count`),
//!   one sample per distinct (stack, state, labels), valued by its number of threads. Each
//!   sample has a `state` label from `/proc/self/task/TID/stat`, read just before the
//!   thread is signalled: `running`, `sleeping`, `disk wait`, `stopped`, `tracing stop`,
//!   `zombie`, `idle`, ...; and the thread's [`crate::labels`]. Threads are aggregated as Go
//!   aggregates goroutines (by stack and labels), not split by name, so `go tool pprof -top`
//!   counts threads per function; names are in `debug=2`.
//! - `debug=1`: Go's aggregated text, `threads profile: total N`, then per distinct stack
//!   `N @ 0x.. 0x..` (return addresses), a `# labels: {"state":"sleeping"}` line, and
//!   `#\t0x..\tfunction+0x..\tfile:line` per frame, by count descending. `go tool pprof`
//!   reads it as a legacy count profile (addresses only).
//! - `debug=2`: one dump per thread in the shape of Go's goroutine dump, the calling thread
//!   first: `thread TID "NAME" [STATE]:`, then `function(...)` and `\tfile:line +0xoff` per
//!   frame (`[STATE, no response]` for a thread that did not answer), and for a thread
//!   created through [`crate::thread`], Go's `created by FUNCTION` with its place.
//!
//! The calling thread's stack starts with sextant's own frames (the dump itself), as a
//! goroutine dump in Go shows `runtime/pprof`'s. A thread that sleeps is woken by the signal
//! and goes back to sleep; the system calls it was in are restarted (`SA_RESTART`), or
//! return `EINTR` where the kernel never restarts them (`nanosleep`, `epoll_wait`), which
//! std and async runtimes retry.
//!
//! # The `threadcreate` profile
//!
//! The stacks that created threads through [`crate::thread::spawn`] and
//! [`crate::thread::Builder`] (std's API), counted since the start, as Go counts the threads
//! its runtime created. Threads created any other way (the main thread, `std::thread`
//! directly, other crates' pools) cannot be traced back to a stack: those alive at the time
//! of the lookup are counted under [`UNKNOWN_CREATOR_FUNCTION`]; those that already exited
//! are not seen at all. Sample type `threadcreate/count`, as Go.
//!
//! # Limits
//!
//! Linux only. Another library that later replaces the signal's handler makes dumps fail
//! with an error rather than chain to it. Libraries loaded after the first dump are unwound
//! with tables as soon as a dump sees them in `/proc/self/maps`. A thread stopped by a
//! debugger in the middle of the handler keeps one request slot until it resumes.

mod create;
mod dump;
mod proc;
mod round;
mod signal;
mod snapshot;
mod text;
pub(crate) mod walker;

use std::io::Write;

use sextant_profile::Profile;

use crate::error::Result;

pub(crate) use create::{Live, record as record_creation};
pub(crate) use proc::{StatFiles, State, TaskDir, gettid, list_threads, thread_name};
pub(crate) use round::Wait;
pub(crate) use snapshot::{ThreadStack, ask, capture_self};

/// The pseudo-function standing for the stack of a thread that did not answer the dump's
/// signal in time (its signal blocked, stopped, in uninterruptible sleep).
pub const NO_RESPONSE_FUNCTION: &str = "sextant::_NoResponse";
/// The pseudo-function under which the `threadcreate` profile counts live threads that were
/// not created through [`crate::thread`].
pub const UNKNOWN_CREATOR_FUNCTION: &str = "sextant::_UnknownCreator";
/// The pseudo-function at the root of a stack cut at the depth limit (128 frames).
pub const TRUNCATED_STACK_FUNCTION: &str = "sextant::_TruncatedStack";

/// The real-time signal thread dumps and the wall-clock profiler send, choosing it (and
/// installing its handler) on first use. A program that blocks signals in some threads can
/// leave this one unblocked so those threads show in dumps.
///
/// # Errors
///
/// [`crate::Error::Os`] if every real-time signal already has a handler, or another
/// library replaced ours.
pub fn signal() -> Result<i32> {
    signal::signal()
}

pub(crate) fn lookup_count() -> usize {
    proc::list_threads().map_or(0, |t| t.len())
}

pub(crate) fn lookup_profile() -> Result<Profile> {
    dump::lookup_profile()
}

pub(crate) fn lookup_text(w: &mut dyn Write, debug: u32) -> Result<()> {
    dump::lookup_text(w, debug)
}

pub(crate) fn threadcreate_count() -> usize {
    create::threadcreate_count()
}

pub(crate) fn threadcreate_profile() -> Result<Profile> {
    create::threadcreate_profile()
}

pub(crate) fn threadcreate_text(w: &mut dyn Write) -> Result<()> {
    create::threadcreate_text(w)
}
