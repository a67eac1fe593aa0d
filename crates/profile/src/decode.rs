//! Decoding profile.proto: gzip or raw bytes in, a resolved [`Profile`] out.
//!
//! Go writes the string table last, so decoding is two steps: read every message with its raw
//! string indices, then resolve the indices against the table. Every index is checked; an
//! out-of-range one names its field path.

use std::io::Read;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::*;
use crate::wire::{Reader, Value, WireError};

/// Parses a profile from gzip-compressed or raw profile.proto bytes, and validates it.
pub(crate) fn parse(data: &[u8]) -> Result<Profile> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        let mut raw = Vec::with_capacity(gzip_size_hint(data));
        flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut raw)
            .map_err(Error::Gzip)?;
        if raw.is_empty() {
            return Err(Error::Empty);
        }
        return parse_uncompressed(&raw);
    }
    parse_uncompressed(data)
}

/// The uncompressed size a gzip stream announces in its trailer (ISIZE, the size mod 2^32),
/// trusted only as far as deflate can expand (at most 1032:1), so a forged trailer cannot make
/// us reserve more than the input could hold. Reading into a buffer of the right size avoids
/// the copies and the doubled peak of a growing one.
fn gzip_size_hint(data: &[u8]) -> usize {
    let Some(trailer) = data.len().checked_sub(4).map(|at| &data[at..]) else {
        return 0;
    };
    let isize = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]) as usize;
    isize.min(data.len().saturating_mul(1032))
}

/// Parses raw (not gzip-compressed) profile.proto bytes, and validates the result.
pub(crate) fn parse_uncompressed(data: &[u8]) -> Result<Profile> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    let decoded = match RawProfile::decode(Reader::new(data, 0)) {
        Ok(raw) => raw.resolve(),
        Err(e) if e.err.what == "concatenated profiles detected" => return Err(explain(data, e)),
        Err(e) => Err(explain(data, e)),
    };
    let profile = match decoded {
        Ok(p) => p,
        // As pprof's ParseData: what does not decode (or resolve) as protobuf may be a legacy
        // profile; if it is none, the protobuf error stands.
        Err(e) => {
            return match crate::legacy::parse(data) {
                Ok(p) => Ok(p),
                Err(crate::legacy::Failure::Bad(legacy)) => Err(legacy),
                Err(crate::legacy::Failure::Unrecognized) => Err(e),
            };
        }
    };
    profile.check_valid()?;
    Ok(profile)
}

/// Turns a wire error into the error a user should see: text input is named as such.
fn explain(data: &[u8], e: PathError) -> Error {
    if let Some(looks_like) = describe_text(data) {
        return Error::NotAProfile { looks_like };
    }
    Error::Malformed {
        offset: e.err.offset,
        path: e.path,
        what: e.err.what.to_string(),
    }
}

/// If `data` looks like text, a short description of it.
fn describe_text(data: &[u8]) -> Option<String> {
    let head = &data[..data.len().min(512)];
    let text = std::str::from_utf8(head).ok().or_else(|| {
        // A multi-byte character may be cut at the 512-byte mark.
        std::str::from_utf8(&head[..head.len().saturating_sub(3)]).ok()
    })?;
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return None;
    }
    let first = text.lines().next().unwrap_or("").trim();
    let first: String = first.chars().take(60).collect();
    let kind = if first.contains("profile: total") || first.starts_with("heap profile:") {
        " (a legacy text profile, as debug=1 writes; ask for debug=0)"
    } else if first.starts_with("--- contention") || first.starts_with("--- mutex") {
        " (a legacy contention profile, as debug=1 writes; ask for debug=0)"
    } else if first.starts_with('<') {
        " (HTML or XML)"
    } else {
        ""
    };
    Some(format!("a text file starting with {first:?}{kind}"))
}

/// A wire error with the message path it happened in.
struct PathError {
    err: WireError,
    path: String,
}

/// Attaches a message path to wire errors.
trait At<T> {
    fn at(self, path: impl FnOnce() -> String) -> Result<T, PathError>;
}

impl<T> At<T> for Result<T, WireError> {
    fn at(self, path: impl FnOnce() -> String) -> Result<T, PathError> {
        self.map_err(|err| PathError { err, path: path() })
    }
}

impl<T> At<T> for Result<T, PathError> {
    fn at(self, path: impl FnOnce() -> String) -> Result<T, PathError> {
        self.map_err(|mut e| {
            e.path = if e.path.is_empty() {
                path()
            } else {
                format!("{}.{}", path(), e.path)
            };
            e
        })
    }
}

/// A string-table index, as read.
type StrIdx = i64;

#[derive(Default)]
struct RawLabel {
    key: StrIdx,
    str: StrIdx,
    num: i64,
    unit: StrIdx,
}

