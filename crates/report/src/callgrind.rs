//! The `callgrind` report (pprof's `printCallgrind`): the graph at address granularity in
//! the format KCachegrind reads, with names and positions compressed as callgrind allows.

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::Profile;

use crate::graph::Graph;
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
    let node_names = disambiguated_names(g, table);
    let mut out = String::new();
    out.push_str("positions: instr line\n");
    out.push_str(&format!("events: {}({})\n", o.sample_type, o.output_unit));
    let (mut objfiles, mut files, mut names) =
        (Names::default(), Names::default(), Names::default());
    let (_, outs) = g.adjacency(table);
    let mut prev: Option<NodeInfo> = None;
    for &n in &g.nodes {
        let info = table.infos[n as usize];
        let changed = prev.is_none_or(|p| {
            p.objfile != info.objfile || p.file != info.file || p.name != info.name
        });
        if changed {
            out.push('\n');
            out.push_str(&format!(
                "ob={}\n",
                objfiles.name(table.string(info.objfile))
            ));
            out.push_str(&format!("fl={}\n", files.name(table.string(info.file))));
            out.push_str(&format!("fn={}\n", names.name(table.string(info.name))));
        }
        let addr = address(prev.as_ref(), info.address);
        let (sv, _) = measurement::scale(g.flat_value(n), &o.sample_unit, &o.output_unit);
        out.push_str(&format!("{addr} {} {}\n", info.lineno, sv as i64));
        for &e in &outs[n as usize] {
            let e = &g.edges[e as usize];
            let (c, _) = measurement::scale(e.weight, &o.sample_unit, &o.output_unit);
            let callee = table.infos[e.dst as usize];
            out.push_str(&format!("cfl={}\n", files.name(table.string(callee.file))));
            out.push_str(&format!("cfn={}\n", names.name(&node_names[&e.dst])));
            let caddr = address(prev.as_ref(), callee.address);
            out.push_str(&format!("calls=0 {caddr} {}\n", callee.lineno));
            out.push_str(&format!("* * {}\n", c as i64));
        }
        prev = Some(info);
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// Callgrind's name compression: `(N) name` the first time, `(N)` after (pprof's
/// `callgrindName`).
#[derive(Default)]
struct Names(HashMap<String, usize>);

impl Names {
    fn name(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        if let Some(id) = self.0.get(name) {
            return format!("({id})");
        }
        let id = self.0.len() + 1;
        self.0.insert(name.to_string(), id);
        format!("({id}) {name}")
    }
}

/// An address absolute, relative to the previous node's (`+16`) when shorter, or `*` when the
/// same (pprof's `callgrindAddress`).
fn address(prev: Option<&NodeInfo>, curr: u64) -> String {
    let abs = format!("{curr:#x}");
    let Some(prev) = prev else {
        return abs;
    };
    if prev.address == curr {
        return "*".to_string();
    }
    let relative = format!("{:+}", curr.wrapping_sub(prev.address) as i64);
    if relative.len() < abs.len() {
        relative
    } else {
        abs
    }
}

/// A node's function: name, file, start line and binary (its identity without address and
/// line), and its calling context in a call tree, where pprof keeps a function node per
/// context.
type FunctionKey = (u32, u32, i64, u32, u32);

/// Each node's function name, with ` [i/n]` appended where one (file, name) pair stands for
/// several functions (pprof's `getDisambiguatedNames`).
fn disambiguated_names(g: &Graph, table: &NodeTable) -> HashMap<u32, String> {
    // A node's function: its info without address and line.
    let function = |n: u32| -> FunctionKey {
        let i = table.infos[n as usize];
        (i.name, i.file, i.start_line, i.objfile, table.context(n))
    };
    // Per (file, name): each function's position in order of appearance, and their count.
    let mut index: HashMap<(u32, u32), HashMap<FunctionKey, usize>> = HashMap::new();
    for &n in &g.nodes {
        let i = table.infos[n as usize];
        let fns = index.entry((i.file, i.name)).or_default();
        let next = fns.len();
        fns.entry(function(n)).or_insert(next);
    }
    g.nodes
        .iter()
        .map(|&n| {
            let i = table.infos[n as usize];
            let mut name = table.string(i.name).to_string();
            let fns = &index[&(i.file, i.name)];
            if fns.len() > 1 {
                let pos = fns.get(&function(n)).copied().unwrap_or(0);
                name.push_str(&format!(" [{}/{}]", pos + 1, fns.len()));
            }
            (n, name)
        })
        .collect()
}
