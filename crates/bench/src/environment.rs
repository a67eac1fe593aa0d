//! Warnings about a machine whose measurements cannot be trusted, as hyperfine gives them.
//!
//! Three checks, each printed once on stderr before the first benchmark:
//! an unoptimized build, a CPU frequency governor other than `performance` (the clock speed,
//! and so every ns/op, then depends on recent load), and other programs keeping the CPUs busy
//! (they take turns with the benchmark and inflate its times).

use std::time::Duration;

/// The warning for a build without optimizations.
pub(crate) const DEBUG_BUILD: &str = "warning: this benchmark was built without optimizations \
(debug assertions are on); its timings say little about a release build\n\
hint: run it with cargo bench, or build with --release";

/// The warning for -benchmem without the counting allocator.
pub(crate) const NO_COUNTING_ALLOC: &str = "warning: -benchmem: this program's global allocator \
is not sextant_bench::CountingAlloc, so B/op and allocs/op read 0\n\
hint: use sextant_bench::main!, or wrap your allocator in sextant_bench::CountingAlloc::new";

/// How long to watch /proc/stat for other programs' CPU use: long enough to see a busy
/// machine (100 scheduler ticks at 1000 Hz), short beside a one-second benchmark.
const LOAD_SAMPLE: Duration = Duration::from_millis(100);

/// Busy CPUs (out of all) above which the machine counts as loaded: a quarter, as one busy
/// core of four already steals turns from a parallel benchmark.
const LOADED_FRACTION: f64 = 0.25;

/// Runs the governor and load checks.
pub(crate) fn check_machine() -> Vec<String> {
    let mut notes = Vec::new();
    notes.extend(governor_warning(&read_governors()));
    let before = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    std::thread::sleep(LOAD_SAMPLE);
    let after = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    notes.extend(load_warning(&before, &after));
    notes
}

fn read_governors() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/sys/devices/system/cpu") else {
        return Vec::new();
    };
    let mut governors: Vec<String> = dir
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("cpufreq/scaling_governor")).ok())
        .map(|g| g.trim().to_string())
        .collect();
    governors.sort();
    governors.dedup();
    governors
}

/// A warning if any CPU's frequency governor is not `performance`.
pub(crate) fn governor_warning(governors: &[String]) -> Option<String> {
    let others: Vec<&str> = governors
        .iter()
        .map(String::as_str)
        .filter(|g| *g != "performance")
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "warning: the CPU frequency governor is {}, not performance: clock speed, and so \
         every ns/op, follows the load\nhint: sudo cpupower frequency-set -g performance",
        others.join(", ")
    ))
}

/// A warning if other programs kept the CPUs busy between two readings of /proc/stat
/// (this process sleeps meanwhile, so all of the busy time is theirs).
pub(crate) fn load_warning(before: &str, after: &str) -> Option<String> {
    let (b, a) = (cpu_times(before)?, cpu_times(after)?);
    let cpus = a.2.max(1);
    let total = a.0.saturating_sub(b.0) as f64;
    let idle = a.1.saturating_sub(b.1) as f64;
    if total <= 0.0 {
        return None;
    }
    let busy = (total - idle) / total;
    if busy <= LOADED_FRACTION {
        return None;
    }
    Some(format!(
        "warning: the machine is busy: other programs kept {:.1} of {cpus} CPUs in use before \
         the benchmarks began; expect noisy results",
        busy * cpus as f64
    ))
}

/// Total and idle (idle + iowait) jiffies of the `cpu` line, and the number of `cpuN` lines.
fn cpu_times(stat: &str) -> Option<(u64, u64, usize)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    if fields.len() < 4 {
        return None;
    }
    let cpus = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
        .count();
    // user nice system idle iowait irq softirq steal; guest time is already in user.
    let total = fields.iter().take(8).sum();
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    Some((total, idle, cpus))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "cpu  100 0 100 1000 0 0 0 0 0 0\ncpu0 50 0 50 500 0 0 0 0 0 0\n\
                          cpu1 50 0 50 500 0 0 0 0 0 0\n";

    #[test]
    fn a_machine_busy_with_other_work_is_reported() {
        // 20 ticks over 2 CPUs, 15 of them busy: 1.5 CPUs in use.
        let after = "cpu  110 0 105 1005 0 0 0 0 0 0\ncpu0 x\ncpu1 x\n";
        let w = load_warning(BEFORE, after).expect("a warning");
        assert!(w.contains("kept 1.5 of 2 CPUs"), "{w}");
    }

    #[test]
    fn an_idle_machine_is_not_reported() {
        let after = "cpu  101 0 100 1019 0 0 0 0 0 0\ncpu0 x\ncpu1 x\n";
        assert_eq!(load_warning(BEFORE, after), None);
        assert_eq!(load_warning("", ""), None);
    }

    #[test]
    fn only_the_performance_governor_is_quiet() {
        assert_eq!(governor_warning(&["performance".to_string()]), None);
        assert_eq!(governor_warning(&[]), None);
        let w = governor_warning(&["performance".into(), "powersave".into()]).unwrap();
        assert!(w.contains("governor is powersave"), "{w}");
    }
}
