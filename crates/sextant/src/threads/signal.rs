//! Asking threads for their stacks: a real-time signal sent to each thread with `tgkill`, a
//! handler that unwinds the interrupted stack into a preallocated slot, and a bounded wait.
//!
//! # The signal
//!
//! The first dump picks the highest real-time signal (`SIGRTMAX` downwards) whose disposition
//! is the default, so a signal another library uses is never taken, and keeps it with its
//! handler installed for the life of the process ([`signal`] says which one). Before each
//! round the handler is checked to still be ours; if another library replaced it, the round
//! fails with an error instead of sending that library signals it does not expect.
//!
//! # A round
//!
//! [`round`] asks a list of threads, at most [`SLOTS`] at a time (the framehop caches the
//! handlers unwind with are as many). Each slot holds one word, `(tid << 32) | state`: the
//! requester writes `PENDING` for a thread and signals it; that thread's handler claims the
//! slot by compare-exchange to `BUSY`, unwinds into it, and marks it `DONE`. A thread that
//! does not answer within the patience (its signal blocked, the thread stopped or in an
//! uninterruptible sleep) has its slot taken back by compare-exchange from `PENDING`, so its
//! handler, if it runs later, finds nothing to write to. Because the thread id is in the
//! word, a handler can never claim a slot meant for another thread.
//!
//! A thread that did not answer is a suspect in the next rounds: its `/proc` status is
//! checked first, and while the previous signal is still pending on it, it is reported as
//! not answering at once, without another signal (real-time signals queue) and without
//! waiting again.
//!
//! Rounds are serialized by one lock (the one on the suspects), which is not on the signal
//! path.
//!
//! # The handler
//!
//! Async-signal-safe, as the CPU profiler's: atomics, the stack walker (no allocation, no
//! lock), a `futex` wake; `errno` saved and restored. It ignores signals not sent by this
//! process with `tgkill`.

use std::cell::UnsafeCell;
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::stackwalk::{MAX_DEPTH, Regs, UNWIND_FAILED};

use super::proc;
use super::walker;

/// Threads asked at once. Each in-flight request holds a slot and, while its handler runs, a
/// framehop cache (about 20 KiB each); 32 keeps that memory small while a dump of a few
/// hundred threads still takes only a few round trips of 32 signals.
pub(crate) const SLOTS: usize = 32;

const FREE: u64 = 0;
const PENDING: u64 = 1;
const BUSY: u64 = 2;
const DONE: u64 = 3;

fn word(tid: i32, state: u64) -> u64 {
    (u64::from(tid as u32) << 32) | state
}

struct Slot {
    word: AtomicU64,
    depth: AtomicU32,
    flags: AtomicU32,
    labels: AtomicU64,
    pcs: UnsafeCell<[u64; MAX_DEPTH]>,
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

static POOL: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
/// Bumped by every handler that answers; the requester sleeps on it with `futex`.
static ANSWERS: AtomicU32 = AtomicU32::new(0);
/// The signal in use, 0 before the first round.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
static INSTALL: Mutex<()> = Mutex::new(());

/// Threads that did not answer their last signal. Held for the whole of a round, so it is
/// also the lock that serializes rounds (dumps and wall samples).
static SUSPECTS: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// A stack, leaf first, as the walker gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Stack {
    pub(crate) pcs: Box<[u64]>,
    /// [`crate::stackwalk::TRUNCATED`], [`UNWIND_FAILED`].
    pub(crate) flags: u32,
    /// The thread's [`crate::labels`] set when the stack was taken.
    pub(crate) labels: u64,
}

/// What a thread answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Stack(Stack),
    /// No answer within the patience, or still pending from an earlier round.
    NoResponse,
    /// `tgkill` found no such thread: it exited.
    Exited,
}

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
const FUTEX_WAIT_PRIVATE: libc::c_int = libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG;
/// `FUTEX_WAKE | FUTEX_PRIVATE_FLAG`.
const FUTEX_WAKE_PRIVATE: libc::c_int = libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG;

/// `futex` on [`ANSWERS`]: wake every waiter, or wait while it holds `expected`.
fn futex(op: libc::c_int, expected: u32, timeout: Option<Duration>) {
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

/// How long [`round`] waits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wait {
    /// For one thread, from its signal.
    pub(crate) patience: Duration,
    /// For the whole round: threads not yet signalled by then are reported as not answering.
    pub(crate) total: Duration,
}

struct InFlight {
    slot: usize,
    target: usize,
    sent: Instant,
}

