//! Go's tools and sextant-profile's legacy parser read what we write: `go tool pprof -raw`
//! and `-top` on the block and mutex profiles (profile.proto and the debug=1 text), and
//! `Profile::parse` on the text, with the same values as the proto.
//!
//! Where `go` is not on PATH the Go half prints a note and passes, unless `CI` is set.

use std::sync::Arc;
use std::time::Duration;

use sextant::sync::{Mutex, mpsc};
use sextant_profile::Profile;

use super::common::*;
use super::go::go_pprof;

#[inline(never)]
fn interop_hold(m: &Mutex<u32>) {
    let mut g = m.lock().unwrap();
    std::thread::sleep(Duration::from_millis(10));
    *g += 1;
}

#[inline(never)]
fn interop_receive(rx: &mpsc::Receiver<u32>) -> u32 {
    rx.recv().unwrap()
}

/// Some contention and some receive waits, recorded.
fn record_some() {
    rates(1, 1);
    let m = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    interop_hold(&m);
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        })
        .collect();
    let (tx, rx) = mpsc::channel();
    let sender = std::thread::spawn(move || {
        for i in 0..3 {
            std::thread::sleep(Duration::from_millis(10));
            tx.send(i).unwrap();
        }
    });
    for _ in 0..3 {
        interop_receive(&rx);
    }
    sender.join().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    rates(0, 0);
}

fn write(name: &str, debug: u32) -> (std::path::PathBuf, Vec<u8>) {
    let mut buf = Vec::new();
    sextant::lookup(name)
        .unwrap()
        .write_to(&mut buf, debug)
        .unwrap();
    let ext = if debug == 0 { "pb.gz" } else { "txt" };
    let path =
        std::env::temp_dir().join(format!("sextant-sync-{name}-{}.{ext}", std::process::id()));
    std::fs::write(&path, &buf).unwrap();
    (path, buf)
}

#[test]
fn go_tool_pprof_reads_the_block_and_mutex_profiles() {
    let _g = serial();
    record_some();
    for (name, func) in [("block", "interop_receive"), ("mutex", "interop_hold")] {
        let (path, _) = write(name, 0);
        if let Some(raw) = go_pprof(&["-raw"], &path) {
            assert!(raw.contains("PeriodType: contentions count"), "{raw}");
            assert!(raw.contains("Period: 1\n"), "{raw}");
            assert!(raw.contains("contentions/count delay/nanoseconds"), "{raw}");
            assert!(raw.contains(func), "{name}: {raw}");
        }
        if let Some(top) = go_pprof(&["-top"], &path) {
            assert!(top.contains(func), "{name}: {top}");
            assert!(top.contains("Type: delay"), "{top}");
        }
        std::fs::remove_file(&path).unwrap();
    }
}

/// The (count, delay) pairs of a profile, sorted.
fn values(p: &Profile) -> Vec<(i64, i64)> {
    let mut v: Vec<_> = p.sample.iter().map(|s| (s.value[0], s.value[1])).collect();
    v.sort_unstable();
    v
}

#[test]
fn the_debug_1_text_is_go_s_legacy_format_and_parses_to_the_same_values() {
    let _g = serial();
    record_some();
    for (name, header) in [("block", "--- contention:\n"), ("mutex", "--- mutex:\n")] {
        // Write the mutex profile at a fraction of 3: Go scales raw values by the fraction
        // current at write time, in the proto by the writer and in the text by the reader.
        sextant::sync::set_mutex_fraction(if name == "mutex" { 3 } else { 0 });
        let proto = Profile::parse(&write(name, 0).1).unwrap();
        let (path, text) = write(name, 1);
        let text_s = String::from_utf8(text.clone()).unwrap();
        assert!(text_s.starts_with(header), "{text_s}");
        assert!(text_s.contains("\ncycles/second=1000000000\n"), "{text_s}");
        assert_eq!(
            name == "mutex",
            text_s.contains("\nsampling period=3\n"),
            "{text_s}"
        );
        assert!(text_s.contains("#\t0x"), "{text_s}");
        let legacy = Profile::parse(&text).unwrap();
        assert_eq!(values(&legacy), values(&proto), "{name}");
        if name == "mutex" {
            let raw = Profile::parse(&write(name, 0).1).unwrap();
            assert!(values(&raw).iter().all(|&(n, d)| n % 3 == 0 && d % 3 == 0));
        }
        if let Some(raw) = go_pprof(&["-raw"], &path) {
            assert!(raw.contains("contentions/count delay/nanoseconds"), "{raw}");
            let go_values: Vec<(i64, i64)> = {
                let mut v: Vec<_> = raw
                    .lines()
                    .skip_while(|l| !l.starts_with("contentions/count"))
                    .skip(1)
                    .take_while(|l| !l.starts_with("Locations"))
                    .map(|l| {
                        let mut f = l.split_whitespace();
                        let n = f.next().unwrap().parse().unwrap();
                        let d = f.next().unwrap().trim_end_matches(':').parse().unwrap();
                        (n, d)
                    })
                    .collect();
                v.sort_unstable();
                v
            };
            assert_eq!(go_values, values(&proto), "{name}: {raw}");
        }
        std::fs::remove_file(&path).unwrap();
    }
    rates(0, 0);
}
