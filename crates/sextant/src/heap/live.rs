//! The set of live sampled objects, keyed by address, with the filter that keeps frees of
//! unsampled objects away from it.
//!
//! # Design
//!
//! The filter is a bitmap of 64 Ki bits (8 KiB, so it stays in the first-level cache)
//! indexed by address bits 4..20 (allocators align to 16 bytes, and neighbouring objects land
//! in neighbouring bits, so the frees of one burst touch few cache lines). A bit is set while
//! its slot holds at least one live sampled object; the count per slot lives in the shard
//! that owns the slot (slot modulo 64), so a count and its bit change together under that
//! shard's lock. A free loads one word and tests one bit. At the default rate a process with
//! 1 GiB live holds about 2000 sampled objects, so about 3% of frees find a set bit and look
//! the address up. (A first version kept 8-bit counters, 64 KiB: its cache misses
//! dominated the cost of a free in benches/heap-overhead.)
//!
//! The set is 64 shards, each an open-addressing table (linear probing, backward-shift
//! deletion, grown by doubling at 1/2 load) behind a spin lock. A shard is held for a few
//! probes; growing allocates with the reentrancy flag set, so the allocation is plain and
//! takes no shard. Locking a shard never waits on anything an allocation needs.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::buckets::Bucket;

const FILTER_BITS: u32 = 16;
/// Allocators return 16-byte aligned blocks; the bits below say nothing.
const FILTER_SHIFT: u32 = 4;
const SHARDS: usize = 64;

const SLOTS: usize = 1 << FILTER_BITS;
/// Slots (and their counts) per shard.
const SLOTS_PER_SHARD: usize = SLOTS / SHARDS;

static FILTER: [AtomicU64; SLOTS / 64] = [const { AtomicU64::new(0) }; SLOTS / 64];

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

fn slot(addr: usize) -> usize {
    (addr >> FILTER_SHIFT) & (SLOTS - 1)
}

/// Whether `p` may be a sampled object: false for almost every unsampled one.
#[inline(always)]
pub(super) fn maybe_sampled(p: *mut u8) -> bool {
    let s = slot(p as usize);
    // Relaxed: the object's allocation (which set the bit) happens-before its free through
    // whatever handed the pointer to the freeing thread.
    FILTER[s / 64].load(Ordering::Relaxed) & (1 << (s % 64)) != 0
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
    /// Live sampled objects per filter slot owned by this shard.
    counts: [u32; SLOTS_PER_SHARD],
}

// SAFETY: `table` is only accessed by the thread that holds `lock` (see `Shard::with`).
unsafe impl Sync for Shard {}

static SET: [Shard; SHARDS] = [const {
    Shard {
        lock: AtomicBool::new(false),
        table: UnsafeCell::new(Table {
            slots: Vec::new(),
            len: 0,
            counts: [0; SLOTS_PER_SHARD],
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

/// The shard owning `addr`'s filter slot; neighbouring slots go to different shards, so
/// threads sampling nearby memory at rate 1 rarely meet.
fn shard(addr: usize) -> &'static Shard {
    &SET[slot(addr) % SHARDS]
}

/// Adds a sampled object. Called with the reentrancy flag set (growing allocates).
pub(super) fn insert(p: *mut u8, e: Entry) {
    let addr = p as usize;
    let s = slot(addr);
    shard(addr).with(|t| {
        if t.insert(addr, e) {
            let c = &mut t.counts[s / SHARDS];
            *c += 1;
            if *c == 1 {
                FILTER[s / 64].fetch_or(1 << (s % 64), Ordering::Release);
            }
        }
    });
}

/// Removes `p` if it is a sampled object.
pub(super) fn remove(p: *mut u8) -> Option<Entry> {
    let addr = p as usize;
    let s = slot(addr);
    shard(addr).with(|t| {
        let e = t.remove(addr)?;
        let c = &mut t.counts[s / SHARDS];
        *c -= 1;
        if *c == 0 {
            FILTER[s / 64].fetch_and(!(1 << (s % 64)), Ordering::Release);
        }
        Some(e)
    })
}

impl Table {
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Adds or replaces the entry of `addr`; true if it was not there.
    fn insert(&mut self, addr: usize, e: Entry) -> bool {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mut i = (hash(addr) / SHARDS) & self.mask();
        loop {
            let s = &mut self.slots[i];
            if s.addr == 0 || s.addr == addr {
                let new = s.addr == 0;
                if new {
                    self.len += 1;
                }
                *s = Slot {
                    addr,
                    entry: Some(e),
                };
                return new;
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
            counts: [0; SLOTS_PER_SHARD],
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
