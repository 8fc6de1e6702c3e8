//! The block sink: takes each whole block the frame layer gathered and
//! alone decides where it is decoded. Straight into the caller's output
//! when it has room for the whole block (linked blocks included: the
//! 64 KiB window kept between calls and the output written during the call
//! form the history without copying); otherwise into the decoder's own
//! buffer ([`super::buffer`]), from which [`Decoder::deliver`] hands it out
//! as room appears. Whichever way, a block gets the same verdict.

use super::buffer::Geometry;
use super::{Decoder, Position, Stage, Status};
use crate::error::{Error, Result};
use crate::frame::{self, FrameKind, le32};
use crate::lz4;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::Arc;

/// Where the bytes of a whole block (data and checksum) are.
pub(super) enum BlockBytes<'a> {
    /// In the caller's input, all of them.
    Input(&'a [u8]),
    /// Staged in the decoder's buffer while they arrived.
    Staged,
}

impl Decoder {
    /// The block path's one entry: a whole block has arrived.
    pub(super) fn sink_block(
        &mut self,
        bytes: BlockBytes<'_>,
        output: &mut [u8],
        pos: &mut Position,
    ) -> Result<()> {
        self.check_block_checksum(self.stored(&bytes))?;
        let cap = self.block_cap();
        if output.len() - pos.output < cap || self.history_apart(pos) {
            self.catch_up_window(output, pos);
            self.decode_to_buffer(bytes)?;
            return self.count_buffered();
        }
        if let Some(n) = self.decode_direct(&bytes, output, pos, cap) {
            return self.count_direct(output, pos, n);
        }
        // The block did not fit `cap` (the content size left): corrupt,
        // larger than the content size allows, or merely short of room, as
        // LZ4 checks a block's end conditions against the room it is given
        // (a match ending near the end fails in exact room). Decoding it
        // into the decoder's own buffer, as a smaller output buffer would
        // have, gives the same verdict whatever the caller's buffer size;
        // when that succeeds the block waits there for delivery.
        if cap < self.info().max_block_bytes() {
            self.catch_up_window(output, pos);
            if self.decode_to_buffer(bytes).is_ok() {
                return self.count_buffered();
            }
        }
        Err(Error::CorruptBlock)
    }

    /// The stored bytes of the block.
    fn stored<'s>(&'s self, bytes: &BlockBytes<'s>) -> &'s [u8] {
        match *bytes {
            BlockBytes::Input(stored) => stored,
            BlockBytes::Staged => self.buf.staged(),
        }
    }

    fn check_block_checksum(&self, stored: &[u8]) -> Result<()> {
        if self.info().block_checksum && self.options.verify_checksums {
            let (data, sum) = stored.split_at(self.block.len);
            if frame::xxh32(data) != le32(sum) {
                return Err(Error::BlockChecksum);
            }
        }
        Ok(())
    }

    /// The most bytes the current block may decode to.
    fn block_cap(&self) -> usize {
        let info = self.info();
        if self.block.raw {
            // Stored bytes are copied whole; a size beyond the declared
            // content size is caught when they are counted.
            return self.block.len;
        }
        let max = info.max_block_bytes();
        match info.content_size {
            Some(size) => max.min(
                usize::try_from(size.saturating_sub(self.frame_output.len)).unwrap_or(usize::MAX),
            ),
            None => max,
        }
    }

    /// A compressed linked block whose 64 KiB of history is not all in
    /// the caller's output (only the decoder's window holds part of it):
    /// decoding it there would use LZ4's external-dictionary mode, which
    /// checks every match against two regions and is measurably slower
    /// than decoding it after the window in the decoder's buffer (prefix
    /// mode) and copying it out. That happens at the start of every call,
    /// so callers that drain the output in small pieces take the buffer.
    /// Small blocks do not: the difference is too small to be worth
    /// growing the buffer to a whole block of room.
    fn history_apart(&self, pos: &Position) -> bool {
        self.linked()
            && !self.block.raw
            && self.block.len >= 4096
            && !self.buf.window().is_empty()
            && pos.output - pos.outside_window_from < lz4::WINDOW_SIZE - 1
    }

    /// The dictionary independent blocks are decoded against (linked
    /// frames carry it in the window instead).
    fn independent_dict(&self) -> Option<&Arc<[u8]>> {
        if self.linked() || self.info().kind != FrameKind::Lz4 {
            return None;
        }
        self.dictionary.as_ref().map(|d| &d.bytes)
    }

