//! The legacy binary CPU profile of gperftools and old Go (pprof's `parseCPU`).
//!
//! A sequence of machine words, 32 or 64 bits, either byte order (the header tells which):
//! a header `0, 3, 0, period in µs, 0`, then records `count, depth, pc...`, then the end
//! marker `0, 1, 0`, then the text of a memory map.
//!
//! Java profiles (third header word 1) are not read: they come from a Java agent, and pprof's
//! Java parser is not ported.

use std::collections::HashMap;

use super::scan::Scanner;
use super::{Failure, Parsed, Stacks, maps};
use crate::model::*;

/// A word reader: the value and the rest, or `None` when the bytes run out.
type Word = fn(&[u8]) -> Option<(u64, &[u8])>;

/// Word readers in the order pprof tries them (`cpuInts`).
const WORDS: [Word; 4] = [
    |b| word::<4>(b, false),
    |b| word::<4>(b, true),
    |b| word::<8>(b, false),
    |b| word::<8>(b, true),
];

fn word<const N: usize>(b: &[u8], big_endian: bool) -> Option<(u64, &[u8])> {
    let (head, rest) = b.split_first_chunk::<N>()?;
    let mut v: u64 = 0;
    for i in 0..N {
        let byte = if big_endian { head[i] } else { head[N - 1 - i] };
        v = (v << 8) | u64::from(byte);
    }
    Some((v, rest))
}

/// Parses a legacy binary CPU profile.
pub(super) fn parse(data: &[u8]) -> Parsed {
    for word in WORDS {
        let mut b = data;
        let mut header = [0u64; 5];
        let mut complete = true;
        for h in &mut header {
            match word(b) {
                Some((v, rest)) => (*h, b) = (v, rest),
                None => complete = false,
            }
        }
        if complete && header[..2] == [0, 3] && header[3] > 0 && header[4] == 0 {
            match header[2] {
                0 => return cpu_profile(b, header[3] as i64, word),
                _ if header[2] == 1 => return Err(Failure::Unrecognized),
                _ => {}
            }
        }
    }
    Err(Failure::Unrecognized)
}

/// Reads the records after the header (pprof's `cpuProfile`).
fn cpu_profile(b: &[u8], period_us: i64, word: Word) -> Parsed {
    let mut p = Profile {
        period: period_us.wrapping_mul(1000),
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        ..Profile::default()
    };
    let mut stacks = Stacks::default();
    let rest = samples(b, word, &mut p, &mut stacks)?;
    drop_signal_frames(&mut p, &stacks);
    let mappings = maps::parse_proc_maps(&mut Scanner::new(rest), "cpu")?;
    super::finish(&mut p, stacks, mappings);
    super::cleanup_duplicate_locations(&mut p);
    Ok(p)
}

/// Reads records up to the end marker; returns the bytes after it (pprof's
/// `parseCPUSamples`). Every pc but the leaf is moved back by one, onto its call.
fn samples<'a>(
    mut b: &'a [u8],
    word: Word,
    p: &mut Profile,
    stacks: &mut Stacks,
) -> Result<&'a [u8], Failure> {
    // pprof's reader returns 0 and no rest when the bytes run out; the next check sees that.
    let next = |b: &mut Option<&'a [u8]>| -> u64 {
        match b.and_then(word) {
            Some((v, rest)) => {
                *b = Some(rest);
                v
            }
            None => {
                *b = None;
                0
            }
        }
    };
    while !b.is_empty() {
        let mut cur = Some(b);
        let count = next(&mut cur);
        let depth = next(&mut cur);
        // The depth is checked against the bytes left, which bounds what it can allocate.
        if cur.is_none_or(|l| depth > (l.len() / 4) as u64) {
            return Err(Failure::Unrecognized);
        }
        let addrs: Vec<u64> = (0..depth).map(|_| next(&mut cur)).collect();
        b = cur.unwrap_or_default();
        if count == 0 && depth == 1 && addrs[0] == 0 {
            break; // The end marker.
        }
        p.sample.push(Sample {
            location: stacks.stack(&addrs, true),
            value: vec![count as i64, (count as i64).wrapping_mul(p.period)],
            label: Vec::new(),
        });
    }
    Ok(b)
}

/// Removes up to two frames that nearly every sample has second: frames the signal handler
/// pushed, not the program's (pprof's heuristic in `cpuProfile`).
fn drop_signal_frames(p: &mut Profile, stacks: &Stacks) {
    // Allow one sample in 32 to differ.
    let margin = p.sample.len() / 32;
    let address = |id: LocationId| stacks.location[id.0 as usize - 1].address;
    for _ in 0..2 {
        let mut seen: HashMap<u64, usize> = HashMap::new();
        for s in &p.sample {
            if s.location.len() > 1 {
                *seen.entry(address(s.location[1])).or_default() += 1;
            }
        }
        let Some((&common, _)) = seen.iter().find(|&(_, &n)| n >= p.sample.len() - margin) else {
            continue;
        };
        for s in &mut p.sample {
            if s.location.len() > 1 && address(s.location[1]) == common {
                s.location.remove(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[u64]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn a_64_bit_little_endian_profile_reads_with_its_period_and_map() {
        let mut data = words(&[0, 3, 0, 10000, 0, 5, 2, 0x401000, 0x402001]);
        data.extend(words(&[1, 2, 0x401000, 0x403001, 0, 1, 0]));
        data.extend(b"00400000-00500000 r-xp 00000000 08:02 1 /nonexistent/prog\n");
        let p = parse(&data).unwrap();
        assert_eq!(p.period, 10_000_000);
        assert_eq!(p.sample[0].value, [5, 50_000_000]);
        let addrs: Vec<_> = p.location.iter().map(|l| l.address).collect();
        assert_eq!(addrs, [0x401000, 0x402000, 0x403000]);
        assert_eq!(p.mapping[0].filename, "/nonexistent/prog");
    }

    #[test]
    fn a_depth_past_the_end_is_unrecognized() {
        let data = words(&[0, 3, 0, 100, 0, 1, 1000, 1]);
        assert!(matches!(parse(&data), Err(Failure::Unrecognized)));
    }
}
