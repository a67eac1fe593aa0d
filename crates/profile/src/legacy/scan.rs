//! Lines as Go's `bufio.Scanner` with `ScanLines` yields them.
//!
//! pprof's text parsers read through a `bufio.Scanner`, and their behaviour at the edges follows
//! from it: a line ends at `\n` with one trailing `\r` dropped, the last line needs no `\n`,
//! `Text()` is empty once the input is used up, and a line of more than 64 KiB
//! (`bufio.MaxScanTokenSize`) stops the scan with an error that the parsers pass on.
//!
//! Lines that are not UTF-8 are read lossily; Go's regexps see the same replacement characters.

use std::borrow::Cow;

/// The longest line Go's scanner takes: its 64 KiB buffer must also hold the `\n`.
const MAX_LINE: usize = 64 * 1024 - 1;

/// A line-by-line reader over a byte slice.
pub(super) struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
    text: Cow<'a, str>,
    /// Byte offset where the current line starts.
    start: usize,
    /// 1-based number of the current line (0 before the first).
    line: usize,
    too_long: bool,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `data`.
    pub(super) fn new(data: &'a [u8]) -> Self {
        Scanner {
            data,
            pos: 0,
            text: Cow::Borrowed(""),
            start: 0,
            line: 0,
            too_long: false,
        }
    }

    /// Moves to the next line; false at the end of the input or after a too-long line.
    pub(super) fn scan(&mut self) -> bool {
        if self.too_long {
            return false;
        }
        if self.pos >= self.data.len() {
            self.text = Cow::Borrowed("");
            return false;
        }
        let rest = &self.data[self.pos..];
        // Look no further than a line may go, so that megabytes without a newline cost no
        // more than one full line.
        let window = &rest[..rest.len().min(MAX_LINE + 1)];
        let (len, advance) = match window.iter().position(|&b| b == b'\n') {
            Some(n) => (n, n + 1),
            None => (rest.len(), rest.len()),
        };
        if len > MAX_LINE {
            self.too_long = true;
            return false;
        }
        let mut line = &rest[..len];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        self.start = self.pos;
        self.pos += advance;
        self.line += 1;
        self.text = String::from_utf8_lossy(line);
        true
    }

    /// The current line (empty before the first and after the last).
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// The current line's 1-based number and byte offset.
    pub(super) fn at(&self) -> (usize, usize) {
        (self.line, self.start)
    }

    /// The scan error, if a line was too long: its number and offset.
    pub(super) fn err(&self) -> Option<(usize, usize)> {
        self.too_long.then_some((self.line + 1, self.pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_drop_one_carriage_return_and_the_last_needs_no_newline() {
        let mut s = Scanner::new(b"a\r\n\nb\r\r\nc");
        let mut lines = Vec::new();
        while s.scan() {
            lines.push(s.text().to_string());
        }
        assert_eq!(lines, ["a", "", "b\r", "c"]);
        assert_eq!((s.text(), s.err()), ("", None));
    }

    #[test]
    fn a_line_over_64_kib_is_an_error() {
        let mut data = vec![b'x'; MAX_LINE];
        data.push(b'\n');
        data.extend(vec![b'y'; MAX_LINE + 1]);
        let mut s = Scanner::new(&data);
        assert!(s.scan());
        assert!(!s.scan());
        assert_eq!(s.err(), Some((2, MAX_LINE + 1)));
    }
}
