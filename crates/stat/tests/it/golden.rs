//! Golden tests: `sextant benchstat` on the inputs in testdata/benchstat must print
//! exactly what golang.org/x/perf's benchstat printed (stdout and stderr), for every
//! case listed in testdata/benchstat/cases.txt. A case becomes a test by being listed.

use std::path::PathBuf;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/benchstat")
}

/// Splits a case's arguments at spaces, keeping "double-quoted" runs together.
fn split_args(s: &str) -> Vec<String> {
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
    let cwd = std::env::current_dir().expect("cwd");
    std::env::set_current_dir(&dir).expect("chdir to testdata");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in cases.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, args) = line.split_once(": ").expect("name: args");
        let args = split_args(args);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = sextant_stat::run(&args, &mut out, &mut err);
        let want_out = std::fs::read_to_string(format!("{name}.stdout")).expect("golden stdout");
        let want_err = std::fs::read_to_string(format!("{name}.stderr")).expect("golden stderr");
        let (out, err) = (
            String::from_utf8(out).expect("utf8"),
            String::from_utf8(err).expect("utf8"),
        );
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
    std::env::set_current_dir(cwd).expect("chdir back");
    assert!(n >= 20, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
