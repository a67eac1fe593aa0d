//! Projections of results onto keys, as golang.org/x/perf's `benchproc`: which table,
//! row and column each result belongs to.
//!
//! A projection has fields (`.name`, `/n`, `goos`, or the group `.config` that expands
//! to every file configuration key); projecting a result gives a [`KeyId`], equal for
//! equal field values. Keys sort field by field, each field by its order: first
//! appearance (the default), `alpha`, `num`, or a fixed list.

use std::collections::{HashMap, HashSet};

use crate::benchfmt::BenchResult;
use crate::extract::{Extractor, full_excluded};
use crate::order::cmp_num;
use crate::query::{FieldSpec, QueryError, parse_projection};

/// Identifies a distinct key of one projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub usize);

#[derive(Debug, Clone)]
enum Order {
    /// First appearance; `live` is false for `.config`'s sub-fields, whose order
    /// benchproc never records, so they compare equal and fall back to string order.
    First {
        seen: HashMap<String, usize>,
        live: bool,
    },
    Alpha,
    Num,
    Fixed(HashMap<String, usize>),
}

/// One field of a projection.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field's key (`goos`, `.fullname`, `.unit`).
    pub name: String,
    order: Order,
}

#[derive(Debug, Clone)]
enum Node {
    Field(usize),
    Group(Vec<usize>),
}

#[derive(Debug, Clone)]
enum Projector {
    Config {
        node: usize,
        order: String,
        seen: HashMap<String, usize>,
    },
    Fullname(usize),
    Key(usize, Extractor),
}

/// A projection of results onto keys.
#[derive(Debug, Clone)]
pub struct Projection {
    fields: Vec<Field>,
    nodes: Vec<Node>,
    projectors: Vec<Projector>,
    unit_field: Option<usize>,
    keys: Vec<Vec<String>>,
    index: HashMap<Vec<String>, KeyId>,
    config_excluded: HashSet<String>,
    fullname_excluded: Vec<String>,
    /// The fields in display order, kept up to date as fields are added (key
    /// comparisons walk it).
    flat: Vec<usize>,
}

/// Builds projections that share exclusions: a key projected by one (`-col /n`) is
/// removed from the `.config` or `.fullname` of the others.
#[derive(Debug, Default)]
pub struct ProjectionParser {
    config_keys: HashSet<String>,
    fullname_keys: Vec<String>,
    have_config: bool,
    have_fullname: bool,
}

/// A filter that a fixed sort order (`key@(a b)`) adds: only listed values pass.
#[derive(Debug, Clone)]
pub struct FixedFilter {
    pub(crate) ext: Extractor,
    pub(crate) values: HashSet<String>,
}

impl ProjectionParser {
    /// Parses a projection; fixed orders add their filters to `fixed`.
    ///
    /// # Errors
    ///
    /// A syntax error, an unknown order, or a misused key.
    pub fn parse(
        &mut self,
        q: &str,
        fixed: &mut Vec<FixedFilter>,
    ) -> Result<Projection, QueryError> {
        let mut proj = Projection::new();
        for spec in parse_projection(q)? {
            self.add(&mut proj, q, &spec, fixed)?;
        }
        Ok(proj)
    }

    /// Parses a projection and adds the `.unit` field, for tables.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse).
    pub fn parse_with_unit(
        &mut self,
        q: &str,
        fixed: &mut Vec<FixedFilter>,
    ) -> Result<Projection, QueryError> {
        let mut proj = self.parse(q, fixed)?;
        let f = proj.add_field(
            None,
            ".unit",
            Order::First {
                seen: HashMap::new(),
                live: true,
            },
        );
        proj.unit_field = Some(f);
        Ok(proj)
    }

    /// The projection of what no other projection took: `.config` and `.fullname`,
    /// unless projected. Cells whose results differ in it get a warning.
    pub fn residue(&mut self) -> Projection {
        let mut proj = Projection::new();
        let mut unused = Vec::new();
        let first = |key: &str| FieldSpec {
            key: key.to_string(),
            order: "first".to_string(),
            fixed: Vec::new(),
            key_off: 0,
            order_off: 0,
        };
        if !self.have_config {
            let _ = self.add(&mut proj, "", &first(".config"), &mut unused);
        }
        if !self.have_fullname {
            let _ = self.add(&mut proj, "", &first(".fullname"), &mut unused);
        }
        proj
    }

