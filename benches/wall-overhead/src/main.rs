//! The wall profiler's and thread dumps' cost for a process of idle threads; see README.md.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// This process's CPU time.
fn cpu() -> Duration {
    // SAFETY: clock_gettime writes into a timespec we own.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[inline(never)]
fn wait(rx: mpsc::Receiver<()>) {
    let _ = rx.recv();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .map_or(default, |s| s.parse().expect("a number"))
    };
    let (threads, hz, reps) = (arg(1, 100) as usize, arg(2, 99) as u32, arg(3, 5) as usize);
    let (mut stop, mut handles) = (Vec::new(), Vec::new());
    for _ in 0..threads {
        let (tx, rx) = mpsc::channel();
        stop.push(tx);
        handles.push(std::thread::spawn(move || wait(rx)));
    }
    std::thread::sleep(Duration::from_millis(200));
    let (mut idle, mut profiled, mut per_sample, mut dumps) = (vec![], vec![], vec![], vec![]);
    for rep in 0..reps {
        let c = cpu();
        std::thread::sleep(Duration::from_secs(1));
        let base = (cpu() - c).as_secs_f64();

        let c = cpu();
        let p = sextant::wall::ProfilerBuilder::new()
            .rate(hz)
            .start()
            .expect("wall profile");
        std::thread::sleep(Duration::from_secs(1));
        let used = (cpu() - c).as_secs_f64();
        let profile = p.stop().expect("wall profile");
        let samples: i64 = profile.sample.iter().map(|s| s.value[0]).sum();

        let t = Instant::now();
        sextant::lookup("threads")
            .expect("threads")
            .profile()
            .expect("dump");
        let dump = t.elapsed().as_secs_f64();
        println!(
            "rep {rep}: not profiled {:.1} ms CPU/s, wall profile {:.1} ms CPU/s, {samples} thread samples, one dump {:.1} ms",
            base * 1e3,
            used * 1e3,
            dump * 1e3
        );
        idle.push(base);
        profiled.push(used);
        per_sample.push((used - base) / samples.max(1) as f64);
        dumps.push(dump);
    }
    println!(
        "{threads} idle threads, {hz} Hz, median of {reps}: extra CPU {:.1}% of one core, {:.1} µs per thread sample; one dump {:.1} ms (not profiled: {:.2} ms CPU/s)",
        (median(profiled) - median(idle.clone())) * 100.0,
        median(per_sample) * 1e6,
        median(dumps) * 1e3,
        median(idle) * 1e3
    );
    for tx in stop {
        let _ = tx.send(());
    }
    for h in handles {
        let _ = h.join();
    }
}
