//! Not yet.

use super::{Failure, Parsed};

/// Not yet.
pub(super) fn parse(_data: &[u8]) -> Parsed {
    Err(Failure::Unrecognized)
}
