//! The `num` sort order of projections, as benchproc's `sort.go`.

use regex::Regex;

/// Compares strings as numbers where both parse (`10`, `2k`, `1Mi`), as benchproc's
/// `num` order; numbers sort before non-numbers.
pub(crate) fn cmp_num(a: &str, b: &str) -> i32 {
    match (parse_num(a), parse_num(b)) {
        (Some(x), Some(y)) => {
            if x < y || (!x.is_nan() && y.is_nan()) {
                -1
            } else if x > y || (x.is_nan() && !y.is_nan()) {
                1
            } else {
                0
            }
        }
        (None, None) => 0,
        (Some(_), None) => -1,
        (None, Some(_)) => 1,
    }
}

fn parse_num(x: &str) -> Option<f64> {
    if let Ok(v) = x.parse::<f64>() {
        return Some(v);
    }
    static NUM: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re =
        NUM.get_or_init(|| Regex::new(r"([0-9.]+)([kKMGTPEZY]i?)?[bB]?").expect("valid regexp"));
    let caps = re.captures(x)?;
    let v: f64 = caps.get(1)?.as_str().parse().ok()?;
    let pre = caps.get(2).map_or("", |m| m.as_str());
    let mut exp = 0;
    if let Some(c) = pre.chars().next() {
        let c = if c == 'k' { 'K' } else { c };
        exp = 1 + "KMGTPEZY".find(c).map_or(-1, |i| i as i32);
    }
    let base: f64 = if pre.ends_with('i') { 1024.0 } else { 1000.0 };
    Some(v * base.powi(exp))
}
