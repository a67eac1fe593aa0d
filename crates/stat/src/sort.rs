//! `-sort`: reordering rows after the tables are built, as the first benchstat's
//! `-sort name|delta` did (the current benchstat orders rows only through its
//! projections, `-row .fullname@alpha`; both work here).

use crate::projection::Projection;
use crate::table::{Table, Tables};

/// How to reorder rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSort {
    /// Keep the projection's order.
    None,
    /// By row label, alphabetically; reversed if `true`.
    Name(bool),
    /// By the change of the second column against the first, most negative first
    /// (reversed if `true`); rows without a change go last.
    Delta(bool),
}

impl RowSort {
    /// Parses `-sort`: empty or `none`, `name`, `delta`, each with `-` to reverse.
    ///
    /// # Errors
    ///
    /// An unknown order.
    pub fn parse(s: &str) -> Result<RowSort, String> {
        let (rev, name) = match s.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, s),
        };
        match name {
            "" | "none" => Ok(RowSort::None),
            "name" => Ok(RowSort::Name(rev)),
            "delta" => Ok(RowSort::Delta(rev)),
            _ => Err(format!(
                "-sort must be none, name or delta (with - to reverse), not {s:?}"
            )),
        }
    }

    /// Reorders the rows of every table.
    pub fn apply(self, tables: &mut Tables, row_by: &Projection) {
        for t in &mut tables.tables {
            match self {
                RowSort::None => {}
                RowSort::Name(rev) => {
                    t.rows.sort_by_cached_key(|&r| row_by.string_values(r));
                    if rev {
                        t.rows.reverse();
                    }
                }
                RowSort::Delta(rev) => {
                    let mut keyed: Vec<_> = t.rows.iter().map(|&r| (delta(t, r), r)).collect();
                    keyed.sort_by(|a, b| match (a.0, b.0) {
                        (Some(x), Some(y)) if rev => y.total_cmp(&x),
                        (Some(x), Some(y)) => x.total_cmp(&y),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    });
                    t.rows = keyed.into_iter().map(|(_, r)| r).collect();
                }
            }
        }
    }
}

/// The relative change of a row's second column against its first.
fn delta(t: &Table, row: crate::projection::KeyId) -> Option<f64> {
    let col = *t.cols.get(1)?;
    let cell = t.cells.get(&(row, col))?;
    let (_, base) = cell.comparison.as_ref()?;
    (*base != 0.0).then(|| cell.summary.center / base - 1.0)
}
