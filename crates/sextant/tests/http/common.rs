//! A small HTTP client over `TcpStream` (every request on loopback, every read bounded), and
//! what the modules share.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// No test waits longer than this for an answer; a hang fails instead of blocking CI.
pub(crate) const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// CPU profiles are process-wide: tests that take one take this first.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A response as read off the wire.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    /// The profile of a 200 answer served as Go serves one: `application/octet-stream`, an
    /// attachment named `filename`; panics with the answer's text otherwise.
    pub(crate) fn profile(&self, filename: &str) -> sextant_profile::Profile {
        assert_eq!(self.status, 200, "{filename}: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/octet-stream"),
            "{filename}"
        );
        let disposition = format!("attachment; filename=\"{filename}\"");
        assert_eq!(
            self.header("content-disposition"),
            Some(disposition.as_str()),
            "{filename}"
        );
        sextant_profile::Profile::parse(&self.body).unwrap_or_else(|e| panic!("{filename}: {e}"))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `raw` as the whole request and reads the answer until the server closes.
pub(crate) fn send(addr: SocketAddr, raw: &[u8]) -> std::io::Result<Resp> {
    let all = send_raw(addr, raw)?;
    parse(&all).ok_or_else(|| {
        std::io::Error::other(format!(
            "not an HTTP response: {:?}",
            String::from_utf8_lossy(&all)
        ))
    })
}

/// `GET target` on a connection of its own.
pub(crate) fn get(addr: SocketAddr, target: &str) -> Resp {
    request(addr, "GET", target, &[], b"")
}

/// One request with `headers` and `body`, `Connection: close`.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    if !body.is_empty() {
        raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    if method == "HEAD" {
        let all = send_raw(addr, &raw).unwrap_or_else(|e| panic!("{method} {target}: {e}"));
        return parse_head_only(&all).unwrap_or_else(|| panic!("HEAD {target}: {all:?}"));
    }
    send(addr, &raw).unwrap_or_else(|e| panic!("{method} {target}: {e}"))
}

/// Sends `raw` and returns every byte the server answers until it closes.
pub(crate) fn send_raw(addr: SocketAddr, raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT)?;
    s.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    s.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    s.write_all(raw)?;
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    Ok(all)
}

/// A response to HEAD: the head, and whatever follows it as the body (nothing, if right).
fn parse_head_only(all: &[u8]) -> Option<Resp> {
    let end = all.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let mut with_body = all[..end].to_vec();
    let mut r = {
        // Parse the head with an empty body claimed.
        let head = std::str::from_utf8(&with_body)
            .ok()?
            .replace("Content-Length", "X-Len");
        with_body = head.into_bytes();
        parse(&with_body)?
    };
    for (n, _) in &mut r.headers {
        if n == "X-Len" {
            *n = "Content-Length".into();
        }
    }
    r.body = all[end..].to_vec();
    Some(r)
}

/// The first response in `all`: status line, headers, then `Content-Length` bytes.
pub(crate) fn parse(all: &[u8]) -> Option<Resp> {
    let end = all.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&all[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(all.len() - end);
    let body = all.get(end..end + len)?.to_vec();
    Some(Resp {
        status,
        headers,
        body,
    })
}

/// A server on a free loopback port with `b`'s options.
pub(crate) fn start(b: sextant::http::Builder) -> sextant::http::Server {
    b.serve().expect("serving on 127.0.0.1:0")
}

/// A server with the default options on a free loopback port.
pub(crate) fn start_default() -> sextant::http::Server {
    start(sextant::http::Builder::new("127.0.0.1:0"))
}

/// Burns CPU in a function whose name the profiles show, for at least `d` of wall time.
#[inline(never)]
pub(crate) fn burn_in_http_test(d: Duration) -> u64 {
    let end = Instant::now() + d;
    let mut h = 1u64;
    while Instant::now() < end {
        for i in 0..10_000u64 {
            h = std::hint::black_box(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
        }
    }
    h
}

/// Whether `go` is on PATH; without it, interop is checked only in CI (where it must be).
pub(crate) fn have_go() -> bool {
    let ok = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "`go` is not on PATH, and CI is set: install golang-go"
        );
        println!("note: `go` is not on PATH; go tool pprof interop not checked");
    }
    ok
}
