//! Distribution-free confidence intervals for a quantile from order statistics, as
//! go-moremath's `stats.QuantileCI`, and the sample quantile benchstat reports.
//!
//! The number of sample values below the q-quantile is Binomial(n, q). The interval
//! [X(lo), X(hi)) of order statistics covers the quantile with the probability mass of
//! that binomial on lo..hi. For n <= 30 the search is exact: start at the mode and grow
//! toward the larger neighbour (the left one on ties) until the mass reaches the
//! confidence. Beyond 30 a normal approximation picks the bounds. Bounds that fall
//! outside the sample become infinite, which benchstat prints as `± ∞`.

use crate::mathx::choose;
use crate::normal::Normal;

/// Sample sizes above this use the normal approximation (moremath's
/// `quantileCIApproxThreshold`).
const APPROX_THRESHOLD: usize = 30;

/// Which order statistics bound a quantile's confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileCi {
    /// The quantile, in [0, 1].
    pub quantile: f64,
    /// The sample size.
    pub n: usize,
    /// The confidence actually achieved (at least the one asked for, when possible).
    pub confidence: f64,
    /// 1-based order statistic of the lower bound; 0 means minus infinity.
    pub lo_order: usize,
    /// 1-based order statistic of the upper bound; n+1 means plus infinity.
    pub hi_order: usize,
}

/// P(X = k) for X ~ Binomial(n, p), as moremath's `BinomialDist.PMF`.
pub fn binomial_pmf(n: usize, p: f64, k: i64) -> f64 {
    if k < 0 || k > n as i64 {
        return 0.0;
    }
    choose(n as i64, k) * p.powf(k as f64) * (1.0 - p).powf((n as i64 - k) as f64)
}

/// The order statistics that bound the `q` quantile of a sample of `n` values with at
/// least the given confidence.
pub fn quantile_ci(n: usize, q: f64, confidence: f64) -> QuantileCi {
    let mut res = QuantileCi {
        quantile: q,
        n,
        confidence: 0.0,
        lo_order: 0,
        hi_order: 0,
    };
    if confidence >= 1.0 {
        res.confidence = 1.0;
        res.hi_order = n + 1;
        return res;
    }
    let (l, r): (i64, i64);
    if n <= APPROX_THRESHOLD {
        let pmf = |k: i64| binomial_pmf(n, q, k);
        let mut x = (((n + 1) as f64 * q).ceil() - 1.0) as i64;
        if q == 0.0 {
            x = 0;
        }
        let mut accum = pmf(x);
        let (mut lo, mut hi) = (x, x + 1);
        let (mut lp, mut rp) = (pmf(lo - 1), pmf(hi));
        while accum < confidence && (lp > 0.0 || rp > 0.0) {
            if lp >= rp {
                // Left bias on ties, as moremath.
                accum += lp;
                lo -= 1;
                lp = pmf(lo - 1);
            } else {
                accum += rp;
                hi += 1;
                rp = pmf(hi);
            }
        }
        res.confidence = accum;
        (l, r) = (lo, hi);
    } else {
        let norm = Normal {
            mu: n as f64 * q,
            sigma: (n as f64 * q * (1.0 - q)).sqrt(),
        };
        let alpha = (1.0 - confidence) / 2.0;
        let l1 = norm.inv_cdf(alpha);
        let r1 = 2.0 * norm.mu - l1;
        let lo = ((l1 - 0.5).floor() + 0.5).floor() as i64 + 1;
        let mut hi = ((r1 - 0.5).ceil() + 0.5).floor() as i64 + 1;
        let cdf = |l: i64, r: i64| norm.cdf(r as f64 - 0.5) - norm.cdf(l as f64 - 0.5);
        res.confidence = cdf(lo, hi);
        let biased = cdf(lo, hi - 1);
        if biased >= confidence && biased < res.confidence {
            res.confidence = biased;
            hi -= 1;
        }
        if lo <= 0 && hi > n as i64 {
            res.confidence = 1.0;
        }
        (l, r) = (lo, hi);
    }
    res.lo_order = l.max(0) as usize;
    res.hi_order = r.min(n as i64 + 1) as usize;
    res
}

impl QuantileCi {
    /// The quantile and its interval bounds for a sorted sample of `self.n` values.
    pub fn sample_ci(&self, sorted: &[f64]) -> (f64, f64, f64) {
        let q = quantile(sorted, self.quantile);
        let lo = if self.lo_order < 1 {
            f64::NEG_INFINITY
        } else {
            sorted[self.lo_order - 1]
        };
        let hi = if self.hi_order > sorted.len() {
            f64::INFINITY
        } else {
            sorted[self.hi_order - 1]
        };
        (q, lo, hi)
    }
}

/// The q-quantile of a sorted sample, by Hyndman and Fan's definition 8 (the
/// median-unbiased one), as moremath's `Sample.Quantile`.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    } else if q <= 0.0 {
        return sorted[0];
    } else if q >= 1.0 {
        return sorted[sorted.len() - 1];
    }
    let n = sorted.len() as f64;
    let pos = 1.0 / 3.0 + q * (n + 1.0 / 3.0);
    let (kf, frac) = (pos.trunc(), pos.fract());
    let k = kf as i64;
    if k <= 0 {
        return sorted[0];
    } else if k as usize >= sorted.len() {
        return sorted[sorted.len() - 1];
    }
    let k = k as usize;
    sorted[k - 1] + frac * (sorted[k] - sorted[k - 1])
}
