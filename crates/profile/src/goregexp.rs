//! Go's regexp syntax (RE2, as `regexp.Compile` reads it) rewritten for the `regex` crate, so
//! that `-focus=...` selects what it selects in go tool pprof.
//!
//! The two dialects agree on almost everything; where they part, Go's reading wins:
//!
//! - `\d`, `\w`, `\s`, `\b` and their negations are ASCII in Go (`\s` is `[\t\n\f\r ]`), Unicode
//!   in `regex`;
//! - a `{` that does not open a valid repeat (`{{closure}}`, `a{`, `x{a}`, `{01}`) is a literal
//!   in Go, an error in `regex`: Rust closures are named `f::{{closure}}`;
//! - `\<` and `\>` are literal `<` and `>` in Go, word boundaries in `regex`: Rust generics
//!   are named `Vec<T>`;
//! - `\Q...\E` quotes literal text and `\0`..`\7` start octal escapes in Go only;
//! - inside `[...]`, Go reads `[` (outside `[:name:]`), `&&`, `--` and `~~` as plain
//!   characters, `regex` as nested classes and set operations.
//!
//! Everything else is passed through, so `regex` still rejects what both reject. Some syntax
//! only `regex` knows (`(?x)`, repeats above 1000, `(?<name>...)`) is accepted, not rejected
//! as Go 1.19 would.

use std::fmt::Write;

/// Go's `\s`: tab, newline, form feed, carriage return, space (no vertical tab).
const SPACE: &str = r"\t\n\x0C\r ";
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";

/// Rewrites a regexp in Go's syntax to one the `regex` crate reads the same way.
///
/// Public, hidden, for the fuzz targets (`fuzz/`); not a stable API.
#[doc(hidden)]
pub fn translate(go: &str) -> String {
    let mut out = String::with_capacity(go.len() + 8);
    let mut rest = go;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\\' => rest = escape(rest, &mut out),
            '[' => rest = class(rest, &mut out),
            '{' => match repeat_len(rest) {
                Some(n) => {
                    out.push('{');
                    out.push_str(&rest[..n]);
                    rest = &rest[n..];
                }
                None => out.push_str(r"\{"),
            },
            '}' => out.push_str(r"\}"),
            '(' if flag_group_len(rest).is_some() => rest = flag_groups(rest, &mut out),
            // A named group matches as a plain one; the name is dropped, since Go lets two
            // groups share one (`(?P<n>a)|(?P<n>b)`) and `regex` does not.
            '(' if rest.starts_with("?P<") && rest.contains('>') => {
                out.push('(');
                rest = &rest[rest.find('>').map_or(0, |i| i + 1)..];
            }
            '(' if flag_open_len(rest).is_some() => {
                let n = flag_open_len(rest).unwrap_or(0);
                out.push_str("(?");
                flags(&rest[1..n - 1], &mut out);
                out.push(':');
                rest = &rest[n..];
            }
            _ => out.push(c),
        }
    }
    out
}

/// The length of a flags-only group after its `(`: `?i)`, `?s-m)`.
fn flag_group_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix('?')?;
    let n = body.bytes().take_while(|b| b"imsU-".contains(b)).count();
    (body.as_bytes().get(n) == Some(&b')')).then_some(n + 2)
}

/// The length of a group's opening with flags after its `(`: `?i:`, `?s-m:`, `?:`.
fn flag_open_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix('?')?;
    let n = body.bytes().take_while(|b| b"imsU-".contains(b)).count();
    (body.as_bytes().get(n) == Some(&b':')).then_some(n + 2)
}

/// Writes the flags `spec` (`ii-s`, between `(?` and `)` or `:`) as `regex` reads them. Go
/// lets a flag come twice (`(?ii)`, `(?i-i)`), the last one winning; `regex` rejects any
/// repeat, so each flag is written once, in the part that wins.
fn flags(spec: &str, out: &mut String) {
    let (mut on, mut off) = (String::new(), String::new());
    let mut negated = false;
    for c in spec.chars() {
        if c == '-' {
            negated = true;
            continue;
        }
        on.retain(|x| x != c);
        off.retain(|x| x != c);
        if negated { &mut off } else { &mut on }.push(c);
    }
    out.push_str(&on);
    if !off.is_empty() {
        out.push('-');
        out.push_str(&off);
    }
}

