//! Go's tools on what we write: `go tool pprof -raw` prints the same text for our re-encoding
//! of every fixture as for the fixture itself; and Go's `-tagroot`/`-tagleaf` frames are ours.
//! Skipped, saying so, when `go` is not on PATH.

use std::path::Path;
use std::process::Command;

use sextant_profile::pipeline::{self, ReportOptions, SourceOptions};

use crate::fixtures::{have_go, name, profiles, read, testdata};

/// `go tool pprof -raw` on a file, with no binaries to be found for its mappings.
fn go_raw(file: &Path, scratch: &Path) -> String {
    go_raw_with(&[], file, scratch)
}

/// `go tool pprof -raw <args> <file>`, with no binaries to be found for its mappings.
fn go_raw_with(args: &[&str], file: &Path, scratch: &Path) -> String {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    all.push(file.as_os_str());
    crate::fixtures::go_raw(scratch, &all)
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

#[test]
fn label_frames_match_go_tool_pprof_tagroot_and_tagleaf() {
    if !have_go("interop") {
        return;
    }
    let scratch = std::env::temp_dir().join(format!("sextant-tagroot-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("creating a scratch directory");
    let cases = [
        ("go1.19.cpu.pb.gz", "endpoint,worker", "", "minimum"),
        ("go1.19.cpu.pb.gz", "", "worker,nosuchkey", "minimum"),
        ("go1.19.heap.pb.gz", "bytes", "bytes", "minimum"),
        ("go1.19.heap.pb.gz", "", "bytes", "kb"),
    ];
    let without_time = |t: &str| -> String {
        t.lines()
            .filter(|l| !l.starts_with("Time: "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    for (file, root, leaf, unit) in cases {
        let path = testdata().join(file);
        let args = [
            format!("-tagroot={root}"),
            format!("-tagleaf={leaf}"),
            format!("-unit={unit}"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let go = go_raw_with(&args, &path, &scratch);
        let mut p = pipeline::combine(vec![read(&path)], vec![], &SourceOptions::default())
            .expect("combining one profile");
        pipeline::add_label_frames(&mut p, root, leaf, unit);
        let ours = pipeline::prepare(p, &ReportOptions::default()).expect("preparing");
        assert!(
            without_time(&go) == without_time(&ours.profile.to_string()),
            "{file} -tagroot={root} -tagleaf={leaf} -unit={unit}: go tool pprof -raw differs"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn divided_proto_output_matches_go_tool_pprof_proto() {
    if !have_go("interop") {
        return;
    }
    let scratch = std::env::temp_dir().join(format!("sextant-proto-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("creating a scratch directory");
    for file in ["go1.19.cpu.pb.gz", "go1.19.block.pb.gz"] {
        let path = testdata().join(file);
        // Go's -proto output, read back by Go.
        let theirs = scratch.join(format!("go.{file}"));
        let out = Command::new("go")
            .args(["tool", "pprof", "-proto", "-divide_by=3", "-output"])
            .arg(&theirs)
            .arg(&path)
            .env("PPROF_BINARY_PATH", &scratch)
            .output()
            .expect("running go tool pprof -proto");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Ours, read by Go.
        let opts = ReportOptions {
            divide_by: 3.0,
            ..ReportOptions::default()
        };
        let p = pipeline::run(vec![read(&path)], vec![], &SourceOptions::default(), &opts)
            .expect("the pipeline runs")
            .into_proto();
        let ours = scratch.join(format!("ours.{file}"));
        let mut f = std::fs::File::create(&ours).expect("creating our profile");
        p.write(&mut f).expect("writing our profile");
        drop(f);
        assert!(
            go_raw(&theirs, &scratch) == go_raw(&ours, &scratch),
            "{file}: -proto -divide_by=3 differs from Go's"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
