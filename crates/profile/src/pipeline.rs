//! What go tool pprof does to profiles between reading them and writing a report, in its
//! driver's order (google/pprof's `internal/driver/fetch.go` `fetchProfiles` and
//! `driver.go` `generateRawReport`).
//!
//! Two stages, as in Go, so that an interactive session or a web UI combines the inputs once
//! and prepares a profile per report:
//!
//! 1. [`combine`] (per session, [`SourceOptions`]): the sources are merged (64 at a time, as Go
//!    fetches them), after their sample types are made common and their units converted; the
//!    base profiles likewise; then `-diff_base` labels the base samples `pprof::base=true`,
//!    `-normalize` scales the sources to the base's totals, and the base, scaled by -1, is
//!    merged in (a subtraction). Then `drop_frames` pruning and `-add_comment`. As Go's reader
//!    does, a profile without a period type gets an empty one, and one without mappings a fake
//!    mapping (id 1) holding all its locations.
//!    Go merges even a single source, so the result is always compact: zero samples and unused
//!    mappings gone, ids renumbered.
//! 2. per report: first [`add_label_frames`] for `-tagroot`/`-tagleaf` (when given), then
//!    [`prepare`] ([`ReportOptions`]): the value column (`-sample_index`, `-mean`) and
//!    `-divide_by` are checked, the total the percentages are relative to is computed, and the
//!    filters are applied; with `-relative_percentages` the filters come before the total.
//!    Go's last step, aggregation by `-granularity`, is the report's (sextant-report).
//!
//! `-sample_index`, `-mean` and `-divide_by` do not change the profile: reports read the
//! selected column through [`Prepared::selection`] and scale printed values by
//! [`Prepared::ratio`]. Only `-proto` writes divided values ([`Prepared::into_proto`]).
//!
//! ```
//! use sextant_profile::pipeline::{self, ReportOptions, SourceOptions};
//! use sextant_profile::{Profile, Sample, ValueType};
//!
//! let mut p = Profile::default();
//! p.sample_type.push(ValueType::new("samples", "count"));
//! p.sample.push(Sample { value: vec![3], ..Sample::default() });
//! let base = p.clone();
//! let combined = pipeline::combine(vec![p], vec![base], &SourceOptions::default())?;
//! // The profile minus itself is empty.
//! assert!(combined.sample.is_empty());
//! let prepared = pipeline::prepare(combined, &ReportOptions::default())?;
//! assert_eq!(prepared.total, 0);
//! # Ok::<(), sextant_profile::Error>(())
//! ```

use crate::combine::{compatibilize_sample_types, scale_profiles};
use crate::error::{Error, Result};
use crate::filter::{Filters, apply_filters};
pub use crate::label_frames::add_label_frames;
use crate::merge::merge_owned;
use crate::model::*;
use crate::sample_index::SampleSelection;

/// How go tool pprof combines its inputs: the options of its source stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOptions {
    /// The base profiles are `-diff_base` profiles rather than `-base` ones: their samples are
    /// labelled `pprof::base=true`, and reports take percentages relative to the base.
    pub diff_base: bool,
    /// `-normalize`: scale the sources so that each sample type's total equals the base's.
    pub normalize: bool,
    /// `-add_comment`: a comment appended to the combined profile.
    pub comment: Option<String>,
}

/// How go tool pprof turns the combined profile into what one report reads: the options of its
/// report stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// `-sample_index`: a sample type by name or position; empty for the profile's default
    /// (its `default_sample_type`, or else the last type). Go's legacy flags map onto this and
    /// [`mean`](Self::mean) through [`legacy_sample_flag`](crate::legacy_sample_flag).
    pub sample_index: String,
    /// `-mean`: reports show values divided by the event count (column 0).
    pub mean: bool,
    /// `-divide_by`: reports show values divided by this; 1 by default, never 0.
    pub divide_by: f64,
    /// `-relative_percentages`: percentages relative to what the filters keep, so the filters
    /// run before the total is taken.
    pub relative_percentages: bool,
    /// `-focus`, `-ignore`, `-hide`, `-show`, `-show_from`, `-prune_from` and the tag filters.
    pub filters: Filters,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            sample_index: String::new(),
            mean: false,
            divide_by: 1.0,
            relative_percentages: false,
            filters: Filters::default(),
        }
    }
}

