//! Batches and rounds: the noise filter.
//!
//! Design note on noise. On a shared machine two things slow a benchmark down, never speed it
//! up. The scheduler takes the CPU away for milliseconds at a time, so a run of 200 ms is
//! always hit. And on a virtual machine whose vCPUs share physical cores with other work,
//! the same code runs in a fast mode or a mode up to 2x slower (most likely while the
//! core's other hardware thread is busy), each holding for tens of milliseconds to seconds:
//! the mix of modes in a run, not the code, then decides its ns/op.
//!
//! `b.iter` therefore times its loop in batches of about [`BATCH_NS`] each, and the harness
//! reports the speed of undisturbed code: the rate of the [`FASTEST_K`]-th fastest batch,
//! pooled over every round of the benchmark ([`estimate`]). A round's time becomes
//! `time outside the full batches + that rate × iterations in them`, so timed work outside
//! `iter` still counts in full, and the round with the lowest such time is printed. This is
//! the classic answer (Python's `timeit` reports the minimum for the same reason); the
//! `FASTEST_K`-th fastest rather than the fastest, so that one odd batch cannot set the
//! result: a speed must hold for `FASTEST_K` batches (half a millisecond). A median, the
//! harness's earlier filter, reports whichever mode held the majority of the run, and that
//! flips from run to run. Measured offline (benches/bench-harness/estimators.py over
//! `SEXTANT_BENCH_TRACE` timings of 10 runs of 12 benchmarks on a loaded 2-vCPU machine;
//! max/min of each result over the runs, median over benchmarks): the median batch of the
//! median round spread 1.70x, the 10% quantile of batches 1.46x, the 2% quantile 1.17x, the
//! fastest batch 1.007x but 1.35x at worst (one batch of 60,924 iterations ran 1.5x faster
//! than its neighbours: a clock glitch), the 5th fastest 1.006x, 1.16x at worst.
//!
//! Go-style loops (`for _ in 0..b.n()`) and `run_parallel` cannot be split into batches;
//! the fastest of the `-rounds` rounds is their filter, which removes a burst but not load
//! that lasts the whole benchmark (on the traces above every 200 ms round was preempted, and
//! the fastest of five whole rounds spread 3.5x: prefer `b.iter`). Nor can any filter tell
//! a slow mode that holds for the whole benchmark (seconds, at times) from slower code.
//! Without noise (every batch alike, every round alike) the result is Go's exactly;
//! `-rounds=1` records no batches and runs one round: Go's measurement, noise included.
//! The price: the result is the undisturbed speed, below the mean a loaded machine
//! delivers, and a body whose own cost varies widely from iteration to iteration reads as
//! its faster iterations when a batch holds only a few of them (bodies slower than
//! ~20 µs); `-rounds=1` gives Go's mean.

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
    /// A `b.iter` call already recorded its batches in this run: the filter's rate belongs to
    /// that body alone, so a second call (another body, perhaps) is timed whole, as Go would.
    pub(crate) used: bool,
}

impl Batches {
    /// Sizes the batches for a call of `n` iterations from the previous run's pace, and
    /// reserves room for them now, so that recording never allocates while timed.
    pub(crate) fn prepare(&mut self, n: u64, previous_n: u64, previous_ns: u64) {
        self.samples.clear();
        self.used = false;
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
        self.used = false;
    }

    /// The batches recorded so far: (nanoseconds, iterations) each.
    pub(crate) fn samples(&self) -> &[(u64, u64)] {
        &self.samples
    }

    /// Records a full batch if there is reserved room; otherwise its time simply stays in
    /// the run's total, measured as Go measures it. (`iter` never records a partial batch:
    /// a few iterations are too short to time against the clock's own cost.)
    pub(crate) fn record(&mut self, ns: u64, iters: u64) {
        if self.samples.len() < self.samples.capacity() {
            self.samples.push((ns, iters));
        }
    }
}

/// The rank of the batch rate reported: the 5th fastest (index 4) of all batches.
pub(crate) const FASTEST_K: usize = 5;

/// Fewer batches than this in all rounds carry no rate worth trusting: the round times are
/// used instead.
const MIN_BATCHES: usize = 3;

/// One measured round: its iterations, its timed nanoseconds, and its full batches.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Round {
    /// Iterations in the round (`b.N`).
    pub(crate) n: u64,
    /// Timed nanoseconds of the round, as Go measures them.
    pub(crate) ns: u64,
    /// `b.iter`'s full batches: (nanoseconds, iterations) each.
    pub(crate) batches: Vec<(u64, u64)>,
}

/// What [`estimate`] makes of a benchmark's rounds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Estimate {
    /// The round to report (an index into the rounds).
    pub(crate) round: usize,
    /// Its time in nanoseconds, with its batches at the fast rate.
    pub(crate) ns: u64,
    /// How much slower than the reported speed the median batch (or, without batches, the
    /// median round) ran: 1.0 when nothing slowed the benchmark down.
    pub(crate) slowdown: f64,
    /// Whether the rate came from `b.iter`'s batches (else from whole rounds).
    pub(crate) batched: bool,
}

