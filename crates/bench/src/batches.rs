//! Batches: the noise filter inside [`B::iter`](crate::B::iter).
//!
//! Design note. On a shared machine the scheduler takes the CPU away for milliseconds at a
//! time; a run of 200 ms is always hit, so its ns/op measures the machine's load as much as
//! the code. `b.iter` therefore times its loop in batches of about [`BATCH_NS`] each: most
//! batches run undisturbed, the few that are preempted stand out, and the median batch gives
//! the rate of undisturbed iterations. The run's time becomes
//! `time outside iter + median rate × iterations inside iter`, so timed work outside `iter`
//! still counts in full, and without noise (every batch alike) the result is Go's.
//! Go-style loops (`for _ in 0..b.n()`) cannot be split and are measured whole; the median
//! of rounds is their filter. `-rounds=1` turns this off too, for Go's measurement exactly.

/// About 100 µs a batch: much shorter than a scheduler time slice (milliseconds), so most
/// batches are not preempted; much longer than a clock read (~25 ns), so reading the clock
/// once per batch costs under 0.05%.
pub(crate) const BATCH_NS: u64 = 100_000;

/// At most this many batches are kept per call (1 MiB); a longer run gets longer batches.
const MAX_BATCHES: u64 = 1 << 16;

/// The batches of one call of a benchmark function: (nanoseconds, iterations) each.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    samples: Vec<(u64, u64)>,
    /// Iterations per batch; 0 turns batching off.
    pub(crate) size: u64,
}

impl Batches {
    /// Sizes the batches for a call of `n` iterations from the previous run's pace, and
    /// reserves room for them now, so that recording never allocates while timed.
    pub(crate) fn prepare(&mut self, n: u64, previous_n: u64, previous_ns: u64) {
        self.samples.clear();
        if previous_n == 0 || previous_ns == 0 {
            // No pace known yet (run1): one batch.
            self.size = n.max(1);
        } else {
            let per_batch =
                (u128::from(BATCH_NS) * u128::from(previous_n) / u128::from(previous_ns)) as u64;
            self.size = per_batch.max(n.div_ceil(MAX_BATCHES)).max(1);
        }
        let count = n.div_ceil(self.size) as usize + 1;
        // `len` is 0 here, so this makes room for `count` batches in all.
        self.samples.reserve(count);
    }

    /// Turns batching off for this call.
    pub(crate) fn disable(&mut self) {
        self.samples.clear();
        self.size = 0;
    }

    /// Forgets the batches so far (`reset_timer`).
    pub(crate) fn clear(&mut self) {
        self.samples.clear();
    }

    /// Records a batch if there is reserved room; otherwise its time simply stays in the
    /// run's total, measured as Go measures it.
    pub(crate) fn record(&mut self, ns: u64, iters: u64) {
        if self.samples.len() < self.samples.capacity() {
            self.samples.push((ns, iters));
        }
    }

    /// The run's time with the batches replaced by the median batch rate.
    pub(crate) fn robust_duration(&self, duration: u64) -> u64 {
        // Fewer than three batches have no median to speak of.
        if self.samples.len() < 3 {
            return duration;
        }
        let (sum_ns, sum_iters) = self
            .samples
            .iter()
            .fold((0u64, 0u64), |(t, k), &(ns, it)| (t + ns, k + it));
        let mut rates: Vec<f64> = self
            .samples
            .iter()
            .map(|&(ns, it)| ns as f64 / it as f64)
            .collect();
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        duration.saturating_sub(sum_ns) + (median * sum_iters as f64).round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_last_about_100us_at_the_previous_pace() {
        let mut b = Batches::default();
        b.prepare(1_000_000, 1000, 1_000_000); // 1 µs/op
        assert_eq!(b.size, 100);
        b.prepare(1, 0, 0);
        assert_eq!(b.size, 1);
        // 10 ns/op over 1e9 iterations: 1e5 batches of 1e4, over the cap.
        b.prepare(1_000_000_000, 1000, 10_000);
        assert_eq!(b.size, 1_000_000_000u64.div_ceil(MAX_BATCHES));
    }

    #[test]
    fn preempted_batches_do_not_reach_the_result() {
        let mut b = Batches::default();
        b.prepare(1000, 1, 1000); // 1 µs/op: batches of 100
        assert_eq!(b.size, 100);
        for i in 0..10 {
            // 100 ns/op, except two batches that lost the CPU for 3 ms.
            let ns = if i == 3 || i == 7 { 3_010_000 } else { 10_000 };
            b.record(ns, 100);
        }
        // 5 µs of timed work outside iter, plus the batches.
        let total = 5_000 + 8 * 10_000 + 2 * 3_010_000;
        assert_eq!(b.robust_duration(total), 5_000 + 100_000);
    }

    #[test]
    fn without_noise_the_duration_is_unchanged() {
        let mut b = Batches::default();
        b.prepare(500, 1, 1000);
        for _ in 0..5 {
            b.record(10_000, 100);
        }
        assert_eq!(b.robust_duration(50_000), 50_000);
        b.clear();
        assert_eq!(b.robust_duration(123), 123);
    }
}
