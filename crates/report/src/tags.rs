//! The `tags` report (pprof's `printTags`): for each label key, the total and each value's
//! share, aligned as Go's `text/tabwriter` aligns them (right-aligned, padding 1).

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::{LabelValue, Profile};

use crate::measurement;
use crate::report::{Error, Report};
use crate::traces::num_label_units;

/// Prints every label key (sorted) with its values, heaviest first.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let o = &rpt.options;
    let units = num_label_units(p);
    let mut tags: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for s in &p.sample {
        let (v, _) = o.value.of(s);
        for l in &s.label {
            let value = match &l.value {
                LabelValue::Str(s) => s.to_string(),
                LabelValue::Num { num, .. } => {
                    let unit = units.get(&*l.key).map_or("", String::as_str);
                    measurement::scaled_label(*num, unit, &o.output_unit)
                }
            };
            *tags
                .entry(l.key.to_string())
                .or_default()
                .entry(value)
                .or_default() += v;
        }
    }
    let mut keys: Vec<&String> = tags.keys().collect();
    keys.sort();
    let mut table = TabWriter::default();
    for key in keys {
        let values = &tags[key];
        let total: i64 = values.values().sum();
        let (f, u) = measurement::scale(total, &o.sample_unit, &o.output_unit);
        table.line(&format!("{key}:\t Total {f:.1}{u}"));
        let mut sorted: Vec<(&String, i64)> = values.iter().map(|(k, v)| (k, *v)).collect();
        sorted.sort_by(|a, b| b.1.abs().cmp(&a.1.abs()).then_with(|| a.0.cmp(b.0)));
        for (name, v) in sorted {
            let (f, u) = measurement::scale(v, &o.sample_unit, &o.output_unit);
            if total > 0 {
                let pct = measurement::percentage(v, total);
                table.line(&format!(" \t{f:.1}{u} ({pct}):\t {name}"));
            } else {
                table.line(&format!(" \t{f:.1}{u}:\t {name}"));
            }
        }
        table.line("");
    }
    w.write_all(table.render().as_bytes())?;
    Ok(())
}

/// The part of Go's `text/tabwriter` that `printTags` uses: tab-terminated cells, columns of
/// consecutive lines aligned right to the widest cell plus one space; the text after a line's
/// last tab is not aligned.
#[derive(Debug, Default)]
struct TabWriter {
    lines: Vec<Vec<String>>,
}

impl TabWriter {
    fn line(&mut self, text: &str) {
        self.lines
            .push(text.split('\t').map(String::from).collect());
    }

    fn render(&self) -> String {
        let n = self.lines.len();
        // widths[i][c]: the width of column c's block that line i belongs to.
        let mut widths: Vec<Vec<usize>> = self
            .lines
            .iter()
            .map(|l| vec![0; l.len().saturating_sub(1)])
            .collect();
        let max_cols = widths.iter().map(Vec::len).max().unwrap_or(0);
        for c in 0..max_cols {
            let mut i = 0;
            while i < n {
                if widths[i].len() <= c {
                    i += 1;
                    continue;
                }
                let start = i;
                let mut width = 0;
                while i < n && widths[i].len() > c {
                    width = width.max(self.lines[i][c].chars().count() + 1);
                    i += 1;
                }
                for row in &mut widths[start..i] {
                    row[c] = width;
                }
            }
        }
        let mut out = String::new();
        for (cells, widths) in self.lines.iter().zip(&widths) {
            for (cell, &width) in cells.iter().zip(widths) {
                out.push_str(&format!("{cell:>width$}"));
            }
            if let Some(last) = cells.last() {
                out.push_str(last);
            }
            out.push('\n');
        }
        out
    }
}