/// A profile ready for one report, with what the report needs to read it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The profile, filtered.
    pub profile: Profile,
    /// The value column the report shows, and whether it is a mean.
    pub selection: SampleSelection,
    /// What printed values are multiplied by: `1 / divide_by`.
    pub ratio: f64,
    /// The total percentages are relative to (pprof's `computeTotal`): the sum of absolute
    /// selected values, or, when some samples are `-diff_base` samples, of theirs only; under
    /// `-mean` divided by the sum of event counts. Taken before the filters unless
    /// `relative_percentages` is set.
    pub total: i64,
    /// What pprof prints on stderr while filtering, in its words, such as
    /// `Focus expression matched no samples`.
    pub warnings: Vec<String>,
}

impl Prepared {
    /// The profile as `-proto` writes it: every value multiplied by [`ratio`](Self::ratio) and
    /// truncated toward zero, as pprof's `printProto` does.
    pub fn into_proto(self) -> Profile {
        let mut p = self.profile;
        if self.ratio > 0.0 && self.ratio != 1.0 {
            for s in &mut p.sample {
                for v in &mut s.value {
                    *v = (*v as f64 * self.ratio) as i64;
                }
            }
        }
        p
    }
}

/// go tool pprof's source stage: merges `sources`, subtracts the merged `bases` if any, and
/// returns the profile every report of the session starts from.
///
/// # Errors
///
/// [`Error::Option`] for no sources, or `normalize` without bases; [`Error::Incompatible`]
/// when the profiles cannot merge; [`Error::Invalid`] if a profile refers to missing entities.
pub fn combine(
    sources: Vec<Profile>,
    bases: Vec<Profile>,
    opts: &SourceOptions,
) -> Result<Profile> {
    if sources.is_empty() {
        return Err(Error::Option("no profile source specified".into()));
    }
    if opts.normalize && bases.is_empty() {
        return Err(Error::Option(
            "must have base profile to normalize by".into(),
        ));
    }
    let mut p = combine_chunked(sources)?;
    if !bases.is_empty() {
        let mut base = combine_chunked(bases)?;
        if opts.diff_base {
            set_label(&mut base, "pprof::base", "true");
        }
        if opts.normalize {
            p.normalize(&base)?;
        }
        base.scale(-1.0);
        p = combine_profiles(vec![p, base])?;
    }
    // go tool pprof ignores a drop_frames regexp that does not compile, and prunes nothing.
    let _ = p.remove_uninteresting();
    unsource_mappings(&mut p);
    if let Some(c) = &opts.comment {
        p.comments.push(c.clone());
    }
    // Go checks the result again here; a merge's output is valid by construction (every id
    // and reference is one it made), and pruning only removes lines, so only debug builds pay.
    debug_assert!(p.check_valid().is_ok(), "{:?}", p.check_valid());
    Ok(p)
}

/// go tool pprof's report stage: checks the value selection, takes the total and filters, in
/// the driver's order.
///
/// # Errors
///
/// [`Error::Option`] for a bad `-sample_index`, a profile without sample types, or a zero
/// `-divide_by`; the filters' errors ([`Error::Regex`], [`Error::Option`]).
pub fn prepare(mut p: Profile, opts: &ReportOptions) -> Result<Prepared> {
    let mut warnings = Vec::new();
    if opts.relative_percentages {
        warnings = apply_filters(&mut p, &opts.filters)?;
    }
    let selection = SampleSelection::new(&p, &opts.sample_index, opts.mean)?;
    if opts.divide_by == 0.0 {
        return Err(Error::Option("zero divisor specified".into()));
    }
    let total = compute_total(&p, &selection);
    if !opts.relative_percentages {
        warnings = apply_filters(&mut p, &opts.filters)?;
    }
    Ok(Prepared {
        profile: p,
        selection,
        ratio: 1.0 / opts.divide_by,
        total,
        warnings,
    })
}

