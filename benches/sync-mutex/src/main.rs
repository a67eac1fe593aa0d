//! Uncontended lock/unlock: `sextant::sync::Mutex` against `std::sync::Mutex` and
//! `parking_lot::Mutex`, with sextant's profiles off (both rates 0) and on (block rate 1,
//! mutex fraction 1), in one run. Each run times every configuration once, interleaved, so
//! machine load falls on all of them alike; the table shows medians over the runs.

use std::hint::black_box;
use std::time::Instant;

/// Lock/unlock pairs per timed loop: about 0.1-0.2 s at 10-20 ns each, long enough that the
/// clock reads around the loop do not count, short enough for several runs.
const ITERS: u64 = 10_000_000;

#[inline(never)]
fn time(mut f: impl FnMut()) -> f64 {
    for _ in 0..ITERS / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..ITERS {
        f();
    }
    t.elapsed().as_nanos() as f64 / ITERS as f64
}

// One lock/unlock each, never inlined, so every lock pays the same call around it and the
// compiler cannot merge loop iterations differently for one of them.
#[inline(never)]
fn lock_std(m: &std::sync::Mutex<u64>) {
    let mut g = m.lock().unwrap();
    *g = black_box(*g + 1);
}

#[inline(never)]
fn lock_parking_lot(m: &parking_lot::Mutex<u64>) {
    let mut g = m.lock();
    *g = black_box(*g + 1);
}

#[inline(never)]
fn lock_sextant(m: &sextant::sync::Mutex<u64>) {
    let mut g = m.lock().unwrap();
    *g = black_box(*g + 1);
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn set_profiling(on: bool) {
    sextant::sync::set_block_rate(u64::from(on));
    sextant::sync::set_mutex_fraction(u64::from(on));
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("RUNS: a number of runs"))
        .unwrap_or(7);
    let std_m = std::sync::Mutex::new(0u64);
    let pl_m = parking_lot::Mutex::new(0u64);
    let sx_m = sextant::sync::Mutex::new(0u64);
    let names = [
        "std::sync::Mutex",
        "parking_lot::Mutex",
        "sextant::sync::Mutex",
    ];
    // results[profiling][lock] = ns/op of each run
    let mut results = vec![vec![Vec::new(); names.len()]; 2];
    for _ in 0..runs {
        for (p, on) in [false, true].into_iter().enumerate() {
            set_profiling(on);
            results[p][0].push(time(|| lock_std(black_box(&std_m))));
            results[p][1].push(time(|| lock_parking_lot(black_box(&pl_m))));
            results[p][2].push(time(|| lock_sextant(black_box(&sx_m))));
        }
    }
    set_profiling(false);
    println!("uncontended lock+unlock, medians of {runs} runs of {ITERS} iterations (ns/op)");
    println!(
        "{:<22} {:>12} {:>12} {:>16}",
        "lock", "profiles", "ns/op", "vs std (ns)"
    );
    for (p, label) in ["off", "on (1, 1)"].into_iter().enumerate() {
        let std_ns = median(&mut results[p][0].clone());
        for (i, name) in names.iter().enumerate() {
            let ns = median(&mut results[p][i].clone());
            println!(
                "{:<22} {:>12} {:>12.2} {:>+16.2}",
                name,
                label,
                ns,
                ns - std_ns
            );
        }
    }
    let off = median(&mut results[0][2].clone()) - median(&mut results[0][0].clone());
    println!(
        "\nsextant::sync::Mutex with profiles off: {off:+.2} ns/op against std (goal: at most +1 ns)"
    );
}
