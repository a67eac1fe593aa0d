//! go tool pprof's sample filters: `-focus`, `-ignore`, `-hide`, `-show`, `-show_from`,
//! `-tagfocus`, `-tagignore`, `-tagshow`, `-taghide` and `-prune_from`, with google/pprof's
//! semantics (`profile/filter.go`, `profile/prune.go`, `internal/driver/driver_focus.go`).
//!
//! # Design
//!
//! [`apply_filters`] is the one entry point: it compiles every option first (so a bad one is an
//! error before the profile is touched), then applies them in the driver's order and returns
//! the warnings pprof would print, worded as pprof words them.
//!
//! Name filters match a *location*: any of its lines' function names or file names, or its
//! mapping's file name, unanchored, as Go's `regexp.MatchString`. Each function and each
//! mapping is matched at most once per regexp, and each location once; samples then look up
//! per-location flags by id, so the cost of a filter is one pass over the location table plus
//! one integer lookup per frame.
//!
//! Like pprof, the filters edit locations in place: `-hide`, `-show`, `-show_from` and
//! `-prune_from` remove lines from the locations they match, for every sample that uses them.

use std::collections::HashMap;

use regex::Regex;

use crate::error::{Error, Result};
use crate::model::*;
use crate::tagfilter::TagFilter;

/// The filter options of go tool pprof, each `None` (or empty) when not given.
///
/// The fields hold the option values as typed on pprof's command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `-focus`: keep samples with at least one frame matching.
    pub focus: Option<String>,
    /// `-ignore`: drop samples with any frame matching.
    pub ignore: Option<String>,
    /// `-hide`: drop matching frames from every stack (the samples stay).
    pub hide: Option<String>,
    /// `-show`: keep only matching frames in every stack (the samples stay).
    pub show: Option<String>,
    /// `-show_from`: drop frames rootward of the rootmost matching frame.
    pub show_from: Option<String>,
    /// `-prune_from`: drop frames leafward of the leafmost matching frame.
    pub prune_from: Option<String>,
    /// `-tagfocus`: keep samples whose labels match (`regex`, `key=regex[,regex]`, `1kb:`...).
    pub tagfocus: Option<String>,
    /// `-tagignore`: drop samples whose labels match, in `-tagfocus` syntax.
    pub tagignore: Option<String>,
    /// `-tagshow`: keep only labels whose key matches.
    pub tagshow: Option<String>,
    /// `-taghide`: drop labels whose key matches.
    pub taghide: Option<String>,
}

