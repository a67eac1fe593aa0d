//! Column headers: the sorted column keys as a tree, one level per field, with runs
//! of equal values merged into one spanning cell (benchproc's `keyheader.go`).

use crate::projection::{KeyId, Projection};

/// One node of a column header: a value spanning columns `start..start+len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderNode {
    /// The value shown.
    pub value: String,
    /// The first column it spans.
    pub start: usize,
    /// How many columns it spans.
    pub len: usize,
    /// The nodes of the next level below it.
    pub children: Vec<HeaderNode>,
}

/// The header tree of sorted column keys: one level per field, runs of equal values
/// merged, as benchproc's `NewKeyHeader`.
pub fn key_header(proj: &Projection, keys: &[KeyId]) -> Vec<HeaderNode> {
    let fields = proj.flattened();
    fn walk(
        proj: &Projection,
        keys: &[KeyId],
        fields: &[usize],
        level: usize,
        start: usize,
        len: usize,
    ) -> Vec<HeaderNode> {
        if level == fields.len() {
            return Vec::new();
        }
        let mut out: Vec<HeaderNode> = Vec::new();
        for (j, &k) in keys[start..start + len].iter().enumerate() {
            let val = proj.get(k, fields[level]);
            match out.last_mut() {
                Some(n) if n.value == val => n.len += 1,
                _ => out.push(HeaderNode {
                    value: val.to_string(),
                    start: start + j,
                    len: 1,
                    children: Vec::new(),
                }),
            }
        }
        for n in &mut out {
            n.children = walk(proj, keys, fields, level + 1, n.start, n.len);
        }
        out
    }
    if keys.is_empty() {
        return Vec::new();
    }
    walk(proj, keys, fields, 0, 0, keys.len())
}
