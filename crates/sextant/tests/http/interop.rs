//! The example service (`examples/service.rs`) in a process of its own, on an ephemeral
//! loopback port it prints on stdout, read by Go's `go tool pprof`, by our `sextant pprof`
//! and by a plain client, as a user would.
//!
//! The child is this test binary run again with [`CHILD`] set, which runs the example's
//! `run` (included below), so no separate build of the example is needed. CI installs Go;
//! where `go` is not on PATH the Go checks print a note and pass.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use super::common::*;

#[path = "../../examples/service.rs"]
#[allow(dead_code, unreachable_pub)]
mod service;

/// Set in the child's environment: it serves instead of testing.
const CHILD: &str = "SEXTANT_HTTP_TEST_SERVICE";

/// Not a check: the entry point of the child process, which runs the example service until
/// it is killed. In a normal run it returns at once.
#[test]
fn service_child() {
    if std::env::var_os(CHILD).is_some() {
        service::run(0, None).expect("the example service runs");
    }
}

/// The example service, killed when dropped.
struct Service {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_service() -> Service {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "interop::service_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("re-running the test binary as the service");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest prints the test's name on the same line first.
            if let Some((_, a)) = line.split_once("listening on http://") {
                let _ = tx.send(a.parse::<SocketAddr>().expect("an address"));
            }
        }
    });
    let addr = match rx.recv_timeout(CLIENT_TIMEOUT) {
        Ok(a) => a,
        Err(e) => {
            let _ = child.kill();
            panic!("the service never said where it listens: {e}");
        }
    };
    Service { child, addr }
}

/// A directory of its own for `go tool pprof`'s and `sextant pprof`'s saved copies.
fn pprof_tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sextant-http-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a pprof-like tool on a URL, returning (success, stdout, stderr). The tools are given
/// `-timeout=60`: their default wait for a 2 s profile is 8 s, and a debug build of this
/// binary, on a loaded machine, can take longer than that to symbolize the profile.
fn run_tool(mut cmd: Command, tmp: &PathBuf) -> (bool, String, String) {
    let out = cmd
        .env("PPROF_TMPDIR", tmp)
        .env("HOME", tmp)
        .output()
        .expect("running the tool");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn go_pprof(args: &[&str], tmp: &PathBuf) -> (bool, String, String) {
    let mut cmd = Command::new("go");
    cmd.args(["tool", "pprof"]).args(args);
    run_tool(cmd, tmp)
}

/// Our CLI, built beside this test by `cargo test --workspace` (or `cargo build -p
/// sextant-cli`); `None` with a note where it is missing, outside CI.
fn sextant_cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent()?.parent()?.join("sextant");
    if bin.exists() {
        return Some(bin);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing and CI is set: build it with `cargo build -p sextant-cli`",
        bin.display()
    );
    println!(
        "note: {} is missing; `sextant pprof` interop not checked",
        bin.display()
    );
    None
}

const CPU_FUNCTION: &str = "service::work::checksum";
/// Holds 16 MiB from start to end, so every heap profile of the service shows it.
const ALLOC_FUNCTION: &str = "service::work::load_sessions";

#[test]
fn go_tool_pprof_reads_the_cpu_profile_of_the_running_service() {
    if !have_go() {
        return;
    }
    let svc = start_service();
    let tmp = pprof_tmpdir("go-cpu");
    let url = format!("http://{}/debug/pprof/profile?seconds=2", svc.addr);
    let (ok, top, err) = go_pprof(&["-timeout=60", "-top", &url], &tmp);
    assert!(ok, "go tool pprof -top {url} failed: {err}");
    assert!(err.contains("Fetching profile over HTTP from"), "{err}");
    assert!(top.contains("Type: cpu"), "{top}");
    assert!(top.contains(CPU_FUNCTION), "{top}");
    assert!(top.contains("service::work::handle_request"), "{top}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn go_tool_pprof_reads_the_heap_profile_of_the_running_service() {
    if !have_go() {
        return;
    }
    let svc = start_service();
    let tmp = pprof_tmpdir("go-heap");
    let url = format!("http://{}/debug/pprof/heap", svc.addr);
    let (ok, top, err) = go_pprof(&["-timeout=60", "-top", &url], &tmp);
    assert!(ok, "go tool pprof -top {url} failed: {err}");
    assert!(top.contains("Type: inuse_space"), "{top}");
    assert!(top.contains(ALLOC_FUNCTION), "{top}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn sextant_pprof_reads_the_profiles_of_the_running_service() {
    let Some(cli) = sextant_cli() else {
        return;
    };
    let svc = start_service();
    let tmp = pprof_tmpdir("sextant");
    let url = format!("http://{}/debug/pprof/profile?seconds=2", svc.addr);
    let mut cmd = Command::new(&cli);
    cmd.args(["pprof", "-timeout=60", "-top", &url]);
    let (ok, top, err) = run_tool(cmd, &tmp);
    assert!(ok, "sextant pprof -top {url} failed: {err}");
    assert!(top.contains("Type: cpu"), "{top}");
    assert!(top.contains(CPU_FUNCTION), "{top}");
    let url = format!("http://{}/debug/pprof/heap", svc.addr);
    let mut cmd = Command::new(&cli);
    cmd.args(["pprof", "-timeout=60", "-top", &url]);
    let (ok, top, err) = run_tool(cmd, &tmp);
    assert!(ok, "sextant pprof -top {url} failed: {err}");
    assert!(top.contains("Type: inuse_space"), "{top}");
    assert!(top.contains(ALLOC_FUNCTION), "{top}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn the_thread_dump_of_the_running_service_shows_its_workers() {
    let svc = start_service();
    let url = format!("http://{}/debug/pprof/goroutine?debug=2", svc.addr);
    // As a user would: with curl where it is installed, else with this file's client.
    let dump = match Command::new("curl")
        .args(["-fsS", "--max-time", "60", &url])
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "curl {url}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        }
        Err(_) => {
            println!("note: curl is not on PATH; fetching with the test's own client");
            let r = get(svc.addr, "/debug/pprof/goroutine?debug=2");
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
            r.text()
        }
    };
    assert!(dump.contains("worker-0"), "{dump}");
    assert!(dump.contains("worker-1"), "{dump}");
    assert!(dump.contains("service::work::serve_requests"), "{dump}");
}
