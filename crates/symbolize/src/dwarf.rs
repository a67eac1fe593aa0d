//! Files, lines and inline frames from DWARF, reading only what the asked addresses need.
//!
//! The answers are those of the `addr2line` crate (`Loader::find_frames`), which this module
//! replaces because of what it costs for a profile's few dozen addresses: `addr2line` parses
//! every compilation unit's header, root entry and line program header when it opens a file
//! (all of `.debug_info` is paged in), and keeps every row of the line table of each unit it
//! touches (Rust's std is one large unit). Here:
//!
//! - the units are found through `.debug_aranges` (a few hundred kilobytes, read once); only
//!   a file without it has its unit headers scanned, as `addr2line` does;
//! - a unit is parsed when an address falls in it: its line program is run once (on a small
//!   line-number machine of this module's, with gimli's rules) to index its sequences (start,
//!   end, where their instructions begin), and a lookup then runs only the sequence holding
//!   the address, keeping no row table; its entries are walked once to list its functions'
//!   address ranges;
//! - a function's inlined calls are read only for the functions holding an asked address, and
//!   a callee's name only when the call is one of the frames returned;
//! - a reference into another unit walks unit headers from the nearest unit start known.
//!
//! The lookups (which unit, which sequence, which function, which inlined call at each depth)
//! are the same binary searches over the same sorted lists as `addr2line`'s, so the frames are
//! identical (the test `frames_match_addr2line` compares 12000 addresses of a real binary).
//! Differences: a unit is found by its `.debug_aranges` ranges where `addr2line` prefers the
//! unit's `DW_AT_ranges` (compilers emit the same ranges in both; the units a present
//! `.debug_aranges` leaves out, as clang leaves C units without `-gdwarf-aranges`, are
//! indexed from their root entries the first time an address falls in no indexed unit);
//! split DWARF (skeleton units pointing to `.dwo` files) is not followed, so those units give
//! no lines; and a malformed callee name fails only the lookups whose frames
//! include that callee, where `addr2line` fails every lookup in the function.
//!
//! The file is memory-mapped; [`DwarfFile::release_pages`] drops the pages read so far from
//! the resident set (they are read again from the page cache if needed), so a kept
//! [`crate::Symbolizer`] holds its small indexes, not the debug sections it went through.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use gimli::{EndianSlice, RunTimeEndian};
use object::{Object, ObjectSection};

use crate::{Error, Result};

/// How this module reads DWARF: slices of the mapped file (or of decompressed sections).
type R<'a> = EndianSlice<'a, RunTimeEndian>;

/// One source-level frame as DWARF gives it, before the symbol table's name is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DwarfFrame {
    /// The function's name as stored (linkage name if known), empty if none.
    pub(crate) name: String,
    /// Source file, empty if unknown.
    pub(crate) file: String,
    /// Line, 0 if unknown.
    pub(crate) line: u32,
    /// Column, 0 if unknown.
    pub(crate) column: u32,
}

/// The DWARF of one file, opened for lookups.
pub(crate) struct DwarfFile {
    // Field order matters: `inner` borrows from `owned` and `map`, and fields drop in
    // declaration order, so it goes first.
    inner: Inner<'static>,
    /// Sections that were stored compressed, decompressed (their heap buffers never move;
    /// only `inner` reads them).
    _owned: Vec<Vec<u8>>,
    /// The mapped file.
    map: memmap2::Mmap,
}

impl std::fmt::Debug for DwarfFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DwarfFile")
            .field("units_read", &self.inner.units.len())
            .finish()
    }
}

impl DwarfFile {
    /// Maps the file at `path` and indexes its units.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, [`Error::Object`] if it is not an object file or
    /// its unit index does not parse.
    pub(crate) fn open(path: &Path) -> Result<DwarfFile> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let bad = |message: String| Error::Object {
            path: path.to_path_buf(),
            message,
        };
        let file = File::open(path).map_err(io)?;
        // SAFETY: a read-only private mapping; a file changed under us while mapped can only
        // give wrong bytes, which gimli and object parse with bounds checks (truncation is the
        // usual mmap caveat, which `addr2line`'s loader accepts too).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let _ = map.advise(memmap2::Advice::Random);
        // SAFETY: the mapping's bytes stay at the same address until `map` is dropped, and
        // `inner`, the only holder of this borrow, is dropped before it (declaration order);
        // `inner` never hands out the `'static` lifetime (see `DwarfFile::frames`).
        let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(map.as_ptr(), map.len()) };
        let object = object::File::parse(bytes).map_err(|e| bad(e.to_string()))?;
        let endian = if object.is_little_endian() {
            RunTimeEndian::Little
        } else {
            RunTimeEndian::Big
        };
        let mut owned: Vec<Vec<u8>> = Vec::new();
        let mut load = |id: gimli::SectionId| -> Result<R<'static>> {
            let data: &'static [u8] = match object.section_by_name(id.name()) {
                Some(section) => match section.uncompressed_data() {
                    Ok(Cow::Borrowed(b)) => b,
                    Ok(Cow::Owned(b)) => {
                        // SAFETY: the Vec's heap buffer is never resized nor dropped before
                        // `inner` (it is moved into `owned`, whose elements are never touched
                        // again), so the slice stays valid as long as `inner` lives.
                        let s = unsafe { std::slice::from_raw_parts(b.as_ptr(), b.len()) };
                        owned.push(b);
                        s
                    }
                    Err(e) => return Err(bad(format!("section {}: {e}", id.name()))),
                },
                None => &[],
            };
            Ok(EndianSlice::new(data, endian))
        };
        let dwarf = gimli::Dwarf::load(&mut load)?;
        let units =
            UnitIndex::build(&dwarf).map_err(|e| bad(format!("indexing DWARF units: {e}")))?;
        Ok(DwarfFile {
            inner: Inner {
                dwarf,
                all_units: RefUnits {
                    starts: units.starts.clone(),
                    parsed: HashMap::new(),
                },
                index: units,
                units: HashMap::new(),
            },
            _owned: owned,
            map,
        })
    }

    /// The frames at `svma`, innermost inlined callee first: what `addr2line`'s
    /// `find_frames` gives. Empty if DWARF knows nothing of the address (or is malformed
    /// where it would be read).
    pub(crate) fn frames(&mut self, svma: u64) -> Vec<DwarfFrame> {
        // Every borrow of the `'static` data ends with this call: only owned frames leave.
        self.inner.frames(svma).unwrap_or_default()
    }

    /// Drops the mapped pages read so far from this process's resident set; they are read
    /// again from the page cache on the next lookup. The indexes stay.
    pub(crate) fn release_pages(&self) {
        // SAFETY: the mapping is private, read-only and never written, so dropping its pages
        // only makes the next access read the file again: nothing observable changes (the
        // caveat of a file modified under us is the mapping's own, see `open`).
        let _ = unsafe {
            self.map
                .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
        };
    }
}

