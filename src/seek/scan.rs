//! Walks frames and blocks without decoding: where each block is, and how
//! long it decodes to, from its sequence tokens alone.
//!
//! An LZ4 block is a run of sequences, each a token, a literal length, the
//! literals, a 2-byte match offset and a match length; the decompressed
//! length is the sum of the literal and match lengths. Adding them up and
//! skipping the literals, instead of copying literals and matches, is what
//! makes the scan several times faster than decoding (and it needs no
//! output buffer). It is not a validator: a block it accepts may still be
//! refused by the decoder (a bad match near the block's end, a checksum);
//! a block whose tokens run past its end, or that would decode to more
//! than the frame's block size, is refused here too.

use crate::error::{Error, Result};
use crate::frame::{
    FrameInfo, FrameKind, LEGACY_BLOCK_SIZE, UNCOMPRESSED_BIT, le32, read_frame_info,
};
use crate::lz4;

/// One block of a scanned frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScannedBlock {
    /// Offset of the block's 4-byte header in the scanned bytes.
    pub offset: u64,
    /// Length of the block's data (its header and checksum excluded).
    pub data_len: u32,
    /// Stored uncompressed.
    pub raw: bool,
    pub decompressed_len: u32,
    /// Offset of the block's first decompressed byte in the whole output.
    pub decompressed_offset: u64,
    /// How far before the block's own first byte its matches reach (0: it
    /// refers to nothing before it).
    pub reaches_back: u32,
    /// No block from this one to the end of its frame refers to output
    /// before this block (or to a dictionary): a decoder can start here
    /// with an empty window, even in a linked-block frame.
    pub independent_from_here: bool,
}

/// One frame of scanned bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScannedFrame {
    /// Offset of the frame's magic number.
    pub offset: u64,
    /// The frame's length, trailer included.
    pub len: u64,
    pub info: FrameInfo,
    /// The frame header's length (a skippable frame's 8 bytes, a legacy
    /// frame's 4-byte magic).
    pub header_len: u32,
    pub blocks: Vec<ScannedBlock>,
    /// Offset of the frame's first decompressed byte in the whole output.
    pub decompressed_offset: u64,
    pub decompressed_len: u64,
}

/// The decompressed length of one compressed LZ4 block (`block`: its data
/// only), and how far before its start its matches reach; at most
/// `max_output` bytes or the block is refused as corrupt.
pub fn block_decompressed_len(block: &[u8], max_output: usize) -> Result<(usize, usize)> {
    let mut w = Walk::default();
    w.finish(block, max_output)?;
    Ok((w.out, w.reach))
}

/// Where the token walk of one block stands.
///
/// Each sequence's position comes from the one before, so one walk is
/// bound by the latency of loading its tokens, not by work (decoding has
/// the same chain, with the copies beside it). [`walk_blocks`] therefore
/// steps several blocks in turn, letting the processor overlap the chains;
/// the common sequence takes [`Walk::fast_step`], without unpredictable
/// branches.
#[derive(Clone, Copy, Default)]
struct Walk {
    i: usize,
    out: usize,
    reach: usize,
}

impl Walk {
    /// One sequence of the common shape: fewer than 15 literals, at most
    /// one match length byte below 255, and at least 20 bytes left (so
    /// every read below is inside the block, and it is not the last
    /// sequence: its literals end before the block does). Returns `false`
    /// and changes nothing for any other sequence.
    #[inline(always)]
    fn fast_step(&mut self, block: &[u8]) -> bool {
        let at = self.i;
        if block.len() - at < 20 {
            return false;
        }
        let token = block[at];
        let literals = usize::from(token >> 4);
        if literals == 15 {
            return false;
        }
        let o = at + 1 + literals;
        let offset = usize::from(u16::from_le_bytes([block[o], block[o + 1]]));
        let short_match = usize::from(token & 15);
        let extension = usize::from(block[o + 2]);
        let extended = short_match == 15;
        if offset == 0 || (extended && extension == 255) {
            return false;
        }
        let extended = usize::from(extended);
        let before_match = self.out + literals;
        self.reach = self.reach.max(offset.saturating_sub(before_match));
        self.out = before_match + short_match + 4 + extension * extended;
        self.i = o + 2 + extended;
        true
    }

