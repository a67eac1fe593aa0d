//! The sampling rates: 0 records nothing; a mutex fraction scales the written values.

use std::sync::Arc;
use std::time::Duration;

use sextant::sync::{Mutex, mpsc};

use super::common::*;

#[inline(never)]
fn contend_unprofiled(m: &Mutex<u32>) {
    let mut g = m.lock().unwrap();
    std::thread::sleep(Duration::from_millis(5));
    *g += 1;
}

#[inline(never)]
fn receive_unprofiled(rx: &mpsc::Receiver<u32>) -> u32 {
    rx.recv().unwrap()
}

#[test]
fn rate_zero_records_nothing() {
    let _g = serial();
    rates(0, 0);
    let before = (
        sextant::lookup("block").unwrap().count(),
        sextant::lookup("mutex").unwrap().count(),
    );
    let m = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    contend_unprofiled(&m);
                }
            })
        })
        .collect();
    let (tx, rx) = mpsc::channel();
    let sender = std::thread::spawn(move || {
        for i in 0..5 {
            std::thread::sleep(Duration::from_millis(5));
            tx.send(i).unwrap();
        }
    });
    for i in 0..5 {
        assert_eq!(receive_unprofiled(&rx), i);
    }
    sender.join().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock().unwrap(), 20);
    let after = (
        sextant::lookup("block").unwrap().count(),
        sextant::lookup("mutex").unwrap().count(),
    );
    assert_eq!(before, after);
    assert_eq!(through(&profile("block"), "contend_unprofiled").0, 0);
    assert_eq!(through(&profile("mutex"), "contend_unprofiled").0, 0);
}

#[test]
fn setters_return_and_getters_read_the_rates() {
    let _g = serial();
    rates(0, 0);
    assert_eq!(sextant::sync::set_mutex_fraction(5), 0);
    assert_eq!(sextant::sync::mutex_fraction(), 5);
    sextant::sync::set_block_rate(1000);
    assert_eq!(sextant::sync::block_rate(), 1000);
    rates(0, 0);
    assert_eq!(
        (sextant::sync::block_rate(), sextant::sync::mutex_fraction()),
        (0, 0)
    );
}
