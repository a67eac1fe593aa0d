//! The `top` / `text` report (pprof's `printText`).

use std::io::Write;

use sextant_profile::Profile;

use crate::labels;
use crate::measurement::percentage;
use crate::report::{Error, Report};

/// One row of the `top` report (pprof's `report.TextItem`), as the web UI's table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextItem {
    /// The node's name at the report's granularity.
    pub name: String,
    /// `(inline)`, `(partial-inline)` or empty: whether the node was reached through inlining.
    pub inline_label: String,
    /// The node's flat value, unscaled.
    pub flat: i64,
    /// The node's cumulative value, unscaled.
    pub cum: i64,
    /// The flat value as the report prints it (scaled, in the output unit).
    pub flat_format: String,
    /// The cumulative value as the report prints it.
    pub cum_format: String,
}

impl Report {
    /// The rows of the `top` report on `p` and its header lines (pprof's `TextItems`), for
    /// renderers other than text.
    pub fn text_items(&mut self, p: &Profile) -> (Vec<TextItem>, Vec<String>) {
        let t = self.trimmed_graph(p);
        self.select_output_unit(&t.graph);
        let g = &t.graph;
        let header = labels::report_labels(self, p, g, t.orig_count, t.dropped_nodes, 0, false);
        let (ins, _) = g.adjacency(&t.table);
        let mut items = Vec::with_capacity(g.nodes.len());
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
            let inline_label = match (inline, noinline) {
                (true, true) => "(partial-inline)",
                (true, false) => "(inline)",
                _ => "",
            };
            items.push(TextItem {
                name: t.table.name(n).to_string(),
                inline_label: inline_label.to_string(),
                flat,
                cum,
                flat_format: self.format_value(flat),
                cum_format: self.format_value(cum),
            });
        }
        (items, header)
    }
}

/// Prints the header and one row per node: flat, flat%, sum%, cum, cum%, name.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let (items, header) = rpt.text_items(p);
    let mut out = String::with_capacity(64 * (items.len() + header.len() + 1));
    out.push_str(&header.join("\n"));
    out.push('\n');
    out.push_str(&format!(
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%\n",
        "flat", "flat", "sum", "cum", "cum"
    ));
    let total = rpt.total;
    let mut flat_sum = 0i64;
    for item in &items {
        flat_sum += item.flat;
        let sep = if item.inline_label.is_empty() {
            ""
        } else {
            " "
        };
        out.push_str(&format!(
            "{:>10} {} {} {:>10} {}  {}{sep}{}\n",
            item.flat_format,
            percentage(item.flat, total),
            percentage(flat_sum, total),
            item.cum_format,
            percentage(item.cum, total),
            item.name,
            item.inline_label
        ));
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}
