//! Legacy profiles (the text of `/debug/pprof/<name>?debug=1`, and older pprof text forms)
//! against go tool pprof's `-raw` view of them.
//!
//! Every `.raw.txt` line of `testdata/go/legacy/golden/MANIFEST.tsv` (written by
//! `testdata/go/legacy/regen.sh`) is replayed: the fixture is parsed, goes through the source
//! stage go tool pprof runs before `-raw` prints ([`pipeline::combine`]), and must print as the
//! golden does, the `Time:` line aside. Where Go failed to read its own output (the golden is
//! empty, its error on stderr), parsing must fail too. Text that is no profile stays
//! [`Error::NotAProfile`], and no text makes the parsers panic.

use proptest::prelude::*;
use sextant_profile::pipeline::{self, SourceOptions};
use sextant_profile::{Error, Profile};

use crate::fixtures::testdata;

fn legacy_dir() -> std::path::PathBuf {
    testdata().join("legacy")
}

/// The text without its `Time:` line.
fn without_time(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("Time: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Checks one manifest line; `Err` says what differs.
fn check(golden: &str, input: &str) -> Result<(), String> {
    let dir = legacy_dir();
    let expected = std::fs::read_to_string(dir.join("golden").join(golden))
        .map_err(|e| format!("reading the golden: {e}"))?;
    let data = std::fs::read(dir.join(input)).map_err(|e| format!("reading {input}: {e}"))?;
    let parsed = Profile::parse(&data);
    if expected.is_empty() {
        let stderr = golden.replace(".raw.txt", ".raw.stderr.txt");
        let go_err = std::fs::read_to_string(dir.join("golden").join(stderr)).unwrap_or_default();
        return match parsed {
            Err(_) if go_err.contains("parsing profile") => Ok(()),
            Err(e) => Err(format!(
                "both fail, but Go's stderr says {go_err:?} (ours: {e})"
            )),
            Ok(_) => Err(format!("go tool pprof failed ({go_err:?}) but we parse it")),
        };
    }
    let p = parsed.map_err(|e| format!("parsing {input}: {e}"))?;
    let p = pipeline::combine(vec![p], Vec::new(), &SourceOptions::default())
        .map_err(|e| format!("pipeline: {e}"))?;
    let (ours, go) = (without_time(&p.to_string()), without_time(&expected));
    if ours == go {
        return Ok(());
    }
    let at = ours
        .lines()
        .zip(go.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(ours.lines().count().min(go.lines().count()));
    Err(format!(
        "first difference at line {}:\n  ours: {:?}\n  go:   {:?}",
        at + 1,
        ours.lines().nth(at).unwrap_or("<end>"),
        go.lines().nth(at).unwrap_or("<end>")
    ))
}

#[test]
fn legacy_raw_goldens_match_byte_for_byte() {
    let manifest = std::fs::read_to_string(legacy_dir().join("golden/MANIFEST.tsv"))
        .expect("testdata/go/legacy/golden/MANIFEST.tsv, written by testdata/go/legacy/regen.sh");
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let (golden, args) = line.split_once('\t').expect("golden<TAB>args");
        let Some(input) = args.strip_prefix("-raw ") else {
            continue;
        };
        checked += 1;
        if let Err(e) = check(golden, input) {
            failures.push(format!("{golden}: {e}"));
        }
    }
    assert!(
        checked >= 6,
        "only {checked} -raw goldens in the legacy manifest"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} legacy -raw goldens differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_readme_is_still_not_a_profile() {
    let readme = std::fs::read(testdata().join("README.md")).expect("testdata/go/README.md");
    match Profile::parse(&readme) {
        Err(Error::NotAProfile { looks_like }) => {
            assert!(looks_like.starts_with("a text file"), "{looks_like}")
        }
        other => panic!("expected Error::NotAProfile, got {other:?}"),
    }
}

#[test]
fn a_broken_record_names_its_line() {
    let text = b"heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\nnot a record\n";
    let err = Profile::parse(text).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("line 3"), "{err}");
}

/// Lines that open or continue each legacy format, to be mixed with noise.
fn legacy_line() -> impl Strategy<Value = String> {
    let starts = prop::sample::select(vec![
        "goroutine profile: total 3",
        "heap profile: 1: 2 [3: 4] @ heap/8",
        "heap profile: 1: 2 [1: 2] @ heap_v2/",
        "heap profile: 1: 2 [0: 0] @ growthz",
        "--- mutex:",
        "--- contention:",
        "--- contentionz 1 ---",
        "--- threadz 1 ---",
        "--- Thread 1f (name: main/7) stack: ---",
        "cycles/second=",
        "sampling period=",
        "ms since reset=",
        "--- Memory map: ---",
        "MAPPED_LIBRARIES:",
        "0x1000-0x2000 ",
        "00400000-00452000 r-xp 00000000 08:02 1 /x",
        "1 @ 0x",
        "1: 2 [3: 4] @ 0x",
        "5 7 @ 0x",
        "same as previous thread",
        "$a",
        "a=$a$a$a$a",
        "# ",
        "",
    ]);
    (starts, "[ -~]{0,12}").prop_map(|(s, tail)| format!("{s}{tail}"))
}

proptest! {
    #[test]
    fn legacy_parsers_never_panic_on_text(lines in prop::collection::vec(legacy_line(), 0..16)) {
        let _ = Profile::parse(lines.join("\n").as_bytes());
    }

    #[test]
    fn legacy_parsers_never_panic_on_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Profile::parse(&data);
    }
}
