//! Profiles from URLs, as Go's `cmd/pprof` fetches them: which sources are URLs and how they
//! are completed (`adjustURL`), the fetch with its wait message and time limit, the server's
//! errors (`statusCodeError`), and the copy saved under `$PPROF_TMPDIR` (pprof's
//! `fetchProfiles`, `setTmpDir` and `newTempFile`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sextant_profile::Profile;

use super::Failure;
use super::http_client::{self, HttpError};

/// What pprof allows a fetch without `-seconds` or `-timeout`: a minute.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Go's `cmd/pprof` waits this much longer than the timeout for the answer's headers
/// (`ResponseHeaderTimeout: timeout + 5*time.Second`), so that a profile of exactly the
/// timeout's length still arrives.
const HEADER_GRACE: Duration = Duration::from_secs(5);
/// The CPU profile handler a bare `host:port` means (Go's `cpuProfileHandler`).
const CPU_PROFILE_HANDLER: &str = "/debug/pprof/profile";

/// A source as a URL to fetch, with the time to allow, if it is one (Go's `adjustURL`):
/// `host:port` gains `http://` and the CPU profile path, `-seconds` (when > 0) sets the
/// `seconds` parameter, and the timeout is `-timeout` when > 0, else 1.5 times the profile's
/// seconds, else a minute. Query parameters are re-encoded sorted by key, as Go's
/// `url.Values.Encode` does.
pub(crate) fn adjust_url(source: &str, seconds: i64, timeout: i64) -> Option<(String, Duration)> {
    let mut u = match GoUrl::parse(source) {
        Some(u) if !(u.host.is_empty() && !u.scheme.is_empty() && u.scheme != "file") => u,
        _ => GoUrl::parse(&format!("http://{source}"))?,
    };
    if u.host.is_empty() {
        return None;
    }
    if u.path.is_empty() || u.path == "/" {
        u.path = CPU_PROFILE_HANDLER.to_string();
    }
    let mut values = parse_query(&u.query);
    let mut duration = Duration::ZERO;
    if seconds > 0 {
        set_value(&mut values, "seconds", &seconds.to_string());
        duration = Duration::from_secs(seconds as u64);
    } else if let Some((_, v)) = values.iter().find(|(k, _)| k == "seconds") {
        // Go reads it with strconv.ParseInt(s, 10, 32).
        if let Ok(s) = v.parse::<i32>() {
            duration = Duration::from_secs(u64::from(s.max(0).unsigned_abs()));
        }
    }
    let timeout = if timeout > 0 {
        Duration::from_secs(timeout as u64)
    } else if !duration.is_zero() {
        duration + duration / 2
    } else {
        DEFAULT_TIMEOUT
    };
    u.query = encode_query(values);
    Some((u.to_string(), timeout))
}

/// Prints Go's messages before a fetch from `url` (already adjusted) on `stderr`. `seconds`
/// is the `-seconds` flag: Go announces the wait only for it.
pub(crate) fn announce(url: &str, seconds: i64, stderr: &mut dyn Write) {
    let _ = writeln!(stderr, "Fetching profile over HTTP from {url}");
    if seconds > 0 {
        let _ = writeln!(
            stderr,
            "Please wait... ({})",
            go_duration(Duration::from_secs(seconds as u64))
        );
    }
    let _ = stderr.flush();
}

/// Fetches the profile at `url` (already adjusted), allowing `timeout` (and Go's grace).
pub(crate) fn fetch(url: &str, timeout: Duration) -> Result<Profile, Failure> {
    let wait = timeout + HEADER_GRACE;
    let resp = http_client::get(url, wait).map_err(|e| match e {
        HttpError::Connect(e) => Failure::failed(format!("cannot fetch {url}: {e}"))
            .hint("is the program running, and serving /debug/pprof at that address?"),
        HttpError::Timeout(_) => Failure::failed(format!(
            "cannot fetch {url}: no response within {}s",
            wait.as_secs()
        ))
        .hint("a longer -timeout=N (in seconds) waits longer; the wait is N + 5 s, as in go tool pprof"),
        HttpError::Protocol(m) => Failure::failed(format!("cannot fetch {url}: {m}")),
    })?;
    if resp.code != 200 {
        return Err(Failure::failed(format!(
            "{url}: {}",
            status_code_error(&resp)
        )));
    }
    Profile::parse(&resp.body).map_err(|e| {
        let f = Failure::failed(format!("{url}: {e}"));
        match e {
            sextant_profile::Error::NotAProfile { .. } | sextant_profile::Error::Empty => f.hint(
                "the URL should name a profile endpoint, such as /debug/pprof/profile or /debug/pprof/heap",
            ),
            _ => f,
        }
    })
}

