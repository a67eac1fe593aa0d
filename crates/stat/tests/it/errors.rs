//! Errors: what the user sees, on which stream, with which exit code. Go's benchstat
//! prints `benchstat: ...` and exits 0 for most of these; sextant follows the CLI
//! conventions of STYLE.md (`error: ...` on stderr, 1 for failures, 2 for usage).

use crate::{args, run_in_testdata};

fn run_stdin(a: &[&str], stdin: &str) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let dir = crate::testdata();
    let a: Vec<String> = a
        .iter()
        .map(|s| {
            if *s == "-" {
                s.to_string()
            } else {
                dir.join(s).display().to_string()
            }
        })
        .collect();
    let code = sextant_stat::run_with_stdin(&a, &mut stdin.as_bytes(), &mut out, &mut err);
    (
        code,
        String::from_utf8(out).expect("utf8"),
        String::from_utf8(err).expect("utf8"),
    )
}

#[test]
fn no_arguments_print_the_usage_and_exit_2() {
    let (code, out, err) = run_in_testdata(&[]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with("usage: sextant benchstat [flags] inputs...\n"),
        "{err}"
    );
}

#[test]
fn help_goes_to_stdout_and_exits_0() {
    let (code, out, err) = run_in_testdata(&args(&["-h"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.contains("-confidence level"), "{out}");
}

#[test]
fn flag_errors_are_usage_errors() {
    for (a, msg) in [
        (
            &["-bogus", "old.txt"][..],
            "flag provided but not defined: -bogus",
        ),
        (&["-alpha"][..], "flag needs an argument: -alpha"),
        (
            &["-alpha", "x", "old.txt"][..],
            "invalid value \"x\" for flag -alpha: parse error",
        ),
    ] {
        let (code, out, err) = run_in_testdata(&args(a));
        assert_eq!((code, out.as_str()), (2, ""), "{a:?}");
        assert_eq!(
            err,
            format!("error: {msg}\nhint: sextant benchstat -h lists the flags\n"),
            "{a:?}"
        );
    }
}

#[test]
fn bad_flag_values_fail_with_go_benchstat_messages() {
    // The messages are Go's (`benchstat: -alpha must be in range [0, 1]`).
    for (a, msg) in [
        (
            &["-alpha", "2", "old.txt"][..],
            "-alpha must be in range [0, 1]",
        ),
        (
            &["-confidence", "1.5", "old.txt"][..],
            "-confidence must be in range [0, 1]",
        ),
        (
            &["-format", "html", "old.txt"][..],
            "-format must be text or csv",
        ),
        (
            &["-row", ".unit", "old.txt"][..],
            "parsing -row: syntax error: .unit is only allowed in filters\n\t.unit\n\t^",
        ),
        (
            &["-row", "a@bogus", "old.txt"][..],
            "parsing -row: syntax error: unknown order \"bogus\"\n\ta@bogus\n\t  ^",
        ),
        (
            &["-col", ".config@(a)", "old.txt"][..],
            "parsing -col: syntax error: fixed order not allowed for .config\n\t.config@(a)\n\t        ^",
        ),
        (
            &["-filter", ".config:x", "old.txt"][..],
            "parsing -filter: syntax error: .config is only allowed in projections\n\t.config:x\n\t^",
        ),
        (
            &["-sort", "size", "old.txt"][..],
            "-sort must be none, name or delta (with - to reverse), not \"size\"",
        ),
    ] {
        let (code, out, err) = run_in_testdata(&args(a));
        assert_eq!((code, out.as_str()), (1, ""), "{a:?}");
        assert_eq!(err, format!("error: {msg}\n"), "{a:?}");
    }
}

#[test]
fn a_missing_file_names_the_file() {
    let (code, out, err) = run_in_testdata(&args(&["old.txt", "nope.txt"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with("error: nope.txt: no such file or directory\n"),
        "{err}"
    );
}

#[test]
fn an_empty_input_is_an_error() {
    let (code, out, err) = run_in_testdata(&args(&["empty.txt"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.starts_with("warning: empty.txt: no benchmark results\nerror: no benchmark results in the inputs\nhint: "), "{err}");
    // Only blank and non-benchmark lines: still nothing to compare.
    let (code, _, err) = run_stdin(&["-"], "goos: linux\n\nPASS\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("error: no benchmark results in the inputs"),
        "{err}"
    );
}

#[test]
fn a_filter_that_matches_nothing_is_an_error() {
    let (code, out, err) = run_in_testdata(&args(&["-filter", ".name:Nothing", "old.txt"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: no benchmark results match -filter .name:Nothing\n"
    );
}

#[test]
fn malformed_lines_are_reported_with_file_and_line_and_skipped() {
    // The same lines as Go's benchstat (see testdata/benchstat/malformed.stderr), and
    // the good lines still make the table.
    let (code, out, err) = run_in_testdata(&args(&["malformed.txt"]));
    assert_eq!(code, 0);
    assert!(
        err.starts_with("malformed.txt:7: parsing iteration count: invalid syntax\n"),
        "{err}"
    );
    assert!(out.contains("Good-2     1.501µ ± 1%"), "{out}");
    let (_, _, err) = run_stdin(&["-"], "BenchmarkX 10 1 ns/op\nBenchmarkX 10 1e999 ns/op\n");
    assert_eq!(err, "-:2: parsing measurement: value out of range\n");
}

#[test]
fn a_unit_missing_from_one_input_is_explained() {
    // new run without -benchmem: B/op and allocs/op exist in old.txt only.
    let new = "goos: linux\ngoarch: amd64\npkg: sextant.test/bench\ncpu: AMD EPYC\n\
               BenchmarkStringBuilder/n=10-2 100 70 ns/op\nBenchmarkStringBuilder/n=10-2 100 71 ns/op\n";
    let (code, out, err) = run_stdin(&["old.txt", "-"], new);
    assert_eq!(code, 0);
    assert!(out.contains("vs base"), "{out}");
    let dir = crate::testdata().join("old.txt").display().to_string();
    assert_eq!(
        err,
        format!(
            "warning: unit B/op has no results in -, which other units have: no comparison with them\n\
             warning: unit allocs/op has no results in -, which other units have: no comparison with them\n\
             warning: unit B/s has no results in -, which other units have: no comparison with them\n"
        ),
        "{dir}"
    );
}

#[test]
fn repeated_unlabeled_inputs_are_numbered_as_go_does() {
    let (code, out, _) = run_in_testdata(&args(&["old.txt", "old.txt"]));
    assert_eq!(code, 0);
    assert!(out.contains("│   old.txt#0    │"), "{out}");
}

/// Row labels of the first table, in order.
fn first_table_rows(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.contains("vs base"))
        .skip(1)
        .take_while(|l| !l.starts_with("geomean"))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn sort_reorders_rows_by_name_or_change() {
    // Changes of the sec/op medians in oldnew.stdout (new/old - 1): Contains -99.40%,
    // n=1000 -99.37%, n=100 -98.03%, n=10 -89.78%, Sort/n=10 452.4/485.8-1 = -6.9%,
    // ascii 414.1/382.8-1 = +8.2%, Sort/n=10000 1.751/1.547-1 = +13.2%,
    // mixed 845.3/723.1-1 = +16.9%, Sort/n=1000 +42.17%, Sort/n=100 +92.23%.
    let (code, out, _) = run_in_testdata(&args(&["-sort", "delta", "old.txt", "new.txt"]));
    assert_eq!(code, 0);
    assert_eq!(
        first_table_rows(&out),
        [
            "Contains-2",
            "StringBuilder/n=1000-2",
            "StringBuilder/n=100-2",
            "StringBuilder/n=10-2",
            "Sort/n=10-2",
            "RuneCount/ascii-2",
            "Sort/n=10000-2",
            "RuneCount/mixed-2",
            "Sort/n=1000-2",
            "Sort/n=100-2",
        ]
    );
    let (_, out, _) = run_in_testdata(&args(&["-sort", "-name", "old.txt", "new.txt"]));
    let rows = first_table_rows(&out);
    let mut want = rows.clone();
    want.sort();
    want.reverse();
    assert_eq!(rows, want);
    assert_eq!(rows[0], "StringBuilder/n=1000-2");
}

#[test]
fn a_nan_measurement_does_not_hang_the_comparison() {
    // Go's benchstat never returns on this input (go-moremath's tie loop waits for
    // NaN == NaN, growing a slice until memory runs out). sextant reports p = 1 with
    // a footnote.
    let old = "BenchmarkA 1 NaN ns/op\nBenchmarkA 1 1 ns/op\n";
    let dir = std::env::temp_dir().join(format!("sextant-stat-nan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    std::fs::write(dir.join("old.txt"), old).expect("write");
    let a = vec![
        format!("old={}", dir.join("old.txt").display()),
        "new=-".to_string(),
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sextant_stat::run_with_stdin(
        &a,
        &mut "BenchmarkA 1 2 ns/op\nBenchmarkA 1 3 ns/op\n".as_bytes(),
        &mut out,
        &mut err,
    );
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0);
    let out = String::from_utf8(out).expect("utf8");
    assert!(out.contains("~ (p=1.000 n=2)"), "{out}");
    assert!(out.contains("samples contain NaN"), "{out}");
}

#[test]
fn a_fixed_order_that_matches_nothing_is_named_in_the_error() {
    let (code, _, err) = run_in_testdata(&args(&["-col", ".file@(a.txt b.txt)", "old.txt"]));
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: no benchmark results match -filter * and the fixed orders of -table, -row and -col\n"
    );
}
