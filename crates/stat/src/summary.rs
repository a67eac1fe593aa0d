//! Summaries and comparisons of samples, as golang.org/x/perf's `benchmath`.
//!
//! benchstat assumes nothing about a benchmark's distribution by default: the center
//! is the median, its interval comes from order statistics, and two samples are
//! compared with the Mann-Whitney U test. A unit declared `assume=exact` (by a
//! `Unit` line) is instead expected to take one value: its center is the mode and any
//! difference is significant.

use std::collections::HashMap;

use crate::format::go_g;
use crate::mathx::{exp, log};
use crate::quantile::{QuantileCi, quantile_ci};
use crate::utest::mann_whitney_u;

/// The significance level below which a difference is reported (benchstat's `-alpha`).
pub const DEFAULT_ALPHA: f64 = 0.05;

/// A sample of measurements of one benchmark in one unit, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The values, sorted ascending.
    pub values: Vec<f64>,
    /// Warnings found while collecting the sample (e.g. mixed configurations).
    pub warnings: Vec<String>,
}

impl Sample {
    /// A sample of `values`, sorted.
    pub fn new(mut values: Vec<f64>) -> Sample {
        crate::gosort::sort_float64s(&mut values);
        Sample {
            values,
            warnings: Vec::new(),
        }
    }
}

/// A sample's center with its confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The median (or, assuming an exact distribution, the mode).
    pub center: f64,
    /// The lower bound of the interval; may be minus infinity.
    pub lo: f64,
    /// The upper bound of the interval; may be plus infinity.
    pub hi: f64,
    /// The confidence actually achieved by [`lo`](Self::lo)..[`hi`](Self::hi).
    pub confidence: f64,
    /// Why the summary may mislead (too few samples, an inexact "exact" unit).
    pub warnings: Vec<String>,
}

impl Summary {
    /// The interval as benchstat prints it: the larger distance from the center to a
    /// bound, in percent of the center (`5%`), `∞` for an unbounded interval, `?` when
    /// the bounds straddle zero.
    pub fn pct_range(&self) -> String {
        if self.lo.is_infinite() || self.hi.is_infinite() {
            return "∞".to_string();
        }
        let cs = sign(self.center);
        if cs != sign(self.lo) || cs != sign(self.hi) {
            return "?".to_string();
        }
        if self.center == 0.0 {
            return "0%".to_string();
        }
        let v = (self.hi / self.center - 1.0).max(1.0 - self.lo / self.center);
        format!("{:.0}%", 100.0 * v)
    }
}

fn sign(x: f64) -> f64 {
    // NaN compares unequal to everything, as Go's mathx.Sign returning NaN.
    if x == 0.0 {
        0.0
    } else if x < 0.0 {
        -1.0
    } else if x > 0.0 {
        1.0
    } else {
        f64::NAN
    }
}

/// The comparison of a sample against its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The p-value of the difference (0 for exact units: always significant).
    pub p: f64,
    /// Size of the baseline sample.
    pub n1: usize,
    /// Size of the compared sample.
    pub n2: usize,
    /// The significance level.
    pub alpha: f64,
    /// Why the comparison may mislead.
    pub warnings: Vec<String>,
}

impl Comparison {
    /// The p-value and sample sizes as benchstat prints them: `p=0.003 n=10`, or
    /// `n=4+6` for unequal sizes; no `p=` when it is exactly 0.
    pub fn p_and_n(&self) -> String {
        let mut s = String::new();
        if self.p != 0.0 {
            s = format!("p={:.3} ", self.p);
        }
        if self.n1 == self.n2 {
            s + &format!("n={}", self.n1)
        } else {
            s + &format!("n={}+{}", self.n1, self.n2)
        }
    }

    /// The change from `old` to `new` as benchstat prints it: `~` when not significant
    /// (p > alpha), `0.00%` when equal, `?` from zero, else `+12.34%`.
    pub fn delta(&self, old: f64, new: f64) -> String {
        if self.p > self.alpha {
            return "~".to_string();
        }
        if old == new {
            return "0.00%".to_string();
        }
        if old == 0.0 {
            return "?".to_string();
        }
        format!("{:+.2}%", (new / old - 1.0) * 100.0)
    }
}

/// What a unit's values are assumed to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assumption {
    /// No assumption: median, order-statistic interval, U test.
    Nothing,
    /// One exact value expected: mode, range, any difference significant.
    Exact,
}

/// Memoized median intervals by (n, confidence bits), as benchmath's cache.
#[derive(Debug, Default)]
pub struct MedianCis {
    cache: HashMap<(usize, u64), QuantileCi>,
}