/// The parsed state, borrowing the file's sections.
struct Inner<'a> {
    dwarf: gimli::Dwarf<R<'a>>,
    index: UnitIndex,
    /// Units parsed so far, by `.debug_info` offset: `None` if the unit does not parse.
    units: HashMap<usize, Option<Box<UnitState<'a>>>>,
    /// Units entered through references from another unit.
    all_units: RefUnits<'a>,
}

/// A compilation unit's address range, as `addr2line`'s `UnitRange`.
struct UnitRange {
    begin: u64,
    end: u64,
    /// The least `begin` of this and all later entries (sorted by `end`).
    min_begin: u64,
    unit: usize,
}

/// Which units cover which addresses.
struct UnitIndex {
    ranges: Vec<UnitRange>,
    /// The offsets of the units indexed, sorted.
    starts: Vec<usize>,
    /// Whether every unit is indexed: false while only `.debug_aranges` was read, which may
    /// leave units out (clang emits no sets without `-gdwarf-aranges`).
    complete: bool,
}

impl UnitIndex {
    /// From `.debug_aranges`, or when the file has none, from every unit's root entry (and
    /// its line program when the entry gives no range), as `addr2line` does.
    fn build(dwarf: &gimli::Dwarf<R<'_>>) -> gimli::Result<UnitIndex> {
        let mut aranges = Vec::new();
        let mut headers = dwarf.debug_aranges.headers();
        while let Some(header) = headers.next()? {
            aranges.push((header.debug_info_offset().0, header.offset()));
        }
        // Stable, as `addr2line` sorts them: sets of one unit keep their order.
        aranges.sort_by_key(|a| a.0);
        let mut ranges = Vec::new();
        let complete = aranges.is_empty();
        if complete {
            let mut units = dwarf.units();
            while let Some(header) = units.next()? {
                if let Some(offset) = header.offset().as_debug_info_offset() {
                    unit_ranges_from_root(dwarf, header, offset.0, &mut ranges)?;
                }
            }
        } else {
            for &(unit, offset) in &aranges {
                let header = dwarf.debug_aranges.header(offset)?;
                let mut entries = header.entries();
                while let Some(entry) = entries.next().transpose() {
                    // As `addr2line`: entries in error (address overflow) are skipped; the
                    // iterator stops by itself on errors it cannot skip.
                    let Ok(entry) = entry else { continue };
                    if entry.length() != 0 {
                        let r = entry.range();
                        ranges.push(UnitRange {
                            begin: r.begin,
                            end: r.end,
                            min_begin: 0,
                            unit,
                        });
                    }
                }
            }
        }
        let mut starts: Vec<usize> = ranges.iter().map(|r| r.unit).collect();
        starts.extend(aranges.iter().map(|a| a.0));
        starts.sort_unstable();
        starts.dedup();
        let mut index = UnitIndex {
            ranges,
            starts,
            complete,
        };
        index.sort();
        Ok(index)
    }

    /// Sorts the ranges by end and notes each one's least begin from there on.
    fn sort(&mut self) {
        self.ranges.sort_by_key(|r| r.end);
        let mut min = !0;
        for r in self.ranges.iter_mut().rev() {
            min = min.min(r.begin);
            r.min_begin = min;
        }
    }

    /// Indexes the units `.debug_aranges` left out, from their root entries, as `addr2line`
    /// indexes every unit: called once, when an address is in no indexed unit. Walking the
    /// unit headers reads one header per unit; only the units left out have their root entry
    /// read. A unit that does not parse is skipped, as in [`UnitIndex::build`].
    fn complete(&mut self, dwarf: &gimli::Dwarf<R<'_>>) {
        if self.complete {
            return;
        }
        self.complete = true;
        let mut added = Vec::new();
        let mut units = dwarf.units();
        while let Ok(Some(header)) = units.next() {
            let Some(offset) = header.offset().as_debug_info_offset() else {
                continue;
            };
            if self.starts.binary_search(&offset.0).is_ok() {
                continue;
            }
            let before = added.len();
            if unit_ranges_from_root(dwarf, header, offset.0, &mut added).is_err() {
                added.truncate(before);
            }
        }
        if added.is_empty() {
            return;
        }
        self.starts.extend(added.iter().map(|r| r.unit));
        self.starts.sort_unstable();
        self.starts.dedup();
        self.ranges.append(&mut added);
        self.sort();
    }

    /// The units whose ranges hold `probe`, in `addr2line`'s order.
    fn find(&self, probe: u64) -> impl Iterator<Item = usize> + '_ {
        let (low, high) = (probe, probe.wrapping_add(1));
        let pos = match self.ranges.binary_search_by_key(&low, |r| r.end) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.ranges[pos..]
            .iter()
            .take_while(move |r| high > r.min_begin)
            .filter(move |r| !(low >= r.end || high <= r.begin))
            .map(|r| r.unit)
    }
}

