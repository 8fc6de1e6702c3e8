//! The streaming `lz4framed_encoder`.

use super::args::{Out, dst_slice, src_slice};
use super::blob::into_blob;
use super::handle::{Guarded, free_handle, impl_object, into_handle, object, object_mut};
use super::macros::ffi_fn;
use super::preferences::{lz4framed_preferences, preferences};
use super::status::{LZ4FRAMED_OK, lz4framed_status};
use crate::encoder::Encoder;
use crate::error::{Error, Result};
use std::ffi::{c_int, c_void};

/// A streaming compressor: lz4framed_encoder_begin, any number of
/// lz4framed_encoder_update / _flush, lz4framed_encoder_end; then the next
/// frame may begin.
pub struct lz4framed_encoder {
    guarded: Guarded<Encoder>,
}
impl_object!(lz4framed_encoder(Encoder));

/// # Safety
/// As for the public constructors.
unsafe fn new_encoder(
    prefs: *const lz4framed_preferences,
    dict: *const c_void,
    dict_size: usize,
    out: *mut *mut lz4framed_encoder,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, passed through.
    let (prefs, dict, out) = unsafe {
        (
            preferences(prefs)?,
            src_slice(dict, dict_size)?,
            Out::new(out)?,
        )
    };
    out.write(into_handle(Encoder::with_dictionary(&prefs, dict)?));
    Ok(LZ4FRAMED_OK)
}

/// Runs one writing step of the encoder on the caller's output buffer.
///
/// # Safety
/// As for the public functions.
unsafe fn encoder_step(
    enc: *mut lz4framed_encoder,
    dst: *mut c_void,
    dst_capacity: usize,
    written: *mut usize,
    step: impl FnOnce(&mut Encoder, &mut [u8]) -> Result<usize>,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, passed through.
    let (enc, dst, written) = unsafe {
        (
            object_mut(enc)?,
            dst_slice(dst, dst_capacity)?,
            Out::new(written)?,
        )
    };
    written.write(enc.with(|e| step(e, dst))?);
    Ok(LZ4FRAMED_OK)
}

ffi_fn! {
    /// Creates an encoder and stores it in `*out`; the caller owns it and frees
    /// it with lz4framed_encoder_free. `prefs` NULL means the defaults; it is
    /// copied, not kept. Errors: NULL_ARGUMENT (`out` NULL), INVALID_ARGUMENT
    /// (bad prefs), OUT_OF_MEMORY. Thread-safe.
    unsafe fn lz4framed_encoder_new(
        prefs: *const lz4framed_preferences,
        out: *mut *mut lz4framed_encoder,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, passed through.
        unsafe { new_encoder(prefs, std::ptr::null(), 0, out) }
    }
}

ffi_fn! {
    /// lz4framed_encoder_new for frames compressed against a dictionary (only
    /// its last 64 KiB matter; they are copied, so `dict` may be freed on
    /// return). Set prefs->dict_id so decoders can tell which dictionary a
    /// frame needs. `dict` may be NULL only when `dict_size` is 0.
    /// Errors: NULL_ARGUMENT, INVALID_ARGUMENT, OUT_OF_MEMORY. Thread-safe.
    unsafe fn lz4framed_encoder_new_using_dict(
        prefs: *const lz4framed_preferences,
        dict: *const c_void,
        dict_size: usize,
        out: *mut *mut lz4framed_encoder,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, passed through.
        unsafe { new_encoder(prefs, dict, dict_size, out) }
    }
}

ffi_fn! {
    /// Destroys an encoder and everything it owns. NULL is a no-op; freeing
    /// twice is undefined. `enc` must not be in use by another thread.
    #[on_panic(())]
    unsafe fn lz4framed_encoder_free(enc: *mut lz4framed_encoder) {
        // SAFETY: `enc` is NULL or from lz4framed_encoder_new*, not yet freed.
        unsafe { free_handle(enc) }
    }
}

