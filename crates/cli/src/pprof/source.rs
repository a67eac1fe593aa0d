//! Reading the profiles named on the command line and combining them as go tool pprof does
//! (`fetchProfiles`: merge the sources, subtract the bases), through `sextant_profile::pipeline`.
//! URL sources are fetched over HTTP, and the combined profile is then saved, as pprof saves it.

use std::io::Write;

use sextant_profile::pipeline::{self, SourceOptions};
use sextant_profile::{Mapping, MappingId, Profile};

use super::Failure;
use super::config::Config;

/// Reads every source and base, and combines them into the profile reports start from.
/// Fetching from URLs prints pprof's messages on `stderr`.
pub(crate) fn fetch(cfg: &Config, stderr: &mut dyn Write) -> Result<Profile, Failure> {
    let mut remote = false;
    let mut read_all = |paths: &[String]| -> Result<Vec<Profile>, Failure> {
        paths
            .iter()
            .map(|s| {
                let mut p = match url_of(s, cfg) {
                    Some((url, timeout)) => {
                        remote = true;
                        super::fetch::fetch(&url, cfg.seconds, timeout, stderr)?
                    }
                    None => read(s)?,
                };
                locate_binaries(&mut p, cfg);
                Ok(p)
            })
            .collect()
    };
    let sources = read_all(&cfg.sources)?;
    let bases = read_all(&cfg.base)?;
    let opts = SourceOptions {
        diff_base: cfg.diff_base,
        normalize: cfg.normalize,
        comment: cfg.add_comment.clone(),
    };
    let p = pipeline::combine(sources, bases, &opts).map_err(|e| match e {
        sextant_profile::Error::Incompatible(_) => Failure::failed(e.to_string())
            .hint("profiles merge only when they have the same sample and period types"),
        _ => Failure::failed(e.to_string()),
    })?;
    if remote {
        super::fetch::save(&p, stderr);
    }
    Ok(p)
}

/// The URL a source names, with the time to allow for it; `None` for a file. Go's pprof tries
/// every source as a URL first; an existing file of a URL-like name (`host:1`) is read here.
fn url_of(source: &str, cfg: &Config) -> Option<(String, std::time::Duration)> {
    if std::path::Path::new(source).exists() {
        return None;
    }
    super::fetch::adjust_url(source, cfg.seconds, cfg.timeout)
}

/// What go tool pprof's local symbolization says when it cannot start: the main binary has no
/// file name and some of its locations have no symbols (`newMapping` in pprof's symbolizer).
/// Sextant does not symbolize; profiles from Go and from Sextant come symbolized.
pub(crate) fn symbolization_notes(p: &Profile, mode: &str) -> Vec<String> {
    let local = mode
        .split(':')
        .all(|o| !matches!(o.to_ascii_lowercase().as_str(), "none" | "no" | "remote"));
    let Some(main) = p.mapping.first() else {
        return Vec::new();
    };
    let used = p.location.iter().any(|l| l.mapping_id == Some(main.id));
    let symbolized = main.has_functions || main.has_filenames || main.has_line_numbers;
    if local && used && !symbolized && main.filename.is_empty() {
        vec!["Main binary filename not available.".to_string()]
    } else {
        Vec::new()
    }
}

/// What pprof's `locateBinaries` does without local binaries: a profile with no mappings gets
/// a placeholder mapping for all its locations, and the binary or build id given on the
/// command line replaces the main mapping's.
fn locate_binaries(p: &mut Profile, cfg: &Config) {
    if p.mapping.is_empty() {
        p.mapping.push(Mapping {
            id: MappingId(1),
            ..Mapping::default()
        });
        for l in &mut p.location {
            l.mapping_id = Some(MappingId(1));
        }
    }
    let m = &mut p.mapping[0];
    if let Some(exec) = &cfg.exec_name {
        m.filename = exec.clone();
    }
    if let Some(id) = &cfg.build_id {
        m.build_id = id.clone();
    }
}

/// Reads one profile file.
fn read(path: &str) -> Result<Profile, Failure> {
    if path.contains("://") {
        return Err(
            Failure::usage(format!("{path}: not a URL sextant pprof can fetch"))
                .hint("give an http:// URL, host:port, or a file"),
        );
    }
    let data = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        Failure::failed(format!("cannot read profile {path}: {why}"))
    })?;
    Profile::parse(&data).map_err(|e| {
        let f = Failure::failed(format!("{path}: {e}"));
        match e {
            sextant_profile::Error::Empty => f.hint("the file is empty; was the profile written completely?"),
            sextant_profile::Error::NotAProfile { .. } => {
                f.hint("sextant pprof reads profile.proto files (gzip-compressed or not), as written by runtime/pprof or sextant")
            }
            _ => f,
        }
    })
}
