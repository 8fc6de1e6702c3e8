//! `lz4framed_preferences` and the streaming `lz4framed_encoder`.

use super::{
    Guarded, LZ4FRAMED_OK, Out, dst_slice, ffi_boundary, flag, free_handle, handle_mut,
    into_handle, lz4framed_status, src_slice,
};
use crate::encoder::{Encoder, Preferences};
use crate::error::{Error, Result};
use crate::frame::{BlockSize, MAX_HEADER_LEN};
use std::ffi::{c_int, c_void};

/// Maximum block size 64 KiB (`block_size_id`, `lz4framed_frame_info`).
pub const LZ4FRAMED_BLOCK_SIZE_64KB: u32 = 4u32;
/// Maximum block size 256 KiB.
pub const LZ4FRAMED_BLOCK_SIZE_256KB: u32 = 5u32;
/// Maximum block size 1 MiB.
pub const LZ4FRAMED_BLOCK_SIZE_1MB: u32 = 6u32;
/// Maximum block size 4 MiB.
pub const LZ4FRAMED_BLOCK_SIZE_4MB: u32 = 7u32;
/// The longest frame header (magic included); lz4framed_encoder_begin needs
/// this much room whatever the header's real length.
pub const LZ4FRAMED_MAX_HEADER_SIZE: usize = 19;
const _: () = assert!(LZ4FRAMED_MAX_HEADER_SIZE == MAX_HEADER_LEN);

/// How to compress. A zeroed struct (or a NULL pointer where one is taken)
/// means liblz4's defaults: level 0, 64 KiB linked blocks, no checksums, no
/// content size. Every flag field takes 0 or 1; anything else, or an
/// unknown block_size_id, is LZ4FRAMED_ERROR_INVALID_ARGUMENT.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct lz4framed_preferences {
    /// Negative: fast mode with acceleration 1 - level; 0..2: fast mode;
    /// 3..12: HC, slower and stronger (above 12 counts as 12).
    pub level: i32,
    /// 0 (default, 64 KiB) or LZ4FRAMED_BLOCK_SIZE_64KB .. _4MB (4..7).
    pub block_size_id: u32,
    /// 1: blocks do not refer to earlier blocks (worse ratio; each block
    /// decodable alone). 0: linked blocks.
    pub block_independent: u32,
    /// 1: an XXH32 checksum after every block.
    pub block_checksum: u32,
    /// 1: an XXH32 checksum of the whole content at the frame end.
    pub content_checksum: u32,
    /// 1: declare the content size in the header. One-shot compression
    /// writes the real size (content_size is ignored); the streaming
    /// encoder declares content_size and lz4framed_encoder_end verifies it.
    pub content_size_flag: u32,
    /// See content_size_flag.
    pub content_size: u64,
    /// 1: the encoder compresses each update's input right away instead of
    /// holding back less than a block.
    pub auto_flush: u32,
    /// 1: HC levels 10..12 favour decompression speed over ratio.
    pub favor_dec_speed: u32,
    /// Dictionary ID written into the header; 0 writes none.
    pub dict_id: u32,
}

/// Reads optional C preferences; NULL means the defaults.
///
/// # Safety
/// `prefs` is NULL or points to a readable `lz4framed_preferences`.
pub(crate) unsafe fn preferences(prefs: *const lz4framed_preferences) -> Result<Preferences> {
    // SAFETY: guaranteed by the caller.
    let p = unsafe { prefs.as_ref() }.copied().unwrap_or_default();
    let block_size = match p.block_size_id {
        0 => BlockSize::default(),
        id => u8::try_from(id)
            .ok()
            .and_then(BlockSize::from_id)
            .ok_or(Error::InvalidArgument)?,
    };
    Ok(Preferences {
        level: p.level,
        block_size,
        block_linked: !flag(p.block_independent)?,
        block_checksum: flag(p.block_checksum)?,
        content_checksum: flag(p.content_checksum)?,
        content_size: flag(p.content_size_flag)?.then_some(p.content_size),
        auto_flush: flag(p.auto_flush)?,
        favor_dec_speed: flag(p.favor_dec_speed)?,
        dict_id: (p.dict_id != 0).then_some(p.dict_id),
        workers: 0,
    })
}

/// A streaming compressor: lz4framed_encoder_begin, any number of
/// lz4framed_encoder_update / _flush, lz4framed_encoder_end; then the next
/// frame may begin.
pub struct lz4framed_encoder {
    pub(crate) guarded: Guarded<Encoder>,
}

const _: () = {
    const fn movable_between_threads<T: Send>() {}
    movable_between_threads::<lz4framed_encoder>();
};

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
    let encoder = Encoder::with_dictionary(&prefs, dict)?;
    out.write(into_handle(lz4framed_encoder {
        guarded: Guarded::new(encoder),
    }));
    Ok(LZ4FRAMED_OK)
}

/// Creates an encoder and stores it in `*out`; the caller owns it and frees
/// it with lz4framed_encoder_free. `prefs` NULL means the defaults; it is
/// copied, not kept. Errors: NULL_ARGUMENT (`out` NULL), INVALID_ARGUMENT
/// (bad prefs), OUT_OF_MEMORY. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_new(
    prefs: *const lz4framed_preferences,
    out: *mut *mut lz4framed_encoder,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({ unsafe { new_encoder(prefs, std::ptr::null(), 0, out) } })
}