    /// Gives each projection the exclusions found in all of them; call after parsing.
    pub fn finish(&self, proj: &mut Projection) {
        proj.config_excluded = self.config_keys.clone();
        proj.fullname_excluded = self.fullname_keys.clone();
    }

    fn add(
        &mut self,
        proj: &mut Projection,
        q: &str,
        spec: &FieldSpec,
        fixed: &mut Vec<FixedFilter>,
    ) -> Result<(), QueryError> {
        let err = |off: usize, msg: String| QueryError {
            query: q.to_string(),
            off,
            msg,
        };
        let order = match spec.order.as_str() {
            "fixed" => Order::Fixed(
                spec.fixed
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.clone(), i))
                    .collect(),
            ),
            "first" => Order::First {
                seen: HashMap::new(),
                live: true,
            },
            "alpha" => Order::Alpha,
            "num" => Order::Num,
            other => {
                return Err(err(
                    spec.order_off,
                    format!("unknown order {}", crate::token::go_quote(other)),
                ));
            }
        };
        let fixed_values = || spec.fixed.iter().cloned().collect::<HashSet<String>>();
        match spec.key.as_str() {
            ".config" => {
                if spec.order == "fixed" {
                    return Err(err(
                        spec.order_off,
                        "fixed order not allowed for .config".to_string(),
                    ));
                }
                self.have_config = true;
                proj.nodes.push(Node::Group(Vec::new()));
                let node = proj.nodes.len() - 1;
                proj.projectors.push(Projector::Config {
                    node,
                    order: spec.order.clone(),
                    seen: HashMap::new(),
                });
            }
            ".fullname" => {
                self.have_fullname = true;
                let f = proj.add_field(None, ".fullname", order);
                if spec.order == "fixed" {
                    fixed.push(FixedFilter {
                        ext: Extractor::Full,
                        values: fixed_values(),
                    });
                }
                proj.projectors.push(Projector::Fullname(f));
            }
            ".unit" => {
                return Err(err(
                    spec.key_off,
                    ".unit is only allowed in filters".to_string(),
                ));
            }
            key => {
                if key == ".name" || key.starts_with('/') {
                    self.fullname_keys.push(key.to_string());
                } else {
                    self.config_keys.insert(key.to_string());
                }
                let ext = Extractor::new(key).map_err(|m| err(spec.key_off, m))?;
                let f = proj.add_field(None, key, order);
                if spec.order == "fixed" {
                    fixed.push(FixedFilter {
                        ext: ext.clone(),
                        values: fixed_values(),
                    });
                }
                proj.projectors.push(Projector::Key(f, ext));
            }
        }
        Ok(())
    }
}

impl Projection {
    fn new() -> Projection {
        Projection {
            fields: Vec::new(),
            nodes: Vec::new(),
            projectors: Vec::new(),
            unit_field: None,
            keys: Vec::new(),
            index: HashMap::new(),
            config_excluded: HashSet::new(),
            fullname_excluded: Vec::new(),
            flat: Vec::new(),
        }
    }

    fn add_field(&mut self, group: Option<usize>, name: &str, order: Order) -> usize {
        self.fields.push(Field {
            name: name.to_string(),
            order,
        });
        let idx = self.fields.len() - 1;
        match group {
            None => self.nodes.push(Node::Field(idx)),
            Some(g) => {
                if let Node::Group(v) = &mut self.nodes[g] {
                    v.push(idx);
                }
            }
        }
        self.flat.clear();
        for n in &self.nodes {
            match n {
                Node::Field(i) => self.flat.push(*i),
                Node::Group(v) => self.flat.extend(v),
            }
        }
        idx
    }

    /// The fields in display order, `.config`'s expanded in place.
    pub fn flattened(&self) -> &[usize] {
        &self.flat
    }

    /// The field with index `idx`.
    pub fn field(&self, idx: usize) -> &Field {
        &self.fields[idx]
    }

    /// The index of the `.unit` field, for projections made with a unit.
    pub fn unit_field(&self) -> Option<usize> {
        self.unit_field
    }

