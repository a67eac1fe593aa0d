//! One CPU-time timer per thread, as Go does on Linux since 1.18 (golang/go#35057).
//!
//! # Design
//!
//! Each thread gets a POSIX timer on its own CPU clock (`timer_create` on the thread's
//! `CPUCLOCK_SCHED` clock) that sends SIGPROF to that very thread (`SIGEV_THREAD_ID`) every
//! period of CPU time the thread uses. Unlike one process-wide `setitimer`, which the kernel
//! delivers to whichever thread it likes and caps at about one signal per tick, each thread's
//! samples then measure its own CPU time, however many threads are busy.
//!
//! Go knows its threads; we do not, and the program must not have to register them. So, as
//! Go does (`validSIGPROF` in runtime/signal_unix.go), a process-wide
//! `setitimer(ITIMER_PROF)` runs beside the per-thread timers. Its signals (`si_code`
//! `SI_KERNEL`) go to whichever thread is running when it expires: the handler ignores one
//! on a thread that has its own timer (listed in [`TimedThreads`]), and on a thread that has
//! none takes it as a sample and tells the session thread, which arms a timer for that
//! thread. New busy threads from any crate (std, tokio, rayon) thus announce themselves, and
//! nothing polls `/proc/self/task` after start. A thread's first samples, taken before the
//! session thread has read its stack's mapping, hold its leaf frame only.
//!
//! Exited threads are found by their timers: the timer of a thread that is gone reads as
//! disarmed (`timer_gettime` gives a zero `it_value`; a live periodic timer never does).
//!
//! Where per-thread timers are unavailable (a kernel or sandbox that refuses
//! `timer_create`), the session falls back to `setitimer(ITIMER_PROF)` and says so in the
//! profile's comments.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use crate::threads::list_threads;

/// Linux's clock id for a thread's CPU clock: `MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)`,
/// `(~tid << 3) | CPUCLOCK_PERTHREAD_MASK (4) | CPUCLOCK_SCHED (2)`.
fn thread_cpu_clock(tid: i32) -> libc::clockid_t {
    ((!tid) << 3) | 4 | 2
}

/// The kernel's `struct sigevent` (64 bytes), with the `SIGEV_THREAD_ID` target thread.
#[repr(C)]
struct KernelSigevent {
    value: u64,
    signo: i32,
    notify: i32,
    tid: i32,
    pad: [i32; 11],
}

const SIGEV_THREAD_ID: i32 = 4;

/// Entries of [`TimedThreads`]: room for 12,000 threads at three quarters full.
const TABLE: usize = 1 << 14;
/// Entries a lookup or an insert probes past a thread's home entry.
const PROBES: usize = 32;
const EMPTY: u32 = 0;
/// A removed entry: probes go on past it.
const GONE: u32 = u32::MAX;
/// Marks a thread whose timer could not be armed: sampled by the process timer, and the
/// session thread is not told about it again.
const NO_TIMER: u32 = 1 << 31;

/// What [`TimedThreads::lookup`] knows of a thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Timed {
    /// It has its own timer: process-timer signals are not samples for it.
    Yes,
    /// Arming its timer failed: the process timer samples it.
    Failed,
    /// Not seen yet: a new thread.
    Unknown,
}

/// The threads with a timer of their own, as an open-addressing table of thread ids that
/// the signal handler reads with atomic loads only (no lock, no allocation, bounded probes).
///
/// Only the session thread writes. A rebuild (to clear removed entries) can make a
/// concurrent lookup miss a thread; the cost is one extra sample for a thread that had a
/// timer, whose CPU time is still exact (a sample's time is its thread's CPU clock since its
/// previous sample).
pub(crate) struct TimedThreads {
    slots: Box<[AtomicU32]>,
    gone: AtomicUsize,
}

impl TimedThreads {
    /// An empty table.
    pub(crate) fn new() -> TimedThreads {
        TimedThreads {
            slots: (0..TABLE).map(|_| AtomicU32::new(EMPTY)).collect(),
            gone: AtomicUsize::new(0),
        }
    }

    fn home(tid: u32) -> usize {
        (tid.wrapping_mul(0x9E37_79B1) >> (32 - TABLE.trailing_zeros())) as usize
    }

