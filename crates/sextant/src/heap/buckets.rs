//! One bucket per distinct allocation stack, with its sampled counts (Go's `mProf` buckets).
//!
//! A lock-free hash table of chains: a sampler looks its stack up by walking a chain, and a
//! new bucket is pushed on the chain's head with a compare-exchange (a sampler that loses the
//! race looks again, so one stack never gets two buckets). Buckets are never freed, as in
//! Go; they are also linked on one list of all buckets for the writer.

use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

/// Chains in the table: 4096 heads (32 KiB), so chains stay short up to tens of thousands of
/// distinct stacks.
const HEADS: usize = 1 << 12;

static TABLE: [AtomicPtr<Bucket>; HEADS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; HEADS];
static ALL: AtomicPtr<Bucket> = AtomicPtr::new(std::ptr::null_mut());
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// The sampled allocations of one stack.
#[derive(Debug)]
pub(super) struct Bucket {
    /// Leaf first, as the unwinder returns them; empty when no stack could be taken.
    pub(super) pcs: Box<[u64]>,
    /// [`crate::stackwalk::TRUNCATED`], [`crate::stackwalk::UNWIND_FAILED`], [`NO_STACK`].
    pub(super) flags: u32,
    hash: u64,
    allocs: AtomicU64,
    alloc_bytes: AtomicU64,
    frees: AtomicU64,
    free_bytes: AtomicU64,
    chain: AtomicPtr<Bucket>,
    all: AtomicPtr<Bucket>,
}

/// The sample was taken while the unwinder was not ready.
pub(super) const NO_STACK: u32 = 4;

/// A bucket's counts at one moment: allocated and freed objects and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) allocs: u64,
    pub(super) alloc_bytes: u64,
    pub(super) frees: u64,
    pub(super) free_bytes: u64,
}

impl Counts {
    pub(super) fn inuse(&self) -> u64 {
        self.allocs.saturating_sub(self.frees)
    }

    pub(super) fn inuse_bytes(&self) -> u64 {
        self.alloc_bytes.saturating_sub(self.free_bytes)
    }
}

impl Bucket {
    fn new(pcs: &[u64], flags: u32, hash: u64) -> Bucket {
        Bucket {
            pcs: pcs.into(),
            flags,
            hash,
            allocs: AtomicU64::new(0),
            alloc_bytes: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            free_bytes: AtomicU64::new(0),
            chain: AtomicPtr::new(std::ptr::null_mut()),
            all: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    #[cfg(test)]
    pub(super) fn new_for_test() -> Bucket {
        Bucket::new(&[], 0, 0)
    }

    pub(super) fn alloc(&self, size: u64) {
        self.allocs.fetch_add(1, Ordering::Relaxed);
        self.alloc_bytes.fetch_add(size, Ordering::Relaxed);
    }

    pub(super) fn free(&self, size: u64) {
        self.frees.fetch_add(1, Ordering::Relaxed);
        self.free_bytes.fetch_add(size, Ordering::Relaxed);
    }

    /// The counts now. Frees are read first, so a free racing with the read is never seen
    /// without its allocation.
    pub(super) fn counts(&self) -> Counts {
        let frees = self.frees.load(Ordering::Acquire);
        let free_bytes = self.free_bytes.load(Ordering::Acquire);
        Counts {
            allocs: self.allocs.load(Ordering::Acquire),
            alloc_bytes: self.alloc_bytes.load(Ordering::Acquire),
            frees,
            free_bytes,
        }
    }
}

fn hash_stack(pcs: &[u64], flags: u32) -> u64 {
    // FNV-1a over the words: cheap, and good enough to spread return addresses.
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ u64::from(flags);
    for &pc in pcs {
        h ^= pc;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^ (h >> 29)
}

/// The bucket of this stack, created on first use. Called with the reentrancy flag set
/// (creating allocates).
pub(super) fn find_or_insert(pcs: &[u64], flags: u32) -> &'static Bucket {
    let hash = hash_stack(pcs, flags);
    let head = &TABLE[hash as usize % HEADS];
    let mut new: Option<Box<Bucket>> = None;
    loop {
        let first = head.load(Ordering::Acquire);
        if let Some(b) = find(first, pcs, flags, hash) {
            // A bucket we built and lost the race with is simply dropped.
            return b;
        }
        let b = new.get_or_insert_with(|| Box::new(Bucket::new(pcs, flags, hash)));
        b.chain.store(first, Ordering::Relaxed);
        let ptr: *mut Bucket = &mut **b;
        if head
            .compare_exchange(first, ptr, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let b: &'static Bucket = Box::leak(new.take().expect("built above"));
            push_all(b);
            return b;
        }
    }
}

fn find(mut p: *mut Bucket, pcs: &[u64], flags: u32, hash: u64) -> Option<&'static Bucket> {
    while !p.is_null() {
        // SAFETY: buckets are published by a release compare-exchange after being fully
        // built and are never freed.
        let b: &'static Bucket = unsafe { &*p };
        if b.hash == hash && b.flags == flags && *b.pcs == *pcs {
            return Some(b);
        }
        p = b.chain.load(Ordering::Acquire);
    }
    None
}

fn push_all(b: &'static Bucket) {
    let ptr = b as *const Bucket as *mut Bucket;
    let mut first = ALL.load(Ordering::Acquire);
    loop {
        b.all.store(first, Ordering::Relaxed);
        match ALL.compare_exchange(first, ptr, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => break,
            Err(now) => first = now,
        }
    }
    COUNT.fetch_add(1, Ordering::Relaxed);
}

/// The number of buckets (Go's `Profile.Count` for heap: its records).
pub(super) fn count() -> usize {
    COUNT.load(Ordering::Relaxed)
}

/// Every bucket now, newest first.
pub(super) fn all() -> impl Iterator<Item = &'static Bucket> {
    let mut p = ALL.load(Ordering::Acquire);
    std::iter::from_fn(move || {
        if p.is_null() {
            return None;
        }
        // SAFETY: as in `find`: published fully built, never freed.
        let b: &'static Bucket = unsafe { &*p };
        p = b.all.load(Ordering::Acquire);
        Some(b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stack_gets_one_bucket_across_threads() {
        let pcs = [0xdead_0001u64, 0xdead_0002, 0xdead_0003];
        let got: Vec<usize> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| find_or_insert(&pcs, 0) as *const Bucket as usize))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(got.windows(2).all(|w| w[0] == w[1]), "{got:?}");
        let other = find_or_insert(&pcs[..2], 0) as *const Bucket as usize;
        assert_ne!(other, got[0]);
        assert_eq!(all().filter(|b| *b.pcs == pcs).count(), 1);
    }
}
