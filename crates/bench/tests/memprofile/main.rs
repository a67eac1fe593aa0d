//! `-memprofile`: an allocation profile of the benchmark runs, as `go test -memprofile`
//! writes.
//!
//! Its own test binary, with the global allocator [`sextant_bench::main!`] installs
//! ([`sextant_bench::DefaultAlloc`]: the counting allocator over `sextant::heap::Sampler`), so
//! that there are samples to write. The harness binary (`tests/harness`) has a counting
//! allocator without the sampler; `-memprofile` must be refused there (see its `output.rs`).
//! Every test takes [`serial`] first: the sampling rate and the profile are process-wide.
#![cfg(feature = "memprofile")]

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard};

use sextant_bench::{Harness, black_box};
use sextant_profile::{Profile, Sample, ValueType};

#[global_allocator]
static ALLOC: sextant_bench::DefaultAlloc = sextant_bench::default_alloc();

/// Holds the other tests off while one runs.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A scratch directory for this test binary's profiles.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sextant-bench-memprofile-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Bytes [`sextant_bench_alloc_1024`] allocates per call: a 1000-byte `Vec<u8>` and a boxed
/// `[u64; 3]` (24 bytes).
const BYTES_PER_CALL: i64 = 1000 + 24;
/// Allocations per call.
const ALLOCS_PER_CALL: i64 = 2;

/// Allocates [`BYTES_PER_CALL`] bytes in [`ALLOCS_PER_CALL`] allocations, and frees them. Not
/// inlined, so that its name is on the sampled stacks.
#[inline(never)]
fn sextant_bench_alloc_1024() -> usize {
    let v = black_box(vec![0u8; 1000]);
    let b = black_box(Box::new([0u64; 3]));
    v.len() + b.len()
}