/// Flag groups after their first `(`, and the repeat that follows them, if any. Go applies
/// such a repeat to the expression before the groups (`a(?i)*` is `a*` with `i` set), which
/// `regex` rejects; since the groups match nothing, the repeat is written before them.
fn flag_groups<'a>(mut rest: &'a str, out: &mut String) -> &'a str {
    let mut groups = String::new();
    loop {
        let n = flag_group_len(rest).unwrap_or(0);
        // `(?)` sets no flag: Go accepts it, `regex` does not, so it is dropped.
        let mut set = String::new();
        flags(&rest[1..n - 1], &mut set);
        if !set.is_empty() {
            groups.push_str(&format!("(?{set})"));
        }
        rest = &rest[n..];
        match rest.strip_prefix('(') {
            Some(r) if flag_group_len(r).is_some() => rest = r,
            _ => break,
        }
    }
    let op = match rest.as_bytes().first() {
        Some(b'*' | b'+' | b'?') => 1,
        Some(b'{') => repeat_len(&rest[1..]).map_or(0, |n| n + 1),
        _ => 0,
    };
    let lazy = usize::from(op > 0 && rest[op..].starts_with('?'));
    out.push_str(&rest[..op + lazy]);
    out.push_str(&groups);
    &rest[op + lazy..]
}

/// The length of the repeat body after a `{` (`2}`, `2,}`, `2,5}`), if Go reads one there.
/// Go reads no repeat (and so a literal `{`) when a count has a leading zero.
fn repeat_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let leading_zero = |from: usize, n: usize| n >= 2 && b[from] == b'0';
    let n = digits(0);
    if n == 0 || leading_zero(0, n) {
        return None;
    }
    let mut i = n;
    if b.get(i) == Some(&b',') {
        i += 1;
        let m = digits(i);
        if leading_zero(i, m) {
            return None;
        }
        i += m;
    }
    (b.get(i) == Some(&b'}')).then_some(i + 1)
}

/// Writes `c` so that `regex` reads it as that character, in or out of a class.
fn literal(out: &mut String, c: char) {
    if c.is_alphanumeric() || c == '_' || (!c.is_ascii() && !c.is_whitespace()) {
        out.push(c);
    } else {
        let _ = write!(out, r"\x{{{:X}}}", c as u32);
    }
}

/// Translates the escape after a `\` outside a class; returns the text after it.
fn escape<'a>(rest: &'a str, out: &mut String) -> &'a str {
    let Some(c) = rest.chars().next() else {
        out.push('\\'); // A trailing backslash: let `regex` reject it.
        return rest;
    };
    let after = &rest[c.len_utf8()..];
    match c {
        'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
            let (neg, set) = perl_class(c);
            let _ = write!(out, "[{}{set}]", if neg { "^" } else { "" });
        }
        'b' | 'B' => {
            let _ = write!(out, r"(?-u:\{c})");
        }
        'Q' => {
            let (quoted, tail) = after.split_once(r"\E").unwrap_or((after, ""));
            quoted.chars().for_each(|q| literal(out, q));
            return tail;
        }
        '0'..='7' => return octal(c, after, out),
        // Arguments pass whole, so that their braces are not taken for literal ones.
        'p' | 'P' | 'x' => {
            let n = match (c, after.strip_prefix('{')) {
                (_, Some(r)) => r.find('}').map_or(after.len(), |i| i + 2),
                ('x', None) => after.chars().take(2).map(char::len_utf8).sum(),
                (_, None) => after.chars().next().map_or(0, char::len_utf8),
            };
            out.push('\\');
            out.push(c);
            out.push_str(&after[..n]);
            return &after[n..];
        }
        // Go: "escaped non-word characters are always themselves", spaces and controls too.
        _ if c.is_ascii() && !c.is_ascii_alphanumeric() => literal(out, c),
        // \A \z \a \f \n \r \t \v, and everything `regex` should reject.
        _ => {
            out.push('\\');
            out.push(c);
        }
    }
    after
}

/// Go's octal escapes: `\0` and up to two more octal digits, or `\1`-`\7` followed by at
/// least one (a lone `\1` is a backreference, which both dialects reject).
fn octal<'a>(first: char, after: &'a str, out: &mut String) -> &'a str {
    let more = after
        .bytes()
        .take(2)
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    if first != '0' && more == 0 {
        out.push('\\');
        out.push(first);
        return after;
    }
    let digits = format!("{first}{}", &after[..more]);
    let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
    let _ = write!(out, r"\x{{{code:X}}}");
    &after[more..]
}

