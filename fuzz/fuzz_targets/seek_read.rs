//! Fuzz target `seek_read`: see `lz4framed_fuzz::check_seek_read`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lz4framed_fuzz::check_seek_read(data));
