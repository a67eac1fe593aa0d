//! A running CPU profile: the handler's state, the timers, and the thread that drains.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use sextant_profile::Profile;
use sextant_symbolize::{loaded_modules, read_self_maps};

use super::buffer::{Ring, slots_for};
use super::build::{Aggregate, Header, build};
use super::signal::{self, Sampler, WAKE};
use super::timer::{self, ThreadTimers, TimedThreads};
use crate::collect::{Worker, claim};
use crate::error::{Error, Result};
use crate::stackwalk::StackWalker;
use crate::threads::thread_name;

/// One session at a time: SIGPROF and its handler are process-wide.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// How often the session thread wakes when nothing asks it to: it drains the sample buffer,
/// deletes the timers of exited threads and reads the others' CPU clocks. New threads and a
/// filling buffer wake it sooner (the buffer holds a quarter second of samples at the full
/// rate and wakes it at each quarter). A wake-up costs about 100 us on a loaded virtual
/// machine, mostly the context switch: 4 a second are 0.04% of one core.
const DRAIN_INTERVAL: Duration = Duration::from_millis(250);

/// The session thread's notice pipe: the handler writes 4-byte notices (see
/// [`signal::WAKE`]), the session thread sleeps in `poll` on it.
struct Pipe {
    read: libc::c_int,
    write: libc::c_int,
}

impl Pipe {
    fn new() -> Result<Pipe> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 writes two fds into our array.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(Error::last_os("pipe2"));
        }
        Ok(Pipe {
            read: fds[0],
            write: fds[1],
        })
    }

    /// Waits up to `timeout` for notices and appends them to `out`.
    fn wait(&self, timeout: Duration, out: &mut Vec<u32>) {
        let mut pfd = libc::pollfd {
            fd: self.read,
            events: libc::POLLIN,
            revents: 0,
        };
        // Rounded up: rounded down, the last millisecond before a drain would spin.
        let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
        // SAFETY: poll on one pollfd we own.
        if unsafe { libc::poll(&mut pfd, 1, ms) } <= 0 {
            return;
        }
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: read into our buffer, at most its length; the fd is non-blocking.
            let n = unsafe { libc::read(self.read, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return;
            }
            // Writes of 4 bytes to a pipe are atomic, so reads hold whole notices.
            out.extend(
                buf[..n as usize]
                    .chunks_exact(4)
                    .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // SAFETY: closes the two fds we opened, once; no handler writes to them any more
        // (the sampler holding the write end is detached before the session drops this).
        unsafe {
            libc::close(self.read);
            libc::close(self.write);
        }
    }
}

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
    pipe: Arc<Pipe>,
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
        let pipe = Arc::new(Pipe::new()?);
        static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let period_ns = 1_000_000_000 / u64::from(hz);
        let table = Arc::new(TimedThreads::new());
        let mut timers = ThreadTimers::new(period_ns, table.clone());
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
        }
        let per_thread = fallback.is_none();
        signal::attach(Box::new(Sampler {
            ring: Ring::new(slots_for(hz, cores)),
            walker,
            session: SESSIONS.fetch_add(1, Ordering::Relaxed) + 1,
            period_ns,
            timed: per_thread.then_some(table),
            notify_fd: pipe.write,
        }));
        // With per-thread timers the process timer finds new threads (see `timer`);
        // without, it is the sampler.
        if let Err(e) = timer::set_process_timer(period_ns) {
            timers.disarm_all();
            signal::detach();
            return Err(Error::Os {
                call: "setitimer(ITIMER_PROF)",
                source: e,
            });
        }
        let notices = pipe.clone();
        let worker = Worker::spawn("sextant-cpu", "spawn sextant-cpu thread", move |stop| {
            run(timers, &notices, stop, comments)
        });
        let worker = match worker {
            Ok(w) => w,
            Err(e) => {
                timer::clear_process_timer();
                signal::detach();
                return Err(e);
            }
        };
        Ok(Session {
            hz,
            dwarf,
            start: SystemTime::now(),
            started: Instant::now(),
            worker,
            pipe,
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
        self.worker.tell_stop();
        signal::notify(self.pipe.write, WAKE);
        let drained = self.worker.finish();
        // The drain thread detached the sampler and stopped the timers, unless it panicked:
        // then do it here, before the pipe the handler writes to is closed.
        if drained.is_none() {
            timer::clear_process_timer();
            drop(signal::detach());
        }
        let drained = drained.unwrap_or_else(|| Drained {
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

/// The drain thread: arms timers of new threads as they announce themselves, drains the
/// buffer into the aggregate, deletes the timers of exited threads, until told to stop.
fn run(
    mut timers: ThreadTimers,
    pipe: &Pipe,
    stop: mpsc::Receiver<()>,
    comments: Vec<String>,
) -> Drained {
    let mut agg = Aggregate::default();
    let period_ns = timers.period_ns();
    // Each thread's CPU clock at the latest drain, to account the time after its last sample.
    let (mut clocks, mut seen) = (HashMap::new(), Vec::new());
    let mut notices = Vec::new();
    let mut next_drain = Instant::now() + DRAIN_INTERVAL;
    loop {
        notices.clear();
        pipe.wait(
            next_drain.saturating_duration_since(Instant::now()),
            &mut notices,
        );
        if !matches!(stop.try_recv(), Err(TryRecvError::Empty)) {
            break;
        }
        arm_new(&mut timers, &mut agg, &notices);
        if notices.contains(&WAKE) || Instant::now() >= next_drain {
            signal::with_sampler(|s| s.ring.drain(|r| agg.add(r)));
            // Threads gone since the last drain: their tails, up to their last clock read.
            timers.reap_and_read(&mut seen);
            let live: HashMap<i32, u64> = seen.iter().copied().collect();
            clocks.retain(|tid, clock| {
                let gone = !live.contains_key(tid);
                if gone {
                    agg.add_tail(*tid as u32, *clock, period_ns);
                }
                !gone
            });
            clocks.extend(live);
            next_drain = Instant::now() + DRAIN_INTERVAL;
        }
    }
    timer::clear_process_timer();
    timers.reap_and_read(&mut seen);
    clocks.extend(seen.iter().copied());
    timers.disarm_all();
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

/// Arms timers for the threads that announced themselves in `notices` (ids of threads the
/// process timer sampled without a timer of their own), after making their stacks readable
/// to the handler; reads their names while they surely run.
fn arm_new(timers: &mut ThreadTimers, agg: &mut Aggregate, notices: &[u32]) {
    let mut new: Vec<i32> = notices
        .iter()
        .filter(|&&n| n != WAKE)
        .map(|&n| n as i32)
        .filter(|&tid| !timers.known(tid))
        .collect();
    if new.is_empty() {
        return;
    }
    new.sort_unstable();
    new.dedup();
    if let Ok(maps) = read_self_maps() {
        signal::with_sampler(|s| s.walker.stacks.update(&maps));
    }
    for tid in new {
        if timers.arm_or_mark(tid).is_ok() {
            if let Some(name) = thread_name(tid as u32) {
                agg.name(tid as u32, name);
            }
        }
    }
}
