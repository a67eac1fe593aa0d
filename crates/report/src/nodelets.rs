//! Sample labels as graph "nodelets" (pprof's `LabelTags` and `NumericTags`): what the DOT
//! graph draws under each node, and what its node-count selection counts.
//!
//! Labels are resolved once per sample into interned ids, so a graph build only adds weights.

use std::collections::HashMap;

use sextant_profile::{LabelValue, Profile};

use crate::graph::{BuildMulHasher, PairTable};
use crate::measurement;
use crate::traces::num_label_units;

/// Tag weights, as pprof's `Tag` keeps them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TagWeight {
    pub(crate) flat: i64,
    pub(crate) flat_div: i64,
    pub(crate) cum: i64,
    pub(crate) cum_div: i64,
}

impl TagWeight {
    pub(crate) fn flat_value(&self) -> i64 {
        if self.flat_div == 0 {
            self.flat
        } else {
            self.flat / self.flat_div
        }
    }
    pub(crate) fn cum_value(&self) -> i64 {
        if self.cum_div == 0 {
            self.cum
        } else {
            self.cum / self.cum_div
        }
    }
}

/// A numeric tag's identity: its printed name, unit and value.
#[derive(Debug, Clone)]
pub(crate) struct NumTag {
    pub(crate) name: String,
    pub(crate) unit: String,
    pub(crate) value: i64,
    /// The name's id: tags of one name share it.
    pub(crate) name_id: u32,
}

/// Per sample: the id of its joined string labels (0 for none) and its numeric tags.
#[derive(Debug, Default)]
pub(crate) struct SampleTags {
    /// Interned joined label strings (`key:value` sorted, joined by a literal `\n`); 0 is "".
    pub(crate) labels: Vec<String>,
    pub(crate) numeric: Vec<NumTag>,
    per_sample: Vec<(u32, Vec<u32>)>,
}

impl SampleTags {
    /// Resolves every sample's tags, as pprof's `newGraph` sees them: string labels except
    /// `pprof::base`, and only the numeric `bytes` label, named in `output_unit`.
    pub(crate) fn new(p: &Profile, output_unit: &str) -> SampleTags {
        let units = num_label_units(p);
        let bytes_unit = units.get("bytes").cloned().unwrap_or_default();
        let mut t = SampleTags {
            labels: vec![String::new()],
            ..SampleTags::default()
        };
        let mut label_ids: HashMap<String, u32> = HashMap::new();
        let mut num_ids: HashMap<(String, i64), u32> = HashMap::new();
        let mut name_ids: HashMap<String, u32> = HashMap::new();
        for s in &p.sample {
            let mut parts: Vec<String> = s
                .label
                .iter()
                .filter_map(|l| match &l.value {
                    LabelValue::Str(v) if &*l.key != "pprof::base" => {
                        Some(format!("{}:{v}", l.key))
                    }
                    _ => None,
                })
                .collect();
            parts.sort();
            let joined = parts.join("\\n");
            let label = if joined.is_empty() {
                0
            } else {
                *label_ids.entry(joined.clone()).or_insert_with(|| {
                    t.labels.push(joined);
                    t.labels.len() as u32 - 1
                })
            };
            let mut nums = Vec::new();
            for l in &s.label {
                if let LabelValue::Num { num, .. } = &l.value {
                    if &*l.key == "bytes" {
                        let name = measurement::scaled_label(*num, &bytes_unit, output_unit);
                        let next = name_ids.len() as u32;
                        let name_id = *name_ids.entry(name.clone()).or_insert(next);
                        let id = *num_ids.entry((name.clone(), *num)).or_insert_with(|| {
                            t.numeric.push(NumTag {
                                name,
                                unit: bytes_unit.clone(),
                                value: *num,
                                name_id,
                            });
                            t.numeric.len() as u32 - 1
                        });
                        nums.push(id);
                    }
                }
            }
            t.per_sample.push((label, nums));
        }
        t
    }

    /// The tags of sample `i`.
    pub(crate) fn of(&self, i: usize) -> (u32, &[u32]) {
        let (l, n) = &self.per_sample[i];
        (*l, n)
    }
}

/// The tags accumulated on nodes while a graph is built ([`TagsBuilder::finish`] gives the
/// graph's [`NodeTags`]).
#[derive(Debug, Default)]
pub(crate) struct TagsBuilder {
    /// (node, label id) to weights, in an array of `labels` entries per node when that is small
    /// (the usual few labels), else in a table made on the first tag added.
    labels: Labels,
    /// (node, label id, numeric tag name id) to (one tag of that name, weights).
    numeric: HashMap<(u32, u32, u32), (u32, TagWeight), BuildMulHasher>,
}

/// Label tag weights by (node, label id).
#[derive(Debug, Default)]
enum Labels {
    #[default]
    Empty,
    /// A row of `nodes` entries per label (a sample adds to one row); an entry that no sample
    /// added to has no weights.
    Dense {
        nodes: usize,
        weights: Vec<Option<TagWeight>>,
    },
    Table(PairTable<TagWeight>),
}