/// Both stages at once, for a one-shot report.
///
/// # Errors
///
/// As [`combine`] and [`prepare`].
pub fn run(
    sources: Vec<Profile>,
    bases: Vec<Profile>,
    source: &SourceOptions,
    report: &ReportOptions,
) -> Result<Prepared> {
    prepare(combine(sources, bases, source)?, report)
}

/// How many sources Go fetches and merges at once; chunks are then merged in order.
const CHUNK: usize = 64;

/// What go tool pprof does to each profile as it reads it, before any merge: Go's decoder gives
/// a profile without a period type an empty one (printed `PeriodType:  `), and its fetcher
/// gives a profile without mappings a fake one, id 1, that every location falls into
/// (`locateBinaries`).
fn as_fetched(p: &mut Profile) {
    p.period_type.get_or_insert_with(ValueType::default);
    if p.mapping.is_empty() {
        p.mapping.push(Mapping {
            id: MappingId(1),
            ..Mapping::default()
        });
        for l in &mut p.location {
            l.mapping_id = Some(MappingId(1));
        }
    }
}

/// Go's `chunkedGrab`: sources merged 64 at a time, each result merged into the running one.
fn combine_chunked(mut sources: Vec<Profile>) -> Result<Profile> {
    sources.iter_mut().for_each(as_fetched);
    let mut rest = sources.split_off(sources.len().min(CHUNK));
    let mut p = combine_profiles(sources)?;
    while !rest.is_empty() {
        let next = rest.split_off(rest.len().min(CHUNK));
        let chunk = combine_profiles(std::mem::replace(&mut rest, next))?;
        p = combine_profiles(vec![p, chunk])?;
    }
    Ok(p)
}

/// Go's `combineProfiles`: common sample types, common units, then a merge.
fn combine_profiles(mut profiles: Vec<Profile>) -> Result<Profile> {
    compatibilize_sample_types(&mut profiles)?;
    scale_profiles(&mut profiles)?;
    merge_owned(profiles)
}

/// Gives every sample the string label `key=value`, replacing its other values of `key`
/// (google/pprof's `SetLabel`).
fn set_label(p: &mut Profile, key: &str, value: &str) {
    let label = Label::str(key, value);
    for s in &mut p.sample {
        s.label
            .retain(|l| !(*l.key == *key && matches!(l.value, LabelValue::Str(_))));
        s.label.push(label.clone());
    }
}

/// Clears mapping file names that are absolute URLs and have no build id (Go's
/// `unsourceMappings`: pprof's fetcher names mappings of remote profiles after their URL).
fn unsource_mappings(p: &mut Profile) {
    for m in &mut p.mapping {
        if m.build_id.is_empty() && has_url_scheme(&m.filename) {
            m.filename.clear();
        }
    }
}

/// Whether `s` starts with a URL scheme and a colon (`http:`, `file:`), as Go's `url.Parse`
/// sees an absolute URL.
fn has_url_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// pprof's `computeTotal`; see [`Prepared::total`].
fn compute_total(p: &Profile, sel: &SampleSelection) -> i64 {
    let (mut total, mut div, mut diff_total, mut diff_div) = (0i64, 0i64, 0i64, 0i64);
    for s in &p.sample {
        let v = sel.value(s);
        let v = if v < 0 { v.wrapping_neg() } else { v };
        let d = sel.mean_divisor(s).unwrap_or(0);
        total = total.wrapping_add(v);
        div = div.wrapping_add(d);
        if is_diff_base(s) {
            diff_total = diff_total.wrapping_add(v);
            diff_div = diff_div.wrapping_add(d);
        }
    }
    if diff_total > 0 {
        (total, div) = (diff_total, diff_div);
    }
    if div != 0 {
        total.wrapping_div(div)
    } else {
        total
    }
}