/// Adds the ranges of the unit at `offset` from its root entry, or from its line program's
/// sequences when the entry has none (a file without `.debug_aranges`).
fn unit_ranges_from_root(
    dwarf: &gimli::Dwarf<R<'_>>,
    header: gimli::UnitHeader<R<'_>>,
    offset: usize,
    out: &mut Vec<UnitRange>,
) -> gimli::Result<()> {
    if matches!(
        header.type_(),
        gimli::UnitType::Type { .. } | gimli::UnitType::SplitType { .. } | gimli::UnitType::Partial
    ) {
        return Ok(());
    }
    let Ok(unit) = dwarf.unit(header) else {
        return Ok(());
    };
    let unit_ref = gimli::UnitRef::new(dwarf, &unit);
    let mut entries = unit_ref.entries_raw(None)?;
    let Some(abbrev) = entries.read_abbreviation()? else {
        return Ok(());
    };
    let mut ranges = RangeAttributes::default();
    for spec in abbrev.attributes() {
        let attr = entries.read_attribute(*spec)?;
        ranges.note(unit_ref, &attr)?;
    }
    let mut push = |r: gimli::Range| {
        out.push(UnitRange {
            begin: r.begin,
            end: r.end,
            min_begin: 0,
            unit: offset,
        })
    };
    if !ranges.for_each_range(unit_ref, &mut push)? {
        if let Some(ilnp) = unit_ref.line_program.clone() {
            if let Ok(lines) = Lines::parse(unit_ref, ilnp) {
                for s in &lines.sequences {
                    push(gimli::Range {
                        begin: s.start,
                        end: s.end,
                    });
                }
            }
        }
    }
    Ok(())
}

/// One unit, parsed because an asked address falls in it.
struct UnitState<'a> {
    unit: gimli::Unit<R<'a>>,
    lines: Option<gimli::Result<Option<Lines<'a>>>>,
    functions: Option<gimli::Result<Functions>>,
    /// Functions parsed so far (name and inlined calls), by index in `functions`.
    parsed: HashMap<usize, gimli::Result<Function<'a>>>,
}

/// A unit's line program, run once to index its sequences.
struct Lines<'a> {
    header: gimli::LineProgramHeader<R<'a>>,
    /// Sequences holding at least one row, sorted by start address (stable).
    sequences: Vec<Sequence>,
    /// The file names by index, rendered as `addr2line` renders them.
    files: Vec<String>,
}

/// Where a sequence of a line program is: its address range and the offset in the program
/// of its first instruction (the line-number machine starts afresh there).
struct Sequence {
    start: u64,
    end: u64,
    offset: usize,
}

/// A source location found in a line program.
#[derive(Clone, Copy)]
struct Location<'s> {
    file: Option<&'s str>,
    line: u32,
    column: u32,
}

impl<'a> Lines<'a> {
    /// Runs the program once, keeping where each sequence starts, not its rows.
    fn parse(
        unit: gimli::UnitRef<'_, R<'a>>,
        ilnp: gimli::IncompleteLineProgram<R<'a>>,
    ) -> gimli::Result<Lines<'a>> {
        let header = ilnp.header().clone();
        let program = header.raw_program_buf();
        let mut machine = Machine::new(&header)?;
        let mut input = program;
        let mut sequences = Vec::new();
        let mut added = Vec::new();
        let mut seq_offset = 0;
        let mut seq_start = None;
        while let Some(row) = machine.next_row(&mut input, &mut added)? {
            if row.end_sequence {
                if let Some(start) = seq_start.take() {
                    sequences.push(Sequence {
                        start,
                        end: row.address,
                        offset: seq_offset,
                    });
                }
                seq_offset = program.len() - input.len();
            } else if seq_start.is_none() {
                seq_start = Some(row.address);
            }
        }
        sequences.sort_by_key(|s| s.start);
        let mut files = Vec::new();
        match header.file(0) {
            Some(file) => files.push(render_file(unit, file, &header)?),
            None => files.push(String::new()),
        }
        let mut index = 1;
        while let Some(file) = header.file(index) {
            files.push(render_file(unit, file, &header)?);
            index += 1;
        }
        // Files the program defined with `DW_LNE_define_file` come after the header's.
        for (path, directory) in added {
            files.push(render_path(unit, &header, path, directory)?);
        }
        Ok(Lines {
            header,
            sequences,
            files,
        })
    }

    fn file(&self, index: u64) -> Option<&str> {
        self.files.get(index as usize).map(String::as_str)
    }

    /// The row at `probe`: the last row at or before it in the sequence holding it.
    fn find_location(&self, probe: u64) -> gimli::Result<Option<Location<'_>>> {
        let seq = self.sequences.binary_search_by(|s| {
            if probe < s.start {
                Ordering::Greater
            } else if probe >= s.end {
                Ordering::Less
            } else {
                Ordering::Equal
            }
        });
        let Ok(seq) = seq else { return Ok(None) };
        let program = self.header.raw_program_buf();
        let mut input = program.range_from(self.sequences[seq].offset..);
        let mut machine = Machine::new(&self.header)?;
        let mut found: Option<Row> = None;
        let mut added = Vec::new();
        while let Some(row) = machine.next_row(&mut input, &mut added)? {
            if row.end_sequence || row.address > probe {
                break;
            }
            found = Some(row);
        }
        Ok(found.map(|row| {
            let line = row.line as u32;
            Location {
                file: self.file(row.file),
                line,
                // A column means something only with a line.
                column: if line != 0 { row.column as u32 } else { 0 },
            }
        }))
    }
}

/// A row of the line-number matrix: the registers this module uses.
#[derive(Clone, Copy)]
struct Row {
    address: u64,
    file: u64,
    line: u64,
    column: u64,
    end_sequence: bool,
}

/// The line-number state machine (DWARF 5 section 6.2.2), with gimli's rules: an address
/// set lower than the current one, or to a tombstone, hides the rows until the next address;
/// address arithmetic overflowing the address size is an error.
struct Machine<'a> {
    row: Row,
    /// Operand counts of the standard opcodes, from the header.
    lengths: R<'a>,
    op_index: u64,
    tombstone: bool,
    min_inst_length: u64,
    max_ops: u64,
    line_base: i64,
    line_range: u8,
    opcode_base: u8,
    address_size: u8,
    version: u16,
}

