//! The `callgrind` report (pprof's `printCallgrind`): the graph at address granularity in
//! the format KCachegrind reads, with names and positions compressed as callgrind allows.
//!
//! A call tree (`-call_tree`) of a large profile has millions of nodes and prints hundreds of
//! megabytes: the report is streamed, and names are handled as integer keys (interned string
//! ids, function positions) rather than one string per node.

use std::collections::HashMap;
use std::io::{BufWriter, Write};

use sextant_profile::Profile;

use crate::graph::{BuildMulHasher, Graph};
use crate::measurement;
use crate::nodes::{NodeInfo, NodeTable};
use crate::report::{Error, Report};

/// Prints every node's cost and its outgoing calls.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    rpt.options.node_fraction = 0.0;
    rpt.options.edge_fraction = 0.0;
    rpt.options.node_count = 0;
    let t = rpt.trimmed_graph(p);
    rpt.select_output_unit(&t.graph);
    let (g, table) = (&t.graph, &t.table);
    let o = &rpt.options;
    let node_names = Disambiguated::new(g, table);
    let mut out = BufWriter::with_capacity(1 << 16, w);
    writeln!(out, "positions: instr line")?;
    writeln!(out, "events: {}({})", o.sample_type, o.output_unit)?;
    let strings = table.strings().len();
    let (mut objfiles, mut files) = (StringNames::new(strings), StringNames::new(strings));
    let mut names = FunctionNames::new(table, node_names.names.len());
    let mut scaled = Scaler::new(&o.sample_unit, &o.output_unit);
    let outs = g.edge_lists(table, false);
    let mut prev: Option<NodeInfo> = None;
    for &n in &g.nodes {
        let info = *table.info(n);
        let changed = prev.is_none_or(|p| {
            p.objfile != info.objfile || p.file != info.file || p.name != info.name
        });
        if changed {
            out.write_all(b"\nob=")?;
            objfiles.write(&mut out, table, info.objfile)?;
            out.write_all(b"\nfl=")?;
            files.write(&mut out, table, info.file)?;
            out.write_all(b"\nfn=")?;
            names.write(&mut out, table, &node_names, None, Name::plain(info.name))?;
            out.write_all(b"\n")?;
        }
        let prev_addr = prev.map(|p| p.address);
        write_address(&mut out, prev_addr, info.address)?;
        writeln!(out, " {} {}", info.lineno, scaled.get(g.flat_value(n)))?;
        for &e in &outs[n as usize] {
            let e = &g.edges[e as usize];
            let callee = table.info(e.dst);
            out.write_all(b"cfl=")?;
            files.write(&mut out, table, callee.file)?;
            out.write_all(b"\ncfn=")?;
            let (f, name) = node_names.of(e.dst);
            names.write(&mut out, table, &node_names, f, name)?;
            out.write_all(b"\ncalls=0 ")?;
            write_address(&mut out, prev_addr, callee.address)?;
            writeln!(out, " {}", callee.lineno)?;
            writeln!(out, "* * {}", scaled.get(e.weight))?;
        }
        prev = Some(info);
    }
    out.flush()?;
    Ok(())
}

/// Callgrind's name compression (pprof's `callgrindName`) for strings of the node table (files,
/// binaries): `(N) name` the first time, `(N)` after, nothing for the empty string.
struct StringNames {
    /// Each string id's number, 0 before its first use.
    ids: Vec<u32>,
    next: u32,
}

impl StringNames {
    fn new(strings: usize) -> StringNames {
        StringNames {
            ids: vec![0; strings],
            next: 0,
        }
    }

    fn write(&mut self, out: &mut impl Write, table: &NodeTable, s: u32) -> std::io::Result<()> {
        let name = table.string(s);
        if name.is_empty() {
            return Ok(());
        }
        let id = &mut self.ids[s as usize];
        if *id != 0 {
            return write!(out, "({id})");
        }
        self.next += 1;
        *id = self.next;
        write!(out, "({id}) {name}")
    }
}

/// A function name as callgrind prints it: the name (an interned string id) and, where one
/// (file, name) pair stands for several functions, ` [pos/count]` (pprof's
/// `getDisambiguatedNames`); `count` is 0 for a name without the suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Name {
    name: u32,
    pos: u32,
    count: u32,
}

impl Name {
    fn plain(name: u32) -> Name {
        Name {
            name,
            pos: 0,
            count: 0,
        }
    }
}

