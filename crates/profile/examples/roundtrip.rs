//! Decodes a profile and writes it back gzip-compressed: the work `go tool pprof -proto` does
//! on a file, without the analysis. Used by `benches/profile-codec/run.sh`.
//!
//! ```sh
//! cargo run --release -p sextant-profile --example roundtrip -- in.pb.gz out.pb.gz
//! ```

use std::process::ExitCode;

use sextant_profile::Profile;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: roundtrip IN.pb.gz OUT.pb.gz");
        return ExitCode::from(2);
    };
    // The input bytes are dropped as soon as they are parsed, and the output is encoded in
    // chunks straight into the compressor: peak memory is the model plus one input copy.
    let result = std::fs::read(input)
        .map_err(|e| format!("{input}: {e}"))
        .and_then(|data| Profile::parse(&data).map_err(|e| format!("{input}: {e}")))
        .and_then(|p| {
            let file = std::fs::File::create(output).map_err(|e| format!("{output}: {e}"))?;
            let mut w = std::io::BufWriter::new(file);
            p.write(&mut w).map_err(|e| format!("{output}: {e}"))?;
            w.into_inner()
                .map(drop)
                .map_err(|e| format!("{output}: {}", e.error()))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
