//! sextant-profile's integration tests, one binary with a module per area; each module says
//! what it covers.

mod filters;
mod fixtures;
mod golden;
mod interop;
mod legacy;
mod malformed;
mod merge_oracle;
mod props;
mod roundtrip;
