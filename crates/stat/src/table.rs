//! benchstat's tables, as golang.org/x/perf's `cmd/benchstat/internal/benchtab`:
//! results grouped into tables (by `-table` plus the unit), rows (`-row`) and columns
//! (`-col`); every cell summarized, every non-baseline cell compared with the first
//! column, and a geomean row per column.

use std::collections::{HashMap, HashSet};

use crate::benchfmt::{BenchResult, UnitMetadataMap};
use crate::projection::{KeyId, Projection};
use crate::summary::{Assumption, Comparison, MedianCis, Sample, Summary, geomean};
use crate::unit::tidy_unit;

#[derive(Debug, Default)]
struct BuilderCell {
    values: Vec<f64>,
    residue: HashSet<KeyId>,
}

#[derive(Debug, Default)]
struct BuilderTable {
    rows: HashSet<KeyId>,
    cols: HashSet<KeyId>,
    cells: HashMap<(KeyId, KeyId), BuilderCell>,
}

/// Collects results into tables.
#[derive(Debug)]
pub struct Builder {
    /// Projection onto tables (with `.unit`).
    pub table_by: Projection,
    /// Projection onto rows.
    pub row_by: Projection,
    /// Projection onto columns.
    pub col_by: Projection,
    /// What no other projection took; differences in it are warned about.
    pub residue: Projection,
    tables: HashMap<KeyId, BuilderTable>,
}

/// One summarized cell.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The sample.
    pub sample: Sample,
    /// Its summary.
    pub summary: Summary,
    /// The comparison with the baseline column's cell of the same row, if any.
    pub comparison: Option<(Comparison, f64)>,
}

/// The geomean row's entry for one column.
#[derive(Debug, Clone, Default)]
pub struct ColumnSummary {
    /// The geomean of the column's centers, when all are positive.
    pub summary: Option<f64>,
    /// The geomean of the ratios to the baseline, for non-baseline columns.
    pub ratio: Option<f64>,
    /// Why either is missing or may mislead.
    pub warnings: Vec<String>,
}

/// One finished table.
#[derive(Debug, Clone)]
pub struct Table {
    /// The unit of all its values.
    pub unit: String,
    /// Row keys in order.
    pub rows: Vec<KeyId>,
    /// Column keys in order; the first is the baseline.
    pub cols: Vec<KeyId>,
    /// Cells by (row, column).
    pub cells: HashMap<(KeyId, KeyId), Cell>,
    /// The geomean row, by column.
    pub summary: HashMap<KeyId, ColumnSummary>,
}

/// Options for summarizing.
#[derive(Debug, Clone)]
pub struct TableOpts {
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Significance level of the comparisons.
    pub alpha: f64,
    /// Unit metadata (`assume=exact`).
    pub units: UnitMetadataMap,
}

/// All tables, with their keys in order.
#[derive(Debug)]
pub struct Tables {
    /// The tables.
    pub tables: Vec<Table>,
    /// Each table's key in `table_by`.
    pub keys: Vec<KeyId>,
}

impl Builder {
    /// A builder with the given projections.
    pub fn new(
        table_by: Projection,
        row_by: Projection,
        col_by: Projection,
        residue: Projection,
    ) -> Builder {
        Builder {
            table_by,
            row_by,
            col_by,
            residue,
            tables: HashMap::new(),
        }
    }

