//! One-call compression and decompression, and reading frame headers.

use super::encoder::{lz4framed_preferences, preferences};
use super::{
    LZ4FRAMED_NEED_INPUT, LZ4FRAMED_OK, Out, dst_slice, ffi_boundary, lz4framed_status, src_slice,
};
use crate::decoder::Decoder;
use crate::error::Result;
use crate::frame::{FrameInfo, FrameKind, read_frame_info};
use std::ffi::c_void;

/// A regular LZ4 frame (`lz4framed_frame_info.frame_kind`).
pub const LZ4FRAMED_FRAME_LZ4: u32 = 0u32;
/// A skippable frame: user data that decoders step over.
pub const LZ4FRAMED_FRAME_SKIPPABLE: u32 = 1u32;
/// The legacy format written by `lz4 -l`: independent 8 MiB blocks.
pub const LZ4FRAMED_FRAME_LEGACY: u32 = 2u32;

/// What a frame header declares. Flag fields are 0 or 1.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct lz4framed_frame_info {
    /// LZ4FRAMED_FRAME_LZ4, _SKIPPABLE or _LEGACY.
    pub frame_kind: u32,
    /// LZ4FRAMED_BLOCK_SIZE_64KB .. _4MB (4..7); 0 for skippable and
    /// legacy frames, whose headers have no such field.
    pub block_size_id: u32,
    /// The most bytes one block decodes to (8 MiB for legacy frames, 0 for
    /// skippable ones).
    pub block_max_size: u32,
    /// Blocks refer to earlier output, so decoding must start at the frame start.
    pub block_linked: u32,
    pub block_checksum: u32,
    pub content_checksum: u32,
    pub has_content_size: u32,
    /// The declared decompressed size; for a skippable frame, the size of
    /// its payload (has_content_size is then 1).
    pub content_size: u64,
    pub has_dict_id: u32,
    pub dict_id: u32,
}

impl From<&FrameInfo> for lz4framed_frame_info {
    fn from(info: &FrameInfo) -> Self {
        let lz4 = info.kind == FrameKind::Lz4;
        lz4framed_frame_info {
            frame_kind: match info.kind {
                FrameKind::Lz4 => LZ4FRAMED_FRAME_LZ4,
                FrameKind::Skippable => LZ4FRAMED_FRAME_SKIPPABLE,
                FrameKind::Legacy => LZ4FRAMED_FRAME_LEGACY,
            },
            block_size_id: if lz4 {
                u32::from(info.block_size.id())
            } else {
                0
            },
            block_max_size: u32::try_from(info.max_block_bytes()).unwrap_or(u32::MAX),
            block_linked: u32::from(lz4 && info.block_linked),
            block_checksum: u32::from(info.block_checksum),
            content_checksum: u32::from(info.content_checksum),
            has_content_size: u32::from(info.content_size.is_some()),
            content_size: info.content_size.unwrap_or(0),
            has_dict_id: u32::from(info.dict_id.is_some()),
            dict_id: info.dict_id.unwrap_or(0),
        }
    }
}

/// Reads the header at the start of `src` without decoding anything (like
/// LZ4F_getFrameInfo): `*info` gets what it declares, `*header_size` its
/// length (a skippable frame's header is its 8 bytes, a legacy frame's its
/// 4-byte magic). Returns LZ4FRAMED_NEED_INPUT, writing nothing, when
/// `src` is too short to hold the whole header (LZ4FRAMED_MAX_HEADER_SIZE
/// bytes always suffice). Errors: NULL_ARGUMENT, BAD_MAGIC, BAD_VERSION,
/// RESERVED_BIT, BAD_BLOCK_SIZE_ID, HEADER_CHECKSUM. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_get_frame_info(
    src: *const c_void,
    src_size: usize,
    info: *mut lz4framed_frame_info,
    header_size: *mut usize,
) -> lz4framed_status {
    ffi_boundary!({
        // SAFETY: the caller's pointers, checked by the helpers.
        let (src, info, header_size) = unsafe {
            (
                src_slice(src, src_size)?,
                Out::new(info)?,
                Out::new(header_size)?,
            )
        };
        match read_frame_info(src)? {
            None => Ok(LZ4FRAMED_NEED_INPUT),
            Some((frame, len)) => {
                info.write((&frame).into());
                header_size.write(len);
                Ok(LZ4FRAMED_OK)
            }
        }
    })
}

