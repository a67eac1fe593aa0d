//! A small service to profile: two workers serve fake requests, and `sextant::cpu` writes
//! where their CPU time went to `cpu.pb.gz` (or the path given as the first argument).
//!
//! ```sh
//! cargo run --release -p sextant --example myapp -- cpu.pb.gz 3
//! sextant pprof -top cpu.pb.gz        # or: go tool pprof -top cpu.pb.gz
//! ```
//!
//! The shape is the seed's Go program (`testdata/go/gen/cpu.go`):
//!
//! ```text
//! process_request -> parse_json
//!                 -> query_db -> marshal_sql   (marshal_sql is the heaviest flat)
//!                 -> serialize
//! ```
//!
//! with about 40%, 26%, 17% and 10% of the samples flat in `marshal_sql`, `parse_json`,
//! `serialize` and `query_db` (the seed's 34/22/14/8 without its tree walk), and the labels
//! `endpoint=/api/a|/api/b`, `worker=1|2`, so `-tagfocus=endpoint=/api/a` selects one
//! endpoint. The release profile's `debug = "limited"` gives files, lines and inlined functions' paths.

use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "cpu.pb.gz".into());
    let secs: f64 = args.next().map_or(Ok(3.0), |s| s.parse())?;
    sextant::cpu::start(std::fs::File::create(&path)?)?;
    server::run(Duration::from_secs_f64(secs));
    sextant::cpu::stop()?;
    eprintln!("wrote {path}");
    Ok(())
}

/// The service: stages with their own costs, in units of [`ROUND`].
pub mod server {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// Rounds of work per request in each stage; every stage's loop body is the same
    /// multiply-add-shift on plain operators (no calls, even in debug builds, and no
    /// overflow: the operands stay under 2^48), so these ratios set the flat percentages.
    const PARSE: u64 = 26;
    const QUERY: u64 = 10;
    const MARSHAL: u64 = 40;
    const SERIALIZE: u64 = 17;
    /// Loop iterations in one round: about 10 µs, so a request takes about 1 ms.
    const ROUND: u64 = 2_000;

    /// Serves requests on two worker threads until the process has used `budget` of CPU.
    ///
    /// Counting CPU rather than wall time gives the same number of samples however busy
    /// the machine is.
    pub fn run(budget: Duration) {
        let stop = AtomicBool::new(false);
        let start = process_cpu();
        std::thread::scope(|s| {
            for worker in 1..=2 {
                let stop = &stop;
                std::thread::Builder::new()
                    .name(format!("worker-{worker}"))
                    .spawn_scoped(s, move || serve(worker, stop))
                    .expect("spawn worker");
            }
            while process_cpu() - start < budget {
                std::thread::sleep(Duration::from_millis(20));
            }
            stop.store(true, Ordering::Relaxed);
        });
    }

    fn serve(worker: u32, stop: &AtomicBool) {
        let worker = worker.to_string();
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let endpoint = if n % 2 == 0 { "/api/a" } else { "/api/b" };
            sextant::labels::with(&[("endpoint", endpoint), ("worker", &worker)], || {
                std::hint::black_box(process_request(n));
            });
            n += 1;
        }
    }

    /// One request: parse, query, serialize.
    #[inline(never)]
    pub fn process_request(id: u64) -> u64 {
        let doc = parse_json(id);
        let rows = query_db(doc);
        serialize(rows)
    }

    /// Scans the request body.
    #[inline(never)]
    pub fn parse_json(seed: u64) -> u64 {
        let mut x = seed | 1;
        let mut i = 0;
        while i < PARSE * ROUND {
            x = ((x & 0xFFFF_FFFF) * 0x9E37 + i) ^ (x >> 5);
            i += 1;
        }
        std::hint::black_box(x)
    }

    /// Runs the query: a little work of its own, most of it in [`marshal_sql`].
    #[inline(never)]
    pub fn query_db(doc: u64) -> u64 {
        let mut x = doc;
        let mut i = 0;
        while i < QUERY * ROUND {
            x = ((x & 0xFFFF_FFFF) * 0x5555 + i) ^ (x >> 3);
            i += 1;
        }
        marshal_sql(std::hint::black_box(x))
    }

    /// Builds the SQL text; the heaviest stage.
    #[inline(never)]
    pub fn marshal_sql(q: u64) -> u64 {
        let mut x = q;
        let mut i = 0;
        while i < MARSHAL * ROUND {
            x = ((x & 0xFFFF_FFFF) * 31 + i) ^ (x >> 7);
            i += 1;
        }
        std::hint::black_box(x)
    }

    /// Encodes the response.
    #[inline(never)]
    pub fn serialize(rows: u64) -> u64 {
        let mut x = rows;
        let mut i = 0;
        while i < SERIALIZE * ROUND {
            x = ((x & 0xFFFF_FFFF) * 0x01B3 + i) ^ (x >> 11);
            i += 1;
        }
        std::hint::black_box(x)
    }

    fn process_cpu() -> Duration {
        // SAFETY: clock_gettime writes into a timespec we own.
        let ts = unsafe {
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
            ts
        };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}
