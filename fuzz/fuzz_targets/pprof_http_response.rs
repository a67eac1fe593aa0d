//! Fuzzes the HTTP/1.1 response reader of `sextant pprof http://...`: the bytes a remote
//! server sends back (status line, headers, `Content-Length`, chunked or read-to-close
//! bodies, 1xx answers before the real one), and the redirect its `Location` leads to. The
//! command is a binary, so its `pprof` module is compiled here from source; the reader comes
//! from its `fuzzing` module.
//!
//! Properties checked:
//! - reading never panics or hangs and allocates no more than the input could fill (a
//!   `Content-Length` or chunk size far beyond the input is an error, not an allocation);
//! - an answer read has a status code below 1000 and a body no longer than the input;
//! - an answer with `Content-Length` has a body of exactly that length;
//! - the redirect target of its `Location` header resolves or is refused with an error.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../crates/cli/src/pprof/mod.rs"]
mod pprof;

use libfuzzer_sys::fuzz_target;
use pprof::fuzzing::{Target, read_response};

fuzz_target!(|data: &[u8]| {
    let Ok(resp) = read_response(&mut &data[..]) else {
        return;
    };
    assert!((0..1000).contains(&resp.code), "status code {}", resp.code);
    assert!(
        resp.body.len() <= data.len(),
        "a body longer than the input"
    );
    let te = resp.header("Transfer-Encoding").to_ascii_lowercase();
    if !te.contains("chunked") && ![204, 304].contains(&resp.code) {
        if let Ok(len) = resp.header("Content-Length").parse::<usize>() {
            assert_eq!(resp.body.len(), len, "body length");
        }
    }
    let location = resp.header("Location");
    if !location.is_empty() {
        let here = Target::parse("http://127.0.0.1:6060/debug/pprof/profile?seconds=1")
            .expect("a valid URL");
        let _ = here.redirect(location);
    }
});
