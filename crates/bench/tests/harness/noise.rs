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

/// A body of 100 ns per iteration on the fake clock that runs at 200 ns in stretches of
/// 7,000 iterations out of every 10,000, as beside another program's work on the sibling
/// hardware thread: 70% of the iterations, and of every round, in the slow mode.
fn slow_mode(args: &[&str]) -> (f64, String) {
    let clock = FakeClock::new();
    let c = clock.clone();
    let calls = Cell::new(0u64);
    let run = Harness::new("noise")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkSlowMode", move |b| {
            b.iter(|| {
                calls.set(calls.get() + 1);
                c.advance(if calls.get() % 10_000 < 7_000 {
                    200
                } else {
                    100
                });
            })
        })
        .run_captured(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ns = metric(&run.stdout, "BenchmarkSlowMode", "ns/op").expect(&run.stdout);
    (ns, run.stderr)
}

#[test]
fn a_slow_mode_holding_most_of_the_time_does_not_reach_the_result() {
    let _g = serial();
    let (ns, stderr) = slow_mode(&["-bench=.", "-cpu=1"]);
    assert_eq!(ns, 100.0);
    // The median batch ran at 200 ns/op: the machine is flagged.
    assert!(
        stderr.contains("the median batch ran at 200 ns/op, 2.00x the 100 ns/op reported"),
        "{stderr}"
    );
}

#[test]
fn rounds_1_averages_the_modes_as_go_does() {
    let _g = serial();
    let (ns, stderr) = slow_mode(&["-bench=.", "-cpu=1", "-rounds=1"]);
    // 0.7 × 200 + 0.3 × 100, give or take the ramp's partial stretches.
    assert!((165.0..=175.0).contains(&ns), "{ns} ns/op");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn benchtime_count_runs_exactly_n_and_filters_its_batches() {
    let _g = serial();
    let clock = FakeClock::new();
    let c = clock.clone();
    let iters = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = iters.clone();
    let run = Harness::new("noise")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkCount", move |b| {
            b.iter(|| {
                let i = seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                // run1's one iteration takes 100 ns: batches of 1,000; every 2,000th
                // iteration after it loses 3 ms, so half the batches are preempted.
                c.advance(if i > 1 && i % 2_000 == 0 {
                    3_000_100
                } else {
                    100
                });
            })
        })
        .run_captured(&["-bench=.", "-cpu=1", "-benchtime=100000x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // run1's iteration, then exactly 100,000 in one run.
    assert_eq!(iters.load(std::sync::atomic::Ordering::Relaxed), 100_001);
    assert!(
        run.stdout
            .contains("BenchmarkCount \t  100000\t       100.0 ns/op"),
        "{}",
        run.stdout
    );
}

#[test]
fn go_style_loops_and_run_parallel_report_their_fastest_round() {
    let _g = serial();
    for parallel in [false, true] {
        let clock = FakeClock::new();
        let c = clock.clone();
        let mut call = 0;
        let run = Harness::new("noise")
            .clock(clock as Arc<dyn sextant_bench::Clock>)
            .bench("BenchmarkRounds", move |b| {
                call += 1;
                // Calls 1-5 ramp (the last is round one); rounds two to four run at 2x.
                let cost = if (6..=8).contains(&call) { 200 } else { 100 };
                if parallel {
                    b.run_parallel(|pb| {
                        while pb.next() {
                            c.advance(cost);
                        }
                    });
                } else {
                    for _ in 0..b.n() {
                        c.advance(cost);
                    }
                }
            })
            .run_captured(&["-bench=.", "-cpu=1", "-benchtime=1s"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let ns = metric(&run.stdout, "BenchmarkRounds", "ns/op").expect(&run.stdout);
        assert_eq!(ns, 100.0, "parallel: {parallel}");
        assert!(
            run.stderr
                .contains("the median round ran at 200 ns/op, 2.00x the 100 ns/op"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_second_iter_call_is_timed_whole() {
    let _g = serial();
    let clock = FakeClock::new();
    let c = clock.clone();
    let run = Harness::new("noise")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkTwoBodies", move |b| {
            // Two bodies, 100 and 1000 ns: the fast one's rate must not price the slow one.
            b.iter(|| c.advance(100));
            b.iter(|| c.advance(1000));
        })
        .run_captured(&["-bench=.", "-cpu=1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ns = metric(&run.stdout, "BenchmarkTwoBodies", "ns/op").expect(&run.stdout);
    assert_eq!(ns, 1100.0);
}

#[test]
fn reset_timer_between_iter_calls_filters_the_measured_one() {
    let _g = serial();
    let clock = FakeClock::new();
    let c = clock.clone();
    let calls = Cell::new(0u64);
    let run = Harness::new("noise")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkWarmed", move |b| {
            // A warm-up loop, then reset_timer, then the measured body, preempted for 3 ms
            // every 50,000 iterations.
            b.iter(|| c.advance(10));
            b.reset_timer();
            b.iter(|| {
                calls.set(calls.get() + 1);
                c.advance(if calls.get() % 50_000 == 0 {
                    3_000_100
                } else {
                    100
                });
            });
        })
        .run_captured(&["-bench=.", "-cpu=1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ns = metric(&run.stdout, "BenchmarkWarmed", "ns/op").expect(&run.stdout);
    assert_eq!(ns, 100.0);
}
