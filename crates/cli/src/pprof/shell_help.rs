//! The interactive shell's texts, as go tool pprof 1.19 prints them: the commands and their
//! help (`pprofCommands`, `reportHelp`, `listHelp` in `internal/driver/commands.go`), the
//! options' help (`configHelp`), `help` (`usage(false)`, `commandHelp`) and `options`
//! (`printCurrentOptions` in `interactive.go`).

use super::config::Config;
use super::settings::{self, Extra, FIELDS, Kind};

/// How a command's usage is written.
#[derive(Debug, Clone, Copy)]
enum Usage {
    None,
    /// `reportHelp(name, cum, redirect)`.
    Report(bool, bool),
    /// `listHelp(name, redirect)`.
    List(bool),
    Text(&'static str),
}

/// go tool pprof's commands: name, whether it takes an argument, description, usage.
const COMMANDS: &[(&str, bool, &str, Usage)] = &[
    (
        "comments",
        false,
        "Output all profile comments",
        Usage::None,
    ),
    (
        "disasm",
        true,
        "Output assembly listings annotated with samples",
        Usage::List(true),
    ),
    (
        "dot",
        false,
        "Outputs a graph in DOT format",
        Usage::Report(false, true),
    ),
    (
        "list",
        true,
        "Output annotated source for functions matching regexp",
        Usage::List(false),
    ),
    (
        "peek",
        true,
        "Output callers/callees of functions matching regexp",
        Usage::Text(
            "peek func_regex\nDisplay callers and callees of functions matching func_regex.",
        ),
    ),
    (
        "raw",
        false,
        "Outputs a text representation of the raw profile",
        Usage::None,
    ),
    (
        "tags",
        false,
        "Outputs all tags in the profile",
        Usage::Text(
            "tags [tag_regex]* [-ignore_regex]* [>file]\nList tags with key:value matching tag_regex and exclude ignore_regex.",
        ),
    ),
    (
        "text",
        false,
        "Outputs top entries in text form",
        Usage::Report(true, true),
    ),
    (
        "top",
        false,
        "Outputs top entries in text form",
        Usage::Report(true, true),
    ),
    (
        "traces",
        false,
        "Outputs all profile samples in text form",
        Usage::None,
    ),
    (
        "tree",
        false,
        "Outputs a text rendering of call graph",
        Usage::Report(true, true),
    ),
    (
        "callgrind",
        false,
        "Outputs a graph in callgrind format",
        Usage::Report(false, true),
    ),
    (
        "proto",
        false,
        "Outputs the profile in compressed protobuf format",
        Usage::None,
    ),
    (
        "topproto",
        false,
        "Outputs top entries in compressed protobuf format",
        Usage::None,
    ),
    (
        "gif",
        false,
        "Outputs a graph image in GIF format",
        Usage::Report(false, true),
    ),
    (
        "pdf",
        false,
        "Outputs a graph in PDF format",
        Usage::Report(false, true),
    ),
    (
        "png",
        false,
        "Outputs a graph image in PNG format",
        Usage::Report(false, true),
    ),
    (
        "ps",
        false,
        "Outputs a graph in PS format",
        Usage::Report(false, true),
    ),
    (
        "svg",
        false,
        "Outputs a graph in SVG format",
        Usage::Report(false, true),
    ),
    (
        "eog",
        false,
        "Visualize graph through eog",
        Usage::Report(false, false),
    ),
    (
        "evince",
        false,
        "Visualize graph through evince",
        Usage::Report(false, false),
    ),
    (
        "gv",
        false,
        "Visualize graph through gv",
        Usage::Report(false, false),
    ),
    (
        "web",
        false,
        "Visualize graph through web browser",
        Usage::Report(false, false),
    ),
    (
        "kcachegrind",
        false,
        "Visualize report in KCachegrind",
        Usage::Report(false, false),
    ),
    (
        "weblist",
        true,
        "Display annotated source in a web browser",
        Usage::List(false),
    ),
];

/// Sextant's own commands, which go tool pprof lacks: accepted and completed, left out of the
/// command list `help` prints so that it stays go tool pprof's.
const SEXTANT_COMMANDS: &[(&str, &str)] = &[
    (
        "flame",
        "Outputs an interactive SVG flame graph (sextant's own: hover, click to zoom, search)\n",
    ),
    (
        "folded",
        "Outputs folded stacks, one line per stack (sextant's own: the input of inferno)\n",
    ),
];

/// The shell's command `name`: (whether it takes an argument), if it has it.
pub(crate) fn command(name: &str) -> Option<bool> {
    COMMANDS
        .iter()
        .find(|c| c.0 == name)
        .map(|c| c.1)
        .or_else(|| {
            SEXTANT_COMMANDS
                .iter()
                .any(|c| c.0 == name)
                .then_some(false)
        })
}

/// Every command name (for completion).
pub(crate) fn command_names() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .map(|c| c.0)
        .chain(SEXTANT_COMMANDS.iter().map(|c| c.0))
}

