//! Go's legacy heap text (`debug=1`), as `writeHeapInternal` (runtime/pprof/pprof.go) writes
//! it: raw sampled values, records by in-use bytes, symbolized frames, a statistics footer.
//!
//! (tabs shown as spaces)
//!
//! ```text
//! heap profile: 9: 7664 [9: 7664] @ heap/1048576
//! 7: 7168 [7: 7168] @ 0x6a3cd6 0x6a3ca6
//! #    0x6a3cd5    leak::grow+0x1b5    /src/leak.rs:20
//! ```
//!
//! After Go's footer comes the process's memory map under pprof's `MAPPED_LIBRARIES:`
//! sentinel, so `go tool pprof` and `sextant pprof` can tie the addresses to files and
//! symbolize them (Go needs no map: its tools read its own binary's tables).

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::{Location, Profile};
use sextant_symbolize::{ElfFile, LoadedModule, SymbolTable};

use super::write::{Record, Snapshot, snapshot};
use crate::error::Result;

/// Writes the text profile to `w`.
pub(super) fn write(w: &mut dyn Write) -> Result<()> {
    // Statistics first, as Go, so the profile's own allocations do not show in them.
    let stats = crate::memstats::read();
    let Snapshot {
        profile,
        mut records,
        rate,
        modules,
    } = snapshot()?;
    records.sort_by_key(|r| std::cmp::Reverse(r.counts.inuse_bytes()));
    let mut out = String::new();
    header(&mut out, &records, rate);
    let mut entries = Entries::new(&modules);
    for r in &records {
        record(&mut out, &profile, r, &mut entries);
    }
    footer(&mut out, &stats);
    let mut text = tabwrite(&out);
    text.push_str("\nMAPPED_LIBRARIES:\n");
    text.push_str(&std::fs::read_to_string("/proc/self/maps")?);
    w.write_all(text.as_bytes())?;
    Ok(())
}

fn header(out: &mut String, records: &[Record], rate: u64) {
    let (mut io, mut ib, mut ao, mut ab) = (0, 0, 0, 0);
    for r in records {
        io += r.counts.inuse();
        ib += r.counts.inuse_bytes();
        ao += r.counts.allocs;
        ab += r.counts.alloc_bytes;
    }
    // Newer Go (after 1.19) adds one byte when the allocation total equals the in-use one,
    // or pprof's parser would take the profile for a two-column (in-use only) one.
    if ab == ib {
        ab += 1;
    }
    // Twice the rate: what the C++ heap profiler wrote, so what pprof expects (Go's comment).
    out.push_str(&format!(
        "heap profile: {io}: {ib} [{ao}: {ab}] @ heap/{}\n",
        2 * rate
    ));
}

fn record(out: &mut String, p: &Profile, r: &Record, entries: &mut Entries<'_>) {
    let c = &r.counts;
    out.push_str(&format!(
        "{}: {} [{}: {}] @",
        c.inuse(),
        c.inuse_bytes(),
        c.allocs,
        c.alloc_bytes
    ));
    let locations: Vec<&Location> = r
        .location
        .iter()
        .map(|id| &p.location[id.0 as usize - 1])
        .filter(|l| l.address != 0)
        .collect();
    // The stack's return addresses: pprof's parser takes one from each to land on the call.
    for l in &locations {
        out.push_str(&format!(" {:#x}", l.address + 1));
    }
    out.push('\n');
    for l in &locations {
        if l.line.is_empty() {
            out.push_str(&format!("#\t{:#x}\n", l.address));
            continue;
        }
        let offset = entries.offset(l);
        for line in &l.line {
            let f = &p.function[line.function_id.map_or(0, |f| f.0 as usize - 1)];
            out.push_str(&format!(
                "#\t{:#x}\t{}+{:#x}\t{}:{}\n",
                l.address, f.name, offset, f.filename, line.line
            ));
        }
    }
    out.push('\n');
}

/// Go's `# runtime.MemStats` block with the fields a Rust allocator has: no GC, no spans,
/// no stacks of goroutines. `PeakAlloc` and `RSS` are ours; `MaxRSS` is Go's (getrusage).
fn footer(out: &mut String, s: &crate::memstats::MemStats) {
    out.push_str("\n# runtime.MemStats\n");
    for (k, v) in [
        ("Alloc", s.live_bytes),
        ("TotalAlloc", s.total_alloc_bytes),
        ("Mallocs", s.mallocs),
        ("Frees", s.frees),
        ("HeapAlloc", s.live_bytes),
        ("HeapObjects", s.mallocs.saturating_sub(s.frees)),
        ("PeakAlloc", s.peak_live_bytes),
        ("RSS", s.rss_bytes),
        ("MaxRSS", s.max_rss_bytes),
    ] {
        out.push_str(&format!("# {k} = {v}\n"));
    }
}

