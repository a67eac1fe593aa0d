//! The pipeline against go tool pprof's `-raw` goldens.
//!
//! Every `testdata/go/golden/MANIFEST.tsv` line whose golden is a `.raw.txt` is replayed: the
//! same fixtures, the same options, through `pipeline::run`, and `format!("{profile}")` must
//! equal the golden byte for byte, the `Time:` line aside (Go prints it in the local zone).
//! A line with an option the pipeline does not handle fails the test, naming the option; none
//! is skipped. Goldens that cannot match yet are listed in [`KNOWN_GAPS`] with the reason; they
//! must still fail, so that one that starts to pass is noticed and taken off the list.

use std::path::Path;

use sextant_profile::pipeline::{self, ReportOptions, SourceOptions};
use sextant_profile::{Filters, Profile, legacy_sample_flag};

use crate::fixtures::testdata;

/// Goldens that do not match yet, by file name prefix, and why.
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// A manifest line's arguments, sorted into what the pipeline takes.
#[derive(Debug, Default)]
struct Invocation {
    format: Option<String>,
    sources: Vec<String>,
    bases: Vec<String>,
    source: SourceOptions,
    report: ReportOptions,
    /// `-tagroot`, `-tagleaf` and `-unit`, for `pipeline::add_label_frames`.
    tagroot: String,
    tagleaf: String,
    unit: String,
    /// Flags this harness does not know; a line with any fails.
    unknown: Vec<String>,
}

/// Flags that take a value (`-flag=v` or `-flag v`), as Go's flag package reads them.
const VALUE_FLAGS: [&str; 18] = [
    "tagroot",
    "tagleaf",
    "unit",
    "base",
    "diff_base",
    "sample_index",
    "divide_by",
    "add_comment",
    "focus",
    "ignore",
    "hide",
    "show",
    "show_from",
    "prune_from",
    "tagfocus",
    "tagignore",
    "tagshow",
    "taghide",
];

/// Report formats this module checks; the others belong to sextant-report's tests.
const FORMATS: [&str; 1] = ["raw"];

fn parse_args(args: &[&str]) -> Invocation {
    let mut inv = Invocation::default();
    let mut legacy = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            inv.sources.push(arg.to_string());
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        let value = if VALUE_FLAGS.contains(&name) {
            match inline {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].to_string()
                }
                None => {
                    inv.unknown.push(format!("{arg} (no value)"));
                    continue;
                }
            }
        } else {
            inline.unwrap_or_default()
        };
        if !apply_flag(&mut inv, name, value) {
            if legacy_sample_flag(name).is_some() {
                legacy.push(name);
            } else {
                inv.unknown.push(arg.to_string());
            }
        }
    }
    // Go applies the legacy selectors in a fixed order, the first one winning.
    for flag in sextant_profile::LEGACY_ORDER {
        if legacy.contains(&flag) {
            let (index, mean) = legacy_sample_flag(flag).expect("a legacy flag");
            if inv.report.sample_index.is_empty() {
                inv.report.sample_index = index.to_string();
            }
            inv.report.mean |= mean;
        }
    }
    inv
}

/// Applies one known flag; false if the flag is not one this harness knows.
fn apply_flag(inv: &mut Invocation, name: &str, value: String) -> bool {
    let f: &mut Filters = &mut inv.report.filters;
    match name {
        _ if FORMATS.contains(&name) => inv.format = Some(name.to_string()),
        "base" => inv.bases.push(value),
        "diff_base" => {
            inv.bases.push(value);
            inv.source.diff_base = true;
        }
        "normalize" => inv.source.normalize = true,
        "tagroot" => inv.tagroot = value,
        "tagleaf" => inv.tagleaf = value,
        "unit" => inv.unit = value,
        "add_comment" => inv.source.comment = Some(value),
        "sample_index" => inv.report.sample_index = value,
        "mean" => inv.report.mean = true,
        "divide_by" => match value.parse() {
            Ok(d) => inv.report.divide_by = d,
            Err(_) => return false,
        },
        "focus" => f.focus = Some(value),
        "ignore" => f.ignore = Some(value),
        "hide" => f.hide = Some(value),
        "show" => f.show = Some(value),
        "show_from" => f.show_from = Some(value),
        "prune_from" => f.prune_from = Some(value),
        "tagfocus" => f.tagfocus = Some(value),
        "tagignore" => f.tagignore = Some(value),
        "tagshow" => f.tagshow = Some(value),
        "taghide" => f.taghide = Some(value),
        _ => return false,
    }
    true
}

