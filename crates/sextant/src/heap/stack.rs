//! Taking the stack of a sampled allocation: the lazily built unwinder and the stack-range
//! snapshot that must know the allocating thread's stack.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, Ordering};

use sextant_symbolize::{loaded_modules, read_self_maps};

use super::buckets::{self, NO_STACK};
use super::live::{self, Entry};
use crate::stackwalk::{MAX_DEPTH, Regs, StackWalker, UNWIND_FAILED};

const UNBUILT: u8 = 0;
const BUILDING: u8 = 1;
const READY: u8 = 2;
const FAILED: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(UNBUILT);
static WALKER: AtomicPtr<StackWalker> = AtomicPtr::new(std::ptr::null_mut());

/// Snapshots of the maps started (incremented before reading `/proc/self/maps`).
static STARTED: AtomicU64 = AtomicU64::new(0);
/// The number of the latest snapshot installed in the walker.
static DONE: AtomicU64 = AtomicU64::new(0);
static REFRESHING: AtomicBool = AtomicBool::new(false);

/// The snapshot generation now: a thread that notes it at its first allocation is covered by
/// any snapshot numbered above it.
pub(super) fn generation() -> u64 {
    STARTED.load(Ordering::Acquire)
}

/// Records a sampled allocation of `size` bytes at `p`: its stack, its bucket, its entry in
/// the set of live sampled objects. Called with the reentrancy flag set; `born` is the
/// calling thread's [`generation`] at its first allocation.
#[inline(never)]
pub(super) fn record(p: *mut u8, size: u64, born: u64) {
    let regs = Regs::capture();
    let mut pcs = [0u64; MAX_DEPTH];
    let (depth, flags) = match walker() {
        Some(w) => {
            ensure_stack_known(w, born);
            unwind(w, regs, &mut pcs)
        }
        None => (0, NO_STACK),
    };
    let bucket = buckets::find_or_insert(&pcs[..depth], flags);
    bucket.alloc(size);
    live::insert(p, Entry { bucket, size });
}

/// Unwinds, waiting for a cache when all are taken. The walker answers one frame and
/// [`UNWIND_FAILED`] both when the stack is unknown and when every cache is busy; outside a
/// signal handler the second is worth waiting out (the holders are unwinding, which neither
/// allocates nor locks), so with a known stack we yield and try again, a bounded number of
/// times.
fn unwind(w: &StackWalker, regs: Regs, pcs: &mut [u64; MAX_DEPTH]) -> (usize, u32) {
    let known = w.stacks.readable_end(regs.sp).is_some();
    let mut tries = 0;
    loop {
        let (d, f) = w.unwind(regs, pcs);
        if !(known && d == 1 && f & UNWIND_FAILED != 0) || tries == 1000 {
            return (d as usize, f);
        }
        tries += 1;
        std::thread::yield_now();
    }
}

/// The unwinder, built on first use by the first thread to ask; `None` to the others while it
/// is being built (they do not wait: the builder allocates, and may need what they hold),
/// and to all if building failed.
fn walker() -> Option<&'static StackWalker> {
    match STATE.load(Ordering::Acquire) {
        READY => {
            // SAFETY: READY is stored (release) after `WALKER` holds a leaked, never freed
            // walker.
            Some(unsafe { &*WALKER.load(Ordering::Acquire) })
        }
        UNBUILT => {
            if STATE
                .compare_exchange(UNBUILT, BUILDING, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
            {
                return None;
            }
            let Ok(modules) = loaded_modules() else {
                STATE.store(FAILED, Ordering::Release);
                return None;
            };
            // framehop's caches: one per thread unwinding at once. Samplers that find none
            // free record their sample without a stack, so leave room for preempted ones.
            let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
            let w: &'static StackWalker = Box::leak(Box::new(StackWalker::new(
                &modules,
                (4 * cores).clamp(8, 64),
            )));
            WALKER.store(
                w as *const StackWalker as *mut StackWalker,
                Ordering::Release,
            );
            refresh(w);
            STATE.store(READY, Ordering::Release);
            Some(w)
        }
        _ => None,
    }
}

/// Makes sure the snapshot of stack ranges was taken after the calling thread's stack was
/// mapped (see the module documentation of [`super`]).
fn ensure_stack_known(w: &StackWalker, born: u64) {
    if DONE.load(Ordering::Acquire) > born {
        return;
    }
    // Wait for a refresh under way, bounded: the refresher holds no lock an allocation needs,
    // but it reads a file.
    for _ in 0..10_000 {
        if !REFRESHING.swap(true, Ordering::AcqRel) {
            if DONE.load(Ordering::Acquire) <= born {
                refresh_locked(w);
            }
            REFRESHING.store(false, Ordering::Release);
            return;
        }
        if DONE.load(Ordering::Acquire) > born {
            return;
        }
        std::thread::yield_now();
    }
}

fn refresh(w: &StackWalker) {
    while REFRESHING.swap(true, Ordering::AcqRel) {
        std::thread::yield_now();
    }
    refresh_locked(w);
    REFRESHING.store(false, Ordering::Release);
}

/// Re-reads the maps into the walker. The caller holds `REFRESHING`, so it is the only
/// caller of `StackRanges::update`.
fn refresh_locked(w: &StackWalker) {
    let n = STARTED.fetch_add(1, Ordering::AcqRel) + 1;
    if let Ok(maps) = read_self_maps() {
        w.stacks.update(&maps);
        DONE.store(n, Ordering::Release);
    }
}

/// Whether the unwinder could not be built (the profile says so).
pub(super) fn failed() -> bool {
    STATE.load(Ordering::Relaxed) == FAILED
}
