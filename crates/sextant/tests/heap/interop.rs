//! Go's own tools read our heap and allocs profiles: `go tool pprof -raw` shows Go's sample
//! and period types, and `-top` works under each of the four sample indexes.

use super::common::*;

/// Keeps 64 blocks of 1 MiB live: each one is sampled (mean 512 KiB) with probability
/// 1 - exp(-2) = 86%, so all 64 are missed with probability 0.14^64.
#[inline(never)]
fn hold_for_interop() -> Vec<Vec<u8>> {
    (0..64).map(|_| Vec::with_capacity(1 << 20)).collect()
}

#[test]
fn go_tool_pprof_reads_heap_and_allocs_under_every_sample_index() {
    let _s = serial();
    let held = hold_for_interop();
    for name in ["heap", "allocs"] {
        let path = tmp(&format!("{name}.pb.gz"));
        sextant::lookup(name)
            .unwrap()
            .write_to(&mut std::fs::File::create(&path).unwrap(), 0)
            .unwrap();
        let Some(raw) = go_pprof(&["-raw"], &path) else {
            return;
        };
        assert!(raw.contains("PeriodType: space bytes"), "{raw}");
        assert!(raw.contains("Period: 524288"), "{raw}");
        // go tool pprof marks a default type set in the profile with [dflt]; Go sets none
        // for heap (the last type, inuse_space, is the default).
        let types = if name == "heap" {
            "alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes\n"
        } else {
            "alloc_objects/count alloc_space/bytes[dflt] inuse_objects/count inuse_space/bytes"
        };
        assert!(raw.contains(types), "{raw}");
        for index in [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ] {
            // Focused: other tests' allocations may outweigh ours under some indexes.
            let index = format!("-sample_index={index}");
            let top = go_pprof(&["-top", &index, "-focus=hold_for_interop"], &path).unwrap();
            assert!(top.contains("hold_for_interop"), "{name} {index}:\n{top}");
        }
        // The default index: inuse_space for heap, alloc_space for allocs (as Go).
        let top = go_pprof(&["-top"], &path).unwrap();
        let want = if name == "heap" {
            "inuse_space"
        } else {
            "alloc_space"
        };
        assert!(top.contains(&format!("Type: {want}")), "{name}:\n{top}");
        std::fs::remove_file(&path).unwrap();
    }
    drop(held);
}
