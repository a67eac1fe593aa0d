//! The lookup structures of a merge: a fast hasher, tables of source entries by id, and the
//! index of merged samples by key.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::model::{LocationId, Sample};

/// A multiply-rotate hasher (the Fx hash rustc uses) for the merge's maps. Their keys are ids
/// and short strings from one profile, and each is hashed once per sample or entity; SipHash's
/// resistance to chosen keys is not worth its cost here.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FastHasher(u64);

/// Builds [`FastHasher`]s.
pub(super) type FastHash = BuildHasherDefault<FastHasher>;

/// Fx's multiplier: odd, with bits spread so that a multiplication mixes well.
const K: u64 = 0x517c_c1b7_2722_0a95;

impl FastHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("eight bytes")));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 59);
    }

    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hasher for keys that are already hashes: passes them through.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct PassHasher(u64);

impl Hasher for PassHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("PassHasher only hashes u64 keys");
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Positions of a table's entries by id: a vector indexed by id when ids are small (every
/// writer numbers them 1..n), a hash map for the others.
pub(super) struct IdIndex {
    dense: Vec<usize>,
    sparse: HashMap<u64, usize, FastHash>,
}

impl IdIndex {
    const NONE: usize = usize::MAX;

    pub(super) fn new(ids: impl ExactSizeIterator<Item = u64>) -> Self {
        // Ids below twice the table's length go in the vector; larger ones are rare.
        let mut dense = vec![Self::NONE; ids.len() * 2 + 1];
        let mut sparse = HashMap::default();
        for (pos, id) in ids.enumerate() {
            match usize::try_from(id).ok().and_then(|i| dense.get_mut(i)) {
                Some(slot) => *slot = pos,
                None => {
                    sparse.insert(id, pos);
                }
            }
        }
        IdIndex { dense, sparse }
    }

    pub(super) fn get(&self, id: u64) -> Option<usize> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&pos) => (pos != Self::NONE).then_some(pos),
            None => self.sparse.get(&id).copied(),
        }
    }
}

/// The merged samples by key (label set id, location ids), without storing keys: a hash of the
/// key leads to a chain of candidate samples, each compared with the key through the sample's
/// own locations and its recorded label set. Nothing is allocated per lookup, and only the
/// sample itself per new sample.
#[derive(Default)]
pub(super) struct SampleIndex {
    heads: HashMap<u64, usize, BuildHasherDefault<PassHasher>>,
    /// The next sample with the same hash, or `NONE`.
    next: Vec<usize>,
    /// Each merged sample's label set id.
    label_sets: Vec<u64>,
}

impl SampleIndex {
    const NONE: usize = usize::MAX;

    pub(super) fn with_capacity(n: usize) -> Self {
        SampleIndex {
            heads: HashMap::with_capacity_and_hasher(n, Default::default()),
            next: Vec::with_capacity(n),
            label_sets: Vec::with_capacity(n),
        }
    }

    fn hash(label_set: u64, locations: &[LocationId]) -> u64 {
        let mut h = FastHasher(label_set);
        for l in locations {
            h.add(l.0);
        }
        // Fx leaves the low bits weakest; the map picks buckets by them. Fold the high in.
        let x = h.0 ^ (h.0 >> 29);
        x.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32)
    }

    /// The position in `samples` of the sample with this key, if any.
    pub(super) fn find(
        &self,
        samples: &[Sample],
        label_set: u64,
        locations: &[LocationId],
    ) -> Option<usize> {
        let mut at = *self.heads.get(&Self::hash(label_set, locations))?;
        while at != Self::NONE {
            if self.label_sets[at] == label_set && samples[at].location == locations {
                return Some(at);
            }
            at = self.next[at];
        }
        None
    }

    /// Records that the sample at position `at` (the next one) has this key.
    pub(super) fn insert(&mut self, at: usize, label_set: u64, locations: &[LocationId]) {
        debug_assert_eq!(at, self.next.len());
        let head = self
            .heads
            .entry(Self::hash(label_set, locations))
            .or_insert(Self::NONE);
        self.next.push(*head);
        *head = at;
        self.label_sets.push(label_set);
    }
}
