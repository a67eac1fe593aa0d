//! Integration tests of sextant-stat, one module per area:
//!
//! - `golden`: every case of testdata/benchstat/cases.txt against Go's benchstat.
//! - `criterion`: criterion's saved baselines give the tables Go gives on the same
//!   samples written in Go's format.
//! - `errors`: usage errors, malformed input, empty input, mismatched units.
//! - `derivations`: p-values and interval bounds checked against hand arithmetic.
//! - `properties`: property tests of the statistics and the tables.

mod criterion;
mod derivations;
mod errors;
mod golden;
mod properties;

use std::path::PathBuf;
use std::sync::Mutex;

/// testdata/benchstat.
pub(crate) fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/benchstat")
}

/// Tests that change the working directory take turns.
static CWD: Mutex<()> = Mutex::new(());

/// Runs `sextant benchstat args` in testdata/benchstat (so file names print as Go
/// printed them) and returns its exit code, stdout and stderr.
pub(crate) fn run_in_testdata(args: &[String]) -> (u8, String, String) {
    let _guard = CWD.lock().unwrap_or_else(|e| e.into_inner());
    let cwd = std::env::current_dir().expect("cwd");
    std::env::set_current_dir(testdata()).expect("chdir to testdata");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sextant_stat::run_with_stdin(args, &mut std::io::empty(), &mut out, &mut err);
    std::env::set_current_dir(cwd).expect("chdir back");
    (
        code,
        String::from_utf8(out).expect("utf8 stdout"),
        String::from_utf8(err).expect("utf8 stderr"),
    )
}

/// Arguments from string slices.
pub(crate) fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}
