//! `sextant pprof -disasm` and the web UI's Disassemble view, on a real binary: the `sextant`
//! executable under test.
//!
//! The profile is made here: a mapping that loads the binary's code segment at a chosen base,
//! as a PIE is loaded, and samples at chosen instructions of one of its functions (one in the
//! middle of an instruction). The report must put each sample's value on its instruction, in
//! go tool pprof's layout, with the instruction text objdump prints. Needs GNU binutils (`nm`,
//! `objdump`): without them the test is skipped with a note, and fails under CI=1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use sextant_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// Where the test pretends the binary was loaded (page-aligned, as the kernel loads a PIE).
const LOAD: u64 = 0x5555_0000_0000;
/// Functions of the sextant binary to disassemble; the first one present is used.
const CANDIDATES: &[&str] = &[
    "sextant_report::measurement::percentage",
    "sextant_report::measurement::scaled_label",
    "sextant_report::report::Report::format_value",
];

fn have_binutils() -> bool {
    let ok = ["nm", "objdump"].iter().all(|t| {
        Command::new(t)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "GNU binutils (nm, objdump) are not installed"
    );
    ok
}

fn stdout_of(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect(cmd);
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The executable `LOAD` segment of `bin`: (file offset, address, size), from `objdump -p`.
fn code_segment(bin: &str) -> (u64, u64, u64) {
    let headers = stdout_of("objdump", &["-p", bin]);
    let lines: Vec<&str> = headers.lines().collect();
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
    for pair in lines.windows(2) {
        let (a, b) = (pair[0].split_whitespace().collect::<Vec<_>>(), pair[1]);
        if a.first() == Some(&"LOAD") && b.contains("flags r-x") {
            let filesz = b.split_whitespace().nth(1).unwrap();
            return (hex(a[2]), hex(a[4]), hex(filesz));
        }
    }
    panic!("no executable LOAD segment in {bin}");
}

/// The first candidate function in `bin`: its name and address range.
fn function(bin: &str) -> (String, u64, u64) {
    let nm = stdout_of("nm", &["-n", "--demangle", bin]);
    let syms: Vec<(u64, &str)> = nm
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ' ');
            let addr = u64::from_str_radix(f.next()?, 16).ok()?;
            Some((addr, f.nth(1)?))
        })
        .collect();
    for want in CANDIDATES {
        if let Some(i) = syms.iter().position(|(_, n)| n == want) {
            let end = syms[i + 1..]
                .iter()
                .find(|(a, _)| *a > syms[i].0)
                .unwrap()
                .0;
            return (want.to_string(), syms[i].0, end);
        }
    }
    panic!("none of {CANDIDATES:?} in {bin}");
}

/// The instructions objdump prints for `start..end`: (address, text).
fn instructions(bin: &str, start: u64, end: u64) -> Vec<(u64, String)> {
    let asm = stdout_of(
        "objdump",
        &[
            "--disassemble",
            "--demangle",
            "--no-show-raw-insn",
            &format!("--start-address={start:#x}"),
            &format!("--stop-address={end:#x}"),
            bin,
        ],
    );
    asm.lines()
        .filter_map(|l| {
            let (addr, text) = l.trim().split_once(":\t")?;
            Some((u64::from_str_radix(addr, 16).ok()?, text.trim().to_string()))
        })
        .collect()
}

