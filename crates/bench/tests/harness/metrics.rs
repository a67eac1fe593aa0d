//! -metrics: perf counters as extra units, or a clear message where the machine has none.

use sextant_bench::{Counter, Event, Harness, black_box};

use crate::{metric, serial};

fn spin(b: &mut sextant_bench::B) {
    let mut x = 0u64;
    for i in 0..b.n() {
        x = black_box(x.wrapping_mul(31).wrapping_add(i));
    }
}

/// Each requested event is either a column or a warning naming it, never silently missing.
#[test]
fn each_metric_is_a_column_or_a_named_warning() {
    let _g = serial();
    let run = Harness::new("perf")
        .bench("BenchmarkSpin", spin)
        .run_captured(&[
            "-bench=.",
            "-benchtime=100000x",
            "-cpu=1",
            "-metrics=cycles,instructions,task-clock,page-faults",
        ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for event in [
        Event::Cycles,
        Event::Instructions,
        Event::TaskClock,
        Event::PageFaults,
    ] {
        let column = metric(&run.stdout, "BenchmarkSpin", &event.unit());
        let warned = run
            .stderr
            .contains(&format!("warning: -metrics={}: ", event.name()));
        assert!(
            column.is_some() != warned,
            "{event:?}: {}\n{}",
            run.stdout,
            run.stderr
        );
        if let Some(v) = column {
            assert!(v >= 0.0);
        }
    }
}

/// This machine reports cycles as not supported: the message must say so plainly.
#[test]
fn an_uncountable_event_says_why() {
    let _g = serial();
    match Counter::open(Event::Cycles) {
        Err(why) => {
            assert!(why.starts_with("cycles: "), "{why}");
            assert!(why.contains("perf_event_open"), "{why}");
            assert!(
                why.contains("not supported") || why.contains("not permitted"),
                "{why}"
            );
        }
        Ok(c) => {
            // Where cycles are counted, a busy loop takes some.
            let before = c.read();
            let mut x = 0u64;
            for i in 0..1_000_000u64 {
                x = black_box(x ^ i);
            }
            assert!(c.read() > before);
        }
    }
}

#[test]
fn task_clock_counts_cpu_time_where_perf_events_are_allowed() {
    let _g = serial();
    let Ok(c) = Counter::open(Event::TaskClock) else {
        return;
    };
    let before = c.read();
    let mut x = 0u64;
    for i in 0..10_000_000u64 {
        x = black_box(x.wrapping_add(i));
    }
    assert!(c.read() > before, "no CPU time counted for a busy loop");
}
