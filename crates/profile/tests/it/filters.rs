//! Filters (`apply_filters`, `remove_uninteresting`) against go tool pprof.
//!
//! Two sources of truth, both Go's:
//!
//! - the goldens in `testdata/go/golden/`: every `MANIFEST.tsv` row that runs `-raw` on one
//!   profile with nothing but filter options is replayed, and our samples must equal Go's;
//!   the `.stderr.txt` beside a golden holds the warnings we must return, in order;
//! - `go tool pprof -raw` itself, run on profiles built here to reach corners the Go-written
//!   fixtures do not (inlined lines, mappings, `drop_frames`, numeric labels with units). Those
//!   cases are skipped, saying so, when `go` is not installed.
//!
//! Samples are compared as a sorted multiset of (values, stack as function names leaf first
//! with inlined lines expanded, label lines), parsed from `-raw` text on both sides, so that
//! the comparison does not depend on how ids are numbered. Go merges every profile it reads
//! (summing equal samples, dropping all-zero ones); our side is merged too before filtering,
//! and the comparison sums samples equal by name on both sides.

use std::path::{Path, PathBuf};
use std::process::Command;

use sextant_profile::{Filters, Profile, apply_filters};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/go")
}

/// One sample of a `-raw` dump, independent of ids.
type RawSample = (Vec<i64>, Vec<String>, Vec<String>);

/// The samples of a `-raw` dump (Go's `Profile.String`), sorted.
fn raw_samples(text: &str) -> Vec<RawSample> {
    let mut lines = text.lines();
    for l in lines.by_ref() {
        if l == "Samples:" {
            break;
        }
    }
    lines.next(); // The sample types.
    let mut samples: Vec<(Vec<i64>, Vec<u64>, Vec<String>)> = Vec::new();
    for l in lines.by_ref() {
        if l == "Locations" {
            break;
        }
        match sample_head(l) {
            Some((values, ids)) => samples.push((values, ids, Vec::new())),
            None => samples
                .last_mut()
                .expect("label line before any sample")
                .2
                .push(l.trim().to_string()),
        }
    }
    // Location id -> its functions, or its address when it has no lines.
    let mut frames: std::collections::HashMap<u64, Vec<String>> = Default::default();
    let mut addresses: std::collections::HashMap<u64, String> = Default::default();
    let mut current = 0;
    for l in lines {
        if l.starts_with("Mappings") {
            break;
        }
        let rest = match location_head(l) {
            Some((id, address, rest)) => {
                current = id;
                frames.insert(id, Vec::new());
                addresses.insert(id, address.to_string());
                rest
            }
            None => l.trim(),
        };
        if !rest.is_empty() {
            frames.get_mut(&current).unwrap().push(function_of(rest));
        }
    }
    let out: Vec<RawSample> = samples
        .into_iter()
        .map(|(values, ids, labels)| {
            let stack = ids
                .iter()
                .flat_map(|id| match frames.get(id) {
                    Some(f) if f.is_empty() => vec![format!("<no lines at {}>", addresses[id])],
                    Some(f) => f.clone(),
                    None => panic!("sample uses location {id}, which is not in the table"),
                })
                .collect();
            (values, stack, labels)
        })
        .collect();
    merged(out)
}

/// Sums samples with equal stacks and labels, drops all-zero ones, and sorts: what Go's
/// `profile.Merge` does to every profile go tool pprof reads, and what our test pipeline
/// (filters only) does not, applied to both sides alike.
fn merged(samples: Vec<RawSample>) -> Vec<RawSample> {
    let mut sums: std::collections::BTreeMap<(Vec<String>, Vec<String>), Vec<i64>> =
        Default::default();
    for (values, stack, labels) in samples {
        let sum = sums
            .entry((stack, labels))
            .or_insert_with(|| vec![0; values.len()]);
        sum.iter_mut().zip(&values).for_each(|(s, v)| *s += v);
    }
    let mut out: Vec<RawSample> = sums
        .into_iter()
        .filter(|(_, v)| v.iter().any(|v| *v != 0))
        .map(|((stack, labels), values)| (values, stack, labels))
        .collect();
    out.sort();
    out
}

/// `    55  550000000: 1 2 3 ` -> values and location ids.
fn sample_head(l: &str) -> Option<(Vec<i64>, Vec<u64>)> {
    let (values, ids) = l.split_once(": ")?;
    let values: Vec<i64> = values
        .split_whitespace()
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let ids = ids
        .split_whitespace()
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    (!values.is_empty()).then_some((values, ids))
}

