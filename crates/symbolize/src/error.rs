//! The one error type of `sextant-symbolize`.

use std::path::PathBuf;

/// What can go wrong while reading mappings and object files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or mapped.
    #[error("reading {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line of a maps file did not parse.
    #[error("malformed maps line {line}")]
    Maps {
        /// One-based line number.
        line: usize,
    },
    /// A file is not an object file this crate reads.
    #[error("{}: {message}", path.display())]
    Object {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
