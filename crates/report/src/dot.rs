//! The `dot` report (pprof's `ComposeDot`): the trimmed call graph in Graphviz's language,
//! with the legend, node sizes and colors by weight, label nodelets, and dotted residual edges.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use sextant_profile::Profile;

use crate::graph::{Edge, Graph};
use crate::labels;
use crate::measurement::{self, percentage};
use crate::nodelets::TagWeight;
use crate::nodes::{NodeTable, escape_for_dot};
use crate::paths;
use crate::report::{Error, Report};

/// The most label nodelets drawn under a node (pprof's `maxNodelets`).
pub(crate) const MAX_NODELETS: usize = 4;

/// A tag as nodelets sort and print it.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    unit: String,
    value: i64,
    w: TagWeight,
}

/// Prints the DOT graph.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let t = rpt.trimmed_graph(p);
    rpt.select_output_unit(&t.graph);
    let (g, table) = (&t.graph, &t.table);
    let legend = labels::report_labels(
        rpt,
        p,
        g,
        t.orig_count,
        t.dropped_nodes,
        t.dropped_edges,
        true,
    );
    let title = p
        .mapping
        .first()
        .map(|m| m.filename.as_str())
        .filter(|f| !f.is_empty())
        .map(paths::base)
        .unwrap_or("");
    let mut out = String::new();
    let graph_name = if title.is_empty() { "unnamed" } else { title };
    let _ = writeln!(out, "digraph \"{graph_name}\" {{");
    out.push_str("node [style=filled fillcolor=\"#f8f8f8\"]\n");
    if let Some(first) = legend.first() {
        let escaped: Vec<String> = legend.iter().map(|l| escape_for_dot(l)).collect();
        let _ = write!(
            out,
            "subgraph cluster_L {{ \"{}\" [shape=box fontsize=16 label=\"{}\\l\"",
            escape_for_dot(first),
            escaped.join("\\l")
        );
        if !title.is_empty() {
            let _ = write!(out, " tooltip=\"{title}\"");
        }
        out.push_str("] }\n");
    }
    if !g.nodes.is_empty() {
        compose(rpt, g, table, &mut out);
    }
    out.push_str("}\n");
    w.write_all(out.as_bytes())?;
    Ok(())
}

fn compose(rpt: &Report, g: &Graph, table: &NodeTable, out: &mut String) {
    let ids: HashMap<u32, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, i + 1))
        .collect();
    let max_flat = g
        .nodes
        .iter()
        .map(|&n| g.flat_value(n).abs())
        .max()
        .unwrap_or(0) as f64;
    let (_, outs) = g.adjacency(table);
    let mut has_nodelets = HashMap::new();
    let mut edges: Vec<u32> = Vec::new();
    for &n in &g.nodes {
        add_node(rpt, g, table, n, ids[&n], max_flat, out);
        let flat_tags = !outs[n as usize].is_empty();
        has_nodelets.insert(n, add_nodelets(rpt, g, n, ids[&n], flat_tags, out));
        edges.extend(&outs[n as usize]);
    }
    edges.sort_by(|&a, &b| g.edge_order(table, a, b));
    for e in edges {
        let e = &g.edges[e as usize];
        let from = ids.get(&e.src).copied().unwrap_or(0);
        let to = ids.get(&e.dst).copied().unwrap_or(0);
        add_edge(
            rpt,
            table,
            e,
            from,
            to,
            has_nodelets.get(&e.src).copied().unwrap_or(false),
            out,
        );
    }
}

fn add_node(
    rpt: &Report,
    g: &Graph,
    table: &NodeTable,
    n: u32,
    id: usize,
    max_flat: f64,
    out: &mut String,
) {
    let (flat, cum) = (g.flat_value(n), g.cum_value(n));
    let total = rpt.total;
    let mut label = table.multiline_name(n);
    let flat_value = rpt.format_value(flat);
    if flat != 0 {
        let _ = write!(label, "{flat_value} ({})", percentage(flat, total).trim());
    } else {
        label.push('0');
    }
    let mut cum_value = flat_value;
    if cum != flat {
        label.push_str(if flat != 0 { "\\n" } else { " " });
        cum_value = rpt.format_value(cum);
        let _ = write!(label, "of {cum_value} ({})", percentage(cum, total).trim());
    }
    // Font sizes from 8 to 24 by the square root of the share of the largest flat value.
    let mut font_size = 8;
    if max_flat != 0.0 && flat != 0 && flat.abs() as f64 <= max_flat {
        font_size += (16.0 * (flat.abs() as f64 / max_flat).sqrt()).ceil() as i64;
    }
    let score = cum as f64 / total.abs() as f64;
    let _ = writeln!(
        out,
        "N{id} [label=\"{label}\" id=\"node{id}\" fontsize={font_size} shape=box tooltip=\"{} ({cum_value})\" color=\"{}\" fillcolor=\"{}\"]",
        escape_for_dot(table.name(n)),
        dot_color(score, false),
        dot_color(score, true)
    );
}

