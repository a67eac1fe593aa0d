//! Running a benchmark: Go's `runN`, `run1`, `launch` and `processBench`, plus rounds.
//!
//! Design note on rounds. Go measures one run of about `-benchtime` and prints it. Here the
//! `-benchtime` is split into `-rounds` rounds (5 by default): Go's ramp finds the `N` for one
//! round, the rounds all run that `N`, and the noise filter of [`crate::batches`] makes one
//! result of them: the speed of the fastest `b.iter` batches over all rounds, or the fastest
//! round for bodies without batches. When the median batch (or round) ran more than
//! [`NOISY_SPREAD`] slower than that, the harness says so on stderr: the machine's load, not
//! the code, then decides what a plain mean would say. `-rounds=1` is Go's behaviour
//! exactly; `-benchtime=Nx` always runs exactly `N` iterations once (its batches filtered).

use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::batches::{Round, estimate};
use crate::bench::B;
use crate::flags::BenchTime;
use crate::format::{BenchResult, benchmark_name};

/// Go's cap on iterations, which also keeps `n` in range on 32-bit platforms.
const MAX_N: u64 = 1_000_000_000;

/// How much slower than the reported speed the median batch (or round) may run before the
/// result is flagged as noisy: 10% is about the smallest change people hunt with benchstat,
/// so a machine that moves the typical speed by more cannot resolve one with a plain mean.
pub(crate) const NOISY_SPREAD: f64 = 0.10;

/// Go's `predictN`: how many iterations should reach `goal_ns`, given that `prev_iters` took
/// `prev_ns` and the last run had `last` iterations.
pub(crate) fn predict_n(goal_ns: u64, prev_iters: u64, prev_ns: u64, last: u64) -> u64 {
    // Round up, to avoid dividing by zero.
    let prev_ns = prev_ns.max(1);
    // Order of operations matters. For very fast benchmarks, prev_iters ~= prev_ns; dividing
    // first gives 0 or 1, which can hide an order of magnitude. So multiply first (in u128:
    // 1e9 iterations times an hour's nanoseconds overflows u64).
    let mut n = (u128::from(goal_ns) * u128::from(prev_iters) / u128::from(prev_ns)) as u64;
    // Run more iterations than we think we'll need (1.2x).
    n += n / 5;
    // Don't grow too fast in case we had timing errors previously.
    n = n.min(100 * last);
    // Be sure to run at least one more than last time.
    n = n.max(last + 1);
    // Don't run more than 1e9 times.
    n.min(MAX_N)
}

/// A benchmark function as the runner holds it.
pub(crate) type BenchFn<'a> = dyn FnMut(&mut B) + 'a;

/// Go's `runN`: one call of the function with `b.n == n`, timed.
pub(crate) fn run_n(b: &mut B, f: &mut BenchFn<'_>, n: u64) {
    b.n = n;
    b.parallelism = 1;
    if b.ctx.opts.rounds > 1 {
        b.batches.prepare(n, b.previous_n, b.previous_duration);
    } else {
        b.batches.disable();
    }
    b.reset_timer();
    b.start_timer();
    let outcome = catch_unwind(AssertUnwindSafe(|| f(b)));
    b.stop_timer();
    b.previous_n = n;
    b.previous_duration = b.duration;
    if outcome.is_err() {
        b.failed = true;
    }
}

/// Go's `run1`: runs the function once with `n == 1`; reports whether to go on measuring
/// (false when it failed, or when it has sub-benchmarks and is therefore not measured).
pub(crate) fn run1(b: &mut B, f: &mut BenchFn<'_>) -> bool {
    let ctx = b.ctx.clone();
    let len = b.name.len() + ctx.ext_len + 1;
    if len > ctx.max_len.get() {
        // Slack, so the column does not jump at every longer name.
        ctx.max_len.set(len + 8);
    }
    run_n(b, f, 1);
    if b.failed {
        ctx.print(&format!("--- FAIL: {}\n", b.name));
        ctx.failed.set(true);
        return false;
    }
    !b.has_sub && !ctx.smoke
}

