//! `sextant benchstat`: compares benchmark results as golang.org/x/perf's benchstat.
//!
//! All the logic lives in `sextant-stat`; this file only hands it the arguments.

use std::io::Write;

/// Runs `sextant benchstat` with the arguments after the command name.
pub(crate) fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    sextant_stat::run(args, stdout, stderr)
}
