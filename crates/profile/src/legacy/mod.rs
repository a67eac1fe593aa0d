//! Go's legacy profile formats: the text `/debug/pprof/<name>?debug=1` writes, and the old
//! binary CPU format.
//!
//! `go tool pprof` reads these through google/pprof's `legacy_profile.go`; this module does the
//! same, parser by parser, in the order pprof tries them (`parseLegacy`): binary CPU, heap,
//! goroutine/threadcreate counts, threadz, contention. A parser that does not recognize its
//! header says so ([`Failure::Unrecognized`]) and the next one is tried; a parser that
//! recognizes its header but then meets a bad line stops the search with an error naming the
//! line, as pprof stops with its error.
//!
//! Design note: pprof's parsers link `*Location`s by pointer and renumber at the end
//! (`remapLocationIDs`, `remapMappingIDs`). Here a [`Stacks`] interns addresses into
//! provisional ids, and [`finish`] renumbers them in order of first use, exactly as pprof does,
//! after reading the optional `--- Memory map: ---` section ([`maps`]).
//!
//! Text is read line by line as Go's `bufio.Scanner` reads it ([`scan::Scanner`]): a line longer
//! than 64 KiB is an error, as it is for Go, which also bounds what one line can cost.

mod contention;
mod count;
mod cpu;
mod heap;
mod maps;
mod scan;
mod thread;

use std::collections::HashMap;

use crate::error::Error;
use crate::model::*;

/// Why a legacy parser gave no profile.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input is not in this parser's format (pprof's `errUnrecognized`).
    Unrecognized,
    /// The input is in this parser's format but broken.
    Bad(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Bad(e)
    }
}

/// A parser's result.
type Parsed = Result<Profile, Failure>;

/// Parses `data` as one of Go's legacy profiles, trying pprof's parsers in pprof's order.
///
/// Returns [`Failure::Unrecognized`] when no parser recognizes the input.
pub(crate) fn parse(data: &[u8]) -> Parsed {
    let parsers: [fn(&[u8]) -> Parsed; 5] = [
        cpu::parse,
        heap::parse,
        count::parse,
        thread::parse,
        contention::parse,
    ];
    for parser in parsers {
        match parser(data) {
            Ok(mut p) => {
                add_legacy_frame_info(&mut p);
                p.check_valid()?;
                return Ok(p);
            }
            Err(Failure::Unrecognized) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Failure::Unrecognized)
}

/// A malformed-input error at line `line` (1-based) starting at byte `offset`.
fn bad_line(kind: &str, offset: usize, line: usize, what: impl Into<String>) -> Failure {
    Failure::Bad(Error::Malformed {
        offset,
        path: format!("legacy {kind} profile, line {line}"),
        what: what.into(),
    })
}

/// The scanner's error, if a line was too long, as a failure of a `kind` profile.
fn check_scan(kind: &str, s: &scan::Scanner<'_>) -> Result<(), Failure> {
    match s.err() {
        Some((line, offset)) => Err(bad_line(
            kind,
            offset,
            line,
            "line longer than 64 KiB (Go's bufio.Scanner: token too long)",
        )),
        None => Ok(()),
    }
}

/// True for a blank line or a `#` comment (pprof's `isSpaceOrComment`).
fn is_space_or_comment(line: &str) -> bool {
    let t = trim_space(line);
    t.is_empty() || t.starts_with('#')
}

/// Go's `strings.TrimSpace`: Unicode white space at both ends.
fn trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{85}' || c == '\u{a0}')
}

/// The sentinels before a memory map (pprof's `memoryMapSentinels`).
fn is_memory_map_sentinel(line: &str) -> bool {
    line.contains("--- Memory map: ---") || line.contains("MAPPED_LIBRARIES:")
}

