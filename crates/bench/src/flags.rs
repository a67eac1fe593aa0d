//! The command line, parsed as `go test` parses its test flags.
//!
//! Go's flag syntax is accepted as Go accepts it: `-bench=x`, `--bench=x`, `-bench x`, and the
//! `-test.` prefix of a compiled Go test binary (`-test.benchtime=100x`). Two Cargo habits are
//! accepted too: Cargo appends a bare `--bench` when it runs a `harness = false` target under
//! `cargo bench`, which means "run everything"; and `cargo bench NAME` passes `NAME` as a
//! positional filter, which acts as `-bench=NAME`.

use std::time::Duration;

use crate::error::Error;
use crate::perf::Event;

/// How long, or how many times, each benchmark runs (`-benchtime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchTime {
    /// Run until the measured time reaches this duration (`-benchtime=1s`, the default).
    Duration(Duration),
    /// Run exactly this many iterations (`-benchtime=100x`).
    Count(u64),
}

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-bench`: the pattern benchmarks must match; `None` runs each benchmark once as a smoke
    /// test and reports nothing, as `cargo test --benches` expects.
    pub bench: Option<String>,
    /// `-benchtime`.
    pub bench_time: BenchTime,
    /// `-count`: how many results to report per benchmark and `-cpu` value.
    pub count: u32,
    /// `-benchmem`: report B/op and allocs/op for every benchmark.
    pub bench_mem: bool,
    /// `-cpu`: the thread counts to run each benchmark with (the `-P` name suffix).
    pub cpu: Vec<usize>,
    /// `-run`: accepted for Go compatibility and checked as a regexp; a benchmark binary
    /// holds no tests, so it selects nothing.
    pub run: Option<String>,
    /// `-timeout`: the whole run is stopped (exit 2) after this long; zero disables.
    pub timeout: Duration,
    /// `-rounds`: how many rounds each result is the median of (1 is Go's single run).
    pub rounds: u32,
    /// `-metrics`: hardware and software counters to report per op (Linux perf events).
    pub metrics: Vec<Event>,
    /// `-v`: print each benchmark's name on its own line before its result, as `go test -v`.
    pub verbose: bool,
    /// `-cpuprofile`: where to write a CPU profile of the benchmark runs (Go's
    /// `-test.cpuprofile`); relative to [`output_dir`](Options::output_dir) when that is set.
    pub cpu_profile: Option<String>,
    /// `-outputdir`: the directory for relative profile paths (Go's `-test.outputdir`); the
    /// working directory when unset.
    pub output_dir: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bench: None,
            // Go's default: one second a benchmark.
            bench_time: BenchTime::Duration(Duration::from_secs(1)),
            count: 1,
            bench_mem: false,
            cpu: vec![default_procs()],
            run: None,
            // Go's default -timeout is 10m.
            timeout: Duration::from_secs(600),
            rounds: 5,
            metrics: Vec::new(),
            verbose: false,
            cpu_profile: None,
            output_dir: None,
        }
    }
}

/// Go's GOMAXPROCS default: the number of CPUs this process may use.
pub(crate) fn default_procs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Options {
    /// Parses the arguments after the program name.
    ///
    /// # Errors
    ///
    /// An unknown flag, a missing or malformed value, a profiling flag whose profiler does
    /// not exist yet, or `-cpuprofile` without the `cpuprofile` feature.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Options, Error> {
        let mut o = Options::default();
        let mut cargo_bench = false;
        let mut positional = None;
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_ref();
            i += 1;
            let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
                positional.get_or_insert_with(|| arg.to_string());
                continue;
            };
            let flag = flag.strip_prefix("test.").unwrap_or(flag);
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            if is_bool(name) {
                let on = inline.as_deref().is_none_or(|v| v == "true" || v == "1");
                match name {
                    "benchmem" => o.bench_mem = on,
                    _ => o.verbose = on,
                }
                continue;
            }
            if !is_known(name) {
                return Err(Error::UnknownFlag(format!("-{name}")));
            }
            let next_is_value = args.get(i).is_some_and(|a| !a.as_ref().starts_with('-'));
            if name == "bench" && inline.is_none() && !next_is_value {
                // Cargo's marker for `cargo bench`, or `-bench` with nothing after it.
                cargo_bench = true;
                continue;
            }
            let value = match inline {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].as_ref().to_string()
                }
                None => return Err(Error::MissingValue(format!("-{name}"))),
            };
            o.set(name, &value)?;
        }
        if o.bench.is_none() && (cargo_bench || positional.is_some()) {
            o.bench = Some(positional.unwrap_or_else(|| ".".to_string()));
        }
        Ok(o)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let bad = |why: &str| Error::BadValue {
            flag: format!("-{name}"),
            value: value.to_string(),
            why: why.to_string(),
        };
        match name {
            "bench" => self.bench = Some(check_regexp(value).map_err(|e| bad(&e))?),
            "run" => self.run = Some(check_regexp(value).map_err(|e| bad(&e))?),
            "benchtime" => self.bench_time = parse_bench_time(value).map_err(|e| bad(&e))?,
            "count" => self.count = parse_positive(value).map_err(|e| bad(&e))?,
            "rounds" => self.rounds = parse_positive(value).map_err(|e| bad(&e))?,
            "cpu" => self.cpu = parse_cpu_list(value).map_err(|e| bad(&e))?,
            "timeout" => self.timeout = parse_duration(value).map_err(|e| bad(&e))?,
            "metrics" => self.metrics = parse_metrics(value).map_err(|e| bad(&e))?,
            "cpuprofile" if cfg!(feature = "cpuprofile") => {
                // Go's default, an empty path, means no profile.
                self.cpu_profile = Some(value.to_string()).filter(|v| !v.is_empty());
            }
            "cpuprofile" => {
                return Err(Error::FeatureDisabled {
                    flag: format!("-{name}"),
                    feature: "cpuprofile",
                });
            }
            "outputdir" => self.output_dir = Some(value.to_string()).filter(|v| !v.is_empty()),
            "memprofile" => return Err(not_built(name, "heap", "sextant::heap")),
            _ => return Err(Error::UnknownFlag(format!("-{name}"))),
        }
        Ok(())
    }
}

fn is_bool(name: &str) -> bool {
    matches!(name, "benchmem" | "v")
}

fn is_known(name: &str) -> bool {
    matches!(
        name,
        "bench"
            | "run"
            | "benchtime"
            | "count"
            | "rounds"
            | "cpu"
            | "timeout"
            | "metrics"
            | "cpuprofile"
            | "memprofile"
            | "outputdir"
    )
}

fn not_built(flag: &str, profiler: &'static str, module: &'static str) -> Error {
    Error::ProfilerNotBuilt {
        flag: format!("-{flag}"),
        profiler,
        module,
    }
}

fn check_regexp(pattern: &str) -> Result<String, String> {
    for (i, elem) in crate::matcher::split_pattern(pattern)
        .iter()
        .flatten()
        .enumerate()
    {
        regex::Regex::new(elem).map_err(|e| format!("element {i} ({elem:?}): {e}"))?;
    }
    Ok(pattern.to_string())
}

fn parse_positive(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("want a positive integer".to_string()),
    }
}

/// Parses `-benchtime` as Go's `durationOrCountFlag`: `Nx` for a count, else a duration;
/// zero is refused for both.
pub(crate) fn parse_bench_time(value: &str) -> Result<BenchTime, String> {
    if let Some(n) = value.strip_suffix('x') {
        return match n.parse::<u64>() {
            Ok(n) if n > 0 => Ok(BenchTime::Count(n)),
            _ => Err("invalid count".to_string()),
        };
    }
    match parse_duration(value) {
        Ok(d) if !d.is_zero() => Ok(BenchTime::Duration(d)),
        _ => Err("invalid duration".to_string()),
    }
}

fn parse_cpu_list(value: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for field in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match field.parse::<usize>() {
            Ok(n) if n > 0 => cpus.push(n),
            _ => return Err(format!("invalid value {field:?} for -cpu")),
        }
    }
    if cpus.is_empty() {
        return Err("empty -cpu list".to_string());
    }
    Ok(cpus)
}

fn parse_metrics(value: &str) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    for name in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let event = Event::from_name(name).ok_or_else(|| {
            format!(
                "unknown metric {name:?}; known: {}",
                Event::names().join(", ")
            )
        })?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    Ok(events)
}

/// Parses a Go duration string (`time.ParseDuration`): a sequence of decimal numbers, each
/// with a unit among `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`, such as `1.5s` or `1m30s`.
/// A bare `0` is zero.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("time: invalid duration {s:?}");
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() || s.starts_with('-') {
        return Err(bad());
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let num: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let ns_per_unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += num * ns_per_unit;
    }
    Ok(Duration::from_nanos(total.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_time_accepts_counts_and_durations_as_go_does() {
        assert_eq!(parse_bench_time("100x"), Ok(BenchTime::Count(100)));
        assert_eq!(
            parse_bench_time("1s"),
            Ok(BenchTime::Duration(Duration::from_secs(1)))
        );
        assert_eq!(
            parse_bench_time("1m30s"),
            Ok(BenchTime::Duration(Duration::from_secs(90)))
        );
        assert_eq!(
            parse_bench_time("1.5ms"),
            Ok(BenchTime::Duration(Duration::from_micros(1500)))
        );
        assert!(parse_bench_time("0x").is_err());
        assert!(parse_bench_time("0s").is_err());
        assert!(parse_bench_time("1").is_err());
        assert!(parse_bench_time("-1s").is_err());
        assert!(parse_bench_time("fast").is_err());
    }

    #[test]
    fn cargo_bench_marker_runs_everything_and_a_pattern_wins_over_it() {
        assert_eq!(
            Options::parse(&["--bench"]).unwrap().bench.as_deref(),
            Some(".")
        );
        let o = Options::parse(&["-bench=Sort/n=10$", "--bench"]).unwrap();
        assert_eq!(o.bench.as_deref(), Some("Sort/n=10$"));
        let o = Options::parse(&["-bench", "Sort", "--bench"]).unwrap();
        assert_eq!(o.bench.as_deref(), Some("Sort"));
        assert_eq!(
            Options::parse(&["Sort", "--bench"])
                .unwrap()
                .bench
                .as_deref(),
            Some("Sort")
        );
        assert_eq!(Options::parse::<&str>(&[]).unwrap().bench, None);
    }

    #[test]
    fn go_flag_spellings_are_accepted() {
        let o = Options::parse(&[
            "-test.benchtime=100x",
            "--count",
            "3",
            "-benchmem",
            "-cpu=1,2,4",
            "-run=^$",
            "-timeout=1m",
        ])
        .unwrap();
        assert_eq!(o.bench_time, BenchTime::Count(100));
        assert_eq!(o.count, 3);
        assert!(o.bench_mem);
        assert_eq!(o.cpu, vec![1, 2, 4]);
        assert_eq!(o.run.as_deref(), Some("^$"));
        assert_eq!(o.timeout, Duration::from_secs(60));
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let msg = |args: &[&str]| Options::parse(args).unwrap_err().to_string();
        assert_eq!(msg(&["-nope"]), "flag provided but not defined: -nope");
        assert_eq!(msg(&["-count"]), "flag needs an argument: -count");
        assert!(msg(&["-count=0"]).contains("-count"));
        assert!(msg(&["-cpu=1,x"]).contains("\"x\""));
        assert!(msg(&["-bench=("]).contains("-bench"));
        assert!(msg(&["-metrics=bogus"]).contains("unknown metric \"bogus\""));
    }

    #[cfg(feature = "cpuprofile")]
    #[test]
    fn cpuprofile_and_outputdir_are_parsed() {
        let o = Options::parse(&["-test.cpuprofile=cpu.pb.gz", "-outputdir", "/tmp/x"]).unwrap();
        assert_eq!(o.cpu_profile.as_deref(), Some("cpu.pb.gz"));
        assert_eq!(o.output_dir.as_deref(), Some("/tmp/x"));
        assert_eq!(Options::parse(&["-cpuprofile="]).unwrap().cpu_profile, None);
    }

    #[cfg(not(feature = "cpuprofile"))]
    #[test]
    fn cpuprofile_names_the_feature_it_needs() {
        let e = Options::parse(&["-cpuprofile=cpu.pb.gz"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "-cpuprofile: sextant-bench was built without its `cpuprofile` feature"
        );
    }

    #[test]
    fn memprofile_says_its_profiler_is_not_built() {
        let e = Options::parse(&["-memprofile", "mem.pb.gz"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "-memprofile: the heap profiler (sextant::heap) is not built yet"
        );
    }
}
