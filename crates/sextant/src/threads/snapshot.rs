//! Every thread's stack at one instant: the calling thread unwinds itself, the others are
//! asked by signal ([`super::round`]), each with the name and state `/proc` gave just
//! before it was signalled (a signalled thread wakes up to answer, so its state is read
//! first).

use std::time::Duration;

use crate::error::Result;
use crate::stackwalk::{MAX_DEPTH, Regs, UNWIND_FAILED};

use super::proc::{self, Stat, State};
use super::round::{self, Answer, Stack, Wait};
use super::walker;

/// How long a dump waits: a thread gets 250 ms to answer (a runnable thread on a loaded
/// machine is scheduled well within that), and the whole dump at most one second, the upper
/// end of what a person or a monitoring scrape waits for.
pub(crate) const DUMP_WAIT: Wait = Wait {
    patience: Duration::from_millis(250),
    total: Duration::from_secs(1),
};

/// One thread in a snapshot.
#[derive(Clone, Debug)]
pub(crate) struct ThreadStack {
    pub(crate) tid: i32,
    pub(crate) name: String,
    pub(crate) state: State,
    /// `None`: the thread did not answer (its signal blocked, stopped, in uninterruptible
    /// sleep, or exited but not yet reaped).
    pub(crate) stack: Option<Stack>,
}

/// The calling thread's stack, from its caller's frame up (this function's frame is the
/// first one).
///
/// Not for signal handlers: it may read `/proc/self/maps` to find this thread's stack.
#[inline(never)]
pub(crate) fn capture_self() -> Stack {
    let regs = Regs::capture();
    let _ = walker::cover(regs.sp);
    let mut pcs = [0u64; MAX_DEPTH];
    let (depth, flags) = walker::with_walker(|w| w.unwind(regs, &mut pcs)).unwrap_or_else(|| {
        pcs[0] = regs.pc;
        (1, UNWIND_FAILED)
    });
    let depth = (depth as usize).clamp(1, MAX_DEPTH);
    Stack {
        pcs: pcs[..depth].into(),
        flags,
        labels: crate::labels::current_id(),
    }
}

/// Every thread of the process now, the calling thread first, then by thread id.
///
/// # Errors
///
/// When `/proc/self/task` or `/proc/self/maps` cannot be read, or the signal cannot be
/// used (see [`super::signal()`]).
pub(crate) fn dump() -> Result<Vec<ThreadStack>> {
    let me = proc::gettid();
    let tids = proc::list_threads()?;
    let others: Vec<(i32, Stat)> = tids
        .iter()
        .filter(|&&t| t != me)
        .filter_map(|&t| Some((t, proc::read_stat(t)?)))
        .collect();
    // After listing, so the stacks of every listed thread are in the ranges.
    walker::refresh()?;
    let mut out = vec![ThreadStack {
        tid: me,
        name: proc::read_stat(me).map(|s| s.name).unwrap_or_default(),
        state: State::RUNNING,
        stack: Some(capture_self()),
    }];
    out.extend(ask(others, DUMP_WAIT)?);
    Ok(out)
}

/// Asks `threads` (id and the `stat` read just now) for their stacks; threads that exited
/// meanwhile are left out.
///
/// # Errors
///
/// As [`round::round`].
pub(crate) fn ask(threads: Vec<(i32, Stat)>, wait: Wait) -> Result<Vec<ThreadStack>> {
    // Exited threads not yet reaped cannot run a handler: not asked.
    let tids: Vec<i32> = threads
        .iter()
        .filter(|(_, s)| !s.state.is_dead())
        .map(|(t, _)| *t)
        .collect();
    let mut answers = round::round(&tids, wait)?.into_iter();
    let mut out = Vec::with_capacity(threads.len());
    for (tid, stat) in threads {
        let answer = if stat.state.is_dead() {
            Answer::NoResponse
        } else {
            answers.next().unwrap_or(Answer::NoResponse)
        };
        let stack = match answer {
            Answer::Stack(s) => Some(s),
            Answer::Exited => continue,
            // Gone since it was listed: it exited rather than ignored us.
            Answer::NoResponse if proc::read_stat(tid).is_none() => continue,
            Answer::NoResponse => None,
        };
        out.push(ThreadStack {
            tid,
            name: stat.name,
            state: stat.state,
            stack,
        });
    }
    Ok(out)
}