impl<'a> Machine<'a> {
    fn new(header: &gimli::LineProgramHeader<R<'a>>) -> gimli::Result<Machine<'a>> {
        let e = header.line_encoding();
        if e.line_range == 0 || e.maximum_operations_per_instruction == 0 {
            return Err(gimli::Error::LineRangeZero);
        }
        if !(1..=8).contains(&header.address_size()) {
            return Err(gimli::Error::UnsupportedAddressSize(header.address_size()));
        }
        Ok(Machine {
            row: Machine::start(),
            lengths: *header.standard_opcode_lengths(),
            op_index: 0,
            tombstone: false,
            min_inst_length: u64::from(e.minimum_instruction_length),
            max_ops: u64::from(e.maximum_operations_per_instruction),
            line_base: i64::from(e.line_base),
            line_range: e.line_range,
            opcode_base: header.opcode_base(),
            address_size: header.address_size(),
            version: header.version(),
        })
    }

    fn start() -> Row {
        Row {
            address: 0,
            file: 1,
            line: 1,
            column: 0,
            end_sequence: false,
        }
    }

    fn mask(&self) -> u64 {
        !0 >> (64 - u32::from(self.address_size) * 8)
    }

    fn add_address(&mut self, advance: u64) -> gimli::Result<()> {
        let address = self
            .row
            .address
            .checked_add(advance)
            .ok_or(gimli::Error::AddressOverflow)?;
        if address & !self.mask() != 0 {
            return Err(gimli::Error::AddressOverflow);
        }
        self.row.address = address;
        Ok(())
    }

    fn advance(&mut self, operation_advance: u64) -> gimli::Result<()> {
        if self.tombstone {
            return Ok(());
        }
        let address_advance = if self.max_ops == 1 {
            self.op_index = 0;
            self.min_inst_length.wrapping_mul(operation_advance)
        } else {
            let op = self.op_index.wrapping_add(operation_advance);
            self.op_index = op % self.max_ops;
            self.min_inst_length.wrapping_mul(op / self.max_ops)
        };
        self.add_address(address_advance)
    }

    fn advance_line(&mut self, increment: i64) {
        if increment < 0 {
            let decrement = increment.wrapping_neg() as u64;
            self.row.line = self.row.line.saturating_sub(decrement);
        } else {
            self.row.line = self.row.line.wrapping_add(increment as u64);
        }
    }

    /// Runs instructions up to the next row (tombstoned rows are skipped). Files defined by
    /// `DW_LNE_define_file` are added to `added` as (path, directory index).
    fn next_row(
        &mut self,
        input: &mut R<'a>,
        added: &mut Vec<(R<'a>, u64)>,
    ) -> gimli::Result<Option<Row>> {
        use gimli::Reader;
        if self.row.end_sequence {
            self.row = Machine::start();
            self.op_index = 0;
            self.tombstone = false;
        }
        loop {
            if input.is_empty() {
                return Ok(None);
            }
            let opcode = input.read_u8()?;
            let emit = if opcode >= self.opcode_base {
                let adjusted = opcode - self.opcode_base;
                self.advance_line(self.line_base + i64::from(adjusted % self.line_range));
                self.advance(u64::from(adjusted / self.line_range))?;
                true
            } else if opcode == 0 {
                let length = input.read_uleb128()?;
                let length =
                    usize::try_from(length).map_err(|_| gimli::Error::UnsupportedOffset)?;
                let mut rest = input.split(length)?;
                match gimli::DwLne(rest.read_u8()?) {
                    gimli::DW_LNE_end_sequence => {
                        self.row.end_sequence = true;
                        true
                    }
                    gimli::DW_LNE_set_address => {
                        let address = rest.read_address(self.address_size)?;
                        self.tombstone = address < self.row.address || address >= self.mask() - 1;
                        if !self.tombstone {
                            self.row.address = address;
                            self.op_index = 0;
                        }
                        false
                    }
                    gimli::DW_LNE_define_file if self.version <= 4 => {
                        let path = rest.read_null_terminated_slice()?;
                        let directory = rest.read_uleb128()?;
                        rest.read_uleb128()?;
                        rest.read_uleb128()?;
                        added.push((path, directory));
                        false
                    }
                    gimli::DW_LNE_set_discriminator => {
                        rest.read_uleb128()?;
                        false
                    }
                    _ => false,
                }
            } else {
                match gimli::DwLns(opcode) {
                    gimli::DW_LNS_copy => true,
                    gimli::DW_LNS_advance_pc => {
                        let advance = input.read_uleb128()?;
                        self.advance(advance)?;
                        false
                    }
                    gimli::DW_LNS_advance_line => {
                        let increment = input.read_sleb128()?;
                        self.advance_line(increment);
                        false
                    }
                    gimli::DW_LNS_set_file => {
                        self.row.file = input.read_uleb128()?;
                        false
                    }
                    gimli::DW_LNS_set_column => {
                        self.row.column = input.read_uleb128()?;
                        false
                    }
                    gimli::DW_LNS_negate_stmt
                    | gimli::DW_LNS_set_basic_block
                    | gimli::DW_LNS_set_prologue_end
                    | gimli::DW_LNS_set_epilogue_begin => false,
                    gimli::DW_LNS_const_add_pc => {
                        let adjusted = 255 - self.opcode_base;
                        self.advance(u64::from(adjusted / self.line_range))?;
                        false
                    }
                    gimli::DW_LNS_fixed_advance_pc => {
                        let advance = input.read_u16()?;
                        if !self.tombstone {
                            self.add_address(u64::from(advance))?;
                            self.op_index = 0;
                        }
                        false
                    }
                    gimli::DW_LNS_set_isa => {
                        input.read_uleb128()?;
                        false
                    }
                    _ => {
                        // An opcode this reader does not know: skip its operands, whose
                        // count the header gives.
                        let mut lengths = self.lengths;
                        lengths.skip(usize::from(opcode - 1))?;
                        for _ in 0..lengths.read_u8()? {
                            input.read_uleb128()?;
                        }
                        false
                    }
                }
            };
            if emit {
                if self.tombstone {
                    // As gimli: the hidden row's reset happens at once.
                    if self.row.end_sequence {
                        self.row = Machine::start();
                        self.op_index = 0;
                        self.tombstone = false;
                    }
                    continue;
                }
                return Ok(Some(self.row));
            }
        }
    }
}

/// A file a line program defined itself (`DW_LNE_define_file`), rendered as
/// [`render_file`] renders the header's.
fn render_path<'a>(
    unit: gimli::UnitRef<'_, R<'a>>,
    header: &gimli::LineProgramHeader<R<'a>>,
    name: R<'a>,
    directory: u64,
) -> gimli::Result<String> {
    let mut path = match unit.comp_dir {
        Some(ref dir) => dir.to_string_lossy().into_owned(),
        None => String::new(),
    };
    if directory != 0 {
        if let Some(dir) = header.directory(directory) {
            path_push(&mut path, &unit.attr_string(dir)?.to_string_lossy());
        }
    }
    path_push(&mut path, &name.to_string_lossy());
    Ok(path)
}

/// A file name of a line program header: the unit's directory, the file's directory and its
/// name, joined as `addr2line` joins them.
fn render_file<'a>(
    unit: gimli::UnitRef<'_, R<'a>>,
    file: &gimli::FileEntry<R<'a>>,
    header: &gimli::LineProgramHeader<R<'a>>,
) -> gimli::Result<String> {
    let mut path = match unit.comp_dir {
        Some(ref dir) => dir.to_string_lossy().into_owned(),
        None => String::new(),
    };
    // Directory 0 is the unit's directory.
    if file.directory_index() != 0 {
        if let Some(directory) = file.directory(header) {
            path_push(&mut path, &unit.attr_string(directory)?.to_string_lossy());
        }
    }
    path_push(
        &mut path,
        &unit.attr_string(file.path_name())?.to_string_lossy(),
    );
    Ok(path)
}

