//! Saved configurations of the web UI (pprof's `settings.go`): the Config menu's "Save as"
//! stores the current URL's options under a name in `pprof/settings.json` under the user's
//! configuration directory, in go tool pprof's format, so both tools share the entries.
//!
//! An entry is Go's `config` as JSON with empty values left out; a field that is absent is
//! Go's zero value, not the default. The menu links each entry to the current URL with the
//! entry's options, and marks the last entry that the current URL already matches.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::super::config::Config;
use super::super::fetch::encode_query;
use super::super::settings::{self, Extra, Kind};
use super::http::parse_query;
use super::params;

/// A saved configuration: its name and its fields as Go's JSON has them.
type Entry = (String, Map<String, Value>);

/// One entry of the Config menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MenuEntry {
    pub(crate) name: String,
    /// The query string (without `?`) that applies the entry to the current URL.
    pub(crate) query: String,
    /// Whether the current URL already has the entry's options (the last such entry).
    pub(crate) current: bool,
    /// A saved entry (the first, Default, is not and cannot be deleted).
    pub(crate) user: bool,
}

/// `os.UserConfigDir()/pprof/settings.json` on Unix: `$XDG_CONFIG_HOME`, else `~/.config`.
pub(crate) fn settings_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".config"),
    };
    Some(dir.join("pprof").join("settings.json"))
}

/// The saved entries: (name, options as JSON). A missing file has none.
fn read(path: &PathBuf) -> Result<Vec<Entry>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("could not read settings: {e}")),
    };
    let v: Value =
        serde_json::from_str(&text).map_err(|e| format!("could not parse settings: {e}"))?;
    let configs = v
        .get("configs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(configs
        .into_iter()
        .filter_map(|c| match c {
            Value::Object(mut m) => {
                let name = m.remove("name")?.as_str()?.to_string();
                Some((name, m))
            }
            _ => None,
        })
        .collect())
}

fn write(path: &PathBuf, configs: &[Entry]) -> Result<(), String> {
    let list: Vec<Value> = configs
        .iter()
        .map(|(name, fields)| {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(name.clone()));
            m.extend(fields.clone());
            Value::Object(m)
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("configs".into(), Value::Array(list));
    let text = serde_json::to_string_pretty(&Value::Object(doc))
        .map_err(|e| format!("could not encode settings: {e}"))?;
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    std::fs::write(path, text).map_err(|e| format!("failed to write settings: {e}"))
}

/// Creates the settings directory with mode 0700, as the XDG base directory spec asks.
fn create_private_dir(dir: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("failed to create settings directory: {e}"))
}

/// A saved entry as a configuration: Go's zero values, then the entry's fields.
fn to_config(fields: &Map<String, Value>) -> (Config, Extra) {
    let mut c = Config::default();
    let mut x = Extra::default();
    for (name, kind) in settings::saved() {
        let zero = match kind {
            Kind::Bool => "false",
            Kind::Int | Kind::Float => "0",
            _ => "",
        };
        let value = match fields.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => zero.to_string(),
        };
        if matches!(name, "sort" | "granularity") && value.is_empty() {
            // A choice cannot be set to "" through configure; Go's zero value is "".
            if name == "sort" {
                c.sort.clear();
            } else {
                c.granularity.clear();
            }
            continue;
        }
        let _ = settings::configure(&mut c, &mut x, name, &value);
    }
    (c, x)
}

/// A configuration as a saved entry: its fields, empty values left out (Go's `omitempty`).
fn to_fields(c: &Config, x: &Extra) -> Map<String, Value> {
    let mut m = Map::new();
    for (name, kind) in settings::saved() {
        let v = settings::get(c, x, name);
        let value = match kind {
            Kind::Bool => Value::Bool(v == "true"),
            Kind::Int => Value::from(v.parse::<i64>().unwrap_or(0)),
            Kind::Float => Value::from(v.parse::<f64>().unwrap_or(0.0)),
            _ => Value::String(v),
        };
        let empty = match &value {
            Value::Bool(b) => !b,
            Value::String(s) => s.is_empty(),
            Value::Number(n) => n.as_f64() == Some(0.0),
            _ => false,
        };
        if !empty {
            m.insert(name.to_string(), value);
        }
    }
    m
}

