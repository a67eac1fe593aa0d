//! The frames of `Symbolizer` against those of the `addr2line` crate, the reference its DWARF
//! reader replaces, on the addresses of a real binary: this test executable.

use std::collections::BTreeSet;
use std::path::Path;

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
use sextant_symbolize::{Frame, Symbolizer, demangle};

/// What the symbolizer answered before its DWARF reader was replaced: `addr2line`'s frames,
/// innermost first, the symbol table's name on the outermost frame.
fn reference(loader: &addr2line::Loader, symbols: &Symbols, svma: u64) -> Vec<Frame> {
    let mut out = Vec::new();
    if let Ok(mut iter) = loader.find_frames(svma) {
        while let Ok(Some(f)) = iter.next() {
            let system_name = f
                .function
                .as_ref()
                .and_then(|n| n.raw_name().ok())
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let (file, line, column) = f.location.map_or((String::new(), 0, 0), |l| {
                (
                    l.file.unwrap_or_default().to_string(),
                    l.line.unwrap_or(0),
                    l.column.unwrap_or(0),
                )
            });
            out.push(Frame {
                function: demangle(&system_name),
                system_name,
                file,
                line,
                column,
            });
        }
    }
    if let Some(sym) = symbols.lookup(svma) {
        match out.last_mut() {
            Some(last) => {
                last.function = demangle(sym);
                last.system_name = sym.to_string();
            }
            None => out.push(Frame {
                function: demangle(sym),
                system_name: sym.to_string(),
                ..Frame::default()
            }),
        }
    }
    out
}

/// The function symbols of the binary, as `ElfFile::symbol_table` keeps them.
struct Symbols(Vec<(u64, u64, String)>);

impl Symbols {
    fn read(obj: &object::File<'_>) -> Symbols {
        let mut syms: Vec<(u64, u64, String)> = obj
            .symbols()
            .chain(obj.dynamic_symbols())
            .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0)
            .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
            .filter(|(_, _, n)| !n.is_empty())
            .collect();
        syms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        syms.dedup_by_key(|s| s.0);
        Symbols(syms)
    }

    fn lookup(&self, svma: u64) -> Option<&str> {
        let i = self.0.partition_point(|s| s.0 <= svma).checked_sub(1)?;
        let (start, size, name) = &self.0[i];
        (*size == 0 || svma < start + size).then_some(name.as_str())
    }
}

/// Addresses to check: each function symbol's first, middle and last byte, and the start of
/// every line-table row of `.text` (where inlined code begins and ends), plus one byte in.
fn addresses(obj: &object::File<'_>, symbols: &Symbols, loader: &addr2line::Loader) -> Vec<u64> {
    let mut set = BTreeSet::new();
    for (start, size, _) in &symbols.0 {
        set.insert(*start);
        if *size > 0 {
            set.insert(start + size / 2);
            set.insert(start + size - 1);
        }
    }
    let text = obj.section_by_name(".text").expect("a .text section");
    let rows = loader
        .find_location_range(text.address(), text.address() + text.size())
        .expect("line rows of .text");
    for (addr, len, _) in rows {
        set.insert(addr);
        if len > 1 {
            set.insert(addr + 1);
        }
    }
    // An even sample, so that the test stays quick in a debug build.
    let step = set.len().div_ceil(MAX_ADDRESSES);
    set.into_iter().step_by(step).collect()
}

/// At most this many addresses are compared.
const MAX_ADDRESSES: usize = 12_000;

#[test]
fn frames_match_addr2line() {
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let data = std::fs::read(&exe).unwrap();
    let obj = object::File::parse(&*data).unwrap();
    let symbols = Symbols::read(&obj);
    let loader = addr2line::Loader::new(&exe).unwrap();
    let addrs = addresses(&obj, &symbols, &loader);
    assert!(
        addrs.len() > MAX_ADDRESSES / 2,
        "only {} addresses",
        addrs.len()
    );

    // A shuffled order (a fixed multiplicative permutation) so that units and functions are
    // entered in an order unlike the file's, as a profile's addresses come.
    let n = addrs.len();
    let order = (0..n).map(|i| (i * 7919 + 13) % n);
    let mut ours = Symbolizer::new();
    let (mut inlined, mut with_lines, mut mismatches) = (0, 0, Vec::new());
    for i in order {
        let svma = addrs[i];
        let want = reference(&loader, &symbols, svma);
        let got = ours.symbolize(Path::new(&exe), svma);
        if got != want {
            mismatches.push((svma, want, got));
            continue;
        }
        inlined += usize::from(want.len() > 1);
        with_lines += usize::from(want.iter().any(|f| f.line > 0));
    }
    assert!(
        mismatches.is_empty(),
        "{} of {n} addresses differ, first: {:#x?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(3)]
    );
    // The comparison covered what it is meant to cover.
    assert!(
        inlined > n / 20,
        "only {inlined} of {n} addresses in inlined code"
    );
    assert!(
        with_lines > n / 2,
        "only {with_lines} of {n} addresses with lines"
    );
}

