//! # lz4framed
//!
//! LZ4 frame compression whose decoder can be **cloned**, **marshalled**
//! to portable bytes and restored, and fed from a **swapped input source**
//! mid-stream: a program decompressing a huge stream survives a dropped
//! connection or its own crash and continues exactly where it stopped.
//!
//! The whole frame format is supported (block sizes 64 KiB..4 MiB, linked
//! and independent blocks, block and content checksums, content size,
//! dictionaries, uncompressed blocks, skippable, concatenated and legacy
//! frames), interoperable with the `lz4` tool and liblz4.
//!
//! The same library is a C library: see `include/lz4framed.h`.
//!
//! ```
//! use lz4framed::{compress, decompress, Preferences};
//! let data = b"hello, hello, hello, lz4framed!".repeat(1000);
//! let frame = compress(&data, &Preferences::default().with_content_checksum(true)).unwrap();
//! assert_eq!(decompress(&frame).unwrap(), data);
//! ```

// `unsafe` is confined to the C ABI and the LZ4 bindings; the compiler
// refuses it anywhere else.
#![deny(unsafe_code)]

mod blob_reader;
mod decoder;
mod encoder;
mod error;
#[allow(unsafe_code)]
pub mod ffi;
mod frame;
/// cbindgen:ignore
#[allow(unsafe_code)]
mod lz4;
mod oneshot;
pub mod seek;
#[doc(hidden)]
pub mod xxh32;

pub use decoder::{Decoder, DecoderOptions, Progress, Status};
pub use encoder::{
    DEFAULT_SEEK_SPAN, Encoder, MAX_WORKERS, Preferences, compress, compress_bound,
    compress_frame_bound, compress_into, compress_into_with_dictionary, compress_with_dictionary,
};
pub use error::{ALL_ERRORS, Error, Result};
pub use frame::{BlockSize, FrameInfo, FrameKind, read_frame_info};
pub use oneshot::{
    decompress, decompress_into, decompress_into_with, decompress_with, decompress_with_dictionary,
    decompressed_size, decompressed_size_with,
};

/// This library's version, from `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The bundled LZ4's version as `major * 10000 + minor * 100 + patch`.
pub fn lz4_version_number() -> u32 {
    lz4::version_number()
}

/// The bundled LZ4's version string, e.g. "1.10.0".
pub fn lz4_version_string() -> &'static str {
    lz4::version_string()
}
