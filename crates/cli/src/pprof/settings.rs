//! The options the interactive shell reads and sets by name, as pprof's `configFields` and
//! `configure` do (`internal/driver/config.go`): one table in Go's struct order, values read as
//! Go's `config.get` prints them and set with Go's parsers and messages.
//!
//! The values live in the same [`Config`] the command-line flags fill, so a shell assignment
//! (`nodecount=5`) and a flag (`-nodecount=5`) set one field. The three options the reports do
//! not use yet (`intel_syntax`, `tagroot`, `tagleaf`) are kept in [`Extra`].

use super::config::Config;

/// The type of an option's value, which decides how it is parsed and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int,
    Float,
    Str,
    /// One of a set of names; each name is also a boolean option that selects it.
    Choice(&'static [&'static str]),
}

/// Go's `choices` for `sort`.
const SORTS: &[&str] = &["cum", "flat"];
/// Go's `choices` for `granularity`.
const GRAINS: &[&str] = &["functions", "filefunctions", "files", "lines", "addresses"];

/// Every option, in the order of the fields of Go's `config` struct.
pub(crate) const FIELDS: &[(&str, Kind)] = &[
    ("output", Kind::Str),
    ("call_tree", Kind::Bool),
    ("relative_percentages", Kind::Bool),
    ("unit", Kind::Str),
    ("compact_labels", Kind::Bool),
    ("source_path", Kind::Str),
    ("trim_path", Kind::Str),
    ("intel_syntax", Kind::Bool),
    ("mean", Kind::Bool),
    ("sample_index", Kind::Str),
    ("divide_by", Kind::Float),
    ("normalize", Kind::Bool),
    ("sort", Kind::Choice(SORTS)),
    ("tagroot", Kind::Str),
    ("tagleaf", Kind::Str),
    ("drop_negative", Kind::Bool),
    ("nodecount", Kind::Int),
    ("nodefraction", Kind::Float),
    ("edgefraction", Kind::Float),
    ("trim", Kind::Bool),
    ("focus", Kind::Str),
    ("ignore", Kind::Str),
    ("prune_from", Kind::Str),
    ("hide", Kind::Str),
    ("show", Kind::Str),
    ("show_from", Kind::Str),
    ("tagfocus", Kind::Str),
    ("tagignore", Kind::Str),
    ("tagshow", Kind::Str),
    ("taghide", Kind::Str),
    ("noinlines", Kind::Bool),
    ("granularity", Kind::Choice(GRAINS)),
];

/// The options Go's `config` does not save in `settings.json` (its `json:"-"` fields).
const NOT_SAVED: &[&str] = &[
    "output",
    "source_path",
    "trim_path",
    "sample_index",
    "divide_by",
];

/// The options a saved configuration holds (the web UI's `settings.json`), in Go's order.
pub(crate) fn saved() -> impl Iterator<Item = (&'static str, Kind)> {
    FIELDS
        .iter()
        .copied()
        .filter(|(n, _)| !NOT_SAVED.contains(n))
}

/// The options Go's `config` has and [`Config`] does not.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    pub(crate) intel_syntax: bool,
    pub(crate) tagroot: String,
    pub(crate) tagleaf: String,
}

/// The field `name` names: itself, or the choice field one of whose values it is (`cum`).
pub(crate) fn field(name: &str) -> Option<(&'static str, Kind)> {
    FIELDS
        .iter()
        .copied()
        .find(|&(n, k)| n == name || matches!(k, Kind::Choice(c) if c.contains(&name)))
}

/// Go's `isBoolConfig`: a boolean option, or a choice's value.
pub(crate) fn is_bool(name: &str) -> bool {
    match field(name) {
        Some((n, _)) if n != name => true,
        Some((_, k)) => k == Kind::Bool,
        None => false,
    }
}

/// Every option name and choice value starting with `prefix` (Go's `completeConfig`).
pub(crate) fn complete(prefix: &str) -> Vec<&'static str> {
    let mut names = Vec::new();
    for &(n, k) in FIELDS {
        names.push(n);
        if let Kind::Choice(c) = k {
            names.extend_from_slice(c);
        }
    }
    names.retain(|n| n.starts_with(prefix));
    names
}