/// `     3: 0x4a1b2c M=1 main.f /src/main.go:10 s=0` -> 3, `0x4a1b2c` and
/// `main.f /src/main.go:10 s=0`.
fn location_head(l: &str) -> Option<(u64, &str, &str)> {
    let (id, rest) = l.trim_start().split_once(": ")?;
    let id = id.parse().ok()?;
    if !rest.starts_with("0x") {
        return None;
    }
    let (address, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    for prefix in ["M=", "[F]"] {
        if rest.starts_with(prefix) {
            rest = rest.split_once(' ').map_or("", |r| r.1);
        }
    }
    Some((id, address, rest.trim()))
}

/// `main.f /src/main.go:10 s=0` -> `main.f`; `??` stays.
fn function_of(line: &str) -> String {
    match line.rfind(" s=") {
        Some(i) => line[..i]
            .rsplit_once(' ')
            .map_or(&line[..i], |r| r.0)
            .to_string(),
        None => line.to_string(),
    }
}

/// The filter options of a pprof command line, or `None` if it has any other option.
fn filter_options(args: &[&str]) -> Option<Filters> {
    let mut f = Filters::default();
    for a in args {
        let (k, v) = a.trim_start_matches('-').split_once('=')?;
        let slot = match k {
            "focus" => &mut f.focus,
            "ignore" => &mut f.ignore,
            "hide" => &mut f.hide,
            "show" => &mut f.show,
            "show_from" => &mut f.show_from,
            "prune_from" => &mut f.prune_from,
            "tagfocus" => &mut f.tagfocus,
            "tagignore" => &mut f.tagignore,
            "tagshow" => &mut f.tagshow,
            "taghide" => &mut f.taghide,
            _ => return None,
        };
        *slot = Some(v.to_string());
    }
    Some(f)
}

/// What go tool pprof -raw does with filters: read, drop uninteresting frames, filter.
fn filtered(p: &mut Profile, f: &Filters) -> Vec<String> {
    read_as_go_does(p);
    apply_filters(p, f).unwrap()
}

/// What go tool pprof does to every profile it reads before any option: merge it (which
/// drops all-zero samples and the locations no sample uses: pprof's "matched no samples"
/// warnings look at locations), then drop the frames `drop_frames` names.
fn read_as_go_does(p: &mut Profile) {
    *p = sextant_profile::merge(&[p]).unwrap();
    p.remove_uninteresting().unwrap();
}

/// Compares our samples with Go's, printing the first differences.
fn assert_same_samples(case: &str, ours: &Profile, go_raw: &str) -> Result<(), String> {
    let (want, got) = (raw_samples(go_raw), raw_samples(&ours.to_string()));
    if want == got {
        return Ok(());
    }
    let missing: Vec<_> = want.iter().filter(|s| !got.contains(s)).take(3).collect();
    let extra: Vec<_> = got.iter().filter(|s| !want.contains(s)).take(3).collect();
    Err(format!(
        "{case}: {} samples from Go, {} from us\nonly Go's: {missing:#?}\nonly ours: {extra:#?}",
        want.len(),
        got.len()
    ))
}

#[test]
fn raw_parser_reads_stacks_labels_and_inlined_lines() {
    let text = "PeriodType: cpu nanoseconds\nPeriod: 1\nSamples:\nsamples/count cpu/nanoseconds\n\
                  2         20: 1 2 \n                k:[v]\n  1 10: 2 \nLocations\n\
                  1: 0x10 M=1 inner a.go:1 s=0\n             outer a.go:2 s=0\n\
                  2: 0x20 M=1 main b.go:3 s=0\nMappings\n1: 0x0/0x0/0x0 app  \n";
    assert_eq!(
        raw_samples(text),
        vec![
            (vec![1, 10], vec!["main".to_string()], vec![]),
            (
                vec![2, 20],
                vec!["inner".into(), "outer".into(), "main".into()],
                vec!["k:[v]".into()]
            ),
        ]
    );
}

#[test]
fn filtered_go_profiles_match_go_tool_pprof_goldens() {
    let golden = testdata().join("golden");
    let manifest = std::fs::read_to_string(golden.join("MANIFEST.tsv"))
        .expect("testdata/go/golden/MANIFEST.tsv, written by testdata/go/regen.sh");
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in manifest.lines() {
        let Some((name, cmd)) = row.split_once('\t') else {
            continue;
        };
        let args: Vec<&str> = cmd.split_whitespace().collect();
        let [first, opts @ .., input] = args.as_slice() else {
            continue;
        };
        if *first != "-raw" || opts.is_empty() || !input.ends_with(".pb.gz") {
            continue;
        }
        let Some(filters) = filter_options(opts) else {
            continue;
        };
        let data = std::fs::read(testdata().join(input)).unwrap();
        let mut p = match Profile::parse(&data) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: reading {input}: {e}"));
                continue;
            }
        };
        let warnings = filtered(&mut p, &filters);
        let go_raw = std::fs::read_to_string(golden.join(name)).unwrap();
        if let Err(e) = assert_same_samples(name, &p, &go_raw) {
            failures.push(e);
        }
        let stderr = golden.join(name.replace(".txt", ".stderr.txt"));
        let want: Vec<String> = std::fs::read_to_string(stderr)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect();
        if warnings != want {
            failures.push(format!(
                "{name}: warnings {warnings:?}, Go printed {want:?}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} filter goldens found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs `go tool pprof -raw <args> <profile>` on `p`, returning stdout and stderr, or `None`
/// when Go is not installed.
fn go_raw(p: &Profile, args: &[&str]) -> Option<(String, String)> {
    let dir = std::env::temp_dir().join(format!("sextant-filters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}.pb.gz",
        args.join("_").replace(['/', '\\'], "_")
    ));
    let mut f = std::fs::File::create(&path).unwrap();
    p.write(&mut f).unwrap();
    let out = Command::new("go")
        .args(["tool", "pprof", "-raw"])
        .args(args)
        .arg(&path)
        .env("TZ", "UTC")
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    Some((
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    ))
}

/// A profile exercising what filters look at: two mappings, inlined lines, files, string
/// labels, numeric labels with and without units (one key with two units), a sample without
/// frames, and `drop_frames` / `keep_frames` when asked.
fn corner_profile(drop: &str, keep: &str) -> Profile {
    use sextant_profile::*;
    let mut p = Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("space", "bytes"),
        ],
        period_type: Some(ValueType::new("space", "bytes")),
        period: 1,
        drop_frames: drop.into(),
        keep_frames: keep.into(),
        ..Profile::default()
    };
    for (id, file) in [(1, "/bin/app"), (2, "/lib/libc.so.6")] {
        p.mapping.push(Mapping {
            id: MappingId(id),
            memory_start: id * 0x100000,
            memory_limit: id * 0x100000 + 0xfffff,
            filename: file.into(),
            has_functions: true,
            ..Mapping::default()
        });
    }
    let names = [
        ("main.main", "app/main.go"),
        ("main.handle", "app/handle.go"),
        ("main.inl", "app/handle.go"),
        ("main.(*T).Method", "app/t.go"),
        ("runtime.mallocgc", "runtime/malloc.go"),
        ("memcpy", "libc/memcpy.c"),
        ("main.(anonymous namespace).copy(int)", "v.cc"),
        ("main.leaf.{{closure}}", "app/leaf.go"),
        ("main.café", "app/cafe.go"),
    ];
    for (i, (name, file)) in names.iter().enumerate() {
        p.function.push(Function {
            id: FunctionId(i as u64 + 1),
            name: name.to_string(),
            system_name: name.to_string(),
            filename: file.to_string(),
            start_line: 1,
        });
    }
    // Location -> (mapping, functions innermost first).
    let locs: [(u64, &[u64]); 9] = [
        (1, &[1]),       // main.main
        (1, &[3, 2]),    // main.inl inlined into main.handle
        (1, &[4]),       // main.(*T).Method
        (1, &[5]),       // runtime.mallocgc
        (2, &[6]),       // memcpy, in libc
        (1, &[7]),       // main.(anonymous namespace).copy(int)
        (1, &[8, 3, 2]), // main.leaf.{{closure}} in main.inl in main.handle
        (2, &[]),        // an unsymbolized libc address
        (1, &[9]),       // main.café
    ];
    for (i, (m, fns)) in locs.iter().enumerate() {
        p.location.push(Location {
            id: LocationId(i as u64 + 1),
            mapping_id: Some(MappingId(*m)),
            address: m * 0x100000 + 0x10 * (i as u64 + 1),
            line: fns
                .iter()
                .map(|f| Line {
                    function_id: Some(FunctionId(*f)),
                    line: 10 + *f as i64,
                    column: 0,
                })
                .collect(),
            is_folded: false,
        });
    }
    let s = |ids: &[u64], v: i64, label: Vec<Label>| Sample {
        location: ids.iter().map(|i| LocationId(*i)).collect(),
        value: vec![v, v * 100],
        label,
    };
    let ep = |e: &str, w: &str| vec![Label::str("endpoint", e), Label::str("worker", w)];
    let with = |mut l: Vec<Label>, extra: Vec<Label>| {
        l.extend(extra);
        l
    };
    p.sample = vec![
        s(
            &[4, 3, 2, 1],
            1,
            with(ep("/api/a", "1"), vec![Label::num("bytes", 512, "")]),
        ),
        s(
            &[5, 4, 2, 1],
            2,
            with(ep("/api/b", "2"), vec![Label::num("bytes", 2048, "")]),
        ),
        s(
            &[7, 2, 1],
            3,
            with(ep("/api/a", "2"), vec![Label::num("bytes", 64, "")]),
        ),
        s(
            &[6, 3, 1],
            4,
            with(ep("/api/b", "1"), vec![Label::num("request", 1024, "")]),
        ),
        s(&[8, 5, 2, 1], 5, vec![Label::num("size", 3, "kilobytes")]),
        s(&[3, 7, 2, 1], 6, vec![Label::num("size", 4096, "bytes")]),
        s(
            &[2, 3, 1],
            7,
            vec![Label::num("lat", 2_000_000, "nanoseconds")],
        ),
        s(&[], 8, ep("/api/c", "3")),
        s(
            &[1],
            9,
            vec![
                Label::str("endpoint", "/api/a"),
                Label::str("endpoint", "/x"),
            ],
        ),
    ];
    p
}

/// Option sets replayed on [`corner_profile`] through `go tool pprof -raw`.
const GO_CASES: &[&[&str]] = &[
    &[],
    &["-focus=main.inl"],
    &["-focus=libc"],
    &["-focus=handle.go"],
    &["-focus=^main\\.main$"],
    &["-ignore=main.inl"],
    &["-ignore=libc", "-focus=handle"],
    &["-hide=main.inl"],
    &["-hide=libc"],
    &["-hide=main"],
    &["-show=main"],
    &["-show=main.inl"],
    &["-show=libc"],
    &["-show_from=main.handle"],
    &["-show_from=main.inl"],
    &["-show_from=libc"],
    &["-show_from=nothing"],
    &["-prune_from=main.handle"],
    &["-prune_from=main.inl"],
    &["-prune_from=copy"],
    &["-prune_from=^main.\\(anonymous namespace\\).copy$"],
    &[
        "-focus=handle",
        "-hide=inl",
        "-show_from=main.handle",
        "-prune_from=Method",
    ],
    &["-tagfocus=endpoint=/api/a"],
    &["-tagfocus=endpoint=/api/a,/api/b"],
    &["-tagfocus=/api/a,worker:2"],
    &["-tagfocus=worker"],
    &["-tagfocus=worker=1"],
    &["-tagignore=worker:2"],
    &["-tagfocus=bytes=1kb:"],
    &["-tagfocus=bytes=:512"],
    &["-tagfocus=bytes=:512b"],
    &["-tagfocus=64b:2kb"],
    &["-tagfocus=request=1kb"],
    &["-tagfocus=size=3kb"],
    &["-tagfocus=size=4kb"],
    &["-tagfocus=lat=2ms"],
    &["-tagfocus=lat=1ms:3ms"],
    &["-tagfocus=1kb:2ms"],
    &["-tagignore=-1:+512b"],
    &["-tagfocus=endpoint=/api/a", "-tagignore=worker=^1"],
    &["-tagshow=end"],
    &["-taghide=^(bytes|size)$"],
    &["-tagshow=e", "-taghide=work"],
    &["-focus={{closure}}"],
    &["-focus=leaf\\.{{"],
    &["-focus=^main\\.\\w+$"],
    &["-hide=\\W"],
    &["-show=^[[:alpha:].]{4,9}\\b"],
    &["-focus=\\Qmain.(*T)\\E"],
    &["-focus=[^\\D]"],
    &["-prune_from=caf"],
    &["-tagfocus=endpoint=^/\\w$"],
    &[
        "-focus=zzz",
        "-ignore=yyy",
        "-hide=xxx",
        "-show=www",
        "-tagfocus=k=v",
    ],
];

#[test]
fn filters_match_go_tool_pprof_on_corner_cases() {
    let mut failures = Vec::new();
    let profiles = [
        ("plain", corner_profile("", "")),
        ("drop", corner_profile("main\\.inl|memcpy", "")),
        (
            "drop+keep",
            corner_profile("main\\..*", "main\\.main|main\\.inl"),
        ),
        (
            "drop-simplified",
            corner_profile("main\\.\\(anonymous namespace\\)\\.copy", ""),
        ),
    ];
    for (name, p0) in &profiles {
        for args in GO_CASES {
            if *name != "plain" && !args.is_empty() {
                continue; // Pruning is checked on its own; filters on the plain profile.
            }
            let Some((stdout, stderr)) = go_raw(p0, args) else {
                eprintln!("note: `go` is not on PATH: go tool pprof comparisons skipped");
                return;
            };
            let case = format!("{name} {args:?}");
            assert!(
                stdout.contains("Samples:"),
                "{case}: go tool pprof failed: {stderr}"
            );
            let mut p = p0.clone();
            let f = filter_options(args).unwrap();
            let warnings = filtered(&mut p, &f);
            if let Err(e) = assert_same_samples(&case, &p, &stdout) {
                failures.push(e);
            }
            let mut want: Vec<String> = stderr.lines().map(String::from).collect();
            let mut units = p0.num_label_unit_warnings();
            units.extend(warnings);
            if want.len() != units.len() {
                want.sort();
                units.sort();
            }
            if units != want {
                failures.push(format!("{case}: warnings {units:?}, Go printed {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

mod never_panic {
    //! Filters on arbitrary profiles (dangling ids included) and arbitrary option text never
    //! panic, and only ever remove samples and frames.

    use proptest::prelude::*;
    use sextant_profile::*;

    /// Option text drawn from what regexps, tag filters and ranges are made of.
    fn option() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-cé.()*+?|^$\\[\\]{}\\\\=,:0-9kmbsBdwQE<>&~+-]{0,8}")
    }

    fn filters() -> impl Strategy<Value = Filters> {
        let names = (option(), option(), option(), option(), option(), option());
        let tags = (option(), option(), option(), option());
        (names, tags).prop_map(|((a, b, c, d, e, f), (g, h, i, j))| Filters {
            focus: a,
            ignore: b,
            hide: c,
            show: d,
            show_from: e,
            prune_from: f,
            tagfocus: g,
            tagignore: h,
            tagshow: i,
            taghide: j,
        })
    }

    fn label() -> impl Strategy<Value = Label> {
        prop_oneof![
            ("[a-c]{1,2}", "[a-c0-9]{0,2}").prop_map(|(k, v)| Label::str(&k, &v)),
            ("[a-c]{1,2}|bytes", any::<i64>(), "|b|kb|ms|bytes")
                .prop_map(|(k, n, u)| Label::num(&k, n, &u)),
        ]
    }

    fn profile() -> impl Strategy<Value = Profile> {
        let function = ("[a-cé.()]{0,6}", "[a-c/]{0,4}");
        let location = (0u64..4, proptest::collection::vec(0u64..6, 0..4));
        let sample = (
            proptest::collection::vec(0u64..8, 0..6),
            any::<i64>(),
            proptest::collection::vec(label(), 0..3),
        );
        (
            proptest::collection::vec(function, 0..5),
            proptest::collection::vec(location, 0..7),
            proptest::collection::vec(sample, 0..8),
            "[a-c.()|*]{0,4}",
            "[a-c]{0,2}",
        )
            .prop_map(|(fs, ls, ss, drop, keep)| Profile {
                sample_type: vec![ValueType::new("samples", "count")],
                function: fs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, filename))| Function {
                        id: FunctionId(i as u64 + 1),
                        name,
                        filename,
                        ..Function::default()
                    })
                    .collect(),
                mapping: vec![Mapping {
                    id: MappingId(1),
                    filename: "/bin/a(b)".into(),
                    ..Mapping::default()
                }],
                location: ls
                    .into_iter()
                    .enumerate()
                    .map(|(i, (m, fns))| Location {
                        id: LocationId(i as u64 + 1),
                        mapping_id: (m > 0).then_some(MappingId(m)),
                        line: fns
                            .into_iter()
                            .map(|f| Line {
                                function_id: (f > 0).then_some(FunctionId(f)),
                                ..Line::default()
                            })
                            .collect(),
                        ..Location::default()
                    })
                    .collect(),
                sample: ss
                    .into_iter()
                    .map(|(locs, v, label)| Sample {
                        location: locs.into_iter().map(LocationId).collect(),
                        value: vec![v],
                        label,
                    })
                    .collect(),
                drop_frames: drop,
                keep_frames: keep,
                ..Profile::default()
            })
    }

    proptest! {
        #[test]
        fn filters_never_panic_and_only_remove(p in profile(), f in filters()) {
            let mut q = p.clone();
            let _ = q.remove_uninteresting();
            if apply_filters(&mut q, &f).is_err() {
                return Ok(());
            }
            prop_assert!(q.sample.len() <= p.sample.len());
            for s in &q.sample {
                prop_assert!(!s.location.is_empty());
                // A kept sample is one of the input's, with a subset of its frames and labels.
                prop_assert!(p.sample.iter().any(|o| o.value == s.value
                    && s.location.iter().all(|l| o.location.contains(l))
                    && s.label.iter().all(|l| o.label.contains(l))));
            }
            for (a, b) in q.location.iter().zip(&p.location) {
                prop_assert!(a.line.iter().all(|l| b.line.contains(l)));
            }
        }
    }
}

/// A small deterministic generator (xorshift64*), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A random valid profile: names built from pieces that filters and pruning treat specially
/// (none that go tool pprof's demangler would rewrite), several mappings, inlined lines,
/// string and numeric labels.
fn random_profile(rng: &mut Rng) -> Profile {
    use sextant_profile::*;
    const PIECES: &[&str] = &["main.", "a", "b", "(x)", ".c", "{{closure}}", "é", "_1"];
    const FILES: &[&str] = &["app/a.go", "app/b.go", "lib/c.c", "é.go"];
    const MAPS: &[&str] = &["/bin/app", "/lib/libc.so", "[vdso]"];
    let mut p = Profile {
        sample_type: vec![ValueType::new("samples", "count")],
        ..Profile::default()
    };
    for (i, m) in MAPS.iter().enumerate() {
        p.mapping.push(Mapping {
            id: MappingId(i as u64 + 1),
            memory_start: (i as u64 + 1) << 20,
            memory_limit: ((i as u64 + 2) << 20) - 1,
            filename: m.to_string(),
            // Symbolized, so that go tool pprof does not look for the binaries.
            has_functions: true,
            ..Mapping::default()
        });
    }
    for i in 0..2 + rng.below(8) {
        let name: String = (0..1 + rng.below(3)).map(|_| rng.pick(PIECES)).collect();
        p.function.push(Function {
            id: FunctionId(i as u64 + 1),
            name: name.clone(),
            system_name: name,
            filename: rng.pick(FILES).to_string(),
            start_line: 0,
        });
    }
    for i in 0..1 + rng.below(10) {
        let m = 1 + rng.below(MAPS.len()) as u64;
        let line = (0..rng.below(4))
            .map(|_| Line {
                function_id: Some(FunctionId(1 + rng.below(p.function.len()) as u64)),
                line: 1 + rng.below(50) as i64,
                column: 0,
            })
            .collect();
        p.location.push(Location {
            id: LocationId(i as u64 + 1),
            mapping_id: Some(MappingId(m)),
            address: (m << 20) + 16 * (i as u64 + 1),
            line,
            is_folded: false,
        });
    }
    if rng.below(4) == 0 {
        p.drop_frames = rng
            .pick(&["a", "main\\..*", "b", "{{closure}}|é"])
            .to_string();
        p.keep_frames = rng.pick(&["", "", "main\\.a", "b.*"]).to_string();
    }
    for _ in 0..1 + rng.below(12) {
        let location = (0..rng.below(6))
            .map(|_| LocationId(1 + rng.below(p.location.len()) as u64))
            .collect();
        let mut label = Vec::new();
        for _ in 0..rng.below(3) {
            label.push(match rng.below(3) {
                0 => Label::str(rng.pick(&["k", "kk"]), rng.pick(&["v1", "v2", "1"])),
                1 => Label::num("n", [64, 512, 1024, 4096][rng.below(4)], ""),
                2 if rng.below(4) == 0 => {
                    Label::num("size", 2, rng.pick(&["kilobytes", "bytes", "kb"]))
                }
                _ => Label::num("t", 1_000_000 * rng.below(3) as i64, "nanoseconds"),
            });
        }
        let value = vec![1 + rng.below(100) as i64];
        p.sample.push(Sample {
            location,
            value,
            label,
        });
    }
    p
}

/// A random command line of one to three filter options.
fn random_options(rng: &mut Rng) -> Vec<String> {
    const NAME: &[&str] = &["focus", "ignore", "hide", "show", "show_from", "prune_from"];
    const RE: &[&str] = &[
        "a",
        "^main\\.a$",
        "b\\(",
        "\\(x\\)",
        "{{closure}}",
        "é",
        "\\w+é",
        "^\\w+$",
        "libc",
        "app/b",
        "a|c",
        "[ab]\\b",
        "\\.c",
        "vdso",
        "_1$",
        "\\Qmain.\\E",
        "zzz",
    ];
    const TAG: &[&str] = &[
        "k=v1",
        "v1",
        "k:v",
        "kk=v1,v2",
        "k=1",
        "n=1kb:",
        ":512",
        "512b",
        "n=64b:2kb",
        "1ms:",
        "t=:1ms",
        "k",
        "kk:v2,k:v",
        "x",
    ];
    const KEY: &[&str] = &["k", "n", "^k$", "t|kk", "z"];
    (0..1 + rng.below(3))
        .map(|_| match rng.below(4) {
            0 | 1 => format!("-{}={}", rng.pick(NAME), rng.pick(RE)),
            2 => format!(
                "-{}={}",
                rng.pick(&["tagfocus", "tagignore"]),
                rng.pick(TAG)
            ),
            _ => format!("-{}={}", rng.pick(&["tagshow", "taghide"]), rng.pick(KEY)),
        })
        .collect()
}

/// Random profiles and options through both tools. `SEXTANT_RANDOM_FILTER_CASES=n` runs `n`
/// cases instead of 60 (each costs one go tool pprof run, about 50 ms).
#[test]
fn random_filters_match_go_tool_pprof() {
    let mut rng = Rng(0x5EED_F11E_u64);
    let mut failures = Vec::new();
    let cases = std::env::var("SEXTANT_RANDOM_FILTER_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    for case in 0..cases {
        let p0 = random_profile(&mut rng);
        let mut args = random_options(&mut rng);
        // pprof keeps the last value of a repeated flag.
        args.reverse();
        args.dedup_by(|a, b| a.split('=').next() == b.split('=').next());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let Some((stdout, stderr)) = go_raw(&p0, &argv) else {
            eprintln!("note: `go` is not on PATH: go tool pprof comparisons skipped");
            return;
        };
        let name = format!("case {case} {argv:?}");
        let mut p = p0.clone();
        let f = filter_options(&argv).unwrap();
        read_as_go_does(&mut p);
        match apply_filters(&mut p, &f) {
            Err(e) => {
                if stdout.contains("Samples:") {
                    failures.push(format!("{name}: we failed ({e}), Go did not"));
                }
            }
            Ok(warnings) => {
                if let Err(e) = assert_same_samples(&name, &p, &stdout) {
                    failures.push(format!("{e}\nprofile:\n{p0}"));
                }
                let mut want: Vec<String> = stderr.lines().map(String::from).collect();
                let mut got = p0.num_label_unit_warnings();
                got.extend(warnings);
                if want.len() != got.len() {
                    want.sort();
                    got.sort();
                }
                if got != want {
                    failures.push(format!("{name}: warnings {got:?}, Go printed {want:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Go's `regexp` on each pattern against each text (all Go-quoted, one per line, texts first,
/// then a line `END`, then patterns): a line per pattern, `ERR` or one `0`/`1` per text.
const GO_MATCHER: &str = r#"package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
)

func main() {
	texts := []string{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		if in.Text() == "END" {
			break
		}
		line, _ := strconv.Unquote(in.Text())
		texts = append(texts, line)
	}
	for in.Scan() {
		pat, _ := strconv.Unquote(in.Text())
		re, err := regexp.Compile(pat)
		if err != nil {
			fmt.Println("ERR")
			continue
		}
		out := []byte{}
		for _, t := range texts {
			if re.MatchString(t) {
				out = append(out, '1')
			} else {
				out = append(out, '0')
			}
		}
		fmt.Println(string(out))
	}
}
"#;

/// Go-quotes a string (the subset of `strconv.Quote` that `strconv.Unquote` reads back).
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Random patterns in Go's syntax, compiled as the filters compile them, must match exactly
/// the names Go's `regexp` matches, whenever Go accepts the pattern
/// (`SEXTANT_GO_REGEXP_CASES=n` tries `n` patterns instead of 3000).
#[test]
fn filter_regexps_match_what_gos_regexp_matches() {
    const TOKENS: &[&str] = &[
        "a",
        "b",
        "é",
        ".",
        "\\.",
        "*",
        "+",
        "?",
        "|",
        "(",
        ")",
        "^",
        "$",
        "[",
        "]",
        "[^",
        "-",
        "{",
        "}",
        "{2}",
        "{1,}",
        "{0,1}",
        "{01}",
        "\\d",
        "\\D",
        "\\w",
        "\\W",
        "\\s",
        "\\S",
        "\\b",
        "\\B",
        "\\<",
        "\\>",
        "\\Q",
        "\\E",
        "\\(",
        "\\)",
        "\\{",
        "\\}",
        "[:alpha:]",
        "[[:digit:]]",
        "\\pL",
        "\\p{Greek}",
        "\\x41",
        "\\x{3b1}",
        "\\101",
        "\\0",
        "&&",
        "--",
        "~~",
        "(?i)",
        "(?s)",
        "(?:",
        "\\A",
        "\\z",
        "\\n",
        "\\t",
        ":",
        ",",
        "<",
        ">",
        "_",
        "1",
        "7",
        " ",
    ];
    const TEXTS: &[&str] = &[
        "",
        "a",
        "b",
        "ab",
        "aab",
        "é",
        "café",
        "A",
        "B",
        "α",
        "αβ",
        "1",
        "٣",
        "a1",
        "a b",
        "a\tb",
        "a\u{0B}b",
        "a.b",
        "{{closure}}",
        "main::{{closure}}",
        "x{2}",
        "a{01}",
        "Vec<u8>",
        "<",
        ">",
        "[",
        "]",
        "&&",
        "--",
        "~~",
        "a-b",
        "\\",
        "\n",
        "\0",
        "A\0",
        "main.(*T).M",
        "1,2",
        "k:v",
        "_",
        "7",
        "ab{",
        "a}",
        " ",
    ];
    let mut rng = Rng(0xC0FF_EE00_1234);
    let cases = std::env::var("SEXTANT_GO_REGEXP_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let patterns: Vec<String> = (0..cases)
        .map(|_| (0..1 + rng.below(5)).map(|_| rng.pick(TOKENS)).collect())
        .collect();
    let dir = std::env::temp_dir().join(format!("sextant-goregexp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("main.go");
    std::fs::write(&src, GO_MATCHER).unwrap();
    let mut input = String::new();
    for t in TEXTS {
        input += &go_quote(t);
        input.push('\n');
    }
    input += "END\n";
    for p in &patterns {
        input += &go_quote(p);
        input.push('\n');
    }
    let child = Command::new("go")
        .arg("run")
        .arg(&src)
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("note: `go` is not on PATH: Go regexp comparison skipped");
        return;
    };
    // Written from another thread: Go answers while it reads, and both pipes are finite.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write as _;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let go = String::from_utf8(out.stdout).unwrap();
    let go: Vec<&str> = go.lines().collect();
    assert_eq!(go.len(), patterns.len(), "go run failed");
    let mut failures = Vec::new();
    let mut go_only_errors = 0;
    for (p, want) in patterns.iter().zip(go) {
        let ours = sextant_profile::compile_regex("focus", p);
        match (want, ours) {
            ("ERR", Ok(_)) => go_only_errors += 1, // Syntax only `regex` knows; accepted.
            ("ERR", Err(_)) => {}
            (_, Err(e)) => failures.push(format!("{p:?}: Go compiles it, we do not: {e}")),
            (want, Ok(re)) => {
                let got: String = TEXTS
                    .iter()
                    .map(|t| if re.is_match(t) { '1' } else { '0' })
                    .collect();
                if got != want {
                    failures.push(format!("{p:?}: Go {want}, ours {got}"));
                }
            }
        }
    }
    eprintln!(
        "{go_only_errors} of {} patterns only Go rejects",
        patterns.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
