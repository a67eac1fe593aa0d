//! The committed goldens are still what go tool pprof prints.
//!
//! When `go` is on PATH (CI installs Go 1.19), every line of
//! `testdata/go/golden-report/MANIFEST.tsv` is run through `go tool pprof` again and its stdout
//! compared with the committed golden (`File:` and `Time:` lines aside). Without Go, or with
//! another Go version (whose pprof prints differently), the tests are skipped with a note.

mod support;

use std::process::Command;

use support::{Case, Outcome, comparable, first_difference, manifest, output, run_all};

fn main() {
    let version = Command::new("go").args(["env", "GOVERSION"]).output();
    let version = match version {
        Ok(v) if v.status.success() => String::from_utf8_lossy(&v.stdout).trim().to_string(),
        _ => {
            println!("note: go is not on PATH; skipping the go tool pprof interop tests");
            return;
        }
    };
    if !version.starts_with("go1.19") {
        println!("note: the goldens come from Go 1.19, found {version}; skipping interop tests");
        return;
    }
    run_all(manifest("golden-report"), check);
}

fn check(case: &Case) -> Outcome {
    // No binary may be found for the mappings, as when the goldens were written.
    let empty = std::env::temp_dir().join(format!("sextant-interop-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&empty);
    let mut cmd = Command::new("go");
    cmd.args(["tool", "pprof"])
        .args(&case.args)
        .env("PPROF_BINARY_PATH", &empty);
    let (ok, stdout, stderr) = output(cmd);
    if !ok {
        return Err(format!(
            "go tool pprof {} failed:\n{stderr}",
            case.args.join(" ")
        ));
    }
    let (want, got) = (comparable(&case.stdout()), comparable(&stdout));
    if want != got {
        return Err(format!(
            "go tool pprof no longer prints the committed golden (regenerate with \
             testdata/go/goldens/report.sh); {}",
            first_difference(&want, &got)
        ));
    }
    Ok(())
}
