//! Count profiles: goroutine and threadcreate at `debug=1` (pprof's `parseGoCount`).
//!
//! ```text
//! goroutine profile: total 11
//! 3 @ 0x43b336 0x407e9b 0x46b341
//! #    0x43b335    runtime.gopark+0xd5    runtime/proc.go:363
//! ```
//!
//! The header names the sample type (`goroutine/count`), each `N @ pcs` line is a sample.
//! The `#` lines (symbols, labels) are skipped, as pprof skips them: the profile keeps bare
//! addresses, each but none moved back by one onto its call instruction.

use std::sync::LazyLock;

use regex::Regex;

use super::scan::Scanner;
use super::{Parsed, Stacks, bad_line, check_scan, is_space_or_comment, maps};
use crate::model::*;

/// pprof's `countStartRE`, with Go's `\S` spelled out.
static START_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\A([^\t\n\f\r ]+) profile: total [0-9]+\z").expect("the regexp compiles")
});

/// pprof's `countRE`.
static COUNT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\A([0-9]+) @(( 0x[0-9a-f]+)+)\z").expect("the regexp compiles"));

const KIND: &str = "count";

/// Parses a goroutine or threadcreate `debug=1` profile.
pub(super) fn parse(data: &[u8]) -> Parsed {
    let mut s = Scanner::new(data);
    // Comments may come before the header.
    while s.scan() && is_space_or_comment(s.text()) {}
    check_scan(KIND, &s)?;
    let Some(header) = START_RE.captures(s.text()) else {
        return Err(super::Failure::Unrecognized);
    };
    let kind = header[1].to_string();
    let mut p = Profile {
        period_type: Some(ValueType::new(kind.clone(), "count")),
        period: 1,
        sample_type: vec![ValueType::new(kind, "count")],
        ..Profile::default()
    };
    let mut stacks = Stacks::default();
    while s.scan() {
        let line = s.text();
        if is_space_or_comment(line) {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        let (n, offset) = s.at();
        let bad = |what: &str| bad_line(KIND, offset, n, what);
        let Some(m) = COUNT_RE.captures(line) else {
            return Err(bad("want a sample line: \"<count> @ 0x<pc> ...\""));
        };
        let count =
            super::parse_go_int(&m[1]).ok_or_else(|| bad("bad count (Go reads it with base 0)"))?;
        let mut addrs = Vec::new();
        for pc in m[2].split_whitespace() {
            let pc =
                u64::from_str_radix(&pc[2..], 16).map_err(|_| bad("address overflows 64 bits"))?;
            addrs.push(pc);
        }
        p.sample.push(Sample {
            location: stacks.stack(&addrs, false),
            value: vec![count],
            label: Vec::new(),
        });
    }
    check_scan(KIND, &s)?;
    let mappings = maps::parse_additional_sections(&mut s, KIND)?;
    super::finish(&mut p, stacks, mappings);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::Failure;

    #[test]
    fn samples_keep_counts_and_share_locations() {
        let text = "# c\nthreadcreate profile: total 3\n2 @ 0x11 0x22\n# x\n\n1 @ 0x22\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.sample_type, [ValueType::new("threadcreate", "count")]);
        let values: Vec<_> = p.sample.iter().map(|s| s.value[0]).collect();
        assert_eq!(values, [2, 1]);
        assert_eq!(p.sample[1].location, [LocationId(2)]);
        let addrs: Vec<_> = p.location.iter().map(|l| l.address).collect();
        assert_eq!(addrs, [0x10, 0x21]);
        assert_eq!(p.mapping.len(), 1);
        assert_eq!(p.mapping[0].memory_limit, u64::MAX);
    }

    #[test]
    fn a_bad_sample_line_is_named() {
        let err = parse(b"goroutine profile: total 1\n1 @ zz\n").unwrap_err();
        let Failure::Bad(e) = err else {
            panic!("expected an error, got {err:?}")
        };
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn other_text_is_unrecognized() {
        assert!(matches!(
            parse(b"heap profile: 1: 2 [3: 4] @ heap/2\n"),
            Err(Failure::Unrecognized)
        ));
    }
}
