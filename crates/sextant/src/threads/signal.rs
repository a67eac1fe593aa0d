//! The signal that asks threads for their stacks, its handler, and the preallocated slots
//! the handler unwinds into ([`super::round`] sends the signals and waits for the answers).
//!
//! # The signal
//!
//! The first dump picks the highest real-time signal (`SIGRTMAX` downwards) whose disposition
//! is the default, so a signal another library uses is never taken, and keeps it with its
//! handler installed for the life of the process ([`signal`] says which one). Before each
//! round the handler is checked to still be ours; if another library replaced it, the round
//! fails with an error instead of sending that library signals it does not expect.
//!
//! # The handler
//!
//! Async-signal-safe, as the CPU profiler's: atomics, the stack walker (no allocation, no
//! lock), a `futex` wake; `errno` saved and restored. It ignores signals not sent by this
//! process with `tgkill`.

use std::cell::UnsafeCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::stackwalk::{MAX_DEPTH, Regs, UNWIND_FAILED};

use super::proc;
use super::walker;

/// Threads asked at once. Each in-flight request holds a slot and, while its handler runs, a
/// framehop cache (about 20 KiB each); 32 keeps that memory small while a dump of a few
/// hundred threads still takes only a few round trips of 32 signals.
pub(crate) const SLOTS: usize = 32;

pub(super) const FREE: u64 = 0;
pub(super) const PENDING: u64 = 1;
pub(super) const BUSY: u64 = 2;
pub(super) const DONE: u64 = 3;

pub(super) fn word(tid: i32, state: u64) -> u64 {
    (u64::from(tid as u32) << 32) | state
}

pub(super) struct Slot {
    pub(super) word: AtomicU64,
    pub(super) depth: AtomicU32,
    pub(super) flags: AtomicU32,
    pub(super) labels: AtomicU64,
    pub(super) pcs: UnsafeCell<[u64; MAX_DEPTH]>,
}

// SAFETY: `pcs` is written only by the handler that moved `word` from PENDING to BUSY and
// read only by the requester after it saw DONE (SeqCst), or by nobody.
unsafe impl Sync for Slot {}

impl Slot {
    const fn new() -> Slot {
        Slot {
            word: AtomicU64::new(FREE),
            depth: AtomicU32::new(0),
            flags: AtomicU32::new(0),
            labels: AtomicU64::new(0),
            pcs: UnsafeCell::new([0; MAX_DEPTH]),
        }
    }
}

pub(super) static POOL: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
/// Bumped by every handler that answers; the requester sleeps on it with `futex`.
pub(super) static ANSWERS: AtomicU32 = AtomicU32::new(0);
/// The signal in use, 0 before the first round.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
static INSTALL: Mutex<()> = Mutex::new(());

/// The signal thread dumps use (a real-time signal, `SIGRTMAX` or below), installing its
/// handler on first use.
///
/// # Errors
///
/// [`Error::Os`] if no real-time signal is free, or if another library replaced the handler
/// since it was installed.
pub(crate) fn signal() -> Result<i32> {
    let sig = SIGNAL.load(SeqCst);
    if sig != 0 {
        return match disposition(sig)? {
            d if d == handler_address() => Ok(sig),
            _ => Err(Error::Os {
                call: "sigaction",
                source: std::io::Error::other(format!(
                    "another library replaced the handler of signal {sig}, which sextant \
                     uses for thread dumps; sextant does not chain to it"
                )),
            }),
        };
    }
    let _g = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if SIGNAL.load(SeqCst) != 0 {
        return signal();
    }
    for sig in (libc::SIGRTMIN()..=libc::SIGRTMAX()).rev() {
        if disposition(sig)? != libc::SIG_DFL {
            continue;
        }
        install(sig)?;
        SIGNAL.store(sig, SeqCst);
        return Ok(sig);
    }
    Err(Error::Os {
        call: "sigaction",
        source: std::io::Error::other(
            "every real-time signal has a handler already; none is free for thread dumps",
        ),
    })
}

fn handler_address() -> libc::sighandler_t {
    on_signal as *const () as libc::sighandler_t
}

fn disposition(sig: i32) -> Result<libc::sighandler_t> {
    // SAFETY: sigaction with a null new action only reads the current disposition into a
    // zeroed struct we own.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, std::ptr::null(), &mut old) != 0 {
            return Err(Error::last_os("sigaction"));
        }
        Ok(old.sa_sigaction)
    }
}

