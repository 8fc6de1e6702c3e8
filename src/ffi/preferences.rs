//! `lz4framed_preferences`: how to compress, and the bounds that follow.

use super::args::{check_reserved, flag};
use super::macros::ffi_fn;
use crate::encoder::Preferences;
use crate::error::{Error, Result};
use crate::frame::{BlockSize, MAX_HEADER_LEN};

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
/// content size. Every flag field takes 0 or 1; anything else, an
/// unknown block_size_id, or a nonzero `reserved` element is
/// LZ4FRAMED_ERROR_INVALID_ARGUMENT. Zero-initialise it (`= {0}`) and set
/// the fields you need: options of later versions take reserved slots
/// and mean "as before" when zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
    /// Must be zero; room for options of later versions.
    pub reserved: [u32; 8],
}

/// Reads optional C preferences; NULL means the defaults.
///
/// # Safety
/// `prefs` is NULL or points to a readable `lz4framed_preferences`.
pub(crate) unsafe fn preferences(prefs: *const lz4framed_preferences) -> Result<Preferences> {
    // SAFETY: guaranteed by the caller.
    let p = unsafe { prefs.as_ref() }.copied().unwrap_or_default();
    check_reserved(&p.reserved)?;
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
    })
}

ffi_fn! {
    /// The output room that always suffices for lz4framed_compress of
    /// `src_size` bytes with `prefs` (NULL: defaults). 0 when `prefs` is
    /// invalid; SIZE_MAX when the bound does not fit in size_t. Thread-safe.
    #[on_panic(0)]
    unsafe fn lz4framed_compress_frame_bound(
        src_size: usize,
        prefs: *const lz4framed_preferences,
    ) -> usize {
        // SAFETY: `prefs` is NULL or readable, as documented.
        unsafe { preferences(prefs) }.map_or(0, |p| crate::compress_frame_bound(src_size, &p))
    }
}

ffi_fn! {
    /// The output room that always suffices for one lz4framed_encoder_update
    /// of `src_size` bytes with `prefs` (NULL: defaults), whatever input the
    /// encoder holds; with `src_size` 0, the room for _flush and _end. 0 when
    /// `prefs` is invalid. Thread-safe.
    #[on_panic(0)]
    unsafe fn lz4framed_compress_bound(
        src_size: usize,
        prefs: *const lz4framed_preferences,
    ) -> usize {
        // SAFETY: `prefs` is NULL or readable, as documented.
        unsafe { preferences(prefs) }.map_or(0, |p| crate::compress_bound(src_size, &p))
    }
}