/// A CPU profile of `bin` with 30ms on instruction `a` and 20ms one byte into instruction `b`.
fn profile(bin: &str, name: &str, a: u64, b: u64, build_id: &str) -> Profile {
    let (offset, vaddr, size) = code_segment(bin);
    let page = |x: u64| x & !0xfff;
    let loc = |id, addr| Location {
        id: LocationId(id),
        mapping_id: Some(MappingId(1)),
        address: LOAD + addr,
        line: vec![Line {
            function_id: Some(FunctionId(1)),
            line: 7,
            column: 0,
        }],
        is_folded: false,
    };
    let sample = |loc, ms: i64| Sample {
        location: vec![LocationId(loc)],
        value: vec![ms / 10, ms * 1_000_000],
        label: vec![],
    };
    Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        period: 10_000_000,
        mapping: vec![Mapping {
            id: MappingId(1),
            memory_start: LOAD + page(vaddr),
            memory_limit: LOAD + vaddr + size,
            file_offset: page(offset),
            filename: bin.to_string(),
            build_id: build_id.to_string(),
            has_functions: true,
            ..Default::default()
        }],
        function: vec![Function {
            id: FunctionId(1),
            name: name.to_string(),
            filename: "measurement.rs".into(),
            ..Default::default()
        }],
        location: vec![loc(1, a), loc(2, b + 1)],
        sample: vec![sample(1, 30), sample(2, 20)],
        ..Profile::default()
    }
}

/// An instruction's address and its text as objdump prints it.
type Instruction = (u64, String);