/// A sample as read: final but for its labels, which wait for the string table.
#[derive(Default)]
struct RawSample {
    sample: Sample,
    label: Vec<RawLabel>,
}

#[derive(Default)]
struct RawMapping {
    m: Mapping,
    filename: StrIdx,
    build_id: StrIdx,
}

#[derive(Default)]
struct RawFunction {
    f: Function,
    name: StrIdx,
    system_name: StrIdx,
    filename: StrIdx,
}

#[derive(Default)]
struct RawProfile {
    sample_type: Vec<(StrIdx, StrIdx)>,
    /// Samples, decoded in place with their labels resolved.
    sample: Vec<Sample>,
    /// The first label that did not resolve, reported where pprof would report it.
    label_error: Option<Error>,
    mapping: Vec<RawMapping>,
    location: Vec<Location>,
    function: Vec<RawFunction>,
    /// The string table, read in the first pass so labels resolve as samples decode.
    table: StringTable,
    drop_frames: StrIdx,
    keep_frames: StrIdx,
    time_nanos: Option<i64>,
    duration_nanos: i64,
    period_type: Option<(StrIdx, StrIdx)>,
    period: i64,
    comment: Vec<StrIdx>,
    default_sample_type: StrIdx,
    doc_url: StrIdx,
}

impl RawProfile {
    fn decode(mut r: Reader<'_>) -> Result<Self, PathError> {
        let mut p = RawProfile::default();
        // Count the repeated top-level messages first (a skim over keys and lengths), so the
        // tables are allocated once at their final size: growing a table of a million samples
        // by doubling would briefly hold it one and a half times over.
        // The same skim reads the string table, which Go writes last, so that each sample's
        // labels resolve as it is decoded, with no second copy of them held.
        let mut counts = [0usize; 7];
        let mut strings = Vec::new();
        let mut skim = r;
        while let Ok(Some((field, v))) = skim.field() {
            if let Some(c) = counts.get_mut(field as usize) {
                *c += 1;
            }
            if let (6, Value::Bytes(b)) = (field, v) {
                strings.push(b.bytes());
            }
        }
        p.table = StringTable::build(&strings);
        p.sample.reserve_exact(counts[2]);
        p.mapping.reserve_exact(counts[3]);
        p.location.reserve_exact(counts[4]);
        p.function.reserve_exact(counts[5]);
        loop {
            let at = r.offset();
            let Some((field, v)) = r.field().at(|| "profile".into())? else {
                break;
            };
            let n =
                |list_len: usize, name: &'static str| move || format!("profile.{name}[{list_len}]");
            match field {
                1 => {
                    let m = v.message(at).at(n(p.sample_type.len(), "sample_type"))?;
                    p.sample_type
                        .push(value_type(m).at(n(p.sample_type.len(), "sample_type"))?);
                }
                2 => {
                    let m = v.message(at).at(n(p.sample.len(), "sample"))?;
                    let mut raw = sample(m).at(n(p.sample.len(), "sample"))?;
                    let i = p.sample.len();
                    // Exactly: a first push would give room for four labels.
                    raw.sample.label.reserve_exact(raw.label.len());
                    for (j, l) in raw.label.iter().enumerate() {
                        let path = || format!("sample[{i}].label[{j}]");
                        match p.table.label(l, &path) {
                            Ok(Some(l)) => raw.sample.label.push(l),
                            Ok(None) => {}
                            Err(e) => {
                                p.label_error.get_or_insert(e);
                            }
                        }
                    }
                    p.sample.push(raw.sample);
                }
                3 => {
                    let m = v.message(at).at(n(p.mapping.len(), "mapping"))?;
                    p.mapping
                        .push(mapping(m).at(n(p.mapping.len(), "mapping"))?);
                }
                4 => {
                    let m = v.message(at).at(n(p.location.len(), "location"))?;
                    p.location
                        .push(location(m).at(n(p.location.len(), "location"))?);
                }
                5 => {
                    let m = v.message(at).at(n(p.function.len(), "function"))?;
                    p.function
                        .push(function(m).at(n(p.function.len(), "function"))?);
                }
                // Read in the skim above; here only checked to be bytes.
                6 => {
                    v.message(at).at(|| "profile.string_table".into())?;
                }
                7 => p.drop_frames = int(v, at, "profile.drop_frames")?,
                8 => p.keep_frames = int(v, at, "profile.keep_frames")?,
                9 => {
                    if p.time_nanos.is_some() {
                        let err = WireError {
                            offset: at,
                            what: "concatenated profiles detected",
                        };
                        return Err(err).at(|| "profile.time_nanos".into());
                    }
                    p.time_nanos = Some(int(v, at, "profile.time_nanos")?);
                }
                10 => p.duration_nanos = int(v, at, "profile.duration_nanos")?,
                11 => {
                    let m = v.message(at).at(|| "profile.period_type".into())?;
                    p.period_type = Some(value_type(m).at(|| "profile.period_type".into())?);
                }
                12 => p.period = int(v, at, "profile.period")?,
                13 => v
                    .extend_scalars(&mut p.comment, |x| x as i64)
                    .at(|| "profile.comment".into())?,
                14 => p.default_sample_type = int(v, at, "profile.default_sample_type")?,
                15 => p.doc_url = int(v, at, "profile.doc_url")?,
                _ => {} // Unknown fields are skipped, as protobuf requires.
            }
        }
        Ok(p)
    }