fn path_push(path: &mut String, p: &str) {
    if has_forward_slash_root(p) || has_backward_slash_root(p) {
        *path = p.to_string();
    } else {
        let sep = if has_backward_slash_root(path) {
            '\\'
        } else {
            '/'
        };
        if !path.is_empty() && !path.ends_with(sep) {
            path.push(sep);
        }
        path.push_str(p);
    }
}

fn has_forward_slash_root(p: &str) -> bool {
    p.starts_with('/') || p.get(1..3) == Some(":/")
}

fn has_backward_slash_root(p: &str) -> bool {
    p.starts_with('\\') || p.get(1..3) == Some(":\\")
}

/// The address ranges of a unit's functions (`DW_TAG_subprogram` entries with code).
struct Functions {
    /// Entry offsets of the functions.
    offsets: Vec<usize>,
    /// (begin, end, function index), sorted by begin (stable).
    addresses: Vec<(u64, u64, usize)>,
}

impl Functions {
    fn parse(unit: gimli::UnitRef<'_, R<'_>>) -> gimli::Result<Functions> {
        let mut offsets = Vec::new();
        let mut addresses = Vec::new();
        let mut entries = unit.entries_raw(None)?;
        while !entries.is_empty() {
            let offset = entries.next_offset();
            let Some(abbrev) = entries.read_abbreviation()? else {
                continue;
            };
            if abbrev.tag() != gimli::DW_TAG_subprogram {
                entries.skip_attributes(abbrev.attributes())?;
                continue;
            }
            let mut ranges = RangeAttributes::default();
            for spec in abbrev.attributes() {
                let attr = entries.read_attribute(*spec)?;
                ranges.note(unit, &attr)?;
            }
            let index = offsets.len();
            if ranges.for_each_range(unit, |r| addresses.push((r.begin, r.end, index)))? {
                offsets.push(offset.0);
            }
        }
        addresses.sort_by_key(|a| a.0);
        Ok(Functions { offsets, addresses })
    }

    fn find(&self, probe: u64) -> Option<usize> {
        self.addresses
            .binary_search_by(|&(begin, end, _)| {
                if probe < begin {
                    Ordering::Greater
                } else if probe >= end {
                    Ordering::Less
                } else {
                    Ordering::Equal
                }
            })
            .ok()
            .map(|i| self.addresses[i].2)
    }
}

/// `DW_AT_low_pc`, `DW_AT_high_pc` and `DW_AT_ranges` of an entry.
#[derive(Default)]
struct RangeAttributes {
    low_pc: Option<u64>,
    high_pc: Option<u64>,
    size: Option<u64>,
    ranges: Option<gimli::RangeListsOffset>,
}

impl RangeAttributes {
    fn note<'a>(
        &mut self,
        unit: gimli::UnitRef<'_, R<'a>>,
        attr: &gimli::Attribute<R<'a>>,
    ) -> gimli::Result<()> {
        match attr.name() {
            gimli::DW_AT_low_pc => match attr.value() {
                gimli::AttributeValue::Addr(v) => self.low_pc = Some(v),
                gimli::AttributeValue::DebugAddrIndex(i) => self.low_pc = Some(unit.address(i)?),
                _ => {}
            },
            gimli::DW_AT_high_pc => match attr.value() {
                gimli::AttributeValue::Addr(v) => self.high_pc = Some(v),
                gimli::AttributeValue::DebugAddrIndex(i) => self.high_pc = Some(unit.address(i)?),
                gimli::AttributeValue::Udata(v) => self.size = Some(v),
                _ => {}
            },
            gimli::DW_AT_ranges => self.ranges = unit.attr_ranges_offset(attr.value())?,
            _ => {}
        }
        Ok(())
    }

    /// Calls `f` with each non-empty range; whether there was one.
    fn for_each_range(
        &self,
        unit: gimli::UnitRef<'_, R<'_>>,
        mut f: impl FnMut(gimli::Range),
    ) -> gimli::Result<bool> {
        let mut any = false;
        let mut add = |r: gimli::Range| {
            if r.begin < r.end {
                f(r);
                any = true;
            }
        };
        if let Some(offset) = self.ranges {
            let mut list = unit.ranges(offset)?;
            while let Some(r) = list.next()? {
                add(r);
            }
        } else if let (Some(begin), Some(end)) = (self.low_pc, self.high_pc) {
            add(gimli::Range { begin, end });
        } else if let (Some(begin), Some(size)) = (self.low_pc, self.size) {
            // A -1 tombstone overflows here, and the empty check drops it.
            add(gimli::Range {
                begin,
                end: begin.wrapping_add(size),
            });
        }
        Ok(any)
    }
}

/// A function holding an asked address: its name and its inlined calls.
struct Function<'a> {
    name: Option<R<'a>>,
    inlined: Vec<Inlined>,
    /// (range, call depth, index in `inlined`), sorted by depth then begin.
    inlined_addresses: Vec<(gimli::Range, usize, usize)>,
}

