//! The two facts of an ELF file the `disasm` report needs: its loadable segments (to turn
//! runtime addresses into file addresses) and its GNU build id (to refuse a binary that is not
//! the one profiled). Only the headers are read; 32- and 64-bit, either byte order.

/// A `PT_LOAD` program header: where a piece of the file is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    pub(super) offset: u64,
    pub(super) vaddr: u64,
    pub(super) filesz: u64,
}

/// What the headers of an ELF file say.
#[derive(Debug, Default)]
pub(super) struct Elf {
    pub(super) segments: Vec<Segment>,
    /// The GNU build id in lowercase hex; empty when the file has none.
    pub(super) build_id: String,
}

const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;
const NT_GNU_BUILD_ID: u32 = 3;

/// A bounds-checked little- or big-endian reader over the file's bytes.
struct Bytes<'a> {
    b: &'a [u8],
    le: bool,
}

impl Bytes<'_> {
    fn uint(&self, at: u64, size: usize) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let s = self.b.get(at..at.checked_add(size)?)?;
        let mut v = 0u64;
        for i in 0..size {
            let byte = if self.le { s[size - 1 - i] } else { s[i] };
            v = v << 8 | u64::from(byte);
        }
        Some(v)
    }
}

/// Parses the program headers of `data`.
///
/// # Errors
///
/// A message saying what is wrong: not ELF, or headers outside the file.
pub(super) fn parse(data: &[u8]) -> Result<Elf, String> {
    if data.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    let wide = match data.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF class".into()),
    };
    let le = data.get(5) == Some(&1);
    let r = Bytes { b: data, le };
    let word = if wide { 8 } else { 4 };
    let short = "ELF header cut short";
    let (phoff, phentsize, phnum) = if wide {
        (r.uint(0x20, 8), r.uint(0x36, 2), r.uint(0x38, 2))
    } else {
        (r.uint(0x1c, 4), r.uint(0x2a, 2), r.uint(0x2c, 2))
    };
    let (phoff, phentsize, phnum) = (
        phoff.ok_or(short)?,
        phentsize.ok_or(short)?,
        phnum.ok_or(short)?,
    );
    let mut elf = Elf::default();
    for i in 0..phnum {
        let h = phoff + i * phentsize;
        let bad = || format!("program header {i} lies outside the file");
        let kind = r.uint(h, 4).ok_or_else(bad)? as u32;
        // The 64-bit layout puts p_flags second; the 32-bit one puts it after the sizes.
        let (off, vaddr, filesz) = if wide {
            (h + 8, h + 16, h + 32)
        } else {
            (h + 4, h + 8, h + 16)
        };
        let offset = r.uint(off, word).ok_or_else(bad)?;
        let filesz = r.uint(filesz, word).ok_or_else(bad)?;
        match kind {
            PT_LOAD => {
                let vaddr = r.uint(vaddr, word).ok_or_else(bad)?;
                elf.segments.push(Segment {
                    offset,
                    vaddr,
                    filesz,
                });
            }
            PT_NOTE if elf.build_id.is_empty() => {
                elf.build_id = build_id(&r, offset, filesz).unwrap_or_default();
            }
            _ => {}
        }
    }
    Ok(elf)
}

/// The `NT_GNU_BUILD_ID` note among the notes at `offset..offset + size`.
fn build_id(r: &Bytes<'_>, offset: u64, size: u64) -> Option<String> {
    let end = offset.checked_add(size)?;
    let mut at = offset;
    // Notes are 4-byte aligned: name size, descriptor size, type, then the padded name and
    // descriptor.
    let align = |n: u64| (n + 3) & !3;
    while at + 12 <= end {
        let namesz = r.uint(at, 4)?;
        let descsz = r.uint(at + 4, 4)?;
        let kind = r.uint(at + 8, 4)?;
        let name_at = at + 12;
        let desc_at = name_at + align(namesz);
        if kind == u64::from(NT_GNU_BUILD_ID) && namesz == 4 {
            let name =
                r.b.get(usize::try_from(name_at).ok()?..usize::try_from(name_at + 4).ok()?)?;
            if name == b"GNU\0" {
                let desc = r
                    .b
                    .get(usize::try_from(desc_at).ok()?..usize::try_from(desc_at + descsz).ok()?)?;
                return Some(desc.iter().map(|b| format!("{b:02x}")).collect());
            }
        }
        at = desc_at + align(descsz);
    }
    None
}

/// pprof's `GetBase` for the mapping `start..` at file `offset`: what to subtract from a runtime
/// address to get the file address, using the loadable segment that holds the mapped bytes.
pub(super) fn base(elf: &Elf, start: u64, offset: u64, addr: u64) -> Result<u64, String> {
    let file_pos = addr.wrapping_sub(start).wrapping_add(offset);
    let seg = elf
        .segments
        .iter()
        .find(|s| file_pos >= s.offset && file_pos < s.offset + s.filesz)
        .ok_or_else(|| format!("no loadable segment holds file offset {file_pos:#x}"))?;
    Ok(start
        .wrapping_sub(offset)
        .wrapping_add(seg.offset)
        .wrapping_sub(seg.vaddr))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian ELF header with one PT_LOAD and one PT_NOTE holding a build id.
    fn tiny_elf() -> Vec<u8> {
        let mut b = vec![0u8; 0x200];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        let ph = |b: &mut Vec<u8>, at: usize, kind: u32, off: u64, vaddr: u64, size: u64| {
            b[at..at + 4].copy_from_slice(&kind.to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&off.to_le_bytes());
            b[at + 16..at + 24].copy_from_slice(&vaddr.to_le_bytes());
            b[at + 32..at + 40].copy_from_slice(&size.to_le_bytes());
        };
        ph(&mut b, 0x40, PT_LOAD, 0x1000, 0x2000, 0x5000);
        ph(&mut b, 0x78, PT_NOTE, 0x100, 0x100, 24);
        b[0x100..0x104].copy_from_slice(&4u32.to_le_bytes());
        b[0x104..0x108].copy_from_slice(&8u32.to_le_bytes());
        b[0x108..0x10c].copy_from_slice(&NT_GNU_BUILD_ID.to_le_bytes());
        b[0x10c..0x110].copy_from_slice(b"GNU\0");
        b[0x110..0x118].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
        b
    }

    #[test]
    fn reads_segments_and_the_build_id() {
        let elf = parse(&tiny_elf()).unwrap();
        assert_eq!(
            elf.segments,
            vec![Segment {
                offset: 0x1000,
                vaddr: 0x2000,
                filesz: 0x5000
            }]
        );
        assert_eq!(elf.build_id, "deadbeef00010203");
    }

    #[test]
    fn base_maps_runtime_addresses_to_file_addresses() {
        let elf = parse(&tiny_elf()).unwrap();
        // Mapped at 0x7000_0000 from file offset 0x1000: file offset 0x1234 is vaddr 0x2234.
        let base = base(&elf, 0x7000_0000, 0x1000, 0x7000_0234).unwrap();
        assert_eq!(0x7000_0234 - base, 0x2234);
        assert!(super::base(&elf, 0x7000_0000, 0x9000, 0x7000_0000).is_err());
    }

    #[test]
    fn refuses_what_is_not_elf() {
        assert_eq!(parse(b"MZ\0\0").unwrap_err(), "not an ELF file");
        let mut cut = tiny_elf();
        cut.truncate(0x50);
        assert!(parse(&cut).unwrap_err().contains("outside the file"));
    }
}
