//! `cargo +nightly fuzz run parse`: see `safecalc::fuzzing::parse` for the
//! properties checked, and fuzz/README.md for how to run it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| safecalc::fuzzing::parse(data));