/// Whether a Perl class letter is negated, and the ASCII set it stands for in Go.
fn perl_class(c: char) -> (bool, &'static str) {
    match c {
        'd' => (false, DIGIT),
        'D' => (true, DIGIT),
        'w' => (false, WORD),
        'W' => (true, WORD),
        's' => (false, SPACE),
        _ => (true, SPACE),
    }
}

/// Translates a class after its `[`, returning the text after its `]`. A class Go would
/// reject is passed through unchanged for `regex` to reject.
fn class<'a>(rest: &'a str, out: &mut String) -> &'a str {
    let mut body = String::from("[");
    let mut t = rest;
    if let Some(r) = t.strip_prefix('^') {
        body.push('^');
        t = r;
    }
    let mut first = true;
    loop {
        if t.is_empty() {
            // Unclosed: Go rejects it; make sure `regex` does too.
            out.push('[');
            out.push_str(rest);
            return "";
        }
        if t.starts_with(']') && !first {
            body.push(']');
            out.push_str(&body);
            return &t[1..];
        }
        first = false;
        if let Some(n) = named_class_len(t) {
            body.push_str(&t[..n]);
            t = &t[n..];
            continue;
        }
        if let Some(e) = t.strip_prefix('\\') {
            match e.chars().next() {
                Some(c @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) => {
                    let (neg, set) = perl_class(c);
                    match neg {
                        true => {
                            let _ = write!(body, "[^{set}]");
                        }
                        false => body.push_str(set),
                    }
                    t = &e[1..];
                    continue;
                }
                Some(c @ ('p' | 'P')) => {
                    let n = unicode_class_len(&e[1..]);
                    body.push('\\');
                    body.push(c);
                    body.push_str(&e[1..1 + n]);
                    t = &e[1 + n..];
                    continue;
                }
                _ => {}
            }
        }
        let Some(after) = class_char(t, &mut body) else {
            out.push('[');
            out.push_str(rest);
            return "";
        };
        t = after;
        // `a-` before `]` is `a` and `-`; otherwise `-` makes a range.
        if let Some(r) = t
            .strip_prefix('-')
            .filter(|r| !r.starts_with(']') && !r.is_empty())
        {
            body.push('-');
            let Some(after) = class_char(r, &mut body) else {
                out.push('[');
                out.push_str(rest);
                return "";
            };
            t = after;
        }
    }
}

/// The length of a POSIX class (`[:alpha:]`, `[:^digit:]`) at the start of `t`, if one.
fn named_class_len(t: &str) -> Option<usize> {
    let r = t.strip_prefix("[:")?;
    let end = r.find(":]")?;
    Some(2 + end + 2)
}

/// The length of `\p`'s argument: `{Name}` or one letter.
fn unicode_class_len(t: &str) -> usize {
    match t.strip_prefix('{') {
        Some(r) => r.find('}').map_or(t.len(), |i| i + 2),
        None => t.chars().next().map_or(0, char::len_utf8),
    }
}

/// One character of a class, plain or escaped, written to `body` as a literal; returns the
/// text after it, or `None` when Go would reject the escape.
fn class_char<'a>(t: &'a str, body: &mut String) -> Option<&'a str> {
    let c = t.chars().next()?;
    let after = &t[c.len_utf8()..];
    if c != '\\' {
        literal(body, c);
        return Some(after);
    }
    let e = after.chars().next()?;
    let tail = &after[e.len_utf8()..];
    let simple = match e {
        'a' => Some('\x07'),
        'f' => Some('\x0C'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0B'),
        _ if e.is_ascii() && !e.is_ascii_alphanumeric() => Some(e),
        _ => None,
    };
    if let Some(s) = simple {
        literal(body, s);
        return Some(tail);
    }
    match e {
        '0'..='7' => {
            let mut octal_text = String::new();
            let rest = octal(e, tail, &mut octal_text);
            if octal_text.starts_with(r"\x") {
                body.push_str(&octal_text);
                return Some(rest);
            }
            None
        }
        'x' => {
            // \xHH or \x{H...}: the same in both dialects.
            let n = match tail.strip_prefix('{') {
                Some(r) => r.find('}')? + 2,
                None => 2.min(tail.len()),
            };
            body.push_str(r"\x");
            body.push_str(&tail[..n]);
            Some(&tail[n..])
        }
        _ => None,
    }
}

