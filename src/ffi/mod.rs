//! The C ABI (`include/lz4framed.h` is generated from this module).
//!
//! One module per C object or group of functions:
//!
//! - `status`: `lz4framed_status`, the progress codes, status names and
//!   messages (from the one table in src/error.rs), the version queries;
//! - `frame_info`: `lz4framed_frame_info` and lz4framed_get_frame_info;
//! - `preferences`: `lz4framed_preferences` and the compression bounds;
//! - `oneshot`: one-call compression and decompression;
//! - `encoder`, `decoder`: the streaming objects;
//! - `encoder_seek_table`: the encoder's seek table;
//! - `scan`: the frames and seek table of a whole file, without decoding;
//! - `blob`: buffers the library allocates, and lz4framed_blob_free;
//! - `seekable`, `seek_index`: random access through a positional callback,
//!   and building a sidecar index.
//!
//! and the machinery they share:
//!
//! - `macros`: `ffi_fn!`, which makes an exported function (no_mangle,
//!   `extern "C"`, the panic boundary) from a plain `fn` with its docs;
//! - `handle`: objects owned by C and the one call that turns an object
//!   pointer into a Rust reference (NULL check, cast, poison check);
//! - `args`: buffers, out-parameters, flags and reserved fields.
//!
//! A new function follows the same pattern (see `decoder.rs`): inside
//! `ffi_fn!`, take the object with `object` / `object_mut`, buffers with
//! `src_slice` / `dst_slice`, out-parameters with `Out::new` — all before
//! any work, so argument errors change nothing — run mutating work through
//! `Guarded::with`, then write the out-parameters.
//!
//! All the crate's `unsafe` outside `src/lz4.rs` lives in this module
//! (`#![deny(unsafe_code)]` at the crate root enforces it).

// C names for C types; pointer + size pairs make long parameter lists. The
// exported functions' pointer contract is the one stated once in the
// header's preamble (cbindgen.toml), not a `# Safety` section per function
// that would land in the header as Rust jargon.
#![allow(
    non_camel_case_types,
    clippy::too_many_arguments,
    clippy::missing_safety_doc
)]

pub(crate) mod macros;

pub mod status;

pub mod frame_info;

pub mod preferences;

pub mod oneshot;

pub mod encoder;

pub mod decoder;

pub mod blob;

pub mod seekable;

pub mod encoder_seek_table;
pub mod seek_index;

pub mod scan;

mod args;
mod handle;

pub use blob::lz4framed_blob_free;
pub use decoder::*;
pub use encoder::*;
pub use encoder_seek_table::*;
pub use frame_info::*;
pub use oneshot::*;
pub use preferences::*;
pub use scan::*;
pub use seek_index::*;
pub use seekable::*;
pub use status::*;
