//! The memory map after a legacy profile, and pprof's fix-ups of legacy mappings.
//!
//! After a `--- Memory map: ---` (or `MAPPED_LIBRARIES:`) line, pprof reads mappings in the
//! format of `/proc/self/maps` or a brief `start-end file (@offset) buildid` form
//! (`parseProcMapsFromScanner`); `attr=value` lines define `$attr` for the lines after them.
//! Then it merges adjacent pieces of one file, puts the main binary first (`massageMappings`),
//! and gives every location a mapping, a fake one covering everything when none fits
//! (`remapMappingIDs`): that fake mapping is the `0x0/0xffffffffffffffff/0x0` Go's text
//! profiles show under `-raw`.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use regex::Regex;

use super::scan::Scanner;
use super::{Failure, check_scan, is_memory_map_sentinel};
use crate::model::*;

/// Go's `\s` (ASCII white space without `\v`); Rust's `\s` would also take Unicode spaces.
const S: &str = r"[\t\n\f\r ]";

/// pprof's `procMapsRE` and `briefMapsRE`, with Go's `\s` spelled out.
static MAPS_RE: LazyLock<(Regex, Regex)> = LazyLock::new(|| {
    let hex = r"(?:0x)?([[:xdigit:]]+)";
    let range = format!(r"{S}*{hex}[\t\n\f\r -]?{S}*{hex}:?");
    let perm = format!(r"(?:{S}+([-rwxp]+))?");
    let space_hex = format!(r"(?:{S}+([[:xdigit:]]+))?");
    let space_string = format!(r"(?:{S}+([^\t\n\f\r ]+))?");
    let hex_pair = format!(r"{S}+[[:xdigit:]]+:[[:xdigit:]]+");
    let space_digits = format!(r"{S}+[[:digit:]]+");
    let at_offset = format!(r"(?:{S}+\(@([[:xdigit:]]+)\))?");
    let proc = format!("^{range}{perm}{space_hex}{hex_pair}{space_digits}{space_string}");
    let brief = format!("^{range}{perm}{space_string}{at_offset}{space_hex}");
    let compile = |re: &str| Regex::new(re).expect("the memory map regexps compile");
    (compile(&proc), compile(&brief))
});

/// glog's `file:line] ` prefix (pprof's `logInfoRE`).
static LOG_INFO_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^\[\]]+:[0-9]+][\t\n\f\r ]").expect("the regexp compiles"));

/// pprof's `libRx`: shared libraries, never the main binary.
static LIB_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([.]so$|[.]so[._][0-9]+)").expect("the regexp compiles"));

/// A line grown by `$attr` substitution past this is refused: Go would build it, but one
/// line of 64 KiB could otherwise expand to gigabytes.
const MAX_EXPANDED_LINE: usize = 1 << 20;

/// Skips to the memory map, if any, and reads it (pprof's `parseAdditionalSections`).
pub(super) fn parse_additional_sections(
    s: &mut Scanner<'_>,
    kind: &str,
) -> Result<Vec<Mapping>, Failure> {
    while !is_memory_map_sentinel(s.text()) && s.scan() {}
    check_scan(kind, s)?;
    parse_proc_maps(s, kind)
}

/// Reads mappings until the end of the input, skipping lines that are not mappings.
pub(super) fn parse_proc_maps(s: &mut Scanner<'_>, kind: &str) -> Result<Vec<Mapping>, Failure> {
    let mut mappings = Vec::new();
    let mut attrs = Replacer::default();
    while s.scan() {
        let raw = s.text();
        let raw = match LOG_INFO_RE.find(raw) {
            Some(m) => &raw[m.end()..],
            None => raw,
        };
        let Some(line) = attrs.replace(raw) else {
            let (n, offset) = s.at();
            let what = format!("memory map line expands past {MAX_EXPANDED_LINE} bytes");
            return Err(super::bad_line(kind, offset, n, what));
        };
        match parse_mapping_entry(&line) {
            Ok(Some(m)) => mappings.push(m),
            Ok(None) => {}
            Err(()) => {
                if let Some((k, v)) = line.split_once('=') {
                    attrs.add(format!("${}", super::trim_space(k)), super::trim_space(v));
                }
            }
        }
    }
    check_scan(kind, s)?;
    Ok(mappings)
}