/// The output room that always suffices for lz4framed_compress of
/// `src_size` bytes with `prefs` (NULL: defaults). 0 when `prefs` is
/// invalid; SIZE_MAX when the bound does not fit in size_t. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_compress_frame_bound(
    src_size: usize,
    prefs: *const lz4framed_preferences,
) -> usize {
    ffi_boundary!(fallback: 0, {
        // SAFETY: `prefs` is NULL or readable, as documented.
        match unsafe { preferences(prefs) } {
            Ok(p) => crate::compress_frame_bound(src_size, &p),
            Err(_) => 0,
        }
    })
}

/// The output room that always suffices for one lz4framed_encoder_update
/// of `src_size` bytes with `prefs` (NULL: defaults), whatever input the
/// encoder holds; with `src_size` 0, the room for _flush and _end. 0 when
/// `prefs` is invalid. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_compress_bound(
    src_size: usize,
    prefs: *const lz4framed_preferences,
) -> usize {
    ffi_boundary!(fallback: 0, {
        // SAFETY: `prefs` is NULL or readable, as documented.
        match unsafe { preferences(prefs) } {
            Ok(p) => crate::compress_bound(src_size, &p),
            Err(_) => 0,
        }
    })
}

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

/// Compresses `src` into one frame in `dst` and stores its size in
/// `*dst_size`. `prefs` NULL means the defaults; with content_size_flag
/// the real size is declared. `dst_capacity` should be
/// lz4framed_compress_frame_bound(src_size, prefs): the worst case is
/// checked before compressing, so a smaller buffer may fail even when the
/// data would compress into it.
/// Errors: NULL_ARGUMENT, INVALID_ARGUMENT (prefs), DST_TOO_SMALL,
/// OUT_OF_MEMORY. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_compress(
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    prefs: *const lz4framed_preferences,
    dst_size: *mut usize,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({
        unsafe {
            compress(
                src,
                src_size,
                dst,
                dst_capacity,
                prefs,
                std::ptr::null(),
                0,
                dst_size,
            )
        }
    })
}

/// lz4framed_compress against a dictionary (its last 64 KiB are used).
/// Set prefs->dict_id so decoders can tell which dictionary is needed.
/// `dict` may be NULL only when `dict_size` is 0. Same errors; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_compress_using_dict(
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
    ffi_boundary!({
        unsafe {
            compress(
                src,
                src_size,
                dst,
                dst_capacity,
                prefs,
                dict,
                dict_size,
                dst_size,
            )
        }
    })
}

/// # Safety
/// As for the public functions.
unsafe fn decompress(
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    decoder: impl FnOnce() -> Result<Decoder>,
    dst_size: *mut usize,
) -> Result<lz4framed_status> {
    // SAFETY: the caller's pointers, checked by the helpers.
    let (src, dst, dst_size) = unsafe {
        (
            src_slice(src, src_size)?,
            dst_slice(dst, dst_capacity)?,
            Out::new(dst_size)?,
        )
    };
    dst_size.write(crate::decompress_into_with(src, dst, decoder()?)?);
    Ok(LZ4FRAMED_OK)
}

/// Decompresses every frame in `src` (skippable frames are skipped, an
/// empty `src` holds no frame) into `dst` and stores the total size in
/// `*dst_size`. Checksums are verified.
/// Errors: NULL_ARGUMENT, DST_TOO_SMALL (the output does not fit; `dst`
/// holds garbage), TRUNCATED, any frame format error. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_decompress(
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    dst_size: *mut usize,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({
        unsafe {
            decompress(
                src,
                src_size,
                dst,
                dst_capacity,
                || Ok(Decoder::new()),
                dst_size,
            )
        }
    })
}

/// lz4framed_decompress for frames compressed with a dictionary (copied;
/// only its last 64 KiB matter). `dict_id` 0 accepts any frame; otherwise
/// a frame declaring another dictionary ID fails with DICTIONARY_MISMATCH.
/// `dict` may be NULL only when `dict_size` is 0. Same errors; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_decompress_using_dict(
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    dict: *const c_void,
    dict_size: usize,
    dict_id: u32,
    dst_size: *mut usize,
) -> lz4framed_status {
    ffi_boundary!({
        let decoder = || {
            // SAFETY: the caller's dictionary pointer, checked by the helper.
            let dict = unsafe { src_slice(dict, dict_size) }?;
            let mut decoder = Decoder::new();
            decoder.set_dictionary(dict, (dict_id != 0).then_some(dict_id));
            Ok(decoder)
        };
        // SAFETY: the caller's pointers, passed through.
        unsafe { decompress(src, src_size, dst, dst_capacity, decoder, dst_size) }
    })
}
