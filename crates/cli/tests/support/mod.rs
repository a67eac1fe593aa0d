//! What the golden and interop harnesses share: the manifests of Go's goldens, running a
//! command on a manifest line, comparing outputs, and a small libtest-like runner (these
//! harnesses make one test per manifest line, so a golden becomes a test by existing).

#![allow(dead_code)] // each harness uses part of this module

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `testdata/go`, where the profiles are and where go tool pprof ran to write the goldens.
pub(crate) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/go")
}

/// One golden: its path under `testdata/go` and the go tool pprof arguments that wrote it.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) golden: String,
    pub(crate) args: Vec<String>,
}

impl Case {
    /// The test's name: the golden's path under `testdata/go`.
    pub(crate) fn name(&self) -> &str {
        &self.golden
    }

    /// The golden's stdout.
    pub(crate) fn stdout(&self) -> String {
        read(&testdata().join(&self.golden))
    }

    /// The golden's stderr (empty when Go printed nothing there).
    pub(crate) fn stderr(&self) -> String {
        let path = testdata().join(self.golden.replace(".txt", ".stderr.txt"));
        if path.exists() {
            read(&path)
        } else {
            String::new()
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The lines of a manifest (`golden<TAB>arguments`, arguments split on spaces).
pub(crate) fn manifest(dir: &str) -> Vec<Case> {
    let text = read(&testdata().join(dir).join("MANIFEST.tsv"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (golden, args) = l.split_once('\t').expect("manifest line without a tab");
            Case {
                golden: format!("{dir}/{golden}"),
                args: args.split_whitespace().map(String::from).collect(),
            }
        })
        .collect()
}

/// A report without the header lines that name the local file (`File:`) or the time (`Time:`).
pub(crate) fn comparable(report: &str) -> String {
    report
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("File: ") && !l.starts_with("Time: "))
        .collect()
}

/// Runs `cmd` in `testdata/go` and returns (exit success, stdout, stderr).
pub(crate) fn output(mut cmd: Command) -> (bool, String, String) {
    let out = cmd
        .current_dir(testdata())
        .env("TZ", "UTC")
        .output()
        .expect("spawning the command");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `cmd` (its arguments, directory and environment set) as an interactive session:
/// `commands` on its stdin, written from a thread so that a long output cannot block them,
/// with `TZ=UTC` and `TERM` unset, as when the goldens were written.
pub(crate) fn session(mut cmd: Command, commands: Vec<u8>) -> std::io::Result<Output> {
    let mut child = cmd
        .env("TZ", "UTC")
        .env_remove("TERM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let feeder = std::thread::spawn(move || stdin.write_all(&commands));
    let out = child.wait_with_output()?;
    let _ = feeder.join();
    Ok(out)
}

/// Where `got` first differs from `want`, as a few lines of context.
pub(crate) fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let at = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    format!(
        "first difference at line {}:\n  want: {:?}\n  got:  {:?}\n  ({} lines wanted, {} got)",
        at + 1,
        w.get(at).unwrap_or(&"<end>"),
        g.get(at).unwrap_or(&"<end>"),
        w.len(),
        g.len()
    )
}

/// A test's result: `Ok` or the failure's explanation.
pub(crate) type Outcome = Result<(), String>;

/// A `sextant pprof` run on `case` (exit success, stdout, stderr) against the golden: it must
/// succeed and print the golden's stdout, the `File:` and `Time:` lines aside.
pub(crate) fn check_stdout(case: &Case, ok: bool, stdout: &str, stderr: &str) -> Outcome {
    if !ok {
        return Err(format!(
            "sextant pprof {} failed:\n{stderr}",
            case.args.join(" ")
        ));
    }
    same("stdout", &comparable(&case.stdout()), &comparable(stdout))
}

/// `Ok` if `got` is `want`, else where the `what` output first differs from the golden.
pub(crate) fn same(what: &str, want: &str, got: &str) -> Outcome {
    if want == got {
        return Ok(());
    }
    Err(format!(
        "{what} differs from the golden; {}",
        first_difference(want, got)
    ))
}

/// `result`, the outcome of `case`, unless `gaps` lists the case (by golden path prefix, with
/// the reason it does not match yet): a known gap must still fail, so that one that starts to
/// pass is noticed and taken off the list.
pub(crate) fn unless_known_gap(case: &Case, gaps: &[(&str, &str)], result: Outcome) -> Outcome {
    match gaps
        .iter()
        .find(|(prefix, _)| case.name().starts_with(prefix))
    {
        None => result,
        Some((_, why)) => match result {
            Err(_) => Ok(()),
            Ok(()) => Err(format!(
                "listed as a known gap ({why}) but now matches: take it off KNOWN_GAPS"
            )),
        },
    }
}

/// Runs `check` on each case whose name contains one of the command line's filters, on two
/// threads, printing libtest's lines; exits 101 if any fails, as libtest does.
pub(crate) fn run_all(cases: Vec<Case>, check: impl Fn(&Case) -> Outcome + Sync) {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name().contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", cases.len());
    let results: Vec<(String, Outcome)> = std::thread::scope(|s| {
        let half = cases.len().div_ceil(2).max(1);
        let handles: Vec<_> = cases
            .chunks(half)
            .map(|chunk| {
                let check = &check;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|c| (c.name().to_string(), check(c)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("test thread panicked"))
            .collect()
    });
    let mut failed = Vec::new();
    for (name, outcome) in &results {
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(why) => {
                println!("test {name} ... FAILED");
                failed.push((name, why));
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:\n");
        for (name, why) in &failed {
            println!("---- {name} ----\n{why}\n");
        }
    }
    let status = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {status}. {} passed; {} failed; 0 ignored; 0 measured; 0 filtered out\n",
        results.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
