//! Fuzz target `encoder_state`: see `lz4framed_fuzz::check_encoder_state`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lz4framed_fuzz::check_encoder_state(data));
