//! Sampling at 1000 Hz while 16 threads allocate and free in a tight loop and other threads
//! are created and joined: the run must end (no deadlock in malloc, no crash in the
//! handler) with a valid profile that holds the allocating threads.
//!
//! `SEXTANT_STRESS_SECS` sets the length (10 s by default; the benchmark runs 60 s and more).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::common::*;

#[inline(never)]
fn churn(stop: &AtomicBool, allocs: &AtomicU64) {
    let mut n = 0u64;
    let mut keep: Vec<Vec<u8>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let v = vec![n as u8; 16 + (n % 512) as usize];
        keep.push(v);
        if keep.len() > 64 {
            keep.swap_remove((n % 64) as usize);
        }
        let s = format!("{n}");
        std::hint::black_box(&s);
        n += 1;
    }
    allocs.fetch_add(n, Ordering::Relaxed);
}

#[test]
fn sixteen_allocating_threads_and_thread_churn_at_1000_hz() {
    let _g = serial();
    let secs: u64 = std::env::var("SEXTANT_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let stop = AtomicBool::new(false);
    let allocs = AtomicU64::new(0);
    let spawned = AtomicU64::new(0);
    let p0 = process_cpu();
    let profiler = sextant::cpu::ProfilerBuilder::new()
        .rate(1000)
        .start()
        .unwrap();
    std::thread::scope(|s| {
        for i in 0..16 {
            let (stop, allocs) = (&stop, &allocs);
            std::thread::Builder::new()
                .name(format!("churn-{i}"))
                .spawn_scoped(s, move || churn(stop, allocs))
                .unwrap();
        }
        let (stop, spawned) = (&stop, &spawned);
        s.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let t = std::thread::spawn(|| {
                    let v: Vec<u64> = (0..10_000).collect();
                    std::hint::black_box(v.iter().sum::<u64>())
                });
                t.join().unwrap();
                spawned.fetch_add(1, Ordering::Relaxed);
            }
        });
        // The run's length is wall time; nothing is asserted on it.
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::Relaxed);
    });
    let process = process_cpu() - p0;
    let p = profiler.stop().unwrap();

    let mut bytes = Vec::new();
    p.write(&mut bytes).unwrap();
    let back = sextant_profile::Profile::parse(&bytes).unwrap();
    assert_eq!(back.sample.len(), p.sample.len());
    let churned: Duration = (0..16)
        .map(|i| cpu_with_label(&p, "thread", &format!("churn-{i}")))
        .sum();
    println!(
        "stress {secs} s: {} allocations, {} threads created and joined, profile {:?} of \
         {process:?} process CPU ({:?} in churn threads), comments {:?}",
        allocs.load(Ordering::Relaxed),
        spawned.load(Ordering::Relaxed),
        total_cpu(&p),
        churned,
        p.comments
    );
    assert!(spawned.load(Ordering::Relaxed) > 0);
    assert!(churned > process / 2, "churn threads sampled: {churned:?}");
    assert!(total_cpu(&p) <= process + process / 20);
}