/// A `DW_TAG_inlined_subroutine`: the callee's name and where it was called.
///
/// The callee's name is read only when the call is one of the frames asked for: a large
/// function has hundreds of inlined calls, and their names are scattered over `.debug_str`.
struct Inlined {
    /// The `DW_TAG_inlined_subroutine` entry, read again for the callee's name.
    entry: gimli::UnitOffset,
    call_file: Option<u64>,
    call_line: u32,
    call_column: u32,
}

impl<'a> Inner<'a> {
    fn frames(&mut self, probe: u64) -> gimli::Result<Vec<DwarfFrame>> {
        let mut candidates: Vec<usize> = self.index.find(probe).collect();
        if candidates.is_empty() && !self.index.complete {
            self.index.complete(&self.dwarf);
            candidates = self.index.find(probe).collect();
        }
        for unit in candidates {
            if let Some(frames) = self.frames_in_unit(unit, probe)? {
                return Ok(frames);
            }
        }
        Ok(Vec::new())
    }

    /// The frames at `probe` from the unit at `offset`; `None` when the unit has neither a
    /// function nor a line there (the next unit holding the address is tried).
    fn frames_in_unit(
        &mut self,
        offset: usize,
        probe: u64,
    ) -> gimli::Result<Option<Vec<DwarfFrame>>> {
        let Inner {
            dwarf,
            units,
            all_units,
            ..
        } = self;
        let dwarf: &gimli::Dwarf<R<'a>> = dwarf;
        let state = units.entry(offset).or_insert_with(|| {
            let header = dwarf
                .debug_info
                .header_from_offset(gimli::DebugInfoOffset(offset))
                .ok()?;
            let unit = dwarf.unit(header).ok()?;
            Some(Box::new(UnitState {
                unit,
                lines: None,
                functions: None,
                parsed: HashMap::new(),
            }))
        });
        let Some(state) = state.as_deref_mut() else {
            return Ok(None);
        };
        if state.unit.dwo_id.is_some() {
            // Split DWARF: the functions are in a `.dwo` file this module does not read.
            return Ok(None);
        }
        let unit_ref = gimli::UnitRef::new(dwarf, &state.unit);
        let functions = state
            .functions
            .get_or_insert_with(|| Functions::parse(unit_ref))
            .as_ref()
            .map_err(|e| *e)?;
        let function = functions.find(probe);
        let lines = state
            .lines
            .get_or_insert_with(|| match unit_ref.line_program.clone() {
                Some(ilnp) => Lines::parse(unit_ref, ilnp).map(Some),
                None => Ok(None),
            })
            .as_ref()
            .map_err(|e| *e)?
            .as_ref();
        let location = match lines {
            Some(lines) => lines.find_location(probe)?,
            None => None,
        };
        let Some(index) = function else {
            return Ok(location.map(|l| vec![frame(None, Some(l))]));
        };
        let function = state
            .parsed
            .entry(index)
            .or_insert_with(|| {
                Function::parse(dwarf, unit_ref, functions.offsets[index], all_units)
            })
            .as_ref()
            .map_err(|e| *e)?;
        let mut out = Vec::new();
        let mut location = location;
        for inlined in function.inlined_at(probe).into_iter().rev() {
            let name = entry_name(dwarf, unit_ref, inlined.entry, all_units)?;
            out.push(frame(name, location));
            location = Some(Location {
                file: inlined
                    .call_file
                    .and_then(|f| lines.and_then(|l| l.file(f))),
                line: inlined.call_line,
                column: inlined.call_column,
            });
        }
        out.push(frame(function.name, location));
        Ok(Some(out))
    }
}

fn frame(name: Option<R<'_>>, location: Option<Location<'_>>) -> DwarfFrame {
    let (file, line, column) = location.map_or((String::new(), 0, 0), |l| {
        (l.file.unwrap_or_default().to_string(), l.line, l.column)
    });
    DwarfFrame {
        name: name
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file,
        line,
        column,
    }
}

/// The name of the function or inlined call whose entry is at `offset`.
fn entry_name<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: gimli::UnitRef<'_, R<'a>>,
    offset: gimli::UnitOffset,
    all_units: &mut RefUnits<'a>,
) -> gimli::Result<Option<R<'a>>> {
    let mut entries = unit.entries_raw(Some(offset))?;
    read_name(&mut entries, dwarf, unit, all_units)
}

/// Reads the entry at the cursor's position and returns its name by [`note_name`]'s rules,
/// leaving the cursor after the entry's attributes.
fn read_name<'a>(
    entries: &mut gimli::EntriesRaw<'_, '_, R<'a>>,
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: gimli::UnitRef<'_, R<'a>>,
    all_units: &mut RefUnits<'a>,
) -> gimli::Result<Option<R<'a>>> {
    let Some(abbrev) = entries.read_abbreviation()? else {
        return Err(gimli::Error::NoEntryAtGivenOffset);
    };
    let mut name = None;
    for spec in abbrev.attributes() {
        let attr = entries.read_attribute(*spec)?;
        note_name(&mut name, &attr, dwarf, unit, all_units)?;
    }
    Ok(name)
}

/// Where a function or inlined call names what it is: `addr2line`'s rules (linkage name
/// first, then name, then what `DW_AT_abstract_origin` or `DW_AT_specification` names).
fn note_name<'a>(
    name: &mut Option<R<'a>>,
    attr: &gimli::Attribute<R<'a>>,
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: gimli::UnitRef<'_, R<'a>>,
    all_units: &mut RefUnits<'a>,
) -> gimli::Result<()> {
    match attr.name() {
        gimli::DW_AT_linkage_name | gimli::DW_AT_MIPS_linkage_name => {
            if let Ok(v) = unit.attr_string(attr.value()) {
                *name = Some(v);
            }
        }
        gimli::DW_AT_name if name.is_none() => *name = unit.attr_string(attr.value()).ok(),
        gimli::DW_AT_abstract_origin | gimli::DW_AT_specification if name.is_none() => {
            *name = name_attr(attr.value(), dwarf, unit, all_units, 16)?;
        }
        _ => {}
    }
    Ok(())
}

