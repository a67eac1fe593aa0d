//! `/proc/self/maps`: which file backs which range of the address space.

use std::path::PathBuf;

use crate::{Error, Result};

/// One line of `/proc/self/maps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapEntry {
    /// First address of the range.
    pub start: u64,
    /// One past the last address of the range.
    pub end: u64,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub execute: bool,
    /// Offset in the file that `start` maps.
    pub offset: u64,
    /// The inode of the backing file, 0 for anonymous memory.
    pub inode: u64,
    /// The path, a pseudo name such as `[stack]` or `[vdso]`, or empty for anonymous memory.
    /// A ` (deleted)` suffix is removed, as Go removes it.
    pub path: String,
}

impl MapEntry {
    /// The entry is backed by a file on disk (not anonymous, not a `[pseudo]` region).
    pub fn is_file(&self) -> bool {
        self.inode != 0 && self.path.starts_with('/')
    }

    /// The path as a [`PathBuf`].
    pub fn path_buf(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }
}

/// Reads and parses `/proc/self/maps`.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read, [`Error::Maps`] if a line does not parse.
pub fn read_self_maps() -> Result<Vec<MapEntry>> {
    let text = std::fs::read_to_string("/proc/self/maps").map_err(|e| Error::Io {
        path: "/proc/self/maps".into(),
        source: e,
    })?;
    parse_maps(&text)
}

/// Parses the text of a `/proc/PID/maps` file.
///
/// # Errors
///
/// [`Error::Maps`] with the line number of the first line that does not parse.
pub fn parse_maps(text: &str) -> Result<Vec<MapEntry>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| parse_line(l).ok_or(Error::Maps { line: i + 1 }))
        .collect()
}

fn parse_line(line: &str) -> Option<MapEntry> {
    // address perms offset dev inode path, the path possibly containing spaces.
    let mut rest = line;
    let mut field = || {
        let t = rest.trim_start();
        let end = t.find(' ').unwrap_or(t.len());
        let (f, r) = t.split_at(end);
        rest = r;
        f
    };
    let (range, perms, offset, _dev, inode) = (field(), field(), field(), field(), field());
    let path = rest.trim_start();
    let path = path.strip_suffix(" (deleted)").unwrap_or(path);
    let (start, end) = range.split_once('-')?;
    let perms = perms.as_bytes();
    if perms.len() < 3 {
        return None;
    }
    Some(MapEntry {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        read: perms[0] == b'r',
        write: perms[1] == b'w',
        execute: perms[2] == b'x',
        offset: u64::from_str_radix(offset, 16).ok()?,
        inode: inode.parse().ok()?,
        path: path.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_anonymous_and_deleted_lines() {
        let text = "\
55d0c0a00000-55d0c0a21000 r-xp 00002000 08:01 1234  /usr/bin/my app (deleted)
7ffd5a1f2000-7ffd5a213000 rw-p 00000000 00:00 0                          [stack]
7f0000000000-7f0000001000 rw-p 00000000 00:00 0
";
        let m = parse_maps(text).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].start, 0x55d0c0a00000);
        assert_eq!(m[0].offset, 0x2000);
        assert!(m[0].execute && m[0].read && !m[0].write);
        assert_eq!(m[0].path, "/usr/bin/my app");
        assert!(m[0].is_file());
        assert_eq!(m[1].path, "[stack]");
        assert!(!m[1].is_file());
        assert_eq!(m[2].path, "");
    }

    #[test]
    fn rejects_a_malformed_line_with_its_number() {
        let err = parse_maps("00-10 r-xp 0 0:0 0 /x\nnonsense\n").unwrap_err();
        assert!(matches!(err, Error::Maps { line: 2 }), "{err}");
    }

    #[test]
    fn reads_our_own_maps_with_an_executable_mapping_of_this_test() {
        let m = read_self_maps().unwrap();
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        assert!(
            m.iter()
                .any(|e| e.execute && e.path == exe.to_string_lossy())
        );
    }
}
