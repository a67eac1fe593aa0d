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
    /// `-rounds`: how many rounds share the benchtime and make each result, through the noise
    /// filter (1 is Go's single run).
    pub rounds: u32,
    /// `-metrics`: hardware and software counters to report per op (Linux perf events).
    pub metrics: Vec<Event>,
    /// `-v`: print each benchmark's name on its own line before its result, as `go test -v`.
    pub verbose: bool,
    /// `-cpuprofile`: where to write a CPU profile of the benchmark runs (Go's
    /// `-test.cpuprofile`); relative to [`output_dir`](Options::output_dir) when that is set.
    pub cpu_profile: Option<String>,
    /// `-memprofile`: where to write an allocation profile after the benchmarks (Go's
    /// `-test.memprofile`); relative to [`output_dir`](Options::output_dir) when that is set.
    pub mem_profile: Option<String>,
    /// `-memprofilerate`: the mean bytes between allocation samples for `-memprofile` (Go's
    /// `-test.memprofilerate`); 0 (the default) or negative keeps `sextant::heap`'s default,
    /// 512 KiB, as Go keeps `runtime.MemProfileRate`'s.
    pub mem_profile_rate: i64,
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
            mem_profile: None,
            mem_profile_rate: 0,
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
    /// An unknown flag, a missing or malformed value, or `-cpuprofile` (`-memprofile`)
    /// without the `cpuprofile` (`memprofile`) feature.
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
            "memprofile" if cfg!(feature = "memprofile") => {
                self.mem_profile = Some(value.to_string()).filter(|v| !v.is_empty());
            }
            "memprofile" => {
                return Err(Error::FeatureDisabled {
                    flag: format!("-{name}"),
                    feature: "memprofile",
                });
            }
            // Go's flag.Int; without -memprofile it changes nothing, with or without the
            // feature, so it is always accepted.
            "memprofilerate" => self.mem_profile_rate = parse_go_int(value).map_err(bad)?,
            "outputdir" => self.output_dir = Some(value.to_string()).filter(|v| !v.is_empty()),
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
            | "memprofilerate"
            | "outputdir"
    )
}

/// Parses an integer as Go's `flag.Int` does (`strconv.ParseInt(s, 0, 64)`): an optional
/// sign, then decimal, `0x` hexadecimal, `0o` or leading-`0` octal, or `0b` binary, with `_`
/// between digits; the errors are the `flag` package's words.
pub(crate) fn parse_go_int(s: &str) -> Result<i64, &'static str> {
    const SYNTAX: &str = "parse error";
    const RANGE: &str = "value out of range";
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if unsigned.is_empty() {
        return Err(SYNTAX);
    }
    let bytes = unsigned.as_bytes();
    let (base, digits) = match bytes {
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &unsigned[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &unsigned[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &unsigned[2..]),
        [b'0', ..] => (8, &unsigned[1..]),
        _ => (10, unsigned),
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for c in digits.chars() {
        if c == '_' {
            underscores = true;
            continue;
        }
        let d = c.to_digit(base).ok_or(SYNTAX)?;
        // Go stops at the first overflow, before looking at the rest.
        n = n
            .checked_mul(u64::from(base))
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or(RANGE)?;
    }
    if underscores && !underscores_ok(s) {
        return Err(SYNTAX);
    }
    // Go's cutoff: -2^63 fits, 2^63 does not.
    const CUTOFF: u64 = 1 << 63;
    match negative {
        false if n >= CUTOFF => Err(RANGE),
        true if n > CUTOFF => Err(RANGE),
        false => Ok(n as i64),
        true => Ok((n as i64).wrapping_neg()),
    }
}

/// Go's `underscoreOK`: each `_` sits between digits, or after a base prefix and before a
/// digit.
fn underscores_ok(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s).as_bytes();
    // What came last: '^' the start, '0' a digit or base prefix, '_', or '!' anything else.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
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

    #[cfg(feature = "memprofile")]
    #[test]
    fn memprofile_and_its_rate_are_parsed() {
        let o = Options::parse(&["-memprofile", "mem.pb.gz", "-test.memprofilerate=1"]).unwrap();
        assert_eq!(o.mem_profile.as_deref(), Some("mem.pb.gz"));
        assert_eq!(o.mem_profile_rate, 1);
        let o = Options::parse(&["-test.memprofile=", "--memprofilerate", "4096"]).unwrap();
        assert_eq!(o.mem_profile, None);
        assert_eq!(o.mem_profile_rate, 4096);
        assert_eq!(Options::parse::<&str>(&[]).unwrap().mem_profile_rate, 0);
    }

    #[cfg(not(feature = "memprofile"))]
    #[test]
    fn memprofile_names_the_feature_it_needs() {
        let e = Options::parse(&["-memprofile", "mem.pb.gz"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "-memprofile: sextant-bench was built without its `memprofile` feature"
        );
    }

    #[test]
    fn memprofilerate_parses_as_gos_flag_int() {
        let rate = |v: &str| Options::parse(&[format!("-memprofilerate={v}")]);
        // Go's strconv.ParseInt(s, 0, 64), checked by hand against its rules.
        for (v, want) in [
            ("1", 1),
            ("524288", 524288),
            ("+7", 7),
            ("0", 0),
            ("-1", -1),
            ("0x10", 16),
            ("0X1f", 31),
            ("010", 8),
            ("0o17", 15),
            ("0b101", 5),
            ("1_000", 1000),
            ("0x_ff", 255),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ] {
            assert_eq!(rate(v).unwrap().mem_profile_rate, want, "{v}");
        }
        for (v, why) in [
            ("", "parse error"),
            ("x", "parse error"),
            ("1k", "parse error"),
            ("1.5", "parse error"),
            ("08", "parse error"),
            ("0x", "parse error"),
            ("-", "parse error"),
            ("_1", "parse error"),
            ("1__0", "parse error"),
            ("1_", "parse error"),
            (" 1", "parse error"),
            ("9223372036854775808", "value out of range"),
            ("-9223372036854775809", "value out of range"),
            ("99999999999999999999999", "value out of range"),
            // Go stops at the overflow before it reads the `x`.
            ("99999999999999999999999x", "value out of range"),
        ] {
            assert_eq!(
                rate(v).unwrap_err().to_string(),
                format!("invalid value {v:?} for flag -memprofilerate: {why}"),
            );
        }
    }
}
