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
    let mut results: Vec<Vec<Vec<f64>>> = vec![Vec::new(); configs.len()];
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
            results[i].push(
                line.split_whitespace()
                    .map(|x| x.parse().unwrap())
                    .collect(),
            );
        }
    }
    // The median of field `k` (see `Run`) of configuration `i`.
    let med = |i: usize, k: usize| {
        let mut x: Vec<f64> = results[i].iter().map(|r| r[k]).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (base_cpu, base_rss, base_work) = (med(0, 0), med(0, 2), med(0, 6));
    println!(
        "workload: {THREADS} threads x {} rounds; {reps} runs of each configuration, medians",
        rounds()
    );
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>11} {:>13} {:>11}",
        "config", "cpu s", "vs none", "samples", "samples/s", "us/sample", "extra RSS"
    );
    for (i, (mode, hz)) in configs.iter().enumerate() {
        let (cpu, samples, rss) = (med(i, 0), med(i, 1), med(i, 2));
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
    println!();
    println!("where it goes: fixed costs (process CPU, ms) and the steady state while sampling");
    println!(
        "{:<14} {:>9} {:>9} {:>10} {:>9} {:>9} {:>10} {:>12}",
        "config", "start ms", "stop ms", "thread ms", "thread %", "work s", "steady %", "us/sample"
    );
    for (i, (mode, hz)) in configs.iter().enumerate() {
        let (samples, start, thread, stop, work) =
            (med(i, 1), med(i, 3), med(i, 4), med(i, 5), med(i, 6));
        let steady = work - base_work + thread;
        let per_sample = if samples > 0.0 {
            steady / samples * 1e6
        } else {
            0.0
        };
        println!(
            "{:<14} {:>9.1} {:>9.1} {:>10.1} {:>9.2} {:>9.3} {:>+10.2} {:>12.1}",
            format!("{mode} {hz}Hz"),
            start * 1e3,
            stop * 1e3,
            thread * 1e3,
            thread / base_work * 100.0,
            work,
            steady / base_work * 100.0,
            per_sample,
        );
    }
}

/// Rounds of work per thread: [`ROUNDS`], or `SEXTANT_BENCH_ROUNDS` for a longer run.
fn rounds() -> u64 {
    std::env::var("SEXTANT_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ROUNDS)
}

/// Runs the workload under one configuration; prints, in seconds unless said: process CPU
/// time from before start to after the profile is built, samples, peak RSS (kB), the
/// process CPU time of start, the CPU time of the profiler's own thread while sampling, the
/// process CPU time of stop (build and symbolization), and the CPU time of the workload's
/// own threads (signal handlers included).
fn child(mode: &str, hz: u32) {
    let mode = match mode {
        "sextant" => Mode::Sextant,
        "pprof" => Mode::Pprof,
        _ => Mode::None,
    };
    let t0 = process_cpu();
    let (samples, start, thread, stop, work) = match mode {
        Mode::None => {
            let work = workload();
            (0.0, 0.0, 0.0, 0.0, work)
        }
        Mode::Sextant => {
            let p = sextant::cpu::ProfilerBuilder::new()
                .rate(hz)
                .lines(std::env::var_os("SEXTANT_BENCH_NO_LINES").is_none())
                .start()
                .unwrap();
            let t1 = process_cpu();
            let work = workload();
            let thread = thread_cpu_named("sextant-cpu");
            let t2 = process_cpu();
            let profile = p.stop().unwrap();
            let t3 = process_cpu();
            let samples = profile.sample.iter().map(|s| s.value[0]).sum::<i64>() as f64;
            (samples, secs(t1 - t0), thread, secs(t3 - t2), work)
        }
        Mode::Pprof => {
            let guard = pprof::ProfilerGuardBuilder::default()
                .frequency(hz as i32)
                .blocklist(&["libc", "libgcc", "pthread", "vdso"])
                .build()
                .unwrap();
            let t1 = process_cpu();
            let work = workload();
            let t2 = process_cpu();
            let report = guard.report().build().unwrap();
            let t3 = process_cpu();
            let samples = report.data.values().sum::<isize>() as f64;
            (samples, secs(t1 - t0), 0.0, secs(t3 - t2), work)
        }
    };
    let cpu = secs(process_cpu() - t0);
    let rss = peak_rss_kb();
    println!("{cpu} {samples} {rss} {start} {thread} {stop} {work}");
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// CPU time of this process's thread named `name` (0 if there is none), seconds.
fn thread_cpu_named(name: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    for e in dir.flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        // Linux's MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED).
        let clock = ((!tid) << 3) | 4 | 2;
        // SAFETY: clock_gettime writes into a timespec we own; a bad clock id gives EINVAL.
        let ts = unsafe {
            let mut ts: libc::timespec = std::mem::zeroed();
            if libc::clock_gettime(clock, &mut ts) != 0 {
                return 0.0;
            }
            ts
        };
        return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
    }
    0.0
}

/// Runs the workload; returns the CPU time its threads used, seconds.
fn workload() -> f64 {
    let rounds = rounds();
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                s.spawn(move || {
                    let mut x = t as u64;
                    for r in 0..rounds {
                        x = outer(x ^ r);
                    }
                    std::hint::black_box(x);
                    thread_cpu()
                })
            })
            .collect();
        threads.into_iter().map(|t| secs(t.join().unwrap())).sum()
    })
}

fn thread_cpu() -> Duration {
    // SAFETY: clock_gettime writes into a timespec we own.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
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
