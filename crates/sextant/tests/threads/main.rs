//! Thread dumps, the threadcreate profile and the wall-clock profiler end to end: what the
//! profiles hold, the shape of Go's text formats, threads that do not answer, how Go's
//! tools read the output, and a stress run.
//!
//! Dumps and wall profiles signal every thread of the process, so the tests that count
//! threads take [`common::serial`] first. They assert on what the profiles hold and bound
//! their waits; they never assert on elapsed time.

mod common;
#[path = "../common/go.rs"]
mod go;

mod create;
mod dump;
mod interop;
mod stress;
mod text;
mod wall;
