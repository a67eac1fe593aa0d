//! The URL parameters of the web UI (the `urlparam` tags of pprof's `config.go`): every view
//! reads its options from the query string on top of the command line's, as `applyURL` does.

use super::super::config::Config;
use super::super::settings::{self, Extra};

/// Go's `urlparam` table, in the order of `config`'s fields: (parameter, option); the
/// options' kinds and parsers are the shell's ([`settings::configure`]), as Go's `applyURL`
/// and `configure` share `config.set`.
const PARAMS: &[(&str, &str)] = &[
    ("calltree", "call_tree"),
    ("rel", "relative_percentages"),
    ("unit", "unit"),
    ("compact", "compact_labels"),
    ("intel", "intel_syntax"),
    ("mean", "mean"),
    ("si", "sample_index"),
    ("norm", "normalize"),
    ("sort", "sort"),
    ("dropneg", "drop_negative"),
    ("n", "nodecount"),
    ("nf", "nodefraction"),
    ("ef", "edgefraction"),
    ("trim", "trim"),
    ("f", "focus"),
    ("i", "ignore"),
    ("prunefrom", "prune_from"),
    ("h", "hide"),
    ("s", "show"),
    ("sf", "show_from"),
    ("tf", "tagfocus"),
    ("ti", "tagignore"),
    ("ts", "tagshow"),
    ("th", "taghide"),
    ("noinlines", "noinlines"),
    ("g", "granularity"),
];

/// The URL parameters of the options a saved configuration holds, with the options' names:
/// all but `si` (Go does not save the sample index).
pub(super) fn saved_params() -> impl Iterator<Item = (&'static str, &'static str)> {
    PARAMS
        .iter()
        .copied()
        .filter(|&(_, name)| settings::saved().any(|(n, _)| n == name))
}

/// Sets the options `query` names on `cfg`, as pprof's `applyURL`: empty values are skipped,
/// unknown parameters ignored, and a bad value fails with Go's message.
pub(crate) fn apply(cfg: &mut Config, query: &[(String, String)]) -> Result<(), String> {
    // intel_syntax only changes disassembly, which these views do not print.
    let mut extra = Extra::default();
    for &(param, name) in PARAMS {
        // Go's url.Values.Get: the first value given.
        let Some((_, raw)) = query.iter().find(|(k, _)| k == param) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        settings::configure(cfg, &mut extra, name, raw)
            .map_err(|e| format!("error setting config field {name}: {e}"))?;
    }
    if cfg.normalize && cfg.base.is_empty() {
        return Err("must have base profile to normalize by".into());
    }
    Ok(())
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
