//! Shared by the modules: where the Go-written fixtures are, and reading them.

use std::path::{Path, PathBuf};

use sextant_profile::Profile;

/// `testdata/go`, where the profiles written by Go's runtime live, or the directory
/// `SEXTANT_GO_TESTDATA` names (fixtures and goldens made by another Go release, say).
pub(crate) fn testdata() -> PathBuf {
    match std::env::var_os("SEXTANT_GO_TESTDATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/go"),
    }
}

/// Every `*.pb.gz` profile in `testdata/go`, sorted by name.
pub(crate) fn profiles() -> Vec<PathBuf> {
    let dir = testdata();
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".pb.gz"))
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no *.pb.gz fixtures in {}",
        dir.display()
    );
    found
}

/// The file's name, for messages.
pub(crate) fn name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads and parses a profile, panicking with the file's name if it does not parse.
pub(crate) fn read(path: &Path) -> Profile {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Profile::parse(&data).unwrap_or_else(|e| panic!("parsing {}: {e}", name(path)))
}

/// Whether Go's toolchain is on PATH; when it is not, says so and returns false.
pub(crate) fn have_go(test: &str) -> bool {
    let ok = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: {test}: `go` is not on PATH; skipped (CI installs it)");
    }
    ok
}

/// `go tool pprof -raw ARGS` run in `dir`, with `dir` as the only binary search path (so no
/// binary is found for any mapping) and times in UTC; panics with Go's stderr if it fails.
pub(crate) fn go_raw<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> String {
    let out = std::process::Command::new("go")
        .args(["tool", "pprof", "-raw"])
        .args(args)
        .current_dir(dir)
        .env("PPROF_BINARY_PATH", dir)
        .env("TZ", "UTC")
        .output()
        .expect("running go tool pprof");
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    assert!(
        out.status.success(),
        "go tool pprof -raw {} failed: {}",
        shown.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("go tool pprof prints UTF-8")
}