fn name_attr<'a>(
    value: gimli::AttributeValue<R<'a>>,
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: gimli::UnitRef<'_, R<'a>>,
    all_units: &mut RefUnits<'a>,
    limit: usize,
) -> gimli::Result<Option<R<'a>>> {
    if limit == 0 {
        return Ok(None);
    }
    match value {
        gimli::AttributeValue::UnitRef(offset) => name_entry(dwarf, unit, offset, all_units, limit),
        gimli::AttributeValue::DebugInfoRef(target) => {
            // An entry of another unit.
            let other = all_units.containing(dwarf, target.0)?;
            let offset = target
                .to_unit_offset(&other.header)
                .ok_or(gimli::Error::NoEntryAtGivenOffset)?;
            name_entry(
                dwarf,
                gimli::UnitRef::new(dwarf, &other),
                offset,
                all_units,
                limit,
            )
        }
        // A supplementary file is never loaded (neither did `addr2line`'s loader).
        _ => Ok(None),
    }
}

fn name_entry<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: gimli::UnitRef<'_, R<'a>>,
    offset: gimli::UnitOffset,
    all_units: &mut RefUnits<'a>,
    limit: usize,
) -> gimli::Result<Option<R<'a>>> {
    let mut entries = unit.entries_raw(Some(offset))?;
    let Some(abbrev) = entries.read_abbreviation()? else {
        return Err(gimli::Error::NoEntryAtGivenOffset);
    };
    let mut name = None;
    let mut next = None;
    for spec in abbrev.attributes() {
        let attr = entries.read_attribute(*spec)?;
        match attr.name() {
            gimli::DW_AT_linkage_name | gimli::DW_AT_MIPS_linkage_name => {
                if let Ok(v) = unit.attr_string(attr.value()) {
                    return Ok(Some(v));
                }
            }
            gimli::DW_AT_name => {
                if let Ok(v) = unit.attr_string(attr.value()) {
                    name = Some(v);
                }
            }
            gimli::DW_AT_abstract_origin | gimli::DW_AT_specification => {
                next = Some(attr.value());
            }
            _ => {}
        }
    }
    if name.is_some() {
        return Ok(name);
    }
    match next {
        Some(next) => name_attr(next, dwarf, unit, all_units, limit - 1),
        None => Ok(None),
    }
}

/// Units entered through references from another unit (`DW_FORM_ref_addr`), found by
/// walking unit headers from the nearest known unit start, so that only the headers between
/// it and the target are read (not all of `.debug_info`).
struct RefUnits<'a> {
    /// Known unit starts, sorted: those `.debug_aranges` names and those walked over.
    starts: Vec<usize>,
    /// Units parsed for references, by offset.
    parsed: HashMap<usize, Arc<gimli::Unit<R<'a>>>>,
}

impl<'a> RefUnits<'a> {
    /// The unit holding the entry at `target`, a `.debug_info` offset.
    fn containing(
        &mut self,
        dwarf: &gimli::Dwarf<R<'a>>,
        target: usize,
    ) -> gimli::Result<Arc<gimli::Unit<R<'a>>>> {
        let i = self.starts.partition_point(|&s| s <= target);
        // The section starts with a unit.
        let mut at = i.checked_sub(1).map_or(0, |i| self.starts[i]);
        loop {
            let header = dwarf
                .debug_info
                .header_from_offset(gimli::DebugInfoOffset(at))?;
            let end = at + header.length_including_self();
            if target < end {
                // No entry sits at a unit's own offset, nor in a type unit.
                if target == at
                    || matches!(
                        header.type_(),
                        gimli::UnitType::Type { .. } | gimli::UnitType::SplitType { .. }
                    )
                {
                    return Err(gimli::Error::NoEntryAtGivenOffset);
                }
                if let Some(unit) = self.parsed.get(&at) {
                    return Ok(unit.clone());
                }
                let unit = Arc::new(dwarf.unit(header)?);
                self.parsed.insert(at, unit.clone());
                return Ok(unit);
            }
            if let Err(j) = self.starts.binary_search(&end) {
                self.starts.insert(j, end);
            }
            at = end;
        }
    }
}

impl<'a> Function<'a> {
    /// Reads the function entry at `offset`: its name, and its inlined calls at any depth.
    fn parse(
        dwarf: &gimli::Dwarf<R<'a>>,
        unit: gimli::UnitRef<'_, R<'a>>,
        offset: usize,
        all_units: &mut RefUnits<'a>,
    ) -> gimli::Result<Function<'a>> {
        let mut entries = unit.entries_raw(Some(gimli::UnitOffset(offset)))?;
        let depth = entries.next_depth();
        let name = read_name(&mut entries, dwarf, unit, all_units)?;
        let mut f = Function {
            name,
            inlined: Vec::new(),
            inlined_addresses: Vec::new(),
        };
        let mut walk = Walk { entries, unit };
        walk.children(&mut f, depth, 0)?;
        // By depth, then begin: a binary search per depth finds the call holding an address.
        f.inlined_addresses
            .sort_by(|a, b| a.1.cmp(&b.1).then(a.0.begin.cmp(&b.0.begin)));
        Ok(f)
    }

    /// The inlined calls holding `probe`, outermost first.
    fn inlined_at(&self, probe: u64) -> Vec<&Inlined> {
        let mut out = Vec::new();
        let mut addresses = &self.inlined_addresses[..];
        loop {
            let depth = out.len();
            let search = addresses.binary_search_by(|(range, d, _)| {
                if *d > depth {
                    Ordering::Greater
                } else if *d < depth {
                    Ordering::Less
                } else if range.begin > probe {
                    Ordering::Greater
                } else if range.end <= probe {
                    Ordering::Less
                } else {
                    Ordering::Equal
                }
            });
            let Ok(i) = search else { break };
            out.push(&self.inlined[addresses[i].2]);
            addresses = &addresses[i + 1..];
        }
        out
    }
}

/// The walk over a function's children.
struct Walk<'u, 'a> {
    entries: gimli::EntriesRaw<'u, 'u, R<'a>>,
    unit: gimli::UnitRef<'u, R<'a>>,
}

