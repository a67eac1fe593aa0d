//! The text dump of a profile that `go tool pprof -raw` prints (google/pprof's
//! `Profile.String`), reproduced byte for byte, quirks included.

use std::collections::HashMap;
use std::fmt::{self, Write};

use crate::model::*;

impl fmt::Display for Profile {
    /// Prints the profile as `go tool pprof -raw` does.
    ///
    /// Times are shown in UTC (Go shows them in the local zone). The duration keeps pprof's
    /// `%.4v` quirk: Go's duration text cut to four characters (`20.0` for 20.01s).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let functions: HashMap<FunctionId, &Function> =
            self.function.iter().map(|x| (x.id, x)).collect();
        for c in &self.comments {
            writeln!(f, "Comment: {c}")?;
        }
        if let Some(pt) = &self.period_type {
            writeln!(f, "PeriodType: {} {}", pt.kind, pt.unit)?;
        }
        writeln!(f, "Period: {}", self.period)?;
        if self.time_nanos != 0 {
            writeln!(f, "Time: {}", go_time(self.time_nanos))?;
        }
        if self.duration_nanos != 0 {
            let d: String = go_duration(self.duration_nanos).chars().take(4).collect();
            writeln!(f, "Duration: {d}")?;
        }
        writeln!(f, "Samples:")?;
        let mut header = String::new();
        for t in &self.sample_type {
            let dflt = if t.kind == self.default_sample_type {
                "[dflt]"
            } else {
                ""
            };
            let _ = write!(header, "{}/{}{} ", t.kind, t.unit, dflt);
        }
        writeln!(f, "{}", header.trim())?;
        let mut line = String::new();
        for s in &self.sample {
            line.clear();
            sample_line(&mut line, s);
            f.write_str(&line)?;
        }
        writeln!(f, "Locations")?;
        for l in &self.location {
            line.clear();
            location_line(&mut line, l, &functions);
            f.write_str(&line)?;
        }
        write!(f, "Mappings")?;
        for m in &self.mapping {
            let bits = [
                (m.has_functions, "[FN]"),
                (m.has_filenames, "[FL]"),
                (m.has_line_numbers, "[LN]"),
                (m.has_inline_frames, "[IN]"),
            ];
            let bits: String = bits.iter().filter(|b| b.0).map(|b| b.1).collect();
            write!(
                f,
                "\n{}: {:#x}/{:#x}/{:#x} {} {} {}",
                m.id.0, m.memory_start, m.memory_limit, m.file_offset, m.filename, m.build_id, bits
            )?;
        }
        writeln!(f)
    }
}

/// One sample: values as `%10d`, location ids, then string and numeric labels grouped by key.
fn sample_line(out: &mut String, s: &Sample) {
    for v in &s.value {
        let _ = write!(out, " {v:>10}");
    }
    out.push_str(": ");
    for l in &s.location {
        let _ = write!(out, "{} ", l.0);
    }
    out.push('\n');
    const LABEL_HEADER: &str = "                ";
    // Group values by key in order of appearance, as pprof's label maps do.
    let mut strs: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut nums: Vec<(&str, Vec<i64>, Vec<&str>)> = Vec::new();
    for l in &s.label {
        match &l.value {
            LabelValue::Str(v) => match strs.iter_mut().find(|e| *e.0 == *l.key) {
                Some(e) => e.1.push(v),
                None => strs.push((&l.key, vec![v])),
            },
            LabelValue::Num { num, unit } => {
                let i = match nums.iter().position(|e| *e.0 == *l.key) {
                    Some(i) => i,
                    None => {
                        nums.push((&l.key, Vec::new(), Vec::new()));
                        nums.len() - 1
                    }
                };
                let e = &mut nums[i];
                // pprof keeps units only when one is given, padding earlier values with "".
                if !unit.is_empty() {
                    e.2.resize(e.1.len(), "");
                    e.2.push(unit);
                }
                e.1.push(*num);
            }
        }
    }
    if !strs.is_empty() {
        let mut parts: Vec<String> = strs
            .iter()
            .map(|(k, v)| format!("{k}:[{}]", v.join(" ")))
            .collect();
        parts.sort();
        let _ = writeln!(out, "{LABEL_HEADER}{}", parts.join(" "));
    }
    if !nums.is_empty() {
        let mut parts: Vec<String> = nums
            .iter()
            .map(|(k, v, units)| {
                let values: Vec<String> = if units.len() == v.len() {
                    v.iter()
                        .zip(units)
                        .map(|(n, u)| format!("{n} {u}"))
                        .collect()
                } else {
                    v.iter().map(|n| n.to_string()).collect()
                };
                format!("{k}:[{}]", values.join(" "))
            })
            .collect();
        parts.sort();
        let _ = writeln!(out, "{LABEL_HEADER}{}", parts.join(" "));
    }
}

