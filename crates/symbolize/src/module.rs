//! The executable mappings of this process, with what their files say about themselves.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::Result;
use crate::elf::{ElfFile, UnwindSections};
use crate::maps::{MapEntry, read_self_maps};

/// An executable mapping of a binary or shared library (or the `[vdso]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedModule {
    /// First address of the mapping.
    pub start: u64,
    /// One past its last address.
    pub end: u64,
    /// Offset in the file that `start` maps.
    pub file_offset: u64,
    /// Path of the file, or a pseudo name such as `[vdso]`.
    pub path: String,
    /// GNU build id in hex, if known.
    pub build_id: Option<String>,
    /// Load bias: an address of this mapping minus the bias is the file's stated address.
    pub bias: u64,
    /// The mapping is backed by a file that could be opened and parsed.
    pub has_file: bool,
}

impl LoadedModule {
    /// Whether `addr` falls in this mapping.
    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// The file's stated address (SVMA) for a runtime address (AVMA) of this mapping.
    pub fn svma(&self, avma: u64) -> u64 {
        avma.wrapping_sub(self.bias)
    }

    /// The path as a [`PathBuf`].
    pub fn path_buf(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    /// Re-opens the file and copies the sections an unwinder needs; `None` without a file.
    pub fn unwind_sections(&self) -> Option<UnwindSections> {
        if !self.has_file {
            return None;
        }
        Some(ElfFile::open(&self.path_buf()).ok()?.unwind_sections())
    }
}

/// The executable mappings of this process, sorted by address, the main binary first among
/// equals as pprof wants (`mapping[0]` is the main binary).
///
/// # Errors
///
/// Only if `/proc/self/maps` cannot be read; files that cannot be opened are still listed
/// (`has_file` false, no build id).
pub fn loaded_modules() -> Result<Vec<LoadedModule>> {
    let maps = read_self_maps()?;
    Ok(modules_from_maps(&maps))
}

/// Builds [`LoadedModule`]s from the executable entries of parsed maps.
pub fn modules_from_maps(maps: &[MapEntry]) -> Vec<LoadedModule> {
    let mut files: HashMap<&str, Option<ElfFile>> = HashMap::new();
    let mut out = Vec::new();
    for e in maps.iter().filter(|e| e.execute) {
        if e.is_file() {
            let elf = files
                .entry(&e.path)
                .or_insert_with(|| ElfFile::open(&e.path_buf()).ok());
            let bias = elf.as_ref().and_then(|f| f.load_bias(e.start, e.offset));
            out.push(LoadedModule {
                start: e.start,
                end: e.end,
                file_offset: e.offset,
                path: e.path.clone(),
                build_id: elf.as_ref().and_then(ElfFile::build_id),
                bias: bias.unwrap_or(e.start.wrapping_sub(e.offset)),
                has_file: bias.is_some(),
            });
        } else if e.path == "[vdso]" {
            out.push(LoadedModule {
                start: e.start,
                end: e.end,
                file_offset: 0,
                path: e.path.clone(),
                build_id: None,
                bias: e.start,
                has_file: false,
            });
        }
    }
    // The main executable first: pprof takes mapping[0] as the main binary.
    if let Ok(exe) = std::fs::read_link("/proc/self/exe") {
        let exe = exe.to_string_lossy();
        if let Some(i) = out.iter().position(|m| m.path == exe) {
            let main = out.remove(i);
            out.insert(0, main);
        }
    }
    out
}
