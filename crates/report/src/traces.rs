//! The `traces` report (pprof's `printTraces`): every sample, its labels and its stack.
//!
//! Large profiles print hundreds of megabytes here, so the report is built for speed: each
//! location's frame lines are formatted once into one arena (a sample's stack is then a
//! concatenation of slices of it), label lines and values go into one reused buffer that is
//! written out in large chunks, and each distinct value is formatted once.

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::{Label, LabelValue, LocationId, Profile, Sample};

use crate::labels;
use crate::measurement;
use crate::nodes::{NodeOptions, NodeTable};
use crate::report::{Error, Report};

const SEPARATOR: &str = "-----------+-------------------------------------------------------\n";

/// The output goes to the writer in chunks of about this many bytes: few system calls, and a
/// buffer small enough to stay in cache while it fills.
const CHUNK: usize = 1 << 17;

/// Prints the profile header, then each sample between separators.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let o = &rpt.options;
    let table = NodeTable::new(
        p,
        NodeOptions {
            granularity: o.granularity,
            inlines: !o.noinlines,
            trim_paths: false,
            obj_names: false,
        },
        "",
        "",
    );
    let units = num_label_units(p);
    let frames = Frames::new(&table, p);
    let mut values = Values::default();
    let mut label_lines = LabelLines::default();
    let mut out = String::with_capacity(CHUNK + (1 << 12));
    out.push_str(&labels::profile_labels(rpt, p).join("\n"));
    out.push('\n');
    for s in &p.sample {
        let mut blocks = s
            .location
            .iter()
            .filter_map(|&l| frames.block(&table, l))
            .skip_while(|b| b.is_empty());
        // A sample none of whose locations has a frame prints nothing.
        let Some(first) = blocks.next() else {
            continue;
        };
        out.push_str(SEPARATOR);
        label_lines.write(s, &units, &mut out);
        let (mut v, d) = rpt.options.value.of(s);
        if d != 0 {
            v /= d;
        }
        values.write(rpt, v, &mut out);
        out.push_str(&first[VALUE_WIDTH..]);
        for block in blocks {
            out.push_str(block);
        }
        if out.len() >= CHUNK {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str(SEPARATOR);
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// The width of the value column; frame lines without a value start with this many spaces.
const VALUE_WIDTH: usize = 10;

/// For each location, the lines its frames print (innermost first, `(inline)` on all but the
/// outermost), each with a blank value column, all in one string.
struct Frames {
    /// Every location's lines, in the profile's location order.
    text: String,
    /// Where each location's lines start in `text`, and where the last one's end.
    starts: Vec<usize>,
}

impl Frames {
    fn new(table: &NodeTable, p: &Profile) -> Frames {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(p.location.len() + 1);
        starts.push(0);
        for l in &p.location {
            let nodes = table.location(l.id);
            for (i, &n) in nodes.iter().enumerate() {
                text.push_str(&" ".repeat(VALUE_WIDTH + 3));
                text.push_str(table.name(n));
                if i != nodes.len() - 1 {
                    text.push_str(" (inline)");
                }
                text.push('\n');
            }
            starts.push(text.len());
        }
        Frames { text, starts }
    }

    /// The lines of location `id` (empty for a location without frames); `None` for an id the
    /// table does not know.
    #[inline]
    fn block(&self, table: &NodeTable, id: LocationId) -> Option<&str> {
        let i = table.location_index(id)?;
        Some(&self.text[self.starts[i]..self.starts[i + 1]])
    }
}

/// The value column of each distinct value, formatted once: most samples of a CPU profile
/// share a handful of values.
#[derive(Default)]
struct Values {
    memo: HashMap<i64, String>,
}

impl Values {
    /// Past this many distinct values, new ones are formatted each time (bounded memory).
    const MAX: usize = 1 << 16;

    /// Appends `v` as the report prints it, right-aligned in the value column.
    fn write(&mut self, rpt: &Report, v: i64, out: &mut String) {
        if let Some(s) = self.memo.get(&v) {
            out.push_str(s);
            return;
        }
        let s = format!("{:>VALUE_WIDTH$}", rpt.format_value(v));
        out.push_str(&s);
        if self.memo.len() < Self::MAX {
            self.memo.insert(v, s);
        }
    }
}

/// Scratch space for a sample's label lines, reused from sample to sample.
#[derive(Default)]
struct LabelLines {
    /// The sample's label positions, ordered by kind (strings first) then key.
    order: Vec<usize>,
    /// The lines.
    text: String,
    /// Each line: whether its labels are numeric, and its range in `text`.
    lines: Vec<(bool, usize, usize)>,
}

impl LabelLines {
    /// Appends the sample's label lines as pprof prints them: one line per key with its values
    /// in file order, the string labels' lines sorted, then the numeric ones' sorted.
    fn write(&mut self, s: &Sample, units: &HashMap<String, String>, out: &mut String) {
        if s.label.is_empty() {
            return;
        }
        self.order.clear();
        self.order.extend(0..s.label.len());
        // A stable sort: the values of one key stay in file order.
        self.order
            .sort_by(|&a, &b| group(&s.label[a]).cmp(&group(&s.label[b])));
        self.text.clear();
        self.lines.clear();
        let mut i = 0;
        while i < self.order.len() {
            let first = &s.label[self.order[i]];
            let start = self.text.len();
            let width = first.key.chars().count();
            for _ in width..VALUE_WIDTH {
                self.text.push(' ');
            }
            self.text.push_str(&first.key);
            self.text.push_str(":  ");
            let mut j = i;
            while j < self.order.len() && group(&s.label[self.order[j]]) == group(first) {
                if j > i {
                    self.text.push(' ');
                }
                match &s.label[self.order[j]].value {
                    LabelValue::Str(v) => self.text.push_str(v),
                    LabelValue::Num { num, .. } => {
                        let unit = units.get(&*first.key).map_or("", String::as_str);
                        self.text.push_str(&measurement::label(*num, unit));
                    }
                }
                j += 1;
            }
            self.text.push('\n');
            self.lines.push((numeric(first), start, self.text.len()));
            i = j;
        }
        let text = &self.text;
        self.lines
            .sort_by(|a, b| (a.0, &text[a.1..a.2]).cmp(&(b.0, &text[b.1..b.2])));
        for &(_, a, b) in &self.lines {
            out.push_str(&text[a..b]);
        }
    }
}

/// Whether a label is numeric.
fn numeric(l: &Label) -> bool {
    !matches!(l.value, LabelValue::Str(_))
}

/// What a label line gathers: the labels of one kind and key.
fn group(l: &Label) -> (bool, &str) {
    (numeric(l), &l.key)
}

/// The unit of each numeric label key: the first one given, else one implied by the key
/// (pprof's `NumLabelUnits`).
pub(crate) fn num_label_units(p: &Profile) -> HashMap<String, String> {
    let mut units: HashMap<String, String> = HashMap::new();
    for s in &p.sample {
        for l in &s.label {
            if let LabelValue::Num { unit, .. } = &l.value {
                let entry = units.entry(l.key.to_string()).or_default();
                if entry.is_empty() && !unit.is_empty() {
                    *entry = unit.to_string();
                }
            }
        }
    }
    for (key, unit) in units.iter_mut() {
        if unit.is_empty() {
            *unit = match key.as_str() {
                "alignment" | "request" => "bytes".to_string(),
                _ => key.clone(),
            };
        }
    }
    units
}
