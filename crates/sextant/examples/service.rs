//! A service that burns CPU and allocates, with the `/debug/pprof` endpoint on 127.0.0.1:
//! what `import _ "net/http/pprof"` gives a Go service.
//!
//! ```sh
//! cargo run --release -p sextant --example service -- 6060 &
//! go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=5
//! sextant pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=5
//! curl http://127.0.0.1:6060/debug/pprof/goroutine?debug=2
//! ```
//!
//! Arguments: the port (default 6060; 0 picks a free one) and, optionally, how many seconds
//! to run (default: until killed). It prints `listening on http://127.0.0.1:PORT` on stdout
//! once the endpoint serves, so scripts and tests can read the port.
//!
//! At start it loads 16 MiB of sessions (`load_sessions`), kept for its whole life. Two
//! workers loop over fake requests: `handle_request` parses (`checksum`, CPU), builds a
//! response (`render`, allocations of a few KiB each) and keeps the last 64 in a cache. The
//! heap profile shows both, `allocs` every `render`.

use std::alloc::System;
use std::io::Write;
use std::time::{Duration, Instant};

/// Samples allocations for the heap and allocs profiles (one per 512 KiB on average, as Go).
#[global_allocator]
static ALLOC: sextant::heap::Sampler<System> = sextant::heap::Sampler::new(System);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(6060), |s| s.parse())?;
    let run_for: Option<f64> = args.next().map(|s| s.parse()).transpose()?;
    run(port, run_for.map(Duration::from_secs_f64))
}

/// Serves the endpoint on 127.0.0.1:`port` and the workload for `run_for` (forever without).
pub fn run(port: u16, run_for: Option<Duration>) -> Result<(), Box<dyn std::error::Error>> {
    let server = sextant::http::serve(("127.0.0.1", port))?;
    let deadline = run_for.map(|d| Instant::now() + d);
    let sessions = work::load_sessions(4096);
    // The workers and this thread meet once the workers run (and have their names).
    let started = std::sync::Barrier::new(3);
    std::thread::scope(|s| {
        for worker in 0..2 {
            let started = &started;
            std::thread::Builder::new()
                .name(format!("worker-{worker}"))
                .spawn_scoped(s, move || {
                    started.wait();
                    work::serve_requests(worker, deadline)
                })?;
        }
        started.wait();
        // Said once the workers run, so that a client sees them in its first profile.
        println!("listening on http://{}", server.local_addr());
        std::io::stdout().flush()
    })?;
    server.stop();
    drop(sessions);
    Ok(())
}

/// The service's work, in functions whose names show in the profiles.
pub mod work {
    use std::collections::VecDeque;
    use std::hint::black_box;
    use std::time::Instant;

    /// Responses kept alive: what the heap profile shows as in use.
    const CACHE: usize = 64;

    /// The state a service loads at start and keeps: `n` sessions of 4 KiB (16 MiB for
    /// 4096), about 32 samples at the heap profiler's mean of one per 512 KiB, so the heap
    /// profile shows live memory from the first request on.
    #[inline(never)]
    pub fn load_sessions(n: usize) -> Vec<Box<[u8]>> {
        (0..n)
            .map(|i| black_box(vec![i as u8; 4096].into_boxed_slice()))
            .collect()
    }

    /// Serves fake requests until `deadline` (forever without one).
    pub fn serve_requests(worker: u64, deadline: Option<Instant>) {
        let mut cache = VecDeque::with_capacity(CACHE);
        let mut n = 0u64;
        while deadline.is_none_or(|d| Instant::now() < d) {
            let response = handle_request(worker * 1_000_000 + n);
            if cache.len() == CACHE {
                cache.pop_front();
            }
            cache.push_back(response);
            n += 1;
        }
        black_box(cache);
    }

    /// One request: parse it, then render the answer.
    #[inline(never)]
    pub fn handle_request(id: u64) -> Vec<u8> {
        let sum = checksum(id);
        render(id, sum)
    }

    /// CPU work: a multiply-xor-shift loop of about a millisecond.
    #[inline(never)]
    pub fn checksum(seed: u64) -> u64 {
        let mut h = seed | 1;
        for i in 0..200_000u64 {
            h = black_box(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (h >> 29) ^ i);
        }
        h
    }

    /// Allocation: a response of 1 to 16 KiB, filled so that it is really written.
    #[inline(never)]
    pub fn render(id: u64, sum: u64) -> Vec<u8> {
        let len = 1024 * (1 + (sum % 16) as usize);
        let mut body = Vec::with_capacity(len);
        body.extend((0..len).map(|i| (id as usize + i) as u8));
        black_box(body)
    }
}
