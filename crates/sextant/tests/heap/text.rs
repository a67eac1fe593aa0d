//! Go's legacy heap text (`debug=1`): its shape, and that sextant-profile's legacy parser and
//! `go tool pprof` both read it back to the same values the profile.proto holds.

use sextant_profile::Profile;

use super::common::*;

/// 32 live blocks of 4000 bytes and, from another line, 32 freed ones; at rate 1 all are
/// sampled, in two records.
#[inline(never)]
fn hold_for_text() -> Vec<Vec<u8>> {
    let mut held = Vec::with_capacity(32);
    for _ in 0..32 {
        held.push(Vec::with_capacity(4000));
        std::hint::black_box(Vec::<u8>::with_capacity(4000));
    }
    held
}

fn text() -> String {
    let mut buf = Vec::new();
    sextant::lookup("heap")
        .unwrap()
        .write_to(&mut buf, 1)
        .unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn debug_one_text_has_gos_shape_and_reads_back() {
    let _s = serial();
    let _r = Rate::set(1);
    let held = hold_for_text();
    let text = text();

    // Header: in-use and allocated totals, then twice the rate (Go's quirk).
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("heap profile: "), "{header}");
    assert!(header.ends_with("] @ heap/2"), "{header}");
    // Our records: 32 in use of 4000 bytes, and 32 allocated and freed, with return
    // addresses.
    assert!(text.contains("\n0: 0 [32: 128000] @ 0x"), "{text}");
    let record = text
        .lines()
        .position(|l| l.starts_with("32: 128000 [32: 128000] @ 0x"))
        .unwrap_or_else(|| panic!("no record for hold_for_text:\n{text}"));
    let frames: Vec<&str> = text
        .lines()
        .skip(record + 1)
        .take_while(|l| l.starts_with('#'))
        .collect();
    let ours = frames
        .iter()
        .find(|l| l.contains("text::hold_for_text+0x"))
        .unwrap_or_else(|| panic!("{frames:?}"));
    let cols: Vec<&str> = ours.split('\t').filter(|c| !c.is_empty()).collect();
    assert_eq!(cols[0], "#");
    assert!(cols[1].starts_with("0x"), "{ours}");
    assert!(cols[3].contains("tests/heap/text.rs:"), "{ours}");
    // The footer.
    assert!(text.contains("\n# runtime.MemStats\n# Alloc = "), "{text}");
    assert!(text.contains("\nMAPPED_LIBRARIES:\n"), "{text}");

    // Our own legacy parser: the same four values as the proto, rate 1 so unscaled.
    let parsed = Profile::parse(text.as_bytes()).expect("sextant-profile reads debug=1");
    let names: Vec<_> = parsed.sample_type.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(
        names,
        [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space"
        ]
    );
    assert_eq!(parsed.period, 1);
    for want in [[32, 128_000, 32, 128_000], [32, 128_000, 0, 0]] {
        let n = parsed.sample.iter().filter(|s| s.value == want).count();
        assert_eq!(n, 1, "one record of hold_for_text with {want:?}");
    }

    // go tool pprof reads it too, with our sample types and values.
    let path = tmp("heap.txt");
    std::fs::write(&path, &text).unwrap();
    if let Some(raw) = go_pprof(&["-raw"], &path) {
        assert!(
            raw.contains(
                "alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes"
            ),
            "{raw}"
        );
        // -raw right-aligns the values in columns.
        let rows: Vec<String> = raw
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        for want in ["32 128000 32 128000:", "32 128000 0 0:"] {
            assert!(rows.iter().any(|r| r.starts_with(want)), "{want}: {raw}");
        }
    }
    std::fs::remove_file(&path).unwrap();
    drop(held);
}
