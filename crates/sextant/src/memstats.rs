//! Allocation statistics (Go's `runtime.ReadMemStats`), a `gctrace`-style trace line, and a
//! heap limit that writes a profile when live memory crosses it.
//!
//! The counts come from [`crate::heap::Sampler`]: with another global allocator they stay 0
//! (see [`MemStats::installed`]).
//!
//! ```no_run
//! let s = sextant::memstats::read();
//! println!("{} bytes live in {} objects", s.live_bytes, s.mallocs - s.frees);
//! // Catch a leak in the act: write a heap profile when live memory passes 1 GiB.
//! sextant::memstats::set_limit(1 << 30, "/tmp/over-limit.pb.gz")?;
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! # Precision
//!
//! Every allocation and free is counted, exactly, in counters of its own thread; a thread
//! adds them to the global totals each time it has allocated or freed 64 KiB (and when it
//! exits). A total read by [`read`] therefore lacks at most 64 KiB of allocations and 64 KiB
//! of frees per other running thread (and 4096 objects each for allocations of 16 bytes);
//! the calling thread's own counts are flushed first. The peak is sampled at flushes, with
//! the same bound.
//!
//! # `SEXTANT_MEMTRACE`
//!
//! With `SEXTANT_MEMTRACE=1` in its environment (or `=<milliseconds>`, default 1000), a
//! program with the [`crate::heap::Sampler`] prints one line per interval to stderr from a
//! background thread, as Go's `GODEBUG=gctrace=1` does per collection:
//!
//! ```text
//! memtrace @2.001s: 812 MB/s 5102345 allocs/s, live 12 MB, peak 15 MB, rss 31 MB
//! ```
//!
//! time since the trace started, allocation rate over the interval in bytes and objects, live
//! heap, peak live heap, resident set size. [`start_trace`] starts the same thread from code.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static FREES: AtomicU64 = AtomicU64::new(0);
static FREE_BYTES: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

/// Allocation statistics of this process, from [`read`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemStats {
    /// Bytes allocated and not yet freed (Go's `Alloc`, `HeapAlloc`).
    pub live_bytes: u64,
    /// Bytes allocated since the program started (Go's `TotalAlloc`).
    pub total_alloc_bytes: u64,
    /// Allocations since the program started (Go's `Mallocs`).
    pub mallocs: u64,
    /// Frees since the program started (Go's `Frees`).
    pub frees: u64,
    /// Bytes freed since the program started.
    pub freed_bytes: u64,
    /// The highest `live_bytes` seen (at counter flushes; see the module documentation).
    pub peak_live_bytes: u64,
    /// This process's resident set size now, from `/proc/self/statm` (0 if unreadable).
    pub rss_bytes: u64,
    /// The highest resident set size of this process (`getrusage`'s `ru_maxrss`, as Go's
    /// `MaxRSS`).
    pub max_rss_bytes: u64,
    /// Whether a [`crate::heap::Sampler`] is the global allocator (else the counts are 0).
    pub installed: bool,
}

/// Reads the statistics now. See the module documentation for their precision.
pub fn read() -> MemStats {
    crate::heap::flush_current_thread();
    let frees = FREES.load(Ordering::Acquire);
    let freed_bytes = FREE_BYTES.load(Ordering::Acquire);
    let mallocs = ALLOCS.load(Ordering::Acquire);
    let total_alloc_bytes = ALLOC_BYTES.load(Ordering::Acquire);
    let live_bytes = total_alloc_bytes.saturating_sub(freed_bytes);
    MemStats {
        live_bytes,
        total_alloc_bytes,
        mallocs,
        frees,
        freed_bytes,
        peak_live_bytes: PEAK.load(Ordering::Relaxed).max(live_bytes),
        rss_bytes: rss(),
        max_rss_bytes: max_rss(),
        installed: crate::heap::is_installed(),
    }
}

/// Adds a thread's pending counts (the allocator's flush). Lock-free and allocation-free:
/// it runs inside the allocator.
pub(crate) fn add(allocs: u64, alloc_bytes: u64, frees: u64, free_bytes: u64) {
    let freed = FREE_BYTES.fetch_add(free_bytes, Ordering::AcqRel) + free_bytes;
    FREES.fetch_add(frees, Ordering::Relaxed);
    ALLOCS.fetch_add(allocs, Ordering::Relaxed);
    let total = ALLOC_BYTES.fetch_add(alloc_bytes, Ordering::AcqRel) + alloc_bytes;
    let live = total.saturating_sub(freed);
    PEAK.fetch_max(live, Ordering::Relaxed);
    check_limit(live);
}

fn rss() -> u64 {
    // statm: size resident shared text lib data dt, in pages.
    let Ok(s) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = s
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf reads a constant of the system; no memory is passed.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page.max(0) as u64
}

fn max_rss() -> u64 {
    // SAFETY: `usage` is a valid, writable rusage for getrusage to fill.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0;
        }
        // Linux reports kilobytes.
        usage.ru_maxrss.max(0) as u64 * 1024
    }
}

