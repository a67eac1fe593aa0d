//! `sextant pprof`: go tool pprof's one-shot reports, with Go's flags.
//!
//! The flow is pprof's driver: parse flags (`flags`), settle the configuration (`config`), fetch
//! and merge the sources (`source`), then hand the profile to `sextant-report`.

mod config;
mod flags;
mod source;

use std::io::{self, Write};

use sextant_profile::Profile;
use sextant_report::{Format, Granularity, Options, Report, SampleValue};

use config::Config;

/// Usage errors exit with 2, as Go's flag package and go tool pprof do.
const EXIT_USAGE: u8 = 2;
/// Other failures (unreadable profile, bad option value found late) exit with 1.
const EXIT_FAILURE: u8 = 1;

const USAGE: &str = "usage: sextant pprof <format> [options] [binary] <source> ...

Prints what go tool pprof prints, with the same flags (-flag, --flag, -flag=value,
-flag value). Flags go before the sources.

formats:
  -top, -text       flat table of the heaviest functions
  -traces           every sample with its stack
  -tree             call graph as text: each node with callers and callees
  -peek=regexp      -tree for the functions matching regexp
  -raw              the profile as text

options:
  -nodecount=n  -nodefraction=f  -edgefraction=f  -trim=false
  -cum  -flat   -sample_index=name|index  -mean  -unit=u  -divide_by=x
  -functions  -filefunctions  -files  -lines  -addresses  -noinlines
  -compact_labels  -drop_negative  -output=file
";

/// A failed run: the message, an optional hint, and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    hint: Option<String>,
    code: u8,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
            code: EXIT_USAGE,
        }
    }

    pub(crate) fn failed(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
            code: EXIT_FAILURE,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }
}

/// Runs `sextant pprof` with `args` (after the subcommand) and returns the exit code.
pub(crate) fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    match run_report(args, stdout, stderr) {
        Ok(()) => 0,
        Err(f) => {
            let _ = writeln!(stderr, "error: {}", f.message);
            if let Some(h) = f.hint {
                let _ = writeln!(stderr, "hint: {h}");
            }
            f.code
        }
    }
}

fn run_report(
    args: &[String],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    let parsed = flags::parse(args)
        .map_err(|m| Failure::usage(m).hint("run 'sextant pprof -help' for the list of flags"))?;
    if parsed.help {
        return write_out(stdout, USAGE.as_bytes());
    }
    let mut cfg = Config::from_flags(&parsed)?;
    for w in &cfg.warnings {
        let _ = writeln!(stderr, "{w}");
    }
    let p = source::fetch(&cfg)?;
    cfg.apply_command_overrides();
    let mut out: Vec<u8> = Vec::new();
    if cfg.command == "raw" {
        out = p.to_string().into_bytes();
    } else {
        let options = report_options(&p, &cfg)?;
        let mut rpt = Report::new(&p, options);
        let target: &mut dyn Write = if cfg.output.is_empty() {
            stdout
        } else {
            &mut out
        };
        match rpt.generate(&p, target) {
            Ok(()) => {}
            Err(sextant_report::Error::Io(e)) => return io_result(e),
            Err(e) => return Err(Failure::failed(e.to_string())),
        }
        if cfg.output.is_empty() {
            return Ok(());
        }
    }
    if cfg.output.is_empty() {
        return write_out(stdout, &out);
    }
    let _ = writeln!(stderr, "Generating report in {}", cfg.output);
    std::fs::write(&cfg.output, &out)
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", cfg.output)))
}

/// Writes report bytes to stdout; a closed pipe (`| head`) is not an error.
fn write_out(stdout: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) => io_result(e),
    }
}

fn io_result(e: io::Error) -> Result<(), Failure> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Failure::failed(format!("writing the report: {e}")))
    }
}

/// pprof's `reportOptions`: the report settings the configuration and the profile imply.
fn report_options(p: &Profile, cfg: &Config) -> Result<Options, Failure> {
    let index = sample_index(p, &cfg.sample_index)?;
    let st = &p.sample_type[index];
    let sample_type = if cfg.mean {
        format!("mean_{}", st.kind)
    } else {
        st.kind.clone()
    };
    if cfg.divide_by == 0.0 {
        return Err(Failure::usage("zero divisor specified"));
    }
    let symbol = match &cfg.command_arg {
        Some(re) => Some(
            regex::Regex::new(re)
                .map_err(|e| Failure::usage(format!("parsing argument regexp {re}: {e}")))?,
        ),
        None => None,
    };
    let format = match cfg.command.as_str() {
        "traces" => Format::Traces,
        "tree" | "peek" => Format::Tree,
        _ => Format::Text,
    };
    let granularity = Granularity::from_name(&cfg.granularity).unwrap_or_default();
    Ok(Options {
        format,
        cum_sort: cfg.sort == "cum",
        drop_negative: cfg.drop_negative,
        compact_labels: cfg.compact_labels,
        ratio: 1.0 / cfg.divide_by,
        active_filters: cfg.active_filters(),
        node_count: usize::try_from(cfg.node_count).unwrap_or(0),
        node_fraction: cfg.node_fraction,
        edge_fraction: cfg.edge_fraction,
        value: SampleValue {
            index,
            mean: cfg.mean,
        },
        sample_type,
        sample_unit: st.unit.clone(),
        output_unit: cfg.unit.clone(),
        symbol,
        granularity,
        noinlines: cfg.noinlines,
        trim_path: cfg.trim_path.clone(),
    })
}

/// pprof's `SampleIndexByName`: empty picks the default type (or the last), a number is an
/// index, a name matches a type (with or without `inuse_`).
fn sample_index(p: &Profile, name: &str) -> Result<usize, Failure> {
    if p.sample_type.is_empty() {
        return Err(Failure::failed("profile has no samples"));
    }
    let types: Vec<&str> = p.sample_type.iter().map(|t| t.kind.as_str()).collect();
    let last = types.len() - 1;
    if name.is_empty() {
        let dflt = &p.default_sample_type;
        return Ok(types
            .iter()
            .position(|t| !dflt.is_empty() && t == dflt)
            .unwrap_or(last));
    }
    if let Ok(i) = name.parse::<i64>() {
        return usize::try_from(i)
            .ok()
            .filter(|&i| i <= last)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "sample_index {name} is outside the range [0..{last}]"
                ))
            });
    }
    let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
    types
        .iter()
        .position(|&t| t == name || t == no_inuse)
        .ok_or_else(|| {
            Failure::usage(format!(
                "sample_index {name:?} must be one of: [{}]",
                types.join(" ")
            ))
            .hint(format!(
                "this profile's sample types are: {}",
                types.join(", ")
            ))
        })
}