/// Applies `filters` to `p` as go tool pprof does, returning the warnings pprof prints.
///
/// The order is the driver's: focus, ignore, hide and show (`FilterSamplesByName`), then
/// show_from, then tagfocus and tagignore, then tagshow and taghide, then prune_from.
/// Like pprof, this always drops samples that have no locations, even with no option given.
///
/// Warnings are in pprof's words and order: first `tagfocus:Interpreted '1kb' as range, not
/// regexp` notes, then `Focus expression matched no samples` and its siblings (`Ignore`,
/// `Hide`, `Show`, `ShowFrom`, `TagFocus`, `TagIgnore`, `TagShow`, `TagHide`). The name
/// filters' warnings look at the location table, as pprof's do; go tool pprof has merged the
/// profile by then (see [`merge`](crate::merge)), which leaves only locations samples use.
///
/// Regexps are read with Go's syntax and matched unanchored, as go tool pprof reads them.
///
/// # Example
///
/// ```
/// use sextant_profile::{Filters, Profile, apply_filters};
///
/// # fn main() -> sextant_profile::Result<()> {
/// let mut p = Profile::default();
/// let filters = Filters {
///     focus: Some("main\\.handle".into()),
///     tagfocus: Some("bytes=1kb:".into()),
///     ..Filters::default()
/// };
/// let warnings = apply_filters(&mut p, &filters)?;
/// assert_eq!(
///     warnings,
///     [
///         "tagfocus:Interpreted '1kb:' as range, not regexp",
///         "Focus expression matched no samples",
///         "TagFocus expression matched no samples",
///     ]
/// );
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`Error::Regex`] naming the option whose regexp does not compile, or [`Error::Option`] for
/// a numeric tag filter whose number does not fit 64 bits (Go's pprof crashes on those).
/// Nothing is changed when an error is returned.
pub fn apply_filters(p: &mut Profile, filters: &Filters) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let focus = compile_option("focus", &filters.focus)?;
    let ignore = compile_option("ignore", &filters.ignore)?;
    let hide = compile_option("hide", &filters.hide)?;
    let show = compile_option("show", &filters.show)?;
    let show_from = compile_option("show_from", &filters.show_from)?;
    let tagfocus = TagFilter::compile_option("tagfocus", &filters.tagfocus, &mut warnings)?;
    let tagignore = TagFilter::compile_option("tagignore", &filters.tagignore, &mut warnings)?;
    let prune_from = compile_option("prune_from", &filters.prune_from)?;
    let tagshow = compile_option("tagshow", &filters.tagshow)?;
    let taghide = compile_option("taghide", &filters.taghide)?;
    // pprof infers label units before any filter runs, from every sample.
    let numeric = [&tagfocus, &tagignore]
        .iter()
        .any(|f| f.as_ref().is_some_and(TagFilter::is_numeric));
    let units = match numeric {
        true => p.num_label_units().0,
        false => HashMap::new(),
    };

    let m = p.filter_samples_by_name(
        focus.as_ref(),
        ignore.as_ref(),
        hide.as_ref(),
        show.as_ref(),
    );
    warn_no_matches(&mut warnings, focus.is_none() || m.focus, "Focus");
    warn_no_matches(&mut warnings, ignore.is_none() || m.ignore, "Ignore");
    warn_no_matches(&mut warnings, hide.is_none() || m.hide, "Hide");
    warn_no_matches(&mut warnings, show.is_none() || m.show, "Show");

    if let Some(re) = &show_from {
        let matched = p.show_from(re);
        warn_no_matches(&mut warnings, matched, "ShowFrom");
    }

    let (tf, ti) = p.filter_samples_by_tag(tagfocus.as_ref(), tagignore.as_ref(), &units);
    warn_no_matches(&mut warnings, tagfocus.is_none() || tf, "TagFocus");
    warn_no_matches(&mut warnings, tagignore.is_none() || ti, "TagIgnore");

    let (ts, th) = p.filter_tags_by_name(tagshow.as_ref(), taghide.as_ref());
    warn_no_matches(&mut warnings, tagshow.is_none() || ts, "TagShow");
    warn_no_matches(&mut warnings, taghide.is_none() || th, "TagHide");

    if let Some(re) = &prune_from {
        p.prune_from(re);
    }
    Ok(warnings)
}

/// Compiles an option's regexp as pprof's `compileRegexOption`: empty means absent.
///
/// # Errors
///
/// [`Error::Regex`] naming `option` when the regexp does not compile.
pub fn compile_option(option: &str, value: &Option<String>) -> Result<Option<Regex>> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(v) => compile_regex(option, v).map(Some),
    }
}

/// Compiles a regexp in Go's syntax, read as Go's `regexp.Compile` reads it (ASCII `\d \w \s
/// \b`, a literal `{` where no repeat can start, a literal `\<`), for `option`.
///
/// # Errors
///
/// [`Error::Regex`] naming `option` when `expr` does not compile.
pub fn compile_regex(option: &str, expr: &str) -> Result<Regex> {
    let error = |message: String| Error::Regex {
        option: option.to_string(),
        message,
    };
    if let Some(message) = crate::goregexp::go_syntax_error(expr) {
        return Err(error(message));
    }
    Regex::new(&crate::goregexp::translate(expr)).map_err(|e| {
        // What Go's parser would have accepted but `regex` does not (unknown Unicode class
        // names, nesting or size limits): its complaint, in the shape of Go's message.
        let why = match &e {
            regex::Error::CompiledTooBig(_) => "expression too large".to_string(),
            e => {
                let text = e.to_string();
                let last = text.lines().last().unwrap_or_default();
                last.strip_prefix("error: ").unwrap_or(last).to_string()
            }
        };
        error(format!("error parsing regexp: {why}: `{expr}`"))
    })
}

