//! `sextant-stat`: benchstat for Rust — Go's benchmark data format, the robust
//! statistics of golang.org/x/perf's benchstat, and its tables.
//!
//! This crate is the logic behind `sextant benchstat`. It reads the output of
//! `go test -bench` and of `sextant-bench` (Go's benchmark format, see [`benchfmt`])
//! and criterion's saved baselines (see [`criterion`]), groups results into tables,
//! rows and columns by projections ([`projection`]), summarizes each cell by its
//! median with an order-statistic confidence interval ([`quantile`]), compares each
//! column with the first by the Mann-Whitney U test ([`utest`]), and prints what
//! Go's benchstat prints, byte for byte ([`render`]).
//!
//! It sits below the `sextant` binary (`cli -> stat`) and depends on nothing else of
//! Sextant.
//!
//! ```
//! let args: Vec<String> = ["../../testdata/benchstat/old.txt", "../../testdata/benchstat/new.txt"]
//!     .iter().map(|s| s.to_string()).collect();
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! let code = sextant_stat::run(&args, &mut out, &mut err);
//! assert_eq!(code, 0);
//! let table = String::from_utf8(out).unwrap();
//! assert!(table.contains("vs base"));
//! ```

pub mod benchfmt;
mod cli;
pub mod criterion;
mod error;
mod extract;
pub mod filter;
mod format;
mod gosort;
pub mod keyheader;
mod mathx;
mod normal;
mod order;
pub mod projection;
pub mod quantile;
pub mod query;
pub mod render;
pub mod sort;
pub mod summary;
pub mod table;
mod texttab;
mod token;
pub mod unit;
pub mod utest;

pub use cli::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE, run, run_with_stdin};
pub use error::Error;