/// Go's `launch`, with rounds: the result to print.
fn launch(b: &mut B, f: &mut BenchFn<'_>) -> BenchResult {
    b.estimate = None;
    let mut trace = Trace::open();
    let (d, rounds) = match b.ctx.opts.bench_time {
        BenchTime::Count(n) => {
            // run1 already ran one iteration; -benchtime=1x uses it (golang.org/issue/32051).
            if n > 1 {
                run_n(b, f, n);
            }
            trace.round(b);
            let round = Round::of(b);
            return filtered(b, vec![b.result()], vec![round]);
        }
        BenchTime::Duration(d) => (d.as_nanos() as u64, u64::from(b.ctx.opts.rounds)),
    };
    let goal = (d / rounds).max(1);
    let mut n = 1;
    while !b.failed && b.duration < goal && n < MAX_N {
        let last = n;
        n = predict_n(goal, b.n, b.duration, last);
        run_n(b, f, n);
    }
    trace.round(b);
    let mut results = vec![b.result()];
    let mut timings = vec![Round::of(b)];
    // As many rounds as fit in twice the benchtime at the first round's pace, so a benchmark
    // whose single iteration outlasts a round costs about what it costs under Go.
    let planned = rounds.min((2 * d / b.duration.max(1)).max(1));
    while !b.failed && (results.len() as u64) < planned {
        run_n(b, f, b.n);
        trace.round(b);
        results.push(b.result());
        timings.push(Round::of(b));
    }
    filtered(b, results, timings)
}

/// The result of the noise filter over the rounds: the round it picks, with the filtered
/// time; records the slowdown for the warning.
fn filtered(b: &mut B, mut results: Vec<BenchResult>, timings: Vec<Round>) -> BenchResult {
    let Some(e) = estimate(&timings) else {
        return results.pop().unwrap_or_default();
    };
    let mut r = results.swap_remove(e.round);
    r.t_ns = e.ns;
    b.estimate = Some(e);
    r
}

impl Round {
    /// The timings of the run `b` just finished.
    fn of(b: &B) -> Round {
        Round {
            n: b.n,
            ns: b.duration,
            batches: b.batches.samples().to_vec(),
        }
    }
}

/// `SEXTANT_BENCH_TRACE=FILE`: appends each measured round's raw timings to `FILE`, one line
/// a round: name, n, the round's timed ns, then each `b.iter` batch as `ns:iterations`. For
/// studying the noise filter offline; written between rounds, never while timed.
struct Trace(Option<std::fs::File>);

impl Trace {
    fn open() -> Trace {
        let file = std::env::var_os("SEXTANT_BENCH_TRACE").and_then(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .ok()
        });
        Trace(file)
    }

    fn round(&mut self, b: &B) {
        let Some(file) = &mut self.0 else { return };
        let mut line = format!("{}\t{}\t{}\t", b.name, b.n, b.duration);
        for (i, (ns, it)) in b.batches.samples().iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            line.push_str(&format!("{ns}:{it}"));
        }
        line.push('\n');
        let _ = file.write_all(line.as_bytes());
    }
}

/// Go's `processBench`: runs a measured benchmark for every `-cpu` value, `-count` times, and
/// prints a line for each.
pub(crate) fn process_bench(b: &mut B, f: &mut BenchFn<'_>) {
    let ctx = b.ctx.clone();
    ctx.print_header();
    let mut first = true;
    for &procs in &ctx.opts.cpu {
        for _ in 0..ctx.opts.count {
            ctx.procs.set(procs);
            let name = benchmark_name(&b.name, procs);
            if !ctx.opts.verbose {
                ctx.print(&format!("{name:<width$}\t", width = ctx.max_len.get()));
            }
            if ctx.broken_pipe.get() {
                return;
            }
            let mut fresh;
            let b = if first {
                first = false;
                &mut *b
            } else {
                // A fresh run for every line but the first, whose run1 already happened.
                fresh = B::new(ctx.clone(), b.name.clone(), b.level);
                if !run1(&mut fresh, f) {
                    continue;
                }
                &mut fresh
            };
            let r = launch(b, f);
            if b.failed {
                ctx.print(&format!("--- FAIL: {name}\n"));
                ctx.failed.set(true);
                continue;
            }
            let mut line = r.columns();
            if ctx.opts.verbose {
                line = format!("{name:<width$}\t{line}", width = ctx.max_len.get());
            }
            if ctx.opts.bench_mem || b.show_alloc {
                line = format!("{line}\t{}", r.mem_columns());
            }
            ctx.print(&format!("{line}\n"));
            warn_if_noisy(b, &name, &r);
        }
    }
}