impl MedianCis {
    fn get(&mut self, n: usize, confidence: f64) -> QuantileCi {
        *self
            .cache
            .entry((n, confidence.to_bits()))
            .or_insert_with(|| quantile_ci(n, 0.5, confidence))
    }

    /// The fewest samples giving a finite interval at `confidence`, searched from 2 to
    /// 50 as benchmath: (">=", n), or (">", 50) when none does.
    fn needed(&mut self, confidence: f64) -> (&'static str, usize) {
        const LIMIT: usize = 50;
        for n in 2..=LIMIT {
            let ci = self.get(n, confidence);
            if 0 < ci.lo_order && ci.hi_order <= n {
                return (">=", n);
            }
        }
        (">", LIMIT)
    }
}

/// Smallest possible two-sided U-test p-value for n samples on each side, n = 1..9:
/// 2 / C(2n, n). Below the row where it reaches alpha, no difference can be detected.
const UTEST_MIN_P: [f64; 10] = [
    0.0,
    1.0,
    0.333_333_333_333_333_3,
    0.1,
    0.028_571_428_571_428_57,
    0.007_936_507_936_507_936,
    0.002_164_502_164_502_164_5,
    0.000_582_750_582_750_582_8,
    0.000_155_400_155_400_155_4,
    4.113_533_525_298_231e-05,
];

fn utest_samples(alpha: f64) -> (&'static str, usize) {
    for (n, &min_p) in UTEST_MIN_P.iter().enumerate().skip(1) {
        if min_p <= alpha {
            return (">=", n);
        }
    }
    (">", UTEST_MIN_P.len())
}

impl Assumption {
    /// Summarizes a sample at the given confidence level.
    pub fn summary(self, s: &Sample, confidence: f64, cis: &mut MedianCis) -> Summary {
        match self {
            Assumption::Nothing => {
                let ci = cis.get(s.values.len(), confidence);
                let (median, lo, hi) = ci.sample_ci(&s.values);
                let mut warnings = Vec::new();
                if lo.is_infinite() || hi.is_infinite() {
                    let (op, need) = cis.needed(confidence);
                    warnings.push(format!(
                        "need {op} {need} samples for confidence interval at level {}",
                        go_g(confidence)
                    ));
                }
                Summary {
                    center: median,
                    lo,
                    hi,
                    confidence: ci.confidence,
                    warnings,
                }
            }
            Assumption::Exact => exact_summary(&s.values),
        }
    }

    /// Compares sample `s2` against baseline `s1`.
    pub fn compare(self, s1: &Sample, s2: &Sample, alpha: f64) -> Comparison {
        let (n1, n2) = (s1.values.len(), s2.values.len());
        match self {
            Assumption::Exact => Comparison {
                p: 0.0,
                n1,
                n2,
                alpha: 0.0,
                warnings: Vec::new(),
            },
            Assumption::Nothing => match mann_whitney_u(&s1.values, &s2.values) {
                Err(e) => Comparison {
                    p: 1.0,
                    n1,
                    n2,
                    alpha,
                    warnings: vec![e.to_string()],
                },
                Ok(res) => {
                    let mut cmp = Comparison {
                        p: res.p,
                        n1: res.n1,
                        n2: res.n2,
                        alpha,
                        warnings: Vec::new(),
                    };
                    if cmp.p > alpha {
                        let (op, n) = utest_samples(alpha);
                        if cmp.n1 < n && cmp.n2 < n {
                            cmp.warnings.push(format!(
                                "need {op} {n} samples to detect a difference at alpha level {}",
                                go_g(alpha)
                            ));
                        }
                    }
                    cmp
                }
            },
        }
    }
}

fn exact_summary(values: &[f64]) -> Summary {
    let (mut val, mut count) = (values[0], 1);
    let (mut mode_val, mut mode_count) = (val, count);
    for &v in &values[1..] {
        if v == val {
            count += 1;
            if count > mode_count {
                (mode_val, mode_count) = (val, count);
            }
        } else {
            (val, count) = (v, 1);
        }
    }
    let (lo, hi) = (values[0], values[values.len() - 1]);
    let mut warnings = Vec::new();
    if mode_count != values.len() {
        warnings.push(format!(
            "exact distribution expected, but values range from {} to {}",
            go_g(lo),
            go_g(hi)
        ));
    }
    Summary {
        center: mode_val,
        lo,
        hi,
        confidence: 1.0,
        warnings,
    }
}

/// The geometric mean of `xs`, NaN unless all are positive (moremath's `GeoMean`,
/// with its running mean of logarithms).
pub fn geomean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut m = 0.0;
    for (i, &x) in xs.iter().enumerate() {
        if x <= 0.0 {
            return f64::NAN;
        }
        m += (log(x) - m) / (i + 1) as f64;
    }
    exp(m)
}
