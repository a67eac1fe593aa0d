//! The `traces` report (pprof's `printTraces`): every sample, its labels and its stack.

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::{LabelValue, Profile};

use crate::labels;
use crate::measurement;
use crate::nodes::{NodeOptions, NodeTable};
use crate::report::{Error, Report};

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// Prints the profile header, then each sample between separators.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
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
    let blocks = location_blocks(&table, p);
    let mut out = String::new();
    out.push_str(&labels::profile_labels(rpt, p).join("\n"));
    out.push('\n');
    let mut text_labels: Vec<String> = Vec::new();
    let mut num_labels: Vec<String> = Vec::new();
    for s in &p.sample {
        if s.location.iter().all(|&l| table.location(l).is_empty()) {
            continue;
        }
        out.push_str(SEPARATOR);
        out.push('\n');
        text_labels.clear();
        num_labels.clear();
        for (key, is_str, vals) in group_labels(s) {
            let vals: Vec<String> = vals
                .iter()
                .map(|v| match v {
                    LabelValue::Str(s) => s.to_string(),
                    LabelValue::Num { num, .. } => {
                        let unit = units.get(key).map_or("", String::as_str);
                        measurement::label(*num, unit)
                    }
                })
                .collect();
            let line = format!("{key:>10}:  {}\n", vals.join(" "));
            if is_str {
                text_labels.push(line);
            } else {
                num_labels.push(line);
            }
        }
        text_labels.sort();
        num_labels.sort();
        text_labels
            .iter()
            .chain(num_labels.iter())
            .for_each(|l| out.push_str(l));
        let (mut v, d) = o.value.of(s);
        if d != 0 {
            v /= d;
        }
        let mut first = true;
        for &loc in &s.location {
            let Some(block) = table.location_index(loc).map(|i| &blocks[i]) else {
                continue;
            };
            if first && !block.is_empty() {
                first = false;
                out.push_str(&format!("{:>10}", rpt.format_value(v)));
                out.push_str(&block[VALUE_WIDTH..]);
            } else {
                out.push_str(block);
            }
        }
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str(SEPARATOR);
    out.push('\n');
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// The width of the value column; frame lines without a value start with this many spaces.
const VALUE_WIDTH: usize = 10;

/// For each location, the lines its frames print (innermost first, `(inline)` on all but the
/// outermost), each with a blank value column: a sample's stack is then a concatenation.
fn location_blocks(table: &NodeTable, p: &Profile) -> Vec<String> {
    p.location
        .iter()
        .map(|l| {
            let nodes = table.location(l.id);
            let mut block = String::new();
            for (i, &n) in nodes.iter().enumerate() {
                let inline = if i != nodes.len() - 1 {
                    " (inline)"
                } else {
                    ""
                };
                block.push_str(&format!(
                    "{:>VALUE_WIDTH$}   {}{inline}\n",
                    "",
                    table.name(n)
                ));
            }
            block
        })
        .collect()
}

/// A sample's labels grouped by key (string and numeric keys apart), values in file order.
fn group_labels(s: &sextant_profile::Sample) -> Vec<(&str, bool, Vec<&LabelValue>)> {
    let mut groups: Vec<(&str, bool, Vec<&LabelValue>)> = Vec::new();
    for l in &s.label {
        let is_str = matches!(l.value, LabelValue::Str(_));
        match groups.iter_mut().find(|g| g.0 == &*l.key && g.1 == is_str) {
            Some(g) => g.2.push(&l.value),
            None => groups.push((&l.key, is_str, vec![&l.value])),
        }
    }
    groups
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
