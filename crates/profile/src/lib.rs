//! `sextant-profile`: profile.proto for Rust, with go tool pprof's operations.
//!
//! This is the bottom of Sextant's stack: the collectors write [`Profile`]s, the analyzer reads
//! them. It reads and writes as google/pprof's `profile` package does: [`Profile::parse`] takes
//! gzip or raw bytes, [`Profile::write`] writes gzip, [`Profile::write_uncompressed`] raw.
//!
//! # Example
//!
//! ```
//! use sextant_profile::{Profile, ValueType};
//!
//! let mut p = Profile::default();
//! p.sample_type.push(ValueType::new("samples", "count"));
//! let mut gz = Vec::new();
//! p.write(&mut gz)?;
//! assert_eq!(Profile::parse(&gz)?, p);
//! # Ok::<(), sextant_profile::Error>(())
//! ```

mod combine;
mod decode;
mod encode;
mod error;
mod filter;
mod goregexp;
mod label_frames;
mod legacy;
pub mod measurement;
mod merge;
mod model;
pub mod pipeline;
mod prune;
mod raw;
mod sample_index;
mod scale;
mod tagfilter;
mod validate;
mod wire;

use std::io::Write;

pub use combine::{compatibilize_sample_types, scale_profiles};
pub use error::{Error, Result};
pub use filter::{Filters, NameMatches, apply_filters, compile_option, compile_regex};
#[doc(hidden)]
pub use goregexp::{go_syntax_error, translate as translate_go_regexp};
pub use merge::{merge, merge_owned};
pub use model::*;
pub use raw::{civil_from_days, go_duration, go_time};
pub use sample_index::{LEGACY_ORDER, SampleSelection, legacy_sample_flag};
pub use tagfilter::TagFilter;

impl Profile {
    /// Parses a profile from gzip-compressed or raw profile.proto bytes, and validates it.
    ///
    /// Unknown fields are skipped. Labels with neither a string nor a number are dropped, as
    /// pprof drops them. Input that is not protobuf is tried with the legacy parsers in
    /// pprof's order (Go's `debug=1` text for goroutine, threadcreate, heap, allocs, block and
    /// mutex profiles, the old binary CPU format, threadz).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`], [`Error::Gzip`], [`Error::NotAProfile`] for text no parser knows,
    /// [`Error::Malformed`] with the byte offset and message path, or [`Error::Invalid`] when the
    /// message breaks a rule of profile.proto.
    pub fn parse(data: &[u8]) -> Result<Profile> {
        decode::parse(data)
    }

    /// The profile as uncompressed profile.proto bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode::encode(self)
    }

    /// Writes the profile gzip-compressed, as profiles are stored on disk.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if writing fails.
    pub fn write(&self, w: &mut impl Write) -> Result<()> {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
        encode::encode_into(self, &mut gz)?;
        gz.finish()?;
        Ok(())
    }

    /// Writes the profile as raw, uncompressed profile.proto bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if writing fails.
    pub fn write_uncompressed(&self, w: &mut impl Write) -> Result<()> {
        encode::encode_into(self, w)?;
        Ok(())
    }
}