    /// Any one sequence, every read checked; `Ok(true)` once the block's
    /// last sequence (its literals end exactly at the block's end) is
    /// walked. Must not be called again after that.
    #[inline(always)]
    fn step(&mut self, block: &[u8], max: usize) -> Result<bool> {
        let end = block.len();
        let mut i = self.i;
        let token = *block.get(i).ok_or(Error::CorruptBlock)?;
        i += 1;
        let mut literals = usize::from(token >> 4);
        if literals == 15 {
            literals += length_extension(block, &mut i)?;
        }
        if literals > end - i {
            return Err(Error::CorruptBlock);
        }
        i += literals;
        self.out += literals;
        if i == end {
            self.i = i;
            return if self.out > max {
                Err(Error::CorruptBlock)
            } else {
                Ok(true)
            };
        }
        let Some(&[lo, hi]) = block.get(i..i + 2) else {
            return Err(Error::CorruptBlock);
        };
        i += 2;
        let offset = usize::from(u16::from_le_bytes([lo, hi]));
        if offset == 0 {
            return Err(Error::CorruptBlock);
        }
        let mut matched = usize::from(token & 15) + 4;
        if matched == 19 {
            matched += length_extension(block, &mut i)?;
        }
        self.reach = self.reach.max(offset.saturating_sub(self.out));
        self.out += matched;
        if self.out > max {
            return Err(Error::CorruptBlock);
        }
        self.i = i;
        Ok(false)
    }

    /// Walks the rest of the block. The fast steps do not check the
    /// output limit (they add at most 34 bytes each); every general step,
    /// the last one included, does.
    fn finish(&mut self, block: &[u8], max: usize) -> Result<()> {
        loop {
            if !self.fast_step(block) && self.step(block, max)? {
                return Ok(());
            }
        }
    }
}

/// The sum of a length's extension bytes (each 255 continues it).
#[inline(always)]
fn length_extension(block: &[u8], i: &mut usize) -> Result<usize> {
    let mut sum = 0;
    loop {
        let b = *block.get(*i).ok_or(Error::CorruptBlock)?;
        *i += 1;
        sum += usize::from(b);
        if b != 255 {
            return Ok(sum);
        }
    }
}

/// (decompressed length, reach) of each compressed block, the same as
/// [`block_decompressed_len`] of each, walking two blocks at a time: their
/// walks are independent chains, which the processor runs side by side
/// (measured: two lanes beat one; four spill registers and do not).
pub(super) fn walk_blocks(blocks: &[&[u8]], max: usize) -> Result<Vec<(usize, usize)>> {
    let mut out = Vec::with_capacity(blocks.len());
    let mut pairs = blocks.chunks_exact(2);
    for pair in &mut pairs {
        let (a, b) = (pair[0], pair[1]);
        // Two separate locals (not an array), so that both stay in registers.
        let mut wa = Walk::default();
        let mut wb = Walk::default();
        loop {
            let fa = wa.fast_step(a);
            let fb = wb.fast_step(b);
            if fa && fb {
                continue;
            }
            if !fa && wa.step(a, max)? {
                wb.finish(b, max)?;
                break;
            }
            if !fb && wb.step(b, max)? {
                wa.finish(a, max)?;
                break;
            }
        }
        out.push((wa.out, wa.reach));
        out.push((wb.out, wb.reach));
    }
    for block in pairs.remainder() {
        out.push(block_decompressed_len(block, max)?);
    }
    Ok(out)
}

/// Scans every frame of `data` (a whole `.lz4` file: frames, skippable
/// frames and legacy frames, concatenated). Errors are the decoder's:
/// [`Error::Truncated`] for input that ends inside a frame,
/// [`Error::BlockTooLarge`], [`Error::CorruptBlock`],
/// [`Error::ContentSize`], and the header errors of [`read_frame_info`].
/// Checksums are not verified (that needs the decompressed bytes).
pub fn scan(data: &[u8]) -> Result<Vec<ScannedFrame>> {
    let mut frames = Vec::new();
    let mut at = 0usize;
    let mut out = 0u64;
    while at < data.len() {
        let (info, header_len) = read_frame_info(&data[at..])?.ok_or(Error::Truncated)?;
        let mut frame = ScannedFrame {
            offset: at as u64,
            len: 0,
            info,
            header_len: header_len as u32,
            blocks: Vec::new(),
            decompressed_offset: out,
            decompressed_len: 0,
        };
        let end = match info.kind {
            FrameKind::Skippable => {
                let size = info.content_size.unwrap_or(0) as usize;
                if size > data.len() - at - header_len {
                    return Err(Error::Truncated);
                }
                at + header_len + size
            }
            FrameKind::Legacy => scan_legacy(data, at + header_len, &mut frame)?,
            _ => scan_lz4(data, at + header_len, &mut frame)?,
        };
        mark_independent_stretches(&mut frame);
        frame.len = (end - at) as u64;
        out += frame.decompressed_len;
        at = end;
        frames.push(frame);
    }
    Ok(frames)
}

