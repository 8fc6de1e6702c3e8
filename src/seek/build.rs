//! Building a sidecar index for an existing `.lz4` file in one pass over
//! a `Read + Seek` source, in bounded memory.
//!
//! Frames of independent blocks and legacy frames are walked like
//! [`scan`](super::scan) does (block headers, and each block's sequence
//! tokens for its decompressed length; nothing is decoded, skippable
//! frames are stepped over with a seek). Linked-block frames are decoded,
//! because a restart point inside one needs the window (the last 64 KiB of
//! output) its next blocks refer to; those frames are verified whole on the
//! way (block and content checksums, content size).
//!
//! Memory: a read buffer of at most [`READ_BUFFER`] bytes, or two blocks
//! of the largest block size when that is larger, the decoder of a linked
//! frame with one block of output, and the index being built.

use std::io::{self, Read, Seek, SeekFrom};

use super::failure::data_error;
use super::scan::walk_blocks;
use super::{Checkpoint, FileBinding, IndexEntry, PointKind, SeekIndex};
use crate::decoder::{Decoder, Status};
use crate::error::Error;
use crate::frame::{
    FrameInfo, FrameKind, LEGACY_BLOCK_SIZE, MAX_HEADER_LEN, UNCOMPRESSED_BIT, le32,
    read_frame_info,
};
use crate::lz4;

/// Decompressed bytes between two restart points of a built index, unless
/// asked otherwise: a read at any position decodes at most this much (and
/// one block) before its first byte.
pub const DEFAULT_SPAN: u64 = 4 << 20;

/// Bytes read from the file at a time.
pub const READ_BUFFER: usize = 8 << 20;

/// Builds the index of the whole file behind `file` (read from its start,
/// whatever its position), with a restart point at every frame start and,
/// inside frames, at the first block starting at least `span` decompressed
/// bytes after the previous point (0: at every block). The index is bound
/// to the file ([`FileBinding`]).
///
/// Errors: the source's own, or `InvalidData` carrying the decoder's
/// [`Error`] (see [`error_of`](super::error_of)): a file truncated inside a
/// frame, a bad magic number, header, block size or block, a frame with a
/// dictionary ID ([`Error::DictionaryRequired`]: random access is offered
/// without dictionaries); in linked-block frames also checksum and content
/// size errors.
pub fn build_index<R: Read + Seek>(file: &mut R, span: u64) -> io::Result<SeekIndex> {
    let binding = FileBinding::read_from(file)?;
    file.seek(SeekFrom::Start(0))?;
    let mut b = Builder {
        input: Input::new(file, binding.file_size),
        span,
        entries: Vec::new(),
        out: 0,
    };
    b.run()?;
    let (out, entries) = (b.out, b.entries);
    SeekIndex::new(binding, out, entries).map_err(super::failure::invalid_error)
}

struct Builder<'r, R> {
    input: Input<'r, R>,
    span: u64,
    entries: Vec<IndexEntry>,
    /// Decompressed bytes before the current position.
    out: u64,
}

/// One block whose bytes are all in the read buffer.
struct Block {
    /// Offset of its header in the file.
    offset: u64,
    /// Its data (and checksum) in the read buffer.
    at: usize,
    len: usize,
    stored: usize,
    raw: bool,
}

/// What follows the blocks gathered so far.
enum Next {
    /// A block (or header) that needs this many bytes in the buffer.
    Need(usize),
    /// The frame's end: an LZ4 frame's end mark (not consumed), or the end
    /// of a legacy frame (the file's end, or the next frame's magic number).
    End,
}

