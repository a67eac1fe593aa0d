//! Flame graphs, which go tool pprof 1.19 lacks: the frame tree of a profile ([`FlameGraph`]),
//! drawn as a self-contained interactive SVG ([`Report::flame_graph`], `-flame`) or written as
//! Brendan Gregg's folded stacks ([`Report::folded`], `-folded`), the input of inferno and
//! flamegraph.pl.
//!
//! Design note: a frame is a function (at the report's granularity) under a given path of
//! callers; identical paths merge, so each frame holds the samples whose stack passes through
//! it. The tree takes the profile as the pipeline left it (after `-focus`, `-ignore`, `-hide`,
//! `-show`, the tag filters, `-sample_index`), with node names from the same table as the text
//! reports. It does not prune by `-nodefraction` or `-nodecount`: a flame graph shows the whole
//! profile, and the SVG leaves out only frames too narrow to see (see `flame/svg.rs`).
//!
//! Large profiles have millions of distinct paths (204,000 samples a hundred frames deep make
//! nine million frames), so the tree is never held whole: each sample's stack becomes a row of
//! node ranks (nodes ordered by name), the rows are sorted, and one pass over them opens and
//! closes frames as flamegraph.pl merges sorted folded lines. Frames come out in depth-first
//! order, children by name; a frame that closes narrower than the caller's threshold is dropped
//! with its subtree (a child is never wider than its parent). Folded stacks are the same pass,
//! one line per distinct row.
//!
//! Values are summed per frame three ways: the signed sum (what the frame costs; with `-base`
//! or `-diff_base` the net change), the sum of absolute values (the frame's width, so that
//! growth and shrinkage both take room and children never outgrow their parent), and the part
//! that came from `-diff_base` samples (the "before" of a differential flame graph).

use std::io::Write;

use sextant_profile::{Profile, pipeline::is_diff_base};

use crate::nodes::{NodeOptions, NodeTable};
use crate::report::{Error, Report};

mod svg;

/// A frame of the flame graph: a function under one path of callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Index of the frame's name in [`FlameGraph::name`].
    name: u32,
    /// The caller's frame; `None` for the root.
    pub parent: Option<usize>,
    /// Distance from the root (the root is 0, outermost callers 1).
    pub depth: usize,
    /// Where the frame starts, in the same units as [`weight`](Self::weight): its caller's
    /// offset plus the weights of the siblings before it (callees sit at the left of their
    /// caller, self samples at the right, as in flamegraph.pl).
    pub offset: i64,
    /// Sum of the absolute values of the samples through this frame: its width.
    pub weight: i64,
    /// Signed sum of the values of the samples through this frame.
    pub value: i64,
    /// The part of [`value`](Self::value) from samples that end here (the frame's self value).
    pub self_value: i64,
    /// Minus the sum of the values of `-diff_base` samples through this frame: the base
    /// profile's value, before the change (0 without `-diff_base`).
    pub base: i64,
    /// Sum of the event counts (the first sample value) through this frame, for `-mean`.
    pub count: i64,
    /// The callees' frames that were kept, sorted by name.
    pub children: Vec<usize>,
}

/// The frame tree of a profile: frame 0 is the root, `all`, holding every sample; the others
/// follow in depth-first order, callees by name.
#[derive(Debug, Clone)]
pub struct FlameGraph {
    names: Vec<String>,
    frames: Vec<Frame>,
    /// Whether any sample is negative (a `-base` or `-diff_base` comparison).
    diff: bool,
    /// How many frames were left out for being narrower than the threshold.
    omitted: usize,
}

/// The name of the root frame, as flamegraph.pl and inferno name it.
const ROOT: &str = "all";

impl FlameGraph {
    /// Builds the whole frame tree of `p`'s samples, reading the report's sample value and
    /// naming frames as `rpt`'s text reports do (granularity, `-noinlines`, `-trim_path`).
    pub fn new(p: &Profile, rpt: &Report) -> FlameGraph {
        Stacks::new(p, rpt).tree(|_| true)
    }

    /// The frames; index 0 is the root.
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// A frame's name (`all` for the root).
    pub fn name(&self, frame: usize) -> &str {
        &self.names[self.frames[frame].name as usize]
    }

    /// Whether the profile is a comparison (some sample values are negative).
    pub fn is_diff(&self) -> bool {
        self.diff
    }

