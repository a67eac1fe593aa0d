//! go tool pprof's configuration (`internal/driver/config.go`): defaults, what the flags set,
//! the per-command overrides, and the checks `parseFlags` makes.

use sextant_profile::pipeline::ReportOptions;
use sextant_profile::{Filters, LEGACY_ORDER, legacy_sample_flag};

use super::Failure;
use super::flags::Parsed;

/// The report commands this build prints, by Go's flag name.
pub(crate) const COMMANDS: &[&str] = &[
    "top",
    "text",
    "traces",
    "tree",
    "peek",
    "raw",
    "tags",
    "comments",
    "proto",
    "dot",
    "png",
    "pdf",
    "gif",
    "ps",
    "svg",
    "callgrind",
    "list",
    "weblist",
    "disasm",
    "topproto",
    "flame",
    "folded",
];

/// Every output format go tool pprof knows (so that the missing ones get a clear message).
const ALL_COMMANDS: &[&str] = &[
    "comments",
    "dot",
    "raw",
    "tags",
    "text",
    "top",
    "traces",
    "tree",
    "callgrind",
    "proto",
    "topproto",
    "gif",
    "pdf",
    "png",
    "ps",
    "svg",
    "eog",
    "evince",
    "gv",
    "web",
    "kcachegrind",
    "disasm",
    "list",
    "peek",
    "weblist",
    "flame",
    "folded",
];

/// The settings a report is made with (Go's `config` plus the source options).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) command: String,
    pub(crate) command_arg: Option<String>,
    pub(crate) output: String,
    pub(crate) call_tree: bool,
    pub(crate) relative_percentages: bool,
    pub(crate) unit: String,
    pub(crate) compact_labels: bool,
    pub(crate) trim_path: String,
    pub(crate) source_path: String,
    pub(crate) mean: bool,
    pub(crate) sample_index: String,
    pub(crate) divide_by: f64,
    pub(crate) normalize: bool,
    pub(crate) sort: String,
    pub(crate) drop_negative: bool,
    /// -1 means "the command's default" (0 for text reports, 80 for graphs).
    pub(crate) node_count: i64,
    pub(crate) node_fraction: f64,
    pub(crate) edge_fraction: f64,
    pub(crate) trim: bool,
    pub(crate) focus: String,
    pub(crate) ignore: String,
    pub(crate) prune_from: String,
    pub(crate) hide: String,
    pub(crate) show: String,
    pub(crate) show_from: String,
    pub(crate) tagfocus: String,
    pub(crate) tagignore: String,
    pub(crate) tagshow: String,
    pub(crate) taghide: String,
    pub(crate) noinlines: bool,
    pub(crate) granularity: String,
    pub(crate) base: Vec<String>,
    pub(crate) diff_base: bool,
    pub(crate) sources: Vec<String>,
    pub(crate) add_comment: Option<String>,
    /// `-seconds`: the length of profiles fetched from URLs (-1: the URL's or the server's).
    pub(crate) seconds: i64,
    /// `-timeout`: seconds allowed for a fetch (-1: pprof's default).
    pub(crate) timeout: i64,
    /// `-symbolize`: only whether local symbolization would run matters here.
    pub(crate) symbolize: String,
    /// The binary named before the sources: it replaces the main mapping's file name.
    pub(crate) exec_name: Option<String>,
    /// `-buildid` (or a hex first argument): it replaces the main mapping's build id.
    pub(crate) build_id: Option<String>,
    /// Messages go tool pprof prints on stderr while parsing (ignored legacy selectors).
    pub(crate) warnings: Vec<String>,
    /// `-http=host:port`: serve the web UI there instead of printing a report.
    pub(crate) http: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            command: String::new(),
            command_arg: None,
            output: String::new(),
            call_tree: false,
            relative_percentages: false,
            unit: "minimum".into(),
            compact_labels: false,
            trim_path: String::new(),
            source_path: String::new(),
            mean: false,
            sample_index: String::new(),
            divide_by: 1.0,
            normalize: false,
            sort: "flat".into(),
            drop_negative: false,
            node_count: -1,
            node_fraction: 0.005,
            edge_fraction: 0.001,
            trim: true,
            focus: String::new(),
            ignore: String::new(),
            prune_from: String::new(),
            hide: String::new(),
            show: String::new(),
            show_from: String::new(),
            tagfocus: String::new(),
            tagignore: String::new(),
            tagshow: String::new(),
            taghide: String::new(),
            noinlines: false,
            granularity: "functions".into(),
            base: Vec::new(),
            diff_base: false,
            sources: Vec::new(),
            add_comment: None,
            seconds: -1,
            timeout: -1,
            symbolize: String::new(),
            exec_name: None,
            build_id: None,
            warnings: Vec::new(),
            http: None,
        }
    }
}

