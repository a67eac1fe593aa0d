//! `sextant benchstat` reads what the harness writes, unchanged, as Go's benchstat would.

use std::sync::Arc;

use sextant_bench::Harness;

use crate::fake_clock::FakeClock;
use crate::serial;

/// Six runs of a benchmark whose iterations cost `cost_ns` of fake time.
fn output(cost_ns: u64) -> String {
    let clock = FakeClock::new();
    let c = clock.clone();
    let run = Harness::new("sextant-bench/demo")
        .clock(clock as Arc<dyn sextant_bench::Clock>)
        .bench("BenchmarkWork", move |b| {
            b.run("n=10", |b| c.advance(cost_ns * b.n()));
        })
        .run_captured(&["-bench=.", "-count=6", "-cpu=2", "-benchtime=10ms"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
fn sextant_benchstat_compares_two_outputs() {
    let _g = serial();
    let dir = std::env::temp_dir().join(format!("sextant-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old, new) = (dir.join("old.txt"), dir.join("new.txt"));
    std::fs::write(&old, output(100)).unwrap();
    std::fs::write(&new, output(50)).unwrap();
    let args = [old.display().to_string(), new.display().to_string()];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sextant_stat::run(&args, &mut out, &mut err);
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "benchstat complained about the format");
    for want in [
        "pkg: sextant-bench/demo",
        "Work/n=10-2",
        "100.00n ± 0%",
        "50.00n ± 0%",
        "-50.00%",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}