/// lz4framed_encoder_new for frames compressed against a dictionary (only
/// its last 64 KiB matter; they are copied, so `dict` may be freed on
/// return). Set prefs->dict_id so decoders can tell which dictionary a
/// frame needs. `dict` may be NULL only when `dict_size` is 0.
/// Errors: NULL_ARGUMENT, INVALID_ARGUMENT, OUT_OF_MEMORY. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_new_using_dict(
    prefs: *const lz4framed_preferences,
    dict: *const c_void,
    dict_size: usize,
    out: *mut *mut lz4framed_encoder,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({ unsafe { new_encoder(prefs, dict, dict_size, out) } })
}

/// Destroys an encoder and everything it owns. NULL is a no-op; freeing
/// twice is undefined. `enc` must not be in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_free(enc: *mut lz4framed_encoder) {
    // SAFETY: `enc` is NULL or from lz4framed_encoder_new*, not yet freed.
    ffi_boundary!(fallback: (), { unsafe { free_handle(enc) } })
}

/// Sets the content size the next frame declares (`has_size` 0: none),
/// overriding prefs, for a streaming caller who learns the size only per
/// frame; lz4framed_encoder_end then verifies it. `enc` must not be in use by another thread.
/// Errors: NULL_ARGUMENT, WRONG_STAGE (inside a frame).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_set_content_size(
    enc: *mut lz4framed_encoder,
    has_size: c_int,
    size: u64,
) -> lz4framed_status {
    ffi_boundary!({
        // SAFETY: `enc` is NULL or a live encoder used by this thread only.
        let enc = unsafe { handle_mut(enc) }?;
        enc.guarded
            .with(|e| e.set_content_size((has_size != 0).then_some(size)))?;
        Ok(LZ4FRAMED_OK)
    })
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
            handle_mut(enc)?,
            dst_slice(dst, dst_capacity)?,
            Out::new(written)?,
        )
    };
    written.write(enc.guarded.with(|e| step(e, dst))?);
    Ok(LZ4FRAMED_OK)
}

/// Starts a frame: writes its header to `dst` and stores its length in
/// `*written`. `dst_capacity` must be at least LZ4FRAMED_MAX_HEADER_SIZE.
/// `enc` must not be in use by another thread.
/// Errors: NULL_ARGUMENT, DST_TOO_SMALL, WRONG_STAGE (a frame is open).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_begin(
    enc: *mut lz4framed_encoder,
    dst: *mut c_void,
    dst_capacity: usize,
    written: *mut usize,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({ unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.begin(d)) } })
}

/// Compresses `src`: writes the blocks it completes to `dst` and keeps the
/// rest (less than a block, unless auto_flush) for later; `*written` gets
/// the bytes written, possibly 0. `dst_capacity` must be at least
/// lz4framed_compress_bound(src_size, prefs); this is checked before
/// anything happens, so DST_TOO_SMALL changes nothing and the call may be
/// repeated with a larger buffer. `src` is copied as needed, not kept.
/// `enc` must not be in use by another thread.
/// Errors: NULL_ARGUMENT, DST_TOO_SMALL, WRONG_STAGE (no frame begun),
/// OUT_OF_MEMORY.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_update(
    enc: *mut lz4framed_encoder,
    src: *const c_void,
    src_size: usize,
    dst: *mut c_void,
    dst_capacity: usize,
    written: *mut usize,
) -> lz4framed_status {
    ffi_boundary!({
        // SAFETY: the caller's pointers, passed through.
        let src = unsafe { src_slice(src, src_size) }?;
        // SAFETY: as above.
        unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.update(src, d)) }
    })
}

/// Compresses whatever input is held into a (short) block, so that all
/// input given so far can be decoded from the output so far. Needs at most
/// lz4framed_compress_bound(0, prefs) bytes of room. `enc` must not be in use by another thread.
/// Errors: NULL_ARGUMENT, DST_TOO_SMALL (nothing changed), WRONG_STAGE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_flush(
    enc: *mut lz4framed_encoder,
    dst: *mut c_void,
    dst_capacity: usize,
    written: *mut usize,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({ unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.flush(d)) } })
}

/// Flushes and ends the frame (end mark, content checksum). Needs at most
/// lz4framed_compress_bound(0, prefs) bytes of room. Afterwards the next
/// frame may begin. `enc` must not be in use by another thread.
/// Errors: NULL_ARGUMENT, DST_TOO_SMALL (nothing changed), WRONG_STAGE,
/// CONTENT_SIZE (the input differs from the declared content size; nothing
/// is written and the frame is abandoned: begin a new one).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lz4framed_encoder_end(
    enc: *mut lz4framed_encoder,
    dst: *mut c_void,
    dst_capacity: usize,
    written: *mut usize,
) -> lz4framed_status {
    // SAFETY: the caller's pointers, passed through.
    ffi_boundary!({ unsafe { encoder_step(enc, dst, dst_capacity, written, |e, d| e.end(d)) } })
}