impl<R: Read + Seek> Builder<'_, R> {
    fn run(&mut self) -> io::Result<()> {
        while self.input.fill(1)? {
            self.input.fill(MAX_HEADER_LEN)?;
            let (info, header_len) = read_frame_info(self.input.available())
                .map_err(data_error)?
                .ok_or_else(|| data_error(Error::Truncated))?;
            self.entries.push(IndexEntry::new(
                PointKind::Frame,
                self.input.offset(),
                self.out,
            ));
            match info.kind {
                FrameKind::Skippable => {
                    self.input.take(header_len);
                    self.input.skip(info.content_size.unwrap_or(0))?;
                }
                _ if info.dict_id.is_some() => return Err(data_error(Error::DictionaryRequired)),
                FrameKind::Lz4 if info.block_linked => self.linked_frame(info, header_len)?,
                _ => self.independent_frame(info, header_len)?,
            }
        }
        Ok(())
    }

    /// Whether a restart point goes before a block starting at `out`
    /// (never before a frame's first block: the frame's point is there).
    fn point_due(&self, first: bool, out: u64) -> bool {
        let last = self.entries.last().map_or(0, |e| e.decompressed_offset());
        !first && out - last >= self.span
    }

    /// The complete blocks at the start of the read buffer, and what
    /// follows them.
    fn gather(&self, info: &FrameInfo) -> io::Result<(Vec<Block>, Next)> {
        let legacy = info.kind == FrameKind::Legacy;
        let max = info.max_block_bytes();
        let checksum = if info.block_checksum { 4 } else { 0 };
        let bytes = self.input.available();
        let mut blocks = Vec::new();
        let mut at = 0;
        loop {
            if legacy && at == bytes.len() && self.input.at_end() {
                return Ok((blocks, Next::End));
            }
            let Some(header) = bytes.get(at..at + 4) else {
                return Ok((blocks, Next::Need(at + 4)));
            };
            let value = le32(header);
            let (len, raw) = if legacy {
                if value as usize > lz4::block_bound(LEGACY_BLOCK_SIZE) {
                    return Ok((blocks, Next::End));
                }
                (value as usize, false)
            } else {
                if value == 0 {
                    return Ok((blocks, Next::End));
                }
                let len = (value & !UNCOMPRESSED_BIT) as usize;
                if len > max {
                    return Err(data_error(Error::BlockTooLarge));
                }
                (len, value & UNCOMPRESSED_BIT != 0)
            };
            let stored = len + checksum;
            if bytes.len() - at - 4 < stored {
                return Ok((blocks, Next::Need(at + 4 + stored)));
            }
            blocks.push(Block {
                offset: self.input.offset() + at as u64,
                at: at + 4,
                len,
                stored,
                raw,
            });
            at += 4 + stored;
        }
    }

    /// The blocks of a frame of independent blocks or a legacy frame:
    /// lengths from their tokens, nothing decoded.
    fn independent_frame(&mut self, info: FrameInfo, header_len: usize) -> io::Result<()> {
        self.input.take(header_len);
        let max = info.max_block_bytes();
        let frame_start = self.out;
        let mut first = true;
        loop {
            let (blocks, next) = self.gather(&info)?;
            let bytes = self.input.available();
            let compressed: Vec<&[u8]> = blocks
                .iter()
                .filter(|b| !b.raw)
                .map(|b| &bytes[b.at..b.at + b.len])
                .collect();
            let mut walked = walk_blocks(&compressed, max)
                .map_err(data_error)?
                .into_iter();
            let mut used = 0;
            for b in &blocks {
                let len = if b.raw {
                    b.len as u64
                } else {
                    walked.next().expect("one walk per compressed block").0 as u64
                };
                if self.point_due(first, self.out) {
                    let kind = PointKind::Block;
                    self.entries.push(IndexEntry::new(kind, b.offset, self.out));
                }
                first = false;
                self.out += len;
                used = b.at + b.stored;
            }
            self.input.take(used);
            match next {
                Next::End => break,
                Next::Need(n) => {
                    if !self.input.fill(n - used)? {
                        return Err(data_error(Error::Truncated));
                    }
                }
            }
        }
        if info.kind == FrameKind::Lz4 {
            self.frame_trailer(&info, self.out - frame_start)?;
        }
        Ok(())
    }

    /// An LZ4 frame's end mark and content checksum; its content size
    /// checked against what its blocks decode to.
    fn frame_trailer(&mut self, info: &FrameInfo, len: u64) -> io::Result<()> {
        let trailer = 4 + if info.content_checksum { 4 } else { 0 };
        if !self.input.fill(trailer)? {
            return Err(data_error(Error::Truncated));
        }
        self.input.take(trailer);
        if info.content_size.is_some_and(|n| n != len) {
            return Err(data_error(Error::ContentSize));
        }
        Ok(())
    }

    /// A linked-block frame, decoded: a checkpoint with the window goes
    /// before each block where a point is due. Blocks before which no point
    /// can come due go to the decoder together, so that it decodes them
    /// after one another in its caller's output (as a plain decode does)
    /// rather than each into its own buffer first.
    fn linked_frame(&mut self, info: FrameInfo, header_len: usize) -> io::Result<()> {
        let mut decoder = Decoder::new();
        let max = info.max_block_bytes();
        let mut scratch = vec![0u8; max.max(LINKED_RUN_OUTPUT)];
        let header = self.input.available()[..header_len].to_vec();
        feed(&mut decoder, &header, &mut scratch)?;
        self.input.take(header_len);
        let mut first = true;
        loop {
            let (blocks, next) = self.gather(&info)?;
            let mut used = 0;
            let mut i = 0;
            while i < blocks.len() {
                if self.point_due(first, self.out) {
                    let window = Checkpoint::Window(decoder.history().to_vec());
                    self.entries.push(IndexEntry::with_checkpoint(
                        blocks[i].offset,
                        self.out,
                        &window,
                    ));
                }
                first = false;
                let n = self
                    .run_without_point(max as u64)
                    .min(blocks.len() - i)
                    .min((scratch.len() / max).max(1));
                let last = &blocks[i + n - 1];
                let bytes = &self.input.available()[blocks[i].at - 4..last.at + last.stored];
                self.out += feed(&mut decoder, bytes, &mut scratch)?;
                used = last.at + last.stored;
                i += n;
            }
            self.input.take(used);
            match next {
                Next::End => break,
                Next::Need(n) => {
                    if !self.input.fill(n - used)? {
                        return Err(data_error(Error::Truncated));
                    }
                }
            }
        }
        let trailer = 4 + if info.content_checksum { 4 } else { 0 };
        if !self.input.fill(trailer)? {
            return Err(data_error(Error::Truncated));
        }
        let end = self.input.available()[..trailer].to_vec();
        feed(&mut decoder, &end, &mut scratch)?;
        self.input.take(trailer);
        if !decoder.at_frame_boundary() {
            return Err(data_error(Error::Internal));
        }
        Ok(())
    }

    /// How many blocks from the current position on (each decoding to at
    /// most `max` bytes) can be decoded before a point could come due at
    /// one of them after the first: at least 1.
    fn run_without_point(&self, max: u64) -> usize {
        let last = self.entries.last().map_or(0, |e| e.decompressed_offset());
        let due_at = last.saturating_add(self.span);
        if due_at <= self.out {
            return 1;
        }
        usize::try_from((due_at - self.out - 1) / max + 1).unwrap_or(usize::MAX)
    }
}