/// One location: id, address, mapping, then one line per (inlined) source line.
fn location_line(out: &mut String, l: &Location, functions: &HashMap<FunctionId, &Function>) {
    let mut head = format!("{:>6}: {:#x} ", l.id.0, l.address);
    if let Some(m) = l.mapping_id {
        let _ = write!(head, "M={} ", m.0);
    }
    if l.is_folded {
        head.push_str("[F] ");
    }
    if l.line.is_empty() {
        out.push_str(&head);
        out.push('\n');
    }
    for line in &l.line {
        out.push_str(&head);
        match line.function_id.and_then(|id| functions.get(&id)) {
            Some(func) => {
                let _ = write!(
                    out,
                    "{} {}:{} s={}",
                    func.name, func.filename, line.line, func.start_line
                );
                if func.name != func.system_name {
                    let _ = write!(out, "({})", func.system_name);
                }
            }
            None => out.push_str("??"),
        }
        out.push('\n');
        // pprof prints the location's details on its first line only.
        head = " ".repeat(13);
    }
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `20.01s`, `1.5ms`, `0s`.
pub fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u < 1_000_000_000 {
        let (scale, unit, prec) = match u {
            0..1_000 => (1, "ns", 0),
            1_000..1_000_000 => (1_000, "µs", 3),
            _ => (1_000_000, "ms", 6),
        };
        return format!("{sign}{}{unit}", frac(u, scale, prec));
    }
    let secs = u / 1_000_000_000;
    let sub = u % 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = sign.to_string();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if h > 0 || m > 0 {
        let _ = write!(out, "{m}m");
    }
    let _ = write!(out, "{}s", frac(s * 1_000_000_000 + sub, 1_000_000_000, 9));
    out
}

/// `v / scale` with up to `prec` fractional digits, trailing zeros (and a bare dot) dropped.
fn frac(v: u64, scale: u64, prec: usize) -> String {
    let whole = v / scale;
    if prec == 0 {
        return whole.to_string();
    }
    let digits = format!("{:0prec$}", v % scale);
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{digits}")
    }
}

/// Go's `time.Time.String()` for a Unix time in nanoseconds, in UTC:
/// `2026-11-28 21:57:07.123456789 +0000 UTC` (fractional zeros trimmed).
pub fn go_time(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let sub = nanos.rem_euclid(1_000_000_000) as u64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if sub != 0 {
        let digits = format!("{sub:09}");
        let _ = write!(out, ".{}", digits.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (Howard Hinnant's
/// algorithm), for printing profile times as Go does, in UTC.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings are what Go's time.Duration.String() prints for the same values.
    #[test]
    fn durations_print_as_go_prints_them() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(999), "999ns");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(602_130_000), "602.13ms");
        assert_eq!(go_duration(20_010_000_000), "20.01s");
        assert_eq!(go_duration(120_000_000_000), "2m0s");
        assert_eq!(go_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(go_duration(-1_000_000), "-1ms");
    }

    #[test]
    fn times_print_in_utc_as_go_prints_them() {
        // 1_700_000_000 s is 2023-11-14 22:13:20 UTC.
        assert_eq!(
            go_time(1_700_000_000_000_000_000),
            "2023-11-14 22:13:20 +0000 UTC"
        );
        assert_eq!(
            go_time(1_700_000_000_120_000_000),
            "2023-11-14 22:13:20.12 +0000 UTC"
        );
        assert_eq!(go_time(0), "1970-01-01 00:00:00 +0000 UTC");
    }
}