/// Draws a node's label tags, and numeric tags below them; returns whether any was drawn.
fn add_nodelets(
    rpt: &Report,
    g: &Graph,
    n: u32,
    id: usize,
    flat_tags: bool,
    out: &mut String,
) -> bool {
    let Some(tags) = rpt.sample_tags.as_ref() else {
        return false;
    };
    let mut ts: Vec<Tag> = g
        .tags
        .labels_of(n)
        .iter()
        .map(|&(_, l, w)| Tag {
            name: tags.labels[l as usize].clone(),
            unit: String::new(),
            value: 0,
            w,
        })
        .collect();
    let mut numeric: HashMap<&str, Vec<Tag>> = HashMap::new();
    for nt in g.tags.numeric_of(n) {
        let t = &tags.numeric[nt.tag as usize];
        let tag = Tag {
            name: t.name.clone(),
            unit: t.unit.clone(),
            value: t.value,
            w: nt.w,
        };
        numeric
            .entry(tags.labels[nt.label as usize].as_str())
            .or_default()
            .push(tag);
    }
    let mut nodelets = String::new();
    sort_tags(&mut ts, flat_tags);
    for (i, t) in ts.iter().take(MAX_NODELETS).enumerate() {
        let w = if flat_tags {
            t.w.flat_value()
        } else {
            t.w.cum_value()
        };
        if w == 0 {
            continue;
        }
        let weight = rpt.format_value(w);
        let _ = writeln!(
            nodelets,
            "N{id}_{i} [label = \"{}\" id=\"N{id}_{i}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
            t.name
        );
        let _ = writeln!(
            nodelets,
            "N{id} -> N{id}_{i} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"]"
        );
        if let Some(nts) = numeric.get(t.name.as_str()) {
            numeric_nodelets(
                rpt,
                nts.clone(),
                flat_tags,
                &format!("N{id}_{i}"),
                &mut nodelets,
            );
        }
    }
    if let Some(nts) = numeric.get("") {
        numeric_nodelets(
            rpt,
            nts.clone(),
            flat_tags,
            &format!("N{id}"),
            &mut nodelets,
        );
    }
    out.push_str(&nodelets);
    !nodelets.is_empty()
}

fn numeric_nodelets(rpt: &Report, nts: Vec<Tag>, flat_tags: bool, source: &str, out: &mut String) {
    for (j, t) in collapsed_tags(nts, MAX_NODELETS, flat_tags)
        .iter()
        .enumerate()
    {
        let (mut w, mut attr) = (t.w.cum_value(), " style=\"dotted\"");
        if flat_tags || t.w.flat_value() == t.w.cum_value() {
            (w, attr) = (t.w.flat_value(), "");
        }
        if w != 0 {
            let weight = rpt.format_value(w);
            // "N{source}": pprof prefixes the source's own "N" once more.
            let _ = writeln!(
                out,
                "N{source}_{j} [label = \"{}\" id=\"N{source}_{j}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
                t.name
            );
            let _ = writeln!(
                out,
                "{source} -> N{source}_{j} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"{attr}]"
            );
        }
    }
}