/// Runs the pipeline as go tool pprof would for `inv`, from fixtures in `dir`.
fn run(dir: &Path, inv: &Invocation) -> Result<Profile, String> {
    let read = |n: &String| {
        let data = std::fs::read(dir.join(n)).map_err(|e| format!("reading {n}: {e}"))?;
        Profile::parse(&data).map_err(|e| format!("parsing {n}: {e}"))
    };
    let sources = inv.sources.iter().map(read).collect::<Result<_, _>>()?;
    let bases = inv.bases.iter().map(read).collect::<Result<_, _>>()?;
    let mut p = pipeline::combine(sources, bases, &inv.source)
        .map_err(|e| format!("pipeline failed: {e}"))?;
    // go tool pprof adds label frames first of all per report, before the filters.
    let unit = if inv.unit.is_empty() {
        "minimum"
    } else {
        &inv.unit
    };
    pipeline::add_label_frames(&mut p, &inv.tagroot, &inv.tagleaf, unit);
    let prepared =
        pipeline::prepare(p, &inv.report).map_err(|e| format!("pipeline failed: {e}"))?;
    Ok(prepared.profile)
}

/// The text without its `Time:` line.
fn without_time(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("Time: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Where two texts first differ, with the lines on each side.
fn first_difference(ours: &str, go: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), go.lines().collect());
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        "first difference at line {}:\n  ours: {:?}\n  go:   {:?}\n  ({} lines against {})",
        at + 1,
        a.get(at).unwrap_or(&"<end>"),
        b.get(at).unwrap_or(&"<end>"),
        a.len(),
        b.len()
    )
}

#[test]
fn raw_goldens_match_byte_for_byte() {
    let dir = testdata();
    let golden = dir.join("golden");
    let manifest = std::fs::read_to_string(golden.join("MANIFEST.tsv"))
        .expect("testdata/go/golden/MANIFEST.tsv, written by testdata/go/regen.sh");
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let (file, args) = line
            .split_once('\t')
            .expect("MANIFEST lines are golden<TAB>args");
        if !file.ends_with(".raw.txt") {
            continue;
        }
        let args: Vec<&str> = args.split_whitespace().collect();
        let inv = parse_args(&args);
        if !inv.unknown.is_empty() {
            failures.push(format!(
                "{file}: options not handled: {}",
                inv.unknown.join(" ")
            ));
            continue;
        }
        if inv.format.as_deref() != Some("raw") {
            failures.push(format!("{file}: not a -raw invocation: {}", args.join(" ")));
            continue;
        }
        let expected = std::fs::read_to_string(golden.join(file)).expect("the golden file");
        checked += 1;
        let outcome = match run(&dir, &inv) {
            Ok(p) => {
                let (ours, go) = (without_time(&p.to_string()), without_time(&expected));
                match ours == go {
                    true => Ok(()),
                    false => Err(first_difference(&ours, &go)),
                }
            }
            Err(e) => Err(e),
        };
        let gap = KNOWN_GAPS
            .iter()
            .find(|(prefix, _)| file.starts_with(prefix));
        match (outcome, gap) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(e), None) => failures.push(format!("{file}: {e}")),
            (Ok(()), Some((_, why))) => failures.push(format!(
                "{file}: listed as a known gap ({why}) but now matches: take it off KNOWN_GAPS"
            )),
        }
    }
    assert!(checked > 0, "no .raw.txt goldens in the manifest");
    assert!(
        failures.is_empty(),
        "{} of {checked} -raw goldens differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn manifest_flags_are_read_as_go_reads_them() {
    let inv = parse_args(&[
        "-raw",
        "-normalize",
        "-diff_base",
        "b.pb.gz",
        "--focus=x|y",
        "a.pb.gz",
    ]);
    assert_eq!(inv.format.as_deref(), Some("raw"));
    assert_eq!(inv.sources, ["a.pb.gz"]);
    assert_eq!(inv.bases, ["b.pb.gz"]);
    assert!(inv.source.diff_base && inv.source.normalize);
    assert_eq!(inv.report.filters.focus.as_deref(), Some("x|y"));
    let inv = parse_args(&[
        "-raw",
        "-mean_delay",
        "-contentions",
        "-granularity=lines",
        "p",
    ]);
    assert_eq!(inv.report.sample_index, "delay");
    assert!(inv.report.mean);
    assert_eq!(inv.unknown, ["-granularity=lines"]);
    let inv = parse_args(&["-raw", "-tagroot", "a,b", "-tagleaf=c", "-unit=ms", "p"]);
    assert_eq!((inv.tagroot.as_str(), inv.tagleaf.as_str()), ("a,b", "c"));
    assert_eq!((inv.unit.as_str(), inv.sources.len()), ("ms", 1));
}