/// The value of option `name` as Go's `config.get` prints it.
pub(crate) fn get(c: &Config, x: &Extra, name: &str) -> String {
    let b = |v: bool| v.to_string();
    match name {
        "output" => c.output.clone(),
        "call_tree" => b(c.call_tree),
        "relative_percentages" => b(c.relative_percentages),
        "unit" => c.unit.clone(),
        "compact_labels" => b(c.compact_labels),
        "source_path" => c.source_path.clone(),
        "trim_path" => c.trim_path.clone(),
        "intel_syntax" => b(x.intel_syntax),
        "mean" => b(c.mean),
        "sample_index" => c.sample_index.clone(),
        "divide_by" => go_float(c.divide_by),
        "normalize" => b(c.normalize),
        "sort" => c.sort.clone(),
        "tagroot" => x.tagroot.clone(),
        "tagleaf" => x.tagleaf.clone(),
        "drop_negative" => b(c.drop_negative),
        "nodecount" => c.node_count.to_string(),
        "nodefraction" => go_float(c.node_fraction),
        "edgefraction" => go_float(c.edge_fraction),
        "trim" => b(c.trim),
        "noinlines" => b(c.noinlines),
        "granularity" => c.granularity.clone(),
        "focus" => c.focus.clone(),
        "ignore" => c.ignore.clone(),
        "prune_from" => c.prune_from.clone(),
        "hide" => c.hide.clone(),
        "show" => c.show.clone(),
        "show_from" => c.show_from.clone(),
        "tagfocus" => c.tagfocus.clone(),
        "tagignore" => c.tagignore.clone(),
        "tagshow" => c.tagshow.clone(),
        "taghide" => c.taghide.clone(),
        _ => String::new(),
    }
}

/// The filter fields, which are plain strings.
fn string_field<'c>(c: &'c mut Config, name: &str) -> Option<&'c mut String> {
    Some(match name {
        "focus" => &mut c.focus,
        "ignore" => &mut c.ignore,
        "prune_from" => &mut c.prune_from,
        "hide" => &mut c.hide,
        "show" => &mut c.show,
        "show_from" => &mut c.show_from,
        "tagfocus" => &mut c.tagfocus,
        "tagignore" => &mut c.tagignore,
        "tagshow" => &mut c.tagshow,
        "taghide" => &mut c.taghide,
        _ => return None,
    })
}

/// Go's `configure`: sets option `name` to `value`, or selects choice `name` when `value` is
/// true; errors are Go's messages.
pub(crate) fn configure(
    c: &mut Config,
    x: &mut Extra,
    name: &str,
    value: &str,
) -> Result<(), String> {
    let unknown = || format!("unknown config field {name:?}");
    let (field, kind) = field(name).ok_or_else(unknown)?;
    if field != name {
        // A choice's value: Go's strconv.ParseBool must say true (so a bare `cum` fails, as
        // it does in go tool pprof 1.19).
        return match super::flags::parse_bool(value) {
            Some(true) => set(c, x, field, kind, name),
            _ => Err(unknown()),
        };
    }
    set(c, x, field, kind, value)
}

fn set(c: &mut Config, x: &mut Extra, name: &str, kind: Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Bool => {
            let v = string_to_bool(value)?;
            *bool_field(c, x, name) = v;
        }
        Kind::Int => c.node_count = go_atoi(value)?,
        Kind::Float => {
            let v = go_parse_float(value)?;
            match name {
                "divide_by" => c.divide_by = v,
                "nodefraction" => c.node_fraction = v,
                _ => c.edge_fraction = v,
            }
        }
        Kind::Choice(choices) => {
            if !choices.contains(&value) {
                return Err(format!("invalid {name:?} value {value:?}"));
            }
            let dst = if name == "sort" {
                &mut c.sort
            } else {
                &mut c.granularity
            };
            *dst = value.to_string();
        }
        Kind::Str => {
            let dst = match name {
                "output" => &mut c.output,
                "unit" => &mut c.unit,
                "source_path" => &mut c.source_path,
                "trim_path" => &mut c.trim_path,
                "sample_index" => &mut c.sample_index,
                "tagroot" => &mut x.tagroot,
                "tagleaf" => &mut x.tagleaf,
                _ => string_field(c, name).expect("every string option has a field"),
            };
            *dst = value.to_string();
        }
    }
    Ok(())
}

