//! The block profile: waits on a channel receive, a full sync_channel send and a Condvar,
//! at the waiter's stack, within 10% of what the waiter measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sextant::sync::{Condvar, Mutex, mpsc};

use super::common::*;

#[inline(never)]
fn wait_for_message(rx: &mpsc::Receiver<u32>) -> (u32, Duration) {
    let t = Instant::now();
    let v = rx.recv().unwrap();
    (v, t.elapsed())
}

#[test]
fn channel_receive_waits_are_recorded_at_the_receiver() {
    let _g = serial();
    rates(1, 1);
    let (tx, rx) = mpsc::channel();
    let sender = std::thread::spawn(move || {
        for i in 0..20 {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(i).unwrap();
        }
    });
    let mut truth = Duration::ZERO;
    for i in 0..20 {
        let (v, waited) = wait_for_message(&rx);
        assert_eq!(v, i);
        truth += waited;
    }
    sender.join().unwrap();
    rates(0, 0);
    let (n, delay) = through(&profile("block"), "wait_for_message");
    within_10_percent("receive waits", delay, truth);
    assert!((10..=20).contains(&n), "{n} receive waits recorded of 20");
}

#[inline(never)]
fn push_into_full_channel(tx: &mpsc::SyncSender<u32>, v: u32) -> Duration {
    let t = Instant::now();
    tx.send(v).unwrap();
    t.elapsed()
}

#[test]
fn full_sync_channel_sends_are_recorded_at_the_sender() {
    let _g = serial();
    rates(1, 1);
    let (tx, rx) = mpsc::sync_channel(0);
    let receiver = std::thread::spawn(move || {
        let mut got = Vec::new();
        for _ in 0..10 {
            std::thread::sleep(Duration::from_millis(20));
            got.push(rx.recv().unwrap());
        }
        got
    });
    let truth: Duration = (0..10).map(|i| push_into_full_channel(&tx, i)).sum();
    assert_eq!(receiver.join().unwrap(), (0..10).collect::<Vec<_>>());
    rates(0, 0);
    let (_, delay) = through(&profile("block"), "push_into_full_channel");
    within_10_percent("send waits", delay, truth);
}

#[inline(never)]
fn wait_for_signal(pair: &(Mutex<bool>, Condvar)) -> (i64, Duration) {
    let (mut waits, mut waited) = (0, Duration::ZERO);
    let mut g = pair.0.lock().unwrap();
    while !*g {
        let t = Instant::now();
        g = pair.1.wait(g).unwrap();
        waited += t.elapsed();
        waits += 1;
    }
    *g = false;
    (waits, waited)
}

#[test]
fn condvar_waits_are_recorded_at_the_waiter() {
    let _g = serial();
    rates(1, 1);
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p = pair.clone();
    let notifier = std::thread::spawn(move || {
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(20));
            *p.0.lock().unwrap() = true;
            p.1.notify_one();
            // Let the waiter take the signal before the next one.
            while *p.0.lock().unwrap() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    let (mut waits, mut truth) = (0, Duration::ZERO);
    for _ in 0..20 {
        let (n, d) = wait_for_signal(&pair);
        waits += n;
        truth += d;
    }
    notifier.join().unwrap();
    rates(0, 0);
    let (n, delay) = through(&profile("block"), "wait_for_signal");
    within_10_percent("condvar waits", delay, truth);
    assert_eq!(n, waits, "every wait is one event at rate 1");
}

#[inline(never)]
fn wait_with_timeout(pair: &(Mutex<u32>, Condvar)) -> (bool, Duration) {
    let g = pair.0.lock().unwrap();
    let t = Instant::now();
    let (_g, r) = pair
        .1
        .wait_timeout_while(g, Duration::from_millis(30), |v| *v == 0)
        .unwrap();
    (r.timed_out(), t.elapsed())
}

#[test]
fn a_condvar_wait_that_times_out_is_recorded_too() {
    let _g = serial();
    rates(1, 1);
    let pair = (Mutex::new(0), Condvar::new());
    let (timed_out, truth) = wait_with_timeout(&pair);
    rates(0, 0);
    assert!(timed_out);
    let (n, delay) = through(&profile("block"), "wait_with_timeout");
    assert_eq!(n, 1);
    within_10_percent("timed-out wait", delay, truth);
}
