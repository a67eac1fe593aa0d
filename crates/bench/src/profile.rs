//! `-cpuprofile`: Go's `before` and `after` for the CPU profile. It is started before the
//! first benchmark runs and stopped, and written, after the last.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::flags::Options;

/// Go's `toOutputDir`: a relative `path` goes under `-outputdir` when that is set.
#[cfg_attr(not(feature = "cpuprofile"), allow(dead_code))]
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
