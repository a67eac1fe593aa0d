//! The recorded events, summed by stack, and the block and mutex profiles built from them.
//!
//! Go keeps one bucket per stack holding a count (a float, since bias removal adds
//! fractions) and a sum of cycles, and never forgets a bucket; so do we. Delays are kept in
//! nanoseconds, so the text format's cycles are nanoseconds and `cycles/second` is 1e9.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use sextant_profile::{LocationId, Profile, Sample, ValueType};
use sextant_symbolize::loaded_modules;

use super::Which;
use super::walk::Stack;
use crate::cpu::TRUNCATED_STACK_FUNCTION;
use crate::error::Result;
use crate::stackwalk::{MAX_DEPTH, ProfileBuilder};

/// The clock rate the text format states: delays are nanoseconds.
const CYCLES_PER_SECOND: i64 = 1_000_000_000;

#[derive(Default, Clone, Copy)]
struct Bucket {
    count: f64,
    cycles: i64,
}

/// The buckets of one profile.
pub(crate) struct Store {
    buckets: LazyLock<Mutex<HashMap<Stack, Bucket>>>,
}

/// The block profile's buckets.
pub(crate) static BLOCK: Store = Store::new();
/// The mutex profile's buckets.
pub(crate) static MUTEX: Store = Store::new();