fn scan_lz4(data: &[u8], mut at: usize, frame: &mut ScannedFrame) -> Result<usize> {
    let info = frame.info;
    let max = info.block_size.bytes();
    let checksum_len = if info.block_checksum { 4 } else { 0 };
    // Block headers first (cheap jumps), the token walks after; a fault in
    // the headers is reported after any corrupt block before it.
    let mut blocks = Vec::new();
    let headers = loop {
        let Some(header) = data.get(at..at + 4) else {
            break Err(Error::Truncated);
        };
        let value = le32(header);
        if value == 0 {
            at += 4;
            break Ok(());
        }
        let raw = value & UNCOMPRESSED_BIT != 0;
        let len = (value & !UNCOMPRESSED_BIT) as usize;
        if len > max {
            break Err(Error::BlockTooLarge);
        }
        if data.len() - (at + 4) < len + checksum_len {
            break Err(Error::Truncated);
        }
        blocks.push((at, &data[at + 4..at + 4 + len], raw));
        at += 4 + len + checksum_len;
    };
    push_blocks(frame, &blocks, max)?;
    headers?;
    if info.content_checksum {
        if data.len() - at < 4 {
            return Err(Error::Truncated);
        }
        at += 4;
    }
    if info
        .content_size
        .is_some_and(|n| n != frame.decompressed_len)
    {
        return Err(Error::ContentSize);
    }
    Ok(at)
}

/// A legacy frame ends at the end of the input, or where a block size too
/// large for any legacy block stands: the next frame's magic number.
fn scan_legacy(data: &[u8], mut at: usize, frame: &mut ScannedFrame) -> Result<usize> {
    let largest = lz4::block_bound(LEGACY_BLOCK_SIZE);
    let mut blocks = Vec::new();
    let headers = loop {
        if at == data.len() {
            break Ok(());
        }
        let Some(header) = data.get(at..at + 4) else {
            break Err(Error::Truncated);
        };
        let len = le32(header) as usize;
        if len > largest {
            break Ok(());
        }
        if data.len() - (at + 4) < len {
            break Err(Error::Truncated);
        }
        blocks.push((at, &data[at + 4..at + 4 + len], false));
        at += 4 + len;
    };
    push_blocks(frame, &blocks, LEGACY_BLOCK_SIZE)?;
    headers?;
    Ok(at)
}

/// Walks the compressed blocks among `blocks` (header offset, data, raw)
/// and records them all in `frame`.
fn push_blocks(
    frame: &mut ScannedFrame,
    blocks: &[(usize, &[u8], bool)],
    max: usize,
) -> Result<()> {
    let compressed: Vec<&[u8]> = blocks.iter().filter(|b| !b.2).map(|b| b.1).collect();
    let mut walked = walk_blocks(&compressed, max)?.into_iter();
    for &(at, block, raw) in blocks {
        let (decompressed, reach) = if raw {
            (block.len(), 0)
        } else {
            walked.next().expect("one walk per compressed block")
        };
        frame.blocks.push(ScannedBlock {
            offset: at as u64,
            data_len: block.len() as u32,
            raw,
            decompressed_len: decompressed as u32,
            decompressed_offset: frame.decompressed_offset + frame.decompressed_len,
            reaches_back: reach as u32,
            independent_from_here: false,
        });
        frame.decompressed_len += decompressed as u64;
    }
    Ok(())
}

