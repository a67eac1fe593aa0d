//! `sextant pprof` on URL sources, against a tiny server in the test (std's `TcpListener` on
//! 127.0.0.1:0, one canned answer per connection): the report equals the one on the file the
//! server sent, the request is the one Go's `adjustURL` makes, Go's messages appear on stderr
//! ("Fetching profile over HTTP from", "Please wait...", "Saved profile in"), the copy is saved
//! under `$PPROF_TMPDIR` with pprof's name, and failures are clear.
//!
//! Expected texts are go tool pprof's (Go 1.19, checked against a local server by hand).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use support::{session, testdata};

/// What the heap fixture is saved as: its binary's base name, then its sample types.
const HEAP_SAVED: &str = "pprof.gen.alloc_objects.alloc_space.inuse_objects.inuse_space.001.pb.gz";

/// Serves `answers` in order, one per connection, and reports each request line.
struct Server {
    port: u16,
    requests: mpsc::Receiver<String>,
}

impl Server {
    fn start(answers: Vec<Answer>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for answer in answers {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let mut r = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                // Read the headers up to the blank line.
                let mut h = String::new();
                while r.read_line(&mut h).unwrap() > 0 && h != "\r\n" {
                    h.clear();
                }
                let _ = tx.send(line.trim_end().to_string());
                match answer {
                    Answer::Raw(head, body) => {
                        let _ = stream.write_all(&head);
                        let _ = stream.write_all(&body);
                    }
                    Answer::Silent(d) => thread::sleep(d),
                    Answer::Together(barrier, body) => {
                        barrier.wait();
                        if let Answer::Raw(head, body) = ok_with_length(body) {
                            let _ = stream.write_all(&head);
                            let _ = stream.write_all(&body);
                        }
                    }
                }
            }
        });
        Server { port, requests: rx }
    }

    fn request(&self) -> String {
        self.requests
            .recv_timeout(Duration::from_secs(30))
            .expect("the server saw no request")
    }
}

enum Answer {
    /// Head bytes, then body bytes, then close.
    Raw(Vec<u8>, Vec<u8>),
    /// Reads the request, answers nothing for this long.
    Silent(Duration),
    /// Answers 200 with the body once every server sharing the barrier has its request.
    Together(std::sync::Arc<std::sync::Barrier>, Vec<u8>),
}

fn ok_with_length(body: Vec<u8>) -> Answer {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    Answer::Raw(head.into_bytes(), body)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(testdata().join(name)).unwrap()
}