/// Callgrind's name compression for function names, which pprof keys by the printed name.
///
/// Names are numbered without printing them: a plain name by its string id, a disambiguated
/// one by its function when no other (file, name) group prints the same suffixed names, else
/// through a map by printed parts.
struct FunctionNames {
    /// The number of names numbered.
    count: u32,
    /// By string id: the number of the plain name, 0 before its first use.
    plain: Vec<u32>,
    /// By function: the number of its disambiguated name, when that prints uniquely.
    unique: Vec<u32>,
    /// The numbers of other disambiguated names.
    shared: HashMap<Name, u32, BuildMulHasher>,
    /// Function names that end like a disambiguation suffix (`f [1/2]`), by string: a
    /// suffixed name that prints as one of them is that name. With any, every name goes
    /// through `shared`.
    literal: HashMap<String, u32>,
}

impl FunctionNames {
    fn new(table: &NodeTable, functions: usize) -> FunctionNames {
        let literal = table
            .strings()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ends_with(']') && s.contains(" ["))
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        FunctionNames {
            count: 0,
            plain: vec![0; table.strings().len()],
            unique: vec![0; functions],
            shared: HashMap::default(),
            literal,
        }
    }

    /// Writes the name of function `f` (of `d`), or `name` when `f` is `None`.
    fn write(
        &mut self,
        out: &mut impl Write,
        table: &NodeTable,
        d: &Disambiguated,
        f: Option<u32>,
        name: Name,
    ) -> std::io::Result<()> {
        let mut key = name;
        if !self.literal.is_empty() {
            if key.count > 0 {
                let base = table.string(key.name);
                let printed = format!("{base} [{}/{}]", key.pos, key.count);
                if let Some(&id) = self.literal.get(&printed) {
                    key = Name::plain(id);
                }
            }
            let next = self.count + 1;
            let id = self.shared.entry(key).or_insert(next);
            return emit(out, table, key, id, &mut self.count);
        }
        let id = if key.count == 0 {
            &mut self.plain[key.name as usize]
        } else {
            match f {
                Some(f) if d.unique[f as usize] => &mut self.unique[f as usize],
                _ => {
                    let next = self.count + 1;
                    self.shared.entry(key).or_insert(next)
                }
            }
        };
        emit(out, table, key, id, &mut self.count)
    }
}

/// Writes `(N) name` for a name not numbered yet (`*id` is 0 or above `count`, the numbers
/// given so far), `(N)` for one numbered, nothing for the empty name.
fn emit(
    out: &mut impl Write,
    table: &NodeTable,
    key: Name,
    id: &mut u32,
    count: &mut u32,
) -> std::io::Result<()> {
    let base = table.string(key.name);
    if key.count == 0 && base.is_empty() {
        return Ok(());
    }
    if *id != 0 && *id <= *count {
        return write!(out, "({id})");
    }
    *count += 1;
    *id = *count;
    if key.count == 0 {
        write!(out, "({id}) {base}")
    } else {
        write!(out, "({id}) {base} [{}/{}]", key.pos, key.count)
    }
}

/// Each node's function name, ` [i/n]` appended where one (file, name) pair stands for
/// several functions (pprof's `getDisambiguatedNames`). A node's function is its info without
/// address and line, and in a call tree its calling context, where pprof keeps a function node
/// per context.
struct Disambiguated {
    /// Each node's function; nodes not in the graph have none (pprof prints an empty name).
    node_func: Vec<u32>,
    /// Each function's name.
    names: Vec<Name>,
    /// Whether the function's name is suffixed and no other group prints the same suffixed
    /// names (same name, same count).
    unique: Vec<bool>,
}

impl Disambiguated {
    const NONE: u32 = u32::MAX;

