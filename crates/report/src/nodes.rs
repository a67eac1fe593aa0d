//! Graph nodes: what a frame becomes at a given granularity (pprof's `NodeInfo`, `CreateNodes`
//! and the driver's `Aggregate`), interned once so that graphs aggregate by integer ids.
//!
//! Design note: pprof rewrites the profile (`Aggregate`) and then hashes a `NodeInfo` struct of
//! strings for every frame of every sample. Here each location is mapped once to the ids of its
//! nodes; the per-sample work is then array indexing only.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use sextant_profile::{FunctionId, Location, LocationId, Profile};

use crate::paths;

/// How finely frames are told apart (`-functions`, `-filefunctions`, `-files`, `-lines`,
/// `-addresses`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    /// One node per function name (the default).
    #[default]
    Functions,
    /// One node per function name and source file.
    FileFunctions,
    /// One node per source file.
    Files,
    /// One node per function, file and line.
    Lines,
    /// One node per address (and its function, file and line).
    Addresses,
}

impl Granularity {
    /// The granularity named as pprof names it (`functions`, `filefunctions`, ...).
    pub fn from_name(name: &str) -> Option<Granularity> {
        Some(match name {
            "functions" => Granularity::Functions,
            "filefunctions" => Granularity::FileFunctions,
            "files" => Granularity::Files,
            "lines" => Granularity::Lines,
            "addresses" => Granularity::Addresses,
            _ => return None,
        })
    }
}

/// The identity of a node, with strings interned (pprof's `NodeInfo` minus `OrigName`, which only
/// `-symbolize`'s original names fill).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct NodeInfo {
    pub(crate) name: u32,
    pub(crate) address: u64,
    pub(crate) file: u32,
    pub(crate) start_line: i64,
    pub(crate) lineno: i64,
    pub(crate) objfile: u32,
}

/// What the node table keeps of each field of a frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeOptions {
    pub(crate) granularity: Granularity,
    /// Keep inlined frames as nodes of their own (pprof's default; `-noinlines` clears it).
    pub(crate) inlines: bool,
    /// Apply `trim_path` to file names, as graph reports do and `-traces` does not.
    pub(crate) trim_paths: bool,
    /// Always record the mapping's file (disassembly and callgrind reports).
    pub(crate) obj_names: bool,
}

/// Every node of a profile and, for each location, its nodes (innermost inlined frame first).
#[derive(Debug)]
pub(crate) struct NodeTable {
    strings: Vec<String>,
    /// Each node's identity. A call tree's table keeps its base table's here, indexed by base
    /// node: read a node's through [`NodeTable::info`].
    pub(crate) infos: Vec<NodeInfo>,
    names: Vec<String>,
    /// Each (base) node's position among the sorted names, equal names equal: sorts compare
    /// these rather than the strings.
    name_ranks: OnceLock<Vec<u32>>,
    /// Each (base) node's position in the order of [`NodeTable::sprint`].
    sprint_ranks: OnceLock<Vec<u32>>,
    loc_index: LocIndex,
    loc_ranges: Vec<(u32, u32)>,
    loc_nodes: Vec<u32>,
    /// For the nodes of a call tree, each node's parent in the tree (`u32::MAX` for a root);
    /// empty otherwise.
    parents: Vec<u32>,
    /// For the nodes of a call tree, each node's node in the table it was made from, which
    /// `infos` and `names` are indexed by; empty otherwise.
    base: Vec<u32>,
    /// Whether this is a call tree's table (its nodes map to `base`).
    tree: bool,
}

/// Location id to location position: a dense array when ids are small (Go numbers them from 1),
/// a hash map otherwise.
#[derive(Debug)]
enum LocIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<LocationId, u32>),
}

const NO_LOCATION: u32 = u32::MAX;

