//! Reading a key's value from a result, as benchproc's `extract.go`: the base name,
//! the full name (possibly without the parts projected elsewhere), one sub-benchmark
//! part (`/n` reads `n=10` as `10`, `/gomaxprocs` the `-8` suffix), or a
//! configuration value.

use crate::benchfmt::BenchResult;

/// How a projection reads one field's value from a result.
#[derive(Debug, Clone)]
pub(crate) enum Extractor {
    /// `.name`: the base name.
    Name,
    /// `.fullname` as written.
    Full,
    /// `/key`: the value of sub-benchmark part `key=value` (`/gomaxprocs`: the `-P`).
    NamePart { prefix: String, gomaxprocs: bool },
    /// A configuration key.
    Config(String),
}

impl Extractor {
    pub(crate) fn new(key: &str) -> Result<Extractor, String> {
        if key.is_empty() {
            return Err("key must not be empty".to_string());
        }
        Ok(match key {
            ".name" => Extractor::Name,
            ".fullname" => Extractor::Full,
            k if k.starts_with('/') => Extractor::NamePart {
                prefix: format!("{k}="),
                gomaxprocs: k == "/gomaxprocs",
            },
            k => Extractor::Config(k.to_string()),
        })
    }

    pub(crate) fn extract(&self, r: &BenchResult) -> String {
        match self {
            Extractor::Name => r.base_name().to_string(),
            Extractor::Full => r.name.clone(),
            Extractor::NamePart { prefix, gomaxprocs } => {
                let (_, parts) = r.name_parts();
                if *gomaxprocs {
                    if let Some(last) = parts.last() {
                        if let Some(p) = last.strip_prefix('-') {
                            return p.to_string();
                        }
                    }
                }
                for part in parts {
                    if let Some(v) = part.strip_prefix(prefix.as_str()) {
                        return v.to_string();
                    }
                }
                String::new()
            }
            Extractor::Config(k) => r.get_config(k).unwrap_or("").to_string(),
        }
    }
}

/// `.fullname` with the sub-benchmark keys projected elsewhere removed (`*` for a
/// projected `.name`), as benchproc's `extractFullExcluded`.
pub(crate) fn full_excluded(r: &BenchResult, exclude: &[String]) -> String {
    let exc_name = exclude.iter().any(|k| k == ".name");
    let delete: Vec<String> = exclude
        .iter()
        .filter(|k| k.starts_with('/'))
        .map(|k| format!("{k}="))
        .collect();
    let exc_gomaxprocs = exclude.iter().any(|k| k == "/gomaxprocs");
    let name = &r.name;
    let found = exc_name
        || delete.iter().any(|k| name.contains(k.as_str()))
        || (exc_gomaxprocs && name.contains('-'));
    if !found {
        return name.clone();
    }
    let (base, parts) = r.name_parts();
    let mut out = if exc_name {
        "*".to_string()
    } else {
        base.to_string()
    };
    'parts: for part in parts {
        for k in &delete {
            if part.starts_with(k.as_str()) {
                continue 'parts;
            }
        }
        if exc_gomaxprocs && part.starts_with('-') {
            continue;
        }
        out.push_str(part);
    }
    out
}
