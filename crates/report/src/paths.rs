//! File-path handling as Go's `path/filepath` (on Unix) and pprof's `trimPath` do it.

/// Go's `filepath.Clean`: the shortest equivalent path, by purely lexical processing.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Base`: the last element, trailing slashes ignored.
pub(crate) fn base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Go's `filepath.Dir`: all but the last element, cleaned.
pub(crate) fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".to_string(),
    }
}

/// pprof's `trimPath`: strips the configured prefixes (`trim_path`, a `:`-separated list), or
/// guesses one from the search path, then the `/proc/self/cwd/` prefixes Bazel leaves.
pub(crate) fn trim_path<'a>(path: &'a str, trim: &str, search: &str) -> &'a str {
    if trim.is_empty() {
        for dir in search.split(':').filter(|_| !search.is_empty()) {
            let want = format!("/{}/", base(dir));
            if let Some(found) = path.find(&want) {
                return &path[found + want.len()..];
            }
        }
    }
    let configured = trim.split(':').filter(|_| !trim.is_empty());
    for prefix in configured.chain(["/proc/self/cwd/./", "/proc/self/cwd/"]) {
        let with_slash;
        let prefix = if prefix.ends_with('/') {
            prefix
        } else {
            with_slash = format!("{prefix}/");
            &with_slash
        };
        if let Some(rest) = path.strip_prefix(prefix) {
            return rest;
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go_filepath_clean() {
        assert_eq!(clean("/a/b/../c/./d//"), "/a/c/d");
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/.."), "/");
        assert_eq!(clean("./"), ".");
    }

    #[test]
    fn trim_path_strips_bazel_cwd() {
        assert_eq!(trim_path("/proc/self/cwd/src/a.go", "", ""), "src/a.go");
        assert_eq!(trim_path("/build/x/src/a.go", "/build/x", ""), "src/a.go");
        assert_eq!(base("/usr/bin/demo"), "demo");
    }
}
