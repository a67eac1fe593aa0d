//! 16 threads hammer two Mutexes, a RwLock, a Condvar and a channel with both profiles
//! recording every event, allocating in the loop: the run must end (no deadlock), the
//! workload's own books must balance, and the profiles must agree with each other.
//!
//! Runs 10 s when `CI` is set, 2 s otherwise; `SEXTANT_SYNC_STRESS_SECS` overrides.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sextant::sync::{Condvar, Mutex, RwLock, mpsc};

use super::common::*;

const THREADS: usize = 16;

struct Shared {
    queues: [Mutex<Vec<Box<[u64]>>>; 2],
    table: RwLock<HashMap<u64, String>>,
    ticks: (Mutex<u64>, Condvar),
    rx: Mutex<mpsc::Receiver<Box<u64>>>,
    stop: AtomicBool,
}

#[derive(Default, Debug)]
struct Counts {
    ops: u64,
    pushed: u64,
    popped: u64,
    sent: u64,
    received: u64,
}

#[inline(never)]
fn stress_worker(s: &Shared, tx: mpsc::SyncSender<Box<u64>>, id: usize) -> Counts {
    let mut c = Counts::default();
    let mut i = id as u64;
    while !s.stop.load(Ordering::Relaxed) {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let q = &s.queues[(i >> 60) as usize % 2];
        match (i >> 56) % 6 {
            0 | 1 => {
                let mut g = q.lock().unwrap();
                g.push(vec![i; 8].into_boxed_slice());
                c.pushed += 1;
                if g.len() > 64 {
                    g.pop();
                    c.popped += 1;
                }
            }
            2 => {
                let v = s.table.read().unwrap().get(&(i % 64)).cloned();
                std::hint::black_box(v);
            }
            3 => {
                s.table.write().unwrap().insert(i % 64, format!("{i}"));
            }
            4 => {
                let mut g = s.ticks.0.lock().unwrap();
                *g += 1;
                s.ticks.1.notify_all();
                let _ = s
                    .ticks
                    .1
                    .wait_timeout_while(g, Duration::from_micros(200), |t| *t % 4 != 0)
                    .unwrap();
            }
            _ => {
                // Send one, then receive one: every receive finds a message sent before it.
                tx.send(Box::new(i)).unwrap();
                c.sent += 1;
                let m = s.rx.lock().unwrap().recv().unwrap();
                std::hint::black_box(m);
                c.received += 1;
            }
        }
        c.ops += 1;
    }
    c
}

fn seconds() -> u64 {
    std::env::var("SEXTANT_SYNC_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if std::env::var_os("CI").is_some() {
            10
        } else {
            2
        })
}

#[test]
fn sixteen_threads_hammering_with_every_event_recorded() {
    let _g = serial();
    rates(1, 1);
    let (tx, rx) = mpsc::sync_channel(4);
    let s = Arc::new(Shared {
        queues: [Mutex::new(Vec::new()), Mutex::new(Vec::new())],
        table: RwLock::new(HashMap::new()),
        ticks: (Mutex::new(0), Condvar::new()),
        rx: Mutex::new(rx),
        stop: AtomicBool::new(false),
    });
    let started = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|id| {
            let (s, tx) = (s.clone(), tx.clone());
            std::thread::spawn(move || stress_worker(&s, tx, id))
        })
        .collect();
    drop(tx);
    std::thread::sleep(Duration::from_secs(seconds()));
    s.stop.store(true, Ordering::Relaxed);
    let counts: Vec<Counts> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let elapsed = started.elapsed();
    rates(0, 0);

    let total = |f: fn(&Counts) -> u64| counts.iter().map(f).sum::<u64>();
    assert_eq!(total(|c| c.sent), total(|c| c.received));
    let left: usize = s.queues.iter().map(|q| q.lock().unwrap().len()).sum();
    assert_eq!(
        total(|c| c.pushed) - total(|c| c.popped),
        left as u64,
        "{counts:?}"
    );
    assert!(
        counts.iter().all(|c| c.ops > 0),
        "a thread made no progress: {counts:?}"
    );

    let (block, mutex) = (profile("block"), profile("mutex"));
    let (block_n, block_delay) = through(&block, "stress_worker");
    let (mutex_n, mutex_delay) = through(&mutex, "stress_worker");
    assert!(
        block_n > 0 && mutex_n > 0,
        "no contention seen: {block_n} {mutex_n}"
    );
    assert!(
        block_n as u64 <= total(|c| c.ops) * 2,
        "{block_n} block events from {} operations",
        total(|c| c.ops)
    );
    // Every recorded nanosecond of either profile is a nanosecond some worker waited.
    assert!(block_delay <= elapsed * THREADS as u32, "{block_delay:?}");
    // The mutex profile charges parts of lock waits, each of which the block profile holds
    // whole, once per wait.
    assert!(
        mutex_delay <= block_delay && mutex_n <= block_n,
        "mutex {mutex_n} {mutex_delay:?}, block {block_n} {block_delay:?}"
    );
    for p in [&block, &mutex] {
        assert!(p.sample.iter().all(|s| s.value[0] >= 1 && s.value[1] >= 0));
    }
}
