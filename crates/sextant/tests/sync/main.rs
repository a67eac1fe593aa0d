//! `sextant::sync` end to end: the block and mutex profiles against the waits the tests
//! measure themselves, the sampling rates, poisoning, Go's tools reading the profiles, and a
//! stress run.
//!
//! The rates and the recorded profiles are process-wide, so every test takes [`serial`]
//! first and looks only at stacks through functions of its own. Tests assert on delays the
//! profiled program measured with its own clock, never on wall time.

mod common;
#[path = "../common/go.rs"]
mod go;

mod block;
mod contention;
mod interop;
mod poison;
mod rates;
mod stress;
