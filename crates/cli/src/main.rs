//! The `sextant` command: Go's performance tools for Rust programs.
//!
//! `sextant pprof` is go tool pprof's analyzer; `sextant benchstat` is benchstat.

mod benchstat;
mod pprof;

use std::io::Write;
use std::process::ExitCode;

/// Usage errors exit with 2, as Go's flag package and ripgrep do.
const EXIT_USAGE: u8 = 2;

const USAGE: &str = "usage: sextant <command> [arguments]

commands:
  pprof       analyze profiles, as go tool pprof does
  benchstat   compare benchmark results, as benchstat does
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    ExitCode::from(run(&args, &mut stdout.lock(), &mut stderr.lock()))
}

/// Runs one `sextant` command line (without the program name) and returns its exit code.
fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    let Some(command) = args.first() else {
        let _ = write!(stderr, "{USAGE}");
        return EXIT_USAGE;
    };
    match command.as_str() {
        "benchstat" => benchstat::run(&args[1..], stdout, stderr),
        "pprof" => pprof::run(&args[1..], stdout, stderr),
        "help" | "-h" | "-help" | "--help" => {
            let _ = write!(stdout, "{USAGE}");
            0
        }
        other => {
            let _ = writeln!(stderr, "error: unknown command {other:?}\n\n{USAGE}");
            let _ = stdout.flush();
            EXIT_USAGE
        }
    }
}
