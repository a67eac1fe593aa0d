//! Label filters: `-tagfocus` and `-tagignore` (google/pprof's `compileTagFilter`,
//! `parseTagFilterRange`, `FilterSamplesByTag`) and the unit inference they rely on
//! (`NumLabelUnits`).
//!
//! A filter is `[key=]value`. When `value` reads as a number or a range (`32kb`, `1kb:`,
//! `:512`, `64b:2kb`) it selects numeric labels (of `key`, or of any key), compared in the
//! label key's unit; otherwise it is a comma-separated list of regexps on string labels. With a
//! key, a sample matches when one of that key's values matches one of the regexps; without a
//! key, every regexp must match some `key:value` of the sample.
//!
//! pprof's quirks are kept: a bare number such as `worker=1` is a range, not a regexp, so it
//! never matches string labels; `bytes=512` does not match Go's heap `bytes` labels, whose unit
//! is bytes, because a unit-less number only equals unit-less values (write `512b`); a regexp
//! containing `=` or `,` is split there.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use crate::error::{Error, Result};
use crate::filter::compile_regex;
use crate::measurement::{Conversion, scale};
use crate::model::*;

/// A compiled `-tagfocus` / `-tagignore` value.
#[derive(Debug, Clone)]
pub struct TagFilter {
    /// The label key the filter is restricted to, if one was given (`key=...`).
    key: Option<String>,
    what: What,
}

#[derive(Debug, Clone)]
enum What {
    /// A numeric range, in `unit` (the canonical name of the range's unit).
    Range { unit: String, bounds: Bounds },
    /// Regexps on string labels.
    Regexps(Vec<Regex>),
}

/// The comparison a numeric filter makes, on values converted to the filter's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bounds {
    Eq(f64),
    AtLeast(f64),
    AtMost(f64),
    Between(f64, f64),
}

impl Bounds {
    fn contains(self, v: f64) -> bool {
        match self {
            Bounds::Eq(x) => v == x,
            Bounds::AtLeast(x) => v >= x,
            Bounds::AtMost(x) => v <= x,
            Bounds::Between(lo, hi) => v >= lo && v <= hi,
        }
    }
}

impl TagFilter {
    /// Compiles the value of tag filter `option` (`tagfocus` or `tagignore`); empty means
    /// absent. A value read as a range adds pprof's note to `notes`:
    /// `tagfocus:Interpreted '1kb' as range, not regexp`.
    ///
    /// # Errors
    ///
    /// [`Error::Regex`] naming `option` for a regexp that does not compile, [`Error::Option`]
    /// for a range whose number does not fit 64 bits.
    pub fn compile_option(
        option: &str,
        value: &Option<String>,
        notes: &mut Vec<String>,
    ) -> Result<Option<TagFilter>> {
        let Some(value) = value.as_deref().filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let (key, value) = match value.split_once('=') {
            Some((k, v)) => ((!k.is_empty()).then(|| k.to_string()), v),
            None => (None, value),
        };
        if let Some((unit, bounds)) = parse_range(option, value)? {
            notes.push(format!(
                "{option}:Interpreted '{value}' as range, not regexp"
            ));
            let what = What::Range { unit, bounds };
            return Ok(Some(TagFilter { key, what }));
        }
        let regexps = value
            .split(',')
            .map(|r| compile_regex(option, r))
            .collect::<Result<_>>()?;
        let what = What::Regexps(regexps);
        Ok(Some(TagFilter { key, what }))
    }

    /// Whether the filter compares numeric labels (and so needs their units).
    pub fn is_numeric(&self) -> bool {
        matches!(self.what, What::Range { .. })
    }
}

