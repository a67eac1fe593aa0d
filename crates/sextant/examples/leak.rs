//! A leak caught with two heap profiles: a cache that only ever grows.
//!
//! ```text
//! cargo run --example leak -- /tmp/leak
//! go tool pprof -base /tmp/leak/first.pb.gz -top /tmp/leak/second.pb.gz
//! ```
//!
//! The second profile minus the first shows what stayed live in between: `leak::remember`,
//! which files every request's reply in a global map and never removes one. The work that
//! frees what it allocates (`leak::render`) cancels out.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Mutex;

#[cfg(not(test))]
#[global_allocator]
static A: sextant::heap::Sampler<std::alloc::System> =
    sextant::heap::Sampler::new(std::alloc::System);

/// Every reply ever sent, by request id: the leak.
static REPLIES: Mutex<Option<HashMap<u64, Vec<u8>>>> = Mutex::new(None);

/// Builds a reply and throws it away: allocation without retention.
#[inline(never)]
fn render(id: u64) -> usize {
    let reply = format!(
        "reply to request {id}: {}",
        "x".repeat(200 + (id % 300) as usize)
    );
    black_box(reply).len()
}

/// Keeps a copy of the reply "for later", forever.
#[inline(never)]
fn remember(id: u64, len: usize) {
    let copy = vec![b'r'; len * 8];
    REPLIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(id, copy);
}

/// Serves requests `from..to`.
#[inline(never)]
fn serve(from: u64, to: u64) {
    for id in from..to {
        let len = render(id);
        remember(id, len);
    }
}

/// Serves 20k requests, writes `first.pb.gz`, serves 20k more, writes `second.pb.gz`.
pub(crate) fn run(dir: &Path) -> sextant::Result<()> {
    std::fs::create_dir_all(dir)?;
    let heap = sextant::lookup("heap").expect("heap is a known profile");
    serve(0, 20_000);
    heap.write_to(&mut std::fs::File::create(dir.join("first.pb.gz"))?, 0)?;
    serve(20_000, 40_000);
    heap.write_to(&mut std::fs::File::create(dir.join("second.pb.gz"))?, 0)?;
    Ok(())
}

#[allow(dead_code)] // a module of the heap tests too, which have their own main
fn main() -> sextant::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    run(Path::new(&dir))?;
    let s = sextant::memstats::read();
    println!(
        "wrote {dir}/first.pb.gz and {dir}/second.pb.gz; {} MB live, {} MB allocated",
        s.live_bytes >> 20,
        s.total_alloc_bytes >> 20
    );
    Ok(())
}
