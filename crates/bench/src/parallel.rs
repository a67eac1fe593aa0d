//! `b.run_parallel`: Go's `RunParallel` on scoped threads.
//!
//! `p × -cpu` threads (p from [`B::set_parallelism`], default 1) share one atomic counter and
//! take iterations from it in grains of about 100 µs each, as Go's goroutines do: enough to
//! amortize the atomic operation, small enough to balance the load.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::bench::B;

/// The iteration source of one [`B::run_parallel`] thread (Go's `testing.PB`).
#[derive(Debug)]
pub struct PB<'a> {
    global: &'a AtomicU64,
    grain: u64,
    cache: u64,
    bn: u64,
}

impl PB<'_> {
    /// Reports whether there is another iteration to run; false ends the thread's loop.
    // Go's name, which the issue's API keeps: `while pb.next() { ... }`. PB is not an
    // iterator: it yields no items, and `for _ in pb` would hide the grain logic's cost.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> bool {
        if self.cache == 0 {
            let n = self.global.fetch_add(self.grain, Ordering::Relaxed) + self.grain;
            if n <= self.bn {
                self.cache = self.grain;
            } else if n < self.bn + self.grain {
                self.cache = self.bn + self.grain - n;
            } else {
                return false;
            }
        }
        self.cache -= 1;
        true
    }
}

/// Iterations per grain: what ran in ~100 µs last time, within [1, 1e4] (Go's bounds: the loop
/// and call take at least 10 ns, so 100 µs holds at most 1e4 of them).
fn grain(previous_n: u64, previous_ns: u64) -> u64 {
    let g = if previous_n > 0 && previous_ns > 0 {
        (100_000u128 * u128::from(previous_n) / u128::from(previous_ns)) as u64
    } else {
        0
    };
    g.clamp(1, 10_000)
}

impl B {
    /// Runs `body` on `-cpu` threads at once (times [`set_parallelism`](B::set_parallelism)),
    /// sharing [`n`](B::n) iterations among them; each thread loops `while pb.next()`.
    ///
    /// ```
    /// fn bench_atomic(b: &mut sextant_bench::B) {
    ///     let hits = std::sync::atomic::AtomicU64::new(0);
    ///     b.run_parallel(|pb| {
    ///         while pb.next() {
    ///             hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ///         }
    ///     });
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// If a thread's body returns before `pb.next()` said false (Go's fatal error
    /// `RunParallel: body exited without pb.Next() == false`); the benchmark then fails.
    pub fn run_parallel<F>(&mut self, body: F)
    where
        F: Fn(&mut PB<'_>) + Sync,
    {
        if self.n == 0 {
            return;
        }
        let grain = grain(self.previous_n, self.previous_duration);
        let threads = self.parallelism * self.ctx.procs.get();
        let global = AtomicU64::new(0);
        let bn = self.n;
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    body(&mut PB {
                        global: &global,
                        grain,
                        cache: 0,
                        bn,
                    })
                });
            }
        });
        assert!(
            global.load(Ordering::Relaxed) > bn,
            "RunParallel: body exited without pb.next() == false"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_share_exactly_n_iterations() {
        for (bn, grain, threads) in [(1, 1, 3), (1000, 7, 4), (10_000, 10_000, 2), (5, 3, 8)] {
            let global = AtomicU64::new(0);
            let done = AtomicU64::new(0);
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        let mut pb = PB {
                            global: &global,
                            grain,
                            cache: 0,
                            bn,
                        };
                        while pb.next() {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            });
            assert_eq!(done.load(Ordering::Relaxed), bn, "n={bn} grain={grain}");
        }
    }

    #[test]
    fn grain_is_about_100us_of_work_within_bounds() {
        assert_eq!(grain(0, 0), 1);
        assert_eq!(grain(1000, 1_000_000), 100); // 1 µs/op
        assert_eq!(grain(1_000_000, 1_000_000), 10_000); // 1 ns/op, capped
        assert_eq!(grain(1, 1_000_000_000), 1);
    }
}
