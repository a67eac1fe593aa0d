//! Delta profiles (`?seconds=N`, Go 1.16+'s `serveDeltaProfile`): what happened during the
//! window, named `<profile>-delta`, timed as the window.

use std::time::Duration;

use sextant_profile::Profile;

use super::common::*;

/// Keeps 64 KiB blocks alive until the end, so the window sees them allocated and in use.
#[inline(never)]
fn allocate_in_http_test(blocks: usize) -> Vec<Vec<u8>> {
    (0..blocks)
        .map(|i| std::hint::black_box(vec![i as u8; 64 << 10]))
        .collect()
}

/// The sum of column `col` over samples whose stack has a function whose name holds `name`
/// (closures in it too: `contend_in_http_test::{closure#0}`).
fn value_under(p: &Profile, name: &str, col: usize) -> i64 {
    let fname = |id: Option<sextant_profile::FunctionId>| {
        let id = id?;
        p.function
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.name.as_str())
    };
    p.sample
        .iter()
        .filter(|s| {
            s.location.iter().any(|l| {
                p.location.iter().find(|x| x.id == *l).is_some_and(|loc| {
                    loc.line
                        .iter()
                        .any(|ln| fname(ln.function_id).is_some_and(|n| n.contains(name)))
                })
            })
        })
        .map(|s| s.value[col])
        .sum()
}

fn types(p: &Profile) -> Vec<String> {
    p.sample_type
        .iter()
        .map(|t| format!("{}/{}", t.kind, t.unit))
        .collect()
}

#[test]
fn a_heap_delta_shows_what_was_allocated_during_the_window() {
    assert!(
        sextant::heap::is_installed(),
        "the example's Sampler is this binary's allocator"
    );
    let server = start_default();
    let addr = server.local_addr();
    let (r, kept) = std::thread::scope(|s| {
        let req = s.spawn(|| get(addr, "/debug/pprof/heap?seconds=2"));
        // Inside the window (it opens when the request is served, at once): 32 MiB, about
        // 64 samples at the default rate of one per 512 KiB.
        std::thread::sleep(Duration::from_millis(500));
        let kept = allocate_in_http_test(512);
        (req.join().unwrap(), kept)
    });
    let p = r.profile("heap-delta");
    assert_eq!(
        types(&p),
        [
            "alloc_objects/count",
            "alloc_space/bytes",
            "inuse_objects/count",
            "inuse_space/bytes"
        ]
    );
    assert!(p.duration_nanos >= 2_000_000_000, "{}", p.duration_nanos);
    // Unsampled estimates of 32 MiB; sampling noise stays well inside a factor of two.
    let alloc = value_under(&p, "allocate_in_http_test", 1);
    let inuse = value_under(&p, "allocate_in_http_test", 3);
    assert!((16 << 20..64 << 20).contains(&alloc), "alloc_space {alloc}");
    assert!((16 << 20..64 << 20).contains(&inuse), "inuse_space {inuse}");
    drop(kept);
}

/// Holds `m` while another thread waits for it, `rounds` times.
#[inline(never)]
fn contend_in_http_test(m: &sextant::sync::Mutex<u64>, rounds: u32) {
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..rounds {
                    let mut g = m.lock().unwrap();
                    *g += 1;
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
        }
    });
}

#[test]
fn a_mutex_delta_shows_the_contention_during_the_window() {
    let before = sextant::sync::set_mutex_fraction(1);
    let server = start_default();
    let addr = server.local_addr();
    let m = sextant::sync::Mutex::new(0);
    let r = std::thread::scope(|s| {
        let req = s.spawn(|| get(addr, "/debug/pprof/mutex?seconds=2"));
        std::thread::sleep(Duration::from_millis(300));
        contend_in_http_test(&m, 100);
        req.join().unwrap()
    });
    sextant::sync::set_mutex_fraction(before);
    let p = r.profile("mutex-delta");
    assert_eq!(types(&p), ["contentions/count", "delay/nanoseconds"]);
    let contentions = value_under(&p, "contend_in_http_test", 0);
    let delay = value_under(&p, "contend_in_http_test", 1);
    let names: Vec<&str> = p.function.iter().map(|f| f.name.as_str()).collect();
    assert!(
        contentions > 0 && delay > 0,
        "{contentions} {delay} {names:?}"
    );
    // Every contention in it happened in the window: no more than the 200 lock operations.
    assert!(contentions <= 200, "{contentions}");
}

/// Waits in a function of its own until told to end.
#[inline(never)]
fn wait_in_http_test(rx: std::sync::mpsc::Receiver<()>) {
    let _ = std::hint::black_box(rx.recv());
}

#[test]
fn a_thread_delta_counts_the_thread_started_during_the_window() {
    let server = start_default();
    let addr = server.local_addr();
    let (tx, rx) = std::sync::mpsc::channel();
    let (r, waiter) = std::thread::scope(|s| {
        let req = s.spawn(|| get(addr, "/debug/pprof/threads?seconds=2"));
        std::thread::sleep(Duration::from_millis(500));
        let waiter = std::thread::Builder::new()
            .name("delta-waiter".into())
            .spawn(move || wait_in_http_test(rx))
            .unwrap();
        (req.join().unwrap(), waiter)
    });
    tx.send(()).unwrap();
    waiter.join().unwrap();
    let p = r.profile("threads-delta");
    assert_eq!(types(&p), ["threads/count"]);
    assert!(p.duration_nanos >= 2_000_000_000, "{}", p.duration_nanos);
    assert_eq!(value_under(&p, "wait_in_http_test", 0), 1);
}