/// Go's `statusCodeError`: the server's text is shown when a pprof endpoint sent it.
fn status_code_error(resp: &http_client::Response) -> String {
    if !resp.header("X-Go-Pprof").is_empty() && resp.header("Content-Type").contains("text/plain") {
        let body = String::from_utf8_lossy(&resp.body);
        return format!(
            "server response: {} - {}",
            resp.status,
            body.trim_end_matches('\n')
        );
    }
    format!("server response: {}", resp.status)
}

/// Saves the profile made from fetched sources as pprof does, printing `Saved profile in PATH`
/// (or why it could not) on `stderr`: in `$PPROF_TMPDIR`, else `$HOME/pprof`, else the system's
/// temporary directory, as `pprof.<binary>.<sample types>.NNN.pb.gz`.
pub(crate) fn save(p: &Profile, stderr: &mut dyn Write) {
    let Some(dir) = tmp_dir(stderr) else {
        let _ = writeln!(
            stderr,
            "Could not save profile: failed to identify temp dir"
        );
        return;
    };
    let mut prefix = String::from("pprof.");
    if let Some(m) = p.mapping.first().filter(|m| !m.filename.is_empty()) {
        prefix += go_base(&m.filename);
        prefix.push('.');
    }
    for t in &p.sample_type {
        prefix += &t.kind;
        prefix.push('.');
    }
    let result = new_temp_file(&dir, &prefix, ".pb.gz")
        .and_then(|(path, mut file)| p.write(&mut file).map_err(|e| e.to_string()).map(|()| path));
    let _ = match result {
        Ok(path) => writeln!(stderr, "Saved profile in {}", path.display()),
        Err(e) => writeln!(stderr, "Could not save profile: {e}"),
    };
}

/// pprof's `setTmpDir`: the first of `$PPROF_TMPDIR`, `$HOME/pprof` and the temporary
/// directory that exists or can be made.
fn tmp_dir(stderr: &mut dyn Write) -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let mut dirs: Vec<PathBuf> = Vec::new();
    dirs.extend(env("PPROF_TMPDIR").map(PathBuf::from));
    dirs.extend(env("HOME").map(|h| PathBuf::from(h).join("pprof")));
    dirs.push(std::env::temp_dir());
    for d in dirs {
        match std::fs::create_dir_all(&d) {
            Ok(()) => return Some(d),
            Err(e) => {
                let _ = writeln!(stderr, "Could not use temp dir {}: {e}", d.display());
            }
        }
    }
    None
}

/// pprof's `newTempFile`: the first of `PREFIX001SUFFIX` to `PREFIX9999SUFFIX` not taken.
pub(crate) fn new_temp_file(
    dir: &Path,
    prefix: &str,
    suffix: &str,
) -> Result<(PathBuf, std::fs::File), String> {
    for index in 1..10000 {
        let path = dir.join(format!("{prefix}{index:03}{suffix}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!(
        "could not create file of the form {prefix}001{suffix}"
    ))
}

/// Go's `filepath.Base` on Unix: the last element, trailing slashes ignored.
fn go_base(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Go's `time.Duration.String` for whole seconds: `30s`, `1m30s`, `2h0m0s`.
pub(crate) fn go_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

/// The parts of a URL that `adjustURL` looks at, parsed as Go's `url.Parse` parses them.
#[derive(Debug, Default)]
struct GoUrl {
    scheme: String,
    host: String,
    path: String,
    query: String,
    fragment: String,
}

impl GoUrl {
    /// Go's `url.Parse`, for the forms a profile source takes; `None` where Go fails.
    fn parse(raw: &str) -> Option<GoUrl> {
        let (rest, fragment) = match raw.split_once('#') {
            Some((r, f)) => (r, f.to_string()),
            None => (raw, String::new()),
        };
        if rest.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return None;
        }
        let (scheme, rest) = split_scheme(rest)?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, q.to_string()),
            None => (rest, String::new()),
        };
        let mut u = GoUrl {
            scheme: scheme.to_ascii_lowercase(),
            query,
            fragment,
            ..GoUrl::default()
        };
        if !rest.starts_with('/') {
            if !scheme.is_empty() {
                return Some(u); // opaque, such as "localhost:8080"
            }
            if rest.split('/').next().unwrap_or_default().contains(':') {
                return None; // "first path segment in URL cannot contain colon"
            }
        }
        let mut path = rest;
        if (!scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let authority = &rest[2..];
            let end = authority.find('/').unwrap_or(authority.len());
            let host = authority[..end].rsplit('@').next().unwrap_or_default();
            if !valid_port(host) {
                return None;
            }
            u.host = host.to_string();
            path = &authority[end..];
        }
        u.path = path.to_string();
        Some(u)
    }
}

impl std::fmt::Display for GoUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.host, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        if !self.fragment.is_empty() {
            write!(f, "#{}", self.fragment)?;
        }
        Ok(())
    }
}