ffi_fn! {
    /// Sets the content size the next frame declares (`has_size` 0: none),
    /// overriding prefs, for a streaming caller who learns the size only per
    /// frame; lz4framed_encoder_end then verifies it. `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, WRONG_STAGE (inside a frame).
    unsafe fn lz4framed_encoder_set_content_size(
        enc: *mut lz4framed_encoder,
        has_size: c_int,
        size: u64,
    ) -> lz4framed_status {
        // SAFETY: `enc` is NULL or a live encoder used by this thread only.
        let enc = unsafe { object_mut(enc) }?;
        enc.with(|e| e.set_content_size((has_size != 0).then_some(size)))?;
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Starts a frame: writes its header to `dst` and stores its length in
    /// `*written`. `dst_capacity` must be at least LZ4FRAMED_MAX_HEADER_SIZE.
    /// `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL, WRONG_STAGE (a frame is open).
    unsafe fn lz4framed_encoder_begin(
        enc: *mut lz4framed_encoder,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, passed through.
        unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.begin(d)) }
    }
}

ffi_fn! {
    /// Compresses `src`: writes the blocks it completes to `dst` and keeps the
    /// rest (less than a block, unless auto_flush) for later; `*written` gets
    /// the bytes written, possibly 0. `dst_capacity` must be at least
    /// lz4framed_compress_bound(src_size, prefs); this is checked before
    /// anything happens, so DST_TOO_SMALL changes nothing and the call may be
    /// repeated with a larger buffer. `src` is copied as needed, not kept.
    /// `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL, WRONG_STAGE (no frame begun),
    /// OUT_OF_MEMORY, THREAD_SPAWN (with workers: the frame is abandoned).
    unsafe fn lz4framed_encoder_update(
        enc: *mut lz4framed_encoder,
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let src = unsafe { src_slice(src, src_size) }?;
        // SAFETY: as above.
        unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.update(src, d)) }
    }
}

ffi_fn! {
    /// Compresses whatever input is held into a (short) block, so that all
    /// input given so far can be decoded from the output so far. Needs at most
    /// lz4framed_compress_bound(0, prefs) bytes of room. `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL (nothing changed), WRONG_STAGE,
    /// THREAD_SPAWN (with workers: the frame is abandoned).
    unsafe fn lz4framed_encoder_flush(
        enc: *mut lz4framed_encoder,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, passed through.
        unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.flush(d)) }
    }
}

ffi_fn! {
    /// Flushes and ends the frame (end mark, content checksum). Needs at most
    /// lz4framed_compress_bound(0, prefs) bytes of room. Afterwards the next
    /// frame may begin. `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL (nothing changed), WRONG_STAGE,
    /// CONTENT_SIZE (the input differs from the declared content size; nothing
    /// is written and the frame is abandoned: begin a new one), THREAD_SPAWN
    /// (with workers: the frame is abandoned).
    unsafe fn lz4framed_encoder_end(
        enc: *mut lz4framed_encoder,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, passed through.
        unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.end(d)) }
    }
}

// ---------------------------------------------------------------------------
// Resuming: clone, marshal / unmarshal.
// ---------------------------------------------------------------------------

