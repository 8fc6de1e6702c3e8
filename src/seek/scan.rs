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
    let end = block.len();
    let mut i = 0;
    let mut out = 0usize;
    let mut reach = 0usize;
    loop {
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
        out += literals;
        if i == end {
            break;
        }
        if end - i < 2 {
            return Err(Error::CorruptBlock);
        }
        let offset = usize::from(u16::from_le_bytes([block[i], block[i + 1]]));
        i += 2;
        if offset == 0 {
            return Err(Error::CorruptBlock);
        }
        let mut matched = usize::from(token & 15) + 4;
        if matched == 19 {
            matched += length_extension(block, &mut i)?;
        }
        reach = reach.max(offset.saturating_sub(out));
        out += matched;
        if out > max_output {
            return Err(Error::CorruptBlock);
        }
    }
    if out > max_output {
        return Err(Error::CorruptBlock);
    }
    Ok((out, reach))
}

/// The sum of a length's extension bytes (each 255 continues it).
#[inline]
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
    loop {
        let header = data.get(at..at + 4).ok_or(Error::Truncated)?;
        let value = le32(header);
        if value == 0 {
            at += 4;
            break;
        }
        let raw = value & UNCOMPRESSED_BIT != 0;
        let len = (value & !UNCOMPRESSED_BIT) as usize;
        if len > max {
            return Err(Error::BlockTooLarge);
        }
        let block = data
            .get(at + 4..at + 4 + len)
            .ok_or(Error::Truncated)?;
        if data.len() - (at + 4 + len) < checksum_len {
            return Err(Error::Truncated);
        }
        push_block(frame, at, block, raw, max)?;
        at += 4 + len + checksum_len;
    }
    if info.content_checksum {
        if data.len() - at < 4 {
            return Err(Error::Truncated);
        }
        at += 4;
    }
    if info.content_size.is_some_and(|n| n != frame.decompressed_len) {
        return Err(Error::ContentSize);
    }
    Ok(at)
}

/// A legacy frame ends at the end of the input, or where a block size too
/// large for any legacy block stands: the next frame's magic number.
fn scan_legacy(data: &[u8], mut at: usize, frame: &mut ScannedFrame) -> Result<usize> {
    let largest = lz4::block_bound(LEGACY_BLOCK_SIZE);
    while at < data.len() {
        let header = data.get(at..at + 4).ok_or(Error::Truncated)?;
        let len = le32(header) as usize;
        if len > largest {
            break;
        }
        let block = data
            .get(at + 4..at + 4 + len)
            .ok_or(Error::Truncated)?;
        push_block(frame, at, block, false, LEGACY_BLOCK_SIZE)?;
        at += 4 + len;
    }
    Ok(at)
}

fn push_block(
    frame: &mut ScannedFrame,
    at: usize,
    block: &[u8],
    raw: bool,
    max: usize,
) -> Result<()> {
    let (decompressed, reach) = if raw {
        (block.len(), 0)
    } else {
        block_decompressed_len(block, max)?
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

    #[test]
    fn tokens_running_past_the_end_are_refused() {
        let bad: [&[u8]; 7] = [
            &[],                        // no token
            &[0x30, b'a', b'b'],        // 3 literals, 2 present
            &[0xF0, 255],               // length extension cut
            &[0x10, b'a', 1],           // offset cut
            &[0x10, b'a', 0, 0, 0x00],  // offset 0
            &[0x1F, b'a', 1, 0, 255],   // match extension cut
            &[0x10, b'a', 1, 0],        // ends after a match
        ];
        for b in bad {
            assert_eq!(block_decompressed_len(b, 1 << 20), Err(Error::CorruptBlock), "{b:?}");
        }
        // Longer than the frame allows.
        let block = [0x0F, 1, 0, 255, 255, 10, 0x00];
        assert_eq!(block_decompressed_len(&block, 100), Err(Error::CorruptBlock));
        assert_eq!(block_decompressed_len(&block, 1000).unwrap().0, 4 + 15 + 510 + 10);
    }
}
