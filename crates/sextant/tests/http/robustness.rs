//! The endpoint under bad clients: many at once, malformed requests, clients that send or
//! read nothing, oversized requests, a panicking handler, a missing token. After each, the
//! server still serves.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use sextant::http::{Builder, Response, handle};

use super::common::*;

/// The server still answers a cheap request correctly.
fn still_serves(addr: SocketAddr) {
    let r = get(addr, "/debug/pprof/symbol");
    assert_eq!((r.status, r.text().as_str()), (200, "num_symbols: 1\n"));
}

#[test]
fn a_hundred_concurrent_cheap_requests_are_all_answered() {
    let server = start(Builder::new("127.0.0.1:0").max_connections(128));
    let addr = server.local_addr();
    let argv = std::env::args().collect::<Vec<_>>().join("\0");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..100)
            .map(|i| {
                s.spawn(move || match i % 3 {
                    0 => get(addr, "/debug/pprof/cmdline"),
                    1 => get(addr, "/debug/pprof/"),
                    _ => get(addr, "/debug/pprof/symbol"),
                })
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let r = h.join().unwrap();
            assert_eq!(r.status, 200, "request {i}: {}", r.text());
            match i % 3 {
                0 => assert_eq!(r.text(), argv),
                1 => assert!(r.text().ends_with("</html>")),
                _ => assert_eq!(r.text(), "num_symbols: 1\n"),
            }
        }
    });
    still_serves(addr);
}

#[test]
fn connections_past_the_limit_get_503_and_the_slots_come_back() {
    let server = start(Builder::new("127.0.0.1:0").max_connections(2));
    let addr = server.local_addr();
    let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // The listener takes connections in order, so the third finds both slots taken.
    let mut third = TcpStream::connect(addr).unwrap();
    third.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    let mut all = Vec::new();
    third.read_to_end(&mut all).unwrap();
    let r = parse(&all).unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(
        r.text(),
        "too many connections: the /debug/pprof endpoint serves at most 2 at once\n"
    );
    drop(idle);
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    loop {
        let r = get(addr, "/debug/pprof/symbol");
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503);
        assert!(Instant::now() < deadline, "the slots never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn malformed_requests_get_clear_errors() {
    let server = start(Builder::new("127.0.0.1:0").write_timeout(Duration::from_secs(10)));
    let addr = server.local_addr();
    let cases: &[(&[u8], u16, &str)] = &[
        (b"GARBAGE\r\n\r\n", 400, "malformed request line"),
        (b"\x00\x01\x02\r\n\r\n", 400, "malformed request"),
        (b"GET /debug/pprof/ HTTP/3.0\r\n\r\n", 505, "not supported"),
        (
            b"GET /debug/pprof/%zz HTTP/1.1\r\n\r\n",
            400,
            "malformed request path",
        ),
        (
            b"GET debug HTTP/1.1\r\n\r\n",
            400,
            "malformed request target",
        ),
        (
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            400,
            "malformed header line",
        ),
        (
            b"POST /debug/pprof/symbol HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            400,
            "Content-Length",
        ),
        (
            b"POST /debug/pprof/symbol HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            501,
            "send the body with Content-Length",
        ),
    ];
    for &(raw, status, text) in cases {
        let r = send(addr, raw).unwrap();
        assert_eq!(
            r.status,
            status,
            "{:?}: {}",
            String::from_utf8_lossy(raw),
            r.text()
        );
        assert!(
            r.text().contains(text),
            "{:?}: {}",
            String::from_utf8_lossy(raw),
            r.text()
        );
    }
    still_serves(addr);
}

#[test]
fn malformed_query_strings_are_read_as_go_reads_them() {
    let server = start(Builder::new("127.0.0.1:0").write_timeout(Duration::from_secs(10)));
    let addr = server.local_addr();
    // Pairs Go's ParseQuery rejects are skipped: seconds falls back to 30, over the timeout.
    for q in [
        "seconds=%zz",
        "seconds=5;x=1",
        "seconds=%",
        "&&&=&seconds",
        "seconds=+",
    ] {
        let r = get(addr, &format!("/debug/pprof/profile?{q}"));
        assert_eq!(
            (r.status, r.text().as_str()),
            (400, "profile duration exceeds server's WriteTimeout\n"),
            "{q}"
        );
    }
    // A valid pair after a broken one still counts.
    let r = get(addr, "/debug/pprof/heap?seconds=%zz&seconds=-1");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().starts_with("invalid value for \"seconds\""),
        "{}",
        r.text()
    );
    let r = get(addr, "/debug/pprof/cmdline?%%%&&==&;;&%zz=%zz");
    assert_eq!(r.status, 200);
    still_serves(addr);
}

