//! Random access into LZ4 files: the on-disk formats and a fast scanner.
//!
//! A reader that jumps to an arbitrary decompressed position needs to know
//! where in the compressed file a decoder may start ("restart points") and
//! which decompressed position each one stands for. This module defines
//! the two places that knowledge is kept (byte layouts in
//! `docs/SEEK_FORMAT.md`) and how to find it in a file that has neither:
//!
//! - [`SeekTable`]: written by an encoder as a skippable frame at the very
//!   end of a `.lz4` file, found from a fixed-size footer in the file's last
//!   bytes. Every LZ4 decoder steps over it, so the file stays an ordinary
//!   `.lz4` file. 8 bytes per restart point plus a 32-byte frame.
//! - [`SeekIndex`]: a sidecar file for `.lz4` files written without a
//!   table, bound to its file (size and a hash of its first bytes) so that
//!   a stale index is refused. 16 bytes per restart point; restart points
//!   inside linked-block frames carry a [`Checkpoint`] (the 64 KiB window a
//!   decoder needs there), stored LZ4-compressed.
//! - [`scan`]: walks a file's frames and block headers, and each block's
//!   LZ4 sequence tokens, without producing output: block positions and
//!   decompressed lengths, from which a table or an index of an
//!   independent-block file is built. Walking the tokens is bound by the
//!   same chain of dependent loads as decoding: 2–3 times the speed of a
//!   decode on most data, about the same on text of very short sequences.
//!
//! Everything read from bytes is treated as hostile: lengths are checked
//! against the input before anything is allocated, and every inconsistency
//! is refused with an [`Invalid`] that says which one (and maps to one of
//! the library's [`Error`](crate::Error) codes).

mod build;
mod checkpoint;
mod cursor;
mod failure;
mod index;
mod invalid;
mod kind;
mod map;
mod points;
mod reader;
mod scan;
mod source;
mod table;

pub use build::{DEFAULT_SPAN, READ_BUFFER, build_index};
pub use checkpoint::{Checkpoint, MAX_CHECKPOINT_WINDOW};
pub use failure::error_of;
pub use index::{BIND_PREFIX_LEN, FileBinding, INDEX_MAGIC, INDEX_VERSION, IndexEntry, SeekIndex};
pub use invalid::Invalid;
pub use kind::{PointKind, SeekPoint};
pub use reader::SeekableReader;
pub use scan::{ScannedBlock, ScannedFrame, block_decompressed_len, scan};
pub use source::{LockedSource, ReadAt, read_exact_at};
pub use table::{
    MAX_STRETCH_COMPRESSED, MAX_STRETCH_DECOMPRESSED, SEEK_FOOTER_LEN, SEEK_FOOTER_MAGIC,
    SEEK_FRAME_MAGIC, SEEK_TABLE_VERSION, SeekTable, TableEntry,
};

/// The most bytes one compressed byte of an LZ4 block can decode to: every
/// byte of a length field adds at most 255, and no other byte adds more.
/// A table that claims more output for a stretch is lying.
pub const MAX_EXPANSION: u64 = 255;

/// Whether `decompressed` bytes can come out of `compressed` bytes.
fn plausible(compressed: u64, decompressed: u64) -> bool {
    decompressed <= compressed.saturating_mul(MAX_EXPANSION)
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}
