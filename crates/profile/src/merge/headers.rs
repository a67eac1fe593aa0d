//! The header of a merged profile, and the check that profiles can merge at all (google/pprof's
//! `combineHeaders` and `compatible`).

use crate::error::{Error, Result};
use crate::model::*;

impl Profile {
    /// Checks that `other` can be merged with or compared to `self`: the same period type and
    /// the same sample types, in the same order (google/pprof's `compatible`).
    ///
    /// # Errors
    ///
    /// [`Error::Incompatible`] naming both period types or both sample type lists.
    pub fn compatible(&self, other: &Profile) -> Result<()> {
        self.check_compatible(other).map_err(Error::Incompatible)
    }

    pub(super) fn check_compatible(&self, other: &Profile) -> std::result::Result<(), String> {
        let empty = ValueType::default();
        let (a, b) = (
            self.period_type.as_ref().unwrap_or(&empty),
            other.period_type.as_ref().unwrap_or(&empty),
        );
        if a != b {
            return Err(format!(
                "period types {} and {} differ",
                type_name(a),
                type_name(b)
            ));
        }
        if self.sample_type != other.sample_type {
            return Err(format!(
                "sample types {} and {} differ",
                type_list(&self.sample_type),
                type_list(&other.sample_type)
            ));
        }
        Ok(())
    }
}

/// `kind/unit`, the way pprof prints a value type in its headers.
fn type_name(t: &ValueType) -> String {
    format!("{}/{}", t.kind, t.unit)
}

/// `[samples/count cpu/nanoseconds]`.
pub(crate) fn type_list(types: &[ValueType]) -> String {
    let names: Vec<String> = types.iter().map(type_name).collect();
    format!("[{}]", names.join(" "))
}

/// The merged profile's header, with empty tables (Go's `combineHeaders`).
pub(super) fn combine_headers(srcs: &[&Profile]) -> Profile {
    let first = srcs[0];
    let mut p = Profile {
        sample_type: first.sample_type.clone(),
        drop_frames: first.drop_frames.clone(),
        keep_frames: first.keep_frames.clone(),
        period_type: first.period_type.clone(),
        ..Profile::default()
    };
    let mut seen = std::collections::HashSet::new();
    for s in srcs {
        // Go's test, quirk included: once the time is zero the next profile's time is taken.
        if p.time_nanos == 0 || s.time_nanos < p.time_nanos {
            p.time_nanos = s.time_nanos;
        }
        p.duration_nanos = p.duration_nanos.wrapping_add(s.duration_nanos);
        if p.period == 0 || p.period < s.period {
            p.period = s.period;
        }
        for c in &s.comments {
            if seen.insert(c.as_str()) {
                p.comments.push(c.clone());
            }
        }
        if p.default_sample_type.is_empty() {
            p.default_sample_type.clone_from(&s.default_sample_type);
        }
        if p.doc_url.is_empty() {
            p.doc_url.clone_from(&s.doc_url);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(time: i64, duration: i64, period: i64, comments: &[&str], dflt: &str) -> Profile {
        Profile {
            time_nanos: time,
            duration_nanos: duration,
            period,
            comments: comments.iter().map(|c| c.to_string()).collect(),
            default_sample_type: dflt.into(),
            ..Profile::default()
        }
    }

    #[test]
    fn headers_combine_as_go_combines_them() {
        let a = header(500, 1, 10, &["x", "y"], "");
        let b = header(300, 2, 30, &["y", "z"], "cpu");
        let c = header(400, 3, 20, &["x"], "samples");
        let p = combine_headers(&[&a, &b, &c]);
        assert_eq!((p.time_nanos, p.duration_nanos, p.period), (300, 6, 30));
        assert_eq!(p.comments, ["x", "y", "z"]);
        assert_eq!(p.default_sample_type, "cpu");
    }

    #[test]
    fn a_zero_time_is_replaced_by_the_next_profiles_time() {
        // Go's test `timeNanos == 0 || s.TimeNanos < timeNanos`: 0 is taken from the second
        // profile, then the third's 700 replaces it, though 500 came earlier.
        let times = [500, 0, 700].map(|t| header(t, 0, 0, &[], ""));
        let p = combine_headers(&[&times[0], &times[1], &times[2]]);
        assert_eq!(p.time_nanos, 700);
    }

    #[test]
    fn a_missing_period_type_equals_an_empty_one() {
        let a = header(0, 0, 0, &[], "");
        let b = Profile {
            period_type: Some(ValueType::default()),
            ..a.clone()
        };
        assert!(a.compatible(&b).is_ok());
        let c = Profile {
            period_type: Some(ValueType::new("space", "bytes")),
            ..a.clone()
        };
        let err = a.compatible(&c).unwrap_err().to_string();
        assert_eq!(
            err,
            "incompatible profiles: period types / and space/bytes differ"
        );
    }
}
