//! Units of measure as go tool pprof knows them (google/pprof's `internal/measurement`):
//! the unit families (bytes, time, GCU), their aliases, and `Scale`, which converts a value
//! between two units of one family.
//!
//! The tag filters use it to compare numeric labels with a range such as `1kb:2mb`; pprof's
//! quirks are kept, since they decide which samples a filter keeps: unit names are matched
//! lowercased, with a trailing `s` dropped from names longer than two *bytes* (so `μs` is never
//! recognised), and a value whose unit is unknown is compared as a bare number.

/// A unit: its canonical name, the lowercase aliases it is known by, and its size in the
/// family's base unit.
struct Unit {
    canonical: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

/// A family of convertible units, with the unit used when the target is not in the family.
struct Family {
    units: &'static [Unit],
    default: Unit,
}

const fn unit(canonical: &'static str, aliases: &'static [&'static str], factor: f64) -> Unit {
    Unit {
        canonical,
        aliases,
        factor,
    }
}

/// The families in pprof's order: memory (powers of 1024), time (nanoseconds), GCU.
static FAMILIES: [Family; 3] = [
    Family {
        units: &[
            unit("B", &["b", "byte"], 1.0),
            unit("kB", &["kb", "kbyte", "kilobyte"], (1u64 << 10) as f64),
            unit("MB", &["mb", "mbyte", "megabyte"], (1u64 << 20) as f64),
            unit("GB", &["gb", "gbyte", "gigabyte"], (1u64 << 30) as f64),
            unit("TB", &["tb", "tbyte", "terabyte"], (1u64 << 40) as f64),
            unit("PB", &["pb", "pbyte", "petabyte"], (1u64 << 50) as f64),
        ],
        default: unit("B", &["b", "byte"], 1.0),
    },
    Family {
        units: &[
            unit("ns", &["ns", "nanosecond"], 1.0),
            unit("us", &["μs", "us", "microsecond"], 1e3),
            unit("ms", &["ms", "millisecond"], 1e6),
            unit("s", &["s", "sec", "second"], 1e9),
            unit("hrs", &["hour", "hr"], 3600e9),
        ],
        default: unit("s", &[], 1e9),
    },
    Family {
        units: &[
            unit("n*GCU", &["nanogcu"], 1e-9),
            unit("u*GCU", &["microgcu"], 1e-6),
            unit("m*GCU", &["milligcu"], 1e-3),
            unit("GCU", &["gcu"], 1.0),
            unit("k*GCU", &["kilogcu"], 1e3),
            unit("M*GCU", &["megagcu"], 1e6),
            unit("G*GCU", &["gigagcu"], 1e9),
            unit("T*GCU", &["teragcu"], 1e12),
            unit("P*GCU", &["petagcu"], 1e15),
        ],
        default: unit("GCU", &[], 1.0),
    },
];

impl Family {
    /// pprof's `sniffUnit`: lowercase (rune by rune, as Go's `strings.ToLower`), drop one
    /// trailing `s` when the name is longer than two bytes, then look the alias up.
    fn sniff(&self, name: &str) -> Option<&Unit> {
        let lower: String = name
            .chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect();
        let alias = match lower.len() > 2 {
            true => lower.strip_suffix('s').unwrap_or(&lower),
            false => &lower,
        };
        self.units.iter().find(|u| u.aliases.contains(&alias))
    }

    /// pprof's `autoScale`: the largest unit in which the value is at least 1.
    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut best: Option<&Unit> = None;
        for u in self.units {
            if u.factor >= best.map_or(0.0, |b| b.factor) && value / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        best.map(|u| (value / u.factor, u.canonical))
    }
}

/// A conversion from one unit to another fixed target (never `minimum` or `auto`), prepared
/// once so that converting a value costs a multiplication and a division.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conversion {
    /// The source unit's factor, or 1 when the source unit is unknown.
    from: f64,
    /// The target unit's factor, or 1 when the source unit is unknown.
    to: f64,
    /// The unit the converted value is in (pprof's second result of `Scale`).
    pub(crate) unit: String,
}

impl Conversion {
    /// Prepares pprof's `Scale(_, from, to)` for a target other than `minimum` and `auto`.
    pub(crate) fn new(from: &str, to: &str) -> Conversion {
        for family in &FAMILIES {
            if let Some(f) = family.sniff(from) {
                let t = family.sniff(to).unwrap_or(&family.default);
                return Conversion {
                    from: f.factor,
                    to: t.factor,
                    unit: t.canonical.to_string(),
                };
            }
        }
        Conversion {
            from: 1.0,
            to: 1.0,
            unit: uninteresting(to).to_string(),
        }
    }