/// Go's `regexp.Compile` error for `go`, in Go's words (`error parsing regexp: missing closing
/// ): `(``), for the mistakes people make at a prompt: unbalanced parentheses and brackets,
/// a repetition with nothing to repeat or repeated twice, a bad repeat count, a reversed
/// class range, an unknown or trailing escape, an unsupported `(?` group. `None` when Go's
/// parser would find none of these; the `regex` crate may still reject the expression, in
/// its own words.
///
/// Public, hidden, for the fuzz targets (`fuzz/`); not a stable API.
#[doc(hidden)]
pub fn go_syntax_error(go: &str) -> Option<String> {
    let fail = |code: &str, text: &str| Some(format!("error parsing regexp: {code}: `{text}`"));
    let b = go.as_bytes();
    let mut open = 0usize;
    // Whether something a repetition can apply to precedes (not the start, `(` or `|`).
    let mut operand = false;
    // Where the previous token began, if it was a repetition.
    let mut last_repeat: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let mut repeat = None;
        match b[i] {
            b'(' => {
                if b.get(i + 1) == Some(&b'?') {
                    match syntax_perl_group(&go[i..]) {
                        Ok((len, opens)) => {
                            i += len;
                            if opens {
                                open += 1;
                                operand = false;
                            }
                        }
                        Err((code, text)) => return fail(code, text),
                    }
                } else {
                    open += 1;
                    operand = false;
                    i += 1;
                }
            }
            b')' => {
                if open == 0 {
                    return fail("unexpected )", go);
                }
                open -= 1;
                operand = true;
                i += 1;
            }
            b'|' => {
                operand = false;
                i += 1;
            }
            b'[' => match syntax_class_len(&go[i..]) {
                Ok(len) => {
                    operand = true;
                    i += len;
                }
                Err((code, text)) => return fail(code, text),
            },
            b'*' | b'+' | b'?' => {
                let mut end = i + 1;
                if b.get(end) == Some(&b'?') {
                    end += 1;
                }
                repeat = Some(end);
            }
            b'{' => match repeat_len(&go[i + 1..]) {
                Some(n) => {
                    let body = &go[i + 1..i + n];
                    let (min, max) = match body.split_once(',') {
                        None => (body, Some(body)),
                        Some((min, "")) => (min, None),
                        Some((min, max)) => (min, Some(max)),
                    };
                    let num = |s: &str| s.parse::<u32>().unwrap_or(u32::MAX);
                    let (min, max) = (num(min), max.map(num));
                    if min > 1000 || max.is_some_and(|m| m > 1000 || min > m) {
                        return fail("invalid repeat count", &go[i..i + n + 1]);
                    }
                    let mut end = i + n + 1;
                    if b.get(end) == Some(&b'?') {
                        end += 1;
                    }
                    repeat = Some(end);
                }
                None => {
                    operand = true;
                    i += 1;
                }
            },
            b'\\' => match syntax_escape_len(&go[i..]) {
                Ok(len) => {
                    operand = true;
                    i += len;
                }
                Err((code, text)) => return fail(code, text),
            },
            _ => {
                operand = true;
                i += go[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if let Some(end) = repeat {
            if let Some(lr) = last_repeat {
                return fail("invalid nested repetition operator", &go[lr..end]);
            }
            if !operand {
                return fail("missing argument to repetition operator", &go[start..end]);
            }
            last_repeat = Some(start);
            i = end;
        } else {
            last_repeat = None;
        }
    }
    if open > 0 {
        return fail("missing closing )", go);
    }
    None
}

type SyntaxError<'a> = (&'static str, &'a str);

/// The length of a `(?...` construct, and whether it opens a group (`(?i:`, `(?P<name>`) rather
/// than only setting flags (`(?i)`).
fn syntax_perl_group(s: &str) -> Result<(usize, bool), SyntaxError<'_>> {
    if let Some(rest) = s.strip_prefix("(?P<") {
        let Some(end) = rest.find('>') else {
            return Err(("invalid named capture", s));
        };
        let name = &rest[..end];
        let valid =
            !name.is_empty() && name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric());
        if !valid {
            return Err(("invalid named capture", &s[..4 + end + 1]));
        }
        return Ok((4 + end + 1, true));
    }
    let mut sign = false;
    let mut any = false;
    for (k, c) in s.char_indices().skip(2) {
        match c {
            'i' | 'm' | 's' | 'U' => any = true,
            '-' if !sign => {
                sign = true;
                any = false;
            }
            ':' | ')' if !sign || any => return Ok((k + 1, c == ':')),
            _ => return Err(("invalid or unsupported Perl syntax", &s[..k + c.len_utf8()])),
        }
    }
    Err(("invalid or unsupported Perl syntax", s))
}

