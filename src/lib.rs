//! safecalc (skeleton)
#![forbid(unsafe_code)]

pub mod calc;
