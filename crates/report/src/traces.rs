//! The `traces` report (pprof's `printTraces`): every sample, its labels and its stack.
//!
//! Large profiles print hundreds of megabytes here, so the report is built for speed: each
//! location's frame lines are formatted once into one arena (a sample's stack is then a
//! concatenation of slices of it), label lines and values go into one reused buffer that is
//! written out in large chunks, and each distinct value is formatted once.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc;

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
///
/// The report is formatted on a second thread while this one writes it: writing hundreds of
/// megabytes costs the kernel as much as formatting them costs us, and the two overlap.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let rpt: &Report = rpt;
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
    let mut header = labels::profile_labels(rpt, p).join("\n");
    header.push('\n');
    w.write_all(header.as_bytes())?;
    let traces = Traces {
        rpt,
        p,
        table: &table,
        frames: &frames,
        units: &units,
    };
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        let formatter = std::thread::Builder::new()
            .name("traces".into())
            .spawn_scoped(scope, move || {
                traces.format(&mut |buf: &mut Vec<u8>| {
                    let mut next = empty_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(buf.capacity()));
                    next.clear();
                    // The writer is gone after a write error: stop formatting.
                    full_tx.send(std::mem::replace(buf, next)).is_ok()
                });
            });
        if formatter.is_err() {
            // No second thread: format and write in turns on this one.
            let mut result = Ok(());
            traces.format(&mut |buf: &mut Vec<u8>| {
                result = w.write_all(buf);
                buf.clear();
                result.is_ok()
            });
            return result.map_err(Error::from);
        }
        for mut buf in full_rx.iter() {
            w.write_all(&buf)?;
            buf.clear();
            let _ = empty_tx.send(buf);
        }
        Ok(())
    })
}

/// Formatted chunks on their way from the formatting thread to the writing one, at most.
const IN_FLIGHT: usize = 4;

/// What formatting the samples reads, shared with the formatting thread.
#[derive(Clone, Copy)]
struct Traces<'a> {
    rpt: &'a Report,
    p: &'a Profile,
    table: &'a NodeTable,
    frames: &'a Frames,
    units: &'a HashMap<String, String>,
}

impl Traces<'_> {
    /// Formats every sample and the closing separator, handing each chunk of about [`CHUNK`]
    /// bytes (and the last one) to `emit`, which empties it and says whether to go on.
    fn format(&self, emit: &mut dyn FnMut(&mut Vec<u8>) -> bool) {
        let mut out: Vec<u8> = Vec::with_capacity(CHUNK + (1 << 12));
        let (rpt, table, frames) = (self.rpt, self.table, self.frames);
        let mut values = Values::default();
        let mut label_lines = LabelLines::default();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for s in &self.p.sample {
            // First where each frame block is, then the copies: the lookups of a stack do not
            // wait for one another, nor for the copies, so their cache misses overlap.
            frames.spans(table, &s.location, &mut spans);
            // A sample none of whose locations has a frame prints nothing.
            let Some((&(start, end), rest)) = spans.split_first() else {
                continue;
            };
            out.extend_from_slice(SEPARATOR.as_bytes());
            label_lines.write(s, self.units, &mut out);
            let (mut v, d) = rpt.options.value.of(s);
            if d != 0 {
                v /= d;
            }
            values.write(rpt, v, &mut out);
            out.extend_from_slice(&frames.text[start + VALUE_WIDTH..end]);
            for &(a, b) in rest {
                out.extend_from_slice(&frames.text[a..b]);
            }
            if out.len() >= CHUNK && !emit(&mut out) {
                return;
            }
        }
        out.extend_from_slice(SEPARATOR.as_bytes());
        emit(&mut out);
    }
}

/// The width of the value column; frame lines without a value start with this many spaces.
const VALUE_WIDTH: usize = 10;

/// For each location, the lines its frames print (innermost first, `(inline)` on all but the
/// outermost), each with a blank value column, all in one string.
struct Frames {
    /// Every location's lines, in the profile's location order.
    text: Vec<u8>,
    /// Where each location's lines start in `text`, and where the last one's end.
    starts: Vec<usize>,
}

