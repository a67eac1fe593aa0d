//! Special functions, computed as Go's `math` and go-moremath's `mathx` compute them.
//!
//! benchstat's numbers come from these functions, so they follow Go's algorithms
//! operation for operation (Go's `math.Lgamma` and `math.Erfc` are ports of FreeBSD's
//! msun; moremath's `Choose` uses exact integers up to 20!). A different libm could
//! round the last bit differently and flip a tie in the confidence-interval search.

// The constants are copied digit for digit from Go's source, so that they can be
// checked against it; the extra digits round to the same doubles.
#![allow(clippy::excessive_precision)]

/// Natural logarithm as Go's `math.Log` on amd64 (its assembly, FreeBSD's algorithm:
/// reduce to f in [sqrt(2)/2, sqrt(2)), then a polynomial in s = f/(2+f)).
pub(crate) fn log(x: f64) -> f64 {
    const HSQRT2: f64 = std::f64::consts::FRAC_1_SQRT_2; // Go: 7.07106781186547524401e-01
    const LN2HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const L: [f64; 8] = [
        0.0,
        6.666_666_666_666_735_130e-01,
        3.999_999_999_940_941_908e-01,
        2.857_142_874_366_239_149e-01,
        2.222_219_843_214_978_396e-01,
        1.818_357_216_161_805_012e-01,
        1.531_383_769_920_937_332e-01,
        1.479_819_860_511_658_591e-01,
    ];
    let bits = x.to_bits();
    if bits & !(1u64 << 63) == 0 {
        return f64::NEG_INFINITY;
    }
    if x < 0.0 {
        return f64::NAN;
    }
    if !x.is_finite() {
        return x;
    }
    // Frexp by bits (the assembly does not special-case subnormals either).
    let mut f1 = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FE0_0000_0000_0000);
    let mut k = (((bits >> 52) & 0x7FF) as i32 - 0x3FE) as f64;
    if f1 < HSQRT2 {
        k -= 1.0;
        f1 *= 2.0;
    }
    let f = f1 - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s2 * (L[1] + s4 * (L[3] + s4 * (L[5] + s4 * L[7])));
    let t2 = s4 * (L[2] + s4 * (L[4] + s4 * L[6]));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    k * LN2HI - ((hfsq - (s * (hfsq + r) + k * LN2LO)) - f)
}

/// e^x as Go's `math.Exp` on amd64 with FMA (its assembly: reduce by multiples of
/// ln 2, scale by 1/16, a Taylor polynomial, then square four times). Go's goldens
/// here were written on a CPU with FMA; without FMA, Go's last bit can differ.
pub(crate) fn exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
    const LN2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
    const OVERFLOW: f64 = 7.097_827_128_933_84e+02;
    const C: [f64; 7] = [
        1.666_666_666_666_666_666_7e-1,
        4.166_666_666_666_666_666_7e-2,
        8.333_333_333_333_333_333_3e-3,
        1.388_888_888_888_888_888_9e-3,
        1.984_126_984_126_984_127_0e-4,
        2.480_158_730_158_730_158_7e-5,
        0.0,
    ];
    if !x.is_finite() {
        return if x == f64::NEG_INFINITY { 0.0 } else { x };
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    // CVTSD2SL rounds to nearest even; out-of-range values become i32::MIN.
    let kf = (x * LOG2E).round_ties_even();
    let k: i32 = if kf.abs() < 2_147_483_648.0 {
        kf as i32
    } else {
        i32::MIN
    };
    let kf = k as f64;
    let mut r = (-kf).mul_add(LN2U, x);
    r = (-kf).mul_add(LN2L, r);
    r *= 0.0625;
    let mut p = C[5];
    for c in [C[4], C[3], C[2], C[1], C[0], 0.5, 1.0] {
        p = p.mul_add(r, c);
    }
    r *= p;
    for _ in 0..3 {
        let t = r + 2.0;
        r *= t;
    }
    let t = r + 2.0;
    r = r.mul_add(t, 1.0);
    let biased = k.wrapping_add(0x3FF);
    if biased <= 0 {
        if biased < -52 {
            return 0.0;
        }
        r *= f64::from_bits(((biased + 0x3FE) as u64) << 52);
        return r * f64::from_bits(1u64 << 52);
    }
    if biased >= 0x7FF {
        return f64::INFINITY;
    }
    r * f64::from_bits((biased as u64) << 52)
}

