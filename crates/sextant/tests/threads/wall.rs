//! The wall-clock profiler: a sleeping thread and a busy one living as long get the same
//! wall time, each labelled with its state; one profile at a time.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::common::*;

/// Sleeps one second.
#[inline(never)]
fn sleeper() {
    std::thread::sleep(Duration::from_secs(1));
}

/// Keeps the CPU busy for one second of real time (not of CPU time: on a loaded machine
/// that would take longer than the sleeper lives). The clock is read rarely, so almost
/// every sample lands in this function's own arithmetic rather than in the vDSO.
#[inline(never)]
fn burner() {
    let end = Instant::now() + Duration::from_secs(1);
    let mut x = 1u64;
    while Instant::now() < end {
        for i in 0..200_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i) ^ (x >> 29);
        }
        x = std::hint::black_box(x);
    }
}

/// Wall time of samples with `function` on their stack, and the part labelled `state`.
fn wall_of(p: &sextant::Profile, function: &str, state: &str) -> (i64, i64) {
    let samples = samples_with(p, function);
    let all = samples.iter().map(|s| s.value[1]).sum();
    let in_state = samples
        .iter()
        .filter(|s| label(s, "state") == Some(state))
        .map(|s| s.value[1])
        .sum();
    (all, in_state)
}

#[test]
fn a_sleeper_and_a_burner_get_the_same_wall_time() {
    let _g = serial();
    let profiler = sextant::wall::ProfilerBuilder::new().start().unwrap();
    let go = Arc::new(Barrier::new(2));
    let g2 = go.clone();
    let s = std::thread::Builder::new()
        .name("sleeper".into())
        .spawn(move || {
            g2.wait();
            sleeper();
        })
        .unwrap();
    let b = std::thread::Builder::new()
        .name("burner".into())
        .spawn(move || {
            go.wait();
            burner();
        })
        .unwrap();
    s.join().unwrap();
    b.join().unwrap();
    let p = profiler.stop().unwrap();
    assert_eq!(p.sample_type[1].kind, "wall");
    assert_eq!(p.sample_type[1].unit, "nanoseconds");
    assert_eq!(p.period_type.as_ref().unwrap().kind, "wall");

    let (sleep, sleeping) = wall_of(&p, "wall::sleeper", "sleeping");
    let (burn, running) = wall_of(&p, "wall::burner", "running");
    assert!(sleep > 0 && burn > 0, "{sleep} {burn}\n{:?}", p.comments);
    let ratio = sleep as f64 / burn as f64;
    println!(
        "wall: sleeper {sleep} ns ({sleeping} sleeping), burner {burn} ns ({running} running)"
    );
    assert!(
        (0.9..=1.1).contains(&ratio),
        "sleeper {sleep} ns, burner {burn} ns"
    );
    assert!(
        sleeping as f64 >= 0.9 * sleep as f64,
        "sleeper waits: {sleeping} of {sleep}"
    );
    assert!(
        running as f64 >= 0.9 * burn as f64,
        "burner runs: {running} of {burn}"
    );
    // Each thread's samples carry its name.
    for s in samples_with(&p, "wall::sleeper") {
        assert_eq!(label(s, "thread"), Some("sleeper"));
    }
}

#[test]
fn a_second_wall_profile_is_refused_while_one_runs() {
    let _g = serial();
    let first = sextant::wall::ProfilerBuilder::new()
        .rate(10)
        .start()
        .unwrap();
    let err = sextant::wall::ProfilerBuilder::new().start().unwrap_err();
    assert!(matches!(err, sextant::Error::WallAlreadyInUse), "{err}");
    assert_eq!(err.to_string(), "wall profiling already in use");
    let global = sextant::wall::start(std::io::sink()).unwrap_err();
    assert!(matches!(global, sextant::Error::WallAlreadyInUse));
    first.stop().unwrap();
    // Free again once stopped.
    sextant::wall::start(std::io::sink()).unwrap();
    sextant::wall::stop().unwrap();
}

#[test]
fn parked_threads_are_charged_wall_time_while_waiting() {
    let _g = serial();
    let parked = Parked::new(2, 0);
    let profiler = sextant::wall::ProfilerBuilder::new()
        .rate(200)
        .start()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let p = profiler.stop().unwrap();
    drop(parked);
    let samples = samples_with(&p, "common::park_on_channel");
    // Two threads, one sample each per round, all of them asleep.
    let rounds: i64 = samples.iter().map(|s| s.value[0]).sum();
    assert!(rounds >= 2, "{rounds}");
    // Asleep, but for rounds that caught a thread between the previous round's handler and
    // its return to the kernel's wait (it runs then), which a loaded machine can stretch.
    let wall: i64 = samples.iter().map(|s| s.value[1]).sum();
    let asleep: i64 = samples
        .iter()
        .filter(|s| label(s, "state") == Some("sleeping"))
        .map(|s| s.value[1])
        .sum();
    assert!(
        asleep as f64 >= 0.8 * wall as f64,
        "{asleep} of {wall} ns asleep"
    );
    let names: std::collections::HashSet<_> = samples
        .iter()
        .map(|s| label(s, "thread").unwrap().to_string())
        .collect();
    assert!(!names.is_empty());
    assert!(
        p.sample
            .iter()
            .all(|s| label(s, "thread") != Some("sextant-wall"))
    );
}
