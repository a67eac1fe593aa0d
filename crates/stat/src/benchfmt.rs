//! Go's benchmark data format, as golang.org/x/perf's `benchfmt` reads it.
//!
//! A file is a sequence of lines (the format's spec is Go proposal 14313):
//!
//! - `key: value` configuration lines (`goos: linux`, `pkg: ...`; key starts with a
//!   lower-case letter and has no spaces or upper-case letters) set a configuration
//!   key for the results that follow; `key:` with no value deletes it.
//! - `BenchmarkName-P  N  V unit [V unit]...` is one result: a name (sub-benchmarks
//!   separated by `/`, `-P` the GOMAXPROCS suffix), an iteration count, and
//!   value/unit pairs.
//! - `Unit unit key=value...` attaches metadata to a unit (`assume=exact`,
//!   `better=higher`).
//!
//! Any other line is ignored. A malformed benchmark or unit line becomes a
//! [`SyntaxError`] naming file and line, and reading goes on with the next line.

use std::collections::HashMap;

use crate::unit::tidy;

/// One configuration key of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The key (`goos`, or `.file` for the internal file label).
    pub key: String,
    /// The value.
    pub value: String,
    /// Whether the key came from a configuration line of the file (internal keys such
    /// as `.file` are not part of `.config`).
    pub file: bool,
}

/// One measurement of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The value in [`unit`](Self::unit).
    pub value: f64,
    /// The tidied unit (`sec/op` for Go's `ns/op`).
    pub unit: String,
    /// The value as written, when tidying changed it.
    pub orig_value: f64,
    /// The unit as written, when tidying changed it; empty otherwise.
    pub orig_unit: String,
}

/// One benchmark result line with the configuration in effect.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// The configuration, in the order keys were first set.
    pub config: Vec<Config>,
    /// The full name without the `Benchmark` prefix (`Sort/n=10-8`).
    pub name: String,
    /// The iteration count.
    pub iters: i64,
    /// The measurements.
    pub values: Vec<Value>,
    /// The file the result was read from, for messages.
    pub file_name: String,
    /// The 1-based line number of the result.
    pub line: usize,
}

impl BenchResult {
    /// The value of configuration key `key`, if set.
    pub fn get_config(&self, key: &str) -> Option<&str> {
        self.config
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.value.as_str())
    }

    /// The base name: up to the first `/`, without a `-P` suffix.
    pub fn base_name(&self) -> &str {
        match self.name.find('/') {
            Some(i) => &self.name[..i],
            None => split_gomaxprocs(&self.name).0,
        }
    }

    /// The base name and the sub-benchmark parts, each keeping its leading `/`,
    /// with a `-P` suffix as the last part.
    pub fn name_parts(&self) -> (&str, Vec<&str>) {
        let (buf, gomaxprocs) = split_gomaxprocs(&self.name);
        let mut parts = Vec::new();
        let mut prev = 0;
        for (i, c) in buf.char_indices() {
            if c == '/' {
                parts.push(&buf[prev..i]);
                prev = i;
            }
        }
        parts.push(&buf[prev..]);
        if let Some(g) = gomaxprocs {
            parts.push(g);
        }
        let base = parts.remove(0);
        (base, parts)
    }
}

/// Splits a trailing `-P` (digits) from a name.
fn split_gomaxprocs(name: &str) -> (&str, Option<&str>) {
    let b = name.as_bytes();
    for i in (0..b.len()).rev() {
        if b[i] == b'-' && i < b.len() - 1 {
            return (&name[..i], Some(&name[i..]));
        }
        if !b[i].is_ascii_digit() {
            break;
        }
    }
    (name, None)
}

/// A malformed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The file name as given.
    pub file_name: String,
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file_name, self.line, self.msg)
    }
}

/// Metadata of a unit, from a `Unit` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitMetadata {
    /// The tidied unit.
    pub unit: String,
    /// The key (`assume`, `better`).
    pub key: String,
    /// The unit as written.
    pub orig_unit: String,
    /// The value.
    pub value: String,
}

/// Unit metadata by (tidied unit, key); it accumulates across files.
pub type UnitMetadataMap = HashMap<(String, String), UnitMetadata>;

/// One parsed item of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A benchmark result.
    Result(BenchResult),
    /// A malformed line, to report and skip.
    SyntaxError(SyntaxError),
}

