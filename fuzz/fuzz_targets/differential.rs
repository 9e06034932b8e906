//! `cargo +nightly fuzz run differential`: see `safecalc::fuzzing::differential` for the
//! properties checked, and fuzz/README.md for how to run it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| safecalc::fuzzing::differential(data));
