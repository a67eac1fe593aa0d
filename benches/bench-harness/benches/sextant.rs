//! The seed's benchmarks with sextant-bench.

use bench_harness::*;
use sextant_bench::{B, black_box};

fn bench_string_contains(b: &mut B) {
    let h = haystack();
    b.iter(|| black_box(&h).contains(black_box("needle")));
}

fn bench_rune_count(b: &mut B) {
    for (name, s) in rune_inputs() {
        b.run(&format!("{name}/len"), |b| b.iter(|| black_box(s.as_str()).len()));
        b.run(&format!("{name}/utf8"), |b| b.iter(|| black_box(s.as_str()).chars().count()));
    }
}

fn bench_string_builder(b: &mut B) {
    for n in BUILDER_SIZES {
        b.run(&format!("n={n}"), |b| {
            b.report_allocs();
            b.iter(|| build_string(black_box(n)).len());
        });
    }
}

fn bench_sort(b: &mut B) {
    for n in SORT_SIZES {
        b.run(&format!("n={n}"), |b| {
            let orig = random_u64s(n);
            let mut xs = vec![0; n];
            b.iter(|| sort_into(&mut xs, &orig));
        });
    }
}

sextant_bench::main!(bench_string_contains, bench_rune_count, bench_string_builder, bench_sort);
