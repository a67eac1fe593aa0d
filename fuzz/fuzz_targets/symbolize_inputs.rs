//! Fuzzes the two inputs `sextant-symbolize` reads about the running program, through its
//! public API only: the text of `/proc/self/maps` (`parse_maps`) and ELF files
//! (`ElfFile::open`, then build id, load bias, unwind sections and symbol table).
//!
//! Input starting with the ELF magic is written to a temporary file and opened as ELF; any
//! other input is parsed as maps text (UTF-8, lossily). Properties checked: neither parser
//! panics or hangs, whatever the bytes; symbol lookups on a parsed ELF file return or
//! miss, never panic. (`modules_from_maps` is left out: it opens the files the maps name,
//! which fuzzed paths must not reach.)
//!
//! Found and fixed: `SymbolTable::lookup`/`lookup_start` and `ElfFile::load_bias` computed
//! `start + size`, which overflowed for a symbol or segment reaching past `u64::MAX`.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sextant_symbolize::{ElfFile, parse_maps};

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"\x7fELF") {
        let path = scratch();
        if std::fs::write(path, data).is_err() {
            return;
        }
        let Ok(elf) = ElfFile::open(path) else { return };
        let _ = elf.build_id();
        let _ = elf.load_bias(0x400000, 0);
        let _ = elf.load_bias(0x7f00_0000_0000, 0x1000);
        let _ = elf.unwind_sections();
        let symbols = elf.symbol_table();
        for svma in [0, 0x1000, 0x40_1000, u64::MAX] {
            let _ = symbols.lookup(svma);
        }
    } else {
        let text = String::from_utf8_lossy(data);
        if let Ok(entries) = parse_maps(&text) {
            for e in &entries {
                let _ = (e.is_file(), e.path_buf());
            }
        }
    }
});

/// This process's scratch file for ELF inputs.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("sextant-fuzz-elf-{}", std::process::id()))
    })
}
