//! How exactly the profile measures CPU time: each thread's share against its own CPU
//! clock, the total against the process's CPU clock, and the sample rate asked for.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::common::*;

/// Runs one thread per entry of `work` (named `burn-i`), each burning that much of its own
/// CPU time while profiled at `hz`; returns the profile, each thread's measured CPU time,
/// and the process CPU time over the profile.
fn profile_threads(hz: u32, work: &[Duration]) -> (sextant::Profile, Vec<Duration>, Duration) {
    let go = Arc::new(Barrier::new(work.len() + 1));
    let threads: Vec<_> = work
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let go = go.clone();
            std::thread::Builder::new()
                .name(format!("burn-{i}"))
                .spawn(move || {
                    go.wait();
                    let t0 = thread_cpu();
                    burn(w);
                    thread_cpu() - t0
                })
                .unwrap()
        })
        .collect();
    let p0 = process_cpu();
    let profiler = sextant::cpu::ProfilerBuilder::new()
        .rate(hz)
        .start()
        .unwrap();
    go.wait();
    let measured: Vec<Duration> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // Before stop: symbolizing the profile is work after the profile, not in it.
    let process = process_cpu() - p0;
    let profile = profiler.stop().unwrap();
    (profile, measured, process)
}

fn check(hz: u32, work: &[Duration], tol: f64) {
    let (p, measured, process) = profile_threads(hz, work);
    println!("comments: {:?}", p.comments);
    let mut by_thread = std::collections::BTreeMap::new();
    for s in &p.sample {
        for l in &s.label {
            if let sextant_profile::LabelValue::Str(v) = &l.value {
                *by_thread.entry(format!("{}={}", l.key, v)).or_insert(0i64) += s.value[0];
            }
        }
    }
    println!("samples by label: {by_thread:?}");
    for (i, m) in measured.iter().enumerate() {
        let got = cpu_with_label(&p, "thread", &format!("burn-{i}"));
        assert_close(&format!("{hz} Hz thread burn-{i}"), got, *m, tol);
    }
    assert_close(&format!("{hz} Hz process"), total_cpu(&p), process, tol);
}

#[test]
fn two_threads_at_one_to_three_each_get_their_own_cpu_time() {
    let _g = serial();
    check(
        100,
        &[Duration::from_millis(600), Duration::from_millis(1800)],
        0.05,
    );
}

#[test]
fn eight_busy_threads_on_fewer_cores_each_get_their_own_cpu_time() {
    let _g = serial();
    check(250, &[Duration::from_millis(750); 8], 0.05);
}

#[test]
fn a_thousand_hertz_gives_a_thousand_samples_per_cpu_second() {
    let _g = serial();
    let (p, _, process) = profile_threads(1000, &[Duration::from_millis(600); 2]);
    let samples: i64 = p.sample.iter().map(|s| s.value[0]).sum();
    let per_cpu_second = samples as f64 / process.as_secs_f64();
    println!("1000 Hz: {samples} samples over {process:?} of CPU: {per_cpu_second:.0}/s");
    assert!((per_cpu_second - 1000.0).abs() <= 50.0, "{per_cpu_second}");
}
