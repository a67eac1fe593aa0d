//! Go's legacy text formats: the aggregated count profile (`debug=1` of `goroutine` and
//! `threadcreate`, Go's `printCountProfile`) and the per-thread dump (`debug=2`, the shape of
//! `runtime.Stack(buf, true)`), with frames as Go prints them: `function+offset` from the
//! function's start, and `file:line`.

use std::collections::HashMap;
use std::io::{self, Write};

use sextant_profile::{LabelValue, Location, LocationId, Profile, Sample};
use sextant_symbolize::{ElfFile, LoadedModule, SymbolTable};

/// One source-level frame of an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) pc: u64,
    /// Empty when nothing is known of the address.
    pub(crate) function: String,
    /// From the start of the enclosing symbol.
    pub(crate) offset: u64,
    pub(crate) file: String,
    pub(crate) line: i64,
}

/// Function starts from the modules' symbol tables, for the `+offset` Go prints.
pub(crate) struct Frames<'a> {
    modules: &'a [LoadedModule],
    tables: HashMap<String, Option<SymbolTable>>,
}

impl<'a> Frames<'a> {
    /// Frames of the locations of a profile whose mappings are `modules`, in order (as
    /// [`crate::stackwalk::ProfileBuilder`] numbers them).
    pub(crate) fn new(modules: &'a [LoadedModule]) -> Frames<'a> {
        Frames {
            modules,
            tables: HashMap::new(),
        }
    }

    /// The frames of location `id`, innermost inlined callee first.
    pub(crate) fn of(&mut self, p: &Profile, id: LocationId) -> Vec<Frame> {
        let Some(loc) = p.location.iter().find(|l| l.id == id) else {
            return Vec::new();
        };
        let offset = self.offset(loc);
        let mut out: Vec<Frame> = loc
            .line
            .iter()
            .filter_map(|l| {
                let f = p.function.iter().find(|f| Some(f.id) == l.function_id)?;
                Some(Frame {
                    pc: loc.address,
                    function: f.name.clone(),
                    offset,
                    file: f.filename.clone(),
                    line: l.line,
                })
            })
            .collect();
        if out.is_empty() {
            out.push(Frame {
                pc: loc.address,
                function: String::new(),
                offset: 0,
                file: String::new(),
                line: 0,
            });
        }
        out
    }

    fn offset(&mut self, loc: &Location) -> u64 {
        let Some(m) = loc
            .mapping_id
            .and_then(|id| self.modules.get((id.0 as usize).wrapping_sub(1)))
        else {
            return 0;
        };
        if !m.has_file {
            return 0;
        }
        let table = self
            .tables
            .entry(m.path.clone())
            .or_insert_with(|| ElfFile::open(&m.path_buf()).ok().map(|f| f.symbol_table()));
        let svma = m.svma(loc.address);
        table
            .as_ref()
            .and_then(|t| t.lookup_start(svma))
            .map_or(0, |(start, _)| svma - start)
    }
}

/// Go's `labelMap.String()`: `{"k":"v", ...}`, pairs sorted.
fn labels_text(s: &Sample) -> Option<String> {
    let mut pairs: Vec<String> = s
        .label
        .iter()
        .filter_map(|l| match &l.value {
            LabelValue::Str(v) => Some(format!("{:?}:{:?}", &*l.key, &**v)),
            LabelValue::Num { .. } => None,
        })
        .collect();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort();
    Some(format!("{{{}}}", pairs.join(", ")))
}

/// Writes a count profile (sample value 0 is the count) as Go's `debug=1` text: the header
/// `NAME profile: total N`, then one record per distinct (stack, labels), by count
/// descending, ties by key: `COUNT @ 0x.. 0x..` (return addresses, as pprof's legacy parser
/// expects: it subtracts one), `# labels: {...}`, and a `#\t0x..\tfunction+0x..\tfile:line`
/// line per frame; all through Go's tabwriter settings.
pub(crate) fn write_count_profile(
    w: &mut dyn Write,
    name: &str,
    p: &Profile,
    frames: &mut Frames<'_>,
) -> io::Result<()> {
    let mut groups: HashMap<String, (i64, &Sample)> = HashMap::new();
    let mut total = 0;
    for s in &p.sample {
        let n = s.value.first().copied().unwrap_or(0);
        total += n;
        let mut key = String::from("@");
        for id in &s.location {
            let addr = p
                .location
                .iter()
                .find(|l| l.id == *id)
                .map_or(0, |l| l.address);
            key.push_str(&format!(" {:#x}", addr.wrapping_add(1)));
        }
        if let Some(l) = labels_text(s) {
            key.push_str("\n# labels: ");
            key.push_str(&l);
        }
        groups.entry(key).or_insert((0, s)).0 += n;
    }
    let mut keys: Vec<(&String, &(i64, &Sample))> = groups.iter().collect();
    keys.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));
    let mut text = format!("{name} profile: total {total}\n");
    for (key, (count, s)) in keys {
        text.push_str(&format!("{count} {key}\n"));
        for id in &s.location {
            for f in frames.of(p, *id) {
                if f.function.is_empty() {
                    text.push_str(&format!("#\t{:#x}\n", f.pc));
                } else {
                    text.push_str(&format!(
                        "#\t{:#x}\t{}+{:#x}\t{}:{}\n",
                        f.pc, f.function, f.offset, f.file, f.line
                    ));
                }
            }
        }
        text.push('\n');
    }
    w.write_all(tabwrite(&text).as_bytes())
}

