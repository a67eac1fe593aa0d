//! Golden tests: `sextant benchstat` on the inputs in testdata/benchstat must print
//! exactly what golang.org/x/perf's benchstat printed (stdout and stderr), for every
//! case listed in testdata/benchstat/cases.txt. A case becomes a test by being listed.

use crate::{run_in_testdata, testdata};

/// Splits a case's arguments at spaces, keeping "double-quoted" runs together.
pub(crate) fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Cases whose stderr differs from Go's on purpose, with the lines we print instead.
fn expected_stderr(name: &str, go: &str) -> String {
    match name {
        // Go prints nothing for an empty input; we warn.
        "empty.old" => format!("warning: empty.txt: no benchmark results\n{go}"),
        _ => go.to_string(),
    }
}

#[test]
fn every_case_matches_go_benchstat() {
    let dir = testdata();
    let cases = std::fs::read_to_string(dir.join("cases.txt")).expect("cases.txt");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in cases.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, args) = line.split_once(": ").expect("name: args");
        let args = split_args(args);
        let (code, out, err) = run_in_testdata(&args);
        let read = |ext: &str| {
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let (want_out, want_err) = (read("stdout"), read("stderr"));
        if code != 0 {
            failures.push(format!("{name}: exit {code}: {err}"));
        }
        if out != want_out {
            failures.push(format!(
                "{name}: stdout differs\n--- go\n{want_out}--- sextant\n{out}"
            ));
        }
        if err != expected_stderr(name, &want_err) {
            failures.push(format!(
                "{name}: stderr differs\n--- go\n{want_err}--- sextant\n{err}"
            ));
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
