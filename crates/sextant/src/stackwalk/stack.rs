//! Where a thread's stack may be read from a signal handler without faulting.
//!
//! # Design
//!
//! The unwinder reads stack memory at addresses computed from unwind rules; a wrong rule must
//! not turn into a segfault. The profiler thread keeps a snapshot of the writable mappings
//! of `/proc/self/maps` (thread stacks are among them), refreshed before it arms the timer of
//! any new thread, so a thread's stack is in the snapshot before the thread can be sampled.
//! The handler finds the mapping holding the interrupted stack pointer and allows reads from
//! the stack pointer up to that mapping's end: memory the running thread's own stack keeps
//! mapped. The main thread's `[stack]` grows down after the snapshot; its range is widened
//! down to the stack rlimit's worth below its end.
//!
//! Two buffers make the snapshot readable without locks: the writer fills the one no reader
//! uses, then flips an index. Readers announce themselves in a per-buffer count; the writer
//! waits for a buffer's count to reach zero before it rewrites it. Readers never wait.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use sextant_symbolize::MapEntry;

/// How far below its recorded start the main thread's `[stack]` may have grown: Linux's
/// default stack rlimit, 8 MiB.
const MAIN_STACK_GROWTH: u64 = 8 << 20;

#[derive(Clone, Copy)]
struct Range {
    start: u64,
    end: u64,
}

/// The double-buffered snapshot.
pub(crate) struct StackRanges {
    bufs: [UnsafeCell<Vec<Range>>; 2],
    readers: [AtomicUsize; 2],
    active: AtomicUsize,
}

// SAFETY: buffer `i` is written only by `update` (one writer, serialized by `&mut`-free
// design: only the session thread calls it) while `active != i` and `readers[i] == 0`; readers
// read buffer `i` only after incrementing `readers[i]` and re-checking `active == i`, so the
// writer never rewrites a buffer a reader is in (see the module documentation).
unsafe impl Sync for StackRanges {}

impl StackRanges {
    /// An empty snapshot; call [`StackRanges::update`] before sampling.
    pub(crate) fn new() -> StackRanges {
        StackRanges {
            bufs: [UnsafeCell::new(Vec::new()), UnsafeCell::new(Vec::new())],
            readers: [AtomicUsize::new(0), AtomicUsize::new(0)],
            active: AtomicUsize::new(0),
        }
    }

    /// Replaces the snapshot with the writable mappings of `maps`. Only one thread may call
    /// this (the session's thread).
    pub(crate) fn update(&self, maps: &[MapEntry]) {
        let next = 1 - self.active.load(SeqCst);
        while self.readers[next].load(SeqCst) != 0 {
            std::hint::spin_loop();
        }
        // SAFETY: `next` is not active and has no reader; a reader arriving now sees
        // `active != next` after announcing itself and backs off without reading.
        let buf = unsafe { &mut *self.bufs[next].get() };
        buf.clear();
        for m in maps.iter().filter(|m| m.read && m.write) {
            let start = if m.path == "[stack]" {
                m.start.saturating_sub(MAIN_STACK_GROWTH)
            } else {
                m.start
            };
            buf.push(Range { start, end: m.end });
        }
        buf.sort_by_key(|r| r.start);
        self.active.store(next, SeqCst);
    }

    /// The end of the readable range that starts at stack pointer `sp`, or `None` if `sp` is
    /// in no known writable mapping.
    ///
    /// Async-signal-safe: atomics and a binary search over a vector that is not modified
    /// while read; no allocation, no lock, gives up after a few contended attempts.
    pub(crate) fn readable_end(&self, sp: u64) -> Option<u64> {
        for _ in 0..4 {
            let i = self.active.load(SeqCst);
            self.readers[i].fetch_add(1, SeqCst);
            if self.active.load(SeqCst) != i {
                self.readers[i].fetch_sub(1, SeqCst);
                continue;
            }
            // SAFETY: announced as a reader of the active buffer `i`; the writer does not
            // touch it until `readers[i]` drops back to zero.
            let buf = unsafe { &*self.bufs[i].get() };
            let idx = buf.partition_point(|r| r.start <= sp);
            let end = idx
                .checked_sub(1)
                .map(|j| buf[j])
                .filter(|r| sp < r.end)
                .map(|r| r.end);
            self.readers[i].fetch_sub(1, SeqCst);
            return end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(start: u64, end: u64, write: bool, path: &str) -> MapEntry {
        MapEntry {
            start,
            end,
            read: true,
            write,
            execute: false,
            offset: 0,
            inode: 0,
            path: path.to_string(),
        }
    }

    #[test]
    fn a_stack_pointer_reads_up_to_the_end_of_its_mapping() {
        let r = StackRanges::new();
        r.update(&[
            entry(0x1000, 0x3000, true, ""),
            entry(0x5000, 0x6000, false, ""),
        ]);
        assert_eq!(r.readable_end(0x1800), Some(0x3000));
        assert_eq!(r.readable_end(0x3000), None);
        assert_eq!(
            r.readable_end(0x5800),
            None,
            "read-only memory is not a stack"
        );
    }

    #[test]
    fn the_main_stack_may_have_grown_down() {
        let r = StackRanges::new();
        r.update(&[entry(0x10_000_000, 0x10_100_000, true, "[stack]")]);
        assert_eq!(r.readable_end(0x10_000_000 - 0x1000), Some(0x10_100_000));
    }

    #[test]
    fn this_threads_stack_is_found_in_a_fresh_snapshot() {
        let r = StackRanges::new();
        r.update(&sextant_symbolize::read_self_maps().unwrap());
        let local = 0u64;
        let sp = &local as *const u64 as u64;
        assert!(r.readable_end(sp).unwrap() > sp);
    }
}
