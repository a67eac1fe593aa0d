//! What symbolizing a profile's addresses costs: CPU time and peak RSS, with this crate's
//! `Symbolizer` or with the `addr2line` crate it replaced, one per process run.
//!
//! ```sh
//! cargo run --release -p sextant-symbolize --example measure -- names BINARY SVMA...
//! cargo run --release -p sextant-symbolize --example measure -- ours BINARY SVMA...
//! cargo run --release -p sextant-symbolize --example measure -- addr2line BINARY SVMA...
//! cargo run --release -p sextant-symbolize --example measure -- compare BINARY [SVMA...]
//! ```
//!
//! SVMAs are hex addresses as the file states them. `names` (the symbol table alone, no
//! DWARF), `ours` (symbol table and DWARF) and `addr2line` (DWARF alone) print the CPU time
//! of opening the file and symbolizing every address (ms), and how much peak RSS, file-backed
//! RSS and anonymous RSS grew (kB). `compare` checks that both give the same frames, for the
//! addresses given or, without any, for every function symbol's first, middle and last byte.
//! With `MEASURE_SMAPS=1`, `ours` also prints the resident pages of its mapping of the file
//! (file offsets), to see which sections the lookups went through.

use std::path::Path;
use std::time::Duration;

use object::{Object, ObjectSymbol, SymbolKind};
use sextant_symbolize::{Frame, Symbolizer, demangle};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(binary)) = (args.first(), args.get(1)) else {
        eprintln!("usage: measure names|ours|addr2line|compare BINARY [SVMA...]");
        std::process::exit(2);
    };
    let mut svmas = Vec::new();
    for a in &args[2..] {
        match u64::from_str_radix(a.trim_start_matches("0x"), 16) {
            Ok(v) => svmas.push(v),
            Err(e) => {
                eprintln!("measure: address {a:?} is not hex: {e}");
                std::process::exit(2);
            }
        }
    }
    let path = Path::new(binary);
    match mode.as_str() {
        "names" => measure(|| {
            let mut s = Symbolizer::symbols_only();
            svmas.iter().map(|&a| s.symbolize(path, a).len()).sum()
        }),
        "ours" => measure(|| {
            let mut s = Symbolizer::new();
            let n = svmas.iter().map(|&a| s.symbolize(path, a).len()).sum();
            if std::env::var_os("MEASURE_SMAPS").is_some() {
                let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
                let mut show = false;
                for l in smaps.lines() {
                    if l.contains('-') && l.split_whitespace().count() >= 5 {
                        show = l.ends_with(binary.as_str());
                    }
                    if show && (l.starts_with("Rss") || l.contains(binary.as_str())) {
                        eprintln!("{l}");
                    }
                    if show && l.contains(binary.as_str()) {
                        let r = l.split_whitespace().next().unwrap();
                        let (a, b) = r.split_once('-').unwrap();
                        let (a, b) = (
                            u64::from_str_radix(a, 16).unwrap(),
                            u64::from_str_radix(b, 16).unwrap(),
                        );
                        use std::io::{Read, Seek};
                        let mut f = std::fs::File::open("/proc/self/pagemap").unwrap();
                        f.seek(std::io::SeekFrom::Start(a / 4096 * 8)).unwrap();
                        let mut buf = vec![0u8; ((b - a) / 4096 * 8) as usize];
                        f.read_exact(&mut buf).unwrap();
                        let present: Vec<u64> = buf
                            .chunks(8)
                            .enumerate()
                            .filter(|(_, c)| {
                                u64::from_le_bytes((*c).try_into().unwrap()) >> 63 == 1
                            })
                            .map(|(i, _)| i as u64 * 4096)
                            .collect();
                        eprintln!(
                            "PAGES {}",
                            present
                                .iter()
                                .map(|o| format!("{o:x}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        );
                    }
                }
            }
            n
        }),
        "addr2line" => measure(|| {
            let loader = addr2line::Loader::new(path).expect("addr2line opens the file");
            svmas.iter().map(|&a| reference(&loader, a).len()).sum()
        }),
        "compare" => compare(path, svmas),
        _ => {
            eprintln!("measure: unknown mode {mode:?}");
            std::process::exit(2);
        }
    }
}

fn measure(f: impl FnOnce() -> usize) {
    let before = status();
    let t0 = thread_cpu();
    let frames = std::hint::black_box(f());
    let cpu = thread_cpu() - t0;
    let after = status();
    println!(
        "cpu {:.2} ms  frames {frames}  peak RSS +{} kB  file RSS +{} kB  anon RSS +{} kB",
        cpu.as_secs_f64() * 1e3,
        after.0 - before.0,
        after.1 - before.1,
        after.2 - before.2,
    );
}

/// `addr2line`'s frames as the symbolizer used to build them (without the symbol name).
fn reference(loader: &addr2line::Loader, svma: u64) -> Vec<Frame> {
    let mut out = Vec::new();
    if let Ok(mut iter) = loader.find_frames(svma) {
        while let Ok(Some(f)) = iter.next() {
            let system_name = f
                .function
                .as_ref()
                .and_then(|n| n.raw_name().ok())
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let (file, line, column) = f.location.map_or((String::new(), 0, 0), |l| {
                (
                    l.file.unwrap_or_default().to_string(),
                    l.line.unwrap_or(0),
                    l.column.unwrap_or(0),
                )
            });
            out.push(Frame {
                function: demangle(&system_name),
                system_name,
                file,
                line,
                column,
            });
        }
    }
    out
}

fn compare(path: &Path, mut svmas: Vec<u64>) {
    let data = std::fs::read(path).expect("the binary reads");
    let obj = object::File::parse(&*data).expect("the binary parses");
    // The symbol table as `ElfFile::symbol_table` keeps it.
    let mut symbols: Vec<(u64, u64, String)> = obj
        .symbols()
        .chain(obj.dynamic_symbols())
        .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0)
        .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
        .filter(|(_, _, n)| !n.is_empty())
        .collect();
    symbols.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    symbols.dedup_by_key(|s| s.0);
    if svmas.is_empty() {
        for (start, size, _) in &symbols {
            svmas.extend([*start, start + size / 2, start + (*size).max(1) - 1]);
        }
    }
    let loader = addr2line::Loader::new(path).expect("addr2line opens the file");
    let mut ours = Symbolizer::new();
    let mut differ = 0;
    for &a in &svmas {
        let mut want = reference(&loader, a);
        let got = ours.symbolize(path, a);
        // The symbolizer names the outermost frame from the symbol table: compare the rest.
        let i = symbols.partition_point(|s| s.0 <= a);
        let sym = i
            .checked_sub(1)
            .map(|i| &symbols[i])
            .filter(|s| s.1 == 0 || a < s.0 + s.1);
        if let (Some(last), Some(s)) = (want.last_mut(), sym) {
            last.function = demangle(&s.2);
            last.system_name = s.2.clone();
        } else if let Some(s) = sym {
            want.push(Frame {
                function: demangle(&s.2),
                system_name: s.2.clone(),
                ..Frame::default()
            });
        }
        if got != want {
            differ += 1;
            if differ <= 3 {
                eprintln!("{a:#x}: addr2line {want:#?}\nours {got:#?}");
            }
        }
    }
    println!("{} addresses, {differ} differ", svmas.len());
    if differ > 0 {
        std::process::exit(1);
    }
}

/// VmHWM, RssFile, RssAnon of this process, kB.
fn status() -> (i64, i64, i64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("RssFile:"), field("RssAnon:"))
}

fn thread_cpu() -> Duration {
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec into memory we own.
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.sec as u64, ts.nsec as u32)
}

const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}
