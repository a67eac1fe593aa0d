//! The seed's benchmarks with criterion, at its defaults.

use bench_harness::*;
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let h = haystack();
    c.bench_function("StringContains", |b| b.iter(|| black_box(&h).contains(black_box("needle"))));
    for (name, s) in rune_inputs() {
        c.bench_function(&format!("RuneCount/{name}/len"), |b| {
            b.iter(|| black_box(s.as_str()).len())
        });
        c.bench_function(&format!("RuneCount/{name}/utf8"), |b| {
            b.iter(|| black_box(s.as_str()).chars().count())
        });
    }
    for n in BUILDER_SIZES {
        c.bench_function(&format!("StringBuilder/n={n}"), |b| {
            b.iter(|| build_string(black_box(n)).len())
        });
    }
    for n in SORT_SIZES {
        let orig = random_u64s(n);
        let mut xs = vec![0; n];
        c.bench_function(&format!("Sort/n={n}"), |b| b.iter(|| sort_into(&mut xs, &orig)));
    }
}

criterion_group!(group, benches);
criterion_main!(group);
