//! Which benchmarks run: `-bench` matched level by level, as Go's `testing/match.go` does.
//!
//! The pattern splits on `/` and `|` outside brackets and parentheses. Each `/`-separated element
//! must match (unanchored, as `regexp.MatchString`) the name element at the same depth; a name
//! deeper than the pattern matches on its prefix, and a name shallower than the pattern matches
//! *partially*: its sub-benchmarks may still match, so it runs once to discover them but is not
//! measured itself. `|` at the top level separates alternatives.
//!
//! Sub-benchmark names are sanitized (spaces become `_`, unprintable characters are escaped)
//! and made unique with `#01`, `#02`... suffixes, as Go names subtests.

use std::collections::HashMap;

use regex::Regex;

/// Splits a pattern into alternatives of `/`-separated elements (Go's `splitRegexp`).
pub(crate) fn split_pattern(pattern: &str) -> Vec<Vec<String>> {
    let mut alternatives = Vec::new();
    let mut elems = Vec::new();
    let (mut brackets, mut parens) = (0i32, 0i32);
    let mut s = pattern;
    let mut i = 0;
    let bytes = |s: &str, i: usize| s.as_bytes()[i];
    while i < s.len() {
        match bytes(s, i) {
            b'[' => brackets += 1,
            // An unmatched ']' is legal.
            b']' => brackets = (brackets - 1).max(0),
            b'(' if brackets == 0 => parens += 1,
            b')' if brackets == 0 => parens -= 1,
            b'\\' => i += 1,
            sep @ (b'/' | b'|') if brackets == 0 && parens == 0 => {
                elems.push(s[..i].to_string());
                s = &s[i + 1..];
                i = 0;
                if sep == b'|' {
                    alternatives.push(std::mem::take(&mut elems));
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    elems.push(s.to_string());
    alternatives.push(elems);
    alternatives
}

/// Compiled `-bench` pattern plus the table of names already handed out.
#[derive(Debug)]
pub(crate) struct Matcher {
    /// Alternatives, each a list of per-level regexps; `None` matches everything.
    filter: Option<Vec<Vec<Regex>>>,
    sub_names: HashMap<String, i64>,
}

impl Matcher {
    /// Compiles `pattern`; its elements were checked when the flags were parsed.
    pub(crate) fn new(pattern: Option<&str>) -> Result<Matcher, regex::Error> {
        let filter = match pattern {
            None | Some("") => None,
            Some(p) => Some(
                split_pattern(p)
                    .iter()
                    .map(|alt| alt.iter().map(|e| Regex::new(&rewrite(e))).collect())
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Matcher {
            filter,
            sub_names: HashMap::new(),
        })
    }

    /// Go's `fullName`: the unique full name of `sub` under `parent` (at `parent_level`, 0 for
    /// the root), whether it matches, and whether the match is only partial.
    pub(crate) fn full_name(
        &mut self,
        parent: &str,
        parent_level: usize,
        sub: &str,
    ) -> (String, bool, bool) {
        let name = if parent_level > 0 {
            self.unique(parent, &rewrite(sub))
        } else {
            sub.to_string()
        };
        let Some(filter) = &self.filter else {
            return (name, true, false);
        };
        let elems: Vec<&str> = name.split('/').collect();
        let found = filter
            .iter()
            .find(|alt| elems.iter().zip(alt.iter()).all(|(e, re)| re.is_match(e)))
            .map(|alt| elems.len() < alt.len());
        match found {
            Some(partial) => (name, true, partial),
            None => (name, false, false),
        }
    }

    /// Affixes `#NN` until `parent/sub` is a name not handed out before.
    fn unique(&mut self, parent: &str, sub: &str) -> String {
        let base = format!("{parent}/{sub}");
        loop {
            let n = *self.sub_names.get(&base).unwrap_or(&0);
            self.sub_names.insert(base.clone(), n + 1);
            if n == 0 && !sub.is_empty() {
                let (prefix, nn) = parse_subtest_number(&base);
                if prefix.len() < base.len() && nn < *self.sub_names.get(prefix).unwrap_or(&0) {
                    // Named explicitly like "parent/sub#NN", and #NN was already used for
                    // the NNth occurrence of "parent/sub": add a disambiguating suffix.
                    continue;
                }
                return base;
            }
            let name = format!("{base}#{n:02}");
            if self.sub_names.get(&name).is_some_and(|&c| c != 0) {
                // Collides with a sub-benchmark explicitly named "parent/sub#NN".
                continue;
            }
            return name;
        }
    }
}

/// Splits a `#NN` suffix, as `%02d` would write it, off a name.
fn parse_subtest_number(s: &str) -> (&str, i64) {
    let Some(i) = s.rfind('#') else { return (s, 0) };
    let (prefix, suffix) = (&s[..i], &s[i + 1..]);
    if suffix.len() < 2 || (suffix.len() > 2 && suffix.starts_with('0')) {
        return (s, 0);
    }
    if suffix == "00" && !prefix.ends_with('/') {
        // "#00" is only the suffix of a sub-benchmark named with the empty string.
        return (s, 0);
    }
    match suffix.parse::<i32>() {
        Ok(n) if n >= 0 && suffix.bytes().all(|b| b.is_ascii_digit()) => (prefix, i64::from(n)),
        _ => (s, 0),
    }
}

/// Go's `rewrite`: spaces become `_`, unprintable characters their escape, the rest stays.
pub(crate) fn rewrite(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_space(c) {
            out.push('_');
        } else if c.is_control() || is_unassigned_or_private(c) {
            out.push_str(&go_quote_rune(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `isSpace` in match.go (not Unicode's Z class).
fn is_space(c: char) -> bool {
    let r = c as u32;
    if r < 0x2000 {
        matches!(r, 0x09..=0x0d | 0x20 | 0x85 | 0xA0 | 0x1680)
    } else {
        r <= 0x200a || matches!(r, 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000)
    }
}

/// An approximation of what Go's `strconv.IsPrint` refuses beyond control characters: the
/// private-use areas and the last two code points of each plane.
fn is_unassigned_or_private(c: char) -> bool {
    let r = c as u32;
    (0xE000..=0xF8FF).contains(&r) || r >= 0xF0000 || (r & 0xFFFE) == 0xFFFE
}

/// The body of Go's `strconv.QuoteRune` for an unprintable rune.
fn go_quote_rune(c: char) -> String {
    let r = c as u32;
    match c {
        '\x07' => "\\a".into(),
        '\x08' => "\\b".into(),
        '\x0c' => "\\f".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\x0b' => "\\v".into(),
        _ if r < 0x80 => format!("\\x{r:02x}"),
        _ if r < 0x10000 => format!("\\u{r:04x}"),
        _ => format!("\\U{r:08x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_slashes_inside_brackets_and_parentheses() {
        assert_eq!(
            split_pattern("A/B|C/D"),
            vec![vec!["A", "B"], vec!["C", "D"]]
        );
        assert_eq!(split_pattern("[/]/(a|b)"), vec![vec!["[/]", "(a|b)"]]);
        assert_eq!(split_pattern(r"a\/b"), vec![vec![r"a\/b"]]);
        assert_eq!(split_pattern("]/x"), vec![vec!["]", "x"]]);
    }

    /// Go 1.19's `TestNaming` table (testing/match_test.go), run in order on one matcher.
    #[test]
    fn sub_benchmark_names_are_unique_and_sanitized_as_go_names_them() {
        let cases = [
            ("", "x/#00"),
            ("", "x/#01"),
            ("#0", "x/#0"),
            ("#00", "x/#00#01"),
            ("#", "x/#"),
            ("#", "x/##01"),
            ("t", "x/t"),
            ("t", "x/t#01"),
            ("t", "x/t#02"),
            ("t#00", "x/t#00"),
            ("a#01", "x/a#01"),
            ("a", "x/a"),
            ("a", "x/a#02"),
            ("a", "x/a#03"),
            ("a#02", "x/a#02#01"),
            ("b#00", "x/b#00"),
            ("b", "x/b"),
            ("b", "x/b#01"),
            ("b#9223372036854775807", "x/b#9223372036854775807"),
            ("b", "x/b#02"),
            ("b", "x/b#03"),
            ("A:1 B:2", "x/A:1_B:2"),
            ("s\t\r\u{a0}", "x/s___"),
            ("\x01", r"x/\x01"),
            ("\u{10ffff}", r"x/\U0010ffff"),
        ];
        let mut m = Matcher::new(None).unwrap();
        for (i, (sub, want)) in cases.iter().enumerate() {
            assert_eq!(m.full_name("x", 1, sub).0, *want, "case {i}: {sub:?}");
        }
    }
}

#[cfg(test)]
mod go_table {
    use super::Matcher;

    /// Go 1.19's `TestMatcher` table (testing/match_test.go): pattern, parent, sub, and the
    /// `ok` and `partial` that Go's `fullName` returns.
    const CASES: &[(&str, &str, &str, bool, bool)] = &[
        // Behavior without subtests.
        ("", "", "TestFoo", true, false),
        ("TestFoo", "", "TestFoo", true, false),
        ("TestFoo/", "", "TestFoo", true, true),
        ("TestFoo/bar/baz", "", "TestFoo", true, true),
        ("TestFoo", "", "TestBar", false, false),
        ("TestFoo/", "", "TestBar", false, false),
        ("TestFoo/bar/baz", "", "TestBar/bar/baz", false, false),
        // With subtests.
        ("", "TestFoo", "x", true, false),
        ("TestFoo", "TestFoo", "x", true, false),
        ("TestFoo/", "TestFoo", "x", true, false),
        ("TestFoo/bar/baz", "TestFoo", "bar", true, true),
        // A sub-benchmark with a '/' in its name still matches a copied name.
        ("TestFoo/bar/baz", "TestFoo", "bar/baz", true, false),
        ("TestFoo/bar/baz", "TestFoo/bar", "baz", true, false),
        ("TestFoo/bar/baz", "TestFoo", "x", false, false),
        ("TestFoo", "TestBar", "x", false, false),
        ("TestFoo/", "TestBar", "x", false, false),
        ("TestFoo/bar/baz", "TestBar", "x/bar/baz", false, false),
        ("A/B|C/D", "TestA", "B", true, false),
        ("A/B|C/D", "TestC", "D", true, false),
        ("A/B|C/D", "TestA", "C", false, false),
        // Sub-benchmarks only.
        ("", "TestFoo", "x", true, false),
        ("/", "TestFoo", "x", true, false),
        ("./", "TestFoo", "x", true, false),
        ("./.", "TestFoo", "x", true, false),
        ("/bar/baz", "TestFoo", "bar", true, true),
        ("/bar/baz", "TestFoo", "bar/baz", true, false),
        ("//baz", "TestFoo", "bar/baz", true, false),
        ("//", "TestFoo", "bar/baz", true, false),
        ("/bar/baz", "TestFoo/bar", "baz", true, false),
        ("//foo", "TestFoo", "bar/baz", false, false),
        ("/bar/baz", "TestFoo", "x", false, false),
        ("/bar/baz", "TestBar", "x/bar/baz", false, false),
    ];

    #[test]
    fn bench_pattern_matching_agrees_with_gos_matcher_table() {
        for &(pattern, parent, sub, ok, partial) in CASES {
            let mut m = Matcher::new(Some(pattern)).unwrap();
            let level = usize::from(!parent.is_empty());
            let (name, got_ok, got_partial) = m.full_name(parent, level, sub);
            assert_eq!(
                (got_ok, got_partial),
                (ok, partial),
                "pattern {pattern:?}, parent {parent:?}, sub {sub:?} -> {name:?}"
            );
        }
    }
}
