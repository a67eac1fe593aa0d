//! The seed's benchmarks (`testdata/go/bench/bench_test.go`) written with sextant-bench.
//!
//! Run with `cargo run --release -p sextant-bench --example seed -- -bench=. -count=5
//! -benchmem`; the output is Go's benchmark format, which Go's benchstat and
//! `sextant benchstat` read unchanged.

use sextant_bench::{B, black_box};

fn build_string(n: usize) -> String {
    let mut s = String::with_capacity(n);
    for i in 0..n {
        s.push((b'a' + (i % 26) as u8) as char);
    }
    s
}

fn bench_string_builder(b: &mut B) {
    for n in [10, 100, 1000] {
        b.run(&format!("n={n}"), |b| {
            b.report_allocs();
            b.iter(|| build_string(black_box(n)).len());
        });
    }
}

fn bench_string_contains(b: &mut B) {
    let haystack = "abcdefgh".repeat(512) + "needle";
    b.set_bytes(haystack.len() as u64);
    for _ in 0..b.n() {
        black_box(black_box(&haystack).contains(black_box("needle")));
    }
}

fn bench_rune_count(b: &mut B) {
    let cases = [
        ("ascii", "hello, world ".repeat(20)),
        ("mixed", "héllo, wörld ☺ ".repeat(20)),
    ];
    for (name, s) in &cases {
        // The byte length, which is free, and the UTF-8 decode that counts runes.
        b.run(&format!("{name}/len"), |b| {
            b.report_allocs();
            b.iter(|| black_box(s.as_str()).len());
        });
        b.run(&format!("{name}/utf8"), |b| {
            b.report_allocs();
            b.iter(|| black_box(s.as_str()).chars().count());
        });
    }
}

/// A small xorshift generator, so the input is the same on every run without a dependency.
fn random_u64s(n: usize, mut seed: u64) -> Vec<u64> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        })
        .collect()
}

fn bench_sort(b: &mut B) {
    for n in [10, 100, 1000, 10000] {
        b.run(&format!("n={n}"), |b| {
            let orig = random_u64s(n, 1);
            let mut xs = vec![0; n];
            b.reset_timer();
            for _ in 0..b.n() {
                xs.copy_from_slice(&orig);
                xs.sort_unstable();
                black_box(&xs);
            }
        });
    }
}

sextant_bench::main!(
    bench_string_builder,
    bench_string_contains,
    bench_rune_count,
    bench_sort
);
