//! Contention profiles: Go's block and mutex at `debug=1`, and C++ contentionz
//! (pprof's `parseContention`).
//!
//! ```text
//! --- mutex:
//! cycles/second=2600006239
//! sampling period=1
//! 3174764005 399 @ 0x6a48f8 0x6a48dc 0x46b841
//! ```
//!
//! `attribute=value` lines set the clock rate and the sampling period; each record is
//! `<cycles> <count> @ pcs`. With a period, delays are turned from cycles into nanoseconds and
//! both values are multiplied by the period, as pprof does.

use std::sync::LazyLock;

use regex::Regex;

use super::scan::Scanner;
use super::{Failure, Parsed, Stacks, bad_line, check_scan, is_space_or_comment, maps, trim_space};
use crate::model::*;

/// pprof's `contentionSampleRE`, with Go's ASCII `\d` spelled out.
static SAMPLE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9]+) *([0-9]+) @([ x0-9a-f]*)").expect("the regexp compiles")
});

const KIND: &str = "contention";

/// Parses a block, mutex or contentionz profile.
pub(super) fn parse(data: &[u8]) -> Parsed {
    let mut s = Scanner::new(data);
    if !s.scan() {
        check_scan(KIND, &s)?;
        return Err(Failure::Unrecognized);
    }
    let first = s.text();
    if !["--- contentionz ", "--- mutex:", "--- contention:"]
        .iter()
        .any(|h| first.starts_with(h))
    {
        return Err(Failure::Unrecognized);
    }
    let mut p = Profile {
        period_type: Some(ValueType::new("contentions", "count")),
        period: 1,
        sample_type: vec![
            ValueType::new("contentions", "count"),
            ValueType::new("delay", "nanoseconds"),
        ],
        ..Profile::default()
    };
    let cpu_hz = attributes(&mut s, &mut p)?;
    let mut stacks = Stacks::default();
    loop {
        let line = trim_space(s.text());
        if line.starts_with("---") {
            break;
        }
        if !is_space_or_comment(line) {
            let (n, offset) = s.at();
            let (value, addrs) = sample(line, p.period, cpu_hz).map_err(|what| {
                what.map_or(Failure::Unrecognized, |w| bad_line(KIND, offset, n, w))
            })?;
            p.sample.push(Sample {
                location: stacks.stack(&addrs, false),
                value,
                label: Vec::new(),
            });
        }
        if !s.scan() {
            break;
        }
    }
    check_scan(KIND, &s)?;
    let mappings = maps::parse_additional_sections(&mut s, KIND)?;
    super::finish(&mut p, stacks, mappings);
    Ok(p)
}

/// Reads the `attribute=value` lines before the records; returns the clock rate (0 if none).
/// Leaves the scanner on the first line that is no attribute.
fn attributes(s: &mut Scanner<'_>, p: &mut Profile) -> Result<i64, Failure> {
    let mut cpu_hz = 0;
    while s.scan() {
        let line = trim_space(s.text());
        if is_space_or_comment(line) {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        let Some((key, val)) = line.split_once('=') else {
            break;
        };
        let int = |v: &str| super::parse_go_int(trim_space(v)).ok_or(Failure::Unrecognized);
        match trim_space(key) {
            "cycles/second" => cpu_hz = int(val)?,
            "sampling period" => p.period = int(val)?,
            "ms since reset" => p.duration_nanos = int(val)?.wrapping_mul(1_000_000),
            "discarded samples" => {}
            // C++ contentionz profiles carry `format` and `resolution`, which pprof reads
            // elsewhere; any other attribute is unknown too.
            _ => return Err(Failure::Unrecognized),
        }
    }
    check_scan(KIND, s)?;
    Ok(cpu_hz)
}

/// One record as `[count, delay]` and its addresses (pprof's `parseContentionSample`).
/// `Err(None)` for a line that is no record, which pprof treats as an unrecognized profile.
fn sample(line: &str, period: i64, cpu_hz: i64) -> Result<(Vec<i64>, Vec<u64>), Option<String>> {
    let c = SAMPLE_RE.captures(line).ok_or(None)?;
    let int = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| Some(format!("value {s} overflows 64 bits")))
    };
    let (mut cycles, mut count) = (int(&c[1])?, int(&c[2])?);
    // Unsample: delays go from cycles to nanoseconds, both values times the period.
    if period > 0 {
        if cpu_hz > 0 {
            let cpu_ghz = cpu_hz as f64 / 1e9;
            cycles = super::heap::go_int(cycles as f64 * period as f64 / cpu_ghz);
        }
        count = count.wrapping_mul(period);
    }
    let addrs = super::parse_hex_addresses(&c[3]).map_err(Some)?;
    Ok((vec![count, cycles], addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutex_records_are_scaled_by_the_period_and_the_clock() {
        let text = "--- mutex:\ncycles/second=2000000000\nsampling period=5\n\
                    4000 3 @ 0x10 0x20\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.period, 5);
        assert_eq!(p.sample[0].value, [15, 10000]);
        assert_eq!(p.location[0].address, 0xf);
    }

    #[test]
    fn an_unknown_attribute_is_unrecognized() {
        let text = b"--- contention:\nformat=x\n1 1 @ 0x10\n";
        assert!(matches!(parse(text), Err(Failure::Unrecognized)));
    }

    #[test]
    fn ms_since_reset_sets_the_duration() {
        let text = b"--- contention:\ncycles/second=1000000000\nms since reset=7\n";
        let p = parse(text).unwrap();
        assert_eq!((p.duration_nanos, p.sample.len()), (7_000_000, 0));
    }
}
