//! -bench on nested sub-benchmarks, against what Go 1.19's `go test -bench P -benchtime 1x
//! -cpu 1` printed for the same tree (the Go file is in this module's comment).
//!
//! ```go
//! func leaf(b *testing.B) {}
//! func BenchmarkFoo(b *testing.B) {
//!     b.Run("bar", func(b *testing.B) { b.Run("baz", leaf); b.Run("qux", leaf) })
//!     b.Run("x y", leaf)
//!     b.Run("bar", leaf)
//! }
//! func BenchmarkFooBar(b *testing.B) {}
//! func BenchmarkSort(b *testing.B) {
//!     for _, n := range []string{"n=10", "n=100", "n=1000"} { b.Run(n, leaf) }
//! }
//! ```

use sextant_bench::{B, Harness};

use crate::{results, serial};

fn leaf(_: &mut B) {}

fn harness() -> Harness {
    Harness::new("m")
        .bench("BenchmarkFoo", |b| {
            b.run("bar", |b| {
                b.run("baz", leaf);
                b.run("qux", leaf);
            });
            b.run("x y", leaf);
            b.run("bar", leaf);
        })
        .bench("BenchmarkFooBar", leaf)
        .bench("BenchmarkSort", |b| {
            for n in ["n=10", "n=100", "n=1000"] {
                b.run(n, leaf);
            }
        })
}

/// Pattern, and the benchmarks Go reported for it, in order.
const GO_1_19: &[(&str, &[&str])] = &[
    (
        ".",
        &[
            "BenchmarkFoo/bar/baz",
            "BenchmarkFoo/bar/qux",
            "BenchmarkFoo/x_y",
            "BenchmarkFoo/bar#01",
            "BenchmarkFooBar",
            "BenchmarkSort/n=10",
            "BenchmarkSort/n=100",
            "BenchmarkSort/n=1000",
        ],
    ),
    (
        "Foo",
        &[
            "BenchmarkFoo/bar/baz",
            "BenchmarkFoo/bar/qux",
            "BenchmarkFoo/x_y",
            "BenchmarkFoo/bar#01",
            "BenchmarkFooBar",
        ],
    ),
    (
        "Foo$",
        &[
            "BenchmarkFoo/bar/baz",
            "BenchmarkFoo/bar/qux",
            "BenchmarkFoo/x_y",
            "BenchmarkFoo/bar#01",
        ],
    ),
    (
        "Foo/bar",
        &[
            "BenchmarkFoo/bar/baz",
            "BenchmarkFoo/bar/qux",
            "BenchmarkFoo/bar#01",
        ],
    ),
    ("Foo/bar/baz", &["BenchmarkFoo/bar/baz"]),
    (
        "/bar",
        &[
            "BenchmarkFoo/bar/baz",
            "BenchmarkFoo/bar/qux",
            "BenchmarkFoo/bar#01",
        ],
    ),
    ("//qux", &["BenchmarkFoo/bar/qux"]),
    ("Foo/x_y", &["BenchmarkFoo/x_y"]),
    ("Foo/x y", &["BenchmarkFoo/x_y"]),
    ("Sort/n=10$", &["BenchmarkSort/n=10"]),
    (
        "Sort/n=10",
        &[
            "BenchmarkSort/n=10",
            "BenchmarkSort/n=100",
            "BenchmarkSort/n=1000",
        ],
    ),
    (
        "Foo/bar|Sort/100",
        &[
            "BenchmarkFoo/bar/baz",
            "BenchmarkFoo/bar/qux",
            "BenchmarkFoo/bar#01",
            "BenchmarkSort/n=100",
            "BenchmarkSort/n=1000",
        ],
    ),
    ("Bar", &["BenchmarkFooBar"]),
    ("X", &[]),
    ("Foo/bar#01", &["BenchmarkFoo/bar#01"]),
    ("[/]", &[]),
];

#[test]
fn bench_pattern_selects_what_go_selects() {
    let _g = serial();
    for (pattern, want) in GO_1_19 {
        let run =
            harness().run_captured(&[&format!("-bench={pattern}"), "-benchtime=1x", "-cpu=1"]);
        assert_eq!(run.code, 0, "{pattern}: {}", run.stderr);
        let got: Vec<String> = results(&run.stdout).into_iter().map(|(n, _)| n).collect();
        assert_eq!(got, *want, "-bench={pattern}");
    }
}

#[test]
fn cargo_bench_without_arguments_runs_everything() {
    let _g = serial();
    let run = harness().run_captured(&["--bench", "-benchtime=1x", "-cpu=1"]);
    assert_eq!(
        results(&run.stdout).len(),
        GO_1_19[0].1.len(),
        "{}",
        run.stdout
    );
}

#[test]
fn without_bench_flag_every_benchmark_runs_once_and_nothing_is_reported() {
    let _g = serial();
    let counted = std::rc::Rc::new(std::cell::Cell::new(Vec::new()));
    let c = counted.clone();
    let run = Harness::new("m")
        .bench("BenchmarkA", move |b| {
            let mut v = c.take();
            v.push(b.n());
            c.set(v);
        })
        .run_captured::<&str>(&[]);
    assert_eq!(run.code, 0);
    assert_eq!(counted.take(), vec![1]);
    assert!(results(&run.stdout).is_empty());
    assert!(run.stdout.starts_with("PASS\nok  \tm\t"), "{}", run.stdout);
}
