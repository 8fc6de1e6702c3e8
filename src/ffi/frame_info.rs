//! `lz4framed_frame_info`: what a frame header declares, and reading it.

use super::args::{Out, src_slice};
use super::macros::ffi_fn;
use super::status::{LZ4FRAMED_NEED_INPUT, LZ4FRAMED_OK};
use crate::frame::{FrameInfo, FrameKind, read_frame_info};
use std::ffi::c_void;

/// A regular LZ4 frame (`lz4framed_frame_info.frame_kind`).
pub const LZ4FRAMED_FRAME_LZ4: u32 = 0u32;
/// A skippable frame: user data that decoders step over.
pub const LZ4FRAMED_FRAME_SKIPPABLE: u32 = 1u32;
/// The legacy format written by `lz4 -l`: independent 8 MiB blocks.
pub const LZ4FRAMED_FRAME_LEGACY: u32 = 2u32;

/// What a frame header declares. Flag fields are 0 or 1. Written whole by
/// the library, `reserved` as zero: fields a later version adds take
/// reserved slots, so the struct's size and layout never change.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
    /// Zero; room for fields of later versions.
    pub reserved: [u32; 4],
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
            reserved: [0; 4],
        }
    }
}

ffi_fn! {
    /// Reads the header at the start of `src` without decoding anything (like
    /// LZ4F_getFrameInfo): `*info` gets what it declares, `*header_size` its
    /// length (a skippable frame's header is its 8 bytes, a legacy frame's its
    /// 4-byte magic). Returns LZ4FRAMED_NEED_INPUT, writing nothing, when
    /// `src` is too short to hold the whole header (LZ4FRAMED_MAX_HEADER_SIZE
    /// bytes always suffice). Errors: NULL_ARGUMENT, BAD_MAGIC, BAD_VERSION,
    /// RESERVED_BIT, BAD_BLOCK_SIZE_ID, HEADER_CHECKSUM. Thread-safe.
    unsafe fn lz4framed_get_frame_info(
        src: *const c_void,
        src_size: usize,
        info: *mut lz4framed_frame_info,
        header_size: *mut usize,
    ) -> lz4framed_status {
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
    }
}
