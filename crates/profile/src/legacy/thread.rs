//! Threadz profiles: C++ thread stacks (pprof's `parseThread`).
//!
//! ```text
//! --- threadz 1 ---
//! --- Thread 7f12 (name: main/1234) stack: ---
//!   PC: 0x40123a 0x401b2c
//! --- Thread 7f13 (name: worker/1235) stack: ---
//!   same as previous thread
//! --- Memory map: ---
//! ```
//!
//! Each thread is a sample of one; "same as previous thread" adds one to the last sample.
//! As for pprof, the stacks must end at a memory map or a `---- no stack trace for` line.

use std::sync::LazyLock;

use regex::Regex;

use super::scan::Scanner;
use super::{Failure, Parsed, Stacks, bad_line, check_scan, is_memory_map_sentinel, maps};
use crate::model::*;

/// pprof's `threadzStartRE` and `threadStartRE`.
static RES: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    [
        r"--- threadz [0-9]+ ---",
        r"--- Thread ([[:xdigit:]]+) \(name: (.*)/([0-9]+)\) stack: ---",
    ]
    .map(|re| Regex::new(re).expect("the threadz regexps compile"))
});

const KIND: &str = "threadz";

/// Parses a threadz profile.
pub(super) fn parse(data: &[u8]) -> Parsed {
    let [threadz_re, thread_re] = &*RES;
    let mut s = Scanner::new(data);
    while s.scan() && super::is_space_or_comment(s.text()) {}
    let mut line = s.text().to_string();
    if threadz_re.is_match(&line) {
        // Skip to the first stack.
        while s.scan() {
            line = s.text().to_string();
            if is_memory_map_sentinel(&line) || line.starts_with('-') {
                break;
            }
        }
    } else if !thread_re.is_match(&line) {
        return Err(Failure::Unrecognized);
    }
    let mut p = Profile {
        sample_type: vec![ValueType::new("thread", "count")],
        period_type: Some(ValueType::new("thread", "count")),
        period: 1,
        ..Profile::default()
    };
    let mut stacks = Stacks::default();
    while !is_memory_map_sentinel(&line) {
        if line.starts_with("---- no stack trace for") {
            break;
        }
        if !thread_re.is_match(&line) {
            return Err(Failure::Unrecognized);
        }
        let addrs;
        (line, addrs) = thread_sample(&mut s)?;
        match addrs {
            Some(addrs) if !addrs.is_empty() => p.sample.push(Sample {
                location: stacks.stack(&addrs, true),
                value: vec![1],
                label: Vec::new(),
            }),
            // "Same as previous thread" (or no addresses at all): one more of the last.
            _ => {
                if let Some(last) = p.sample.last_mut() {
                    last.value[0] = last.value[0].wrapping_add(1);
                }
            }
        }
    }
    let mappings = maps::parse_additional_sections(&mut s, KIND)?;
    super::finish(&mut p, stacks, mappings);
    super::cleanup_duplicate_locations(&mut p);
    Ok(p)
}

/// Reads one thread's stack up to the next `---` line, which it returns; `None` for a thread
/// "same as previous" (pprof's `parseThreadSample`).
fn thread_sample(s: &mut Scanner<'_>) -> Result<(String, Option<Vec<u64>>), Failure> {
    let mut line = String::new();
    let mut same_as_previous = false;
    let mut addrs = Vec::new();
    while s.scan() {
        line = super::trim_space(s.text()).to_string();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        if line.contains("same as previous thread") {
            same_as_previous = true;
            continue;
        }
        let (n, offset) = s.at();
        let found = super::parse_hex_addresses(&line).map_err(|w| bad_line(KIND, offset, n, w))?;
        addrs.extend(found);
    }
    check_scan(KIND, s)?;
    Ok((line, (!same_as_previous).then_some(addrs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_become_samples_and_repeats_add_up() {
        let text = "--- threadz 1 ---\n\
                    --- Thread 1 (name: main/1) stack: ---\n  PC: 0x1000 0x2001\n\
                    --- Thread 2 (name: w/2) stack: ---\n  same as previous thread\n\
                    --- Memory map: ---\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.sample.len(), 1);
        assert_eq!(p.sample[0].value, [2]);
        let addrs: Vec<_> = p.location.iter().map(|l| l.address).collect();
        assert_eq!(addrs, [0x1000, 0x2000]);
    }

    #[test]
    fn stacks_that_run_to_the_end_are_unrecognized_as_for_pprof() {
        let text = b"--- Thread 1 (name: main/1) stack: ---\n  PC: 0x1000\n";
        assert!(matches!(parse(text), Err(Failure::Unrecognized)));
    }
}
