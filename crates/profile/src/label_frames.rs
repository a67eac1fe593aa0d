//! `-tagroot` and `-tagleaf`: labels shown as pseudo frames at the root or the leaf of every
//! stack (google/pprof's `addLabelNodes`, `internal/driver/tagroot.go`).

use std::collections::HashMap;

use crate::measurement::scale;
use crate::model::*;

/// Adds a pseudo frame per label key to every sample: for each key of `tagroot` (a
/// comma-separated list) a frame at the root, the first key outermost; for each key of
/// `tagleaf` a frame at the leaf, the last key innermost. go tool pprof does this before any
/// filter, so that filters can match the frames.
///
/// A frame's function is named after the sample's values for the key, joined by commas
/// (numeric ones formatted in `unit`, pprof's `-unit`, `minimum` by default), and its file name
/// is the key. A sample without the key gets a frame with an empty name, as in pprof. New
/// functions and locations take ids after the largest ones in use.
///
/// Returns pprof's warnings: `TagRoot expression matched no samples` (or `TagLeaf`) when a
/// list was given but no sample has any of its keys.
pub fn add_label_frames(p: &mut Profile, tagroot: &str, tagleaf: &str, unit: &str) -> Vec<String> {
    let keys = |list: &str| -> Vec<String> {
        list.split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (roots, leaves) = (keys(tagroot), keys(tagleaf));
    // Go's arithmetic: ids wrap rather than fail.
    let next = |max: Option<u64>| max.unwrap_or(0).wrapping_add(1);
    let mut next_location = next(p.location.iter().map(|l| l.id.0).max());
    let mut next_function = next(p.function.iter().map(|f| f.id.0).max());
    let mut interned: HashMap<(String, String), LocationId> = HashMap::new();
    let (mut root_match, mut leaf_match) = (false, false);
    let mut samples = std::mem::take(&mut p.sample);
    for s in &mut samples {
        let mut frame = |name: String, key: &str| -> LocationId {
            let entry = interned.entry((name, key.to_string()));
            *entry.or_insert_with_key(|(name, key)| {
                let function = FunctionId(next_function);
                next_function = next_function.wrapping_add(1);
                p.function.push(Function {
                    id: function,
                    name: name.clone(),
                    filename: key.clone(),
                    ..Function::default()
                });
                let id = LocationId(next_location);
                next_location = next_location.wrapping_add(1);
                p.location.push(Location {
                    id,
                    line: vec![Line {
                        function_id: Some(function),
                        ..Line::default()
                    }],
                    ..Location::default()
                });
                id
            })
        };
        // Keys are walked backwards: the first root key ends up last (outermost), the last
        // leaf key first (innermost).
        // Root frames are made first, as in pprof: that decides the new ids.
        let mut new_roots = Vec::with_capacity(roots.len());
        for k in roots.iter().rev() {
            let values = label_values(s, k, unit);
            root_match |= !values.is_empty();
            new_roots.push(frame(values.join(","), k));
        }
        let mut new_leaves = Vec::with_capacity(leaves.len());
        for k in leaves.iter().rev() {
            let values = label_values(s, k, unit);
            leaf_match |= !values.is_empty();
            new_leaves.push(frame(values.join(","), k));
        }
        if !new_leaves.is_empty() || !new_roots.is_empty() {
            new_leaves.extend_from_slice(&s.location);
            new_leaves.extend(new_roots);
            s.location = new_leaves;
        }
    }
    p.sample = samples;
    let mut warnings = Vec::new();
    if !(tagroot.is_empty() || root_match) {
        warnings.push("TagRoot expression matched no samples".to_string());
    }
    if !(tagleaf.is_empty() || leaf_match) {
        warnings.push("TagLeaf expression matched no samples".to_string());
    }
    warnings
}

/// The sample's values for `key` as pprof's `formatLabelValues` writes them: string values,
/// then numeric ones formatted in `unit`. pprof skips the numeric values when only some of
/// them carry a unit (its unit list is shorter than its value list).
fn label_values(s: &Sample, key: &str, unit: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut nums = Vec::new();
    for l in s.label.iter().filter(|l| &*l.key == key) {
        match &l.value {
            LabelValue::Str(v) => values.push(v.to_string()),
            LabelValue::Num { num, unit } => nums.push((*num, unit)),
        }
    }
    // pprof's unit list runs up to the last value that has a unit.
    let units = nums
        .iter()
        .rposition(|(_, u)| !u.is_empty())
        .map_or(0, |i| i + 1);
    if units != 0 && units != nums.len() {
        return values;
    }
    for (num, from) in nums {
        values.push(match units {
            0 => scaled_label(num, "", ""),
            _ => scaled_label(num, from, unit),
        });
    }
    values
}

/// pprof's `measurement.ScaledLabel`: the value in `to` units with two decimals, `.00`
/// trimmed, followed by the unit.
fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, u) = scale(value, from, to);
    let text = format!("{v:.2}");
    let text = text.strip_suffix(".00").unwrap_or(&text);
    if text == "0" || text == "-0" {
        return "0".into();
    }
    format!("{text}{u}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_labelled_as_pprof_labels_them() {
        assert_eq!(scaled_label(1536, "bytes", "minimum"), "1.50kB");
        assert_eq!(scaled_label(1024, "bytes", "minimum"), "1kB");
        assert_eq!(scaled_label(7, "", ""), "7");
        assert_eq!(scaled_label(0, "bytes", "minimum"), "0");
    }

    #[test]
    fn frames_go_to_the_root_and_the_leaf_in_key_order() {
        let mut p = Profile {
            sample_type: vec![ValueType::new("samples", "count")],
            location: vec![Location {
                id: LocationId(4),
                ..Location::default()
            }],
            sample: vec![Sample {
                location: vec![LocationId(4)],
                value: vec![1],
                label: vec![
                    Label::str("a", "x"),
                    Label::str("b", "y"),
                    Label::num("n", 2048, "bytes"),
                ],
            }],
            ..Profile::default()
        };
        let warnings = add_label_frames(&mut p, "a,b", "n,c", "minimum");
        assert!(warnings.is_empty());
        let frame = |id: &LocationId| -> (String, String) {
            let l = p.location.iter().find(|l| l.id == *id).expect("a location");
            let Some(f) = l.line.first().and_then(|l| l.function_id) else {
                return ("(original)".into(), String::new());
            };
            let f = p.function.iter().find(|x| x.id == f).expect("a function");
            (f.filename.clone(), f.name.clone())
        };
        let frames: Vec<(String, String)> = p.sample[0].location.iter().map(frame).collect();
        let expected = [
            ("c", ""),
            ("n", "2kB"),
            ("(original)", ""),
            ("b", "y"),
            ("a", "x"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(frames, expected);
        // Ids follow the largest in use; root frames first, the outermost (last key) first.
        assert_eq!(p.location[1].id, LocationId(5));
        assert_eq!(frame(&LocationId(5)), ("b".to_string(), "y".to_string()));
    }
}
