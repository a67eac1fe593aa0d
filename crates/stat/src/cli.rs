//! `sextant benchstat`: flags, inputs and output, as `golang.org/x/perf/cmd/benchstat`.
//!
//! Differences from Go's tool, on purpose: errors go to stderr as `error: ...` with a
//! non-zero exit (Go prints `benchstat: ...` and exits 0); inputs with no benchmark
//! results at all are an error, and an empty input among others is warned about; a
//! directory input reads criterion's saved baselines (see [`crate::criterion`]).

use std::io::{Read, Write};

use crate::benchfmt::{self, Record, UnitMetadataMap};
use crate::criterion;
use crate::filter::Filter;
use crate::projection::ProjectionParser;
use crate::render::{to_csv, to_text};
use crate::summary::DEFAULT_ALPHA;
use crate::table::{Builder, TableOpts};

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for a failure (unreadable input, no results).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for a usage error (unknown flag, bad flag value), as Go's flag package.
pub const EXIT_USAGE: u8 = 2;

const USAGE: &str = "usage: sextant benchstat [flags] inputs...

benchstat computes statistical summaries and A/B comparisons of Go
benchmarks. It shows benchmark medians in a table with a row for each
benchmark and a column for each input file. If there is more than one
input file, it also shows A/B comparisons between the files. If a
difference is likely to be noise, it shows \"~\".

