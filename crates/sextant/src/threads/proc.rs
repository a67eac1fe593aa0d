//! What `/proc` says about this process's threads: their ids, names, scheduler states, and
//! whether a signal is still pending on one.
//!
//! The directory `/proc/self/task` is kept open and re-read with `getdents64` (by the CPU
//! profiler's timer too): the wall-clock sampler lists threads a hundred times a second,
//! and procfs opens are the expensive part. Each thread's `stat` file is opened once and
//! re-read with `pread` for the same reason.

use std::collections::HashMap;
use std::io;

/// `/proc/self/task`, kept open.
pub(crate) struct TaskDir {
    fd: libc::c_int,
    buf: Vec<u8>,
}

impl TaskDir {
    /// Opens the directory.
    ///
    /// # Errors
    ///
    /// The OS error of `open`.
    pub(crate) fn open() -> io::Result<TaskDir> {
        let fd = open_c(c"/proc/self/task", libc::O_DIRECTORY)?;
        Ok(TaskDir {
            fd,
            buf: vec![0; 16 * 1024],
        })
    }

    /// Replaces `out` with the thread ids listed now, sorted.
    ///
    /// # Errors
    ///
    /// The OS error of `lseek` or `getdents64`.
    pub(crate) fn read(&mut self, out: &mut Vec<i32>) -> io::Result<()> {
        out.clear();
        // SAFETY: lseek on our own open directory fd.
        if unsafe { libc::lseek(self.fd, 0, libc::SEEK_SET) } < 0 {
            return Err(io::Error::last_os_error());
        }
        loop {
            // SAFETY: getdents64 writes at most `buf.len()` bytes into our buffer.
            let n = unsafe {
                libc::syscall(
                    libc::SYS_getdents64,
                    self.fd,
                    self.buf.as_mut_ptr(),
                    self.buf.len(),
                )
            };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            if n == 0 {
                out.sort_unstable();
                return Ok(());
            }
            parse_dirents(&self.buf[..n as usize], out);
        }
    }
}

impl Drop for TaskDir {
    fn drop(&mut self) {
        // SAFETY: closes the fd we opened, once.
        unsafe { libc::close(self.fd) };
    }
}

/// Thread ids from `linux_dirent64` records: `u64 ino, i64 off, u16 reclen, u8 type, name`.
fn parse_dirents(mut buf: &[u8], out: &mut Vec<i32>) {
    while buf.len() >= 19 {
        let reclen = usize::from(u16::from_ne_bytes([buf[16], buf[17]]));
        if reclen < 19 || reclen > buf.len() {
            return;
        }
        let name = &buf[19..reclen];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        if let Some(tid) = std::str::from_utf8(name).ok().and_then(|s| s.parse().ok()) {
            out.push(tid);
        }
        buf = &buf[reclen..];
    }
}

/// The ids of this process's threads, sorted.
///
/// # Errors
///
/// The OS error of reading `/proc/self/task`.
pub(crate) fn list_threads() -> io::Result<Vec<i32>> {
    let mut out = Vec::new();
    TaskDir::open()?.read(&mut out)?;
    Ok(out)
}

/// The calling thread's id.
pub(crate) fn gettid() -> i32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as i32 }
}

/// The name of thread `tid` (`/proc/self/task/TID/comm`), if it still exists.
pub(crate) fn thread_name(tid: u32) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
    Some(s.trim_end_matches('\n').to_string())
}

fn open_c(path: &std::ffi::CStr, flags: libc::c_int) -> io::Result<libc::c_int> {
    // SAFETY: open with a NUL-terminated path.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC | flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// A thread's scheduler state, the third field of `/proc/self/task/TID/stat`, with the words
/// `ps` and the kernel's `task_state_array` use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct State(pub(crate) u8);

impl State {
    /// The state of the calling thread, which is running by definition.
    pub(crate) const RUNNING: State = State(b'R');

    /// The state in words: `running`, `sleeping`, `disk wait`, `stopped`, `tracing stop`,
    /// `zombie`, `dead`, `idle`, `parked`, ...
    pub(crate) fn name(self) -> &'static str {
        match self.0 {
            b'R' => "running",
            b'S' => "sleeping",
            b'D' => "disk wait",
            b'T' => "stopped",
            b't' => "tracing stop",
            b'Z' => "zombie",
            b'X' | b'x' => "dead",
            b'I' => "idle",
            b'P' => "parked",
            b'K' => "wakekill",
            b'W' => "waking",
            _ => "unknown",
        }
    }

    /// Whether the thread has exited and can no longer run a signal handler.
    pub(crate) fn is_dead(self) -> bool {
        matches!(self.0, b'Z' | b'X' | b'x')
    }
}

/// What a thread's `stat` says: its name (`comm`, at most 15 bytes) and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    pub(crate) name: String,
    pub(crate) state: State,
}

/// Parses `pid (comm) S ...`; the name may hold spaces and parentheses, so it runs to the
/// last `)`.
pub(crate) fn parse_stat(text: &[u8]) -> Option<Stat> {
    let open = text.iter().position(|&b| b == b'(')?;
    let close = text.iter().rposition(|&b| b == b')')?;
    if close < open {
        return None;
    }
    let state = *text.get(close + 2)?;
    Some(Stat {
        name: String::from_utf8_lossy(&text[open + 1..close]).into_owned(),
        state: State(state),
    })
}

