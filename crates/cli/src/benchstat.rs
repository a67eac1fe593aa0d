//! `sextant benchstat`: compares benchmark results as golang.org/x/perf's benchstat.
//!
//! All the logic lives in `sextant-stat`; this file only hands it the arguments.

use std::io::Write;

/// Runs `sextant benchstat` with the arguments after the command name.
pub(crate) fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    sextant_stat::run(args, stdout, stderr)
}

#[cfg(test)]
mod tests {
    use super::run;

    fn testdata(name: &str) -> String {
        format!(
            "{}/../../testdata/benchstat/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    #[test]
    fn compares_two_files_and_returns_the_exit_codes() {
        let args = vec![
            format!("old={}", testdata("old.txt")),
            format!("new={}", testdata("new.txt")),
        ];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&args, &mut out, &mut err), 0);
        let out = String::from_utf8(out).expect("utf8");
        assert!(
            out.contains(
                "StringBuilder/n=10-2      682.70n ± 21%   69.75n ± 42%  -89.78% (p=0.000 n=10)"
            ),
            "{out}"
        );
        assert!(err.is_empty());

        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&[], &mut out, &mut err), 2);
        assert!(out.is_empty());
        assert_eq!(run(&[testdata("empty.txt")], &mut out, &mut err), 1);
    }
}
