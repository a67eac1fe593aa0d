//! The `disasm` report (pprof's `PrintAssembly`): the machine code of the functions matching a
//! regexp, each instruction annotated with the flat and cum values of the samples at its
//! address.
//!
//! The binary is the file a mapping names; its symbols and instructions come from an
//! [`ObjTool`] ([`Binutils`] runs GNU `nm` and `objdump`, as google/pprof does outside Go).
//! Sample addresses are runtime addresses: each is turned into a file address with the
//! mapping's load base (`start - offset + segment offset - segment address`, pprof's
//! `elfexec.GetBase`) before it is matched to an instruction.

mod binutils;
mod elf;

use std::io::{self, Write};

use regex::Regex;
use sextant_profile::{Mapping, Profile};

use crate::graph::{BuildOptions, Graph};
use crate::measurement::percentage;
use crate::nodes::{Granularity, NodeOptions, NodeTable};
use crate::paths;
use crate::report::{Error, Report};

pub use binutils::Binutils;

/// A symbol of a binary: its names (several when aliases share its address) and its address
/// range, inclusive of `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sym {
    /// The names at this address; the first is printed, the others as `AKA` lines.
    pub names: Vec<String>,
    /// The first address of the symbol (a file address, as the binary's symbol table says).
    pub start: u64,
    /// The last address of the symbol: the next symbol's address minus one.
    pub end: u64,
}

/// One disassembled instruction with the source position the debug information gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inst {
    /// The instruction's file address.
    pub addr: u64,
    /// The instruction as the disassembler prints it.
    pub text: String,
    /// The function the line information names (empty when unknown).
    pub function: String,
    /// The source file (empty when unknown).
    pub file: String,
    /// The source line (0 when unknown).
    pub line: i64,
}

/// What the `disasm` report needs from a binary (pprof's `plugin.ObjTool`): a seam, so that
/// tests and other platforms can bring their own.
pub trait ObjTool {
    /// The symbols of `file` any of whose names matches `rx`.
    ///
    /// # Errors
    ///
    /// A message naming the file and the failure (the tool is missing, the file unreadable).
    fn symbols(&self, file: &str, rx: &Regex) -> Result<Vec<Sym>, String>;

    /// The instructions of `file` from `start` to `end`, both included (file addresses).
    ///
    /// # Errors
    ///
    /// A message naming the file and the failure.
    fn disasm(&self, file: &str, start: u64, end: u64) -> Result<Vec<Inst>, String>;

    /// What to subtract from a runtime address in mapping `m` (of `file`) to get the file's
    /// address, `addr` being one runtime address inside the mapping.
    ///
    /// # Errors
    ///
    /// A message when the file does not match the mapping (wrong build id, no segment).
    fn base(&self, file: &str, m: &Mapping, addr: u64) -> Result<u64, String>;
}

/// A node of the address-granularity graph, with its values.
#[derive(Debug, Clone)]
struct AddrNode {
    /// The file address, after the mapping's base is subtracted.
    addr: u64,
    name: String,
    file: String,
    line: i64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

/// A symbol found in a binary with the samples inside it.
struct Found {
    sym: Sym,
    file: String,
    nodes: Vec<AddrNode>,
}

/// A disassembled function with the samples of its instructions (for renderers other than
/// text, such as the web UI's source view).
#[derive(Debug, Clone)]
pub struct AsmFunction {
    /// The symbol's names; the first is the one printed.
    pub names: Vec<String>,
    /// The instructions, in address order.
    pub insts: Vec<AsmInst>,
}

/// One instruction with its samples.
#[derive(Debug, Clone)]
pub struct AsmInst {
    /// The instruction's file address.
    pub addr: u64,
    /// The instruction as the disassembler prints it.
    pub text: String,
    /// The function the debug information names, else the sampled node's.
    pub function: String,
    /// The source file's base name.
    pub file: String,
    /// The source line (0 when unknown).
    pub line: i64,
    /// The flat value of the samples on the instruction (divided under `-mean`).
    pub flat: i64,
    /// The cumulative value.
    pub cum: i64,
    /// The flat value as the report prints it, `.` for zero.
    pub flat_format: String,
    /// The cumulative value as the report prints it, `.` for zero.
    pub cum_format: String,
}

impl Report {
    /// Prints the disassembly of the functions matching the report's symbol regexp
    /// (`-disasm=regexp`), at most `max_funcs` of them (the heaviest first) when given, else
    /// all by name.
    ///
    /// # Errors
    ///
    /// [`Error::NoMatches`] when no symbol with samples matches, [`Error::Io`] when the
    /// disassembler fails or writing fails.
    pub fn disasm(
        &mut self,
        p: &Profile,
        obj: &dyn ObjTool,
        max_funcs: Option<usize>,
        w: &mut dyn Write,
    ) -> Result<(), Error> {
        let mut out = format!("Total: {}\n", self.format_value(self.total));
        let (functions, notes) = self.disasm_functions(p, obj, max_funcs)?;
        for note in &notes {
            out.push_str(note);
            out.push('\n');
        }
        if functions.is_empty() {
            w.write_all(out.as_bytes())?;
            return Err(Error::NoMatches(self.symbol_regexp().as_str().to_string()));
        }
        for f in &functions {
            self.print_routine(f, &mut out);
        }
        w.write_all(out.as_bytes())?;
        Ok(())
    }

