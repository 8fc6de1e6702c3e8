//! Fuzz target `differential`: see `lz4framed_fuzz::check_differential`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lz4framed_fuzz::check_differential(data));
