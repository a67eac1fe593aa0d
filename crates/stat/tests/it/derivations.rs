//! Values checked against hand arithmetic, with the derivation beside each.

use sextant_stat::quantile::{quantile, quantile_ci};
use sextant_stat::summary::{Assumption, MedianCis, Sample};
use sextant_stat::utest::{UTestError, mann_whitney_u, mann_whitney_u_exact};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
}

#[test]
fn u_test_of_separated_samples_is_two_over_the_arrangements() {
    // x = {1,2,3}, y = {4,5,6}: x's ranks are 1,2,3, so R1 = 6 and U1 = R1 - 3*4/2 = 0.
    // Of the C(6,3) = 20 equally likely arrangements only this one has U <= 0:
    // p = 2 * 1/20 = 0.1 (the smallest p at n = 3, benchmath's table).
    let r = mann_whitney_u(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).expect("test");
    assert_eq!(r.u, 0.0);
    assert!(close(r.p, 0.1), "{}", r.p);
    // n = 10 each, fully separated: p = 2 / C(20,10) = 2 / 184756.
    let x: Vec<f64> = (0..10).map(f64::from).collect();
    let y: Vec<f64> = (10..20).map(f64::from).collect();
    assert!(close(
        mann_whitney_u(&x, &y).expect("test").p,
        2.0 / 184_756.0
    ));
}

#[test]
fn u_test_counts_arrangements_up_to_the_observed_u() {
    // x = {1,2,4}, y = {3,5,6}: x's ranks 1,2,4, R1 = 7, U1 = 7 - 6 = 1 (the pair 4 > 3).
    // Arrangements with U <= 1: U = 0 (xxxyyy) and U = 1 (xxyxyy): 2 of 20.
    // p = 2 * 2/20 = 0.2.
    let r = mann_whitney_u(&[1.0, 2.0, 4.0], &[3.0, 5.0, 6.0]).expect("test");
    assert_eq!(r.u, 1.0);
    assert!(close(r.p, 0.2), "{}", r.p);
}

#[test]
fn u_test_with_ties_uses_mid_ranks_and_the_tied_distribution() {
    // x = {1,2,2}, y = {2,3,4}. Merged: 1 2 2 2 3 4; the three 2s share mid-rank 3.
    // R1 = 1 + 3 + 3 = 7, U1 = 7 - 6 = 1 (each x=2 ties one y=2 for 1/2 each).
    // Under H0 any 3 of the 6 positions are x's (20 ways). U <= 1 only when x holds the 1
    // and two of the three 2s (U = 2 * 1/2 = 1): 3 ways; every other choice has U >= 2.
    // p = 2 * 3/20 = 0.3.
    let r = mann_whitney_u(&[1.0, 2.0, 2.0], &[2.0, 3.0, 4.0]).expect("test");
    assert_eq!(r.u, 1.0);
    assert!(close(r.p, 0.3), "{}", r.p);
}

#[test]
fn u_test_with_ties_is_symmetric_where_go_is_not() {
    // x = {1}, y = {0,0}. U1 = 2 (1 beats both 0s), U2 = 0. The three equally likely
    // choices of the x value: 1 (U1 = 2), either 0 (U1 = 1/2 from the tie). So
    // P(U1 >= 2) = 1/3, P(U1 <= 2) = 1 and the exact p = 2 * 1/3, in either order.
    let a = mann_whitney_u_exact(&[1.0], &[0.0, 0.0]).expect("test");
    let b = mann_whitney_u_exact(&[0.0, 0.0], &[1.0]).expect("test");
    assert!(close(a.p, 2.0 / 3.0), "{}", a.p);
    assert!(close(b.p, 2.0 / 3.0), "{}", b.p);
    // benchstat (go-moremath) computes 2 * P(U1 <= min(U1, U2)) with a truncating
    // division; Go prints these values for the two orders, and so does sextant.
    assert!(close(
        mann_whitney_u(&[1.0], &[0.0, 0.0]).expect("test").p,
        4.0 / 3.0
    ));
    assert!(close(
        mann_whitney_u(&[0.0, 0.0], &[1.0]).expect("test").p,
        2.0 / 3.0
    ));
}

#[test]
fn benchstat_reports_p_0_where_the_exact_test_gives_2_over_1001() {
    // testdata/benchstat/oldnewnew3.stdout: B/op of StringBuilder/n=10, 64 x10 in
    // old.txt against 16 x4 in small-new.txt. Every old value beats every new one:
    // U1 = 40, U2 = 0. Exactly, only 1 of C(14,4) = 1001 arrangements is that extreme,
    // so p = 2/1001 = 0.002. Go evaluates P(U1 <= 0), which is 0 (ten values cannot
    // all fall among four 16s), and prints "(n=10+4)" with no p: sextant prints the same.
    let old = [64.0; 10];
    let new = [16.0; 4];
    assert_eq!(mann_whitney_u(&old, &new).expect("test").p, 0.0);
    assert!(close(
        mann_whitney_u_exact(&old, &new).expect("test").p,
        2.0 / 1001.0
    ));
}