impl Frames {
    fn new(table: &NodeTable, p: &Profile) -> Frames {
        let mut text = Vec::new();
        let mut starts = Vec::with_capacity(p.location.len() + 1);
        starts.push(0);
        for l in &p.location {
            let nodes = table.location(l.id);
            for (i, &n) in nodes.iter().enumerate() {
                text.extend_from_slice(&[b' '; VALUE_WIDTH + 3]);
                text.extend_from_slice(table.name(n).as_bytes());
                if i != nodes.len() - 1 {
                    text.extend_from_slice(b" (inline)");
                }
                text.push(b'\n');
            }
            starts.push(text.len());
        }
        Frames { text, starts }
    }

    /// Sets `spans` to where in `text` the lines of each location of `stack` are, skipping
    /// locations without frames and ids the table does not know.
    #[inline]
    fn spans(&self, table: &NodeTable, stack: &[LocationId], spans: &mut Vec<(usize, usize)>) {
        spans.clear();
        for &id in stack {
            if let Some(i) = table.location_index(id) {
                let (a, b) = (self.starts[i], self.starts[i + 1]);
                if a != b {
                    spans.push((a, b));
                }
            }
        }
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
    fn write(&mut self, rpt: &Report, v: i64, out: &mut Vec<u8>) {
        if let Some(s) = self.memo.get(&v) {
            out.extend_from_slice(s.as_bytes());
            return;
        }
        let s = format!("{:>VALUE_WIDTH$}", rpt.format_value(v));
        out.extend_from_slice(s.as_bytes());
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
    fn write(&mut self, s: &Sample, units: &HashMap<String, String>, out: &mut Vec<u8>) {
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
            out.extend_from_slice(&text.as_bytes()[a..b]);
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

#[cfg(test)]
mod tests {
    use std::io;

    use sextant_profile::{Function, FunctionId, Line, Location, ValueType};

    use super::*;
    use crate::{Format, Options, SampleValue};

    /// `n` samples of value 7 on the stack main.leaf <- main.caller, each labelled k=b, k=a,
    /// endpoint=/x and bytes=1024.
    fn profile(n: usize) -> Profile {
        let mut p = Profile {
            sample_type: vec![ValueType::new("samples", "count")],
            ..Profile::default()
        };
        for (i, name) in ["main.leaf", "main.caller"].into_iter().enumerate() {
            let id = i as u64 + 1;
            p.function.push(Function {
                id: FunctionId(id),
                name: name.into(),
                ..Default::default()
            });
            p.location.push(Location {
                id: LocationId(id),
                line: vec![Line {
                    function_id: Some(FunctionId(id)),
                    line: 3,
                    column: 0,
                }],
                ..Default::default()
            });
        }
        let label = vec![
            Label::str("k", "b"),
            Label::num("bytes", 1024, "bytes"),
            Label::str("endpoint", "/x"),
            Label::str("k", "a"),
        ];
        p.sample = (0..n)
            .map(|_| Sample {
                location: vec![LocationId(1), LocationId(2)],
                value: vec![7],
                label: label.clone(),
            })
            .collect();
        p
    }

    fn traces(p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
        let options = Options {
            format: Format::Traces,
            value: SampleValue {
                index: 0,
                mean: false,
            },
            sample_type: "samples".into(),
            sample_unit: "count".into(),
            ..Options::default()
        };
        Report::new(p, options).generate(p, w)
    }

    #[test]
    fn every_sample_prints_once_across_many_chunks() {
        // Far more than a few chunks, so formatting buffers are recycled many times.
        let n = 4 * CHUNK / 100;
        let mut out = Vec::new();
        traces(&profile(n), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        // pprof prints one line per key, values in file order; the lines are sorted as padded
        // strings (so "         k" before "  endpoint"), string labels before numeric ones.
        let sample = "-----------+-------------------------------------------------------\n\
                      \x20        k:  b a\n\
                      \x20 endpoint:  /x\n\
                      \x20    bytes:  1kB\n\
                      \x20        7   main.leaf\n\
                      \x20            main.caller\n";
        let body = &out[out.find(SEPARATOR).unwrap()..];
        assert_eq!(body.len(), n * sample.len() + SEPARATOR.len());
        assert_eq!(body, sample.repeat(n) + SEPARATOR);
    }

    /// Accepts `room` bytes, then fails.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_stops_the_report_with_its_error() {
        let p = profile(4 * CHUNK / 100);
        let err = traces(&p, &mut Full { room: 3 * CHUNK }).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
    }
}
