//! Heap profiles: Go's heap and allocs at `debug=1`, and the older heapz, growthz and
//! fragmentationz texts (pprof's `parseHeap`).
//!
//! ```text
//! heap profile: 2863: 3341584 [11010: 36612240] @ heap/4096
//! 348: 1425408 [694: 2842624] @ 0x6a96ed 0x6a95c5 0x46b341
//! ```
//!
//! The header gives totals (ignored but for telling whether allocations are present) and the
//! sampling: Go's `@ heap/N` means a mean of one sample per N/2 bytes (the `2*` is a historical
//! quirk of the C++ heap profiler), and each record's sampled counts are unsampled with
//! `1/(1-exp(-avg/rate))` (`scaleHeapSample`), as for `heap_v2` and `heapz_v2`.
//! `heapprofile`, growthz and fragmentationz profiles are not sampled.

use std::sync::LazyLock;

use regex::Regex;

use super::scan::Scanner;
use super::{Failure, Parsed, Stacks, bad_line, check_scan, is_space_or_comment, maps};
use crate::model::*;

/// pprof's `heapHeaderRE`, `heapSampleRE`, `growthHeaderRE` and `fragmentationHeaderRE`,
/// with Go's ASCII `\d` spelled out.
static RES: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    let totals = r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\]";
    [
        format!(r"{totals} *@ *(heap[_a-z0-9]*)/?([0-9]*)"),
        r"(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *] @([ x0-9a-f]*)".to_string(),
        format!(r"{totals} @ growthz?"),
        format!(r"{totals} @ fragmentationz?"),
    ]
    .map(|re| Regex::new(&re).expect("the heap regexps compile"))
});

const KIND: &str = "heap";

/// How a profile's records were sampled.
#[derive(Clone, Copy)]
struct Sampling {
    /// Records need unsampling (`heap_v2`, Go's `heap`).
    v2: bool,
    /// The mean bytes between samples.
    rate: i64,
    /// Records carry allocation columns as well as in-use ones.
    has_alloc: bool,
}

/// Parses a heap profile.
pub(super) fn parse(data: &[u8]) -> Parsed {
    let mut s = Scanner::new(data);
    if !s.scan() {
        check_scan(KIND, &s)?;
        return Err(Failure::Unrecognized);
    }
    let [header_re, sample_re, growth_re, fragmentation_re] = &*RES;
    let line = s.text();
    let sampling = if let Some(h) = header_re.captures(line) {
        header(&h)?
    } else if growth_re.is_match(line) || fragmentation_re.is_match(line) {
        Sampling {
            v2: false,
            rate: 1,
            has_alloc: false,
        }
    } else {
        return Err(Failure::Unrecognized);
    };
    let types: &[(&str, &str)] = if sampling.has_alloc {
        // Allocations first, so that pprof's default (the last type) is inuse_space.
        &[
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ]
    } else {
        &[("objects", "count"), ("space", "bytes")]
    };
    let mut p = Profile {
        period_type: Some(ValueType::new("space", "bytes")),
        period: sampling.rate,
        sample_type: types.iter().map(|(k, u)| ValueType::new(*k, *u)).collect(),
        ..Profile::default()
    };
    let mut stacks = Stacks::default();
    while s.scan() {
        let line = super::trim_space(s.text());
        if is_space_or_comment(line) {
            continue;
        }
        if super::is_memory_map_sentinel(line) {
            break;
        }
        let (n, offset) = s.at();
        let (value, block_size, addrs) =
            sample(sample_re, line, sampling).map_err(|what| bad_line(KIND, offset, n, what))?;
        p.sample.push(Sample {
            location: stacks.stack(&addrs, false),
            value,
            // A zero block size with no unit cannot be written to profile.proto: go tool pprof
            // loses it in the copy it makes of every profile (encode, decode), and so do we.
            label: if block_size != 0 {
                vec![Label::num("bytes", block_size, "")]
            } else {
                Vec::new()
            },
        });
    }
    check_scan(KIND, &s)?;
    let mappings = maps::parse_additional_sections(&mut s, KIND)?;
    super::finish(&mut p, stacks, mappings);
    Ok(p)
}

