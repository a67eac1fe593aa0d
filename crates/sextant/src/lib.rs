//! `sextant`: the profiling library Rust programs embed, with Go's entry points.
//!
//! - [`cpu`]: `pprof.StartCPUProfile` / `StopCPUProfile`: per-thread CPU-time sampling,
//!   async-signal-safe unwinding, profiles in profile.proto that `go tool pprof` and
//!   `sextant pprof` read.
//! - [`labels`]: `pprof.Do`: labels on the samples a piece of work takes.
//! - [`heap`]: `runtime.MemProfileRate` and the `heap` and `allocs` profiles, from a sampling
//!   `GlobalAlloc` wrapping any allocator.
//! - [`memstats`]: `runtime.ReadMemStats`, a `gctrace`-style trace (`SEXTANT_MEMTRACE=1`) and
//!   a heap limit that writes a profile when crossed.
//! - [`threads`]: thread dumps (Go's `goroutine` profile, ours is `threads`, with `debug=2`
//!   one stack per thread) and the `threadcreate` profile, through [`lookup`].
//! - [`sync`]: `Mutex`, `RwLock`, `Condvar` and `mpsc` channels with std's API, recording Go's
//!   `block` profile (where threads wait, `set_block_rate`) and `mutex` profile (which lock
//!   holders make others wait, `set_mutex_fraction`).
//! - `tasks` (feature `tokio`, built with `--cfg tokio_unstable`): the stacks tokio tasks are
//!   suspended at, from tokio's task dumps, as a profile.
//! - [`thread`]: `std::thread::spawn` and `Builder` that record who creates threads.
//! - [`wall`]: beyond Go, a wall-clock profile: every thread's stack at a fixed rate of
//!   real time, running or waiting, labelled with its state (fgprof's answer, built in).
//! - [`http`] (feature `http`, on by default): `net/http/pprof`: the `/debug/pprof` endpoint,
//!   `sextant::http::serve("127.0.0.1:6060")`, so `go tool pprof http://...` works against a
//!   running Rust program.
//!
//! ```no_run
//! let f = std::fs::File::create("cpu.pb.gz")?;
//! sextant::cpu::start(f)?;
//! sextant::labels::with(&[("endpoint", "/api")], || {
//!     // ... the work to profile ...
//! });
//! sextant::cpu::stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! It depends on `sextant-profile` (the model and codec) and `sextant-symbolize` (names and
//! lines), never on the analyzer.

#[cfg(target_os = "linux")]
mod collect;
#[cfg(target_os = "linux")]
pub mod cpu;
mod error;
#[cfg(target_os = "linux")]
pub mod heap;
#[cfg(all(target_os = "linux", feature = "http"))]
pub mod http;
pub mod labels;
#[cfg(target_os = "linux")]
mod lookup;
#[cfg(target_os = "linux")]
pub mod memstats;
#[cfg(target_os = "linux")]
pub(crate) mod stackwalk;
#[cfg(target_os = "linux")]
pub mod sync;
#[cfg(all(target_os = "linux", feature = "tokio"))]
pub mod tasks;
#[cfg(target_os = "linux")]
pub mod thread;
#[cfg(target_os = "linux")]
pub mod threads;
#[cfg(target_os = "linux")]
pub mod wall;

pub use error::{Error, Result};
#[cfg(target_os = "linux")]
pub use lookup::{Lookup, lookup, profiles};
pub use sextant_profile::Profile;
