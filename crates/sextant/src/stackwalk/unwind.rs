//! Stack unwinding, inside a signal handler or not, with tables parsed beforehand.
//!
//! # Design
//!
//! [framehop] reads `.eh_frame` through its `.eh_frame_hdr` index, so release builds without
//! frame pointers unwind, through the binary and its shared libraries (libc included). The
//! sections are copied out of the files when the profiler starts; libraries loaded later
//! are not in the table, and framehop falls back to frame pointers inside them.
//!
//! framehop needs a mutable cache while it unwinds. A handler cannot allocate one, nor wait
//! for one, so the session preallocates a pool and each handler takes a free cache with a
//! compare-exchange; a handler that finds none (more threads inside the handler at once than
//! caches) records only the interrupted address and marks the stack failed.
//!
//! Stack memory is read only within the range [`super::stack::StackRanges`] allows.

use std::cell::UnsafeCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use framehop::{ExplicitModuleSectionInfo, MustNotAllocateDuringUnwind, Unwinder as _};
use sextant_symbolize::LoadedModule;

use super::regs::Regs;
use super::stack::StackRanges;
use super::{MAX_DEPTH, TRUNCATED, UNWIND_FAILED};

type Unwinder = framehop::UnwinderNative<Vec<u8>, MustNotAllocateDuringUnwind>;
type Cache = framehop::CacheNative<MustNotAllocateDuringUnwind>;

struct CacheSlot {
    busy: AtomicBool,
    cache: UnsafeCell<Box<Cache>>,
}

/// The unwind tables of every module, the caches and the readable stack ranges.
pub(crate) struct StackWalker {
    unwinder: Unwinder,
    caches: Box<[CacheSlot]>,
    pub(crate) stacks: StackRanges,
}

// SAFETY: `unwinder` is only read after construction; each cache is used by the one thread
// that flipped its `busy` flag from false to true; `StackRanges` is `Sync` on its own.
unsafe impl Sync for StackWalker {}
// SAFETY: as above; nothing in it is tied to the creating thread.
unsafe impl Send for StackWalker {}

impl StackWalker {
    /// Parses the unwind sections of `modules`, one per file, and allocates `caches` caches.
    pub(crate) fn new(modules: &[LoadedModule], caches: usize) -> StackWalker {
        let mut unwinder = Unwinder::new();
        let mut seen = HashSet::new();
        for m in modules.iter().filter(|m| m.has_file) {
            if !seen.insert(m.path.clone()) {
                continue;
            }
            let Some(s) = m.unwind_sections() else {
                continue;
            };
            let (hdr_svma, hdr) = s.eh_frame_hdr.map(|d| (d.svma, d.bytes)).unzip();
            let (eh_svma, eh) = s.eh_frame.map(|d| (d.svma, d.bytes)).unzip();
            let info = ExplicitModuleSectionInfo {
                base_svma: 0,
                text_svma: s.text_svma,
                eh_frame_hdr_svma: hdr_svma,
                eh_frame_hdr: hdr,
                eh_frame_svma: eh_svma,
                eh_frame: eh,
                ..Default::default()
            };
            unwinder.add_module(framehop::Module::new(
                m.path.clone(),
                m.start..m.end,
                m.bias,
                info,
            ));
        }
        let caches = (0..caches)
            .map(|_| CacheSlot {
                busy: AtomicBool::new(false),
                cache: UnsafeCell::new(Box::new(Cache::new_in())),
            })
            .collect();
        StackWalker {
            unwinder,
            caches,
            stacks: StackRanges::new(),
        }
    }

    /// Unwinds from `regs` into `out`, leaf first; returns the depth and the flags.
    ///
    /// Async-signal-safe: no allocation (framehop's `MustNotAllocateDuringUnwind` policy),
    /// no lock (a cache is taken by compare-exchange, never waited for), memory reads
    /// bounds-checked against the stack range.
    pub(crate) fn unwind(&self, regs: Regs, out: &mut [u64; MAX_DEPTH]) -> (u32, u32) {
        out[0] = regs.pc;
        let Some(end) = self.stacks.readable_end(regs.sp) else {
            return (1, UNWIND_FAILED);
        };
        let Some(slot) = self.take_cache() else {
            return (1, UNWIND_FAILED);
        };
        let sp = regs.sp;
        let mut read = |addr: u64| {
            if addr >= sp && addr.checked_add(8).is_some_and(|e| e <= end) {
                // SAFETY: [sp, end) lies in a writable mapping holding this thread's stack
                // (see `StackRanges`), which stays mapped while the thread runs our handler.
                Ok(unsafe { std::ptr::read_unaligned(addr as *const u64) })
            } else {
                Err(())
            }
        };
        // SAFETY: `take_cache` flipped this slot's `busy` flag, so this handler has the only
        // reference to the cache until it clears the flag below.
        let cache = unsafe { &mut **slot.cache.get() };
        let mut frames = self
            .unwinder
            .iter_frames(regs.pc, regs.unwind_regs(), cache, &mut read);
        let (mut depth, mut flags) = (0usize, 0u32);
        loop {
            match frames.next() {
                Ok(Some(_)) if depth == MAX_DEPTH => {
                    flags |= TRUNCATED;
                    break;
                }
                Ok(Some(f)) => {
                    out[depth] = f.address_for_lookup();
                    depth += 1;
                }
                Ok(None) => break,
                Err(_) => {
                    flags |= UNWIND_FAILED;
                    break;
                }
            }
        }
        slot.busy.store(false, Ordering::Release);
        if depth == 0 {
            out[0] = regs.pc;
            depth = 1;
        }
        (depth as u32, flags)
    }

    fn take_cache(&self) -> Option<&CacheSlot> {
        self.caches.iter().find(|s| {
            s.busy
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        })
    }
}
