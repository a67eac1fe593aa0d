//! Tests of the harness itself, run in-process through `Harness::run_captured`.
//!
//! One binary, so the counting allocator can be its global allocator; every test takes
//! [`serial`] first, because allocation counts are process-wide (as Go's are) and tests that
//! run side by side would count each other's allocations.

mod allocs;
mod benchstat;
mod cpuprofile;
mod fake_clock;
mod matching;
mod metrics;
mod noise;
mod output;
mod ramp;
mod timers;

use std::sync::{Mutex, MutexGuard};

#[global_allocator]
static ALLOC: sextant_bench::CountingAlloc = sextant_bench::CountingAlloc::system();

/// Holds the other tests off while one runs.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The result lines of an output: name and the fields after it.
pub(crate) fn results(stdout: &str) -> Vec<(String, Vec<String>)> {
    stdout
        .lines()
        .filter(|l| l.starts_with("Benchmark"))
        .map(|l| {
            let mut fields = l.split_whitespace().map(str::to_string);
            let name = fields.next().unwrap_or_default();
            (name, fields.collect())
        })
        .collect()
}

/// The value printed before `unit` on the result line of `name`.
pub(crate) fn metric(stdout: &str, name: &str, unit: &str) -> Option<f64> {
    let (_, fields) = results(stdout).into_iter().find(|(n, _)| n == name)?;
    let i = fields.iter().position(|f| f == unit)?;
    fields.get(i.checked_sub(1)?)?.parse().ok()
}
