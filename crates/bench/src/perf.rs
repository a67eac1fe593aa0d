//! `-metrics`: counters from the kernel's performance events, reported per op.
//!
//! Each event opens one counter on the benchmark's thread with `inherit` set, so the threads
//! `run_parallel` starts (and joins before the timer stops) are counted too. Only user space
//! is counted, which `perf_event_paranoid` ≤ 2 allows without privileges. Hardware events
//! (`cycles`, `instructions`, caches, branches) are often missing in virtual machines; the
//! harness then says so once and leaves that metric out rather than print a made-up number.

#[cfg(target_os = "linux")]
#[path = "perf/linux.rs"]
mod sys;
#[cfg(not(target_os = "linux"))]
#[path = "perf/other.rs"]
mod sys;

/// A countable event, named as `perf stat` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// CPU cycles (hardware).
    Cycles,
    /// Retired instructions (hardware).
    Instructions,
    /// Last-level cache references (hardware).
    CacheReferences,
    /// Last-level cache misses (hardware).
    CacheMisses,
    /// Retired branch instructions (hardware).
    Branches,
    /// Mispredicted branches (hardware).
    BranchMisses,
    /// CPU time of the benchmark's threads, in nanoseconds (software).
    TaskClock,
    /// Page faults (software).
    PageFaults,
    /// Context switches (software).
    ContextSwitches,
    /// Moves of a thread between CPUs (software).
    CpuMigrations,
}

const TABLE: &[(Event, &str)] = &[
    (Event::Cycles, "cycles"),
    (Event::Instructions, "instructions"),
    (Event::CacheReferences, "cache-references"),
    (Event::CacheMisses, "cache-misses"),
    (Event::Branches, "branches"),
    (Event::BranchMisses, "branch-misses"),
    (Event::TaskClock, "task-clock"),
    (Event::PageFaults, "page-faults"),
    (Event::ContextSwitches, "context-switches"),
    (Event::CpuMigrations, "cpu-migrations"),
];

impl Event {
    /// The event called `name` (`perf stat`'s spelling), if there is one.
    pub fn from_name(name: &str) -> Option<Event> {
        TABLE.iter().find(|(_, n)| *n == name).map(|(e, _)| *e)
    }

    /// Every event name, for help and error messages.
    pub fn names() -> Vec<&'static str> {
        TABLE.iter().map(|(_, n)| *n).collect()
    }

    /// The event's name, such as `cache-misses`.
    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(e, _)| *e == self)
            .map_or("?", |(_, n)| n)
    }

    /// The unit it is reported in: `task-clock` is CPU time, so `cpu-ns/op`; the others
    /// count things, so `<name>/op` (`instructions/op`).
    pub fn unit(self) -> String {
        match self {
            Event::TaskClock => "cpu-ns/op".to_string(),
            e => format!("{}/op", e.name()),
        }
    }
}

/// An open counter.
#[derive(Debug)]
pub struct Counter {
    event: Event,
    inner: sys::Counter,
}

impl Counter {
    /// Opens a counter of `event` for this thread and the threads it starts from now on.
    ///
    /// # Errors
    ///
    /// A message saying why the event cannot be counted here, such as
    /// `cycles: not supported by this CPU, kernel or virtual machine (perf_event_open: ...)`.
    pub fn open(event: Event) -> Result<Counter, String> {
        sys::Counter::open(event)
            .map(|inner| Counter { event, inner })
            .map_err(|why| format!("{}: {why}", event.name()))
    }

    /// The event counted.
    pub fn event(&self) -> Event {
        self.event
    }

    /// The count so far.
    pub fn read(&self) -> u64 {
        self.inner.read()
    }
}
