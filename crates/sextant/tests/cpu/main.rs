//! The CPU profiler end to end: what a profile holds, how it reads in Go's tools, how
//! accurately it measures each thread, labels, and a stress run.
//!
//! Profiling is process-wide, so every test takes [`serial`] first. Tests burn CPU for a
//! few seconds at most and assert on CPU clocks, never on wall time.

mod common;
#[path = "../common/go.rs"]
mod go;

mod accuracy;
mod example;
mod interop;
mod profile;
mod stress;