impl LocIndex {
    fn new(locations: &[Location]) -> LocIndex {
        let max = locations.iter().map(|l| l.id.0).max().unwrap_or(0);
        if max <= 4 * locations.len() as u64 + 1024 {
            let mut dense = vec![NO_LOCATION; max as usize + 1];
            for (i, l) in locations.iter().enumerate() {
                dense[l.id.0 as usize] = i as u32;
            }
            LocIndex::Dense(dense)
        } else {
            LocIndex::Sparse(
                locations
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.id, i as u32))
                    .collect(),
            )
        }
    }

    fn get(&self, id: LocationId) -> Option<u32> {
        match self {
            LocIndex::Dense(v) => v.get(id.0 as usize).copied().filter(|&i| i != NO_LOCATION),
            LocIndex::Sparse(m) => m.get(&id).copied(),
        }
    }
}

/// A function's interned name and file, and its start line.
struct FunctionKey {
    name: u32,
    file: u32,
    start_line: i64,
}

#[derive(Default)]
struct Interner {
    strings: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn new() -> Interner {
        let mut i = Interner::default();
        i.intern("");
        i
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }
}

impl NodeTable {
    /// Maps every location of `p` to its nodes under `o`.
    pub(crate) fn new(
        p: &Profile,
        o: NodeOptions,
        trim_path: &str,
        source_path: &str,
    ) -> NodeTable {
        let (function, filename, linenumber, address) = match o.granularity {
            Granularity::Functions => (true, false, false, false),
            Granularity::FileFunctions => (true, true, false, false),
            Granularity::Files => (false, true, false, false),
            Granularity::Lines => (true, true, true, false),
            Granularity::Addresses => (true, true, true, true),
        };
        let mut strings = Interner::new();
        let functions: HashMap<FunctionId, FunctionKey> = p
            .function
            .iter()
            .map(|f| {
                let name = if function { strings.intern(&f.name) } else { 0 };
                let file = if filename && !f.filename.is_empty() {
                    let trimmed = if o.trim_paths {
                        paths::trim_path(&f.filename, trim_path, source_path)
                    } else {
                        &f.filename
                    };
                    strings.intern(&paths::clean(trimmed))
                } else {
                    0
                };
                let key = FunctionKey {
                    name,
                    file,
                    start_line: f.start_line,
                };
                (f.id, key)
            })
            .collect();
        let mappings: HashMap<_, u32> = p
            .mapping
            .iter()
            .map(|m| (m.id, strings.intern(&m.filename)))
            .collect();

        let mut ids: HashMap<NodeInfo, u32> = HashMap::new();
        let mut infos = Vec::new();
        let mut loc_ranges = Vec::with_capacity(p.location.len());
        let mut loc_nodes = Vec::with_capacity(p.location.len());
        for l in &p.location {
            let objfile = l
                .mapping_id
                .and_then(|m| mappings.get(&m))
                .copied()
                .unwrap_or(0);
            let addr = if address { l.address } else { 0 };
            let start = loc_nodes.len() as u32;
            let lines = match l.line.len() {
                0 => &[][..],
                n if !o.inlines => &l.line[n - 1..],
                _ => &l.line[..],
            };
            let mut push = |info: NodeInfo| {
                let id = *ids.entry(info).or_insert_with(|| {
                    infos.push(info);
                    infos.len() as u32 - 1
                });
                loc_nodes.push(id);
            };
            if lines.is_empty() {
                push(NodeInfo {
                    name: 0,
                    address: addr,
                    file: 0,
                    start_line: 0,
                    lineno: 0,
                    objfile,
                });
            }
            for line in lines {
                let f = line.function_id.and_then(|id| functions.get(&id));
                let Some(f) = f else {
                    push(NodeInfo {
                        name: 0,
                        address: addr,
                        file: 0,
                        start_line: 0,
                        lineno: 0,
                        objfile,
                    });
                    continue;
                };
                let lineno = if linenumber { line.line } else { 0 };
                let keep_obj = o.obj_names || f.name == 0;
                push(NodeInfo {
                    name: f.name,
                    address: addr,
                    file: f.file,
                    start_line: if keep_obj { f.start_line } else { 0 },
                    lineno,
                    objfile: if keep_obj { objfile } else { 0 },
                });
            }
            loc_ranges.push((start, loc_nodes.len() as u32));
        }
        let mut table = NodeTable {
            strings: strings.strings,
            infos,
            names: Vec::new(),
            name_ranks: OnceLock::new(),
            sprint_ranks: OnceLock::new(),
            loc_index: LocIndex::new(&p.location),
            loc_ranges,
            loc_nodes,
            parents: Vec::new(),
            base: Vec::new(),
            tree: false,
        };
        table.names = (0..table.infos.len()).map(|i| table.printable(i)).collect();
        table
    }

