//! Helpers shared by the test modules: serialization, CPU clocks, work to profile.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sextant::Profile;
use sextant_profile::LabelValue;

/// Profiling is process-wide: one test at a time.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn clock(id: libc::clockid_t) -> Duration {
    // SAFETY: clock_gettime writes into a timespec we own.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        assert_eq!(libc::clock_gettime(id, &mut ts), 0);
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time of the calling thread.
pub(crate) fn thread_cpu() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of the whole process.
pub(crate) fn process_cpu() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// Burns `cpu` of this thread's CPU time in `spin`.
pub(crate) fn burn(cpu: Duration) {
    let end = thread_cpu() + cpu;
    let mut x = 1u64;
    while thread_cpu() < end {
        x = spin(x);
    }
    std::hint::black_box(x);
}

/// A busy function with a recognisable name.
#[inline(never)]
pub(crate) fn spin(mut x: u64) -> u64 {
    for i in 0..20_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i) ^ (x >> 29);
    }
    std::hint::black_box(x)
}

/// Sum of `cpu/nanoseconds` over samples whose `key` label is `value`.
pub(crate) fn cpu_with_label(p: &Profile, key: &str, value: &str) -> Duration {
    let ns: i64 = p
        .sample
        .iter()
        .filter(|s| {
            s.label
                .iter()
                .any(|l| &*l.key == key && matches!(&l.value, LabelValue::Str(v) if &**v == value))
        })
        .map(|s| s.value[1])
        .sum();
    Duration::from_nanos(ns as u64)
}

/// Sum of `cpu/nanoseconds` over all samples.
pub(crate) fn total_cpu(p: &Profile) -> Duration {
    Duration::from_nanos(p.sample.iter().map(|s| s.value[1]).sum::<i64>() as u64)
}

/// Names of the functions of a location, innermost first.
pub(crate) fn names(p: &Profile, loc: sextant_profile::LocationId) -> Vec<String> {
    let l = p.location.iter().find(|l| l.id == loc).unwrap();
    l.line
        .iter()
        .map(|line| {
            let f = p
                .function
                .iter()
                .find(|f| Some(f.id) == line.function_id)
                .unwrap();
            f.name.clone()
        })
        .collect()
}

/// Asserts `got` is within `tol` (a fraction) of `want`.
pub(crate) fn assert_close(what: &str, got: Duration, want: Duration, tol: f64) {
    let (g, w) = (got.as_secs_f64(), want.as_secs_f64());
    let err = (g - w).abs() / w;
    println!(
        "{what}: profile {g:.3}s, clock {w:.3}s, error {:.2}%",
        err * 100.0
    );
    assert!(
        err <= tol,
        "{what}: profile {g:.3}s vs clock {w:.3}s ({:.1}% off)",
        err * 100.0
    );
}
