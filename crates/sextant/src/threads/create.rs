//! The `threadcreate` profile: the stacks that created threads through
//! [`crate::thread::spawn`] and [`crate::thread::Builder`], counted since the program
//! started (as Go counts every thread its runtime created), and the threads alive now that
//! were created some other way, under [`UNKNOWN_CREATOR_FUNCTION`].

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use sextant_profile::{Profile, Sample, ValueType};
use sextant_symbolize::{LoadedModule, loaded_modules};

use crate::error::Result;
use crate::stackwalk::{ProfileBuilder, TRUNCATED};

use super::UNKNOWN_CREATOR_FUNCTION;
use super::dump::locations;
use super::proc;
use super::round::Stack;
use super::text::{self, Frames};

/// A creation stack: its addresses, and whether it was cut at the depth limit.
type Creator = (Box<[u64]>, bool);

#[derive(Default)]
struct Registry {
    /// Creation stacks (without labels) and how many threads each created.
    created: HashMap<Creator, u64>,
    /// Threads alive now that were created through us, with their creation stacks.
    live: HashMap<i32, Arc<[u64]>>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn registry() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts one thread created from `stack`.
pub(crate) fn record(stack: &Stack) {
    let mut r = registry();
    let r = r.get_or_insert_with(Registry::default);
    let truncated = stack.flags & TRUNCATED != 0;
    *r.created.entry((stack.pcs.clone(), truncated)).or_default() += 1;
}

/// Marks the calling thread as created through us, from `creator`, while the guard lives.
pub(crate) struct Live(i32);

impl Live {
    pub(crate) fn register(creator: Arc<[u64]>) -> Live {
        let tid = proc::gettid();
        registry()
            .get_or_insert_with(Registry::default)
            .live
            .insert(tid, creator);
        Live(tid)
    }
}

/// The creation stacks of the live threads created through us, by thread id.
pub(crate) fn creators() -> HashMap<i32, Arc<[u64]>> {
    registry()
        .as_ref()
        .map(|r| r.live.clone())
        .unwrap_or_default()
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(r) = registry().as_mut() {
            r.live.remove(&self.0);
        }
    }
}

/// Creation stacks with their counts, and the number of threads alive now that were not
/// created through us.
fn collect() -> Result<(Vec<(Creator, u64)>, u64)> {
    let tids = proc::list_threads()?;
    let r = registry();
    let (mut created, unknown) = match r.as_ref() {
        Some(r) => (
            r.created.iter().map(|(k, &v)| (k.clone(), v)).collect(),
            tids.iter().filter(|t| !r.live.contains_key(t)).count(),
        ),
        None => (Vec::new(), tids.len()),
    };
    drop(r);
    created.sort_by(|a: &(Creator, u64), b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok((created, unknown as u64))
}

/// Threads created through us since the start, plus threads alive now created otherwise.
pub(crate) fn threadcreate_count() -> usize {
    collect().map_or(0, |(c, unknown)| {
        (c.iter().map(|(_, n)| n).sum::<u64>() + unknown) as usize
    })
}

/// The profile: `threadcreate/count` per creation stack.
pub(crate) fn threadcreate_profile() -> Result<Profile> {
    profile(&loaded_modules()?)
}

fn profile(modules: &[LoadedModule]) -> Result<Profile> {
    let (created, unknown) = collect()?;
    let mut b = ProfileBuilder::new(modules, true);
    for ((pcs, truncated), n) in &created {
        let flags = if *truncated { TRUNCATED } else { 0 };
        let location = locations(&mut b, Some(pcs), flags);
        b.profile.sample.push(Sample {
            location,
            value: vec![*n as i64],
            label: Vec::new(),
        });
    }
    if unknown > 0 {
        let location = vec![b.pseudo(UNKNOWN_CREATOR_FUNCTION)];
        b.profile.sample.push(Sample {
            location,
            value: vec![unknown as i64],
            label: Vec::new(),
        });
    }
    let mut p = b.profile;
    p.sample_type = vec![ValueType::new("threadcreate", "count")];
    p.period_type = Some(ValueType::new("threadcreate", "count"));
    p.period = 1;
    p.time_nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    p.comments.push(format!(
        "stacks of threads created through sextant::thread since the start; {unknown} threads \
         alive now were created otherwise (the main thread, std::thread, other crates) and \
         are counted under {UNKNOWN_CREATOR_FUNCTION}"
    ));
    Ok(p)
}

/// Go's `threadcreate` `debug=1` text.
pub(crate) fn threadcreate_text(w: &mut dyn Write) -> Result<()> {
    let modules = loaded_modules()?;
    let p = profile(&modules)?;
    text::write_count_profile(w, "threadcreate", &p, &mut Frames::new(&modules))?;
    Ok(())
}