    /// Adds one result.
    pub fn add(&mut self, r: &BenchResult) {
        let table_keys = self.table_by.project_values(r);
        let row = self.row_by.project(r);
        let col = self.col_by.project(r);
        let residue = self.residue.project(r);
        for (i, tk) in table_keys.into_iter().enumerate() {
            let t = self.tables.entry(tk).or_default();
            let c = t.cells.entry((row, col)).or_default();
            t.rows.insert(row);
            t.cols.insert(col);
            c.values.push(r.values[i].value);
            c.residue.insert(residue);
        }
    }

    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Summarizes everything into tables.
    pub fn into_tables(mut self, opts: &TableOpts) -> (Tables, Builder) {
        let mut keys: Vec<KeyId> = self.tables.keys().copied().collect();
        self.table_by.sort_keys(&mut keys);
        let unit_field = self
            .table_by
            .unit_field()
            .expect("table projection has .unit");
        let mut cis = MedianCis::default();
        let mut tables = Vec::new();
        let builder_tables = std::mem::take(&mut self.tables);
        for &k in &keys {
            let bt = &builder_tables[&k];
            let unit = self.table_by.get(k, unit_field).to_string();
            let assumption = assumption_of(&opts.units, &unit);
            let mut rows: Vec<KeyId> = bt.rows.iter().copied().collect();
            let mut cols: Vec<KeyId> = bt.cols.iter().copied().collect();
            self.row_by.sort_keys(&mut rows);
            self.col_by.sort_keys(&mut cols);
            let mut cells = HashMap::new();
            for (&ck, bc) in &bt.cells {
                let mut sample = Sample::new(bc.values.clone());
                let mut residue: Vec<KeyId> = bc.residue.iter().copied().collect();
                self.residue.sort_keys(&mut residue);
                let varying = self.residue.non_singular_fields(&residue);
                if !varying.is_empty() {
                    let names: Vec<&str> = varying
                        .iter()
                        .map(|&f| self.residue.field(f).name.as_str())
                        .collect();
                    sample
                        .warnings
                        .push(format!("benchmarks vary in {}", names.join(", ")));
                }
                let summary = assumption.summary(&sample, opts.confidence, &mut cis);
                cells.insert(
                    ck,
                    Cell {
                        sample,
                        summary,
                        comparison: None,
                    },
                );
            }
            let base_col = cols[0];
            let keys: Vec<(KeyId, KeyId)> = cells.keys().copied().collect();
            for (row, col) in keys {
                if col == base_col {
                    continue;
                }
                let Some(base) = cells.get(&(row, base_col)) else {
                    continue;
                };
                let (base_sample, base_center) = (base.sample.clone(), base.summary.center);
                let cell = cells.get_mut(&(row, col)).expect("cell exists");
                let cmp = assumption.compare(&base_sample, &cell.sample, opts.alpha);
                cell.comparison = Some((cmp, base_center));
            }
            let mut table = Table {
                unit,
                rows,
                cols,
                cells,
                summary: HashMap::new(),
            };
            summarize_columns(&mut table);
            tables.push(table);
        }
        (Tables { tables, keys }, self)
    }
}

fn assumption_of(units: &UnitMetadataMap, unit: &str) -> Assumption {
    let (tidied, _) = tidy_unit(unit);
    match units.get(&(tidied, "assume".to_string())) {
        Some(m) if m.value == "exact" => Assumption::Exact,
        _ => Assumption::Nothing,
    }
}

fn summarize_columns(table: &mut Table) {
    let base_col = table.cols[0];
    let n_base = table
        .rows
        .iter()
        .filter(|&&r| table.cells.contains_key(&(r, base_col)))
        .count();
    for (i, &col) in table.cols.iter().enumerate() {
        let is_base = i == 0;
        let mut s = ColumnSummary::default();
        let mut summaries = Vec::new();
        let mut ratios = Vec::new();
        let mut bad_ratio = false;
        for &row in &table.rows {
            let Some(cell) = table.cells.get(&(row, col)) else {
                continue;
            };
            summaries.push(cell.summary.center);
            if let Some((_, base)) = &cell.comparison {
                let (a, b) = (cell.summary.center, *base);
                if a == b {
                    ratios.push(1.0);
                } else if b == 0.0 {
                    bad_ratio = true;
                    ratios.push(0.0);
                } else {
                    ratios.push(a / b);
                }
            }
        }
        if !is_base && n_base != ratios.len() {
            s.warnings.push(
                "benchmark set differs from baseline; geomeans may not be comparable".to_string(),
            );
        }
        let gm = geomean(&summaries);
        if gm.is_nan() {
            s.warnings
                .push("summaries must be >0 to compute geomean".to_string());
        } else {
            s.summary = Some(gm);
        }
        if !is_base && !bad_ratio {
            let gm = geomean(&ratios);
            if gm.is_nan() {
                s.warnings
                    .push("ratios must be >0 to compute geomean".to_string());
            } else {
                s.ratio = Some(gm);
            }
        }
        table.summary.insert(col, s);
    }
}
