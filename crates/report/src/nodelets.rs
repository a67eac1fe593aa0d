//! Sample labels as graph "nodelets" (pprof's `LabelTags` and `NumericTags`): what the DOT
//! graph draws under each node, and what its node-count selection counts.
//!
//! Labels are resolved once per sample into interned ids, so a graph build only adds weights.

use std::collections::HashMap;

use sextant_profile::{LabelValue, Profile};

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
                        let id = *num_ids.entry((name.clone(), *num)).or_insert_with(|| {
                            t.numeric.push(NumTag {
                                name,
                                unit: bytes_unit.clone(),
                                value: *num,
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

/// The tags accumulated on each node during a graph build.
#[derive(Debug, Default)]
pub(crate) struct NodeTags {
    /// (node, label id) to weights.
    pub(crate) labels: HashMap<(u32, u32), TagWeight>,
    /// (node, label id, numeric tag name) to (one tag of that name, weights); pprof keys numeric
    /// tags by their printed name within the label set.
    pub(crate) numeric: HashMap<(u32, u32, String), (u32, TagWeight)>,
}

impl NodeTags {
    /// pprof's `addSample` for the tags of one sample on one node.
    pub(crate) fn add(
        &mut self,
        tags: &SampleTags,
        node: u32,
        sample: usize,
        w: i64,
        dw: i64,
        flat: bool,
    ) {
        let (label, nums) = tags.of(sample);
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
            add(self.labels.entry((node, label)).or_default());
        }
        for &n in nums {
            let name = tags.numeric[n as usize].name.clone();
            add(&mut self
                .numeric
                .entry((node, label, name))
                .or_insert((n, TagWeight::default()))
                .1);
        }
    }

    /// Drops tags lighter than `cutoff` in both flat and cum (pprof's `TrimLowFrequencyTags`).
    pub(crate) fn trim(&mut self, cutoff: i64) {
        let keep = |t: &TagWeight| t.flat.abs() >= cutoff || t.cum.abs() >= cutoff;
        self.labels.retain(|_, t| keep(t));
        self.numeric.retain(|_, (_, t)| keep(t));
    }

    /// How many of a node's tags have a flat weight (pprof's `countTags`).
    pub(crate) fn count_flat(&self, node: u32) -> usize {
        self.labels
            .iter()
            .filter(|((n, _), t)| *n == node && t.flat != 0)
            .count()
            + self
                .numeric
                .iter()
                .filter(|((n, _, _), (_, t))| *n == node && t.flat != 0)
                .count()
    }
}
