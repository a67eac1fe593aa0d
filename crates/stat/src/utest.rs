//! The Mann-Whitney U test, as go-moremath's `stats.MannWhitneyUTest`.
//!
//! benchstat compares two samples with the two-sided test (`LocationDiffers`). The
//! U distribution is exact when it is cheap: no ties and both samples of at most 50
//! values, or ties and both of at most 25 (Cheung and Klotz's recurrence over tie
//! groups); beyond that, the normal approximation with tie and continuity corrections.

use std::collections::HashMap;

use crate::mathx::choose;
use crate::normal;

/// Largest sample size (each side) for the exact distribution without ties (moremath's
/// `MannWhitneyExactLimit`).
const EXACT_LIMIT: usize = 50;
/// Largest sample size (each side) for the exact distribution with ties
/// (`MannWhitneyTiesExactLimit`): the tie recurrence grows much faster.
const TIES_EXACT_LIMIT: usize = 25;

/// Why a U test has no p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UTestError {
    /// One of the samples is empty.
    SampleSize,
    /// Every value of both samples is the same, so no ranking exists.
    SamplesEqual,
    /// A value is NaN, which has no rank. (moremath loops forever on one: its tie
    /// loop waits for NaN to equal itself.)
    NotANumber,
}

impl std::fmt::Display for UTestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UTestError::SampleSize => "sample is too small",
            UTestError::SamplesEqual => "all samples are equal",
            UTestError::NotANumber => "samples contain NaN",
        })
    }
}

/// The result of a two-sided Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UTest {
    /// Size of the first sample.
    pub n1: usize,
    /// Size of the second sample.
    pub n2: usize,
    /// The U statistic of the first sample.
    pub u: f64,
    /// The two-sided p-value.
    pub p: f64,
}

/// Runs the two-sided Mann-Whitney U test of `x1` against `x2` as benchstat does
/// (go-moremath's `MannWhitneyUTest`), bit for bit; see [`mann_whitney_u_exact`] for
/// where that differs from the exact test with ties.
///
/// # Errors
///
/// [`UTestError::SampleSize`] if either sample is empty, [`UTestError::SamplesEqual`]
/// if all values are equal.
pub fn mann_whitney_u(x1: &[f64], x2: &[f64]) -> Result<UTest, UTestError> {
    u_test(x1, x2, Tails::Benchstat)
}

/// As [`mann_whitney_u`], but exact where moremath is not: with ties, the U
/// distribution need not be symmetric, and benchstat's `2 * P(U1 <= min(U1, U2))`
/// (with a truncating division in the tie recurrence) can depend on which sample
/// comes first and even exceed 1. This version doubles the smaller tail of U1's own
/// distribution, so it is symmetric in its samples and equals the distribution
/// enumerated over every arrangement. Without ties both give the same p-value.
///
/// # Errors
///
/// As [`mann_whitney_u`].
pub fn mann_whitney_u_exact(x1: &[f64], x2: &[f64]) -> Result<UTest, UTestError> {
    u_test(x1, x2, Tails::Exact)
}

/// Which two-sided p-value to compute with ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tails {
    /// moremath's, bit for bit, so tables match Go's benchstat.
    Benchstat,
    /// The exact, symmetric one.
    Exact,
}

fn u_test(x1: &[f64], x2: &[f64], tails: Tails) -> Result<UTest, UTestError> {
    let (n1, n2) = (x1.len(), x2.len());
    if n1 == 0 || n2 == 0 {
        return Err(UTestError::SampleSize);
    }
    if x1.iter().chain(x2).any(|v| v.is_nan()) {
        return Err(UTestError::NotANumber);
    }
    let mut a = x1.to_vec();
    let mut b = x2.to_vec();
    crate::gosort::sort_float64s(&mut a);
    crate::gosort::sort_float64s(&mut b);
    let (merged, labels) = labeled_merge(&a, &b);

    // Rank sum of the first sample with mid-ranks for ties; `t` holds tie-group sizes.
    let mut r1 = 0.0;
    let mut t: Vec<i64> = Vec::new();
    let mut has_ties = false;
    let mut i = 0;
    while i < merged.len() {
        let (rank1, v1) = (i + 1, merged[i]);
        let mut nx1 = 0;
        while i < merged.len() && merged[i] == v1 {
            if labels[i] == 1 {
                nx1 += 1;
            }
            i += 1;
        }
        if nx1 != 0 {
            let rank = (i + rank1) as f64 / 2.0;
            r1 += rank * nx1 as f64;
        }
        t.push((i - rank1 + 1) as i64);
        if i > rank1 {
            has_ties = true;
        }
    }
    let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
    let u2 = (n1 * n2) as f64 - u1;
    let usmall = u1.min(u2);

    let exact = (!has_ties && n1 <= EXACT_LIMIT && n2 <= EXACT_LIMIT)
        || (has_ties && n1 <= TIES_EXACT_LIMIT && n2 <= TIES_EXACT_LIMIT);
    let p = if exact {
        if t.len() == 1 {
            return Err(UTestError::SamplesEqual);
        }
        let dist = UDist {
            n1: n1 as i64,
            n2: n2 as i64,
            t,
            floor: tails == Tails::Exact,
        };
        if u1 == u2 {
            1.0
        } else if !has_ties || tails == Tails::Benchstat {
            // Without ties the distribution is symmetric: both tails are
            // P(U <= min(U1, U2)). benchstat uses this with ties too.
            dist.cdf(usmall) * 2.0
        } else {
            // U moves in steps of 1/2 with ties, so P(U1 >= u1) = 1 - P(U1 <= u1 - 1/2).
            let lower = dist.cdf(u1);
            let upper = 1.0 - dist.cdf(u1 - 0.5);
            (2.0 * lower.min(upper)).min(1.0)
        }
    } else {
        let tc = tie_correction(&t);
        let n = (n1 + n2) as f64;
        let mu = (n1 * n2) as f64 / 2.0;
        let sigma = ((n1 * n2) as f64 * ((n + 1.0) - tc / (n * (n - 1.0))) / 12.0).sqrt();
        if sigma == 0.0 {
            return Err(UTestError::SamplesEqual);
        }
        let mut numer = u1 - mu;
        numer -= sign(numer) * 0.5; // continuity correction
        let z = numer / sigma;
        2.0 * normal::std_cdf(z).min(1.0 - normal::std_cdf(z))
    };
    Ok(UTest { n1, n2, u: u1, p })
}

