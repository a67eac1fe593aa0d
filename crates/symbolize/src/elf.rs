//! What one ELF file says about itself: its build id, where its segments load, and the
//! sections an unwinder needs.

use std::fs::File;
use std::ops::Range;
use std::path::Path;

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SymbolKind};

use crate::{Error, Result};

/// A section's bytes and its address range as the file states it (its SVMA range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionData {
    /// Stated virtual memory addresses of the section.
    pub svma: Range<u64>,
    /// The section's contents, copied out of the file.
    pub bytes: Vec<u8>,
}

/// The sections a stack unwinder reads, copied so that the file can be closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnwindSections {
    /// Address range of `.text`.
    pub text_svma: Option<Range<u64>>,
    /// `.eh_frame_hdr`, the binary-search index of `.eh_frame`.
    pub eh_frame_hdr: Option<SectionData>,
    /// `.eh_frame`, the call frame information.
    pub eh_frame: Option<SectionData>,
}

/// An ELF file opened (memory-mapped) for reading its headers.
#[derive(Debug)]
pub struct ElfFile {
    map: memmap2::Mmap,
}

impl ElfFile {
    /// Maps the file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be opened or mapped, [`Error::Object`] if it is not an
    /// object file.
    pub fn open(path: &Path) -> Result<ElfFile> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        // SAFETY: the map is read-only and private; a file changed under us while mapped can
        // only give wrong bytes (which `object` parses with bounds checks), and truncation is
        // the usual mmap caveat every symbolizer (addr2line's loader included) accepts.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let elf = ElfFile { map };
        elf.object(path)?;
        Ok(elf)
    }

    fn object(&self, path: &Path) -> Result<object::File<'_>> {
        object::File::parse(&*self.map).map_err(|e| Error::Object {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    fn parsed(&self) -> object::File<'_> {
        // `open` checked that the bytes parse.
        object::File::parse(&*self.map).expect("parsed in open")
    }

    /// The GNU build id in lowercase hex, if the file has one.
    pub fn build_id(&self) -> Option<String> {
        let obj = self.parsed();
        let id = obj.build_id().ok()??;
        Some(id.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The load bias of a mapping of this file: `avma - bias` is the file's stated address.
    ///
    /// `start` is where file offset `offset` is mapped; returns `None` when no loadable
    /// segment covers that offset.
    pub fn load_bias(&self, start: u64, offset: u64) -> Option<u64> {
        const PAGE: u64 = 4096;
        let obj = self.parsed();
        // Linkers such as lld start a segment mid-page, so the page at `offset` can hold the
        // tail of one segment and the head of the next: the mapping belongs to the later one.
        let seg = obj
            .segments()
            .filter(|s| {
                let (off, size) = s.file_range();
                // `offset < off + size`, without overflow for a segment near the top.
                off / PAGE * PAGE <= offset && (offset < off || offset - off < size.max(1))
            })
            .max_by_key(|s| s.file_range().0)?;
        let (seg_off, _) = seg.file_range();
        // File offset and address of a segment are congruent modulo the page size, so the
        // page at `offset` has the stated address `vaddr + (offset - seg_off)`.
        let svma = seg.address().wrapping_add(offset).wrapping_sub(seg_off);
        Some(start.wrapping_sub(svma))
    }

    /// Copies `.text`'s range, `.eh_frame_hdr` and `.eh_frame`. A range that a corrupt file
    /// states past the end of the address space ends there.
    pub fn unwind_sections(&self) -> UnwindSections {
        let obj = self.parsed();
        let section = |name: &str| {
            let s = obj.section_by_name(name)?;
            let bytes = s.data().ok()?.to_vec();
            Some(SectionData {
                svma: s.address()..s.address().saturating_add(s.size()),
                bytes,
            })
        };
        UnwindSections {
            text_svma: obj
                .section_by_name(".text")
                .map(|s| s.address()..s.address().saturating_add(s.size())),
            eh_frame_hdr: section(".eh_frame_hdr"),
            eh_frame: section(".eh_frame"),
        }
    }

    /// The function symbols, from `.symtab`, or `.dynsym` when the file is stripped.
    pub fn symbol_table(&self) -> SymbolTable {
        let obj = self.parsed();
        let mut syms: Vec<(u64, u64, String)> = obj
            .symbols()
            .chain(obj.dynamic_symbols())
            .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0)
            .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
            .filter(|(_, _, n)| !n.is_empty())
            .collect();
        syms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        syms.dedup_by_key(|s| s.0);
        SymbolTable { syms }
    }
}

/// Function symbols sorted by address: names without reading any debug info.
#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    syms: Vec<(u64, u64, String)>,
}

impl SymbolTable {
    /// The symbol covering `svma`: the last one starting at or before it, if its size (when
    /// known) reaches that far.
    pub fn lookup(&self, svma: u64) -> Option<&str> {
        let i = self.syms.partition_point(|s| s.0 <= svma).checked_sub(1)?;
        let (start, size, name) = &self.syms[i];
        // `svma < start + size` without overflow (`start <= svma` by the search).
        (*size == 0 || svma - start < *size).then_some(name.as_str())
    }

    /// The symbol covering `svma` with its start address, as [`SymbolTable::lookup`] finds it:
    /// for printing `function+offset` as Go's text profiles do.
    pub fn lookup_start(&self, svma: u64) -> Option<(u64, &str)> {
        let i = self.syms.partition_point(|s| s.0 <= svma).checked_sub(1)?;
        let (start, size, name) = &self.syms[i];
        (*size == 0 || svma - start < *size).then_some((*start, name.as_str()))
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.syms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_reaching_the_top_of_the_address_space_is_looked_up_without_overflow() {
        // Sizes a corrupt or hostile file may state: start + size overflows u64.
        let table = SymbolTable {
            syms: vec![
                (0x1000, 0x10, "small".into()),
                (0xffff_ffff_ffff_0000, u64::MAX, "huge".into()),
            ],
        };
        assert_eq!(table.lookup(0x100f), Some("small"));
        assert_eq!(table.lookup(0x1010), None);
        assert_eq!(table.lookup(0xffff_ffff_ffff_0000), Some("huge"));
        assert_eq!(
            table.lookup_start(u64::MAX),
            Some((0xffff_ffff_ffff_0000, "huge"))
        );
    }
}