    pub(super) fn geometry(&self) -> Geometry {
        Geometry {
            linked: self.linked(),
            max_block: self.info().max_block_bytes(),
            block_len: self.block.len,
        }
    }

    /// Decodes (or copies, if raw) the block straight into the caller's
    /// output, given `cap` bytes of room; its length, or `None` when it did
    /// not fit.
    fn decode_direct(
        &self,
        bytes: &BlockBytes<'_>,
        output: &mut [u8],
        pos: &Position,
        cap: usize,
    ) -> Option<usize> {
        let data = &self.stored(bytes)[..self.block.len];
        let at = pos.output;
        if self.block.raw {
            output[at..at + data.len()].copy_from_slice(data);
            Some(data.len())
        } else if self.linked() {
            let history = at - pos.outside_window_from;
            lz4::decompress_linked(data, output, at, history, self.buf.window(), cap)
        } else {
            let dict = self.independent_dict().map_or(&[][..], |d| &d[..]);
            lz4::decompress(data, &mut output[at..at + cap], dict)
        }
    }

    /// Decodes (or keeps, if raw) the block into the decoder's buffer, as
    /// its pending output.
    fn decode_to_buffer(&mut self, bytes: BlockBytes<'_>) -> Result<()> {
        let dict = self.independent_dict().cloned();
        let (len, raw) = (self.block.len, self.block.raw);
        match bytes {
            BlockBytes::Input(stored) if raw => self.buf.put_raw(&stored[..len]),
            BlockBytes::Input(stored) => {
                let max = self.info().max_block_bytes();
                self.buf
                    .decode_from(&stored[..len], self.linked(), dict.as_deref(), max)
            }
            BlockBytes::Staged if raw => {
                self.buf.staged_raw_to_pending(len);
                Ok(())
            }
            BlockBytes::Staged => {
                let geometry = self.geometry();
                self.buf.decode_in_place(&geometry, dict.as_deref())
            }
        }
    }

    /// Counts a block decoded straight into the caller's output.
    fn count_direct(&mut self, output: &[u8], pos: &mut Position, n: usize) -> Result<()> {
        let (size, hash) = (self.info().content_size, self.hashes_content());
        self.frame_output
            .count(&output[pos.output..pos.output + n], size, hash)?;
        pos.output += n;
        if !self.linked() {
            pos.outside_window_from = pos.output;
        }
        self.buf.clear_staged();
        self.stage = Stage::BlockHeader;
        Ok(())
    }

    /// Counts a block decoded into the decoder's buffer, which now waits
    /// for delivery.
    fn count_buffered(&mut self) -> Result<()> {
        let (size, hash) = (self.info().content_size, self.hashes_content());
        self.frame_output.count(self.buf.pending(), size, hash)?;
        self.stage = Stage::Deliver;
        Ok(())
    }

    /// Hands pending output to the caller; once all of it went, the block
    /// becomes history and the next block header is due.
    pub(super) fn deliver(&mut self, output: &mut [u8], pos: &mut Position) -> ControlFlow<Status> {
        let n = self.buf.deliver(&mut output[pos.output..]);
        pos.output += n;
        pos.outside_window_from = pos.output;
        if self.buf.pending_len() > 0 {
            return Break(Status::OutputFull);
        }
        self.buf.delivered_to_window();
        self.stage = Stage::BlockHeader;
        Continue(())
    }

    /// At the start of a block's data with nothing of it staged: the next
    /// input would produce output, so a call without output room stops here.
    pub(super) fn waits_for_room(&self) -> bool {
        self.stage == Stage::BlockData && self.buf.staged_len() == 0 && self.block.len > 0
    }

    /// No room at all: leave the block in the caller's input rather than
    /// decode it into our buffer, only to copy it out again next call. With
    /// output buffers of one block size (the common streaming loop) every
    /// block then decodes straight into the caller's buffer.
    pub(super) fn leaves_block_in_input(
        &self,
        input: &[u8],
        output: &[u8],
        pos: &Position,
    ) -> bool {
        self.waits_for_room() && pos.output == output.len() && pos.input < input.len()
    }

    /// Moves the output written straight into the caller's buffer since the
    /// window last caught up into the window, so the next linked block
    /// sees it.
    pub(super) fn catch_up_window(&mut self, output: &[u8], pos: &mut Position) {
        if pos.output > pos.outside_window_from && self.linked() {
            self.buf
                .push_window(&output[pos.outside_window_from..pos.output]);
        }
        pos.outside_window_from = pos.output;
    }
}