/// pprof's `makeURL`: the query `raw_query` with `c`'s saved options set (defaults removed,
/// booleans as `t`/`f`), and whether anything changed.
fn make_url(c: &Config, x: &Extra, raw_query: &str) -> (String, bool) {
    let mut q = parse_query(raw_query);
    let defaults = Config::default();
    let no_extra = Extra::default();
    let mut changed = false;
    for (param, name) in params::saved_params() {
        let mut v = settings::get(c, x, name);
        if v == settings::get(&defaults, &no_extra, name) {
            v.clear();
        } else if settings::is_bool(name) {
            v.truncate(1);
        }
        let current = q
            .iter()
            .find(|(k, _)| k == param)
            .map_or("", |(_, v)| v.as_str());
        if current == v {
            continue;
        }
        changed = true;
        q.retain(|(k, _)| k != param);
        if !v.is_empty() {
            q.push((param.to_string(), v));
        }
    }
    (encode_query(q), changed)
}

/// The Config menu for the page at `raw_query`: Default, then the saved entries.
pub(crate) fn menu(raw_query: &str) -> Vec<MenuEntry> {
    let mut entries = vec![("Default".to_string(), Config::default(), Extra::default())];
    if let Some(path) = settings_file()
        && let Ok(saved) = read(&path)
    {
        for (name, fields) in saved {
            let (c, x) = to_config(&fields);
            entries.push((name, c, x));
        }
    }
    let mut out: Vec<MenuEntry> = entries
        .iter()
        .enumerate()
        .map(|(i, (name, c, x))| {
            let (query, changed) = make_url(c, x, raw_query);
            MenuEntry {
                name: name.clone(),
                query,
                current: !changed,
                user: i > 0,
            }
        })
        .collect();
    // Only the last matching entry is marked.
    if let Some(last) = out.iter().rposition(|e| e.current) {
        for (i, e) in out.iter_mut().enumerate() {
            e.current = i == last;
        }
    }
    out
}

/// `/ui/saveconfig?config=NAME&...`: stores the command line's options with the URL's under
/// NAME, replacing an entry of that name.
pub(crate) fn save(base: &Config, query: &[(String, String)]) -> Result<(), String> {
    let name = query
        .iter()
        .find(|(k, _)| k == "config")
        .map(|(_, v)| v.clone())
        .filter(|n| !n.is_empty())
        .ok_or("invalid config name")?;
    let mut c = base.clone();
    params::apply(&mut c, query)?;
    let path = settings_file().ok_or("no configuration directory: set HOME or XDG_CONFIG_HOME")?;
    let mut saved = read(&path)?;
    let fields = to_fields(&c, &Extra::default());
    match saved.iter_mut().find(|(n, _)| *n == name) {
        Some(entry) => entry.1 = fields,
        None => saved.push((name, fields)),
    }
    write(&path, &saved)
}

/// `/ui/deleteconfig?config=NAME`.
pub(crate) fn delete(name: &str) -> Result<(), String> {
    let path = settings_file().ok_or("no configuration directory: set HOME or XDG_CONFIG_HOME")?;
    let mut saved = read(&path)?;
    let before = saved.len();
    saved.retain(|(n, _)| n != name);
    if saved.len() == before {
        return Err(format!("config {name} not found"));
    }
    write(&path, &saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_gos_json() {
        let c = Config {
            focus: "main\\.".into(),
            node_count: 7,
            trim: false,
            ..Config::default()
        };
        let fields = to_fields(&c, &Extra::default());
        // Go's omitempty: false and "" are left out, the defaults that are not zero are kept.
        assert_eq!(fields.get("focus"), Some(&Value::from("main\\.")));
        assert_eq!(fields.get("nodecount"), Some(&Value::from(7)));
        assert_eq!(fields.get("unit"), Some(&Value::from("minimum")));
        assert_eq!(fields.get("nodefraction"), Some(&Value::from(0.005)));
        assert!(!fields.contains_key("trim"));
        assert!(!fields.contains_key("hide"));
        let (back, _) = to_config(&fields);
        assert_eq!(
            (back.focus.as_str(), back.node_count, back.trim),
            ("main\\.", 7, false)
        );
    }

    #[test]
    fn menu_links_apply_an_entry_to_the_current_url() {
        let c = Config {
            focus: "a b".into(),
            trim: false,
            ..Config::default()
        };
        let (q, changed) = make_url(&c, &Extra::default(), "si=cpu&h=x");
        assert!(changed);
        // Sorted by key; hide goes (the entry's is empty), focus and trim=f come.
        assert_eq!(q, "f=a+b&si=cpu&trim=f");
        let (q, changed) = make_url(&Config::default(), &Extra::default(), "si=cpu");
        assert!(!changed);
        assert_eq!(q, "si=cpu");
    }
}
