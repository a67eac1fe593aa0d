//! The SIGPROF handler: registers in, a stack into the buffer, nothing else.
//!
//! # Invariants of the signal path
//!
//! The handler runs on whatever thread the timer interrupted, in the middle of anything:
//! `malloc` holding its lock, a `Mutex` held, a panic unwinding. So everything it calls must
//! be async-signal-safe:
//!
//! - **No allocation.** The buffer's slots, framehop's caches and the unwind tables are
//!   allocated before the timers are armed; framehop runs with `MustNotAllocateDuringUnwind`.
//! - **No lock.** Only atomics: a slot and a cache are taken by compare-exchange and a
//!   handler that cannot get one drops (and counts) the sample instead of waiting.
//! - **No panic.** No indexing that can fail, no `unwrap`; thread-locals are read with
//!   `try_with`.
//! - **No I/O** but one non-blocking 4-byte `write` of a notice to the session thread's pipe
//!   (async-signal-safe; a full pipe drops it), and `errno` is saved and restored around the
//!   handler.
//! - **Lifetime.** The handler reaches the session's state through one pointer, [`SAMPLER`],
//!   and counts itself in [`IN_HANDLER`] before loading it. Stopping clears the pointer, then
//!   waits for the count to reach zero before freeing the state, so no handler ever reads
//!   freed memory.
//!
//! The handler is installed once and stays installed: a SIGPROF already queued when the
//! profiler stops must not reach the default action, which kills the process. With no session
//! it returns at once.

use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::SeqCst};

use super::buffer::Ring;
use super::timer::{Timed, TimedThreads};
use crate::error::{Error, Result};
use crate::stackwalk::{Regs, StackWalker};

/// What the handler needs: the buffer, the stack walker, and the session's identity.
pub(crate) struct Sampler {
    pub(crate) ring: Ring,
    pub(crate) walker: StackWalker,
    /// Distinguishes sessions in [`LAST_CPU`], never 0.
    pub(crate) session: u64,
    /// The timer period.
    pub(crate) period_ns: u64,
    /// Which threads have their own timer; `None` when the process timer alone samples
    /// (the fallback), so that every process-timer signal is a sample.
    pub(crate) timed: Option<std::sync::Arc<TimedThreads>>,
    /// The write end of the session thread's notice pipe: a new thread's id, or
    /// [`WAKE`] when the buffer wants draining. Non-blocking; a full pipe drops the notice.
    pub(crate) notify_fd: libc::c_int,
}

/// The notice that asks the session thread to drain the buffer (or to look at its stop
/// flag); every other notice is the id of a thread with no timer yet.
pub(crate) const WAKE: u32 = 0;

/// Writes notice `v` to `fd`. Async-signal-safe: one non-blocking `write` of 4 bytes,
/// atomic on a pipe; a full pipe drops it (the thread or the buffer asks again).
pub(crate) fn notify(fd: libc::c_int, v: u32) {
    // SAFETY: write from a 4-byte value we own; a bad fd only gives EBADF.
    unsafe { libc::write(fd, (&v as *const u32).cast(), 4) };
}

thread_local! {
    // (session, this thread's CPU clock at its previous sample). Const-initialised without a
    // destructor: a plain thread-local access from the handler.
    static LAST_CPU: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

static SAMPLER: AtomicPtr<Sampler> = AtomicPtr::new(std::ptr::null_mut());
static IN_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// `si_code` of a signal sent by a POSIX timer.
const SI_TIMER: i32 = -2;
/// `si_code` of a signal the kernel sends itself: `setitimer`'s.
const SI_KERNEL: i32 = 0x80;

/// A sample never stands for more periods than this: a thread that was not scheduled for
/// a long time cannot have used CPU, so a larger overrun would be a misread field.
const MAX_WEIGHT: u32 = 10_000;

/// Installs the handler, unless another library's handler is in place.
///
/// # Errors
///
/// [`Error::ForeignSigprofHandler`] if a handler other than ours (or the default or ignore
/// dispositions) is installed; [`Error::Os`] if `sigaction` fails.
pub(crate) fn install() -> Result<()> {
    // SAFETY: sigaction with a null new action only reads the current disposition into a
    // zeroed struct we own.
    let old = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGPROF, std::ptr::null(), &mut old) != 0 {
            return Err(Error::last_os("sigaction(SIGPROF)"));
        }
        old
    };
    let ours = on_sigprof as *const () as libc::sighandler_t;
    if old.sa_sigaction == ours {
        return Ok(());
    }
    if old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN {
        return Err(Error::ForeignSigprofHandler);
    }
    // SAFETY: we fill a zeroed sigaction with our handler, an empty mask and SA_SIGINFO so
    // the kernel passes the siginfo and ucontext the handler reads; SA_RESTART keeps
    // interrupted system calls of the program going.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = ours;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGPROF, &sa, std::ptr::null_mut()) != 0 {
            return Err(Error::last_os("sigaction(SIGPROF)"));
        }
    }
    Ok(())
}

/// Makes `sampler` the handler's target. The box is leaked until [`detach`] takes it back.
pub(crate) fn attach(sampler: Box<Sampler>) {
    SAMPLER.store(Box::into_raw(sampler), SeqCst);
}

