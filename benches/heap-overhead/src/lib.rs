//! The workload every configuration runs: two threads churning small `Vec`s, `String`s and a
//! `HashMap`, about 20 million allocation calls (allocs, reallocs and frees of mixed sizes),
//! and the measurement printed as one line of `key=value` for run.sh.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

/// Threads, as the issue asks: two, one per core of the development machine.
pub const THREADS: usize = 2;
/// Iterations per thread: each makes about 3.3 allocation calls (a `Vec` grown to up to 15
/// elements: 1 to 3 calls; a formatted `String`: 1; the map's replaced or removed value
/// freed: about 1), so 3M iterations on 2 threads make about 20M.
pub const ITERATIONS: u64 = 3_000_000;

/// One thread's churn; returns a checksum so nothing is optimized away.
#[inline(never)]
pub fn churn(seed: u64, iterations: u64) -> u64 {
    let mut map: HashMap<u64, String> = HashMap::new();
    let mut acc = seed;
    for i in 0..iterations {
        let mut v: Vec<u32> = Vec::new();
        for j in 0..(i % 16) as u32 {
            v.push(j);
        }
        let s = format!("item-{i}-{}", acc & 0xff);
        acc = acc.wrapping_add(v.len() as u64 + s.len() as u64);
        map.insert(i % 4096, s);
        if i % 3 == 0 {
            map.remove(&((i * 7) % 4096));
        }
        black_box(&v);
    }
    acc + map.len() as u64
}

/// The process's CPU time (all threads), in seconds.
pub fn cpu_seconds() -> f64 {
    // SAFETY: `ts` is a valid timespec for clock_gettime to fill.
    unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
        ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
    }
}

/// Runs the workload on [`THREADS`] threads; prints `wall=<s> cpu=<s> check=<n>`.
pub fn run(config: &str) {
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let check: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..THREADS)
            .map(|t| s.spawn(move || churn(t as u64, ITERATIONS)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    println!("config={config} wall={wall:.4} cpu={cpu:.4} check={check}");
}