fn warn_no_matches(warnings: &mut Vec<String>, matched: bool, option: &str) {
    if !matched {
        warnings.push(format!("{option} expression matched no samples"));
    }
}

/// Which of the four name filters of [`Profile::filter_samples_by_name`] matched a location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameMatches {
    /// Some location matched `focus` (always true when there is no focus).
    pub focus: bool,
    /// Some location matched `ignore`.
    pub ignore: bool,
    /// Some location matched `hide`.
    pub hide: bool,
    /// Some location kept a line under `show`.
    pub show: bool,
}

/// Per-location verdict of the focus and ignore regexps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Unmatched,
    Focused,
    Ignored,
}

impl Profile {
    /// Keeps samples with a frame matching `focus` and none matching `ignore`, removes frames
    /// matching `hide` and frames not matching `show` (google/pprof's `FilterSamplesByName`).
    ///
    /// A frame is a location; it matches when one of its lines' function names or file names,
    /// or its mapping's file, matches. `hide` and `show` work line by line, so an inlined frame
    /// can lose some of its lines; a location left without lines disappears from the stacks,
    /// and a sample left without frames is dropped. Samples without frames are always dropped.
    pub fn filter_samples_by_name(
        &mut self,
        focus: Option<&Regex>,
        ignore: Option<&Regex>,
        hide: Option<&Regex>,
        show: Option<&Regex>,
    ) -> NameMatches {
        let mut m = NameMatches::default();
        let names = NameIndex::new(self, &[focus, ignore, hide, show]);
        let (fi, ii, hi, si) = (0, 1, 2, 3);
        let mut verdict = IdMap::with_capacity(self.location.len(), Verdict::Unmatched);
        let mut hidden = IdMap::with_capacity(self.location.len(), false);
        let mut any_hidden = false;
        for loc in &mut self.location {
            let v = if ignore.is_some() && names.location_matches(ii, loc) {
                m.ignore = true;
                Verdict::Ignored
            } else if focus.is_none() || names.location_matches(fi, loc) {
                m.focus = true;
                Verdict::Focused
            } else {
                Verdict::Unmatched
            };
            verdict.insert(loc.id.0, v);
            let mut gone = false;
            if hide.is_some() && names.location_matches(hi, loc) {
                m.hide = true;
                names.retain_lines(hi, loc, false);
                gone = loc.line.is_empty();
            }
            if show.is_some() {
                names.retain_lines(si, loc, true);
                gone = loc.line.is_empty();
                m.show |= !gone;
            }
            if gone {
                hidden.insert(loc.id.0, true);
                any_hidden = true;
            }
        }
        self.sample.retain_mut(|s| {
            if !focused_and_not_ignored(&s.location, &verdict) {
                return false;
            }
            if any_hidden {
                s.location.retain(|id| !hidden.get(id.0));
            }
            !s.location.is_empty()
        });
        m
    }

    /// Drops the frames rootward of each sample's rootmost frame matching `re`, and the
    /// samples with no matching frame (google/pprof's `ShowFrom`). Returns whether any location
    /// matched.
    ///
    /// A location matches through its mapping's file (and keeps all its lines), or through the
    /// outermost line whose function name or file name matches (and loses the lines outside it).
    pub fn show_from(&mut self, re: &Regex) -> bool {
        let names = NameIndex::new(self, &[Some(re)]);
        let r = 0;
        let mut matched = false;
        let mut show = IdMap::with_capacity(self.location.len(), false);
        for loc in &mut self.location {
            let hit = if names.mapping_matches(r, loc) {
                true
            } else if let Some(i) = loc.line.iter().rposition(|l| names.line_matches(r, l)) {
                loc.line.truncate(i + 1);
                true
            } else {
                false
            };
            if hit {
                show.insert(loc.id.0, true);
                matched = true;
            }
        }
        self.sample
            .retain_mut(|s| match s.location.iter().rposition(|id| show.get(id.0)) {
                Some(i) => {
                    s.location.truncate(i + 1);
                    true
                }
                None => false,
            });
        matched
    }

