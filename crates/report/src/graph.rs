//! The call graph of a profile (pprof's `graph.New`): node and edge weights aggregated from the
//! samples, with cum counted once per sample per node and each edge once per sample.
//!
//! Node values live in arrays indexed by node id ([`NodeTable`]); a graph rebuild (pprof rebuilds
//! after each trimming step, for precision) is one more pass over the samples, with no strings.

use std::cmp::Ordering;

use sextant_profile::Sample;

use crate::nodelets::{NodeTags, SampleTags, TagsBuilder};
use crate::nodes::NodeTable;

/// Which value of a sample a report shows, and whether it is averaged per event (`-mean`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleValue {
    /// Index into the profile's sample types.
    pub index: usize,
    /// Divide by the first value (the event count), as `-mean` does.
    pub mean: bool,
}

impl SampleValue {
    /// The sample's value and its mean divisor (0 without `-mean`).
    pub(crate) fn of(&self, s: &Sample) -> (i64, i64) {
        let v = s.value.get(self.index).copied().unwrap_or(0);
        let d = if self.mean {
            s.value.first().copied().unwrap_or(0)
        } else {
            0
        };
        (v, d)
    }
}

/// A directed edge between two nodes.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub(crate) src: u32,
    pub(crate) dst: u32,
    pub(crate) weight: i64,
    pub(crate) weight_div: i64,
    /// Passes over nodes that were dropped.
    pub(crate) residual: bool,
    /// Every contribution was a call inlined into the caller.
    pub(crate) inline: bool,
    /// Trimmed away.
    pub(crate) removed: bool,
}

/// Edge lists per node, all in one array (`adj[node]` is the node's list): a graph of a
/// call tree has millions of nodes, too many for a `Vec` each.
#[derive(Debug)]
pub(crate) struct Adjacency {
    /// Node `n`'s edges are `edges[start[n]..start[n + 1]]`.
    start: Vec<u32>,
    edges: Vec<u32>,
}

