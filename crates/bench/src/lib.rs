//! `sextant-bench`: `go test -bench` for Rust.
//!
//! Go's benchmark harness is fast (about a second a benchmark) and simple (`b.N`), and its
//! output feeds benchstat. This crate is that harness: the same API ([`B`]: `n()`, timers,
//! `report_allocs`, `set_bytes`, `report_metric`, `run`, `run_parallel`), the same flags
//! (`-bench`, `-benchtime`, `-count`, `-benchmem`, `-cpu`, `-run`, `-timeout`) with Go's
//! semantics, and Go's benchmark data format on stdout, so `benchstat old.txt new.txt` works
//! unchanged. It sits beside the rest of Sextant: `sextant benchstat` reads what it writes.
//!
//! # Use
//!
//! In `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! sextant-bench = "0.1"
//!
//! [[bench]]
//! name = "strings"
//! harness = false
//! ```
//!
//! In `benches/strings.rs`:
//!
//! ```no_run
//! use sextant_bench::{B, black_box};
//!
//! fn bench_contains(b: &mut B) {
//!     let haystack = "abcdefgh".repeat(512) + "needle";
//!     b.set_bytes(haystack.len() as u64);
//!     b.iter(|| haystack.contains(black_box("needle")));
//! }
//!
//! fn bench_sort(b: &mut B) {
//!     for n in [10, 1000] {
//!         b.run(&format!("n={n}"), |b| {
//!             let orig: Vec<u64> = (0..n).rev().collect();
//!             let mut xs = orig.clone();
//!             b.reset_timer();
//!             for _ in 0..b.n() {
//!                 xs.copy_from_slice(&orig);
//!                 xs.sort_unstable();
//!             }
//!         });
//!     }
//! }
//!
//! sextant_bench::main!(bench_contains, bench_sort);
//! ```
//!
//! Then `cargo bench` runs everything, and `cargo bench -- -bench=Sort/n=1000 -count=10
//! -benchmem > new.txt` what you ask for. `bench_contains` is reported as
//! `BenchmarkContains`, Go's name for it.
//!
//! # Flags
//!
//! `-bench=REGEX` (matched level by level on `/`), `-benchtime=1s|100x`, `-count=N`,
//! `-benchmem`, `-cpu=1,2,4` (threads for `run_parallel`, and the `-P` suffix), `-run=REGEX`
//! (accepted; a benchmark binary has no tests), `-timeout=10m`, `-v`, and beyond Go:
//!
//! - `-rounds=5`: each result is made of this many rounds that share the benchtime
//!   (`-rounds=1` is Go's single run); see "Noise" below.
//! - `-metrics=instructions,cycles,cache-misses,...`: Linux perf counters as extra units
//!   (`instructions/op`); an event the machine cannot count is named on stderr and left out.
//!
//! `-cpuprofile=FILE` writes a CPU profile of the benchmark runs to `FILE` (relative to
//! `-outputdir=DIR` when that is given), as `go test -cpuprofile` does: it is started before
//! the first benchmark and written after the last, by `sextant::cpu`, for `sextant pprof` or
//! `go tool pprof`. It needs the `cpuprofile` cargo feature, on by default; without it the
//! flag is refused (exit 2).
//!
//! `-memprofile=FILE` writes an allocation profile (Go's `allocs`: every sampled allocation
//! since the program started, by stack, with `alloc_space` as the default sample type) to
//! `FILE` after the last benchmark, as `go test -memprofile` does, relative to `-outputdir`
//! too; `-memprofilerate=N` samples one allocation per `N` bytes on average (Go's
//! `runtime.MemProfileRate`; 1 records every allocation, 0 or a negative value, as in Go,
//! keeps the default of 512 KiB). The allocations come from `sextant::heap::Sampler`, which
//! [`main!`] installs under [`CountingAlloc`] with the `memprofile` cargo feature (on by
//! default); without the feature, or with a `custom_allocator` that lacks the sampler, the
//! flag is refused (exit 2). Unlike Go, which keeps `MemProfileRate` at 512 KiB in every
//! test binary, the harness turns sampling off (rate 0) when `-memprofile` is not given: a
//! sample costs a stack walk, and at the default rate that is about one every 512 KiB
//! allocated, enough to move the ns/op of an allocation-heavy benchmark; the profile would be
//! thrown away anyway. Go pays a similar cost always; here only profiled runs do. The file is
//! created before the first benchmark (Go creates it after the last), so a bad path fails
//! at once rather than after the benchmarks.
//!
//! # Noise
//!
//! A shared machine moves results, and only ever upwards: the scheduler takes the CPU away
//! for milliseconds, and on a virtual machine whose vCPUs share physical cores with other
//! tenants the same code runs up to 2x slower (most likely while the core's other hardware
//! thread is busy), for tens of milliseconds to seconds at a time. A mean over a run then measures
//! the mix of these modes; a median reports whichever mode held the majority, and that flips
//! from run to run. The harness reports the speed of undisturbed code instead, as Python's
//! `timeit` does with its minimum:
//!
//! - [`B::iter`] times its loop in batches of about 100 µs. The result takes the 5th fastest
//!   batch rate over all rounds for the iterations inside `iter` (one odd batch cannot set
//!   it; a speed must hold for five), plus the timed work outside `iter` as measured, from
//!   the round where that was least. Without noise (every batch alike) the result is Go's.
//! - Bodies without batches (Go-style `for _ in 0..b.n()` loops, `run_parallel`) report the
//!   fastest of the `-rounds` rounds (5) sharing the benchtime: a burst that spoils some
//!   rounds does not reach the result, load that lasts the whole benchmark does. Prefer
//!   `b.iter` where the body allows it.
//! - When the median batch (or round) ran more than 10% slower than the reported speed, a
//!   warning on stderr gives both: the machine, not the code, then decides a plain mean.
//!   Before measuring, the harness also warns about a debug build, a CPU frequency governor
//!   other than `performance`, and a machine busy with other programs.
//!
//! So results estimate the undisturbed speed, a lower bound of what a loaded machine
//! delivers on average; a body whose own cost varies widely between iterations and runs
//! slower than ~20 µs (a batch then holds a few iterations) reads as its faster iterations.
//! `-rounds=1` turns the filter off: Go's single measurement, noise included. Setting
//! `SEXTANT_BENCH_TRACE=FILE` appends every round's raw timings to `FILE` (name, N, timed
//! ns, then each batch as `ns:iterations`), to study a machine's noise.
//!
//! # Allocations
//!
//! B/op and allocs/op come from [`CountingAlloc`], which [`main!`] installs as the global
//! allocator ([`DefaultAlloc`]), over `sextant::heap::Sampler` with the `memprofile` feature;
//! the counts stay exact. With sampling off (outside `-memprofile` runs) the sampler still
//! updates a few thread-local counters per allocation and checks a filter table per free, a
//! few nanoseconds per allocation; turn the feature off (`default-features = false, features
//! = ["cpuprofile"]`) for the bare counting allocator over `System`.

