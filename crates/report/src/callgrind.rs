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
    let mut names = FunctionNames::new(table);
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
            names.write(&mut out, table, Name::plain(info.name))?;
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
            names.write(&mut out, table, node_names.of(e.dst))?;
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
struct FunctionNames {
    ids: HashMap<Name, u32, BuildMulHasher>,
    /// Function names that end like a disambiguation suffix (`f [1/2]`), by string: a
    /// suffixed name that prints as one of them is that name.
    literal: HashMap<String, u32>,
}

impl FunctionNames {
    fn new(table: &NodeTable) -> FunctionNames {
        let literal = table
            .strings()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ends_with(']') && s.contains(" ["))
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        FunctionNames {
            ids: HashMap::default(),
            literal,
        }
    }

    fn write(&mut self, out: &mut impl Write, table: &NodeTable, n: Name) -> std::io::Result<()> {
        let base = table.string(n.name);
        let mut key = n;
        if n.count > 0 && !self.literal.is_empty() {
            let printed = format!("{base} [{}/{}]", n.pos, n.count);
            if let Some(&id) = self.literal.get(&printed) {
                key = Name::plain(id);
            }
        }
        if key.count == 0 && table.string(key.name).is_empty() {
            return Ok(());
        }
        let next = self.ids.len() as u32 + 1;
        let id = *self.ids.entry(key).or_insert(next);
        if id != next {
            return write!(out, "({id})");
        }
        if key.count == 0 {
            write!(out, "({id}) {}", table.string(key.name))
        } else {
            write!(out, "({id}) {base} [{}/{}]", key.pos, key.count)
        }
    }
}

/// Each node's function name, ` [i/n]` appended where one (file, name) pair stands for
/// several functions (pprof's `getDisambiguatedNames`). A node's function is its info without
/// address and line, and in a call tree its calling context, where pprof keeps a function node
/// per context.
struct Disambiguated {
    /// Each node's name; nodes not in the graph have none (pprof prints an empty name).
    names: Vec<Name>,
}

impl Disambiguated {
    fn new(g: &Graph, table: &NodeTable) -> Disambiguated {
        const NONE: u32 = u32::MAX;
        // Function identities (name, file, start line, binary) and (file, name) groups of the
        // nodes' infos, as small integer ids.
        let mut fids: HashMap<(u32, u32, i64, u32), u32> = HashMap::new();
        let mut gids: HashMap<(u32, u32), u32> = HashMap::new();
        let mut fid_group: Vec<u32> = Vec::new();
        // Per function in its context: its position in its group in order of appearance.
        let mut funcs: HashMap<u64, u32, BuildMulHasher> = HashMap::default();
        let mut group_count: Vec<u32> = Vec::new();
        let mut node_func = vec![(NONE, NONE); table.len()];
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
                    }
                    fid_group.push(gid);
                    next
                });
            let gid = fid_group[fid as usize];
            let key = (u64::from(fid) << 32) | u64::from(table.context(n));
            let pos = *funcs.entry(key).or_insert_with(|| {
                group_count[gid as usize] += 1;
                group_count[gid as usize] - 1
            });
            node_func[n as usize] = (gid, pos);
        }
        drop(funcs);
        let names = node_func
            .iter()
            .enumerate()
            .map(|(n, &(gid, pos))| {
                if gid == NONE {
                    return Name::plain(0);
                }
                let name = table.info(n as u32).name;
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
        Disambiguated { names }
    }

    fn of(&self, n: u32) -> Name {
        self.names[n as usize]
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