impl Config {
    /// The configuration the parsed flags describe, checked as pprof's `parseFlags` checks it.
    pub(crate) fn from_flags(f: &Parsed) -> Result<Config, Failure> {
        let mut c = Config::default();
        let mut args = f.args.clone();
        if args.is_empty() {
            return Err(Failure::usage("no profile source specified"));
        }
        c.build_id = f.str("buildid").filter(|s| !s.is_empty()).map(String::from);
        // pprof takes a first argument that is a binary, or a build id, as such.
        if args.len() > 1 {
            if is_object_file(&args[0]) {
                c.exec_name = Some(args.remove(0));
            } else if c.build_id.is_none() && is_build_id(&args[0]) {
                c.build_id = Some(args.remove(0));
            }
        }
        for flag in ["tagroot", "tagleaf"] {
            if f.str(flag).is_some_and(|v| !v.is_empty()) {
                return Err(Failure::usage(format!("-{flag} is not supported yet")));
            }
        }
        c.sources = args;
        c.add_comment = f
            .str("add_comment")
            .filter(|s| !s.is_empty())
            .map(String::from);
        let s = |name: &str, dst: &mut String| {
            if let Some(v) = f.str(name) {
                *dst = v.to_string();
            }
        };
        s("output", &mut c.output);
        s("unit", &mut c.unit);
        s("trim_path", &mut c.trim_path);
        s("source_path", &mut c.source_path);
        s("symbolize", &mut c.symbolize);
        s("sample_index", &mut c.sample_index);
        s("focus", &mut c.focus);
        s("ignore", &mut c.ignore);
        s("prune_from", &mut c.prune_from);
        s("hide", &mut c.hide);
        s("show", &mut c.show);
        s("show_from", &mut c.show_from);
        s("tagfocus", &mut c.tagfocus);
        s("tagignore", &mut c.tagignore);
        s("tagshow", &mut c.tagshow);
        s("taghide", &mut c.taghide);
        let b = |name: &str, dst: &mut bool| {
            if let Some(v) = f.bool(name) {
                *dst = v;
            }
        };
        b("call_tree", &mut c.call_tree);
        b("relative_percentages", &mut c.relative_percentages);
        b("compact_labels", &mut c.compact_labels);
        b("mean", &mut c.mean);
        b("normalize", &mut c.normalize);
        b("drop_negative", &mut c.drop_negative);
        b("trim", &mut c.trim);
        b("noinlines", &mut c.noinlines);
        c.seconds = f.int("seconds").unwrap_or(c.seconds);
        c.timeout = f.int("timeout").unwrap_or(c.timeout);
        c.node_count = f.int("nodecount").unwrap_or(c.node_count);
        c.node_fraction = f.float("nodefraction").unwrap_or(c.node_fraction);
        c.edge_fraction = f.float("edgefraction").unwrap_or(c.edge_fraction);
        c.divide_by = f.float("divide_by").unwrap_or(c.divide_by);
        choose(f, &["cum", "flat"], &mut c.sort)?;
        let grains = ["functions", "filefunctions", "files", "lines", "addresses"];
        choose(f, &grains, &mut c.granularity)?;
        c.pick_command(f)?;
        c.http = f.str("http").filter(|h| !h.is_empty()).map(String::from);
        if c.http.is_some() && !c.command.is_empty() {
            return Err(Failure::usage(
                "-http is not compatible with an output format on the command line",
            ));
        }
        if f.bool("no_browser") == Some(true) && c.http.is_none() {
            return Err(Failure::usage("-no_browser only makes sense with -http"));
        }
        c.legacy_sample_flags(f);
        let base = f.str("base").filter(|s| !s.is_empty());
        let diff_base = f.str("diff_base").filter(|s| !s.is_empty());
        match (base, diff_base) {
            (Some(_), Some(_)) => {
                return Err(Failure::usage(
                    "-base and -diff_base flags cannot both be specified",
                ));
            }
            (Some(b), None) => c.base = vec![b.to_string()],
            (None, Some(b)) => {
                c.base = vec![b.to_string()];
                c.diff_base = true;
            }
            (None, None) => {}
        }
        if c.normalize && c.base.is_empty() {
            return Err(Failure::usage("must have base profile to normalize by"));
        }
        Ok(c)
    }

    fn pick_command(&mut self, f: &Parsed) -> Result<(), Failure> {
        let mut chosen: Vec<(&str, Option<String>)> = Vec::new();
        for &name in ALL_COMMANDS {
            match f.set.get(name) {
                Some(super::flags::Value::Bool(true)) => chosen.push((name, None)),
                Some(super::flags::Value::Str(s)) if !s.is_empty() => {
                    chosen.push((name, Some(s.clone())));
                }
                _ => {}
            }
        }
        match chosen.len() {
            // No output format: the interactive shell.
            0 => Ok(()),
            1 => {
                let (name, arg) = chosen.remove(0);
                if !COMMANDS.contains(&name) {
                    return Err(Failure::usage(format!(
                        "output format -{name} is not supported yet"
                    ))
                    .hint(format!("supported: -{}", COMMANDS.join(", -"))));
                }
                self.command = name.to_string();
                self.command_arg = arg;
                Ok(())
            }
            _ => Err(Failure::usage("must set at most one output format")),
        }
    }