/// Stops the handler from using the sampler and hands it back once no handler runs.
pub(crate) fn detach() -> Option<Box<Sampler>> {
    let p = SAMPLER.swap(std::ptr::null_mut(), SeqCst);
    while IN_HANDLER.load(SeqCst) != 0 {
        std::thread::yield_now();
    }
    // SAFETY: `p` came from `Box::into_raw` in `attach`; it is no longer published and no
    // handler that could have loaded it is still running (IN_HANDLER is zero after the swap).
    (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
}

/// The sampler while attached, for the session thread to drain.
pub(crate) fn with_sampler<R>(f: impl FnOnce(&Sampler) -> R) -> Option<R> {
    let p = SAMPLER.load(SeqCst);
    // SAFETY: only the session thread calls this and `detach`, so the sampler cannot be
    // freed while `f` runs.
    (!p.is_null()).then(|| f(unsafe { &*p }))
}

extern "C" fn on_sigprof(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    let errno = unsafe { *libc::__errno_location() };
    IN_HANDLER.fetch_add(1, SeqCst);
    let p = SAMPLER.load(SeqCst);
    if !p.is_null() && !info.is_null() && !ctx.is_null() {
        // SAFETY: a non-null SAMPLER stays valid while IN_HANDLER counts us (see `detach`);
        // `info` and `ctx` are the kernel's, valid for the duration of the handler.
        unsafe { sample(&*p, info, ctx) };
    }
    IN_HANDLER.fetch_sub(1, SeqCst);
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// Takes one sample. Async-signal-safe; see the module documentation.
///
/// # Safety
///
/// `info` and `ctx` must be the kernel's arguments to an `SA_SIGINFO` handler.
unsafe fn sample(s: &Sampler, info: *const libc::siginfo_t, ctx: *const libc::c_void) {
    // SAFETY: gettid has no preconditions and cannot fail.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) } as u32;
    // As Go's validSIGPROF: a process-timer signal is a sample only for a thread that has
    // no timer of its own, and then also the news of a new thread; other signals (a timer's
    // or a user's kill) are samples.
    // SAFETY: the caller guarantees `info` is the kernel's; si_code is a plain field.
    if unsafe { (*info).si_code } == SI_KERNEL {
        if let Some(timed) = &s.timed {
            match timed.lookup(tid) {
                Timed::Yes => return,
                Timed::Failed => {}
                Timed::Unknown => notify(s.notify_fd, tid),
            }
        }
    }
    // SAFETY: forwarded from the caller.
    let weight = 1 + unsafe { timer_overrun(info) }.min(MAX_WEIGHT);
    let Some(mut claim) = s.ring.claim(weight) else {
        return;
    };
    let rec = claim.record();
    // SAFETY: forwarded from the caller.
    let regs = unsafe { Regs::from_ucontext(ctx) };
    let (depth, flags) = s.walker.unwind(regs, &mut rec.pcs);
    rec.depth = depth;
    rec.flags = flags;
    let (cpu_ns, cpu_at) = cpu_since_last_sample(s, weight);
    rec.cpu_ns = cpu_ns;
    rec.cpu_at = cpu_at;
    // The periods of CPU time the sample stands for, from the thread's clock: the signal
    // count can miss periods (see `cpu_since_last_sample`). At least one: a signal came.
    rec.weight =
        ((cpu_ns + s.period_ns / 2) / s.period_ns.max(1)).clamp(1, u64::from(MAX_WEIGHT)) as u32;
    rec.labels = crate::labels::current_id();
    rec.tid = tid;
    if claim.publish() {
        notify(s.notify_fd, WAKE);
    }
}

/// This thread's CPU time since its previous sample in this session, read from its own CPU
/// clock (for its first sample, `weight` periods), and the clock's reading.
///
/// The signal count alone under-measures: on a loaded machine the kernel delivers timer
/// signals late and does not always count the periods in between (measured here: 111 to
/// 124 of 125 expected periods per thread, 8 threads on 2 cores). The thread's clock is
/// exact, so the `cpu/nanoseconds` of a profile add up to the CPU time the threads used.
fn cpu_since_last_sample(s: &Sampler, weight: u32) -> (u64, u64) {
    // SAFETY: clock_gettime is async-signal-safe and writes into a timespec we own.
    let now = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    };
    let estimate = u64::from(weight) * s.period_ns;
    let Ok((session, last)) = LAST_CPU.try_with(Cell::get) else {
        return (estimate, now);
    };
    let _ = LAST_CPU.try_with(|c| c.set((s.session, now)));
    if session == s.session && now > last {
        (now - last, now)
    } else {
        (estimate, now)
    }
}

/// Periods the timer expired without a signal since the last one (`si_overrun`).
///
/// Posix CPU timers are checked on the scheduler tick (250 Hz on many kernels), so at
/// higher rates several periods pass between two signals; the kernel counts the extra ones
/// here and the sample stands for all of them.
///
/// # Safety
///
/// `info` must point to a kernel-filled `siginfo_t`.
unsafe fn timer_overrun(info: *const libc::siginfo_t) -> u32 {
    // SAFETY: the caller guarantees `info` is valid; si_code is a plain field.
    let code = unsafe { (*info).si_code };
    if code != SI_TIMER {
        return 0;
    }
    // For SI_TIMER the union after the three leading ints holds `int si_tid; int
    // si_overrun;` (Linux's `_sigfault`-free `_timer` arm), starting at the union's 8-byte
    // aligned offset: 16 on 64-bit targets, so si_overrun is at byte 20.
    // SAFETY: siginfo_t is 128 bytes; offset 20 is inside it and 4-byte aligned.
    let overrun = unsafe { info.cast::<u8>().add(20).cast::<i32>().read() };
    overrun.max(0) as u32
}
