//! One-call compression and decompression of whole buffers.

use super::args::{Out, dst_slice, src_slice};
use super::blob::{BLOB_PREFIX, into_blob_prefixed};
use super::macros::ffi_fn;
use super::preferences::{lz4framed_preferences, preferences};
use super::status::{LZ4FRAMED_OK, lz4framed_status};
use crate::decoder::Decoder;
use crate::error::Result;
use std::ffi::c_void;

/// # Safety
/// As for the public functions.
unsafe fn compress(
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    prefs: *const lz4framed_preferences,
    dict: *const c_void,
    dict_size: usize,
    dst_size: *mut usize,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, checked by the helpers.
    let (src, dst, prefs, dict, dst_size) = unsafe {
        (
            src_slice(src, src_size)?,
            dst_slice(dst, dst_capacity)?,
            preferences(prefs)?,
            src_slice(dict, dict_size)?,
            Out::new(dst_size)?,
        )
    };
    dst_size.write(crate::compress_into_with_dictionary(
        src, dst, &prefs, dict,
    )?);
    Ok(LZ4FRAMED_OK)
}

ffi_fn! {
    /// Compresses `src` into one frame in `dst` and stores its size in
    /// `*dst_size`. `prefs` NULL means the defaults; with content_size_flag
    /// the real size is declared. `dst_capacity` should be
    /// lz4framed_compress_frame_bound(src_size, prefs): the worst case is
    /// checked before compressing, so a smaller buffer may fail even when the
    /// data would compress into it.
    /// Errors: NULL_ARGUMENT, INVALID_ARGUMENT (prefs), DST_TOO_SMALL,
    /// OUT_OF_MEMORY, THREAD_SPAWN (prefs->workers). Thread-safe.
    unsafe fn lz4framed_compress(
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_capacity: usize,
        prefs: *const lz4framed_preferences,
        dst_size: *mut usize,
    ) -> lz4framed_status {
        let no_dict = std::ptr::null();
        // SAFETY: the caller's pointers, passed through.
        unsafe { compress(src, src_size, dst, dst_capacity, prefs, no_dict, 0, dst_size) }
    }
}

ffi_fn! {
    /// lz4framed_compress against a dictionary (its last 64 KiB are used).
    /// Set prefs->dict_id so decoders can tell which dictionary is needed.
    /// `dict` may be NULL only when `dict_size` is 0. Same errors; thread-safe.
    unsafe fn lz4framed_compress_using_dict(
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_capacity: usize,
        prefs: *const lz4framed_preferences,
        dict: *const c_void,
        dict_size: usize,
        dst_size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, passed through.
        unsafe { compress(src, src_size, dst, dst_capacity, prefs, dict, dict_size, dst_size) }
    }
}

/// A one-shot decoder, with the caller's dictionary when given one.
///
/// # Safety
/// `dict` is NULL or points to `dict_size` readable bytes.
unsafe fn one_shot_decoder(dict: *const c_void, dict_size: usize, dict_id: u32) -> Result<Decoder> {
    // SAFETY: guaranteed by the caller, checked by the helper.
    let dict = unsafe { src_slice(dict, dict_size) }?;
    let mut decoder = Decoder::new();
    decoder.set_dictionary(dict, (dict_id != 0).then_some(dict_id));
    Ok(decoder)
}

/// # Safety
/// As for the public functions.
unsafe fn decompress(
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    (dict, dict_size, dict_id): (*const c_void, usize, u32),
    dst_size: *mut usize,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, checked by the helpers.
    let (src, dst, decoder, dst_size) = unsafe {
        (
            src_slice(src, src_size)?,
            dst_slice(dst, dst_capacity)?,
            one_shot_decoder(dict, dict_size, dict_id)?,
            Out::new(dst_size)?,
        )
    };
    dst_size.write(crate::decompress_into_with(src, dst, decoder)?);
    Ok(LZ4FRAMED_OK)
}

ffi_fn! {
    /// Decompresses every frame in `src` (skippable frames are skipped, an
    /// empty `src` holds no frame) into `dst` and stores the total size in
    /// `*dst_size`. Checksums are verified. When the size is not known in
    /// advance (the lz4 tool declares no content size by default), use
    /// lz4framed_decompress_alloc, or lz4framed_decompressed_size first.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL (the output does not fit; `dst`
    /// holds garbage), TRUNCATED, any frame format error. Thread-safe.
    unsafe fn lz4framed_decompress(
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_capacity: usize,
        dst_size: *mut usize,
    ) -> lz4framed_status {
        let no_dict = (std::ptr::null(), 0, 0);
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompress(src, src_size, dst, dst_capacity, no_dict, dst_size) }
    }
}