fn sign(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else if x < 0.0 {
        -1.0
    } else {
        1.0
    }
}

fn labeled_merge(x1: &[f64], x2: &[f64]) -> (Vec<f64>, Vec<u8>) {
    let mut merged = Vec::with_capacity(x1.len() + x2.len());
    let mut labels = Vec::with_capacity(x1.len() + x2.len());
    let (mut i, mut j) = (0, 0);
    while i < x1.len() && j < x2.len() {
        if x1[i] < x2[j] {
            merged.push(x1[i]);
            labels.push(1);
            i += 1;
        } else {
            merged.push(x2[j]);
            labels.push(2);
            j += 1;
        }
    }
    for &x in &x1[i..] {
        merged.push(x);
        labels.push(1);
    }
    for &x in &x2[j..] {
        merged.push(x);
        labels.push(2);
    }
    (merged, labels)
}

fn tie_correction(ties: &[i64]) -> f64 {
    ties.iter().map(|&t| t * t * t - t).sum::<i64>() as f64
}

/// The distribution of the U statistic for samples of sizes `n1` and `n2` whose
/// merged, sorted values form tie groups of sizes `t` (all 1 without ties).
#[derive(Debug, Clone)]
pub struct UDist {
    /// Size of the first sample.
    pub n1: i64,
    /// Size of the second sample.
    pub n2: i64,
    /// Sizes of the tie groups of the merged sample, in order.
    pub t: Vec<i64>,
    /// Floor (exact) rather than truncate (moremath) a division in the tie recurrence;
    /// they differ only when the first tie group outnumbers the first sample.
    pub floor: bool,
}

impl UDist {
    fn has_ties(&self) -> bool {
        self.t.iter().any(|&t| t > 1)
    }

    /// P(U = u) for every u in 0..=`umax`, without ties (Mann and Whitney's recurrence
    /// p(n,m,U) = (n p(n-1,m,U-m) + m p(n,m-1,U)) / (n+m), memoized on the smaller n).
    fn p(&self, umax: usize) -> Vec<f64> {
        let (mut nn, mut mm) = (self.n1 as usize, self.n2 as usize);
        if nn > mm {
            std::mem::swap(&mut nn, &mut mm);
        }
        let mut memo = vec![vec![0.0; umax + 1]; nn + 1];
        for m in 0..=mm {
            memo[0][0] = 1.0;
            let nlim = nn.min(m);
            for n in 1..=nlim {
                let ulim = (n * m).min(umax);
                let nplusm = (n + m) as f64;
                for u1 in (0..=ulim).rev() {
                    let l = if u1 >= m {
                        n as f64 * memo[n - 1][u1 - m]
                    } else {
                        0.0
                    };
                    // p_{n,m-1}, or p_{m-1,n} when n == m (the table is symmetric).
                    let rp = if n < m { memo[n][u1] } else { memo[m - 1][u1] };
                    let r = m as f64 * rp;
                    memo[n][u1] = (l + r) / nplusm;
                }
            }
        }
        memo.swap_remove(nn)
    }

    /// P(U <= u).
    pub fn cdf(&self, u: f64) -> f64 {
        if u < 0.0 {
            return 0.0;
        } else if u >= (self.n1 * self.n2) as f64 {
            return 1.0;
        }
        if self.has_ties() {
            let two_u = (2.0 * u) as i64;
            let memo = make_umemo(two_u, self.n1, &self.t, self.floor);
            let p = memo[self.t.len()]
                .get(&(self.n1, two_u))
                .copied()
                .unwrap_or(0.0);
            return p / choose(self.n1 + self.n2, self.n1);
        }
        let mut ui = u.floor() as i64;
        let flip = ui >= (self.n1 * self.n2 + 1) / 2;
        if flip {
            ui = self.n1 * self.n2 - ui - 1;
        }
        let pdfs = self.p(ui as usize);
        let mut p = 0.0;
        for pdf in &pdfs[..=ui as usize] {
            p += pdf;
        }
        if flip { 1.0 - p } else { p }
    }