/// The most entries of a dense label array (32 MB).
const MAX_DENSE: usize = 1 << 20;

impl TagsBuilder {
    /// A builder for the tags of `nodes` nodes, each sample's in `tags`.
    pub(crate) fn new(nodes: usize, tags: Option<&SampleTags>) -> TagsBuilder {
        let labels = tags.map_or(0, |t| t.labels.len());
        let labels = match nodes.checked_mul(labels) {
            Some(size) if size > 0 && size <= MAX_DENSE => Labels::Dense {
                nodes,
                weights: vec![None; size],
            },
            _ => Labels::Empty,
        };
        TagsBuilder {
            labels,
            numeric: HashMap::default(),
        }
    }

    /// pprof's `addSample` for the tags of one sample on one node: the sample's joined
    /// labels `label` and numeric tags `nums` ([`SampleTags::of`]).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add(
        &mut self,
        tags: &SampleTags,
        label: u32,
        nums: &[u32],
        node: u32,
        w: i64,
        dw: i64,
        flat: bool,
    ) {
        let add = |t: &mut TagWeight| {
            if flat {
                t.flat += w;
                t.flat_div += dw;
            } else {
                t.cum += w;
                t.cum_div += dw;
            }
        };
        if label != 0 {
            match &mut self.labels {
                Labels::Dense { nodes, weights } => {
                    add(weights[label as usize * *nodes + node as usize].get_or_insert_default())
                }
                Labels::Table(t) => add(t.entry(node, label).0),
                Labels::Empty => {
                    let mut t = PairTable::new();
                    add(t.entry(node, label).0);
                    self.labels = Labels::Table(t);
                }
            }
        }
        for &n in nums {
            let name = tags.numeric[n as usize].name_id;
            add(&mut self
                .numeric
                .entry((node, label, name))
                .or_insert((n, TagWeight::default()))
                .1);
        }
    }

    /// The tags, sorted by node for lookups.
    pub(crate) fn finish(self) -> NodeTags {
        let mut numeric: Vec<NumericTag> = self
            .numeric
            .into_iter()
            .map(|((node, label, _), (tag, w))| NumericTag {
                node,
                label,
                tag,
                w,
            })
            .collect();
        numeric.sort_unstable_by_key(|t| (t.node, t.label, t.tag));
        let labels = match self.labels {
            Labels::Empty => Vec::new(),
            Labels::Dense { nodes, weights } => {
                let mut all: Vec<(u32, u32, TagWeight)> = weights
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, w)| Some(((i % nodes) as u32, (i / nodes) as u32, w?)))
                    .collect();
                all.sort_unstable_by_key(|&(n, l, _)| (n, l));
                all
            }
            Labels::Table(t) => t.into_sorted(),
        };
        NodeTags { labels, numeric }
    }
}

/// A numeric tag of a node: the tag of that name met first, and the weights of all of them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumericTag {
    pub(crate) node: u32,
    /// The id of the sample's joined string labels (0 for none).
    pub(crate) label: u32,
    /// An index into [`SampleTags::numeric`].
    pub(crate) tag: u32,
    pub(crate) w: TagWeight,
}

/// The tags of a graph's nodes, sorted by node.
#[derive(Debug, Default)]
pub(crate) struct NodeTags {
    /// (node, label id, weights), by node and label.
    labels: Vec<(u32, u32, TagWeight)>,
    /// Numeric tags by node; pprof keys them by their printed name within the label set.
    numeric: Vec<NumericTag>,
}

impl NodeTags {
    /// The node's label tags: (node, label id, weights).
    pub(crate) fn labels_of(&self, node: u32) -> &[(u32, u32, TagWeight)] {
        let a = self.labels.partition_point(|t| t.0 < node);
        let b = self.labels.partition_point(|t| t.0 <= node);
        &self.labels[a..b]
    }

    /// The node's numeric tags.
    pub(crate) fn numeric_of(&self, node: u32) -> &[NumericTag] {
        let a = self.numeric.partition_point(|t| t.node < node);
        let b = self.numeric.partition_point(|t| t.node <= node);
        &self.numeric[a..b]
    }

    /// Drops tags lighter than `cutoff` in both flat and cum (pprof's `TrimLowFrequencyTags`).
    pub(crate) fn trim(&mut self, cutoff: i64) {
        let keep = |t: &TagWeight| t.flat.abs() >= cutoff || t.cum.abs() >= cutoff;
        self.labels.retain(|(_, _, t)| keep(t));
        self.numeric.retain(|t| keep(&t.w));
    }

    /// How many of a node's tags have a flat weight (pprof's `countTags`).
    pub(crate) fn count_flat(&self, node: u32) -> usize {
        self.labels_of(node)
            .iter()
            .filter(|(_, _, t)| t.flat != 0)
            .count()
            + self
                .numeric_of(node)
                .iter()
                .filter(|t| t.w.flat != 0)
                .count()
    }
}