/// `n choose k` as a float: exact integer arithmetic while `n <= 20` (20! fits in
/// 62 bits), `exp(lgamma...)` beyond, as moremath's `mathx.Choose`.
pub(crate) fn choose(n: i64, k: i64) -> f64 {
    if k == 0 || k == n {
        return 1.0;
    }
    if k < 0 || n < k {
        return 0.0;
    }
    if n <= 20 {
        let mut numer: i64 = 1;
        for n1 in (n - (k - 1))..=n {
            numer *= n1;
        }
        let denom: i64 = (1..=k).product();
        return (numer / denom) as f64;
    }
    exp(lchoose(n, k))
}

fn lchoose(n: i64, k: i64) -> f64 {
    let a = lgamma_pos((n + 1) as f64);
    let b = lgamma_pos((k + 1) as f64);
    let c = lgamma_pos((n - k + 1) as f64);
    a - b - c
}

const LGAM_R: [f64; 7] = [
    1.0,
    1.392_005_334_676_210_459_58e+00,
    7.219_355_475_671_380_695_25e-01,
    1.719_338_656_328_030_789_93e-01,
    1.864_591_917_156_529_013_44e-02,
    7.779_424_963_818_935_964_34e-04,
    7.326_684_307_446_256_361_89e-06,
];
const LGAM_S: [f64; 7] = [
    -7.721_566_490_153_286_554_94e-02,
    2.149_824_159_606_088_525_01e-01,
    3.257_787_964_089_309_817_87e-01,
    1.463_504_726_524_644_528_05e-01,
    2.664_227_030_336_386_095_60e-02,
    1.840_284_514_073_377_156_52e-03,
    3.194_753_265_841_008_676_17e-05,
];
const LGAM_W: [f64; 7] = [
    4.189_385_332_046_727_250_52e-01,
    8.333_333_333_333_296_788_49e-02,
    -2.777_777_777_287_755_364_70e-03,
    7.936_505_586_430_195_585_00e-04,
    -5.951_875_574_503_399_631_35e-04,
    8.363_399_189_962_821_391_26e-04,
    -1.630_929_340_965_752_739_89e-03,
];

/// `log(Gamma(x))` for `x >= 1` (all that `choose` needs), following the branches of
/// Go's `math.Lgamma` for that range.
fn lgamma_pos(x: f64) -> f64 {
    debug_assert!(x >= 1.0);
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    if x < 2.0 {
        // Not reached by `choose` (its arguments are integers); Lgamma(x+1) - log(x).
        return lgamma_pos(x + 1.0) - log(x);
    }
    if x < 8.0 {
        let i = x as i64;
        let y = x - i as f64;
        let s = &LGAM_S;
        let r = &LGAM_R;
        let p =
            y * (s[0] + y * (s[1] + y * (s[2] + y * (s[3] + y * (s[4] + y * (s[5] + y * s[6]))))));
        let q = 1.0 + y * (r[1] + y * (r[2] + y * (r[3] + y * (r[4] + y * (r[5] + y * r[6])))));
        let mut lgamma = 0.5 * y + p / q;
        let mut z = 1.0;
        // Lgamma(1+s) = Log(s) + Lgamma(s); Go's switch falls through from i down to 3.
        let mut j = i;
        while j >= 3 {
            z *= y + (j - 1) as f64;
            j -= 1;
        }
        if i >= 3 {
            lgamma += log(z);
        }
        return lgamma;
    }
    const TWO58: f64 = (1u64 << 58) as f64;
    if x < TWO58 {
        let t = log(x);
        let z = 1.0 / x;
        let y = z * z;
        let w = &LGAM_W;
        let w = w[0] + z * (w[1] + y * (w[2] + y * (w[3] + y * (w[4] + y * (w[5] + y * w[6])))));
        return (x - 0.5) * (t - 1.0) + w;
    }
    x * (log(x) - 1.0)
}

