//! Prints a thread dump of this program (Go's `goroutine?debug=2`), its aggregated form
//! (`debug=1`) and the threadcreate profile, with a few threads parked in known places.
//!
//! ```text
//! cargo run -p sextant --example threads
//! ```

use std::sync::mpsc;
use std::time::Duration;

/// A worker waiting for work on a channel.
#[inline(never)]
fn wait_for_work(rx: mpsc::Receiver<()>) {
    let _ = rx.recv();
}

/// A worker sleeping between polls.
#[inline(never)]
fn poll_slowly(rx: mpsc::Receiver<()>) {
    while rx.try_recv().is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn main() -> Result<(), sextant::Error> {
    let mut stop = Vec::new();
    let mut handles = Vec::new();
    for i in 0..3 {
        let (tx, rx) = mpsc::channel();
        stop.push(tx);
        let builder = sextant::thread::Builder::new().name(format!("worker-{i}"));
        handles.push(builder.spawn(move || wait_for_work(rx))?);
    }
    let (tx, rx) = mpsc::channel();
    stop.push(tx);
    handles.push(
        sextant::thread::Builder::new()
            .name("poller".into())
            .spawn(move || poll_slowly(rx))?,
    );
    std::thread::sleep(Duration::from_millis(100));

    let mut out = std::io::stdout();
    for (name, debug) in [("threads", 2), ("threads", 1), ("threadcreate", 1)] {
        println!("==== {name} debug={debug}");
        let t = std::time::Instant::now();
        sextant::lookup(name)
            .expect("a known profile")
            .write_to(&mut out, debug)?;
        eprintln!("({name} debug={debug} took {:?})", t.elapsed());
    }
    for tx in stop {
        let _ = tx.send(());
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}