    /// P(U = u).
    pub fn pmf(&self, u: f64) -> f64 {
        if u < 0.0 || u >= 0.5 + (self.n1 * self.n2) as f64 {
            return 0.0;
        }
        if self.has_ties() {
            let two_u = (2.0 * u) as i64;
            let at = |two_u: i64| {
                make_umemo(two_u, self.n1, &self.t, self.floor)[self.t.len()]
                    .get(&(self.n1, two_u))
                    .copied()
                    .unwrap_or(0.0)
            };
            return (at(two_u) - at(two_u - 1)) / choose(self.n1 + self.n2, self.n1);
        }
        let ui = u.floor() as usize;
        self.p(ui)[ui]
    }
}

/// Cheung and Klotz's recurrence for the number of arrangements with 2U <= `two_u`,
/// by tie group, as moremath's `makeUmemo`: A[k] maps (n1, 2U) to a count.
fn make_umemo(two_u: i64, n1: i64, t: &[i64], floor: bool) -> Vec<HashMap<(i64, i64), f64>> {
    let kk = t.len();
    assert!(kk >= 2, "make_umemo needs at least two tie groups");
    // a[k] = 2 * (mid-rank of group k), with a[0] unused.
    let mut a = vec![0i64; kk + 1];
    a[1] = t[0];
    for k in 2..=kk {
        a[k] = a[k - 1] + t[k - 2] + t[k - 1];
    }

    let mut memo: Vec<HashMap<(i64, i64), f64>> = vec![HashMap::new(); kk + 1];
    memo[kk].insert((n1, two_u), 0.0);

    // Top down: which (n1, 2U) states are needed at each level.
    let mut tsum: i64 = t.iter().sum();
    for k in (2..kk).rev() {
        tsum -= t[k];
        let next: Vec<(i64, i64)> = memo[k + 1].keys().copied().collect();
        for (kn1, ktwo_u) in next {
            let low = 0.max(kn1 - tsum);
            let high = kn1.min(t[k]);
            for rk in low..=high {
                let two_uk = ktwo_u - rk * (a[k + 1] - 2 * kn1 + rk);
                let n1k = kn1 - rk;
                if two_umin(n1k, &t[..k], &a) <= two_uk && two_uk <= two_umax(n1k, &t[..k], &a) {
                    memo[k].insert((n1k, two_uk), 0.0);
                }
            }
        }
    }

    // Bottom up: level 2 directly, then each level from the one below.
    let n_2 = t[0] + t[1];
    let level2: Vec<(i64, i64)> = memo[2].keys().copied().collect();
    for (kn1, ktwo_u) in level2 {
        let mut sum = 0.0;
        let low = 0.max(kn1 - t[0]);
        // moremath divides with Go's truncation, which rounds a negative bound up to 0
        // and counts one arrangement too many when the first tie group outnumbers the
        // first sample.
        let numer = ktwo_u - kn1 * (t[0] - kn1);
        let high = if floor {
            numer.div_euclid(n_2)
        } else {
            numer / n_2
        };
        for r2 in low..=high {
            sum += choose(t[0], kn1 - r2) * choose(t[1], r2);
        }
        memo[2].insert((kn1, ktwo_u), sum);
    }
    let mut tsum = t[0];
    for k in 3..=kk {
        tsum += t[k - 2];
        let level: Vec<(i64, i64)> = memo[k].keys().copied().collect();
        for (kn1, ktwo_u) in level {
            let mut sum = 0.0;
            let low = 0.max(kn1 - tsum);
            let high = kn1.min(t[k - 1]);
            for rk in low..=high {
                let two_u1 = ktwo_u - rk * (a[k] - 2 * kn1 + rk);
                let n1_1 = kn1 - rk;
                let x = match memo[k - 1].get(&(n1_1, two_u1)) {
                    Some(&x) => x,
                    None if two_umax(n1_1, &t[..k - 1], &a) < two_u1 => choose(tsum, n1_1),
                    None => 0.0,
                };
                sum += x * choose(t[k - 1], rk);
            }
            memo[k].insert((kn1, ktwo_u), sum);
        }
    }
    memo
}

fn two_umin(n1: i64, t: &[i64], a: &[i64]) -> i64 {
    let mut two_u = -n1 * n1;
    let mut n1k = n1;
    for k in 1..=t.len() {
        let take = n1k.min(t[k - 1]);
        two_u += take * a[k];
        n1k -= take;
    }
    two_u
}

fn two_umax(n1: i64, t: &[i64], a: &[i64]) -> i64 {
    let mut two_u = -n1 * n1;
    let mut n1k = n1;
    for k in (1..=t.len()).rev() {
        let take = n1k.min(t[k - 1]);
        two_u += take * a[k];
        n1k -= take;
    }
    two_u
}
