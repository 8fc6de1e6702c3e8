//! The frame layer: one stage per thing read from the input, each parsed
//! by its own method, reached in one hop from [`Decoder::run`]. The block
//! data it gathers goes to the block sink ([`super::sink`]), the one place
//! that decides where a block is decoded.

use super::sink::BlockBytes;
use super::{BlockHeader, Decoder, Position, Stage, Status};
use crate::error::{Error, Result};
use crate::frame::{
    FrameInfo, FrameKind, LEGACY_BLOCK_SIZE, Magic, UNCOMPRESSED_BIT, check_descriptor_start,
    descriptor_len, le32, parse_descriptor,
};
use crate::lz4;
use std::ops::ControlFlow::{self, Break, Continue};

/// What a stage tells the loop: go on with the next stage, or stop the
/// call with a status.
type Step = Result<ControlFlow<Status>>;

/// The bytes of a fixed-size field (magic, descriptor, block header,
/// checksum) collected so far: such a field may arrive split across calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct FieldBytes {
    bytes: [u8; FieldBytes::CAPACITY],
    len: usize,
}

impl FieldBytes {
    /// The longest field: a frame descriptor (FLG .. header checksum) is 15
    /// bytes at most.
    pub(super) const CAPACITY: usize = 16;

    /// A field holding `bytes` (from a state blob); `None` when too long.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<FieldBytes> {
        let mut field = FieldBytes::default();
        field.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        field.len = bytes.len();
        Some(field)
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends input until the field holds `need` bytes; true when it does.
    fn collect(&mut self, input: &[u8], pos: &mut Position, need: usize) -> bool {
        let take = need.saturating_sub(self.len).min(input.len() - pos.input);
        self.bytes[self.len..self.len + take].copy_from_slice(&input[pos.input..pos.input + take]);
        self.len += take;
        pos.input += take;
        self.len >= need
    }

    /// Collects a 4-byte field; its value once complete (the field is then
    /// emptied for the next one).
    fn collect_le32(&mut self, input: &[u8], pos: &mut Position) -> Option<u32> {
        if !self.collect(input, pos, 4) {
            return None;
        }
        let value = le32(&self.bytes);
        self.clear();
        Some(value)
    }
}

impl Decoder {
    /// Runs the stages until one stops the call.
    pub(super) fn run(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        pos: &mut Position,
    ) -> Result<Status> {
        Ok(self
            .run_until(input, output, pos, false)?
            .expect("runs without yielding"))
    }

    /// Runs the stages until one stops the call, or, with
    /// `yield_to_scout`, until the workers' scout can take over the rest of
    /// the input (`None`): before a block header of a frame of independent
    /// blocks.
    pub(super) fn run_until(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        pos: &mut Position,
        yield_to_scout: bool,
    ) -> Result<Option<Status>> {
        loop {
            if yield_to_scout && self.scout_can_start(input, pos.input) {
                return Ok(None);
            }
            let step = match self.stage {
                Stage::Magic => self.read_magic(input, pos),
                Stage::Descriptor => self.read_descriptor(input, pos),
                Stage::SkipSize => self.read_skip_size(input, pos),
                Stage::Skipping => self.skip_payload(input, pos),
                Stage::BlockHeader if self.in_legacy_frame() => {
                    self.read_legacy_block_size(input, pos)
                }
                Stage::BlockHeader => self.read_block_header(input, pos),
                Stage::BlockData => self.read_block_data(input, output, pos),
                Stage::Deliver => Ok(self.deliver(output, pos)),
                Stage::ContentChecksum => self.read_content_checksum(input, pos),
            };
            if let Break(status) = step? {
                return Ok(Some(status));
            }
        }
    }

    fn read_magic(&mut self, input: &[u8], pos: &mut Position) -> Step {
        if pos.input == input.len() && self.field.is_empty() {
            return Ok(Break(Status::FrameBoundary));
        }
        // A legacy frame that ended on it may have left the magic here.
        let Some(magic) = self.field.collect_le32(input, pos) else {
            return Ok(Break(Status::NeedInput));
        };
        self.start_frame(magic)?;
        pos.outside_window_from = pos.output;
        Ok(Continue(()))
    }

    fn read_descriptor(&mut self, input: &[u8], pos: &mut Position) -> Step {
        // FLG first: it says how long the descriptor is.
        if self.field.is_empty() && !self.field.collect(input, pos, 1) {
            return Ok(Break(Status::NeedInput));
        }
        let need = self.descriptor_need();
        if !self.field.collect(input, pos, need) {
            check_descriptor_start(self.field.as_bytes())?;
            return Ok(Break(Status::NeedInput));
        }
        let info = parse_descriptor(self.field.as_bytes())?;
        self.start_lz4_frame(info)?;
        pos.outside_window_from = pos.output;
        Ok(Continue(()))
    }

    fn read_skip_size(&mut self, input: &[u8], pos: &mut Position) -> Step {
        let Some(size) = self.field.collect_le32(input, pos) else {
            return Ok(Break(Status::NeedInput));
        };
        self.skip_left = u64::from(size);
        self.stage = Stage::Skipping;
        Ok(Continue(()))
    }

    fn skip_payload(&mut self, input: &[u8], pos: &mut Position) -> Step {
        let take = (self.skip_left.min((input.len() - pos.input) as u64)) as usize;
        pos.input += take;
        self.skip_left -= take as u64;
        if self.skip_left > 0 {
            return Ok(Break(Status::NeedInput));
        }
        self.skippable_frames += 1;
        Ok(self.end_frame())
    }

