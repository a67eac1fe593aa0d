//! Sixteen threads allocating, growing, shrinking and freeing at rate 1 (every allocation
//! sampled and unwound), a third of their blocks sent to a neighbour to be grown and freed
//! there: no deadlock, no crash, and once all is freed the in-use values of the stress
//! stacks are back to zero, exactly.
//!
//! The 60-second version: `cargo test -p sextant --test heap --release -- --ignored
//! stress_for_a_minute --nocapture`.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::common::*;

const THREADS: usize = 16;

/// A small xorshift, so the workload needs no dependency and varies by thread.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// One thread's loop until `deadline`: allocates blocks of 1 byte to 64 KiB, grows and
/// shrinks some (realloc), keeps up to 64, frees the oldest, sends every third to the next
/// thread and grows then frees what it receives. Returns the operations done.
#[inline(never)]
fn stress_worker(
    seed: u64,
    deadline: Instant,
    to_next: mpsc::Sender<Vec<u8>>,
    from_prev: mpsc::Receiver<Vec<u8>>,
) -> u64 {
    let mut x = seed | 1;
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(64);
    let mut ops = 0;
    while Instant::now() < deadline {
        for _ in 0..64 {
            let size = 1 + (next(&mut x) % (64 << 10)) as usize;
            let mut v = vec![0u8; size.min(4096)];
            match next(&mut x) % 3 {
                0 => v.reserve(size),
                1 => {
                    v.truncate(size / 8);
                    v.shrink_to_fit();
                }
                _ => {
                    let _ = to_next.send(v);
                    ops += 1;
                    continue;
                }
            }
            if kept.len() == kept.capacity() {
                kept.remove(0);
            }
            kept.push(v);
            ops += 1;
        }
        while let Ok(mut v) = from_prev.try_recv() {
            v.reserve(v.len() + 100);
            drop(v);
            ops += 1;
        }
    }
    drop(kept);
    drop(to_next);
    // Free what the neighbour still sends until it hangs up.
    for v in from_prev {
        drop(v);
    }
    ops
}

fn stress(run_for: Duration) {
    let _s = serial();
    let _r = Rate::set(1);
    let deadline = Instant::now() + run_for;
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..THREADS).map(|_| mpsc::channel()).unzip();
    let mut rxs: Vec<Option<_>> = rxs.into_iter().map(Some).collect();
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let to_next = txs[(i + 1) % THREADS].clone();
            let from_prev = rxs[i].take().unwrap();
            std::thread::spawn(move || {
                stress_worker(i as u64 * 7919 + 1, deadline, to_next, from_prev)
            })
        })
        .collect();
    drop(txs);
    let ops: u64 = handles
        .into_iter()
        .map(|h| h.join().expect("a worker finished"))
        .sum();
    assert!(ops > 0);

    let p = profile("heap");
    let [alloc_objects, alloc_space, inuse_objects, inuse_space] = totals(&p, "::stress_worker");
    assert!(
        alloc_objects > 0 && alloc_space > 0,
        "the stress stacks are in the profile"
    );
    // Stacks that stop inside the sampler (the unwinder gave up at once): a stack unknown
    // to the walker, or no unwind cache free. Waiting for a cache makes them rare.
    let stuck: i64 = p
        .sample
        .iter()
        .filter(|s| {
            stack_names(&p, s)
                .iter()
                .all(|n| n.starts_with("sextant::"))
        })
        .map(|s| s.value[0])
        .sum();
    assert!(
        stuck * 100 < alloc_objects,
        "{stuck} of {alloc_objects} stacks not unwound"
    );
    assert_eq!(
        (inuse_objects, inuse_space),
        (0, 0),
        "everything the workers allocated was freed ({alloc_objects} objects sampled)"
    );
    println!("{ops} operations, {alloc_objects} sampled allocations, all freed");
}

#[test]
fn sixteen_threads_free_each_others_memory_at_rate_one() {
    stress(Duration::from_secs(
        std::env::var("STRESS_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
    ));
}

#[test]
#[ignore = "a minute long; run with --ignored"]
fn stress_for_a_minute() {
    stress(Duration::from_secs(60));
}