impl Store {
    const fn new() -> Store {
        Store {
            buckets: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Stack, Bucket>) -> R) -> R {
        f(&mut self.buckets.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Go's `saveblockevent` for the block profile: an event shorter than the rate was kept
    /// with probability `cycles / rate`, so it stands for `rate / cycles` events and `rate`
    /// cycles (bias removal, Go CL 299991).
    pub(crate) fn add_block(&self, stack: Stack, cycles: u64, rate: u64) {
        let (count, cycles) = if cycles < rate {
            (rate as f64 / cycles as f64, rate)
        } else {
            (1.0, cycles)
        };
        self.add(stack, count, cycles);
    }

    /// Go's `saveblockevent` for the mutex profile: raw values; the writer scales them by
    /// the fraction.
    pub(crate) fn add_mutex(&self, stack: Stack, count: u64, delay: u64) {
        self.add(stack, count as f64, delay);
    }

    fn add(&self, stack: Stack, count: f64, cycles: u64) {
        let cycles = i64::try_from(cycles).unwrap_or(i64::MAX);
        self.with(|b| {
            let e = b.entry(stack).or_default();
            e.count += count;
            e.cycles = e.cycles.saturating_add(cycles);
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.with(|b| b.len())
    }

    /// The records as Go's `runtime.BlockProfile` gives them (count at least 1), sorted by
    /// cycles, largest first, as `writeProfileInternal` sorts them; ties by stack, so the
    /// order is deterministic.
    fn records(&self) -> Vec<Record> {
        let mut r: Vec<Record> = self.with(|b| {
            b.iter()
                .map(|(s, v)| Record {
                    stack: s.clone(),
                    count: (v.count as i64).max(1),
                    cycles: v.cycles,
                })
                .collect()
        });
        r.sort_by(|a, b| {
            b.cycles
                .cmp(&a.cycles)
                .then_with(|| a.stack.pcs.cmp(&b.stack.pcs))
        });
        r
    }
}

struct Record {
    stack: Stack,
    count: i64,
    cycles: i64,
}

fn store(which: Which) -> &'static Store {
    match which {
        Which::Block => &BLOCK,
        Which::Mutex => &MUTEX,
    }
}

/// Records of `which` now (Go's `Profile.Count`).
pub(crate) fn count(which: Which) -> usize {
    store(which).len()
}

/// The factor Go's writer multiplies values by: the mutex fraction now for the mutex profile
/// (`scaleMutexProfile`, Go 1.19), none for the block profile (`scaleBlockProfile`).
///
/// With the fraction back at 0, Go 1.19 multiplies by 0 and writes a profile of zeros; we
/// write the raw values instead, which is also what pprof's legacy parser makes of the text
/// profile's `sampling period=0`.
fn scale(which: Which) -> i64 {
    match (which, super::event::mutex_fraction()) {
        (Which::Block, _) | (Which::Mutex, 0) => 1,
        (Which::Mutex, n) => i64::try_from(n).unwrap_or(i64::MAX),
    }
}

/// The locations of `stack`, with a truncation mark at its root.
fn locations(b: &mut ProfileBuilder<'_>, stack: &Stack) -> Vec<LocationId> {
    let mut loc: Vec<LocationId> = stack.pcs.iter().map(|&pc| b.location(pc)).collect();
    if stack.truncated {
        loc.push(b.pseudo(TRUNCATED_STACK_FUNCTION));
    }
    loc
}

/// The profile Go's `printCountCycleProfile` writes: `contentions/count, delay/nanoseconds`,
/// period type `contentions/count` and period 1 (what Go 1.19 writes for both).
pub(crate) fn build(which: Which) -> Result<Profile> {
    let records = store(which).records();
    let modules = loaded_modules()?;
    let mut b = ProfileBuilder::new(&modules, true);
    let k = scale(which);
    let (mut truncated, mut failed) = (0, 0);
    for r in &records {
        let location = locations(&mut b, &r.stack);
        truncated += usize::from(r.stack.truncated);
        failed += usize::from(r.stack.failed);
        b.profile.sample.push(Sample {
            location,
            value: vec![r.count.saturating_mul(k), r.cycles.saturating_mul(k)],
            label: Vec::new(),
        });
    }
    let mut p = b.profile;
    p.sample_type = vec![
        ValueType::new("contentions", "count"),
        ValueType::new("delay", "nanoseconds"),
    ];
    p.period_type = Some(ValueType::new("contentions", "count"));
    p.period = 1;
    p.time_nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    if truncated > 0 {
        p.comments.push(format!(
            "{truncated} stacks were deeper than {MAX_DEPTH} frames; their roots are cut and \
             marked {TRUNCATED_STACK_FUNCTION}"
        ));
    }
    if failed > 0 {
        p.comments.push(format!(
            "{failed} stacks: the unwinder stopped before a recognised stack root"
        ));
    }
    Ok(p)
}

/// Go's `debug=1` text (`writeProfileInternal`): a `--- contention:` or `--- mutex:` header,
/// `cycles/second=`, for the mutex profile `sampling period=`, then per record `cycles
/// count @ return addresses` and one `#` line per frame. Values are raw, not scaled; readers
/// scale them by the sampling period, as pprof's legacy parser does.
///
/// Go prints `function+offset`; the symbolizer gives no function entries, so the offset is
/// left out (readers of this format ignore `#` lines).
pub(crate) fn write_text(w: &mut dyn Write, which: Which) -> Result<()> {
    let records = store(which).records();
    let modules = loaded_modules()?;
    let mut b = ProfileBuilder::new(&modules, true);
    let mut out = String::new();
    match which {
        Which::Block => out.push_str("--- contention:\n"),
        Which::Mutex => out.push_str("--- mutex:\n"),
    }
    out.push_str(&format!("cycles/second={CYCLES_PER_SECOND}\n"));
    if which == Which::Mutex {
        out.push_str(&format!(
            "sampling period={}\n",
            super::event::mutex_fraction()
        ));
    }
    for r in &records {
        out.push_str(&format!("{} {} @", r.cycles, r.count));
        for pc in r.stack.pcs.iter() {
            // Go prints return addresses here; ours are moved back into the call.
            out.push_str(&format!(" {:#x}", pc + 1));
        }
        out.push('\n');
        super::text::frames(&mut out, &mut b, &r.stack.pcs);
        out.push('\n');
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(pc: u64) -> Stack {
        Stack {
            pcs: Box::new([pc]),
            truncated: false,
            failed: false,
        }
    }

    #[test]
    fn a_short_block_event_stands_for_rate_over_its_length_events() {
        // Go's saveblockevent: 250 cycles at rate 1000 adds 4 events and 1000 cycles; 3000
        // cycles adds 1 event and 3000 cycles.
        let s = Store::new();
        s.add_block(stack(0x10), 250, 1000);
        s.add_block(stack(0x10), 3000, 1000);
        s.add_block(stack(0x20), 400, 1000);
        let r = s.records();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].count, r[0].cycles), (5, 4000));
        // 1000 / 400 = 2.5 events, which Go's BlockProfile truncates to 2.
        assert_eq!((r[1].count, r[1].cycles), (2, 1000));
    }

    #[test]
    fn a_bucket_never_reports_zero_contentions() {
        // Go's BlockProfile: `if r.Count == 0 { r.Count = 1 }`.
        let s = Store::new();
        s.add_mutex(stack(0x10), 0, 500);
        assert_eq!(s.records()[0].count, 1);
    }
}
