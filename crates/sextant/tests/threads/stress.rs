//! Threads created and exiting all the time, some blocking the signal, while dumps of every
//! format (from two threads at once) and a fast wall profile run: it must end, without
//! deadlock or crash, with samples. Ten seconds in CI, three elsewhere; a watchdog aborts the
//! process if it hangs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::common::*;

/// A short-lived thread's work: a little CPU, a little sleep.
#[inline(never)]
fn churn_once(n: u64) -> u64 {
    let mut x = n;
    for i in 0..10_000 {
        x = x.wrapping_mul(31).wrapping_add(i);
    }
    std::thread::sleep(Duration::from_micros(200));
    x
}

/// Blocks every signal, then exits after a short sleep.
fn blocked_once() {
    // SAFETY: blocks all signals on this thread with a full set we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    std::thread::sleep(Duration::from_millis(3));
}

#[test]
fn dumps_and_wall_sampling_survive_thread_churn() {
    let _g = serial();
    let secs = if std::env::var_os("CI").is_some() {
        10
    } else {
        3
    };
    let done = Arc::new(AtomicBool::new(false));
    {
        let done = done.clone();
        std::thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(secs + 120);
            while !done.load(Ordering::SeqCst) {
                if Instant::now() > end {
                    eprintln!("stress test hung: aborting");
                    std::process::abort();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicU64::new(0));
    let wall = sextant::wall::ProfilerBuilder::new()
        .rate(500)
        .start()
        .unwrap();
    let spawners: Vec<_> = (0..4)
        .map(|k| {
            let stop = stop.clone();
            let created = created.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let batch: Vec<_> = (0..8)
                        .map(|i| {
                            if k == 0 && i == 0 {
                                sextant::thread::spawn(blocked_once)
                            } else if i % 2 == 0 {
                                sextant::thread::spawn(move || {
                                    std::hint::black_box(churn_once(n));
                                })
                            } else {
                                std::thread::spawn(move || {
                                    std::hint::black_box(churn_once(n));
                                })
                            }
                        })
                        .collect();
                    for h in batch {
                        h.join().unwrap();
                    }
                    n += 8;
                    created.fetch_add(8, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // A second dumper, so dumps also run concurrently with each other.
    let other = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                sextant::lookup("goroutine").unwrap().profile().unwrap();
                n += 1;
            }
            n
        })
    };
    let end = Instant::now() + Duration::from_secs(secs);
    let mut dumps = 0;
    while Instant::now() < end {
        for (name, debug) in [
            ("threads", 0),
            ("threads", 1),
            ("threads", 2),
            ("threadcreate", 0),
        ] {
            let mut out = Vec::new();
            sextant::lookup(name)
                .unwrap()
                .write_to(&mut out, debug)
                .unwrap();
            assert!(!out.is_empty());
            dumps += 1;
        }
    }
    stop.store(true, Ordering::SeqCst);
    for s in spawners {
        s.join().unwrap();
    }
    assert!(other.join().unwrap() >= 1);
    let p = wall.stop().unwrap();
    done.store(true, Ordering::SeqCst);
    assert!(
        created.load(Ordering::Relaxed) > 100,
        "threads were churned"
    );
    assert!(dumps >= 4);
    assert!(p.sample.iter().map(|s| s.value[0]).sum::<i64>() > 0);
    assert!(
        !samples_with(&p, "stress::churn_once").is_empty(),
        "{:?}",
        p.comments
    );
}