/// Go's `strconv.ParseInt(s, 0, 64)`: a sign, then `0x`, `0o`, `0b` or a bare `0` (octal)
/// choose the base, and `_` may separate digits.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || !underscores_ok(body) {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = match lower.as_bytes() {
        [b'0', b'x', _, ..] => (16, &lower[2..]),
        [b'0', b'o', _, ..] => (8, &lower[2..]),
        [b'0', b'b', _, ..] => (2, &lower[2..]),
        [b'0', ..] => (8, &lower[1..]),
        _ => (10, &lower[..]),
    };
    let mut n: u64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    if neg {
        0i64.checked_sub_unsigned(n)
    } else {
        i64::try_from(n).ok()
    }
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Every `0x[0-9a-f]+` in `s` as a number (pprof's `parseHexAddresses`); `Err` names a number
/// too large for 64 bits.
fn parse_hex_addresses(s: &str) -> Result<Vec<u64>, String> {
    let mut addrs = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() + 1 {
        if b[i] == b'0' && b.get(i + 1) == Some(&b'x') {
            let start = i + 2;
            let mut end = start;
            while end < b.len() && matches!(b[end], b'0'..=b'9' | b'a'..=b'f') {
                end += 1;
            }
            if end > start {
                let digits = &s[start..end];
                let addr = u64::from_str_radix(digits, 16)
                    .map_err(|_| format!("failed to parse as hex 64-bit number: 0x{digits}"))?;
                addrs.push(addr);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok(addrs)
}

/// Locations interned by address, with provisional ids in order of creation.
#[derive(Default)]
struct Stacks {
    by_addr: HashMap<u64, LocationId>,
    location: Vec<Location>,
}

impl Stacks {
    /// The location for `addr`, created on first use.
    fn intern(&mut self, addr: u64) -> LocationId {
        *self.by_addr.entry(addr).or_insert_with(|| {
            let id = LocationId(self.location.len() as u64 + 1);
            self.location.push(Location {
                id,
                address: addr,
                ..Location::default()
            });
            id
        })
    }

    /// A stack of addresses as location ids; every address but the leaf (when `keep_leaf`)
    /// is moved back by one, onto its call instruction, as pprof does.
    fn stack(&mut self, addrs: &[u64], keep_leaf: bool) -> Vec<LocationId> {
        let adjust = |(i, a): (usize, &u64)| {
            if keep_leaf && i == 0 {
                *a
            } else {
                a.wrapping_sub(1)
            }
        };
        addrs
            .iter()
            .enumerate()
            .map(adjust)
            .map(|a| self.intern(a))
            .collect()
    }
}

/// Attaches the mappings read from the memory map, and renumbers locations and mappings as
/// pprof's `ParseMemoryMapFromScanner` does.
fn finish(p: &mut Profile, stacks: Stacks, mappings: Vec<Mapping>) {
    p.location = stacks.location;
    p.mapping.extend(mappings);
    maps::massage_mappings(&mut p.mapping);
    remap_location_ids(p);
    maps::remap_mapping_ids(p);
}

/// Drops a leaf's caller that repeats the leaf moved back by one: a profiler that took the
/// leaf both from the signal context and from unwinding (pprof's
/// `cleanupDuplicateLocations`). The location stays in the table, as in pprof.
fn cleanup_duplicate_locations(p: &mut Profile) {
    let address = |id: LocationId, p: &Profile| {
        let i = (id.0 as usize).checked_sub(1)?;
        p.location.get(i).map(|l| l.address)
    };
    for i in 0..p.sample.len() {
        let s = &p.sample[i];
        if s.location.len() < 2 {
            continue;
        }
        let (leaf, caller) = (address(s.location[0], p), address(s.location[1], p));
        if let (Some(leaf), Some(caller)) = (leaf, caller) {
            if leaf == caller.wrapping_add(1) {
                p.sample[i].location.remove(1);
            }
        }
    }
}

/// Keeps only the locations samples use, numbered in order of first use
/// (pprof's `remapLocationIDs`).
fn remap_location_ids(p: &mut Profile) {
    let mut old: Vec<Option<Location>> = std::mem::take(&mut p.location)
        .into_iter()
        .map(Some)
        .collect();
    let mut new_id: HashMap<LocationId, LocationId> = HashMap::new();
    for s in &mut p.sample {
        for l in &mut s.location {
            let id = match new_id.get(l) {
                Some(id) => *id,
                None => {
                    let id = LocationId(p.location.len() as u64 + 1);
                    let slot = (l.0 as usize).checked_sub(1).and_then(|i| old.get_mut(i));
                    if let Some(mut loc) = slot.and_then(Option::take) {
                        loc.id = id;
                        p.location.push(loc);
                    }
                    new_id.insert(*l, id);
                    id
                }
            };
            *l = id;
        }
    }
}

/// pprof's `addLegacyFrameInfo`: the frames a legacy profile's producer adds, to drop.
fn add_legacy_frame_info(p: &mut Profile) {
    let kinds: Vec<&str> = p.sample_type.iter().map(|t| t.kind.as_str()).collect();
    let heapz: [&[&str]; 5] = [
        &["allocations", "size"],
        &["objects", "space"],
        &["inuse_objects", "inuse_space"],
        &["alloc_objects", "alloc_space"],
        &[
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ],
    ];
    if heapz.contains(&kinds.as_slice()) {
        p.drop_frames = ALLOC_RX.join("|");
        p.keep_frames = ALLOC_SKIP_RX.join("|");
    } else if kinds == ["contentions", "delay"] {
        p.drop_frames = LOCK_RX.join("|");
        p.keep_frames = String::new();
    } else {
        p.drop_frames = CPU_PROFILER_RX.join("|");
        p.keep_frames = String::new();
    }
}

/// Allocator frames (pprof's `allocRxStr`).
const ALLOC_RX: &[&str] = &[
    // POSIX entry points.
    "calloc",
    "cfree",
    "malloc",
    "free",
    "memalign",
    "do_memalign",
    "(__)?posix_memalign",
    "pvalloc",
    "valloc",
    "realloc",
    // TC malloc.
    "tcmalloc::.*",
    "tc_calloc",
    "tc_cfree",
    "tc_malloc",
    "tc_free",
    "tc_memalign",
    "tc_posix_memalign",
    "tc_pvalloc",
    "tc_valloc",
    "tc_realloc",
    "tc_new",
    "tc_delete",
    "tc_newarray",
    "tc_deletearray",
    "tc_new_nothrow",
    "tc_newarray_nothrow",
    // Memory-allocation routines on OS X.
    "malloc_zone_malloc",
    "malloc_zone_calloc",
    "malloc_zone_valloc",
    "malloc_zone_realloc",
    "malloc_zone_memalign",
    "malloc_zone_free",
    // Go runtime.
    r"runtime\..*",
    // Other misc. memory allocation routines.
    "BaseArena::.*",
    "(::)?do_malloc_no_errno",
    "(::)?do_malloc_pages",
    "(::)?do_malloc",
    "DoSampledAllocation",
    "MallocedMemBlock::MallocedMemBlock",
    "_M_allocate",
    "__builtin_(vec_)?delete",
    "__builtin_(vec_)?new",
    "__gnu_cxx::new_allocator::allocate",
    "__libc_malloc",
    "__malloc_alloc_template::allocate",
    "allocate",
    "cpp_alloc",
    r"operator new(\[\])?",
    "simple_alloc::allocate",
];

/// Go runtime frames kept in the middle of a heap stack (pprof's `allocSkipRxStr`).
const ALLOC_SKIP_RX: &[&str] = &[
    r"runtime\.panic",
    r"runtime\.reflectcall",
    r"runtime\.call[0-9]*",
];

/// Frames of the C++ CPU profiler's signal handler (pprof's `cpuProfilerRxStr`).
const CPU_PROFILER_RX: &[&str] = &[
    "ProfileData::Add",
    "ProfileData::prof_handler",
    "CpuProfiler::prof_handler",
    "__pthread_sighandler",
    "__restore",
];

/// Lock-implementation frames (pprof's `lockRxStr`).
const LOCK_RX: &[&str] = &[
    "RecordLockProfileData",
    "(base::)?RecordLockProfileData.*",
    "(base::)?SubmitMutexProfileData.*",
    "(base::)?SubmitSpinLockProfileData.*",
    "(base::Mutex::)?AwaitCommon.*",
    "(base::Mutex::)?Unlock.*",
    "(base::Mutex::)?UnlockSlow.*",
    "(base::Mutex::)?ReaderUnlock.*",
    "(base::MutexLock::)?~MutexLock.*",
    "(Mutex::)?AwaitCommon.*",
    "(Mutex::)?Unlock.*",
    "(Mutex::)?UnlockSlow.*",
    "(Mutex::)?ReaderUnlock.*",
    "(MutexLock::)?~MutexLock.*",
    "(SpinLock::)?Unlock.*",
    "(SpinLock::)?SlowUnlock.*",
    "(SpinLockHolder::)?~SpinLockHolder.*",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_addresses_are_found_anywhere_and_overflow_is_an_error() {
        assert_eq!(parse_hex_addresses(" 0x10 x0x2 0xg 0x"), Ok(vec![16, 2]));
        assert!(parse_hex_addresses("0x10000000000000000").is_err());
    }

    #[test]
    fn integers_read_as_go_reads_them_with_base_zero() {
        let cases = [
            ("10", Some(10)),
            ("010", Some(8)),
            ("09", None),
            ("0", Some(0)),
            ("0x1F", Some(31)),
            ("0x", None),
            ("-0b11", Some(-3)),
            ("1_000", Some(1000)),
            ("1__0", None),
            ("_1", None),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_go_int(s), want, "{s:?}");
        }
    }

    #[test]
    fn text_that_is_no_profile_is_unrecognized() {
        let readme = b"# Sextant\n\nA Rust toolchain.\n";
        assert!(matches!(parse(readme), Err(Failure::Unrecognized)));
    }
}
