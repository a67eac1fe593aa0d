//! The syntax of benchstat's projections (`-row /n@num,.file`) and filters
//! (`.name:Sort -/n:(10 OR 100)`), as golang.org/x/perf's `benchproc/internal/parse`.
//!
//! Projection: comma- or space-separated keys, each with an optional sort order:
//! `key@alpha`, `key@num`, `key@(v1 v2 ...)` (a fixed order that also filters), or the
//! default first-appearance order. Filter: `key:value`, `key:"quoted"`,
//! `key:/regexp/`, `key:(a OR b)`, `*`, juxtaposition or `AND`, `OR`, `-x` for not,
//! and parentheses.

use std::cell::RefCell;

use regex::Regex;

use crate::token::{Ctx, Tok, Toks, go_quote};

/// A syntax error in a projection or filter, printed as benchproc prints it: the
/// message, the query, and a caret under the offending place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The query as written.
    pub query: String,
    /// Byte offset of the error in the query.
    pub off: usize,
    /// What is wrong.
    pub msg: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pos = self
            .query
            .char_indices()
            .take_while(|&(i, _)| i < self.off)
            .filter(|&(_, c)| !c.is_control())
            .count();
        write!(
            f,
            "syntax error: {}\n\t{}\n\t{:pos$}^",
            self.msg, self.query, ""
        )
    }
}

/// One key of a projection, with its sort order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The key (`.name`, `/n`, `goos`).
    pub key: String,
    /// `first`, `alpha`, `num`, `fixed`, or an unknown name to reject.
    pub order: String,
    /// The values of a fixed order.
    pub fixed: Vec<String>,
    /// Byte offset of the key.
    pub key_off: usize,
    /// Byte offset of the order.
    pub order_off: usize,
}

/// Parses a projection.
///
/// # Errors
///
/// The first syntax error.
pub fn parse_projection(q: &str) -> Result<Vec<FieldSpec>, QueryError> {
    let ctx = Ctx {
        q,
        err: RefCell::new(None),
    };
    let mut toks = Toks { ctx: &ctx, pos: 0 };
    let mut fields = Vec::new();
    loop {
        let (t, next) = toks.key_or_op();
        if t.kind == 0 {
            break;
        } else if t.kind == b',' && !fields.is_empty() {
            toks = next;
        }
        let (f, next) = parse_field(toks);
        toks = next;
        fields.push(f);
    }
    toks.end();
    match ctx.err.into_inner() {
        Some(e) => Err(e),
        None => Ok(fields),
    }
}

fn parse_field<'c, 'a>(mut toks: Toks<'c, 'a>) -> (FieldSpec, Toks<'c, 'a>) {
    let mut f = FieldSpec {
        key: String::new(),
        order: String::new(),
        fixed: Vec::new(),
        key_off: 0,
        order_off: 0,
    };
    let (key, next) = toks.key_or_op();
    if !(key.kind == b'w' || key.kind == b'q') {
        return (f, toks.error("expected key").1);
    }
    let mut toks = next;
    f.key = key.tok.clone();
    f.key_off = key.off;
    f.order = "first".to_string();
    f.order_off = key.off + key.tok.len();
    let (sep, next) = toks.key_or_op();
    if sep.kind != b'@' {
        return (f, toks);
    }
    toks = next;
    let (order, next) = toks.key_or_op();
    f.order_off = order.off;
    if order.kind == b'w' || order.kind == b'q' {
        f.order = order.tok;
        return (f, next);
    }
    if order.kind == b'(' {
        f.order = "fixed".to_string();
        toks = next;
        loop {
            let (t, next) = toks.key_or_op();
            if t.kind == b'w' || t.kind == b'q' {
                toks = next;
                f.fixed.push(t.tok);
            } else if t.kind == b')' {
                if f.fixed.is_empty() {
                    toks = toks.error("nothing to match").1;
                } else {
                    toks = next;
                }
                break;
            } else {
                toks = toks.error("missing )").1;
                break;
            }
        }
        return (f, toks);
    }
    (
        f,
        toks.error("expected named sort order or parenthesized list")
            .1,
    )
}

/// A parsed filter expression.
#[derive(Debug, Clone)]
pub enum FilterExpr {
    /// All sub-expressions match (empty: `*`, matches everything).
    And(Vec<FilterExpr>),
    /// Any sub-expression matches.
    Or(Vec<FilterExpr>),
    /// The sub-expression does not match.
    Not(Box<FilterExpr>),
    /// `key:value` or `key:/regexp/`.
    Match {
        /// The key.
        key: String,
        /// The literal value, when not a regexp.
        lit: String,
        /// The regexp, unanchored.
        regex: Option<Regex>,
        /// Byte offset of the key, for errors.
        off: usize,
    },
}

/// Parses a filter.
///
/// # Errors
///
/// The first syntax error.
pub fn parse_filter(q: &str) -> Result<FilterExpr, QueryError> {
    let ctx = Ctx {
        q,
        err: RefCell::new(None),
    };
    let toks = Toks { ctx: &ctx, pos: 0 };
    let (expr, mut toks) = filter_expr(toks);
    toks.end();
    match ctx.err.into_inner() {
        Some(e) => Err(e),
        None => Ok(expr),
    }
}

fn filter_expr<'c, 'a>(mut toks: Toks<'c, 'a>) -> (FilterExpr, Toks<'c, 'a>) {
    let mut terms = Vec::new();
    loop {
        let (q, next) = and_expr(toks);
        toks = next;
        terms.push(q);
        let (op, next) = toks.key_or_op();
        if op.kind != b'O' {
            break;
        }
        toks = next;
    }
    if terms.len() == 1 {
        (terms.pop().expect("one term"), toks)
    } else {
        (FilterExpr::Or(terms), toks)
    }
}

