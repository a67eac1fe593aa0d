//! The `topproto` report (pprof's `printTopProto`): the trimmed graph as a profile with one
//! sample per node, values `cum` and `flat` in the output unit.

use std::collections::HashMap;

use sextant_profile::{
    Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType,
};

use crate::measurement;
use crate::report::Report;

/// The top nodes of `p` as a profile.
pub(crate) fn build(rpt: &mut Report, p: &Profile) -> Profile {
    let t = rpt.trimmed_graph(p);
    rpt.select_output_unit(&t.graph);
    let (g, table) = (&t.graph, &t.table);
    let o = &rpt.options;
    let mut out = Profile {
        sample_type: vec![
            ValueType::new("cum", o.output_unit.clone()),
            ValueType::new("flat", o.output_unit.clone()),
        ],
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        period_type: p.period_type.clone(),
        period: p.period,
        ..Profile::default()
    };
    // Functions are shared by nodes with the same name, file and start line.
    let mut functions: HashMap<(u32, u32, i64), FunctionId> = HashMap::new();
    for (i, &n) in g.nodes.iter().enumerate() {
        let info = table.infos[n as usize];
        let key = (info.name, info.file, info.start_line);
        let next = FunctionId(functions.len() as u64 + 1);
        let id = *functions.entry(key).or_insert_with(|| {
            out.function.push(Function {
                id: next,
                name: table.string(info.name).to_string(),
                system_name: String::new(),
                filename: table.string(info.file).to_string(),
                start_line: info.start_line,
            });
            next
        });
        let loc = LocationId(i as u64 + 1);
        out.location.push(Location {
            id: loc,
            mapping_id: None,
            address: info.address,
            line: vec![Line {
                function_id: Some(id),
                line: info.lineno,
                column: 0,
            }],
            is_folded: false,
        });
        let (fv, _) = measurement::scale(g.flat_value(n), &o.sample_unit, &o.output_unit);
        let (cv, _) = measurement::scale(g.cum_value(n), &o.sample_unit, &o.output_unit);
        out.sample.push(Sample {
            location: vec![loc],
            value: vec![cv as i64, fv as i64],
            label: Vec::new(),
        });
    }
    out
}