fn bool_field<'a>(c: &'a mut Config, x: &'a mut Extra, name: &str) -> &'a mut bool {
    match name {
        "call_tree" => &mut c.call_tree,
        "relative_percentages" => &mut c.relative_percentages,
        "compact_labels" => &mut c.compact_labels,
        "intel_syntax" => &mut x.intel_syntax,
        "mean" => &mut c.mean,
        "normalize" => &mut c.normalize,
        "drop_negative" => &mut c.drop_negative,
        "trim" => &mut c.trim,
        _ => &mut c.noinlines,
    }
}

/// pprof's `stringToBool`: a bare name (empty value) means true.
fn string_to_bool(s: &str) -> Result<bool, String> {
    match s.to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("illegal value \"{s}\" for bool variable")),
    }
}

/// Go's `strconv.Atoi`, with its messages.
fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {s:?}: invalid syntax"));
    }
    s.parse()
        .map_err(|_| format!("strconv.Atoi: parsing {s:?}: value out of range"))
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal forms and infinities, with its message.
fn go_parse_float(s: &str) -> Result<f64, String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s).to_ascii_lowercase();
    let ok = matches!(body.as_str(), "inf" | "infinity" | "nan")
        || (!body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || b".e+-".contains(&b))
            && body
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() || b == b'.'));
    match s.parse::<f64>() {
        Ok(v) if ok => Ok(v),
        _ => Err(format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
    }
}

/// A float as Go's `fmt.Sprint` prints it: `%g` with the shortest digits, which takes the
/// `%e` form (two exponent digits at least) when the decimal exponent is below -4 or at least
/// 6 (strconv's `eprec = 6` for the shortest precision).
pub(crate) fn go_float(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let e = format!("{v:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if v != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.unsigned_abs());
    }
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_sprint() {
        // From `fmt.Sprint` in Go 1.19.
        let cases = [
            (0.005, "0.005"),
            (1.0, "1"),
            (1e-05, "1e-05"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e21, "1e+21"),
            (2.5e-7, "2.5e-07"),
            (100.0, "100"),
            (0.0, "0"),
        ];
        for (v, want) in cases {
            assert_eq!(go_float(v), want, "{v}");
        }
    }

    #[test]
    fn options_parse_with_gos_messages() {
        let (mut c, mut x) = (Config::default(), Extra::default());
        configure(&mut c, &mut x, "nodecount", "7").unwrap();
        assert_eq!(get(&c, &x, "nodecount"), "7");
        assert_eq!(
            configure(&mut c, &mut x, "nodecount", "0x10").unwrap_err(),
            "strconv.Atoi: parsing \"0x10\": invalid syntax"
        );
        configure(&mut c, &mut x, "trim", "").unwrap();
        configure(&mut c, &mut x, "trim", "No").unwrap();
        assert!(!c.trim);
        configure(&mut c, &mut x, "lines", "true").unwrap();
        assert_eq!(c.granularity, "lines");
        assert_eq!(
            configure(&mut c, &mut x, "cum", "").unwrap_err(),
            "unknown config field \"cum\""
        );
        assert_eq!(
            configure(&mut c, &mut x, "sort", "up").unwrap_err(),
            "invalid \"sort\" value \"up\""
        );
        configure(&mut c, &mut x, "focus", "main").unwrap();
        assert_eq!(get(&c, &x, "focus"), "main");
        assert!(is_bool("cum") && is_bool("trim") && !is_bool("focus"));
    }
}
