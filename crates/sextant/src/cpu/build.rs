//! Records to a [`Profile`]: aggregation on the session thread, then symbolization once,
//! at stop, for the addresses the profile holds and nothing else.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use sextant_profile::{Label, LocationId, Profile, Sample};
use sextant_symbolize::LoadedModule;

use crate::collect::{period_ns, push_user_labels, set_header};
use crate::stackwalk::ProfileBuilder;
use crate::threads::thread_name;

use super::buffer::{Record, TRUNCATED, UNWIND_FAILED};

use super::{LOST_SAMPLES_FUNCTION as LOST_FRAME, TRUNCATED_STACK_FUNCTION as TRUNCATED_FRAME};

#[derive(Clone, Hash, PartialEq, Eq)]
struct Key {
    pcs: Box<[u64]>,
    truncated: bool,
    tid: u32,
    labels: u64,
}

/// Samples summed by (stack, thread, labels), as the session thread drains them.
#[derive(Default)]
pub(crate) struct Aggregate {
    counts: HashMap<Key, (u64, u64)>,
    names: HashMap<u32, String>,
    /// Each thread's latest sample: its key and the thread's CPU clock then.
    last: HashMap<u32, (Key, u64)>,
    pub(crate) periods: u64,
    pub(crate) truncated: u64,
    pub(crate) unwind_failed: u64,
}

impl Aggregate {
    /// Adds one record.
    pub(crate) fn add(&mut self, r: &Record) {
        let depth = (r.depth as usize).clamp(1, r.pcs.len());
        let key = Key {
            pcs: r.pcs[..depth].into(),
            truncated: r.flags & TRUNCATED != 0,
            tid: r.tid,
            labels: r.labels,
        };
        let w = u64::from(r.weight);
        match self.last.get_mut(&r.tid) {
            Some(l) if l.1 >= r.cpu_at => {}
            Some(l) => *l = (key.clone(), r.cpu_at),
            None => {
                self.last.insert(r.tid, (key.clone(), r.cpu_at));
            }
        }
        let e = self.counts.entry(key).or_default();
        e.0 += w;
        e.1 += r.cpu_ns;
        self.periods += w;
        self.truncated += u64::from(r.flags & TRUNCATED != 0) * w;
        self.unwind_failed += u64::from(r.flags & UNWIND_FAILED != 0) * w;
        // Read the name while the thread most likely still runs.
        self.names
            .entry(r.tid)
            .or_insert_with(|| thread_name(r.tid).unwrap_or_else(|| r.tid.to_string()));
    }
}

impl Aggregate {
    /// Names thread `tid` (read while it runs; a short thread may be gone by the drain).
    pub(crate) fn name(&mut self, tid: u32, name: String) {
        self.names.insert(tid, name);
    }

    /// Adds the CPU time thread `tid` used after its latest sample, up to `clock` (its CPU
    /// clock read by the session thread), to that sample's stack.
    ///
    /// The kernel checks CPU timers on the scheduler tick, so the time between a thread's
    /// last checked expiry and its exit (or the profile's end) never gets a signal; on a
    /// loaded machine that was up to 8% of a short thread's CPU time. Its latest stack is
    /// the best estimate of where that time went.
    pub(crate) fn add_tail(&mut self, tid: u32, clock: u64, period_ns: u64) {
        let Some((key, at)) = self.last.remove(&tid) else {
            return;
        };
        if clock <= at {
            return;
        }
        let tail = clock - at;
        let e = self.counts.entry(key).or_default();
        let periods = (tail + period_ns / 2) / period_ns.max(1);
        e.0 += periods;
        e.1 += tail;
        self.periods += periods;
    }
}

/// What the profile says about the collection besides its samples.
pub(crate) struct Header {
    pub(crate) hz: u32,
    pub(crate) start: SystemTime,
    pub(crate) duration: Duration,
    pub(crate) lost: u64,
    pub(crate) comments: Vec<String>,
}

/// Builds the profile: mappings of this process, one location per address, functions,
/// lines and inline frames from the symbolizer, `thread` and user labels.
pub(crate) fn build(agg: Aggregate, h: Header, modules: &[LoadedModule], dwarf: bool) -> Profile {
    let period = period_ns(h.hz);
    let mut b = ProfileBuilder::new(modules, dwarf);
    for (key, &(count, cpu_ns)) in &agg.counts {
        let mut location: Vec<LocationId> = key.pcs.iter().map(|&pc| b.location(pc)).collect();
        if key.truncated {
            location.push(b.pseudo(TRUNCATED_FRAME));
        }
        let mut label = vec![Label::str("thread", &agg.names[&key.tid])];
        push_user_labels(&mut label, key.labels);
        b.profile.sample.push(Sample {
            location,
            value: vec![count as i64, cpu_ns as i64],
            label,
        });
    }
    if h.lost > 0 {
        let location = vec![b.pseudo(LOST_FRAME)];
        let n = h.lost as i64;
        b.profile.sample.push(Sample {
            location,
            value: vec![n, n * period],
            label: Vec::new(),
        });
    }
    let mut p = b.profile;
    set_header(&mut p, "cpu", h.hz, h.start, h.duration, h.comments);
    if agg.truncated > 0 {
        p.comments.push(format!(
            "{} samples had stacks deeper than {} frames; their roots are cut and marked {TRUNCATED_FRAME}",
            agg.truncated,
            super::buffer::MAX_DEPTH
        ));
    }
    if agg.unwind_failed > 0 {
        p.comments.push(format!(
            "{} of {} samples: the unwinder stopped before a recognised stack root",
            agg.unwind_failed, agg.periods
        ));
    }
    if h.lost > 0 {
        p.comments.push(format!(
            "{} samples lost: the sample buffer was full; they are counted under {LOST_FRAME}",
            h.lost
        ));
    }
    p
}