// ---------------------------------------------------------------------------------------
// The limit.

/// Below the limit (or none set), watching.
const ARMED: u8 = 0;
/// Crossed; the watcher has been woken to write the profile.
const TRIPPED: u8 = 1;
/// Written; re-armed once live memory falls back under the limit.
const WRITTEN: u8 = 2;

static LIMIT: AtomicU64 = AtomicU64::new(0);
static LIMIT_STATE: AtomicU8 = AtomicU8::new(ARMED);
static WATCHER: OnceLock<Thread> = OnceLock::new();
static LIMIT_CONFIG: Mutex<Option<Limit>> = Mutex::new(None);
static WRITES: AtomicU64 = AtomicU64::new(0);

/// A heap limit: when live memory crosses `bytes`, a watcher thread writes a heap profile to
/// a file, so a leak is caught in the act. The allocator only flips a flag and wakes the
/// watcher; the profile is written outside it.
///
/// ```no_run
/// use sextant::memstats::Limit;
/// Limit::new(512 << 20, "/tmp/heap-over-512M.txt").debug(1).install()?;
/// # Ok::<(), sextant::Error>(())
/// ```
///
/// After writing, the limit re-arms once live memory falls back under it; a second crossing
/// overwrites the file.
#[derive(Debug, Clone)]
pub struct Limit {
    bytes: u64,
    path: PathBuf,
    debug: u32,
    profile: &'static str,
}

impl Limit {
    /// A limit of `bytes` live bytes writing the `heap` profile (profile.proto, gzip) to
    /// `path`.
    pub fn new(bytes: u64, path: impl Into<PathBuf>) -> Limit {
        Limit {
            bytes,
            path: path.into(),
            debug: 0,
            profile: "heap",
        }
    }

    /// Writes Go's text format (`debug=1`) instead of profile.proto.
    pub fn debug(mut self, debug: u32) -> Limit {
        self.debug = debug;
        self
    }

    /// Writes the `allocs` profile (the same data, `alloc_space` by default) instead.
    pub fn allocs(mut self) -> Limit {
        self.profile = "allocs";
        self
    }

    /// Sets this limit, replacing any earlier one, and starts the watcher thread if it is
    /// not running.
    ///
    /// A limit of 0 bytes removes the limit, as [`clear_limit`].
    ///
    /// # Errors
    ///
    /// When the watcher thread cannot be started.
    pub fn install(self) -> Result<()> {
        if self.bytes == 0 {
            clear_limit();
            return Ok(());
        }
        let bytes = self.bytes;
        *LIMIT_CONFIG.lock().unwrap_or_else(|e| e.into_inner()) = Some(self);
        start_watcher()?;
        LIMIT_STATE.store(ARMED, Ordering::Release);
        LIMIT.store(bytes, Ordering::Release);
        // Already over it: the next flush would trip it; check now for a quiet program.
        check_limit(read().live_bytes);
        Ok(())
    }
}

/// Sets a heap limit (see [`Limit`]): when live memory crosses `bytes`, the heap profile is
/// written to `path` (profile.proto, gzip-compressed).
///
/// # Errors
///
/// As [`Limit::install`].
pub fn set_limit(bytes: u64, path: impl Into<PathBuf>) -> Result<()> {
    Limit::new(bytes, path).install()
}

/// Removes the heap limit.
pub fn clear_limit() {
    LIMIT.store(0, Ordering::Release);
}

/// How many profiles the limit has written since the program started.
pub fn limit_writes() -> u64 {
    WRITES.load(Ordering::Acquire)
}

/// The allocator's side: flip the flag and wake the watcher. Allocation-free and lock-free
/// (`Thread::unpark` is a futex wake).
fn check_limit(live: u64) {
    let limit = LIMIT.load(Ordering::Relaxed);
    if limit == 0 {
        return;
    }
    if live > limit {
        if LIMIT_STATE
            .compare_exchange(ARMED, TRIPPED, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            if let Some(t) = WATCHER.get() {
                t.unpark();
            }
        }
    } else if LIMIT_STATE.load(Ordering::Relaxed) == WRITTEN {
        let _ = LIMIT_STATE.compare_exchange(WRITTEN, ARMED, Ordering::AcqRel, Ordering::Relaxed);
    }
}

fn start_watcher() -> Result<()> {
    static STARTING: AtomicBool = AtomicBool::new(false);
    if STARTING.swap(true, Ordering::AcqRel) {
        while WATCHER.get().is_none() {
            std::thread::yield_now();
        }
        return Ok(());
    }
    let h = std::thread::Builder::new()
        .name("sextant-memlimit".into())
        .spawn(watch)
        .map_err(|e| Error::Os {
            call: "spawn the heap limit watcher",
            source: e,
        })?;
    let _ = WATCHER.set(h.thread().clone());
    Ok(())
}