    /// `-inuse_space` and friends: shortcuts for `-sample_index` (and `-mean`); the first in
    /// Go's order wins, the others are ignored with Go's warning.
    fn legacy_sample_flags(&mut self, f: &Parsed) {
        for flag in LEGACY_ORDER {
            if f.bool(flag) != Some(true) {
                continue;
            }
            let Some((index, _)) = legacy_sample_flag(flag) else {
                continue;
            };
            if self.sample_index.is_empty() {
                self.sample_index = index.to_string();
            } else {
                self.warnings
                    .push(format!("Multiple value selections, ignoring -{flag}"));
            }
        }
        if legacy_sample_flag("mean_delay").is_some_and(|(_, mean)| mean)
            && f.bool("mean_delay") == Some(true)
        {
            self.mean = true;
        }
    }

    /// pprof's `applyCommandOverrides`: what each command changes in the trimming and granularity.
    pub(crate) fn apply_command_overrides(&mut self) {
        let mut trim = self.trim;
        match self.command.as_str() {
            "peek" => trim = false,
            "disasm" => {
                // One node per address, inlined frames folded into the caller, so that an
                // address is counted once (pprof forces -noinlines here).
                trim = false;
                self.granularity = "addresses".into();
                self.noinlines = true;
            }
            "list" | "weblist" => {
                trim = false;
                self.granularity = "lines".into();
            }
            "text" | "top" | "topproto" => {
                if self.node_count == -1 {
                    self.node_count = 0;
                }
            }
            _ => {
                if self.node_count == -1 {
                    self.node_count = 80;
                }
            }
        }
        if matches!(self.command.as_str(), "proto" | "raw" | "callgrind") {
            trim = false;
            self.granularity = "addresses".into();
            self.noinlines = false;
        }
        if !trim {
            self.node_count = 0;
            self.node_fraction = 0.0;
            self.edge_fraction = 0.0;
        }
    }

    /// The options of pprof's report stage (value column, divisor, filters).
    pub(crate) fn report_options(&self) -> ReportOptions {
        let opt = |s: &String| (!s.is_empty()).then(|| s.clone());
        ReportOptions {
            sample_index: self.sample_index.clone(),
            mean: self.mean,
            divide_by: self.divide_by,
            relative_percentages: self.relative_percentages,
            filters: Filters {
                focus: opt(&self.focus),
                ignore: opt(&self.ignore),
                hide: opt(&self.hide),
                show: opt(&self.show),
                show_from: opt(&self.show_from),
                prune_from: opt(&self.prune_from),
                tagfocus: opt(&self.tagfocus),
                tagignore: opt(&self.tagignore),
                tagshow: opt(&self.tagshow),
                taghide: opt(&self.taghide),
            },
        }
    }

    /// The active filters as the report header lists them.
    pub(crate) fn active_filters(&self) -> Vec<String> {
        [
            ("focus", &self.focus),
            ("ignore", &self.ignore),
            ("hide", &self.hide),
            ("show", &self.show),
            ("show_from", &self.show_from),
            ("tagfocus", &self.tagfocus),
            ("tagignore", &self.tagignore),
            ("tagshow", &self.tagshow),
            ("taghide", &self.taghide),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
    }
}

/// One boolean flag per choice of a multi-choice option (`-cum`/`-flat`, `-lines`...).
fn choose(f: &Parsed, choices: &[&str], dst: &mut String) -> Result<(), Failure> {
    let set: Vec<&str> = choices
        .iter()
        .copied()
        .filter(|c| f.bool(c) == Some(true))
        .collect();
    match set.len() {
        0 => Ok(()),
        1 => {
            *dst = set[0].to_string();
            Ok(())
        }
        _ => Err(Failure::usage(format!(
            "conflicting options set: [{}]",
            set.join(" ")
        ))),
    }
}

/// Whether `path` names an executable or shared object (ELF, Mach-O, PE), which pprof takes as
/// the binary rather than a profile.
fn is_object_file(path: &str) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    if f.read_exact(&mut magic).is_err() {
        return false;
    }
    matches!(
        magic,
        [0x7f, b'E', b'L', b'F']
            | [0xfe, 0xed, 0xfa, 0xce | 0xcf]
            | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
            | [b'M', b'Z', _, _]
    )
}

/// pprof's `isBuildID`: a string of hex digits only.
fn is_build_id(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_hexdigit())
}
