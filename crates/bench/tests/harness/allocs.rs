//! -benchmem and report_allocs: exact counts from the counting allocator.

use sextant_bench::{Harness, black_box};

use crate::{metric, results, serial};

fn allocating(per_op: usize) -> impl FnMut(&mut sextant_bench::B) {
    move |b| {
        for _ in 0..b.n() {
            for _ in 0..per_op {
                black_box(Box::new(black_box(7u64)));
            }
        }
    }
}

#[test]
fn allocs_per_op_are_exact_for_known_counts() {
    let _g = serial();
    // Counts are process-wide, as Go's MemStats are, so the test runner's other threads
    // (printing results, running tests that do not take the serial lock) add to them. Enough
    // iterations make a stray kilobyte vanish in the integer division by N: at 1000x it once
    // showed as 9 B/op for 8.
    for benchtime in ["100000x", "20ms"] {
        let run = Harness::new("allocs")
            .bench("BenchmarkZero", allocating(0))
            .bench("BenchmarkOne", allocating(1))
            .bench("BenchmarkThree", allocating(3))
            .run_captured(&[
                "-bench=.",
                "-benchmem",
                "-cpu=1",
                &format!("-benchtime={benchtime}"),
            ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for (name, allocs) in [
            ("BenchmarkZero", 0.0),
            ("BenchmarkOne", 1.0),
            ("BenchmarkThree", 3.0),
        ] {
            assert_eq!(
                metric(&run.stdout, name, "allocs/op"),
                Some(allocs),
                "{}",
                run.stdout
            );
            assert_eq!(
                metric(&run.stdout, name, "B/op"),
                Some(8.0 * allocs),
                "{}",
                run.stdout
            );
        }
    }
}

#[test]
fn report_allocs_shows_memory_columns_for_that_benchmark_only() {
    let _g = serial();
    let run = Harness::new("allocs")
        .bench("BenchmarkReported", |b| {
            b.report_allocs();
            for _ in 0..b.n() {
                black_box(vec![0u8; 100]);
            }
        })
        .bench("BenchmarkQuiet", allocating(1))
        .run_captured(&["-bench=.", "-benchtime=100x", "-cpu=1"]);
    assert_eq!(
        metric(&run.stdout, "BenchmarkReported", "B/op"),
        Some(100.0)
    );
    assert_eq!(
        metric(&run.stdout, "BenchmarkReported", "allocs/op"),
        Some(1.0)
    );
    let quiet = &results(&run.stdout)[1];
    assert_eq!(quiet.0, "BenchmarkQuiet");
    assert!(!quiet.1.iter().any(|f| f == "allocs/op"), "{quiet:?}");
}

#[test]
fn run_parallel_allocations_are_counted_on_every_thread() {
    let _g = serial();
    let run = Harness::new("allocs")
        .bench("BenchmarkPar", |b| {
            b.run_parallel(|pb| {
                while pb.next() {
                    black_box(Box::new(black_box(1u64)));
                }
            })
        })
        .run_captured(&["-bench=.", "-benchmem", "-cpu=2", "-benchtime=100000x"]);
    // Starting the threads allocates too, a few times per run: far below one per op.
    assert_eq!(
        metric(&run.stdout, "BenchmarkPar-2", "allocs/op"),
        Some(1.0),
        "{}",
        run.stdout
    );
}