fn watch() {
    loop {
        // Parking can wake spuriously; the state says whether there is work.
        std::thread::park();
        if LIMIT_STATE.load(Ordering::Acquire) != TRIPPED {
            continue;
        }
        let config = LIMIT_CONFIG
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(l) = config {
            if let Err(e) = write_limit_profile(&l) {
                eprintln!(
                    "sextant: heap limit of {} bytes crossed; writing {}: {e}",
                    l.bytes,
                    l.path.display()
                );
            }
        }
        WRITES.fetch_add(1, Ordering::AcqRel);
        LIMIT_STATE.store(WRITTEN, Ordering::Release);
        // Already back under the limit: re-arm now rather than at the next flush.
        check_limit(read().live_bytes);
    }
}

fn write_limit_profile(l: &Limit) -> Result<()> {
    let tmp = l.path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    crate::lookup(l.profile)
        .expect("heap and allocs are known profiles")
        .write_to(&mut f, l.debug)?;
    f.flush()?;
    drop(f);
    // Whole or absent: a reader never sees half a profile.
    std::fs::rename(&tmp, &l.path)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The trace.

/// Starts printing a trace line to stderr every `interval` (see the module documentation),
/// unless a trace is already running.
///
/// # Errors
///
/// When the thread cannot be started.
pub fn start_trace(interval: Duration) -> Result<()> {
    static RUNNING: AtomicBool = AtomicBool::new(false);
    if RUNNING.swap(true, Ordering::AcqRel) {
        return Ok(());
    }
    let interval = interval.max(Duration::from_millis(1));
    std::thread::Builder::new()
        .name("sextant-memtrace".into())
        .spawn(move || trace(interval))
        .map(|_| ())
        .map_err(|e| Error::Os {
            call: "spawn the memory trace thread",
            source: e,
        })
}

fn trace(interval: Duration) {
    let start = Instant::now();
    let mut last = (start, read());
    loop {
        std::thread::sleep(interval);
        let now = (Instant::now(), read());
        let line = trace_line(now.0 - start, &last.1, &now.1, now.0 - last.0);
        // A closed stderr is not our business to report.
        let _ = std::io::stderr().write_all(line.as_bytes());
        last = now;
    }
}

/// One trace line from two readings `dt` apart.
fn trace_line(since: Duration, was: &MemStats, now: &MemStats, dt: Duration) -> String {
    let secs = dt.as_secs_f64().max(1e-9);
    let bytes = now.total_alloc_bytes.saturating_sub(was.total_alloc_bytes) as f64 / secs;
    let objects = now.mallocs.saturating_sub(was.mallocs) as f64 / secs;
    format!(
        "memtrace @{:.3}s: {} MB/s {} allocs/s, live {} MB, peak {} MB, rss {} MB\n",
        since.as_secs_f64(),
        (bytes / 1e6).round(),
        objects.round(),
        mb(now.live_bytes),
        mb(now.peak_live_bytes),
        mb(now.rss_bytes),
    )
}

fn mb(b: u64) -> u64 {
    (b + 500_000) / 1_000_000
}

/// Reads `SEXTANT_MEMTRACE` at program start: `1` (or any non-number but `0`) traces every
/// second, a number of milliseconds traces at that interval.
extern "C" fn memtrace_from_env() {
    let Some(v) = std::env::var_os("SEXTANT_MEMTRACE") else {
        return;
    };
    let v = v.to_string_lossy();
    let ms = match v.trim().parse::<u64>() {
        Ok(0) => return,
        Ok(1) => 1000,
        Ok(n) => n,
        Err(_) if v.trim().is_empty() => return,
        Err(_) => 1000,
    };
    if let Err(e) = start_trace(Duration::from_millis(ms)) {
        eprintln!("sextant: SEXTANT_MEMTRACE: {e}");
    }
}

/// Runs [`memtrace_from_env`] before `main`, from the ELF constructors (as std's own
/// argument capture does). Referenced from the sampler so the linker keeps it.
#[used]
#[unsafe(link_section = ".init_array")]
pub(crate) static MEMTRACE_INIT: extern "C" fn() = memtrace_from_env;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_line_gives_rates_over_the_interval() {
        let was = MemStats {
            total_alloc_bytes: 1_000_000,
            mallocs: 1000,
            ..MemStats::default()
        };
        let now = MemStats {
            total_alloc_bytes: 401_000_000,
            mallocs: 2_001_000,
            live_bytes: 12_400_000,
            peak_live_bytes: 15_600_000,
            rss_bytes: 31_000_000,
            ..MemStats::default()
        };
        // 400 MB and 2M objects in half a second: 800 MB/s, 4M allocs/s.
        assert_eq!(
            trace_line(
                Duration::from_millis(2001),
                &was,
                &now,
                Duration::from_millis(500)
            ),
            "memtrace @2.001s: 800 MB/s 4000000 allocs/s, live 12 MB, peak 16 MB, rss 31 MB\n"
        );
    }
}
