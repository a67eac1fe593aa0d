//! `sextant::memstats`: totals that follow a known allocation, the heap limit writing a
//! profile when crossed, and the `SEXTANT_MEMTRACE` line.

use std::process::Command;
use std::time::{Duration, Instant};

use sextant_profile::Profile;

use super::common::*;

/// The slack of a reading: each other thread may hold up to 64 KiB of allocations and of
/// frees unflushed; a few harness threads exist.
const SLACK: u64 = 1 << 20;

#[test]
fn totals_follow_a_known_allocation() {
    let _s = serial();
    let before = sextant::memstats::read();
    assert!(before.installed);
    let block: Vec<u8> = Vec::with_capacity(10 << 20);
    let during = sextant::memstats::read();
    let live = during.live_bytes as i64 - before.live_bytes as i64;
    assert!(
        (live - (10 << 20)).unsigned_abs() < SLACK,
        "live grew by {live}"
    );
    assert!(during.total_alloc_bytes - before.total_alloc_bytes >= 10 << 20);
    assert!(during.mallocs > before.mallocs);
    assert!(during.peak_live_bytes >= during.live_bytes);
    assert!(during.rss_bytes > 0 && during.max_rss_bytes > 0);
    drop(block);
    let after = sextant::memstats::read();
    let live = after.live_bytes as i64 - before.live_bytes as i64;
    assert!(live.unsigned_abs() < SLACK, "live is back: {live}");
    assert!(after.frees > during.frees);
    assert!(after.freed_bytes - during.freed_bytes >= 10 << 20);
}

/// Allocates 64 MiB in 64 blocks, to cross the limit from here.
#[inline(never)]
fn cross_the_limit() -> Vec<Vec<u8>> {
    (0..64).map(|_| Vec::with_capacity(1 << 20)).collect()
}

#[test]
fn crossing_the_limit_writes_a_heap_profile() {
    let _s = serial();
    let path = tmp("limit.pb.gz");
    let writes = sextant::memstats::limit_writes();
    let live = sextant::memstats::read().live_bytes;
    sextant::memstats::set_limit(live + (32 << 20), &path).unwrap();
    let held = cross_the_limit();
    let start = Instant::now();
    while sextant::memstats::limit_writes() == writes {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no profile written"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    sextant::memstats::clear_limit();
    let p = Profile::parse(&std::fs::read(&path).unwrap()).unwrap();
    let [_, _, _, inuse_space] = totals(&p, "::cross_the_limit");
    // At least 33 blocks live when the profile was taken (the limit is crossed at the 33rd),
    // each sampled with probability 1 - exp(-2) = 86%: fewer than 16 sampled is out of
    // reach.
    assert!(inuse_space > 16 << 20, "{inuse_space}");
    drop(held);
    std::fs::remove_file(&path).unwrap();
}

/// Run in a child with `SEXTANT_MEMTRACE=50`: allocates for half a second.
#[test]
#[ignore = "the child of memtrace_prints_a_line_per_interval"]
fn memtrace_child() {
    let end = Instant::now() + Duration::from_millis(500);
    while Instant::now() < end {
        std::hint::black_box(vec![1u8; 100_000]);
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn memtrace_prints_a_line_per_interval() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "memstats::memtrace_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("SEXTANT_MEMTRACE", "50")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("memtrace @"))
        .collect();
    // 500 ms at 50 ms: about 10 lines; a loaded machine may delay a few.
    assert!(lines.len() >= 3, "{err}");
    let l = lines[1];
    for part in [
        " MB/s ",
        " allocs/s, live ",
        " MB, peak ",
        " MB, rss ",
        " MB",
    ] {
        assert!(l.contains(part), "{l}");
    }
}
