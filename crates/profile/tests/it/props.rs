//! Property tests on random profiles: the codec round trips, and merge and scale keep the
//! arithmetic they promise (totals add up in any order and in steps, a merge of one keeps its
//! totals, a profile minus itself is empty, scaling by 2 doubles every value).
//!
//! The generator builds valid profiles: ids 1..n, references that resolve, one value per
//! sample type, labels with a value (profile.proto has no way to write a label without one).

use proptest::prelude::*;
use sextant_profile::*;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_./]{0,7}"
}

fn label() -> impl Strategy<Value = Label> {
    let key = prop::sample::select(vec!["thread", "endpoint", "bytes", "k"]);
    prop_oneof![
        (key.clone(), name()).prop_map(|(k, v)| Label::str(k, &v)),
        (
            key,
            1i64..100_000,
            prop::sample::select(vec!["", "bytes", "ms"])
        )
            .prop_map(|(k, n, u)| Label::num(k, n, u)),
    ]
}

fn mapping(id: u64) -> impl Strategy<Value = Mapping> {
    (0u64..4, 1u64..0x5000, name(), name(), any::<[bool; 4]>()).prop_map(
        move |(s, len, f, b, h)| Mapping {
            id: MappingId(id),
            memory_start: s * 0x10000,
            memory_limit: s * 0x10000 + len,
            file_offset: 0,
            filename: f,
            build_id: if h[0] { b } else { String::new() },
            has_functions: h[1],
            has_filenames: h[2],
            has_line_numbers: h[3],
            has_inline_frames: h[0],
        },
    )
}

fn function(id: u64) -> impl Strategy<Value = Function> {
    (name(), name(), 0i64..50).prop_map(move |(n, f, line)| Function {
        id: FunctionId(id),
        system_name: n.clone(),
        name: n,
        filename: f,
        start_line: line,
    })
}

fn location(id: u64, mappings: u64, functions: u64) -> impl Strategy<Value = Location> {
    let line = (0..=functions, 0i64..200).prop_map(|(f, line)| Line {
        function_id: Some(FunctionId(f)).filter(|f| f.0 != 0),
        line,
        column: 0,
    });
    (
        0..=mappings,
        0u64..0x4000,
        prop::collection::vec(line, 0..3),
        any::<bool>(),
    )
        .prop_map(move |(m, addr, line, folded)| Location {
            id: LocationId(id),
            mapping_id: Some(MappingId(m)).filter(|m| m.0 != 0),
            address: addr,
            line,
            is_folded: folded,
        })
}

fn sample(locations: u64, types: usize) -> impl Strategy<Value = Sample> {
    (
        prop::collection::vec((1..=locations).prop_map(LocationId), 0..5),
        prop::collection::vec(-1000i64..1000, types),
        prop::collection::vec(label(), 0..3),
    )
        .prop_map(|(location, value, label)| Sample {
            location,
            value,
            label,
        })
}

/// A random valid profile whose sample types are `types`.
fn profile_of(types: Vec<ValueType>) -> impl Strategy<Value = Profile> {
    (1u64..4, 0u64..5, 1u64..6).prop_flat_map(move |(m, f, l)| {
        let n = types.len();
        (
            (1..=m).map(mapping).collect::<Vec<_>>(),
            (1..=f).map(function).collect::<Vec<_>>(),
            (1..=l).map(|id| location(id, m, f)).collect::<Vec<_>>(),
            prop::collection::vec(sample(l, n), 0..10),
            (any::<i32>(), 0i64..1_000_000, 1i64..100),
            prop::collection::vec(name(), 0..2),
            Just(types.clone()),
        )
            .prop_map(
                |(mapping, function, location, sample, t, comments, sample_type)| Profile {
                    sample_type,
                    sample,
                    mapping,
                    location,
                    function,
                    comments,
                    time_nanos: i64::from(t.0),
                    duration_nanos: t.1,
                    period_type: Some(ValueType::new("cpu", "nanoseconds")),
                    period: t.2,
                    ..Profile::default()
                },
            )
    })
}

