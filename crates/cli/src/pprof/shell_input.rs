//! Where the interactive shell's lines come from: a terminal, with line editing, history and
//! tab completion (rustyline), or anything else (a pipe, a file) read line by line, as go tool
//! pprof reads when stdin is not a terminal (its `stdUI`: the prompt on stdout, then a plain
//! line).
//!
//! Completion is pprof's `newCompleter` (`internal/driver/interactive.go`): the first word
//! completes to the one command or option it begins, `help`'s argument likewise, and later
//! words of a report command to the one function name of the profile that contains them.

use std::io::{self, BufRead, IsTerminal, Write};

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use super::{settings, shell_help};

/// A source of command lines.
pub(crate) trait LineSource {
    /// The next line without its line ending, after showing `prompt` (on `stdout` when the
    /// source does not show it itself); `None` at the end of the input.
    ///
    /// # Errors
    ///
    /// When reading fails.
    fn read_line(&mut self, prompt: &str, stdout: &mut dyn Write) -> io::Result<Option<String>>;
}

/// Lines from any reader, the prompt written to `stdout` as pprof's `stdUI` writes it.
pub(crate) struct Plain<R>(pub(crate) R);

impl<R> std::fmt::Debug for Plain<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plain")
    }
}

impl<R: BufRead> LineSource for Plain<R> {
    fn read_line(&mut self, prompt: &str, stdout: &mut dyn Write) -> io::Result<Option<String>> {
        stdout.write_all(prompt.as_bytes())?;
        stdout.flush()?;
        let mut line = String::new();
        if self.0.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line.ends_with('\n') {
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
        }
        Ok(Some(line))
    }
}

/// A terminal: rustyline's editor with pprof's completion and an in-memory history.
struct Terminal(Editor<Complete, rustyline::history::DefaultHistory>);

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Terminal")
    }
}

impl LineSource for Terminal {
    fn read_line(&mut self, prompt: &str, _: &mut dyn Write) -> io::Result<Option<String>> {
        use rustyline::error::ReadlineError;
        match self.0.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = self.0.add_history_entry(line.as_str());
                }
                Ok(Some(line))
            }
            // ^C abandons the line being typed, as in a shell.
            Err(ReadlineError::Interrupted) => Ok(Some(String::new())),
            Err(ReadlineError::Eof) => Ok(None),
            Err(ReadlineError::Io(e)) => Err(e),
            Err(e) => Err(io::Error::other(e.to_string())),
        }
    }
}

/// The process's stdin: the line editor on a terminal (unless `TERM` is unset or `dumb`, where
/// go tool pprof too reads plain lines), else plain lines. `functions` feeds completion.
pub(crate) fn stdin(functions: Vec<String>) -> Box<dyn LineSource> {
    let term = std::env::var("TERM").unwrap_or_default().to_lowercase();
    if io::stdin().is_terminal() && !term.is_empty() && term != "dumb" {
        // The terminal itself, not stdout, carries the prompt and the echo, so that
        // `sextant pprof f > out.txt` keeps its reports apart from the typing (go tool pprof's
        // terminal UI writes to stderr for the same reason).
        let config = rustyline::Config::builder()
            .auto_add_history(false)
            .behavior(rustyline::config::Behavior::PreferTerm)
            .build();
        if let Ok(mut editor) = Editor::with_config(config) {
            editor.set_helper(Some(Complete { functions }));
            return Box::new(Terminal(editor));
        }
    }
    Box::new(Plain(io::stdin().lock()))
}

/// pprof's completer over the profile's function names.
pub(crate) struct Complete {
    pub(crate) functions: Vec<String>,
}

impl Complete {
    /// pprof's `newCompleter`: the whole line as completed, or unchanged.
    pub(crate) fn line(&self, line: &str) -> String {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        match tokens.as_slice() {
            [] => {}
            [one] => {
                if let Some(m) = match_command_or_option(one) {
                    return m;
                }
            }
            ["help", arg] => {
                return match match_command_or_option(arg) {
                    Some(m) => format!("help {m}"),
                    None => line.to_string(),
                };
            }
            [first, .., last] if shell_help::command(first).is_some() && *first != "tags" => {
                let completed = match last.strip_prefix('-') {
                    Some(rest) => format!("-{}", self.function(rest)),
                    None => self.function(last),
                };
                let mut t: Vec<String> = tokens.iter().map(|s| s.to_string()).collect();
                *t.last_mut().expect("two tokens at least") = completed;
                return t.join(" ");
            }
            _ => {}
        }
        line.to_string()
    }

    /// pprof's `functionCompleter`: the one function name containing `part`, or `part`.
    fn function(&self, part: &str) -> String {
        let mut found = self.functions.iter().filter(|f| f.contains(part));
        match (found.next(), found.next()) {
            (Some(f), None) => f.clone(),
            _ => part.to_string(),
        }
    }
}

/// pprof's `matchVariableOrCommand`: the one command or option `token` begins.
fn match_command_or_option(token: &str) -> Option<String> {
    let token = token.to_lowercase();
    let mut matches: Vec<&str> = shell_help::command_names()
        .filter(|c| c.starts_with(&token))
        .collect();
    matches.extend(settings::complete(&token));
    match matches.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

impl Completer for Complete {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        let completed = self.line(before);
        if completed == before {
            Ok((pos, Vec::new()))
        } else {
            Ok((0, vec![completed]))
        }
    }
}

impl Hinter for Complete {
    type Hint = String;
}

impl Highlighter for Complete {}

impl Validator for Complete {}

impl Helper for Complete {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_follows_pprofs_completer() {
        let c = Complete {
            functions: vec![
                "main.queryDB".into(),
                "main.marshalSQL".into(),
                "main.main".into(),
            ],
        };
        assert_eq!(c.line("tra"), "traces");
        assert_eq!(c.line("t"), "t"); // top, text, tags, ... : not one
        assert_eq!(c.line("sample_i"), "sample_index");
        assert_eq!(c.line("help nodec"), "help nodecount");
        assert_eq!(c.line("top10 query"), "top10 query"); // top10 is not a command name
        assert_eq!(c.line("top query"), "top main.queryDB");
        assert_eq!(c.line("list -marsh"), "list -main.marshalSQL");
        assert_eq!(c.line("top main"), "top main"); // three match
        assert_eq!(c.line("tags query"), "tags query");
    }

    #[test]
    fn plain_lines_come_without_endings_and_the_last_may_lack_one() {
        let mut src = Plain(&b"top5\r\nquit"[..]);
        let mut out = Vec::new();
        assert_eq!(
            src.read_line("(pprof) ", &mut out).unwrap().as_deref(),
            Some("top5")
        );
        assert_eq!(
            src.read_line("(pprof) ", &mut out).unwrap().as_deref(),
            Some("quit")
        );
        assert_eq!(src.read_line("(pprof) ", &mut out).unwrap(), None);
        assert_eq!(out, b"(pprof) (pprof) (pprof) ");
    }
}
