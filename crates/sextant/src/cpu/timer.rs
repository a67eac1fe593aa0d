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
//! Go knows its threads; we do not, and the program must not have to register them. The
//! session thread lists `/proc/self/task` every [`SCAN_INTERVAL`] and arms a timer for each
//! thread it has not seen, from any crate (std, tokio, rayon); it deletes the timers of
//! threads that are gone. A thread that lives less than a scan interval may be missed, and a
//! new thread's CPU time before its timer is armed is not sampled (golang/go#40435 is the
//! same loss in Go for short-lived threads).
//!
//! Where per-thread timers are unavailable (a kernel or sandbox that refuses
//! `timer_create`), the session falls back to `setitimer(ITIMER_PROF)` and says so in the
//! profile's comments.

use std::collections::HashMap;
use std::io;
use std::time::Duration;

use crate::threads::{TaskDir, list_threads};

/// How often the thread list is scanned. Every 10 ms a new thread loses at most about 10 ms
/// of CPU time before its timer is armed; a scan of a few dozen threads costs a few
/// microseconds, under 0.1% of one core.
pub(crate) const SCAN_INTERVAL: Duration = Duration::from_millis(10);

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

/// The armed timers, by thread id.
pub(crate) struct ThreadTimers {
    period_ns: u64,
    timers: HashMap<i32, i32>,
    seed: u64,
    tasks: Option<TaskDir>,
    listed: Vec<i32>,
}

impl ThreadTimers {
    /// No timers yet; each will fire every `period_ns` of its thread's CPU time.
    pub(crate) fn new(period_ns: u64) -> ThreadTimers {
        ThreadTimers {
            period_ns,
            timers: HashMap::new(),
            seed: 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id()),
            tasks: TaskDir::open().ok(),
            listed: Vec::new(),
        }
    }

    /// The thread ids in `/proc/self/task` that have no timer yet.
    pub(crate) fn new_threads(&mut self) -> io::Result<Vec<i32>> {
        self.list()?;
        Ok(self
            .listed
            .iter()
            .copied()
            .filter(|t| !self.timers.contains_key(t))
            .collect())
    }

    fn list(&mut self) -> io::Result<()> {
        match &mut self.tasks {
            Some(dir) => dir.read(&mut self.listed),
            None => {
                self.listed = list_threads()?;
                Ok(())
            }
        }
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
        self.timers.insert(tid, id);
        Ok(())
    }

    /// Deletes the timers of threads no longer in `/proc/self/task`.
    pub(crate) fn reap(&mut self) -> io::Result<()> {
        self.list()?;
        let live: std::collections::HashSet<i32> = self.listed.iter().copied().collect();
        self.timers.retain(|tid, id| {
            let keep = live.contains(tid);
            if !keep {
                delete(*id);
            }
            keep
        });
        Ok(())
    }

    /// Deletes every timer.
    pub(crate) fn disarm_all(&mut self) {
        for (_, id) in self.timers.drain() {
            delete(id);
        }
    }

    /// The CPU clock, in nanoseconds, of each thread with a timer that still runs.
    pub(crate) fn cpu_clocks(&self, out: &mut Vec<(i32, u64)>) {
        out.clear();
        for &tid in self.timers.keys() {
            if let Some(ns) = thread_cpu_ns(tid) {
                out.push((tid, ns));
            }
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
}