/// One memory map line: `Ok(None)` for a mapping that is not executable, `Err` for a line that
/// is no mapping (pprof's `parseMappingEntry`).
fn parse_mapping_entry(l: &str) -> Result<Option<Mapping>, ()> {
    let (proc, brief) = &*MAPS_RE;
    let group = |c: &regex::Captures<'_>, i| c.get(i).map_or("", |m| m.as_str()).to_string();
    let (start, end, perm, offset, file, build_id) = if let Some(c) = proc.captures(l) {
        let g = |i| group(&c, i);
        (g(1), g(2), g(3), g(4), g(5), String::new())
    } else if let Some(c) = brief.captures(l) {
        let g = |i| group(&c, i);
        (g(1), g(2), g(3), g(5), g(4), g(6))
    } else {
        return Err(());
    };
    if !perm.is_empty() && !perm.contains('x') {
        return Ok(None);
    }
    let hex = |s: &str| u64::from_str_radix(s, 16).map_err(|_| ());
    Ok(Some(Mapping {
        memory_start: hex(&start)?,
        memory_limit: hex(&end)?,
        file_offset: if offset.is_empty() { 0 } else { hex(&offset)? },
        filename: file,
        build_id,
        ..Mapping::default()
    }))
}

/// Go's `strings.NewReplacer` over `$attr` -> value pairs: at each position the earliest-added
/// key that matches wins, and replaced text is not scanned again.
#[derive(Default)]
struct Replacer {
    index: HashMap<Vec<u8>, usize>,
    values: Vec<String>,
    key_lengths: BTreeSet<usize>,
}

impl Replacer {
    fn add(&mut self, key: String, value: &str) {
        let n = self.values.len();
        self.key_lengths.insert(key.len());
        self.index.entry(key.into_bytes()).or_insert(n);
        self.values.push(value.to_string());
    }

