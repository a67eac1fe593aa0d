//! Value formatting as pprof's `internal/measurement` does it: unit families, scaling,
//! `ScaledLabel` and `Percentage`, down to Go's `%.2f` and `%5.2g`.

/// Converts `value` between two units of one family (pprof's `measurement.Scale`); shared
/// with the tag filters, which compare numeric labels in the same units.
pub use sextant_profile::measurement::scale;

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