/// One thread of a `debug=2` dump.
pub(crate) struct DumpedThread<'a> {
    pub(crate) tid: i32,
    pub(crate) name: &'a str,
    /// `sleeping`, `running`, ..., with `, no response` when it did not answer.
    pub(crate) status: String,
    pub(crate) frames: Vec<Frame>,
    /// For threads created through [`crate::thread`]: the frame that created it.
    pub(crate) created_by: Option<Frame>,
}

/// Writes threads in the shape of Go's goroutine dump: `thread TID "NAME" [STATUS]:`, then
/// per frame `function(...)` and `\tfile:line +0xoffset`, then `created by FUNCTION` and its
/// place when known, a blank line between threads.
pub(crate) fn write_dump(w: &mut dyn Write, threads: &[DumpedThread<'_>]) -> io::Result<()> {
    for (i, t) in threads.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        writeln!(w, "thread {} {:?} [{}]:", t.tid, t.name, t.status)?;
        for f in &t.frames {
            if f.function.is_empty() {
                writeln!(w, "?(...)\n\t?:0 {:#x}", f.pc)?;
            } else {
                writeln!(w, "{}(...)", f.function)?;
                write_place(w, f)?;
            }
        }
        if let Some(f) = &t.created_by {
            writeln!(w, "created by {}", f.function)?;
            write_place(w, f)?;
        }
    }
    Ok(())
}

/// `\tfile:line +0xoffset`.
fn write_place(w: &mut dyn Write, f: &Frame) -> io::Result<()> {
    let file = if f.file.is_empty() { "?" } else { &f.file };
    writeln!(w, "\t{}:{} +{:#x}", file, f.line, f.offset)
}

/// Go's `text/tabwriter` as `printCountProfile` configures it (`minwidth 1, tabwidth 8,
/// padding 1, padchar '\t'`): tab-terminated cells of consecutive lines form columns, each
/// as wide as its widest cell plus one, rounded up to a tab stop and filled with tabs; a
/// line's last cell is not part of a column.
pub(crate) fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut widths = Vec::new();
    format(&lines, 0, lines.len(), &mut widths, &mut out);
    // `split` gave one more (empty) line after the final newline.
    out.pop();
    out
}

