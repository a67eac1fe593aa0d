//! Value formatting as pprof's `internal/measurement` does it: unit families, scaling,
//! `ScaledLabel` and `Percentage`, down to Go's `%.2f` and `%5.2g`.

/// One unit of a family: its printed name, the names it is known by, and its size in base units.
struct Unit {
    name: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

/// A family of convertible units (memory, time, GCU) and the unit used when none fits.
struct Family {
    units: &'static [Unit],
    default: (&'static str, f64),
}

/// pprof's `unitTypes`, in its order: the first family that knows a unit wins.
static FAMILIES: [Family; 3] = [
    Family {
        units: &[
            Unit {
                name: "B",
                aliases: &["b", "byte"],
                factor: 1.0,
            },
            Unit {
                name: "kB",
                aliases: &["kb", "kbyte", "kilobyte"],
                factor: 1024.0,
            },
            Unit {
                name: "MB",
                aliases: &["mb", "mbyte", "megabyte"],
                factor: 1048576.0,
            },
            Unit {
                name: "GB",
                aliases: &["gb", "gbyte", "gigabyte"],
                factor: 1073741824.0,
            },
            Unit {
                name: "TB",
                aliases: &["tb", "tbyte", "terabyte"],
                factor: 1099511627776.0,
            },
            Unit {
                name: "PB",
                aliases: &["pb", "pbyte", "petabyte"],
                factor: 1125899906842624.0,
            },
        ],
        default: ("B", 1.0),
    },
    Family {
        units: &[
            Unit {
                name: "ns",
                aliases: &["ns", "nanosecond"],
                factor: 1.0,
            },
            Unit {
                name: "us",
                aliases: &["μs", "us", "microsecond"],
                factor: 1e3,
            },
            Unit {
                name: "ms",
                aliases: &["ms", "millisecond"],
                factor: 1e6,
            },
            Unit {
                name: "s",
                aliases: &["s", "sec", "second"],
                factor: 1e9,
            },
            Unit {
                name: "hrs",
                aliases: &["hour", "hr"],
                factor: 3.6e12,
            },
        ],
        default: ("s", 1e9),
    },
    Family {
        units: &[
            Unit {
                name: "n*GCU",
                aliases: &["nanogcu"],
                factor: 1e-9,
            },
            Unit {
                name: "u*GCU",
                aliases: &["microgcu"],
                factor: 1e-6,
            },
            Unit {
                name: "m*GCU",
                aliases: &["milligcu"],
                factor: 1e-3,
            },
            Unit {
                name: "GCU",
                aliases: &["gcu"],
                factor: 1.0,
            },
            Unit {
                name: "k*GCU",
                aliases: &["kilogcu"],
                factor: 1e3,
            },
            Unit {
                name: "M*GCU",
                aliases: &["megagcu"],
                factor: 1e6,
            },
            Unit {
                name: "G*GCU",
                aliases: &["gigagcu"],
                factor: 1e9,
            },
            Unit {
                name: "T*GCU",
                aliases: &["teragcu"],
                factor: 1e12,
            },
            Unit {
                name: "P*GCU",
                aliases: &["petagcu"],
                factor: 1e15,
            },
        ],
        default: ("GCU", 1.0),
    },
];

impl Family {
    /// pprof's `sniffUnit`: lowercase, drop a plural `s` from names longer than two bytes
    /// (bytes, not characters: `μs` is three bytes and so loses its `s`, as in Go).
    fn sniff(&self, unit: &str) -> Option<&Unit> {
        let mut unit = unit.to_lowercase();
        if unit.len() > 2 && unit.ends_with('s') {
            unit.pop();
        }
        self.units
            .iter()
            .find(|u| u.aliases.contains(&unit.as_str()))
    }

    /// The largest unit that leaves the value at least 1, if any.
    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut best: Option<&Unit> = None;
        for u in self.units {
            if u.factor >= best.map_or(0.0, |b| b.factor) && value / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        best.map(|u| (value / u.factor, u.name))
    }

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, &'static str)> {
        let from = self.sniff(from)?;
        let v = value as f64 * from.factor;
        if to == "minimum" || to == "auto" {
            return Some(
                self.auto_scale(v)
                    .unwrap_or((v / self.default.1, self.default.0)),
            );
        }
        Some(match self.sniff(to) {
            Some(t) => (v / t.factor, t.name),
            None => (v / self.default.1, self.default.0),
        })
    }
}

/// Converts `value` from `from` to `to` (`minimum` or `auto` pick the best unit), returning the
/// scaled value and the unit to print (empty when uninteresting, as for counts).
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    // Go negates to scale negatives; i64::MIN stays negative and falls through, as there.
    if value < 0 && value.wrapping_neg() > 0 {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    for f in &FAMILIES {
        if let Some((v, u)) = f.convert(value, from, to) {
            return (v, u.to_string());
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_string()),
    }
}

/// A value in its best unit (`Label`): `1.26s`, `3.50MB`, `12`.
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// A value scaled to `to` and printed with two decimals, a trailing `.00` cut (`ScaledLabel`).
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, u) = scale(value, from, to);
    let s = format!("{v:.2}");
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if s == "0" || s == "-0" {
        return "0".to_string();
    }
    format!("{s}{u}")
}

/// `value` as a percentage of `total` with at least two significant digits (`Percentage`):
/// `  100%`, `56.82%`, ` 0.22%`, `0.0012%`.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_string()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g2(ratio))
    }
}

/// Go's `%.2g` of a non-negative finite number: two significant digits, trailing zeros cut,
/// exponent form (`1.2e-05`) below 1e-4.
fn go_g2(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let e = format!("{x:.1e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..2).contains(&exp) {
        let m = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = (1 - exp).max(0) as usize;
    trim_fraction(&format!("{x:.decimals$}")).to_string()
}

/// Cuts trailing zeros after a decimal point, and the point itself if nothing is left after it.
fn trim_fraction(s: &str) -> &str {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentage_matches_go_formats() {
        // Expected strings are what Go's fmt prints for the same ratios.
        assert_eq!(percentage(440, 440), "  100%");
        assert_eq!(percentage(250, 440), "56.82%");
        assert_eq!(percentage(1, 450), " 0.22%");
        assert_eq!(percentage(12, 1_000_000), "0.0012%");
        assert_eq!(percentage(12, 100_000_000), "1.2e-05%");
        assert_eq!(percentage(0, 0), "    0%");
        assert_eq!(percentage(5, 1000), "  0.5%");
    }

    #[test]
    fn scaled_labels_pick_units_as_go() {
        assert_eq!(scaled_label(450_000_000, "nanoseconds", "minimum"), "450ms");
        assert_eq!(scaled_label(1_200_000_000, "nanoseconds", "s"), "1.20s");
        assert_eq!(scaled_label(3_672_822, "bytes", "kB"), "3586.74kB");
        assert_eq!(scaled_label(0, "bytes", "MB"), "0");
        assert_eq!(scaled_label(12, "count", "count"), "12");
        assert_eq!(label(1_260_000_000, "nanoseconds"), "1.26s");
    }
}
