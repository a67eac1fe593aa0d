//! criterion's saved results. testdata/benchstat/criterion holds two baselines (`base`
//! and `new`) in criterion's layout; criterion-base.txt and criterion-new.txt hold the
//! same samples in Go's format (one line per sample: iters, times/iters ns/op, and B/s
//! for the benchmark with a byte throughput), and criterion.stdout is what Go's
//! benchstat printed for those text files. Reading the directories must print the
//! same tables.

use crate::{args, run_in_testdata, testdata};

#[test]
fn criterion_baselines_print_the_tables_go_prints_for_the_same_samples() {
    let want = std::fs::read_to_string(testdata().join("criterion.stdout")).expect("golden");
    let (code, out, err) = run_in_testdata(&args(&["base=criterion@base", "new=criterion@new"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, want);
}

#[test]
fn criterion_csv_matches_go_too() {
    let want = std::fs::read_to_string(testdata().join("criterion.csv.stdout")).expect("golden");
    let (code, out, _) = run_in_testdata(&args(&[
        "-format",
        "csv",
        "base=criterion@base",
        "new=criterion@new",
    ]));
    assert_eq!(code, 0);
    assert_eq!(out, want);
}

#[test]
fn a_bare_criterion_directory_reads_the_latest_run() {
    // Without @baseline the baseline is criterion's "new": the second column above.
    let (code, out, _) = run_in_testdata(&args(&["criterion"]));
    assert_eq!(code, 0);
    assert!(out.contains("│  criterion   │"), "{out}");
    assert!(out.contains("fib/iterative/20   9.733n ± 1%"), "{out}");
}

#[test]
fn a_missing_baseline_is_a_clear_error() {
    let (code, out, err) = run_in_testdata(&args(&["criterion@nope"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: criterion: no criterion results for baseline \"nope\" (looked for */nope/sample.json)\n"
    );
}