    fn resolve(self) -> Result<Profile> {
        self.table.check()?;
        let table = &self.table;
        let s = |idx: StrIdx, path: &dyn Fn() -> String| table.get(idx, path);
        let mut p = Profile {
            time_nanos: self.time_nanos.unwrap_or(0),
            duration_nanos: self.duration_nanos,
            period: self.period,
            drop_frames: s(self.drop_frames, &|| "drop_frames".into())?.to_string(),
            keep_frames: s(self.keep_frames, &|| "keep_frames".into())?.to_string(),
            default_sample_type: s(self.default_sample_type, &|| "default_sample_type".into())?
                .to_string(),
            doc_url: s(self.doc_url, &|| "doc_url".into())?.to_string(),
            ..Profile::default()
        };
        let vt = |(kind, unit): (StrIdx, StrIdx), path: &dyn Fn() -> String| -> Result<ValueType> {
            Ok(ValueType {
                kind: s(kind, &|| format!("{}.type", path()))?.to_string(),
                unit: s(unit, &|| format!("{}.unit", path()))?.to_string(),
            })
        };
        for (i, t) in self.sample_type.into_iter().enumerate() {
            p.sample_type.push(vt(t, &|| format!("sample_type[{i}]"))?);
        }
        if let Some(t) = self.period_type {
            p.period_type = Some(vt(t, &|| "period_type".into())?);
        }
        for (i, c) in self.comment.into_iter().enumerate() {
            p.comments
                .push(s(c, &|| format!("comment[{i}]"))?.to_string());
        }
        for (i, raw) in self.mapping.into_iter().enumerate() {
            let mut m = raw.m;
            m.filename = s(raw.filename, &|| format!("mapping[{i}].filename"))?.to_string();
            m.build_id = s(raw.build_id, &|| format!("mapping[{i}].build_id"))?.to_string();
            p.mapping.push(m);
        }
        for (i, raw) in self.function.into_iter().enumerate() {
            let mut f = raw.f;
            f.name = s(raw.name, &|| format!("function[{i}].name"))?.to_string();
            f.system_name =
                s(raw.system_name, &|| format!("function[{i}].system_name"))?.to_string();
            f.filename = s(raw.filename, &|| format!("function[{i}].filename"))?.to_string();
            p.function.push(f);
        }
        p.location = self.location;
        p.sample = self.sample;
        if let Some(e) = self.label_error {
            return Err(e);
        }
        Ok(p)
    }
}

/// The string table, resolved once; labels share its strings.
#[derive(Default)]
struct StringTable {
    strings: Vec<Arc<str>>,
}

impl StringTable {
    fn build(raw: &[&[u8]]) -> Self {
        let strings = raw
            .iter()
            .map(|b| Arc::from(String::from_utf8_lossy(b).as_ref()))
            .collect();
        StringTable { strings }
    }

    /// profile.proto's rule: entry 0 is the empty string.
    fn check(&self) -> Result<()> {
        match self.strings.first() {
            Some(first) if !first.is_empty() => Err(Error::Invalid {
                path: "string_table[0]".into(),
                what: format!("must be the empty string, found {first:?}"),
            }),
            _ => Ok(()),
        }
    }

    fn get(&self, idx: StrIdx, path: &dyn Fn() -> String) -> Result<&Arc<str>> {
        static EMPTY: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
        if idx == 0 && self.strings.is_empty() {
            return Ok(EMPTY.get_or_init(|| Arc::from("")));
        }
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.strings.get(i))
            .ok_or_else(|| Error::Invalid {
                path: path(),
                what: format!(
                    "string index {idx} out of range (the string table holds {} strings)",
                    self.strings.len()
                ),
            })
    }

    /// Resolves a label; `None` for a label with neither a string nor a number, which pprof
    /// drops on decode.
    fn label(&self, l: &RawLabel, path: &dyn Fn() -> String) -> Result<Option<Label>> {
        let key = self.get(l.key, &|| format!("{}.key", path()))?.clone();
        // An index to an empty string means the same as index 0: proto3 cannot tell them
        // apart once re-encoded, so treat them alike to keep decode(encode(p)) == p.
        let str = self.get(l.str, &|| format!("{}.str", path()))?;
        let unit = self.get(l.unit, &|| format!("{}.num_unit", path()))?;
        let value = if !str.is_empty() {
            LabelValue::Str(str.clone())
        } else if l.num != 0 || !unit.is_empty() {
            LabelValue::Num {
                num: l.num,
                unit: unit.clone(),
            }
        } else {
            return Ok(None);
        };
        Ok(Some(Label { key, value }))
    }
}

