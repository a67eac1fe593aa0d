//! Two threads contending a Mutex with known hold times: the mutex profile charges each
//! holder the waits it caused (at its unlocking stack), the block profile each waiter its
//! waits (at its locking stack), both within 10% of what the threads measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sextant::sync::{Mutex, RwLock};

use super::common::*;

/// One thread's record: when it asked for the lock, got it, and released it.
#[derive(Default)]
struct Log {
    asks: Vec<(Instant, Instant)>,
    holds: Vec<(Instant, Instant)>,
}

/// Holds the lock for `hold`, then releases it here, in a function of its own.
#[inline(never)]
fn hold_in_long_holder(m: &Mutex<u64>, hold: Duration, log: &mut Log) {
    let asked = Instant::now();
    let mut g = m.lock().unwrap();
    let got = Instant::now();
    std::thread::sleep(hold);
    *g += 1;
    let released = Instant::now();
    drop(g);
    log.asks.push((asked, got));
    log.holds.push((got, released));
}

/// The same with a different body, so the compiler does not merge the two functions.
#[inline(never)]
fn hold_in_short_holder(m: &Mutex<u64>, hold: Duration, log: &mut Log) {
    let asked = Instant::now();
    let mut g = m.lock().unwrap();
    let got = Instant::now();
    std::thread::sleep(hold);
    *g += 1000;
    let released = Instant::now();
    drop(g);
    log.asks.push((asked, got));
    log.holds.push((got, released));
}

/// How long `waiter` waited while `holder` held the lock: the overlap of its waits with
/// the holder's holds.
fn caused(holder: &Log, waiter: &Log) -> (i64, Duration) {
    let (mut n, mut total) = (0, Duration::ZERO);
    for &(asked, got) in &waiter.asks {
        let mut overlap = Duration::ZERO;
        for &(from, to) in &holder.holds {
            let (s, e) = (asked.max(from), got.min(to));
            if e > s {
                overlap += e - s;
            }
        }
        // A wait of less than a millisecond is a lock that was free (or just released).
        if overlap > Duration::from_millis(1) {
            n += 1;
            total += overlap;
        }
    }
    (n, total)
}

fn waited(log: &Log) -> Duration {
    log.asks.iter().map(|&(a, g)| g - a).sum()
}

#[test]
fn mutex_delay_is_charged_to_the_holder_that_caused_it() {
    let _g = serial();
    rates(1, 1);
    let m = Arc::new(Mutex::new(0u64));
    // The long holder holds 20 ms, the short one 10 ms; each pauses 2 ms between holds so
    // the other gets the lock, 20 times each.
    let run = |m: Arc<Mutex<u64>>, long: bool| {
        std::thread::spawn(move || {
            let mut log = Log::default();
            for _ in 0..20 {
                if long {
                    hold_in_long_holder(&m, Duration::from_millis(20), &mut log);
                } else {
                    hold_in_short_holder(&m, Duration::from_millis(10), &mut log);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            log
        })
    };
    let (a, b) = (run(m.clone(), true), run(m.clone(), false));
    let (long, short) = (a.join().unwrap(), b.join().unwrap());
    rates(0, 0);
    assert_eq!(*m.lock().unwrap(), 20 * 1001);

    let mutex = profile("mutex");
    let (n_long, by_long) = through(&mutex, "hold_in_long_holder");
    let (n_short, by_short) = through(&mutex, "hold_in_short_holder");
    let (truth_n_long, truth_long) = caused(&long, &short);
    let (truth_n_short, truth_short) = caused(&short, &long);
    within_10_percent("delay charged to the long holder", by_long, truth_long);
    within_10_percent("delay charged to the short holder", by_short, truth_short);
    assert!(
        (n_long - truth_n_long).abs() <= 2 && (n_short - truth_n_short).abs() <= 2,
        "contentions: long {n_long} (measured {truth_n_long}), short {n_short} (measured {truth_n_short})"
    );

    let block = profile("block");
    let (_, long_waited) = through(&block, "hold_in_long_holder");
    let (_, short_waited) = through(&block, "hold_in_short_holder");
    within_10_percent("the long holder's lock waits", long_waited, waited(&long));
    within_10_percent(
        "the short holder's lock waits",
        short_waited,
        waited(&short),
    );
}

#[inline(never)]
fn write_for(l: &RwLock<u64>, hold: Duration) -> (Instant, Instant) {
    let mut g = l.write().unwrap();
    let got = Instant::now();
    std::thread::sleep(hold);
    *g += 1;
    let released = Instant::now();
    drop(g);
    (got, released)
}

#[inline(never)]
fn read_after_writer(l: &RwLock<u64>) -> (Instant, Instant) {
    let asked = Instant::now();
    let g = l.read().unwrap();
    let got = Instant::now();
    std::hint::black_box(*g);
    (asked, got)
}

#[test]
fn rwlock_readers_waits_are_charged_to_the_writer() {
    let _g = serial();
    rates(1, 1);
    let l = Arc::new(RwLock::new(0u64));
    let (holds_tx, holds_rx) = std::sync::mpsc::channel();
    let writer = {
        let l = l.clone();
        std::thread::spawn(move || {
            for _ in 0..10 {
                holds_tx
                    .send(write_for(&l, Duration::from_millis(20)))
                    .unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let mut reader = Log::default();
    for _ in 0..10 {
        reader.asks.push(read_after_writer(&l));
        std::thread::sleep(Duration::from_millis(12));
    }
    writer.join().unwrap();
    rates(0, 0);
    let writer = Log {
        asks: Vec::new(),
        holds: holds_rx.iter().collect(),
    };
    let (truth_n, truth) = caused(&writer, &reader);
    assert!(truth_n > 0, "the reader never waited for the writer");
    let (_, charged) = through(&profile("mutex"), "write_for");
    within_10_percent("reader waits charged to the writer", charged, truth);
    let (_, waited) = through(&profile("block"), "read_after_writer");
    within_10_percent(
        "the reader's waits",
        waited,
        super::contention::waited(&reader),
    );
}