fn format(
    lines: &[Vec<&str>],
    mut from: usize,
    to: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = from;
    while this < to {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, from, this, widths, out);
        from = this;
        let mut width = 1;
        while this < to && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + 1);
            this += 1;
        }
        widths.push(width);
        format(lines, from, this, widths, out);
        widths.pop();
        from = this;
    }
    write_lines(lines, from, to, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() {
                let cellw = widths.get(j).copied().unwrap_or(0).div_ceil(8) * 8;
                let n = cellw.saturating_sub(cell.chars().count());
                for _ in 0..n.div_ceil(8) {
                    out.push('\t');
                }
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sextant_profile::{Function, FunctionId, Label, Line};

    fn loc(id: u64, address: u64, function: Option<u64>, line: i64) -> Location {
        Location {
            id: LocationId(id),
            mapping_id: None,
            address,
            line: function
                .map(|f| Line {
                    function_id: Some(FunctionId(f)),
                    line,
                    column: 0,
                })
                .into_iter()
                .collect(),
            is_folded: false,
        }
    }

    fn sample(locs: &[u64], n: i64, state: &str) -> Sample {
        Sample {
            location: locs.iter().map(|&l| LocationId(l)).collect(),
            value: vec![n],
            label: vec![Label::str("state", state)],
        }
    }

    #[test]
    fn count_text_merges_equal_records_and_sorts_them_as_go_does() {
        let f = |id, name: &str| Function {
            id: FunctionId(id),
            name: name.into(),
            system_name: name.into(),
            filename: "src/main.rs".into(),
            start_line: 0,
        };
        let p = Profile {
            function: vec![f(1, "app::wait"), f(2, "app::main")],
            location: vec![
                loc(1, 0x1000, Some(1), 10),
                loc(2, 0x2000, Some(2), 20),
                loc(3, 0x3000, None, 0),
            ],
            sample: vec![
                sample(&[1, 2], 2, "sleeping"),
                sample(&[3], 5, "running"),
                sample(&[1, 2], 1, "sleeping"),
            ],
            ..Profile::default()
        };
        let mut out = Vec::new();
        write_count_profile(&mut out, "threads", &p, &mut Frames::new(&[])).unwrap();
        // By hand, from printCountProfile's rules: total 8 = 2 + 5 + 1; the two equal
        // (stack, labels) records merge into 3; count 5 comes first; `@` addresses are the
        // return addresses (+1); the function cells are padded to one tab stop past the
        // widest ("app::wait+0x0" is 13 wide: the column is 14, 16 rounded, so one tab).
        let want = "threads profile: total 8\n\
                    5 @ 0x3001\n\
                    # labels: {\"state\":\"running\"}\n\
                    #\t0x3000\n\
                    \n\
                    3 @ 0x1001 0x2001\n\
                    # labels: {\"state\":\"sleeping\"}\n\
                    #\t0x1000\tapp::wait+0x0\tsrc/main.rs:10\n\
                    #\t0x2000\tapp::main+0x0\tsrc/main.rs:20\n\
                    \n";
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn tabwriter_pads_columns_with_tabs_as_go_does() {
        // Go: tabwriter.NewWriter(w, 1, 8, 1, '\t', 0) on these lines gives this output
        // (columns of width max+1 rounded up to 8, filled with tabs).
        let text =
            "1 @ 0x1\n#\t0x10\tshort+0x1\ta.go:1\n#\t0x20\ta_much_longer_name+0x2\tb.go:2\n\n";
        let want =
            "1 @ 0x1\n#\t0x10\tshort+0x1\t\ta.go:1\n#\t0x20\ta_much_longer_name+0x2\tb.go:2\n\n";
        assert_eq!(tabwrite(text), want);
    }

    #[test]
    fn a_cell_as_wide_as_a_tab_stop_gets_a_whole_tab_more() {
        // "12345678" is 8 wide; the column is 9, rounded to 16: one tab.
        assert_eq!(tabwrite("12345678\tx\nab\ty\n"), "12345678\tx\nab\t\ty\n");
    }
}
