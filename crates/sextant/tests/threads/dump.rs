//! The threads profile (debug=0): parked threads are found in their functions with their
//! counts and states; a thread that blocks the signal is reported, not waited for.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use sextant::threads::NO_RESPONSE_FUNCTION;

use super::common::*;

#[test]
fn parked_threads_are_listed_with_their_stacks_and_counts() {
    let _g = serial();
    let parked = Parked::new(3, 2);
    let p = sextant::lookup("threads").unwrap().profile().unwrap();
    assert_eq!(p.sample_type[0].kind, "threads");
    assert_eq!(p.sample_type[0].unit, "count");

    let on_channel = samples_with(&p, "common::park_on_channel");
    assert_eq!(on_channel.len(), 1, "three identical stacks are one sample");
    assert_eq!(on_channel[0].value, [3]);
    assert_eq!(label(on_channel[0], "state"), Some("sleeping"));
    let f = functions(&p, on_channel[0]);
    assert!(
        f.iter()
            .any(|f| f.contains("Receiver") && f.contains("recv")),
        "{f:?}"
    );

    let on_barrier = samples_with(&p, "common::park_on_barrier");
    assert_eq!(on_barrier.len(), 1);
    assert_eq!(on_barrier[0].value, [2]);
    assert!(
        functions(&p, on_barrier[0])
            .iter()
            .any(|f| f.contains("Barrier"))
    );

    // The calling thread is in it, running, with this test function on its stack.
    let me = samples_with(
        &p,
        "dump::parked_threads_are_listed_with_their_stacks_and_counts",
    );
    assert_eq!(me.len(), 1);
    assert_eq!(label(me[0], "state"), Some("running"));

    // One count per thread of the process.
    let threads: i64 = p.sample.iter().map(|s| s.value[0]).sum();
    let live = std::fs::read_dir("/proc/self/task").unwrap().count() as i64;
    assert!(
        (threads - live).abs() <= 2,
        "{threads} counted, {live} live"
    );
    drop(parked);
}

#[test]
fn the_goroutine_name_is_the_same_profile() {
    let _g = serial();
    let parked = Parked::new(2, 0);
    let p = sextant::lookup("goroutine").unwrap().profile().unwrap();
    assert_eq!(total_with(&p, "common::park_on_channel", 0), 2);
    drop(parked);
}

/// Blocks `sig` on this thread, then waits on `rx`.
#[inline(never)]
fn block_signal_and_wait(sig: i32, rx: mpsc::Receiver<()>) {
    // SAFETY: blocks one signal on this thread with a set we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let _ = rx.recv();
    // The pending signal runs our handler when unblocked, which finds nothing to answer.
    // SAFETY: unblocks it again.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

#[test]
fn a_thread_blocking_the_signal_does_not_hang_the_dump() {
    let _g = serial();
    let sig = sextant::threads::signal().unwrap();
    assert!(sig >= libc::SIGRTMIN() && sig <= libc::SIGRTMAX(), "{sig}");
    let (tx, rx) = mpsc::channel();
    let (tid_tx, tid_rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        tid_tx.send(gettid()).unwrap();
        block_signal_and_wait(sig, rx);
    });
    let tid = tid_rx.recv().unwrap();
    wait_asleep(&[tid]);
    let parked = Parked::new(1, 0);

    // Twice: the second dump finds the signal still pending and does not wait again.
    for _ in 0..2 {
        let started = Instant::now();
        let p = sextant::lookup("threads").unwrap().profile().unwrap();
        // A bound against hanging, not a timing assertion: the dump gives up within 1 s.
        assert!(started.elapsed() < Duration::from_secs(30));
        let silent = samples_with(&p, NO_RESPONSE_FUNCTION);
        assert_eq!(silent.len(), 1, "{:?}", p.comments);
        assert_eq!(silent[0].value, [1]);
        assert_eq!(label(silent[0], "state"), Some("sleeping"));
        assert!(p.comments.iter().any(|c| c.contains("did not answer")));
        // The others still answered.
        assert_eq!(total_with(&p, "common::park_on_channel", 0), 1);
    }
    let mut text = Vec::new();
    sextant::lookup("threads")
        .unwrap()
        .write_to(&mut text, 2)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    let header = format!("thread {tid} ");
    let dump = text
        .split("\n\n")
        .find(|d| d.starts_with(&header))
        .unwrap_or_else(|| panic!("thread {tid} in\n{text}"));
    assert!(dump.contains("[sleeping, no response]:"), "{dump}");
    assert!(dump.contains(NO_RESPONSE_FUNCTION), "{dump}");

    tx.send(()).unwrap();
    t.join().unwrap();
    drop(parked);
}
