//! Go's `text/tabwriter` as `runtime/pprof` configures it for stack lines
//! (`tabwriter.NewWriter(w, 1, 8, 1, '\t', 0)`): cells end at tabs, each column of a block
//! of consecutive lines that have it is padded with tabs to the widest cell plus one,
//! rounded up to a multiple of 8.

use crate::stackwalk::ProfileBuilder;

/// Go's tab width.
const TAB_WIDTH: usize = 8;
/// Go's padding: one column of space after the widest cell.
const PADDING: usize = 1;

/// Appends `rows` to `out`, one line each, the cells of each row but the last followed by
/// tabs as the tabwriter pads them.
pub(crate) fn align(out: &mut String, rows: &[Vec<String>]) {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    // widths[i][c]: the padded width of cell c in row i (cells that end with a tab).
    let mut widths = vec![vec![0usize; cols]; rows.len()];
    for c in 0..cols {
        let mut i = 0;
        while i < rows.len() {
            if rows[i].len() <= c + 1 {
                i += 1;
                continue;
            }
            // A block: consecutive rows with a tab-terminated cell in column c.
            let start = i;
            let mut w = 1; // Go's minwidth
            while i < rows.len() && rows[i].len() > c + 1 {
                w = w.max(rows[i][c].chars().count() + PADDING);
                i += 1;
            }
            let w = w.div_ceil(TAB_WIDTH) * TAB_WIDTH;
            for row in &mut widths[start..i] {
                row[c] = w;
            }
        }
    }
    for (row, w) in rows.iter().zip(&widths) {
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < row.len() {
                let pad = w[c] - cell.chars().count();
                for _ in 0..pad.div_ceil(TAB_WIDTH) {
                    out.push('\t');
                }
            }
        }
        out.push('\n');
    }
}

/// Appends the `#` lines of a stack (`printStackRecord`): per address, one line per frame,
/// inlined callees first, `#\t0xADDR\tfunction\tfile:line`, aligned as Go aligns them; an
/// address without symbols gets `#\t0xADDR`. Go writes `function+0xOFFSET`; the symbolizer
/// gives no function entries, so the offset is left out (readers of the format skip `#`
/// lines).
pub(crate) fn frames(out: &mut String, b: &mut ProfileBuilder<'_>, pcs: &[u64]) {
    let mut rows = Vec::new();
    for &pc in pcs {
        frame_rows(b, pc, &mut rows);
    }
    align(out, &rows);
}

/// The `#` rows of one address: one per frame, inlined callees first.
fn frame_rows(b: &mut ProfileBuilder<'_>, pc: u64, rows: &mut Vec<Vec<String>>) {
    let id = b.location(pc);
    let loc = &b.profile.location[id.0 as usize - 1];
    let addr = format!("{pc:#x}");
    let mut any = false;
    for line in &loc.line {
        let Some(f) = line.function_id else { continue };
        let f = &b.profile.function[f.0 as usize - 1];
        let file = if f.filename.is_empty() {
            "?".to_string()
        } else {
            f.filename.to_string()
        };
        rows.push(vec![
            "#".into(),
            addr.clone(),
            f.name.to_string(),
            format!("{file}:{}", line.line),
        ]);
        any = true;
    }
    if !any {
        rows.push(vec!["#".into(), addr]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn columns_are_padded_with_tabs_as_go_pads_them() {
        // Expected bytes from Go 1.19:
        //   tw := tabwriter.NewWriter(&b, 1, 8, 1, '\t', 0)
        //   fmt.Fprintf(tw, "#\t0x6a48f7\tsync.(*Mutex).Lock+0x97\tmutex.go:90\n")
        //   fmt.Fprintf(tw, "#\t0x46b840\tmain.f+0x1\tmain.go:1\n")
        let mut out = String::new();
        align(
            &mut out,
            &rows(&[
                &["#", "0x6a48f7", "sync.(*Mutex).Lock+0x97", "mutex.go:90"],
                &["#", "0x46b840", "main.f+0x1", "main.go:1"],
            ]),
        );
        assert_eq!(
            out,
            "#\t0x6a48f7\tsync.(*Mutex).Lock+0x97\tmutex.go:90\n\
             #\t0x46b840\tmain.f+0x1\t\tmain.go:1\n"
        );
    }

    #[test]
    fn a_shorter_row_ends_the_block_of_the_columns_it_lacks() {
        let mut out = String::new();
        align(
            &mut out,
            &rows(&[
                &["#", "0x1", "a_long_function_name", "f.rs:1"],
                &["#", "0x2"],
                &["#", "0x3", "b", "g.rs:2"],
            ]),
        );
        assert_eq!(
            out,
            "#\t0x1\ta_long_function_name\tf.rs:1\n#\t0x2\n#\t0x3\tb\tg.rs:2\n"
        );
    }
}
