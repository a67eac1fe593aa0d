//! The set of live sampled objects, keyed by address, with the filter that keeps frees of
//! unsampled objects away from it.
//!
//! # Design
//!
//! The filter is 64 Ki 8-bit counters indexed by address bits 4..20 (allocators align to 16
//! bytes, and neighbouring objects land in neighbouring counters, so the frees of one burst
//! touch few cache lines). A sampled object adds one to its counter before the allocation
//! returns, and takes it back when freed; a counter that reaches 255 stays there (it only
//! costs false positives). At the default rate a process with 1 GiB live holds about 2000
//! sampled objects, so about 3% of frees find a non-zero counter and look the address up.
//!
//! The set is 64 shards, each an open-addressing table (linear probing, backward-shift
//! deletion, grown by doubling at 1/2 load) behind a spin lock. A shard is held for a few
//! probes; growing allocates with the reentrancy flag set, so the allocation is plain and
//! takes no shard. Locking a shard never waits on anything an allocation needs.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use super::buckets::Bucket;

const FILTER_BITS: u32 = 16;
/// Allocators return 16-byte aligned blocks; the bits below say nothing.
const FILTER_SHIFT: u32 = 4;
const SHARDS: usize = 64;

static FILTER: [AtomicU8; 1 << FILTER_BITS] = [const { AtomicU8::new(0) }; 1 << FILTER_BITS];

/// What the set keeps for a sampled object.
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub(super) bucket: &'static Bucket,
    pub(super) size: u64,
}

impl Entry {
    /// Records the object's free in its bucket.
    pub(super) fn freed(self) {
        self.bucket.free(self.size);
    }
}

fn filter_slot(p: *mut u8) -> &'static AtomicU8 {
    let i = (p as usize >> FILTER_SHIFT) & ((1 << FILTER_BITS) - 1);
    &FILTER[i]
}

/// Whether `p` may be a sampled object: false for almost every unsampled one.
#[inline(always)]
pub(super) fn maybe_sampled(p: *mut u8) -> bool {
    // Relaxed: the object's allocation (which raised the counter) happens-before its free
    // through whatever handed the pointer to the freeing thread.
    filter_slot(p).load(Ordering::Relaxed) != 0
}

#[derive(Clone, Copy)]
struct Slot {
    /// 0 for an empty slot.
    addr: usize,
    entry: Option<Entry>,
}

const EMPTY: Slot = Slot {
    addr: 0,
    entry: None,
};

struct Shard {
    lock: AtomicBool,
    table: UnsafeCell<Table>,
}

struct Table {
    slots: Vec<Slot>,
    len: usize,
}

// SAFETY: `table` is only accessed by the thread that holds `lock` (see `Shard::with`).
unsafe impl Sync for Shard {}

static SET: [Shard; SHARDS] = [const {
    Shard {
        lock: AtomicBool::new(false),
        table: UnsafeCell::new(Table {
            slots: Vec::new(),
            len: 0,
        }),
    }
}; SHARDS];

fn hash(addr: usize) -> usize {
    ((addr as u64 >> FILTER_SHIFT).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16) as usize
}

impl Shard {
    fn with<R>(&self, f: impl FnOnce(&mut Table) -> R) -> R {
        let mut spins = 0u32;
        while self
            .lock
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                // The holder may have been preempted; let it run.
                std::thread::yield_now();
            }
        }
        // SAFETY: the lock is ours until the store below.
        let r = f(unsafe { &mut *self.table.get() });
        self.lock.store(false, Ordering::Release);
        r
    }
}

fn shard(addr: usize) -> &'static Shard {
    &SET[hash(addr) % SHARDS]
}

/// Adds a sampled object. Called with the reentrancy flag set (growing allocates).
pub(super) fn insert(p: *mut u8, e: Entry) {
    let addr = p as usize;
    shard(addr).with(|t| t.insert(addr, e));
    let f = filter_slot(p);
    // Saturating add: a full counter stays full.
    let _ = f.fetch_update(Ordering::Release, Ordering::Relaxed, |c| {
        (c < u8::MAX).then_some(c + 1)
    });
}

/// Removes `p` if it is a sampled object.
pub(super) fn remove(p: *mut u8) -> Option<Entry> {
    let addr = p as usize;
    let e = shard(addr).with(|t| t.remove(addr))?;
    let _ = filter_slot(p).fetch_update(Ordering::Release, Ordering::Relaxed, |c| {
        (c < u8::MAX && c > 0).then(|| c - 1)
    });
    Some(e)
}

impl Table {
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn insert(&mut self, addr: usize, e: Entry) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mut i = (hash(addr) / SHARDS) & self.mask();
        loop {
            let s = &mut self.slots[i];
            if s.addr == 0 || s.addr == addr {
                if s.addr == 0 {
                    self.len += 1;
                }
                *s = Slot {
                    addr,
                    entry: Some(e),
                };
                return;
            }
            i = (i + 1) & self.mask();
        }
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(256);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; n]);
        self.len = 0;
        for s in old.into_iter().filter(|s| s.addr != 0) {
            if let Some(e) = s.entry {
                self.insert(s.addr, e);
            }
        }
    }

    fn remove(&mut self, addr: usize) -> Option<Entry> {
        if self.len == 0 {
            return None;
        }
        let mask = self.mask();
        let mut i = (hash(addr) / SHARDS) & mask;
        loop {
            match self.slots[i].addr {
                0 => return None,
                a if a == addr => break,
                _ => i = (i + 1) & mask,
            }
        }
        let e = self.slots[i].entry;
        self.len -= 1;
        // Backward-shift deletion: move later members of the probe run into the hole so no
        // lookup stops early at it.
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let s = self.slots[j];
            if s.addr == 0 {
                break;
            }
            let home = (hash(s.addr) / SHARDS) & mask;
            // Move `s` if its home is not within (hole, j] cyclically.
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = s;
                hole = j;
            }
        }
        self.slots[hole] = EMPTY;
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_finds_what_it_holds_after_many_removals() {
        let b: &'static Bucket = Box::leak(Box::new(Bucket::new_for_test()));
        let mut t = Table {
            slots: Vec::new(),
            len: 0,
        };
        let n = 10_000usize;
        for k in 1..=n {
            t.insert(
                k * 16,
                Entry {
                    bucket: b,
                    size: k as u64,
                },
            );
        }
        for k in (1..=n).filter(|k| k % 3 == 0) {
            assert_eq!(t.remove(k * 16).map(|e| e.size), Some(k as u64));
        }
        for k in 1..=n {
            let got = t.remove(k * 16).map(|e| e.size);
            if k % 3 == 0 {
                assert_eq!(got, None, "{k} was removed");
            } else {
                assert_eq!(got, Some(k as u64), "{k} is still held");
            }
        }
        assert_eq!(t.len, 0);
    }
}
