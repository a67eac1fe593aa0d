//! Go's number formatting where benchstat's output depends on it.

/// Formats `x` as Go's `%v` (`strconv.FormatFloat(x, 'g', -1, 64)`): the shortest
/// digits that round-trip, in exponent form (`1e+06`, `6.827e-07`) when the decimal
/// exponent is below -4 or at least 6, as strconv decides for shortest precision.
pub(crate) fn go_g(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".to_string()
        } else {
            "0".to_string()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Go's shortest mode.
    let e = format!("{:e}", x.abs());
    let (mant, exp) = e.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let neg = if x < 0.0 { "-" } else { "" };
    // strconv: "if precision was the shortest possible, use precision 6 for this decision".
    let eprec = 6;
    let dp = exp + 1;
    if exp < -4 || exp >= eprec {
        let mut s = String::from(neg);
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('e');
        s.push(if exp < 0 { '-' } else { '+' });
        s.push_str(&format!("{:02}", exp.abs()));
        return s;
    }
    // %f with the shortest digits.
    let mut s = String::from(neg);
    if dp <= 0 {
        s.push_str("0.");
        for _ in 0..-dp {
            s.push('0');
        }
        s.push_str(&digits);
    } else if dp as usize >= digits.len() {
        s.push_str(&digits);
        for _ in 0..(dp as usize - digits.len()) {
            s.push('0');
        }
    } else {
        s.push_str(&digits[..dp as usize]);
        s.push('.');
        s.push_str(&digits[dp as usize..]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::go_g;

    #[test]
    fn formats_floats_as_go_percent_v() {
        // Each expectation is what Go's fmt.Sprint prints for the value.
        assert_eq!(go_g(0.95), "0.95");
        assert_eq!(go_g(1.0), "1");
        assert_eq!(go_g(100000.0), "100000");
        assert_eq!(go_g(1000000.0), "1e+06");
        assert_eq!(go_g(1.7180000000000001e-06), "1.7180000000000001e-06");
        assert_eq!(go_g(0.0001), "0.0001");
        assert_eq!(go_g(0.00001), "1e-05");
        assert_eq!(go_g(-2.5), "-2.5");
        assert_eq!(go_g(123456.0), "123456");
        assert_eq!(go_g(1234567.0), "1.234567e+06");
        assert_eq!(go_g(6.827e-07), "6.827e-07");
    }

    #[test]
    fn rounds_ties_to_even_as_go() {
        // Go: fmt.Sprintf("%.0f", 0.5) == "0", ("%.0f", 2.5) == "2", ("%.2f", 1.125) == "1.12".
        assert_eq!(format!("{:.0}", 0.5), "0");
        assert_eq!(format!("{:.0}", 2.5), "2");
        assert_eq!(format!("{:.2}", 1.125), "1.12");
    }
}