/// `configHelp`: each option's help, lines joined by newlines and ended by one (pprof's
/// `helpText`); the four one-liners have no final newline, as in Go.
pub(crate) fn option_help(name: &str) -> Option<&'static str> {
    Some(match name {
        "output" => "Output filename for file-based outputs\n",
        "drop_negative" => {
            "Ignore negative differences\nDo not show any locations with values <0.\n"
        }
        "call_tree" => {
            "Create a context-sensitive call tree\nTreat locations reached through different paths as separate.\n"
        }
        "relative_percentages" => {
            "Show percentages relative to focused subgraph\nIf unset, percentages are relative to full graph before focusing\nto facilitate comparison with original graph.\n"
        }
        "unit" => {
            "Measurement units to display\nScale the sample values to this unit.\nFor time-based profiles, use seconds, milliseconds, nanoseconds, etc.\nFor memory profiles, use megabytes, kilobytes, bytes, etc.\nUsing auto will scale each value independently to the most natural unit.\n"
        }
        "compact_labels" => "Show minimal headers",
        "source_path" => "Search path for source files",
        "trim_path" => "Path to trim from source paths before search",
        "intel_syntax" => {
            "Show assembly in Intel syntax\nOnly applicable to commands `disasm` and `weblist`\n"
        }
        "nodecount" => {
            "Max number of nodes to show\nUses heuristics to limit the number of locations to be displayed.\nOn graphs, dotted edges represent paths through nodes that have been removed.\n"
        }
        "nodefraction" => "Hide nodes below <f>*total",
        "edgefraction" => "Hide edges below <f>*total",
        "trim" => {
            "Honor nodefraction/edgefraction/nodecount defaults\nSet to false to get the full profile, without any trimming.\n"
        }
        "focus" => {
            "Restricts to samples going through a node matching regexp\nDiscard samples that do not include a node matching this regexp.\nMatching includes the function name, filename or object name.\n"
        }
        "ignore" => {
            "Skips paths going through any nodes matching regexp\nIf set, discard samples that include a node matching this regexp.\nMatching includes the function name, filename or object name.\n"
        }
        "prune_from" => {
            "Drops any functions below the matched frame.\nIf set, any frames matching the specified regexp and any frames\nbelow it will be dropped from each sample.\n"
        }
        "hide" => {
            "Skips nodes matching regexp\nDiscard nodes that match this location.\nOther nodes from samples that include this location will be shown.\nMatching includes the function name, filename or object name.\n"
        }
        "show" => {
            "Only show nodes matching regexp\nIf set, only show nodes that match this location.\nMatching includes the function name, filename or object name.\n"
        }
        "show_from" => {
            "Drops functions above the highest matched frame.\nIf set, all frames above the highest match are dropped from every sample.\nMatching includes the function name, filename or object name.\n"
        }
        "tagroot" => {
            "Adds pseudo stack frames for labels key/value pairs at the callstack root.\nA comma-separated list of label keys.\nThe first key creates frames at the new root.\n"
        }
        "tagleaf" => {
            "Adds pseudo stack frames for labels key/value pairs at the callstack leaf.\nA comma-separated list of label keys.\nThe last key creates frames at the new leaf.\n"
        }
        "tagfocus" => {
            "Restricts to samples with tags in range or matched by regexp\nUse name=value syntax to limit the matching to a specific tag.\nNumeric tag filter examples: 1kb, 1kb:10kb, memory=32mb:\nString tag filter examples: foo, foo.*bar, mytag=foo.*bar\n"
        }
        "tagignore" => {
            "Discard samples with tags in range or matched by regexp\nUse name=value syntax to limit the matching to a specific tag.\nNumeric tag filter examples: 1kb, 1kb:10kb, memory=32mb:\nString tag filter examples: foo, foo.*bar, mytag=foo.*bar\n"
        }
        "tagshow" => {
            "Only consider tags matching this regexp\nDiscard tags that do not match this regexp\n"
        }
        "taghide" => "Skip tags matching this regexp\nDiscard tags that match this regexp\n",
        "divide_by" => {
            "Ratio to divide all samples before visualization\nDivide all samples values by a constant, eg the number of processors or jobs.\n"
        }
        "mean" => {
            "Average sample value over first value (count)\nFor memory profiles, report average memory per allocation.\nFor time-based profiles, report average time per event.\n"
        }
        "sample_index" => {
            "Sample value to report (0-based index or name)\nProfiles contain multiple values per sample.\nUse sample_index=i to select the ith value (starting at 0).\n"
        }
        "normalize" => "Scales profile based on the base profile.\n",
        "flat" => "Sort entries based on own weight\n",
        "cum" => "Sort entries based on cumulative weight\n",
        "functions" => {
            "Aggregate at the function level.\nIgnores the filename where the function was defined.\n"
        }
        "filefunctions" => {
            "Aggregate at the function level.\nTakes into account the filename where the function was defined.\n"
        }
        "files" => "Aggregate at the file level.",
        "lines" => "Aggregate at the source code line level.",
        "addresses" => {
            "Aggregate at the address level.\nIncludes functions' addresses in the output.\n"
        }
        "noinlines" => {
            "Ignore inlines.\nAttributes inlined functions to their first out-of-line caller.\n"
        }
        _ => return None,
    })
}