    /// The line with every key replaced; `None` if it grows past [`MAX_EXPANDED_LINE`].
    fn replace(&self, line: &str) -> Option<String> {
        if self.values.is_empty() {
            return Some(line.to_string());
        }
        let b = line.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let best = self
                .key_lengths
                .iter()
                .filter(|&&n| i + n <= b.len())
                .filter_map(|&n| self.index.get(&b[i..i + n]).map(|&k| (k, n)))
                .min();
            match best {
                Some((k, n)) => {
                    out.extend_from_slice(self.values[k].as_bytes());
                    i += n;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
            if out.len() > MAX_EXPANDED_LINE {
                return None;
            }
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }
}

/// Merges adjacent pieces of one file and moves the main binary first (pprof's
/// `massageMappings`). Legacy locations have no mapping yet, so none needs updating.
pub(super) fn massage_mappings(mappings: &mut Vec<Mapping>) {
    if mappings.len() > 1 {
        let mut merged: Vec<Mapping> = Vec::with_capacity(mappings.len());
        for m in mappings.drain(..) {
            match merged.last_mut() {
                Some(lm) if adjacent(lm, &m) => {
                    lm.memory_limit = m.memory_limit;
                    if !m.filename.is_empty() {
                        lm.filename = m.filename;
                    }
                    if !m.build_id.is_empty() {
                        lm.build_id = m.build_id;
                    }
                }
                _ => merged.push(m),
            }
        }
        *mappings = merged;
    }
    let main = mappings.iter().position(|m| {
        let file = m.filename.replace("(deleted)", "");
        let file = super::trim_space(&file);
        !file.is_empty() && !LIB_RE.is_match(file) && !file.starts_with('[')
    });
    if let Some(i) = main {
        mappings.swap(0, i);
    }
    for (i, m) in mappings.iter_mut().enumerate() {
        m.id = MappingId(i as u64 + 1);
    }
}

/// pprof's `adjacent`: `m2` continues `m1` in the same file.
fn adjacent(m1: &Mapping, m2: &Mapping) -> bool {
    if !m1.filename.is_empty() && !m2.filename.is_empty() && m1.filename != m2.filename {
        return false;
    }
    if !m1.build_id.is_empty() && !m2.build_id.is_empty() && m1.build_id != m2.build_id {
        return false;
    }
    if m1.memory_limit != m2.memory_start {
        return false;
    }
    if m1.file_offset != 0 && m2.file_offset != 0 {
        let offset = m1
            .file_offset
            .wrapping_add(m1.memory_limit.wrapping_sub(m1.memory_start));
        if offset != m2.file_offset {
            return false;
        }
    }
    true
}

/// Gives each location the mapping holding its address, or a fake mapping over the whole
/// address space, after pprof's heuristics for mis-set main mappings (`remapMappingIDs`).
pub(super) fn remap_mapping_ids(p: &mut Profile) {
    let maps = &mut p.mapping;
    if maps.len() > 1
        && maps[0].filename.starts_with("/anon_hugepage")
        && maps[0].memory_limit == maps[1].memory_start
    {
        maps.remove(0);
    }
    // The main binary usually starts at 0x400000; one that seems to start later by exactly its
    // offset was remapped, and is put back.
    const EXPECTED_START: u64 = 0x400000;
    if let Some(m) = maps.first_mut() {
        if m.memory_start.wrapping_sub(m.file_offset) == EXPECTED_START {
            m.memory_start = EXPECTED_START;
            m.file_offset = 0;
        }
    }
    let mut fake = None;
    let mut chosen = Vec::with_capacity(p.location.len());
    for l in &p.location {
        let a = l.address;
        if l.mapping_id.is_some() || a == 0 {
            chosen.push(None);
            continue;
        }
        chosen.push(Some(mapping_for(maps, a, &mut fake)));
    }
    for (i, m) in maps.iter_mut().enumerate() {
        m.id = MappingId(i as u64 + 1);
    }
    for (l, m) in p.location.iter_mut().zip(chosen) {
        if let Some(i) = m {
            l.mapping_id = Some(MappingId(i as u64 + 1));
        }
    }
}

/// The index of the mapping for address `a`, widening a mapping or adding the fake one.
fn mapping_for(maps: &mut Vec<Mapping>, a: u64, fake: &mut Option<usize>) -> usize {
    if let Some(i) = maps
        .iter()
        .position(|m| m.memory_start <= a && a < m.memory_limit)
    {
        return i;
    }
    // Legacy handlers failed to write the first part of mappings split in adjacent ranges.
    if let Some(i) = maps.iter().position(|m| {
        m.file_offset != 0 && m.memory_start.wrapping_sub(m.file_offset) <= a && a < m.memory_start
    }) {
        let m = &mut maps[i];
        m.memory_start = m.memory_start.wrapping_sub(m.file_offset);
        m.file_offset = 0;
        return i;
    }
    *fake.get_or_insert_with(|| {
        maps.push(Mapping {
            memory_limit: u64::MAX,
            ..Mapping::default()
        });
        maps.len() - 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps(text: &str) -> Vec<Mapping> {
        parse_proc_maps(&mut Scanner::new(text.as_bytes()), "test").unwrap()
    }

    #[test]
    fn proc_maps_lines_keep_executable_mappings_only() {
        let m = maps(
            "00400000-00452000 r-xp 00000000 08:02 173521 /bin/prog\n\
             00651000-00652000 rw-p 00051000 08:02 173521 /bin/prog\n",
        );
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].memory_start, m[0].memory_limit), (0x400000, 0x452000));
        assert_eq!(m[0].filename, "/bin/prog");
    }

    #[test]
    fn brief_lines_take_offsets_build_ids_and_attributes() {
        let m = maps("dir=/lib\n0x1000-0x2000 $dir/a.so (@200) abc123\n");
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].filename.as_str(), m[0].build_id.as_str()),
            ("/lib/a.so", "abc123")
        );
        assert_eq!(m[0].file_offset, 0x200);
    }

    #[test]
    fn the_first_added_attribute_wins() {
        let mut r = Replacer::default();
        r.add("$a".into(), "1");
        r.add("$ab".into(), "2");
        r.add("$a".into(), "3");
        assert_eq!(r.replace("x$ab$a$").as_deref(), Some("x1b1$"));
    }

    #[test]
    fn adjacent_pieces_merge_and_the_main_binary_goes_first() {
        let mut m = maps(
            "0x1000-0x2000 /lib/libc.so.6\n0x400000-0x401000 /bin/p\n0x401000-0x402000 /bin/p\n",
        );
        massage_mappings(&mut m);
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].filename.as_str(), m[0].memory_limit),
            ("/bin/p", 0x402000)
        );
        assert_eq!((m[0].id, m[1].id), (MappingId(1), MappingId(2)));
    }
}
