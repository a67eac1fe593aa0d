//! The noise filter: a preempted stretch inside `b.iter` does not reach the result, and
//! `-rounds=1` gives Go's measurement, preemption included.

use std::cell::Cell;
use std::sync::Arc;

use sextant_bench::Harness;

use crate::fake_clock::FakeClock;
use crate::{metric, serial};

/// A body of 100 ns per iteration on the fake clock, except that every 50,000th iteration
/// loses the CPU for 3 ms, as a scheduler time slice given to another program would.
fn preempted(args: &[&str]) -> f64 {
    let clock = FakeClock::new();
    let c = clock.clone();
    let calls = Cell::new(0u64);
    let run = Harness::new("noise")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkPreempted", move |b| {
            b.iter(|| {
                calls.set(calls.get() + 1);
                let stolen = if calls.get() % 50_000 == 0 {
                    3_000_000
                } else {
                    0
                };
                c.advance(100 + stolen);
            })
        })
        .run_captured(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    metric(&run.stdout, "BenchmarkPreempted", "ns/op").expect(&run.stdout)
}

#[test]
fn preempted_batches_inside_iter_do_not_reach_the_result() {
    let _g = serial();
    let ns = preempted(&["-bench=.", "-cpu=1"]);
    assert_eq!(ns, 100.0);
}

#[test]
fn rounds_1_measures_as_go_does_preemption_included() {
    let _g = serial();
    // 3 ms every 50,000 iterations of 100 ns adds 60 ns per iteration.
    let ns = preempted(&["-bench=.", "-cpu=1", "-rounds=1"]);
    assert!((155.0..=165.0).contains(&ns), "{ns} ns/op");
}