/// The `stat` of thread `tid`, read once; `None` if the thread is gone.
pub(crate) fn read_stat(tid: i32) -> Option<Stat> {
    let text = std::fs::read(format!("/proc/self/task/{tid}/stat")).ok()?;
    parse_stat(&text)
}

/// Stat files kept open at most. Each costs a file descriptor of the program's, whose soft
/// limit is often 1024; threads beyond this many are read with an open and a close each
/// time, which costs more but cannot exhaust the descriptors.
const MAX_OPEN_STAT_FILES: usize = 256;

/// The `stat` files of the threads seen, kept open between reads.
#[derive(Default)]
pub(crate) struct StatFiles {
    fds: HashMap<i32, libc::c_int>,
    buf: Vec<u8>,
}

impl StatFiles {
    /// The `stat` of thread `tid`, or `None` if it has exited.
    pub(crate) fn read(&mut self, tid: i32) -> Option<Stat> {
        if self.buf.is_empty() {
            self.buf = vec![0; 1024];
        }
        for _ in 0..2 {
            let fd = match self.fds.get(&tid) {
                Some(&fd) => fd,
                None if self.fds.len() >= MAX_OPEN_STAT_FILES => return read_stat(tid),
                None => {
                    let path = format!("/proc/self/task/{tid}/stat\0");
                    let path = std::ffi::CStr::from_bytes_with_nul(path.as_bytes()).ok()?;
                    let fd = open_c(path, 0).ok()?;
                    self.fds.insert(tid, fd);
                    fd
                }
            };
            // SAFETY: pread into our buffer, at most its length.
            let n = unsafe { libc::pread(fd, self.buf.as_mut_ptr().cast(), self.buf.len(), 0) };
            if n > 0 {
                return parse_stat(&self.buf[..n as usize]);
            }
            // The thread behind this fd exited (a later thread may reuse the id): reopen.
            self.close(tid);
        }
        None
    }

    /// Closes the files of threads not in `live` (sorted).
    pub(crate) fn retain(&mut self, live: &[i32]) {
        self.fds.retain(|tid, fd| {
            let keep = live.binary_search(tid).is_ok();
            if !keep {
                // SAFETY: closes an fd we opened, once (it leaves the map).
                unsafe { libc::close(*fd) };
            }
            keep
        });
    }

    fn close(&mut self, tid: i32) {
        if let Some(fd) = self.fds.remove(&tid) {
            // SAFETY: closes an fd we opened, once (it left the map).
            unsafe { libc::close(fd) };
        }
    }
}

impl Drop for StatFiles {
    fn drop(&mut self) {
        self.retain(&[]);
    }
}

/// Whether signal `sig` is pending on thread `tid` (the `SigPnd` mask of its `status`),
/// that is, sent and not yet handled: the thread blocks it, is stopped, or sleeps
/// uninterruptibly. `None` if the thread is gone.
pub(crate) fn signal_pending(tid: i32, sig: i32) -> Option<bool> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).ok()?;
    let mask = text
        .lines()
        .find_map(|l| l.strip_prefix("SigPnd:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())?;
    Some(sig > 0 && sig <= 64 && mask & (1u64 << (sig - 1)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_open_task_dir_sees_threads_come_and_go() {
        let mut dir = TaskDir::open().unwrap();
        let mut before = Vec::new();
        dir.read(&mut before).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            tx.send(gettid()).unwrap();
            done_rx.recv().unwrap();
        });
        let tid = rx.recv().unwrap();
        let mut during = Vec::new();
        dir.read(&mut during).unwrap();
        assert!(!before.contains(&tid) && during.contains(&tid));
        done_tx.send(()).unwrap();
        t.join().unwrap();
        let mut after = Vec::new();
        dir.read(&mut after).unwrap();
        assert!(!after.contains(&tid));
    }

    #[test]
    fn stat_names_may_hold_spaces_and_parentheses() {
        let s = parse_stat(b"1234 (my (odd) name) S 1 2 3").unwrap();
        assert_eq!(s.name, "my (odd) name");
        assert_eq!(s.state.name(), "sleeping");
        assert_eq!(
            parse_stat(b"1234 (x) D 1").unwrap().state.name(),
            "disk wait"
        );
        assert_eq!(parse_stat(b"garbage"), None);
        assert_eq!(parse_stat(b"1 (x)"), None);
    }

    #[test]
    fn this_thread_is_listed_and_running() {
        let me = gettid();
        assert!(list_threads().unwrap().contains(&me));
        let mut files = StatFiles::default();
        assert_eq!(files.read(me).unwrap().state, State::RUNNING);
        assert_eq!(read_stat(me).unwrap().state, State::RUNNING);
    }

    #[test]
    fn a_blocked_signal_shows_as_pending() {
        let (tx, rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // SAFETY: blocks SIGUSR2 on this thread only, with sets we own.
            unsafe {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGUSR2);
                libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            }
            tx.send(gettid()).unwrap();
            go_rx.recv().unwrap();
            // SAFETY: takes the pending SIGUSR2 so it never reaches its default action.
            unsafe {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGUSR2);
                let mut sig = 0;
                libc::sigwait(&set, &mut sig);
            }
        });
        let tid = rx.recv().unwrap();
        assert_eq!(signal_pending(tid, libc::SIGUSR2), Some(false));
        // SAFETY: tgkill to a thread of ours that blocks the signal.
        unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR2) };
        assert_eq!(signal_pending(tid, libc::SIGUSR2), Some(true));
        go_tx.send(()).unwrap();
        t.join().unwrap();
    }
}