/// The binary under test, the function of it the tests sample (name, start, end) and that
/// function's instructions; `None`, with a note that `what` is skipped, without binutils.
fn target(what: &str) -> Option<(&'static str, String, u64, u64, Vec<Instruction>)> {
    if !have_binutils() {
        println!("note: GNU binutils are not installed; skipping {what}");
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_sextant");
    let (name, start, end) = function(bin);
    let insts = instructions(bin, start, end);
    Some((bin, name, start, end, insts))
}

/// Runs `sextant pprof -FLAG=<name quoted as a regexp> PROFILE`, then removes the profile.
fn pprof_on(bin: &str, flag: &str, name: &str, profile: &std::path::Path) -> std::process::Output {
    let out = Command::new(bin)
        .args(["pprof", &format!("-{flag}={}", regex_quote(name))])
        .arg(profile)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(profile);
    out
}

fn write_profile(p: &Profile, tag: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("sextant-disasm-{}-{tag}.pb.gz", std::process::id()));
    let mut out = Vec::new();
    p.write(&mut out).unwrap();
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn disasm_puts_each_sample_on_its_instruction() {
    let Some((bin, name, _, _, insts)) = target("-disasm") else {
        return;
    };
    assert!(insts.len() >= 3, "{name} is too short");
    let (a, b) = (insts[0].0, insts[2].0);
    let path = write_profile(&profile(bin, &name, a, b, ""), "ok");
    let out = pprof_on(bin, "disasm", &name, &path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Total: 50ms");
    assert_eq!(lines[1], format!("ROUTINE ======================== {name}"));
    assert_eq!(
        lines[2],
        "      50ms       50ms (flat, cum)   100% of Total"
    );
    // One line per instruction (long ones have their position on a line of their own).
    let rows: Vec<&str> = lines[3..]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("   ".repeat(24).as_str()))
        .collect();
    assert_eq!(rows.len(), insts.len());
    for (row, (addr, inst)) in rows.iter().zip(&insts) {
        let values = match *addr {
            x if x == a => "      30ms       30ms",
            x if x == b => "      20ms       20ms",
            _ => "         .          .",
        };
        let head = format!("{values} {addr:>10x}: {inst}");
        assert!(
            row.starts_with(&head),
            "{row:?} does not start with {head:?}"
        );
    }
    // The first instruction names its function and line, from the binary's debug information.
    assert!(
        rows[0].contains(&format!(";{name} measurement.rs:")),
        "{}",
        rows[0]
    );
}

#[test]
fn disasm_refuses_a_binary_whose_build_id_differs() {
    let Some((bin, name, _, _, insts)) = target("-disasm") else {
        return;
    };
    let p = profile(bin, &name, insts[0].0, insts[1].0, "0123456789abcdef");
    let path = write_profile(&p, "mismatch");
    let out = pprof_on(bin, "disasm", &name, &path);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("does not match the profile's 0123456789abcdef"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no matches found for regexp"));
}

#[test]
fn web_disassemble_and_source_views_show_the_instructions() {
    let Some((bin, name, start, end, insts)) = target("/ui/disasm") else {
        return;
    };
    let (file, line) = position(bin, start, end, insts[0].0);
    let mut p = profile(bin, &name, insts[0].0, insts[2].0, "");
    p.function[0].filename = file;
    for l in &mut p.location {
        l.line[0].line = line;
    }
    let path = write_profile(&p, "web");
    let mut child = Command::new(bin)
        .args(["pprof", "-http=127.0.0.1:0", "-no_browser"])
        .arg(&path)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port: u16 = first
        .trim()
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    let get = |path: &str| {
        let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(conn, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        response
    };
    let f = regex_quote(&name).replace('\\', "%5C");
    let disasm = get(&format!("/ui/disasm?f={f}"));
    let source = get(&format!("/ui/source?f={f}"));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&path);
    for r in [&disasm, &source] {
        assert!(
            r.starts_with("HTTP/1.1 200 OK"),
            "{}",
            &r[..200.min(r.len())]
        );
    }
    assert!(disasm.contains(&format!("ROUTINE ======================== {name}")));
    let first_inst = format!("      30ms       30ms {:>10x}: ", insts[0].0);
    assert!(disasm.contains(&first_inst));
    // The Source view: the sampled line, with its instructions under it.
    let row = format!("<span class=\"line live has-asm\">      50ms       50ms {line:>6}:");
    let at = source
        .find(&row)
        .unwrap_or_else(|| panic!("no row {row:?}"));
    assert!(source[at..].contains(&first_inst));
}

/// The source position (file, line) the debug information gives the instruction at `addr`.
fn position(bin: &str, start: u64, end: u64, addr: u64) -> (String, i64) {
    let asm = stdout_of(
        "objdump",
        &[
            "--disassemble",
            "--line-numbers",
            "--no-show-raw-insn",
            &format!("--start-address={start:#x}"),
            &format!("--stop-address={end:#x}"),
            bin,
        ],
    );
    let mut pos = (String::new(), 0);
    for l in asm.lines() {
        if let Some((file, line)) = l.rsplit_once(':')
            && file.starts_with('/')
            && let Ok(n) = line.trim().parse()
        {
            pos = (file.to_string(), n);
        }
        if l.trim()
            .split_once(":\t")
            .map(|(a, _)| u64::from_str_radix(a, 16))
            == Some(Ok(addr))
        {
            return pos;
        }
    }
    panic!("no instruction at {addr:#x}");
}

#[test]
fn weblist_opens_each_sampled_line_onto_its_instructions() {
    let Some((bin, name, start, end, insts)) = target("-weblist") else {
        return;
    };
    let a = insts[0].0;
    let (file, line) = position(bin, start, end, a);
    assert!(
        std::path::Path::new(&file).exists(),
        "{file} (the source) is not on disk"
    );
    let mut p = profile(bin, &name, a, insts[2].0, "");
    // The samples carry the binary's own source positions, as a symbolized profile does.
    p.function[0].filename = file.clone();
    for l in &mut p.location {
        l.line[0].line = line;
    }
    let path = write_profile(&p, "weblist");
    let out = pprof_on(bin, "weblist", &name, &path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Both samples sit on one source line: 50ms there, 30ms of it on the first instruction.
    let row = format!("<span class=\"line live has-asm\">      50ms       50ms {line:>6}:");
    let at = html
        .find(&row)
        .unwrap_or_else(|| panic!("no row {row:?} in {html}"));
    let asm = &html[at..];
    let asm = &asm[asm.find("<span class=\"asm\">").unwrap()..];
    let asm = &asm[..asm.find("</span>").unwrap()];
    let first = format!("      30ms       30ms {a:>10x}: ");
    assert!(asm.contains(&first), "{asm}");
}

/// Go's `regexp.QuoteMeta`.
fn regex_quote(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
