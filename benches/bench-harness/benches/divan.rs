//! The seed's benchmarks with divan, at its defaults.

use bench_harness::*;
use divan::black_box;

fn main() {
    divan::main();
}

#[divan::bench]
fn string_contains(b: divan::Bencher<'_, '_>) {
    let h = haystack();
    b.bench_local(|| black_box(&h).contains(black_box("needle")));
}

#[divan::bench(args = ["ascii", "mixed"])]
fn rune_count_len(b: divan::Bencher<'_, '_>, which: &str) {
    let s = rune_inputs().into_iter().find(|(n, _)| *n == which).unwrap().1;
    b.bench_local(|| black_box(s.as_str()).len());
}

#[divan::bench(args = ["ascii", "mixed"])]
fn rune_count_utf8(b: divan::Bencher<'_, '_>, which: &str) {
    let s = rune_inputs().into_iter().find(|(n, _)| *n == which).unwrap().1;
    b.bench_local(|| black_box(s.as_str()).chars().count());
}

#[divan::bench(args = BUILDER_SIZES)]
fn string_builder(b: divan::Bencher<'_, '_>, n: usize) {
    // Dropped inside the loop, as in the other two suites (divan would drop a returned value
    // outside the timing).
    b.bench_local(|| build_string(black_box(n)).len());
}

#[divan::bench(args = SORT_SIZES)]
fn sort(b: divan::Bencher<'_, '_>, n: usize) {
    let orig = random_u64s(n);
    let mut xs = vec![0; n];
    b.bench_local(|| sort_into(&mut xs, &orig));
}