    /// The deepest frame's depth.
    pub fn max_depth(&self) -> usize {
        self.frames.iter().map(|f| f.depth).max().unwrap_or(0)
    }

    /// How many frames were left out (with their callees) for being too narrow.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

/// One sample's stack: where its row of ranks sits in [`Stacks::ranks`], and its values.
#[derive(Debug, Clone, Copy)]
struct Row {
    start: usize,
    len: u32,
    value: i64,
    count: i64,
    base: i64,
}

/// Every sample's stack as a row of node ranks, root first, the rows sorted.
struct Stacks {
    /// `all`, then the node names in rank order.
    names: Vec<String>,
    ranks: Vec<u32>,
    rows: Vec<Row>,
    diff: bool,
}

impl Stacks {
    fn new(p: &Profile, rpt: &Report) -> Stacks {
        let o = &rpt.options;
        let table = NodeTable::new(
            p,
            NodeOptions {
                granularity: o.granularity,
                inlines: !o.noinlines,
                trim_paths: true,
                obj_names: false,
            },
            &o.trim_path,
            &o.source_path,
        );
        // Ranks order nodes by name (then id, so that each node keeps its own rank): sorting
        // rows of ranks then puts callees in name order.
        let mut order: Vec<u32> = (0..table.len() as u32).collect();
        order.sort_by(|&a, &b| table.name(a).cmp(table.name(b)).then(a.cmp(&b)));
        let mut rank = vec![0u32; table.len()];
        for (r, &n) in order.iter().enumerate() {
            rank[n as usize] = r as u32;
        }
        let mut names = Vec::with_capacity(order.len() + 1);
        names.push(ROOT.to_string());
        names.extend(order.iter().map(|&n| table.name(n).to_string()));

        let (mut ranks, mut rows, mut diff) = (Vec::new(), Vec::new(), false);
        for s in &p.sample {
            let (value, count) = o.value.of(s);
            if value == 0 && count == 0 {
                continue;
            }
            diff |= value < 0;
            let start = ranks.len();
            // Locations are leaf first, and a location's frames innermost first.
            for &loc in s.location.iter().rev() {
                ranks.extend(table.location(loc).iter().rev().map(|&n| rank[n as usize]));
            }
            let base = if is_diff_base(s) { -value } else { 0 };
            let len = (ranks.len() - start) as u32;
            rows.push(Row {
                start,
                len,
                value,
                count,
                base,
            });
        }
        let row = |r: &Row| &ranks[r.start..r.start + r.len as usize];
        rows.sort_unstable_by(|a, b| row(a).cmp(row(b)));
        Stacks {
            names,
            ranks,
            rows,
            diff,
        }
    }

    fn row(&self, r: &Row) -> &[u32] {
        &self.ranks[r.start..r.start + r.len as usize]
    }

    /// The frame tree, keeping only the frames for which `keep(weight)` holds (and the root).
    fn tree(self, keep: impl Fn(i64) -> bool) -> FlameGraph {
        let mut b = TreeBuilder {
            frames: vec![new_frame(0, None, 0, 0)],
            open: Vec::new(),
            cursor: vec![0],
            omitted: 0,
        };
        let mut path: &[u32] = &[];
        for r in &self.rows {
            let row = self.row(r);
            let common = path.iter().zip(row).take_while(|(a, c)| a == c).count();
            while b.open.len() > common {
                b.close(&keep);
            }
            for &rank in &row[common..] {
                b.open(rank + 1);
            }
            b.add(r);
            path = row;
        }
        while !b.open.is_empty() {
            b.close(&keep);
        }
        let mut frames = b.frames;
        for i in 1..frames.len() {
            if let Some(p) = frames[i].parent {
                frames[p].children.push(i);
            }
        }
        FlameGraph {
            names: self.names,
            frames,
            diff: self.diff,
            omitted: b.omitted,
        }
    }

