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
    let (sources, remote_sources) = grab(&cfg.sources, "source", cfg, stderr)?;
    let (bases, remote_bases) = if cfg.base.is_empty() {
        (Vec::new(), false)
    } else {
        grab(&cfg.base, "base", cfg, stderr)?
    };
    let remote = remote_sources || remote_bases;
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

/// pprof's `chunkedGrab`: reads `paths`, at most [`CHUNK`] at a time and those of a chunk at
/// the same time (so that several servers profile during the same seconds). As in pprof, a
/// source that fails is reported and left out (`Fetched 1 source profiles out of 2`); only
/// when none is left is it an error. Returns the profiles and whether any came from a URL.
fn grab(
    paths: &[String],
    what: &str,
    cfg: &Config,
    stderr: &mut dyn Write,
) -> Result<(Vec<Profile>, bool), Failure> {
    let urls: Vec<_> = paths.iter().map(|s| url_of(s, cfg)).collect();
    let mut results = Vec::with_capacity(paths.len());
    for (chunk, chunk_urls) in paths.chunks(CHUNK).zip(urls.chunks(CHUNK)) {
        for (url, _) in chunk_urls.iter().flatten() {
            super::fetch::announce(url, cfg.seconds, stderr);
        }
        std::thread::scope(|s| {
            let readers: Vec<_> = chunk
                .iter()
                .zip(chunk_urls)
                .map(|(path, url)| {
                    s.spawn(move || match url {
                        Some((url, timeout)) => super::fetch::fetch(url, *timeout),
                        None => read(path),
                    })
                })
                .collect();
            for r in readers {
                let failed = || Failure::failed("reading a profile panicked");
                results.push(r.join().unwrap_or_else(|_| Err(failed())));
            }
        });
    }
    let mut profiles = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(mut p) => {
                locate_binaries(&mut p, cfg);
                profiles.push(p);
            }
            Err(f) => failures.push(f),
        }
    }
    if profiles.is_empty() && failures.len() == 1 {
        return Err(failures.remove(0));
    }
    for f in &failures {
        let _ = writeln!(stderr, "{}", f.message);
    }
    if profiles.is_empty() {
        return Err(Failure::failed(format!(
            "failed to fetch any {what} profiles"
        )));
    }
    if !failures.is_empty() {
        let (got, want) = (profiles.len(), paths.len());
        let _ = writeln!(stderr, "Fetched {got} {what} profiles out of {want}");
    }
    Ok((profiles, urls.iter().any(Option::is_some)))
}

/// pprof reads at most this many sources at once (`chunkedGrab`'s `chunkSize`), which bounds
/// the threads and the memory of profiles not yet merged.
const CHUNK: usize = 64;

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
