//! `-cpuprofile`: a profile of the benchmark runs, as `go test -cpuprofile` writes.
// Without the `cpuprofile` feature only the last test is built.
#![cfg_attr(not(feature = "cpuprofile"), allow(dead_code, unused_imports))]

use std::path::PathBuf;

use sextant_bench::{Harness, black_box};
use sextant_profile::{Profile, ValueType};

use crate::serial;

/// A scratch directory for this test binary's profiles.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sextant-bench-cpuprofile-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Work the profiler must see: not inlined, so its name is on the sampled stacks.
#[inline(never)]
fn sextant_bench_burn_cpu(n: u64) -> u64 {
    let mut x = black_box(n);
    for i in 0..2000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
    }
    x
}

fn function_names(p: &Profile, sample: &sextant_profile::Sample) -> Vec<String> {
    sample
        .location
        .iter()
        .filter_map(|id| p.location.iter().find(|l| l.id == *id))
        .flat_map(|l| &l.line)
        .filter_map(|line| line.function_id)
        .filter_map(|id| p.function.iter().find(|f| f.id == id))
        .map(|f| f.name.clone())
        .collect()
}

#[cfg(feature = "cpuprofile")]
#[test]
fn cpuprofile_writes_a_profile_of_the_benchmark_runs() {
    let _g = serial();
    let dir = scratch("burn");
    let path = dir.join("cpu.pb.gz");
    let run = Harness::new("prof")
        .bench("BenchmarkBurn", |b| {
            let n = b.n();
            b.iter(|| sextant_bench_burn_cpu(n));
        })
        .run_captured(&[
            "-bench=.",
            "-benchtime=300ms",
            "-cpu=1",
            &format!("-cpuprofile={}", path.display()),
        ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("BenchmarkBurn"), "{}", run.stdout);
    let p = Profile::parse(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        p.sample_type,
        [
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds")
        ]
    );
    let burning = p
        .sample
        .iter()
        .filter(|s| {
            function_names(&p, s)
                .iter()
                .any(|f| f.contains("sextant_bench_burn_cpu"))
        })
        .count();
    assert!(burning > 0, "no sample in the benchmark's function: {p:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "cpuprofile")]
#[test]
fn a_relative_cpuprofile_goes_under_outputdir() {
    let _g = serial();
    let dir = scratch("outputdir");
    let run = Harness::new("prof")
        .bench("BenchmarkA", |b| b.iter(|| 1))
        .run_captured(&[
            "-bench=.",
            "-benchtime=1x",
            "-cpuprofile=cpu.pb.gz",
            &format!("-test.outputdir={}", dir.display()),
        ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    Profile::parse(&std::fs::read(dir.join("cpu.pb.gz")).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "cpuprofile")]
#[test]
fn cpuprofile_errors_exit_2_with_a_message_before_any_benchmark_runs() {
    let _g = serial();
    let dir = scratch("errors");
    let ran = std::rc::Rc::new(std::cell::Cell::new(false));
    let run = |file: PathBuf| {
        let r = ran.clone();
        Harness::new("prof")
            .bench("BenchmarkA", move |b| {
                r.set(true);
                b.iter(|| 1)
            })
            .run_captured(&[
                "-bench=.".to_string(),
                "-benchtime=1x".to_string(),
                format!("-cpuprofile={}", file.display()),
            ])
    };

    let missing = dir.join("no-such-dir").join("cpu.pb.gz");
    let r = run(missing.clone());
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.starts_with(&format!(
            "error: -cpuprofile: cannot create {}: ",
            missing.display()
        )),
        "{}",
        r.stderr
    );

    // Another profile of this process is running.
    sextant::cpu::start(std::io::sink()).unwrap();
    let busy = dir.join("busy.pb.gz");
    let r = run(busy.clone());
    sextant::cpu::stop().unwrap();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("-cpuprofile: cannot start the CPU profiler: cpu profiling already in use"),
        "{}",
        r.stderr
    );
    assert!(!busy.exists());
    assert!(!ran.get());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(not(feature = "cpuprofile"))]
#[test]
fn without_the_feature_cpuprofile_exits_2_naming_it() {
    let _g = serial();
    let run = Harness::new("prof")
        .bench("BenchmarkA", |b| b.iter(|| 1))
        .run_captured(&["-bench=.", "-cpuprofile=cpu.pb.gz"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("built without its `cpuprofile` feature"),
        "{}",
        run.stderr
    );
}