    /// A table with one node per entry of `base`, each standing for that node of this table:
    /// the nodes of a call tree, where a function has a node per calling context, under the
    /// tree node `parents[i]`. It maps no locations.
    pub(crate) fn contexts(&self, base: Vec<u32>, parents: Vec<u32>) -> NodeTable {
        NodeTable {
            strings: self.strings.clone(),
            // Infos and names are this table's, read through `base`: a tree can have millions
            // of nodes and a few thousand functions.
            infos: self.infos.clone(),
            names: self.names.clone(),
            name_ranks: self.name_ranks.clone(),
            sprint_ranks: self.sprint_ranks.clone(),
            base,
            loc_index: LocIndex::Dense(Vec::new()),
            loc_ranges: Vec::new(),
            loc_nodes: Vec::new(),
            parents,
            tree: true,
        }
    }

    /// The node of the base table that `node` stands for (itself outside call trees).
    #[inline]
    fn base_of(&self, node: u32) -> usize {
        if self.tree {
            self.base[node as usize] as usize
        } else {
            node as usize
        }
    }

    /// The node's identity.
    #[inline]
    pub(crate) fn info(&self, node: u32) -> &NodeInfo {
        &self.infos[self.base_of(node)]
    }

    /// The order of the node's name among all names ([`NodeTable::name`]): equal for equal
    /// names, smaller for names that sort first.
    #[inline]
    pub(crate) fn name_rank(&self, node: u32) -> u32 {
        let ranks = self.name_ranks.get_or_init(|| ranks(&self.names));
        ranks[self.base_of(node)]
    }

    /// The order of the node's [`NodeTable::sprint`] among all nodes', as
    /// [`NodeTable::name_rank`] orders names.
    #[inline]
    pub(crate) fn sprint_rank(&self, node: u32) -> u32 {
        let ranks = self.sprint_ranks.get_or_init(|| {
            let printed: Vec<String> = (0..self.infos.len())
                .map(|i| self.sprint_info(&self.infos[i]))
                .collect();
            ranks(&printed)
        });
        ranks[self.base_of(node)]
    }

    /// The calling context a node stands for: its parent in a call tree, `u32::MAX` for a
    /// root or a node of a call graph.
    pub(crate) fn context(&self, node: u32) -> u32 {
        self.parents.get(node as usize).copied().unwrap_or(u32::MAX)
    }

    /// The number of distinct nodes.
    pub(crate) fn len(&self) -> usize {
        if self.tree {
            self.base.len()
        } else {
            self.infos.len()
        }
    }

    /// The nodes of a location, innermost inlined frame first; empty for an unknown id.
    #[inline]
    pub(crate) fn location(&self, id: LocationId) -> &[u32] {
        match self.loc_index.get(id) {
            Some(i) => {
                let (a, b) = self.loc_ranges[i as usize];
                &self.loc_nodes[a as usize..b as usize]
            }
            None => &[],
        }
    }

    /// The position in the profile's location table of the location `id`.
    #[inline]
    pub(crate) fn location_index(&self, id: LocationId) -> Option<usize> {
        self.loc_index.get(id).map(|i| i as usize)
    }

    /// Every interned string, by id.
    pub(crate) fn strings(&self) -> &[String] {
        &self.strings
    }

    /// An interned string (a name, file or mapping path).
    pub(crate) fn string(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The node's name as reports print it (pprof's `PrintableName`).
    pub(crate) fn name(&self, node: u32) -> &str {
        &self.names[self.base_of(node)]
    }

    /// pprof's `NameComponents` joined by a space.
    fn printable(&self, node: usize) -> String {
        let i = &self.infos[node];
        let name = &self.strings[i.name as usize];
        let file = &self.strings[i.file as usize];
        self.name_components(i, name, file).join(" ")
    }