/// Asks each thread of `tids` for its stack; returns one answer per thread, in order.
///
/// # Errors
///
/// As [`signal`].
pub(crate) fn round(tids: &[i32], wait: Wait) -> Result<Vec<Answer>> {
    let sig = signal()?;
    let mut suspects = SUSPECTS.lock().unwrap_or_else(|e| e.into_inner());
    let suspects = suspects.get_or_insert_with(HashSet::new);
    let start = Instant::now();
    let deadline = start + wait.total;
    let mut answers = vec![Answer::NoResponse; tids.len()];
    let mut free = free_slots();
    let mut flying: Vec<InFlight> = Vec::with_capacity(SLOTS);
    let mut next = 0;
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    loop {
        while next < tids.len() && Instant::now() < deadline {
            let Some(&slot) = free.last() else { break };
            let (target, tid) = (next, tids[next]);
            next += 1;
            if suspects.contains(&tid) {
                match proc::signal_pending(tid, sig) {
                    Some(true) => continue,
                    None => {
                        answers[target] = Answer::Exited;
                        continue;
                    }
                    Some(false) => {}
                }
            }
            POOL[slot].word.store(word(tid, PENDING), SeqCst);
            // SAFETY: tgkill to a thread of this process with the signal whose handler we
            // installed.
            if unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, sig) } != 0 {
                POOL[slot].word.store(FREE, SeqCst);
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
                    answers[target] = Answer::Exited;
                }
                continue;
            }
            free.pop();
            flying.push(InFlight {
                slot,
                target,
                sent: Instant::now(),
            });
        }
        if flying.is_empty() && (next >= tids.len() || Instant::now() >= deadline) {
            break;
        }
        let seen = ANSWERS.load(SeqCst);
        let progress = collect(&mut flying, &mut free, &mut answers, tids, wait, deadline);
        if !progress {
            let now = Instant::now();
            let wake = flying
                .iter()
                .map(|f| f.sent + wait.patience)
                .min()
                .unwrap_or(deadline)
                .min(deadline);
            let nap = wake
                .saturating_duration_since(now)
                .max(Duration::from_micros(50));
            futex(FUTEX_WAIT_PRIVATE, seen, Some(nap));
        }
    }
    for (tid, a) in tids.iter().zip(&answers) {
        if matches!(a, Answer::NoResponse) {
            suspects.insert(*tid);
        } else {
            suspects.remove(tid);
        }
    }
    Ok(answers)
}

/// Takes the answers in, and gives up on threads past their patience. Returns whether any
/// request finished.
fn collect(
    flying: &mut Vec<InFlight>,
    free: &mut Vec<usize>,
    answers: &mut [Answer],
    tids: &[i32],
    wait: Wait,
    deadline: Instant,
) -> bool {
    let now = Instant::now();
    let before = flying.len();
    flying.retain(|f| {
        let tid = tids[f.target];
        let slot = &POOL[f.slot];
        if slot.word.load(SeqCst) == word(tid, DONE) {
            answers[f.target] = Answer::Stack(read(slot));
            slot.word.store(FREE, SeqCst);
            free.push(f.slot);
            return false;
        }
        let late = now >= f.sent + wait.patience || now >= deadline;
        if !late {
            return true;
        }
        if slot
            .word
            .compare_exchange(word(tid, PENDING), FREE, SeqCst, SeqCst)
            .is_ok()
        {
            free.push(f.slot);
            return false;
        }
        // BUSY: the handler is unwinding and will be done in microseconds; wait for it up
        // to a second patience, then leave the slot to it (the next round reclaims it).
        now < f.sent + 2 * wait.patience && now < deadline + wait.patience
    });
    flying.len() != before
}

fn read(slot: &Slot) -> Stack {
    let depth = (slot.depth.load(SeqCst) as usize).clamp(1, MAX_DEPTH);
    // SAFETY: the handler marked the slot DONE; nobody writes it until we free it.
    let pcs = unsafe { &*slot.pcs.get() };
    Stack {
        pcs: pcs[..depth].into(),
        flags: slot.flags.load(SeqCst),
        labels: slot.labels.load(SeqCst),
    }
}

/// The slots free for this round: FREE ones, and DONE ones an earlier round gave up on.
/// BUSY ones belong to a handler still running (a thread stopped inside it) and stay out.
fn free_slots() -> Vec<usize> {
    (0..SLOTS)
        .rev()
        .filter(|&i| {
            let w = POOL[i].word.load(SeqCst);
            match w & 3 {
                FREE => true,
                DONE | PENDING => POOL[i]
                    .word
                    .compare_exchange(w, FREE, SeqCst, SeqCst)
                    .is_ok(),
                _ => false,
            }
        })
        .collect()
}
