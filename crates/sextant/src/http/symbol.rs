//! `/debug/pprof/symbol`: function names of program counters, in the protocol of Go's
//! `Symbol` that `go tool pprof`'s symbolizer speaks.
//!
//! The request lists addresses joined by `+` (GET in the query, POST in the body), each
//! parsed as Go's `strconv.ParseUint(word, 0, 64)`: `0x` hex, `0o`/`0` octal, `0b` binary, or
//! decimal. The answer is `num_symbols: 1` (pprof only checks that it is not 0), then
//! `0x<pc> <name>` for each address inside a function of this process; others are left out.
//! Names are the symbol table's, demangled: the function holding the address, not a function
//! inlined into it (this reads no DWARF, which would cost tens of megabytes per request).

use sextant_symbolize::{LoadedModule, Symbolizer, loaded_modules};

use super::message::{Request, Response, TEXT};

pub(crate) fn symbol(req: &Request) -> Response {
    let input = if req.method() == "POST" {
        req.body()
    } else {
        req.raw_query().as_bytes()
    };
    let mut out = String::from("num_symbols: 1\n");
    let pcs: Vec<u64> = input
        .split(|&b| b == b'+')
        .filter_map(|w| std::str::from_utf8(w).ok().and_then(parse_uint))
        .filter(|&pc| pc != 0)
        .collect();
    if !pcs.is_empty() {
        match loaded_modules() {
            Ok(modules) => name_all(&modules, &pcs, &mut out),
            Err(e) => out.push_str(&format!("reading this process's mappings: {e}\n")),
        }
    }
    Response::new(200, TEXT, out.into_bytes())
}

fn name_all(modules: &[LoadedModule], pcs: &[u64], out: &mut String) {
    let mut symbolizer = Symbolizer::symbols_only();
    for &pc in pcs {
        let Some(m) = modules.iter().find(|m| m.contains(pc)) else {
            continue;
        };
        let frames = symbolizer.name_only(&m.path_buf(), m.svma(pc));
        if let Some(f) = frames.last().filter(|f| !f.function.is_empty()) {
            out.push_str(&format!("{pc:#x} {}\n", f.function));
        }
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`, without its digit separators (`_`), which no client
/// sends.
fn parse_uint(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = s.strip_prefix("0b").or(s.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = s.strip_prefix("0o").or(s.strip_prefix("0O")) {
        (o, 8)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || digits.starts_with('+') {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_go_parse_uint_base_0() {
        assert_eq!(parse_uint("0x4005d0"), Some(0x4005d0));
        assert_eq!(parse_uint("0X10"), Some(16));
        assert_eq!(parse_uint("010"), Some(8));
        assert_eq!(parse_uint("0o17"), Some(15));
        assert_eq!(parse_uint("0b101"), Some(5));
        assert_eq!(parse_uint("42"), Some(42));
        assert_eq!(parse_uint("0"), Some(0));
        for bad in [
            "",
            "0x",
            "+5",
            "0x+5",
            "-1",
            "0xfffffffffffffffff",
            "zz",
            "0x 1",
        ] {
            assert_eq!(parse_uint(bad), None, "{bad:?}");
        }
    }

    #[inline(never)]
    fn a_function_to_name() -> u64 {
        std::hint::black_box(7)
    }

    #[test]
    fn a_pc_of_this_process_gets_its_function_name() {
        let pc = a_function_to_name as *const () as usize as u64 + 1;
        let req = Request::new("GET", &format!("/debug/pprof/symbol?{pc:#x}+0x1+junk")).unwrap();
        let body = String::from_utf8(symbol(&req).into_body()).unwrap();
        let want = format!("num_symbols: 1\n{pc:#x} ");
        assert!(body.starts_with(&want), "{body}");
        assert!(body.trim_end().ends_with("a_function_to_name"), "{body}");
        assert_eq!(body.lines().count(), 2, "0x1 and junk are left out: {body}");

        let post = Request::new("POST", "/debug/pprof/symbol")
            .unwrap()
            .with_body(format!("{pc:#x}+{pc:#x}").into_bytes());
        let body = String::from_utf8(symbol(&post).into_body()).unwrap();
        assert_eq!(body.lines().count(), 3, "{body}");
    }

    #[test]
    fn get_without_addresses_says_symbols_exist() {
        let req = Request::new("GET", "/debug/pprof/symbol").unwrap();
        assert_eq!(symbol(&req).body(), b"num_symbols: 1\n");
    }
}
