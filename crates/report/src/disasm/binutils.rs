//! [`ObjTool`] over GNU binutils, as google/pprof's `internal/binutils` drives them: `nm -n`
//! lists the symbols by address, `objdump --disassemble --line-numbers` prints the code with
//! its source lines. Both demangle (`-C`), so Rust and C++ names read as in the profile.

use std::io::Read;
use std::process::Command;
use std::sync::LazyLock;

use regex::Regex;
use sextant_profile::Mapping;

use super::{Inst, ObjTool, Sym, elf};

/// Runs `nm` and `objdump` from `PATH`.
#[derive(Debug, Clone)]
pub struct Binutils {
    nm: String,
    objdump: String,
}

impl Default for Binutils {
    fn default() -> Self {
        Binutils {
            nm: "nm".into(),
            objdump: "objdump".into(),
        }
    }
}

/// How much of a binary is read for its headers: program headers and notes sit in the first
/// pages of every ELF file the linkers we know write; the rest (code, debug info) is not needed.
const HEADER_BYTES: u64 = 1 << 20;

impl ObjTool for Binutils {
    fn symbols(&self, file: &str, rx: &Regex) -> Result<Vec<Sym>, String> {
        let out = run(&self.nm, &["-n", "--demangle", file])?;
        Ok(find_symbols(&out, rx))
    }

    fn disasm(&self, file: &str, start: u64, end: u64) -> Result<Vec<Inst>, String> {
        let out = run(
            &self.objdump,
            &[
                "--disassemble",
                "--demangle",
                "--no-show-raw-insn",
                "--line-numbers",
                &format!("--start-address={start:#x}"),
                // objdump stops before --stop-address, and `end` is the symbol's last byte.
                // (pprof passes `end` itself and so loses a one-byte last instruction, a
                // function's `ret` more often than not.)
                &format!("--stop-address={:#x}", end.saturating_add(1)),
                file,
            ],
        )?;
        Ok(disassemble(&out))
    }

    fn base(&self, file: &str, m: &Mapping, addr: u64) -> Result<u64, String> {
        let mut head = Vec::new();
        std::fs::File::open(file)
            .and_then(|f| f.take(HEADER_BYTES).read_to_end(&mut head))
            .map_err(|e| format!("cannot read {file}: {e}"))?;
        let parsed = elf::parse(&head).map_err(|e| format!("{file}: {e}"))?;
        if !m.build_id.is_empty()
            && !parsed.build_id.is_empty()
            && !parsed.build_id.eq_ignore_ascii_case(&m.build_id)
        {
            return Err(format!(
                "{file}: build id {} does not match the profile's {} (the binary was rebuilt?)",
                parsed.build_id, m.build_id
            ));
        }
        elf::base(&parsed, m.memory_start, m.file_offset, addr).map_err(|e| format!("{file}: {e}"))
    }
}