/// The length of a bracketed class `[...]`, checking its ranges and names, as Go's
/// `parseClass` reads it.
fn syntax_class_len(s: &str) -> Result<usize, SyntaxError<'_>> {
    let b = s.as_bytes();
    let mut i = 1;
    if b.get(i) == Some(&b'^') {
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(("missing closing ]", s));
        };
        if c == b']' && !first {
            return Ok(i + 1);
        }
        first = false;
        let rest = &s[i..];
        if let Some(body) = rest.strip_prefix("[:") {
            if let Some(end) = body.find(":]") {
                let name = &body[..end];
                let name = name.strip_prefix('^').unwrap_or(name);
                if !SYNTAX_POSIX_CLASSES.contains(&name) {
                    return Err(("invalid character class range", &rest[..2 + end + 2]));
                }
                i += 2 + end + 2;
                continue;
            }
        }
        if let Some(len) = syntax_unicode_class_len(rest) {
            i += len?;
            continue;
        }
        if rest.len() >= 2 && rest.starts_with('\\') && b"dDsSwW".contains(&rest.as_bytes()[1]) {
            i += 2;
            continue;
        }
        let (lo, len) = syntax_class_char(rest)?;
        let lo_start = i;
        i += len;
        if b.get(i) == Some(&b'-') && b.get(i + 1).is_some_and(|&c| c != b']') {
            let (hi, len) = syntax_class_char(&s[i + 1..])?;
            i += 1 + len;
            if hi < lo {
                return Err(("invalid character class range", &s[lo_start..i]));
            }
        }
    }
}

/// The names Go accepts in `[[:name:]]`.
const SYNTAX_POSIX_CLASSES: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// One character of a class and its length (Go's `parseClassChar`).
fn syntax_class_char(s: &str) -> Result<(char, usize), SyntaxError<'_>> {
    if s.starts_with('\\') {
        return syntax_parse_escape(s);
    }
    let c = s.chars().next().ok_or(("missing closing ]", s))?;
    Ok((c, c.len_utf8()))
}

/// The length of `\pN`, `\p{Name}`, `\PN`, `\P{^Name}` at the start of `s`, if it starts
/// with one; an error for an unknown one-letter category or a missing `}`. Longer names are
/// not checked here (the `regex` crate rejects the unknown ones).
fn syntax_unicode_class_len(s: &str) -> Option<Result<usize, SyntaxError<'_>>> {
    let rest = s.strip_prefix("\\p").or_else(|| s.strip_prefix("\\P"))?;
    let bad = ("invalid character class range", s);
    Some(match rest.chars().next() {
        None => Err(("invalid escape sequence", s)),
        Some('{') => match rest.find('}') {
            Some(e) => Ok(2 + e + 1),
            None => Err(bad),
        },
        Some(c) if "CLMNPSZ".contains(c) => Ok(3),
        Some(c) => Err(("invalid character class range", &s[..2 + c.len_utf8()])),
    })
}

/// The length of an escape sequence outside a class, as Go's parser reads it: the assertions
/// and classes it handles itself, `\Q...\E`, then [`syntax_parse_escape`].
fn syntax_escape_len(s: &str) -> Result<usize, SyntaxError<'_>> {
    match s.as_bytes().get(1) {
        None => Err(("trailing backslash at end of expression", "")),
        Some(b'A' | b'z' | b'b' | b'B' | b'd' | b'D' | b's' | b'S' | b'w' | b'W') => Ok(2),
        Some(b'Q') => Ok(s[2..].find("\\E").map_or(s.len(), |e| 2 + e + 2)),
        Some(b'p' | b'P') => syntax_unicode_class_len(s).unwrap_or(Ok(2)),
        Some(_) => syntax_parse_escape(s).map(|(_, len)| len),
    }
}