    /// Keeps only the labels whose key matches `show` and not `hide` (google/pprof's
    /// `FilterTagsByName`). Returns whether any key matched `show` and whether any matched
    /// `hide`; with no `show`, every key counts as matching it.
    pub fn filter_tags_by_name(
        &mut self,
        show: Option<&Regex>,
        hide: Option<&Regex>,
    ) -> (bool, bool) {
        let (mut sm, mut hm) = (false, false);
        if show.is_none() && hide.is_none() {
            // Nothing is removed; pprof still reports a match for the absent show.
            sm = self.sample.iter().any(|s| !s.label.is_empty());
            return (sm, hm);
        }
        // Decided once per distinct key: (keep, matched show, matched hide).
        let mut keys: HashMap<std::sync::Arc<str>, (bool, bool, bool)> = HashMap::new();
        for s in &mut self.sample {
            s.label.retain(|l| {
                let (keep, ms, mh) = match keys.get(&*l.key) {
                    Some(k) => *k,
                    None => {
                        let ms = show.is_none_or(|r| r.is_match(&l.key));
                        let mh = hide.is_some_and(|r| r.is_match(&l.key));
                        let k = (ms && !mh, ms, mh);
                        keys.insert(l.key.clone(), k);
                        k
                    }
                };
                sm |= ms;
                hm |= mh;
                keep
            });
        }
        (sm, hm)
    }
}

/// pprof's `focusedAndNotIgnored`: some frame focused and none ignored.
fn focused_and_not_ignored(locs: &[LocationId], verdict: &IdMap<Verdict>) -> bool {
    let mut focused = false;
    for id in locs {
        match verdict.get(id.0) {
            Verdict::Ignored => return false,
            Verdict::Focused => focused = true,
            Verdict::Unmatched => {}
        }
    }
    focused
}

/// The verdicts of up to eight regexps on every function and mapping, matched once each, so
/// that locations sharing a function share the work. Bit `r` is regexp `r`'s verdict.
#[derive(Debug)]
pub(crate) struct NameIndex {
    /// Function id -> which regexps match its name or file name.
    functions: IdMap<Option<u8>>,
    /// Mapping id -> which regexps match its file name.
    mappings: IdMap<u8>,
}

impl NameIndex {
    /// Matches `regexps` (at most eight) against `p`'s functions and mappings.
    pub(crate) fn new(p: &Profile, regexps: &[Option<&Regex>]) -> Self {
        debug_assert!(regexps.len() <= 8);
        let bits = |texts: &[&str]| {
            let mut b = 0u8;
            for (i, re) in regexps.iter().enumerate() {
                if re.is_some_and(|re| texts.iter().any(|t| re.is_match(t))) {
                    b |= 1 << i;
                }
            }
            b
        };
        let mut functions = IdMap::with_capacity(p.function.len(), None);
        for f in &p.function {
            functions.insert(f.id.0, Some(bits(&[&f.name, &f.filename])));
        }
        let mut mappings = IdMap::with_capacity(p.mapping.len(), 0);
        for m in &p.mapping {
            mappings.insert(m.id.0, bits(&[&m.filename]));
        }
        NameIndex {
            functions,
            mappings,
        }
    }

    /// The regexps matching the line's function, or `None` for a line without a function.
    fn line_bits(&self, line: &Line) -> Option<u8> {
        self.functions.get(line.function_id?.0)
    }

    /// Whether the line's function exists and its name or file matches regexp `r`.
    pub(crate) fn line_matches(&self, r: usize, line: &Line) -> bool {
        self.line_bits(line).is_some_and(|b| b & (1 << r) != 0)
    }

    /// Whether the location's mapping exists and its file matches regexp `r`.
    pub(crate) fn mapping_matches(&self, r: usize, loc: &Location) -> bool {
        loc.mapping_id
            .is_some_and(|m| self.mappings.get(m.0) & (1 << r) != 0)
    }

    /// pprof's `matchesName`: any line matches, or the mapping does.
    fn location_matches(&self, r: usize, loc: &Location) -> bool {
        loc.line.iter().any(|l| self.line_matches(r, l)) || self.mapping_matches(r, loc)
    }

