//! Every route over a real connection: status codes, Go's headers and error texts, bodies.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::common::*;

#[test]
fn the_index_lists_every_profile_in_go_1_19_structure() {
    let server = start_default();
    let r = get(server.local_addr(), "/debug/pprof/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let body = r.text();
    assert!(
        body.starts_with("<html>\n<head>\n<title>/debug/pprof/</title>\n"),
        "{body}"
    );
    for name in [
        "allocs",
        "block",
        "cmdline",
        "goroutine",
        "heap",
        "mutex",
        "profile",
    ] {
        let row = format!("<td><a href='{name}?debug=1'>{name}</a></td></tr>\n");
        assert!(body.contains(&row), "no row for {name}: {body}");
        assert!(
            body.contains(&format!("<li><div class=profile-name>{name}: </div> ")),
            "no description for {name}"
        );
    }
    assert!(body.contains("<tr><td>0</td><td><a href='cmdline?debug=1'>cmdline</a></td></tr>"));
    assert!(body.contains("<a href=\"goroutine?debug=2\">full goroutine stack dump</a>"));
    assert!(body.ends_with("</ul>\n</p>\n</body>\n</html>"));
}

#[test]
fn cmdline_is_argv_separated_by_nul() {
    let server = start_default();
    let r = get(server.local_addr(), "/debug/pprof/cmdline");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let want: Vec<String> = std::env::args().collect();
    assert_eq!(r.body, want.join("\0").into_bytes());
}

#[inline(never)]
fn symbol_target() -> u64 {
    std::hint::black_box(11)
}

#[test]
fn symbol_answers_get_and_post_in_go_protocol() {
    let server = start_default();
    let addr = server.local_addr();
    let pc = symbol_target as *const () as usize as u64 + 2;
    let r = get(addr, "/debug/pprof/symbol");
    assert_eq!((r.status, r.text().as_str()), (200, "num_symbols: 1\n"));

    let r = get(addr, &format!("/debug/pprof/symbol?{pc:#x}+0x0"));
    let want = format!("num_symbols: 1\n{pc:#x} http::routes::symbol_target\n");
    assert_eq!(r.text(), want);

    // pprof's symbolizer POSTs the addresses as octets.
    let body = format!("{pc:#x}+{pc:#x}");
    let headers = [("Content-Type", "application/octet-stream")];
    let r = request(
        addr,
        "POST",
        "/debug/pprof/symbol",
        &headers,
        body.as_bytes(),
    );
    assert_eq!(r.text().lines().count(), 3, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
}

#[test]
fn a_post_that_expects_100_continue_gets_it_before_sending_its_body() {
    let server = start_default();
    let pc = symbol_target as *const () as usize as u64;
    let body = format!("{pc:#x}+").repeat(100);
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    let head = format!(
        "POST /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let mut first = [0u8; 25];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(body.as_bytes()).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    let r = parse(&rest).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.text().lines().count(), 101);
}

#[test]
fn unknown_profiles_get_go_404_and_other_paths_the_mux_404() {
    let server = start_default();
    let r = get(server.local_addr(), "/debug/pprof/nosuch?debug=1");
    assert_eq!((r.status, r.text().as_str()), (404, "Unknown profile\n"));
    assert_eq!(r.header("x-go-pprof"), Some("1"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("content-disposition"), None);
    let r = get(server.local_addr(), "/metrics");
    assert_eq!((r.status, r.text().as_str()), (404, "404 page not found\n"));
}

/// Sample types each profile must have (ARCHITECTURE.md's contract 1).
fn sample_types(name: &str) -> &'static [&'static str] {
    match name {
        "heap" | "allocs" => &[
            "alloc_objects/count",
            "alloc_space/bytes",
            "inuse_objects/count",
            "inuse_space/bytes",
        ],
        "threads" | "goroutine" => &["threads/count"],
        "block" | "mutex" => &["contentions/count", "delay/nanoseconds"],
        "threadcreate" => &["threadcreate/count"],
        _ => unreachable!("{name}"),
    }
}

#[test]
fn named_profiles_come_as_go_serves_them() {
    let server = start_default();
    let addr = server.local_addr();
    for name in [
        "heap",
        "allocs",
        "threads",
        "goroutine",
        "block",
        "mutex",
        "threadcreate",
    ] {
        let r = get(addr, &format!("/debug/pprof/{name}"));
        let text = get(addr, &format!("/debug/pprof/{name}?debug=1"));
        let p = r.profile(name);
        let types: Vec<String> = p
            .sample_type
            .iter()
            .map(|t| format!("{}/{}", t.kind, t.unit))
            .collect();
        assert_eq!(types, sample_types(name), "{name}");
        assert_eq!(text.status, 200, "{name}: {}", text.text());
        assert_eq!(
            text.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(text.header("content-disposition"), None);
    }
}

#[test]
fn delta_parameters_get_go_errors() {
    let server =
        start(sextant::http::Builder::new("127.0.0.1:0").write_timeout(Duration::from_secs(5)));
    let addr = server.local_addr();
    let invalid = "invalid value for \"seconds\" - must be a positive integer\n";
    for s in ["0", "-3", "abc", "99999999999999999999", "1e3"] {
        let r = get(addr, &format!("/debug/pprof/heap?seconds={s}"));
        assert_eq!((r.status, r.text().as_str()), (400, invalid), "seconds={s}");
    }
    let r = get(addr, "/debug/pprof/block?seconds=1&debug=1");
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "seconds and debug params are incompatible\n")
    );
    let r = get(addr, "/debug/pprof/mutex?seconds=5");
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "profile duration exceeds server's WriteTimeout\n")
    );
    let r = get(addr, "/debug/pprof/nosuch?seconds=1");
    assert_eq!((r.status, r.text().as_str()), (404, "Unknown profile\n"));
}

#[test]
fn trace_says_it_does_not_exist_yet() {
    let server = start_default();
    let r = get(server.local_addr(), "/debug/pprof/trace?seconds=1");
    assert_eq!(r.status, 501);
    assert!(
        r.text().starts_with("Could not enable tracing: "),
        "{}",
        r.text()
    );
    assert!(r.text().contains("no execution tracer"), "{}", r.text());
    assert_eq!(r.header("x-go-pprof"), Some("1"));
}

#[test]
fn head_gets_the_headers_without_the_body() {
    let server = start_default();
    let full = get(server.local_addr(), "/debug/pprof/cmdline");
    let head = request(
        server.local_addr(),
        "HEAD",
        "/debug/pprof/cmdline",
        &[],
        b"",
    );
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length").unwrap(),
        full.body.len().to_string()
    );
    assert!(head.body.is_empty());
}

#[test]
fn a_kept_alive_connection_serves_pipelined_requests_in_order() {
    let server = start_default();
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    s.write_all(
        b"GET /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /debug/pprof/nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let first = parse(&all).unwrap();
    assert_eq!(
        (first.status, first.text().as_str()),
        (200, "num_symbols: 1\n")
    );
    let at = all.windows(12).rposition(|w| w == b"HTTP/1.1 404").unwrap();
    let second = parse(&all[at..]).unwrap();
    assert_eq!(second.text(), "Unknown profile\n");
    assert_eq!(second.header("connection"), Some("close"));
}
