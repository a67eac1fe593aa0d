//! [`B`]: what a benchmark function is handed, Go's `testing.B`.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::alloc::{self, AllocCounts};
use crate::batches::{Batches, Estimate};
use crate::format::BenchResult;
use crate::harness::Ctx;

/// The state of one benchmark: its iteration count, its timer, and what it reports.
///
/// A benchmark function receives `&mut B` and runs its body [`n`](B::n) times, either with
/// [`iter`](B::iter) or with Go's loop:
///
/// ```
/// fn bench_contains(b: &mut sextant_bench::B) {
///     let haystack = "abcdefgh".repeat(512) + "needle";
///     b.set_bytes(haystack.len() as u64);
///     for _ in 0..b.n() {
///         sextant_bench::black_box(haystack.contains(sextant_bench::black_box("needle")));
///     }
/// }
/// ```
///
/// The harness calls the function several times with growing `n` until one run lasts the
/// `-benchtime`; setup before the loop is timed unless [`reset_timer`](B::reset_timer) follows it.
#[derive(Debug)]
pub struct B {
    pub(crate) ctx: Rc<Ctx>,
    pub(crate) name: String,
    pub(crate) level: usize,
    pub(crate) n: u64,
    pub(crate) previous_n: u64,
    pub(crate) previous_duration: u64,
    timer_on: bool,
    start_ns: u64,
    pub(crate) duration: u64,
    start_allocs: AllocCounts,
    net_allocs: u64,
    net_bytes: u64,
    start_perf: Vec<u64>,
    net_perf: Vec<u64>,
    bytes: u64,
    extra: BTreeMap<String, f64>,
    pub(crate) show_alloc: bool,
    pub(crate) parallelism: usize,
    pub(crate) has_sub: bool,
    pub(crate) failed: bool,
    /// What the noise filter made of the rounds behind the last result.
    pub(crate) estimate: Option<Estimate>,
    /// `iter`'s batch timings for the noise filter.
    pub(crate) batches: Batches,
}

impl B {
    pub(crate) fn new(ctx: Rc<Ctx>, name: String, level: usize) -> B {
        let counters = ctx.counters.len();
        B {
            ctx,
            name,
            level,
            n: 0,
            previous_n: 0,
            previous_duration: 0,
            timer_on: false,
            start_ns: 0,
            duration: 0,
            start_allocs: AllocCounts::default(),
            net_allocs: 0,
            net_bytes: 0,
            start_perf: vec![0; counters],
            net_perf: vec![0; counters],
            bytes: 0,
            extra: BTreeMap::new(),
            show_alloc: false,
            parallelism: 1,
            has_sub: false,
            failed: false,
            estimate: None,
            batches: Batches::default(),
        }
    }

    /// The number of iterations to run in this call (Go's `b.N`).
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The benchmark's full name, such as `BenchmarkSort/n=100`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `f` [`n`](B::n) times, passing each result through [`black_box`](crate::black_box)
    /// so the optimizer cannot drop the work.
    ///
    /// Prefer it to a hand-written loop: it times its iterations in batches of about 100 µs,
    /// and the result is the speed of the fastest batches, so a batch the scheduler
    /// interrupted or that ran beside other programs' work does not reach it (see the crate
    /// docs, "Noise"). Only the first call in a run (or since [`reset_timer`](B::reset_timer))
    /// is filtered so; a later one is timed whole, as Go times it.
    pub fn iter<R>(&mut self, mut f: impl FnMut() -> R) {
        let size = self.batches.size;
        if !self.timer_on || size == 0 || self.batches.used {
            for _ in 0..self.n {
                std::hint::black_box(f());
            }
            return;
        }
        let mut left = self.n;
        let mut t0 = self.ctx.clock.now_ns();
        while left > 0 {
            let k = left.min(size);
            for _ in 0..k {
                std::hint::black_box(f());
            }
            let t1 = self.ctx.clock.now_ns();
            // A partial batch (the last, usually) stays in the run's time as Go measures it.
            if k == size {
                self.batches.record(t1.saturating_sub(t0), k);
            }
            t0 = t1;
            left -= k;
        }
        self.batches.used = true;
    }

