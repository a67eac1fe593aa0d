//! The `sextant pprof` binary's contract beyond the goldens: exit codes, error messages on
//! stderr with nothing on stdout, Go's flag syntax, and a quiet exit on a closed pipe.
//!
//! Error texts that go tool pprof also prints are Go's (checked against Go 1.19).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/go")
}

/// Runs `sextant pprof ARGS` in testdata/go; returns (exit code, stdout, stderr).
fn pprof(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .arg("pprof")
        .args(args)
        .current_dir(testdata())
        .output()
        .expect("running sextant");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_fails(args: &[&str], code: i32, message: &str) {
    let (rc, stdout, stderr) = pprof(args);
    assert_eq!(rc, code, "exit code of {args:?}; stderr: {stderr}");
    assert!(stdout.is_empty(), "stdout of {args:?} holds data: {stdout}");
    assert!(
        stderr.starts_with("error: "),
        "stderr of {args:?}: {stderr}"
    );
    assert!(
        stderr.contains(message),
        "stderr of {args:?} lacks {message:?}: {stderr}"
    );
}

#[test]
fn go_flag_syntax_single_double_dash_and_separate_values() {
    let (rc, want, _) = pprof(&["-top", "-nodecount=3", "go1.19.cpu.pb.gz"]);
    assert_eq!(rc, 0);
    for args in [
        &["--top", "--nodecount", "3", "go1.19.cpu.pb.gz"][..],
        &["-top=true", "-nodecount", "3", "go1.19.cpu.pb.gz"][..],
        &["-text", "--nodecount=3", "go1.19.cpu.pb.gz"][..],
    ] {
        assert_eq!(pprof(args).1, want, "{args:?}");
    }
}

#[test]
fn missing_file_is_a_failure() {
    assert_fails(&["-top", "no-such.pb.gz"], 1, "no-such.pb.gz");
}

#[test]
fn text_that_is_not_a_profile_is_a_failure() {
    assert_fails(&["-top", "regen.sh"], 1, "not a profile");
}

#[test]
fn empty_file_is_a_failure() {
    let empty = std::env::temp_dir().join(format!("sextant-empty-{}.pb.gz", std::process::id()));
    std::fs::write(&empty, b"").unwrap();
    assert_fails(&["-top", empty.to_str().unwrap()], 1, "empty");
    let _ = std::fs::remove_file(empty);
}

#[test]
fn unknown_sample_index_lists_the_valid_ones() {
    assert_fails(
        &["-top", "-sample_index=foo", "go1.19.heap.pb.gz"],
        2,
        "sample_index \"foo\" must be one of: [alloc_objects alloc_space inuse_objects inuse_space]",
    );
}

#[test]
fn bad_regexps_are_usage_errors() {
    assert_fails(
        &["-peek=(", "go1.19.cpu.pb.gz"],
        2,
        "parsing argument regexp (",
    );
    assert_fails(&["-top", "-focus=(", "go1.19.cpu.pb.gz"], 2, "focus");
}

#[test]
fn conflicting_flags_are_usage_errors() {
    assert_fails(
        &["-top", "-cum", "-flat", "go1.19.cpu.pb.gz"],
        2,
        "conflicting options set: [cum flat]",
    );
    assert_fails(
        &["-top", "-traces", "go1.19.cpu.pb.gz"],
        2,
        "must set at most one output format",
    );
    assert_fails(
        &[
            "-top",
            "-base=go1.19.cpu2.pb.gz",
            "-diff_base=go1.19.cpu2.pb.gz",
            "go1.19.cpu.pb.gz",
        ],
        2,
        "-base and -diff_base flags cannot both be specified",
    );
}

#[test]
fn unknown_flags_and_missing_values_are_usage_errors() {
    assert_fails(
        &["-topp", "go1.19.cpu.pb.gz"],
        2,
        "flag provided but not defined: -topp",
    );
    assert_fails(
        &["-top", "-nodecount=x", "go1.19.cpu.pb.gz"],
        2,
        "invalid value \"x\" for flag -nodecount",
    );
    assert_fails(
        &["-top", "-nodecount"],
        2,
        "flag needs an argument: -nodecount",
    );
    assert_fails(&["-top"], 2, "no profile source specified");
}

#[test]
fn closed_pipe_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(["pprof", "-traces", "go1.19.cpu.pb.gz"])
        .current_dir(testdata())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up, as `| head -1` does; the traces are larger than a pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status:?}, stderr {stderr}");
    assert!(stderr.is_empty(), "stderr: {stderr}");
}

#[test]
fn proto_output_reads_back_to_the_same_report() {
    let out = std::env::temp_dir().join(format!("sextant-proto-{}.pb.gz", std::process::id()));
    let (rc, _, stderr) = pprof(&[
        "-proto",
        "-output",
        out.to_str().unwrap(),
        "go1.19.cpu.pb.gz",
    ]);
    assert_eq!(rc, 0, "{stderr}");
    assert!(stderr.starts_with("Generating report in "), "{stderr}");
    let (rc, top, _) = pprof(&["-top", out.to_str().unwrap()]);
    assert_eq!(rc, 0);
    // The golden is go tool pprof's -top of the original profile.
    let golden = std::fs::read_to_string(testdata().join("golden/cpu.top.txt")).unwrap();
    let body = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.starts_with("Time: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&top), body(&golden));
    let _ = std::fs::remove_file(out);
}

#[test]
fn images_are_rendered_by_graphviz() {
    if Command::new("dot").arg("-V").output().is_err() {
        println!("note: Graphviz's dot is not installed; skipping");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(["pprof", "-png", "go1.19.cpu.pb.gz"])
        .current_dir(testdata())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}

#[test]
fn peek_without_a_match_prints_nothing_and_fails() {
    // go tool pprof prints only "no matches found for regexp: nomatch" (and fails).
    assert_fails(
        &["-peek=nomatch", "go1.19.cpu.pb.gz"],
        1,
        "no matches found for regexp: nomatch",
    );
    assert_fails(
        &["-list=nomatch", "go1.19.cpu.pb.gz"],
        1,
        "no matches found for regexp: nomatch",
    );
}

#[test]
fn topproto_holds_one_sample_per_node_with_cum_and_flat() {
    let out = std::env::temp_dir().join(format!("sextant-topproto-{}.pb.gz", std::process::id()));
    let (rc, _, stderr) = pprof(&[
        "-topproto",
        "-nodecount=3",
        "-output",
        out.to_str().unwrap(),
        "go1.19.cpu.pb.gz",
    ]);
    assert_eq!(rc, 0, "{stderr}");
    let (rc, raw, _) = pprof(&["-raw", out.to_str().unwrap()]);
    assert_eq!(rc, 0);
    // The unit is the one go tool pprof -top chooses for this profile (its golden says "s").
    assert!(raw.contains("\ncum/s flat/s\n"), "{raw}");
    let samples = raw
        .lines()
        .skip_while(|l| *l != "cum/s flat/s")
        .skip(1)
        .take_while(|l| *l != "Locations");
    assert_eq!(samples.count(), 3, "{raw}");
    let _ = std::fs::remove_file(out);
}