fn warn_if_noisy(b: &B, name: &str, r: &BenchResult) {
    let Some(e) = &b.estimate else {
        return;
    };
    let fast = r.ns_per_op();
    if fast > 0.0 && e.slowdown - 1.0 > NOISY_SPREAD {
        let (kind, kinds) = if e.batched {
            ("batch", "batches")
        } else {
            ("round", "rounds")
        };
        let msg = format!(
            "warning: {name}: the median {kind} ran at {} ns/op, {:.2}x the {} ns/op reported \
             (the fastest {kinds}'); other programs share this machine's CPUs, and a plain \
             mean would measure them\n",
            three_figures(fast * e.slowdown),
            e.slowdown,
            three_figures(fast),
        );
        let _ = b.ctx.err.borrow_mut().write_all(msg.as_bytes());
    }
}

/// A time in ns/op with three significant figures or more, for messages.
fn three_figures(x: f64) -> String {
    match x {
        x if x >= 100.0 => format!("{x:.0}"),
        x if x >= 10.0 => format!("{x:.1}"),
        x => format!("{x:.2}"),
    }
}

impl B {
    /// Runs `f` as the sub-benchmark `name` (Go's `b.Run`) and reports whether it passed.
    ///
    /// A benchmark that calls `run` is not measured itself: it is called once with `n == 1`
    /// to discover its sub-benchmarks. `name` is sanitized (spaces become `_`) and made unique
    /// (`#01`); `-bench` selects sub-benchmarks level by level on `/`.
    pub fn run(&mut self, name: &str, mut f: impl FnMut(&mut B)) -> bool {
        self.has_sub = true;
        let ctx = self.ctx.clone();
        if ctx.broken_pipe.get() {
            // Nobody reads the results any more.
            return true;
        }
        let (full, ok, partial) = ctx
            .matcher
            .borrow_mut()
            .full_name(&self.name, self.level, name);
        if !ok {
            return true;
        }
        let mut sub = B::new(ctx.clone(), full, self.level + 1);
        // A partial match (-bench=X/Y on BenchmarkX) only runs its sub-benchmarks.
        sub.has_sub = partial;
        if ctx.opts.verbose && !ctx.smoke {
            ctx.print_header();
            ctx.print(&format!("{}\n", sub.name));
        }
        if run1(&mut sub, &mut f) {
            process_bench(&mut sub, &mut f);
        }
        !sub.failed
    }
}

#[cfg(test)]
mod tests {
    use super::predict_n;

    #[test]
    fn predict_n_follows_gos_clamps() {
        // 1 ns/op after one iteration: 1.2x the goal, but at most 100x the last run.
        assert_eq!(predict_n(1_000_000_000, 1, 1, 1), 100);
        // Exact prediction plus 20% headroom.
        assert_eq!(predict_n(1_000_000_000, 1000, 1_000_000, 1000), 100_000);
        assert_eq!(
            predict_n(1_000_000_000, 100_000, 100_000_000, 100_000),
            1_200_000
        );
        // Slow benchmarks still grow by at least one.
        assert_eq!(predict_n(1_000_000_000, 1, 2_000_000_000, 1), 2);
        // A zero duration counts as 1 ns; the total is capped at 1e9.
        assert_eq!(
            predict_n(1_000_000_000, 500_000_000, 0, 500_000_000),
            1_000_000_000
        );
    }
}
