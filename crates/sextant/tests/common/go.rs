//! `go tool pprof` for the interop tests, shared by the test binaries that read their
//! profiles with Go's tools (each includes this file with `#[path]`).
//!
//! CI installs Go: there a missing `go` fails the test; elsewhere the caller gets `None`,
//! a note is printed, and the Go half of the test passes unchecked.

use std::path::Path;
use std::process::Command;

/// `go tool pprof <args> <file>`'s stdout; `None` (with a note) where `go` cannot run,
/// except under CI, where that is a failure.
pub(crate) fn go_pprof(args: &[&str], file: &Path) -> Option<String> {
    let out = match Command::new("go")
        .args(["tool", "pprof"])
        .args(args)
        .arg(file)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but `go` cannot run ({e}); install Go for the interop tests"
            );
            println!("note: `go` is not on PATH; go tool pprof interop not checked");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "go tool pprof {args:?} {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("go tool pprof writes UTF-8"))
}
