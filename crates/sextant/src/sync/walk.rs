//! The stacks of waiters and unlockers: one [`StackWalker`] for the process, built on the
//! first recorded event.
//!
//! Events are recorded outside signal handlers, on the thread that waited or unlocked, so
//! the walker may allocate around the unwind (never inside it). Its stack ranges are a
//! snapshot of `/proc/self/maps`; a thread created after the snapshot has a stack it does not
//! know, so when the current stack pointer is in no known range the snapshot is refreshed
//! (one thread at a time) before unwinding.

use std::sync::{Mutex, OnceLock};

use sextant_symbolize::{loaded_modules, read_self_maps};

use crate::stackwalk::{MAX_DEPTH, Regs, StackWalker, TRUNCATED, UNWIND_FAILED};

/// Unwinder caches: a thread recording an event takes one for the length of an unwind.
/// Threads that find all taken yield and retry (see [`stack`]), so this bounds memory, not
/// correctness; 16 covers the threads of a busy 8-core machine unwinding at once.
const CACHES: usize = 16;

/// How often an unwind that found every cache taken is retried before the stack is given up.
const CACHE_RETRIES: usize = 64;

struct Walker {
    walker: StackWalker,
    /// Serializes refreshes of `walker.stacks`, which allows one writer at a time.
    refresh: Mutex<()>,
}

static WALKER: OnceLock<Option<Walker>> = OnceLock::new();

fn walker() -> Option<&'static Walker> {
    WALKER
        .get_or_init(|| {
            let modules = loaded_modules().ok()?;
            let walker = StackWalker::new(&modules, CACHES);
            walker.stacks.update(&read_self_maps().ok()?);
            Some(Walker {
                walker,
                refresh: Mutex::new(()),
            })
        })
        .as_ref()
}

/// A recorded stack: lookup addresses (return addresses moved into their call), leaf first.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) struct Stack {
    pub(crate) pcs: Box<[u64]>,
    /// The stack had more than [`MAX_DEPTH`] frames; its root is cut.
    pub(crate) truncated: bool,
    /// The unwinder stopped before the stack's root (only the frames found are kept).
    pub(crate) failed: bool,
}

/// The stack of the caller of the function `regs` were captured in (that function's own
/// frame is dropped, as Go's `skip` drops the profiler's frames).
pub(crate) fn stack(regs: Regs) -> Stack {
    let Some(w) = walker() else {
        return Stack {
            pcs: Box::new([regs.pc]),
            truncated: false,
            failed: true,
        };
    };
    if w.walker.stacks.readable_end(regs.sp).is_none() {
        let _g = w.refresh.lock().unwrap_or_else(|e| e.into_inner());
        if w.walker.stacks.readable_end(regs.sp).is_none() {
            if let Ok(maps) = read_self_maps() {
                w.walker.stacks.update(&maps);
            }
        }
    }
    let mut out = [0u64; MAX_DEPTH];
    let mut result = w.walker.unwind(regs, &mut out);
    // A one-frame failure with a readable stack means every cache was taken.
    for _ in 0..CACHE_RETRIES {
        if result != (1, UNWIND_FAILED) || w.walker.stacks.readable_end(regs.sp).is_none() {
            break;
        }
        std::thread::yield_now();
        result = w.walker.unwind(regs, &mut out);
    }
    let (depth, flags) = result;
    let depth = depth as usize;
    // Drop the recording function's frame unless it is all there is.
    let pcs = if depth > 1 {
        &out[1..depth]
    } else {
        &out[..depth]
    };
    Stack {
        pcs: pcs.into(),
        truncated: flags & TRUNCATED != 0,
        failed: flags & UNWIND_FAILED != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn capture_here() -> Stack {
        let regs = Regs::capture();
        stack(regs)
    }

    #[inline(never)]
    fn named_caller() -> Stack {
        std::hint::black_box(capture_here())
    }

    #[test]
    fn a_stack_starts_at_the_caller_of_the_capturing_function() {
        let s = named_caller();
        assert!(!s.failed, "{s:?}");
        assert!(s.pcs.len() >= 3, "{s:?}");
        let f = named_caller as *const () as u64;
        // The first frame is in named_caller (a few hundred bytes at most from its entry).
        assert!(
            s.pcs[0] > f && s.pcs[0] < f + 512,
            "{:#x} vs {f:#x}",
            s.pcs[0]
        );
    }

    #[test]
    fn a_new_threads_stack_is_found_after_a_refresh() {
        walker();
        let s = std::thread::spawn(named_caller).join().unwrap();
        assert!(!s.failed, "{s:?}");
        assert!(s.pcs.len() >= 3, "{s:?}");
    }
}
