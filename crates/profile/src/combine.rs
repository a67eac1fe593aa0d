//! Making profiles mergeable before a merge, as go tool pprof's driver does when it combines
//! sources (google/pprof's `measurement.ScaleProfiles` and `profile.CompatibilizeSampleTypes`).

use crate::error::{Error, Result};
use crate::measurement::scale;
use crate::merge::type_list;
use crate::model::*;

/// Whether `unit` is in one of pprof's unit families (pprof's `sniffUnit` finds it): only then
/// does `auto` scaling name a unit.
fn known(unit: &str) -> bool {
    !scale(1, unit, "auto").1.is_empty()
}

/// Whether two known units are of one family. Converting to a unit of another family yields
/// that family's default unit (`B`, `s`, `GCU`), which is never the target's own name unless
/// the target is in the family, so comparing the names the conversions give decides it.
fn same_family(a: &str, b: &str) -> bool {
    known(a) && known(b) && scale(1, a, b).1 == scale(1, b, b).1
}

/// Whether two value types measure the same thing: equal kinds (one trailing `s` aside) and
/// equal or convertible units.
fn compatible_types(a: &ValueType, b: &ValueType) -> bool {
    let trim = |s: &'_ str| s.strip_suffix('s').unwrap_or(s).to_string();
    trim(&a.kind) == trim(&b.kind) && (a.unit == b.unit || same_family(&a.unit, &b.unit))
}

/// The finest of a set of compatible types; `None` for fewer than two (nothing to convert).
fn common_type<'t>(types: &[&'t ValueType]) -> std::result::Result<Option<&'t ValueType>, String> {
    if types.len() <= 1 {
        return Ok(None);
    }
    let mut min = types[0];
    for &t in &types[1..] {
        if !compatible_types(min, t) {
            let a = type_list(std::slice::from_ref(min));
            let b = type_list(std::slice::from_ref(t));
            return Err(format!("incompatible types: {a} {b}"));
        }
        if scale(1, &t.unit, &min.unit).0 < 1.0 {
            min = t;
        }
    }
    Ok(Some(min))
}

/// Converts the profiles' periods and sample values to common units, the finest each column
/// has, so that profiles in milliseconds and nanoseconds can merge (pprof's
/// `measurement.ScaleProfiles`). Profiles already in the same units are left as they are; a
/// single profile is never changed.
///
/// # Errors
///
/// [`Error::Incompatible`] if the profiles have different numbers of sample types, or types
/// that do not convert into each other.
pub fn scale_profiles(profiles: &mut [Profile]) -> Result<()> {
    let Some(first) = profiles.first() else {
        return Ok(());
    };
    let periods: Vec<&ValueType> = profiles
        .iter()
        .filter_map(|p| p.period_type.as_ref())
        .collect();
    let period = common_type(&periods)
        .map_err(|e| Error::Incompatible(format!("period type: {e}")))?
        .cloned();
    let columns = first.sample_type.len();
    if let Some(p) = profiles.iter().find(|p| p.sample_type.len() != columns) {
        return Err(Error::Incompatible(format!(
            "inconsistent samples type count: {columns} != {}",
            p.sample_type.len()
        )));
    }
    let mut targets = Vec::with_capacity(columns);
    for i in 0..columns {
        let types: Vec<&ValueType> = profiles.iter().map(|p| &p.sample_type[i]).collect();
        let t =
            common_type(&types).map_err(|e| Error::Incompatible(format!("sample types: {e}")))?;
        targets.push(t.map(|t| t.unit.clone()));
    }
    for p in profiles.iter_mut() {
        if let (Some(pt), Some(target)) = (p.period_type.as_mut(), period.as_ref()) {
            // Go converts through float64 and truncates.
            p.period = scale(p.period, &pt.unit, &target.unit).0 as i64;
            pt.unit.clone_from(&target.unit);
        }
        let mut ratios = vec![1.0; columns];
        for (i, target) in targets.iter().enumerate() {
            if let Some(unit) = target {
                ratios[i] = scale(1, &p.sample_type[i].unit, unit).0;
                p.sample_type[i].unit.clone_from(unit);
            }
        }
        p.scale_n(&ratios)?;
    }
    Ok(())
}