    /// What the table says of `tid`. Async-signal-safe.
    pub(crate) fn lookup(&self, tid: u32) -> Timed {
        let home = Self::home(tid);
        for i in 0..PROBES {
            let v = self.slots[(home + i) % TABLE].load(Ordering::Acquire);
            if v == EMPTY {
                break;
            }
            if v != GONE && v & !NO_TIMER == tid {
                return if v & NO_TIMER == 0 {
                    Timed::Yes
                } else {
                    Timed::Failed
                };
            }
        }
        Timed::Unknown
    }

    /// Records `tid` (with a timer if `timed`); false if its probe window is full. Only the
    /// session thread calls this.
    fn insert(&self, tid: u32, timed: bool) -> bool {
        let v = if timed { tid } else { tid | NO_TIMER };
        let home = Self::home(tid);
        let mut free = None;
        for i in 0..PROBES {
            let at = (home + i) % TABLE;
            let old = self.slots[at].load(Ordering::Relaxed);
            if old != GONE && old != EMPTY && old & !NO_TIMER == tid {
                self.slots[at].store(v, Ordering::Release);
                return true;
            }
            if free.is_none() && (old == EMPTY || old == GONE) {
                free = Some((at, old == GONE));
            }
            if old == EMPTY {
                break;
            }
        }
        let Some((at, was_gone)) = free else {
            return false;
        };
        if was_gone {
            self.gone.fetch_sub(1, Ordering::Relaxed);
        }
        self.slots[at].store(v, Ordering::Release);
        true
    }

