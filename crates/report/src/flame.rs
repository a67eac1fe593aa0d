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
//! Values are summed per frame three ways: the signed sum (what the frame costs; with `-base`
//! or `-diff_base` the net change), the sum of absolute values (the frame's width, so that
//! growth and shrinkage both take room and children never outgrow their parent), and the part
//! that came from `-diff_base` samples (the "before" of a differential flame graph).

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::{Profile, pipeline::is_diff_base};

use crate::graph::SampleValue;
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
    /// The part of [`count`](Self::count) from samples that end here.
    pub self_count: i64,
    /// The callees' frames, sorted by name.
    pub children: Vec<usize>,
}

/// The frame tree of a profile: frame 0 is the root, `all`, holding every sample.
#[derive(Debug, Clone)]
pub struct FlameGraph {
    names: Vec<String>,
    frames: Vec<Frame>,
    /// Whether any sample is negative (a `-base` or `-diff_base` comparison).
    diff: bool,
}

/// The name of the root frame, as flamegraph.pl and inferno name it.
const ROOT: &str = "all";

impl FlameGraph {
    /// Builds the frame tree of `p`'s samples, reading the sample value `value` and naming
    /// frames as `rpt`'s text reports do (granularity, `-noinlines`, `-trim_path`).
    pub fn new(p: &Profile, rpt: &Report) -> FlameGraph {
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
        Builder::new(&table).build(p, o.value)
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

    /// Calls `f` with each stack that has a self value, root excluded, callers first, and the
    /// stack's last frame, in depth-first order (children by name).
    fn each_stack(&self, mut f: impl FnMut(&[usize], &Frame)) {
        let mut path: Vec<usize> = Vec::new();
        // (frame, children visited): an explicit stack, since profiles can be deep.
        let mut todo: Vec<(usize, bool)> = vec![(0, false)];
        while let Some((i, done)) = todo.pop() {
            if done {
                path.pop();
                continue;
            }
            if i != 0 {
                path.push(i);
                let fr = &self.frames[i];
                if fr.self_value != 0 || fr.self_count != 0 {
                    f(&path, fr);
                }
                todo.push((i, true));
            }
            todo.extend(self.frames[i].children.iter().rev().map(|&c| (c, false)));
        }
    }
}

/// Accumulates samples into the frame tree.
struct Builder<'a> {
    table: &'a NodeTable,
    /// Frame names by node id; index 0 is the root's.
    names: Vec<String>,
    frames: Vec<Frame>,
    /// The child of (frame, node), so that identical paths merge.
    child: HashMap<(u32, u32), u32>,
}

impl<'a> Builder<'a> {
    fn new(table: &'a NodeTable) -> Builder<'a> {
        let mut names = Vec::with_capacity(table.len() + 1);
        names.push(ROOT.to_string());
        names.extend((0..table.len() as u32).map(|n| table.name(n).to_string()));
        let root = Frame {
            name: 0,
            parent: None,
            depth: 0,
            weight: 0,
            value: 0,
            self_value: 0,
            base: 0,
            count: 0,
            self_count: 0,
            children: Vec::new(),
        };
        Builder {
            table,
            names,
            frames: vec![root],
            child: HashMap::new(),
        }
    }

    fn build(mut self, p: &Profile, value: SampleValue) -> FlameGraph {
        let mut diff = false;
        for s in &p.sample {
            let (v, d) = value.of(s);
            if v == 0 && d == 0 {
                continue;
            }
            diff |= v < 0;
            let base = if is_diff_base(s) { -v } else { 0 };
            let mut at = 0usize;
            self.add(at, v, d, base);
            // Locations are leaf first, and a location's frames innermost first.
            for &loc in s.location.iter().rev() {
                for &node in self.table.location(loc).iter().rev() {
                    at = self.enter(at, node);
                    self.add(at, v, d, base);
                }
            }
            let leaf = &mut self.frames[at];
            leaf.self_value = leaf.self_value.wrapping_add(v);
            leaf.self_count = leaf.self_count.wrapping_add(d);
        }
        self.link_children();
        FlameGraph {
            names: self.names,
            frames: self.frames,
            diff,
        }
    }

    fn add(&mut self, at: usize, v: i64, d: i64, base: i64) {
        let f = &mut self.frames[at];
        f.weight = f.weight.wrapping_add(v.wrapping_abs());
        f.value = f.value.wrapping_add(v);
        f.count = f.count.wrapping_add(d);
        f.base = f.base.wrapping_add(base);
    }

    /// The frame for `node` called from frame `at`, made if new.
    fn enter(&mut self, at: usize, node: u32) -> usize {
        let next = self.frames.len() as u32;
        let id = *self.child.entry((at as u32, node)).or_insert(next);
        if id == next {
            let depth = self.frames[at].depth + 1;
            self.frames.push(Frame {
                name: node + 1,
                parent: Some(at),
                depth,
                weight: 0,
                value: 0,
                self_value: 0,
                base: 0,
                count: 0,
                self_count: 0,
                children: Vec::new(),
            });
        }
        id as usize
    }

    /// Fills each frame's children, sorted by name as flamegraph.pl sorts them (so that the
    /// same function sits at the same place in graphs of two profiles).
    fn link_children(&mut self) {
        for i in 1..self.frames.len() {
            if let Some(p) = self.frames[i].parent {
                self.frames[p].children.push(i);
            }
        }
        let (names, frames) = (&self.names, &mut self.frames);
        let name_of: Vec<u32> = frames.iter().map(|f| f.name).collect();
        for f in frames.iter_mut() {
            f.children
                .sort_by(|&a, &b| names[name_of[a] as usize].cmp(&names[name_of[b] as usize]));
        }
    }
}

impl Report {
    /// Prints `p` as an interactive SVG flame graph (`-flame`): one file with its script and
    /// style inline, nothing fetched.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing fails.
    pub fn flame_graph(&mut self, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
        let graph = FlameGraph::new(p, self);
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
        let graph = FlameGraph::new(p, self);
        let (mean, ratio) = (self.options.value.mean, self.options.ratio);
        let mut out = String::new();
        let mut result = Ok(());
        graph.each_stack(|path, leaf| {
            if result.is_err() {
                return;
            }
            let mut v = leaf.self_value;
            if mean && leaf.self_count != 0 {
                v /= leaf.self_count;
            }
            if ratio > 0.0 && ratio != 1.0 {
                v = (v as f64 * ratio) as i64;
            }
            for (k, &f) in path.iter().enumerate() {
                if k > 0 {
                    out.push(';');
                }
                out.push_str(&graph.name(f).replace(';', ":"));
            }
            out.push(' ');
            out.push_str(&v.to_string());
            out.push('\n');
            if out.len() > 1 << 16 {
                result = w.write_all(out.as_bytes());
                out.clear();
            }
        });
        result?;
        w.write_all(out.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