/// Sets `independent_from_here`, walking back from the frame's last
/// block with the earliest output any block from there on refers to. In
/// an independent-block frame a block can only refer to itself or to a
/// dictionary, so each block counts by itself.
fn mark_independent_stretches(frame: &mut ScannedFrame) {
    let linked = frame.info.kind == FrameKind::Lz4 && frame.info.block_linked;
    let mut earliest = i128::MAX;
    for b in frame.blocks.iter_mut().rev() {
        // Frame-relative; negative: before the frame, into a dictionary.
        let start = i128::from(b.decompressed_offset - frame.decompressed_offset);
        let refers_to = start - i128::from(b.reaches_back);
        earliest = if linked {
            earliest.min(refers_to)
        } else {
            refers_to
        };
        b.independent_from_here = earliest >= start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_walk_adds_literals_and_matches() {
        // 3 literals "abc", match offset 3 length 4+2, then 1 literal.
        let block = [0x32, b'a', b'b', b'c', 3, 0, 0x10, b'z'];
        assert_eq!(block_decompressed_len(&block, 100), Ok((3 + 6 + 1, 0)));
        // Literal length 15 + 255 + 1 = 271.
        let mut long = vec![0xF0, 255, 1];
        long.extend(std::iter::repeat_n(b'x', 271));
        assert_eq!(block_decompressed_len(&long, 1000), Ok((271, 0)));
        // A match reaching 5 bytes before the block.
        let reach = [0x10, b'a', 6, 0, 0x10, b'b'];
        assert_eq!(block_decompressed_len(&reach, 100), Ok((1 + 4 + 1, 5)));
    }

    /// Blocks of `data` compressed by LZ4, one per `size` bytes.
    fn blocks(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut c = lz4::BlockCompressor::new(1, false, &[], false).unwrap();
        let mut dst = vec![0u8; lz4::block_bound(data.len()) + 4 * data.len() / size + 64];
        let mut v = Vec::new();
        c.compress_run(data, size, &mut dst, |out, piece, n| {
            let n = if n == 0 { piece.len() } else { n };
            v.push(if n == piece.len() {
                Vec::new()
            } else {
                out[4..4 + n].to_vec()
            });
            4 + n
        });
        v.retain(|b| !b.is_empty());
        v
    }

    #[test]
    fn side_by_side_walks_equal_single_walks_even_on_damaged_blocks() {
        let mut data = Vec::new();
        let mut x = 1u32;
        while data.len() < 600_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            match x >> 29 {
                0 => data.extend(std::iter::repeat_n(b'a', (x >> 8) as usize % 600)),
                1 => data.push((x >> 16) as u8),
                _ => data
                    .extend_from_slice(&b"walk the tokens of a block "[..(x >> 20) as usize % 27]),
            }
        }
        let good = blocks(&data, 65536);
        assert!(good.len() >= 5);
        let single = |bs: &[&[u8]]| -> Result<Vec<(usize, usize)>> {
            bs.iter()
                .map(|b| block_decompressed_len(b, 65536))
                .collect()
        };
        let refs: Vec<&[u8]> = good.iter().map(|b| &b[..]).collect();
        assert_eq!(walk_blocks(&refs, 65536), single(&refs));
        assert_eq!(
            single(&refs).unwrap().iter().map(|r| r.0).sum::<usize>(),
            data.len()
        );
        for round in 0..300u32 {
            let mut damaged = good.clone();
            let k = round as usize % damaged.len();
            let at = (round as usize * 7919) % damaged[k].len();
            damaged[k][at] ^= 1 << (round % 8);
            if round % 5 == 0 {
                let len = damaged[k].len();
                damaged[k].truncate(len - 1 - at % len.min(40));
            }
            let refs: Vec<&[u8]> = damaged.iter().map(|b| &b[..]).collect();
            assert_eq!(walk_blocks(&refs, 65536), single(&refs), "round {round}");
        }
    }

    #[test]
    fn tokens_running_past_the_end_are_refused() {
        let bad: [&[u8]; 7] = [
            &[],                       // no token
            &[0x30, b'a', b'b'],       // 3 literals, 2 present
            &[0xF0, 255],              // length extension cut
            &[0x10, b'a', 1],          // offset cut
            &[0x10, b'a', 0, 0, 0x00], // offset 0
            &[0x1F, b'a', 1, 0, 255],  // match extension cut
            &[0x10, b'a', 1, 0],       // ends after a match
        ];
        for b in bad {
            assert_eq!(
                block_decompressed_len(b, 1 << 20),
                Err(Error::CorruptBlock),
                "{b:?}"
            );
        }
        // Longer than the frame allows.
        let block = [0x0F, 1, 0, 255, 255, 10, 0x00];
        assert_eq!(
            block_decompressed_len(&block, 100),
            Err(Error::CorruptBlock)
        );
        assert_eq!(
            block_decompressed_len(&block, 1000).unwrap().0,
            4 + 15 + 510 + 10
        );
    }
}
