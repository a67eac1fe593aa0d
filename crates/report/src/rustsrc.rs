//! Where a Rust user keeps the sources a profile names, when they are not at the path the
//! debug information recorded: beyond pprof, for `-list` on Rust programs.
//!
//! Rust binaries name three kinds of files that `-source_path` rarely reaches:
//!
//! - the standard library, recorded as `/rustc/<commit>/library/<crate>/src/...`: found under
//!   `RUST_SRC_PATH` (the variable rust-analyzer reads, pointing at the `library` folder) or
//!   else the toolchain's rust-src component, `<sysroot>/lib/rustlib/src/rust/library`
//!   (`rustup component add rust-src`; the sysroot from `rustc --print sysroot`);
//! - crates from a registry, recorded as `<cargo home>/registry/src/<index>/<crate>-<version>/...`
//!   on the machine that built the binary: found under this machine's
//!   `$CARGO_HOME/registry/src/*/<crate>-<version>/...` (`CARGO_HOME` defaults to `~/.cargo`),
//!   whatever the index folder is called here;
//! - git dependencies, `<cargo home>/git/checkouts/<repo>/<rev>/...`: found under
//!   `$CARGO_HOME/git/checkouts/`.
//!
//! The standard library found may be another version than the one the binary was built with:
//! its lines then may not match; install the toolchain that built it to be sure.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The roots searched, found from the environment on first use.
#[derive(Debug, Default)]
pub(crate) struct RustSources {
    cargo_home: Option<PathBuf>,
    /// `None` until asked; then the `library` folder, if there is one.
    library: OnceLock<Option<PathBuf>>,
}

impl RustSources {
    /// Roots from `CARGO_HOME`/`HOME`; the standard library's on first need.
    pub(crate) fn from_env() -> RustSources {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
        RustSources {
            cargo_home,
            library: OnceLock::new(),
        }
    }

    /// Roots given outright (tests, embedders).
    #[cfg(test)]
    pub(crate) fn with_roots(cargo_home: Option<PathBuf>, library: Option<PathBuf>) -> Self {
        RustSources {
            cargo_home,
            library: OnceLock::from(library),
        }
    }

    /// The text of the local copy of `recorded`, if one of the roots has it.
    pub(crate) fn read(&self, recorded: &str) -> Option<String> {
        self.candidates(recorded)
            .into_iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
    }

    /// The local paths `recorded` may be found at, in the order to try them.
    pub(crate) fn candidates(&self, recorded: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Some(rest) = std_library_relative(recorded) {
            if let Some(lib) = self.library() {
                out.push(lib.join(rest));
            }
        }
        if let (Some(rest), Some(home)) = (after(recorded, "/registry/src/"), &self.cargo_home) {
            // `<index>/<crate>-<version>/<file>`: the index folder's name differs between
            // machines and cargo versions, so every one here is tried.
            if let Some((_, in_index)) = rest.split_once('/') {
                if let Ok(indexes) = std::fs::read_dir(home.join("registry/src")) {
                    let mut indexes: Vec<PathBuf> =
                        indexes.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    indexes.sort();
                    out.extend(indexes.into_iter().map(|i| i.join(in_index)));
                }
            }
        }
        if let (Some(rest), Some(home)) = (after(recorded, "/git/checkouts/"), &self.cargo_home) {
            out.push(home.join("git/checkouts").join(rest));
        }
        out
    }

    fn library(&self) -> Option<&PathBuf> {
        self.library
            .get_or_init(|| {
                if let Some(p) = std::env::var_os("RUST_SRC_PATH") {
                    return Some(PathBuf::from(p));
                }
                let out = std::process::Command::new("rustc")
                    .args(["--print", "sysroot"])
                    .stderr(std::process::Stdio::null())
                    .output()
                    .ok()
                    .filter(|o| o.status.success())?;
                let sysroot = String::from_utf8(out.stdout).ok()?;
                let lib = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library");
                lib.is_dir().then_some(lib)
            })
            .as_ref()
    }
}

/// `<crate>/src/...` of a standard-library path `/rustc/<commit hash>/library/<crate>/src/...`.
fn std_library_relative(recorded: &str) -> Option<&str> {
    let rest = recorded.strip_prefix("/rustc/")?;
    let (hash, rest) = rest.split_once('/')?;
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    rest.strip_prefix("library/")
}

/// What follows the last occurrence of `marker` in `path`.
fn after<'a>(path: &'a str, marker: &str) -> Option<&'a str> {
    path.rfind(marker).map(|i| &path[i + marker.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> PathBuf {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("sextant-rustsrc-{}-{n}", std::process::id()));
        for f in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("// {f}\n")).unwrap();
        }
        root
    }

    #[test]
    fn std_paths_map_into_the_library_folder() {
        let lib = tree(&["std/src/io/mod.rs"]);
        let s = RustSources::with_roots(None, Some(lib.clone()));
        let recorded = "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/io/mod.rs";
        assert_eq!(s.candidates(recorded), vec![lib.join("std/src/io/mod.rs")]);
        assert_eq!(s.read(recorded).as_deref(), Some("// std/src/io/mod.rs\n"));
        assert!(
            s.candidates("/rustc/not-a-hash/library/std/src/lib.rs")
                .is_empty()
        );
        assert!(s.candidates("/rustc/abc123/src/libstd/lib.rs").is_empty());
        std::fs::remove_dir_all(lib).unwrap();
    }

    #[test]
    fn registry_paths_are_found_under_any_local_index() {
        let home = tree(&[
            "registry/src/index.example-0001/serde-1.0.200/src/de/mod.rs",
            "registry/src/other-index-0002/bytes-1.5.0/src/buf.rs",
        ]);
        let s = RustSources::with_roots(Some(home.clone()), None);
        // Built on another machine, whose index folder had another name.
        let recorded = "/home/ci/.cargo/registry/src/index.registry.example-6f17d22bba15001f/serde-1.0.200/src/de/mod.rs";
        assert_eq!(
            s.read(recorded).as_deref(),
            Some("// registry/src/index.example-0001/serde-1.0.200/src/de/mod.rs\n")
        );
        assert_eq!(
            s.read("/x/registry/src/idx/serde-1.0.199/src/de/mod.rs"),
            None,
            "another version is not the same file"
        );
        std::fs::remove_dir_all(home).unwrap();
    }

    #[test]
    fn git_checkouts_are_found_under_cargo_home() {
        let home = tree(&["git/checkouts/framehop-1a2b/3c4d5e6/src/lib.rs"]);
        let s = RustSources::with_roots(Some(home.clone()), None);
        let recorded = "/home/ci/.cargo/git/checkouts/framehop-1a2b/3c4d5e6/src/lib.rs";
        assert_eq!(
            s.read(recorded).as_deref(),
            Some("// git/checkouts/framehop-1a2b/3c4d5e6/src/lib.rs\n")
        );
        std::fs::remove_dir_all(home).unwrap();
    }

    #[test]
    fn other_paths_have_no_candidates() {
        let s = RustSources::with_roots(Some("/nonexistent".into()), Some("/nonexistent".into()));
        assert!(s.candidates("/src/demo/main.go").is_empty());
        assert!(s.candidates("src/main.rs").is_empty());
    }
}
