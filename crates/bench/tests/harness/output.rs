//! The report: Go's benchmark format, custom metrics, -cpu and run_parallel, failures, flags.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sextant_bench::{Harness, black_box};

use crate::{metric, results, serial};

#[test]
fn output_is_gos_benchmark_format() {
    let _g = serial();
    let run = Harness::new("sextant-bench/demo")
        .bench("BenchmarkBytes", |b| {
            b.set_bytes(1000);
            b.report_metric(8.0, "words/op");
            b.report_metric(2.5, "a-first/op");
            b.iter(|| black_box(1));
        })
        .run_captured(&["-bench=.", "-benchtime=1000x", "-cpu=1"]);
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("goos: {}", std::env::consts::OS));
    assert!(lines[1].starts_with("goarch: "), "{}", lines[1]);
    assert_eq!(lines[2], "pkg: sextant-bench/demo");
    let result = lines
        .iter()
        .find(|l| l.starts_with("BenchmarkBytes"))
        .unwrap();
    // Name padded and tab-separated, %8d iterations, then the metrics in Go's order: ns/op,
    // MB/s, then the rest sorted by unit.
    let fields: Vec<&str> = result.split('\t').map(str::trim).collect();
    assert_eq!(fields[0], "BenchmarkBytes");
    assert_eq!(fields[1], "1000");
    assert!(
        fields[2].ends_with(" ns/op") && fields[3].ends_with(" MB/s"),
        "{result}"
    );
    assert_eq!(&fields[4..], ["2.500 a-first/op", "8.000 words/op"]);
    assert_eq!(lines[lines.len() - 2], "PASS");
    assert!(lines[lines.len() - 1].starts_with("ok  \tsextant-bench/demo\t"));
}

#[test]
fn cpu_list_sets_run_parallel_threads_and_the_name_suffix() {
    let _g = serial();
    let threads_seen = Arc::new(AtomicU64::new(0));
    let iterations = Arc::new(AtomicU64::new(0));
    let (t, it) = (threads_seen.clone(), iterations.clone());
    let run = Harness::new("par")
        .bench("BenchmarkPar", move |b| {
            let started = AtomicU64::new(0);
            it.store(0, Ordering::Relaxed);
            b.run_parallel(|pb| {
                started.fetch_add(1, Ordering::Relaxed);
                while pb.next() {
                    it.fetch_add(1, Ordering::Relaxed);
                }
            });
            t.store(started.load(Ordering::Relaxed), Ordering::Relaxed);
            assert_eq!(it.load(Ordering::Relaxed), b.n());
        })
        .run_captured(&["-bench=.", "-benchtime=5000x", "-cpu=1,2,4"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let names: Vec<String> = results(&run.stdout).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["BenchmarkPar", "BenchmarkPar-2", "BenchmarkPar-4"]);
    assert_eq!(threads_seen.load(Ordering::Relaxed), 4);
    assert_eq!(iterations.load(Ordering::Relaxed), 5000);
}

#[test]
fn count_repeats_each_benchmark() {
    let _g = serial();
    let run = Harness::new("count")
        .bench("BenchmarkA", |b| b.iter(|| 1))
        .bench("BenchmarkB", |b| b.iter(|| 2))
        .run_captured(&["-bench=.", "-benchtime=10x", "-count=3", "-cpu=1"]);
    let names: Vec<String> = results(&run.stdout).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["BenchmarkA"; 3]
            .into_iter()
            .chain(["BenchmarkB"; 3])
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_panicking_benchmark_fails_the_run_and_the_others_still_report() {
    let _g = serial();
    let run = Harness::new("fail")
        .bench("BenchmarkBoom", |b| {
            if b.n() > 1 {
                panic!("boom");
            }
        })
        .bench("BenchmarkFine", |b| b.iter(|| 1))
        .run_captured(&["-bench=.", "-benchtime=10x", "-cpu=1"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("--- FAIL: BenchmarkBoom\n"),
        "{}",
        run.stdout
    );
    assert!(metric(&run.stdout, "BenchmarkFine", "ns/op").is_some());
    assert!(run.stdout.contains("FAIL\nFAIL\tfail\t"), "{}", run.stdout);
}

#[test]
fn a_body_that_quits_run_parallel_early_fails() {
    let _g = serial();
    let run = Harness::new("fail")
        .bench("BenchmarkQuitter", |b| {
            b.run_parallel(|pb| {
                pb.next();
            })
        })
        .run_captured(&["-bench=.", "-benchtime=100x", "-cpu=1"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("--- FAIL: BenchmarkQuitter"),
        "{}",
        run.stdout
    );
}

// -cpuprofile works now: its tests are in cpuprofile.rs; -memprofile's in tests/memprofile,
// a binary whose allocator has the sampler. This one's has not.
#[cfg(feature = "memprofile")]
#[test]
fn memprofile_without_the_sampler_exits_2_saying_what_to_install() {
    let _g = serial();
    let dir = std::env::temp_dir().join(format!("sextant-bench-nosampler-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ran = std::rc::Rc::new(std::cell::Cell::new(false));
    let r = ran.clone();
    let run = Harness::new("p")
        .bench("BenchmarkA", move |b| {
            r.set(true);
            b.iter(|| 1)
        })
        .run_captured(&[
            "-bench=.".to_string(),
            "-memprofile=mem.pb.gz".to_string(),
            format!("-outputdir={}", dir.display()),
        ]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(!ran.get());
    assert!(
        run.stderr.starts_with(
            "error: -memprofile: sextant::heap::Sampler is not this program's global \
             allocator, so there are no allocations to profile\nhint: "
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`CountingAlloc::new(sextant::heap::Sampler::new(MyAlloc))`"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("mem.pb.gz").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(not(feature = "memprofile"))]
#[test]
fn without_the_feature_memprofile_exits_2_naming_it() {
    let _g = serial();
    let run = Harness::new("p")
        .bench("BenchmarkA", |b| b.iter(|| 1))
        .run_captured(&["-bench=.", "-memprofile=mem.pb.gz"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.starts_with(
            "error: -memprofile: sextant-bench was built without its `memprofile` feature\nhint: "
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn debug_builds_are_warned_about() {
    let _g = serial();
    let run = Harness::new("p")
        .debug_build(true)
        .bench("BenchmarkA", |b| b.iter(|| 1))
        .run_captured(&["-bench=.", "-benchtime=1x"]);
    assert!(
        run.stderr.contains("built without optimizations"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("warning"));
}

/// A writer that fails as a closed pipe does.
struct ClosedPipe;

impl std::io::Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_closed_stdout_stops_the_run_and_exits_0() {
    let _g = serial();
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let c = calls.clone();
    let code = Harness::new("pipe")
        .bench("BenchmarkA", move |b| {
            c.set(c.get() + 1);
            b.iter(|| 1)
        })
        .bench("BenchmarkB", |b| b.iter(|| 2))
        .run(
            &["-bench=.", "-benchtime=10x"],
            Box::new(ClosedPipe),
            Box::new(std::io::sink()),
        );
    assert_eq!(code, 0);
    // The header write failed before BenchmarkA measured; nothing after it ran.
    assert_eq!(calls.get(), 1);
}
