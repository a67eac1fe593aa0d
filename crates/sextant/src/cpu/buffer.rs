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
//!
//! Every quarter of the buffer's worth of tickets, the writer's [`Claim::publish`] says so,
//! and the handler wakes the reader: the reader drains on a slow timer, and sooner when
//! samples come fast, so the buffer is sized for a quarter second of samples, not for the
//! reader's longest sleep.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

pub(crate) use crate::stackwalk::{MAX_DEPTH, TRUNCATED, UNWIND_FAILED};

/// The fewest slots (256 KiB of records).
pub(crate) const MIN_SLOTS: usize = 256;
/// The most slots (16 MiB of records).
pub(crate) const MAX_SLOTS: usize = 16384;

/// Slots for sampling at `hz` on `cores` cores: a quarter second of samples at the full rate
/// of every core (signals come at most once per scheduler tick, so above 1000 Hz no faster),
/// within [`MIN_SLOTS`]..=[`MAX_SLOTS`]. The reader is woken each quarter of the buffer, so
/// a quarter second leaves it about 190 ms to run: 2 cores at 100 Hz get 256 slots, at
/// 1000 Hz 512; 64 cores at 1000 Hz 16384.
pub(crate) fn slots_for(hz: u32, cores: usize) -> usize {
    let per_second = hz.min(1000) as usize * cores.max(1);
    (per_second / 4)
        .next_power_of_two()
        .clamp(MIN_SLOTS, MAX_SLOTS)
}

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
    /// A quarter of the slots: a publish whose ticket ends such a stretch wakes the reader.
    quarter: usize,
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
    /// Whether this claim's ticket ends a quarter of the buffer.
    wake: bool,
}

impl Claim<'_> {
    /// The record to fill.
    pub(crate) fn record(&mut self) -> &mut Record {
        // SAFETY: this claim moved the slot to WRITING, so no other writer and not the reader
        // touches it until `publish`; `&mut self` keeps the borrow unique.
        unsafe { &mut *self.record.get() }
    }

    /// Makes the record visible to the reader; true if the reader should now be woken to
    /// drain (each quarter of the buffer's worth of samples).
    pub(crate) fn publish(self) -> bool {
        self.state.store(READY, Ordering::Release);
        self.wake
    }
}

impl Ring {
    /// Allocates `slots` slots (at least 4) up front; nothing allocates afterwards.
    pub(crate) fn new(slots: usize) -> Ring {
        let slots = slots.max(4);
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
            quarter: slots / 4,
            states: (0..slots).map(|_| AtomicU32::new(FREE)).collect(),
            records: (0..slots).map(|_| UnsafeCell::new(empty)).collect(),
            next: AtomicUsize::new(0),
            lost: AtomicU64::new(0),
        }
    }

    /// Claims a free slot, or counts `weight` lost periods and returns `None`.
    ///
    /// Async-signal-safe: atomics only, bounded work, no allocation.
    pub(crate) fn claim(&self, weight: u32) -> Option<Claim<'_>> {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        let slots = self.states.len();
        for i in 0..PROBES {
            let at = (ticket + i) % slots;
            let (Some(state), Some(record)) = (self.states.get(at), self.records.get(at)) else {
                break;
            };
            if state
                .compare_exchange(FREE, WRITING, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                let wake = (ticket + 1) % self.quarter.max(1) == 0;
                return Some(Claim {
                    state,
                    record,
                    wake,
                });
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
        let ring = Ring::new(MIN_SLOTS);
        for tid in 1..=3 {
            let mut c = ring.claim(1).unwrap();
            c.record().tid = tid;
            c.record().depth = 1;
            assert!(!c.publish(), "the first samples do not wake the reader");
        }
        let mut seen = Vec::new();
        ring.drain(|r| seen.push(r.tid));
        seen.sort();
        assert_eq!(seen, [1, 2, 3]);
        ring.drain(|_| panic!("drained twice"));
    }

    #[test]
    fn a_full_ring_counts_lost_periods_instead_of_blocking() {
        let ring = Ring::new(MIN_SLOTS);
        let mut claims = Vec::new();
        for _ in 0..MIN_SLOTS {
            claims.push(ring.claim(1).unwrap());
        }
        assert!(ring.claim(3).is_none());
        assert_eq!(ring.lost(), 3);
        drop(claims);
    }

    #[test]
    fn writers_on_many_threads_lose_nothing_while_the_reader_keeps_up() {
        let ring = Ring::new(4096);
        let total = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let ring = &ring;
                s.spawn(move || {
                    for _ in 0..2000 {
                        if let Some(mut c) = ring.claim(1) {
                            c.record().tid = t;
                            let _ = c.publish();
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

    #[test]
    fn every_quarter_of_the_ring_wakes_the_reader_once() {
        let ring = Ring::new(MIN_SLOTS);
        let mut wakes = Vec::new();
        for i in 0..MIN_SLOTS {
            let c = ring.claim(1).unwrap();
            if c.publish() {
                wakes.push(i);
            }
            ring.drain(|_| {});
        }
        // Tickets 0..=255: the 64th, 128th, 192nd and 256th publish wake it.
        assert_eq!(wakes, [63, 127, 191, 255]);
    }

    #[test]
    fn the_ring_holds_a_quarter_second_of_every_core_at_full_rate() {
        // 2 cores x 100 Hz / 4 = 50, raised to the minimum.
        assert_eq!(slots_for(100, 2), 256);
        // 2 x 1000 / 4 = 500 -> 512.
        assert_eq!(slots_for(1000, 2), 512);
        // Above 1000 Hz signals come no faster (one per tick at most).
        assert_eq!(slots_for(10_000, 2), 512);
        // 64 x 1000 / 4 = 16000 -> 16384, the maximum.
        assert_eq!(slots_for(1000, 64), 16384);
        assert_eq!(slots_for(1000, 1024), MAX_SLOTS);
    }
}
