//! `lz4framed_scan`: the frames of a whole `.lz4` file found without
//! decoding (`seek::scan`), and the seek table at its end, checked against
//! them — what a listing (`lz4framed list`) shows.

use super::args::{Out, src_slice};
use super::frame_info::lz4framed_frame_info;
use super::handle::{Guarded, free_handle, impl_object, into_handle, object};
use super::macros::ffi_fn;
use super::status::LZ4FRAMED_OK;
use crate::error::{Error, Result};
use crate::frame::{FrameInfo, FrameKind};
use crate::seek::{self, Invalid, PointKind, ScannedFrame, SeekTable};
use std::collections::HashMap;
use std::ffi::c_void;

/// One frame of a scanned file. Written whole by the library, `reserved`
/// as zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct lz4framed_scanned_frame {
    /// Offset of the frame's magic number in the file.
    pub offset: u64,
    /// The frame's length in the file, header and trailer included.
    pub compressed_size: u64,
    /// Offset of the frame's first decompressed byte in the file's output.
    pub decompressed_offset: u64,
    /// What the frame decodes to, found from the blocks' sequence tokens
    /// (with or without a content size in the header); 0 for skippable frames.
    pub decompressed_size: u64,
    /// Blocks of the frame (0 for skippable frames).
    pub block_count: u64,
    /// The frame header's length (a skippable frame's 8 bytes, a legacy
    /// frame's 4-byte magic).
    pub header_size: u32,
    /// 1: this skippable frame is the file's valid seek table.
    pub is_seek_table: u32,
    /// What the header declares.
    pub info: lz4framed_frame_info,
    /// Zero; room for fields of later versions.
    pub reserved: [u32; 4],
}

/// The seek table at the end of a scanned file. Written whole by the
/// library, `reserved` as zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct lz4framed_seek_table_info {
    /// Offset of the table's skippable frame in the file.
    pub offset: u64,
    /// Length of the table's skippable frame.
    pub size: u64,
    /// Entries of the table.
    pub entry_count: u64,
    /// Entries a reader can start decoding at (all but Continue entries).
    pub restart_points: u64,
    /// The decompressed size of the file the table records.
    pub decompressed_size: u64,
    /// Zero; room for fields of later versions.
    pub reserved: [u32; 4],
}

/// A frame's summary; its blocks are counted, not kept.
struct Frame {
    offset: u64,
    len: u64,
    info: FrameInfo,
    header_len: u32,
    blocks: u64,
    decompressed_offset: u64,
    decompressed_len: u64,
}

/// What lz4framed_scan holds (only C sees it, through the opaque pointer).
#[doc(hidden)]
pub struct Scan {
    frames: Vec<Frame>,
    /// The table, or why there is none (`SEEK_MAGIC`) or it was refused.
    table: std::result::Result<lz4framed_seek_table_info, Error>,
}

/// The frames and seek table of a whole file held in memory: made by
/// lz4framed_scan_new, read with lz4framed_scan_frame and
/// lz4framed_scan_seek_table.
pub struct lz4framed_scan {
    guarded: Guarded<Scan>,
}
impl_object!(lz4framed_scan(Scan));

/// Whether every restart point of `table` stands where a scan of the
/// frames says a decoder can start, with the same decompressed offset.
fn table_agrees(table: &SeekTable, frames: &[ScannedFrame]) -> bool {
    // Offset -> (decompressed offset, kinds allowed there).
    let mut starts: HashMap<u64, (u64, [Option<PointKind>; 2])> = HashMap::new();
    for f in frames {
        starts.insert(
            f.offset,
            (f.decompressed_offset, [Some(PointKind::Frame), None]),
        );
        let linked = f.info.kind == FrameKind::Lz4 && f.info.block_linked;
        for b in f.blocks.iter().skip(1) {
            let kind = if !linked {
                Some(PointKind::Block)
            } else if b.independent_from_here {
                Some(PointKind::LinkedReset)
            } else {
                None
            };
            starts.insert(b.offset, (b.decompressed_offset, [kind, None]));
        }
    }
    table.points().all(|p| {
        p.kind == PointKind::Continue
            || starts.get(&p.compressed_offset).is_some_and(|(d, kinds)| {
                *d == p.decompressed_offset && kinds.contains(&Some(p.kind))
            })
    })
}

