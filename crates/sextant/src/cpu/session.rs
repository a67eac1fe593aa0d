//! A running CPU profile: the handler's state, the timers, and the thread that drains.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Instant, SystemTime};

use sextant_profile::Profile;
use sextant_symbolize::{loaded_modules, read_self_maps};

use super::buffer::Ring;
use super::build::{Aggregate, Header, build};
use super::signal::{self, Sampler};
use super::timer::{self, SCAN_INTERVAL, ThreadTimers};
use crate::collect::{Worker, claim};
use crate::error::{Error, Result};
use crate::stackwalk::StackWalker;

/// One session at a time: SIGPROF and its handler are process-wide.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Scans between two reaps of the timers of exited threads (100 ms).
const REAP_EVERY: u32 = 10;

/// Scans between two drains of the sample buffer (50 ms). At 1000 Hz a drain finds about
/// 50 samples per busy core; the 4096 slots would last 4 s on a 2-core machine and 100 ms on
/// 40 busy cores, so the buffer does not fill between drains.
const DRAIN_EVERY: u32 = 5;

/// What the drain thread hands back.
struct Drained {
    agg: Aggregate,
    lost: u64,
    comments: Vec<String>,
}

/// A running profile. See [`super::ProfilerBuilder`].
pub(crate) struct Session {
    hz: u32,
    dwarf: bool,
    start: SystemTime,
    started: Instant,
    worker: Worker<Drained>,
}

impl Session {
    pub(crate) fn start(hz: u32, dwarf: bool, per_thread: bool) -> Result<Session> {
        claim(&ACTIVE, Error::AlreadyInUse, || {
            Session::start_active(hz, dwarf, per_thread)
        })
    }

    fn start_active(hz: u32, dwarf: bool, per_thread: bool) -> Result<Session> {
        signal::install()?;
        let modules = loaded_modules()?;
        // Threads inside the handler at once can be at most the cores plus those preempted
        // mid-sample; twice the cores leaves room for the second kind.
        let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
        let walker = StackWalker::new(&modules, (2 * cores).clamp(4, 64));
        walker.stacks.update(&read_self_maps()?);
        static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let period_ns = 1_000_000_000 / u64::from(hz);
        signal::attach(Box::new(Sampler {
            ring: Ring::new(),
            walker,
            session: SESSIONS.fetch_add(1, Ordering::Relaxed) + 1,
            period_ns,
        }));
        let mut timers = ThreadTimers::new(period_ns);
        let mut comments = vec![format!(
            "sextant cpu profile: SIGPROF every {period_ns} ns of each thread's CPU time ({hz} Hz)"
        )];
        let fallback = if per_thread {
            arm_all(&mut timers).err()
        } else {
            Some(std::io::Error::other("not asked for"))
        };
        if let Some(e) = &fallback {
            comments[0] = format!(
                "sextant cpu profile: per-thread CPU timers unavailable ({e}); process-wide \
                 setitimer(ITIMER_PROF) at {hz} Hz instead, which under-samples when several \
                 threads are busy"
            );
            if let Err(e) = timer::set_process_timer(period_ns) {
                signal::detach();
                return Err(Error::Os {
                    call: "setitimer(ITIMER_PROF)",
                    source: e,
                });
            }
        }
        let per_thread = fallback.is_none();
        let worker = Worker::spawn("sextant-cpu", "spawn sextant-cpu thread", move |stop| {
            run(timers, per_thread, stop, comments)
        })?;
        Ok(Session {
            hz,
            dwarf,
            start: SystemTime::now(),
            started: Instant::now(),
            worker,
        })
    }

    /// Stops sampling and builds the profile.
    pub(crate) fn stop(mut self) -> Result<Profile> {
        let duration = self.started.elapsed();
        let drained = self.finish();
        let modules = loaded_modules()?;
        let header = Header {
            hz: self.hz,
            start: self.start,
            duration,
            lost: drained.lost,
            comments: drained.comments,
        };
        Ok(build(drained.agg, header, &modules, self.dwarf))
    }

    fn finish(&mut self) -> Drained {
        let drained = self.worker.finish().unwrap_or_else(|| Drained {
            agg: Aggregate::default(),
            lost: 0,
            comments: vec!["the profiler's drain thread panicked; no samples".into()],
        });
        ACTIVE.store(false, Ordering::SeqCst);
        drained
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.worker.running() {
            self.finish();
        }
    }
}

/// Arms a timer for every thread; fails only if not even the first one can be armed.
fn arm_all(timers: &mut ThreadTimers) -> std::io::Result<()> {
    for tid in timers.new_threads()? {
        if let Err(e) = timers.arm(tid) {
            if timers.len() == 0 && e.raw_os_error() != Some(libc::ESRCH) {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The drain thread: arms timers of new threads, deletes those of exited ones, drains the
/// buffer into the aggregate, until told to stop.
fn run(
    mut timers: ThreadTimers,
    per_thread: bool,
    stop: mpsc::Receiver<()>,
    comments: Vec<String>,
) -> Drained {
    let mut agg = Aggregate::default();
    let mut scans = 0u32;
    let period_ns = timers.period_ns();
    // Each thread's CPU clock at the latest scan, to account the time after its last sample.
    let (mut clocks, mut seen) = (HashMap::new(), Vec::new());
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(SCAN_INTERVAL) {
        if per_thread {
            scan(&mut timers, scans);
        }
        scans = scans.wrapping_add(1);
        if scans % DRAIN_EVERY == 0 {
            signal::with_sampler(|s| s.ring.drain(|r| agg.add(r)));
            // Threads gone since the last drain: their tails, up to their last clock read.
            timers.cpu_clocks(&mut seen);
            let live: HashMap<i32, u64> = seen.iter().copied().collect();
            clocks.retain(|tid, clock| {
                let gone = !live.contains_key(tid);
                if gone {
                    agg.add_tail(*tid as u32, *clock, period_ns);
                }
                !gone
            });
            clocks.extend(live);
        } else if per_thread {
            timers.cpu_clocks(&mut seen);
            clocks.extend(seen.iter().copied());
        }
    }
    timers.cpu_clocks(&mut seen);
    clocks.extend(seen.iter().copied());
    timers.disarm_all();
    if !per_thread {
        timer::clear_process_timer();
    }
    let sampler = signal::detach();
    let lost = sampler.as_ref().map_or(0, |s| {
        s.ring.drain(|r| agg.add(r));
        s.ring.lost()
    });
    for (tid, clock) in clocks {
        agg.add_tail(tid as u32, clock, period_ns);
    }
    Drained {
        agg,
        lost,
        comments,
    }
}

fn scan(timers: &mut ThreadTimers, scans: u32) {
    if scans % REAP_EVERY == 0 {
        let _ = timers.reap();
    }
    let Ok(new) = timers.new_threads() else {
        return;
    };
    if new.is_empty() {
        return;
    }
    // The new threads' stacks must be readable before their first signal.
    if let Ok(maps) = read_self_maps() {
        signal::with_sampler(|s| s.walker.stacks.update(&maps));
    }
    for tid in new {
        let _ = timers.arm(tid);
    }
}