    /// The value in the target unit, computed in Go's order (`value*from/to`).
    pub(crate) fn apply(&self, value: i64) -> f64 {
        value as f64 * self.from / self.to
    }
}

/// pprof's unit for a value whose unit is in no family: empty for unit-less names.
fn uninteresting(to: &str) -> &str {
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => "",
        _ => to,
    }
}

/// Converts `value` from `from` units to `to` units as pprof's `measurement.Scale` does,
/// returning the converted value and the unit it is in.
///
/// `to` may be `minimum` or `auto` to pick the largest unit in which the value is at least 1.
/// A value in an unknown unit is returned unchanged, with unit `to` (empty for `count`,
/// `sample`, `unit`, `minimum`, `auto`).
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    // pprof scales negative values by their magnitude (i64::MIN has none, and is kept).
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    if to == "minimum" || to == "auto" {
        for family in &FAMILIES {
            if let Some(f) = family.sniff(from) {
                let v = value as f64 * f.factor;
                return match family.auto_scale(v) {
                    Some((v, u)) => (v, u.to_string()),
                    None => (v / family.default.factor, family.default.canonical.into()),
                };
            }
        }
        return (value as f64, String::new());
    }
    let c = Conversion::new(from, to);
    (c.apply(value), c.unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_converts_within_a_family_to_the_canonical_name() {
        // 2 kb = 2048 B; "bytes" sniffs as "byte" (trailing s dropped), hence B.
        assert_eq!(scale(2, "kb", "bytes"), (2048.0, "B".into()));
        assert_eq!(scale(1, "kb", "kb"), (1.0, "kB".into()));
        // 1536 B in kB is 1.5: the value is a float.
        assert_eq!(scale(1536, "B", "KB"), (1.5, "kB".into()));
        assert_eq!(scale(3, "hours", "ms"), (10_800_000.0, "ms".into()));
    }

    #[test]
    fn scale_targets_the_family_default_when_the_target_is_foreign() {
        // "" is no time unit, so seconds (the time family's default) are used.
        assert_eq!(scale(2_000_000_000, "ns", ""), (2.0, "s".into()));
        assert_eq!(scale(5, "bytes", "furlongs"), (5.0, "B".into()));
    }

    #[test]
    fn scale_leaves_unknown_units_alone() {
        assert_eq!(scale(7, "requests", "kb"), (7.0, "kb".into()));
        assert_eq!(scale(7, "requests", "count"), (7.0, "".into()));
        assert_eq!(scale(7, "", ""), (7.0, "".into()));
    }

    #[test]
    fn micro_sign_is_never_recognised_because_its_name_is_three_bytes() {
        // "μs" is 3 bytes long, so sniffing drops its "s" and looks up "μ", which is no alias.
        assert_eq!(scale(5, "μs", "ns"), (5.0, "ns".into()));
        assert_eq!(scale(5, "us", "ns"), (5000.0, "ns".into()));
    }

    #[test]
    fn scale_auto_picks_the_largest_unit_at_least_one() {
        assert_eq!(scale(1536, "bytes", "auto"), (1.5, "kB".into()));
        assert_eq!(scale(0, "bytes", "minimum"), (0.0, "B".into()));
        assert_eq!(scale(-2048, "bytes", "auto"), (-2.0, "kB".into()));
    }

    #[test]
    fn scale_survives_the_most_negative_value() {
        assert_eq!(scale(i64::MIN, "b", "b").1, "B");
    }
}