    /// A block header of an LZ4 frame: a block's size and kind, or the end mark.
    fn read_block_header(&mut self, input: &[u8], pos: &mut Position) -> Step {
        let Some(value) = self.field.collect_le32(input, pos) else {
            return Ok(Break(Status::NeedInput));
        };
        let info = self.info();
        if value == 0 {
            if info
                .content_size
                .is_some_and(|size| size != self.frame_output.len)
            {
                return Err(Error::ContentSize);
            }
            if info.content_checksum {
                self.stage = Stage::ContentChecksum;
                return Ok(Continue(()));
            }
            return Ok(self.end_frame());
        }
        let len = (value & !UNCOMPRESSED_BIT) as usize;
        if len > info.max_block_bytes() {
            return Err(Error::BlockTooLarge);
        }
        self.start_block(len, value & UNCOMPRESSED_BIT != 0);
        Ok(Continue(()))
    }

    /// A legacy frame's block size, or the magic number of the next frame:
    /// a legacy frame has no end mark.
    fn read_legacy_block_size(&mut self, input: &[u8], pos: &mut Position) -> Step {
        let Some(value) = self.field.collect_le32(input, pos) else {
            return Ok(Break(Status::NeedInput));
        };
        if value as usize <= lz4::block_bound(LEGACY_BLOCK_SIZE) {
            self.start_block(value as usize, false);
            return Ok(Continue(()));
        }
        // lz4's own rule: a "size" this large is the next frame's magic,
        // kept as read for the magic stage.
        let step = self.end_frame();
        self.field =
            FieldBytes::from_bytes(&value.to_le_bytes()).expect("a magic number fits the field");
        if step.is_break() {
            return Ok(step);
        }
        self.start_frame(value)?;
        Ok(Continue(()))
    }

    fn start_block(&mut self, len: usize, raw: bool) {
        self.block = BlockHeader { len, raw };
        self.stage = Stage::BlockData;
    }

    /// A block's data (and checksum): taken whole from the input when it is
    /// all there, else staged in the buffer until it is; then sunk.
    fn read_block_data(&mut self, input: &[u8], output: &mut [u8], pos: &mut Position) -> Step {
        if self.leaves_block_in_input(input, output, pos) {
            return Ok(Break(Status::OutputFull));
        }
        let need = self.block_need();
        let staged = self.buf.staged_len();
        if staged == 0 && input.len() - pos.input >= need {
            let block = &input[pos.input..pos.input + need];
            pos.input += need;
            self.sink_block(BlockBytes::Input(block), output, pos)?;
        } else {
            let take = (need - staged).min(input.len() - pos.input);
            let geometry = self.geometry();
            self.buf
                .stage(&input[pos.input..pos.input + take], need, &geometry)?;
            pos.input += take;
            if self.buf.staged_len() < need {
                return Ok(Break(Status::NeedInput));
            }
            self.sink_block(BlockBytes::Staged, output, pos)?;
        }
        Ok(Continue(()))
    }

    fn read_content_checksum(&mut self, input: &[u8], pos: &mut Position) -> Step {
        let Some(expected) = self.field.collect_le32(input, pos) else {
            return Ok(Break(Status::NeedInput));
        };
        self.frame_output.settle();
        if self.hashes_content() && self.frame_output.hash.digest() != expected {
            return Err(Error::ContentChecksum);
        }
        Ok(self.end_frame())
    }

    /// Bytes of descriptor to collect: FLG first, then what it announces.
    pub(super) fn descriptor_need(&self) -> usize {
        match self.field.as_bytes().first() {
            None => 1,
            Some(&flg) => descriptor_len(flg),
        }
    }

    /// Bytes of the current block as stored: data and checksum.
    pub(super) fn block_need(&self) -> usize {
        self.block.len + if self.info().block_checksum { 4 } else { 0 }
    }

    fn start_frame(&mut self, magic: u32) -> Result<()> {
        self.field.clear();
        self.frame_output.len = 0;
        match Magic::classify(magic).ok_or(Error::BadMagic)? {
            Magic::Lz4 => self.stage = Stage::Descriptor,
            Magic::Skippable => {
                self.frame = Some(FrameInfo {
                    kind: FrameKind::Skippable,
                    ..FrameInfo::default()
                });
                self.stage = Stage::SkipSize;
            }
            Magic::Legacy => {
                self.frame = Some(FrameInfo::legacy());
                self.buf.start_frame(None, false);
                self.stage = Stage::BlockHeader;
            }
        }
        Ok(())
    }

    fn start_lz4_frame(&mut self, info: FrameInfo) -> Result<()> {
        self.field.clear();
        let dict = match (info.dict_id, &self.dictionary) {
            (Some(_), None) => return Err(Error::DictionaryRequired),
            (Some(want), Some(d)) if d.id.is_some_and(|have| have != want) => {
                return Err(Error::DictionaryMismatch);
            }
            (_, d) => d.as_ref().map(|d| d.bytes.clone()),
        };
        self.buf.start_frame(dict.as_deref(), info.block_linked);
        self.frame = Some(info);
        self.frame_output.restart();
        self.stage = Stage::BlockHeader;
        Ok(())
    }

    /// Ends the current frame; stops the call when the caller asked to stop
    /// at frame ends.
    pub(super) fn end_frame(&mut self) -> ControlFlow<Status> {
        self.frame = None;
        self.entered_mid_frame = false;
        self.frames_done += 1;
        self.stage = Stage::Magic;
        self.field.clear();
        self.buf.clear();
        if self.options.stop_at_frame_end {
            Break(Status::FrameBoundary)
        } else {
            Continue(())
        }
    }
}