fn cpu_types() -> Vec<ValueType> {
    vec![
        ValueType::new("samples", "count"),
        ValueType::new("cpu", "nanoseconds"),
    ]
}

fn any_profile() -> impl Strategy<Value = Profile> {
    prop::collection::vec(
        (name(), name()).prop_map(|(k, u)| ValueType::new(k, u)),
        1..4,
    )
    .prop_flat_map(profile_of)
}

fn totals(p: &Profile) -> Vec<i64> {
    let mut t = vec![0; p.sample_type.len()];
    for s in &p.sample {
        for (t, v) in t.iter_mut().zip(&s.value) {
            *t += v;
        }
    }
    t
}

proptest! {
    #[test]
    fn codec_round_trips(p in any_profile()) {
        prop_assert!(p.check_valid().is_ok());
        let back = Profile::parse(&p.encode()).expect("our encoding parses");
        prop_assert_eq!(back, p);
    }

    #[test]
    fn merge_totals_do_not_depend_on_order(a in profile_of(cpu_types()), b in profile_of(cpu_types())) {
        let ab = merge(&[&a, &b]).expect("same kind");
        let ba = merge(&[&b, &a]).expect("same kind");
        let sum: Vec<i64> = totals(&a).iter().zip(totals(&b)).map(|(x, y)| x + y).collect();
        prop_assert_eq!(totals(&ab), sum.clone());
        prop_assert_eq!(totals(&ba), sum);
        prop_assert_eq!(ab.sample.len(), ba.sample.len());
        prop_assert!(ab.check_valid().is_ok());
        prop_assert!(ab.sample.iter().all(|s| s.value.iter().any(|&v| v != 0)));
    }

    #[test]
    fn merge_of_one_profile_keeps_its_totals(p in any_profile()) {
        let m = p.compact().expect("a valid profile compacts");
        prop_assert_eq!(totals(&m), totals(&p));
        prop_assert!(m.check_valid().is_ok());
        // Ids are renumbered 1..n in every table.
        prop_assert!(m.location.iter().enumerate().all(|(i, l)| l.id.0 == i as u64 + 1));
        prop_assert!(m.function.iter().enumerate().all(|(i, f)| f.id.0 == i as u64 + 1));
        prop_assert!(m.mapping.iter().enumerate().all(|(i, x)| x.id.0 == i as u64 + 1));
        // Compacting again changes nothing.
        prop_assert_eq!(m.compact().expect("compacts"), m);
    }

    #[test]
    fn a_profile_minus_itself_is_empty(p in profile_of(cpu_types())) {
        let opts = pipeline::SourceOptions::default();
        let diff = pipeline::combine(vec![p.clone()], vec![p], &opts).expect("same kind");
        prop_assert!(diff.sample.is_empty());
    }

    #[test]
    fn merging_in_steps_keeps_the_totals(
        a in profile_of(cpu_types()),
        b in profile_of(cpu_types()),
        c in profile_of(cpu_types()),
    ) {
        let ab = merge(&[&a, &b]).expect("same kind");
        let steps = merge(&[&ab, &c]).expect("same kind");
        let at_once = merge(&[&a, &b, &c]).expect("same kind");
        prop_assert_eq!(totals(&steps), totals(&at_once));
        prop_assert_eq!(steps.sample.len(), at_once.sample.len());
    }

    #[test]
    fn scale_by_two_doubles_every_value(p in any_profile()) {
        let mut scaled = p.clone();
        scaled.scale(2.0);
        let expected: Vec<Vec<i64>> = p
            .sample
            .iter()
            .filter(|s| s.value.iter().any(|&v| v != 0))
            .map(|s| s.value.iter().map(|v| v * 2).collect())
            .collect();
        let got: Vec<Vec<i64>> = scaled.sample.iter().map(|s| s.value.clone()).collect();
        prop_assert_eq!(got, expected);
    }
}