#[test]
fn u_test_of_identical_samples() {
    // All values equal: no ranking; benchstat reports p = 1 with this warning.
    assert_eq!(
        mann_whitney_u(&[5.0; 4], &[5.0; 3]),
        Err(UTestError::SamplesEqual)
    );
    let s = Sample::new(vec![5.0; 4]);
    let c = Assumption::Nothing.compare(&s, &s, 0.05);
    assert_eq!(
        (c.p, c.warnings.clone()),
        (1.0, vec!["all samples are equal".to_string()])
    );
    assert_eq!(c.delta(5.0, 5.0), "~");
    // Equal rank sums (U1 = U2) give p = 1 exactly: x = {1,4}, y = {2,3}: U1 = 2 = 4 - 2.
    assert_eq!(
        mann_whitney_u(&[1.0, 4.0], &[2.0, 3.0]).expect("test").p,
        1.0
    );
}

#[test]
fn median_interval_of_ten_samples_is_the_2nd_to_9th_order_statistic() {
    // Binomial(10, 1/2) in 1024ths: 1 10 45 120 210 252 210 120 45 10 1.
    // Start at the mode k = ceil(11/2) - 1 = 5: 252. Grow toward the larger neighbour,
    // left on ties: +210 (k=4) = 462, +210 (k=6) = 672, +120 (k=3) = 792,
    // +120 (k=7) = 912, +45 (k=2) = 957, +45 (k=8) = 1002 >= 0.95 * 1024 = 972.8.
    // So k in 2..=8 and the interval [X(2), X(9)] with confidence 1002/1024.
    let ci = quantile_ci(10, 0.5, 0.95);
    assert_eq!((ci.lo_order, ci.hi_order), (2, 9));
    assert_eq!(ci.confidence, 1002.0 / 1024.0);
}

#[test]
fn six_samples_are_the_fewest_for_a_95_percent_interval() {
    // n = 5, in 32nds: 1 5 10 10 5 1. Mode k = 2: 10, +10 (k=3) = 20, +5 (k=1) = 25,
    // +5 (k=4) = 30 < 30.4, +1 (k=0) = 31: the interval reaches X(0) = -infinity.
    let ci = quantile_ci(5, 0.5, 0.95);
    assert_eq!((ci.lo_order, ci.hi_order), (0, 5));
    // n = 6, in 64ths: 1 6 15 20 15 6 1. Mode k = 3: 20, +15 (k=2) = 35, +15 (k=4) = 50,
    // +6 (k=1) = 56, +6 (k=5) = 62 >= 60.8: [X(1), X(6)], both inside the sample.
    let ci = quantile_ci(6, 0.5, 0.95);
    assert_eq!((ci.lo_order, ci.hi_order), (1, 6));
    let s = Sample::new(vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    let sum = Assumption::Nothing.summary(&s, 0.95, &mut MedianCis::default());
    assert_eq!(
        sum.warnings,
        ["need >= 6 samples for confidence interval at level 0.95"]
    );
    assert_eq!(sum.pct_range(), "∞");
}

#[test]
fn the_golden_first_row_by_hand() {
    // StringBuilder/n=10-2 in testdata/benchstat/old.txt, ns/op sorted:
    // 490.6 540.3 591.9 626.9 672.2 693.2 718.5 723.1 786.9 1126.
    // Median (Hyndman-Fan 8): position 1/3 + 0.5 * (10 + 1/3) = 5.5, so
    // (672.2 + 693.2) / 2 = 682.7. Interval [X(2), X(9)] = [540.3, 786.9]:
    // max(786.9/682.7 - 1, 1 - 540.3/682.7) = max(0.1526, 0.2086) -> "21%".
    // Go's benchstat prints "682.70n ± 21%" for it.
    let v = [
        1126.0, 723.1, 693.2, 626.9, 786.9, 672.2, 490.6, 540.3, 591.9, 718.5,
    ];
    let s = Sample::new(v.to_vec());
    let sum = Assumption::Nothing.summary(&s, 0.95, &mut MedianCis::default());
    assert!(close(sum.center, 682.7));
    assert_eq!((sum.lo, sum.hi), (540.3, 786.9));
    assert_eq!(sum.pct_range(), "21%");
    assert_eq!(quantile(&s.values, 0.5), sum.center);
}

#[test]
fn deltas_and_p_values_print_as_benchstat() {
    let s1 = Sample::new((0..10).map(|i| 100.0 + f64::from(i)).collect());
    let s2 = Sample::new((0..10).map(|i| 80.0 + f64::from(i)).collect());
    let c = Assumption::Nothing.compare(&s1, &s2, 0.05);
    // Separated samples of 10: p = 2/184756 = 0.0000108 -> "p=0.000"; change
    // 84.5 / 104.5 - 1 = -19.138...% -> "-19.14%".
    assert_eq!(c.p_and_n(), "p=0.000 n=10");
    assert_eq!(c.delta(104.5, 84.5), "-19.14%");
}
