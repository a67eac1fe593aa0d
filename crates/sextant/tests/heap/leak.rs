//! The leak example: `go tool pprof -base first.pb.gz -top second.pb.gz` names the leaking
//! function first, and so does the same difference computed from our own parse.

use std::collections::HashMap;

use sextant_profile::Profile;

use super::common::*;

#[path = "../../examples/leak.rs"]
mod example;

/// inuse_space by leaf function (the first frame of each stack).
fn flat_inuse(p: &Profile) -> HashMap<String, i64> {
    let mut flat = HashMap::new();
    for s in &p.sample {
        let leaf = stack_names(p, s).first().map_or("", |n| n).to_string();
        *flat.entry(leaf).or_insert(0) += s.value[3];
    }
    flat
}

#[test]
fn the_difference_of_two_heap_profiles_names_the_leak() {
    let _s = serial();
    let dir = tmp("leak");
    example::run(&dir).expect("the example runs");
    let (first, second) = (dir.join("first.pb.gz"), dir.join("second.pb.gz"));

    let parse = |f: &std::path::Path| Profile::parse(&std::fs::read(f).unwrap()).unwrap();
    let (a, b) = (flat_inuse(&parse(&first)), flat_inuse(&parse(&second)));
    let mut diff: Vec<(i64, String)> = b
        .iter()
        .map(|(f, v)| (v - a.get(f).copied().unwrap_or(0), f.clone()))
        .collect();
    diff.sort_by(|x, y| y.cmp(x));
    assert!(diff[0].1.ends_with("example::remember"), "{diff:?}");
    // 20k replies of 8 * (about 220..520) bytes: about 59 MB; sampled, so within 30%.
    assert!(diff[0].0 > 40 << 20 && diff[0].0 < 80 << 20, "{diff:?}");

    if let Some(top) = go_pprof(&["-top", "-base", first.to_str().unwrap()], &second) {
        let rows = top_rows(&top);
        assert!(
            rows.first()
                .is_some_and(|(_, f)| f.ends_with("example::remember")),
            "{top}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