    /// pprof's `matchedLines` (`keep_matching`) or `unmatchedLines` (not): lines without a
    /// function are always kept; a matching mapping keeps all lines, or none.
    fn retain_lines(&self, r: usize, loc: &mut Location, keep_matching: bool) {
        if self.mapping_matches(r, loc) {
            if !keep_matching {
                loc.line.clear();
            }
            return;
        }
        loc.line.retain(|l| match self.line_bits(l) {
            None => true,
            Some(b) => (b & (1 << r) != 0) == keep_matching,
        });
    }
}

/// A map from ids to small values: dense (a vector indexed by id) for ids up to a limit set
/// by the table size, as Go numbers them 1..n, and hashed beyond it.
#[derive(Debug)]
pub(crate) struct IdMap<T: Copy> {
    dense: Vec<T>,
    sparse: HashMap<u64, T>,
    limit: u64,
    default: T,
}

/// Ids up to this multiple of the table size are stored densely: a few unused slots cost
/// less than hashing every lookup.
const DENSE_SLACK: u64 = 4;

impl<T: Copy> IdMap<T> {
    /// An empty map for a table of `len` entries; absent ids read as `default`.
    pub(crate) fn with_capacity(len: usize, default: T) -> Self {
        IdMap {
            dense: Vec::new(),
            sparse: HashMap::new(),
            limit: (len as u64 + 16).saturating_mul(DENSE_SLACK),
            default,
        }
    }

