//! Scaling sample values (google/pprof's `Scale`, `ScaleN` and `Normalize`).
//!
//! Scaling by -1 and merging is how pprof subtracts one profile from another (`-base`,
//! `-diff_base`, the delta profiles of net/http/pprof).

use crate::error::{Error, Result};
use crate::model::*;

impl Profile {
    /// Multiplies every sample value by `ratio`, rounding half away from zero, and drops the
    /// samples left with only zeros (google/pprof's `Scale`). A ratio of 1 changes nothing.
    pub fn scale(&mut self, ratio: f64) {
        let ratios = vec![ratio; self.sample_type.len()];
        self.scale_columns(&ratios);
    }

    /// Multiplies each sample type's values by its own ratio (google/pprof's `ScaleN`).
    ///
    /// Go's rule for dropping samples is kept: a sample is kept only if one of the columns whose
    /// ratio is not 1 is non-zero after scaling, so with ratios `[2, 1]` a sample `[0, 5]` is
    /// dropped. If every ratio is 1, nothing changes.
    ///
    /// # Errors
    ///
    /// [`Error::Option`] if there is not one ratio per sample type.
    pub fn scale_n(&mut self, ratios: &[f64]) -> Result<()> {
        if ratios.len() != self.sample_type.len() {
            return Err(Error::Option(format!(
                "mismatched scale ratios, got {}, want {}",
                ratios.len(),
                self.sample_type.len()
            )));
        }
        self.scale_columns(ratios);
        Ok(())
    }

    fn scale_columns(&mut self, ratios: &[f64]) {
        if ratios.iter().all(|&r| r == 1.0) {
            return;
        }
        self.sample.retain_mut(|s| {
            let mut keep = false;
            for (v, &r) in s.value.iter_mut().zip(ratios) {
                if r != 1.0 {
                    *v = round_to_i64(*v as f64 * r);
                    keep |= *v != 0;
                }
            }
            keep
        });
    }

    /// Scales each sample type so that its total equals `base`'s total of that type (the
    /// `-normalize` option; google/pprof's `Normalize`). A type whose total is zero here is
    /// scaled by 0.
    ///
    /// # Errors
    ///
    /// [`Error::Incompatible`] if `base` has other sample or period types.
    pub fn normalize(&mut self, base: &Profile) -> Result<()> {
        self.compatible(base)?;
        let base_totals = column_totals(base, self.sample_type.len());
        let totals = column_totals(self, self.sample_type.len());
        let ratios: Vec<f64> = base_totals
            .iter()
            .zip(&totals)
            .map(|(&b, &s)| if s == 0 { 0.0 } else { b as f64 / s as f64 })
            .collect();
        self.scale_columns(&ratios);
        Ok(())
    }
}

/// The sum of each value column, wrapping on overflow as Go's int64 does.
fn column_totals(p: &Profile, columns: usize) -> Vec<i64> {
    let mut totals = vec![0i64; columns];
    for s in &p.sample {
        for (t, &v) in totals.iter_mut().zip(&s.value) {
            *t = t.wrapping_add(v);
        }
    }
    totals
}

/// Go's `int64(math.Round(x))`: half away from zero. Out of range values saturate (Go leaves
/// them unspecified).
pub(crate) fn round_to_i64(x: f64) -> i64 {
    x.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(values: &[&[i64]]) -> Profile {
        Profile {
            sample_type: vec![ValueType::new("a", "count"), ValueType::new("b", "count")],
            sample: values
                .iter()
                .map(|v| Sample {
                    value: v.to_vec(),
                    ..Sample::default()
                })
                .collect(),
            ..Profile::default()
        }
    }

    fn values(p: &Profile) -> Vec<Vec<i64>> {
        p.sample.iter().map(|s| s.value.clone()).collect()
    }

    #[test]
    fn scale_rounds_half_away_from_zero_and_drops_zero_samples() {
        let mut p = profile(&[&[3, -3], &[1, 0], &[10, 20]]);
        p.scale(0.5);
        // 1.5 -> 2, -1.5 -> -2, 0.5 -> 1, 5, 10.
        assert_eq!(values(&p), vec![vec![2, -2], vec![1, 0], vec![5, 10]]);
        p.scale(0.1);
        // 0.2 -> 0, -0.2 -> 0 (dropped), 0.1 -> 0 (dropped), 0.5 -> 1, 1.
        assert_eq!(values(&p), vec![vec![1, 1]]);
    }

    #[test]
    fn scale_n_keeps_only_samples_non_zero_in_a_scaled_column() {
        let mut p = profile(&[&[0, 5], &[1, 5]]);
        p.scale_n(&[2.0, 1.0]).unwrap();
        assert_eq!(values(&p), vec![vec![2, 5]]);
    }

    #[test]
    fn scale_n_rejects_the_wrong_number_of_ratios() {
        let mut p = profile(&[&[1, 1]]);
        let err = p.scale_n(&[2.0]).unwrap_err();
        assert_eq!(err.to_string(), "mismatched scale ratios, got 1, want 2");
    }

    #[test]
    fn normalize_scales_each_column_to_the_base_total() {
        let mut p = profile(&[&[1, 10], &[3, 30]]);
        let base = profile(&[&[8, 20]]);
        p.normalize(&base).unwrap();
        // Ratios 8/4 = 2 and 20/40 = 0.5.
        assert_eq!(values(&p), vec![vec![2, 5], vec![6, 15]]);
    }
}
