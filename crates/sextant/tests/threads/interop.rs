//! Go's own tools read what we write: `go tool pprof -raw` and `-top` on the threads,
//! threadcreate and wall profiles, and on the debug=1 threads text (a legacy count profile).
//!
//! CI installs Go: there a missing `go` fails the test; elsewhere it prints a note and
//! passes.

use std::path::PathBuf;
use std::time::Duration;

use super::common::*;
use super::go::go_pprof;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sextant-threads-{}-{name}", std::process::id()))
}

fn write_lookup(name: &str, debug: u32) -> PathBuf {
    let path = temp(&format!("{name}.{debug}"));
    let mut f = std::fs::File::create(&path).unwrap();
    sextant::lookup(name)
        .unwrap()
        .write_to(&mut f, debug)
        .unwrap();
    path
}

#[test]
fn go_tool_pprof_reads_the_threads_profile() {
    let _g = serial();
    let parked = Parked::new(3, 0);
    let path = write_lookup("threads", 0);
    drop(parked);
    if let Some(raw) = go_pprof(&["-raw"], &path) {
        assert!(raw.contains("PeriodType: threads count"), "{raw}");
        assert!(raw.contains("threads/count"), "{raw}");
        assert!(raw.contains("common::park_on_channel"), "{raw}");
        assert!(raw.contains("state:[sleeping]"), "{raw}");
    }
    if let Some(top) = go_pprof(&["-top"], &path) {
        // Three threads wait in it: its cumulative count is 3.
        let line = top
            .lines()
            .find(|l| l.ends_with("common::park_on_channel"))
            .unwrap_or_else(|| panic!("{top}"));
        let cum: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cum[3], "3", "{line}");
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn go_tool_pprof_reads_the_debug_1_threads_text() {
    let _g = serial();
    let parked = Parked::new(2, 0);
    let path = write_lookup("threads", 1);
    drop(parked);
    if let Some(raw) = go_pprof(&["-raw"], &path) {
        assert!(raw.contains("PeriodType: threads count"), "{raw}");
        let total: i64 = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .next()
            .unwrap()["threads profile: total ".len()..]
            .parse()
            .unwrap();
        // Each sample line of -raw starts with its count: they add up to the total.
        let samples = raw
            .split("Samples:\n")
            .nth(1)
            .unwrap()
            .split("Locations")
            .next()
            .unwrap();
        let sum: i64 = samples
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (n, rest) = l.trim_start().split_once(':')?;
                (!rest.is_empty())
                    .then(|| n.trim().parse::<i64>().ok())
                    .flatten()
            })
            .sum();
        assert_eq!(sum, total, "{raw}");
    }
    std::fs::remove_file(&path).unwrap();
}

/// Creates two threads through sextant::thread.
#[inline(never)]
fn spawn_two() {
    for _ in 0..2 {
        sextant::thread::spawn(|| ()).join().unwrap();
    }
}

#[test]
fn go_tool_pprof_reads_the_threadcreate_profile() {
    let _g = serial();
    spawn_two();
    let path = write_lookup("threadcreate", 0);
    if let Some(raw) = go_pprof(&["-raw"], &path) {
        assert!(raw.contains("PeriodType: threadcreate count"), "{raw}");
        assert!(raw.contains("interop::spawn_two"), "{raw}");
    }
    if let Some(top) = go_pprof(&["-top"], &path) {
        assert!(top.contains("interop::spawn_two"), "{top}");
        assert!(top.contains("sextant::_UnknownCreator"), "{top}");
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn go_tool_pprof_reads_the_wall_profile() {
    let _g = serial();
    let parked = Parked::new(1, 0);
    let profiler = sextant::wall::ProfilerBuilder::new()
        .rate(100)
        .start()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let p = profiler.stop().unwrap();
    drop(parked);
    let path = temp("wall.pb.gz");
    p.write(&mut std::fs::File::create(&path).unwrap()).unwrap();
    if let Some(raw) = go_pprof(&["-raw"], &path) {
        assert!(raw.contains("PeriodType: wall nanoseconds"), "{raw}");
        assert!(raw.contains("samples/count wall/nanoseconds"), "{raw}");
        assert!(raw.contains("common::park_on_channel"), "{raw}");
    }
    if let Some(top) = go_pprof(&["-top", "-tagfocus=state=sleeping"], &path) {
        assert!(top.contains("common::park_on_channel"), "{top}");
    }
    std::fs::remove_file(&path).unwrap();
}
