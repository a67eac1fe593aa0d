//! The `tree` and `peek` reports (pprof's `printTree`): each node between its callers and
//! callees, with edge weights as a share of the node's cum.

use std::io::Write;

use sextant_profile::Profile;

use crate::labels;
use crate::measurement::percentage;
use crate::report::{Error, Report};

const SEPARATOR: &str = "----------------------------------------------------------+-------------";
// The trailing tab-space pairs are in pprof's legend too (a leftover of a tabwriter).
const LEGEND: &str = "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

/// Prints the header, then one block per node (only nodes matching `symbol` for `peek`).
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let t = rpt.trimmed_graph(p);
    rpt.select_output_unit(&t.graph);
    let (g, table) = (&t.graph, &t.table);
    let header = labels::report_labels(rpt, p, g, t.orig_count, t.dropped_nodes, 0, false);
    let mut out = String::new();
    out.push_str(&header.join("\n"));
    out.push('\n');
    out.push_str(SEPARATOR);
    out.push('\n');
    out.push_str(LEGEND);
    out.push('\n');
    let (ins, outs) = g.adjacency(table);
    let rx = rpt.options.symbol.clone();
    let mut matched = 0;
    let mut flat_sum = 0i64;
    for &n in &g.nodes {
        let name = table.name(n);
        if rx.as_ref().is_some_and(|rx| !rx.is_match(name)) {
            continue;
        }
        matched += 1;
        let (flat, cum) = (g.flat_value(n), g.cum_value(n));
        out.push_str(SEPARATOR);
        out.push('\n');
        for &e in &ins[n as usize] {
            let e = &g.edges[e as usize];
            let inline = if e.inline { " (inline)" } else { "" };
            out.push_str(&format!(
                "{:>50} {} |   {}{inline}\n",
                rpt.format_value(e.weight),
                percentage(e.weight, cum),
                table.name(e.src)
            ));
        }
        flat_sum += flat;
        out.push_str(&format!(
            "{:>10} {} {} {:>10} {}                | {}\n",
            rpt.format_value(flat),
            percentage(flat, rpt.total),
            percentage(flat_sum, rpt.total),
            rpt.format_value(cum),
            percentage(cum, rpt.total),
            name
        ));
        for &e in &outs[n as usize] {
            let e = &g.edges[e as usize];
            let inline = if e.inline { " (inline)" } else { "" };
            out.push_str(&format!(
                "{:>50} {} |   {}{inline}\n",
                rpt.format_value(e.weight),
                percentage(e.weight, cum),
                table.name(e.dst)
            ));
        }
    }
    if !g.nodes.is_empty() {
        out.push_str(SEPARATOR);
        out.push('\n');
    }
    // Like pprof, print nothing when -peek matched nothing: the report goes out whole or not.
    if let Some(rx) = rx.filter(|_| matched == 0) {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}