fn int(v: Value<'_>, at: usize, path: &'static str) -> Result<i64, PathError> {
    v.scalar(at).map(|x| x as i64).at(|| path.into())
}

fn value_type(mut r: Reader<'_>) -> Result<(StrIdx, StrIdx), PathError> {
    let mut t = (0, 0);
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        match field {
            1 => t.0 = int(v, at, "type")?,
            2 => t.1 = int(v, at, "unit")?,
            _ => {}
        }
    }
    Ok(t)
}

fn sample(mut r: Reader<'_>) -> Result<RawSample, PathError> {
    let mut s = RawSample::default();
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        match field {
            1 => v
                .extend_scalars(&mut s.sample.location, LocationId)
                .at(|| "location_id".into())?,
            2 => v
                .extend_scalars(&mut s.sample.value, |x| x as i64)
                .at(|| "value".into())?,
            3 => {
                let m = v.message(at).at(|| format!("label[{}]", s.label.len()))?;
                s.label
                    .push(label(m).at(|| format!("label[{}]", s.label.len()))?);
            }
            _ => {}
        }
    }
    Ok(s)
}

fn label(mut r: Reader<'_>) -> Result<RawLabel, PathError> {
    let mut l = RawLabel::default();
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        match field {
            1 => l.key = int(v, at, "key")?,
            2 => l.str = int(v, at, "str")?,
            3 => l.num = int(v, at, "num")?,
            4 => l.unit = int(v, at, "num_unit")?,
            _ => {}
        }
    }
    Ok(l)
}

fn mapping(mut r: Reader<'_>) -> Result<RawMapping, PathError> {
    let mut m = RawMapping::default();
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        let u = |name: &'static str| v.scalar(at).at(|| name.into());
        match field {
            1 => m.m.id = MappingId(u("id")?),
            2 => m.m.memory_start = u("memory_start")?,
            3 => m.m.memory_limit = u("memory_limit")?,
            4 => m.m.file_offset = u("file_offset")?,
            5 => m.filename = u("filename")? as i64,
            6 => m.build_id = u("build_id")? as i64,
            7 => m.m.has_functions = u("has_functions")? != 0,
            8 => m.m.has_filenames = u("has_filenames")? != 0,
            9 => m.m.has_line_numbers = u("has_line_numbers")? != 0,
            10 => m.m.has_inline_frames = u("has_inline_frames")? != 0,
            _ => {}
        }
    }
    Ok(m)
}

fn location(mut r: Reader<'_>) -> Result<Location, PathError> {
    let mut l = Location::default();
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        let u = |name: &'static str| v.scalar(at).at(|| name.into());
        match field {
            1 => l.id = LocationId(u("id")?),
            2 => l.mapping_id = Some(MappingId(u("mapping_id")?)).filter(|m| m.0 != 0),
            3 => l.address = u("address")?,
            4 => {
                let m = v.message(at).at(|| format!("line[{}]", l.line.len()))?;
                l.line
                    .push(line(m).at(|| format!("line[{}]", l.line.len()))?);
            }
            5 => l.is_folded = u("is_folded")? != 0,
            _ => {}
        }
    }
    Ok(l)
}

fn line(mut r: Reader<'_>) -> Result<Line, PathError> {
    let mut l = Line::default();
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        match field {
            1 => l.function_id = Some(FunctionId(v.scalar(at).at(|| "function_id".into())?)),
            2 => l.line = int(v, at, "line")?,
            3 => l.column = int(v, at, "column")?,
            _ => {}
        }
    }
    l.function_id = l.function_id.filter(|f| f.0 != 0);
    Ok(l)
}

fn function(mut r: Reader<'_>) -> Result<RawFunction, PathError> {
    let mut f = RawFunction::default();
    loop {
        let at = r.offset();
        let Some((field, v)) = r.field().at(String::new)? else {
            break;
        };
        match field {
            1 => f.f.id = FunctionId(v.scalar(at).at(|| "id".into())?),
            2 => f.name = int(v, at, "name")?,
            3 => f.system_name = int(v, at, "system_name")?,
            4 => f.filename = int(v, at, "filename")?,
            5 => f.f.start_line = int(v, at, "start_line")?,
            _ => {}
        }
    }
    Ok(f)
}