mod alloc;
mod batches;
mod bench;
mod environment;
mod error;
mod flags;
mod format;
mod harness;
mod launch;
mod matcher;
mod parallel;
mod perf;
mod profile;

pub use alloc::{CountingAlloc, DefaultAlloc, default_alloc};
pub use bench::B;
pub use error::Error;
pub use flags::{BenchTime, Options};
pub use format::BenchResult;
pub use harness::{Captured, Clock, Harness, MonotonicClock};
pub use parallel::PB;
pub use perf::{Counter, Event};
pub use std::hint::black_box;

/// Go's name for a benchmark function: `bench_string_contains` becomes
/// `BenchmarkStringContains` (a `bench_` or `benchmark_` prefix is dropped, each `_`-separated
/// word capitalised); a path keeps only its last segment.
pub fn go_name(function: &str) -> String {
    let last = function.rsplit("::").next().unwrap_or(function).trim();
    if last.starts_with("Benchmark") {
        return last.to_string();
    }
    let base = last
        .strip_prefix("benchmark_")
        .or_else(|| last.strip_prefix("bench_"))
        .unwrap_or(last);
    let mut name = String::from("Benchmark");
    for word in base.split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(c) = chars.next() {
            name.extend(c.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}

/// The `main` of a benchmark target with `harness = false`: registers the functions, installs
/// [`DefaultAlloc`] as the global allocator ([`CountingAlloc`], over `sextant::heap::Sampler`
/// with the `memprofile` feature), and runs [`Harness::main`].
///
/// `sextant_bench::main!(bench_a, bench_b);` names them `BenchmarkA`, `BenchmarkB`
/// ([`go_name`]). A program with its own `#[global_allocator]` writes
/// `sextant_bench::main!(custom_allocator; bench_a, bench_b);` and wraps its allocator
/// itself: `CountingAlloc::new(sextant::heap::Sampler::new(MyAlloc))` for B/op and
/// `-memprofile`, `CountingAlloc::new(MyAlloc)` for B/op only (then `-memprofile` is refused),
/// or neither.
#[macro_export]
macro_rules! main {
    (custom_allocator; $($f:path),+ $(,)?) => {
        fn main() {
            let harness = $crate::Harness::new(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_CRATE_NAME")
            ))
            .debug_build(cfg!(debug_assertions))
            .environment_checks(true);
            $(let harness = harness.bench(&$crate::go_name(stringify!($f)), $f);)+
            harness.main()
        }
    };
    ($($f:path),+ $(,)?) => {
        #[global_allocator]
        static SEXTANT_BENCH_ALLOC: $crate::DefaultAlloc = $crate::default_alloc();
        $crate::main!(custom_allocator; $($f),+);
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn function_names_become_go_benchmark_names() {
        assert_eq!(
            super::go_name("bench_string_contains"),
            "BenchmarkStringContains"
        );
        assert_eq!(super::go_name("benchmark_sort"), "BenchmarkSort");
        assert_eq!(
            super::go_name("strings :: bench_rune_count"),
            "BenchmarkRuneCount"
        );
        assert_eq!(super::go_name("contains"), "BenchmarkContains");
        assert_eq!(super::go_name("BenchmarkX"), "BenchmarkX");
    }
}
