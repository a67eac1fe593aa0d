//! Fuzzes the translation of Go's regexp syntax to the `regex` crate's (`-focus`, `-ignore`,
//! `-show`, `-list`, ... read as Go's `regexp.Compile` reads them).
//!
//! Properties checked, for any UTF-8 input:
//! - `go_syntax_error`, `translate_go_regexp` and `compile_regex` never panic or hang;
//! - `compile_regex` accepts exactly what `go_syntax_error` lets through and `regex` then
//!   compiles from the translation;
//! - what `go_syntax_error` lets through translates to a regexp `regex` compiles, unless it
//!   hits one of the limits the two dialects do not share (compiled size, nesting depth, the
//!   Unicode class names `regex` knows): any other rejection is a translation gap;
//! - a compiled regexp can be run on the input itself without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regex::Regex;
use sextant_profile::{compile_regex, go_syntax_error, translate_go_regexp};

fuzz_target!(|data: &[u8]| {
    let Ok(go) = std::str::from_utf8(data) else {
        return;
    };
    let syntax = go_syntax_error(go);
    let translated = translate_go_regexp(go);
    let direct = Regex::new(&translated);
    let compiled = compile_regex("focus", go);
    assert_eq!(
        compiled.is_ok(),
        syntax.is_none() && direct.is_ok(),
        "compile_regex disagrees with its two steps on {go:?}"
    );
    if syntax.is_none() {
        if let Err(e) = &direct {
            assert!(
                shared_limit(e),
                "Go syntax {go:?} passed the checks but its translation {translated:?} does \
                 not compile: {e}"
            );
        }
    }
    if let Ok(re) = compiled {
        let _ = re.is_match(go);
        let _ = re.find_iter(go).count();
    }
});

/// A rejection that does not mean a wrong translation: a limit `regex` has and Go has not (or
/// not at the same place), or a Unicode class name only one of them knows.
fn shared_limit(e: &regex::Error) -> bool {
    match e {
        regex::Error::CompiledTooBig(_) => true,
        e => {
            let text = e.to_string();
            text.contains("exceeds the nest limit")
                || text.contains("Unicode property not found")
                || text.contains("Unicode property value not found")
        }
    }
}
