//! A running wall-clock profile: the sampler thread and its rounds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use sextant_profile::Profile;
use sextant_symbolize::loaded_modules;

use super::build::{Aggregate, Header, build};
use crate::collect::{Worker, claim};
use crate::error::{Error, Result};
use crate::threads::{StatFiles, TaskDir, Wait, ask, gettid, walker};

/// One wall profile at a time: its rounds would otherwise interleave with the other's.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// How long a round waits for threads: 100 ms for each (a runnable thread on a loaded
/// machine is scheduled well within that; one that needs longer would be charged as not
/// answering), and 200 ms for the round. A thread that keeps its signal pending is then
/// reported without waiting (see [`crate::threads`]), so one blocked thread slows one round,
/// not all of them.
const WAIT: Wait = Wait {
    patience: Duration::from_millis(100),
    total: Duration::from_millis(200),
};

/// What the sampler hands back.
struct Sampled {
    agg: Aggregate,
    comments: Vec<String>,
}

/// A running profile. See [`super::ProfilerBuilder`].
pub(crate) struct Session {
    hz: u32,
    dwarf: bool,
    start: SystemTime,
    started: Instant,
    worker: Worker<Sampled>,
}

impl Session {
    pub(crate) fn start(hz: u32, dwarf: bool) -> Result<Session> {
        claim(&ACTIVE, Error::WallAlreadyInUse, || {
            Session::start_active(hz, dwarf)
        })
    }

    fn start_active(hz: u32, dwarf: bool) -> Result<Session> {
        crate::threads::signal()?;
        // Parse the unwind tables now rather than in the first round.
        walker::refresh()?;
        let tasks = TaskDir::open().map_err(|e| Error::Os {
            call: "open /proc/self/task",
            source: e,
        })?;
        let period = Duration::from_nanos(1_000_000_000 / u64::from(hz.max(1)));
        let started = Instant::now();
        let worker = Worker::spawn("sextant-wall", "spawn sextant-wall thread", move |stop| {
            run(tasks, period, started, stop)
        })?;
        Ok(Session {
            hz,
            dwarf,
            start: SystemTime::now(),
            started,
            worker,
        })
    }

    /// Stops sampling and builds the profile.
    pub(crate) fn stop(mut self) -> Result<Profile> {
        let duration = self.started.elapsed();
        let sampled = self.finish();
        let modules = loaded_modules()?;
        let header = Header {
            hz: self.hz,
            start: self.start,
            duration,
            comments: sampled.comments,
        };
        Ok(build(sampled.agg, header, &modules, self.dwarf))
    }

    fn finish(&mut self) -> Sampled {
        let sampled = self.worker.finish().unwrap_or_else(|| Sampled {
            agg: Aggregate::default(),
            comments: vec!["the wall profiler's sampler thread panicked; no samples".into()],
        });
        ACTIVE.store(false, Ordering::SeqCst);
        sampled
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.worker.running() {
            self.finish();
        }
    }
}

/// The sampler: a round every `period` until told to stop.
fn run(
    mut tasks: TaskDir,
    period: Duration,
    started: Instant,
    stop: mpsc::Receiver<()>,
) -> Sampled {
    let me = gettid();
    let mut agg = Aggregate::default();
    let mut comments = vec![format!(
        "sextant wall profile: every thread's stack every {} ns of real time, running or not",
        period.as_nanos()
    )];
    let mut stats = StatFiles::default();
    let (mut tids, mut known) = (Vec::new(), Vec::new());
    let mut last = started;
    let mut next = started + period;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        if !matches!(stop.recv_timeout(wait), Err(RecvTimeoutError::Timeout)) {
            break;
        }
        let round = Instant::now();
        if let Err(e) = sample(&mut tasks, &mut stats, me, &mut tids, &mut known, |t| {
            agg.add(t, round.duration_since(last))
        }) {
            comments.push(format!("sampling stopped early: {e}"));
            break;
        }
        last = round;
        agg.rounds += 1;
        // A round that ran late moves the schedule on rather than sampling in a burst.
        next = (next + period).max(Instant::now());
    }
    Sampled { agg, comments }
}

/// One round: lists the threads, reads their states, asks them for their stacks.
fn sample(
    tasks: &mut TaskDir,
    stats: &mut StatFiles,
    me: i32,
    tids: &mut Vec<i32>,
    known: &mut Vec<i32>,
    mut add: impl FnMut(&crate::threads::ThreadStack),
) -> Result<()> {
    tasks.read(tids).map_err(|e| Error::Os {
        call: "read /proc/self/task",
        source: e,
    })?;
    tids.retain(|&t| t != me);
    stats.retain(tids);
    let threads: Vec<_> = tids
        .iter()
        .filter_map(|&t| Some((t, stats.read(t)?)))
        .collect();
    // New threads' stacks must be in the walker's ranges before they are signalled.
    if tids.iter().any(|t| known.binary_search(t).is_err()) {
        walker::refresh()?;
    }
    known.clone_from(tids);
    for t in ask(threads, WAIT)? {
        add(&t);
    }
    Ok(())
}
