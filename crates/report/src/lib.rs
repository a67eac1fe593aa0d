//! `sextant-report`: go tool pprof's reports, byte for byte.
//!
//! This crate sits between `sextant-profile` (the data) and the `sextant` command (the driver).
//! It builds pprof's call graph from a [`Profile`](sextant_profile::Profile), trims it as
//! pprof does (node fraction, node count, edge fraction), and prints the text reports: `top`,
//! `traces`, `tree` and `peek`. Values are formatted as pprof's `measurement` package does.
//!
//! The graph aggregates by integer ids: every location is mapped once to its nodes, and each
//! sample then costs array updates only, so profiles with hundreds of thousands of stacks report
//! in a fraction of a second.
//!
//! # Example
//!
//! ```
//! use sextant_profile::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};
//! use sextant_report::{Options, Report, SampleValue};
//!
//! let mut p = Profile::default();
//! p.sample_type = vec![ValueType::new("samples", "count")];
//! p.function.push(Function { id: FunctionId(1), name: "main.work".into(), ..Default::default() });
//! p.location.push(Location {
//!     id: LocationId(1),
//!     line: vec![Line { function_id: Some(FunctionId(1)), line: 3, column: 0 }],
//!     ..Default::default()
//! });
//! p.sample.push(Sample { location: vec![LocationId(1)], value: vec![7], label: vec![] });
//!
//! let options = Options {
//!     value: SampleValue { index: 0, mean: false },
//!     sample_type: "samples".into(),
//!     sample_unit: "count".into(),
//!     ..Options::default()
//! };
//! let mut out = Vec::new();
//! Report::new(&p, options).generate(&p, &mut out)?;
//! assert!(String::from_utf8(out)?.ends_with("         7   100%   100%          7   100%  main.work\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod callgrind;
pub mod disasm;
mod dot;
pub mod flame;
mod graph;
mod labels;
mod list;
pub mod measurement;
mod nodelets;
mod nodes;
mod paths;
mod report;
mod rustsrc;
pub mod svg;
mod tags;
mod text;
mod topproto;
mod traces;
mod tree;

pub use graph::SampleValue;
pub use nodes::Granularity;
pub use report::{Error, Format, Options, Report, total};
pub use text::TextItem;