/// Keeps only the sample types every profile has, in the first profile's order, so that
/// profiles of different but overlapping types can merge (google/pprof's
/// `CompatibilizeSampleTypes`, which pprof releases newer than Go 1.19's run before every
/// merge).
///
/// A profile whose `default_sample_type` is dropped gets the first kept type instead. When all
/// profiles already have the same type names in the same order nothing changes, so profiles
/// that Go 1.19 (which has no such step) merges, merge exactly as there.
///
/// # Errors
///
/// [`Error::Incompatible`] if no sample type is common to all profiles.
pub fn compatibilize_sample_types(profiles: &mut [Profile]) -> Result<()> {
    let Some(first) = profiles.first() else {
        return Ok(());
    };
    let same = |p: &Profile| {
        p.sample_type.len() == first.sample_type.len()
            && p.sample_type
                .iter()
                .zip(&first.sample_type)
                .all(|(a, b)| a.kind == b.kind)
    };
    if profiles.iter().all(same) {
        return Ok(());
    }
    // Go counts occurrences over all profiles: a kind is common if it occurs once per profile.
    let common: Vec<String> = first
        .sample_type
        .iter()
        .filter(|t| {
            let count: usize = profiles
                .iter()
                .map(|p| p.sample_type.iter().filter(|u| u.kind == t.kind).count())
                .sum();
            count == profiles.len()
        })
        .map(|t| t.kind.clone())
        .collect();
    if common.is_empty() {
        let lists: Vec<String> = profiles.iter().map(|p| type_list(&p.sample_type)).collect();
        return Err(Error::Incompatible(format!(
            "profiles have no sample type in common: {}",
            lists.join(", ")
        )));
    }
    for p in profiles.iter_mut() {
        keep_sample_types(p, &common);
    }
    Ok(())
}

/// Reorders and drops `p`'s sample types (and its values) to `kinds`, all of which it has.
fn keep_sample_types(p: &mut Profile, kinds: &[String]) {
    let remap: Vec<usize> = kinds
        .iter()
        .filter_map(|k| p.sample_type.iter().position(|t| &t.kind == k))
        .collect();
    let identity =
        remap.len() == p.sample_type.len() && remap.iter().enumerate().all(|(i, &j)| i == j);
    if identity {
        return;
    }
    if !kinds.contains(&p.default_sample_type) {
        p.default_sample_type.clone_from(&kinds[0]);
    }
    p.sample_type = remap.iter().map(|&j| p.sample_type[j].clone()).collect();
    let mut values = Vec::with_capacity(remap.len());
    for s in &mut p.sample {
        values.clear();
        values.extend(remap.iter().map(|&j| s.value.get(j).copied().unwrap_or(0)));
        s.value.clear();
        s.value.extend_from_slice(&values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(types: &[(&str, &str)], values: &[i64]) -> Profile {
        Profile {
            sample_type: types.iter().map(|(k, u)| ValueType::new(*k, *u)).collect(),
            period_type: Some(ValueType::new("cpu", "nanoseconds")),
            sample: vec![Sample {
                value: values.to_vec(),
                ..Sample::default()
            }],
            ..Profile::default()
        }
    }

    #[test]
    fn units_of_one_family_are_told_from_others() {
        assert!(same_family("milliseconds", "ns"));
        assert!(same_family("bytes", "MB"));
        assert!(!same_family("bytes", "seconds"));
        assert!(!same_family("B", "s"));
        assert!(!same_family("requests", "kB"));
        assert!(!same_family("count", "count"));
    }

    #[test]
    fn scale_profiles_converts_to_the_finest_unit() {
        let mut ps = vec![
            profile(&[("delay", "milliseconds")], &[3]),
            profile(&[("delay", "nanoseconds")], &[5]),
        ];
        scale_profiles(&mut ps).unwrap();
        assert_eq!(ps[0].sample_type[0].unit, "nanoseconds");
        assert_eq!(ps[0].sample[0].value, vec![3_000_000]);
        assert_eq!(ps[1].sample[0].value, vec![5]);
    }

    #[test]
    fn scale_profiles_rejects_unrelated_types() {
        let mut ps = vec![
            profile(&[("delay", "nanoseconds")], &[3]),
            profile(&[("space", "bytes")], &[5]),
        ];
        let err = scale_profiles(&mut ps).unwrap_err().to_string();
        assert!(err.contains("[delay/nanoseconds] [space/bytes]"), "{err}");
    }

    #[test]
    fn compatibilize_keeps_common_types_in_the_first_order() {
        let mut ps = vec![
            profile(
                &[("a", "count"), ("b", "count"), ("c", "count")],
                &[1, 2, 3],
            ),
            profile(&[("c", "count"), ("a", "count")], &[30, 10]),
        ];
        ps[0].default_sample_type = "b".into();
        compatibilize_sample_types(&mut ps).unwrap();
        let kinds: Vec<&str> = ps[1].sample_type.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(kinds, ["a", "c"]);
        assert_eq!(ps[0].sample[0].value, vec![1, 3]);
        assert_eq!(ps[1].sample[0].value, vec![10, 30]);
        assert_eq!(ps[0].default_sample_type, "a");
    }

    #[test]
    fn compatibilize_fails_without_a_common_type() {
        let mut ps = vec![
            profile(&[("a", "count")], &[1]),
            profile(&[("b", "count")], &[1]),
        ];
        let err = compatibilize_sample_types(&mut ps).unwrap_err().to_string();
        assert!(err.contains("no sample type in common"), "{err}");
    }
}
