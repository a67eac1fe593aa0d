//! go tool pprof's interactive shell (`internal/driver/interactive.go`), entered when no output
//! format is given: the greeting, then `(pprof) ` commands until `quit` or the end of input.
//!
//! Each line is, in pprof's order: a shortcut (`:` clears the filters, a sample type's name
//! selects it), an option assignment (`nodecount=5`, or a boolean's bare name), `options`,
//! `quit`, `help`, or a report command with its arguments (`top10 -cum regex >file`). Options
//! persist; a command's arguments apply to that command only. Reports are made by the same
//! code as the one-shot command line ([`super::generate`]), from a copy of the profile.
//!
//! Output goes where pprof's sends it: prompts and reports on stdout; the greeting, help,
//! options and errors on stderr.

use std::io::Write;

use sextant_profile::Profile;
use sextant_report::Report;

use super::config::{self, Config};
use super::settings::{self, Extra};
use super::shell_help;
use super::shell_input::{self, LineSource};
use super::{Failure, fetch};

/// pprof's marker of a comment after an option's value (`focus=main //: why`).
const COMMENT_START: &str = "//:";
/// The commands whose output pprof keeps off the terminal (`awayFromTTY`): in the shell,
/// without `>file` or `output`, they write `profileNNN.<suffix>` in the current directory.
const AWAY_FROM_TTY: &[(&str, &str)] = &[
    ("callgrind", "callgraph.out"),
    ("proto", "pb.gz"),
    ("topproto", "pb.gz"),
    ("gif", "gif"),
    ("pdf", "pdf"),
    ("png", "png"),
    ("ps", "ps"),
    ("svg", "svg"),
    ("flame", "svg"),
];

/// Runs the shell on `p` with stdin's lines, starting from the options `cfg` holds.
pub(crate) fn run(
    p: Profile,
    cfg: Config,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    let functions = p.function.iter().map(|f| f.name.clone()).collect();
    let mut input = shell_input::stdin(functions);
    Shell::new(p, cfg).run(&mut *input, stdout, stderr)
}

/// The shell's state: the profile and the current options.
#[derive(Debug)]
pub(crate) struct Shell {
    p: Profile,
    cfg: Config,
    extra: Extra,
    sample_types: Vec<String>,
}

impl Shell {
    /// A shell on `p`; labels are compact in the shell, as in pprof's.
    pub(crate) fn new(p: Profile, mut cfg: Config) -> Shell {
        cfg.compact_labels = true;
        cfg.warnings.clear();
        cfg.command.clear();
        cfg.command_arg = None;
        let sample_types = p.sample_type.iter().map(|t| t.kind.clone()).collect();
        Shell {
            p,
            cfg,
            extra: Extra::default(),
            sample_types,
        }
    }

