//! The interactive shell's file outputs and what the goldens cannot show: `>file` and
//! `output=` write the report Go's command line writes (its goldens as oracle), image commands
//! without a file go to `profileNNN.<ext>` as pprof's `awayFromTTY` sends them, and a command
//! sextant does not have yet is refused without leaving the shell.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{comparable, session, testdata};

/// A fresh directory for one test.
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sextant-shell-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the shell on testdata's `profile` in `cwd` with `commands` on stdin; (ok, out, err).
fn shell(profile: &str, commands: &str, cwd: &Path) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant"));
    cmd.arg("pprof")
        .arg(testdata().join(profile))
        .current_dir(cwd);
    let out = session(cmd, commands.as_bytes().to_vec()).unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(testdata().join("golden-report").join(name)).unwrap()
}

#[test]
fn redirected_dot_is_gos_dot_with_compact_labels() {
    let dir = scratch("dot");
    let (ok, out, err) = shell("go1.19.goroutine.pb.gz", "dot >graph.dot\n", &dir);
    assert!(ok, "{err}");
    assert_eq!(out, "(pprof) (pprof) ", "the report goes to the file only");
    assert!(err.ends_with("Generating report in graph.dot\n"), "{err}");
    let written = std::fs::read_to_string(dir.join("graph.dot")).unwrap();
    // The shell's labels are compact, so this is Go's -dot -compact_labels.
    assert_eq!(
        comparable(&written),
        comparable(&golden("goroutine.compact_labels.dot.txt"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_output_option_sends_every_report_to_its_file() {
    let dir = scratch("output");
    let commands = "nodecount=0\noutput=top.txt\ntop\n";
    let (ok, out, err) = shell("go1.19.cpu.pb.gz", commands, &dir);
    assert!(ok, "{err}");
    assert_eq!(out, "(pprof) (pprof) (pprof) (pprof) ");
    assert!(err.ends_with("Generating report in top.txt\n"), "{err}");
    let written = std::fs::read_to_string(dir.join("top.txt")).unwrap();
    assert_eq!(
        comparable(&written),
        comparable(&golden("cpu.compact_labels.top.txt"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn images_without_a_file_are_kept_off_the_terminal_in_numbered_files() {
    if Command::new("dot").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz's dot is not installed, and CI is set: install graphviz"
        );
        println!("note: Graphviz's dot is not installed; the png test is skipped");
        return;
    }
    let dir = scratch("png");
    let (ok, out, err) = shell("go1.19.goroutine.pb.gz", "png\npng\n", &dir);
    assert!(ok, "{err}");
    assert_eq!(out, "(pprof) (pprof) (pprof) ");
    assert!(
        err.contains("Generating report in profile001.png\nGenerating report in profile002.png\n"),
        "{err}"
    );
    for f in ["profile001.png", "profile002.png"] {
        let png = std::fs::read(dir.join(f)).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{f} is not a PNG");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_command_sextant_lacks_is_refused_and_the_shell_goes_on() {
    let dir = scratch("web");
    let (ok, out, err) = shell("go1.19.goroutine.pb.gz", "kcachegrind\ntop1\n", &dir);
    assert!(ok, "{err}");
    assert!(
        err.contains("kcachegrind is not supported by sextant pprof yet"),
        "{err}"
    );
    assert!(out.contains("Showing top 1 nodes out of"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sextants_own_flame_graph_and_folded_stacks_work_in_the_shell() {
    let dir = scratch("flame");
    let (ok, out, err) = shell(
        "go1.19.goroutine.pb.gz",
        "flame\nfolded\nhelp flame\n",
        &dir,
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("Generating report in profile001.svg\n"),
        "{err}"
    );
    let svg = std::fs::read_to_string(dir.join("profile001.svg")).unwrap();
    assert!(
        svg.contains("<svg"),
        "not an SVG: {}",
        &svg[..svg.len().min(200)]
    );
    // Folded stacks: `frame;frame;... value` lines on stdout, between the prompts.
    let folded: Vec<&str> = out.lines().filter(|l| l.contains(';')).collect();
    assert!(!folded.is_empty(), "{out}");
    for l in &folded {
        let value = l.rsplit(' ').next().unwrap();
        assert!(value.parse::<i64>().is_ok(), "{l}");
    }
    assert!(
        err.contains("Outputs an interactive SVG flame graph"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
