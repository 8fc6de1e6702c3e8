//! Fuzz target `roundtrip`: see `lz4framed_fuzz::check_roundtrip`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lz4framed_fuzz::check_roundtrip(data));