/// Go's `getScheme`: a letter, then letters, digits, `+`, `-` or `.`, up to a colon.
fn split_scheme(raw: &str) -> Option<(&str, &str)> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return None, // "missing protocol scheme"
            ':' => return Some((&raw[..i], &raw[i + 1..])),
            _ => return Some(("", raw)),
        }
    }
    Some(("", raw))
}

/// Go's host check: a port after the last colon (outside brackets) is digits only.
fn valid_port(host: &str) -> bool {
    let after_bracket = host.rfind(']').map_or(0, |i| i + 1);
    match host[after_bracket..].rfind(':') {
        Some(i) => host[after_bracket + i + 1..]
            .bytes()
            .all(|b| b.is_ascii_digit()),
        None => true,
    }
}

/// Go's `url.ParseQuery`, keeping the pairs it accepts in order (it drops pairs with a `;` in
/// the key or a bad escape).
fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty() && !kv.split('=').next().unwrap_or_default().contains(';'))
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Some((query_unescape(k)?, query_unescape(v)?))
        })
        .collect()
}

/// `url.Values.Set`: replaces every value of `key` with one.
fn set_value(values: &mut Vec<(String, String)>, key: &str, value: &str) {
    values.retain(|(k, _)| k != key);
    values.push((key.to_string(), value.to_string()));
}

/// `url.Values.Encode`: `k=v` pairs sorted by key (a key's values in their order), escaped.
pub(super) fn encode_query(mut values: Vec<(String, String)>) -> String {
    values.sort_by(|a, b| a.0.cmp(&b.0));
    values
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out += &format!("%{b:02X}"),
        }
    }
    out
}

/// `url.QueryUnescape`; `None` for a bad `%` escape.
fn query_unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adj(s: &str, seconds: i64, timeout: i64) -> Option<(String, u64)> {
        adjust_url(s, seconds, timeout).map(|(u, t)| (u, t.as_secs()))
    }

    // Expected values worked out from Go's cmd/pprof adjustURL and net/url.
    #[test]
    fn bare_host_port_gets_http_and_the_cpu_profile_path() {
        let want = "http://localhost:6060/debug/pprof/profile";
        assert_eq!(adj("localhost:6060", -1, -1), Some((want.into(), 60)));
        assert_eq!(
            adj("127.0.0.1:6060", -1, -1).unwrap().0,
            "http://127.0.0.1:6060/debug/pprof/profile"
        );
        assert_eq!(
            adj("http://h:1/", -1, -1).unwrap().0,
            "http://h:1/debug/pprof/profile"
        );
        assert_eq!(
            adj("127.0.0.1:6060/debug/pprof/heap", -1, -1).unwrap().0,
            "http://127.0.0.1:6060/debug/pprof/heap"
        );
    }

    #[test]
    fn seconds_flag_sets_the_parameter_and_the_timeout() {
        assert_eq!(
            adj("http://h:1/debug/pprof/profile?seconds=30&b=2", 5, -1),
            Some(("http://h:1/debug/pprof/profile?b=2&seconds=5".into(), 7))
        );
        assert_eq!(
            adj("http://h:1/debug/pprof/profile?seconds=10", -1, -1)
                .unwrap()
                .1,
            15
        );
        assert_eq!(adj("http://h:1/x?seconds=10", -1, 3).unwrap().1, 3);
        assert_eq!(adj("http://h:1/x?seconds=abc", -1, -1).unwrap().1, 60);
        assert_eq!(
            adj("http://h:1/x?q=a+b%2F", -1, -1).unwrap().0,
            "http://h:1/x?q=a+b%2F"
        );
    }

    #[test]
    fn files_are_not_urls() {
        for f in [
            "go1.19.heap.pb.gz",
            "/tmp/x.pb.gz",
            "dir/a:b",
            "file:///x",
            "foo:bar",
        ] {
            assert_eq!(adjust_url(f, -1, -1), None, "{f}");
        }
    }

    #[test]
    fn go_durations_read_as_go_prints_them() {
        let d = |s| go_duration(Duration::from_secs(s));
        assert_eq!(
            (d(2), d(60), d(90), d(3600)),
            ("2s".into(), "1m0s".into(), "1m30s".into(), "1h0m0s".into())
        );
    }

    #[test]
    fn temp_files_count_up_from_001() {
        let dir = std::env::temp_dir().join(format!("sextant-fetch-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, _) = new_temp_file(&dir, "pprof.x.", ".pb.gz").unwrap();
        let (b, _) = new_temp_file(&dir, "pprof.x.", ".pb.gz").unwrap();
        assert!(a.ends_with("pprof.x.001.pb.gz") && b.ends_with("pprof.x.002.pb.gz"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
