//! Allocation and heap profiles from a sampling `GlobalAlloc`.
//!
//! Placeholder while the sampler is written (issue 6): nothing is sampled yet.

use std::io::Write;

use sextant_profile::Profile;

use crate::error::{Error, Result};

pub(crate) fn lookup_count() -> usize {
    0
}

pub(crate) fn lookup_profile(_allocs: bool) -> Result<Profile> {
    Err(Error::Unavailable("heap"))
}

pub(crate) fn lookup_text(_w: &mut dyn Write, _allocs: bool) -> Result<()> {
    Err(Error::Unavailable("heap"))
}