#[test]
fn pages_released_and_lookups_still_answer() {
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let data = std::fs::read(&exe).unwrap();
    let obj = object::File::parse(&*data).unwrap();
    let symbols = Symbols::read(&obj);
    let loader = addr2line::Loader::new(&exe).unwrap();
    let here = pages_released_and_lookups_still_answer as *const () as u64;
    let m = sextant_symbolize::loaded_modules()
        .unwrap()
        .into_iter()
        .find(|m| m.contains(here))
        .unwrap();
    let svma = m.svma(here);
    let mut ours = Symbolizer::new();
    let first = ours.symbolize(&exe, svma);
    ours.release_pages();
    let again = ours.symbolize(&exe, svma);
    assert_eq!(first, reference(&loader, &symbols, svma));
    assert_eq!(again, first);
    assert!(
        first
            .last()
            .unwrap()
            .file
            .ends_with("tests/dwarf_reference.rs")
    );
}

#[test]
fn a_symbolizer_can_be_kept_in_a_static() {
    // sextant keeps the last symbolizer in a `static Mutex` between profiles.
    fn send<T: Send + 'static>() {}
    send::<Symbolizer>();
}

/// Runs `cmd`, or `None` when the tool is missing outside CI (the house pattern for tests that
/// need installed tools: in CI a missing tool fails the test).
fn run_tool(cmd: &mut std::process::Command) -> Option<()> {
    match cmd.output() {
        Ok(out) if out.status.success() => Some(()),
        Ok(out) => panic!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: {cmd:?}: {e}");
            None
        }
        Err(e) => panic!("{cmd:?}: {e} (CI needs gcc and binutils)"),
    }
}

/// A unit that `.debug_aranges` leaves out (as clang leaves C units without
/// `-gdwarf-aranges`) still gives its lines: gcc compiles two C files with DWARF, objcopy drops
/// one object's `.debug_aranges`, and the linked program's function from that object must read
/// its file and line as `addr2line` reads them from the unit's own ranges.
#[test]
fn a_unit_missing_from_debug_aranges_still_gives_lines() {
    let dir = std::env::temp_dir().join(format!("sextant-aranges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("left_out.c"),
        "int left_out(int x) {\n  int y = x * 3;\n  return y + 1;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.c"),
        "int left_out(int x);\nint main(int argc, char **argv) {\n  return left_out(argc);\n}\n",
    )
    .unwrap();
    let gcc = |args: &[&str]| {
        run_tool(
            std::process::Command::new("gcc")
                .current_dir(&dir)
                .args(["-g", "-O0", "-fno-inline"])
                .args(args),
        )
    };
    if gcc(&["-c", "left_out.c", "-o", "left_out.o"]).is_none() {
        return;
    }
    run_tool(
        std::process::Command::new("objcopy")
            .current_dir(&dir)
            .args(["--remove-section=.debug_aranges", "left_out.o"]),
    )
    .expect("objcopy");
    gcc(&["-c", "main.c", "-o", "main.o"]).unwrap();
    gcc(&["main.o", "left_out.o", "-o", "prog"]).unwrap();
    let exe = dir.join("prog");

    let data = std::fs::read(&exe).unwrap();
    let obj = object::File::parse(&*data).unwrap();
    let symbols = Symbols::read(&obj);
    let (start, size) = symbols
        .0
        .iter()
        .find(|s| s.2 == "left_out")
        .map(|s| (s.0, s.1))
        .expect("left_out in the symbol table");
    let loader = addr2line::Loader::new(&exe).unwrap();
    let mut ours = Symbolizer::new();
    // main's unit is in .debug_aranges, so the index is built from it and left_out's unit is
    // found only by the fallback; ask main first so the index exists before left_out is asked.
    let main = symbols.0.iter().find(|s| s.2 == "main").unwrap().0;
    let got_main = ours.symbolize(&exe, main + 4);
    assert_eq!(got_main, reference(&loader, &symbols, main + 4));
    assert!(got_main[0].file.ends_with("main.c"), "{got_main:?}");
    for svma in [start, start + size / 2, start + size - 1] {
        let got = ours.symbolize(&exe, svma);
        assert_eq!(got, reference(&loader, &symbols, svma), "at {svma:#x}");
        assert!(
            got.len() == 1 && got[0].file.ends_with("left_out.c") && (1..=4).contains(&got[0].line),
            "left_out at {svma:#x}: {got:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
