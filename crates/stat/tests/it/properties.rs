//! Property tests of the statistics: the U test's p-value is the exact distribution
//! enumerated over every arrangement and symmetric in its samples; the median's
//! interval contains it; scaling every value by a power of two scales centers and
//! bounds and changes nothing else.

use proptest::prelude::*;
use sextant_stat::summary::{Assumption, MedianCis, Sample};
use sextant_stat::utest::{mann_whitney_u, mann_whitney_u_exact};

/// U of `x` against `y`: pairs with x > y, plus 1/2 per tie.
fn u_of(x: &[f64], y: &[f64]) -> f64 {
    let mut u = 0.0;
    for a in x {
        for b in y {
            if a > b {
                u += 1.0;
            } else if a == b {
                u += 0.5;
            }
        }
    }
    u
}

/// Two-sided p by enumerating every way to pick which n1 of the pooled values are
/// the first sample: twice the smaller tail of U1's distribution at the observed U1,
/// at most 1 (and 1 when U1 = U2).
fn enumerated_p(x: &[f64], y: &[f64]) -> f64 {
    let pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let (n1, n) = (x.len(), pooled.len());
    let u1 = u_of(x, y);
    let u2 = (x.len() * y.len()) as f64 - u1;
    if u1 == u2 {
        return 1.0;
    }
    let (mut below, mut above, mut total) = (0u64, 0u64, 0u64);
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize != n1 {
            continue;
        }
        let pick = |first: bool| -> Vec<f64> {
            (0..n)
                .filter(|i| (mask & (1 << i) != 0) == first)
                .map(|i| pooled[i])
                .collect()
        };
        let (a, b) = (pick(true), pick(false));
        let u = u_of(&a, &b);
        total += 1;
        below += u64::from(u <= u1);
        above += u64::from(u >= u1);
    }
    (2.0 * below.min(above) as f64 / total as f64).min(1.0)
}

/// Small samples of small integers, so ties are common.
fn samples() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (
        prop::collection::vec(0u8..6, 1..=6),
        prop::collection::vec(0u8..6, 1..=6),
    )
        .prop_map(|(a, b)| {
            (
                a.into_iter().map(f64::from).collect(),
                b.into_iter().map(f64::from).collect(),
            )
        })
}

/// Small samples of distinct values (no ties), in random order.
fn distinct_samples() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1usize..=7, 1usize..=7)
        .prop_flat_map(|(n1, n2)| {
            (
                Just(n1),
                Just(n2),
                Just((0..n1 + n2).map(|i| i as f64).collect::<Vec<f64>>()).prop_shuffle(),
            )
        })
        .prop_map(|(n1, _, v)| (v[..n1].to_vec(), v[n1..].to_vec()))
}

proptest! {
    #[test]
    fn p_value_is_the_enumerated_exact_distribution((x, y) in samples()) {
        match mann_whitney_u_exact(&x, &y) {
            Ok(r) => {
                let want = enumerated_p(&x, &y);
                prop_assert!((r.p - want).abs() < 1e-9, "p {} want {} for {:?} {:?}", r.p, want, x, y);
            }
            Err(_) => prop_assert!(x.iter().chain(&y).all(|v| *v == x[0]), "error only when all equal"),
        }
    }

    #[test]
    fn p_value_is_symmetric((x, y) in samples()) {
        let (a, b) = (mann_whitney_u_exact(&x, &y), mann_whitney_u_exact(&y, &x));
        match (a, b) {
            (Ok(a), Ok(b)) => prop_assert!((a.p - b.p).abs() < 1e-12, "{} vs {}", a.p, b.p),
            (a, b) => prop_assert_eq!(a.is_err(), b.is_err()),
        }
    }

    #[test]
    fn without_ties_benchstats_p_value_is_the_exact_one_and_symmetric((x, y) in distinct_samples()) {
        let go = mann_whitney_u(&x, &y).expect("distinct values");
        prop_assert_eq!(go.p, mann_whitney_u_exact(&x, &y).expect("distinct values").p);
        prop_assert!((go.p - enumerated_p(&x, &y)).abs() < 1e-9);
        prop_assert!((go.p - mann_whitney_u(&y, &x).expect("distinct values").p).abs() < 1e-12);
    }

    #[test]
    fn interval_contains_the_median(
        v in prop::collection::vec(-1e6f64..1e6, 1..60),
        confidence in 0.5f64..0.999,
    ) {
        let s = Sample::new(v);
        let sum = Assumption::Nothing.summary(&s, confidence, &mut MedianCis::default());
        prop_assert!(sum.lo <= sum.center && sum.center <= sum.hi, "{:?}", sum);
        prop_assert!(sum.confidence >= confidence || sum.lo.is_infinite() || sum.hi.is_infinite());
    }

    #[test]
    fn scaling_every_value_scales_the_summary_and_keeps_the_comparison(
        x in prop::collection::vec(1u32..10_000, 2..15),
        y in prop::collection::vec(1u32..10_000, 2..15),
        k in -20i32..20,
    ) {
        let f = 2f64.powi(k); // exact: scaling by a power of two loses no bits
        let sx = Sample::new(x.iter().map(|&v| f64::from(v)).collect());
        let sy = Sample::new(y.iter().map(|&v| f64::from(v)).collect());
        let tx = Sample::new(x.iter().map(|&v| f64::from(v) * f).collect());
        let ty = Sample::new(y.iter().map(|&v| f64::from(v) * f).collect());
        let mut cis = MedianCis::default();
        for (s, t) in [(&sx, &tx), (&sy, &ty)] {
            let (a, b) = (Assumption::Nothing.summary(s, 0.95, &mut cis), Assumption::Nothing.summary(t, 0.95, &mut cis));
            prop_assert_eq!(a.center * f, b.center);
            prop_assert_eq!(a.lo * f, b.lo);
            prop_assert_eq!(a.hi * f, b.hi);
            prop_assert_eq!(a.pct_range(), b.pct_range());
        }
        let (ca, cb) = (Assumption::Nothing.compare(&sx, &sy, 0.05), Assumption::Nothing.compare(&tx, &ty, 0.05));
        prop_assert_eq!(ca.p, cb.p);
        let (ma, mb) = (Assumption::Nothing.summary(&sx, 0.95, &mut cis).center, Assumption::Nothing.summary(&sy, 0.95, &mut cis).center);
        prop_assert_eq!(ca.delta(ma, mb), cb.delta(ma * f, mb * f));
    }
}