/// One `[+-]digits[letters]` term of a range: its number text and unit text.
fn term(s: &str) -> Option<(&str, &str)> {
    let digits_start = usize::from(s.starts_with(['+', '-']));
    let unit_start = digits_start
        + s[digits_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
    if unit_start == digits_start || !s[unit_start..].bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some(s.split_at(unit_start))
}

/// pprof's `parseTagFilterRange`: `32kb` (equal), `4mb:` (at least), `:64kb` (at most),
/// `12kb:64mb` (both ends included; both units must scale to one). Returns the range's
/// unit and bounds, or `None` when the value is to be read as regexps.
fn parse_range(option: &str, filter: &str) -> Result<Option<(String, Bounds)>> {
    let number = |digits: &str| {
        digits.parse::<i64>().map_err(|_| {
            Error::Option(format!(
                "{option}: {digits} in range {filter} does not fit in 64 bits"
            ))
        })
    };
    let first = |t: (&str, &str)| -> Result<(f64, String)> { Ok(scale(number(t.0)?, t.1, t.1)) };
    let parsed = match filter.split_once(':') {
        None => term(filter).map(|t| (t, None, 0)),
        Some(("", hi)) => term(hi).map(|t| (t, None, 1)),
        Some((lo, "")) => term(lo).map(|t| (t, None, 2)),
        Some((lo, hi)) => match (term(lo), term(hi)) {
            (Some(a), Some(b)) => Some((a, Some(b), 3)),
            _ => None,
        },
    };
    let Some((t, second, form)) = parsed else {
        return Ok(None);
    };
    let (v, unit) = first(t)?;
    let bounds = match (form, second) {
        (0, _) => Bounds::Eq(v),
        (1, _) => Bounds::AtMost(v),
        (2, _) => Bounds::AtLeast(v),
        (_, Some(b)) => {
            let (v2, unit2) = scale(number(b.0)?, b.1, &unit);
            if unit2 != unit {
                return Ok(None);
            }
            Bounds::Between(v, v2)
        }
        _ => return Ok(None),
    };
    Ok(Some((unit, bounds)))
}

/// The matching state of one filter over one profile's samples (borrowed for `'s`): the
/// filter plus caches, so each distinct key or key/value pair is converted or matched once,
/// not once per sample.
struct Matcher<'f, 's> {
    filter: &'f TagFilter,
    units: &'f HashMap<String, String>,
    /// Numeric filters: label key -> conversion of its values to the filter's unit, or `None`
    /// when the key's unit does not scale to it (pprof then never matches).
    conversions: HashMap<&'s str, Option<Conversion>>,
    /// Regexp filters: (key, value) -> bit set of the regexps matching (`key:value` without a
    /// filter key, the value alone with one).
    matches: HashMap<(&'s str, &'s str), u64>,
}

impl<'f, 's> Matcher<'f, 's> {
    fn new(filter: &'f TagFilter, units: &'f HashMap<String, String>) -> Self {
        Matcher {
            filter,
            units,
            conversions: HashMap::new(),
            matches: HashMap::new(),
        }
    }

    fn wanted(&self, key: &str) -> bool {
        self.filter.key.as_deref().is_none_or(|k| k == key)
    }

    /// Whether the sample's labels satisfy the filter.
    fn matches(&mut self, s: &'s Sample) -> bool {
        match &self.filter.what {
            What::Range { unit, bounds } => s.label.iter().any(|l| match &l.value {
                LabelValue::Num { num, .. } if self.wanted(&l.key) => {
                    let units = self.units;
                    let conv = self.conversions.entry(&l.key).or_insert_with(|| {
                        let from = units.get(&*l.key).map_or("", String::as_str);
                        Some(Conversion::new(from, unit)).filter(|c| c.unit == *unit)
                    });
                    conv.as_ref()
                        .is_some_and(|c| bounds.contains(c.apply(*num)))
                }
                _ => false,
            }),
            // pprof's loops, for filters with more regexps than the cache's bit set holds.
            What::Regexps(res) if res.len() > 64 => match self.filter.key {
                Some(_) => s.label.iter().any(|l| match &l.value {
                    LabelValue::Str(v) if self.wanted(&l.key) => res.iter().any(|r| r.is_match(v)),
                    _ => false,
                }),
                None => res.iter().all(|r| {
                    s.label.iter().any(|l| match &l.value {
                        LabelValue::Str(v) => r.is_match(&format!("{}:{v}", l.key)),
                        _ => false,
                    })
                }),
            },
            What::Regexps(res) => {
                let all = u64::MAX >> (64 - res.len());
                let mut seen = 0u64;
                for l in &s.label {
                    if let LabelValue::Str(v) = &l.value {
                        if self.wanted(&l.key) {
                            seen |= self.regexp_bits(res, &l.key, v);
                        }
                    }
                }
                match self.filter.key {
                    // With a key: one value matching one regexp suffices.
                    Some(_) => seen != 0,
                    // Without: every regexp must match some key:value.
                    None => seen & all == all,
                }
            }
        }
    }

    /// Which of (at most 64) regexps match this label: bit i for regexp i.
    fn regexp_bits(&mut self, res: &[Regex], key: &'s str, value: &'s str) -> u64 {
        let keyed = self.filter.key.is_some();
        *self.matches.entry((key, value)).or_insert_with(|| {
            let text = match keyed {
                true => value.to_string(),
                false => format!("{key}:{value}"),
            };
            let mut bits = 0u64;
            for (i, re) in res.iter().enumerate() {
                bits |= u64::from(re.is_match(&text)) << i;
            }
            bits
        })
    }
}
impl Profile {
    /// Keeps the samples whose labels match `focus` (when given) and do not match `ignore`
    /// (google/pprof's `FilterSamplesByTag`). Returns whether any sample matched each.
    ///
    /// `units` gives the unit of each numeric label key, as [`Profile::num_label_units`]
    /// computes it; numeric filters compare values in those units.
    pub fn filter_samples_by_tag(
        &mut self,
        focus: Option<&TagFilter>,
        ignore: Option<&TagFilter>,
        units: &HashMap<String, String>,
    ) -> (bool, bool) {
        let (mut fm, mut im) = (false, false);
        if focus.is_none() && ignore.is_none() {
            return (fm, im);
        }
        let mut focus = focus.map(|f| Matcher::new(f, units));
        let mut ignore = ignore.map(|f| Matcher::new(f, units));
        // Decide every sample before removing any: the caches borrow the labels' strings.
        let keep: Vec<bool> = self
            .sample
            .iter()
            .map(|s| {
                let focused = focus.as_mut().is_none_or(|m| m.matches(s));
                let ignored = ignore.as_mut().is_some_and(|m| m.matches(s));
                fm |= focused;
                im |= ignored;
                focused && !ignored
            })
            .collect();
        let mut keep = keep.into_iter();
        self.sample.retain(|_| keep.next().unwrap_or(true));
        (fm, im)
    }

    /// The unit of each numeric label key, and the other units some keys also carry
    /// (google/pprof's `NumLabelUnits`).
    ///
    /// A key's unit is the first non-empty unit among its values; a key with none is
    /// `bytes` for `alignment` and `request`, and otherwise the key itself (so Go's heap
    /// label `bytes` is in bytes). The second map lists, sorted, the units each key also had.
    pub fn num_label_units(&self) -> (HashMap<String, String>, BTreeMap<String, Vec<String>>) {
        let mut units: HashMap<String, String> = HashMap::new();
        let mut ignored: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in &self.sample {
            for l in &s.label {
                let LabelValue::Num { unit, .. } = &l.value else {
                    continue;
                };
                let want = units.entry(l.key.to_string()).or_default();
                if unit.is_empty() {
                    continue;
                }
                if want.is_empty() {
                    *want = unit.to_string();
                } else if **want != **unit {
                    let other = ignored.entry(l.key.to_string()).or_default();
                    if !other.iter().any(|u| **u == **unit) {
                        other.push(unit.to_string());
                    }
                }
            }
        }
        for (key, unit) in &mut units {
            if unit.is_empty() {
                *unit = match key.as_str() {
                    "alignment" | "request" => "bytes".to_string(),
                    _ => key.clone(),
                };
            }
        }
        ignored.values_mut().for_each(|v| v.sort());
        (units, ignored)
    }

    /// The warnings pprof prints for label keys seen with several units, one per key in key
    /// order: `For tag bytes used unit bytes, also encountered unit(s) kilobytes`.
    pub fn num_label_unit_warnings(&self) -> Vec<String> {
        let (units, ignored) = self.num_label_units();
        ignored
            .iter()
            .map(|(k, other)| {
                let used = units.get(k).map_or("", String::as_str);
                let other = other.join(", ");
                format!("For tag {k} used unit {used}, also encountered unit(s) {other}")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::profile;

    fn compile(v: &str) -> (TagFilter, Vec<String>) {
        let mut notes = Vec::new();
        let f = TagFilter::compile_option("tagfocus", &Some(v.into()), &mut notes);
        (f.unwrap().unwrap(), notes)
    }

    /// Values of the samples kept by `tagfocus=v`, each sample's value being its index.
    fn kept(labels: &[Vec<Label>], v: &str) -> Vec<i64> {
        let samples: Vec<(&[u64], i64)> = (0..labels.len() as i64).map(|i| (&[1][..], i)).collect();
        let mut p = profile(&[&["main"]], &samples);
        for (s, l) in p.sample.iter_mut().zip(labels) {
            s.label = l.clone();
        }
        let (f, _) = compile(v);
        let units = p.num_label_units().0;
        p.filter_samples_by_tag(Some(&f), None, &units);
        p.sample.iter().map(|s| s.value[0]).collect()
    }

    fn bytes(n: i64) -> Vec<Label> {
        vec![Label::num("bytes", n, "")]
    }

    #[test]
    fn ranges_are_recognised_and_noted() {
        for v in ["1kb", "1kb:", ":512", "64b:2kb", "-5", "+5:", "bytes=32mb:"] {
            let (f, notes) = compile(v);
            assert!(f.is_numeric(), "{v}");
            let value = v.split_once('=').map_or(v, |r| r.1);
            assert_eq!(
                notes,
                [format!(
                    "tagfocus:Interpreted '{value}' as range, not regexp"
                )]
            );
        }
        // Mixed families, stray text, and two colons are regexps.
        for v in ["1kb:2ms", "1k2", "a1kb", "1:2:3", ":", "worker:2"] {
            let (f, notes) = compile(v);
            assert!(!f.is_numeric(), "{v}");
            assert!(notes.is_empty());
        }
    }

    #[test]
    fn numeric_ranges_compare_in_the_keys_unit() {
        // Go's heap label "bytes" has no unit, so its unit is its key: bytes.
        let l = [bytes(512), bytes(1024), bytes(2048), bytes(64)];
        assert_eq!(kept(&l, "bytes=1kb:"), [1, 2]);
        assert_eq!(kept(&l, "64b:2kb"), [0, 1, 2, 3]);
        assert_eq!(kept(&l, "1kb"), [1]);
        assert_eq!(kept(&l, ":512b"), [0, 3]);
        // A unit-less number only equals unit-less values; 512 bytes are "B", not "".
        assert_eq!(kept(&l, "bytes=:512"), Vec::<i64>::new());
        // Another key does not match.
        assert_eq!(kept(&l, "size=1kb:"), Vec::<i64>::new());
    }

    #[test]
    fn numeric_labels_of_unknown_units_compare_as_bare_numbers() {
        // Key "count" has unit "count", in no family: values compare unscaled to "5"'s 5,
        // whose unit ("" for a bare number) equals the conversion's ("" for count).
        let l = [
            vec![Label::num("count", 5, "")],
            vec![Label::num("count", 6, "")],
        ];
        assert_eq!(kept(&l, "5"), [0]);
        assert_eq!(kept(&l, "count=6:"), [1]);
    }

    #[test]
    fn explicit_units_and_request_keys_scale() {
        let l = [
            vec![Label::num("lat", 2_000_000, "nanoseconds")],
            vec![Label::num("request", 1024, "")],
        ];
        assert_eq!(kept(&l, "2ms"), [0]);
        // "request" defaults to bytes, so 1024 of them are 1kb.
        assert_eq!(kept(&l, "request=1kb"), [1]);
    }

    #[test]
    fn string_filters_follow_pprofs_key_rules() {
        let s = |e: &str, w: &str| vec![Label::str("endpoint", e), Label::str("worker", w)];
        let l = [s("/api/a", "1"), s("/api/b", "2"), s("/api/a", "2")];
        assert_eq!(kept(&l, "endpoint=/api/a"), [0, 2]);
        // With a key, either regexp may match.
        assert_eq!(kept(&l, "endpoint=/api/a,/api/b"), [0, 1, 2]);
        // Without a key, every regexp must match some key:value.
        assert_eq!(kept(&l, "/api/a,worker:2"), [2]);
        assert_eq!(kept(&l, "worker"), [0, 1, 2]);
        // A bare number is a range: it never matches string labels.
        assert_eq!(kept(&l, "worker=1"), Vec::<i64>::new());
    }

    #[test]
    fn focus_and_ignore_both_apply_and_report_matches() {
        let s = |w: &str| vec![Label::str("worker", w)];
        let mut p = profile(&[&["main"]], &[(&[1], 0), (&[1], 1), (&[1], 2)]);
        for (smp, l) in p.sample.iter_mut().zip([s("1"), s("2"), s("12")]) {
            smp.label = l;
        }
        let (focus, _) = compile("worker=1");
        let mut notes = Vec::new();
        let ignore = TagFilter::compile_option("tagignore", &Some("worker=2".into()), &mut notes);
        let ignore = ignore.unwrap().unwrap();
        let (fm, im) = p.filter_samples_by_tag(Some(&focus), Some(&ignore), &HashMap::new());
        // Both are ranges, and there are no numeric labels: nothing matches, all is dropped.
        assert_eq!((fm, im), (false, false));
        assert!(p.sample.is_empty());
    }

    #[test]
    fn overflowing_range_numbers_are_errors_not_crashes() {
        let mut notes = Vec::new();
        let v = Some("bytes=99999999999999999999kb:".to_string());
        let err = TagFilter::compile_option("tagfocus", &v, &mut notes).unwrap_err();
        assert!(err.to_string().contains("tagfocus"), "{err}");
    }

    #[test]
    fn num_label_units_take_the_first_unit_and_report_others() {
        let mut p = profile(&[&["main"]], &[(&[1], 0), (&[1], 1)]);
        p.sample[0].label = vec![
            Label::num("size", 3, "kilobytes"),
            Label::num("request", 1, ""),
            Label::num("n", 1, ""),
        ];
        p.sample[1].label = vec![Label::num("size", 3, "bytes"), Label::num("size", 3, "kb")];
        let (units, ignored) = p.num_label_units();
        assert_eq!(units["size"], "kilobytes");
        assert_eq!(units["request"], "bytes");
        assert_eq!(units["n"], "n");
        assert_eq!(ignored["size"], ["bytes", "kb"]);
        assert_eq!(
            p.num_label_unit_warnings(),
            ["For tag size used unit kilobytes, also encountered unit(s) bytes, kb"]
        );
    }
}