    pub(crate) fn insert(&mut self, id: u64, v: T) {
        if id < self.limit {
            let i = id as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, self.default);
            }
            self.dense[i] = v;
        } else {
            self.sparse.insert(id, v);
        }
    }

    pub(crate) fn get(&self, id: u64) -> T {
        if id < self.limit {
            self.dense.get(id as usize).copied().unwrap_or(self.default)
        } else {
            self.sparse.get(&id).copied().unwrap_or(self.default)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A profile whose location `i + 1` holds the functions `locs[i]` (innermost first), each
    /// function `f` in file `f.go`, every location in mapping 1 (`/bin/app`); samples are
    /// (location ids leaf first, value).
    pub(crate) fn profile(locs: &[&[&str]], samples: &[(&[u64], i64)]) -> Profile {
        let mut p = Profile {
            sample_type: vec![ValueType::new("samples", "count")],
            ..Profile::default()
        };
        p.mapping.push(Mapping {
            id: MappingId(1),
            filename: "/bin/app".into(),
            ..Mapping::default()
        });
        for (i, names) in locs.iter().enumerate() {
            let mut line = Vec::new();
            for name in *names {
                let id = match p.function.iter().find(|f| f.name == *name) {
                    Some(f) => f.id,
                    None => {
                        let id = FunctionId(p.function.len() as u64 + 1);
                        p.function.push(Function {
                            id,
                            name: name.to_string(),
                            system_name: name.to_string(),
                            filename: format!("{name}.go"),
                            start_line: 0,
                        });
                        id
                    }
                };
                line.push(Line {
                    function_id: Some(id),
                    line: 1,
                    column: 0,
                });
            }
            p.location.push(Location {
                id: LocationId(i as u64 + 1),
                mapping_id: Some(MappingId(1)),
                address: 0x1000 + i as u64,
                line,
                is_folded: false,
            });
        }
        for (ids, v) in samples {
            p.sample.push(Sample {
                location: ids.iter().map(|i| LocationId(*i)).collect(),
                value: vec![*v],
                label: Vec::new(),
            });
        }
        p
    }

    /// Each sample as its stack of function names, leaf first, inlined lines expanded.
    pub(crate) fn stacks(p: &Profile) -> Vec<Vec<String>> {
        let name = |id: FunctionId| {
            let f = p.function.iter().find(|f| f.id == id);
            f.map_or("??".to_string(), |f| f.name.clone())
        };
        p.sample
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                for id in &s.location {
                    let loc = p.location.iter().find(|l| l.id == *id).unwrap();
                    out.extend(loc.line.iter().map(|l| name(l.function_id.unwrap())));
                }
                out
            })
            .collect()
    }

    fn opts(f: impl FnOnce(&mut Filters)) -> Filters {
        let mut x = Filters::default();
        f(&mut x);
        x
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    /// Stacks: main>a>b, main>c, main>a(with c inlined into a... not here)>d.
    fn three() -> Profile {
        profile(
            &[&["main"], &["a"], &["b"], &["c"], &["d"]],
            &[(&[3, 2, 1], 10), (&[4, 1], 20), (&[5, 2, 1], 30)],
        )
    }

    #[test]
    fn focus_keeps_samples_with_a_matching_frame() {
        let mut p = three();
        let w = apply_filters(&mut p, &opts(|f| f.focus = some("^a$"))).unwrap();
        assert!(w.is_empty());
        // Samples 1 and 3 pass through a; sample 2 (main>c) does not.
        assert_eq!(stacks(&p), [["b", "a", "main"], ["d", "a", "main"]]);
    }

    #[test]
    fn focus_matches_unanchored_on_names_files_and_mappings() {
        // "d.go" is d's file: a substring match on it selects the third sample only.
        let mut p = three();
        apply_filters(&mut p, &opts(|f| f.focus = some(r"d\.go"))).unwrap();
        assert_eq!(p.sample.len(), 1);
        assert_eq!(p.sample[0].value, [30]);
        // Every location is in /bin/app, so the mapping matches every sample.
        let mut p = three();
        apply_filters(&mut p, &opts(|f| f.focus = some("bin/ap"))).unwrap();
        assert_eq!(p.sample.len(), 3);
    }

    #[test]
    fn ignore_wins_over_focus() {
        // a is focused in samples 1 and 3, but sample 3 also has the ignored d.
        let mut p = three();
        let w = apply_filters(
            &mut p,
            &opts(|f| {
                f.focus = some("^a$");
                f.ignore = some("^d$");
            }),
        )
        .unwrap();
        assert!(w.is_empty());
        assert_eq!(stacks(&p), [["b", "a", "main"]]);
    }

    #[test]
    fn a_location_matching_both_focus_and_ignore_is_ignored() {
        let mut p = three();
        let f = opts(|f| {
            f.focus = some("^b$");
            f.ignore = some("^b$");
        });
        apply_filters(&mut p, &f).unwrap();
        assert!(p.sample.is_empty());
    }

    #[test]
    fn hide_removes_frames_and_empty_samples() {
        let mut p = profile(
            &[&["main"], &["a"], &["b"]],
            &[(&[3, 2, 1], 1), (&[2], 2), (&[1], 3)],
        );
        let w = apply_filters(&mut p, &opts(|f| f.hide = some("^a$"))).unwrap();
        assert!(w.is_empty());
        // The second sample held only a, so it goes; the others lose a.
        assert_eq!(stacks(&p), vec![vec!["b", "main"], vec!["main"]]);
    }

    #[test]
    fn show_keeps_only_matching_lines() {
        // Location 2 holds b inlined into a: show=^a keeps a's line and drops b's.
        let mut p = profile(&[&["main"], &["b", "a"]], &[(&[2, 1], 1), (&[1], 2)]);
        let w = apply_filters(&mut p, &opts(|f| f.show = some("^a"))).unwrap();
        assert!(w.is_empty());
        // main is hidden (no matching line), so the second sample is left empty and dropped.
        assert_eq!(stacks(&p), [["a"]]);
        assert_eq!(p.location[1].line.len(), 1);
    }

    #[test]
    fn hide_by_mapping_file_empties_the_location() {
        let mut p = three();
        let w = apply_filters(&mut p, &opts(|f| f.hide = some("/bin/app"))).unwrap();
        // Every location is in the hidden mapping, so every sample is dropped.
        assert!(w.is_empty());
        assert!(p.sample.is_empty());
    }

    #[test]
    fn filters_drop_samples_without_locations_even_when_empty() {
        let mut p = profile(&[&["main"]], &[(&[], 5), (&[1], 7)]);
        let w = apply_filters(&mut p, &Filters::default()).unwrap();
        assert!(w.is_empty());
        assert_eq!(p.sample.len(), 1);
        assert_eq!(p.sample[0].value, [7]);
    }

    #[test]
    fn unmatched_options_warn_in_pprof_words_and_order() {
        let mut p = three();
        let f = opts(|f| {
            f.focus = some("zzz");
            f.ignore = some("yyy");
            f.hide = some("xxx");
            f.show = some("www");
            f.show_from = some("vvv");
            f.tagfocus = some("k=v");
            f.tagignore = some("u");
            f.tagshow = some("t");
            f.taghide = some("s");
        });
        let w = apply_filters(&mut p, &f).unwrap();
        let want: Vec<String> = [
            "Focus",
            "Ignore",
            "Hide",
            "Show",
            "ShowFrom",
            "TagFocus",
            "TagIgnore",
            "TagShow",
            "TagHide",
        ]
        .iter()
        .map(|o| format!("{o} expression matched no samples"))
        .collect();
        assert_eq!(w, want);
    }

    #[test]
    fn focus_warning_looks_at_locations_not_samples() {
        // Location 3 (b) is used by no sample, yet pprof counts it as a focus match.
        let mut p = profile(&[&["main"], &["a"], &["b"]], &[(&[2, 1], 1)]);
        let w = apply_filters(&mut p, &opts(|f| f.focus = some("^b$"))).unwrap();
        assert!(w.is_empty());
        assert!(p.sample.is_empty());
    }

    #[test]
    fn show_from_cuts_above_the_rootmost_match() {
        // pprof's doc example: frames [A, B, C, B] with A the root.
        let p0 = profile(&[&["A"], &["B"], &["C"]], &[(&[2, 3, 2, 1], 1)]);
        for (re, want) in [
            ("A", vec!["B", "C", "B", "A"]),
            ("B", vec!["B", "C", "B"]),
            ("C", vec!["B", "C"]),
        ] {
            let mut p = p0.clone();
            let w = apply_filters(&mut p, &opts(|f| f.show_from = some(re))).unwrap();
            assert!(w.is_empty());
            assert_eq!(stacks(&p), [want]);
        }
        let mut p = p0.clone();
        let w = apply_filters(&mut p, &opts(|f| f.show_from = some("D"))).unwrap();
        assert_eq!(w, ["ShowFrom expression matched no samples"]);
        assert!(p.sample.is_empty());
    }

    #[test]
    fn show_from_trims_lines_outside_the_match_in_an_inlined_location() {
        // Location 1 holds c inlined into b inlined into a; show_from=b drops a's line.
        let mut p = profile(&[&["c", "b", "a"]], &[(&[1], 1)]);
        apply_filters(&mut p, &opts(|f| f.show_from = some("^b$"))).unwrap();
        assert_eq!(stacks(&p), [["c", "b"]]);
    }

    #[test]
    fn tagshow_and_taghide_filter_label_keys() {
        let mut p = three();
        for s in &mut p.sample {
            s.label = vec![
                Label::str("endpoint", "/x"),
                Label::str("worker", "1"),
                Label::num("bytes", 8, ""),
            ];
        }
        let w = apply_filters(
            &mut p,
            &opts(|f| {
                f.tagshow = some("e");
                f.taghide = some("^b");
            }),
        )
        .unwrap();
        assert!(w.is_empty());
        // endpoint, worker and bytes all contain an "e", but bytes also matches the hide.
        for s in &p.sample {
            assert_eq!(
                s.label,
                [Label::str("endpoint", "/x"), Label::str("worker", "1")]
            );
        }
    }

    #[test]
    fn bad_regexps_name_their_option_and_leave_the_profile_alone() {
        let mut p = three();
        let before = p.clone();
        let err = apply_filters(
            &mut p,
            &opts(|f| {
                f.focus = some("a");
                f.taghide = some("(");
            }),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Regex { option, .. } if option == "taghide"),
            "{err}"
        );
        assert!(err.to_string().contains("taghide"));
        assert_eq!(p, before);
    }
}
