//! The normal distribution, as go-moremath's `stats.NormalDist`: used only by the
//! large-sample approximations (U test beyond its exact limits, median CI beyond 30).

// The constants are copied digit for digit from Go's source, so that they can be
// checked against it; the extra digits round to the same doubles.
#![allow(clippy::excessive_precision)]

use crate::mathx::{erfc, exp, log};

/// A normal distribution with mean `mu` and standard deviation `sigma`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Normal {
    pub(crate) mu: f64,
    pub(crate) sigma: f64,
}

/// The standard normal CDF.
pub(crate) fn std_cdf(x: f64) -> f64 {
    Normal {
        mu: 0.0,
        sigma: 1.0,
    }
    .cdf(x)
}

impl Normal {
    pub(crate) fn cdf(self, x: f64) -> f64 {
        erfc(-(x - self.mu) / (self.sigma * std::f64::consts::SQRT_2)) / 2.0
    }

    /// Inverse CDF: Peter John Acklam's rational approximation refined by one step of
    /// Halley's method, as moremath.
    pub(crate) fn inv_cdf(self, p: f64) -> f64 {
        const A: [f64; 6] = [
            -3.969_683_028_665_376e+01,
            2.209_460_984_245_205e+02,
            -2.759_285_104_469_687e+02,
            1.383_577_518_672_690e+02,
            -3.066_479_806_614_716e+01,
            2.506_628_277_459_239e+00,
        ];
        const B: [f64; 5] = [
            -5.447_609_879_822_406e+01,
            1.615_858_368_580_409e+02,
            -1.556_989_798_598_866e+02,
            6.680_131_188_771_972e+01,
            -1.328_068_155_288_572e+01,
        ];
        const C: [f64; 6] = [
            -7.784_894_002_430_293e-03,
            -3.223_964_580_411_365e-01,
            -2.400_758_277_161_838e+00,
            -2.549_732_539_343_734e+00,
            4.374_664_141_464_968e+00,
            2.938_163_982_698_783e+00,
        ];
        const D: [f64; 4] = [
            7.784_695_709_041_462e-03,
            3.224_671_290_700_398e-01,
            2.445_134_137_142_996e+00,
            3.754_408_661_907_416e+00,
        ];
        const PLOW: f64 = 0.02425;
        const PHIGH: f64 = 1.0 - PLOW;
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        } else if p == 0.0 {
            return f64::NEG_INFINITY;
        } else if p == 1.0 {
            return f64::INFINITY;
        }
        let mut x = if p < PLOW {
            let q = (-2.0 * log(p)).sqrt();
            (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
        } else if PHIGH < p {
            let q = (-2.0 * log(1.0 - p)).sqrt();
            -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
        } else {
            let q = p - 0.5;
            let r = q * q;
            (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
        };
        let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
        let u = e * (2.0 * std::f64::consts::PI).sqrt() * exp(x * x / 2.0);
        x -= u / (1.0 + x * u / 2.0);
        x * self.sigma + self.mu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_cdf_inverts_the_cdf() {
        let n = Normal {
            mu: 5.0,
            sigma: 2.0,
        };
        for p in [0.001, 0.025, 0.3, 0.5, 0.9, 0.999] {
            assert!((n.cdf(n.inv_cdf(p)) - p).abs() < 1e-12, "p={p}");
        }
        // The 97.5% point of the standard normal is 1.959963984540054.
        assert!(
            (Normal {
                mu: 0.0,
                sigma: 1.0
            }
            .inv_cdf(0.975)
                - 1.959_963_984_540_054)
                .abs()
                < 1e-12
        );
    }
}