/// A fresh `$PPROF_TMPDIR` for one test.
fn tmpdir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sextant-fetch-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs `sextant pprof ARGS` in testdata/go with `$PPROF_TMPDIR` set; (exit code, out, err).
fn pprof(args: &[&str], tmp: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .arg("pprof")
        .args(args)
        .current_dir(testdata())
        .env("PPROF_TMPDIR", tmp)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn url_report_equals_the_file_report_and_the_profile_is_saved_with_pprofs_name() {
    let server = Server::start(vec![ok_with_length(fixture("go1.19.heap.pb.gz"))]);
    let tmp = tmpdir("heap");
    let url = format!("http://127.0.0.1:{}/debug/pprof/heap", server.port);
    let (rc, out, err) = pprof(&["-top", &url], &tmp);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(server.request(), "GET /debug/pprof/heap HTTP/1.1");
    let (_, want, _) = pprof(&["-top", "go1.19.heap.pb.gz"], &tmp);
    assert_eq!(out, want);
    let saved = tmp.join(HEAP_SAVED);
    assert_eq!(
        err,
        format!(
            "Fetching profile over HTTP from {url}\nSaved profile in {}\n",
            saved.display()
        )
    );
    // The saved copy is the profile: reading it gives the same report.
    let (_, again, _) = pprof(&["-top", saved.to_str().unwrap()], &tmp);
    assert_eq!(again, want);
    std::fs::remove_dir_all(tmp).unwrap();
}

#[test]
fn host_port_with_seconds_asks_for_the_cpu_profile_and_reads_a_chunked_body() {
    let body = fixture("go1.19.cpu.pb.gz");
    let mut chunked = Vec::new();
    for part in body.chunks(1000) {
        chunked.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\nX-Trailer: t\r\n\r\n");
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let server = Server::start(vec![Answer::Raw(head, chunked)]);
    let tmp = tmpdir("chunked");
    let source = format!("127.0.0.1:{}", server.port);
    let (rc, out, err) = pprof(&["-top", "-seconds", "2", &source], &tmp);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        server.request(),
        "GET /debug/pprof/profile?seconds=2 HTTP/1.1"
    );
    assert_eq!(out, pprof(&["-top", "go1.19.cpu.pb.gz"], &tmp).1);
    let want_err = format!(
        "Fetching profile over HTTP from http://{source}/debug/pprof/profile?seconds=2\n\
         Please wait... (2s)\nSaved profile in {}\n",
        tmp.join("pprof.gen.samples.cpu.001.pb.gz").display()
    );
    assert_eq!(err, want_err);
    std::fs::remove_dir_all(tmp).unwrap();
}

#[test]
fn a_body_that_runs_to_the_close_is_read_whole() {
    let head = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
    let server = Server::start(vec![Answer::Raw(head, fixture("go1.19.goroutine.pb.gz"))]);
    let tmp = tmpdir("close");
    let url = format!(
        "http://127.0.0.1:{}/debug/pprof/goroutine?seconds=0",
        server.port
    );
    let (rc, out, err) = pprof(&["-traces", &url], &tmp);
    assert_eq!(rc, 0, "{err}");
    // A seconds parameter in the URL is kept, and announces no wait.
    assert_eq!(
        server.request(),
        "GET /debug/pprof/goroutine?seconds=0 HTTP/1.1"
    );
    assert!(!err.contains("Please wait"), "{err}");
    assert_eq!(out, pprof(&["-traces", "go1.19.goroutine.pb.gz"], &tmp).1);
    std::fs::remove_dir_all(tmp).unwrap();
}

#[test]
fn a_pprof_endpoint_error_shows_the_servers_text() {
    let body = b"Could not enable CPU profiling: cpu profiling already in use\n".to_vec();
    let head = format!(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n\
         X-Go-Pprof: 1\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let server = Server::start(vec![Answer::Raw(head.into_bytes(), body)]);
    let tmp = tmpdir("500");
    let url = format!("http://127.0.0.1:{}/debug/pprof/profile", server.port);
    let (rc, out, err) = pprof(&["-top", &url], &tmp);
    assert_eq!(rc, 1);
    assert!(out.is_empty());
    assert!(
        err.contains(&format!(
            "error: {url}: server response: 500 Internal Server Error - Could not enable CPU \
             profiling: cpu profiling already in use\n"
        )),
        "{err}"
    );
    assert!(!tmp.exists(), "nothing is saved when the fetch fails");
}

#[test]
fn other_servers_errors_show_the_status_only() {
    let head = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n".to_vec();
    let server = Server::start(vec![Answer::Raw(head, b"not here\n".to_vec())]);
    let tmp = tmpdir("404");
    let url = format!("http://127.0.0.1:{}/debug/pprof/nope", server.port);
    let (rc, _, err) = pprof(&["-top", &url], &tmp);
    assert_eq!(rc, 1);
    assert!(
        err.contains(&format!("error: {url}: server response: 404 Not Found\n")),
        "{err}"
    );
}

#[test]
fn a_silent_server_times_out_after_the_timeout_plus_five_seconds() {
    let server = Server::start(vec![Answer::Silent(Duration::from_secs(20))]);
    let tmp = tmpdir("slow");
    let url = format!("http://127.0.0.1:{}/debug/pprof/heap", server.port);
    let started = std::time::Instant::now();
    let (rc, _, err) = pprof(&["-top", "-timeout=1", &url], &tmp);
    assert_eq!(rc, 1);
    assert!(
        err.contains(&format!("error: cannot fetch {url}: no response within 6s")),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    // Bounded: the client gave up well before the server would have answered.
    assert!(started.elapsed() < Duration::from_secs(19));
}

#[test]
fn an_unreachable_url_is_named() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tmpdir("refused");
    let url = format!("http://127.0.0.1:{port}/debug/pprof/profile");
    let (rc, out, err) = pprof(&["-top", &format!("127.0.0.1:{port}")], &tmp);
    assert_eq!(rc, 1);
    assert!(out.is_empty());
    assert!(
        err.contains(&format!("error: cannot fetch {url}: ")),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
}

#[test]
fn a_page_that_is_not_a_profile_says_so() {
    let server = Server::start(vec![ok_with_length(b"<html>hello</html>\n".to_vec())]);
    let tmp = tmpdir("html");
    let url = format!("http://127.0.0.1:{}/debug/pprof/", server.port);
    let (rc, _, err) = pprof(&["-top", &url], &tmp);
    assert_eq!(rc, 1);
    assert!(err.contains(&format!("error: {url}: ")), "{err}");
    assert!(err.contains("not a profile"), "{err}");
}

#[test]
fn https_is_refused_clearly() {
    let tmp = tmpdir("https");
    let (rc, _, err) = pprof(&["-top", "https://127.0.0.1:1/debug/pprof/heap"], &tmp);
    assert_eq!(rc, 1);
    assert!(err.contains("https is not supported yet"), "{err}");
}

#[test]
fn a_url_without_an_output_format_opens_the_shell_on_the_fetched_profile() {
    let server = Server::start(vec![ok_with_length(fixture("go1.19.heap.pb.gz"))]);
    let tmp = tmpdir("shell");
    let url = format!("http://127.0.0.1:{}/debug/pprof/heap", server.port);
    let run = |source: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant"));
        cmd.args(["pprof", source])
            .current_dir(testdata())
            .env("PPROF_TMPDIR", &tmp);
        let out = session(cmd, b"top3\n".to_vec()).unwrap();
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (out, err) = run(&url);
    let (want_out, want_err) = run("go1.19.heap.pb.gz");
    assert_eq!(out, want_out);
    assert!(
        out.starts_with("(pprof) Showing nodes accounting for"),
        "{out}"
    );
    let saved = tmp.join(HEAP_SAVED);
    assert_eq!(
        err,
        format!(
            "Fetching profile over HTTP from {url}\nSaved profile in {}\n{want_err}",
            saved.display()
        )
    );
    std::fs::remove_dir_all(tmp).unwrap();
}

#[test]
fn several_urls_are_fetched_at_the_same_time_and_merged() {
    // Each server answers only once both have their request: fetching one after the other
    // would wait until -timeout gave up.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let body = fixture("go1.19.cpu.pb.gz");
    let a = Server::start(vec![Answer::Together(barrier.clone(), body.clone())]);
    let b = Server::start(vec![Answer::Together(barrier, body)]);
    let tmp = tmpdir("together");
    let (ua, ub) = (
        format!("127.0.0.1:{}", a.port),
        format!("127.0.0.1:{}", b.port),
    );
    let (rc, out, err) = pprof(&["-top", "-timeout=2", &ua, &ub], &tmp);
    assert_eq!(rc, 0, "{err}");
    let files = ["go1.19.cpu.pb.gz", "go1.19.cpu.pb.gz"];
    let (_, want, _) = pprof(&["-top", files[0], files[1]], &tmp);
    assert_eq!(
        out, want,
        "the two fetched profiles are merged as the two files are"
    );
    assert!(
        tmp.join("pprof.gen.samples.cpu.001.pb.gz").exists(),
        "{err}"
    );
    std::fs::remove_dir_all(tmp).unwrap();
}

#[test]
fn a_failed_source_among_several_is_reported_and_left_out() {
    let server = Server::start(vec![ok_with_length(fixture("go1.19.heap.pb.gz"))]);
    let refused = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tmpdir("partial");
    let good = format!("http://127.0.0.1:{}/debug/pprof/heap", server.port);
    let bad = format!("http://127.0.0.1:{refused}/debug/pprof/heap");
    let (rc, out, err) = pprof(&["-top", &good, &bad], &tmp);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(out, pprof(&["-top", "go1.19.heap.pb.gz"], &tmp).1);
    assert!(err.contains(&format!("cannot fetch {bad}: ")), "{err}");
    assert!(
        err.contains("Fetched 1 source profiles out of 2\n"),
        "{err}"
    );
    // When none is left, that is the error.
    let (rc, _, err) = pprof(&["-top", "no-such-1.pb.gz", "no-such-2.pb.gz"], &tmp);
    assert_eq!(rc, 1);
    assert!(err.contains("cannot read profile no-such-1.pb.gz"), "{err}");
    assert!(
        err.ends_with("error: failed to fetch any source profiles\n"),
        "{err}"
    );
    std::fs::remove_dir_all(tmp).unwrap();
}

#[test]
fn without_pprof_tmpdir_profiles_are_saved_under_home_pprof() {
    let server = Server::start(vec![ok_with_length(fixture("go1.19.heap.pb.gz"))]);
    let home = tmpdir("home");
    let url = format!("http://127.0.0.1:{}/debug/pprof/heap", server.port);
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(["pprof", "-top", &url])
        .env_remove("PPROF_TMPDIR")
        .env("HOME", &home)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let saved = home.join("pprof").join(HEAP_SAVED);
    assert!(
        err.ends_with(&format!("Saved profile in {}\n", saved.display())),
        "{err}"
    );
    assert!(saved.exists());
    std::fs::remove_dir_all(home).unwrap();
}

#[test]
fn http_proxy_carries_requests_to_other_hosts_as_gos_client_sends_them() {
    // The "proxy" is the test server; the profile's host is never resolved.
    let proxy = Server::start(vec![ok_with_length(fixture("go1.19.heap.pb.gz"))]);
    let tmp = tmpdir("proxy");
    let out = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(["pprof", "-top", "profiles.invalid:6060/debug/pprof/heap"])
        .current_dir(testdata())
        .env("PPROF_TMPDIR", &tmp)
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", proxy.port))
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        proxy.request(),
        "GET http://profiles.invalid:6060/debug/pprof/heap HTTP/1.1"
    );
    let (_, want, _) = pprof(&["-top", "go1.19.heap.pb.gz"], &tmp);
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    std::fs::remove_dir_all(tmp).unwrap();
}
