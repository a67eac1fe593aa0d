//! Applying a filter to results, as benchproc's `Filter`: most keys select or drop a
//! whole result, but `.unit` selects among a result's values, so a match is a per-value
//! mask where `.unit` is involved.

use std::collections::HashMap;

use crate::benchfmt::BenchResult;
use crate::extract::Extractor;
use crate::projection::FixedFilter;
use crate::query::{FilterExpr, QueryError, parse_filter};

/// A compiled filter.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: FilterExpr,
    extractors: HashMap<String, Extractor>,
    fixed: Vec<FixedFilter>,
}

/// The outcome for one result: a mask over its values, or all-or-nothing.
enum Match {
    Mask(Vec<bool>),
    All(bool),
}

impl Filter {
    /// Compiles a filter query.
    ///
    /// # Errors
    ///
    /// A syntax error, or `.config` used in a filter.
    pub fn new(q: &str) -> Result<Filter, QueryError> {
        let expr = parse_filter(q)?;
        let mut extractors = HashMap::new();
        collect(&expr, q, &mut extractors)?;
        Ok(Filter {
            expr,
            extractors,
            fixed: Vec::new(),
        })
    }

    pub(crate) fn add_fixed(&mut self, fixed: Vec<FixedFilter>) {
        self.fixed.extend(fixed);
    }

    /// Keeps only the values of `r` that match; returns whether any remain.
    pub fn apply(&self, r: &mut BenchResult) -> bool {
        for f in &self.fixed {
            if !f.values.contains(&f.ext.extract(r)) {
                r.values.clear();
                return false;
            }
        }
        match self.eval(&self.expr, r) {
            Match::All(true) => true,
            Match::All(false) => {
                r.values.clear();
                false
            }
            Match::Mask(m) => {
                let mut i = 0;
                r.values.retain(|_| {
                    i += 1;
                    m[i - 1]
                });
                !r.values.is_empty()
            }
        }
    }

    fn eval(&self, e: &FilterExpr, r: &BenchResult) -> Match {
        match e {
            FilterExpr::Not(sub) => match self.eval(sub, r) {
                Match::All(x) => Match::All(!x),
                Match::Mask(m) => Match::Mask(m.into_iter().map(|b| !b).collect()),
            },
            FilterExpr::And(subs) => {
                let mut mask: Option<Vec<bool>> = None;
                for s in subs {
                    match self.eval(s, r) {
                        Match::All(false) => return Match::All(false),
                        Match::All(true) => {}
                        Match::Mask(m2) => match &mut mask {
                            None => mask = Some(m2),
                            Some(m) => m.iter_mut().zip(m2).for_each(|(a, b)| *a &= b),
                        },
                    }
                }
                mask.map_or(Match::All(true), Match::Mask)
            }
            FilterExpr::Or(subs) => {
                let mut mask: Option<Vec<bool>> = None;
                for s in subs {
                    match self.eval(s, r) {
                        Match::All(true) => return Match::All(true),
                        Match::All(false) => {}
                        Match::Mask(m2) => match &mut mask {
                            None => mask = Some(m2),
                            Some(m) => m.iter_mut().zip(m2).for_each(|(a, b)| *a |= b),
                        },
                    }
                }
                mask.map_or(Match::All(false), Match::Mask)
            }
            FilterExpr::Match {
                key, lit, regex, ..
            } => {
                let matches = |v: &str| match regex {
                    Some(re) => re.is_match(v),
                    None => lit == v,
                };
                if key == ".unit" {
                    return Match::Mask(
                        r.values
                            .iter()
                            .map(|v| {
                                matches(&v.unit)
                                    || (!v.orig_unit.is_empty() && matches(&v.orig_unit))
                            })
                            .collect(),
                    );
                }
                Match::All(matches(&self.extractors[key].extract(r)))
            }
        }
    }
}

fn collect(
    e: &FilterExpr,
    q: &str,
    out: &mut HashMap<String, Extractor>,
) -> Result<(), QueryError> {
    match e {
        FilterExpr::Not(s) => collect(s, q, out),
        FilterExpr::And(v) | FilterExpr::Or(v) => v.iter().try_for_each(|s| collect(s, q, out)),
        FilterExpr::Match { key, off, .. } => {
            if key == ".unit" {
                return Ok(());
            }
            let err = |msg: String| QueryError {
                query: q.to_string(),
                off: *off,
                msg,
            };
            if key == ".config" {
                return Err(err(".config is only allowed in projections".to_string()));
            }
            if !out.contains_key(key) {
                out.insert(key.clone(), Extractor::new(key).map_err(err)?);
            }
            Ok(())
        }
    }
}
