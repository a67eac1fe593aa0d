//! A clock that moves only when a benchmark says so, for timing tests that cannot flake.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sextant_bench::Clock;

#[derive(Debug, Default)]
pub(crate) struct FakeClock {
    ns: AtomicU64,
}

impl FakeClock {
    pub(crate) fn new() -> Arc<FakeClock> {
        Arc::new(FakeClock::default())
    }

    pub(crate) fn advance(&self, ns: u64) {
        self.ns.fetch_add(ns, Ordering::Relaxed);
    }
}

impl Clock for FakeClock {
    fn now_ns(&self) -> u64 {
        self.ns.load(Ordering::Relaxed)
    }
}