Inputs are files in Go's benchmark format (go test -bench, sextant-bench),
\"-\" for stdin, label=path to name a column, or a criterion directory
(target/criterion, or target/criterion@baseline; default baseline \"new\").

flags:
  -alpha α             consider change significant if p < α (default 0.05)
  -col projection      split results into columns by distinct values of projection (default \".file\")
  -confidence level    confidence level for ranges (default 0.95)
  -filter query        use only benchmarks matching benchfilter query (default \"*\")
  -format format       print results in format: text, or csv (warnings to stderr) (default \"text\")
  -ignore keys         ignore variations in keys
  -row projection      split results into rows by distinct values of projection (default \".fullname\")
  -sort order          sort rows: \"\" (first appearance, as the projection orders them),
                       \"name\", \"delta\" (change vs the first column), \"-name\" or \"-delta\" to reverse
  -table projection    split results into tables by distinct values of projection (default \".config\")
";

/// The parsed command line.
#[derive(Debug, Clone)]
struct Flags {
    table: String,
    row: String,
    col: String,
    ignore: String,
    filter: String,
    alpha: f64,
    confidence: f64,
    format: String,
    sort: String,
    inputs: Vec<String>,
}

enum FlagsError {
    Help,
    Usage(String),
}

fn parse_flags(args: &[String]) -> Result<Flags, FlagsError> {
    let mut f = Flags {
        table: ".config".into(),
        row: ".fullname".into(),
        col: ".file".into(),
        ignore: String::new(),
        filter: "*".into(),
        alpha: DEFAULT_ALPHA,
        confidence: 0.95,
        format: "text".into(),
        sort: String::new(),
        inputs: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        // Go's flag package: flags stop at the first non-flag, "-" or "--".
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let body = a.strip_prefix("--").unwrap_or(&a[1..]);
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        if name == "h" || name == "help" {
            return Err(FlagsError::Help);
        }
        let known = [
            "table",
            "row",
            "col",
            "ignore",
            "filter",
            "alpha",
            "confidence",
            "format",
            "sort",
        ];
        if !known.contains(&name) {
            return Err(FlagsError::Usage(format!(
                "flag provided but not defined: -{name}"
            )));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)
                    .cloned()
                    .ok_or_else(|| FlagsError::Usage(format!("flag needs an argument: -{name}")))?
            }
        };
        let float = |v: &str| {
            v.parse::<f64>().map_err(|_| {
                FlagsError::Usage(format!("invalid value {v:?} for flag -{name}: parse error"))
            })
        };
        match name {
            "table" => f.table = value,
            "row" => f.row = value,
            "col" => f.col = value,
            "ignore" => f.ignore = value,
            "filter" => f.filter = value,
            "alpha" => f.alpha = float(&value)?,
            "confidence" => f.confidence = float(&value)?,
            "format" => f.format = value,
            _ => f.sort = value,
        }
        i += 1;
    }
    f.inputs = args[i..].to_vec();
    Ok(f)
}

/// Runs `sextant benchstat` with `args` (without the command name), writing tables to
/// `stdout` and messages to `stderr`; returns the exit code.
pub fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    run_with_stdin(args, &mut std::io::stdin(), stdout, stderr)
}

/// As [`run`], reading `-` from `stdin`.
pub fn run_with_stdin(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let code = match main(args, stdin, stdout, stderr) {
        Ok(()) => EXIT_OK,
        Err(Failure::Usage(None)) => {
            let _ = write!(stderr, "{USAGE}");
            EXIT_USAGE
        }
        Err(Failure::Usage(Some(msg))) => {
            let _ = writeln!(
                stderr,
                "error: {msg}\nhint: sextant benchstat -h lists the flags"
            );
            EXIT_USAGE
        }
        Err(Failure::Error(msg, hint)) => {
            let _ = writeln!(stderr, "error: {msg}");
            if let Some(h) = hint {
                let _ = writeln!(stderr, "hint: {h}");
            }
            EXIT_FAILURE
        }
        Err(Failure::Help) => {
            let _ = write!(stdout, "{USAGE}");
            EXIT_OK
        }
    };
    let _ = stdout.flush();
    code
}

enum Failure {
    Help,
    /// A usage error: with a message, or None to print the usage (no arguments).
    Usage(Option<String>),
    Error(String, Option<String>),
}

fn err(msg: impl Into<String>) -> Failure {
    Failure::Error(msg.into(), None)
}

fn main(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    let flags = match parse_flags(args) {
        Ok(f) => f,
        Err(FlagsError::Help) => return Err(Failure::Help),
        Err(FlagsError::Usage(m)) => return Err(Failure::Usage(Some(m))),
    };
    if flags.inputs.is_empty() {
        return Err(Failure::Usage(None));
    }
    let mut filter =
        Filter::new(&flags.filter).map_err(|e| err(format!("parsing -filter: {e}")))?;
    let mut parser = ProjectionParser::default();
    let mut fixed = Vec::new();
    let mut table_by = parser
        .parse_with_unit(&flags.table, &mut fixed)
        .map_err(|e| err(format!("parsing -table: {e}")))?;
    let mut row_by = parser
        .parse(&flags.row, &mut fixed)
        .map_err(|e| err(format!("parsing -row: {e}")))?;
    let mut col_by = parser
        .parse(&flags.col, &mut fixed)
        .map_err(|e| err(format!("parsing -col: {e}")))?;
    parser
        .parse(&flags.ignore, &mut fixed)
        .map_err(|e| err(format!("parsing -ignore: {e}")))?;
    let mut residue = parser.residue();
    for p in [&mut table_by, &mut row_by, &mut col_by, &mut residue] {
        parser.finish(p);
    }
    let has_fixed = !fixed.is_empty();
    filter.add_fixed(fixed);
    if !(0.0..=1.0).contains(&flags.alpha) {
        return Err(err("-alpha must be in range [0, 1]"));
    }
    if !(0.0..=1.0).contains(&flags.confidence) {
        return Err(err("-confidence must be in range [0, 1]"));
    }
    if flags.format != "text" && flags.format != "csv" {
        return Err(err("-format must be text or csv"));
    }
    let sort = crate::sort::RowSort::parse(&flags.sort).map_err(err)?;

    let mut builder = Builder::new(table_by, row_by, col_by, residue);
    let mut units = UnitMetadataMap::new();
    let mut any = false;
    for input in inputs(&flags.inputs) {
        let mut n = 0;
        let mut emit = |rec: Record| match rec {
            Record::SyntaxError(e) => {
                let _ = writeln!(stderr, "{e}");
            }
            Record::Result(mut r) => {
                n += 1;
                if filter.apply(&mut r) {
                    builder.add(&r);
                }
            }
        };
        read_input(&input, stdin, &mut units, &mut emit)?;
        if n == 0 {
            let _ = writeln!(stderr, "warning: {}: no benchmark results", input.path);
        }
        any |= n > 0;
    }
    if !any {
        return Err(Failure::Error(
            "no benchmark results in the inputs".to_string(),
            Some("inputs are the output of go test -bench or a sextant-bench benchmark: lines like \"BenchmarkName-8  1000  1234 ns/op\"".to_string()),
        ));
    }
    if builder.is_empty() {
        // A fixed order (`-col .file@(a b)`) filters too: say so when it may be why.
        let also = if has_fixed {
            " and the fixed orders of -table, -row and -col"
        } else {
            ""
        };
        return Err(err(format!(
            "no benchmark results match -filter {}{also}",
            flags.filter
        )));
    }

    let opts = TableOpts {
        confidence: flags.confidence,
        alpha: flags.alpha,
        units,
    };
    let (mut tables, b) = builder.into_tables(&opts);
    sort.apply(&mut tables, &b.row_by);
    // Columns are inputs by default; a unit missing from an input is then worth a word.
    // Other column keys (`-col /n`) leave cells empty by design.
    if flags.col == ".file" {
        explain_missing_columns(&tables, &b, stderr);
    }
    let out = if flags.format == "csv" {
        let (out, warnings) = to_csv(&tables, &b.table_by, &b.row_by, &b.col_by);
        let _ = stderr.write_all(warnings.as_bytes());
        out
    } else {
        to_text(&tables, &b.table_by, &b.row_by, &b.col_by)
    };
    match stdout.write_all(out.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(err(format!("writing output: {e}"))),
        Ok(()) => Ok(()),
    }
}

/// Says on stderr when a unit has results in fewer columns than other units of the
/// same configuration: its table silently loses the comparison (for example when one
/// run used -benchmem and the other did not).
fn explain_missing_columns(tables: &crate::table::Tables, b: &Builder, stderr: &mut dyn Write) {
    let unit_field = b.table_by.unit_field();
    let config_of = |k| {
        let fields = b.table_by.flattened();
        fields
            .iter()
            .copied()
            .filter(|&f| Some(f) != unit_field)
            .map(|f| b.table_by.get(k, f).to_string())
            .collect::<Vec<_>>()
    };
    for (i, t) in tables.tables.iter().enumerate() {
        let config = config_of(tables.keys[i]);
        let mut others: Vec<_> = tables
            .tables
            .iter()
            .zip(&tables.keys)
            .filter(|&(_, &k)| config_of(k) == config)
            .flat_map(|(t, _)| t.cols.iter().copied())
            .filter(|c| !t.cols.contains(c))
            .collect();
        others.sort();
        others.dedup();
        if !others.is_empty() {
            let names: Vec<String> = others.iter().map(|&c| b.col_by.string_values(c)).collect();
            let _ = writeln!(
                stderr,
                "warning: unit {} has no results in {}, which other units have: no comparison with them",
                t.unit,
                names.join(", ")
            );
        }
    }
}

/// One input: a path (or `-`, or a criterion directory) and its column label.
#[derive(Debug, Clone)]
struct Input {
    path: String,
    label: String,
}

/// Resolves `label=path` and numbers repeated unlabeled paths (`old.txt#0`), as
/// benchfmt's `Files`.
fn inputs(args: &[String]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut count = std::collections::HashMap::<String, usize>::new();
    for a in args {
        match a.split_once('=') {
            Some((label, path)) => out.push((
                Input {
                    path: path.to_string(),
                    label: label.to_string(),
                },
                true,
            )),
            None => {
                *count.entry(a.clone()).or_default() += 1;
                out.push((
                    Input {
                        path: a.clone(),
                        label: a.clone(),
                    },
                    false,
                ));
            }
        }
    }
    let mut seen = std::collections::HashMap::<String, usize>::new();
    out.into_iter()
        .map(|(mut inp, labeled)| {
            if !labeled && count[&inp.path] > 1 {
                let i = seen.entry(inp.path.clone()).or_default();
                inp.label = format!("{}#{}", inp.path, i);
                *i += 1;
            }
            inp
        })
        .collect()
}

fn read_input(
    input: &Input,
    stdin: &mut dyn Read,
    units: &mut UnitMetadataMap,
    emit: &mut dyn FnMut(Record),
) -> Result<(), Failure> {
    let init = [(".file", input.label.as_str())];
    if input.path == "-" {
        let mut buf = Vec::new();
        stdin
            .read_to_end(&mut buf)
            .map_err(|e| err(format!("reading stdin: {e}")))?;
        benchfmt::read(&buf, "-", &init, units, emit);
        return Ok(());
    }
    if let Some((dir, baseline)) = criterion::locate(&input.path) {
        let results = criterion::read(&dir, &baseline).map_err(|e| err(e.to_string()))?;
        for rec in results {
            match rec {
                Record::Result(mut r) => {
                    r.config.insert(
                        0,
                        benchfmt::Config {
                            key: ".file".into(),
                            value: input.label.clone(),
                            file: false,
                        },
                    );
                    emit(Record::Result(r));
                }
                other => emit(other),
            }
        }
        return Ok(());
    }
    let text = std::fs::read(&input.path).map_err(|e| {
        Failure::Error(
            format!("{}: {}", input.path, io_message(&e)),
            (e.kind() == std::io::ErrorKind::NotFound)
                .then(|| "inputs are files of go test -bench output, or label=file".to_string()),
        )
    })?;
    benchfmt::read(&text, &input.path, &init, units, emit);
    Ok(())
}

/// An I/O error's message without Rust's "(os error N)" suffix.
fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}
