//! The crate's error type.

/// What went wrong before a benchmark could run: a bad flag, or a feature not available here.
///
/// Messages are lowercase and name the flag, as `go test` names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A flag that this harness does not know.
    #[error("flag provided but not defined: {0}")]
    UnknownFlag(String),
    /// A flag that takes a value was given none.
    #[error("flag needs an argument: {0}")]
    MissingValue(String),
    /// A flag's value does not parse.
    #[error("invalid value {value:?} for flag {flag}: {why}")]
    BadValue {
        /// The flag, such as `-benchtime`.
        flag: String,
        /// The value given.
        value: String,
        /// Why it was refused.
        why: String,
    },
    /// A flag whose support this build of the crate left out with a cargo feature.
    #[error("{flag}: sextant-bench was built without its `{feature}` feature")]
    FeatureDisabled {
        /// The flag, such as `-cpuprofile`.
        flag: String,
        /// The cargo feature that provides it.
        feature: &'static str,
    },
    /// The `-cpuprofile` profile could not be created, started or written.
    #[error("-cpuprofile: {0}")]
    CpuProfile(String),
    /// `-memprofile` was given, but the program's global allocator does not include
    /// `sextant::heap::Sampler`, so no allocation would be recorded.
    #[error(
        "-memprofile: sextant::heap::Sampler is not this program's global allocator, so there \
         are no allocations to profile"
    )]
    SamplerNotInstalled,
    /// The `-memprofile` profile could not be created or written.
    #[error("-memprofile: {0}")]
    MemProfile(String),
    /// Writing the report failed.
    #[error("writing the results: {0}")]
    Io(#[from] std::io::Error),
}
