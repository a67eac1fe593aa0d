//! Merge, `-base` and `-diff_base` on hand-made profiles, with go tool pprof as the oracle.
//!
//! Go's fixtures come from one process, so they never exercise what merging is for: the same
//! binary loaded at another address (ASLR), ids numbered differently, functions listed twice,
//! labels in another order, sums that cancel to zero, unmapped locations, headers that
//! disagree, a profile with no mappings and no period type. The profiles here have all of that; they are written with our encoder, given to
//! `go tool pprof -raw`, and what Go prints must be what our pipeline's result prints (the
//! `Time:` line aside). Skipped, saying so, when `go` is not on PATH.

use sextant_profile::pipeline::{self, ReportOptions, SourceOptions};
use sextant_profile::*;

use crate::fixtures::have_go;

fn function(id: u64, name: &str, system_name: &str, file: &str, start: i64) -> Function {
    Function {
        id: FunctionId(id),
        name: name.into(),
        system_name: system_name.into(),
        filename: file.into(),
        start_line: start,
    }
}

fn location(id: u64, mapping: u64, address: u64, lines: &[(u64, i64)]) -> Location {
    Location {
        id: LocationId(id),
        mapping_id: Some(MappingId(mapping)).filter(|m| m.0 != 0),
        address,
        line: lines
            .iter()
            .map(|&(f, line)| Line {
                function_id: Some(FunctionId(f)),
                line,
                column: 0,
            })
            .collect(),
        is_folded: false,
    }
}

fn sample(locations: &[u64], value: [i64; 2], label: Vec<Label>) -> Sample {
    Sample {
        location: locations.iter().map(|&l| LocationId(l)).collect(),
        value: value.to_vec(),
        label,
    }
}

fn mapping(id: u64, start: u64, size: u64, file: &str, build_id: &str) -> Mapping {
    Mapping {
        id: MappingId(id),
        memory_start: start,
        memory_limit: start + size,
        file_offset: 0,
        filename: file.into(),
        build_id: build_id.into(),
        has_functions: true,
        ..Mapping::default()
    }
}

fn header(time: i64, duration: i64, period: i64, comments: &[&str]) -> Profile {
    Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        period,
        time_nanos: time,
        duration_nanos: duration,
        comments: comments.iter().map(|c| c.to_string()).collect(),
        ..Profile::default()
    }
}

/// The app at 0x400000 and libc; inlined frames, an unmapped location, labels, a zero sample.
fn first() -> Profile {
    let mut p = header(0, 1_000_000_000, 10, &["first", "shared"]);
    p.mapping = vec![
        mapping(1, 0x400000, 0x100000, "/bin/app", "abc123"),
        mapping(2, 0x7f00_0000_0000, 0x100000, "/lib/libc.so.6", ""),
    ];
    p.function = vec![
        function(1, "main.main", "main.main", "main.go", 10),
        function(2, "main.work", "main.work", "main.go", 20),
        function(3, "read", "__read", "", 0),
    ];
    p.location = vec![
        location(1, 1, 0x401000, &[(2, 21), (1, 12)]),
        location(2, 1, 0x402000, &[(1, 13)]),
        location(3, 2, 0x7f00_0000_1000, &[(3, 0)]),
        location(4, 0, 0x1234, &[]),
    ];
    let endpoint = || Label::str("endpoint", "/a");
    let worker = || Label::num("worker", 1, "");
    p.sample = vec![
        sample(&[1, 2], [1, 10], vec![endpoint(), worker()]),
        sample(&[3, 2], [2, 20], vec![worker(), endpoint()]),
        sample(&[1, 2], [3, 30], vec![worker(), endpoint()]),
        sample(&[4], [0, 0], vec![]),
        sample(&[2], [5, 50], vec![Label::num("bytes", 1024, "bytes")]),
        sample(
            &[4, 2],
            [1, 10],
            vec![Label::str("k", "b"), Label::str("k", "a")],
        ),
    ];
    p
}

/// The same app loaded 1 MiB higher (its size differs by less than the 4 KiB rounding), ids
/// numbered otherwise, a function listed twice, and a sample that cancels one of `first`'s.
fn second() -> Profile {
    let mut p = header(
        1_700_000_000_000_000_000,
        2_000_000_000,
        20,
        &["shared", "second"],
    );
    p.default_sample_type = "cpu".into();
    p.mapping = vec![mapping(7, 0x500000, 0xff800, "/bin/app", "abc123")];
    p.function = vec![
        function(30, "main.work", "main.work", "main.go", 20),
        function(40, "main.main", "main.main", "main.go", 10),
        function(41, "main.main", "main.main", "main.go", 10),
        function(50, "main.other", "main.other", "other.go", 5),
    ];
    p.location = vec![
        location(9, 7, 0x502000, &[(41, 13)]),
        location(8, 7, 0x501000, &[(30, 21), (40, 12)]),
        location(5, 7, 0x503000, &[(50, 6)]),
    ];
    let endpoint = || Label::str("endpoint", "/a");
    let worker = || Label::num("worker", 1, "");
    p.sample = vec![
        sample(&[5, 9], [7, 40], vec![]),
        sample(&[8, 9], [-1, -10], vec![endpoint(), worker()]),
        sample(&[9], [-5, -50], vec![Label::num("bytes", 1024, "bytes")]),
        sample(&[8, 9], [2, 35], vec![endpoint()]),
    ];
    p
}

