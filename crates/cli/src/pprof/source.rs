//! Reading the profiles named on the command line (pprof's `fetchProfiles`, for files).

use sextant_profile::Profile;

use super::Failure;
use super::config::Config;

/// Reads and decodes every source; several sources are merged into one profile.
pub(crate) fn fetch(cfg: &Config) -> Result<Profile, Failure> {
    let mut profiles = Vec::with_capacity(cfg.sources.len());
    for src in &cfg.sources {
        profiles.push(read(src)?);
    }
    if !cfg.base.is_empty() {
        return Err(Failure::usage("-base and -diff_base are not supported yet"));
    }
    if profiles.len() > 1 {
        return Err(
            Failure::usage("merging several profiles is not supported yet")
                .hint("give one profile at a time"),
        );
    }
    Ok(profiles.remove(0))
}

/// Reads one profile file.
fn read(path: &str) -> Result<Profile, Failure> {
    if path.contains("://") {
        return Err(Failure::usage(format!(
            "{path}: fetching profiles over HTTP is not supported yet"
        )));
    }
    let data = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        Failure::failed(format!("cannot read profile {path}: {why}"))
    })?;
    Profile::parse(&data).map_err(|e| Failure::failed(format!("{path}: {e}")))
}
