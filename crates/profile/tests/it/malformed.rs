//! Broken input: each kind of damage gives its own error, naming the place, and never a panic.
//!
//! The inputs are built here byte by byte with a minimal protobuf writer, or cut from a real
//! fixture, so each test shows exactly what is wrong with its input.

use sextant_profile::{Error, Profile};

use crate::fixtures::{read, testdata};

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// A varint field `n = v`.
fn int(n: u64, v: u64) -> Vec<u8> {
    let mut out = varint(n << 3);
    out.extend(varint(v));
    out
}

/// A length-delimited field `n` holding `body`.
fn bytes(n: u64, body: &[u8]) -> Vec<u8> {
    let mut out = varint((n << 3) | 2);
    out.extend(varint(body.len() as u64));
    out.extend_from_slice(body);
    out
}

/// A profile message from its fields, with the string table `strings`.
fn profile(fields: &[Vec<u8>], strings: &[&str]) -> Vec<u8> {
    let mut out: Vec<u8> = fields.concat();
    for s in strings {
        out.extend(bytes(6, s.as_bytes()));
    }
    out
}

/// `sample_type { type: t, unit: u }`.
fn sample_type(t: u64, u: u64) -> Vec<u8> {
    bytes(1, &[int(1, t), int(2, u)].concat())
}

fn invalid(err: Error) -> (String, String) {
    match err {
        Error::Invalid { path, what } => (path, what),
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

fn malformed(err: Error) -> (usize, String) {
    match err {
        Error::Malformed { offset, what, .. } => (offset, what),
        other => panic!("expected Error::Malformed, got {other:?}"),
    }
}

#[test]
fn an_empty_file_is_empty() {
    assert!(matches!(Profile::parse(&[]), Err(Error::Empty)));
}

#[test]
fn a_truncated_file_is_reported() {
    let p = read(&testdata().join("go1.19.cpu.pb.gz"));
    let raw = p.encode();
    let err = Profile::parse(&raw[..raw.len() / 2]).unwrap_err();
    let (offset, what) = malformed(err);
    assert!(offset <= raw.len() / 2, "offset {offset} beyond the input");
    assert!(
        what.contains("truncated") || what.contains("past the end"),
        "{what}"
    );
    // Cut inside the gzip stream instead: the decompressor notices.
    let gz = std::fs::read(testdata().join("go1.19.cpu.pb.gz")).expect("the cpu fixture");
    let err = Profile::parse(&gz[..gz.len() / 2]).unwrap_err();
    assert!(matches!(err, Error::Gzip(_)), "{err:?}");
}

#[test]
fn a_bad_gzip_stream_is_reported() {
    let data = [
        0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x42,
    ];
    let err = Profile::parse(&data).unwrap_err();
    assert!(matches!(err, Error::Gzip(_)), "{err:?}");
    assert!(err.to_string().starts_with("bad gzip stream: "), "{err}");
}

#[test]
fn a_varint_of_eleven_bytes_is_reported() {
    // Field 9 (time_nanos), then eleven continuation bytes.
    let mut data = varint(9 << 3);
    data.extend([0xff; 11]);
    let (offset, what) = malformed(Profile::parse(&data).unwrap_err());
    assert_eq!(what, "varint longer than 10 bytes");
    assert!(offset <= data.len());
}

#[test]
fn a_length_prefix_of_two_to_the_fortieth_is_reported_without_allocating() {
    // Field 2 (sample), length 2^40, and three bytes of payload.
    let mut data = varint((2 << 3) | 2);
    data.extend(varint(1 << 40));
    data.extend([1, 2, 3]);
    let (_, what) = malformed(Profile::parse(&data).unwrap_err());
    assert_eq!(what, "length prefix runs past the end of the message");
}

#[test]
fn a_string_index_out_of_range_names_the_field() {
    let data = profile(&[sample_type(1, 7)], &["", "samples"]);
    let (path, what) = invalid(Profile::parse(&data).unwrap_err());
    assert_eq!(path, "sample_type[0].unit");
    assert!(what.contains("string index 7 out of range"), "{what}");
}

#[test]
fn a_text_profile_is_named_as_text() {
    // Legacy text profiles (debug=1) parse now (see the legacy module); other text does not.
    let text = b"Sextant reads profiles: goroutine profile: total 1\nand nothing else\n";
    match Profile::parse(text).unwrap_err() {
        Error::NotAProfile { looks_like } => {
            assert!(
                looks_like.contains("goroutine profile: total"),
                "{looks_like}"
            );
        }
        other => panic!("expected Error::NotAProfile, got {other:?}"),
    }
}

#[test]
fn duplicate_ids_are_reported() {
    let function = |id| bytes(5, &[int(1, id), int(2, 1)].concat());
    let data = profile(&[function(1), function(1)], &["", "main"]);
    let (path, what) = invalid(Profile::parse(&data).unwrap_err());
    assert_eq!(
        (path.as_str(), what.as_str()),
        ("function[1].id", "1 is not unique")
    );
}

#[test]
fn a_dangling_location_id_is_reported() {
    let sample = bytes(2, &[int(1, 7), int(2, 1)].concat());
    let data = profile(&[sample_type(1, 2), sample], &["", "samples", "count"]);
    let (path, what) = invalid(Profile::parse(&data).unwrap_err());
    assert_eq!(path, "sample[0].location_id[0]");
    assert_eq!(what, "location 7 does not exist");
}

#[test]
fn a_wrong_value_count_is_reported() {
    let location = bytes(4, &int(1, 1));
    let sample = bytes(2, &[int(1, 1), int(2, 5)].concat());
    let types = [sample_type(1, 2), sample_type(3, 4)];
    let strings = ["", "samples", "count", "cpu", "nanoseconds"];
    let data = profile(
        &[types[0].clone(), types[1].clone(), location, sample],
        &strings,
    );
    let (path, what) = invalid(Profile::parse(&data).unwrap_err());
    assert_eq!(path, "sample[0].value");
    assert_eq!(what, "has 1 values, but there are 2 sample types");
}

#[test]
fn merging_profiles_of_different_kinds_names_both() {
    let cpu = read(&testdata().join("go1.19.cpu.pb.gz"));
    let heap = read(&testdata().join("go1.19.heap.pb.gz"));
    let err = sextant_profile::merge(&[&cpu, &heap])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "incompatible profiles: profile 1 and profile 2: period types cpu/nanoseconds and \
         space/bytes differ"
    );
    let mut other = cpu.clone();
    other.sample_type.reverse();
    let err = cpu.merge_with(&[&other]).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "sample types [samples/count cpu/nanoseconds] and [cpu/nanoseconds samples/count] \
             differ"
        ),
        "{err}"
    );
}
