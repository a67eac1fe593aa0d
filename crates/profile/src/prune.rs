//! Frame pruning (google/pprof's `profile/prune.go`): the profile's own `drop_frames` /
//! `keep_frames` ([`Profile::remove_uninteresting`], [`Profile::prune`]) and `-prune_from`
//! ([`Profile::prune_from`]).
//!
//! Both match *simplified* function names (pprof's `simplifyFunc`: a leading `.` and any
//! argument list cut off), and both work line by line inside a location, so an inlined call
//! can be cut out of the location that holds it.

use regex::Regex;

use crate::error::Result;
use crate::filter::{IdMap, compile_regex};
use crate::model::*;

/// Names containing `(` that are not the start of an argument list.
const RESERVED: [&str; 2] = ["(anonymous namespace)", "operator()"];

/// pprof's `simplifyFunc`: drops a leading `.` (PPC ELF v1 ABI) and everything from the first
/// `(` that does not start a reserved name (`(anonymous namespace)`, `operator()`).
pub(crate) fn simplify_func(name: &str) -> &str {
    let name = name.strip_prefix('.').unwrap_or(name);
    let mut i = 0;
    'scan: while i < name.len() {
        for r in RESERVED {
            if name[i..].starts_with(r) {
                i += r.len();
                continue 'scan;
            }
        }
        if name.as_bytes()[i] == b'(' {
            return &name[..i];
        }
        i += 1;
    }
    name
}

impl Profile {
    /// Removes, from each stack, the first frame from the root whose function fully matches
    /// the profile's `drop_frames` and not its `keep_frames`, with everything leafward of it
    /// (google/pprof's `RemoveUninteresting`, which go tool pprof runs on every profile it
    /// reads). Does nothing when `drop_frames` is empty.
    ///
    /// # Errors
    ///
    /// [`Error::Regex`](crate::Error::Regex) naming `drop_frames` or `keep_frames` when one does
    /// not compile (go tool pprof ignores the error and goes on unpruned).
    pub fn remove_uninteresting(&mut self) -> Result<()> {
        if self.drop_frames.is_empty() {
            return Ok(());
        }
        let drop = compile_regex("drop_frames", &format!("^({})$", self.drop_frames))?;
        let keep = match self.keep_frames.is_empty() {
            true => None,
            false => Some(compile_regex(
                "keep_frames",
                &format!("^({})$", self.keep_frames),
            )?),
        };
        self.prune(&drop, keep.as_ref());
        Ok(())
    }

    /// Removes from each stack the rootmost frame matching `drop` and not `keep`, and every
    /// frame leafward of it (google/pprof's `Prune`). Frames rootward of the first frame that
    /// matches nothing are never removed, so a stack cannot be pruned to nothing from its root.
    ///
    /// Inside a location, the outermost line that matches is removed with the lines inlined
    /// into it; a location whose outermost line matches goes entirely.
    pub fn prune(&mut self, drop: &Regex, keep: Option<&Regex>) {
        // 1: remove the whole location, 2: keep it (with its remaining lines) and cut below.
        let drops = function_verdicts(&self.function, |name| {
            drop.is_match(name) && keep.is_none_or(|k| !k.is_match(name))
        });
        let mut cut = IdMap::with_capacity(self.location.len(), 0u8);
        for loc in &mut self.location {
            let hit = loc.line.iter().rposition(|l| line_hit(&drops, l));
            match hit {
                Some(i) if i + 1 == loc.line.len() => cut.insert(loc.id.0, 1),
                Some(i) => {
                    loc.line.drain(..=i);
                    cut.insert(loc.id.0, 2);
                }
                None => {}
            }
        }
        for s in &mut self.sample {
            let mut found_user = false;
            for i in (0..s.location.len()).rev() {
                match cut.get(s.location[i].0) {
                    0 => found_user = true,
                    _ if !found_user => {}
                    1 => {
                        s.location.drain(..=i);
                        break;
                    }
                    _ => {
                        s.location.drain(..i);
                        break;
                    }
                }
            }
        }
    }

    /// Removes from each stack every frame leafward of the leafmost frame matching `drop`,
    /// keeping that frame (google/pprof's `PruneFrom`, go tool pprof's `-prune_from`).
    ///
    /// Inside a location, the lines inlined into the innermost matching line are removed.
    pub fn prune_from(&mut self, drop: &Regex) {
        let drops = function_verdicts(&self.function, |name| drop.is_match(name));
        let mut beneath = IdMap::with_capacity(self.location.len(), false);
        for loc in &mut self.location {
            let hit = loc.line.iter().position(|l| line_hit(&drops, l));
            if let Some(i) = hit {
                beneath.insert(loc.id.0, true);
                loc.line.drain(..i);
            }
        }
        for s in &mut self.sample {
            if let Some(i) = s.location.iter().position(|id| beneath.get(id.0)) {
                s.location.drain(..i);
            }
        }
    }
}

/// Whether each function's simplified name (non-empty) satisfies `pred`, decided once per
/// function; lines without a known function never do.
fn function_verdicts(functions: &[Function], pred: impl Fn(&str) -> bool) -> IdMap<bool> {
    let mut v = IdMap::with_capacity(functions.len(), false);
    for f in functions {
        if !f.name.is_empty() && pred(simplify_func(&f.name)) {
            v.insert(f.id.0, true);
        }
    }
    v
}

fn line_hit(verdicts: &IdMap<bool>, line: &Line) -> bool {
    line.function_id.is_some_and(|f| verdicts.get(f.0))
}