/// Go's `parseEscape`: the character an escape sequence stands for, and its length.
fn syntax_parse_escape(s: &str) -> Result<(char, usize), SyntaxError<'_>> {
    let rest = &s[1..];
    let Some(c) = rest.chars().next() else {
        return Err(("trailing backslash at end of expression", ""));
    };
    let b = rest.as_bytes();
    // Go reads whole characters: an escape cut inside one (`\x*Ǉ`) is quoted up to its end.
    let invalid = |len: usize| {
        let end = (len.min(s.len())..=s.len())
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(s.len());
        Err(("invalid escape sequence", &s[..end]))
    };
    match c {
        // A single non-zero digit would be a backreference, which Go does not support.
        '1'..='7' if !b.get(1).is_some_and(|d| (b'0'..=b'7').contains(d)) => invalid(2),
        '0'..='7' => {
            let n = 1 + b[1..]
                .iter()
                .take(2)
                .take_while(|d| (b'0'..=b'7').contains(d))
                .count();
            let v = u32::from_str_radix(&rest[..n], 8).unwrap_or(0);
            Ok((char::from_u32(v).unwrap_or('\0'), 1 + n))
        }
        'x' => {
            if b.get(1) == Some(&b'{') {
                let n = b[2..].iter().take_while(|d| d.is_ascii_hexdigit()).count();
                return match b.get(2 + n) {
                    Some(b'}') if n > 0 => {
                        let v = u32::from_str_radix(&rest[2..2 + n], 16).ok();
                        match v.and_then(char::from_u32) {
                            Some(c) => Ok((c, 1 + 2 + n + 1)),
                            None => invalid(1 + 2 + n + 1),
                        }
                    }
                    Some(_) => invalid(1 + 2 + n + 1),
                    None => invalid(s.len()),
                };
            }
            match b.get(1..3) {
                Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {
                    let v = u32::from_str_radix(&rest[1..3], 16).unwrap_or(0);
                    Ok((char::from_u32(v).unwrap_or('\0'), 4))
                }
                _ => invalid(4),
            }
        }
        'a' => Ok(('\x07', 2)),
        'f' => Ok(('\x0C', 2)),
        'n' => Ok(('\n', 2)),
        'r' => Ok(('\r', 2)),
        't' => Ok(('\t', 2)),
        'v' => Ok(('\x0B', 2)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c, 2)),
        c => invalid(1 + c.len_utf8()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn is_match(go: &str, text: &str) -> bool {
        Regex::new(&translate(go))
            .unwrap_or_else(|e| panic!("{go} -> {}: {e}", translate(go)))
            .is_match(text)
    }

    #[test]
    fn braces_that_open_no_repeat_are_literal() {
        assert!(is_match("{{closure}}", "app::main::{{closure}}"));
        assert!(is_match("a{", "xa{"));
        assert!(is_match("x{a}", "x{a}"));
        // A leading zero makes no count, so no repeat.
        assert!(is_match("a{01}", "a{01}"));
        assert!(!is_match("a{01}", "a"));
        assert!(is_match("^a{2}$", "aa"));
        assert!(is_match("^a{2,}$", "aaa"));
        assert!(is_match("^a{1,2}?$", "a"));
    }

    #[test]
    fn a_repeat_after_flag_groups_applies_to_what_precedes_them() {
        assert!(is_match("^xa(?i){2}$", "xaa"));
        assert!(is_match("^a(?s)(?i)*b$", "aaab"));
        assert!(is_match("^a(?i)b$", "aB"));
        assert!(Regex::new(&translate("(?i)*")).is_err());
    }

    #[test]
    fn repeated_and_empty_flags_are_read_as_go_reads_them() {
        // Found by fuzz/fuzz_targets/go_regexp.rs; Go 1.19's regexp.MatchString gives each
        // answer (`regex` rejected all of these as "duplicate flag" or "missing expression").
        assert!(is_match("^(?ii)a$", "A"));
        assert!(!is_match("^(?i-i)a$", "A"));
        assert!(is_match("^(?i-i)a$", "a"));
        assert!(is_match("^(?)a$", "a"));
        assert!(is_match("^x(?)*$", "xxx"));
        assert!(is_match("^(?ii:a)b$", "Ab"));
        assert!(!is_match("^(?i-i:a)b$", "Ab"));
        assert!(!is_match("^(?sm-ims:a.)$", "a\n"));
        assert!(is_match("^(?sm-ims:a.)$", "ax"));
        assert!(!is_match("^(?sm-ims:a.)$", "Ax"));
        assert!(is_match("^(?U-U)a+$", "aa"));
    }

    #[test]
    fn group_names_may_repeat() {
        // Found by fuzz/fuzz_targets/go_regexp.rs: Go 1.19 compiles both, `regex` rejected them
        // ("duplicate capture group name").
        assert!(is_match("^(?P<n>a)(?P<n>b)$", "ab"));
        assert!(is_match("^(?P<n>a)|(?P<n>b)$", "b"));
        assert!(!is_match("^(?P<n>a)|(?P<n>b)$", "c"));
    }

    #[test]
    fn escaped_spaces_and_controls_are_literal() {
        // Found by fuzz/fuzz_targets/go_regexp.rs: Go reads any escaped ASCII character that
        // is not a letter or digit as itself (answers from Go 1.19's regexp.MatchString).
        assert!(is_match("^a\\ b$", "a b"));
        assert!(is_match("^\\\tx$", "\tx"));
        assert!(is_match("^[\\\0]$", "\0"));
        assert!(!is_match("^[\\\0]$", "\\"));
        assert_eq!(go_syntax_error("a\\\0b"), None);
    }

    #[test]
    fn a_bad_hex_escape_is_quoted_to_the_end_of_its_characters() {
        // Found by fuzz/fuzz_targets/go_regexp.rs: the quote ended inside `Ǉ` and panicked.
        // Go 1.19's regexp.Compile gives these messages.
        assert_eq!(
            go_syntax_error("L01\\x*Ǉ").as_deref(),
            Some("error parsing regexp: invalid escape sequence: `\\x*Ǉ`")
        );
        assert_eq!(
            go_syntax_error("\\x{4Ǉ}").as_deref(),
            Some("error parsing regexp: invalid escape sequence: `\\x{4Ǉ`")
        );
    }

    #[test]
    fn perl_classes_and_boundaries_are_ascii() {
        assert!(!is_match(r"^\d$", "٣")); // Arabic-Indic three is a Unicode digit.
        assert!(is_match(r"^\D$", "٣"));
        assert!(!is_match(r"^\w+$", "café"));
        assert!(!is_match(r"^\s$", "\u{0B}")); // Go's \s has no vertical tab.
        assert!(is_match(r"^[\d\s]+$", "1 2"));
        assert!(is_match(r"^[^\D]$", "7"));
        // "é" is no ASCII word character, so there is a boundary between "f" and "é".
        assert!(is_match(r"f\b", "café"));
    }

    #[test]
    fn escaped_punctuation_is_literal() {
        assert!(is_match(r"Vec\<u8\>", "alloc::vec::Vec<u8>"));
        assert!(is_match(r"main\.\(\*T\)\.M", "main.(*T).M"));
        assert!(is_match(r"\Qa.b(\E+", "a.b(("));
        assert!(!is_match(r"\Qa.b\E", "axb"));
        assert!(is_match(r"\101\0", "A\0"));
        assert!(is_match(r"^\p{Greek}\x{41}\x42\pL$", "αABc"));
    }

    #[test]
    fn classes_read_brackets_and_operators_as_characters() {
        assert!(is_match("^[[]$", "["));
        assert!(is_match("^[a&&b]+$", "a&&b"));
        assert!(is_match("^[a~~b]+$", "~"));
        assert!(is_match("^[]a]+$", "]a"));
        assert!(is_match("^[a-]+$", "-a"));
        assert!(is_match("^[[:alpha:]]+$", "abc"));
        assert!(is_match(r"^[\pL\x{41}-\x{43}]+$", "BzA"));
        assert!(is_match(r"^[\.\-]+$", ".-"));
    }

    #[test]
    fn what_both_reject_stays_rejected() {
        for bad in ["(", "[a", r"\8", r"\Z", "*", "a{2,1}", r"\", "[z-a]"] {
            assert!(Regex::new(&translate(bad)).is_err(), "{bad}");
        }
    }

    /// Go 1.19's `regexp.Compile` errors for these expressions (printed by a Go program
    /// reading them one per line), or `None` where Go compiles them.
    const GO_ERRORS: &[(&str, Option<&str>)] = &[
        (
            r#"("#,
            Some(r#"error parsing regexp: missing closing ): `(`"#),
        ),
        (
            r#"a(b"#,
            Some(r#"error parsing regexp: missing closing ): `a(b`"#),
        ),
        (r#")"#, Some(r#"error parsing regexp: unexpected ): `)`"#)),
        (
            r#"a)b"#,
            Some(r#"error parsing regexp: unexpected ): `a)b`"#),
        ),
        (
            r#"((a)"#,
            Some(r#"error parsing regexp: missing closing ): `((a)`"#),
        ),
        (
            r#"[a"#,
            Some(r#"error parsing regexp: missing closing ]: `[a`"#),
        ),
        (
            r#"[]"#,
            Some(r#"error parsing regexp: missing closing ]: `[]`"#),
        ),
        (
            r#"[]a"#,
            Some(r#"error parsing regexp: missing closing ]: `[]a`"#),
        ),
        (r#"[^]a]"#, None),
        (
            r#"[z-a]"#,
            Some(r#"error parsing regexp: invalid character class range: `z-a`"#),
        ),
        (
            r#"[a-\d]"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\d`"#),
        ),
        (r#"[\d-z]"#, None),
        (
            r#"*"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `*`"#),
        ),
        (
            r#"*a"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `*`"#),
        ),
        (
            r#"a**"#,
            Some(r#"error parsing regexp: invalid nested repetition operator: `**`"#),
        ),
        (
            r#"a*?*"#,
            Some(r#"error parsing regexp: invalid nested repetition operator: `*?*`"#),
        ),
        (
            r#"a*+"#,
            Some(r#"error parsing regexp: invalid nested repetition operator: `*+`"#),
        ),
        (
            r#"a|*"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `*`"#),
        ),
        (
            r#"(*)"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `*`"#),
        ),
        (
            r#"+?x"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `+?`"#),
        ),
        (
            r#"a{2,1}"#,
            Some(r#"error parsing regexp: invalid repeat count: `{2,1}`"#),
        ),
        (
            r#"a{1001}"#,
            Some(r#"error parsing regexp: invalid repeat count: `{1001}`"#),
        ),
        (
            r#"{2}"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `{2}`"#),
        ),
        (
            r#"x{2}{3}"#,
            Some(r#"error parsing regexp: invalid nested repetition operator: `{2}{3}`"#),
        ),
        (r#"a{,3}"#, None),
        (
            r#"\"#,
            Some(r#"error parsing regexp: trailing backslash at end of expression: ``"#),
        ),
        (
            r#"a\"#,
            Some(r#"error parsing regexp: trailing backslash at end of expression: ``"#),
        ),
        (
            r#"\q"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\q`"#),
        ),
        (
            r#"\1"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\1`"#),
        ),
        (r#"\12"#, None),
        (
            r#"\8"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\8`"#),
        ),
        (
            r#"\xZZ"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\xZZ`"#),
        ),
        (
            r#"\x{zz}"#,
            Some(r#"error parsing regexp: invalid escape sequence: `\x{z`"#),
        ),
        (
            r#"\pX"#,
            Some(r#"error parsing regexp: invalid character class range: `\pX`"#),
        ),
        (
            r#"\p{Greek"#,
            Some(r#"error parsing regexp: invalid character class range: `\p{Greek`"#),
        ),
        (
            r#"(?x)"#,
            Some(r#"error parsing regexp: invalid or unsupported Perl syntax: `(?x`"#),
        ),
        (
            r#"(?i"#,
            Some(r#"error parsing regexp: invalid or unsupported Perl syntax: `(?i`"#),
        ),
        (r#"(?P<1a>x)"#, None),
        (
            r#"(?P<name"#,
            Some(r#"error parsing regexp: invalid named capture: `(?P<name`"#),
        ),
        (
            r#"(?P=name)"#,
            Some(r#"error parsing regexp: invalid or unsupported Perl syntax: `(?P`"#),
        ),
        (
            r#"(?-)"#,
            Some(r#"error parsing regexp: invalid or unsupported Perl syntax: `(?-)`"#),
        ),
        (
            r#"(?i-)"#,
            Some(r#"error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`"#),
        ),
        (r#"(?)"#, None),
        (
            r#"(?i)*"#,
            Some(r#"error parsing regexp: missing argument to repetition operator: `*`"#),
        ),
        (r#"main\.foo"#, None),
        (r#"^*"#, None),
        (r#"$*"#, None),
        (r#"\b*"#, None),
        (
            r#"[[:alpha:]"#,
            Some(r#"error parsing regexp: missing closing ]: `[[:alpha:]`"#),
        ),
        (
            r#"[[:foo:]]"#,
            Some(r#"error parsing regexp: invalid character class range: `[:foo:]`"#),
        ),
        (
            r#"a{2}?{3}"#,
            Some(r#"error parsing regexp: invalid nested repetition operator: `{2}?{3}`"#),
        ),
        (r#"\Qa*\E*"#, None),
    ];

    #[test]
    fn syntax_errors_are_go_s_words_for_go_s_mistakes() {
        for (expr, want) in GO_ERRORS {
            assert_eq!(go_syntax_error(expr).as_deref(), *want, "{expr}");
        }
    }
}
