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
            if name.as_bytes()[i..].starts_with(r.as_bytes()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::{profile, stacks};

    #[test]
    fn simplify_func_cuts_argument_lists_but_not_reserved_names() {
        assert_eq!(simplify_func("main.f"), "main.f");
        assert_eq!(simplify_func(".main.f"), "main.f");
        assert_eq!(simplify_func("f(int, char)"), "f");
        // The "(" of a reserved name is no argument list; the next "(" is.
        assert_eq!(
            simplify_func("(anonymous namespace)::g(int)"),
            "(anonymous namespace)::g"
        );
        assert_eq!(simplify_func("Foo::operator()(int)"), "Foo::operator()");
        // Go's method receivers are cut too: pprof's heuristic is C++'s.
        assert_eq!(simplify_func("main.(*T).M"), "main.");
    }

    #[test]
    fn prune_drops_the_rootmost_match_and_its_callees() {
        // pprof's doc example [A, B, C, B, D], leaf first: D is the root.
        let mut p = profile(&[&["A"], &["B"], &["C"], &["D"]], &[(&[1, 2, 3, 2, 4], 1)]);
        p.prune(&Regex::new("^B$").unwrap(), None);
        // Scanning from the root D, the first B (index 3) goes with everything leafward.
        assert_eq!(stacks(&p), [["D"]]);
    }

    #[test]
    fn prune_never_cuts_before_the_first_unmatched_root_frame() {
        // The root itself matches: it is skipped (no user frame yet), then C is the first
        // user frame, and the B below it is where the cut happens.
        let mut p = profile(&[&["A"], &["B"], &["C"]], &[(&[1, 2, 3, 2], 1)]);
        p.prune(&Regex::new("^B$").unwrap(), None);
        assert_eq!(stacks(&p), [["C", "B"]]);
    }

    #[test]
    fn prune_keep_frames_protect_matching_frames() {
        let mut p = profile(&[&["A"], &["B"], &["C"]], &[(&[1, 2, 3], 1)]);
        p.prune(
            &Regex::new("^[AB]$").unwrap(),
            Some(&Regex::new("^B$").unwrap()),
        );
        // B is kept by keep, so A is the first drop from the root: it alone goes.
        assert_eq!(stacks(&p), [["B", "C"]]);
    }

    #[test]
    fn prune_cuts_inside_an_inlined_location() {
        // Location 2: c inlined into b inlined into a (a outermost). Dropping b removes b and
        // c (inlined into b) but keeps a, and the location stays in the stack.
        let mut p = profile(
            &[&["main"], &["c", "b", "a"], &["leaf"]],
            &[(&[3, 2, 1], 1)],
        );
        p.prune(&Regex::new("^b$").unwrap(), None);
        assert_eq!(stacks(&p), [["a", "main"]]);
    }

    #[test]
    fn remove_uninteresting_anchors_drop_frames_and_matches_simplified_names() {
        let mut p = profile(
            &[&["main"], &["malloc(int)"], &["xmalloc"]],
            &[(&[3, 2, 1], 1)],
        );
        p.drop_frames = "malloc".into();
        p.remove_uninteresting().unwrap();
        // "^(malloc)$" matches "malloc(int)" simplified, not "xmalloc".
        assert_eq!(stacks(&p), [["main"]]);
        let mut p = profile(&[&["main"], &["f"]], &[(&[2, 1], 1)]);
        p.drop_frames = "(".into();
        assert!(p.remove_uninteresting().is_err());
    }

    #[test]
    fn prune_from_keeps_the_leafmost_match_and_drops_its_callees() {
        // pprof's doc: [A, B, C, B, D] leaf first; PruneFrom(B) gives [B, C, B, D].
        let p0 = profile(&[&["A"], &["B"], &["C"], &["D"]], &[(&[1, 2, 3, 2, 4], 1)]);
        let mut p = p0.clone();
        p.prune_from(&Regex::new("B").unwrap());
        assert_eq!(stacks(&p), [["B", "C", "B", "D"]]);
        let mut p = p0.clone();
        p.prune_from(&Regex::new("A").unwrap());
        assert_eq!(stacks(&p), [["A", "B", "C", "B", "D"]]);
    }

    #[test]
    fn prune_from_drops_lines_inlined_into_the_match() {
        let mut p = profile(&[&["main"], &["c", "b", "a"]], &[(&[2, 1], 1)]);
        p.prune_from(&Regex::new("^b$").unwrap());
        assert_eq!(stacks(&p), [["b", "a", "main"]]);
    }
}
