//! Overhead of the CPU profiler: process CPU time of a fixed CPU-bound multi-threaded
//! workload with no profiler, with `sextant::cpu` and with pprof-rs at 100 Hz and 1000 Hz,
//! each configuration in its own child process (so peak RSS is its own), interleaved and
//! repeated, medians reported as ratios to no profiling, with samples taken, cost per sample
//! and extra peak RSS.
//!
//! `cargo run --release --manifest-path benches/cpu-overhead/Cargo.toml [-- REPS]`
//!
//! `SEXTANT_BENCH_NO_LINES=1` profiles without DWARF lines (names from the symbol table).
//!
//! `-- stress SECS` instead runs the stress workload of the test suite (16 allocating threads,
//! thread churn, 1000 Hz) for SECS seconds, for the 60 s soak.

use std::process::Command;
use std::time::Duration;

/// Threads of the workload: more than the cores, as a busy service has.
const THREADS: usize = 4;
/// Work per thread: about 0.5 s of CPU on this machine's cores.
const ROUNDS: u64 = 400;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    None,
    Sextant,
    Pprof,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--child") => child(&args[2], args[3].parse().unwrap()),
        Some("stress") => stress(args.get(2).map_or(60, |s| s.parse().unwrap())),
        reps => parent(reps.map_or(3, |s| s.parse().unwrap())),
    }
}

fn parent(reps: usize) {
    let configs = [
        ("none", 0),
        ("sextant", 100),
        ("pprof", 100),
        ("sextant", 1000),
        ("pprof", 1000),
    ];
    let exe = std::env::current_exe().unwrap();
    let mut results: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); configs.len()];
    for _ in 0..reps {
        for (i, (mode, hz)) in configs.iter().enumerate() {
            let out = Command::new(&exe)
                .args(["--child", mode, &hz.to_string()])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let line = String::from_utf8(out.stdout).unwrap();
            let f: Vec<f64> = line
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect();
            results[i].push((f[0], f[1], f[2]));
        }
    }
    let med = |v: &[(f64, f64, f64)], k: usize| {
        let mut x: Vec<f64> = v.iter().map(|t| [t.0, t.1, t.2][k]).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (base_cpu, base_rss) = (med(&results[0], 0), med(&results[0], 2));
    println!(
        "workload: {THREADS} threads x {ROUNDS} rounds; {reps} runs of each configuration, medians"
    );
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>11} {:>13} {:>11}",
        "config", "cpu s", "vs none", "samples", "samples/s", "us/sample", "extra RSS"
    );
    for (i, (mode, hz)) in configs.iter().enumerate() {
        let (cpu, samples, rss) = (
            med(&results[i], 0),
            med(&results[i], 1),
            med(&results[i], 2),
        );
        let per_sample = if samples > 0.0 {
            (cpu - base_cpu) / samples * 1e6
        } else {
            0.0
        };
        println!(
            "{:<14} {:>9.3} {:>9.4} {:>9.0} {:>11.0} {:>13.1} {:>8.1} MB",
            format!("{mode} {hz}Hz"),
            cpu,
            cpu / base_cpu,
            samples,
            samples / cpu,
            per_sample,
            (rss - base_rss) / 1024.0,
        );
    }
}

/// Runs the workload under one configuration; prints `cpu_seconds samples peak_rss_kb`.
fn child(mode: &str, hz: u32) {
    let mode = match mode {
        "sextant" => Mode::Sextant,
        "pprof" => Mode::Pprof,
        _ => Mode::None,
    };
    let t0 = process_cpu();
    let samples = match mode {
        Mode::None => {
            workload();
            0.0
        }
        Mode::Sextant => {
            let p = sextant::cpu::ProfilerBuilder::new()
                .rate(hz)
                .lines(std::env::var_os("SEXTANT_BENCH_NO_LINES").is_none())
                .start()
                .unwrap();
            workload();
            let profile = p.stop().unwrap();
            profile.sample.iter().map(|s| s.value[0]).sum::<i64>() as f64
        }
        Mode::Pprof => {
            let guard = pprof::ProfilerGuardBuilder::default()
                .frequency(hz as i32)
                .blocklist(&["libc", "libgcc", "pthread", "vdso"])
                .build()
                .unwrap();
            workload();
            let report = guard.report().build().unwrap();
            report.data.values().sum::<isize>() as f64
        }
    };
    let cpu = (process_cpu() - t0).as_secs_f64();
    println!("{cpu} {samples} {}", peak_rss_kb());
}

fn workload() {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                let mut x = t as u64;
                for r in 0..ROUNDS {
                    x = outer(x ^ r);
                }
                std::hint::black_box(x);
            });
        }
    });
}

#[inline(never)]
fn outer(x: u64) -> u64 {
    middle(x).wrapping_add(middle(x ^ 1))
}

#[inline(never)]
fn middle(x: u64) -> u64 {
    let mut y = x;
    for i in 0..5 {
        y = leaf(y, i);
    }
    y
}

#[inline(never)]
fn leaf(mut x: u64, salt: u64) -> u64 {
    for i in 0..100_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i ^ salt) ^ (x >> 29);
    }
    std::hint::black_box(x)
}

fn stress(secs: u64) {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let stop = AtomicBool::new(false);
    let (allocs, spawned) = (AtomicU64::new(0), AtomicU64::new(0));
    let p = sextant::cpu::ProfilerBuilder::new()
        .rate(1000)
        .start()
        .unwrap();
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| {
                let mut n = 0u64;
                let mut keep: Vec<Vec<u8>> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    keep.push(vec![n as u8; 16 + (n % 512) as usize]);
                    if keep.len() > 64 {
                        keep.swap_remove((n % 64) as usize);
                    }
                    n += 1;
                }
                allocs.fetch_add(n, Ordering::Relaxed);
            });
        }
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                std::thread::spawn(|| std::hint::black_box((0..10_000u64).sum::<u64>()))
                    .join()
                    .unwrap();
                spawned.fetch_add(1, Ordering::Relaxed);
            }
        });
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, Ordering::Relaxed);
    });
    let profile = p.stop().unwrap();
    let mut bytes = Vec::new();
    profile.write(&mut bytes).unwrap();
    let back = sextant::Profile::parse(&bytes).unwrap();
    println!(
        "stress {secs} s: {} allocations, {} threads created and joined, {} samples, {} bytes, peak RSS {} kB, comments {:?}",
        allocs.load(Ordering::Relaxed),
        spawned.load(Ordering::Relaxed),
        back.sample.iter().map(|s| s.value[0]).sum::<i64>(),
        bytes.len(),
        peak_rss_kb(),
        back.comments
    );
}

fn process_cpu() -> Duration {
    // SAFETY: clock_gettime writes into a timespec we own.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn peak_rss_kb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0)
}