/// Reads Go benchmark data from `text`, calling `emit` for each result and each
/// malformed line in order. `init_config` sets internal configuration (such as
/// `.file`) before the first line; `units` collects `Unit` metadata.
pub fn read(
    text: &[u8],
    file_name: &str,
    init_config: &[(&str, &str)],
    units: &mut UnitMetadataMap,
    emit: &mut dyn FnMut(Record),
) {
    let mut config: Vec<Config> = Vec::new();
    for &(k, v) in init_config {
        set_config(&mut config, k, v, false);
    }
    let mut lines = text.split(|&b| b == b'\n').peekable();
    let mut lineno = 0;
    while let Some(raw) = lines.next() {
        if raw.is_empty() && lines.peek().is_none() {
            break; // the newline ending the last line
        }
        lineno += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        let err = |msg: String| SyntaxError {
            file_name: file_name.to_string(),
            line: lineno,
            msg,
        };
        if let Some(rest) = line.strip_prefix("Benchmark") {
            match parse_benchmark(rest) {
                Ok(Some((name, iters, values))) => emit(Record::Result(BenchResult {
                    config: config.clone(),
                    name,
                    iters,
                    values,
                    file_name: file_name.to_string(),
                    line: lineno,
                })),
                Ok(None) => {}
                Err(msg) => emit(Record::SyntaxError(err(msg))),
            }
            continue;
        }
        if line.starts_with('U') {
            let (f, rest) = split_field(&line);
            if f == "Unit" {
                for msg in parse_unit_line(rest, units) {
                    emit(Record::SyntaxError(err(msg)));
                }
                continue;
            }
        }
        if let Some((key, val)) = parse_key_value(&line) {
            if val.is_empty() {
                delete_config(&mut config, key);
            } else {
                set_config(&mut config, key, val, true);
            }
        }
    }
}

fn set_config(config: &mut Vec<Config>, key: &str, value: &str, file: bool) {
    if value.is_empty() {
        delete_config(config, key);
        return;
    }
    if let Some(c) = config.iter_mut().find(|c| c.key == key) {
        c.file = file;
        c.value = value.to_string();
    } else {
        config.push(Config {
            key: key.to_string(),
            value: value.to_string(),
            file,
        });
    }
}

/// Deletes a key by swapping it with the last, as benchfmt does (so order changes).
fn delete_config(config: &mut Vec<Config>, key: &str) {
    if let Some(pos) = config.iter().position(|c| c.key == key) {
        config.swap_remove(pos);
    }
}

/// `key: value`, or `key:` (empty value). The key starts with a lower-case letter and
/// holds no space or upper-case letter; a non-empty value follows spaces or tabs.
fn parse_key_value(line: &str) -> Option<(&str, &str)> {
    let mut key_end = None;
    for (i, c) in line.char_indices() {
        if i == 0 && !c.is_lowercase() {
            return None;
        }
        if c.is_whitespace() || c.is_uppercase() {
            return None;
        }
        if i > 0 && c == ':' {
            key_end = Some(i);
            break;
        }
    }
    let i = key_end?;
    let (key, val) = (&line[..i], &line[i + 1..]);
    if val.is_empty() {
        return Some((key, val));
    }
    let trimmed = val.trim_start_matches([' ', '\t']);
    if trimmed.len() == val.len() {
        return None;
    }
    Some((key, trimmed))
}

type Parsed = (String, i64, Vec<Value>);

/// Parses what follows `Benchmark`; Ok(None) for a bare name, which is skipped.
fn parse_benchmark(line: &str) -> Result<Option<Parsed>, String> {
    let (name, mut rest) = split_field(line);
    if rest.is_empty() && name.len() == line.len() {
        return Ok(None);
    }
    let (f, r) = split_field(rest);
    rest = r;
    if f.is_empty() {
        return Err("missing iteration count".to_string());
    }
    let iters = f.parse::<i64>().map_err(|e| {
        use std::num::IntErrorKind::{NegOverflow, PosOverflow};
        let why = match e.kind() {
            PosOverflow | NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("parsing iteration count: {why}")
    })?;
    let mut values = Vec::new();
    loop {
        let (f, r) = split_field(rest);
        rest = r;
        if f.is_empty() {
            if !values.is_empty() {
                break;
            }
            return Err("missing measurements".to_string());
        }
        let val = parse_float(f).map_err(|why| format!("parsing measurement: {why}"))?;
        let (unit, r) = split_field(rest);
        rest = r;
        if unit.is_empty() {
            return Err("missing units".to_string());
        }
        let (tv, tu) = tidy(val, unit);
        values.push(if tv == val {
            Value {
                value: val,
                unit: unit.to_string(),
                orig_value: 0.0,
                orig_unit: String::new(),
            }
        } else {
            Value {
                value: tv,
                unit: tu,
                orig_value: val,
                orig_unit: unit.to_string(),
            }
        });
    }
    Ok(Some((name.to_string(), iters, values)))
}

/// Parses a measurement as Go's `strconv.ParseFloat`, with its error reasons.
fn parse_float(f: &str) -> Result<f64, &'static str> {
    let bad_char = |c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-');
    if f.contains(bad_char) {
        return Err("invalid syntax");
    }
    match f.parse::<f64>() {
        Ok(v)
            if v.is_infinite()
                && !f
                    .trim_start_matches(['+', '-'])
                    .to_ascii_lowercase()
                    .starts_with("inf") =>
        {
            Err("value out of range")
        }
        Ok(v) => Ok(v),
        Err(_) => Err("invalid syntax"),
    }
}