    /// Starts timing. The harness calls it before the benchmark function; call it again after
    /// [`stop_timer`](B::stop_timer).
    pub fn start_timer(&mut self) {
        if !self.timer_on {
            self.start_allocs = alloc::read();
            for (start, c) in self.start_perf.iter_mut().zip(&self.ctx.counters) {
                *start = c.read();
            }
            self.start_ns = self.ctx.clock.now_ns();
            self.timer_on = true;
        }
    }

    /// Stops timing, for work that must not be measured, such as re-preparing input.
    pub fn stop_timer(&mut self) {
        if self.timer_on {
            self.duration += self.ctx.clock.now_ns().saturating_sub(self.start_ns);
            for ((net, start), c) in self
                .net_perf
                .iter_mut()
                .zip(&self.start_perf)
                .zip(&self.ctx.counters)
            {
                *net += c.read().saturating_sub(*start);
            }
            let now = alloc::read();
            self.net_allocs += now.allocs.saturating_sub(self.start_allocs.allocs);
            self.net_bytes += now.bytes.saturating_sub(self.start_allocs.bytes);
            self.timer_on = false;
        }
    }

    /// Zeroes the elapsed time, the allocation counts and the reported metrics; a running timer
    /// keeps running. Call it after expensive setup.
    pub fn reset_timer(&mut self) {
        if self.timer_on {
            self.start_allocs = alloc::read();
            for (start, c) in self.start_perf.iter_mut().zip(&self.ctx.counters) {
                *start = c.read();
            }
            self.start_ns = self.ctx.clock.now_ns();
        }
        self.duration = 0;
        self.net_allocs = 0;
        self.net_bytes = 0;
        self.net_perf.iter_mut().for_each(|v| *v = 0);
        self.extra.clear();
        self.batches.clear();
    }

    /// The measured time so far in this run, in nanoseconds (Go's `b.Elapsed`).
    pub fn elapsed_ns(&self) -> u64 {
        let running = if self.timer_on {
            self.ctx.clock.now_ns().saturating_sub(self.start_ns)
        } else {
            0
        };
        self.duration + running
    }

    /// Reports B/op and allocs/op for this benchmark, as `-benchmem` does for all.
    pub fn report_allocs(&mut self) {
        self.show_alloc = true;
    }

    /// Records that one iteration processes `n` bytes, so the result shows MB/s.
    pub fn set_bytes(&mut self, n: u64) {
        self.bytes = n;
    }

    /// Adds `value unit` to the result line; per-op metrics should be divided by
    /// [`n`](B::n) and end in `/op`. A unit the harness reports itself (`ns/op`, `MB/s`,
    /// `B/op`, `allocs/op`) is overridden; `ns/op` of 0 hides it.
    ///
    /// # Panics
    ///
    /// If `unit` is empty or contains whitespace, as Go's `ReportMetric` does: the line would
    /// not parse.
    pub fn report_metric(&mut self, value: f64, unit: &str) {
        assert!(!unit.is_empty(), "metric unit must not be empty");
        assert!(
            !unit.contains(char::is_whitespace),
            "metric unit must not contain whitespace"
        );
        self.extra.insert(unit.to_string(), value);
    }

    /// Makes [`run_parallel`](B::run_parallel) start `p` × `-cpu` threads; values below 1 are
    /// ignored.
    pub fn set_parallelism(&mut self, p: usize) {
        if p >= 1 {
            self.parallelism = p;
        }
    }

    /// The result of the last run, as Go measures it (the noise filter is applied over
    /// rounds, by `launch`).
    pub(crate) fn result(&self) -> BenchResult {
        let mut extra = self.extra.clone();
        for (c, &net) in self.ctx.counters.iter().zip(&self.net_perf) {
            if self.n > 0 {
                extra
                    .entry(c.event().unit())
                    .or_insert(net as f64 / self.n as f64);
            }
        }
        BenchResult {
            n: self.n,
            t_ns: self.duration,
            bytes: self.bytes,
            mem_allocs: self.net_allocs,
            mem_bytes: self.net_bytes,
            extra,
        }
    }
}