/// Function entry addresses from the modules' symbol tables, for Go's `function+offset`.
struct Entries<'a> {
    modules: &'a [LoadedModule],
    tables: HashMap<usize, Option<SymbolTable>>,
}

impl<'a> Entries<'a> {
    fn new(modules: &'a [LoadedModule]) -> Entries<'a> {
        Entries {
            modules,
            tables: HashMap::new(),
        }
    }

    /// The location's offset from the start of its (outermost, physical) function; 0 when
    /// no symbol covers it.
    fn offset(&mut self, l: &Location) -> u64 {
        let Some(i) = l.mapping_id.map(|m| m.0 as usize - 1) else {
            return 0;
        };
        let Some(m) = self.modules.get(i) else {
            return 0;
        };
        let table = self.tables.entry(i).or_insert_with(|| {
            m.has_file
                .then(|| ElfFile::open(&m.path_buf()).ok().map(|f| f.symbol_table()))
                .flatten()
        });
        let svma = m.svma(l.address);
        table
            .as_ref()
            .and_then(|t| t.lookup_start(svma))
            .map_or(0, |(start, _)| svma - start)
    }
}

/// Go's `text/tabwriter` as `writeHeapInternal` configures it (minwidth 1, tabwidth 8,
/// padding 1, padchar '\t'): the tab-terminated cells of consecutive lines are aligned in
/// columns padded with tabs.
fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut widths = Vec::new();
    format(&lines, &mut widths, 0, lines.len(), &mut out);
    // `split` gave one empty line after the final newline; writing it added one newline.
    out.pop();
    out
}

/// Go's `Writer.format`: lays out column `widths.len()` over the blocks of lines that have a
/// terminated cell in it, recursively for the columns to their right.
fn format(
    lines: &[Vec<&str>],
    widths: &mut Vec<usize>,
    line0: usize,
    line1: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut start = line0;
    let mut this = line0;
    let has_cell = |l: &Vec<&str>| column + 1 < l.len();
    while this < line1 {
        if !has_cell(&lines[this]) {
            this += 1;
            continue;
        }
        write_lines(lines, widths, start, this, out);
        start = this;
        let mut width = 1;
        while this < line1 && has_cell(&lines[this]) {
            width = width.max(lines[this][column].chars().count() + 1);
            this += 1;
        }
        widths.push(width);
        format(lines, widths, start, this, out);
        widths.pop();
        start = this;
    }
    write_lines(lines, widths, start, line1, out);
}

fn write_lines(
    lines: &[Vec<&str>],
    widths: &[usize],
    line0: usize,
    line1: usize,
    out: &mut String,
) {
    const TABWIDTH: usize = 8;
    for cells in &lines[line0..line1] {
        for (j, c) in cells.iter().enumerate() {
            out.push_str(c);
            if j < widths.len() && j + 1 < cells.len() {
                let cellw = widths[j].div_ceil(TABWIDTH) * TABWIDTH;
                let n = cellw - c.chars().count();
                for _ in 0..n.div_ceil(TABWIDTH) {
                    out.push('\t');
                }
            } else if j + 1 < cells.len() {
                // A terminated cell beyond the laid-out columns (cannot happen: every
                // terminated cell belongs to a block).
                out.push('\t');
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_columns_are_padded_with_tabs_as_gos_tabwriter_pads_them() {
        // Go: tabwriter.NewWriter(w, 1, 8, 1, '\t', 0) on these lines gives one tab after
        // "#" (width 2 -> 8), one after the 8-character addresses (9 -> 16), and for the
        // names (longest 12, +1 = 13 -> 16) two tabs after "f+0x1" (5 -> 11 to pad) and one
        // after "long::g+0x20" (12 -> 4 to pad).
        let text = "1: 2 [3: 4] @ 0x1 0x2\n#\t0x401000\tf+0x1\ta.rs:1\n#\t0x402000\tlong::g+0x20\tb.rs:2\n\n";
        assert_eq!(
            tabwrite(text),
            "1: 2 [3: 4] @ 0x1 0x2\n#\t0x401000\tf+0x1\t\ta.rs:1\n#\t0x402000\tlong::g+0x20\tb.rs:2\n\n"
        );
    }
}
