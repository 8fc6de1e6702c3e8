//! Fuzz target `seek`: see `lz4framed_fuzz::check_seek`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lz4framed_fuzz::check_seek(data));
