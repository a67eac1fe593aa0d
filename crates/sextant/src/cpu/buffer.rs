//! A preallocated, lock-free buffer of stack samples, written by signal handlers on any
//! thread and read by the profiler's own thread.
//!
//! # Design
//!
//! A fixed array of slots, each with a state word: `FREE -> WRITING -> READY -> FREE`.
//! A writer takes a ticket from a shared counter, claims the slot the ticket names (or one
//! of the next few) with a compare-exchange `FREE -> WRITING`, fills it and publishes it with
//! a release store of `READY`. The reader scans every slot, copies the `READY` ones and frees
//! them. Nobody ever waits: a writer that finds no free slot counts the sample as lost (the
//! count goes into the profile) and returns. Order does not matter since samples are summed.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

pub(crate) use crate::stackwalk::{MAX_DEPTH, TRUNCATED, UNWIND_FAILED};

/// Slots in the buffer. At 1000 Hz on a machine with N cores at most about 1000*N samples
/// arrive per second; the reader drains every 10 ms, so 10*N slots are in use at once. 4096
/// leaves room for 400 cores or for a reader delayed by a long symbolization, at about 4 MiB.
pub(crate) const SLOTS: usize = 4096;

/// How many slots past its ticket a writer tries before counting the sample as lost.
const PROBES: usize = 8;

const FREE: u32 = 0;
const WRITING: u32 = 1;
const READY: u32 = 2;

/// One sample as the signal handler wrote it.
#[derive(Clone, Copy)]
pub(crate) struct Record {
    /// Kernel thread id of the sampled thread.
    pub(crate) tid: u32,
    /// Timer periods this sample stands for (1 + the timer's overrun).
    pub(crate) weight: u32,
    /// The thread's CPU time since its previous sample, in nanoseconds.
    pub(crate) cpu_ns: u64,
    /// The thread's CPU clock at this sample, in nanoseconds.
    pub(crate) cpu_at: u64,
    /// [`TRUNCATED`], [`UNWIND_FAILED`].
    pub(crate) flags: u32,
    /// Number of valid entries of `pcs`.
    pub(crate) depth: u32,
    /// The thread's label set number ([`crate::labels`]).
    pub(crate) labels: u64,
    /// Frame addresses, leaf first; callers' addresses point into their call instruction.
    pub(crate) pcs: [u64; MAX_DEPTH],
}

/// The buffer. See the module documentation.
///
/// The state words sit in their own dense array: the reader scans all of them every drain,
/// and 4096 words in 16 KiB cost a few microseconds where one word per 1 KiB record (4 MiB,
/// a cache and TLB miss each) cost about half a millisecond, 5% of a core at 100 drains/s.
pub(crate) struct Ring {
    states: Box<[AtomicU32]>,
    records: Box<[UnsafeCell<Record>]>,
    next: AtomicUsize,
    lost: AtomicU64,
}

// SAFETY: a slot's record is only touched by the one thread that moved its state to WRITING
// (the writer) or that saw READY and has not yet stored FREE (the single reader); the
// acquire/release pairs on `state` order those accesses.
unsafe impl Sync for Ring {}

/// A claimed slot: fill [`Claim::record`], then [`Claim::publish`].
pub(crate) struct Claim<'a> {
    state: &'a AtomicU32,
    record: &'a UnsafeCell<Record>,
}

impl Claim<'_> {
    /// The record to fill.
    pub(crate) fn record(&mut self) -> &mut Record {
        // SAFETY: this claim moved the slot to WRITING, so no other writer and not the reader
        // touches it until `publish`; `&mut self` keeps the borrow unique.
        unsafe { &mut *self.record.get() }
    }

    /// Makes the record visible to the reader.
    pub(crate) fn publish(self) {
        self.state.store(READY, Ordering::Release);
    }
}

impl Ring {
    /// Allocates every slot up front; nothing allocates afterwards.
    pub(crate) fn new() -> Ring {
        let empty = Record {
            tid: 0,
            weight: 0,
            cpu_ns: 0,
            cpu_at: 0,
            flags: 0,
            depth: 0,
            labels: 0,
            pcs: [0; MAX_DEPTH],
        };
        Ring {
            states: (0..SLOTS).map(|_| AtomicU32::new(FREE)).collect(),
            records: (0..SLOTS).map(|_| UnsafeCell::new(empty)).collect(),
            next: AtomicUsize::new(0),
            lost: AtomicU64::new(0),
        }
    }

    /// Claims a free slot, or counts `weight` lost periods and returns `None`.
    ///
    /// Async-signal-safe: atomics only, bounded work, no allocation.
    pub(crate) fn claim(&self, weight: u32) -> Option<Claim<'_>> {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..PROBES {
            let at = (ticket + i) % SLOTS;
            let (state, record) = (&self.states[at], &self.records[at]);
            if state
                .compare_exchange(FREE, WRITING, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return Some(Claim { state, record });
            }
        }
        self.lost.fetch_add(u64::from(weight), Ordering::Relaxed);
        None
    }

    /// Periods lost because the buffer was full, so far.
    pub(crate) fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Calls `f` on every published record and frees its slot. Only one thread may drain.
    pub(crate) fn drain(&self, mut f: impl FnMut(&Record)) {
        for (state, record) in self.states.iter().zip(self.records.iter()) {
            if state.load(Ordering::Acquire) == READY {
                // SAFETY: READY means the writer is done and no writer claims the slot until we
                // store FREE below; there is a single reader (the session's drain thread).
                f(unsafe { &*record.get() });
                state.store(FREE, Ordering::Release);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_records_are_drained_once() {
        let ring = Ring::new();
        for tid in 1..=3 {
            let mut c = ring.claim(1).unwrap();
            c.record().tid = tid;
            c.record().depth = 1;
            c.publish();
        }
        let mut seen = Vec::new();
        ring.drain(|r| seen.push(r.tid));
        seen.sort();
        assert_eq!(seen, [1, 2, 3]);
        ring.drain(|_| panic!("drained twice"));
    }

    #[test]
    fn a_full_ring_counts_lost_periods_instead_of_blocking() {
        let ring = Ring::new();
        let mut claims = Vec::new();
        for _ in 0..SLOTS {
            claims.push(ring.claim(1).unwrap());
        }
        assert!(ring.claim(3).is_none());
        assert_eq!(ring.lost(), 3);
        drop(claims);
    }

    #[test]
    fn writers_on_many_threads_lose_nothing_while_the_reader_keeps_up() {
        let ring = Ring::new();
        let total = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let ring = &ring;
                s.spawn(move || {
                    for _ in 0..2000 {
                        if let Some(mut c) = ring.claim(1) {
                            c.record().tid = t;
                            c.publish();
                        }
                    }
                });
            }
            let (ring, total) = (&ring, &total);
            s.spawn(move || {
                for _ in 0..200 {
                    ring.drain(|_| {
                        total.fetch_add(1, Ordering::Relaxed);
                    });
                    std::thread::yield_now();
                }
            });
        });
        ring.drain(|_| {
            total.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(total.load(Ordering::Relaxed) + ring.lost(), 8000);
    }
}
