//! The `threads` profile (Go's `goroutine`) from a snapshot: profile.proto, Go's aggregated
//! text (`debug=1`) and the per-thread dump (`debug=2`).

use std::collections::HashMap;
use std::io::Write;
use std::time::SystemTime;

use sextant_profile::{Label, LocationId, Profile, Sample, ValueType};
use sextant_symbolize::{LoadedModule, loaded_modules};

use crate::error::Result;
use crate::stackwalk::{ProfileBuilder, TRUNCATED, UNWIND_FAILED};

use super::proc::State;
use super::snapshot::{self, ThreadStack};
use super::text::{self, DumpedThread, Frames};
use super::{NO_RESPONSE_FUNCTION, TRUNCATED_STACK_FUNCTION};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    /// `None` for a thread that did not answer.
    pcs: Option<Box<[u64]>>,
    truncated: bool,
    state: State,
    labels: u64,
}

/// The location ids of a stack (or of the no-response pseudo frame), leaf first, with the
/// truncation marker at the root.
pub(crate) fn locations(
    b: &mut ProfileBuilder<'_>,
    pcs: Option<&[u64]>,
    flags: u32,
) -> Vec<LocationId> {
    let Some(pcs) = pcs else {
        return vec![b.pseudo(NO_RESPONSE_FUNCTION)];
    };
    let mut location: Vec<LocationId> = pcs.iter().map(|&pc| b.location(pc)).collect();
    if flags & TRUNCATED != 0 {
        location.push(b.pseudo(TRUNCATED_STACK_FUNCTION));
    }
    location
}

/// The `state` label and the thread's [`crate::labels`].
pub(crate) fn labels(state: State, labels: u64) -> Vec<Label> {
    let mut out = vec![Label::str("state", state.name())];
    for (k, v) in crate::labels::resolve(labels).iter().flat_map(|s| s.iter()) {
        out.push(Label::str(k, v));
    }
    out
}

/// The profile of a snapshot: one sample per distinct (stack, state, labels), valued by
/// the number of threads.
pub(crate) fn profile(threads: &[ThreadStack], modules: &[LoadedModule]) -> Profile {
    let mut counts: HashMap<Key, i64> = HashMap::new();
    let (mut silent, mut failed) = (0, 0);
    for t in threads {
        let key = Key {
            pcs: t.stack.as_ref().map(|s| s.pcs.clone()),
            truncated: t.stack.as_ref().is_some_and(|s| s.flags & TRUNCATED != 0),
            state: t.state,
            labels: t.stack.as_ref().map_or(0, |s| s.labels),
        };
        silent += i64::from(t.stack.is_none());
        failed += i64::from(
            t.stack
                .as_ref()
                .is_some_and(|s| s.flags & UNWIND_FAILED != 0),
        );
        *counts.entry(key).or_default() += 1;
    }
    let mut keys: Vec<(Key, i64)> = counts.into_iter().collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut b = ProfileBuilder::new(modules, true);
    for (key, count) in keys {
        let flags = if key.truncated { TRUNCATED } else { 0 };
        let location = locations(&mut b, key.pcs.as_deref(), flags);
        b.profile.sample.push(Sample {
            location,
            value: vec![count],
            label: labels(key.state, key.labels),
        });
    }
    let mut p = b.profile;
    p.sample_type = vec![ValueType::new("threads", "count")];
    p.period_type = Some(ValueType::new("threads", "count"));
    p.period = 1;
    p.time_nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    p.comments.push(format!(
        "sextant threads profile: {} threads; Go calls this profile goroutine, with sample type goroutine/count",
        threads.len()
    ));
    if silent > 0 {
        p.comments.push(format!(
            "{silent} threads did not answer the signal (blocked, stopped or in uninterruptible sleep); \
             they are counted under {NO_RESPONSE_FUNCTION}"
        ));
    }
    if failed > 0 {
        p.comments.push(format!(
            "{failed} threads: the unwinder stopped before a recognised stack root"
        ));
    }
    p
}

/// The `threads` profile now.
pub(crate) fn lookup_profile() -> Result<Profile> {
    let threads = snapshot::dump()?;
    let modules = loaded_modules()?;
    Ok(profile(&threads, &modules))
}

/// `debug=1`: Go's aggregated count text; `debug>=2`: one dump per thread.
pub(crate) fn lookup_text(w: &mut dyn Write, debug: u32) -> Result<()> {
    let threads = snapshot::dump()?;
    let modules = loaded_modules()?;
    if debug == 1 {
        let p = profile(&threads, &modules);
        text::write_count_profile(w, "threads", &p, &mut Frames::new(&modules))?;
        return Ok(());
    }
    let mut b = ProfileBuilder::new(&modules, true);
    let stacks: Vec<Vec<LocationId>> = threads
        .iter()
        .map(|t| {
            let (pcs, flags) = t
                .stack
                .as_ref()
                .map_or((None, 0), |s| (Some(&s.pcs[..]), s.flags));
            locations(&mut b, pcs, flags)
        })
        .collect();
    let creators = super::create::creators();
    let created: Vec<Option<Vec<LocationId>>> = threads
        .iter()
        .map(|t| {
            let pcs = creators.get(&t.tid)?;
            Some(locations(&mut b, Some(pcs), 0))
        })
        .collect();
    let p = b.profile;
    let mut frames = Frames::new(&modules);
    let dumped: Vec<DumpedThread<'_>> = threads
        .iter()
        .zip(stacks)
        .zip(created)
        .map(|((t, ids), created)| DumpedThread {
            tid: t.tid,
            name: &t.name,
            status: match t.stack {
                Some(_) => t.state.name().to_string(),
                None => format!("{}, no response", t.state.name()),
            },
            frames: ids.iter().flat_map(|&id| frames.of(&p, id)).collect(),
            created_by: created.and_then(|ids| {
                ids.iter()
                    .flat_map(|&id| frames.of(&p, id))
                    .find(|f| !is_ours(&f.function))
            }),
        })
        .collect();
    text::write_dump(w, &dumped)?;
    Ok(())
}

/// Frames of the thread-creation machinery, skipped to find the creating function.
fn is_ours(function: &str) -> bool {
    // `<sextant::thread::Builder>::spawn` in v0 mangling, without `<` in legacy.
    let function = function.trim_start_matches('<');
    [
        "sextant::thread::",
        "sextant::threads::",
        "sextant::stackwalk::",
    ]
    .iter()
    .any(|p| function.starts_with(p))
}