ffi_fn! {
    /// Makes an independent copy of `enc` and stores it in `*out`; the caller
    /// owns the copy and frees it with lz4framed_encoder_free. From here on
    /// both write exactly the same bytes for the same calls (the copy
    /// continues the frame byte-identically). Allowed between any two calls.
    /// With workers, the jobs in flight are waited for first, and both
    /// encoders then write their output; the copy starts its own threads at
    /// its first job. `enc` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, OUT_OF_MEMORY, INTERNAL (a worker that died).
    unsafe fn lz4framed_encoder_clone(
        enc: *const lz4framed_encoder,
        out: *mut *mut lz4framed_encoder,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (enc, out) = unsafe { (object(enc)?, Out::new(out)?) };
        out.write(into_handle(enc.try_clone()?));
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Stores in `*size` the exact number of bytes lz4framed_encoder_marshal
    /// writes for the encoder's current state: about 110 bytes at a block
    /// boundary for independent blocks; linked blocks add the 64 KiB window
    /// and LZ4's match finder (16 KiB fast, 256 KiB HC; with workers only the
    /// window); held input adds its length, and with workers the output of
    /// the jobs in flight, which this call waits for. `enc` must not be in
    /// use by another thread. Errors: NULL_ARGUMENT, INTERNAL.
    unsafe fn lz4framed_encoder_marshal_size(
        enc: *const lz4framed_encoder,
        size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (enc, size) = unsafe { (object(enc)?, Out::new(size)?) };
        size.write(enc.marshal_size()?);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Writes the encoder's state into `dst` as a portable blob (the same bytes
    /// on any endianness and pointer width; format in
    /// docs/ENCODER_STATE_FORMAT.md) and stores its length in `*written`.
    /// Allowed between any two calls: inside a frame (input held back
    /// included), at a block boundary, between frames. Pass the blob to
    /// lz4framed_encoder_unmarshal, in this process or another, to continue:
    /// the output continues byte-identically. The dictionary is not included
    /// (only its length and a hash). With workers the jobs in flight are
    /// waited for, and their output (not yet returned by this encoder) is in
    /// the blob: the restored encoder writes it first. `enc` must not be in
    /// use by another thread.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL (nothing written; ask
    /// lz4framed_encoder_marshal_size), OUT_OF_MEMORY, INTERNAL.
    unsafe fn lz4framed_encoder_marshal(
        enc: *const lz4framed_encoder,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (enc, dst, written) = unsafe {
            (
                object(enc)?,
                dst_slice(dst, dst_capacity)?,
                Out::new(written)?,
            )
        };
        written.write(enc.marshal_into(dst)?);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// As lz4framed_encoder_marshal, into a buffer the library allocates:
    /// `*blob` gets it and `*size` its length. Free it with lz4framed_blob_free
    /// (not free(): the library may use another allocator). `enc` must not be
    /// in use by another thread.
    /// Errors: NULL_ARGUMENT, OUT_OF_MEMORY, INTERNAL.
    unsafe fn lz4framed_encoder_marshal_alloc(
        enc: *const lz4framed_encoder,
        blob: *mut *mut c_void,
        size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (enc, blob, size) = unsafe { (object(enc)?, Out::new(blob)?, Out::new(size)?) };
        let bytes = enc.marshal()?;
        let (ptr, len) = into_blob(&bytes);
        blob.write(ptr);
        size.write(len);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Rebuilds an encoder from a blob made by lz4framed_encoder_marshal (here
    /// or on any machine whose LZ4 hashes alike) and stores it in `*out`; the
    /// caller owns it. It has the marshalled encoder's preferences (workers
    /// included) and writes exactly what that encoder would have written next.
    /// If the marshalled encoder had a dictionary, pass the same bytes again
    /// (`dict`, `dict_size`; NULL/0 when it had none): they are checked against
    /// the length and hash in the blob. The blob is only read and may be freed
    /// on return; every length in it is validated before anything is
    /// allocated. Thread-safe.
    /// Errors: NULL_ARGUMENT, ENCODER_STATE_MAGIC (not an encoder state, e.g.
    /// a decoder's), ENCODER_STATE_VERSION (a format this version does not
    /// read), ENCODER_STATE_TRUNCATED, ENCODER_STATE_CHECKSUM (damaged),
    /// ENCODER_STATE_CORRUPT (impossible values), ENCODER_STATE_DICTIONARY
    /// (missing or different dictionary), ENCODER_STATE_ENGINE (LZ4 tables of
    /// a build that hashes differently), OUT_OF_MEMORY.
    unsafe fn lz4framed_encoder_unmarshal(
        blob: *const c_void,
        blob_size: usize,
        dict: *const c_void,
        dict_size: usize,
        out: *mut *mut lz4framed_encoder,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (blob, dict, out) = unsafe {
            (
                src_slice(blob, blob_size)?,
                src_slice(dict, dict_size)?,
                Out::new(out)?,
            )
        };
        if blob.is_empty() {
            return Err(Error::EncoderStateTruncated);
        }
        let dict = (!dict.is_empty()).then_some(dict);
        out.write(into_handle(Encoder::unmarshal(blob, dict)?));
        Ok(LZ4FRAMED_OK)
    }
}