    fn new(g: &Graph, table: &NodeTable) -> Disambiguated {
        // Function identities (name, file, start line, binary) and (file, name) groups of the
        // nodes' infos, as small integer ids.
        let mut fids: HashMap<(u32, u32, i64, u32), u32> = HashMap::new();
        let mut gids: HashMap<(u32, u32), u32> = HashMap::new();
        let mut fid_group: Vec<u32> = Vec::new();
        let mut group_name: Vec<u32> = Vec::new();
        // Per function in its context: its number, and its position in its group in order
        // of appearance.
        let mut funcs: HashMap<u64, u32, BuildMulHasher> = HashMap::default();
        let mut func_group: Vec<u32> = Vec::new();
        let mut func_pos: Vec<u32> = Vec::new();
        let mut group_count: Vec<u32> = Vec::new();
        let mut node_func = vec![Self::NONE; table.len()];
        for &n in &g.nodes {
            let i = table.info(n);
            let next = fids.len() as u32;
            let fid = *fids
                .entry((i.name, i.file, i.start_line, i.objfile))
                .or_insert_with(|| {
                    let next_group = gids.len() as u32;
                    let gid = *gids.entry((i.file, i.name)).or_insert(next_group);
                    if gid as usize == group_count.len() {
                        group_count.push(0);
                        group_name.push(i.name);
                    }
                    fid_group.push(gid);
                    next
                });
            let gid = fid_group[fid as usize];
            let key = (u64::from(fid) << 32) | u64::from(table.context(n));
            let f = *funcs.entry(key).or_insert_with(|| {
                func_group.push(gid);
                func_pos.push(group_count[gid as usize]);
                group_count[gid as usize] += 1;
                func_group.len() as u32 - 1
            });
            node_func[n as usize] = f;
        }
        drop(funcs);
        // Groups printing the same suffixed names: same name, same count.
        let mut printing: HashMap<(u32, u32), u32> = HashMap::new();
        for (gid, &count) in group_count.iter().enumerate() {
            if count > 1 {
                *printing.entry((group_name[gid], count)).or_default() += 1;
            }
        }
        let group_unique: Vec<bool> = group_count
            .iter()
            .enumerate()
            .map(|(gid, &count)| count > 1 && printing[&(group_name[gid], count)] == 1)
            .collect();
        let names = func_group
            .iter()
            .zip(&func_pos)
            .map(|(&gid, &pos)| {
                let name = group_name[gid as usize];
                match group_count[gid as usize] {
                    count if count > 1 => Name {
                        name,
                        pos: pos + 1,
                        count,
                    },
                    _ => Name::plain(name),
                }
            })
            .collect();
        let unique = func_group
            .iter()
            .map(|&gid| group_unique[gid as usize])
            .collect();
        Disambiguated {
            node_func,
            names,
            unique,
        }
    }

    /// The function of node `n` and its name (empty for a node not in the graph).
    fn of(&self, n: u32) -> (Option<u32>, Name) {
        match self.node_func[n as usize] {
            Self::NONE => (None, Name::plain(0)),
            f => (Some(f), self.names[f as usize]),
        }
    }
}

/// Values converted to the output unit and truncated to integers, remembered: the same few
/// values recur across millions of nodes.
struct Scaler<'a> {
    from: &'a str,
    to: &'a str,
    seen: HashMap<i64, i64, BuildMulHasher>,
}

impl<'a> Scaler<'a> {
    fn new(from: &'a str, to: &'a str) -> Scaler<'a> {
        Scaler {
            from,
            to,
            seen: HashMap::default(),
        }
    }

    fn get(&mut self, v: i64) -> i64 {
        *self
            .seen
            .entry(v)
            .or_insert_with(|| measurement::scale(v, self.from, self.to).0 as i64)
    }
}

/// An address absolute, relative to the previous node's (`+16`) when shorter, or `*` when the
/// same (pprof's `callgrindAddress`).
fn write_address(out: &mut impl Write, prev: Option<u64>, curr: u64) -> std::io::Result<()> {
    let Some(prev) = prev else {
        return write!(out, "{curr:#x}");
    };
    if prev == curr {
        return out.write_all(b"*");
    }
    let relative = curr.wrapping_sub(prev) as i64;
    // "0x" and the hex digits, against the sign and the decimal digits.
    let abs_len = 2 + (64 - curr.leading_zeros()).div_ceil(4).max(1);
    let rel_len = 1 + relative.unsigned_abs().checked_ilog10().unwrap_or(0) + 1;
    if rel_len < abs_len {
        write!(out, "{relative:+}")
    } else {
        write!(out, "{curr:#x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(prev: Option<u64>, curr: u64) -> String {
        let mut out = Vec::new();
        write_address(&mut out, prev, curr).expect("write to a Vec");
        String::from_utf8(out).expect("ASCII")
    }

    #[test]
    fn addresses_are_relative_when_shorter() {
        // Go's callgrindAddress: fmt.Sprintf("%#x") against fmt.Sprintf("%+d").
        assert_eq!(address(None, 0x4a2f10), "0x4a2f10");
        assert_eq!(address(Some(0x4a2f10), 0x4a2f10), "*");
        assert_eq!(address(Some(0x4a2f10), 0x4a2f20), "+16");
        assert_eq!(address(Some(0x4a2f20), 0x4a2f10), "-16");
        // "+1048576" (8) is not shorter than "0x500000" (8).
        assert_eq!(address(Some(0x400000), 0x500000), "0x500000");
        assert_eq!(address(Some(0x10), 0x0), "0x0");
        assert_eq!(address(Some(0x1), 0x0), "-1");
        assert_eq!(address(Some(0), u64::MAX), "-1");
    }
}
