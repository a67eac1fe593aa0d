//! The `top` / `text` report (pprof's `printText`).

use std::io::Write;

use sextant_profile::Profile;

use crate::labels;
use crate::measurement::percentage;
use crate::report::{Error, Report};

/// Prints the header and one row per node: flat, flat%, sum%, cum, cum%, name.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let t = rpt.trimmed_graph(p);
    rpt.select_output_unit(&t.graph);
    let g = &t.graph;
    let header = labels::report_labels(rpt, p, g, t.orig_count, t.dropped_nodes, 0, false);
    let mut out = String::with_capacity(64 * (g.nodes.len() + header.len() + 1));
    out.push_str(&header.join("\n"));
    out.push('\n');
    out.push_str(&format!(
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%\n",
        "flat", "flat", "sum", "cum", "cum"
    ));
    let (ins, _) = g.adjacency(&t.table);
    let total = rpt.total;
    let mut flat_sum = 0i64;
    for &n in &g.nodes {
        let (flat, cum) = (g.flat_value(n), g.cum_value(n));
        let (mut inline, mut noinline) = (false, false);
        for &e in &ins[n as usize] {
            if g.edges[e as usize].inline {
                inline = true;
            } else {
                noinline = true;
            }
        }
        let inl = match (inline, noinline) {
            (true, true) => " (partial-inline)",
            (true, false) => " (inline)",
            _ => "",
        };
        flat_sum += flat;
        out.push_str(&format!(
            "{:>10} {} {} {:>10} {}  {}{}\n",
            rpt.format_value(flat),
            percentage(flat, total),
            percentage(flat_sum, total),
            rpt.format_value(cum),
            percentage(cum, total),
            t.table.name(n),
            inl
        ));
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}
