//! The crate's error type.

/// Errors of `sextant-stat`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A criterion directory has no benchmark with the baseline asked for.
    #[error(
        "{dir}: no criterion results for baseline {baseline:?} (looked for */{baseline}/sample.json)"
    )]
    NoCriterionBaseline {
        /// The directory searched.
        dir: String,
        /// The baseline.
        baseline: String,
    },
}
