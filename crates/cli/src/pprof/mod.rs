//! `sextant pprof`: go tool pprof's one-shot reports, with Go's flags.
//!
//! The flow is pprof's driver: parse flags (`flags`), settle the configuration (`config`), fetch
//! and merge the sources (`source`), then hand the profile to `sextant-report`.

mod config;
mod fetch;
mod flags;
mod flame;
mod http_client;
mod http_proxy;
mod settings;
mod shell;
mod shell_help;
mod shell_input;
mod source;
mod web;

/// The parsers the fuzz targets drive (`fuzz/fuzz_targets/pprof_*.rs`, which compile this
/// module from source, as the command is a binary); the command itself does not use it.
#[allow(unused_imports)]
pub(crate) mod fuzzing {
    pub(crate) use super::config::Config;
    pub(crate) use super::flags::parse as parse_flags;
    pub(crate) use super::http_client::{Target, read_response};
    pub(crate) use super::settings::{Extra, configure};
    pub(crate) use super::shell::parse_command_line;
    pub(crate) use super::shell_input::Complete;
}

use std::io::{self, Write};

use sextant_profile::pipeline::{self, Prepared};
use sextant_report::{Format, Granularity, Options, Report, SampleValue};

use config::Config;

/// Usage errors exit with 2, as Go's flag package and go tool pprof do.
const EXIT_USAGE: u8 = 2;
/// Other failures (unreadable profile, bad option value found late) exit with 1.
const EXIT_FAILURE: u8 = 1;

const USAGE: &str = "usage: sextant pprof <format> [options] [binary] <source> ...
       sextant pprof [options] [binary] <source> ...   (interactive shell; type help)
       sextant pprof -http=[host]:[port] [options] [binary] <source> ...   (web UI)

Prints what go tool pprof prints, with the same flags (-flag, --flag, -flag=value,
-flag value). Flags go before the sources. A source is a profile file or a URL:
http://host:port/debug/pprof/profile, or host:port; -seconds=n sets the profile's
length, -timeout=n the wait; fetched profiles are saved under $PPROF_TMPDIR or ~/pprof.

formats:
  -top, -text       flat table of the heaviest functions
  -traces           every sample with its stack
  -tree             call graph as text: each node with callers and callees
  -peek=regexp      -tree for the functions matching regexp
  -list=regexp      source of the functions matching regexp, annotated
  -weblist=regexp   -list as an HTML page; a click on a line shows its instructions
  -disasm=regexp    machine code of the functions matching regexp (GNU binutils)
  -raw              the profile as text
  -dot, -svg, -png, -pdf, -gif, -ps
                    call graph (images through Graphviz's dot)
  -flame            interactive SVG flame graph (one file: hover, click to zoom, search)
  -folded           folded stacks (a;b;c value), the input of inferno and flamegraph.pl

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
    let cfg = Config::from_flags(&parsed)?;
    for w in &cfg.warnings {
        let _ = writeln!(stderr, "{w}");
    }
    let p = source::fetch(&cfg, stderr)?;
    for note in source::symbolization_notes(&p, &cfg.symbolize) {
        let _ = writeln!(stderr, "{note}");
    }
    if let Some(hostport) = cfg.http.clone() {
        return web::serve(&hostport, p, cfg, stderr);
    }
    if cfg.command.is_empty() {
        return shell::run(p, cfg, stdout, stderr);
    }
    generate(p, cfg, stdout, stderr)
}

