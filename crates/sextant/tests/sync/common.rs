//! Helpers shared by the test modules: serialization, and sums over profile samples.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sextant::Profile;

/// The rates and profiles are process-wide: one test at a time. The first caller also
/// records one event, so that the unwinder is built (a one-time cost of tens of
/// milliseconds) before any test measures a wait.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    static WARM: std::sync::Once = std::sync::Once::new();
    let g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    WARM.call_once(warm_up);
    g
}

#[inline(never)]
fn warm_up() {
    rates(1, 0);
    let (_tx, rx) = sextant::sync::mpsc::channel::<()>();
    let _ = rx.recv_timeout(Duration::from_millis(1));
    rates(0, 0);
}

/// Sets both rates, for the length of a test.
pub(crate) fn rates(block_ns: u64, fraction: u64) {
    sextant::sync::set_block_rate(block_ns);
    sextant::sync::set_mutex_fraction(fraction);
}

/// The profile `name` (`block` or `mutex`) now.
pub(crate) fn profile(name: &str) -> Profile {
    sextant::lookup(name).unwrap().profile().unwrap()
}

/// Whether a function whose name ends with `::func` is anywhere in the sample's stack.
fn has_function(p: &Profile, s: &sextant_profile::Sample, func: &str) -> bool {
    let suffix = format!("::{func}");
    s.location.iter().any(|id| {
        p.location[id.0 as usize - 1].line.iter().any(|l| {
            l.function_id
                .is_some_and(|f| p.function[f.0 as usize - 1].name.ends_with(&suffix))
        })
    })
}

/// Contentions and delay summed over the samples with `func` in their stack.
pub(crate) fn through(p: &Profile, func: &str) -> (i64, Duration) {
    let (mut n, mut ns) = (0, 0);
    for s in p.sample.iter().filter(|s| has_function(p, s, func)) {
        n += s.value[0];
        ns += s.value[1];
    }
    (n, Duration::from_nanos(ns as u64))
}

/// Asserts that `got` is within 10% of `truth`.
pub(crate) fn within_10_percent(what: &str, got: Duration, truth: Duration) {
    let (g, t) = (got.as_secs_f64(), truth.as_secs_f64());
    assert!(
        t > 0.0 && (g - t).abs() <= 0.1 * t,
        "{what}: profile says {got:?}, measured {truth:?}"
    );
}
