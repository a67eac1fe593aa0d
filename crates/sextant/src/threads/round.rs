//! A round of requests: each listed thread is signalled and waited for, a bounded time.
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

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::stackwalk::MAX_DEPTH;

use super::proc;
use super::signal::{
    ANSWERS, DONE, FREE, FUTEX_WAIT_PRIVATE, PENDING, POOL, SLOTS, Slot, futex, signal, word,
};

/// Threads that did not answer their last signal. Held for the whole of a round, so it is
/// also the lock that serializes rounds (dumps and wall samples).
static SUSPECTS: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// A stack, leaf first, as the walker gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Stack {
    pub(crate) pcs: Box<[u64]>,
    /// [`crate::stackwalk::TRUNCATED`], [`crate::stackwalk::UNWIND_FAILED`].
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