    /// The functions `-disasm` would print, with the lines it prints about binaries it could
    /// not use (unreadable, another build); no function is not an error here.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the disassembler fails on a binary it could open.
    pub fn disasm_functions(
        &mut self,
        p: &Profile,
        obj: &dyn ObjTool,
        max_funcs: Option<usize>,
    ) -> Result<(Vec<AsmFunction>, Vec<String>), Error> {
        let rx = self.symbol_regexp();
        let (table, g) = self.address_graph(p);
        let mut notes = Vec::new();
        let mut found = find_symbols(p, &table, &g, &rx, obj, &mut notes);
        let by_name = |a: &Found, b: &Found| {
            a.sym.names[0]
                .cmp(&b.sym.names[0])
                .then(a.sym.start.cmp(&b.sym.start))
        };
        match max_funcs {
            None => found.sort_by(by_name),
            Some(max) => {
                found.sort_by(|a, b| {
                    flat_sum(&b.nodes)
                        .cmp(&flat_sum(&a.nodes))
                        .then(by_name(a, b))
                });
                found.truncate(max);
            }
        }
        let mut functions = Vec::with_capacity(found.len());
        for f in found {
            let insts = obj
                .disasm(&f.file, f.sym.start, f.sym.end)
                .map_err(io::Error::other)?;
            let insts = annotate(&insts, &f.nodes)
                .into_iter()
                .map(|n| {
                    let (flat, cum) = (div(n.flat, n.flat_div), div(n.cum, n.cum_div));
                    AsmInst {
                        addr: n.addr,
                        text: n.text,
                        function: n.function,
                        file: n.file,
                        line: n.line,
                        flat,
                        cum,
                        flat_format: self.value_or_dot(flat),
                        cum_format: self.value_or_dot(cum),
                    }
                })
                .collect();
            functions.push(AsmFunction {
                names: f.sym.names,
                insts,
            });
        }
        Ok((functions, notes))
    }

    fn symbol_regexp(&self) -> Regex {
        self.options
            .symbol
            .clone()
            .unwrap_or_else(|| Regex::new("").expect("the empty regexp compiles"))
    }

    /// The graph at address granularity with inlined frames folded into their caller, as
    /// pprof's `disasm` command forces (so that an address is counted once).
    fn address_graph(&self, p: &Profile) -> (NodeTable, Graph) {
        let o = &self.options;
        let table = NodeTable::new(
            p,
            NodeOptions {
                granularity: Granularity::Addresses,
                inlines: false,
                trim_paths: true,
                obj_names: true,
            },
            &o.trim_path,
            &o.source_path,
        );
        let bo = BuildOptions {
            value: o.value,
            drop_negative: o.drop_negative,
            kept: None,
            tags: None,
        };
        let g = Graph::build(&table, &p.sample, bo);
        (table, g)
    }

    fn print_routine(&self, f: &AsmFunction, out: &mut String) {
        // pprof sums the nodes; each node is on exactly one instruction, so the sums agree.
        let flat: i64 = f.insts.iter().map(|i| i.flat).sum();
        let cum: i64 = f.insts.iter().map(|i| i.cum).sum();
        out.push_str(&format!(
            "ROUTINE ======================== {}\n",
            f.names[0]
        ));
        for name in &f.names[1..] {
            out.push_str(&format!("    AKA ======================== {name}\n"));
        }
        out.push_str(&format!(
            "{:>10} {:>10} (flat, cum) {} of Total\n",
            self.format_value(flat),
            self.format_value(cum),
            percentage(cum, self.total)
        ));
        let (mut function, mut file, mut line) = ("", "", 0i64);
        for n in &f.insts {
            let mut loc = String::new();
            // The position is printed only where it changes.
            if n.function != function || n.file != file || n.line != line {
                (function, file, line) = (&n.function, &n.file, n.line);
                if !n.function.is_empty() {
                    loc = format!("{} ", n.function);
                }
                if !n.file.is_empty() {
                    loc.push_str(&n.file);
                    if n.line != 0 {
                        loc.push_str(&format!(":{}", n.line));
                    }
                }
            }
            let (flat, cum) = (&n.flat_format, &n.cum_format);
            if loc.is_empty() {
                out.push_str(&format!(
                    "{flat:>10} {cum:>10} {:>10x}: {}\n",
                    n.addr, n.text
                ));
            } else if n.text.chars().count() < 40 {
                out.push_str(&format!(
                    "{flat:>10} {cum:>10} {:>10x}: {:<40};{loc}\n",
                    n.addr, n.text
                ));
            } else {
                out.push_str(&format!("{:74};{loc}\n", ""));
                out.push_str(&format!(
                    "{flat:>10} {cum:>10} {:>10x}: {}\n",
                    n.addr, n.text
                ));
            }
        }
    }

