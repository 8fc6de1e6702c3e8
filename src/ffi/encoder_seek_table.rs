//! The streaming `lz4framed_encoder`'s seek table: how long it is now and
//! writing it (docs/SEEK_FORMAT.md, part 1).

use super::args::{Out, dst_slice};
use super::encoder::lz4framed_encoder;
use super::handle::{object, object_mut};
use super::macros::ffi_fn;
use super::status::LZ4FRAMED_OK;
use crate::error::Error;
use std::ffi::c_void;

ffi_fn! {
    /// Stores in `*size` the exact length of the seek table
    /// lz4framed_encoder_write_seek_table would write now (32 bytes plus 8
    /// per entry; it grows with the output). Read-only.
    /// Errors: NULL_ARGUMENT, SEEK_TABLE_OFF (prefs->seek_table_kib was 0),
    /// WRONG_STAGE (a frame failed: no table can describe its output).
    unsafe fn lz4framed_encoder_seek_table_size(
        enc: *const lz4framed_encoder,
        size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (enc, size) = unsafe { (object(enc)?, Out::new(size)?) };
        let table = enc.seek_table().ok_or(Error::SeekTableOff)??;
        size.write(table.frame_len());
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Writes the seek table of everything the encoder wrote since it was
    /// created (store its output and nothing else before it) to `dst` as a
    /// skippable frame, and stores its length in `*written`. Call it between
    /// frames, after lz4framed_encoder_end; it must be the last thing in the
    /// file. Another frame may follow: a table written after it lists this
    /// one as a skippable frame, so the last table covers the whole file.
    /// `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, SEEK_TABLE_OFF (prefs->seek_table_kib was 0),
    /// WRONG_STAGE (inside a frame, or after a frame failed), DST_TOO_SMALL
    /// (less than lz4framed_encoder_seek_table_size; nothing changed).
    unsafe fn lz4framed_encoder_write_seek_table(
        enc: *mut lz4framed_encoder,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (enc, dst, written) = unsafe {
            (
                object_mut(enc)?,
                dst_slice(dst, dst_capacity)?,
                Out::new(written)?,
            )
        };
        written.write(enc.with(|e| e.write_seek_table(dst))?);
        Ok(LZ4FRAMED_OK)
    }
}
