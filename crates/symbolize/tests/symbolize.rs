//! Symbolizes addresses of this very test binary: names with module paths, files, lines,
//! build ids and load biases checked against what the binary itself knows.

use sextant_symbolize::{ElfFile, Symbolizer, loaded_modules};

mod server {
    /// A function with a known name, file and line to find again.
    #[inline(never)]
    pub(crate) fn handle() -> u64 {
        std::hint::black_box(line!() as u64)
    }
}

fn module_of(addr: u64) -> sextant_symbolize::LoadedModule {
    loaded_modules()
        .unwrap()
        .into_iter()
        .find(|m| m.contains(addr))
        .expect("address is in an executable mapping")
}

#[test]
fn a_function_gets_its_full_path_file_and_line() {
    let addr = server::handle as *const () as u64;
    let m = module_of(addr);
    let frames = Symbolizer::new().symbolize(&m.path_buf(), m.svma(addr));
    let outer = frames.last().expect("frames");
    assert_eq!(outer.function, "symbolize::server::handle");
    assert!(outer.system_name.starts_with("_ZN") || outer.system_name.starts_with("_R"));
    assert!(outer.file.ends_with("tests/symbolize.rs"), "{}", outer.file);
    // The function starts on the line after its attributes; its body is one line further.
    let body = server::handle();
    assert!(
        (body - 2..=body).contains(&(outer.line as u64)),
        "{outer:?}"
    );
}

#[test]
fn symbols_only_names_without_reading_lines() {
    let addr = server::handle as *const () as u64;
    let m = module_of(addr);
    let frames = Symbolizer::symbols_only().symbolize(&m.path_buf(), m.svma(addr));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].function, "symbolize::server::handle");
    assert_eq!(frames[0].line, 0);
}

#[test]
fn the_main_binary_comes_first_with_its_build_id() {
    let modules = loaded_modules().unwrap();
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    assert_eq!(modules[0].path, exe.to_string_lossy());
    let from_file = ElfFile::open(&exe).unwrap().build_id();
    assert_eq!(modules[0].build_id, from_file);
    assert!(modules[0].has_file);
}

#[test]
fn libc_functions_are_named_from_its_symbol_table() {
    let addr = libc_getpid_address();
    let m = module_of(addr);
    assert!(m.path.contains("libc"), "{}", m.path);
    let frames = Symbolizer::new().symbolize(&m.path_buf(), m.svma(addr));
    let name = &frames.last().expect("a name for getpid").function;
    assert!(name.contains("getpid"), "{name}");
}

#[test]
fn unwind_sections_of_our_binary_cover_our_code() {
    let addr = server::handle as *const () as u64;
    let m = module_of(addr);
    let s = m.unwind_sections().unwrap();
    assert!(s.text_svma.unwrap().contains(&m.svma(addr)));
    assert!(!s.eh_frame.unwrap().bytes.is_empty());
    assert!(!s.eh_frame_hdr.unwrap().bytes.is_empty());
}

fn libc_getpid_address() -> u64 {
    unsafe extern "C" {
        fn getpid() -> i32;
    }
    getpid as *const () as u64
}