impl<'a> Walk<'_, 'a> {
    fn children(
        &mut self,
        f: &mut Function<'a>,
        depth: isize,
        inlined_depth: usize,
    ) -> gimli::Result<()> {
        loop {
            let next_depth = self.entries.next_depth();
            if next_depth <= depth {
                return Ok(());
            }
            let offset = self.entries.next_offset();
            let Some(abbrev) = self.entries.read_abbreviation()? else {
                continue;
            };
            match abbrev.tag() {
                gimli::DW_TAG_subprogram => {
                    // A nested function has its own entry in the unit's list: skip its tree.
                    self.entries.skip_attributes(abbrev.attributes())?;
                    while self.entries.next_depth() > next_depth {
                        if let Some(abbrev) = self.entries.read_abbreviation()? {
                            self.entries.skip_attributes(abbrev.attributes())?;
                        }
                    }
                }
                gimli::DW_TAG_inlined_subroutine => {
                    self.inlined(f, offset, abbrev, next_depth, inlined_depth)?;
                }
                _ => self.entries.skip_attributes(abbrev.attributes())?,
            }
        }
    }

    fn inlined(
        &mut self,
        f: &mut Function<'a>,
        entry: gimli::UnitOffset,
        abbrev: &gimli::Abbreviation,
        depth: isize,
        inlined_depth: usize,
    ) -> gimli::Result<()> {
        let unit = self.unit;
        let mut ranges = RangeAttributes::default();
        let mut call = Inlined {
            entry,
            call_file: None,
            call_line: 0,
            call_column: 0,
        };
        for spec in abbrev.attributes() {
            let attr = self.entries.read_attribute(*spec)?;
            ranges.note(unit, &attr)?;
            match attr.name() {
                gimli::DW_AT_call_file => {
                    // In DWARF 5 file 0 is a real file; before, it meant none.
                    if let gimli::AttributeValue::FileIndex(fi) = attr.value() {
                        if fi > 0 || unit.header.version() >= 5 {
                            call.call_file = Some(fi);
                        }
                    }
                }
                gimli::DW_AT_call_line => call.call_line = attr.udata_value().unwrap_or(0) as u32,
                gimli::DW_AT_call_column => {
                    call.call_column = attr.udata_value().unwrap_or(0) as u32
                }
                _ => {}
            }
        }
        let index = f.inlined.len();
        f.inlined.push(call);
        ranges.for_each_range(unit, |r| {
            f.inlined_addresses.push((r, inlined_depth, index))
        })?;
        self.children(f, depth, inlined_depth + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DWARF 4 line program: header (one file, `a.rs`), then `program`.
    fn line_program(program: &[u8]) -> Vec<u8> {
        let mut after_length = vec![1, 1, 1, 0xfb, 14, 13]; // min_inst 1, max_ops 1, is_stmt, line_base -5, line_range 14, opcode_base 13
        after_length.extend([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]); // standard opcode lengths
        after_length.push(0); // no include directories
        after_length.extend(b"a.rs\0\0\0\0"); // a.rs, directory 0, no time, no size
        after_length.push(0); // end of files
        let mut unit = vec![4, 0]; // version 4
        unit.extend((after_length.len() as u32).to_le_bytes());
        unit.extend(after_length);
        unit.extend(program);
        let mut out = (unit.len() as u32).to_le_bytes().to_vec();
        out.extend(unit);
        out
    }

    fn set_address(a: u64) -> Vec<u8> {
        let mut v = vec![0, 9, 2];
        v.extend(a.to_le_bytes());
        v
    }

    /// The rows (address, line, end of sequence) the machine gives for `program`.
    fn rows(program: &[u8]) -> gimli::Result<Vec<(u64, u64, bool)>> {
        let bytes = line_program(program);
        let debug_line = gimli::DebugLine::from(EndianSlice::new(&bytes, RunTimeEndian::Little));
        let ilnp = debug_line.program(gimli::DebugLineOffset(0), 8, None, None)?;
        let header = ilnp.header();
        let mut machine = Machine::new(header)?;
        let mut input = header.raw_program_buf();
        let mut out = Vec::new();
        while let Some(r) = machine.next_row(&mut input, &mut Vec::new())? {
            out.push((r.address, r.line, r.end_sequence));
        }
        Ok(out)
    }

    #[test]
    fn rows_follow_the_opcodes_and_a_lower_address_hides_rows_until_the_next() {
        let mut p = set_address(0x1000);
        p.push(1); // copy: 0x1000 line 1
        // special: address +4, line +2: (2 - -5) + 14 * 4 = 63, plus opcode base 13.
        p.push(76);
        p.extend(set_address(0x800)); // lower: a tombstone
        p.push(1); // hidden
        p.extend(set_address(0x2000));
        p.extend([3, 10]); // advance_line 10: line 13
        p.push(1); // copy: 0x2000 line 13
        p.extend([2, 0x10]); // advance_pc 16
        p.extend([0, 1, 1]); // end_sequence at 0x2010
        p.extend(set_address(u64::MAX)); // a -1 tombstone: this sequence is hidden, its end too
        p.push(1);
        p.extend([0, 1, 1]);
        p.extend(set_address(0x3000));
        p.push(1); // copy: 0x3000 line 1 (fresh registers)
        p.push(8); // const_add_pc: (255 - 13) / 14 = 17
        p.extend([9, 0x00, 0x01]); // fixed_advance_pc 0x100
        p.extend([0, 1, 1]); // end_sequence at 0x3000 + 17 + 0x100
        assert_eq!(
            rows(&p).unwrap(),
            vec![
                (0x1000, 1, false),
                (0x1004, 3, false),
                (0x2000, 13, false),
                (0x2010, 13, true),
                (0x3000, 1, false),
                (0x3111, 1, true),
            ]
        );
    }

    #[test]
    fn address_overflow_is_an_error() {
        let mut p = set_address(u64::MAX - 4);
        p.extend([2, 0x10]); // advance_pc 16 past the end of the address space
        p.push(1);
        assert!(matches!(rows(&p), Err(gimli::Error::AddressOverflow)));
    }

    #[test]
    fn a_truncated_extended_opcode_is_an_error() {
        let p = [0, 9, 2, 0, 0x10]; // set_address with 2 of its 8 bytes
        assert!(rows(&p).is_err());
    }
}
