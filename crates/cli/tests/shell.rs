//! The interactive shell against go tool pprof's, byte for byte.
//!
//! One test per line of `testdata/go/golden-shell/MANIFEST.tsv` (written by
//! `testdata/go/goldens/shell.sh`): `sextant pprof ARGS` run in `testdata/go` with the
//! session's commands (`<stem>.in.txt`) on stdin must print Go's stdout (prompts and reports)
//! and Go's stderr (greeting, help, options, errors), `Time:` lines aside, and succeed.
//!
//! Goldens Sextant cannot match yet are listed in `KNOWN_GAPS` with the reason; they must still
//! fail, so that one that starts to pass is noticed and taken off the list.

mod support;

use std::process::Command;

use support::{
    Case, Outcome, check_stdout, comparable, manifest, run_all, same, session, testdata,
    unless_known_gap,
};

/// Sessions that do not match yet, by golden path (or a prefix of it), and why.
const KNOWN_GAPS: &[(&str, &str)] = &[];

fn main() {
    run_all(manifest("golden-shell"), check);
}

fn check(case: &Case) -> Outcome {
    unless_known_gap(case, KNOWN_GAPS, compare(case))
}

fn compare(case: &Case) -> Outcome {
    let input = std::fs::read(testdata().join(case.name().replace(".txt", ".in.txt")))
        .map_err(|e| format!("reading the session's commands: {e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant"));
    cmd.arg("pprof").args(&case.args).current_dir(testdata());
    let out = session(cmd, input).map_err(|e| format!("running sextant: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    check_stdout(case, out.status.success(), &stdout, &stderr)?;
    same("stderr", &comparable(&case.stderr()), &comparable(&stderr))
}
