//! Thread dumps and the threadcreate profile.
//!
//! Placeholder while the collector is written (issue 7).

use std::io::Write;

use sextant_profile::Profile;

use crate::error::{Error, Result};

pub(crate) fn lookup_count() -> usize {
    0
}

pub(crate) fn lookup_profile() -> Result<Profile> {
    Err(Error::Unavailable("threads"))
}

pub(crate) fn lookup_text(_w: &mut dyn Write, _debug: u32) -> Result<()> {
    Err(Error::Unavailable("threads"))
}

pub(crate) fn threadcreate_count() -> usize {
    0
}

pub(crate) fn threadcreate_profile() -> Result<Profile> {
    Err(Error::Unavailable("threadcreate"))
}

pub(crate) fn threadcreate_text(_w: &mut dyn Write) -> Result<()> {
    Err(Error::Unavailable("threadcreate"))
}