impl Adjacency {
    /// The lists of `n` nodes from (node, edge) pairs, each list in the pairs' order.
    fn new(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Adjacency {
        let mut start = vec![0u32; n + 1];
        for (node, _) in pairs.clone() {
            start[node as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut edges = vec![0u32; start[n] as usize];
        for (node, e) in pairs {
            edges[next[node as usize] as usize] = e;
            next[node as usize] += 1;
        }
        Adjacency { start, edges }
    }
}

impl std::ops::Index<usize> for Adjacency {
    type Output = [u32];

    fn index(&self, node: usize) -> &[u32] {
        &self.edges[self.start[node] as usize..self.start[node + 1] as usize]
    }
}

/// A map from pairs of `u32` (packed in a `u64`) to small values: open addressing with each
/// value stored in its key's slot, so that an update is one cache line.
///
/// Graph builds update an edge per frame and a tag per node and sample (tens of millions on
/// large profiles) while the distinct keys number in the thousands; a general-purpose map with
/// SipHash and the value kept elsewhere cost most of the report's time.
#[derive(Debug)]
pub(crate) struct PairTable<V> {
    slots: Vec<(u64, V)>,
    len: usize,
    shift: u32,
}

/// The key of no pair: node ids and label ids stay below `u32::MAX`.
const EMPTY: u64 = u64::MAX;

impl<V: Copy + Default> PairTable<V> {
    pub(crate) fn new() -> PairTable<V> {
        // 256 slots: small profiles never grow it.
        PairTable {
            slots: vec![(EMPTY, V::default()); 256],
            len: 0,
            shift: 64 - 8,
        }
    }

    /// The value of `(a, b)`, and whether it was just created (as `V::default()`).
    #[inline]
    pub(crate) fn entry(&mut self, a: u32, b: u32) -> (&mut V, bool) {
        // At most 3/4 full: linear probes stay short, and the table small enough for the
        // caches (its misses are most of a graph build's time).
        if 4 * (self.len + 1) > 3 * self.slots.len() {
            self.grow();
        }
        let key = (u64::from(a) << 32) | u64::from(b);
        let mask = self.slots.len() - 1;
        // Fibonacci hashing: the top bits of key * 2^64/phi spread consecutive ids apart.
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        loop {
            let k = self.slots[i].0;
            if k == key {
                return (&mut self.slots[i].1, false);
            }
            if k == EMPTY {
                self.len += 1;
                self.slots[i] = (key, V::default());
                return (&mut self.slots[i].1, true);
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bigger = vec![(EMPTY, V::default()); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        self.shift -= 1;
        self.len = 0;
        for (key, v) in old.into_iter().filter(|s| s.0 != EMPTY) {
            *self.entry((key >> 32) as u32, key as u32).0 = v;
        }
    }

    /// The pairs and their values, sorted by pair.
    pub(crate) fn into_sorted(self) -> Vec<(u32, u32, V)> {
        let mut all: Vec<(u32, u32, V)> = self
            .slots
            .into_iter()
            .filter(|s| s.0 != EMPTY)
            .map(|(key, v)| ((key >> 32) as u32, key as u32, v))
            .collect();
        all.sort_unstable_by_key(|&(a, b, _)| (a, b));
        all
    }
}

/// An edge's running weights during a build.
#[derive(Debug, Clone, Copy, Default)]
struct EdgeSums {
    weight: i64,
    weight_div: i64,
    /// The last sample that added to the edge (each sample counts once).
    stamp: u32,
    residual: bool,
    inline: bool,
}

/// A call graph: the selected nodes in report order, values for every node id, and edges.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    /// The nodes in the graph, in report order once sorted.
    pub(crate) nodes: Vec<u32>,
    pub(crate) flat: Vec<i64>,
    pub(crate) flat_div: Vec<i64>,
    pub(crate) cum: Vec<i64>,
    pub(crate) cum_div: Vec<i64>,
    pub(crate) edges: Vec<Edge>,
    /// Label tags per node, when the build was asked for them (DOT output).
    pub(crate) tags: NodeTags,
}

/// What a graph build keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BuildOptions<'a> {
    pub(crate) value: SampleValue,
    pub(crate) drop_negative: bool,
    /// Only these node ids (pprof's `KeptNodes`); `None` keeps all.
    pub(crate) kept: Option<&'a [bool]>,
    /// Accumulate these sample tags on the nodes (only the DOT graph draws them).
    pub(crate) tags: Option<&'a SampleTags>,
}

impl Graph {
    /// Aggregates `samples` over the nodes of `table` (pprof's `newGraph`).
    pub(crate) fn build(table: &NodeTable, samples: &[Sample], o: BuildOptions<'_>) -> Graph {
        let mut g = Graph::empty(table.len());
        g.walk::<true, true>(table, samples, o);
        g.select_nodes(o.drop_negative);
        g
    }

    /// The node values of [`Graph::build`] without edges or tags: what trimming decides on.
    /// [`Graph::link`] adds the rest.
    pub(crate) fn build_values(
        table: &NodeTable,
        samples: &[Sample],
        o: BuildOptions<'_>,
    ) -> Graph {
        let mut g = Graph::empty(table.len());
        g.walk::<true, false>(table, samples, BuildOptions { tags: None, ..o });
        g.select_nodes(o.drop_negative);
        g
    }

    /// Makes this graph what [`Graph::build`] makes with `o` (pprof's rebuild with
    /// `KeptNodes`): keeps the `o.kept` nodes and recomputes the edges and tags over them.
    ///
    /// A node's flat and cum count the samples through it whichever other nodes are kept, so
    /// only edges (which pass over dropped nodes) and tags need another pass over the samples;
    /// `o.kept` must keep only nodes whose values this graph holds.
    pub(crate) fn link(&mut self, table: &NodeTable, samples: &[Sample], o: BuildOptions<'_>) {
        if let Some(kept) = o.kept {
            for (i, &k) in kept.iter().enumerate() {
                if !k {
                    self.flat[i] = 0;
                    self.flat_div[i] = 0;
                    self.cum[i] = 0;
                    self.cum_div[i] = 0;
                }
            }
            self.nodes.retain(|&n| kept[n as usize]);
        }
        self.nodes.sort_unstable();
        self.edges.clear();
        self.tags = NodeTags::default();
        self.walk::<false, true>(table, samples, o);
    }

    fn empty(n: usize) -> Graph {
        Graph {
            nodes: Vec::new(),
            flat: vec![0; n],
            flat_div: vec![0; n],
            cum: vec![0; n],
            cum_div: vec![0; n],
            edges: Vec::new(),
            tags: NodeTags::default(),
        }
    }

    /// The nodes with a value, less negative ones under `drop_negative` (pprof's
    /// `selectNodesForGraph`), in id order.
    fn select_nodes(&mut self, drop_negative: bool) {
        self.nodes = (0..self.flat.len() as u32)
            .filter(|&i| {
                let (f, c) = (self.flat[i as usize], self.cum[i as usize]);
                !(f == 0 && c == 0) && !(drop_negative && (f < 0 || (f == 0 && c < 0)))
            })
            .collect();
    }

    /// One pass over the samples: node values when `VALUES`, edges and tags when `LINKS`.
    /// Node values count each sample once per node, edges once per sample per edge.
    fn walk<const VALUES: bool, const LINKS: bool>(
        &mut self,
        table: &NodeTable,
        samples: &[Sample],
        o: BuildOptions<'_>,
    ) {
        let n = table.len();
        let mut edges: PairTable<EdgeSums> = PairTable::new();
        let sample_tags = if LINKS { o.tags } else { None };
        let mut tags = TagsBuilder::new(n, sample_tags);
        let mut seen = vec![0u32; n];
        let mut stamp = 0u32;
        const NONE: u32 = u32::MAX;
        for (si, s) in samples.iter().enumerate() {
            let (w, dw) = o.value.of(s);
            if w == 0 && dw == 0 {
                continue;
            }
            stamp += 1;
            let st = sample_tags.map(|t| (t, t.of(si)));
            let mut parent = NONE;
            let mut residual = false;
            for &loc in s.location.iter().rev() {
                let loc_nodes = table.location(loc);
                for (ni, &node) in loc_nodes.iter().enumerate().rev() {
                    if o.kept.is_some_and(|k| !k[node as usize]) {
                        residual = true;
                        continue;
                    }
                    let i = node as usize;
                    if seen[i] != stamp {
                        seen[i] = stamp;
                        if VALUES {
                            self.cum[i] += w;
                            self.cum_div[i] += dw;
                        }
                        if let Some((t, (label, nums))) = st {
                            tags.add(t, label, nums, node, w, dw, false);
                        }
                    }
                    if LINKS && parent != NONE && node != parent {
                        let inline = ni != loc_nodes.len() - 1;
                        let (e, new) = edges.entry(parent, node);
                        if new {
                            e.residual = residual;
                            e.inline = inline;
                        }
                        if e.stamp != stamp {
                            e.stamp = stamp;
                            e.weight += w;
                            e.weight_div += dw;
                            e.residual |= residual;
                            e.inline &= inline;
                        }
                    }
                    parent = node;
                    residual = false;
                }
            }
            if parent != NONE && !residual {
                if VALUES {
                    self.flat[parent as usize] += w;
                    self.flat_div[parent as usize] += dw;
                }
                if let Some((t, (label, nums))) = st {
                    tags.add(t, label, nums, parent, w, dw, true);
                }
            }
        }
        if LINKS {
            self.edges = edges
                .into_sorted()
                .into_iter()
                .map(|(src, dst, e)| Edge {
                    src,
                    dst,
                    weight: e.weight,
                    weight_div: e.weight_div,
                    residual: e.residual,
                    inline: e.inline,
                    removed: false,
                })
                .collect();
            self.tags = tags.finish();
        }
    }

    /// The node's flat value, divided by its event count under `-mean`.
    pub(crate) fn flat_value(&self, n: u32) -> i64 {
        let (v, d) = (self.flat[n as usize], self.flat_div[n as usize]);
        if d == 0 { v } else { v / d }
    }

    /// The node's cumulative value, divided by its event count under `-mean`.
    pub(crate) fn cum_value(&self, n: u32) -> i64 {
        let (v, d) = (self.cum[n as usize], self.cum_div[n as usize]);
        if d == 0 { v } else { v / d }
    }

    /// The sum of flat values of the graph's nodes (pprof's `Nodes.Sum`).
    pub(crate) fn flat_sum(&self) -> i64 {
        self.nodes.iter().map(|&n| self.flat[n as usize]).sum()
    }

    /// Orders the nodes as text reports do: by |flat| (or |cum| with `-cum`), then name.
    pub(crate) fn sort(&mut self, table: &NodeTable, cum: bool) {
        let (flat, cumv) = (&self.flat, &self.cum);
        sort_by_keys(&mut self.nodes, table, |n| {
            let (f, c) = (
                flat[n as usize].wrapping_abs(),
                cumv[n as usize].wrapping_abs(),
            );
            if cum { (c, f) } else { (f, c) }
        });
    }

    /// Orders the nodes as the DOT graph does (pprof's `EntropyOrder`): nodes whose edges carry
    /// more information first, then by name and |flat|.
    pub(crate) fn sort_entropy(&mut self, table: &NodeTable) {
        let (ins, outs) = self.adjacency(table);
        let score: Vec<i64> = (0..self.flat.len())
            .map(|n| {
                let (flat, cum) = (self.flat[n], self.cum[n]);
                let mut score = 0.0;
                score += match ins[n].is_empty() {
                    true => 1.0, // entry nodes
                    false => self.edge_entropy(&ins[n], 0),
                };
                score += match outs[n].is_empty() {
                    true => 1.0, // leaves
                    false => self.edge_entropy(&outs[n], flat),
                };
                ((score * cum as f64) as i64).wrapping_add(flat)
            })
            .collect();
        let flat = &self.flat;
        sort_by_keys(&mut self.nodes, table, |n| {
            (
                score[n as usize].wrapping_abs(),
                flat[n as usize].wrapping_abs(),
            )
        });
    }

    /// pprof's `edgeEntropyScore`: the entropy of the weights of `edges` and `own` weight.
    fn edge_entropy(&self, edges: &[u32], own: i64) -> f64 {
        let mut total = own;
        for &e in edges {
            let w = self.edges[e as usize].weight;
            if w > 0 {
                total += w.abs();
            }
        }
        let mut score = 0.0;
        if total != 0 {
            for &e in edges {
                let frac = self.edges[e as usize].weight.abs() as f64 / total as f64;
                score += -frac * go_log2(frac);
            }
            if own > 0 {
                let frac = own.abs() as f64 / total as f64;
                score += -frac * go_log2(frac);
            }
        }
        score
    }

    /// Removes residual edges whose destination the source reaches another way (pprof's
    /// `RemoveRedundantEdges`), lightest first, never past a non-residual edge.
    pub(crate) fn remove_redundant_edges(&mut self, table: &NodeTable) {
        let (ins, _) = self.adjacency(table);
        let mut seen = vec![0u32; self.flat.len()];
        let mut search = 0;
        for &n in self.nodes.iter().rev() {
            for &e in ins[n as usize].iter().rev() {
                if !self.edges[e as usize].residual {
                    break;
                }
                search += 1;
                if self.is_redundant(&ins, e, &mut seen, search) {
                    self.edges[e as usize].removed = true;
                }
            }
        }
    }

    /// Whether the source of edge `e` reaches its destination without it (a breadth-first
    /// search up the live in-edges). `seen` marks the nodes met with `search`, a number no
    /// earlier search used.
    fn is_redundant(&self, ins: &Adjacency, e: u32, seen: &mut [u32], search: u32) -> bool {
        let (src, dst) = (self.edges[e as usize].src, self.edges[e as usize].dst);
        seen[dst as usize] = search;
        let mut queue = std::collections::VecDeque::from([dst]);
        while let Some(n) = queue.pop_front() {
            for &ie in &ins[n as usize] {
                let edge = &self.edges[ie as usize];
                if ie == e || edge.removed || seen[edge.src as usize] == search {
                    continue;
                }
                if edge.src == src {
                    return true;
                }
                seen[edge.src as usize] = search;
                queue.push_back(edge.src);
            }
        }
        false
    }

    /// Removes in-edges of the graph's nodes lighter than `cutoff`; returns how many went.
    pub(crate) fn trim_edges(&mut self, cutoff: i64) -> usize {
        let mut in_graph = vec![false; self.flat.len()];
        for &n in &self.nodes {
            in_graph[n as usize] = true;
        }
        let mut dropped = 0;
        for e in &mut self.edges {
            if !e.removed && in_graph[e.dst as usize] && e.weight.abs() < cutoff {
                e.removed = true;
                dropped += 1;
            }
        }
        dropped
    }

    /// The live edges into and out of each node, each list in pprof's edge order (heaviest
    /// first, then by source and destination name).
    pub(crate) fn adjacency(&self, table: &NodeTable) -> (Adjacency, Adjacency) {
        (self.edge_lists(table, true), self.edge_lists(table, false))
    }

    /// The live edges into (`incoming`) or out of each node, in pprof's edge order.
    pub(crate) fn edge_lists(&self, table: &NodeTable, incoming: bool) -> Adjacency {
        let live = self.edges.iter().enumerate().filter(|(_, e)| !e.removed);
        let pairs = live.map(|(i, e)| (if incoming { e.dst } else { e.src }, i as u32));
        let mut adj = Adjacency::new(self.flat.len(), pairs);
        for w in adj.start.windows(2) {
            let list = &mut adj.edges[w[0] as usize..w[1] as usize];
            if list.len() > 1 {
                list.sort_by(|&a, &b| self.edge_order(table, a, b));
            }
        }
        adj
    }

    /// pprof's `edgeList.Less` as an ordering.
    pub(crate) fn edge_order(&self, table: &NodeTable, a: u32, b: u32) -> Ordering {
        let (a, b) = (&self.edges[a as usize], &self.edges[b as usize]);
        if a.weight != b.weight {
            return b.weight.abs().cmp(&a.weight.abs());
        }
        table
            .name_rank(a.src)
            .cmp(&table.name_rank(b.src))
            .then_with(|| table.name_rank(a.dst).cmp(&table.name_rank(b.dst)))
    }
}

/// Sorts `nodes` by `first` descending, name, `second` descending, then `fmt.Sprint`
/// of their infos, where `keys(n)` is `(first, second)`. The keys are gathered once: a
/// call tree's nodes are millions, and reading them in the comparisons missed the caches.
fn sort_by_keys(nodes: &mut [u32], table: &NodeTable, keys: impl Fn(u32) -> (i64, i64)) {
    // Ascending u64 for descending i64: the sign bit flipped, then every bit.
    let desc = |v: i64| !((v as u64) ^ (1 << 63));
    let mut keyed: Vec<(u64, u32, u64, u32)> = nodes
        .iter()
        .map(|&n| {
            let (first, second) = keys(n);
            (desc(first), table.name_rank(n), desc(second), n)
        })
        .collect();
    keyed.sort_unstable_by(|l, r| {
        (l.0, l.1, l.2)
            .cmp(&(r.0, r.1, r.2))
            .then_with(|| table.sprint_rank(l.3).cmp(&table.sprint_rank(r.3)))
            // Call tree nodes of one function print alike; keep their order stable.
            .then_with(|| l.3.cmp(&r.3))
    });
    for (slot, k) in nodes.iter_mut().zip(keyed) {
        *slot = k.3;
    }
}

/// Go's `math.Log2`: exact for powers of two, else `ln(frac) / ln 2 + exp` of `frexp(x)`.
fn go_log2(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() || x < 0.0 {
        return x.log2();
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    if biased == 0 {
        // Subnormal: scale into the normal range first, as Go's Frexp does.
        return go_log2(x * (1u64 << 52) as f64) - 52.0;
    }
    let exp = biased - 1022;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    if frac == 0.5 {
        return (exp - 1) as f64;
    }
    frac.ln() * (1.0 / std::f64::consts::LN_2) + exp as f64
}

/// A hasher for keys that are one `u64` (Fibonacci hashing: one multiplication, its high half
/// folded into the low one).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MulHasher(u64);

impl std::hash::Hasher for MulHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }

    fn write_u64(&mut self, v: u64) {
        let h = (self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // HashMap indexes by the low bits, which a product takes from the key's low bits
        // alone: fold the well-mixed high half in.
        self.0 = h ^ (h >> 32);
    }
}

/// Builds [`MulHasher`]s, for maps keyed by integers.
pub(crate) type BuildMulHasher = std::hash::BuildHasherDefault<MulHasher>;

/// A call tree (pprof's `newTree`, `-call_tree`): one node per distinct calling context, so a
/// function appears once for each path from a root that reaches it.
#[derive(Debug)]
pub(crate) struct Tree {
    /// The graph over tree nodes; its ids index [`Tree::base`].
    pub(crate) graph: Graph,
    /// Each tree node's node in the table the tree was built from.
    pub(crate) base: Vec<u32>,
    /// Each tree node's parent as built (`u32::MAX` for a root).
    pub(crate) parent: Vec<u32>,
    /// Each sample's last tree node (`u32::MAX` for a sample of no weight or no frames).
    leaf: Vec<u32>,
}

impl Tree {
    /// The tags of the `live` tree nodes (all of them in pprof's `newTree`, where the DOT graph
    /// reads only those of the nodes left after trimming): each sample's tags go to the cum of
    /// every node on its path and to the flat of its last node.
    pub(crate) fn tags(
        &self,
        samples: &[Sample],
        value: SampleValue,
        sample_tags: &SampleTags,
        live: &[bool],
    ) -> NodeTags {
        let mut tags = TagsBuilder::new(self.parent.len(), Some(sample_tags));
        for (si, (s, &leaf)) in samples.iter().zip(&self.leaf).enumerate() {
            if leaf == u32::MAX {
                continue;
            }
            let (w, dw) = value.of(s);
            let (label, nums) = sample_tags.of(si);
            if live[leaf as usize] {
                tags.add(sample_tags, label, nums, leaf, w, dw, true);
            }
            let mut n = leaf;
            while n != u32::MAX {
                if live[n as usize] {
                    tags.add(sample_tags, label, nums, n, w, dw, false);
                }
                n = self.parent[n as usize];
            }
        }
        tags.finish()
    }
}

impl Graph {
    /// Aggregates `samples` into a call tree over the nodes of `table` (pprof's `newTree`):
    /// each frame's node is keyed by its parent in the tree, every frame adds its sample to
    /// its node's cum and to the edge from its parent, and the last frame adds it to flat.
    ///
    /// `o.kept` is ignored: a tree is trimmed in place ([`Graph::trim_tree`]), not rebuilt.
    /// So is `o.tags`: [`Tree::tags`] computes the tags of the nodes that trimming leaves.
    pub(crate) fn build_tree(table: &NodeTable, samples: &[Sample], o: BuildOptions<'_>) -> Tree {
        const ROOT: u32 = u32::MAX;
        // (parent, node) packed in a u64, hashed by one multiplication: the default SipHash
        // cost most of the build on trees of millions of nodes.
        let mut children: std::collections::HashMap<u64, u32, BuildMulHasher> =
            std::collections::HashMap::default();
        let mut base: Vec<u32> = Vec::new();
        let mut parent_of: Vec<u32> = Vec::new();
        let mut inline_in: Vec<bool> = Vec::new();
        let mut leaf = vec![ROOT; samples.len()];
        let mut g = Graph::empty(0);
        for (si, s) in samples.iter().enumerate() {
            let (w, dw) = o.value.of(s);
            if w == 0 && dw == 0 {
                continue;
            }
            let mut parent = ROOT;
            for &loc in s.location.iter().rev() {
                let loc_nodes = table.location(loc);
                for (ni, &node) in loc_nodes.iter().enumerate().rev() {
                    let inline = ni != loc_nodes.len() - 1;
                    let key = (u64::from(parent) << 32) | u64::from(node);
                    let id = *children.entry(key).or_insert_with(|| {
                        base.push(node);
                        parent_of.push(parent);
                        inline_in.push(true);
                        g.flat.push(0);
                        g.flat_div.push(0);
                        g.cum.push(0);
                        g.cum_div.push(0);
                        base.len() as u32 - 1
                    });
                    let i = id as usize;
                    g.cum[i] += w;
                    g.cum_div[i] += dw;
                    // The edge from the parent carries exactly the samples through this node,
                    // so its weight is the node's cum; only its inline flag needs tracking.
                    inline_in[i] &= inline;
                    parent = id;
                }
            }
            if parent != ROOT {
                g.flat[parent as usize] += w;
                g.flat_div[parent as usize] += dw;
            }
            leaf[si] = parent;
        }
        g.edges = (0..base.len())
            .filter(|&i| parent_of[i] != ROOT)
            .map(|i| Edge {
                src: parent_of[i],
                dst: i as u32,
                weight: g.cum[i],
                weight_div: g.cum_div[i],
                residual: false,
                inline: inline_in[i],
                removed: false,
            })
            .collect();
        g.edges.sort_unstable_by_key(|e| (e.src, e.dst));
        g.select_nodes(o.drop_negative);
        Tree {
            graph: g,
            base,
            parent: parent_of,
            leaf,
        }
    }

    /// Keeps only the `kept` nodes of a call tree (pprof's `TrimTree`): a dropped node's
    /// children hang from its parent by residual edges (inline when both edges were), and the
    /// children of a dropped root become roots. The graph keeps its node order.
    pub(crate) fn trim_tree(&mut self, kept: &[bool]) {
        let n = self.flat.len();
        let mut parent_edge: Vec<Option<u32>> = vec![None; n];
        let mut outs: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, e) in self.edges.iter().enumerate() {
            if !e.removed {
                // A tree gives each node one parent; the builder makes no other edges.
                parent_edge[e.dst as usize] = Some(i as u32);
                outs[e.src as usize].push(i as u32);
            }
        }
        let old = std::mem::take(&mut self.nodes);
        for cur in old {
            let c = cur as usize;
            if kept[c] {
                self.nodes.push(cur);
                continue;
            }
            let children = std::mem::take(&mut outs[c]);
            let Some(pe) = parent_edge[c].take() else {
                // A dropped root: its children become roots.
                for e in children {
                    let child = self.edges[e as usize].dst as usize;
                    self.edges[e as usize].removed = true;
                    parent_edge[child] = None;
                }
                continue;
            };
            let parent = self.edges[pe as usize].src;
            let parent_inline = self.edges[pe as usize].inline;
            self.edges[pe as usize].removed = true;
            outs[parent as usize].retain(|&e| e != pe);
            for e in children {
                let edge = &mut self.edges[e as usize];
                edge.src = parent;
                edge.residual = true;
                edge.inline &= parent_inline;
                outs[parent as usize].push(e);
            }
        }
        // pprof ends with RemoveRedundantEdges, which removes nothing here: a node of a tree has
        // one edge in, so no edge has a detour.
    }
}

#[cfg(test)]
mod tests {
    use sextant_profile::{
        Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType,
    };

    use super::*;
    use crate::nodes::{Granularity, NodeOptions};

    /// Functions A, B, C, D at locations 1 to 4, and location 5 where C is inlined into D.
    /// Samples (leaf first): C<-B<-A 3, C<-D<-A 5, B<-A 1, (C inlined in D)<-B<-A 2.
    fn profile() -> Profile {
        let mut p = Profile {
            sample_type: vec![ValueType::new("samples", "count")],
            ..Profile::default()
        };
        for (i, name) in ["A", "B", "C", "D"].iter().enumerate() {
            let id = i as u64 + 1;
            p.function.push(Function {
                id: FunctionId(id),
                name: (*name).into(),
                ..Default::default()
            });
            p.location.push(Location {
                id: LocationId(id),
                line: vec![Line {
                    function_id: Some(FunctionId(id)),
                    line: 1,
                    column: 0,
                }],
                ..Default::default()
            });
        }
        let line = |f: u64| Line {
            function_id: Some(FunctionId(f)),
            line: 1,
            column: 0,
        };
        p.location.push(Location {
            id: LocationId(5),
            line: vec![line(3), line(4)],
            ..Default::default()
        });
        for (stack, v) in [
            (vec![3, 2, 1], 3),
            (vec![3, 4, 1], 5),
            (vec![2, 1], 1),
            (vec![5, 2, 1], 2),
        ] {
            p.sample.push(Sample {
                location: stack.into_iter().map(LocationId).collect(),
                value: vec![v],
                label: vec![],
            });
        }
        p
    }

    fn tree(p: &Profile) -> (NodeTable, Graph) {
        let table = NodeTable::new(
            p,
            NodeOptions {
                granularity: Granularity::Functions,
                inlines: true,
                trim_paths: true,
                obj_names: false,
            },
            "",
            "",
        );
        let bo = BuildOptions {
            value: SampleValue {
                index: 0,
                mean: false,
            },
            drop_negative: false,
            kept: None,
            tags: None,
        };
        let t = Graph::build_tree(&table, &p.sample, bo);
        (table.contexts(t.base, t.parent), t.graph)
    }

    /// The tree node at `path` ("A/B/C"), found by walking the parents.
    fn node(table: &NodeTable, path: &str) -> u32 {
        let path_of = |mut n: u32| {
            let mut parts = Vec::new();
            while n != u32::MAX {
                parts.push(table.name(n).to_string());
                n = table.context(n);
            }
            parts.reverse();
            parts.join("/")
        };
        (0..table.len() as u32)
            .find(|&n| path_of(n) == path)
            .unwrap_or_else(|| panic!("no tree node {path}"))
    }

    /// The live edge from `src` to `dst`.
    fn edge(g: &Graph, src: u32, dst: u32) -> Option<&Edge> {
        g.edges
            .iter()
            .find(|e| !e.removed && e.src == src && e.dst == dst)
    }

    #[test]
    fn a_function_has_a_node_per_calling_context() {
        let (table, g) = tree(&profile());
        // Seven contexts: A, A/B, A/B/C, A/D, A/D/C, A/B/D, A/B/D/C.
        assert_eq!(g.nodes.len(), 7);
        let expect = [
            ("A", 0, 11),
            ("A/B", 1, 6),
            ("A/B/C", 3, 3),
            ("A/D", 0, 5),
            ("A/D/C", 5, 5),
            ("A/B/D", 0, 2),
            ("A/B/D/C", 2, 2),
        ];
        for (path, flat, cum) in expect {
            let n = node(&table, path) as usize;
            assert_eq!((g.flat[n], g.cum[n]), (flat, cum), "{path}");
        }
        // One edge into every non-root node, weighing what passed through it; only the call
        // of C inlined into D is inline.
        assert_eq!(g.edges.len(), 6);
        let (ab, abd, abdc) = (
            node(&table, "A/B"),
            node(&table, "A/B/D"),
            node(&table, "A/B/D/C"),
        );
        let e = edge(&g, abd, abdc).expect("A/B/D -> A/B/D/C");
        assert_eq!((e.weight, e.inline, e.residual), (2, true, false));
        let e = edge(&g, ab, abd).expect("A/B -> A/B/D");
        assert_eq!((e.weight, e.inline), (2, false));
        assert_eq!(g.edges.iter().filter(|e| e.inline).count(), 1);
    }

    #[test]
    fn trimming_a_tree_hangs_children_from_the_grandparent() {
        let (table, mut g) = tree(&profile());
        let (a, ab, abd, abdc) = (
            node(&table, "A"),
            node(&table, "A/B"),
            node(&table, "A/B/D"),
            node(&table, "A/B/D/C"),
        );
        let mut kept = vec![true; table.len()];
        kept[abd as usize] = false;
        g.trim_tree(&kept);
        assert_eq!(g.nodes.len(), 6);
        assert!(!g.nodes.contains(&abd));
        assert!(edge(&g, ab, abd).is_none());
        // Inline only if both A/B -> A/B/D (a call) and A/B/D -> A/B/D/C (inline) were.
        let e = edge(&g, ab, abdc).expect("A/B -> A/B/D/C");
        assert_eq!((e.weight, e.residual, e.inline), (2, true, false));

        // Dropping B's context as well moves C up to A; values are kept as built.
        let mut kept = vec![true; table.len()];
        kept[abd as usize] = false;
        kept[ab as usize] = false;
        g.trim_tree(&kept);
        assert!(edge(&g, a, abdc).is_some_and(|e| e.residual && e.weight == 2));
        assert!(edge(&g, a, node(&table, "A/B/C")).is_some_and(|e| e.residual));
        assert_eq!(g.cum[abdc as usize], 2);
    }

    #[test]
    fn trimming_a_root_makes_its_children_roots() {
        let (table, mut g) = tree(&profile());
        let a = node(&table, "A");
        let mut kept = vec![true; table.len()];
        kept[a as usize] = false;
        g.trim_tree(&kept);
        assert_eq!(g.nodes.len(), 6);
        assert!(g.edges.iter().all(|e| e.removed || e.src != a));
        let (ins, outs) = g.adjacency(&table);
        for root in ["A/B", "A/D"] {
            let n = node(&table, root) as usize;
            assert!(ins[n].is_empty(), "{root} is a root");
        }
        assert_eq!(outs[node(&table, "A/B") as usize].len(), 2);
    }
}