    /// Forgets `tid`. Only the session thread calls this.
    fn remove(&self, tid: u32) {
        let home = Self::home(tid);
        for i in 0..PROBES {
            let at = (home + i) % TABLE;
            let old = self.slots[at].load(Ordering::Relaxed);
            if old == EMPTY {
                return;
            }
            if old != GONE && old & !NO_TIMER == tid {
                self.slots[at].store(GONE, Ordering::Release);
                self.gone.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
        if self.gone.load(Ordering::Relaxed) > TABLE / 4 {
            self.rebuild();
        }
    }

    /// Empties the removed entries: clears the table and puts the live entries back.
    fn rebuild(&self) {
        let live: Vec<u32> = self
            .slots
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .filter(|&v| v != EMPTY && v != GONE)
            .collect();
        for s in self.slots.iter() {
            s.store(EMPTY, Ordering::Release);
        }
        self.gone.store(0, Ordering::Relaxed);
        for v in live {
            self.insert(v & !NO_TIMER, v & NO_TIMER == 0);
        }
    }
}

/// The armed timers, by thread id.
pub(crate) struct ThreadTimers {
    period_ns: u64,
    timers: HashMap<i32, i32>,
    /// Threads whose timer could not be armed.
    failed: std::collections::HashSet<i32>,
    seed: u64,
    table: Arc<TimedThreads>,
}

impl ThreadTimers {
    /// No timers yet; each will fire every `period_ns` of its thread's CPU time. `table` is
    /// the handler's view of which threads have one.
    pub(crate) fn new(period_ns: u64, table: Arc<TimedThreads>) -> ThreadTimers {
        ThreadTimers {
            period_ns,
            timers: HashMap::new(),
            failed: std::collections::HashSet::new(),
            seed: 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id()),
            table,
        }
    }

    /// The thread ids in `/proc/self/task` that have no timer yet.
    pub(crate) fn new_threads(&mut self) -> io::Result<Vec<i32>> {
        Ok(list_threads()?
            .into_iter()
            .filter(|t| !self.timers.contains_key(t))
            .collect())
    }

    /// Whether `tid` has a timer, or arming one failed: nothing more to do for it.
    pub(crate) fn known(&self, tid: i32) -> bool {
        self.timers.contains_key(&tid) || self.failed.contains(&tid)
    }

    /// Arms a timer for `tid`; if that fails, marks it as sampled by the process timer
    /// (unless it has exited) so that it is not announced again.
    pub(crate) fn arm_or_mark(&mut self, tid: i32) -> io::Result<()> {
        let r = self.arm(tid);
        if let Err(e) = &r {
            if e.raw_os_error() != Some(libc::ESRCH) && e.raw_os_error() != Some(libc::EINVAL) {
                self.failed.insert(tid);
                self.table.insert(tid as u32, false);
            }
        }
        r
    }

    /// Arms a timer for `tid`.
    ///
    /// # Errors
    ///
    /// The OS error of `timer_create` or `timer_settime`; `ESRCH`/`EINVAL` for a thread that
    /// exited meanwhile.
    pub(crate) fn arm(&mut self, tid: i32) -> io::Result<()> {
        let mut sev = KernelSigevent {
            value: 0,
            signo: libc::SIGPROF,
            notify: SIGEV_THREAD_ID,
            tid,
            pad: [0; 11],
        };
        let mut id: libc::c_int = 0;
        // SAFETY: raw timer_create with a valid clock id, a kernel-layout sigevent and a
        // place for the timer id, all living across the call.
        let r = unsafe {
            libc::syscall(
                libc::SYS_timer_create,
                thread_cpu_clock(tid),
                &mut sev as *mut KernelSigevent,
                &mut id as *mut libc::c_int,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        // The first expiry is spread over one period, as Go spreads it, so that threads
        // started together do not all take their first sample at the same instant.
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let first = 1 + (self.seed >> 33) % self.period_ns;
        let spec = libc::itimerspec {
            it_interval: timespec(self.period_ns),
            it_value: timespec(first),
        };
        // SAFETY: raw timer_settime on the timer we just created, with a valid itimerspec.
        let r = unsafe {
            libc::syscall(
                libc::SYS_timer_settime,
                id,
                0,
                &spec as *const libc::itimerspec,
                std::ptr::null_mut::<libc::itimerspec>(),
            )
        };
        if r != 0 {
            let err = io::Error::last_os_error();
            delete(id);
            return Err(err);
        }
        if !self.table.insert(tid as u32, true) {
            // The handler could not tell it has a timer and would count the process
            // timer's signals as well: no timer then.
            delete(id);
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        self.timers.insert(tid, id);
        Ok(())
    }

    /// Deletes the timers of threads that have exited, and reads the CPU clock of the
    /// others: `out` gets `(tid, clock ns)` of the live ones.
    pub(crate) fn reap_and_read(&mut self, out: &mut Vec<(i32, u64)>) {
        out.clear();
        let table = &self.table;
        self.timers.retain(|&tid, &mut id| {
            let clock = if alive(id) { thread_cpu_ns(tid) } else { None };
            match clock {
                Some(ns) => out.push((tid, ns)),
                None => {
                    delete(id);
                    table.remove(tid as u32);
                }
            }
            clock.is_some()
        });
        let failed = &mut self.failed;
        if !failed.is_empty() {
            failed.retain(|&tid| {
                let live = thread_cpu_ns(tid).is_some();
                if !live {
                    table.remove(tid as u32);
                }
                live
            });
        }
    }

    /// Deletes every timer.
    pub(crate) fn disarm_all(&mut self) {
        for (tid, id) in self.timers.drain() {
            delete(id);
            self.table.remove(tid as u32);
        }
    }

    /// The period every timer fires at, in nanoseconds of CPU time.
    pub(crate) fn period_ns(&self) -> u64 {
        self.period_ns
    }

    /// Threads with a timer.
    pub(crate) fn len(&self) -> usize {
        self.timers.len()
    }
}

impl Drop for ThreadTimers {
    fn drop(&mut self) {
        self.disarm_all();
    }
}

/// Thread `tid`'s CPU clock in nanoseconds, or `None` if it has exited.
fn thread_cpu_ns(tid: i32) -> Option<u64> {
    // SAFETY: clock_gettime writes into a timespec we own; an exited thread's clock id
    // gives EINVAL.
    unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        (libc::clock_gettime(thread_cpu_clock(tid), &mut ts) == 0)
            .then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }
}

/// Whether timer `id` still has a thread: the timer of a thread that is gone reads as
/// disarmed, and a live periodic timer never does (the kernel reports an expiry that is due
/// but not yet handled as 1 ns).
fn alive(id: i32) -> bool {
    // SAFETY: timer_gettime on a timer we created, into an itimerspec we own.
    unsafe {
        let mut cur: libc::itimerspec = std::mem::zeroed();
        libc::syscall(
            libc::SYS_timer_gettime,
            id,
            &mut cur as *mut libc::itimerspec,
        ) == 0
            && (cur.it_value.tv_sec != 0 || cur.it_value.tv_nsec != 0)
    }
}

fn delete(id: i32) {
    // SAFETY: timer_delete on an id we created; a stale id only yields EINVAL.
    unsafe { libc::syscall(libc::SYS_timer_delete, id) };
}

fn timespec(ns: u64) -> libc::timespec {
    libc::timespec {
        tv_sec: (ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    }
}

/// The process-wide fallback: `setitimer(ITIMER_PROF)` every `period_ns` of process CPU time.
///
/// # Errors
///
/// The OS error of `setitimer`.
pub(crate) fn set_process_timer(period_ns: u64) -> io::Result<()> {
    let tv = libc::timeval {
        tv_sec: (period_ns / 1_000_000_000) as libc::time_t,
        tv_usec: ((period_ns % 1_000_000_000) / 1000) as libc::suseconds_t,
    };
    let it = libc::itimerval {
        it_interval: tv,
        it_value: tv,
    };
    // SAFETY: setitimer with a valid itimerval and no old value requested.
    if unsafe { libc::setitimer(libc::ITIMER_PROF, &it, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Stops the process-wide timer.
pub(crate) fn clear_process_timer() {
    let _ = set_process_timer(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_clock_id_is_the_one_pthread_getcpuclockid_gives_for_ourselves() {
        // SAFETY: gettid has no preconditions; clock_gettime writes into our timespec.
        let (me, ok) = unsafe {
            let me = libc::syscall(libc::SYS_gettid) as i32;
            let mut ts: libc::timespec = std::mem::zeroed();
            (me, libc::clock_gettime(thread_cpu_clock(me), &mut ts) == 0)
        };
        assert!(ok, "clock of thread {me} readable");
    }

    #[test]
    fn the_table_answers_for_armed_failed_and_unknown_threads() {
        let t = TimedThreads::new();
        assert!(t.insert(41, true));
        assert!(t.insert(42, false));
        assert_eq!(t.lookup(41), Timed::Yes);
        assert_eq!(t.lookup(42), Timed::Failed);
        assert_eq!(t.lookup(43), Timed::Unknown);
        // Re-inserting updates the entry in place.
        assert!(t.insert(42, true));
        assert_eq!(t.lookup(42), Timed::Yes);
        t.remove(41);
        assert_eq!(t.lookup(41), Timed::Unknown);
        assert_eq!(t.lookup(42), Timed::Yes);
    }

    #[test]
    fn colliding_threads_probe_past_removed_entries_and_rebuilds_keep_the_live_ones() {
        let t = TimedThreads::new();
        // 4000 ids in 16384 entries: many share a home entry and probe past each other;
        // every one is checked.
        let ids: Vec<u32> = (1..=4000).map(|i| i * 7 + 1).collect();
        for &id in &ids {
            assert!(t.insert(id, true), "{id}");
        }
        for &id in ids.iter().step_by(2) {
            t.remove(id);
        }
        for (i, &id) in ids.iter().enumerate() {
            let want = if i % 2 == 0 {
                Timed::Unknown
            } else {
                Timed::Yes
            };
            assert_eq!(t.lookup(id), want, "{id}");
        }
        // Churn: enough removals to force rebuilds (a quarter of the table removed).
        for round in 0..3u32 {
            let fresh: Vec<u32> = (1..=3000).map(|i| 100_000 * (round + 1) + i).collect();
            for &id in &fresh {
                assert!(t.insert(id, true));
            }
            for &id in &fresh {
                t.remove(id);
            }
        }
        assert!(t.gone.load(Ordering::Relaxed) <= TABLE / 4);
        for (i, &id) in ids.iter().enumerate() {
            let want = if i % 2 == 0 {
                Timed::Unknown
            } else {
                Timed::Yes
            };
            assert_eq!(t.lookup(id), want, "{id} after rebuilds");
        }
    }

    #[test]
    fn the_timer_of_an_exited_thread_reads_as_gone() {
        let table = Arc::new(TimedThreads::new());
        let mut timers = ThreadTimers::new(10_000_000, table.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            tx.send(unsafe { libc::syscall(libc::SYS_gettid) } as i32)
                .unwrap();
            done_rx.recv().unwrap();
        });
        let tid = rx.recv().unwrap();
        timers.arm(tid).unwrap();
        assert_eq!(table.lookup(tid as u32), Timed::Yes);
        let mut clocks = Vec::new();
        timers.reap_and_read(&mut clocks);
        assert_eq!(clocks.len(), 1, "the live thread is read");
        assert_eq!(clocks[0].0, tid);
        done_tx.send(()).unwrap();
        t.join().unwrap();
        // The kernel may release a joined thread's task a moment after pthread_join
        // returns: retry a bounded while.
        for _ in 0..200 {
            timers.reap_and_read(&mut clocks);
            if clocks.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(clocks.is_empty(), "the exited thread's timer is deleted");
        assert_eq!(timers.len(), 0);
        assert_eq!(table.lookup(tid as u32), Timed::Unknown);
    }
}