/// The complementary error function, as Go's `math.Erfc` (FreeBSD's `s_erf.c`).
pub(crate) fn erfc(x: f64) -> f64 {
    const ERX: f64 = 8.450_629_115_104_675_292_97e-01;
    const PP: [f64; 5] = [
        1.283_791_670_955_125_585_61e-01,
        -3.250_421_072_470_014_993_70e-01,
        -2.848_174_957_559_851_047_66e-02,
        -5.770_270_296_489_441_591_57e-03,
        -2.376_301_665_665_016_260_84e-05,
    ];
    const QQ: [f64; 6] = [
        0.0,
        3.979_172_239_591_553_528_19e-01,
        6.502_224_998_876_729_444_85e-02,
        5.081_306_281_875_765_627_76e-03,
        1.324_947_380_043_216_445_26e-04,
        -3.960_228_278_775_368_123_20e-06,
    ];
    const PA: [f64; 7] = [
        -2.362_118_560_752_659_440_77e-03,
        4.148_561_186_837_483_316_66e-01,
        -3.722_078_760_357_013_238_47e-01,
        3.183_466_199_011_617_536_74e-01,
        -1.108_946_942_823_966_774_76e-01,
        3.547_830_432_561_823_593_71e-02,
        -2.166_375_594_868_790_843_00e-03,
    ];
    const QA: [f64; 7] = [
        0.0,
        1.064_208_804_008_442_282_86e-01,
        5.403_979_177_021_710_489_37e-01,
        7.182_865_441_419_626_628_68e-02,
        1.261_712_198_087_616_421_12e-01,
        1.363_708_391_202_905_073_62e-02,
        1.198_449_984_679_910_741_70e-02,
    ];
    const RA: [f64; 8] = [
        -9.864_944_034_847_148_227_05e-03,
        -6.938_585_727_071_817_643_72e-01,
        -1.055_862_622_532_329_098_14e+01,
        -6.237_533_245_032_600_603_96e+01,
        -1.623_966_694_625_734_703_55e+02,
        -1.846_050_929_067_110_359_94e+02,
        -8.128_743_550_630_659_342_46e+01,
        -9.814_329_344_169_145_485_92e+00,
    ];
    const SA: [f64; 9] = [
        0.0,
        1.965_127_166_743_925_712_92e+01,
        1.376_577_541_435_190_426_00e+02,
        4.345_658_774_752_292_288_21e+02,
        6.453_872_717_332_678_803_36e+02,
        4.290_081_400_275_678_333_86e+02,
        1.086_350_055_417_794_351_34e+02,
        6.570_249_770_319_281_701_35e+00,
        -6.042_441_521_485_809_874_38e-02,
    ];
    const RB: [f64; 7] = [
        -9.864_942_924_700_099_285_97e-03,
        -7.992_832_376_805_230_065_74e-01,
        -1.775_795_491_775_475_198_89e+01,
        -1.606_363_848_558_219_160_62e+02,
        -6.375_664_433_683_896_277_22e+02,
        -1.025_095_131_611_077_249_54e+03,
        -4.835_191_916_086_513_970_19e+02,
    ];
    const SB: [f64; 8] = [
        0.0,
        3.033_806_074_348_245_829_24e+01,
        3.257_925_129_965_739_188_26e+02,
        1.536_729_586_084_436_959_94e+03,
        3.199_858_219_508_595_539_08e+03,
        2.553_050_406_433_164_425_83e+03,
        4.745_285_412_069_553_672_15e+02,
        -2.244_095_244_658_581_833_62e+01,
    ];
    const TINY: f64 = 1.0 / (1u64 << 56) as f64;

    if x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x == f64::NEG_INFINITY {
        return 2.0;
    }
    let sign = x < 0.0;
    let x = x.abs();
    if x < 0.84375 {
        let temp = if x < TINY {
            x
        } else {
            let z = x * x;
            let r = PP[0] + z * (PP[1] + z * (PP[2] + z * (PP[3] + z * PP[4])));
            let s = 1.0 + z * (QQ[1] + z * (QQ[2] + z * (QQ[3] + z * (QQ[4] + z * QQ[5]))));
            let y = r / s;
            if x < 0.25 {
                x + x * y
            } else {
                0.5 + (x * y + (x - 0.5))
            }
        };
        return if sign { 1.0 + temp } else { 1.0 - temp };
    }
    if x < 1.25 {
        let s = x - 1.0;
        let p =
            PA[0] + s * (PA[1] + s * (PA[2] + s * (PA[3] + s * (PA[4] + s * (PA[5] + s * PA[6])))));
        let q =
            1.0 + s * (QA[1] + s * (QA[2] + s * (QA[3] + s * (QA[4] + s * (QA[5] + s * QA[6])))));
        return if sign {
            1.0 + ERX + p / q
        } else {
            1.0 - ERX - p / q
        };
    }
    if x < 28.0 {
        let s = 1.0 / (x * x);
        let (r, ss);
        if x < 1.0 / 0.35 {
            r = RA[0]
                + s * (RA[1]
                    + s * (RA[2]
                        + s * (RA[3] + s * (RA[4] + s * (RA[5] + s * (RA[6] + s * RA[7]))))));
            ss = 1.0
                + s * (SA[1]
                    + s * (SA[2]
                        + s * (SA[3]
                            + s * (SA[4] + s * (SA[5] + s * (SA[6] + s * (SA[7] + s * SA[8])))))));
        } else {
            if sign && x > 6.0 {
                return 2.0;
            }
            r = RB[0]
                + s * (RB[1] + s * (RB[2] + s * (RB[3] + s * (RB[4] + s * (RB[5] + s * RB[6])))));
            ss = 1.0
                + s * (SB[1]
                    + s * (SB[2]
                        + s * (SB[3] + s * (SB[4] + s * (SB[5] + s * (SB[6] + s * SB[7]))))));
        }
        // Pseudo-single (20-bit) precision x, as FreeBSD and Go.
        let z = f64::from_bits(x.to_bits() & 0xffff_ffff_0000_0000);
        let r = exp(-z * z - 0.5625) * exp((z - x) * (z + x) + r / ss);
        return if sign { 2.0 - r / x } else { r / x };
    }
    if sign { 2.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_is_exact_for_small_n_and_close_beyond() {
        assert_eq!(choose(10, 5), 252.0);
        assert_eq!(choose(20, 10), 184_756.0);
        assert_eq!(choose(5, 7), 0.0);
        // C(30, 15) = 155117520; the lgamma path is within a few ulps.
        assert!((choose(30, 15) - 155_117_520.0).abs() < 1e-3);
        assert!((choose(50, 25) / 126_410_606_437_752.0 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn log_and_exp_are_accurate() {
        for x in [1e-300, 0.1, 0.5, 1.0, 2.0, 10.0, 12345.678, 1e300] {
            assert!((log(x) - x.ln()).abs() <= x.ln().abs() * 4e-16, "log {x}");
        }
        for x in [-700.0, -20.0, -1.0, -1e-10, 0.0, 0.5, 1.0, 20.0, 700.0] {
            assert!((exp(x) / x.exp() - 1.0).abs() <= 4e-16, "exp {x}");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(log(1.0), 0.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(710.0), f64::INFINITY);
    }

    #[test]
    fn exp_of_log_rounds_as_go_does() {
        // Go on amd64 (FMA) prints exp(log(x)) for this x as 2.222867908270667e+09:
        // the geomean of a one-row column in testdata/benchstat/criterion.csv.stdout.
        let x = 2.222_867_908_270_667_6e9;
        assert_eq!(exp(log(x)), 2.222_867_908_270_667e9);
    }

    #[test]
    fn erfc_matches_known_values() {
        assert_eq!(erfc(0.0), 1.0);
        // erfc(1) = 0.157299207050285130658...
        assert!((erfc(1.0) - 0.157_299_207_050_285_13).abs() < 1e-16);
        // erfc(-2) = 2 - erfc(2) = 1.995322265018952734...
        assert!((erfc(-2.0) - 1.995_322_265_018_952_7).abs() < 1e-15);
        assert!((erfc(3.0) - 2.209_049_699_858_544e-5).abs() < 1e-19);
    }
}
