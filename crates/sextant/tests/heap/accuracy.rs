//! Estimates against known truths: a program holding 100k objects of mixed sizes after
//! allocating a known total. At the default rate inuse_space and alloc_space are within 10%;
//! at rate 1 every value is exact.
//!
//! The objects are `Vec::with_capacity` blocks never written, so the hundreds of MB they
//! stand for cost little resident memory.

use std::hint::black_box;

use super::common::*;

/// Known truths of one run.
#[derive(Debug, Default)]
struct Truth {
    held_objects: u64,
    held_bytes: u64,
    allocated_objects: u64,
    allocated_bytes: u64,
}

/// Holds `n` objects with sizes cycling through `sizes`, then allocates and frees
/// `churn_rounds` times as many again. `held` is allocated by the caller, so pushing does not
/// allocate here.
#[inline(never)]
fn allocate(sizes: &[usize], n: usize, churn_rounds: usize, held: &mut Vec<Vec<u8>>) -> Truth {
    let mut t = Truth::default();
    for i in 0..n {
        let size = sizes[i % sizes.len()];
        held.push(Vec::with_capacity(size));
        t.held_objects += 1;
        t.held_bytes += size as u64;
    }
    for _ in 0..churn_rounds {
        for i in 0..n {
            let size = sizes[(i * 7 + 3) % sizes.len()];
            black_box(Vec::<u8>::with_capacity(size));
        }
    }
    t.allocated_objects = t.held_objects * (1 + churn_rounds as u64);
    t.allocated_bytes = t.held_bytes
        + churn_rounds as u64
            * (0..n)
                .map(|i| sizes[(i * 7 + 3) % sizes.len()] as u64)
                .sum::<u64>();
    t
}

// Two functions, so each test's samples are its own whatever ran before.
#[inline(never)]
fn at_default_rate(held: &mut Vec<Vec<u8>>) -> Truth {
    // Mean 5939 bytes: 594 MB held. Go's estimator of B bytes at rate R has a standard
    // deviation of at most sqrt(R*B): 2.97% here, so 10% is 3.4 standard deviations; the
    // 6.5 GB allocated in all give 1.1%.
    allocate(&[32, 100, 500, 2000, 8000, 25000], 100_000, 10, held)
}

#[inline(never)]
fn at_rate_one(held: &mut Vec<Vec<u8>>) -> Truth {
    allocate(&[16, 40, 100, 300, 1000, 3000], 100_000, 1, held)
}

fn within(estimate: i64, truth: u64, tolerance: f64) -> bool {
    (estimate as f64 / truth as f64 - 1.0).abs() <= tolerance
}

#[test]
fn estimates_are_within_ten_percent_at_the_default_rate() {
    let _s = serial();
    let _r = Rate::set(sextant::heap::DEFAULT_RATE);
    let mut held = Vec::with_capacity(100_000);
    let truth = at_default_rate(&mut held);
    let p = profile("heap");
    let [_, alloc_space, _, inuse_space] = totals(&p, "::at_default_rate");
    assert!(
        within(inuse_space, truth.held_bytes, 0.10),
        "inuse_space {inuse_space} vs {truth:?}"
    );
    assert!(
        within(alloc_space, truth.allocated_bytes, 0.10),
        "alloc_space {alloc_space} vs {truth:?}"
    );
    drop(held);
    let [_, _, inuse_objects, inuse_space] = totals(&profile("heap"), "::at_default_rate");
    assert_eq!((inuse_objects, inuse_space), (0, 0), "all freed");
}

#[test]
fn every_value_is_exact_at_rate_one() {
    let _s = serial();
    let _r = Rate::set(1);
    let mut held = Vec::with_capacity(100_000);
    let truth = at_rate_one(&mut held);
    for name in ["heap", "allocs"] {
        let p = profile(name);
        assert_eq!(p.period, 1);
        assert_eq!(
            totals(&p, "::at_rate_one"),
            [
                truth.allocated_objects as i64,
                truth.allocated_bytes as i64,
                truth.held_objects as i64,
                truth.held_bytes as i64
            ],
            "{name}: {truth:?}"
        );
    }
    held.truncate(50_000);
    let [ao, _, io, _] = totals(&profile("heap"), "::at_rate_one");
    assert_eq!((ao, io), (200_000, 50_000), "half freed");
}
