//! The tokenizer of projection and filter queries, as benchproc's `parse/tok.go`:
//! words, "quoted words", /regexps/ (only where a value may be), and the operators
//! `( ) : @ , - *`. Peeking a token moves past the whitespace before it, as Go's
//! pointer-receiver methods do, so that errors point where Go's point.

use std::cell::RefCell;

use regex::Regex;

use crate::query::QueryError;

#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub(crate) kind: u8,
    pub(crate) off: usize,
    pub(crate) tok: String,
    pub(crate) regex: Option<Regex>,
}

/// The query and the first error found; tokenizers are cheap copies pointing into it.
pub(crate) struct Ctx<'a> {
    pub(crate) q: &'a str,
    pub(crate) err: RefCell<Option<QueryError>>,
}

#[derive(Clone, Copy)]
pub(crate) struct Toks<'c, 'a> {
    pub(crate) ctx: &'c Ctx<'a>,
    pub(crate) pos: usize,
}

fn is_op(c: char) -> bool {
    matches!(c, '(' | ')' | ':' | '@' | ',')
}

fn is_start_op(c: char) -> bool {
    is_op(c) || c == '-' || c == '*'
}

impl<'c, 'a> Toks<'c, 'a> {
    fn rest(&self) -> &'a str {
        &self.ctx.q[self.pos..]
    }

    pub(crate) fn error(&self, msg: &str) -> (Tok, Toks<'c, 'a>) {
        let mut err = self.ctx.err.borrow_mut();
        if err.is_none() {
            *err = Some(QueryError {
                query: self.ctx.q.to_string(),
                off: self.pos,
                msg: msg.to_string(),
            });
        }
        (
            Tok {
                kind: 0,
                off: self.ctx.q.len(),
                tok: String::new(),
                regex: None,
            },
            Toks {
                ctx: self.ctx,
                pos: self.ctx.q.len(),
            },
        )
    }

    fn tok(&self, kind: u8, len: usize, text: String) -> (Tok, Toks<'c, 'a>) {
        (
            Tok {
                kind,
                off: self.pos,
                tok: text,
                regex: None,
            },
            Toks {
                ctx: self.ctx,
                pos: self.pos + len,
            },
        )
    }

    // Like Go's pointer-receiver methods, peeking advances `self` past whitespace, so
    // later errors point at the next token.
    pub(crate) fn key_or_op(&mut self) -> (Tok, Toks<'c, 'a>) {
        self.next(false)
    }

    pub(crate) fn value_or_op(&mut self) -> (Tok, Toks<'c, 'a>) {
        self.next(true)
    }

    pub(crate) fn end(&mut self) -> Toks<'c, 'a> {
        let (t, _) = self.key_or_op();
        if t.kind != 0 {
            return self.error(&format!("unexpected {}", go_quote(&t.tok))).1;
        }
        *self
    }

    fn next(&mut self, allow_regexp: bool) -> (Tok, Toks<'c, 'a>) {
        while let Some(c) = self.rest().chars().next() {
            if is_start_op(c) {
                return self.tok(c as u8, 1, c.to_string());
            } else if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else if allow_regexp && c == '/' {
                return self.regexp();
            } else if c == '"' {
                return self.quoted_word();
            } else {
                return self.bare_word();
            }
        }
        self.tok(0, 0, String::new())
    }

    fn quoted_word(&self) -> (Tok, Toks<'c, 'a>) {
        let q = self.rest().as_bytes();
        let mut pos = 1;
        while pos < q.len() && (q[pos] != b'"' || q[pos - 1] == b'\\') {
            pos += 1;
        }
        if pos == q.len() {
            return self.error("missing end quote");
        }
        match go_unquote(&self.rest()[..=pos]) {
            Some(word) => self.tok(b'q', pos + 1, word),
            None => self.error("bad escape sequence"),
        }
    }

    fn bare_word(&self) -> (Tok, Toks<'c, 'a>) {
        let q = self.rest();
        let end = q
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || is_op(c))
            .map_or(q.len(), |(i, _)| i);
        let word = &q[..end];
        let kind = match word {
            "AND" => b'A',
            "OR" => b'O',
            _ => b'w',
        };
        self.tok(kind, end, word.to_string())
    }

    fn regexp(&self) -> (Tok, Toks<'c, 'a>) {
        let body = &self.rest()[1..];
        let Some(end) = regexp_end(body) else {
            return self.error("missing close \"/\"");
        };
        let expr = &body[..end];
        let re = match Regex::new(expr) {
            Ok(re) => re,
            Err(e) => return self.error(&e.to_string()),
        };
        let after = &body[end + 1..];
        if let Some(c) = after.chars().next() {
            if !(c.is_whitespace() || is_start_op(c)) {
                let t = Toks {
                    ctx: self.ctx,
                    pos: self.pos + 1 + end + 1,
                };
                return t
                    .error("regexp must be followed by space or an operator (unescaped \"/\"?)");
            }
        }
        let (mut tok, next) = self.tok(b'r', 1 + end + 1, expr.to_string());
        tok.regex = Some(re);
        (tok, next)
    }
}

/// The offset of the `/` closing a regexp: not inside a character class or group, and
/// not escaped.
fn regexp_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut cs, mut cp) = (0i32, 0i32);
    let mut i = 0;
    while i < b.len() {
        if cs == 0 && cp == 0 && b[i] == b'/' {
            return Some(i);
        }
        match b[i] {
            b'[' => cs += 1,
            b']' => cs = (cs - 1).max(0),
            b'(' if cs == 0 => cp += 1,
            b')' if cs == 0 => cp -= 1,
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Go's `strconv.Quote` for the ASCII printable strings of error messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.Unquote` for a double-quoted string.
pub(crate) fn go_unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\n' {
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let hex = |chars: &mut std::str::Chars<'_>, n: usize| -> Option<u32> {
            let h: String = chars.take(n).collect();
            if h.len() != n {
                return None;
            }
            u32::from_str_radix(&h, 16).ok()
        };
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            'x' => out.push(char::from_u32(hex(&mut chars, 2)?)?),
            'u' => out.push(char::from_u32(hex(&mut chars, 4)?)?),
            'U' => out.push(char::from_u32(hex(&mut chars, 8)?)?),
            '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                let v = u32::from_str_radix(&format!("{e}{rest}"), 8)
                    .ok()
                    .filter(|&v| v <= 255)?;
                out.push(char::from_u32(v)?);
            }
            _ => return None,
        }
    }
    Some(out)
}