/// Reads a `heap profile:` header (pprof's `parseHeapHeader`).
fn header(h: &regex::Captures<'_>) -> Result<Sampling, Failure> {
    let mut rate = 0;
    if !h[6].is_empty() {
        rate = h[6].parse::<i64>().map_err(|_| Failure::Unrecognized)?;
    }
    let has_alloc = (h[3] != h[1] && &h[3] != "0") || (h[4] != h[2] && &h[4] != "0");
    let (v2, rate) = match &h[5] {
        "heapz_v2" | "heap_v2" => (true, rate),
        "heapprofile" => (false, 1),
        // Go writes twice its MemProfileRate.
        "heap" => (true, rate / 2),
        _ => return Err(Failure::Unrecognized),
    };
    Ok(Sampling {
        v2,
        rate,
        has_alloc,
    })
}

/// One record: its values, its block size and its addresses (pprof's `parseHeapSample`).
fn sample(re: &Regex, line: &str, sampling: Sampling) -> Result<(Vec<i64>, i64, Vec<u64>), String> {
    let Some(c) = re.captures(line) else {
        return Err("want a record: \"<inuse>: <bytes> [<allocs>: <bytes>] @ 0x<pc> ...\"".into());
    };
    let mut value = Vec::with_capacity(4);
    let mut block_size = 0;
    let mut add = |count: &str, size: &str, label: &str| -> Result<(), String> {
        let int = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| format!("{label} value {s} overflows 64 bits"))
        };
        let (mut count, mut size) = (int(count)?, int(size)?);
        if count == 0 && size != 0 {
            return Err(format!("{label} count was 0 but {label} bytes was {size}"));
        }
        if count != 0 {
            block_size = size.wrapping_div(count);
            if sampling.v2 {
                (count, size) = scale_heap_sample(count, size, sampling.rate);
            }
        }
        value.extend([count, size]);
        Ok(())
    };
    if sampling.has_alloc {
        add(&c[3], &c[4], "allocation")?;
    }
    add(&c[1], &c[2], "inuse")?;
    let addrs = super::parse_hex_addresses(&c[5])?;
    Ok((value, block_size, addrs))
}

/// Unsamples a record taken with probability `1-exp(-size/rate)` (pprof's `scaleHeapSample`).
fn scale_heap_sample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        // Every allocation was recorded (1), or the rate is unknown (below 1).
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    (go_int(count as f64 * scale), go_int(size as f64 * scale))
}

/// Go's float64-to-int64 conversion on amd64: out of range (and NaN) gives the minimum.
pub(super) fn go_int(x: f64) -> i64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() || !(-TWO_63..TWO_63).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_heap_profiles_are_unsampled_at_half_the_header_rate() {
        let text = "heap profile: 1: 100 [2: 200] @ heap/1024\n1: 100 [2: 200] @ 0x10 0x20\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.period, 512);
        assert_eq!(p.sample_type.len(), 4);
        let (c, s) = scale_heap_sample(2, 200, 512);
        assert_eq!(&p.sample[0].value[..2], &[c, s]);
        assert!(c > 2 && s > 200);
        assert_eq!(p.sample[0].label, [Label::num("bytes", 100, "")]);
    }

    #[test]
    fn equal_totals_mean_no_allocation_columns() {
        let p = parse(b"heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 [1: 8] @ 0x10\n").unwrap();
        assert_eq!(p.sample_type[0], ValueType::new("objects", "count"));
        assert_eq!((p.period, &p.sample[0].value[..]), (1, &[1, 8][..]));
    }

    #[test]
    fn a_zero_count_with_bytes_is_an_error_naming_the_line() {
        let text = "heap profile: 1: 8 [1: 8] @ heap_v2/2\n\n0: 8 [0: 0] @ 0x10\n";
        let Err(Failure::Bad(e)) = parse(text.as_bytes()) else {
            panic!("expected an error")
        };
        assert!(e.to_string().contains("line 3"), "{e}");
        assert!(e.to_string().contains("inuse count was 0"), "{e}");
    }

    #[test]
    fn an_unknown_sampling_kind_is_unrecognized() {
        let text = b"heap profile: 1: 8 [1: 8] @ heapz/2\n";
        assert!(matches!(parse(text), Err(Failure::Unrecognized)));
    }
}
