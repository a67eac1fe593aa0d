//! Raw addresses to profile locations and functions, symbolized once each.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sextant_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile,
};
use sextant_symbolize::{LoadedModule, Symbolizer};

/// The profile mappings of `modules`, numbered from 1 in order.
fn mappings(modules: &[LoadedModule]) -> Vec<Mapping> {
    modules
        .iter()
        .enumerate()
        .map(|(i, m)| Mapping {
            id: MappingId(i as u64 + 1),
            memory_start: m.start,
            memory_limit: m.end,
            file_offset: m.file_offset,
            filename: m.path.clone(),
            build_id: m.build_id.clone().unwrap_or_default(),
            has_functions: m.has_file,
            ..Mapping::default()
        })
        .collect()
}

/// How long a symbolizer is kept for the next profile after its last use.
///
/// Opening a binary's symbol table and DWARF costs tens of milliseconds and is the same work
/// for every profile of the process: a service whose heap or threads profile is fetched every
/// few seconds would redo it each time (`/debug/pprof/heap` served 8 requests a second that
/// way). The last symbolizer is therefore kept, with what it has parsed (bounded: at most a few
/// files' symbol tables, and for the DWARF units its addresses touched an index of their line
/// sequences and function ranges, not the debug sections themselves, whose pages it releases),
/// and reused by the next profile within this time; a profile that finds it older drops it and
/// starts afresh, so a process that stops profiling keeps one symbolizer's memory at most until
/// its next profile.
const KEEP_SYMBOLIZER: Duration = Duration::from_secs(60);

/// The kept symbolizer, whether it reads DWARF, and when it was last used.
static KEPT: Mutex<Option<(Symbolizer, bool, Instant)>> = Mutex::new(None);

/// A symbolizer taken from [`KEPT`] (or new), put back when dropped.
struct Pooled {
    symbolizer: Option<Symbolizer>,
    dwarf: bool,
}

impl Pooled {
    fn take(dwarf: bool) -> Pooled {
        let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner()).take();
        let symbolizer = match kept {
            Some((s, d, used)) if d == dwarf && used.elapsed() < KEEP_SYMBOLIZER => s,
            // Dropped here, outside the lock.
            _ if dwarf => Symbolizer::new(),
            _ => Symbolizer::symbols_only(),
        };
        Pooled {
            symbolizer: Some(symbolizer),
            dwarf,
        }
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(s) = self.symbolizer.take() {
            // What it parsed is kept (indexes of the units its addresses touched, tens of
            // kilobytes); the debug section pages it went through are let go.
            s.release_pages();
            let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
            let replaced = kept.replace((s, self.dwarf, Instant::now()));
            drop(kept);
            // Another builder's symbolizer, returned earlier: dropped outside the lock.
            drop(replaced);
        }
    }
}

impl Deref for Pooled {
    type Target = Symbolizer;
    fn deref(&self) -> &Symbolizer {
        self.symbolizer.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Symbolizer {
        self.symbolizer.as_mut().expect("present until dropped")
    }
}

/// Builds a profile's locations and functions from raw addresses, symbolizing each address
/// once: names from the symbol table, and for the main binary files, lines and inline frames
/// from DWARF. Collectors push their samples into [`ProfileBuilder::profile`] with location
/// ids from [`ProfileBuilder::location`] and [`ProfileBuilder::pseudo`].
pub(crate) struct ProfileBuilder<'a> {
    modules: &'a [LoadedModule],
    symbolizer: Pooled,
    /// The profile being built: its mappings are set, its locations and functions grow.
    pub(crate) profile: Profile,
    locations: HashMap<u64, LocationId>,
    functions: HashMap<(String, String, String), FunctionId>,
    pseudo: HashMap<&'static str, LocationId>,
}

impl<'a> ProfileBuilder<'a> {
    /// A builder for addresses of `modules` (from [`sextant_symbolize::loaded_modules`]), with
    /// DWARF lines and inline frames if `dwarf`.
    pub(crate) fn new(modules: &'a [LoadedModule], dwarf: bool) -> ProfileBuilder<'a> {
        let profile = Profile {
            mapping: mappings(modules),
            ..Profile::default()
        };
        ProfileBuilder {
            modules,
            symbolizer: Pooled::take(dwarf),
            profile,
            locations: HashMap::new(),
            functions: HashMap::new(),
            pseudo: HashMap::new(),
        }
    }

    /// The location of `addr` (a return address already moved into its call instruction,
    /// as the unwinder gives them), created and symbolized on first use.
    pub(crate) fn location(&mut self, addr: u64) -> LocationId {
        if let Some(&id) = self.locations.get(&addr) {
            return id;
        }
        let id = LocationId(self.profile.location.len() as u64 + 1);
        let module = self.modules.iter().position(|m| m.contains(addr));
        let mut line = Vec::new();
        if let Some(i) = module.filter(|&i| self.modules[i].has_file) {
            let m = &self.modules[i];
            // Lines and inline frames for the main binary (mapping 0, the program's own
            // code); names alone for shared libraries, whose separate debug files would
            // cost tens of megabytes to open.
            let frames = if i == 0 {
                self.symbolizer.symbolize(&m.path_buf(), m.svma(addr))
            } else {
                self.symbolizer.name_only(&m.path_buf(), m.svma(addr))
            };
            for f in frames {
                let function_id = self.function(f.function, f.system_name, f.file);
                line.push(Line {
                    function_id: Some(function_id),
                    line: i64::from(f.line),
                    column: 0,
                });
            }
            let mapping = &mut self.profile.mapping[i];
            if line.iter().any(|l| l.line > 0) {
                mapping.has_filenames = true;
                mapping.has_line_numbers = true;
                mapping.has_inline_frames = true;
            }
        }
        self.profile.location.push(Location {
            id,
            mapping_id: module.map(|i| MappingId(i as u64 + 1)),
            address: addr,
            line,
            is_folded: false,
        });
        self.locations.insert(addr, id);
        id
    }

    /// The function with these names and file, created on first use.
    pub(crate) fn function(
        &mut self,
        name: String,
        system_name: String,
        filename: String,
    ) -> FunctionId {
        let key = (name, system_name, filename);
        if let Some(&id) = self.functions.get(&key) {
            return id;
        }
        let id = FunctionId(self.profile.function.len() as u64 + 1);
        self.profile.function.push(Function {
            id,
            name: key.0.clone(),
            system_name: key.1.clone(),
            filename: key.2.clone(),
            start_line: 0,
        });
        self.functions.insert(key, id);
        id
    }

    /// A location with no address for a pseudo-function such as
    /// [`crate::cpu::TRUNCATED_STACK_FUNCTION`], created on first use.
    pub(crate) fn pseudo(&mut self, name: &'static str) -> LocationId {
        if let Some(&id) = self.pseudo.get(name) {
            return id;
        }
        let function_id = self.function(name.to_string(), name.to_string(), String::new());
        let id = LocationId(self.profile.location.len() as u64 + 1);
        self.profile.location.push(Location {
            id,
            mapping_id: None,
            address: 0,
            line: vec![Line {
                function_id: Some(function_id),
                line: 0,
                column: 0,
            }],
            is_folded: false,
        });
        self.pseudo.insert(name, id);
        id
    }
}
