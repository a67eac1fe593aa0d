//! The `list` report (pprof's `printSource`): the source lines of the functions matching a
//! regexp, annotated with flat and cum values, five lines of context around the samples.

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::Profile;

use crate::graph::{BuildOptions, Graph};
use crate::nodes::{NodeOptions, NodeTable};
use crate::paths;
use crate::report::{Error, Report};
use crate::rustsrc::RustSources;

/// Lines shown before the first and after the last sampled line.
const MARGIN: i64 = 5;

/// Prints `Total:`, then one `ROUTINE` block per matching function and source file.
pub(crate) fn print(rpt: &mut Report, p: &Profile, w: &mut dyn Write) -> Result<(), Error> {
    let o = &rpt.options;
    let Some(rx) = o.symbol.clone() else {
        return Err(Error::NoMatches(String::new()));
    };
    let table = NodeTable::new(
        p,
        NodeOptions {
            granularity: o.granularity,
            inlines: !o.noinlines,
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
    let mut functions: Vec<&str> = Vec::new();
    let mut by_function: HashMap<&str, Vec<u32>> = HashMap::new();
    for &n in &g.nodes {
        let name = table.string(table.infos[n as usize].name);
        if !rx.is_match(name) {
            continue;
        }
        by_function
            .entry(name)
            .or_insert_with(|| {
                functions.push(name);
                Vec::new()
            })
            .push(n);
    }
    if functions.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    functions.sort();
    // pprof searches the working directory when no -source_path is given.
    let search = if o.source_path.is_empty() {
        std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default()
    } else {
        o.source_path.clone()
    };
    let mut reader = SourceReader {
        search: &search,
        trim: &o.trim_path,
        files: HashMap::new(),
        rust: RustSources::from_env(),
    };
    let mut out = format!("Total: {}\n", rpt.format_value(rpt.total));
    for name in functions {
        let mut files: Vec<u32> = Vec::new();
        let mut by_file: HashMap<u32, Vec<u32>> = HashMap::new();
        for &n in &by_function[name] {
            let file = table.infos[n as usize].file;
            if file == 0 {
                continue;
            }
            by_file
                .entry(file)
                .or_insert_with(|| {
                    files.push(n);
                    Vec::new()
                })
                .push(n);
        }
        if files.is_empty() {
            out.push_str(&format!("No source information for {name}\n"));
            continue;
        }
        files.sort_by(|&a, &b| {
            let (ia, ib) = (&table.infos[a as usize], &table.infos[b as usize]);
            table
                .string(ia.file)
                .cmp(table.string(ib.file))
                .then(ia.start_line.cmp(&ib.start_line))
                .then_with(|| table.sprint(a).cmp(&table.sprint(b)))
        });
        for f in files {
            let file = table.infos[f as usize].file;
            let nodes = &by_file[&file];
            let filename = table.string(file);
            let flat: i64 = nodes.iter().map(|&n| g.flat[n as usize]).sum();
            let cum: i64 = nodes.iter().map(|&n| g.cum[n as usize]).sum();
            out.push_str(&format!(
                "ROUTINE ======================== {name} in {filename}\n"
            ));
            out.push_str(&format!(
                "{:>10} {:>10} (flat, cum) {} of Total\n",
                rpt.format_value(flat),
                rpt.format_value(cum),
                crate::measurement::percentage(cum, rpt.total)
            ));
            match source_lines(&table, &g, nodes, filename, &mut reader) {
                Err(e) => out.push_str(&format!(" Error: {e}\n")),
                Ok(lines) => {
                    for (lineno, text, flat, cum) in lines {
                        out.push_str(&format!(
                            "{:>10} {:>10} {lineno:>6}:{text}\n",
                            value_or_dot(rpt, flat),
                            value_or_dot(rpt, cum)
                        ));
                    }
                }
            }
        }
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

fn value_or_dot(rpt: &Report, v: i64) -> String {
    if v == 0 {
        ".".to_string()
    } else {
        rpt.format_value(v)
    }
}

/// The lines around a function's samples in `file` (pprof's `getSourceFromFile`): line
/// number, text, flat and cum.
fn source_lines(
    table: &NodeTable,
    g: &Graph,
    nodes: &[u32],
    file: &str,
    reader: &mut SourceReader<'_>,
) -> Result<Vec<(i64, String, i64, i64)>, String> {
    let first = &table.infos[nodes[0] as usize];
    let mut start = if first.start_line != 0 {
        first.start_line
    } else {
        first.lineno - MARGIN
    };
    let mut end = first.lineno + MARGIN;
    let mut by_line: HashMap<i64, (i64, i64)> = HashMap::new();
    for &n in nodes {
        let info = &table.infos[n as usize];
        let node_start = if info.start_line != 0 {
            info.start_line
        } else {
            info.lineno - MARGIN
        };
        let node_end = info.lineno + MARGIN;
        if node_start < start {
            start = node_start;
        } else if node_end > end {
            end = node_end;
        }
        let e = by_line.entry(info.lineno).or_default();
        e.0 += g.flat[n as usize];
        e.1 += g.cum[n as usize];
    }
    let lines = reader.lines(file)?;
    let mut out = Vec::new();
    for lineno in start.max(1)..=end {
        let Some(text) = lines.get(lineno as usize - 1) else {
            break;
        };
        let (flat, cum) = by_line.get(&lineno).copied().unwrap_or((0, 0));
        out.push((lineno, text.clone(), flat, cum));
    }
    Ok(out)
}

/// Source files found on the search path, read once (pprof's `sourceReader`).
struct SourceReader<'a> {
    search: &'a str,
    trim: &'a str,
    files: HashMap<String, Result<Vec<String>, String>>,
    rust: RustSources,
}

impl SourceReader<'_> {
    fn lines(&mut self, file: &str) -> Result<&Vec<String>, String> {
        if !self.files.contains_key(file) {
            let read = self.open(file).or_else(|e| self.rust.read(file).ok_or(e));
            let read = read.map(|text| {
                // Go's bufio.Scanner: lines split at \n with a trailing \r dropped.
                text.lines().map(String::from).collect()
            });
            self.files.insert(file.to_string(), read);
        }
        self.files[file].as_ref().map_err(Clone::clone)
    }

    /// pprof's `openSourceFile`: absolute paths as they are, relative ones under each search
    /// directory and its parents. When that fails, [`RustSources`] looks where Rust keeps the
    /// standard library's and dependencies' sources.
    fn open(&self, file: &str) -> Result<String, String> {
        let path = paths::trim_path(file, self.trim, self.search);
        if path.starts_with('/') {
            return std::fs::read_to_string(path).map_err(|e| go_open_error(path, &e));
        }
        for dir in self.search.split(':').filter(|_| !self.search.is_empty()) {
            let mut dir = dir.to_string();
            loop {
                let candidate = paths::clean(&format!("{dir}/{path}"));
                if let Ok(text) = std::fs::read_to_string(&candidate) {
                    return Ok(text);
                }
                let parent = paths::dir(&dir);
                if parent == dir {
                    break;
                }
                dir = parent;
            }
        }
        Err(format!(
            "could not find file {path} on path {}",
            self.search
        ))
    }
}

/// Go's `*PathError` text for a failed open: `open PATH: no such file or directory`.
fn go_open_error(path: &str, e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("open {path}: {why}")
}