/// One report on `p` with `cfg`, for the command line and for each command of the shell.
fn generate(
    p: sextant_profile::Profile,
    mut cfg: Config,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    cfg.apply_command_overrides();
    let prepared =
        pipeline::prepare(p, &cfg.report_options()).map_err(|e| option_failure(e, &cfg))?;
    for w in &prepared.warnings {
        let _ = writeln!(stderr, "{w}");
    }
    let mut out: Vec<u8> = Vec::new();
    if cfg.command == "raw" {
        out = prepared.profile.to_string().into_bytes();
    } else if cfg.command == "proto" {
        // pprof writes the filtered profile with -divide_by applied, gzip-compressed.
        prepared
            .into_proto()
            .write(&mut out)
            .map_err(|e| Failure::failed(format!("encoding the profile: {e}")))?;
    } else if cfg.command == "topproto" {
        let options = report_options(&prepared, &cfg)?;
        let mut rpt = Report::with_total(options, prepared.total);
        rpt.top_proto(&prepared.profile)
            .write(&mut out)
            .map_err(|e| Failure::failed(format!("encoding the profile: {e}")))?;
    } else {
        let options = report_options(&prepared, &cfg)?;
        let mut rpt = Report::with_total(options, prepared.total);
        // Images are rendered by Graphviz from the DOT text.
        let image = matches!(cfg.command.as_str(), "png" | "pdf" | "gif" | "ps" | "svg");
        let target: &mut dyn Write = if cfg.output.is_empty() && !image {
            stdout
        } else {
            &mut out
        };
        let written = if cfg.command == "disasm" {
            let objtool = sextant_report::disasm::Binutils::default();
            rpt.disasm(&prepared.profile, &objtool, None, target)
        } else if cfg.command == "weblist" {
            let mut notes = Vec::new();
            let r = web::weblist(&mut rpt, &prepared.profile, target, &mut notes);
            for n in notes {
                let _ = writeln!(stderr, "{n}");
            }
            r
        } else {
            flame::generate(&mut rpt, &cfg.command, &prepared.profile, target)
        };
        match written {
            Ok(()) => {}
            Err(sextant_report::Error::Io(e)) => return io_result(e),
            Err(e) => return Err(Failure::failed(e.to_string())),
        }
        if image {
            out = graphviz(&cfg.command, &out)?;
            if cfg.command == "svg" {
                let svg = String::from_utf8_lossy(&out);
                out = sextant_report::svg::massage_svg(&svg).into_bytes();
            }
        } else if cfg.output.is_empty() {
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

/// Renders DOT with Graphviz's `dot -T<format>`, as pprof's `invokeDot` does.
fn graphviz(format: &str, dot: &[u8]) -> Result<Vec<u8>, Failure> {
    use std::process::{Command, Stdio};
    let spawned = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = spawned.map_err(|e| {
        Failure::failed(format!("failed to execute dot: {e}"))
            .hint("install Graphviz (apt-get install graphviz), or use -dot and render elsewhere")
    })?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = dot.to_vec();
    // Feed dot from a thread so that a large graph cannot deadlock both pipes.
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| Failure::failed(format!("failed to execute dot: {e}")))?;
    let _ = feeder.join();
    if !output.status.success() {
        return Err(Failure::failed(format!(
            "dot -T{format} failed: {}",
            output.status
        )));
    }
    Ok(output.stdout)
}

/// A failure of the report stage: bad option values are usage errors.
fn option_failure(e: sextant_profile::Error, cfg: &Config) -> Failure {
    let msg = e.to_string();
    match e {
        sextant_profile::Error::Option(_) if msg.starts_with("sample_index") => {
            let f = Failure::usage(msg);
            if cfg.sample_index.parse::<i64>().is_ok() {
                f.hint("a sample index counts from 0; names work too, such as -sample_index=alloc_space")
            } else {
                f.hint("give one of the sample types listed, by name or 0-based position")
            }
        }
        sextant_profile::Error::Option(_) | sextant_profile::Error::Regex { .. } => {
            Failure::usage(msg)
        }
        _ => Failure::failed(msg),
    }
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

/// pprof's `reportOptions`: the report settings the configuration and the prepared profile
/// imply.
fn report_options(prepared: &Prepared, cfg: &Config) -> Result<Options, Failure> {
    let sel = &prepared.selection;
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
        "tags" => Format::Tags,
        "callgrind" => Format::Callgrind,
        "list" | "weblist" => Format::List,
        "dot" | "png" | "pdf" | "gif" | "ps" | "svg" => Format::Dot,
        "comments" => Format::Comments,
        _ => Format::Text,
    };
    let granularity = Granularity::from_name(&cfg.granularity).unwrap_or_default();
    Ok(Options {
        format,
        cum_sort: cfg.sort == "cum",
        drop_negative: cfg.drop_negative,
        compact_labels: cfg.compact_labels,
        ratio: prepared.ratio,
        active_filters: cfg.active_filters(),
        node_count: usize::try_from(cfg.node_count).unwrap_or(0),
        node_fraction: cfg.node_fraction,
        edge_fraction: cfg.edge_fraction,
        value: SampleValue {
            index: sel.index,
            mean: sel.mean,
        },
        sample_type: sel.sample_type.kind.clone(),
        sample_unit: sel.sample_type.unit.clone(),
        output_unit: cfg.unit.clone(),
        symbol,
        granularity,
        noinlines: cfg.noinlines,
        trim_path: cfg.trim_path.clone(),
        source_path: cfg.source_path.clone(),
        call_tree: cfg.call_tree,
    })
}
