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
/// The most `workers` an encoder takes; more is INVALID_ARGUMENT.
pub const LZ4FRAMED_MAX_WORKERS: u32 = 256;
const _: () = assert!(LZ4FRAMED_MAX_WORKERS == crate::MAX_WORKERS);

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
    /// Worker threads of an encoder (one-shot calls included): 0 (the
    /// default) compresses in the caller's thread; N (at most
    /// LZ4FRAMED_MAX_WORKERS) starts N threads owned by the encoder at its
    /// first job and joins them in lz4framed_encoder_free. Independent
    /// blocks come out byte-identical to 0 workers; linked blocks restart
    /// from the previous 64 KiB every 4 MiB job (a ratio cost well below
    /// 0.5%). Output may lag input while jobs are in flight;
    /// lz4framed_encoder_flush and _end wait for all of it.
    pub workers: u32,
    /// Seek table (docs/SEEK_FORMAT.md): 0 (the default) writes none; N
    /// records a restart point at least every N KiB of input (rounded down
    /// to whole blocks, at least one block; LZ4FRAMED_DEFAULT_SEEK_SPAN_KIB
    /// is 4 MiB) and appends the table, a skippable frame every LZ4 decoder
    /// steps over: lz4framed_compress after the frame (included in
    /// lz4framed_compress_frame_bound), a streaming encoder at
    /// lz4framed_encoder_write_seek_table. Linked frames restart their
    /// history at every restart point (at least every 4 MiB there). The
    /// output is the same with any `workers` and however a stream's input
    /// is cut (linked frames streamed with workers: without a dictionary
    /// and without flushes). Was reserved[0] in 0.x versions
    /// without seek tables, where it had to be zero: the layout is unchanged.
    pub seek_table_kib: u32,
    /// Must be zero; room for options of later versions.
    pub reserved: [u32; 6],
}

/// The stretch length lz4framed_preferences.seek_table_kib usually takes:
/// 4096 KiB (4 MiB).
pub const LZ4FRAMED_DEFAULT_SEEK_SPAN_KIB: u32 = 4096u32;
const _: () = assert!(LZ4FRAMED_DEFAULT_SEEK_SPAN_KIB as u64 * 1024 == crate::DEFAULT_SEEK_SPAN);

/// Reads optional C preferences; NULL means the defaults.
///
/// # Safety
/// `prefs` is NULL or points to a readable `lz4framed_preferences`.
pub(crate) unsafe fn preferences(prefs: *const lz4framed_preferences) -> Result<Preferences> {
    // SAFETY: guaranteed by the caller.
    let p = unsafe { prefs.as_ref() }.copied().unwrap_or_default();
    check_reserved(&p.reserved)?;
    if p.workers > LZ4FRAMED_MAX_WORKERS {
        return Err(Error::InvalidArgument);
    }
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
        workers: p.workers,
        seek_table: u64::from(p.seek_table_kib) * 1024,
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
    /// encoder holds; with `src_size` 0, the room for _flush and _end (a seek
    /// table has its own: lz4framed_encoder_seek_table_size). 0 when `prefs`
    /// is invalid. Thread-safe.
    #[on_panic(0)]
    unsafe fn lz4framed_compress_bound(
        src_size: usize,
        prefs: *const lz4framed_preferences,
    ) -> usize {
        // SAFETY: `prefs` is NULL or readable, as documented.
        unsafe { preferences(prefs) }.map_or(0, |p| crate::compress_bound(src_size, &p))
    }
}
