//! safecalc (skeleton)
#![forbid(unsafe_code)]

pub mod calc;
/// The shared bodies of the fuzz targets in `fuzz/` and of their regression
/// tests (`tests/fuzz_regressions.rs`): each takes arbitrary bytes and
/// panics when a property is violated.
pub mod fuzzing;
