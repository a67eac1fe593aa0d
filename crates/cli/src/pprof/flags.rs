//! Go's `flag` package syntax, as go tool pprof parses its command line: `-name`, `--name`,
//! `-name=value`, `-name value` (not for booleans), flags only before the first non-flag
//! argument, and `--` to end them.

use std::collections::HashMap;

use super::settings::{self, Kind};

/// A parsed flag value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// The flags go tool pprof 1.19 defines besides its `config` fields, with their kinds (from
/// `internal/driver/cli.go` and `commands.go`); [`lookup`] adds the `config` fields.
const FLAGS: &[(&str, Kind)] = &[
    // Comparisons and sources.
    ("diff_base", Kind::Str),
    ("base", Kind::Str),
    ("symbolize", Kind::Str),
    ("buildid", Kind::Str),
    ("timeout", Kind::Int),
    ("add_comment", Kind::Str),
    ("seconds", Kind::Int),
    // Legacy sample selectors.
    ("inuse_space", Kind::Bool),
    ("inuse_objects", Kind::Bool),
    ("alloc_space", Kind::Bool),
    ("alloc_objects", Kind::Bool),
    ("total_delay", Kind::Bool),
    ("contentions", Kind::Bool),
    ("mean_delay", Kind::Bool),
    ("tools", Kind::Str),
    ("http", Kind::Str),
    ("no_browser", Kind::Bool),
    // Output formats.
    ("comments", Kind::Bool),
    ("dot", Kind::Bool),
    ("raw", Kind::Bool),
    ("tags", Kind::Bool),
    ("text", Kind::Bool),
    ("top", Kind::Bool),
    ("traces", Kind::Bool),
    ("tree", Kind::Bool),
    ("callgrind", Kind::Bool),
    ("proto", Kind::Bool),
    ("topproto", Kind::Bool),
    ("gif", Kind::Bool),
    ("pdf", Kind::Bool),
    ("png", Kind::Bool),
    ("ps", Kind::Bool),
    ("svg", Kind::Bool),
    ("eog", Kind::Bool),
    ("evince", Kind::Bool),
    ("gv", Kind::Bool),
    ("web", Kind::Bool),
    ("kcachegrind", Kind::Bool),
    ("disasm", Kind::Str),
    ("list", Kind::Str),
    ("peek", Kind::Str),
    ("weblist", Kind::Str),
    // Sextant's own outputs.
    ("flame", Kind::Bool),
    ("folded", Kind::Bool),
];

/// The flag `name` and its kind: one of [`FLAGS`], or a `config` field of
/// [`settings::FIELDS`] (`config.go`), whose choice fields are flags by their values only
/// (`-cum`, `-lines`, not `-sort`).
fn lookup(name: &str) -> Option<(&'static str, Kind)> {
    FLAGS.iter().copied().find(|f| f.0 == name).or_else(|| {
        settings::FIELDS
            .iter()
            .find_map(|&(field, kind)| match kind {
                Kind::Choice(values) => values
                    .iter()
                    .find(|&&v| v == name)
                    .map(|&v| (v, Kind::Bool)),
                _ => (field == name).then_some((field, kind)),
            })
    })
}

/// What the command line asked for: the flags set (last one wins, as in Go) and the
/// remaining arguments.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) set: HashMap<&'static str, Value>,
    pub(crate) args: Vec<String>,
    pub(crate) help: bool,
}

impl Parsed {
    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        match self.set.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        match self.set.get(name) {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        }
    }
    pub(crate) fn float(&self, name: &str) -> Option<f64> {
        match self.set.get(name) {
            Some(Value::Float(v)) => Some(*v),
            _ => None,
        }
    }
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        match self.set.get(name) {
            Some(Value::Str(v)) => Some(v),
            _ => None,
        }
    }
}