/// The noise filter over a benchmark's rounds (see the module's design note); `None` for no
/// rounds.
pub(crate) fn estimate(rounds: &[Round]) -> Option<Estimate> {
    let mut rates: Vec<f64> = rounds
        .iter()
        .flat_map(|r| &r.batches)
        .filter(|&&(_, it)| it > 0)
        .map(|&(ns, it)| ns as f64 / it as f64)
        .collect();
    rates.sort_by(f64::total_cmp);
    // Never past the median, so that a handful of batches still gives their faster half.
    let fast =
        (rates.len() >= MIN_BATCHES).then(|| rates[(FASTEST_K - 1).min((rates.len() - 1) / 2)]);
    let times: Vec<u64> = rounds
        .iter()
        .map(|r| match fast {
            Some(rate) => {
                let (ns, it) = r.batches.iter().fold((0u64, 0u64), |(t, k), &(ns, it)| {
                    (t.saturating_add(ns), k.saturating_add(it))
                });
                r.ns.saturating_sub(ns) + (rate * it as f64).round() as u64
            }
            None => r.ns,
        })
        .collect();
    let per_op = |i: usize| times[i] as f64 / rounds[i].n.max(1) as f64;
    let round = (0..rounds.len()).min_by(|&i, &j| per_op(i).total_cmp(&per_op(j)))?;
    let slowdown = match fast {
        Some(rate) if rate > 0.0 => rates[rates.len() / 2] / rate,
        Some(_) => 1.0,
        None => {
            let mut ops: Vec<f64> = (0..rounds.len()).map(per_op).collect();
            ops.sort_by(f64::total_cmp);
            let least = ops[0];
            if least > 0.0 {
                ops[ops.len() / 2] / least
            } else {
                1.0
            }
        }
    };
    Some(Estimate {
        round,
        ns: times[round],
        slowdown,
        batched: fast.is_some(),
    })
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

    /// A round of `count` batches of 100 iterations, the batches at `slow` taking `slow_ns`
    /// and the others 10 µs (100 ns/op), plus `outside` ns of timed work outside `iter`.
    fn round(count: usize, slow: impl Fn(usize) -> bool, slow_ns: u64, outside: u64) -> Round {
        let batches: Vec<(u64, u64)> = (0..count)
            .map(|i| (if slow(i) { slow_ns } else { 10_000 }, 100))
            .collect();
        Round {
            n: 100 * count as u64,
            ns: outside + batches.iter().map(|b| b.0).sum::<u64>(),
            batches,
        }
    }

    #[test]
    fn preempted_batches_do_not_reach_the_result() {
        // Two batches of ten lost the CPU for 3 ms; 5 µs of timed work outside iter.
        let r = round(10, |i| i == 3 || i == 7, 3_010_000, 5_000);
        let e = estimate(&[r]).unwrap();
        assert_eq!((e.round, e.batched), (0, true));
        // 5 µs outside plus 1000 iterations at 100 ns.
        assert_eq!(e.ns, 5_000 + 100_000);
        assert_eq!(e.slowdown, 1.0);
    }

    #[test]
    fn a_slow_mode_holding_most_batches_still_gives_the_fast_speed() {
        // 70% of the batches at 2x (200 ns/op), in every round: a median would say 200.
        let rounds: Vec<Round> = (0..5)
            .map(|_| round(100, |i| i % 10 < 7, 20_000, 0))
            .collect();
        let e = estimate(&rounds).unwrap();
        assert_eq!(e.ns, 1_000_000);
        assert_eq!(e.slowdown, 2.0);
        // The slow mode holding four rounds of five whole: the fast one still sets the rate.
        let mut rounds: Vec<Round> = (0..4).map(|_| round(100, |_| true, 20_000, 0)).collect();
        rounds.insert(2, round(100, |_| false, 0, 0));
        let e = estimate(&rounds).unwrap();
        assert_eq!(e.ns, 1_000_000);
        assert_eq!(e.slowdown, 2.0);
    }

    #[test]
    fn fewer_than_k_fast_batches_do_not_set_the_rate() {
        // Four odd batches at 50 ns/op (a glitch, or a partial batch's clock error) among 100
        // at 100 ns/op: the 5th fastest is a normal batch.
        let r = round(100, |i| i < 4, 5_000, 0);
        let e = estimate(&[r]).unwrap();
        assert_eq!(e.ns, 100 * 10_000);
    }

    #[test]
    fn all_equal_batches_give_gos_value_exactly() {
        // 333 iterations in 7 batches of 47 ns/op each, a partial one, and setup timed too.
        let batches = vec![(47 * 47, 47); 7];
        let r = Round {
            n: 333,
            ns: 123_457 + 7 * 47 * 47 + 4 * 47,
            batches,
        };
        let go = r.ns;
        let e = estimate(&[r.clone(), r.clone(), r]).unwrap();
        assert_eq!((e.round, e.ns, e.slowdown), (0, go, 1.0));
    }

    #[test]
    fn without_batches_the_fastest_round_is_reported() {
        // Go-style loops and run_parallel: whole rounds only.
        let rounds: Vec<Round> = [300, 200, 250, 900, 210]
            .into_iter()
            .map(|ns| Round {
                n: 10,
                ns,
                batches: Vec::new(),
            })
            .collect();
        let e = estimate(&rounds).unwrap();
        assert_eq!((e.round, e.ns, e.batched), (1, 200, false));
        // The median round, 250, is 1.25x the fastest.
        assert_eq!(e.slowdown, 1.25);
        // One round (-rounds=1): that round, as Go measures it.
        let e = estimate(&rounds[3..4]).unwrap();
        assert_eq!((e.round, e.ns, e.slowdown), (0, 900, 1.0));
        assert_eq!(estimate(&[]), None);
    }

    #[test]
    fn time_outside_iter_counts_from_the_round_where_it_was_least() {
        // Same batches; the setup outside iter took 50 µs in one round and 10 µs in the other.
        let rounds = [
            round(10, |_| false, 0, 50_000),
            round(10, |_| false, 0, 10_000),
        ];
        let e = estimate(&rounds).unwrap();
        assert_eq!((e.round, e.ns), (1, 10_000 + 100_000));
    }
}
