//! Building a sidecar index for a `.lz4` file and handing it to C as the
//! bytes of an index file (Rust: [`crate::seek::build_index`]).

use super::args::Out;
use super::blob::into_blob;
use super::macros::ffi_fn;
use super::seekable::{
    CallbackSource, LZ4FRAMED_SEEK_DEFAULT_SPAN, lz4framed_read_at_fn, status_of,
};
use super::status::LZ4FRAMED_OK;
use crate::seek::{SeekIndex, SeekableReader};
use std::ffi::c_void;

ffi_fn! {
    /// Builds the sidecar index of the `.lz4` file of `file_size` bytes that
    /// `read_fn(user, ...)` reads (one pass; independent-block and legacy
    /// frames are walked without decoding, linked-block frames are decoded
    /// for their checkpoints), with a restart point at least every `span`
    /// decompressed bytes (0: LZ4FRAMED_SEEK_DEFAULT_SPAN), and stores the
    /// index file's bytes (docs/SEEK_FORMAT.md) in `*index` / `*index_size`:
    /// free with lz4framed_blob_free. The index is bound to the file (its size
    /// and first 64 KiB) and refused for any other. Thread-safe (no shared
    /// state; the callback is called from this thread only).
    /// Errors (nothing written): NULL_ARGUMENT (`read_fn`, the out-parameters),
    /// READER_FAILED (the callback failed), the decoder's errors for a file
    /// that cannot be indexed (TRUNCATED, BAD_MAGIC, BLOCK_TOO_LARGE,
    /// CORRUPT_BLOCK, DICTIONARY_REQUIRED for frames with a dictionary ID; in
    /// linked-block frames also BLOCK_CHECKSUM, CONTENT_CHECKSUM, CONTENT_SIZE).
    unsafe fn lz4framed_index_build(
        read_fn: lz4framed_read_at_fn,
        user: *mut c_void,
        file_size: u64,
        span: u64,
        index: *mut *mut c_void,
        index_size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's out-parameters, checked by `Out::new`.
        let (out, out_size) = unsafe { (Out::new(index)?, Out::new(index_size)?) };
        let source = CallbackSource::new(read_fn, user, file_size)?;
        let span = if span == 0 { LZ4FRAMED_SEEK_DEFAULT_SPAN } else { span };
        let reader = SeekableReader::build(source, span).map_err(status_of)?;
        let bytes = reader.index().map(SeekIndex::to_bytes).unwrap_or_default();
        let (ptr, len) = into_blob(&bytes);
        out.write(ptr);
        out_size.write(len);
        Ok(LZ4FRAMED_OK)
    }
}
