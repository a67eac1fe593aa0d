//! The header lines of reports (pprof's `ProfileLabels` and `reportLabels`).

use sextant_profile::Profile;

use crate::graph::Graph;
use crate::measurement;
use crate::paths;
use crate::report::Report;

/// The lines describing the profile: file, build id, comments, type, time, duration and total.
pub(crate) fn profile_labels(rpt: &Report, p: &Profile) -> Vec<String> {
    let o = &rpt.options;
    let mut label = Vec::new();
    if let Some(m) = p.mapping.first() {
        if !m.filename.is_empty() {
            label.push(format!("File: {}", paths::base(&m.filename)));
        }
        if !m.build_id.is_empty() {
            label.push(format!("Build ID: {}", m.build_id));
        }
    }
    label.extend(p.comments.iter().filter(|c| !c.starts_with('#')).cloned());
    if !o.sample_type.is_empty() {
        label.push(format!("Type: {}", o.sample_type));
    }
    if p.time_nanos != 0 {
        label.push(format!("Time: {}", header_time(p.time_nanos)));
    }
    if p.duration_nanos != 0 {
        let duration = measurement::label(p.duration_nanos, "nanoseconds");
        let (total_nanos, total_unit) =
            measurement::scale(rpt.total, &o.sample_unit, "nanoseconds");
        let ratio = if total_unit == "ns" && total_nanos != 0.0 {
            let pct = measurement::percentage(total_nanos as i64, p.duration_nanos);
            format!("({pct})")
        } else {
            String::new()
        };
        let total = rpt.format_value(rpt.total);
        label.push(format!(
            "Duration: {duration}, Total samples = {total} {ratio}"
        ));
    }
    label
}

/// The header of graph-based reports: profile lines, filters, how much the shown nodes account
/// for, and what trimming dropped.
pub(crate) fn report_labels(
    rpt: &Report,
    p: &Profile,
    g: &Graph,
    orig_count: usize,
    dropped_nodes: usize,
    dropped_edges: usize,
    full_headers: bool,
) -> Vec<String> {
    let o = &rpt.options;
    let mut label = if full_headers || !o.compact_labels {
        profile_labels(rpt, p)
    } else {
        Vec::new()
    };
    let flat_sum: i64 = g.nodes.iter().map(|&n| g.flat_value(n)).sum();
    if !o.active_filters.is_empty() {
        label.push("Active filters:".to_string());
        for f in &o.active_filters {
            // Go cuts at byte 80, which may split a character; cut at the boundary before it.
            let cut = if f.len() > 80 {
                let mut end = 80;
                while !f.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}…", &f[..end])
            } else {
                f.clone()
            };
            label.push(format!("   {cut}"));
        }
    }
    label.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        rpt.format_value(flat_sum),
        measurement::percentage(flat_sum, rpt.total).trim(),
        rpt.format_value(rpt.total)
    ));
    if rpt.total != 0 {
        if dropped_nodes > 0 {
            let cut = ((rpt.total as f64 * o.node_fraction) as i64).abs();
            label.push(dropped(
                dropped_nodes,
                "node",
                "cum",
                &rpt.format_value(cut),
            ));
        }
        if dropped_edges > 0 {
            let cut = ((rpt.total as f64 * o.edge_fraction) as i64).abs();
            label.push(dropped(
                dropped_edges,
                "edge",
                "freq",
                &rpt.format_value(cut),
            ));
        }
        let count = g.nodes.len();
        if count > 0 && count < orig_count {
            label.push(format!("Showing top {count} nodes out of {orig_count}"));
        }
    }
    if full_headers {
        label.push("\nSee https://git.io/JfYMW for how to read the graph".to_string());
    }
    label
}

fn dropped(count: usize, what: &str, value: &str, cut: &str) -> String {
    let plural = if count > 1 { "s" } else { "" };
    format!("Dropped {count} {what}{plural} ({value} <= {cut})")
}

/// A time as go tool pprof 1.19 prints it, `Jan 2, 2006 at 3:04pm (MST)`, in UTC.
fn header_time(nanos: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = nanos.div_euclid(1_000_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = sextant_profile::civil_from_days(days);
    let (h, min) = (rem / 3600, rem % 3600 / 60);
    let (h12, ampm) = match h {
        0 => (12, "am"),
        1..=11 => (h, "am"),
        12 => (12, "pm"),
        _ => (h - 12, "pm"),
    };
    let month = MONTHS[(m - 1) as usize];
    format!("{month} {d}, {y} at {h12}:{min:02}{ampm} (UTC)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_time_is_go_1_19_layout() {
        // 2026-11-28 22:02:00 UTC, as go tool pprof printed it for a profile taken then.
        assert_eq!(
            header_time(1_795_903_320_000_000_000),
            "Nov 28, 2026 at 10:02pm (UTC)"
        );
        assert_eq!(header_time(0), "Jan 1, 1970 at 12:00am (UTC)");
    }
}