/// Whether the sample came from a `-diff_base` profile (google/pprof's `DiffBaseSample`).
pub fn is_diff_base(s: &Sample) -> bool {
    s.label.iter().any(|l| {
        &*l.key == "pprof::base" && matches!(&l.value, LabelValue::Str(v) if &**v == "true")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::merge;

    fn cpu(values: &[(u64, i64)]) -> Profile {
        let mut p = Profile {
            sample_type: vec![ValueType::new("samples", "count")],
            period_type: Some(ValueType::new("cpu", "nanoseconds")),
            period: 10_000_000,
            mapping: vec![Mapping {
                id: MappingId(1),
                memory_limit: 0x1000,
                filename: "/bin/x".into(),
                ..Mapping::default()
            }],
            ..Profile::default()
        };
        for &(loc, v) in values {
            if !p.location.iter().any(|l| l.id.0 == loc) {
                p.location.push(Location {
                    id: LocationId(loc),
                    mapping_id: Some(MappingId(1)),
                    address: loc * 16,
                    ..Location::default()
                });
            }
            p.sample.push(Sample {
                location: vec![LocationId(loc)],
                value: vec![v],
                label: Vec::new(),
            });
        }
        p
    }

    #[test]
    fn base_is_subtracted_and_diff_base_samples_are_labelled() {
        let src = cpu(&[(1, 5), (2, 3)]);
        let base = cpu(&[(1, 2), (2, 3)]);
        let p = combine(
            vec![src.clone()],
            vec![base.clone()],
            &SourceOptions::default(),
        )
        .unwrap();
        // 5-2 at location 1; 3-3 at location 2 cancels out.
        let values: Vec<i64> = p.sample.iter().map(|s| s.value[0]).collect();
        assert_eq!(values, vec![3]);
        let opts = SourceOptions {
            diff_base: true,
            ..SourceOptions::default()
        };
        let p = combine(vec![src], vec![base], &opts).unwrap();
        let values: Vec<(i64, bool)> = p
            .sample
            .iter()
            .map(|s| (s.value[0], is_diff_base(s)))
            .collect();
        assert_eq!(values, vec![(5, false), (3, false), (-2, true), (-3, true)]);
        // Percentages are relative to the base: |-2| + |-3|.
        let prepared = prepare(p, &ReportOptions::default()).unwrap();
        assert_eq!(prepared.total, 5);
    }

    #[test]
    fn sources_beyond_a_chunk_merge_as_one() {
        // 130 sources: chunks of 64, 64 and 2, merged in order, as Go fetches them.
        let sources: Vec<Profile> = (0..130).map(|i| cpu(&[(1 + i % 3, 1)])).collect();
        let refs: Vec<&Profile> = sources.iter().collect();
        let at_once = merge(&refs).unwrap();
        let chunked = combine(sources.clone(), vec![], &SourceOptions::default()).unwrap();
        assert_eq!(chunked, at_once);
        let values: Vec<i64> = chunked.sample.iter().map(|s| s.value[0]).collect();
        // Locations 1, 2, 3 in turn: 44, 43 and 43 samples.
        assert_eq!(values, vec![44, 43, 43]);
    }

    #[test]
    fn normalize_needs_a_base() {
        let opts = SourceOptions {
            normalize: true,
            ..SourceOptions::default()
        };
        let err = combine(vec![cpu(&[(1, 1)])], vec![], &opts).unwrap_err();
        assert_eq!(err.to_string(), "must have base profile to normalize by");
    }

    #[test]
    fn zero_divisor_is_rejected() {
        let opts = ReportOptions {
            divide_by: 0.0,
            ..ReportOptions::default()
        };
        let err = prepare(cpu(&[(1, 1)]), &opts).unwrap_err();
        assert_eq!(err.to_string(), "zero divisor specified");
    }

    #[test]
    fn proto_output_divides_and_truncates() {
        let opts = ReportOptions {
            divide_by: 3.0,
            ..ReportOptions::default()
        };
        let p = prepare(cpu(&[(1, 10), (2, -10)]), &opts)
            .unwrap()
            .into_proto();
        let values: Vec<i64> = p.sample.iter().map(|s| s.value[0]).collect();
        assert_eq!(values, vec![3, -3]);
    }

    #[test]
    fn url_mapping_names_are_cleared() {
        assert!(has_url_scheme("http://host/debug/pprof/profile"));
        assert!(!has_url_scheme("/usr/bin/x"));
        assert!(!has_url_scheme("[vdso]"));
        assert!(!has_url_scheme(":x"));
    }
}
