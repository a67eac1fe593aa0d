//! Printing tables as benchstat prints them: text (`-format text`) and CSV.

use std::collections::HashMap;

use crate::keyheader::key_header;
use crate::projection::{KeyId, Projection};
use crate::table::{Table, Tables};
use crate::texttab::{Align, TextTable};
use crate::unit::{class_of, common_scale, scale};

/// What to print, in order: the configuration lines that change before each table
/// (all of them before the first), a blank line between tables, and the tables (by
/// index). `.unit` is not printed: it is the table's own header.
enum Item {
    Header(String),
    Table(usize),
}

fn layout(tables: &Tables, table_by: &Projection) -> Vec<Item> {
    let fields = table_by.flattened();
    let mut out = Vec::new();
    let mut prev: Option<KeyId> = None;
    for i in 0..tables.tables.len() {
        if i > 0 {
            out.push(Item::Header(String::new()));
        }
        let key = tables.keys[i];
        for &f in fields {
            let field = table_by.field(f);
            if field.name == ".unit" {
                continue;
            }
            let val = table_by.get(key, f);
            if prev.is_none_or(|p| table_by.get(p, f) != val) {
                out.push(Item::Header(format!("{}: {}", field.name, val)));
            }
        }
        prev = Some(key);
        out.push(Item::Table(i));
    }
    out
}

/// benchstat's superscript footnote marks.
fn superscript(mut i: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    if i == 0 {
        return DIGITS[0].to_string();
    }
    let mut out = Vec::new();
    while i > 0 {
        out.push(DIGITS[i % 10]);
        i /= 10;
    }
    out.iter().rev().collect()
}

/// Renders all tables as text.
pub fn to_text(
    tables: &Tables,
    table_by: &Projection,
    row_by: &Projection,
    col_by: &Projection,
) -> String {
    let mut out = String::new();
    for item in layout(tables, table_by) {
        match item {
            Item::Header(h) => {
                out.push_str(&h);
                out.push('\n');
            }
            Item::Table(i) => out.push_str(&table_text(&tables.tables[i], row_by, col_by)),
        }
    }
    out
}