/// pprof's `SortTags`: by |cum| (unless `flat`), then |flat|, heaviest first, then by name.
fn sort_tags(ts: &mut [Tag], flat: bool) {
    ts.sort_by(|a, b| {
        let by_cum = if !flat && a.w.cum != b.w.cum {
            b.w.cum.abs().cmp(&a.w.cum.abs())
        } else {
            std::cmp::Ordering::Equal
        };
        by_cum
            .then_with(|| {
                if a.w.flat != b.w.flat {
                    b.w.flat.abs().cmp(&a.w.flat.abs())
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// pprof's `collapsedTags`: more than `count` numeric tags are grouped around the `count`
/// heaviest, each labelled by its range (`1kB..4kB`).
fn collapsed_tags(mut ts: Vec<Tag>, count: usize, flat: bool) -> Vec<Tag> {
    sort_tags(&mut ts, flat);
    if ts.len() <= count {
        return ts;
    }
    let mut groups: Vec<Vec<Tag>> = ts[..count].iter().map(|t| vec![t.clone()]).collect();
    for t in &ts[count..] {
        let (mut best, mut d) = (0, tag_distance(t, &groups[0][0]));
        for (i, g) in groups.iter().enumerate().skip(1) {
            let nd = tag_distance(t, &g[0]);
            if nd < d {
                (best, d) = (i, nd);
            }
        }
        groups[best].push(t.clone());
    }
    let mut nts: Vec<Tag> = groups.iter().map(|g| group_label(g)).collect();
    sort_tags(&mut nts, flat);
    nts
}

fn tag_distance(t: &Tag, u: &Tag) -> f64 {
    let (v, _) = measurement::scale(u.value, &u.unit, &t.unit);
    (v - t.value as f64).abs()
}

/// pprof's `tagGroupLabel`: a group's range label and summed weights.
fn group_label(g: &[Tag]) -> Tag {
    let first = &g[0];
    if g.len() == 1 {
        let w = TagWeight {
            flat: first.w.flat_value(),
            cum: first.w.cum_value(),
            ..TagWeight::default()
        };
        return Tag {
            name: measurement::label(first.value, &first.unit),
            w,
            ..first.clone()
        };
    }
    let (mut min, mut max) = (first, first);
    let (mut df, mut f, mut dc, mut c) =
        (first.w.flat_div, first.w.flat, first.w.cum_div, first.w.cum);
    for t in &g[1..] {
        if (measurement::scale(t.value, &t.unit, &min.unit).0 as i64) < min.value {
            min = t;
        }
        if (measurement::scale(t.value, &t.unit, &max.unit).0 as i64) > max.value {
            max = t;
        }
        f += t.w.flat;
        df += t.w.flat_div;
        c += t.w.cum;
        dc += t.w.cum_div;
    }
    if df != 0 {
        f /= df;
    }
    if dc != 0 {
        c /= dc;
    }
    let name = format!(
        "{}..{}",
        measurement::label(min.value, &min.unit),
        measurement::label(max.value, &max.unit)
    );
    Tag {
        name,
        unit: String::new(),
        value: 0,
        w: TagWeight {
            flat: f,
            cum: c,
            ..TagWeight::default()
        },
    }
}

fn add_edge(
    rpt: &Report,
    table: &NodeTable,
    e: &Edge,
    from: usize,
    to: usize,
    has_nodelets: bool,
    out: &mut String,
) {
    let inline = if e.inline { "\\n (inline)" } else { "" };
    let wv = if e.weight_div == 0 {
        e.weight
    } else {
        e.weight / e.weight_div
    };
    let w = rpt.format_value(wv);
    let mut attr = format!("label=\" {w}{inline}\"");
    let total = rpt.total;
    if total != 0 {
        let weight = 1 + (wv.wrapping_mul(100) / total).abs().min(100);
        if weight > 1 {
            let _ = write!(attr, " weight={weight}");
        }
        let width = 1 + (wv.wrapping_mul(5) / total).abs().min(5);
        if width > 1 {
            let _ = write!(attr, " penwidth={width}");
        }
        let _ = write!(
            attr,
            " color=\"{}\"",
            dot_color(wv as f64 / total.abs() as f64, false)
        );
    }
    let arrow = if e.residual { "..." } else { "->" };
    let tooltip = format!(
        "\"{} {arrow} {} ({w})\"",
        escape_for_dot(table.name(e.src)),
        escape_for_dot(table.name(e.dst))
    );
    let _ = write!(attr, " tooltip={tooltip} labeltooltip={tooltip}");
    if e.residual {
        attr.push_str(" style=\"dotted\"");
    }
    if has_nodelets {
        attr.push_str(" minlen=2");
    }
    let _ = writeln!(out, "N{from} -> N{to} [{attr}]");
}

/// pprof's `dotColor`: red for positive scores, green for negative, grey near zero; light for
/// backgrounds.
fn dot_color(score: f64, background: bool) -> String {
    // Shift scores away from 0 (grey) to use more of the color range.
    const SHIFT: f64 = 0.7;
    let (mut saturation, value) = if background { (0.1, 0.93) } else { (1.0, 0.7) };
    let mut score = score.clamp(-1.0, 1.0);
    if score.abs() < 0.2 {
        saturation *= score.abs() / 0.2;
    }
    if score > 0.0 {
        score = score.powf(1.0 - SHIFT);
    }
    if score < 0.0 {
        score = -(-score).powf(1.0 - SHIFT);
    }
    let (r, g) = if score < 0.0 {
        (value * (1.0 + saturation * score), value)
    } else {
        (value, value * (1.0 - saturation * score))
    };
    let b = value * (1.0 - saturation);
    format!(
        "#{:02x}{:02x}{:02x}",
        (r * 255.0) as u8,
        (g * 255.0) as u8,
        (b * 255.0) as u8
    )
}
