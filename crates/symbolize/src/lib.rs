//! `sextant-symbolize`: addresses of this process to functions, files, lines and inline frames.
//!
//! Sextant's collectors record raw addresses in a signal handler; this crate turns them into
//! names afterwards, off the signal path. It sits under `sextant` and beside
//! `sextant-profile`, and knows nothing of profiles.
//!
//! - [`loaded_modules`] reads `/proc/self/maps` into the executable mappings, each with its
//!   load bias and GNU build id, so a profile keeps enough to be symbolized elsewhere.
//! - [`Symbolizer`] names addresses: the symbol table gives the function, DWARF (read lazily,
//!   only for the addresses asked about, with a bounded number of files open) gives files,
//!   lines and inline frames. Build with `debug = "limited"` in the release profile to get
//!   lines and inline frames with their full paths (`"line-tables-only"` is smaller, but its
//!   inlined frames carry only short names such as `{closure#0}`, with no linkage name).
//! - [`demangle`] prints Rust names as people write them, `myapp::server::handle`, without
//!   the hash suffix, for both mangling schemes.
//!
//! # Example
//!
//! ```
//! use sextant_symbolize::{loaded_modules, Symbolizer};
//!
//! let here = loaded_modules as *const () as u64;
//! let modules = loaded_modules()?;
//! let m = modules.iter().find(|m| m.contains(here)).expect("our own code is mapped");
//! let frames = Symbolizer::new().symbolize(&m.path_buf(), m.svma(here));
//! assert!(frames.last().unwrap().function.ends_with("loaded_modules"));
//! # Ok::<(), sextant_symbolize::Error>(())
//! ```

mod demangle;
mod dwarf;
mod elf;
mod error;
mod maps;
mod module;
mod symbolizer;

pub use demangle::demangle;
pub use elf::{ElfFile, SectionData, SymbolTable, UnwindSections};
pub use error::{Error, Result};
pub use maps::{MapEntry, parse_maps, read_self_maps};
pub use module::{LoadedModule, loaded_modules, modules_from_maps};
pub use symbolizer::{Frame, Symbolizer};