/// Output room for the blocks of a linked frame decoded in one call.
const LINKED_RUN_OUTPUT: usize = 1 << 20;

/// Feeds `bytes` to `decoder`, dropping the output; how much it produced.
fn feed(decoder: &mut Decoder, bytes: &[u8], scratch: &mut [u8]) -> io::Result<u64> {
    let (mut at, mut produced) = (0, 0u64);
    loop {
        let p = decoder
            .decompress(&bytes[at..], scratch, false)
            .map_err(data_error)?;
        at += p.consumed;
        produced += p.produced as u64;
        if at == bytes.len() && p.status != Status::OutputFull {
            return Ok(produced);
        }
    }
}

/// The file, read through one buffer that keeps the bytes not yet used.
struct Input<'r, R> {
    file: &'r mut R,
    size: u64,
    buf: Vec<u8>,
    /// `buf[lo..hi]` are the file's bytes from `offset` on.
    lo: usize,
    hi: usize,
    offset: u64,
}

impl<'r, R: Read + Seek> Input<'r, R> {
    fn new(file: &'r mut R, size: u64) -> Self {
        Input {
            file,
            size,
            buf: Vec::new(),
            lo: 0,
            hi: 0,
            offset: 0,
        }
    }

    fn available(&self) -> &[u8] {
        &self.buf[self.lo..self.hi]
    }

