//! Helpers shared by the test modules: serialization, threads parked in known functions,
//! and reading functions out of a profile.

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sextant::Profile;
use sextant_profile::{LabelValue, Sample};

/// Dumps and wall profiles see every thread: one test at a time.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The calling thread's id.
pub(crate) fn gettid() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::syscall(libc::SYS_gettid) as i32 }
}

/// The state letter of thread `tid` in `/proc/self/task/TID/stat`.
pub(crate) fn state(tid: i32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    s[s.rfind(')')? + 2..].chars().next()
}

/// Waits (at most 10 s) until every thread of `tids` sleeps.
pub(crate) fn wait_asleep(tids: &[i32]) {
    let end = Instant::now() + Duration::from_secs(10);
    while !tids.iter().all(|&t| state(t) == Some('S')) {
        assert!(Instant::now() < end, "threads {tids:?} did not go to sleep");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Blocks on a channel receive until released.
#[inline(never)]
pub(crate) fn park_on_channel(rx: mpsc::Receiver<()>) {
    let _ = std::hint::black_box(rx.recv());
}

/// Blocks on a barrier until released.
#[inline(never)]
pub(crate) fn park_on_barrier(b: &Barrier) {
    std::hint::black_box(b.wait());
}

/// Threads parked in [`park_on_channel`] and [`park_on_barrier`], released on drop.
pub(crate) struct Parked {
    pub(crate) tids: Vec<i32>,
    senders: Vec<mpsc::Sender<()>>,
    barrier: Arc<Barrier>,
    handles: Vec<JoinHandle<()>>,
}

impl Parked {
    /// `on_channel` threads in [`park_on_channel`], `on_barrier` in [`park_on_barrier`],
    /// all asleep when this returns.
    pub(crate) fn new(on_channel: usize, on_barrier: usize) -> Parked {
        let barrier = Arc::new(Barrier::new(on_barrier + 1));
        let (tid_tx, tid_rx) = mpsc::channel();
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..on_channel {
            let (tx, rx) = mpsc::channel();
            senders.push(tx);
            let tid_tx = tid_tx.clone();
            handles.push(std::thread::spawn(move || {
                tid_tx.send(gettid()).unwrap();
                park_on_channel(rx);
            }));
        }
        for _ in 0..on_barrier {
            let b = barrier.clone();
            let tid_tx = tid_tx.clone();
            handles.push(std::thread::spawn(move || {
                tid_tx.send(gettid()).unwrap();
                park_on_barrier(&b);
            }));
        }
        let tids: Vec<i32> = (0..on_channel + on_barrier)
            .map(|_| tid_rx.recv().unwrap())
            .collect();
        wait_asleep(&tids);
        Parked {
            tids,
            senders,
            barrier,
            handles,
        }
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        for tx in self.senders.drain(..) {
            let _ = tx.send(());
        }
        // The barrier counts the parked threads plus this one (alone, it does not block).
        self.barrier.wait();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

/// The function names of a sample's stack, leaf first (inlined frames included).
pub(crate) fn functions(p: &Profile, s: &Sample) -> Vec<String> {
    s.location
        .iter()
        .filter_map(|id| p.location.iter().find(|l| l.id == *id))
        .flat_map(|l| l.line.iter())
        .filter_map(|line| p.function.iter().find(|f| Some(f.id) == line.function_id))
        .map(|f| f.name.clone())
        .collect()
}

/// Samples whose stack holds a function whose name ends with `name`.
pub(crate) fn samples_with<'a>(p: &'a Profile, name: &str) -> Vec<&'a Sample> {
    p.sample
        .iter()
        .filter(|s| functions(p, s).iter().any(|f| f.ends_with(name)))
        .collect()
}

/// Sum of value `index` over [`samples_with`].
pub(crate) fn total_with(p: &Profile, name: &str, index: usize) -> i64 {
    samples_with(p, name).iter().map(|s| s.value[index]).sum()
}

/// The string label `key` of a sample.
pub(crate) fn label<'a>(s: &'a Sample, key: &str) -> Option<&'a str> {
    s.label
        .iter()
        .find(|l| &*l.key == key)
        .and_then(|l| match &l.value {
            LabelValue::Str(v) => Some(&**v),
            LabelValue::Num { .. } => None,
        })
}
