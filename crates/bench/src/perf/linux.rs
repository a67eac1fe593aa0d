//! perf_event_open(2) on Linux.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::Event;

/// `struct perf_event_attr` up to `config1` (`PERF_ATTR_SIZE_VER0`, 64 bytes), the part every
/// kernel since 2.6.31 reads.
#[repr(C)]
#[derive(Default)]
struct Attr {
    kind: u32,
    size: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup_events: u32,
    bp_type: u32,
    config1: u64,
}

const PERF_TYPE_HARDWARE: u32 = 0;
const PERF_TYPE_SOFTWARE: u32 = 1;
// Bits of `flags`, in the kernel's bitfield order.
const INHERIT: u64 = 1 << 1;
const EXCLUDE_KERNEL: u64 = 1 << 5;
const EXCLUDE_HV: u64 = 1 << 6;
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;

fn kind_and_config(event: Event) -> (u32, u64) {
    match event {
        Event::Cycles => (PERF_TYPE_HARDWARE, 0),
        Event::Instructions => (PERF_TYPE_HARDWARE, 1),
        Event::CacheReferences => (PERF_TYPE_HARDWARE, 2),
        Event::CacheMisses => (PERF_TYPE_HARDWARE, 3),
        Event::Branches => (PERF_TYPE_HARDWARE, 4),
        Event::BranchMisses => (PERF_TYPE_HARDWARE, 5),
        Event::TaskClock => (PERF_TYPE_SOFTWARE, 1),
        Event::PageFaults => (PERF_TYPE_SOFTWARE, 2),
        Event::ContextSwitches => (PERF_TYPE_SOFTWARE, 3),
        Event::CpuMigrations => (PERF_TYPE_SOFTWARE, 4),
    }
}

#[derive(Debug)]
pub(super) struct Counter {
    fd: OwnedFd,
}

impl Counter {
    pub(super) fn open(event: Event) -> Result<Counter, String> {
        let (kind, config) = kind_and_config(event);
        let attr = Attr {
            kind,
            size: std::mem::size_of::<Attr>() as u32,
            config,
            flags: INHERIT | EXCLUDE_KERNEL | EXCLUDE_HV,
            ..Attr::default()
        };
        // SAFETY: `attr` is a valid, initialised perf_event_attr of the size it declares and
        // outlives the call; pid 0 / cpu -1 / group -1 ask for this thread on any CPU.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_perf_event_open,
                &attr as *const Attr,
                0 as libc::pid_t,
                -1 as libc::c_int,
                -1 as libc::c_int,
                PERF_FLAG_FD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(explain(io::Error::last_os_error()));
        }
        // SAFETY: the kernel returned a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
        Ok(Counter { fd })
    }

    pub(super) fn read(&self) -> u64 {
        let mut value = 0u64;
        // SAFETY: reads at most 8 bytes into a live, aligned u64 from a descriptor we own.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), (&mut value as *mut u64).cast(), 8) };
        if n == 8 { value } else { 0 }
    }
}

fn explain(err: io::Error) -> String {
    let why = match err.raw_os_error() {
        Some(libc::ENOENT | libc::EOPNOTSUPP | libc::ENODEV | libc::EINVAL) => {
            "not supported by this CPU, kernel or virtual machine".to_string()
        }
        Some(libc::EACCES | libc::EPERM) => {
            let level = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".to_string());
            format!(
                "not permitted (kernel.perf_event_paranoid is {level}; user-space counting \
                 needs 2 or less)"
            )
        }
        Some(libc::ENOSYS) => "this kernel has no perf_event_open".to_string(),
        _ => "cannot be counted here".to_string(),
    };
    format!("{why} (perf_event_open: {err})")
}