ffi_fn! {
    /// lz4framed_decompress for frames compressed with a dictionary (copied;
    /// only its last 64 KiB matter). `dict_id` 0 accepts any frame; otherwise
    /// a frame declaring another dictionary ID fails with DICTIONARY_MISMATCH.
    /// `dict` may be NULL only when `dict_size` is 0. Same errors; thread-safe.
    unsafe fn lz4framed_decompress_using_dict(
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_capacity: usize,
        dict: *const c_void,
        dict_size: usize,
        dict_id: u32,
        dst_size: *mut usize,
    ) -> lz4framed_status {
        let dict = (dict, dict_size, dict_id);
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompress(src, src_size, dst, dst_capacity, dict, dst_size) }
    }
}

/// # Safety
/// As for the public functions.
unsafe fn decompress_alloc(
    src: *const c_void,
    src_size: usize,
    (dict, dict_size, dict_id): (*const c_void, usize, u32),
    dst: *mut *mut c_void,
    dst_size: *mut usize,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, checked by the helpers.
    let (src, decoder, dst, dst_size) = unsafe {
        (
            src_slice(src, src_size)?,
            one_shot_decoder(dict, dict_size, dict_id)?,
            Out::new(dst)?,
            Out::new(dst_size)?,
        )
    };
    let output = crate::oneshot::decompress_after(src, decoder, BLOB_PREFIX)?;
    let (ptr, len) = into_blob_prefixed(output);
    dst.write(ptr);
    dst_size.write(len);
    Ok(LZ4FRAMED_OK)
}

ffi_fn! {
    /// Decompresses every frame in `src`, as lz4framed_decompress, into a
    /// buffer the library allocates, whatever the frames declare: `*dst`
    /// gets the buffer (never NULL on success, even for empty output) and
    /// `*dst_size` the decompressed size. Free the buffer with
    /// lz4framed_blob_free, the one function that frees what the library
    /// allocates (not free()). Checksums are verified; on error nothing is
    /// allocated and nothing written.
    /// Errors: NULL_ARGUMENT, OUT_OF_MEMORY, TRUNCATED, any frame format or
    /// checksum error, DICTIONARY_REQUIRED. Thread-safe.
    unsafe fn lz4framed_decompress_alloc(
        src: *const c_void,
        src_size: usize,
        dst: *mut *mut c_void,
        dst_size: *mut usize,
    ) -> lz4framed_status {
        let no_dict = (std::ptr::null(), 0, 0);
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompress_alloc(src, src_size, no_dict, dst, dst_size) }
    }
}

ffi_fn! {
    /// lz4framed_decompress_alloc for frames compressed with a dictionary;
    /// `dict`, `dict_size` and `dict_id` as for
    /// lz4framed_decompress_using_dict. Same errors; thread-safe.
    unsafe fn lz4framed_decompress_alloc_using_dict(
        src: *const c_void,
        src_size: usize,
        dict: *const c_void,
        dict_size: usize,
        dict_id: u32,
        dst: *mut *mut c_void,
        dst_size: *mut usize,
    ) -> lz4framed_status {
        let dict = (dict, dict_size, dict_id);
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompress_alloc(src, src_size, dict, dst, dst_size) }
    }
}

/// # Safety
/// As for the public functions.
unsafe fn decompressed_size(
    src: *const c_void,
    src_size: usize,
    (dict, dict_size, dict_id): (*const c_void, usize, u32),
    size: *mut u64,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, checked by the helpers.
    let (src, decoder, size) = unsafe {
        (
            src_slice(src, src_size)?,
            one_shot_decoder(dict, dict_size, dict_id)?,
            Out::new(size)?,
        )
    };
    size.write(crate::decompressed_size_with(src, decoder)?);
    Ok(LZ4FRAMED_OK)
}

ffi_fn! {
    /// Stores in `*size` the exact size lz4framed_decompress would produce
    /// from `src` (all frames; skippable frames count 0), so that the caller
    /// can allocate `dst`. When every frame declares its content size, the
    /// sizes come from the headers: the frames' structure is walked
    /// (truncation and format errors are reported) but block data and
    /// checksums are only checked by decompressing. Otherwise (the lz4
    /// tool's default, legacy frames) `src` is decoded without keeping the
    /// output, checksums verified: as costly as decompressing.
    /// Errors: NULL_ARGUMENT, TRUNCATED, any frame format error; when
    /// decoding, checksum errors and DICTIONARY_REQUIRED. Thread-safe.
    unsafe fn lz4framed_decompressed_size(
        src: *const c_void,
        src_size: usize,
        size: *mut u64,
    ) -> lz4framed_status {
        let no_dict = (std::ptr::null(), 0, 0);
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompressed_size(src, src_size, no_dict, size) }
    }
}

ffi_fn! {
    /// lz4framed_decompressed_size for frames compressed with a dictionary
    /// (needed when the size has to be found by decoding); `dict`,
    /// `dict_size` and `dict_id` as for lz4framed_decompress_using_dict.
    /// Same errors; thread-safe.
    unsafe fn lz4framed_decompressed_size_using_dict(
        src: *const c_void,
        src_size: usize,
        dict: *const c_void,
        dict_size: usize,
        dict_id: u32,
        size: *mut u64,
    ) -> lz4framed_status {
        let dict = (dict, dict_size, dict_id);
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompressed_size(src, src_size, dict, size) }
    }
}
