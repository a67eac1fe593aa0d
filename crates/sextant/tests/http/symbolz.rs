//! Go's clients against the endpoint's protocol corners: `go tool pprof` names the addresses
//! of an unsymbolized profile through `POST /debug/pprof/symbol`, and prints our errors as
//! it prints net/http/pprof's.

use std::process::Command;
use std::time::Duration;

use sextant::http::{Builder, Request, Response, handle};
use sextant_profile::Profile;

use super::common::*;

/// A CPU profile of this process with every name, file and line taken out, as a profiler
/// without symbols would write it: only addresses and mappings.
fn unsymbolized_profile() -> Vec<u8> {
    let profiler = sextant::cpu::ProfilerBuilder::new()
        .rate(500)
        .start()
        .unwrap();
    burn_in_http_test(Duration::from_millis(600));
    let mut p: Profile = profiler.stop().unwrap();
    for m in &mut p.mapping {
        m.has_functions = false;
        m.has_filenames = false;
        m.has_line_numbers = false;
        m.has_inline_frames = false;
    }
    for l in &mut p.location {
        l.line.clear();
    }
    p.function.clear();
    let mut out = Vec::new();
    p.write(&mut out).unwrap();
    out
}

fn go_pprof(args: &[&str]) -> (bool, String, String) {
    let tmp = std::env::temp_dir().join(format!("sextant-http-symbolz-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = Command::new("go")
        .args(["tool", "pprof"])
        .args(args)
        .env("PPROF_TMPDIR", &tmp)
        .env("HOME", &tmp)
        .output()
        .expect("running go tool pprof");
    let _ = std::fs::remove_dir_all(&tmp);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn go_tool_pprof_names_unsymbolized_addresses_through_our_symbol_route() {
    if !have_go() {
        return;
    }
    let body = {
        let _g = serial();
        unsymbolized_profile()
    };
    let server = start(Builder::new("127.0.0.1:0").handler(move |req: &Request| {
        if req.path() == "/debug/pprof/unsymbolized" {
            Response::new(200, "application/octet-stream", body.clone())
        } else {
            handle(req)
        }
    }));
    let url = format!("http://{}/debug/pprof/unsymbolized", server.local_addr());
    // Remote only: the names can come from nowhere but /debug/pprof/symbol.
    let (ok, top, err) = go_pprof(&["-symbolize=remote", "-top", &url]);
    assert!(ok, "go tool pprof failed: {err}");
    assert!(
        top.contains("http::common::burn_in_http_test"),
        "{top}\n{err}"
    );
}

#[test]
fn go_tool_pprof_prints_our_errors_as_net_http_pprof_ones() {
    if !have_go() {
        return;
    }
    let server = start_default();
    let url = format!("http://{}/debug/pprof/nosuch", server.local_addr());
    let (ok, _, err) = go_pprof(&["-top", &url]);
    assert!(!ok);
    assert!(
        err.contains("server response: 404 Not Found - Unknown profile"),
        "{err}"
    );
    let url = format!("http://{}/debug/pprof/heap?seconds=-1", server.local_addr());
    let (ok, _, err) = go_pprof(&["-top", &url]);
    assert!(!ok);
    assert!(
        err.contains(
            "server response: 400 Bad Request - invalid value for \"seconds\" - must be a \
             positive integer"
        ),
        "{err}"
    );
}
