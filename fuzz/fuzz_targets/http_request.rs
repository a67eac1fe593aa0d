//! Fuzzes the HTTP/1.1 request reader of the embedded `/debug/pprof` server, the bytes a
//! network client sends, without sockets: the server's own connection code reads them from
//! memory (`sextant::http::fuzz_read_requests`).
//!
//! The first byte picks the size limit (`max_request_bytes`); the rest is what the client
//! sends before closing. Properties checked:
//! - reading never panics or hangs, and ends with requests and at most one error answer, a
//!   4xx or 5xx of the reader's own (400, 413, 431, 501, 505);
//! - the outcome does not depend on how the bytes arrive: one byte at a time, in pieces of 7
//!   or 100, or all at once;
//! - every request read fits the limit, its body has the length `Content-Length` announced,
//!   and only its last request may close the connection;
//! - each request's target parses (`Request::new`) or is refused with an error, never a
//!   panic; its path and query decode (`form_value`), and the routes that answer at once
//!   (not found, redirect, `cmdline`, `trace`, unknown profiles) answer without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sextant::http::{Request, fuzz_read_requests, handle};

fuzz_target!(|data: &[u8]| {
    let Some((&limit, input)) = data.split_first() else {
        return;
    };
    let max_bytes = if limit == 255 {
        1 << 20
    } else {
        16 + usize::from(limit) * 4
    };
    let (wires, error) = fuzz_read_requests(input, 1, max_bytes);
    for piece in [7, 100, input.len()] {
        let again = fuzz_read_requests(input, piece, max_bytes);
        assert_eq!(
            again,
            (wires.clone(), error),
            "pieces of {piece} bytes read otherwise than single bytes"
        );
    }
    if let Some(status) = error {
        assert!(
            [400, 413, 431, 501, 505].contains(&status),
            "unexpected error status {status}"
        );
    }
    for (i, (method, target, headers, body, keep_alive)) in wires.iter().enumerate() {
        assert!(
            *keep_alive || i + 1 == wires.len(),
            "a request after a close"
        );
        let head: usize = method.len()
            + target.len()
            + headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>();
        assert!(
            head + body.len() <= max_bytes,
            "request {i} exceeds {max_bytes} bytes"
        );
        if let Some((_, len)) = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            assert_eq!(len.parse::<usize>().ok(), Some(body.len()), "body length");
        } else {
            assert!(body.is_empty(), "a body without Content-Length");
        }
        let Ok(mut req) = Request::new(method, target) else {
            continue;
        };
        for (n, v) in headers {
            req = req.with_header(n, v);
        }
        req = req.with_body(body.clone());
        for key in ["seconds", "debug", "gc", "hz", ""] {
            let _ = req.form_value(key);
        }
        let _ = (req.path(), req.raw_query());
        if answers_at_once(req.path()) {
            let resp = handle(&req);
            assert_ne!(resp.status(), 500, "{} answered 500", req.path());
        }
    }
});

/// Whether the route of `path` answers without collecting a profile or waiting.
fn answers_at_once(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/debug/pprof/") else {
        return true;
    };
    match name {
        "cmdline" | "trace" => true,
        "" | "profile" | "wall" | "symbol" => false,
        name => sextant::lookup(name).is_none(),
    }
}