/// Parses `unit key=value...` after `Unit`, returning messages for malformed parts.
fn parse_unit_line(line: &str, units: &mut UnitMetadataMap) -> Vec<String> {
    let mut errs = Vec::new();
    let (unit, mut rest) = split_field(line);
    if unit.is_empty() {
        errs.push("missing unit".to_string());
        return errs;
    }
    let (_, tidied) = tidy(1.0, unit);
    loop {
        let (f, r) = split_field(rest);
        rest = r;
        if f.is_empty() {
            break;
        }
        let Some(eq) = f.find('=').filter(|&eq| eq > 0) else {
            errs.push("expected key=value".to_string());
            continue;
        };
        let (key, value) = (&f[..eq], &f[eq + 1..]);
        let k = (tidied.clone(), key.to_string());
        if let Some(have) = units.get(&k) {
            if have.value != value {
                errs.push(format!(
                    "metadata {key} of unit {unit} already set to {}",
                    have.value
                ));
            }
            continue;
        }
        units.insert(
            k,
            UnitMetadata {
                unit: tidied.clone(),
                key: key.to_string(),
                orig_unit: unit.to_string(),
                value: value.to_string(),
            },
        );
    }
    errs
}

/// Splits the first whitespace-separated field from `x`, and skips the whitespace
/// after it.
fn split_field(x: &str) -> (&str, &str) {
    match x.char_indices().find(|&(_, c)| c.is_whitespace()) {
        None => (x, ""),
        Some((i, c)) => (&x[..i], x[i + c.len_utf8()..].trim_start()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str) -> Vec<Record> {
        let mut out = Vec::new();
        read(
            text.as_bytes(),
            "f.txt",
            &[(".file", "f.txt")],
            &mut UnitMetadataMap::new(),
            &mut |r| out.push(r),
        );
        out
    }

    #[test]
    fn reads_configuration_and_tidies_units() {
        let recs = read_all("goos: linux\nBenchmarkA/n=1-8 100 2000 ns/op 3 B/op\r\n");
        let Record::Result(r) = &recs[0] else {
            panic!("want a result")
        };
        assert_eq!(r.name, "A/n=1-8");
        assert_eq!(r.get_config("goos"), Some("linux"));
        assert_eq!(r.get_config(".file"), Some("f.txt"));
        assert!(!r.config[0].file && r.config[1].file);
        assert_eq!(r.values[0].value, 2000.0 * 1e-9);
        assert_eq!(r.values[0].unit, "sec/op");
        assert_eq!(r.values[0].orig_unit, "ns/op");
        assert_eq!(r.values[1].unit, "B/op");
        assert_eq!(r.base_name(), "A");
        assert_eq!(r.name_parts(), ("A", vec!["/n=1", "-8"]));
    }

    #[test]
    fn reports_malformed_lines_with_their_line_numbers() {
        let recs = read_all(
            "BenchmarkA\nBenchmarkB 1x 2 ns/op\nBenchmarkC 1 2\nBenchmarkD 1 1e999 ns/op\n",
        );
        let msgs: Vec<String> = recs
            .iter()
            .map(|r| match r {
                Record::SyntaxError(e) => e.to_string(),
                Record::Result(_) => "result".to_string(),
            })
            .collect();
        assert_eq!(
            msgs,
            [
                "f.txt:2: parsing iteration count: invalid syntax",
                "f.txt:3: missing units",
                "f.txt:4: parsing measurement: value out of range",
            ]
        );
    }

    #[test]
    fn key_value_lines_follow_benchfmt() {
        assert_eq!(parse_key_value("goos: linux"), Some(("goos", "linux")));
        assert_eq!(parse_key_value("goos:"), Some(("goos", "")));
        assert_eq!(parse_key_value("goos:linux"), None);
        assert_eq!(parse_key_value("Goos: linux"), None);
        assert_eq!(parse_key_value("go os: linux"), None);
    }
}
