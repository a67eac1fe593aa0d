//! Benchmark units, as golang.org/x/perf's `benchunit`: tidying Go's units into base
//! units (`ns/op` -> `sec/op`, `MB/s` -> `B/s`), and choosing a common SI or IEC
//! prefix and precision for a row of values.

/// Whether a unit's values scale by 1000 (SI prefixes) or 1024 (IEC prefixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// SI prefixes: n, µ, m, k, M, G, T.
    Decimal,
    /// IEC prefixes: Ki, Mi, Gi, Ti; for byte counts.
    Binary,
}

/// Splits a unit into its tokens, noting whether each is in the denominator.
/// Tokens are separated by `*`, `/`, `-` and spaces; `/` starts the denominator and
/// `*` ends it.
fn tokens(unit: &str) -> Vec<(usize, &str, bool)> {
    let mut out = Vec::new();
    let mut denom = false;
    let mut start: Option<usize> = None;
    for (i, c) in unit.char_indices() {
        let sep = c == '*' || c == '/' || c == '-' || c.is_whitespace();
        if sep {
            if let Some(s) = start.take() {
                out.push((s, &unit[s..i], denom));
            }
            if c == '*' {
                denom = false;
            } else if c == '/' {
                denom = true;
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &unit[s..], denom));
    }
    out
}

/// The class of a unit: binary when a numerator token is `B`, `MB` or `bytes`.
pub fn class_of(unit: &str) -> Class {
    let binary = tokens(unit)
        .iter()
        .any(|&(_, tok, denom)| !denom && (tok == "B" || tok == "MB" || tok == "bytes"));
    if binary {
        Class::Binary
    } else {
        Class::Decimal
    }
}

/// Converts a value in `unit` to benchstat's base unit: `ns` becomes `sec` and `MB`
/// becomes `B` in the numerator, with the value scaled to match.
pub fn tidy(value: f64, unit: &str) -> (f64, String) {
    let (unit, factor) = tidy_unit(unit);
    (value * factor, unit)
}

/// The tidied unit and the factor that converts values to it.
pub fn tidy_unit(unit: &str) -> (String, f64) {
    match unit {
        "ns/op" => return ("sec/op".to_string(), 1e-9),
        "MB/s" => return ("B/s".to_string(), 1e6),
        "B/op" | "allocs/op" => return (unit.to_string(), 1.0),
        _ => {}
    }
    if !(unit.contains("ns") || unit.contains("MB")) {
        return (unit.to_string(), 1.0);
    }
    let mut factor = 1.0;
    let mut edits = Vec::new();
    for (pos, tok, denom) in tokens(unit) {
        if denom {
            continue;
        }
        match tok {
            "ns" => {
                edits.push((pos, 2, "sec"));
                factor /= 1e9;
            }
            "MB" => {
                edits.push((pos, 2, "B"));
                factor *= 1e6;
            }
            _ => {}
        }
    }
    let mut unit = unit.to_string();
    for &(pos, len, repl) in edits.iter().rev() {
        unit.replace_range(pos..pos + len, repl);
    }
    (unit, factor)
}

/// Formats values with a common prefix and precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    /// Digits after the decimal point.
    pub prec: usize,
    /// The value of one unit of the prefix (1000 for `k`).
    pub factor: f64,
    /// The prefix (`k`, `Mi`, `µ`, or empty).
    pub prefix: &'static str,
}

impl Scaler {
    /// Formats `val` with this scale: `1.234µ`.
    pub fn format(&self, val: f64) -> String {
        let v = val / self.factor;
        // Go's strconv spells the non-finite values `NaN`, `+Inf` and `-Inf`.
        let digits = if v.is_nan() {
            "NaN".to_string()
        } else if v.is_infinite() {
            if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
        } else {
            format!("{:.*}", self.prec, v)
        };
        digits + self.prefix
    }
}

struct Factor {
    factor: f64,
    prefix: &'static str,
    // Thresholds at which a value shows 1, 2 or 3 decimals: just below 100, 10 and 1
    // so that rounding to 4 significant digits never shows "100.0" where "0.1k" is due.
    t100: f64,
    t10: f64,
    t1: f64,
}

fn si_factors() -> Vec<Factor> {
    let mut out = Vec::new();
    let mut exp = 12;
    for p in ["T", "G", "M", "k", "", "m", "µ", "n"] {
        let parse = |s: String| s.parse::<f64>().expect("threshold");
        out.push(Factor {
            factor: 10f64.powi(exp),
            prefix: p,
            t100: parse(format!("99.995e{exp}")),
            t10: parse(format!("9.9995e{exp}")),
            t1: parse(format!(".99995e{exp}")),
        });
        exp -= 3;
    }
    out
}

