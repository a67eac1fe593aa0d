//! Poisoning is std's, with profiling on as with it off.

use std::sync::{Arc, TryLockError};

use sextant::sync::{Condvar, Mutex, RwLock};

use super::common::*;

fn poisoned_mutex() -> Arc<Mutex<Vec<u32>>> {
    let m = Arc::new(Mutex::new(vec![1]));
    let m2 = m.clone();
    let r = std::thread::spawn(move || {
        let mut g = m2.lock().unwrap();
        g.push(2);
        panic!("panic while holding the lock");
    })
    .join();
    assert!(r.is_err());
    m
}

#[test]
fn a_panic_while_holding_a_mutex_poisons_it_as_std_does() {
    let _g = serial();
    for (block, fraction) in [(0, 0), (1, 1)] {
        rates(block, fraction);
        let m = poisoned_mutex();
        assert!(m.is_poisoned());
        // The PoisonError gives the guard, and the lock is held through it.
        let g = m.lock().unwrap_err().into_inner();
        assert_eq!(*g, [1, 2]);
        assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
        drop(g);
        match m.try_lock() {
            Err(TryLockError::Poisoned(e)) => assert_eq!(*e.into_inner(), [1, 2]),
            other => panic!("expected a poisoned try_lock, got {other:?}"),
        }
        let mut m = Arc::try_unwrap(m).unwrap();
        assert_eq!(*m.get_mut().unwrap_err().into_inner(), [1, 2]);
        m.clear_poison();
        assert!(!m.is_poisoned());
        assert_eq!(m.into_inner().unwrap(), [1, 2]);
    }
    rates(0, 0);
}

#[test]
fn into_inner_of_a_poisoned_mutex_gives_the_value() {
    let _g = serial();
    let m = Arc::try_unwrap(poisoned_mutex()).unwrap();
    assert_eq!(m.into_inner().unwrap_err().into_inner(), [1, 2]);
}

#[test]
fn a_condvar_wait_on_a_poisoned_mutex_returns_the_guard_in_the_error() {
    let _g = serial();
    rates(1, 1);
    let pair = Arc::new((Mutex::new(0), Condvar::new()));
    let p = pair.clone();
    let t = std::thread::spawn(move || {
        let g = p.0.lock().unwrap();
        // Wake when the poisoning thread is done.
        let _ = p.1.wait_while(g, |v| *v == 0);
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    let p = pair.clone();
    let _ = std::thread::spawn(move || {
        let mut g = p.0.lock().unwrap();
        *g = 7;
        p.1.notify_all();
        panic!("poison");
    })
    .join();
    t.join().unwrap();
    let g = pair.0.lock().unwrap_err().into_inner();
    assert_eq!(*g, 7);
    drop(g);
    let r = pair.1.wait_timeout(
        pair.0.lock().unwrap_err().into_inner(),
        std::time::Duration::ZERO,
    );
    assert_eq!(*r.unwrap_err().into_inner().0, 7);
    rates(0, 0);
}

#[test]
fn a_writer_panicking_poisons_a_rwlock_and_a_reader_does_not() {
    let _g = serial();
    rates(1, 1);
    let l = Arc::new(RwLock::new(3));
    let l2 = l.clone();
    let _ = std::thread::spawn(move || {
        let _r = l2.read().unwrap();
        panic!("reader");
    })
    .join();
    assert!(!l.is_poisoned());
    let l2 = l.clone();
    let _ = std::thread::spawn(move || {
        let mut w = l2.write().unwrap();
        *w = 4;
        panic!("writer");
    })
    .join();
    assert!(l.is_poisoned());
    assert_eq!(*l.read().unwrap_err().into_inner(), 4);
    assert_eq!(*l.write().unwrap_err().into_inner(), 4);
    rates(0, 0);
}
