//! Go's tools on what we write: `go tool pprof -raw` prints the same text for our re-encoding
//! of every fixture as for the fixture itself. Skipped, saying so, when `go` is not on PATH.

use std::path::Path;
use std::process::Command;

use crate::fixtures::{have_go, name, profiles, read};

/// `go tool pprof -raw` on a file, with no binaries to be found for its mappings.
fn go_raw(file: &Path, scratch: &Path) -> String {
    let out = Command::new("go")
        .args(["tool", "pprof", "-raw"])
        .arg(file)
        .env("PPROF_BINARY_PATH", scratch)
        .env("TZ", "UTC")
        .output()
        .expect("running go tool pprof");
    assert!(
        out.status.success(),
        "go tool pprof -raw {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("go tool pprof prints UTF-8")
}

#[test]
fn go_tool_pprof_reads_our_encoding_as_the_original() {
    if !have_go("interop") {
        return;
    }
    let scratch = std::env::temp_dir().join(format!("sextant-interop-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("creating a scratch directory");
    for path in profiles() {
        let ours = scratch.join(name(&path));
        let mut f = std::fs::File::create(&ours).expect("creating the re-encoded file");
        read(&path)
            .write(&mut f)
            .expect("writing the re-encoded file");
        drop(f);
        let (theirs_text, ours_text) = (go_raw(&path, &scratch), go_raw(&ours, &scratch));
        assert!(
            theirs_text == ours_text,
            "{}: go tool pprof -raw differs on our re-encoding",
            name(&path)
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
