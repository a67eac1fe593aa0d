//! A report: its options, the profile total, the trimmed graph behind text reports (pprof's
//! `newTrimmedGraph`, `selectOutputUnit`) and the dispatch to each format.

use std::io::{self, Write};

use regex::Regex;
use sextant_profile::Profile;

use crate::graph::{BuildOptions, Graph, SampleValue};
use crate::measurement;
use crate::nodelets::SampleTags;
use crate::nodes::{Granularity, NodeOptions, NodeTable};
use crate::{callgrind, dot, list, tags, text, traces, tree};

/// The kind of report to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `-top` / `-text`: a flat table of nodes.
    #[default]
    Text,
    /// `-traces`: every sample with its stack.
    Traces,
    /// `-tree` and `-peek`: each node with its callers and callees.
    Tree,
    /// `-tags`: the label values and their share of the total.
    Tags,
    /// `-comments`: the profile's comments.
    Comments,
    /// `-dot`: the call graph in Graphviz's DOT language.
    Dot,
    /// `-callgrind`: the graph at address granularity for KCachegrind.
    Callgrind,
    /// `-list=regexp`: annotated source of the matching functions.
    List,
}

/// How to build and print a report (pprof's `report.Options`, with the driver's choices made).
#[derive(Debug, Clone)]
pub struct Options {
    /// The report format.
    pub format: Format,
    /// Sort by cumulative rather than flat value (`-cum`).
    pub cum_sort: bool,
    /// Hide nodes whose value is negative (`-drop_negative`).
    pub drop_negative: bool,
    /// Print only the report lines of the header, not the profile's (`-compact_labels`).
    pub compact_labels: bool,
    /// Multiply every printed value by this (`1 / divide_by`).
    pub ratio: f64,
    /// The filters in effect, as `key=value`, for the `Active filters:` header.
    pub active_filters: Vec<String>,
    /// Keep at most this many nodes; 0 keeps all.
    pub node_count: usize,
    /// Drop nodes whose |cum| is below this fraction of the total.
    pub node_fraction: f64,
    /// Drop edges whose |weight| is below this fraction of the total.
    pub edge_fraction: f64,
    /// Which sample value to report.
    pub value: SampleValue,
    /// The sample type's name as the header prints it (`cpu`, `mean_delay`).
    pub sample_type: String,
    /// The sample type's unit (`nanoseconds`, `bytes`, `count`).
    pub sample_unit: String,
    /// The unit values are printed in; `minimum` chooses one from the data, `auto` per value.
    pub output_unit: String,
    /// For `-peek`: only nodes whose name matches.
    pub symbol: Option<Regex>,
    /// How finely frames are told apart.
    pub granularity: Granularity,
    /// Attribute inlined frames to their caller (`-noinlines`).
    pub noinlines: bool,
    /// Prefixes to cut from source paths (`-trim_path`).
    pub trim_path: String,
    /// Where `-list` looks for source files (`-source_path`); empty for the working directory.
    pub source_path: String,
    /// Draw a context-sensitive call tree rather than the call graph (`-call_tree`): a node per
    /// distinct calling context. As in pprof, only the DOT and callgrind formats honor it.
    pub call_tree: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: Format::Text,
            cum_sort: false,
            drop_negative: false,
            compact_labels: false,
            ratio: 1.0,
            active_filters: Vec::new(),
            node_count: 0,
            node_fraction: 0.0,
            edge_fraction: 0.0,
            value: SampleValue {
                index: 0,
                mean: false,
            },
            sample_type: String::new(),
            sample_unit: String::new(),
            output_unit: "minimum".to_string(),
            symbol: None,
            granularity: Granularity::Functions,
            noinlines: false,
            trim_path: String::new(),
            source_path: String::new(),
            call_tree: false,
        }
    }
}

