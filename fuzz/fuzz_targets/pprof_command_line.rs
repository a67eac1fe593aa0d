//! Fuzzes what a user types at `sextant pprof`: its command-line flags, the interactive
//! shell's lines (option assignments and report commands) and the shell's tab completion.
//! The command is a binary, so its `pprof` module is compiled here from source; the parsers
//! come from its `fuzzing` module.
//!
//! The input, read as UTF-8 (lossily), is used twice. Properties checked:
//! - as an argument vector (words split at NUL bytes): the flag parser and the configuration
//!   check (`Config::from_flags`) give a configuration or an error, never a panic; the
//!   regexps and tag filters of an accepted configuration compile or fail with an error;
//! - as shell lines: completion of every prefix of the line (each character boundary, as the
//!   cursor can stand there) never panics; an assignment (`name=value`) is applied or refused
//!   as pprof's `configure` does; a report command (`top10 -cum main >f`) parses or is
//!   refused, and its filters compile or fail with an error, never a panic.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../crates/cli/src/pprof/mod.rs"]
mod pprof;

use libfuzzer_sys::fuzz_target;
use pprof::fuzzing::{Complete, Config, Extra, configure, parse_command_line, parse_flags};
use sextant_profile::{TagFilter, compile_option};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args: Vec<String> = text.split('\0').map(String::from).collect();
    if let Ok(parsed) = parse_flags(&args) {
        // `from_flags` opens its first argument to see whether it is a binary: keep it from
        // opening devices and pipes, which could block.
        if !parsed.args.first().is_some_and(|a| a.contains('/')) {
            if let Ok(cfg) = Config::from_flags(&parsed) {
                filters(&cfg);
            }
        }
    }
    let complete = Complete {
        functions: vec![
            "main.main".into(),
            "main.queryDB".into(),
            "runtime.mallocgc".into(),
            "app::main::{{closure}}".into(),
        ],
    };
    let mut cfg = Config::default();
    let mut extra = Extra::default();
    for line in text.lines() {
        for (i, _) in line.char_indices().chain([(line.len(), ' ')]) {
            let _ = complete.line(&line[..i]);
        }
        // The shell's reading: `name=value` (a `//:` comment cut), else a bare option name,
        // else a command.
        let (name, value) = match line.split_once('=') {
            Some((n, v)) => (n.trim(), v.rfind("//:").map_or(v, |i| &v[..i]).trim()),
            None => (line.trim(), ""),
        };
        if configure(&mut cfg, &mut extra, name, value).is_ok() {
            filters(&cfg);
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.is_empty() {
            continue;
        }
        if let Ok(c) = parse_command_line(&tokens, &cfg) {
            filters(&c);
        }
    }
});

/// Compiles the filters of `cfg` as a report would: errors are fine, panics are not.
fn filters(cfg: &Config) {
    for (option, value) in [
        ("focus", &cfg.focus),
        ("ignore", &cfg.ignore),
        ("hide", &cfg.hide),
        ("show", &cfg.show),
        ("show_from", &cfg.show_from),
        ("prune_from", &cfg.prune_from),
    ] {
        let _ = compile_option(option, &Some(value.clone()));
    }
    let mut notes = Vec::new();
    for (option, value) in [
        ("tagfocus", &cfg.tagfocus),
        ("tagignore", &cfg.tagignore),
        ("tagshow", &cfg.tagshow),
        ("taghide", &cfg.taghide),
    ] {
        let _ = TagFilter::compile_option(option, &Some(value.clone()), &mut notes);
    }
}
