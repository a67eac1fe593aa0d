//! Addresses to frames: function names from the symbol table, files, lines and inline frames
//! from DWARF, read lazily and only for the addresses asked about.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::demangle::demangle;
use crate::dwarf::DwarfFile;
use crate::elf::{ElfFile, SymbolTable};

/// One source-level frame at an address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// The demangled name without hash (`myapp::server::handle`).
    pub function: String,
    /// The name as the binary stores it (mangled).
    pub system_name: String,
    /// The source file, empty if unknown.
    pub file: String,
    /// The line, 0 if unknown.
    pub line: u32,
    /// The column, 0 if unknown.
    pub column: u32,
}

/// Files whose debug info stays open at once. A profile touches a handful of files (the
/// binary, libc, libm, the loader); more than this is rare, and each open file costs its
/// parsed symbol table and the DWARF units read so far, so the cache is bounded rather
/// than grown for the life of the process (backtrace's unbounded cache costs 54-200 MB).
const MAX_OPEN_FILES: usize = 8;

/// What is open of one file: its symbol table, and its DWARF once asked for.
struct File {
    symbols: SymbolTable,
    dwarf: Option<Option<DwarfFile>>,
}

/// Resolves addresses of files to frames, keeping a bounded cache of opened files.
///
/// Function names come from the symbol table, which costs a sorted list of the file's
/// function symbols. DWARF is opened only when a line is asked for (never in
/// [`Symbolizer::symbols_only`]), and then only the compilation units holding the asked
/// addresses are read: each such unit keeps an index of its line sequences and of its
/// functions' address ranges (tens of kilobytes for a large unit such as Rust's std), and
/// each function holding an asked address its inlined calls. The debug sections are
/// memory-mapped; [`Symbolizer::release_pages`] lets go of the pages read so far. Drop the
/// symbolizer to free everything.
pub struct Symbolizer {
    dwarf: bool,
    files: HashMap<PathBuf, File>,
    order: Vec<PathBuf>,
}

impl std::fmt::Debug for Symbolizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbolizer")
            .field("dwarf", &self.dwarf)
            .field("open_files", &self.order)
            .finish()
    }
}

impl Default for Symbolizer {
    fn default() -> Self {
        Symbolizer::new()
    }
}

impl Symbolizer {
    /// A symbolizer that reads DWARF for lines and inline frames.
    pub fn new() -> Symbolizer {
        Symbolizer {
            dwarf: true,
            files: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// A symbolizer that reads function names from the symbol table only (no lines).
    pub fn symbols_only() -> Symbolizer {
        Symbolizer {
            dwarf: false,
            ..Symbolizer::new()
        }
    }

    /// The frames at `svma` (an address as the file states it) of the file at `path`,
    /// innermost inlined callee first, the real function last. Empty if nothing is known.
    pub fn symbolize(&mut self, path: &Path, svma: u64) -> Vec<Frame> {
        self.symbolize_with(path, svma, self.dwarf)
    }

    /// As [`Symbolizer::symbolize`], from the symbol table alone: the function's name, no
    /// file, line or inline frames. A shared library's debug info (a separate file for
    /// Debian's libc) costs tens of megabytes to open; its names are usually enough.
    pub fn name_only(&mut self, path: &Path, svma: u64) -> Vec<Frame> {
        self.symbolize_with(path, svma, false)
    }

    fn symbolize_with(&mut self, path: &Path, svma: u64, dwarf: bool) -> Vec<Frame> {
        let file = self.file(path);
        let symbol = file.symbols.lookup(svma).map(str::to_string);
        let mut frames = Vec::new();
        if dwarf {
            let dwarf = file.dwarf.get_or_insert_with(|| DwarfFile::open(path).ok());
            if let Some(dwarf) = dwarf {
                frames = dwarf
                    .frames(svma)
                    .into_iter()
                    .map(|f| Frame {
                        function: demangle(&f.name),
                        system_name: f.name,
                        file: f.file,
                        line: f.line,
                        column: f.column,
                    })
                    .collect();
            }
        }
        if let Some(sym) = symbol {
            // The symbol table names the outermost function; it wins over a DWARF name
            // (which may lack the linkage name), and stands alone without DWARF.
            let outer = Frame {
                function: demangle(&sym),
                system_name: sym,
                ..Frame::default()
            };
            match frames.last_mut() {
                Some(last) => {
                    last.function = outer.function;
                    last.system_name = outer.system_name;
                }
                None => frames.push(outer),
            }
        }
        frames
    }

    /// Drops the pages of the debug sections read so far from this process's resident set
    /// (they are read again from the page cache if a later lookup needs them), keeping what
    /// was parsed. For a symbolizer kept between profiles.
    pub fn release_pages(&self) {
        for dwarf in self
            .files
            .values()
            .filter_map(|f| f.dwarf.as_ref()?.as_ref())
        {
            dwarf.release_pages();
        }
    }

    fn file(&mut self, path: &Path) -> &mut File {
        if !self.files.contains_key(path) {
            if self.order.len() >= MAX_OPEN_FILES {
                let oldest = self.order.remove(0);
                self.files.remove(&oldest);
            }
            let symbols = ElfFile::open(path)
                .map(|f| f.symbol_table())
                .unwrap_or_default();
            let file = File {
                symbols,
                dwarf: None,
            };
            self.files.insert(path.to_path_buf(), file);
            self.order.push(path.to_path_buf());
        }
        self.files.get_mut(path).expect("inserted above")
    }
}