    /// The file offset of the first available byte.
    fn offset(&self) -> u64 {
        self.offset
    }

    /// No byte follows the available ones.
    fn at_end(&self) -> bool {
        self.offset + (self.hi - self.lo) as u64 >= self.size
    }

    /// Makes at least `need` bytes available; `false` when the file ends
    /// first (what it has is then available).
    fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.hi - self.lo >= need {
            return Ok(true);
        }
        self.buf.copy_within(self.lo..self.hi, 0);
        self.hi -= self.lo;
        self.lo = 0;
        let left = self.size - self.offset;
        let room = (need.max(READ_BUFFER) as u64).min(left) as usize;
        if self.buf.len() < room {
            self.buf.resize(room, 0);
        }
        while self.hi < need && self.hi < room {
            let n = match self.file.read(&mut self.buf[self.hi..room]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.hi += n;
        }
        Ok(self.hi >= need)
    }

    /// Uses up `n` available bytes; returns `n`.
    fn take(&mut self, n: usize) -> usize {
        self.lo += n;
        self.offset += n as u64;
        n
    }

    /// Steps over `n` bytes (a skippable frame's payload), seeking past
    /// those not read yet.
    fn skip(&mut self, n: u64) -> io::Result<()> {
        if n > self.size - self.offset {
            return Err(data_error(Error::Truncated));
        }
        let held = (self.hi - self.lo) as u64;
        if n <= held {
            self.take(n as usize);
            return Ok(());
        }
        self.offset += n;
        self.lo = 0;
        self.hi = 0;
        self.file.seek(SeekFrom::Start(self.offset))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockSize, Preferences, compress};
    use std::io::Cursor;

    fn text(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| b"an index for a file without one; "[i % 33] ^ (i / 7777) as u8)
            .collect()
    }

    #[test]
    fn independent_points_match_the_scanner() {
        let data = text(3 << 20);
        let prefs = Preferences {
            block_size: BlockSize::Max64KB,
            block_linked: false,
            ..Preferences::default()
        };
        let file = compress(&data, &prefs).unwrap();
        for span in [0, 100_000, DEFAULT_SPAN] {
            let built = build_index(&mut Cursor::new(&file), span).unwrap();
            let scanned = SeekIndex::from_scan(
                &super::super::scan(&file).unwrap(),
                FileBinding::of_file(&file),
                span,
            )
            .unwrap();
            assert!(built == scanned, "span {span}");
            assert!(span == DEFAULT_SPAN || built.entries().len() > 10);
        }
    }

    #[test]
    fn linked_checkpoints_carry_the_window() {
        let data = text(1 << 20);
        let prefs = Preferences {
            block_size: BlockSize::Max64KB,
            block_linked: true,
            content_checksum: true,
            ..Preferences::default()
        };
        let file = compress(&data, &prefs).unwrap();
        let index = build_index(&mut Cursor::new(&file), 200_000).unwrap();
        let checkpoints: Vec<_> = index
            .entries()
            .iter()
            .filter(|e| e.kind() == PointKind::Checkpoint)
            .collect();
        assert_eq!(checkpoints.len(), 3);
        for e in checkpoints {
            let d = e.decompressed_offset() as usize;
            assert_eq!(
                e.checkpoint().unwrap(),
                Some(Checkpoint::Window(data[d - 65536..d].to_vec()))
            );
        }
        // Damage is found while decoding.
        let mut bad = file.clone();
        let n = bad.len();
        bad[n - 2] ^= 1;
        let e = build_index(&mut Cursor::new(&bad), 200_000).unwrap_err();
        assert_eq!(super::super::error_of(&e), Error::ContentChecksum);
        let e = build_index(&mut Cursor::new(&file[..n - 10]), 0).unwrap_err();
        assert_eq!(super::super::error_of(&e), Error::Truncated);
    }
}
