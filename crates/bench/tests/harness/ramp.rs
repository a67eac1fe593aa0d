//! The b.N ramp: Go's `launch` on a fake clock, `-benchtime=Nx`, and rounds.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use sextant_bench::Harness;

use crate::fake_clock::FakeClock;
use crate::{metric, results, serial};

/// Runs one benchmark whose iterations cost `cost_ns` of fake time; returns the output and
/// the `n` of every call.
fn run_costing(cost_ns: u64, args: &[&str]) -> (String, Vec<u64>) {
    let clock = FakeClock::new();
    let calls = Rc::new(RefCell::new(Vec::new()));
    let (c, seen) = (clock.clone(), calls.clone());
    let run = Harness::new("ramp")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkCost", move |b| {
            seen.borrow_mut().push(b.n());
            c.advance(cost_ns * b.n());
        })
        .run_captured(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let calls = calls.borrow().clone();
    (run.stdout, calls)
}

#[test]
fn benchtime_100x_runs_exactly_100_iterations() {
    let _g = serial();
    let (out, calls) = run_costing(10, &["-bench=.", "-benchtime=100x", "-cpu=1"]);
    // run1's single iteration, then exactly one run of 100, as Go does.
    assert_eq!(calls, vec![1, 100]);
    assert_eq!(results(&out)[0].1[0], "100");
    assert_eq!(metric(&out, "BenchmarkCost", "ns/op"), Some(10.0));
}

#[test]
fn benchtime_1x_reuses_the_first_run() {
    let _g = serial();
    let (out, calls) = run_costing(10, &["-bench=.", "-benchtime=1x", "-cpu=1"]);
    assert_eq!(calls, vec![1]);
    assert_eq!(results(&out)[0].1[0], "1");
}

#[test]
fn ramp_lands_between_one_and_two_benchtimes() {
    let _g = serial();
    // From a nanosecond to longer than the benchtime itself.
    for cost in [1, 7, 333, 10_000, 3_000_000, 400_000_000, 1_500_000_000] {
        let (out, calls) = run_costing(cost, &["-bench=.", "-rounds=1", "-cpu=1"]);
        let n = *calls.last().unwrap();
        let measured = n * cost;
        assert_eq!(results(&out)[0].1[0], n.to_string(), "cost {cost}");
        assert!(
            measured >= 1_000_000_000,
            "cost {cost}: n={n} ran only {measured} ns"
        );
        assert!(
            measured < 2_000_000_000 || n == 1,
            "cost {cost}: n={n} ran {measured} ns, over twice the benchtime"
        );
        // Go's clamps: each run grows at most 100x and by at least one.
        for w in calls.windows(2).skip(1) {
            assert!(w[1] > w[0] && w[1] <= 100 * w[0], "cost {cost}: {calls:?}");
        }
    }
}

#[test]
fn ramp_follows_gos_sequence_for_a_one_nanosecond_body() {
    let _g = serial();
    let (_, calls) = run_costing(1, &["-bench=.", "-rounds=1", "-cpu=1"]);
    // 1, then 100x growth caps until the prediction (1.2x of 1e9) hits the 1e9 cap.
    assert_eq!(
        calls,
        vec![1, 100, 10_000, 1_000_000, 100_000_000, 1_000_000_000]
    );
}

#[test]
fn rounds_share_the_benchtime_and_give_one_result() {
    let _g = serial();
    let (out, calls) = run_costing(1000, &["-bench=.", "-cpu=1", "-benchtime=1s"]);
    let n = *calls.last().unwrap();
    // The last five calls are the rounds: the same n, each a fifth of the benchtime or more.
    let rounds = &calls[calls.len() - 5..];
    assert!(rounds.iter().all(|&r| r == n), "{calls:?}");
    assert!(
        n * 1000 >= 200_000_000 && n * 1000 < 400_000_000,
        "{calls:?}"
    );
    assert_eq!(metric(&out, "BenchmarkCost", "ns/op"), Some(1000.0));
}

#[test]
fn fastest_round_is_reported_when_most_rounds_are_slowed_down() {
    let _g = serial();
    let clock = FakeClock::new();
    let c = clock.clone();
    let mut call = 0;
    let run = Harness::new("ramp")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkNoisy", move |b| {
            call += 1;
            // Calls 1-5 ramp (1, 100, 1e4, 1e6, 2.4e6 iterations; the last is round one);
            // rounds two to four (calls 6-8) run beside other work that makes every iteration
            // 2x slower: the median round would say 200 ns/op.
            let cost = if (6..=8).contains(&call) { 200 } else { 100 };
            c.advance(cost * b.n());
        })
        .run_captured(&["-bench=.", "-cpu=1", "-benchtime=1s"]);
    assert_eq!(run.code, 0);
    assert_eq!(metric(&run.stdout, "BenchmarkNoisy", "ns/op"), Some(100.0));
    assert!(
        run.stderr.contains(
            "warning: BenchmarkNoisy: the median round ran at 200 ns/op, 2.00x the 100 ns/op \
             reported (the fastest rounds')"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn one_disturbed_round_is_not_flagged() {
    let _g = serial();
    let clock = FakeClock::new();
    let c = clock.clone();
    let mut call = 0;
    let run = Harness::new("ramp")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkBurst", move |b| {
            call += 1;
            // Round two (call 6) is hit by a burst that makes every iteration 10x slower.
            let cost = if call == 6 { 1000 } else { 100 };
            c.advance(cost * b.n());
        })
        .run_captured(&["-bench=.", "-cpu=1", "-benchtime=1s"]);
    assert_eq!(run.code, 0);
    assert_eq!(metric(&run.stdout, "BenchmarkBurst", "ns/op"), Some(100.0));
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}
