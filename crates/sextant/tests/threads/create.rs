//! The threadcreate profile: threads created through `sextant::thread` are counted under
//! the stack that created them; others, while alive, under the unknown-creator frame.

use std::sync::mpsc;

use sextant::threads::UNKNOWN_CREATOR_FUNCTION;

use super::common::*;

/// Creates `n` threads through `sextant::thread::spawn`, each waiting on its channel.
#[inline(never)]
fn create_workers(n: usize) -> Vec<(mpsc::Sender<()>, std::thread::JoinHandle<()>)> {
    (0..n)
        .map(|_| {
            let (tx, rx) = mpsc::channel::<()>();
            let h = sextant::thread::spawn(move || {
                let _ = rx.recv();
            });
            (tx, h)
        })
        .collect()
}

/// Creates one named thread through `sextant::thread::Builder`.
#[inline(never)]
fn create_with_builder() -> std::thread::JoinHandle<String> {
    sextant::thread::Builder::new()
        .name("built".into())
        .spawn(|| std::thread::current().name().unwrap().to_string())
        .unwrap()
}

#[test]
fn creating_functions_are_counted_with_their_threads() {
    let _g = serial();
    let p0 = sextant::lookup("threadcreate").unwrap().profile().unwrap();
    let before = total_with(&p0, "create::create_workers", 0);
    let workers = create_workers(4);
    assert_eq!(create_with_builder().join().unwrap(), "built");
    let p = sextant::lookup("threadcreate").unwrap().profile().unwrap();
    assert_eq!(p.sample_type[0].kind, "threadcreate");
    assert_eq!(total_with(&p, "create::create_workers", 0) - before, 4);
    assert!(total_with(&p, "create::create_with_builder", 0) >= 1);
    // The main thread and the test harness's threads were not created through us.
    assert!(total_with(&p, UNKNOWN_CREATOR_FUNCTION, 0) >= 1);
    for (tx, h) in workers {
        tx.send(()).unwrap();
        h.join().unwrap();
    }
    // Creation counts are cumulative, as Go's: exited threads stay counted.
    let p = sextant::lookup("threadcreate").unwrap().profile().unwrap();
    assert_eq!(total_with(&p, "create::create_workers", 0) - before, 4);
}

#[test]
fn threads_made_elsewhere_count_as_unknown_only_while_alive() {
    let _g = serial();
    let unknown = || {
        let p = sextant::lookup("threadcreate").unwrap().profile().unwrap();
        total_with(&p, UNKNOWN_CREATOR_FUNCTION, 0)
    };
    let before = unknown();
    let parked = Parked::new(3, 0);
    assert_eq!(unknown() - before, 3);
    drop(parked);
    assert_eq!(unknown(), before);
}
