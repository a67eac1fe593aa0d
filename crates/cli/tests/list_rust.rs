//! `-list` finds Rust sources where a Rust user keeps them when the path in the debug
//! information is from another machine: registry crates under `$CARGO_HOME`, the standard
//! library under `RUST_SRC_PATH` (beyond go tool pprof, which would print "could not find
//! file").

use std::path::{Path, PathBuf};
use std::process::Command;

use sextant_profile::{
    Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType,
};

const LIB_RS: &str = "pub fn parse(s: &str) -> u64 {\n    let mut n = 0;\n    for b in s.bytes() {\n        n = n * 10 + u64::from(b - b'0');\n    }\n    n\n}\n";

/// A profile with samples on lines 3 (7 samples) and 4 (5 samples) of `file`'s `parse`.
fn profile(file: &str, name: &str) -> Profile {
    let loc = |id: u64, line: i64| Location {
        id: LocationId(id),
        line: vec![Line {
            function_id: Some(FunctionId(1)),
            line,
            column: 0,
        }],
        ..Location::default()
    };
    Profile {
        sample_type: vec![ValueType::new("samples", "count")],
        sample: vec![
            Sample {
                location: vec![LocationId(1)],
                value: vec![7],
                label: vec![],
            },
            Sample {
                location: vec![LocationId(2)],
                value: vec![5],
                label: vec![],
            },
        ],
        location: vec![loc(1, 3), loc(2, 4)],
        function: vec![Function {
            id: FunctionId(1),
            name: name.into(),
            system_name: name.into(),
            filename: file.into(),
            start_line: 0,
        }],
        ..Profile::default()
    }
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sextant-list-rust-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn list(dir: &Path, p: &Profile, symbol: &str, env: &[(&str, &Path)]) -> (bool, String, String) {
    let file = dir.join("p.pb.gz");
    let mut f = std::fs::File::create(&file).unwrap();
    p.write(&mut f).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(["pprof", &format!("-list={symbol}")])
        .arg(&file)
        .current_dir(dir)
        .env_remove("RUST_SRC_PATH")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The annotated rows pprof prints: `%10s %10s %6d:%s` for flat, cum, line and text.
fn row(flat: &str, cum: &str, line: u32, text: &str) -> String {
    format!("{flat:>10} {cum:>10} {line:>6}:{text}")
}

#[test]
fn a_registry_crate_built_elsewhere_is_listed_from_the_local_cargo_home() {
    let dir = scratch("registry");
    let home = dir.join("cargo-home");
    write(
        &home.join("registry/src/local-index-0001/numparse-0.3.1/src/lib.rs"),
        LIB_RS,
    );
    let recorded = "/home/builder/.cargo/registry/src/index.registry.example-6f17d22bba15001f/numparse-0.3.1/src/lib.rs";
    let p = profile(recorded, "numparse::parse");
    let (ok, out, err) = list(&dir, &p, "numparse::parse", &[("CARGO_HOME", &home)]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "ROUTINE ======================== numparse::parse in {recorded}"
        )),
        "{out}"
    );
    // 12 samples in all; line 3 has 7, line 4 has 5; lines 1-7 are within the margin.
    assert!(
        out.contains("        12         12 (flat, cum)   100% of Total"),
        "{out}"
    );
    assert!(
        out.contains(&row("7", "7", 3, "    for b in s.bytes() {")),
        "{out}"
    );
    assert!(
        out.contains(&row(
            "5",
            "5",
            4,
            "        n = n * 10 + u64::from(b - b'0');"
        )),
        "{out}"
    );
    assert!(
        out.contains(&row(".", ".", 1, "pub fn parse(s: &str) -> u64 {")),
        "{out}"
    );

    // Without the crate in the local cargo home, pprof's own error stays.
    let empty = dir.join("empty-home");
    std::fs::create_dir_all(&empty).unwrap();
    let (_, out, err) = list(&dir, &p, "numparse::parse", &[("CARGO_HOME", &empty)]);
    assert!(
        format!("{out}{err}").contains(&format!("open {recorded}: no such file or directory")),
        "{out}{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_standard_library_is_listed_from_rust_src_path() {
    let dir = scratch("std");
    let library = dir.join("library");
    write(&library.join("core/src/num/parse.rs"), LIB_RS);
    let recorded = "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/num/parse.rs";
    let p = profile(recorded, "core::num::parse");
    let (ok, out, err) = list(&dir, &p, "core::num::parse", &[("RUST_SRC_PATH", &library)]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&row("7", "7", 3, "    for b in s.bytes() {")),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
