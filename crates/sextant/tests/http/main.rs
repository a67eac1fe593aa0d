//! `sextant::http` end to end, over real loopback connections: every route's answer
//! (`routes`), the CPU and wall profile routes (`cpu`), delta profiles (`deltas`), bad
//! clients and limits (`robustness`), Go's `go tool pprof` and our `sextant pprof` against
//! the example service (`interop`), Go's symbolizer and error display (`symbolz`), and the
//! axum router (`axum_router`, with `--features axum`).
//!
//! The example service's module is part of this binary (see `interop`), so its
//! `sextant::heap::Sampler` is this binary's allocator and the heap routes have content.
//! Tests that take a CPU or wall profile take [`common::serial`] first: profiling is
//! process-wide. Every client read is bounded; no test asserts on wall time.

mod common;

#[cfg(feature = "axum")]
mod axum_router;
mod cpu;
mod deltas;
mod interop;
mod robustness;
mod routes;
mod symbolz;