/// pprof's `fmtHelp`: the name padded to 16, then the first line of the description.
fn fmt_help(name: &str, description: &str) -> String {
    let first = description.split('\n').next().unwrap_or_default();
    format!("    {name:<16} {first}")
}

/// `help` with no argument: pprof's `usage(false)` and the shell's additions.
pub(crate) fn usage() -> String {
    let mut commands: Vec<String> = COMMANDS.iter().map(|c| fmt_help(c.0, c.2)).collect();
    commands.sort();
    commands.push(fmt_help(
        "o/options",
        "List options and their current values",
    ));
    commands.push(fmt_help("q/quit/exit/^D", "Exit pprof"));
    let mut variables = Vec::new();
    let mut radios = Vec::new();
    for &(name, kind) in FIELDS {
        match kind {
            Kind::Choice(choices) => {
                let mut s = vec![fmt_help(name, "")];
                for c in choices {
                    s.push(format!(
                        "  {}",
                        fmt_help(c, option_help(c).unwrap_or_default())
                    ));
                }
                radios.push(s.join("\n"));
            }
            _ => variables.push(fmt_help(name, option_help(name).unwrap_or_default())),
        }
    }
    variables.sort();
    radios.sort();
    format!(
        "  Commands:\n{}\n\n  Options:\n{}\n\n  Option groups (only set one per group):\n{}\n  :   \
         Clear focus/ignore/hide/tagfocus/tagignore\n\n  type \"help <cmd|option>\" for more \
         information\n",
        commands.join("\n"),
        variables.join("\n"),
        radios.join("\n")
    )
}

/// `help NAME`: a command's help (pprof's `command.help`), an option's, or `None`.
/// `sample_types` extends `sample_index`'s help, as the shell does at start.
pub(crate) fn help(name: &str, sample_types: &[String]) -> Option<String> {
    if let Some(c) = COMMANDS.iter().find(|c| c.0 == name) {
        let mut message = format!("{}\n", c.2);
        let usage = match c.3 {
            Usage::None => String::new(),
            Usage::Text(t) => t.to_string(),
            Usage::Report(cum, redirect) => report_help(name, cum, redirect),
            Usage::List(redirect) => list_help(name, redirect),
        };
        if !usage.is_empty() {
            message += "  Usage:\n";
            for line in usage.split('\n') {
                message += &format!("    {line}\n");
            }
        }
        return Some(message + "\n");
    }
    if let Some((_, description)) = SEXTANT_COMMANDS.iter().find(|c| c.0 == name) {
        return Some(format!("{description}\n"));
    }
    let mut text = option_help(name)?.to_string();
    if name == "sample_index" {
        text += &format!(
            "Or use sample_index=name, with name in [{}].\n",
            sample_types.join(" ")
        );
    }
    Some(text + "\n")
}

fn report_help(c: &str, cum: bool, redirect: bool) -> String {
    let mut h = vec![
        format!("{c} [n] [focus_regex]* [-ignore_regex]*"),
        "Include up to n samples".to_string(),
        "Include samples matching focus_regex, and exclude ignore_regex.".to_string(),
    ];
    if cum {
        h[0] += " [-cum]";
        h.push("-cum sorts the output by cumulative weight".into());
    }
    if redirect {
        h[0] += " >f";
        h.push("Optionally save the report on the file f".into());
    }
    h.join("\n")
}

fn list_help(c: &str, redirect: bool) -> String {
    let mut h = vec![
        format!("{c}<func_regex|address> [-focus_regex]* [-ignore_regex]*"),
        "Include functions matching func_regex, or including the address specified.".to_string(),
        "Include samples matching focus_regex, and exclude ignore_regex.".to_string(),
    ];
    if redirect {
        h[0] += " >f";
        h.push("Optionally save the report on the file f".into());
    }
    h.join("\n")
}

/// `options`: pprof's `printCurrentOptions`, one sorted line per option.
pub(crate) fn options(c: &Config, x: &Extra, sample_types: &[String]) -> String {
    let mut lines = Vec::new();
    for &(name, kind) in FIELDS {
        let mut v = settings::get(c, x, name);
        let comment = match kind {
            Kind::Choice(choices) => {
                let mut values = choices.to_vec();
                values.sort_unstable();
                format!("[{}]", values.join(" | "))
            }
            _ if name == "sample_index" => {
                if v.is_empty() {
                    v = sample_types.last().cloned().unwrap_or_default();
                }
                format!("[{}]", sample_types.join(" | "))
            }
            _ if name == "source_path" => continue,
            _ if name == "nodecount" && v == "-1" => "default".to_string(),
            _ => {
                if v.is_empty() {
                    v = "\"\"".into();
                }
                String::new()
            }
        };
        let comment = if comment.is_empty() {
            comment
        } else {
            format!("//: {comment}")
        };
        lines.push(format!("  {name:<25} = {v:<20} {comment}"));
    }
    lines.sort();
    lines.join("\n") + "\n"
}