/// The double 1.m * 2^e for a 52-bit mantissa `m`, as Go's hex float literals.
fn hexfloat(mantissa: u64, exp: i32) -> f64 {
    f64::from_bits((((exp + 1023) as u64) << 52) | mantissa)
}

fn iec_factors() -> Vec<Factor> {
    let mut out = Vec::new();
    let mut exp = 40;
    for p in ["Ti", "Gi", "Mi", "Ki", ""] {
        out.push(Factor {
            factor: 2f64.powi(exp),
            prefix: p,
            t100: hexfloat(0x8ffae147ae148, 6 + exp), // 99.995
            t10: hexfloat(0x3ffbe76c8b439, 3 + exp),  // 9.9995
            t1: hexfloat(0xfff972474538f, -1 + exp),  // .99995
        });
        exp -= 10;
    }
    out
}

/// Chooses a prefix and precision that show the smallest non-zero magnitude in `vals`
/// with at least 4 significant digits, as benchunit's `CommonScale`.
pub fn common_scale(vals: &[f64], class: Class) -> Scaler {
    let mut min = 0.0;
    for v in vals {
        let v = v.abs();
        if v != 0.0 && (min == 0.0 || v < min) {
            min = v;
        }
    }
    if min == 0.0 {
        return Scaler {
            prec: 3,
            factor: 1.0,
            prefix: "",
        };
    }
    let factors = match class {
        Class::Decimal => si_factors(),
        Class::Binary => iec_factors(),
    };
    for f in &factors {
        if min >= f.t100 {
            return Scaler {
                prec: 1,
                factor: f.factor,
                prefix: f.prefix,
            };
        } else if min >= f.t10 {
            return Scaler {
                prec: 2,
                factor: f.factor,
                prefix: f.prefix,
            };
        } else if min >= f.t1 {
            return Scaler {
                prec: 3,
                factor: f.factor,
                prefix: f.prefix,
            };
        }
    }
    // Smaller than the smallest prefix: more decimals, up to 3 + 7.
    let last = &factors[factors.len() - 1];
    let val = min / last.factor;
    for (i, exp) in (-8..=-1).rev().enumerate() {
        let thresh: f64 = format!("9.9995e{exp}").parse().expect("threshold");
        if val >= thresh || exp == -8 {
            return Scaler {
                prec: i + 3,
                factor: last.factor,
                prefix: last.prefix,
            };
        }
    }
    unreachable!("the last threshold always matches")
}

/// Formats one value with its own scale.
pub fn scale(val: f64, class: Class) -> String {
    common_scale(&[val], class).format(val)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidies_go_units() {
        assert_eq!(tidy(1500.0, "ns/op"), (1.5e-6, "sec/op".to_string()));
        assert_eq!(tidy(2.0, "MB/s"), (2e6, "B/s".to_string()));
        assert_eq!(tidy(3.0, "ns/GC").1, "sec/GC");
        assert_eq!(tidy(3.0, "MB*ns/op").1, "B*sec/op");
        assert_eq!(tidy(3.0, "op/ns").1, "op/ns");
        assert_eq!(tidy(3.0, "widgets").1, "widgets");
    }

    #[test]
    fn classifies_byte_units_as_binary() {
        assert_eq!(class_of("B/op"), Class::Binary);
        assert_eq!(class_of("B/s"), Class::Binary);
        assert_eq!(class_of("binary-bytes"), Class::Binary);
        assert_eq!(class_of("sec/op"), Class::Decimal);
        assert_eq!(class_of("ops/B"), Class::Decimal);
    }

    #[test]
    fn iec_thresholds_are_the_decimal_ones() {
        let f = iec_factors();
        assert_eq!(f[4].t100, 99.995);
        assert_eq!(f[4].t10, 9.9995);
        assert_eq!(f[4].t1, 0.99995);
    }

    #[test]
    fn scales_as_benchunit() {
        // Values from Go's benchstat output in testdata/benchstat/oldnew.stdout.
        assert_eq!(
            common_scale(&[6.827e-7, 6.975e-8], Class::Decimal).format(6.827e-7),
            "682.70n"
        );
        assert_eq!(scale(9.942e-6, Class::Decimal), "9.942µ");
        assert_eq!(
            common_scale(&[64.0, 16.0], Class::Binary).format(64.0),
            "64.00"
        );
        assert_eq!(
            common_scale(&[0.0, 0.0], Class::Binary).format(0.0),
            "0.000"
        );
    }
}
