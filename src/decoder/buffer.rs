//! The decoder's one buffer: the 64 KiB window of linked frames, a block
//! staged while its bytes arrive, and a decoded block waiting for room in
//! the caller's output.
//!
//! Layout of `mem` (linked frames; independent ones have no window, `base` = 0):
//!
//! ```text
//! 0        base-win   base                        tail_end     +4
//! |  ....  | window   | decoded block ...  margin | staged data | checksum |
//! ```
//!
//! A staged block is placed so that it ends `max_block + margin` after
//! `base`: LZ4 can then decode it in place, writing from `base` while still
//! reading ahead. Decoded and compressed bytes share one region, so the
//! whole decoder never holds more than
//! `64 KiB + max block + max block / 256 + 36` bytes. The buffer grows only when a block needs it: a clone or a
//! restored state holds just the window and the bytes in flight.

use crate::error::{Error, Result};
use crate::lz4::{self, WINDOW_SIZE, in_place_margin};
use std::fmt;
use std::ops::Range;

/// What the buffer needs to know about the current frame and block.
pub(super) struct Geometry {
    pub linked: bool,
    pub max_block: usize,
    pub block_len: usize,
}

#[derive(Default)]
pub(super) struct BlockBuffer {
    mem: Vec<u8>,
    base: usize,
    win_len: usize,
    /// The decoded block: `out.start..delivered` went to the caller,
    /// `delivered..out.end` is pending.
    out: Range<usize>,
    delivered: usize,
    staged_at: usize,
    staged_len: usize,
}

/// The state of a buffer as plain parts: what clone and marshal carry.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct BufferParts {
    pub linked: bool,
    /// The history, already including the delivered part of a block.
    pub window: Vec<u8>,
    pub pending: Vec<u8>,
    pub staged: Vec<u8>,
}

/// Lengths only: the buffer may hold megabytes.
impl fmt::Debug for BlockBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockBuffer")
            .field("linked", &(self.base != 0))
            .field("window", &self.win_len)
            .field("pending", &self.pending_len())
            .field("staged", &self.staged_len)
            .field("allocated", &self.allocated())
            .finish()
    }
}

impl Clone for BlockBuffer {
    fn clone(&self) -> Self {
        BlockBuffer::from_parts(&self.to_parts())
            .expect("a clone never needs more memory than its source")
    }
}

impl BlockBuffer {
    fn ensure_len(&mut self, len: usize) -> Result<()> {
        if self.mem.len() < len {
            self.mem
                .try_reserve_exact(len - self.mem.len())
                .map_err(|_| Error::OutOfMemory)?;
            self.mem.resize(len, 0);
        }
        Ok(())
    }

    /// Prepares for a new frame; a linked frame with a dictionary starts
    /// with the dictionary as its window.
    pub fn start_frame(&mut self, dict: Option<&[u8]>, linked: bool) {
        self.clear();
        self.base = if linked { WINDOW_SIZE } else { 0 };
        if let (true, Some(d)) = (linked, dict) {
            self.push_window(d);
        }
    }

    /// Drops everything held (keeping the allocation for the next frame).
    pub fn clear(&mut self) {
        self.win_len = 0;
        self.out = 0..0;
        self.delivered = 0;
        self.staged_len = 0;
    }

    pub fn window(&self) -> &[u8] {
        if self.win_len == 0 {
            return &[];
        }
        &self.mem[self.base - self.win_len..self.base]
    }

    /// Appends output to the window, keeping its last 64 KiB.
    pub fn push_window(&mut self, bytes: &[u8]) {
        if self.base == 0 || bytes.is_empty() {
            return;
        }
        // The window region below `base` is at most 64 KiB: it always fits.
        if self.mem.len() < self.base {
            self.mem.resize(self.base, 0);
        }
        let n = bytes.len();
        if n >= WINDOW_SIZE {
            self.mem[..WINDOW_SIZE].copy_from_slice(&bytes[n - WINDOW_SIZE..]);
            self.win_len = WINDOW_SIZE;
        } else {
            let keep = self.win_len.min(WINDOW_SIZE - n);
            self.mem
                .copy_within(self.base - keep..self.base, self.base - keep - n);
            self.mem[self.base - n..self.base].copy_from_slice(bytes);
            self.win_len = keep + n;
        }
    }

    /// Appends `mem[range]` (which lies above `base`) to the window.
    fn push_window_from_mem(&mut self, range: Range<usize>) {
        if self.base == 0 || range.is_empty() {
            return;
        }
        let n = range.len();
        if n >= WINDOW_SIZE {
            self.mem.copy_within(range.end - WINDOW_SIZE..range.end, 0);
            self.win_len = WINDOW_SIZE;
        } else {
            let keep = self.win_len.min(WINDOW_SIZE - n);
            self.mem
                .copy_within(self.base - keep..self.base, self.base - keep - n);
            self.mem.copy_within(range, self.base - n);
            self.win_len = keep + n;
        }
    }

    pub fn staged_len(&self) -> usize {
        self.staged_len
    }

    pub fn staged(&self) -> &[u8] {
        &self.mem[self.staged_at..self.staged_at + self.staged_len]
    }

    pub fn clear_staged(&mut self) {
        self.staged_len = 0;
    }

    /// Where a staged block starts so that it ends far enough after `base`
    /// for in-place decoding (a legacy block may be larger than its output).
    fn tail_at(&self, g: &Geometry) -> usize {
        self.base + (g.max_block + in_place_margin(g.block_len)).max(g.block_len) - g.block_len
    }