fn install(sig: i32) -> Result<()> {
    // SAFETY: a zeroed sigaction with our handler, an empty mask, SA_SIGINFO for the
    // ucontext, and SA_RESTART so the system calls the signal interrupts resume (those the
    // kernel never restarts, such as nanosleep, return EINTR and std retries them).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler_address();
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
            return Err(Error::last_os("sigaction"));
        }
    }
    Ok(())
}

extern "C" fn on_signal(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    let errno = unsafe { *libc::__errno_location() };
    // SAFETY: `info` is the kernel's siginfo, checked non-null.
    if !info.is_null() && !ctx.is_null() && unsafe { sent_by_us(info) } {
        // SAFETY: `ctx` is the kernel's ucontext for this SA_SIGINFO handler.
        unsafe { answer(ctx) };
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// Whether the signal came from `tgkill` in this process (not from another process, nor
/// from the kernel).
///
/// # Safety
///
/// `info` must point to a kernel-filled `siginfo_t`.
unsafe fn sent_by_us(info: *const libc::siginfo_t) -> bool {
    // SAFETY: the caller guarantees `info` is valid; si_code is a plain field.
    let code = unsafe { (*info).si_code };
    // For SI_TKILL the union after the three leading ints starts with `pid_t si_pid`, at
    // the union's 8-byte aligned offset 16 on 64-bit targets.
    // SAFETY: siginfo_t is 128 bytes; offset 16 is inside it and 4-byte aligned.
    let pid = unsafe { info.cast::<u8>().add(16).cast::<i32>().read() };
    // SAFETY: getpid has no preconditions.
    code == libc::SI_TKILL && pid == unsafe { libc::getpid() }
}

/// Finds the slot pending for this thread and unwinds into it.
///
/// # Safety
///
/// `ctx` must be the kernel's `ucontext_t` for this handler.
unsafe fn answer(ctx: *const libc::c_void) {
    let tid = proc::gettid();
    let want = word(tid, PENDING);
    let Some(slot) = POOL.iter().find(|s| {
        s.word.load(SeqCst) == want
            && s.word
                .compare_exchange(want, word(tid, BUSY), SeqCst, SeqCst)
                .is_ok()
    }) else {
        return;
    };
    // SAFETY: forwarded from the caller.
    let regs = unsafe { Regs::from_ucontext(ctx) };
    // SAFETY: this handler moved the slot to BUSY, so it alone touches `pcs` until DONE.
    let pcs = unsafe { &mut *slot.pcs.get() };
    let (depth, flags) = walker::with_walker(|w| w.unwind(regs, pcs)).unwrap_or_else(|| {
        pcs[0] = regs.pc;
        (1, UNWIND_FAILED)
    });
    slot.depth.store(depth, SeqCst);
    slot.flags.store(flags, SeqCst);
    slot.labels.store(crate::labels::current_id(), SeqCst);
    slot.word.store(word(tid, DONE), SeqCst);
    ANSWERS.fetch_add(1, SeqCst);
    futex(FUTEX_WAKE_PRIVATE, 0, None);
}

/// `FUTEX_WAIT | FUTEX_PRIVATE_FLAG` (the word is not shared with another process).
pub(super) const FUTEX_WAIT_PRIVATE: libc::c_int = libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG;
/// `FUTEX_WAKE | FUTEX_PRIVATE_FLAG`.
const FUTEX_WAKE_PRIVATE: libc::c_int = libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG;

/// `futex` on [`ANSWERS`]: wake every waiter, or wait while it holds `expected`.
pub(super) fn futex(op: libc::c_int, expected: u32, timeout: Option<Duration>) {
    let ts = timeout.map(|d| libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let (count, ts_ptr) = match &ts {
        Some(ts) => (expected, ts as *const libc::timespec),
        None => (i32::MAX as u32, std::ptr::null()),
    };
    // SAFETY: futex on a static atomic word (valid for the life of the process) with a
    // timespec that outlives the call; async-signal-safe (one system call).
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            ANSWERS.as_ptr(),
            op,
            count,
            ts_ptr,
            std::ptr::null::<u32>(),
            0,
        );
    }
}
