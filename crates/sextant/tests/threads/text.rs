//! The text formats: debug=1 in the shape of Go's `printCountProfile`, debug=2 in the shape
//! of Go's goroutine dump, checked line by line.

use super::common::*;

fn text(name: &str, debug: u32) -> String {
    let mut out = Vec::new();
    sextant::lookup(name)
        .unwrap()
        .write_to(&mut out, debug)
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn is_hex(s: &str) -> bool {
    s.strip_prefix("0x").is_some_and(|h| {
        !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    })
}

/// `N @ 0x.. 0x..`: the count and at least one address.
fn record(line: &str) -> Option<usize> {
    let (n, addrs) = line.split_once(" @ ")?;
    let addrs: Vec<&str> = addrs.split(' ').collect();
    (!addrs.is_empty() && addrs.iter().all(|a| is_hex(a))).then_some(())?;
    n.parse().ok()
}

/// `#\t0x..` or `#\t0x..\tfunction+0x..\tfile:line`, tabs repeated for alignment.
fn frame(line: &str) -> bool {
    let cells: Vec<&str> = line.split('\t').filter(|c| !c.is_empty()).collect();
    match cells[..] {
        ["#", pc] => is_hex(pc),
        ["#", pc, func, place] => {
            is_hex(pc)
                && func
                    .rsplit_once('+')
                    .is_some_and(|(f, off)| !f.is_empty() && is_hex(off))
                && place
                    .rsplit_once(':')
                    .is_some_and(|(_, l)| l.parse::<u32>().is_ok())
        }
        _ => false,
    }
}

/// `# labels: {"state":"sleeping", "k":"v"}`.
fn labels(line: &str) -> bool {
    line.strip_prefix("# labels: {\"state\":\"")
        .is_some_and(|rest| rest.ends_with("\"}"))
}

#[test]
fn debug_1_is_gos_aggregated_count_text() {
    let _g = serial();
    let parked = Parked::new(3, 0);
    let t = text("threads", 1);
    let mut lines = t.lines();
    let total: usize = lines
        .next()
        .and_then(|h| h.strip_prefix("threads profile: total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("header of\n{t}"));
    let (mut sum, mut counts, mut expect_record) = (0, Vec::new(), true);
    let (mut current, mut parked_count) = (0, None);
    for line in lines {
        if line.is_empty() {
            expect_record = true;
            continue;
        }
        if expect_record {
            current = record(line).unwrap_or_else(|| panic!("record line {line:?}"));
            sum += current;
            counts.push(current);
            expect_record = false;
            continue;
        }
        assert!(labels(line) || frame(line), "line {line:?} in\n{t}");
        if line.contains("common::park_on_channel+0x") {
            parked_count = Some(current);
        }
    }
    assert!(t.ends_with("\n\n"), "records end with a blank line");
    assert_eq!(sum, total, "total is the number of threads");
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "sorted by count: {counts:?}"
    );
    assert_eq!(parked_count, Some(3), "{t}");
    drop(parked);
}

/// `thread TID "NAME" [STATE]:` or `[STATE, no response]:`; the thread id.
fn dump_header(line: &str) -> Option<i32> {
    let rest = line.strip_prefix("thread ")?;
    let (tid, rest) = rest.split_once(" \"")?;
    let (_name, state) = rest.rsplit_once("\" [")?;
    let state = state.strip_suffix("]:")?;
    let state = state.strip_suffix(", no response").unwrap_or(state);
    (!state.is_empty() && state.chars().all(|c| c.is_ascii_lowercase() || c == ' '))
        .then_some(())?;
    tid.parse().ok()
}

/// Creates a thread through `sextant::thread` that waits on `rx`; returns it with its id.
#[inline(never)]
fn start_tracked_worker(rx: std::sync::mpsc::Receiver<()>) -> (std::thread::JoinHandle<()>, i32) {
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let h = sextant::thread::spawn(move || {
        tid_tx.send(gettid()).unwrap();
        park_on_channel(rx)
    });
    (h, tid_rx.recv().unwrap())
}

#[test]
fn debug_2_dumps_each_thread_as_go_dumps_goroutines() {
    let _g = serial();
    let parked = Parked::new(2, 1);
    let (tx, rx) = std::sync::mpsc::channel();
    let (tracked, tracked_tid) = start_tracked_worker(rx);
    wait_asleep(&[tracked_tid]);
    let t = text("threads", 2);
    tx.send(()).unwrap();
    tracked.join().unwrap();
    let dumps: Vec<&str> = t.trim_end().split("\n\n").collect();
    let me = gettid();
    assert!(
        dumps[0].starts_with(&format!("thread {me} ")),
        "calling thread first"
    );
    let mut tids = Vec::new();
    for d in &dumps {
        let mut lines = d.lines();
        tids.push(dump_header(lines.next().unwrap()).unwrap_or_else(|| panic!("header of\n{d}")));
        let rest: Vec<&str> = lines.collect();
        assert!(!rest.is_empty() && rest.len() % 2 == 0, "{d}");
        for pair in rest.chunks(2) {
            assert!(
                (pair[0].ends_with("(...)") || pair[0].starts_with("created by "))
                    && !pair[0].starts_with(char::is_whitespace),
                "function line {:?}",
                pair[0]
            );
            let place = pair[1]
                .strip_prefix('\t')
                .unwrap_or_else(|| panic!("{:?}", pair[1]));
            let (file_line, off) = place.rsplit_once(' ').unwrap();
            assert!(is_hex(off.trim_start_matches('+')), "{place:?}");
            assert!(
                file_line
                    .rsplit_once(':')
                    .is_some_and(|(_, l)| l.parse::<u32>().is_ok()),
                "{place:?}"
            );
        }
    }
    // Go's `created by F` with F's place, for the thread made through sextant::thread.
    let created: Vec<&&str> = dumps
        .iter()
        .filter(|d| d.contains("\ncreated by threads::text::start_tracked_worker\n\t"))
        .collect();
    assert_eq!(created.len(), 1, "{t}");
    assert!(created[0].contains("common::park_on_channel(...)"));
    for tid in &parked.tids {
        let d = dumps[tids
            .iter()
            .position(|t| t == tid)
            .expect("parked thread dumped")];
        assert!(d.contains("[sleeping]:"), "{d}");
        assert!(
            d.contains("common::park_on_channel(...)")
                || d.contains("common::park_on_barrier(...)"),
            "{d}"
        );
        assert!(d.contains("tests/threads/common.rs:"), "{d}");
    }
    drop(parked);
}

#[test]
fn threadcreate_debug_1_has_gos_header_and_records() {
    let _g = serial();
    let t = text("threadcreate", 1);
    let mut lines = t.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("threadcreate profile: total "), "{t}");
    let first = lines.next().unwrap();
    assert!(record(first).is_some(), "{t}");
}
