//! The one error type of `sextant`.

/// What can go wrong while starting, stopping or writing a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CPU profile is already being collected (Go's words, so scripts that match them work).
    #[error("cpu profiling already in use")]
    AlreadyInUse,
    /// A wall-clock profile is already being collected.
    #[error("wall profiling already in use")]
    WallAlreadyInUse,
    /// Another SIGPROF handler is installed; chaining to it would run foreign code that was
    /// not written for a signal arriving on every thread at high rate, so we refuse.
    #[error(
        "a SIGPROF handler is already installed by another library; sextant does not chain to it"
    )]
    ForeignSigprofHandler,
    /// A system call the profiler needs failed.
    #[error("{call}: {source}")]
    Os {
        /// The call, such as `sigaction(SIGPROF)`.
        call: &'static str,
        /// The error the system returned.
        source: std::io::Error,
    },
    /// Reading this process's mappings failed.
    #[error(transparent)]
    Symbolize(#[from] sextant_symbolize::Error),
    /// Writing the profile failed.
    #[error(transparent)]
    Profile(#[from] sextant_profile::Error),
    /// Writing a text profile failed.
    #[error("writing the profile: {0}")]
    Io(#[from] std::io::Error),
    /// The `/debug/pprof` endpoint cannot start as asked (an address that does not resolve,
    /// or is not loopback without the opt-in), or a request to it is malformed.
    #[error("{0}")]
    Http(String),
    /// This build or platform does not collect the named profile.
    #[error("the {0} profile is not available in this build")]
    Unavailable(&'static str),
    /// The profile needs compile-time flags this build was made without.
    #[error("the {profile} profile needs a build with {flags}")]
    NeedsBuildFlags {
        /// The profile, such as `tasks`.
        profile: &'static str,
        /// The flags, such as `RUSTFLAGS="--cfg tokio_unstable"`.
        flags: &'static str,
    },
}

impl Error {
    pub(crate) fn last_os(call: &'static str) -> Error {
        Error::Os {
            call,
            source: std::io::Error::last_os_error(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