/// A profile as a minimal producer might write it: no period type, no mappings, a location
/// with only an address, and a sample without a stack (which pprof's filters drop).
fn bare() -> Profile {
    Profile {
        sample_type: vec![ValueType::new("events", "count")],
        location: vec![location(3, 0, 0x1000, &[]), location(5, 0, 0x2000, &[])],
        sample: vec![
            Sample {
                location: vec![LocationId(5), LocationId(3)],
                value: vec![2],
                label: vec![],
            },
            Sample {
                location: vec![],
                value: vec![1],
                label: vec![],
            },
        ],
        ..Profile::default()
    }
}

fn without_time(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("Time: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// go tool pprof's arguments, and the same inputs for our pipeline: sources, bases, options.
type Case = (
    &'static [&'static str],
    Vec<Profile>,
    Vec<Profile>,
    SourceOptions,
);

fn ours(sources: Vec<Profile>, bases: Vec<Profile>, opts: &SourceOptions) -> String {
    let p =
        pipeline::run(sources, bases, opts, &ReportOptions::default()).expect("the pipeline runs");
    without_time(&p.profile.to_string())
}

#[test]
fn the_hand_made_profiles_exercise_what_they_claim() {
    let merged = merge(&[&first(), &second()]).expect("same kind");
    // One /bin/app despite the other address and size, and libc.
    let files: Vec<&str> = merged.mapping.iter().map(|m| m.filename.as_str()).collect();
    assert_eq!(files, ["/bin/app", "/lib/libc.so.6"]);
    // bytes=1024: 5 + -5 cancels; the zero sample of `first` is gone too.
    assert!(
        merged
            .sample
            .iter()
            .all(|s| s.label.iter().all(|l| &*l.key != "bytes"))
    );
    assert!(merged.sample.iter().all(|s| s.value != [0, 0]));
    // main.main is one function, listed twice in `second`.
    let mains = merged
        .function
        .iter()
        .filter(|f| f.name == "main.main")
        .count();
    assert_eq!(mains, 1);
    // endpoint=/a worker=1 at [1 2]: 1 + 3 (labels in either order) - 1.
    let s = &merged.sample[0];
    assert_eq!((s.value.clone(), s.label.len()), (vec![3, 30], 2));
}

#[test]
fn merge_base_and_diff_base_print_as_go_tool_pprof_prints_them() {
    if !have_go("merge_oracle") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sextant-merge-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    for (name, p) in [
        ("a.pb.gz", first()),
        ("b.pb.gz", second()),
        ("c.pb.gz", bare()),
    ] {
        let mut f = std::fs::File::create(dir.join(name)).expect("creating a profile");
        p.write(&mut f).expect("writing a profile");
    }
    let cases: [Case; 7] = [
        (&["c.pb.gz"], vec![bare()], vec![], SourceOptions::default()),
        (
            &["c.pb.gz", "c.pb.gz"],
            vec![bare(), bare()],
            vec![],
            SourceOptions::default(),
        ),
        (
            &["a.pb.gz"],
            vec![first()],
            vec![],
            SourceOptions::default(),
        ),
        (
            &["b.pb.gz"],
            vec![second()],
            vec![],
            SourceOptions::default(),
        ),
        (
            &["a.pb.gz", "b.pb.gz"],
            vec![first(), second()],
            vec![],
            SourceOptions::default(),
        ),
        (
            &["-base=b.pb.gz", "a.pb.gz"],
            vec![first()],
            vec![second()],
            SourceOptions::default(),
        ),
        (
            &["-diff_base=a.pb.gz", "-normalize", "b.pb.gz"],
            vec![second()],
            vec![first()],
            SourceOptions {
                diff_base: true,
                normalize: true,
                ..SourceOptions::default()
            },
        ),
    ];
    let mut failures = Vec::new();
    for (args, sources, bases, opts) in cases {
        let go = without_time(&crate::fixtures::go_raw(&dir, args));
        let us = ours(sources, bases, &opts);
        if go != us {
            failures.push(format!(
                "go tool pprof -raw {}:\n--- go\n{go}--- ours\n{us}",
                args.join(" ")
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_consuming_merge_gives_what_the_borrowing_merge_gives() {
    // Every Go fixture alone (a compaction), with itself, and each with the next of its kind,
    // plus the hand-made pairs whose sums cancel.
    let fixtures: Vec<Profile> = crate::fixtures::profiles()
        .iter()
        .map(|p| crate::fixtures::read(p))
        .collect();
    let mut cases: Vec<Vec<Profile>> =
        vec![vec![first(), second()], vec![second(), first(), first()]];
    for (i, p) in fixtures.iter().enumerate() {
        cases.push(vec![p.clone()]);
        cases.push(vec![p.clone(), p.clone()]);
        if let Some(q) = fixtures[i + 1..]
            .iter()
            .find(|q| q.sample_type == p.sample_type)
        {
            cases.push(vec![p.clone(), q.clone()]);
        }
    }
    let mut cancelling = first();
    cancelling.scale(-1.0);
    cases.push(vec![first(), cancelling]);
    for case in cases {
        let refs: Vec<&Profile> = case.iter().collect();
        let borrowed = merge(&refs).unwrap();
        let owned = merge_owned(case.clone()).unwrap();
        assert_eq!(owned, borrowed, "{} profiles", case.len());
    }
}