    /// Greets, then runs commands from `input` until `quit` or its end.
    ///
    /// # Errors
    ///
    /// When reading the input fails.
    pub(crate) fn run(
        &mut self,
        input: &mut dyn LineSource,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<(), Failure> {
        self.greet(stderr);
        loop {
            let line = match input.read_line("(pprof) ", stdout) {
                Ok(Some(line)) => line,
                // The end of the input, or of the reader of stdout (`| head`), ends the shell.
                Ok(None) => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                Err(e) => return Err(Failure::failed(format!("reading commands: {e}"))),
            };
            for command in self.expand(&line) {
                if !self.execute(&command, stdout, stderr) {
                    return Ok(());
                }
                let _ = stdout.flush();
            }
        }
    }

    /// pprof's `greetings`: the profile's header lines, then how to get help.
    fn greet(&self, stderr: &mut dyn Write) {
        if let Some(labels) = self.labels() {
            let _ = writeln!(stderr, "{}", labels.0.join("\n"));
            if labels.1 == 0 && self.p.sample_type.len() > 1 {
                let _ = writeln!(
                    stderr,
                    "No samples were found with the default sample value type."
                );
                let _ = writeln!(
                    stderr,
                    "Try \"sample_index\" command to analyze different sample values."
                );
            }
        }
        let _ = writeln!(
            stderr,
            "Entering interactive mode (type \"help\" for commands, \"o\" for options)"
        );
    }

    /// The header lines and total of a report on the whole profile with the current options.
    fn labels(&self) -> Option<(Vec<String>, i64)> {
        let mut cfg = self.cfg.clone();
        cfg.command = "top".into();
        for f in [
            &mut cfg.focus,
            &mut cfg.ignore,
            &mut cfg.hide,
            &mut cfg.show,
            &mut cfg.show_from,
            &mut cfg.prune_from,
            &mut cfg.tagfocus,
            &mut cfg.tagignore,
            &mut cfg.tagshow,
            &mut cfg.taghide,
        ] {
            f.clear();
        }
        let prepared =
            sextant_profile::pipeline::prepare(self.p.clone(), &cfg.report_options()).ok()?;
        let options = super::report_options(&prepared, &cfg).ok()?;
        let rpt = Report::with_total(options, prepared.total);
        Some((rpt.profile_labels(&self.p), rpt.total()))
    }

    /// pprof's `shortcuts.expand`: the commands one input line stands for.
    fn expand(&self, line: &str) -> Vec<String> {
        let line = line.trim();
        if line == ":" {
            return ["focus=", "ignore=", "hide=", "tagfocus=", "tagignore="]
                .map(String::from)
                .to_vec();
        }
        for t in &self.sample_types {
            let select = format!("sample_index={t}");
            if line == t {
                return vec![select];
            } else if line.strip_prefix("total_") == Some(t) {
                return vec!["mean=0".into(), select];
            } else if line.strip_prefix("mean_") == Some(t) {
                return vec!["mean=1".into(), select];
            }
        }
        vec![line.to_string()]
    }

    /// Runs one command; false to leave the shell.
    fn execute(&mut self, input: &str, stdout: &mut dyn Write, stderr: &mut dyn Write) -> bool {
        let (name, value) = match input.split_once('=') {
            Some((n, v)) => {
                let v = v.rfind(COMMENT_START).map_or(v, |i| &v[..i]);
                (n.trim(), Some(v.trim()))
            }
            None => (input.trim(), None),
        };
        if settings::field(name).is_some() {
            if let Err(e) = self.assign(name, value) {
                let _ = writeln!(stderr, "{e}");
            }
            return true;
        }
        let tokens: Vec<&str> = input.split_whitespace().collect();
        match tokens.first().copied() {
            None => {}
            Some("o" | "options") => {
                let text = shell_help::options(&self.cfg, &self.extra, &self.sample_types);
                let _ = stderr.write_all(text.as_bytes());
            }
            Some("exit" | "quit" | "q") => return false,
            Some("help") => self.help(&tokens[1..].join(" "), stderr),
            Some(_) => {
                if let Err(e) = self.report(&tokens, stdout, stderr) {
                    let _ = writeln!(stderr, "{e}");
                }
            }
        }
        true
    }

    /// An option assignment, checked as pprof checks it.
    fn assign(&mut self, name: &str, value: Option<&str>) -> Result<(), String> {
        let Some(mut value) = value.map(String::from) else {
            if !settings::is_bool(name) {
                return Err(format!("please specify a value, e.g. {name}=<val>"));
            }
            return settings::configure(&mut self.cfg, &mut self.extra, name, "");
        };
        if name == "sample_index" {
            let i = self
                .p
                .sample_index_by_name(&value)
                .map_err(|e| e.to_string())?;
            value = self.sample_types[i].clone();
        }
        settings::configure(&mut self.cfg, &mut self.extra, name, &value)
    }

    /// pprof's `commandHelp`.
    fn help(&self, topic: &str, stderr: &mut dyn Write) {
        let text = if topic.is_empty() {
            shell_help::usage()
        } else {
            match shell_help::help(topic, &self.sample_types) {
                Some(t) => t,
                None => format!("Unknown command: {topic}\n"),
            }
        };
        let _ = stderr.write_all(text.as_bytes());
    }

    /// A report command: pprof's `parseCommandLine`, then the report.
    fn report(
        &self,
        tokens: &[&str],
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<(), String> {
        let mut cfg = parse_command_line(tokens, &self.cfg)?;
        let name = cfg.command.clone();
        if !config::COMMANDS.contains(&name.as_str()) {
            let supported: Vec<&str> = config::COMMANDS
                .iter()
                .copied()
                .filter(|c| shell_help::command(c).is_some())
                .collect();
            return Err(format!(
                "{name} is not supported by sextant pprof yet; supported: {}",
                supported.join(", ")
            ));
        }
        for (option, value) in [
            ("tagroot", &self.extra.tagroot),
            ("tagleaf", &self.extra.tagleaf),
        ] {
            if !value.is_empty() {
                return Err(format!(
                    "{option} is not supported yet; set {option}= to clear it"
                ));
            }
        }
        if cfg.output.is_empty() {
            if let Some((_, suffix)) = AWAY_FROM_TTY.iter().find(|(c, _)| *c == name) {
                let (path, _) = fetch::new_temp_file(
                    std::path::Path::new(""),
                    "profile",
                    &format!(".{suffix}"),
                )?;
                cfg.output = path.display().to_string();
            }
        }
        let _ = stdout.flush();
        super::generate(self.p.clone(), cfg, stdout, stderr).map_err(|f| f.message)
    }
}

/// pprof's `parseCommandLine`: the command (`top10` is `top` with 10 nodes), its argument, and
/// the options its words set for it alone: a count, `-cum`, `>file`, focus and `-ignore`
/// regexps (tag filters for `tags`).
pub(crate) fn parse_command_line(tokens: &[&str], current: &Config) -> Result<Config, String> {
    let mut name = tokens[0].to_string();
    let mut args: Vec<String> = tokens[1..].iter().map(|s| s.to_string()).collect();
    let mut has_param = shell_help::command(&name);
    if has_param.is_none() {
        let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && digits < name.len() {
            let d = name.split_off(name.len() - digits);
            args.insert(0, d);
            has_param = shell_help::command(&name);
        }
    }
    let Some(has_param) = has_param else {
        if shell_help::option_help(&name).is_some() {
            let value = args.first().map_or("<val>", String::as_str);
            return Err(format!("did you mean: {name}={value}"));
        }
        return Err(format!("unrecognized command: {name:?}"));
    };
    let mut c = current.clone();
    c.command_arg = None;
    if has_param {
        if args.is_empty() {
            return Err(format!("command {name} requires an argument"));
        }
        c.command_arg = Some(args.remove(0));
    }
    let (mut focus, mut ignore) = (String::new(), String::new());
    let mut words = args.iter();
    while let Some(t) = words.next() {
        if let Ok(n) = t.parse::<i32>() {
            c.node_count = i64::from(n);
        } else if let Some(file) = t.strip_prefix('>') {
            c.output = if file.is_empty() {
                words
                    .next()
                    .ok_or("unexpected end of line after >")?
                    .clone()
            } else {
                file.to_string()
            };
        } else if t == "-cum" || t == "--cum" {
            c.sort = "cum".into();
        } else if let Some(re) = t.strip_prefix('-') {
            ignore = cat_regex(&ignore, re);
        } else {
            focus = cat_regex(&focus, t);
        }
    }
    let (f, i) = if name == "tags" {
        (&mut c.tagfocus, &mut c.tagignore)
    } else {
        (&mut c.focus, &mut c.ignore)
    };
    if !focus.is_empty() {
        *f = focus;
    }
    if !ignore.is_empty() {
        *i = ignore;
    }
    if c.node_count == -1 && (name == "text" || name == "top") {
        c.node_count = 10;
    }
    c.command = name;
    Ok(c)
}

/// pprof's `catRegex`: two regexps as alternatives.
fn cat_regex(a: &str, b: &str) -> String {
    if !a.is_empty() && !b.is_empty() {
        format!("{a}|{b}")
    } else {
        format!("{a}{b}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Config, String> {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        parse_command_line(&tokens, &Config::default())
    }

    #[test]
    fn command_words_set_options_for_one_report() {
        let c = parse("top10 -cum main -runtime >out.txt").unwrap();
        assert_eq!((c.command.as_str(), c.node_count), ("top", 10));
        assert_eq!(
            (c.sort.as_str(), c.focus.as_str(), c.ignore.as_str()),
            ("cum", "main", "runtime")
        );
        assert_eq!(c.output, "out.txt");
        assert_eq!(parse("top").unwrap().node_count, 10);
        assert_eq!(parse("tree").unwrap().node_count, -1);
        let c = parse("tags a b -c").unwrap();
        assert_eq!(
            (c.tagfocus.as_str(), c.tagignore.as_str(), c.focus.as_str()),
            ("a|b", "c", "")
        );
        let c = parse("peek foo 3 > f").unwrap();
        assert_eq!(
            (c.command_arg.as_deref(), c.node_count, c.output.as_str()),
            (Some("foo"), 3, "f")
        );
    }

    #[test]
    fn command_errors_are_pprofs() {
        assert_eq!(
            parse("bogus").unwrap_err(),
            "unrecognized command: \"bogus\""
        );
        assert_eq!(
            parse("nodecount 5").unwrap_err(),
            "did you mean: nodecount=5"
        );
        assert_eq!(parse("focus").unwrap_err(), "did you mean: focus=<val>");
        assert_eq!(
            parse("list").unwrap_err(),
            "command list requires an argument"
        );
        assert_eq!(
            parse("top >").unwrap_err(),
            "unexpected end of line after >"
        );
        assert_eq!(parse("12").unwrap_err(), "unrecognized command: \"12\"");
    }
}