/// Runs `tool` with `args` and returns its standard output.
fn run(tool: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(tool).args(args).output().map_err(|e| {
        format!("cannot run {tool}: {e} (install GNU binutils: apt-get install binutils)")
    })?;
    if !out.status.success() {
        return Err(format!(
            "{tool} {}: {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// pprof's `findSymbols`: `nm -n` lines grouped by address (aliases share one); a group is kept
/// when one of its names matches, its range ending where the next symbol starts.
fn find_symbols(nm: &str, rx: &Regex) -> Vec<Sym> {
    static LINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*([[:xdigit:]]+)\s+(.)\s+(.*)").expect("valid regexp"));
    let mut syms = Vec::new();
    let (mut names, mut start): (Vec<String>, u64) = (Vec::new(), 0);
    let mut close = |names: &[String], start: u64, next: u64| {
        if let Some(name) = names.iter().find(|n| rx.is_match(n)) {
            syms.push(Sym {
                names: vec![name.clone()],
                start,
                end: next.wrapping_sub(1),
            });
        }
    };
    for line in nm.lines() {
        let Some(c) = LINE.captures(line) else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(&c[1], 16) else {
            continue;
        };
        if addr == start {
            names.push(c[3].to_string());
            continue;
        }
        close(&names, start, addr);
        (names, start) = (vec![c[3].to_string()], addr);
    }
    // The last symbol's end is unknown; like pprof, end it at the top of the address space.
    close(&names, start, 0);
    syms
}

/// pprof's `disassemble`: instruction lines (`addr: text`), with the function (`name():` or
/// `name:`) and source position (`file:line`) lines before them; any other line resets the
/// position.
fn disassemble(asm: &str) -> Vec<Inst> {
    static INST: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*([[:xdigit:]]+):\s+(.*)").expect("valid regexp"));
    static FILE_LINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^;?\s?(.*):([0-9]+)").expect("valid regexp"));
    static FUNCTION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^;?\s?(\S.*)\(\):").expect("valid regexp"));
    // llvm-objdump, and GNU objdump for names without a parameter list (Rust's), print the
    // function as `name:`.
    static FUNCTION_BARE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([[:xdigit:]]+)?\s?(.*):").expect("valid regexp"));
    let (mut function, mut file, mut line) = (String::new(), String::new(), 0i64);
    let mut out = Vec::new();
    for input in asm.lines() {
        let input = input.trim();
        if let Some(c) = INST.captures(input)
            && let Ok(addr) = u64::from_str_radix(&c[1], 16)
        {
            out.push(Inst {
                addr,
                text: c[2].to_string(),
                function: function.clone(),
                file: file.clone(),
                line,
            });
            continue;
        }
        if let Some(c) = FILE_LINE.captures(input)
            && let Ok(l) = c[2].parse::<u32>()
        {
            (file, line) = (c[1].to_string(), i64::from(l));
            continue;
        }
        if let Some(c) = FUNCTION.captures(input) {
            function = c[1].to_string();
            continue;
        }
        if let Some(c) = FUNCTION_BARE.captures(input) {
            function = c[2].to_string();
            continue;
        }
        (function, file, line) = (String::new(), String::new(), 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_group_aliases_and_end_at_the_next_symbol() {
        let nm = "                 U free\n\
                  0000000000001000 T main\n\
                  0000000000001040 t myapp::server::marshal_sql\n\
                  0000000000001040 t alias_of_marshal\n\
                  0000000000001100 T myapp::server::parse_json\n";
        let rx = Regex::new("marshal").unwrap();
        assert_eq!(
            find_symbols(nm, &rx),
            vec![Sym {
                names: vec!["myapp::server::marshal_sql".into()],
                start: 0x1040,
                end: 0x10ff
            }]
        );
        let last = find_symbols(nm, &Regex::new("parse_json").unwrap());
        assert_eq!((last[0].start, last[0].end), (0x1100, u64::MAX));
    }

    #[test]
    fn objdump_lines_give_instructions_with_positions() {
        let asm = "\n/bin/x:     file format elf64-x86-64\n\n\
                   Disassembly of section .text:\n\n\
                   0000000000001040 <myapp::server::marshal_sql>:\n\
                   myapp::server::marshal_sql:\n\
                   /src/server.rs:42\n\
                   \x20   1040:\tpush   %rbx\n\
                   \x20   1041:\tmov    %rdi,%rbx\n\
                   /src/server.rs:43\n\
                   \x20   1044:\tret\n";
        let insts = disassemble(asm);
        assert_eq!(insts.len(), 3);
        assert_eq!(
            insts[0],
            Inst {
                addr: 0x1040,
                text: "push   %rbx".into(),
                function: "myapp::server::marshal_sql".into(),
                file: "/src/server.rs".into(),
                line: 42
            }
        );
        assert_eq!((insts[2].line, insts[2].text.as_str()), (43, "ret"));
    }
}