    fn value_or_dot(&self, v: i64) -> String {
        if v == 0 {
            ".".to_string()
        } else {
            self.format_value(v)
        }
    }
}

/// pprof's `symbolsFromBinaries` and `nodesPerSymbol`: the matching symbols of the binaries
/// whose sampled functions match `rx`, each with the nodes inside it. A binary that cannot be
/// read is skipped with a line in `notes`, which pprof prints.
fn find_symbols(
    p: &Profile,
    table: &NodeTable,
    g: &Graph,
    rx: &Regex,
    obj: &dyn ObjTool,
    notes: &mut Vec<String>,
) -> Vec<Found> {
    let mut objfiles: Vec<&str> = Vec::new();
    for &n in &g.nodes {
        let objfile = table.string(table.infos[n as usize].objfile);
        if !objfile.is_empty() && rx.is_match(table.name(n)) && !objfiles.contains(&objfile) {
            objfiles.push(objfile);
        }
    }
    let mut found = Vec::new();
    for m in &p.mapping {
        if !objfiles.contains(&m.filename.as_str()) {
            continue;
        }
        let nodes: Vec<(u32, u64)> = g
            .nodes
            .iter()
            .map(|&n| (n, table.infos[n as usize].address))
            .filter(|&(_, a)| a >= m.memory_start && a < m.memory_limit)
            .collect();
        let Some(&(_, first)) = nodes.first() else {
            continue;
        };
        let base = match obj.base(&m.filename, m, first) {
            Ok(b) => b,
            Err(e) => {
                notes.push(e);
                continue;
            }
        };
        let syms = match obj.symbols(&m.filename, rx) {
            Ok(s) => s,
            Err(_) => continue,
        };
        let addr_nodes: Vec<AddrNode> = nodes
            .iter()
            .map(|&(n, a)| addr_node(table, g, n, a.wrapping_sub(base)))
            .collect();
        for sym in syms {
            let mut inside: Vec<AddrNode> = addr_nodes
                .iter()
                .filter(|n| n.addr >= sym.start && n.addr <= sym.end)
                .cloned()
                .collect();
            if inside.is_empty() {
                continue;
            }
            inside.sort_by_key(|n| n.addr);
            found.push(Found {
                sym,
                file: m.filename.clone(),
                nodes: inside,
            });
        }
    }
    found
}

fn addr_node(table: &NodeTable, g: &Graph, n: u32, addr: u64) -> AddrNode {
    let info = &table.infos[n as usize];
    let i = n as usize;
    AddrNode {
        addr,
        name: table.string(info.name).to_string(),
        file: table.string(info.file).to_string(),
        line: info.lineno,
        flat: g.flat[i],
        flat_div: g.flat_div[i],
        cum: g.cum[i],
        cum_div: g.cum_div[i],
    }
}

/// An instruction with the samples attributed to it.
struct Annotated {
    addr: u64,
    text: String,
    function: String,
    file: String,
    line: i64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

/// pprof's `annotateAssembly`: each instruction takes the samples from its address up to the
/// next instruction's (a sample can point into the middle of one); position information
/// missing from the disassembly is taken from the samples.
fn annotate(insts: &[Inst], nodes: &[AddrNode]) -> Vec<Annotated> {
    let mut s = 0;
    let mut out = Vec::with_capacity(insts.len());
    for (i, inst) in insts.iter().enumerate() {
        let mut a = Annotated {
            addr: inst.addr,
            text: inst.text.clone(),
            function: inst.function.clone(),
            file: paths::base(&inst.file).to_string(),
            line: inst.line,
            flat: 0,
            flat_div: 0,
            cum: 0,
            cum_div: 0,
        };
        let next = insts.get(i + 1).map_or(u64::MAX, |n| n.addr);
        while s < nodes.len() && nodes[s].addr < next {
            let n = &nodes[s];
            a.flat += n.flat;
            a.flat_div += n.flat_div;
            a.cum += n.cum;
            a.cum_div += n.cum_div;
            if a.file.is_empty() && !n.file.is_empty() {
                a.file = paths::base(&n.file).to_string();
            }
            if a.line == 0 {
                a.line = n.line;
            }
            if a.function.is_empty() {
                a.function = n.name.clone();
            }
            s += 1;
        }
        out.push(a);
    }
    out
}

fn div(v: i64, d: i64) -> i64 {
    if d == 0 { v } else { v / d }
}

fn flat_sum(nodes: &[AddrNode]) -> i64 {
    sums(nodes).0
}

/// pprof's `Nodes.Sum`: the flat and cum sums of the nodes.
fn sums(nodes: &[AddrNode]) -> (i64, i64) {
    nodes
        .iter()
        .fold((0, 0), |(f, c), n| (f + n.flat, c + n.cum))
}

#[cfg(test)]
mod tests;