/// Parses `args` as Go's `flag.Parse` does; errors carry Go's message.
pub(crate) fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        let mut name = &arg[1..];
        if let Some(rest) = name.strip_prefix('-') {
            if rest.is_empty() {
                i += 1; // "--" ends the flags.
                break;
            }
            name = rest;
        }
        if name.is_empty() || name.starts_with('-') || name.starts_with('=') {
            return Err(format!("bad flag syntax: {arg}"));
        }
        i += 1;
        let (name, inline_value) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let Some((flag, kind)) = lookup(name) else {
            if name == "help" || name == "h" {
                out.help = true;
                return Ok(out);
            }
            return Err(format!("flag provided but not defined: -{name}"));
        };
        let value = match (kind, inline_value) {
            (Kind::Bool, None) => Value::Bool(true),
            (Kind::Bool, Some(v)) => {
                Value::Bool(parse_bool(v).ok_or_else(|| invalid(v, name, "parse error"))?)
            }
            (_, v) => {
                let v = match v {
                    Some(v) => v.to_string(),
                    None => {
                        let Some(next) = args.get(i) else {
                            return Err(format!("flag needs an argument: -{name}"));
                        };
                        i += 1;
                        next.clone()
                    }
                };
                match kind {
                    Kind::Int => Value::Int(parse_int(&v).map_err(|e| invalid(&v, name, e))?),
                    Kind::Float => Value::Float(
                        parse_float(&v).ok_or_else(|| invalid(&v, name, "parse error"))?,
                    ),
                    _ => Value::Str(v),
                }
            }
        };
        out.set.insert(flag, value);
    }
    out.args = args[i..].to_vec();
    Ok(out)
}

fn invalid(value: &str, name: &str, why: &str) -> String {
    format!("invalid value {value:?} for flag -{name}: {why}")
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then decimal, `0x`, `0o`, `0b` or a
/// leading-`0` octal, with `_` between digits.
fn parse_int(s: &str) -> Result<i64, &'static str> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let underscores_ok = radix != 10 || !digits.contains('_');
    let digits = if radix != 10 {
        digits.trim_start_matches('_')
    } else {
        digits
    };
    if digits.is_empty() || !underscores_ok || digits.contains("__") || digits.ends_with('_') {
        return Err("parse error");
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    let magnitude = u64::from_str_radix(&cleaned, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => "value out of range",
        _ => "parse error",
    })?;
    if neg {
        if magnitude > i64::MAX as u64 + 1 {
            return Err("value out of range");
        }
        Ok((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).map_err(|_| "value out of range")
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms people type (`0.01`, `1e-3`, `.5`, `inf`).
fn parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let t = lower.trim_start_matches(['+', '-']);
    if matches!(t, "inf" | "infinity" | "nan") {
        return s.parse().ok().or(Some(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }));
    }
    if s.contains('_') || s.is_empty() {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn accepts_single_and_double_dashes_and_both_value_forms() {
        let p = parse(&args(&["--top", "-nodecount", "5", "--unit=ms", "f.pb.gz"])).unwrap();
        assert_eq!(p.bool("top"), Some(true));
        assert_eq!(p.int("nodecount"), Some(5));
        assert_eq!(p.str("unit"), Some("ms"));
        assert_eq!(p.args, args(&["f.pb.gz"]));
    }

    #[test]
    fn bool_flags_do_not_take_the_next_argument() {
        let p = parse(&args(&["-cum", "false", "-top"])).unwrap();
        assert_eq!(p.bool("cum"), Some(true));
        assert_eq!(p.args, args(&["false", "-top"]));
        assert_eq!(parse(&args(&["-cum=f"])).unwrap().bool("cum"), Some(false));
    }

    #[test]
    fn errors_read_as_go_flag_errors() {
        assert_eq!(
            parse(&args(&["-nope"])).unwrap_err(),
            "flag provided but not defined: -nope"
        );
        assert_eq!(
            parse(&args(&["-nodecount"])).unwrap_err(),
            "flag needs an argument: -nodecount"
        );
        assert_eq!(
            parse(&args(&["-nodecount=x"])).unwrap_err(),
            "invalid value \"x\" for flag -nodecount: parse error"
        );
        assert_eq!(
            parse(&args(&["-nodecount=0x10"])).unwrap().int("nodecount"),
            Some(16)
        );
        assert_eq!(
            parse(&args(&["---top"])).unwrap_err(),
            "bad flag syntax: ---top"
        );
    }
}