fn and_expr<'c, 'a>(toks: Toks<'c, 'a>) -> (FilterExpr, Toks<'c, 'a>) {
    let (q, mut toks) = match_expr(toks);
    let mut terms = vec![q];
    loop {
        let (op, next) = toks.key_or_op();
        match op.kind {
            b'A' => toks = next,
            b'(' | b'-' | b'*' | b'w' | b'q' => {
                let (q, next) = match_expr(toks);
                toks = next;
                terms.push(q);
            }
            b')' | b'O' | 0 => break,
            _ => {
                let t = toks.error(&format!("unexpected {}", go_quote(&op.tok))).1;
                return (FilterExpr::And(Vec::new()), t);
            }
        }
    }
    if terms.len() == 1 {
        (terms.pop().expect("one term"), toks)
    } else {
        (FilterExpr::And(terms), toks)
    }
}

fn mk_match(off: usize, key: &str, val: Tok) -> FilterExpr {
    match val.regex {
        Some(re) => FilterExpr::Match {
            key: key.to_string(),
            lit: String::new(),
            regex: Some(re),
            off,
        },
        None => FilterExpr::Match {
            key: key.to_string(),
            lit: val.tok,
            regex: None,
            off,
        },
    }
}

fn match_expr<'c, 'a>(mut start: Toks<'c, 'a>) -> (FilterExpr, Toks<'c, 'a>) {
    let fail = |t: Toks<'c, 'a>, msg: &str| (FilterExpr::And(Vec::new()), t.error(msg).1);
    let (tok, mut rest) = start.key_or_op();
    match tok.kind {
        b'(' => {
            let (q, mut rest) = filter_expr(rest);
            let (op, next) = rest.key_or_op();
            if op.kind != b')' {
                return fail(rest, "missing \")\"");
            }
            (q, next)
        }
        b'-' => {
            let (q, rest) = match_expr(rest);
            (FilterExpr::Not(Box::new(q)), rest)
        }
        b'*' => (FilterExpr::And(Vec::new()), rest),
        b'w' | b'q' => {
            let (off, key) = (tok.off, tok.tok);
            let (op, next) = rest.key_or_op();
            if op.kind != b':' {
                return fail(start, "expected key:value");
            }
            let mut next = next;
            let (val, mut rest) = next.value_or_op();
            match val.kind {
                b'w' | b'q' | b'r' => (mk_match(off, &key, val), rest),
                b'(' => {
                    let mut terms = Vec::new();
                    loop {
                        let (val, next) = rest.value_or_op();
                        match val.kind {
                            b'w' | b'q' | b'r' => terms.push(mk_match(off, &key, val)),
                            _ => return fail(rest, "expected value"),
                        }
                        rest = next;
                        let (sep, next) = rest.value_or_op();
                        match sep.kind {
                            b')' => return (FilterExpr::Or(terms), next),
                            b'O' => rest = next,
                            _ => return fail(rest, "value list must be separated by OR"),
                        }
                    }
                }
                _ => fail(start, "expected key:value"),
            }
        }
        _ => fail(start, "expected key:value or subexpression"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_projections_with_orders() {
        let f = parse_projection("/n@num,.file@(b a) goos").expect("parses");
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.key.as_str(), f.order.as_str()))
            .collect();
        assert_eq!(got, [("/n", "num"), (".file", "fixed"), ("goos", "first")]);
        assert_eq!(f[1].fixed, ["b", "a"]);
    }

    /// Messages and caret columns as Go's benchstat printed them (after
    /// `benchstat: parsing -filter: ` or `-row: `), for the same queries.
    #[test]
    fn reports_errors_with_a_caret_where_go_does() {
        let filters = [
            ("a:b c", "expected key:value", 4),
            ("a:(b c)", "value list must be separated by OR", 5),
            ("(a:b", "missing \")\"", 4),
            (
                "a:/x/y",
                "regexp must be followed by space or an operator (unescaped \"/\"?)",
                5,
            ),
            ("a:\"b", "missing end quote", 2),
            ("x:y )", "unexpected \")\"", 4),
        ];
        for (q, msg, col) in filters {
            let e = parse_filter(q).expect_err(q);
            assert_eq!(
                e.to_string(),
                format!("syntax error: {msg}\n\t{q}\n\t{}^", " ".repeat(col)),
                "{q}"
            );
        }
        let projections = [
            ("a@(", "missing )", 3),
            ("a@", "expected named sort order or parenthesized list", 2),
            ("a@(x", "missing )", 4),
            ("a,,b", "expected key", 2),
        ];
        for (q, msg, col) in projections {
            let e = parse_projection(q).expect_err(q);
            assert_eq!(
                e.to_string(),
                format!("syntax error: {msg}\n\t{q}\n\t{}^", " ".repeat(col)),
                "{q}"
            );
        }
    }

    #[test]
    fn parses_filters() {
        let e = parse_filter(r#"/n:(10 OR 1000) -.unit:allocs/op .name:/^S/ "k":"v w""#)
            .expect("parses");
        let FilterExpr::And(terms) = e else {
            panic!("want and")
        };
        assert_eq!(terms.len(), 4);
        assert!(matches!(&terms[0], FilterExpr::Or(v) if v.len() == 2));
        assert!(matches!(&terms[1], FilterExpr::Not(_)));
        assert!(matches!(&terms[3], FilterExpr::Match { lit, .. } if lit == "v w"));
    }
}