    /// Writes one folded line per distinct stack (see [`Report::folded`]).
    fn write_folded(&self, mean: bool, ratio: f64, w: &mut dyn Write) -> Result<(), Error> {
        let mut out = String::new();
        let mut i = 0;
        while i < self.rows.len() {
            let row = self.row(&self.rows[i]);
            let (mut v, mut d) = (0i64, 0i64);
            while i < self.rows.len() && self.row(&self.rows[i]) == row {
                v = v.wrapping_add(self.rows[i].value);
                d = d.wrapping_add(self.rows[i].count);
                i += 1;
            }
            if row.is_empty() || (v == 0 && d == 0) {
                continue;
            }
            if mean && d != 0 {
                v /= d;
            }
            if ratio > 0.0 && ratio != 1.0 {
                v = (v as f64 * ratio) as i64;
            }
            for (k, &rank) in row.iter().enumerate() {
                if k > 0 {
                    out.push(';');
                }
                out.push_str(&self.names[rank as usize + 1].replace(';', ":"));
            }
            out.push(' ');
            out.push_str(&v.to_string());
            out.push('\n');
            if out.len() > 1 << 16 {
                w.write_all(out.as_bytes())?;
                out.clear();
            }
        }
        w.write_all(out.as_bytes())?;
        Ok(())
    }
}

fn new_frame(name: u32, parent: Option<usize>, depth: usize, offset: i64) -> Frame {
    Frame {
        name,
        parent,
        depth,
        offset,
        weight: 0,
        value: 0,
        self_value: 0,
        base: 0,
        count: 0,
        children: Vec::new(),
    }
}

/// The state of the pass over sorted rows: the open path and where each open frame's next
/// callee starts.
struct TreeBuilder {
    frames: Vec<Frame>,
    /// The open frames below the root, outermost first.
    open: Vec<usize>,
    /// For the root and each open frame, the offset of its next callee.
    cursor: Vec<i64>,
    omitted: usize,
}

impl TreeBuilder {
    fn open(&mut self, name: u32) {
        let parent = self.open.last().copied().unwrap_or(0);
        let depth = self.open.len() + 1;
        let offset = *self.cursor.last().expect("the root's cursor");
        self.open.push(self.frames.len());
        self.cursor.push(offset);
        self.frames
            .push(new_frame(name, Some(parent), depth, offset));
    }

    /// Closes the innermost open frame: its caller's next callee starts after it; a frame
    /// too narrow to keep goes, with its callees (the frames after it).
    fn close(&mut self, keep: &impl Fn(i64) -> bool) {
        let i = self.open.pop().expect("an open frame");
        self.cursor.pop();
        let weight = self.frames[i].weight;
        *self.cursor.last_mut().expect("the root's cursor") += weight;
        if !keep(weight) {
            self.omitted += self.frames.len() - i;
            self.frames.truncate(i);
        }
    }

    /// Adds a sample to the root and the open path; it ends at the innermost open frame.
    fn add(&mut self, r: &Row) {
        let abs = r.value.wrapping_abs();
        let add = |f: &mut Frame| {
            f.weight = f.weight.wrapping_add(abs);
            f.value = f.value.wrapping_add(r.value);
            f.count = f.count.wrapping_add(r.count);
            f.base = f.base.wrapping_add(r.base);
        };
        add(&mut self.frames[0]);
        for &i in &self.open {
            add(&mut self.frames[i]);
        }
        let leaf = self.open.last().copied().unwrap_or(0);
        let f = &mut self.frames[leaf];
        f.self_value = f.self_value.wrapping_add(r.value);
    }
}

impl Report {
    /// Prints `p` as an interactive SVG flame graph (`-flame`): one file with its script and
    /// style inline, nothing fetched. Frames narrower than a tenth of a pixel are left out.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing fails.
    pub fn flame_graph(&mut self, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
        let stacks = Stacks::new(p, self);
        let total: i64 = stacks
            .rows
            .iter()
            .fold(0i64, |t, r| t.wrapping_add(r.value.wrapping_abs()));
        let graph = stacks.tree(|weight| svg::visible(weight, total));
        svg::write(self, p, &graph, w)
    }

    /// Prints `p` as folded stacks (`-folded`): one line per distinct stack, callers first,
    /// frames joined by `;`, then a space and the stack's value (an integer, in the sample
    /// type's unit, divided as `-divide_by` and `-mean` say; negative for a shrinking stack of
    /// a comparison). Lines come in depth-first order, callees by name. A `;` inside a frame
    /// name would split it, so it is written as `:`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing fails.
    pub fn folded(&mut self, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
        let (mean, ratio) = (self.options.value.mean, self.options.ratio);
        Stacks::new(p, self).write_folded(mean, ratio, w)
    }
}

#[cfg(test)]
mod tests;
