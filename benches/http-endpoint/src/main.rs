//! The `/debug/pprof` endpoint under load, with Go's net/http/pprof beside it in the same run:
//!
//! 1. requests per second that `wrk` gets from `heap?debug=1` (a heap profile in text, the
//!    costliest cheap route) and from `cmdline` (the server alone), from sextant's endpoint in
//!    this process and from a Go service with `net/http/pprof` (`go/main.go`), both holding
//!    2048 live blocks of 4 KiB allocated at one stack;
//! 2. the slowdown of a CPU-bound host workload (2 threads, fixed work) while a client keeps
//!    asking for CPU profiles (`profile?seconds=2`, back to back), as a ratio against the same
//!    work with no profile being served: wall time and process CPU time.
//!
//! Runs are interleaved and repeated; the tables show medians.
//!
//! `cargo run --release --manifest-path benches/http-endpoint/Cargo.toml [-- REPS]`

use std::alloc::System;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: sextant::heap::Sampler<System> = sextant::heap::Sampler::new(System);

/// How long each wrk run lasts; wrk's threads and connections.
const WRK_SECONDS: u32 = 5;
const WRK_THREADS: u32 = 2;
const WRK_CONNECTIONS: u32 = 8;
/// Rounds of the hash loop per workload thread: about 3 s of CPU per thread on this machine,
/// so a run spans one 2 s profile or more.
const ROUNDS: u64 = 3000;

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .map_or(3, |s| s.parse().expect("REPS"));
    let kept = retain(2048);
    let server = sextant::http::serve("127.0.0.1:0").expect("serving");
    let ours = server.local_addr();
    let mut go = GoService::start();
    println!("sextant on {ours}, Go net/http/pprof on {}", go.addr);
    println!("load average before: {}", load());

    let routes = [
        "/debug/pprof/heap?debug=1",
        "/debug/pprof/heap",
        "/debug/pprof/cmdline",
    ];
    let mut rps = vec![(Vec::new(), Vec::new()); routes.len()];
    for _ in 0..reps {
        for (i, route) in routes.iter().enumerate() {
            rps[i].0.push(wrk(ours, route));
            rps[i].1.push(wrk(go.addr, route));
        }
    }
    println!(
        "\nrequests/s under wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s, median of {reps}:"
    );
    println!(
        "{:<28} {:>12} {:>12} {:>10}",
        "route", "sextant", "go", "ratio"
    );
    for (route, (s, g)) in routes.iter().zip(rps.iter_mut()) {
        let (s, g) = (median(s), median(g));
        println!("{route:<28} {s:>12.0} {g:>12.0} {:>10.3}", s / g);
    }

    let (mut plain, mut profiled) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        plain.push(workload(ours, false));
        profiled.push(workload(ours, true));
    }
    let wall = |v: &[(f64, f64, usize)]| median(&mut v.iter().map(|r| r.0).collect::<Vec<_>>());
    let cpu = |v: &[(f64, f64, usize)]| median(&mut v.iter().map(|r| r.1).collect::<Vec<_>>());
    let profiles: usize = profiled.iter().map(|r| r.2).sum();
    println!("\nhost workload (2 threads x {ROUNDS} rounds), median of {reps}:");
    println!("{:<34} {:>10} {:>10}", "", "wall s", "cpu s");
    let (w0, c0) = (wall(&plain), cpu(&plain));
    let (w1, c1) = (wall(&profiled), cpu(&profiled));
    println!("{:<34} {w0:>10.3} {c0:>10.3}", "no profile served");
    println!(
        "{:<34} {w1:>10.3} {c1:>10.3}",
        "CPU profiles served back to back"
    );
    println!("{:<34} {:>10.4} {:>10.4}", "ratio", w1 / w0, c1 / c0);
    println!("({profiles} profiles served during the profiled runs)");
    println!("load average after: {}", load());
    go.stop();
    server.stop();
    drop(kept);
}

/// Live memory like the Go side's: `n` blocks of 4 KiB from one stack.
#[inline(never)]
fn retain(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| vec![i as u8; 4096]).collect()
}

/// Requests per second that wrk reports for `route`.
fn wrk(addr: SocketAddr, route: &str) -> f64 {
    let out = Command::new("wrk")
        .args([
            &format!("-t{WRK_THREADS}"),
            &format!("-c{WRK_CONNECTIONS}"),
            &format!("-d{WRK_SECONDS}s"),
            &format!("http://{addr}{route}"),
        ])
        .output()
        .expect("running wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "{route} answered errors:\n{text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}

/// Runs the fixed work on 2 threads; with `profile`, a client asks for 2 s CPU profiles back
/// to back meanwhile. Returns (wall s, process CPU s, profiles received).
fn workload(addr: SocketAddr, profile: bool) -> (f64, f64, usize) {
    let done = AtomicBool::new(false);
    let cpu0 = process_cpu();
    let t0 = Instant::now();
    let profiles = std::thread::scope(|s| {
        let client = s.spawn(|| {
            let mut n = 0;
            while profile && !done.load(Ordering::SeqCst) {
                let body = fetch(addr, "/debug/pprof/profile?seconds=2");
                assert!(
                    body.starts_with(b"HTTP/1.1 200"),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
                n += 1;
            }
            n
        });
        let workers: Vec<_> = (0..2).map(|i| s.spawn(move || hash_rounds(i))).collect();
        for w in workers {
            std::hint::black_box(w.join().unwrap());
        }
        done.store(true, Ordering::SeqCst);
        client.join().unwrap()
    });
    (
        t0.elapsed().as_secs_f64(),
        (process_cpu() - cpu0).as_secs_f64(),
        profiles,
    )
}

#[inline(never)]
fn hash_rounds(seed: u64) -> u64 {
    let mut h = seed | 1;
    for r in 0..ROUNDS {
        for i in 0..200_000u64 {
            h = std::hint::black_box(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (h >> 29) ^ i ^ r);
        }
    }
    h
}

/// One GET, the whole answer.
fn fetch(addr: SocketAddr, target: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    all
}

/// This process's CPU time, all threads.
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The Go reference service, built from `go/` and killed when dropped.
struct GoService {
    child: Child,
    addr: SocketAddr,
}

impl GoService {
    fn start() -> GoService {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("go");
        let bin = std::env::temp_dir().join(format!("httpref-{}", std::process::id()));
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(&dir)
            .status()
            .expect("running go build (apt-get install golang-go)");
        assert!(status.success(), "go build failed");
        let mut child = Command::new(&bin).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let _ = std::fs::remove_file(&bin);
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line from the Go service: {line:?}"))
            .parse()
            .unwrap();
        GoService { child, addr }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