    fn populate(&mut self, r: &BenchResult) -> Vec<String> {
        let mut row = vec![String::new(); self.fields.len()];
        let mut projectors = std::mem::take(&mut self.projectors);
        for p in &mut projectors {
            match p {
                Projector::Config { node, order, seen } => {
                    for cfg in r.config.iter().filter(|c| c.file) {
                        let f = match seen.get(&cfg.key) {
                            Some(&f) => f,
                            None => {
                                if self.config_excluded.contains(&cfg.key) {
                                    continue;
                                }
                                let o = match order.as_str() {
                                    "alpha" => Order::Alpha,
                                    "num" => Order::Num,
                                    _ => Order::First {
                                        seen: HashMap::new(),
                                        live: false,
                                    },
                                };
                                let f = self.add_field(Some(*node), &cfg.key, o);
                                seen.insert(cfg.key.clone(), f);
                                row.push(String::new());
                                f
                            }
                        };
                        row[f] = cfg.value.clone();
                    }
                }
                Projector::Fullname(f) => {
                    row[*f] = if self.fullname_excluded.is_empty() {
                        r.name.clone()
                    } else {
                        full_excluded(r, &self.fullname_excluded)
                    };
                }
                Projector::Key(f, ext) => row[*f] = ext.extract(r),
            }
        }
        self.projectors = projectors;
        row
    }

    fn intern(&mut self, mut row: Vec<String>) -> KeyId {
        while row.last().is_some_and(|v| v.is_empty()) {
            row.pop();
        }
        if let Some(&k) = self.index.get(&row) {
            return k;
        }
        for node in &self.nodes {
            if let Node::Field(i) = node {
                if let Order::First { seen, live: true } = &mut self.fields[*i].order {
                    let val = row.get(*i).cloned().unwrap_or_default();
                    let n = seen.len();
                    seen.entry(val).or_insert(n);
                }
            }
        }
        let id = KeyId(self.keys.len());
        self.keys.push(row.clone());
        self.index.insert(row, id);
        id
    }

    /// The key of a result.
    pub fn project(&mut self, r: &BenchResult) -> KeyId {
        let row = self.populate(r);
        self.intern(row)
    }

    /// One key per value of the result, differing in `.unit`.
    pub fn project_values(&mut self, r: &BenchResult) -> Vec<KeyId> {
        let row = self.populate(r);
        match self.unit_field {
            None => {
                let k = self.intern(row);
                vec![k; r.values.len()]
            }
            Some(u) => r
                .values
                .iter()
                .map(|v| {
                    let mut row = row.clone();
                    row[u] = v.unit.clone();
                    self.intern(row)
                })
                .collect(),
        }
    }

    /// The value of field `f` in key `k` (empty if unset).
    pub fn get(&self, k: KeyId, f: usize) -> &str {
        self.keys[k.0].get(f).map_or("", |s| s.as_str())
    }

    /// The key's non-empty values in field order, separated by spaces.
    pub fn string_values(&self, k: KeyId) -> String {
        let vals: Vec<&str> = self
            .flattened()
            .iter()
            .map(|&f| self.get(k, f))
            .filter(|v| !v.is_empty())
            .collect();
        vals.join(" ")
    }

    fn cmp_field(&self, f: usize, a: &str, b: &str) -> i64 {
        match &self.fields[f].order {
            Order::First { seen, .. } => {
                seen.get(a).copied().unwrap_or(0) as i64 - seen.get(b).copied().unwrap_or(0) as i64
            }
            Order::Fixed(m) => {
                m.get(a).copied().unwrap_or(0) as i64 - m.get(b).copied().unwrap_or(0) as i64
            }
            Order::Alpha => match a.cmp(b) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            },
            Order::Num => cmp_num(a, b) as i64,
        }
    }

    /// Whether key `a` sorts before key `b`: field by field in display order, each by
    /// its order, string order breaking ties.
    pub fn less(&self, a: KeyId, b: KeyId) -> bool {
        for &f in self.flattened() {
            let (x, y) = (self.get(a, f), self.get(b, f));
            if x != y {
                let c = self.cmp_field(f, x, y);
                if c != 0 {
                    return c < 0;
                }
                return x < y;
            }
        }
        false
    }

    /// Sorts keys by [`less`](Self::less).
    pub fn sort_keys(&self, keys: &mut [KeyId]) {
        keys.sort_by(|&a, &b| {
            if self.less(a, b) {
                std::cmp::Ordering::Less
            } else if self.less(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
    }

    /// The fields whose values differ among `keys`, for "benchmarks vary in" warnings.
    pub fn non_singular_fields(&self, keys: &[KeyId]) -> Vec<usize> {
        if keys.len() <= 1 {
            return Vec::new();
        }
        self.flattened()
            .iter()
            .copied()
            .filter(|&f| {
                keys[1..]
                    .iter()
                    .any(|&k| self.get(k, f) != self.get(keys[0], f))
            })
            .collect()
    }
}
