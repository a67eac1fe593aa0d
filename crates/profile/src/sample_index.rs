//! Choosing the value a report shows: `-sample_index` by name or position, Go's legacy
//! selectors (`-inuse_space`, `-total_delay`, ...), and `-mean`.

use crate::error::{Error, Result};
use crate::model::*;

impl Profile {
    /// The position of the sample type `name` selects, as pprof's `SampleIndexByName`.
    ///
    /// An empty name selects `default_sample_type`, or else the last type. A number selects by
    /// position. A name selects the type of that kind; `inuse_` may be left off a name, so that
    /// `inuse_space` finds the `space` column of older heap profiles.
    ///
    /// # Errors
    ///
    /// [`Error::Option`] for a position out of range or an unknown name (listing the names), and
    /// for a profile without sample types.
    pub fn sample_index_by_name(&self, name: &str) -> Result<usize> {
        if self.sample_type.is_empty() {
            return Err(Error::Option("profile has no samples".into()));
        }
        if name.is_empty() {
            let dflt = &self.default_sample_type;
            let found = self
                .sample_type
                .iter()
                .position(|t| !dflt.is_empty() && t.kind == *dflt);
            return Ok(found.unwrap_or(self.sample_type.len() - 1));
        }
        if let Some(i) = go_atoi(name) {
            let last = self.sample_type.len() - 1;
            return usize::try_from(i)
                .ok()
                .filter(|&i| i <= last)
                .ok_or_else(|| {
                    Error::Option(format!(
                        "sample_index {name} is outside the range [0..{last}]"
                    ))
                });
        }
        let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
        if let Some(i) = self
            .sample_type
            .iter()
            .position(|t| t.kind == name || t.kind == no_inuse)
        {
            return Ok(i);
        }
        let kinds: Vec<&str> = self.sample_type.iter().map(|t| t.kind.as_str()).collect();
        Err(Error::Option(format!(
            "sample_index {name:?} must be one of: [{}]",
            kinds.join(" ")
        )))
    }
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else, within `i64`.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// What one of Go's legacy value flags stands for: the sample index it sets, and whether it
/// also sets `-mean`. `None` if `flag` (without dashes) is not one of them.
///
/// | flag | means |
/// |---|---|
/// | `inuse_space`, `inuse_objects`, `alloc_space`, `alloc_objects` | `-sample_index=<flag>` |
/// | `total_delay` | `-sample_index=delay` |
/// | `contentions` | `-sample_index=contentions` |
/// | `mean_delay` | `-mean -sample_index=delay` |
///
/// When several are given, or one with `-sample_index`, Go keeps the first in the order
/// total_delay, mean_delay, contentions, inuse_space, inuse_objects, alloc_space,
/// alloc_objects (an explicit `-sample_index` before all) and warns
/// `Multiple value selections, ignoring -<flag>`; [`LEGACY_ORDER`] is that order.
pub fn legacy_sample_flag(flag: &str) -> Option<(&'static str, bool)> {
    Some(match flag {
        "total_delay" => ("delay", false),
        "mean_delay" => ("delay", true),
        "contentions" => ("contentions", false),
        "inuse_space" => ("inuse_space", false),
        "inuse_objects" => ("inuse_objects", false),
        "alloc_space" => ("alloc_space", false),
        "alloc_objects" => ("alloc_objects", false),
        _ => return None,
    })
}

/// Go's legacy value flags in the order its driver applies them; see [`legacy_sample_flag`].
pub const LEGACY_ORDER: [&str; 7] = [
    "total_delay",
    "mean_delay",
    "contentions",
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
];

/// The value a report reads from each sample: a column, optionally divided by the event count
/// in column 0 (`-mean`), with its type as reports name it.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSelection {
    /// The selected column.
    pub index: usize,
    /// `-mean`: values are divided by column 0 (the event count) when nodes are summed.
    pub mean: bool,
    /// The selected type; its kind is prefixed with `mean_` under `-mean`, as pprof labels it.
    pub sample_type: ValueType,
}

impl SampleSelection {
    /// Selects the column `sample_index` names in `p` (see [`Profile::sample_index_by_name`]).
    ///
    /// # Errors
    ///
    /// As [`Profile::sample_index_by_name`].
    pub fn new(p: &Profile, sample_index: &str, mean: bool) -> Result<Self> {
        let index = p.sample_index_by_name(sample_index)?;
        let mut sample_type = p.sample_type[index].clone();
        if mean {
            sample_type.kind.insert_str(0, "mean_");
        }
        Ok(SampleSelection {
            index,
            mean,
            sample_type,
        })
    }

    /// The sample's selected value (0 if the sample is short of columns).
    pub fn value(&self, s: &Sample) -> i64 {
        s.value.get(self.index).copied().unwrap_or(0)
    }

    /// Under `-mean`, the sample's event count (column 0) that sums of values are divided by.
    pub fn mean_divisor(&self, s: &Sample) -> Option<i64> {
        self.mean.then(|| s.value.first().copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heap() -> Profile {
        let types = [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ];
        Profile {
            sample_type: types.iter().map(|k| ValueType::new(*k, "count")).collect(),
            ..Profile::default()
        }
    }

    #[test]
    fn empty_index_selects_the_default_type_or_the_last() {
        let mut p = heap();
        assert_eq!(p.sample_index_by_name("").unwrap(), 3);
        p.default_sample_type = "alloc_space".into();
        assert_eq!(p.sample_index_by_name("").unwrap(), 1);
    }

    #[test]
    fn index_selects_by_position_or_name() {
        let p = heap();
        assert_eq!(p.sample_index_by_name("2").unwrap(), 2);
        assert_eq!(p.sample_index_by_name("+0").unwrap(), 0);
        assert_eq!(p.sample_index_by_name("alloc_objects").unwrap(), 0);
        let old = Profile {
            sample_type: vec![
                ValueType::new("objects", "count"),
                ValueType::new("space", "bytes"),
            ],
            ..Profile::default()
        };
        assert_eq!(old.sample_index_by_name("inuse_space").unwrap(), 1);
    }

    // Messages are pprof's for the same mistakes.
    #[test]
    fn bad_indexes_are_explained() {
        let p = heap();
        let err = p.sample_index_by_name("4").unwrap_err().to_string();
        assert_eq!(err, "sample_index 4 is outside the range [0..3]");
        let err = p.sample_index_by_name("-1").unwrap_err().to_string();
        assert_eq!(err, "sample_index -1 is outside the range [0..3]");
        let err = p.sample_index_by_name("delay").unwrap_err().to_string();
        assert_eq!(
            err,
            "sample_index \"delay\" must be one of: [alloc_objects alloc_space inuse_objects inuse_space]"
        );
        let err = Profile::default().sample_index_by_name("").unwrap_err();
        assert_eq!(err.to_string(), "profile has no samples");
    }

    #[test]
    fn mean_selection_names_the_type_and_divides_by_column_zero() {
        let p = Profile {
            sample_type: vec![
                ValueType::new("contentions", "count"),
                ValueType::new("delay", "nanoseconds"),
            ],
            ..Profile::default()
        };
        let (index, mean) = legacy_sample_flag("mean_delay").unwrap();
        let sel = SampleSelection::new(&p, index, mean).unwrap();
        assert_eq!(sel.index, 1);
        assert_eq!(sel.sample_type, ValueType::new("mean_delay", "nanoseconds"));
        let s = Sample {
            value: vec![4, 100],
            ..Sample::default()
        };
        assert_eq!((sel.value(&s), sel.mean_divisor(&s)), (100, Some(4)));
    }
}
