//! `sextant pprof` reads a real Go program's `/debug/pprof` over HTTP.
//!
//! `testdata/go/httpserve` (standard library only, `net/http/pprof`) is built with `go build`
//! and run; it serves on 127.0.0.1 and keeps three named functions busy. `sextant pprof -top`
//! must find `main.burnCPU` in a 2 s CPU profile, `main.allocate` in the heap profile and
//! `main.parkedWorker` in the goroutine profile.
//!
//! Go is needed: without `go` on PATH the test prints a note and passes, except in CI (the
//! `CI` environment variable set), where it fails.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Go program, killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn go_available() -> bool {
    let found = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`go` is not on PATH, and CI is set: install Go (Debian's golang-go) to run this test"
        );
        println!("note: `go` is not on PATH; the HTTP interop test with a Go server is skipped");
    }
    found
}

/// Builds and starts httpserve; returns it and its port.
fn serve(dir: &std::path::Path) -> (Served, u16) {
    let exe = dir.join("httpserve");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&exe)
        .arg(".")
        .current_dir(repo().join("testdata/go/httpserve"))
        .output()
        .expect("running go build");
    assert!(
        built.status.success(),
        "go build of testdata/go/httpserve failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let mut child = Command::new(&exe)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting httpserve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("reading httpserve's port");
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("httpserve printed {line:?}, not a port"));
    (Served(child), port)
}

fn sextant_pprof(args: &[&str], tmp: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .arg("pprof")
        .args(args)
        .env("PPROF_TMPDIR", tmp)
        .output()
        .expect("running sextant");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sextant pprof {args:?} failed: {stderr}"
    );
    assert!(stderr.contains("Saved profile in "), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sextant_pprof_reads_cpu_heap_and_goroutine_profiles_from_a_go_server() {
    if !go_available() {
        return;
    }
    let tmp = std::env::temp_dir().join(format!("sextant-httpserve-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (_served, port) = serve(&tmp);
    let base = format!("http://127.0.0.1:{port}/debug/pprof");

    let cpu = sextant_pprof(&["-top", "-seconds", "2", &format!("{base}/profile")], &tmp);
    assert!(cpu.contains("main.burnCPU"), "{cpu}");
    assert!(cpu.starts_with("File: httpserve\nType: cpu\n"), "{cpu}");

    let heap = sextant_pprof(&["-top", &format!("{base}/heap")], &tmp);
    assert!(heap.contains("Type: inuse_space"), "{heap}");
    assert!(heap.contains("main.allocate"), "{heap}");

    let goroutines = sextant_pprof(&["-top", &format!("{base}/goroutine")], &tmp);
    assert!(goroutines.contains("Type: goroutine"), "{goroutines}");
    assert!(goroutines.contains("main.parkedWorker"), "{goroutines}");

    let saved: Vec<String> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pprof."))
        .collect();
    assert!(
        saved.contains(&"pprof.httpserve.samples.cpu.001.pb.gz".to_string()),
        "{saved:?}"
    );
    drop(_served);
    std::fs::remove_dir_all(&tmp).unwrap();
}