    /// Stores more bytes of a block (data then checksum, `need` in all).
    pub fn stage(&mut self, bytes: &[u8], need: usize, g: &Geometry) -> Result<()> {
        if self.staged_len == 0 {
            let tail = self.tail_at(g);
            // Stage where in-place decoding wants the block if the memory is
            // already there; otherwise compactly, moving it only if needed.
            self.staged_at = if self.mem.len() >= tail + need {
                tail
            } else {
                self.base
            };
        }
        // A restored buffer holds only the bytes staged so far: grow it.
        self.ensure_len(self.staged_at + need)?;
        let at = self.staged_at + self.staged_len;
        self.mem[at..at + bytes.len()].copy_from_slice(bytes);
        self.staged_len += bytes.len();
        Ok(())
    }

    fn set_pending(&mut self, range: Range<usize>) {
        self.delivered = range.start;
        self.out = range;
    }

    /// Keeps a raw block from the caller's input for delivery.
    pub fn put_raw(&mut self, data: &[u8]) -> Result<()> {
        self.ensure_len(self.base + data.len())?;
        self.mem[self.base..self.base + data.len()].copy_from_slice(data);
        self.set_pending(self.base..self.base + data.len());
        Ok(())
    }

    /// Makes the staged raw block itself the pending output: no copy.
    pub fn staged_raw_to_pending(&mut self, len: usize) {
        self.set_pending(self.staged_at..self.staged_at + len);
        self.staged_len = 0;
    }

    /// Decodes a block from the caller's input into the buffer.
    pub fn decode_from(
        &mut self,
        data: &[u8],
        linked: bool,
        dict: Option<&[u8]>,
        max: usize,
    ) -> Result<()> {
        self.ensure_len(self.base + max)?;
        let n = if linked {
            lz4::decompress_after_prefix(data, &mut self.mem, self.base, self.win_len, max)
        } else {
            lz4::decompress(
                data,
                &mut self.mem[self.base..self.base + max],
                dict.unwrap_or(&[]),
            )
        }
        .ok_or(Error::CorruptBlock)?;
        self.set_pending(self.base..self.base + n);
        Ok(())
    }

    /// Decodes the staged block in place.
    pub fn decode_in_place(&mut self, g: &Geometry, dict: Option<&[u8]>) -> Result<()> {
        let want = self.tail_at(g);
        if self.staged_at != want {
            self.ensure_len(want + self.staged_len)?;
            self.mem
                .copy_within(self.staged_at..self.staged_at + self.staged_len, want);
            self.staged_at = want;
        }
        let prefix = if g.linked { self.win_len } else { 0 };
        let n = lz4::decompress_in_place(
            &mut self.mem,
            self.base,
            prefix,
            dict.unwrap_or(&[]),
            g.max_block,
            want,
            g.block_len,
        )
        .ok_or(Error::CorruptBlock)?;
        self.staged_len = 0;
        self.set_pending(self.base..self.base + n);
        Ok(())
    }

    /// The whole decoded block (for hashing right after decoding).
    pub fn pending(&self) -> &[u8] {
        &self.mem[self.delivered..self.out.end]
    }

    pub fn pending_len(&self) -> usize {
        self.out.end - self.delivered
    }

    /// Copies pending output into `dst`; returns how much.
    pub fn deliver(&mut self, dst: &mut [u8]) -> usize {
        let n = self.pending_len().min(dst.len());
        dst[..n].copy_from_slice(&self.mem[self.delivered..self.delivered + n]);
        self.delivered += n;
        n
    }

    /// After a buffered block is fully delivered: it becomes history.
    pub fn delivered_to_window(&mut self) {
        let block = self.out.clone();
        self.push_window_from_mem(block);
        self.out = 0..0;
        self.delivered = 0;
    }

    pub fn to_parts(&self) -> BufferParts {
        let mut window = self.window().to_vec();
        if self.base != 0 {
            let done = &self.mem[self.out.start..self.delivered];
            window.extend_from_slice(done);
            window.drain(..window.len().saturating_sub(WINDOW_SIZE));
        }
        BufferParts {
            linked: self.base != 0,
            window,
            pending: self.pending().to_vec(),
            staged: self.staged().to_vec(),
        }
    }

    /// Lengths of the window and held bytes [`BlockBuffer::to_parts`] gives.
    pub fn parts_lens(&self) -> (usize, usize) {
        let window = if self.base == 0 {
            0
        } else {
            (self.win_len + self.delivered - self.out.start).min(WINDOW_SIZE)
        };
        (window, self.pending_len() + self.staged_len)
    }

    /// Rebuilds a buffer holding exactly the given parts and nothing more.
    pub fn from_parts(p: &BufferParts) -> Result<BlockBuffer> {
        if p.window.len() > WINDOW_SIZE || (!p.linked && !p.window.is_empty()) {
            return Err(Error::StateCorrupt);
        }
        if !p.pending.is_empty() && !p.staged.is_empty() {
            return Err(Error::StateCorrupt);
        }
        let mut b = BlockBuffer {
            base: if p.linked { WINDOW_SIZE } else { 0 },
            ..BlockBuffer::default()
        };
        let extra = p.pending.len() + p.staged.len();
        if b.base + extra > 0 {
            b.mem
                .try_reserve_exact(b.base + extra)
                .map_err(|_| Error::OutOfMemory)?;
            b.mem.resize(b.base, 0);
        }
        b.push_window(&p.window);
        b.mem.extend_from_slice(&p.pending);
        b.mem.extend_from_slice(&p.staged);
        b.set_pending(b.base..b.base + p.pending.len());
        b.staged_at = b.base;
        b.staged_len = p.staged.len();
        Ok(b)
    }

    /// Bytes of memory this buffer holds (for tests of the memory bound).
    pub fn allocated(&self) -> usize {
        self.mem.capacity()
    }
}
