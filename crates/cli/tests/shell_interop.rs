//! The committed shell goldens are still what go tool pprof's shell prints.
//!
//! When `go` is on PATH (CI installs Go 1.19), every session of
//! `testdata/go/golden-shell/MANIFEST.tsv` is piped into `go tool pprof` again and its stdout
//! and stderr compared with the committed goldens (`File:` and `Time:` lines aside). Without
//! Go, or with another Go version (whose pprof prints differently), the tests are skipped with
//! a note.

mod support;

use std::process::Command;

use support::{Case, Outcome, comparable, first_difference, manifest, run_all, session, testdata};

fn main() {
    let version = Command::new("go").args(["env", "GOVERSION"]).output();
    let version = match version {
        Ok(v) if v.status.success() => String::from_utf8_lossy(&v.stdout).trim().to_string(),
        _ => {
            println!("note: go is not on PATH; skipping the go tool pprof shell interop tests");
            return;
        }
    };
    if !version.starts_with("go1.19") {
        println!("note: the goldens come from Go 1.19, found {version}; skipping interop tests");
        return;
    }
    run_all(manifest("golden-shell"), check);
}

fn check(case: &Case) -> Outcome {
    let input = std::fs::read(testdata().join(case.name().replace(".txt", ".in.txt")))
        .map_err(|e| format!("reading the session's commands: {e}"))?;
    // No binary may be found for the mappings, as when the goldens were written.
    let empty = std::env::temp_dir().join(format!("sextant-shell-interop-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&empty);
    let mut cmd = Command::new("go");
    cmd.args(["tool", "pprof"])
        .args(&case.args)
        .current_dir(testdata())
        .env("PPROF_BINARY_PATH", &empty);
    let out = session(cmd, input).map_err(|e| format!("running go: {e}"))?;
    let regen = "regenerate with testdata/go/goldens/shell.sh";
    for (what, want, got) in [
        (
            "stdout",
            case.stdout(),
            String::from_utf8_lossy(&out.stdout),
        ),
        (
            "stderr",
            case.stderr(),
            String::from_utf8_lossy(&out.stderr),
        ),
    ] {
        let (want, got) = (comparable(&want), comparable(&got));
        if want != got {
            return Err(format!(
                "go tool pprof's shell no longer prints the committed {what} ({regen}); {}",
                first_difference(&want, &got)
            ));
        }
    }
    Ok(())
}
