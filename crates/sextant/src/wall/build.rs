//! Rounds of thread stacks to a [`Profile`]: summed on the sampler thread by (stack,
//! thread, state, labels), symbolized once at stop.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use sextant_profile::{Label, Profile, Sample};
use sextant_symbolize::LoadedModule;

use crate::collect::{push_user_labels, set_header};
use crate::stackwalk::{ProfileBuilder, TRUNCATED, UNWIND_FAILED};
use crate::threads::{NO_RESPONSE_FUNCTION, State, TRUNCATED_STACK_FUNCTION, ThreadStack};

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    /// `None` for a thread that did not answer.
    pcs: Option<Box<[u64]>>,
    truncated: bool,
    tid: i32,
    state: State,
    labels: u64,
}

/// Samples summed as the sampler takes them.
#[derive(Default)]
pub(crate) struct Aggregate {
    counts: HashMap<Key, (u64, u64)>,
    names: HashMap<i32, String>,
    pub(crate) rounds: u64,
    silent: u64,
    failed: u64,
}

impl Aggregate {
    /// Adds thread `t`'s stack, charged `wall` of real time.
    pub(crate) fn add(&mut self, t: &ThreadStack, wall: Duration) {
        let stack = t.stack.as_ref();
        let key = Key {
            pcs: stack.map(|s| s.pcs.clone()),
            truncated: stack.is_some_and(|s| s.flags & TRUNCATED != 0),
            tid: t.tid,
            state: t.state,
            labels: stack.map_or(0, |s| s.labels),
        };
        self.silent += u64::from(stack.is_none());
        self.failed += u64::from(stack.is_some_and(|s| s.flags & UNWIND_FAILED != 0));
        let e = self.counts.entry(key).or_default();
        e.0 += 1;
        e.1 += wall.as_nanos() as u64;
        if self.names.get(&t.tid) != Some(&t.name) {
            self.names.insert(t.tid, t.name.clone());
        }
    }
}

/// What the profile says about the collection besides its samples.
pub(crate) struct Header {
    pub(crate) hz: u32,
    pub(crate) start: SystemTime,
    pub(crate) duration: Duration,
    pub(crate) comments: Vec<String>,
}

/// Builds the profile: `samples/count, wall/nanoseconds`, labels `thread`, `state` and the
/// user's.
pub(crate) fn build(agg: Aggregate, h: Header, modules: &[LoadedModule], dwarf: bool) -> Profile {
    let mut b = ProfileBuilder::new(modules, dwarf);
    let mut keys: Vec<(&Key, &(u64, u64))> = agg.counts.iter().collect();
    // Heaviest first, for a stable and readable order.
    keys.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.tid.cmp(&b.0.tid)));
    for (key, &(count, ns)) in keys {
        let location = match &key.pcs {
            None => vec![b.pseudo(NO_RESPONSE_FUNCTION)],
            Some(pcs) => {
                let mut l: Vec<_> = pcs.iter().map(|&pc| b.location(pc)).collect();
                if key.truncated {
                    l.push(b.pseudo(TRUNCATED_STACK_FUNCTION));
                }
                l
            }
        };
        let name = agg.names.get(&key.tid).map_or("", String::as_str);
        let mut label = vec![
            Label::str("thread", name),
            Label::str("state", key.state.name()),
        ];
        push_user_labels(&mut label, key.labels);
        b.profile.sample.push(Sample {
            location,
            value: vec![count as i64, ns as i64],
            label,
        });
    }
    let mut p = b.profile;
    set_header(&mut p, "wall", h.hz, h.start, h.duration, h.comments);
    p.comments.push(format!("{} sampling rounds", agg.rounds));
    if agg.silent > 0 {
        p.comments.push(format!(
            "{} samples of threads that did not answer the signal (blocked, stopped or in \
             uninterruptible sleep) are charged to {NO_RESPONSE_FUNCTION}",
            agg.silent
        ));
    }
    if agg.failed > 0 {
        p.comments.push(format!(
            "{} samples: the unwinder stopped before a recognised stack root",
            agg.failed
        ));
    }
    p
}
