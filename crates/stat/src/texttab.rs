//! A text table with spanning cells, alignment and left margins, laid out as
//! benchstat's `internal/texttab` lays it out (its width distribution decides where
//! every space goes, so it is followed step by step).

use std::fmt::Write as _;

/// Horizontal alignment of a cell within its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone)]
struct TextCell {
    row: usize,
    col: usize,
    span: usize,
    value: String,
    left_margin: String,
    align: Align,
}

/// A table under construction: cells are added row by row at a current column.
#[derive(Debug, Default)]
pub(crate) struct TextTable {
    cells: Vec<TextCell>,
    cols: usize,
    shrink: Vec<bool>,
    cur_row: usize,
    cur_col: usize,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

impl TextTable {
    /// Starts a new row (the first call starts row 0).
    pub(crate) fn row(&mut self) {
        if !self.cells.is_empty() {
            self.cur_row += 1;
        }
        self.cur_col = 0;
    }

    /// Moves to column `col` (never backwards).
    pub(crate) fn col(&mut self, col: usize) {
        debug_assert!(
            col >= self.cur_col,
            "cannot move from column {} to {col}",
            self.cur_col
        );
        self.cur_col = col;
    }

    pub(crate) fn cur_col(&self) -> usize {
        self.cur_col
    }

    /// Adds a one-column cell; `margin` None means the default (a space, except in
    /// column 0 or for an empty value).
    pub(crate) fn cell(&mut self, value: &str, align: Align, margin: Option<&str>) {
        self.span(1, value, align, margin);
    }

    /// Adds a cell spanning `cols` columns.
    pub(crate) fn span(&mut self, cols: usize, value: &str, align: Align, margin: Option<&str>) {
        let default = if self.cur_col == 0 || value.is_empty() {
            ""
        } else {
            " "
        };
        self.cells.push(TextCell {
            row: self.cur_row,
            col: self.cur_col,
            span: cols,
            value: value.to_string(),
            left_margin: margin.unwrap_or(default).to_string(),
            align,
        });
        self.cur_col += cols;
        self.cols = self.cols.max(self.cur_col);
    }

    /// Marks a column as one that spanning cells should not widen.
    pub(crate) fn set_shrink(&mut self, col: usize, shrink: bool) {
        if self.shrink.len() < col + 1 {
            self.shrink.resize(col + 1, false);
        }
        self.shrink[col] = shrink;
    }

    /// Lays the table out and returns its text, one line per row.
    pub(crate) fn format(mut self) -> String {
        let shrink = |c: usize| self.shrink.get(c).copied().unwrap_or(false);
        let mut lmargin = vec![0; self.cols];
        for c in &self.cells {
            lmargin[c.col] = lmargin[c.col].max(width(&c.left_margin));
        }
        // Widths: single-column cells first, then spanning cells widen the columns
        // they cover (widest first, evenly, skipping shrink columns) if too narrow.
        let mut ws = vec![0usize; self.cols];
        // Go's unstable sort.Slice: its order among equal spans decides the widths.
        crate::gosort::sort_slice(&mut self.cells, |a, b| a.span < b.span);
        for c in &self.cells {
            let mut w = (width(&c.value) + lmargin[c.col]) as i64;
            if c.span == 1 {
                ws[c.col] = ws[c.col].max(w as usize);
                continue;
            }
            let tw: usize = ws[c.col..c.col + c.span].iter().sum();
            if tw as i64 >= w {
                continue;
            }
            let mut span_cols = Vec::new();
            for (col, &wc) in ws.iter().enumerate().skip(c.col).take(c.span) {
                if shrink(col) {
                    w -= wc as i64;
                } else {
                    span_cols.push(col);
                }
            }
            crate::gosort::sort_slice(&mut span_cols, |&a, &b| ws[a] > ws[b]);
            let mut span = span_cols.len() as i64;
            for col in span_cols {
                let avg = (w + span - 1) / span; // truncating, as Go
                ws[col] = (ws[col] as i64).max(avg) as usize;
                w -= ws[col] as i64;
                span -= 1;
            }
        }
        let mut offs = vec![0; self.cols + 1];
        let mut off = 0;
        for (i, w) in ws.iter().enumerate() {
            offs[i] = off;
            off += w;
        }
        offs[self.cols] = off;

        crate::gosort::sort_slice(&mut self.cells, |a, b| (a.row, a.col) < (b.row, b.col));
        let mut out = String::new();
        let (mut row, mut off) = (0, 0);
        for c in &self.cells {
            if c.value.trim().is_empty() && c.left_margin.trim().is_empty() {
                continue;
            }
            while c.row > row {
                out.push('\n');
                row += 1;
                off = 0;
            }
            // Go's `%*s` pads to |width| for a negative width: after an overflowing
            // cell, the gap is as wide as the overflow, yet the position counted
            // afterwards is the column's own, as Go adds the signed width.
            let spaces = (offs[c.col] as i64 - off as i64).unsigned_abs() as usize;
            let _ = write!(
                out,
                "{:spaces$}{:>lm$}",
                "",
                c.left_margin,
                lm = lmargin[c.col]
            );
            off = offs[c.col] + lmargin[c.col];
            let tw = offs[c.col + c.span] - offs[c.col] - lmargin[c.col];
            let s = match c.align {
                Align::Left => c.value.clone(),
                Align::Center => {
                    let l = (tw as i64 - width(&c.value) as i64) / 2;
                    format!("{:l$}{}", "", c.value, l = l.unsigned_abs() as usize)
                }
                Align::Right => format!("{:>tw$}", c.value),
            };
            off += width(&s);
            out.push_str(&s);
        }
        if !self.cells.is_empty() {
            out.push('\n');
        }
        out
    }
}