/// Why a report could not be printed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `-peek` (or `-list`) matched no node.
    NoMatches(String),
    /// Writing the report failed.
    Io(io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoMatches(re) => write!(f, "no matches found for regexp: {re}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// A report ready to print: its options and the total that percentages are relative to.
#[derive(Debug)]
pub struct Report {
    pub(crate) options: Options,
    pub(crate) total: i64,
    /// The sample tags of the last DOT graph built, for its nodelets.
    pub(crate) sample_tags: Option<SampleTags>,
}

/// A trimmed graph and the counts its header reports.
pub(crate) struct Trimmed {
    pub(crate) table: NodeTable,
    pub(crate) graph: Graph,
    pub(crate) orig_count: usize,
    pub(crate) dropped_nodes: usize,
    pub(crate) dropped_edges: usize,
}

impl Report {
    /// A report on `total_of` (pprof computes the total before focus filters apply, so that
    /// percentages stay relative to the whole profile).
    pub fn new(total_of: &Profile, options: Options) -> Report {
        let total = total(total_of, options.value);
        Report {
            options,
            total,
            sample_tags: None,
        }
    }

    /// A report whose percentages are relative to `total`, computed elsewhere (as
    /// `sextant_profile::pipeline::prepare` does, before or after the filters).
    pub fn with_total(options: Options, total: i64) -> Report {
        Report {
            options,
            total,
            sample_tags: None,
        }
    }

    /// The total every percentage is relative to.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The lines that describe `p` in every report's header (pprof's `ProfileLabels`): file,
    /// build id, comments, type, time, and duration with the total.
    pub fn profile_labels(&self, p: &Profile) -> Vec<String> {
        crate::labels::profile_labels(self, p)
    }

    /// Prints the report on `p` (the profile after filters) to `w`.
    ///
    /// # Errors
    ///
    /// [`Error::NoMatches`] when `-peek`'s regexp matches no node, [`Error::Io`] when writing fails.
    pub fn generate(&mut self, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
        match self.options.format {
            Format::Text => text::print(self, p, w),
            Format::Traces => traces::print(self, p, w),
            Format::Tree => tree::print(self, p, w),
            Format::Tags => tags::print(self, p, w),
            Format::Dot => dot::print(self, p, w),
            Format::Callgrind => callgrind::print(self, p, w),
            Format::List => list::print(self, p, w),
            Format::Comments => {
                for c in &p.comments {
                    writeln!(w, "{c}")?;
                }
                Ok(())
            }
        }
    }

    /// The top nodes as a profile with one sample per node, values `cum` and `flat` in the
    /// output unit (`-topproto`).
    pub fn top_proto(&mut self, p: &Profile) -> Profile {
        crate::topproto::build(self, p)
    }

    /// A value as the report prints it: scaled by `ratio`, in the output unit.
    pub(crate) fn format_value(&self, v: i64) -> String {
        let o = &self.options;
        let v = if o.ratio > 0.0 && o.ratio != 1.0 {
            (v as f64 * o.ratio) as i64
        } else {
            v
        };
        measurement::scaled_label(v, &o.sample_unit, &o.output_unit)
    }

    /// The graph after pprof's three trimming steps: nodes below `node_fraction`, then all but
    /// the top `node_count`, then edges below `edge_fraction`.
    pub(crate) fn trimmed_graph(&mut self, p: &Profile) -> Trimmed {
        let o = &self.options;
        let table = NodeTable::new(
            p,
            NodeOptions {
                granularity: o.granularity,
                inlines: !o.noinlines,
                trim_paths: true,
                // Only reports that name binaries keep the mapping in a node's identity.
                obj_names: o.format == Format::Callgrind,
            },
            &o.trim_path,
            &o.source_path,
        );
        // The DOT graph orders nodes by entropy and draws label tags; text reports need neither.
        let visual = o.format == Format::Dot;
        let tags = visual.then(|| SampleTags::new(p, &o.output_unit));
        if o.call_tree && matches!(o.format, Format::Dot | Format::Callgrind) {
            let t = self.trimmed_tree(p, &table, tags.as_ref());
            self.sample_tags = tags;
            return t;
        }
        let options = |kept| BuildOptions {
            value: o.value,
            drop_negative: o.drop_negative,
            kept,
            tags: tags.as_ref(),
        };
        let sort = |g: &mut Graph| {
            if visual {
                g.sort_entropy(&table);
            } else {
                g.sort(&table, o.cum_sort);
            }
        };
        // pprof builds the graph, then rebuilds it over the nodes kept by each trimming step.
        // A node's values do not depend on which others are kept: they are computed once, and
        // each rebuild only redoes edges and tags, for the kept nodes (Graph::link).
        let mut g = Graph::build_values(&table, &p.sample, options(None));
        let total_value = g.flat_sum();
        let node_cutoff = ((total_value as f64 * o.node_fraction) as i64).abs();
        let edge_cutoff = ((total_value as f64 * o.edge_fraction) as i64).abs();
        let mut dropped_nodes = 0;
        let mut kept = None;
        if node_cutoff > 0 {
            let mut keep = vec![false; table.len()];
            let mut count = 0;
            for &n in &g.nodes {
                if g.cum[n as usize].abs() >= node_cutoff {
                    keep[n as usize] = true;
                    count += 1;
                }
            }
            if count != g.nodes.len() {
                dropped_nodes = g.nodes.len() - count;
                kept = Some(keep);
            }
        }
        g.link(&table, &p.sample, options(kept.as_deref()));
        let orig_count = g.nodes.len();
        sort(&mut g);
        if o.node_count > 0 {
            g.tags.trim(node_cutoff);
            g.trim_edges(edge_cutoff);
            let top = top_nodes(&g, o.node_count, visual);
            if top < g.nodes.len() {
                let mut kept = vec![false; table.len()];
                for &n in &g.nodes[..top] {
                    kept[n as usize] = true;
                }
                g.link(&table, &p.sample, options(Some(&kept)));
                sort(&mut g);
            }
        }
        g.tags.trim(node_cutoff);
        let dropped_edges = g.trim_edges(edge_cutoff);
        if visual {
            g.remove_redundant_edges(&table);
        }
        self.sample_tags = tags;
        Trimmed {
            table,
            graph: g,
            orig_count,
            dropped_nodes,
            dropped_edges,
        }
    }

    /// The call tree of `-call_tree` after the same trimming steps, where dropping nodes trims
    /// the tree in place rather than rebuilding it (pprof's `newTrimmedGraph` with `CallTree`).
    fn trimmed_tree(&self, p: &Profile, table: &NodeTable, tags: Option<&SampleTags>) -> Trimmed {
        let o = &self.options;
        let visual = o.format == Format::Dot;
        let bo = BuildOptions {
            value: o.value,
            drop_negative: o.drop_negative,
            kept: None,
            tags: None,
        };
        let mut tree = Graph::build_tree(table, &p.sample, bo);
        let mut g = std::mem::take(&mut tree.graph);
        let total_value = g.flat_sum();
        let node_cutoff = ((total_value as f64 * o.node_fraction) as i64).abs();
        let edge_cutoff = ((total_value as f64 * o.edge_fraction) as i64).abs();
        let mut dropped_nodes = 0;
        if node_cutoff > 0 {
            let mut kept = vec![false; tree.base.len()];
            let mut count = 0;
            for &n in &g.nodes {
                if g.cum[n as usize].abs() >= node_cutoff {
                    kept[n as usize] = true;
                    count += 1;
                }
            }
            if count != g.nodes.len() {
                dropped_nodes = g.nodes.len() - count;
                g.trim_tree(&kept);
            }
        }
        // Trimming keeps the values and tags of the nodes left as built: only theirs are read.
        if let Some(t) = tags {
            let mut live = vec![false; tree.base.len()];
            for &n in &g.nodes {
                live[n as usize] = true;
            }
            g.tags = tree.tags(&p.sample, o.value, t, &live);
        }
        let table = table.contexts(tree.base, tree.parent);
        let sort = |g: &mut Graph| {
            if visual {
                g.sort_entropy(&table);
            } else {
                g.sort(&table, o.cum_sort);
            }
        };
        let orig_count = g.nodes.len();
        sort(&mut g);
        if o.node_count > 0 {
            g.tags.trim(node_cutoff);
            g.trim_edges(edge_cutoff);
            let top = top_nodes(&g, o.node_count, visual);
            if top < g.nodes.len() {
                let mut kept = vec![false; table.len()];
                for &n in &g.nodes[..top] {
                    kept[n as usize] = true;
                }
                g.trim_tree(&kept);
                sort(&mut g);
            }
        }
        g.tags.trim(node_cutoff);
        let dropped_edges = g.trim_edges(edge_cutoff);
        // pprof removes redundant edges here too; a tree has none (one edge into each node).
        Trimmed {
            table,
            graph: g,
            orig_count,
            dropped_nodes,
            dropped_edges,
        }
    }

    /// Chooses the output unit from the data when it is `minimum` (pprof's `selectOutputUnit`):
    /// the unit of the smallest non-zero node, or of 100 times it when that is far below the total.
    pub(crate) fn select_output_unit(&mut self, g: &Graph) {
        let o = &mut self.options;
        if o.output_unit != "minimum" || g.nodes.is_empty() {
            return;
        }
        let mut min_value = 0i64;
        for &n in &g.nodes {
            let mut node_min = g.flat_value(n).abs();
            if node_min == 0 {
                node_min = g.cum_value(n).abs();
            }
            if node_min > 0 && (min_value == 0 || node_min < min_value) {
                min_value = node_min;
            }
        }
        let mut max_value = self.total;
        if min_value == 0 {
            min_value = max_value;
        }
        if o.ratio > 0.0 && o.ratio != 1.0 {
            min_value = (min_value as f64 * o.ratio) as i64;
            max_value = (max_value as f64 * o.ratio) as i64;
        }
        let (_, min_unit) = measurement::scale(min_value, &o.sample_unit, "minimum");
        let (_, max_unit) = measurement::scale(max_value, &o.sample_unit, "minimum");
        let mut unit = min_unit.clone();
        // Callgrind prints integers only, so it keeps the smallest value's unit.
        if min_unit != max_unit
            && min_value.wrapping_mul(100) < max_value
            && o.format != Format::Callgrind
        {
            unit = measurement::scale(min_value.wrapping_mul(100), &o.sample_unit, "minimum").1;
        }
        o.output_unit = if unit.is_empty() {
            o.sample_unit.clone()
        } else {
            unit
        };
    }
}

/// How many of the sorted nodes `node_count` keeps (pprof's `selectTopNodes`): in the DOT
/// graph each node's drawn tags (up to 4) count toward the limit too.
fn top_nodes(g: &Graph, node_count: usize, visual: bool) -> usize {
    let mut max = node_count;
    if visual {
        let mut count = 0;
        for (i, &n) in g.nodes.iter().enumerate() {
            count += g.tags.count_flat(n).min(crate::dot::MAX_NODELETS) + 1;
            if count >= max {
                max = i + 1;
                break;
            }
        }
    }
    max.min(g.nodes.len())
}

/// The sum of |value| over the samples, or over the `-diff_base` samples when there are any
/// (pprof's `computeTotal`); divided by the event count under `-mean`.
pub fn total(p: &Profile, value: SampleValue) -> i64 {
    let (mut total, mut div, mut diff_total, mut diff_div) = (0i64, 0i64, 0i64, 0i64);
    for s in &p.sample {
        let (v, d) = value.of(s);
        let v = v.wrapping_abs();
        total += v;
        div += d;
        if is_diff_base(s) {
            diff_total += v;
            diff_div += d;
        }
    }
    if diff_total > 0 {
        total = diff_total;
        div = diff_div;
    }
    if div != 0 { total / div } else { total }
}

/// Whether a sample came from a `-diff_base` profile (it carries `pprof::base=true`).
fn is_diff_base(s: &sextant_profile::Sample) -> bool {
    s.label.iter().any(|l| {
        &*l.key == "pprof::base"
            && matches!(&l.value, sextant_profile::LabelValue::Str(v) if &**v == "true")
    })
}
