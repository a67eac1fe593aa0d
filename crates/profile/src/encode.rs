//! Encoding a [`Profile`] as profile.proto, strings interned into a fresh table.

use std::collections::HashMap;
use std::io::Write;

use crate::model::*;
use crate::wire::Writer;

/// Interns strings into a table whose entry 0 is "", as profile.proto requires.
struct Strings<'p> {
    index: HashMap<&'p str, i64>,
    table: Vec<&'p str>,
}

impl<'p> Strings<'p> {
    fn new() -> Self {
        let mut s = Strings {
            index: HashMap::new(),
            table: Vec::new(),
        };
        s.id("");
        s
    }

    fn id(&mut self, s: &'p str) -> i64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.table.len() as i64;
        self.table.push(s);
        self.index.insert(s, i);
        i
    }
}

/// Encodes `p` as uncompressed profile.proto bytes.
pub(crate) fn encode(p: &Profile) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(p, &mut out).expect("writing to a Vec cannot fail");
    out
}

/// Past this many buffered bytes the encoder hands its output to the sink, so writing a large
/// profile never holds its whole encoding in memory.
const SINK_CHUNK: usize = 1 << 20;

/// Encodes `p` as uncompressed profile.proto bytes into `sink`, a chunk at a time.
pub(crate) fn encode_into(p: &Profile, sink: &mut impl Write) -> std::io::Result<()> {
    let mut strings = Strings::new();
    let mut out = Writer::default();
    // Each nested message is encoded into `msg` and then copied in with its length.
    let mut msg = Writer::default();
    let mut sub = Writer::default();

    for t in &p.sample_type {
        value_type(&mut msg, &mut strings, t);
        flush(&mut out, 1, &mut msg);
        drain(&mut out, sink, SINK_CHUNK)?;
    }
    for s in &p.sample {
        msg.packed(1, s.location.iter().map(|l| l.0));
        msg.packed(2, s.value.iter().map(|&v| v as u64));
        for l in &s.label {
            sub.int_opt(1, strings.id(&l.key));
            match &l.value {
                LabelValue::Str(v) => sub.int_opt(2, strings.id(v)),
                LabelValue::Num { num, unit } => {
                    sub.int_opt(3, *num);
                    sub.int_opt(4, strings.id(unit));
                }
            }
            flush(&mut msg, 3, &mut sub);
        }
        flush(&mut out, 2, &mut msg);
        drain(&mut out, sink, SINK_CHUNK)?;
    }
    for m in &p.mapping {
        msg.uint_opt(1, m.id.0);
        msg.uint_opt(2, m.memory_start);
        msg.uint_opt(3, m.memory_limit);
        msg.uint_opt(4, m.file_offset);
        msg.int_opt(5, strings.id(&m.filename));
        msg.int_opt(6, strings.id(&m.build_id));
        msg.bool_opt(7, m.has_functions);
        msg.bool_opt(8, m.has_filenames);
        msg.bool_opt(9, m.has_line_numbers);
        msg.bool_opt(10, m.has_inline_frames);
        flush(&mut out, 3, &mut msg);
        drain(&mut out, sink, SINK_CHUNK)?;
    }
    for l in &p.location {
        msg.uint_opt(1, l.id.0);
        msg.uint_opt(2, l.mapping_id.map_or(0, |m| m.0));
        msg.uint_opt(3, l.address);
        for line in &l.line {
            sub.uint_opt(1, line.function_id.map_or(0, |f| f.0));
            sub.int_opt(2, line.line);
            sub.int_opt(3, line.column);
            flush(&mut msg, 4, &mut sub);
        }
        msg.bool_opt(5, l.is_folded);
        flush(&mut out, 4, &mut msg);
        drain(&mut out, sink, SINK_CHUNK)?;
    }
    for f in &p.function {
        msg.uint_opt(1, f.id.0);
        msg.int_opt(2, strings.id(&f.name));
        msg.int_opt(3, strings.id(&f.system_name));
        msg.int_opt(4, strings.id(&f.filename));
        msg.int_opt(5, f.start_line);
        flush(&mut out, 5, &mut msg);
        drain(&mut out, sink, SINK_CHUNK)?;
    }
    out.int_opt(7, strings.id(&p.drop_frames));
    out.int_opt(8, strings.id(&p.keep_frames));
    out.int_opt(9, p.time_nanos);
    out.int_opt(10, p.duration_nanos);
    if let Some(t) = &p.period_type {
        value_type(&mut msg, &mut strings, t);
        flush(&mut out, 11, &mut msg);
    }
    out.int_opt(12, p.period);
    let comments: Vec<u64> = p.comments.iter().map(|c| strings.id(c) as u64).collect();
    out.packed(13, comments.iter().copied());
    out.int_opt(14, strings.id(&p.default_sample_type));
    out.int_opt(15, strings.id(&p.doc_url));
    // Go writes the string table last; so do we.
    for s in &strings.table {
        out.bytes(6, s.as_bytes());
    }
    drain(&mut out, sink, 0)
}

/// Hands the buffered bytes to `sink` once there are more than `min` of them.
fn drain(out: &mut Writer, sink: &mut impl Write, min: usize) -> std::io::Result<()> {
    if out.buf.len() > min {
        sink.write_all(&out.buf)?;
        out.buf.clear();
    }
    Ok(())
}

fn value_type<'p>(w: &mut Writer, strings: &mut Strings<'p>, t: &'p ValueType) {
    w.int_opt(1, strings.id(&t.kind));
    w.int_opt(2, strings.id(&t.unit));
}

/// Writes `msg` as field `field` of `out` (even when empty: an empty message still counts as an
/// element of a repeated field) and clears it for reuse.
fn flush(out: &mut Writer, field: u32, msg: &mut Writer) {
    out.bytes(field, &msg.buf);
    msg.buf.clear();
}
