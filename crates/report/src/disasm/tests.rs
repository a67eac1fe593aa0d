//! The `disasm` report on a hand-made profile and a fake binary: the layout is pprof's
//! `PrintAssembly`, the values are worked out by hand below.

use std::cell::RefCell;

use regex::Regex;
use sextant_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

use super::{Inst, ObjTool, Sym};
use crate::{Error, Options, Report, SampleValue};

/// Runtime address of file address 0 in the fake binary.
const LOAD: u64 = 0x7f00_0000_0000;

/// A binary with `work` at 0x1040..0x10ff (three instructions) and `main` at 0x1100.
struct FakeBinary {
    base: Result<u64, String>,
    /// The start of each symbol disassembled, in order.
    asked: RefCell<Vec<u64>>,
}

impl FakeBinary {
    fn new(base: Result<u64, String>) -> FakeBinary {
        FakeBinary {
            base,
            asked: RefCell::new(Vec::new()),
        }
    }
}

impl ObjTool for FakeBinary {
    fn symbols(&self, file: &str, rx: &Regex) -> Result<Vec<Sym>, String> {
        assert_eq!(file, "/bin/app");
        let all = [("work", 0x1040, 0x10ff), ("main", 0x1100, 0x11ff)];
        Ok(all
            .iter()
            .filter(|(n, _, _)| rx.is_match(n))
            .map(|&(n, start, end)| Sym {
                names: vec![n.to_string()],
                start,
                end,
            })
            .collect())
    }

    fn disasm(&self, _file: &str, start: u64, end: u64) -> Result<Vec<Inst>, String> {
        self.asked.borrow_mut().push(start);
        let inst = |addr, text: &str, line| Inst {
            addr,
            text: text.to_string(),
            function: "work".into(),
            file: "/src/w.rs".into(),
            line,
        };
        if (start, end) == (0x1100, 0x11ff) {
            return Ok(vec![Inst {
                function: "main".into(),
                ..inst(0x1120, "nop", 30)
            }]);
        }
        assert_eq!((start, end), (0x1040, 0x10ff));
        Ok(vec![
            inst(0x1040, "push   %rbx", 10),
            inst(
                0x1044,
                "lea    0x12345678(%rip),%rdi        # 0x12346000 <table>",
                11,
            ),
            inst(0x1048, "ret", 12),
        ])
    }

    fn base(&self, file: &str, m: &Mapping, addr: u64) -> Result<u64, String> {
        assert_eq!(file, "/bin/app");
        assert!(addr >= m.memory_start && addr < m.memory_limit);
        self.base.clone()
    }
}

/// `work` has 30ms in the middle of its second instruction and 10ms at its third; `main`
/// (outside `work`) has 60ms of its own: 100ms in all.
fn profile() -> Profile {
    let mut p = Profile {
        sample_type: vec![ValueType::new("cpu", "nanoseconds")],
        ..Profile::default()
    };
    p.mapping.push(Mapping {
        id: MappingId(1),
        memory_start: LOAD + 0x1000,
        memory_limit: LOAD + 0x2000,
        file_offset: 0x1000,
        filename: "/bin/app".into(),
        has_functions: true,
        ..Default::default()
    });
    for (id, name) in [(1, "work"), (2, "main")] {
        p.function.push(Function {
            id: FunctionId(id),
            name: name.into(),
            filename: "/src/w.rs".into(),
            ..Default::default()
        });
    }
    let loc = |id, addr, f, line| Location {
        id: LocationId(id),
        mapping_id: Some(MappingId(1)),
        address: LOAD + addr,
        line: vec![Line {
            function_id: Some(FunctionId(f)),
            line,
            column: 0,
        }],
        is_folded: false,
    };
    p.location = vec![
        loc(1, 0x1045, 1, 11),
        loc(2, 0x1048, 1, 12),
        loc(3, 0x1120, 2, 30),
    ];
    let sample = |locs: &[u64], ms: i64| Sample {
        location: locs.iter().map(|&l| LocationId(l)).collect(),
        value: vec![ms * 1_000_000],
        label: vec![],
    };
    p.sample = vec![sample(&[1, 3], 30), sample(&[2, 3], 10), sample(&[3], 60)];
    p
}

fn report(p: &Profile, symbol: &str) -> Report {
    let options = Options {
        value: SampleValue {
            index: 0,
            mean: false,
        },
        sample_type: "cpu".into(),
        sample_unit: "nanoseconds".into(),
        symbol: Some(Regex::new(symbol).unwrap()),
        noinlines: true,
        ..Options::default()
    };
    Report::new(p, options)
}

#[test]
fn instructions_carry_the_samples_up_to_the_next_instruction() {
    let p = profile();
    let mut out = Vec::new();
    let obj = FakeBinary::new(Ok(LOAD));
    report(&p, "work").disasm(&p, &obj, None, &mut out).unwrap();
    let expected = [
        "Total: 100ms",
        "ROUTINE ======================== work",
        "      40ms       40ms (flat, cum) 40.00% of Total",
        "         .          .       1040: push   %rbx                             ;work w.rs:10",
        "                                                                          ;work w.rs:11",
        "      30ms       30ms       1044: lea    0x12345678(%rip),%rdi        # 0x12346000 <table>",
        "      10ms       10ms       1048: ret                                     ;work w.rs:12",
        "",
    ];
    assert_eq!(String::from_utf8(out).unwrap(), expected.join("\n"));
}

#[test]
fn no_sampled_symbol_is_no_match_and_an_unreadable_binary_is_named() {
    let p = profile();
    let obj = FakeBinary::new(Ok(LOAD));
    let mut out = Vec::new();
    let err = report(&p, "nosuch")
        .disasm(&p, &obj, None, &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::NoMatches(ref re) if re == "nosuch"));
    let obj = FakeBinary::new(Err(
        "/bin/app: build id 01 does not match the profile's 02".into()
    ));
    let mut out = Vec::new();
    let err = report(&p, "work")
        .disasm(&p, &obj, None, &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::NoMatches(_)));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Total: 100ms\n/bin/app: build id 01 does not match the profile's 02\n"
    );
}

#[test]
fn all_functions_print_by_name_and_a_limit_keeps_the_heaviest() {
    let p = profile();
    let obj = FakeBinary::new(Ok(LOAD));
    let mut out = Vec::new();
    report(&p, "work|main")
        .disasm(&p, &obj, None, &mut out)
        .unwrap();
    assert_eq!(*obj.asked.borrow(), vec![0x1100, 0x1040], "main, then work");
    // main has 60ms flat, work 40ms: a limit of one keeps main. main calls work, so its cum
    // is every sample: 100ms.
    let obj = FakeBinary::new(Ok(LOAD));
    let mut out = Vec::new();
    report(&p, "work|main")
        .disasm(&p, &obj, Some(1), &mut out)
        .unwrap();
    assert_eq!(*obj.asked.borrow(), vec![0x1100]);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(
        "ROUTINE ======================== main\n      60ms      100ms (flat, cum)   100% of Total\n"
    ));
    assert!(text.ends_with(
        "      60ms      100ms       1120: nop                                     ;main w.rs:30\n"
    ));
}
