//! The URL parameters of the web UI (the `urlparam` tags of pprof's `config.go`): every view
//! reads its options from the query string on top of the command line's, as `applyURL` does.

use super::super::config::Config;

/// The type of a URL parameter's value.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Choice(&'static [&'static str]),
}

/// Go's `urlparam` table, in the order of `config`'s fields: (parameter, option, kind).
const PARAMS: &[(&str, &str, Kind)] = &[
    ("calltree", "call_tree", Kind::Bool),
    ("rel", "relative_percentages", Kind::Bool),
    ("unit", "unit", Kind::Str),
    ("compact", "compact_labels", Kind::Bool),
    ("intel", "intel_syntax", Kind::Bool),
    ("mean", "mean", Kind::Bool),
    ("si", "sample_index", Kind::Str),
    ("norm", "normalize", Kind::Bool),
    ("sort", "sort", Kind::Choice(&["cum", "flat"])),
    ("dropneg", "drop_negative", Kind::Bool),
    ("n", "nodecount", Kind::Int),
    ("nf", "nodefraction", Kind::Float),
    ("ef", "edgefraction", Kind::Float),
    ("trim", "trim", Kind::Bool),
    ("f", "focus", Kind::Str),
    ("i", "ignore", Kind::Str),
    ("prunefrom", "prune_from", Kind::Str),
    ("h", "hide", Kind::Str),
    ("s", "show", Kind::Str),
    ("sf", "show_from", Kind::Str),
    ("tf", "tagfocus", Kind::Str),
    ("ti", "tagignore", Kind::Str),
    ("ts", "tagshow", Kind::Str),
    ("th", "taghide", Kind::Str),
    ("noinlines", "noinlines", Kind::Bool),
    (
        "g",
        "granularity",
        Kind::Choice(&["functions", "filefunctions", "files", "lines", "addresses"]),
    ),
];

/// The URL parameters of the options a saved configuration holds, with the options' names:
/// all but `si` (Go does not save the sample index).
pub(super) fn saved_params() -> impl Iterator<Item = (&'static str, &'static str)> {
    PARAMS
        .iter()
        .filter(|p| p.0 != "si")
        .map(|&(param, name, _)| (param, name))
}

/// A parsed value.
enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// Sets the options `query` names on `cfg`, as pprof's `applyURL`: empty values are skipped,
/// unknown parameters ignored, and a bad value fails with Go's message.
pub(crate) fn apply(cfg: &mut Config, query: &[(String, String)]) -> Result<(), String> {
    for &(param, name, kind) in PARAMS {
        // Go's url.Values.Get: the first value given.
        let Some((_, raw)) = query.iter().find(|(k, _)| k == param) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let value = parse(name, kind, raw)
            .map_err(|e| format!("error setting config field {name}: {e}"))?;
        set(cfg, name, value);
    }
    if cfg.normalize && cfg.base.is_empty() {
        return Err("must have base profile to normalize by".into());
    }
    Ok(())
}

fn parse(name: &str, kind: Kind, raw: &str) -> Result<Value, String> {
    Ok(match kind {
        Kind::Bool => Value::Bool(string_to_bool(raw)?),
        Kind::Int => Value::Int(
            raw.parse()
                .map_err(|_| format!("strconv.Atoi: parsing {raw:?}: invalid syntax"))?,
        ),
        Kind::Float => Value::Float(
            raw.parse()
                .map_err(|_| format!("strconv.ParseFloat: parsing {raw:?}: invalid syntax"))?,
        ),
        Kind::Str => Value::Str(raw.to_string()),
        Kind::Choice(choices) => {
            if !choices.contains(&raw) {
                return Err(format!("invalid {name:?} value {raw:?}"));
            }
            Value::Str(raw.to_string())
        }
    })
}

/// pprof's `stringToBool`.
fn string_to_bool(s: &str) -> Result<bool, String> {
    match s.to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("illegal value \"{s}\" for bool variable")),
    }
}

fn set(c: &mut Config, name: &str, v: Value) {
    match v {
        Value::Bool(b) => {
            let dst = match name {
                "call_tree" => &mut c.call_tree,
                "relative_percentages" => &mut c.relative_percentages,
                "compact_labels" => &mut c.compact_labels,
                "mean" => &mut c.mean,
                "normalize" => &mut c.normalize,
                "drop_negative" => &mut c.drop_negative,
                "trim" => &mut c.trim,
                "noinlines" => &mut c.noinlines,
                // intel_syntax only changes disassembly, which this view does not print.
                _ => return,
            };
            *dst = b;
        }
        Value::Int(n) => c.node_count = n,
        Value::Float(f) => match name {
            "nodefraction" => c.node_fraction = f,
            _ => c.edge_fraction = f,
        },
        Value::Str(s) => {
            let dst = match name {
                "unit" => &mut c.unit,
                "sample_index" => &mut c.sample_index,
                "sort" => &mut c.sort,
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
                _ => &mut c.granularity,
            };
            *dst = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_set_the_options_go_maps_them_to() {
        let mut c = Config::default();
        let query = q(&[
            ("f", "main\\."),
            ("i", "runtime"),
            ("si", "samples"),
            ("n", "7"),
            ("nf", "0.1"),
            ("trim", "f"),
            ("g", "lines"),
            ("sort", "cum"),
            ("h", ""),
            ("unknown", "x"),
        ]);
        apply(&mut c, &query).unwrap();
        assert_eq!(c.focus, "main\\.");
        assert_eq!(c.ignore, "runtime");
        assert_eq!(c.sample_index, "samples");
        assert_eq!(c.node_count, 7);
        assert_eq!(c.node_fraction, 0.1);
        assert!(!c.trim);
        assert_eq!(c.granularity, "lines");
        assert_eq!(c.sort, "cum");
        assert_eq!(c.hide, "");
    }

    #[test]
    fn bad_values_fail_with_gos_messages() {
        let mut c = Config::default();
        assert_eq!(
            apply(&mut c, &q(&[("n", "x")])).unwrap_err(),
            "error setting config field nodecount: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            apply(&mut c, &q(&[("g", "words")])).unwrap_err(),
            "error setting config field granularity: invalid \"granularity\" value \"words\""
        );
        assert_eq!(
            apply(&mut c, &q(&[("trim", "maybe")])).unwrap_err(),
            "error setting config field trim: illegal value \"maybe\" for bool variable"
        );
    }
}
