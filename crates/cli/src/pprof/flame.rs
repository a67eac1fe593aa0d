//! The outputs beyond go tool pprof's: `-flame` (an interactive SVG flame graph) and `-folded`
//! (folded stacks for inferno and flamegraph.pl), beside the report formats pprof has.

use std::io::Write;

use sextant_profile::Profile;
use sextant_report::Report;

/// Prints the report `command` asks for: a flame graph or folded stacks, else the report
/// format already set in `rpt`'s options.
pub(crate) fn generate(
    rpt: &mut Report,
    command: &str,
    p: &Profile,
    w: &mut dyn Write,
) -> Result<(), sextant_report::Error> {
    match command {
        "flame" => rpt.flame_graph(p, w),
        "folded" => rpt.folded(p, w),
        _ => rpt.generate(p, w),
    }
}