#[test]
fn a_client_that_sends_nothing_is_closed_at_the_read_timeout() {
    let server = start(Builder::new("127.0.0.1:0").read_timeout(Duration::from_millis(300)));
    let addr = server.local_addr();
    let mut silent = TcpStream::connect(addr).unwrap();
    silent.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    let mut all = Vec::new();
    silent.read_to_end(&mut all).unwrap();
    assert!(all.is_empty(), "closed without a word: {all:?}");

    // Half a request gets Go's status for a request that does not finish in time.
    let mut half = TcpStream::connect(addr).unwrap();
    half.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    half.write_all(b"GET /debug/pprof/cmdline HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut all = Vec::new();
    half.read_to_end(&mut all).unwrap();
    let r = parse(&all).unwrap();
    assert_eq!(r.status, 408, "{}", r.text());
    still_serves(addr);
}

#[test]
fn a_client_that_reads_nothing_is_dropped_at_the_write_timeout() {
    // A 64 MiB answer fills every socket buffer of a client that never reads.
    let big = |req: &sextant::http::Request| {
        if req.path() == "/big" {
            Response::new(200, "application/octet-stream", vec![7u8; 64 << 20])
        } else {
            handle(req)
        }
    };
    let server = start(
        Builder::new("127.0.0.1:0")
            .max_connections(1)
            .write_timeout(Duration::from_millis(500))
            .handler(big),
    );
    let addr = server.local_addr();
    let mut stuck = TcpStream::connect(addr).unwrap();
    stuck
        .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // Its one slot is taken until the write gives up; then the server serves again.
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    loop {
        let r = get(addr, "/debug/pprof/symbol");
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(
            Instant::now() < deadline,
            "the stuck write was never dropped"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(stuck);
}

#[test]
fn oversized_requests_are_refused() {
    let server = start(Builder::new("127.0.0.1:0").max_request_bytes(4096));
    let addr = server.local_addr();
    let long = "x".repeat(8192);
    let r = request(
        addr,
        "GET",
        "/debug/pprof/cmdline",
        &[("X-Long", &long)],
        b"",
    );
    assert_eq!(r.status, 431, "{}", r.text());
    assert!(r.text().contains("4096"), "{}", r.text());
    let r = request(addr, "POST", "/debug/pprof/symbol", &[], long.as_bytes());
    assert_eq!(r.status, 413, "{}", r.text());
    still_serves(addr);
}

#[test]
fn a_panicking_handler_gets_500_and_the_host_keeps_serving() {
    let server = start(Builder::new("127.0.0.1:0").handler(|req| {
        if req.path() == "/boom" {
            panic!("a bug in a handler");
        }
        handle(req)
    }));
    let addr = server.local_addr();
    let r = get(addr, "/boom");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("a bug in a handler"), "{}", r.text());
    still_serves(addr);
}

#[test]
fn a_token_is_required_when_set() {
    let server = start(Builder::new("127.0.0.1:0").token("s3cret"));
    let addr = server.local_addr();
    let r = get(addr, "/debug/pprof/cmdline");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"sextant\"")
    );
    let wrong = request(
        addr,
        "GET",
        "/debug/pprof/cmdline",
        &[("Authorization", "Bearer s3creT")],
        b"",
    );
    assert_eq!(wrong.status, 401);
    let basic = request(
        addr,
        "GET",
        "/debug/pprof/cmdline",
        &[("Authorization", "Basic s3cret")],
        b"",
    );
    assert_eq!(basic.status, 401);
    let right = request(
        addr,
        "GET",
        "/debug/pprof/cmdline",
        &[("Authorization", "Bearer s3cret")],
        b"",
    );
    assert_eq!(right.status, 200);
}

#[test]
fn only_loopback_is_served_without_the_opt_in() {
    let e = Builder::new("0.0.0.0:0").serve().unwrap_err().to_string();
    assert!(e.contains("not a loopback address"), "{e}");
    let server = start(Builder::new("localhost:0"));
    assert!(server.local_addr().ip().is_loopback());
    still_serves(server.local_addr());
}
