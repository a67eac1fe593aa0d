//! reset_timer, stop_timer and start_timer on the real clock: the one place these tests look
//! at wall time, with margins wide enough for a loaded two-core machine.

use std::time::Duration;

use sextant_bench::{Harness, black_box};

use crate::{metric, serial};

/// Setup sleeps 50 ms per call; 100 iterations with the setup included would be 500 µs/op.
const SETUP: Duration = Duration::from_millis(50);
/// Far above a trivial body (a few ns) plus a preemption or two, far below 500 µs.
const CEILING_NS: f64 = 50_000.0;

#[test]
fn reset_timer_excludes_setup() {
    let _g = serial();
    let run = Harness::new("timers")
        .bench("BenchmarkSetup", |b| {
            std::thread::sleep(SETUP);
            b.reset_timer();
            b.iter(|| black_box(1u64) + 1);
        })
        .run_captured(&["-bench=.", "-benchtime=100x", "-cpu=1"]);
    let ns = metric(&run.stdout, "BenchmarkSetup", "ns/op").expect(&run.stdout);
    assert!(ns < CEILING_NS, "{ns} ns/op: the setup was timed");
}

#[test]
fn without_reset_timer_setup_is_timed() {
    let _g = serial();
    let run = Harness::new("timers")
        .bench("BenchmarkSetup", |b| {
            std::thread::sleep(SETUP);
            b.iter(|| black_box(1u64) + 1);
        })
        .run_captured(&["-bench=.", "-benchtime=100x", "-cpu=1"]);
    let ns = metric(&run.stdout, "BenchmarkSetup", "ns/op").expect(&run.stdout);
    // 50 ms / 100; sleep never returns early.
    assert!(ns >= 500_000.0, "{ns} ns/op: the setup was not timed");
}

#[test]
fn stop_timer_excludes_work_until_start_timer() {
    let _g = serial();
    let run = Harness::new("timers")
        .bench("BenchmarkPaused", |b| {
            b.stop_timer();
            std::thread::sleep(SETUP);
            b.start_timer();
            b.iter(|| black_box(1u64) + 1);
        })
        .run_captured(&["-bench=.", "-benchtime=100x", "-cpu=1"]);
    let ns = metric(&run.stdout, "BenchmarkPaused", "ns/op").expect(&run.stdout);
    assert!(ns < CEILING_NS, "{ns} ns/op: the paused work was timed");
}