fn function_names(p: &Profile, sample: &Sample) -> Vec<String> {
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

/// The sums of each sample value over the samples whose stack holds `function`.
fn totals_in(p: &Profile, function: &str) -> Vec<i64> {
    let mut sums = vec![0; p.sample_type.len()];
    for s in &p.sample {
        if function_names(p, s).iter().any(|f| f.contains(function)) {
            for (sum, v) in sums.iter_mut().zip(&s.value) {
                *sum += v;
            }
        }
    }
    sums
}

/// As [`sextant_bench_alloc_1024`], twice the bytes: 2000 and 48. Only the `go tool pprof`
/// test calls it, as the allocation profile holds every run of this process.
#[inline(never)]
fn sextant_bench_alloc_2048() -> usize {
    let v = black_box(vec![0u8; 2000]);
    let b = black_box(Box::new([0u64; 6]));
    v.len() + b.len()
}

/// Runs `BenchmarkAlloc` (which calls [`sextant_bench_alloc_1024`] once per iteration) with
/// `args`; returns the run and how many times the function was called.
fn run_alloc(args: &[String]) -> (sextant_bench::Captured, u64) {
    run_calling(sextant_bench_alloc_1024, args)
}

/// Runs `BenchmarkAlloc`, calling `f` once per iteration, with `args`; returns the run and how
/// many times `f` was called.
fn run_calling(f: fn() -> usize, args: &[String]) -> (sextant_bench::Captured, u64) {
    let calls = Rc::new(Cell::new(0u64));
    let c = calls.clone();
    let run = Harness::new("mem")
        .bench("BenchmarkAlloc", move |b| {
            for _ in 0..b.n() {
                c.set(c.get() + 1);
                black_box(f());
            }
        })
        .run_captured(args);
    (run, calls.get())
}

fn args(extra: &[&str]) -> Vec<String> {
    ["-bench", ".", "-benchtime", "100x"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn memprofile_at_rate_1_records_every_byte_the_benchmark_allocates() {
    let _g = serial();
    let dir = scratch("rate1");
    let before = sextant::heap::rate();
    let (run, calls) = run_alloc(&args(&[
        "-memprofile",
        "mem.pb.gz",
        "-memprofilerate",
        "1",
        "-outputdir",
        &dir.display().to_string(),
    ]));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("BenchmarkAlloc"), "{}", run.stdout);
    // Go's run1 calls the function with b.N = 1, then -benchtime=100x runs b.N = 100.
    assert_eq!(calls, 1 + 100);
    // The rate is restored after the run.
    assert_eq!(sextant::heap::rate(), before);

    let path = dir.join("mem.pb.gz");
    let p = Profile::parse(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        p.sample_type,
        [
            ValueType::new("alloc_objects", "count"),
            ValueType::new("alloc_space", "bytes"),
            ValueType::new("inuse_objects", "count"),
            ValueType::new("inuse_space", "bytes"),
        ]
    );
    assert_eq!(p.default_sample_type, "alloc_space");
    assert_eq!(p.period_type, Some(ValueType::new("space", "bytes")));
    assert_eq!(p.period, 1);
    // At rate 1 nothing is scaled: exactly what the function allocated, 101 calls of 1024
    // bytes in 2 allocations, all freed again. (The profile covers the whole process, as
    // Go's does; no other test calls this function.)
    assert_eq!(
        totals_in(&p, "sextant_bench_alloc_1024"),
        [101 * ALLOCS_PER_CALL, 101 * BYTES_PER_CALL, 0, 0],
        "{p:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `go tool pprof`, or `None` (with a note) when Go is not installed outside CI.
fn go_pprof(args: &[&str], file: &Path) -> Option<String> {
    let out = match Command::new("go")
        .args(["tool", "pprof"])
        .args(args)
        .arg(file)
        .output()
    {
        Ok(o) => o,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but `go` cannot be run ({e}); install Go 1.19 or later")
        }
        Err(_) => {
            println!("note: `go` is not on PATH; go tool pprof interop not checked");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "go tool pprof {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn go_tool_pprof_reads_the_memprofile() {
    let _g = serial();
    let dir = scratch("interop");
    let path = dir.join("mem.pb.gz");
    let (run, calls) = run_calling(
        sextant_bench_alloc_2048,
        &args(&[
            "-memprofile",
            &path.display().to_string(),
            "-memprofilerate=1",
        ]),
    );
    assert_eq!(calls, 101);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    if let Some(top) = go_pprof(&["-top"], &path) {
        assert!(top.contains("Type: alloc_space"), "{top}");
        // 101 calls × 2048 bytes = 206848 bytes, cumulative in the function (pprof's `cum`
        // column; `flat` may be split off into inlined frames such as `Box::new`).
        assert!(
            top.lines().any(|l| l.contains("sextant_bench_alloc_2048")
                && l.split_whitespace().nth(3) == Some("206848B")),
            "{top}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sampling rate a benchmark sees, with `args`.
fn rate_during(extra: &[&str]) -> (sextant_bench::Captured, u64) {
    let seen = Rc::new(Cell::new(u64::MAX));
    let s = seen.clone();
    let mut all = vec!["-bench=.", "-benchtime=1x"];
    all.extend(extra);
    let run = Harness::new("mem")
        .bench("BenchmarkRate", move |b| {
            s.set(sextant::heap::rate());
            b.iter(|| 1)
        })
        .run_captured(&all);
    (run, seen.get())
}

#[test]
fn sampling_is_off_without_memprofile_and_at_the_default_rate_with_it() {
    let _g = serial();
    let dir = scratch("rates");
    let before = sextant::heap::rate();
    let file = format!("-memprofile={}", dir.join("mem.pb.gz").display());
    for (extra, want) in [
        // Go keeps MemProfileRate on; we turn sampling off (see the crate docs).
        (vec![], 0),
        // Without -memprofile, -memprofilerate changes nothing.
        (vec!["-memprofilerate=1"], 0),
        (vec![file.as_str()], sextant::heap::DEFAULT_RATE),
        // Go: 0 or a negative rate leaves the default.
        (
            vec![file.as_str(), "-memprofilerate=0"],
            sextant::heap::DEFAULT_RATE,
        ),
        (
            vec![file.as_str(), "-memprofilerate=-5"],
            sextant::heap::DEFAULT_RATE,
        ),
        (vec![file.as_str(), "-memprofilerate=0x1000"], 4096),
    ] {
        let (run, rate) = rate_during(&extra);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        assert_eq!(rate, want, "{extra:?}");
        assert_eq!(sextant::heap::rate(), before, "{extra:?}: not restored");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_uncreatable_memprofile_exits_2_before_any_benchmark_runs() {
    let _g = serial();
    let dir = scratch("errors");
    let before = sextant::heap::rate();
    let missing = dir.join("no-such-dir").join("mem.pb.gz");
    let (run, calls) = run_alloc(&args(&[&format!("-memprofile={}", missing.display())]));
    assert_eq!(run.code, 2);
    assert_eq!(calls, 0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.starts_with(&format!(
            "error: -memprofile: cannot create {}: ",
            missing.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(sextant::heap::rate(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn benchmem_counts_stay_exact_over_the_sampler() {
    let _g = serial();
    let (run, _) = run_alloc(&args(&["-benchmem", "-rounds=1"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("BenchmarkAlloc"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    // 1024 B/op in 2 allocs/op, counted by hand above.
    assert!(
        line.ends_with("\t    1024 B/op\t       2 allocs/op"),
        "{line:?}"
    );
}