fn scan_file(src: &[u8]) -> Result<Scan> {
    let scanned = seek::scan(src)?;
    let table = match SeekTable::from_file(src) {
        Err(Invalid::NotATable) => Err(Error::SeekMagic),
        Err(invalid) => Err(invalid.error()),
        Ok(t) => {
            let offset = t.compressed_total();
            let body = scanned
                .iter()
                .position(|f| f.offset == offset)
                .map(|i| &scanned[..i]);
            match body {
                // The table must stand where a frame starts, and agree.
                Some(body) if table_agrees(&t, body) => Ok(lz4framed_seek_table_info {
                    offset,
                    size: t.frame_len() as u64,
                    entry_count: t.entries().len() as u64,
                    restart_points: t.points().filter(|p| p.kind.is_restart()).count() as u64,
                    decompressed_size: t.decompressed_total(),
                    reserved: [0; 4],
                }),
                _ => Err(Error::SeekCorrupt),
            }
        }
    };
    let frames = scanned
        .into_iter()
        .map(|f| Frame {
            offset: f.offset,
            len: f.len,
            info: f.info,
            header_len: f.header_len,
            blocks: f.blocks.len() as u64,
            decompressed_offset: f.decompressed_offset,
            decompressed_len: f.decompressed_len,
        })
        .collect();
    Ok(Scan { frames, table })
}

ffi_fn! {
    /// Scans the whole file `src` (every frame: LZ4, legacy, skippable) without
    /// decoding: frame by frame its header, each block's header and its
    /// sequence tokens, which give the decompressed length without a content
    /// size. Also reads the seek table at the end, if any, and checks it
    /// against the frames. Stores the new scan in `*out`; the caller owns it
    /// and frees it with lz4framed_scan_free. `src` is not kept. Checksums are
    /// not verified (that needs decoding). Errors: NULL_ARGUMENT, OUT_OF_MEMORY,
    /// and the faults of the data: BAD_MAGIC, BAD_VERSION, RESERVED_BIT,
    /// BAD_BLOCK_SIZE_ID, HEADER_CHECKSUM, BLOCK_TOO_LARGE, CORRUPT_BLOCK,
    /// CONTENT_SIZE (the blocks decode to another size than declared),
    /// TRUNCATED. Thread-safe.
    unsafe fn lz4framed_scan_new(
        src: *const c_void,
        src_size: usize,
        out: *mut *mut lz4framed_scan,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (src, out) = unsafe { (src_slice(src, src_size)?, Out::new(out)?) };
        out.write(into_handle(scan_file(src)?));
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Destroys a scan. NULL is a no-op; freeing twice is undefined. `scan`
    /// must not be in use by another thread.
    #[on_panic(())]
    unsafe fn lz4framed_scan_free(scan: *mut lz4framed_scan) {
        // SAFETY: `scan` is NULL or from lz4framed_scan_new, not yet freed.
        unsafe { free_handle(scan) }
    }
}

ffi_fn! {
    /// Stores in `*count` the number of frames of the scanned file (its seek
    /// table, a skippable frame, included). Read-only. Errors: NULL_ARGUMENT.
    unsafe fn lz4framed_scan_frame_count(
        scan: *const lz4framed_scan,
        count: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (scan, count) = unsafe { (object(scan)?, Out::new(count)?) };
        count.write(scan.frames.len());
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Stores in `*out` frame `index` (from 0) of the scanned file. Read-only.
    /// Errors: NULL_ARGUMENT, INVALID_ARGUMENT (`index` not below the count).
    unsafe fn lz4framed_scan_frame(
        scan: *const lz4framed_scan,
        index: usize,
        out: *mut lz4framed_scanned_frame,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (scan, out) = unsafe { (object(scan)?, Out::new(out)?) };
        let f = scan.frames.get(index).ok_or(Error::InvalidArgument)?;
        let is_table = scan.table.as_ref().is_ok_and(|t| t.offset == f.offset);
        out.write(lz4framed_scanned_frame {
            offset: f.offset,
            compressed_size: f.len,
            decompressed_offset: f.decompressed_offset,
            decompressed_size: f.decompressed_len,
            block_count: f.blocks,
            header_size: f.header_len,
            is_seek_table: u32::from(is_table),
            info: (&f.info).into(),
            reserved: [0; 4],
        });
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Stores in `*out` what the seek table at the end of the scanned file
    /// holds. Read-only. Errors: NULL_ARGUMENT; SEEK_MAGIC (the file does not
    /// end with a seek table); SEEK_VERSION, SEEK_CHECKSUM, SEEK_TRUNCATED,
    /// SEEK_CORRUPT (it ends with a damaged one, or one whose points are not
    /// where the frames' blocks are).
    unsafe fn lz4framed_scan_seek_table(
        scan: *const lz4framed_scan,
        out: *mut lz4framed_seek_table_info,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (scan, out) = unsafe { (object(scan)?, Out::new(out)?) };
        out.write(scan.table?);
        Ok(LZ4FRAMED_OK)
    }
}
