//! The heap sampler end to end, installed as this binary's global allocator: estimates
//! against known truths, profiles in Go's tools, the leak example, the statistics and the
//! limit, and a stress run of many threads freeing each other's memory.
//!
//! The sampling rate is process-wide, so every test takes [`common::serial`] first. Tests
//! measure only allocations made under their own functions, found by name in the stacks, so
//! the harness's own allocations do not count.

mod common;
#[path = "../common/go.rs"]
mod go;

mod accuracy;
mod interop;
mod leak;
mod memstats;
mod stress;
mod text;

#[global_allocator]
static A: sextant::heap::Sampler<std::alloc::System> =
    sextant::heap::Sampler::new(std::alloc::System);
