//! The in-memory model of profile.proto.
//!
//! Field names follow google/pprof's `profile` package so Go readers feel at home. String-table
//! indices never appear here: every string is resolved on decode and interned again on encode.

use std::sync::Arc;

/// A profile: samples with their stacks, and the tables those stacks point into.
///
/// Mirrors `perftools.profiles.Profile`. The `location`, `function` and `mapping` tables are
/// referenced by id (never by position), exactly as in the wire format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// One entry per value column of every sample (`samples/count`, `cpu/nanoseconds`, ...).
    pub sample_type: Vec<ValueType>,
    /// The preferred sample type's `type`; empty means "the last one", as pprof reads it.
    pub default_sample_type: String,
    /// The samples, in file order.
    pub sample: Vec<Sample>,
    /// Binaries and libraries the addresses fall into; the first is the main binary.
    pub mapping: Vec<Mapping>,
    /// Stack frames (an address and its possibly inlined source lines).
    pub location: Vec<Location>,
    /// Functions named by the locations' lines.
    pub function: Vec<Function>,
    /// Free-form human-readable notes; the profile must mean the same without them.
    pub comments: Vec<String>,
    /// Regexp: frames whose function fully matches are dropped along with their callees.
    pub drop_frames: String,
    /// Regexp: frames that match are kept even if they match `drop_frames`.
    pub keep_frames: String,
    /// When the profile was collected, in nanoseconds since the Unix epoch (0 if unknown).
    pub time_nanos: i64,
    /// How long the collection ran, in nanoseconds (0 if unknown).
    pub duration_nanos: i64,
    /// The kind of event between samples (`cpu/nanoseconds`, `space/bytes`), if any.
    pub period_type: Option<ValueType>,
    /// The number of `period_type` events between sampled occurrences.
    pub period: i64,
    /// An absolute URL documenting this kind of profile (empty if none).
    pub doc_url: String,
}

/// A value column's kind and unit, such as `cpu` / `nanoseconds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ValueType {
    /// The kind of value: `cpu`, `samples`, `inuse_space`, `contentions`...
    pub kind: String,
    /// Its unit: `nanoseconds`, `count`, `bytes`...
    pub unit: String,
}

impl ValueType {
    /// A value type from its kind and unit.
    pub fn new(kind: impl Into<String>, unit: impl Into<String>) -> Self {
        ValueType {
            kind: kind.into(),
            unit: unit.into(),
        }
    }
}

/// One measurement: a stack (leaf first), one value per sample type, and labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Location ids, leaf first: `location[0]` is where the sample was taken.
    pub location: Vec<LocationId>,
    /// One value per entry of [`Profile::sample_type`].
    pub value: Vec<i64>,
    /// Labels in file order.
    pub label: Vec<Label>,
}

/// A key with either a string or a numeric value (the numeric one with an optional unit).
///
/// Strings are shared `Arc<str>` so that a label repeated on a million samples costs a pointer
/// each, not a copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// The label's key, e.g. `thread` or `bytes`.
    pub key: Arc<str>,
    /// The value: a string or a number.
    pub value: LabelValue,
}

/// The value of a [`Label`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LabelValue {
    /// A string value (`Label.str`).
    Str(Arc<str>),
    /// A numeric value with its unit (`Label.num`, `Label.num_unit`; the unit may be empty).
    Num {
        /// The number.
        num: i64,
        /// Its unit, such as `bytes`; empty when the producer gave none.
        unit: Arc<str>,
    },
}

impl Label {
    /// A string label, as `pprof.Do` attaches them.
    pub fn str(key: &str, value: &str) -> Self {
        Label {
            key: key.into(),
            value: LabelValue::Str(value.into()),
        }
    }

    /// A numeric label with a unit (empty for none).
    pub fn num(key: &str, num: i64, unit: &str) -> Self {
        Label {
            key: key.into(),
            value: LabelValue::Num {
                num,
                unit: unit.into(),
            },
        }
    }
}

/// Identifies a [`Mapping`] within its profile; never zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MappingId(pub u64);

/// Identifies a [`Location`] within its profile; never zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocationId(pub u64);

/// Identifies a [`Function`] within its profile; never zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionId(pub u64);

/// A range of the address space holding a binary or library, with what is known of its symbols.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Mapping {
    /// The mapping's id, unique and non-zero.
    pub id: MappingId,
    /// First address of the range.
    pub memory_start: u64,
    /// One past the last address of the range.
    pub memory_limit: u64,
    /// Offset in the file that `memory_start` maps.
    pub file_offset: u64,
    /// Path of the binary or library, or a pseudo name such as `[vdso]`.
    pub filename: String,
    /// The binary's build id (hex for ELF GNU build ids), empty if unknown.
    pub build_id: String,
    /// Every location in this mapping has function names.
    pub has_functions: bool,
    /// Every location in this mapping has file names.
    pub has_filenames: bool,
    /// Every location in this mapping has line numbers.
    pub has_line_numbers: bool,
    /// Every location in this mapping has its inline frames expanded.
    pub has_inline_frames: bool,
}

/// One stack frame: an address and the source lines it stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The location's id, unique and non-zero.
    pub id: LocationId,
    /// The mapping the address falls into, if known.
    pub mapping_id: Option<MappingId>,
    /// The instruction address (for callers, an address within the call instruction).
    pub address: u64,
    /// Source lines, innermost inlined callee first, the real (outermost) function last.
    pub line: Vec<Line>,
    /// Identical code folding merged several functions into this one address.
    pub is_folded: bool,
}

/// A source line within a function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Line {
    /// The function this line belongs to; `None` for a line with no function.
    pub function_id: Option<FunctionId>,
    /// The line number, or 0 if unknown.
    pub line: i64,
    /// The column number, or 0 if unknown.
    pub column: i64,
}

/// A function: its names, its file and the line it starts on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Function {
    /// The function's id, unique and non-zero.
    pub id: FunctionId,
    /// The human-readable name (demangled for C++ and Rust).
    pub name: String,
    /// The name as the system knows it (mangled for C++ and Rust).
    pub system_name: String,
    /// The source file holding the function.
    pub filename: String,
    /// The line the function starts on, or 0 if unknown.
    pub start_line: i64,
}
