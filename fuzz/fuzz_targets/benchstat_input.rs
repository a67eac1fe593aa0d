//! Fuzzes `sextant benchstat` on arbitrary benchmark text: the Go benchmark format parser, the
//! statistics and the table layout must never panic or hang, whatever the input; malformed
//! lines are reported and skipped.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The parser alone: every line is a result, a configuration line or a reported error.
    let mut units = Default::default();
    sextant_stat::benchfmt::read(data, "fuzz.txt", &[], &mut units, &mut |_| {});
    // The whole command on the same text, as one input and as old/new halves.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args = vec!["-".to_string()];
    sextant_stat::run_with_stdin(&args, &mut &data[..], &mut out, &mut err);
    for format in ["text", "csv"] {
        let args: Vec<String> = ["-format", format, "old=-", "new=-"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        out.clear();
        err.clear();
        sextant_stat::run_with_stdin(&args, &mut &data[..], &mut out, &mut err);
    }
});
