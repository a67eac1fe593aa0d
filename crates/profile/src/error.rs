//! The crate's error type.

/// What went wrong reading, checking or combining profiles.
///
/// Messages are lowercase and name the place: a byte offset and the message path for malformed
/// input, the field path for invalid references.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no bytes at all.
    #[error("empty input: a profile holds at least one byte")]
    Empty,
    /// The input starts like gzip but does not inflate.
    #[error("bad gzip stream: {0}")]
    Gzip(std::io::Error),
    /// The input is not protobuf; `looks_like` says what it seems to be instead.
    #[error("not a profile.proto profile: {looks_like}")]
    NotAProfile {
        /// A description of the input, such as "a text file starting with \"goroutine profile\"".
        looks_like: String,
    },
    /// The protobuf encoding is broken at `offset` (counted in the uncompressed bytes).
    #[error("malformed profile at byte {offset}, in {path}: {what}")]
    Malformed {
        /// Byte offset of the problem in the uncompressed message.
        offset: usize,
        /// The message path, such as `profile.sample[3].location_id`.
        path: String,
        /// What is wrong.
        what: String,
    },
    /// The message decodes but breaks a rule of profile.proto (a dangling id, a bad index).
    #[error("invalid profile: {path}: {what}")]
    Invalid {
        /// The field path, such as `location[2].line[0].function_id`.
        path: String,
        /// What is wrong.
        what: String,
    },
    /// Profiles that cannot be combined (different sample types or period types).
    #[error("incompatible profiles: {0}")]
    Incompatible(String),
    /// A merge was asked for with no profiles at all.
    #[error("no profiles to merge")]
    NothingToMerge,
    /// A regular expression given to a filter does not compile.
    /// Printed in go tool pprof's words: `parsing focus regexp: error parsing regexp: missing
    /// closing ): `(``.
    #[error("parsing {option} regexp: {message}")]
    Regex {
        /// The option the regexp was given to, such as `focus`.
        option: String,
        /// The compiler's complaint, in Go's words where Go's parser would find the mistake
        /// (`error parsing regexp: CODE: `EXPR``).
        message: String,
    },
    /// A bad option value, such as an unknown sample index or an unparsable tag filter.
    #[error("{0}")]
    Option(String),
    /// Reading or writing failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
