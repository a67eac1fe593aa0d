//! `-cpuprofile` and `-memprofile`: Go's `before` and `after` for the CPU and allocation
//! profiles. The CPU profile is started before the first benchmark runs and stopped, and
//! written, after the last; the allocation profile's sampling rate is set before, and the
//! profile written after.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::flags::Options;

/// Go's `toOutputDir`: a relative `path` goes under `-outputdir` when that is set.
#[cfg_attr(
    not(any(feature = "cpuprofile", feature = "memprofile")),
    allow(dead_code)
)]
pub(crate) fn output_path(path: &str, output_dir: Option<&str>) -> PathBuf {
    match output_dir {
        Some(dir) if !Path::new(path).is_absolute() => Path::new(dir).join(path),
        _ => PathBuf::from(path),
    }
}

/// The running `-cpuprofile` profile: [`CpuProfile::stop`] writes it to its file.
#[derive(Debug)]
pub(crate) struct CpuProfile {
    path: PathBuf,
}

impl CpuProfile {
    /// Creates the `-cpuprofile` file and starts profiling the process; `None` without the
    /// flag.
    #[cfg(feature = "cpuprofile")]
    pub(crate) fn start(opts: &Options) -> Result<Option<CpuProfile>, Error> {
        let Some(file) = opts.cpu_profile.as_deref() else {
            return Ok(None);
        };
        let path = output_path(file, opts.output_dir.as_deref());
        let f = std::fs::File::create(&path)
            .map_err(|e| Error::CpuProfile(format!("cannot create {}: {e}", path.display())))?;
        if let Err(e) = sextant::cpu::start(std::io::BufWriter::new(f)) {
            // Leave no empty file that looks like a profile.
            let _ = std::fs::remove_file(&path);
            return Err(Error::CpuProfile(format!(
                "cannot start the CPU profiler: {e}"
            )));
        }
        Ok(Some(CpuProfile { path }))
    }

    /// Without the `cpuprofile` feature the flag is refused when parsed, so there is never a
    /// profile to start.
    #[cfg(not(feature = "cpuprofile"))]
    pub(crate) fn start(_opts: &Options) -> Result<Option<CpuProfile>, Error> {
        Ok(None)
    }

    /// Stops profiling and writes the profile to the file.
    pub(crate) fn stop(self) -> Result<(), Error> {
        #[cfg(feature = "cpuprofile")]
        return sextant::cpu::stop()
            .map_err(|e| Error::CpuProfile(format!("cannot write {}: {e}", self.path.display())));
        #[cfg(not(feature = "cpuprofile"))]
        {
            let _ = self.path;
            Ok(())
        }
    }
}

/// `-memprofile`: the file to write after the benchmarks, and the sampling rate to restore
/// then (for a harness run in-process, inside a longer program).
#[derive(Debug)]
pub(crate) struct MemProfile {
    /// The file and its path, with `-memprofile`.
    file: Option<(std::fs::File, PathBuf)>,
    /// `sextant::heap::rate()` before the run.
    #[cfg_attr(not(feature = "memprofile"), allow(dead_code))]
    previous_rate: u64,
}

impl MemProfile {
    /// Go's `before` for `-memprofile`: sets the sampling rate, `-memprofilerate` or the
    /// default with the flag and 0 (off) without it, and creates the file.
    ///
    /// Without the flag sampling is off, where Go keeps `MemProfileRate` at 512 KiB: each
    /// sample walks the stack, which would move an allocating benchmark's ns/op for a profile
    /// nobody reads.
    #[cfg(feature = "memprofile")]
    pub(crate) fn start(opts: &Options) -> Result<MemProfile, Error> {
        use sextant::heap;
        let previous_rate = heap::rate();
        let Some(file) = opts.mem_profile.as_deref() else {
            heap::set_rate(0);
            return Ok(MemProfile {
                file: None,
                previous_rate,
            });
        };
        // The sampler says it is installed once it has seen an allocation; make sure this
        // thread has made one.
        drop(std::hint::black_box(Box::new(0u64)));
        if !heap::is_installed() {
            return Err(Error::SamplerNotInstalled);
        }
        let path = output_path(file, opts.output_dir.as_deref());
        let f = std::fs::File::create(&path)
            .map_err(|e| Error::MemProfile(format!("cannot create {}: {e}", path.display())))?;
        // Go: a rate of 0 or less leaves MemProfileRate alone; ours is the default unless
        // changed, and a previous run in this process may have turned it off.
        heap::set_rate(match opts.mem_profile_rate {
            r if r > 0 => r as u64,
            _ => heap::DEFAULT_RATE,
        });
        Ok(MemProfile {
            file: Some((f, path)),
            previous_rate,
        })
    }

    /// Without the `memprofile` feature the flag is refused when parsed, and there is no
    /// sampler to turn off.
    #[cfg(not(feature = "memprofile"))]
    pub(crate) fn start(_opts: &Options) -> Result<MemProfile, Error> {
        Ok(MemProfile {
            file: None,
            previous_rate: 0,
        })
    }

    /// Go's `after` for `-memprofile`: writes the `allocs` profile (with the rate it was
    /// sampled at, which unsampling needs), then restores the rate.
    pub(crate) fn finish(self) -> Result<(), Error> {
        #[cfg(feature = "memprofile")]
        {
            let written = match self.file {
                Some((f, path)) => write_allocs(f).map_err(|e| {
                    Error::MemProfile(format!("cannot write {}: {e}", path.display()))
                }),
                None => Ok(()),
            };
            sextant::heap::set_rate(self.previous_rate);
            written
        }
        #[cfg(not(feature = "memprofile"))]
        {
            let _ = self.file;
            Ok(())
        }
    }

    /// Leaves no file behind and restores the rate, when the run stops before benchmarking.
    pub(crate) fn abandon(self) {
        if let Some((f, path)) = self.file {
            drop(f);
            let _ = std::fs::remove_file(path);
        }
        #[cfg(feature = "memprofile")]
        sextant::heap::set_rate(self.previous_rate);
    }
}

#[cfg(feature = "memprofile")]
fn write_allocs(f: std::fs::File) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;
    let allocs = sextant::lookup("allocs").ok_or("sextant has no allocs profile")?;
    let mut w = std::io::BufWriter::new(f);
    allocs.write_to(&mut w, 0)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::output_path;
    use std::path::PathBuf;

    #[test]
    fn relative_paths_go_under_the_output_dir_as_in_go() {
        assert_eq!(output_path("cpu.out", None), PathBuf::from("cpu.out"));
        assert_eq!(
            output_path("cpu.out", Some("/tmp/o")),
            PathBuf::from("/tmp/o/cpu.out")
        );
        assert_eq!(
            output_path("/abs/cpu.out", Some("/tmp/o")),
            PathBuf::from("/abs/cpu.out")
        );
    }
}
