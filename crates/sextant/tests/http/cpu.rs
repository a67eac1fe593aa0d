//! `/debug/pprof/profile`: the CPU profile, one at a time, cut short when the client goes.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use sextant_profile::Profile;

use super::common::*;

const IN_USE: &str = "Could not enable CPU profiling: cpu profiling already in use\n";

fn function_names(p: &Profile) -> Vec<&str> {
    p.function.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn a_cpu_profile_comes_as_go_serves_it_and_shows_the_busy_function() {
    let _g = serial();
    let server = start_default();
    let addr = server.local_addr();
    let worker = std::thread::spawn(|| burn_in_http_test(Duration::from_millis(1500)));
    let r = get(addr, "/debug/pprof/profile?seconds=1");
    worker.join().unwrap();
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let p = r.profile("profile");
    let types: Vec<String> = p
        .sample_type
        .iter()
        .map(|t| format!("{}/{}", t.kind, t.unit))
        .collect();
    assert_eq!(types, ["samples/count", "cpu/nanoseconds"]);
    assert!(
        function_names(&p)
            .iter()
            .any(|n| n.ends_with("burn_in_http_test")),
        "{:?}",
        function_names(&p)
    );
    assert!(p.duration_nanos >= 1_000_000_000, "{}", p.duration_nanos);
}

#[test]
fn concurrent_cpu_profiles_one_wins_the_others_get_go_error() {
    let _g = serial();
    let server = start_default();
    let addr = server.local_addr();
    let n = 4;
    let barrier = Barrier::new(n);
    let answers: Vec<Resp> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    get(addr, "/debug/pprof/profile?seconds=3")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let refused: Vec<&Resp> = answers.iter().filter(|r| r.status == 500).collect();
    assert_eq!((ok, refused.len()), (1, n - 1), "{answers:?}");
    for r in refused {
        assert_eq!(r.text(), IN_USE);
        assert_eq!(r.header("x-go-pprof"), Some("1"));
        assert_eq!(r.header("content-disposition"), None);
    }
}

#[test]
fn a_profile_longer_than_the_write_timeout_is_refused_as_go_does() {
    let server =
        start(sextant::http::Builder::new("127.0.0.1:0").write_timeout(Duration::from_secs(10)));
    let addr = server.local_addr();
    let want = "profile duration exceeds server's WriteTimeout\n";
    // Go reads an absent, unparsable or non-positive seconds as 30, which exceeds 10.
    for q in [
        "",
        "?seconds=10",
        "?seconds=-5",
        "?seconds=0",
        "?seconds=%zz",
        "?seconds=1.5",
        "?seconds=99999999999999999999",
        "?seconds=9223372036854775807",
    ] {
        let r = get(addr, &format!("/debug/pprof/profile{q}"));
        assert_eq!((r.status, r.text().as_str()), (400, want), "profile{q}");
    }
}

/// Waits until the profile asked for on `s` runs: its request has had time to start the
/// profiler and is not answered, and a second profile is refused. (Probing by starting a
/// profile in this process instead could take the profiler before the server does.)
fn wait_until_profiling(addr: std::net::SocketAddr, s: &TcpStream) {
    std::thread::sleep(Duration::from_secs(1));
    s.set_nonblocking(true).unwrap();
    let mut b = [0u8; 1];
    let answered = s.peek(&mut b);
    assert!(
        matches!(&answered, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the long profile was answered already: {answered:?}"
    );
    s.set_nonblocking(false).unwrap();
    let r = get(addr, "/debug/pprof/profile?seconds=1");
    assert_eq!((r.status, r.text().as_str()), (500, IN_USE));
}

#[test]
fn a_client_that_leaves_ends_its_profile_and_frees_the_profiler() {
    let _g = serial();
    let server = start_default();
    let addr = server.local_addr();
    // The largest seconds Go accepts: the wait can only end by the client leaving.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        b"GET /debug/pprof/profile?seconds=9223372036854775807 HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .unwrap();
    wait_until_profiling(addr, &s);
    drop(s);
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    loop {
        let r = get(addr, "/debug/pprof/profile?seconds=1");
        if r.status == 200 {
            break;
        }
        assert_eq!(r.text(), IN_USE);
        assert!(Instant::now() < deadline, "the profiler was never freed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn stopping_the_server_ends_a_profile_in_flight() {
    let _g = serial();
    let server = start_default();
    let addr = server.local_addr();
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /debug/pprof/profile?seconds=600 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    wait_until_profiling(addr, &s);
    server.stop();
    s.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut rest);
    assert!(rest.is_empty(), "no answer is sent after stop: {rest:?}");
    let p = sextant::cpu::ProfilerBuilder::new()
        .start()
        .expect("the profiler is free again");
    p.stop().unwrap();
}

/// Sleeps in a function of its own: time a CPU profile does not see and a wall profile does.
#[inline(never)]
fn sleep_in_http_test(d: Duration) {
    std::thread::sleep(std::hint::black_box(d));
}

#[test]
fn a_wall_profile_shows_a_sleeping_thread() {
    let _g = serial();
    let server = start_default();
    let addr = server.local_addr();
    let sleeper = std::thread::spawn(|| sleep_in_http_test(Duration::from_millis(2500)));
    let r = get(addr, "/debug/pprof/wall?seconds=1&hz=50");
    sleeper.join().unwrap();
    let p = r.profile("wall");
    let types: Vec<String> = p
        .sample_type
        .iter()
        .map(|t| format!("{}/{}", t.kind, t.unit))
        .collect();
    assert_eq!(types, ["samples/count", "wall/nanoseconds"]);
    assert!(
        function_names(&p)
            .iter()
            .any(|n| n.ends_with("sleep_in_http_test")),
        "{:?}",
        function_names(&p)
    );
}

#[test]
fn concurrent_wall_profiles_one_wins_the_others_get_an_error() {
    let _g = serial();
    let server = start_default();
    let addr = server.local_addr();
    let barrier = Barrier::new(3);
    let answers: Vec<Resp> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    get(addr, "/debug/pprof/wall?seconds=3")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = answers.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{answers:?}");
    for r in answers.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 500);
        assert_eq!(
            r.text(),
            "Could not enable wall-clock profiling: wall profiling already in use\n"
        );
    }
}
