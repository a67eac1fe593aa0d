//! `sextant pprof` against go tool pprof's goldens, byte for byte.
//!
//! One test per line of `testdata/go/golden-report/MANIFEST.tsv` (the text reports, written by
//! `testdata/go/goldens/report.sh`) and of `testdata/go/golden/MANIFEST.tsv` (`-raw` and `-top`
//! on every profile and option, written by `goldens/profile.sh`): the same arguments, run in
//! `testdata/go`, must print the golden's stdout (the `File:` and `Time:` header lines aside:
//! they name the local file and time) and its stderr, and succeed.
//!
//! Goldens Sextant cannot match yet are listed in `KNOWN_GAPS` with the reason; they must still
//! fail, so that one that starts to pass is noticed and taken off the list.

mod support;

use std::process::Command;

use support::{Case, Outcome, check_stdout, manifest, output, run_all, unless_known_gap};

/// Goldens that do not match yet, by golden path prefix, and why (none at the moment).
const KNOWN_GAPS: &[(&str, &str)] = &[];

fn main() {
    let mut cases = manifest("golden-report");
    cases.extend(manifest("golden"));
    run_all(cases, check);
}

fn check(case: &Case) -> Outcome {
    unless_known_gap(case, KNOWN_GAPS, compare(case))
}

fn compare(case: &Case) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant"));
    cmd.arg("pprof").args(&case.args);
    let (ok, stdout, stderr) = output(cmd);
    check_stdout(case, ok, &stdout, &stderr)?;
    let want_err = case.stderr();
    if want_err != stderr {
        return Err(format!("stderr differs: want {want_err:?}, got {stderr:?}"));
    }
    Ok(())
}