#[test]
fn scaling_the_input_files_scales_the_printed_table() {
    // Multiply every value of old.txt and new.txt by 1024 (exact) and the B/op table
    // moves up one IEC prefix with the same digits; sec/op moves by 1024 in value, so
    // compare the parts that must not change: intervals, deltas, p-values.
    let dir = crate::testdata();
    let scale = |name: &str| -> String {
        let text = std::fs::read_to_string(dir.join(name)).expect("read");
        text.lines()
            .map(|l| {
                if !l.starts_with("Benchmark") {
                    return l.to_string();
                }
                let f: Vec<&str> = l.split_whitespace().collect();
                let mut out = vec![f[0].to_string(), f[1].to_string()];
                for pair in f[2..].chunks(2) {
                    let v: f64 = pair[0].parse().expect("value");
                    out.push(format!("{}", v * 1024.0));
                    out.push(pair[1].to_string());
                }
                out.join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let tmp = std::env::temp_dir().join(format!("sextant-stat-scale-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    std::fs::write(tmp.join("old.txt"), scale("old.txt")).expect("write");
    std::fs::write(tmp.join("new.txt"), scale("new.txt")).expect("write");
    let run = |d: &std::path::Path| {
        // Labeled as the golden's columns, so the layout is the golden's.
        let a: Vec<String> = ["old.txt", "new.txt"]
            .iter()
            .map(|f| format!("{f}={}", d.join(f).display()))
            .collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(sextant_stat::run(&a, &mut out, &mut err), 0);
        String::from_utf8(out).expect("utf8")
    };
    let (orig, scaled) = (run(&dir), run(&tmp));
    std::fs::remove_dir_all(&tmp).ok();
    let tail = |s: &str| -> Vec<String> {
        // Everything after each center: "± 21%   69.75n ± 42%  -89.78% (p=0.000 n=10)" minus numbers with prefixes.
        s.lines()
            .filter(|l| l.contains('±'))
            .map(|l| {
                l.split_whitespace()
                    .filter(|w| w.ends_with('%') || w.starts_with('(') || w.starts_with("n="))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    assert_eq!(tail(&orig), tail(&scaled));
    // B/op: 64 B becomes 64 KiB, printed with the same digits and the next prefix.
    assert!(
        orig.contains(
            "StringBuilder/n=10-2         64.00 ± 0%       16.00 ± 0%  -75.00% (p=0.000 n=10)"
        ),
        "{orig}"
    );
    assert!(scaled.contains("64.00Ki ± 0%"), "{scaled}");
    assert!(scaled.contains("16.00Ki ± 0%"), "{scaled}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the input, benchstat prints or reports an error: it never panics.
    #[test]
    fn any_input_gives_a_table_or_an_error(lines in prop::collection::vec(line(), 0..30)) {
        let text = lines.join("\n");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let a = vec!["-".to_string()];
        let code = sextant_stat::run_with_stdin(&a, &mut text.as_bytes(), &mut out, &mut err);
        prop_assert!(code == 0 || code == 1, "exit {}", code);
        if code == 1 {
            prop_assert!(String::from_utf8_lossy(&err).contains("error: "));
        }
    }
}

/// Lines that look like Go's format, mangled.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "Benchmark[A-Za-z/=0-9-]{0,12}[ \t]+[0-9x]{0,4}([ \t]+[-0-9.e+]{0,6}[ \t]+[a-zA-Z/]{0,6}){0,3}",
        "[a-z]{1,5}:[ a-z]{0,6}",
        "Unit [a-zA-Z/]{0,6}( [a-z]{0,5}=?[a-z]{0,5}){0,2}",
        ".{0,20}",
    ]
}