struct Footnotes {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Footnotes {
    fn marks(&mut self, msgs: &[&[String]]) -> String {
        let mut marks = Vec::new();
        for group in msgs {
            for m in group.iter() {
                let n = self.list.len();
                let i = *self.index.entry(m.clone()).or_insert(n);
                if i == n {
                    self.list.push(m.clone());
                }
                marks.push(superscript(i + 1));
            }
        }
        marks.join(" ")
    }
}

const LABEL_COLS: usize = 1;
const CENTER_COLS: usize = 3; // center ±, interval, warnings
const DELTA_COLS: usize = 3; // delta, (p=... n=...), warnings

fn start_col(exp: usize) -> usize {
    if exp == 0 {
        LABEL_COLS
    } else {
        LABEL_COLS + CENTER_COLS + (exp - 1) * (CENTER_COLS + DELTA_COLS)
    }
}

fn table_text(t: &Table, row_by: &Projection, col_by: &Projection) -> String {
    let mut o = TextTable::default();
    let mut notes = Footnotes {
        list: Vec::new(),
        index: HashMap::new(),
    };

    // Column headers: one row per level of the column keys, then the unit row.
    let r_edge = start_col(t.cols.len() + 1);
    let mut nodes = key_header(col_by, &t.cols);
    while !nodes.is_empty() {
        let mut next = Vec::new();
        o.row();
        for n in nodes {
            let (l, r) = (start_col(n.start), start_col(n.start + n.len));
            o.col(l);
            o.span(r - l, &n.value, Align::Center, Some(" │ "));
            next.extend(n.children);
        }
        o.col(r_edge);
        o.cell("", Align::Left, Some(" │"));
        nodes = next;
    }
    o.row();
    for i in 0..t.cols.len() {
        let l = start_col(i);
        o.col(l);
        o.span(CENTER_COLS, &t.unit, Align::Center, Some(" │ "));
        if i > 0 {
            o.span(DELTA_COLS, "vs base", Align::Left, Some("  "));
        }
        for j in l + 1..o.cur_col() {
            o.set_shrink(j, true);
        }
    }
    o.col(r_edge);
    o.cell("", Align::Left, Some(" │"));

    let class = class_of(&t.unit);
    for &row in &t.rows {
        o.row();
        o.cell(&row_by.string_values(row), Align::Left, None);
        let centers: Vec<f64> = t
            .cols
            .iter()
            .filter_map(|&c| t.cells.get(&(row, c)))
            .map(|c| c.summary.center)
            .collect();
        let scaler = common_scale(&centers, class);
        for (exp, &col) in t.cols.iter().enumerate() {
            let Some(cell) = t.cells.get(&(row, col)) else {
                continue;
            };
            o.col(start_col(exp));
            o.cell(&scaler.format(cell.summary.center), Align::Right, None);
            o.cell(&cell.summary.pct_range(), Align::Right, Some(" ± "));
            let m = notes.marks(&[&cell.sample.warnings, &cell.summary.warnings]);
            o.cell(&m, Align::Left, None);
            if exp > 0 {
                if let Some((cmp, base)) = &cell.comparison {
                    o.cell(&cmp.delta(*base, cell.summary.center), Align::Right, None);
                    o.cell(&format!("({})", cmp.p_and_n()), Align::Left, None);
                    let m = notes.marks(&[&cmp.warnings]);
                    o.cell(&m, Align::Left, None);
                }
            }
        }
    }

    if t.rows.len() > 1 {
        o.row();
        o.cell("geomean", Align::Left, None);
        for (exp, col) in t.cols.iter().enumerate() {
            let Some(s) = t.summary.get(col) else {
                continue;
            };
            if let Some(gm) = s.summary {
                o.col(start_col(exp));
                o.cell(&scale(gm, class), Align::Right, None);
            }
            if exp > 0 {
                o.col(start_col(exp) + CENTER_COLS);
                match s.ratio {
                    Some(r) => o.cell(&format!("{:+.2}%", (r - 1.0) * 100.0), Align::Right, None),
                    None => o.cell("?", Align::Left, None),
                }
            }
            o.col(start_col(exp + 1) - 1);
            let m = notes.marks(&[&s.warnings]);
            o.cell(&m, Align::Left, None);
        }
    }

    let mut out = o.format();
    for (i, msg) in notes.list.iter().enumerate() {
        out.push_str(&format!("{} {}\n", superscript(i + 1), msg));
    }
    out
}

/// Renders all tables as CSV; warnings go to the returned list, each prefixed with
/// its spreadsheet cell (`B6: ...`).
pub fn to_csv(
    tables: &Tables,
    table_by: &Projection,
    row_by: &Projection,
    col_by: &Projection,
) -> (String, String) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut warnings = String::new();
    for item in layout(tables, table_by) {
        match item {
            Item::Header(h) => rows.push(vec![h]),
            Item::Table(i) => {
                // Warnings name spreadsheet cells, so they need the row number so far.
                let start_row = rows.len() + 1;
                rows.extend(table_csv(
                    &tables.tables[i],
                    row_by,
                    col_by,
                    start_row,
                    &mut warnings,
                ));
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        let fields: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    (out, warnings)
}

/// Quotes a field as Go's `encoding/csv` does.
fn csv_field(f: &str) -> String {
    let needs = !f.is_empty()
        && (f == r"\."
            || f.contains(['\n', '\r', '"', ','])
            || f.chars().next().is_some_and(char::is_whitespace));
    if !needs {
        return f.to_string();
    }
    format!("\"{}\"", f.replace('"', "\"\""))
}

fn table_csv(
    t: &Table,
    row_by: &Projection,
    col_by: &Projection,
    start_row: usize,
    warnings: &mut String,
) -> Vec<Vec<String>> {
    const CENTER: usize = 2; // center, interval
    const DELTA: usize = 2; // delta, p and n
    let start_col = |exp: usize| {
        if exp == 0 {
            1
        } else {
            1 + CENTER + (exp - 1) * (CENTER + DELTA)
        }
    };
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let clear_to = |row: &mut Vec<String>, col: usize| {
        while row.len() < col {
            row.push(String::new());
        }
    };
    let warn = |row: &Vec<String>, nrow: usize, msgs: &[String], warnings: &mut String| {
        let mut name = Vec::new();
        let mut x = row.len();
        while x > 0 {
            name.push((b'A' + (x % 26) as u8) as char);
            x /= 26;
        }
        if name.is_empty() {
            name.push('A');
        }
        let name: String = name.iter().rev().collect();
        for m in msgs {
            warnings.push_str(&format!("{name}{}: {m}\n", start_row + nrow));
        }
    };

    for &f in col_by.flattened() {
        for (exp, &k) in t.cols.iter().enumerate() {
            clear_to(&mut row, start_col(exp));
            row.push(col_by.get(k, f).to_string());
        }
        clear_to(&mut row, start_col(t.cols.len()));
        out.push(std::mem::take(&mut row));
    }
    for exp in 0..t.cols.len() {
        clear_to(&mut row, start_col(exp));
        row.push(t.unit.clone());
        row.push("CI".to_string());
        if exp > 0 {
            row.push("vs base".to_string());
            row.push("P".to_string());
        }
    }
    out.push(std::mem::take(&mut row));

    for &rk in &t.rows {
        row.push(row_by.string_values(rk));
        for (exp, &ck) in t.cols.iter().enumerate() {
            let Some(cell) = t.cells.get(&(rk, ck)) else {
                continue;
            };
            clear_to(&mut row, start_col(exp));
            warn(&row, out.len(), &cell.sample.warnings, warnings);
            warn(&row, out.len(), &cell.summary.warnings, warnings);
            row.push(crate::format::go_g(cell.summary.center));
            row.push(cell.summary.pct_range());
            if exp > 0 {
                if let Some((cmp, base)) = &cell.comparison {
                    warn(&row, out.len(), &cmp.warnings, warnings);
                    row.push(cmp.delta(*base, cell.summary.center));
                    row.push(cmp.p_and_n());
                }
            }
        }
        out.push(std::mem::take(&mut row));
    }

    row.push("geomean".to_string());
    for (exp, k) in t.cols.iter().enumerate() {
        let Some(s) = t.summary.get(k) else { continue };
        clear_to(&mut row, start_col(exp));
        warn(&row, out.len(), &s.warnings, warnings);
        if let Some(gm) = s.summary {
            row.push(crate::format::go_g(gm));
        }
        if exp > 0 {
            clear_to(&mut row, start_col(exp) + CENTER);
            match s.ratio {
                Some(r) => row.push(format!("{:+.2}%", (r - 1.0) * 100.0)),
                None => row.push("?".to_string()),
            }
        }
    }
    clear_to(&mut row, start_col(t.cols.len()));
    out.push(row);
    out
}