    /// pprof's `NameComponents`: the address, the function name, `file:line` (or the file, or,
    /// with neither name nor file, `[object]` or `<unknown>`), each present part once.
    fn name_components(&self, i: &NodeInfo, name: &str, file: &str) -> Vec<String> {
        let mut parts: Vec<String> = Vec::with_capacity(3);
        if i.address != 0 {
            parts.push(format!("{:016x}", i.address));
        }
        if !name.is_empty() {
            parts.push(name.to_string());
        }
        if i.lineno != 0 {
            parts.push(format!("{}:{}", file, i.lineno));
        } else if !file.is_empty() {
            parts.push(file.to_string());
        } else if !name.is_empty() {
        } else if i.objfile != 0 {
            parts.push(format!(
                "[{}]",
                paths::base(&self.strings[i.objfile as usize])
            ));
        } else {
            parts.push("<unknown>".to_string());
        }
        parts
    }

    /// The node's name as the DOT graph labels it (pprof's `multilinePrintableName`): the
    /// shortened function name broken at each `.` and `::`, the file's base name, one
    /// component per line, each line ending in `\n` (DOT's escape).
    pub(crate) fn multiline_name(&self, node: u32) -> String {
        let i = self.info(node);
        let name = escape_for_dot(&short_function_name(&self.strings[i.name as usize]))
            .replace("::", "\\n")
            .replace("[...]", "[…]")
            .replace('.', "\\n");
        let file = &self.strings[i.file as usize];
        let file = if file.is_empty() {
            ""
        } else {
            paths::base(file)
        };
        self.name_components(i, &name, file).join("\\n") + "\\n"
    }

    /// Go's `fmt.Sprint(NodeInfo)`, pprof's last tie-break between nodes that print alike.
    pub(crate) fn sprint(&self, node: u32) -> String {
        self.sprint_info(self.info(node))
    }

    fn sprint_info(&self, i: &NodeInfo) -> String {
        format!(
            "{{{}  {} {} {} {} {}}}",
            self.strings[i.name as usize],
            i.address,
            self.strings[i.file as usize],
            i.start_line,
            i.lineno,
            self.strings[i.objfile as usize]
        )
    }
}

/// Each string's position among the distinct strings of `all` in sorted order.
fn ranks(all: &[String]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..all.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| all[a as usize].cmp(&all[b as usize]));
    let mut ranks = vec![0u32; all.len()];
    let mut rank = 0;
    for (k, w) in order.iter().enumerate() {
        if k > 0 && all[*w as usize] != all[order[k - 1] as usize] {
            rank += 1;
        }
        ranks[*w as usize] = rank;
    }
    ranks
}

/// pprof's `escapeForDot`: backslashes and quotes escaped, newlines made left-justified.
pub(crate) fn escape_for_dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\l")
}

/// pprof's `ShortenFunctionName`: package paths, Java packages and C++ namespaces cut.
pub(crate) fn short_function_name(f: &str) -> String {
    use std::sync::LazyLock;
    // Go's \w is ASCII-only; so are these classes.
    static CPP_ANONYMOUS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\(anonymous namespace\)::").expect("valid regexp"));
    static GO_VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$").expect("valid regexp")
    });
    static GO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:[0-9A-Za-z_\-.]+/)+(.+)").expect("valid regexp"));
    static JAVA: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:[a-z][0-9A-Za-z_]*\.)*([A-Z][0-9A-Za-z_$]*\.(?:<init>|[a-z][0-9A-Za-z_$]*(?:\$[0-9]+)?))(?:(?:\()|$)",
        )
        .expect("valid regexp")
    });
    static CPP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[_a-zA-Z][0-9A-Za-z_]*::)+(_*[A-Z][0-9A-Za-z_]*::~?[_a-zA-Z][0-9A-Za-z_]*(?:<.*>)?)")
            .expect("valid regexp")
    });
    let f = CPP_ANONYMOUS.replace_all(f, "");
    let f = GO_VERSION.replace_all(&f, "${1}${2}").into_owned();
    for re in [&*GO, &*JAVA, &*CPP] {
        if let Some(c) = re.captures(&f) {
            return c.iter().skip(1).flatten().map(|m| m.as_str()).collect();
        }
    }
    f
}
