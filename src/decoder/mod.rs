//! The resumable decoder: a push-style state machine over LZ4's block API.
//!
//! Every byte of its state is plain Rust data, which is what makes
//! [`Decoder::clone`] a real checkpoint and lets the state be marshalled.
//! Input is taken in pieces of any size and output delivered into buffers
//! of any size. When a whole block is present in the caller's input it is
//! decoded from there; when the caller's output has room for a whole block
//! it is decoded straight into it (linked blocks included: the 64 KiB
//! window kept between calls and the output written during the call form
//! the history without copying). Only otherwise does a block go through the
//! decoder's own buffer, see [`buffer`].

pub(crate) mod buffer;

use crate::error::{Error, Result};
use crate::frame::{
    self, FrameInfo, FrameKind, LEGACY_BLOCK_SIZE, Magic, UNCOMPRESSED_BIT, check_descriptor_start,
    descriptor_len, le32, parse_descriptor,
};
use crate::lz4;
use crate::xxh32::Xxh32State;
use buffer::BlockBuffer;
use std::sync::Arc;

/// How a call to [`Decoder::decompress`] stopped, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The input may end here: the decoder stands at a frame boundary, or
    /// between two blocks of a legacy frame (a legacy frame has no end
    /// mark, so it may end after any block), with all output delivered.
    /// A caller whose input has ended is done; more input simply goes on.
    /// C: `LZ4FRAMED_OK`.
    FrameBoundary,
    /// All input was consumed inside a frame; more is needed. Not an
    /// error: feed more, or declare the end to get [`Error::Truncated`].
    /// C: `LZ4FRAMED_NEED_INPUT`.
    NeedInput,
    /// The output buffer is full and more output is waiting, decoded or
    /// still in the unconsumed input (a block is left there while the output
    /// has no room at all): call again with more room and that input.
    /// C: `LZ4FRAMED_OUTPUT_FULL`.
    OutputFull,
    /// Only from the pull API ([`Decoder::read_from`]): the source
    /// returned an error (or claimed more bytes than it was asked for).
    /// The output of the call is valid and counted, the decoder is not
    /// failed, and no byte read from the source was lost: pass a source
    /// positioned at [`Decoder::input_consumed`] to continue.
    /// C: `LZ4FRAMED_ERROR_READER_FAILED`, with the counts still written.
    SourceFailed,
}

/// What one call consumed and produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Progress {
    pub consumed: usize,
    pub produced: usize,
    pub status: Status,
}

/// Per-decoder switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecoderOptions {
    /// Verify block and content checksums (header checksums are always
    /// verified: a wrong header cannot be decoded meaningfully).
    pub verify_checksums: bool,
    /// Return [`Status::FrameBoundary`] after each frame (skippable frames
    /// included) instead of going on with the next one.
    pub stop_at_frame_end: bool,
}

impl Default for DecoderOptions {
    fn default() -> Self {
        DecoderOptions {
            verify_checksums: true,
            stop_at_frame_end: false,
        }
    }
}

/// A caller-supplied dictionary, shared (not copied) between clones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dictionary {
    /// The last 64 KiB of what the caller gave: all LZ4 can refer to.
    pub bytes: Arc<[u8]>,
    pub id: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Reading the 4-byte magic number of the next frame.
    Magic,
    /// Reading the frame descriptor (FLG .. header checksum).
    Descriptor,
    /// Reading the 4-byte size of a skippable frame.
    SkipSize,
    /// Stepping over a skippable frame's payload.
    Skipping,
    /// Reading a 4-byte block header (or, in a legacy frame, block size).
    BlockHeader,
    /// Reading a block's bytes (and its checksum).
    BlockData,
    /// Handing decoded bytes that did not fit to the caller.
    Deliver,
    /// Reading the 4-byte content checksum.
    ContentChecksum,
}

/// The decoder. See the module documentation.
///
/// ```
/// use lz4framed::{Decoder, Preferences, compress, Status};
/// let frame = compress(b"hello hello hello hello", &Preferences::default()).unwrap();
/// let mut dec = Decoder::new();
/// let mut out = [0u8; 64];
/// let p = dec.decompress(&frame, &mut out, true).unwrap();
/// assert_eq!(p.status, Status::FrameBoundary);
/// assert_eq!(&out[..p.produced], b"hello hello hello hello");
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    pub(crate) options: DecoderOptions,
    pub(crate) dictionary: Option<Dictionary>,
    pub(crate) stage: Stage,
    pub(crate) frame: Option<FrameInfo>,
    /// Small fixed-size fields (magic, descriptor, headers, checksums) as
    /// they arrive; `small_len` of them so far.
    pub(crate) small: [u8; 16],
    pub(crate) small_len: usize,
    /// Current block: its byte length as stored, whether stored raw.
    pub(crate) block_len: usize,
    pub(crate) block_raw: bool,
    pub(crate) buf: BlockBuffer,
    pub(crate) content_hash: Xxh32State,
    pub(crate) frame_output: u64,
    pub(crate) skip_left: u64,
    pub(crate) total_in: u64,
    pub(crate) total_out: u64,
    pub(crate) frames_done: u64,
    pub(crate) skippable_frames: u64,
    pub(crate) failed: Option<Error>,
    pub(crate) scratch: Scratch,
}

/// The pull API's read buffer: transient, so clones start without one.
#[derive(Debug, Default)]
pub(crate) struct Scratch(pub Vec<u8>);

impl Clone for Scratch {
    fn clone(&self) -> Self {
        Scratch::default()
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// Where a call stands in the caller's buffers.
struct Cursor {
    ip: usize,
    op: usize,
    /// Start of the bytes written straight into the output since the last
    /// window update: history for linked blocks not yet in the window.
    direct_from: usize,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::with_options(DecoderOptions::default())
    }

    pub fn with_options(options: DecoderOptions) -> Decoder {
        Decoder {
            options,
            dictionary: None,
            stage: Stage::Magic,
            frame: None,
            small: [0; 16],
            small_len: 0,
            block_len: 0,
            block_raw: false,
            buf: BlockBuffer::default(),
            content_hash: Xxh32State::new(0),
            frame_output: 0,
            skip_left: 0,
            total_in: 0,
            total_out: 0,
            frames_done: 0,
            skippable_frames: 0,
            failed: None,
            scratch: Scratch::default(),
        }
    }

    /// Sets the dictionary for frames compressed with one. `id`, when given,
    /// must equal the frame's dictionary ID if the frame declares one; a
    /// frame that declares an ID is refused when no dictionary is set.
    /// Only the last 64 KiB matter (LZ4 cannot refer further back).
    ///
    /// A dictionary of zero bytes is no dictionary (as in liblz4): it
    /// clears the one set before, whatever `id` says, so that "no
    /// dictionary" has one spelling in Rust and C, and the state blob of
    /// such a decoder is restored without one.
    pub fn set_dictionary(&mut self, dictionary: &[u8], id: Option<u32>) {
        if dictionary.is_empty() {
            self.dictionary = None;
            return;
        }
        let tail = &dictionary[dictionary.len().saturating_sub(lz4::WINDOW_SIZE)..];
        self.dictionary = Some(Dictionary {
            bytes: tail.into(),
            id,
        });
    }

    pub fn options(&self) -> DecoderOptions {
        self.options
    }

    /// Forgets everything but the options and dictionary: ready for a new stream.
    pub fn reset(&mut self) {
        let (options, dictionary) = (self.options, self.dictionary.take());
        *self = Decoder::with_options(options);
        self.dictionary = dictionary;
    }

    /// Total input bytes consumed since creation (or reset): where to
    /// reopen the input after a crash.
    pub fn input_consumed(&self) -> u64 {
        self.total_in
    }

    /// Total bytes delivered to the caller: where to truncate the output
    /// after a crash.
    pub fn output_produced(&self) -> u64 {
        self.total_out
    }

    /// Frames finished so far, skippable frames included.
    pub fn frames_done(&self) -> u64 {
        self.frames_done
    }

    pub fn skippable_frames(&self) -> u64 {
        self.skippable_frames
    }

    /// Index (from 0) of the frame being decoded, or of the next one at a boundary.
    pub fn frame_index(&self) -> u64 {
        self.frames_done
    }

    /// The header of the frame being decoded; `None` between frames.
    pub fn frame_info(&self) -> Option<FrameInfo> {
        self.frame
    }

    /// True between frames with all output delivered and no partial magic read.
    pub fn at_frame_boundary(&self) -> bool {
        self.stage == Stage::Magic && self.small_len == 0
    }

    /// True when the input may end here without being truncated: at a
    /// frame boundary, or between two blocks of a legacy frame (which has
    /// no end mark), with all output delivered. This is what
    /// [`Status::FrameBoundary`] reports after a call; declaring the end
    /// (`end_of_input`) there closes the legacy frame.
    pub fn input_may_end(&self) -> bool {
        self.at_frame_boundary() || self.between_legacy_blocks()
    }

    fn between_legacy_blocks(&self) -> bool {
        self.stage == Stage::BlockHeader
            && self.small_len == 0
            && self.frame.is_some_and(|f| f.kind == FrameKind::Legacy)
    }

    /// True when no partially read block or undelivered output is held:
    /// the state is then as small as it gets. (A block whose header was
    /// read but none of its data counts as not started.)
    pub fn at_block_boundary(&self) -> bool {
        match self.stage {
            Stage::BlockData => self.buf.staged_len() == 0,
            Stage::Deliver => false,
            Stage::BlockHeader | Stage::ContentChecksum => self.small_len == 0,
            _ => true,
        }
    }

    /// How many input bytes complete the item being read (magic, header,
    /// block, checksum, skipped payload): a call whose output has room for
    /// at least one byte consumes all of them, so a reader may read exactly
    /// this much. 0 when decoded output is waiting for room.
    pub fn input_hint(&self) -> usize {
        match self.stage {
            Stage::Magic | Stage::SkipSize | Stage::BlockHeader | Stage::ContentChecksum => {
                4 - self.small_len
            }
            Stage::Descriptor => self.descriptor_need() - self.small_len,
            Stage::Skipping => usize::try_from(self.skip_left).unwrap_or(usize::MAX),
            Stage::BlockData => self.block_need() - self.buf.staged_len(),
            Stage::Deliver => 0,
        }
    }

    /// Bytes of buffer memory held now: at most max block size + 64 KiB +
    /// max block size / 256 + 36, and only what the state needs.
    pub fn memory_usage(&self) -> usize {
        self.buf.allocated() + self.dictionary.as_ref().map_or(0, |d| d.bytes.len())
    }

    /// The error that stopped this decoder, if any: every later call
    /// returns it until [`Decoder::reset`].
    pub fn failed(&self) -> Option<Error> {
        self.failed
    }

    /// Decodes as much of `input` into `output` as possible.
    ///
    /// Stops when the input is used up, the output is full, or (with
    /// [`DecoderOptions::stop_at_frame_end`]) a frame ended. Input that was
    /// consumed but not yet decoded is kept inside; unconsumed input must
    /// be presented again. `end_of_input` declares that no input follows
    /// this call's: ending inside a frame is then [`Error::Truncated`].
    /// After an error the decoder stays failed; the output of that call is
    /// not reported and must not be trusted.
    pub fn decompress(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        end_of_input: bool,
    ) -> Result<Progress> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut c = Cursor {
            ip: 0,
            op: 0,
            direct_from: 0,
        };
        let mut r = self.run(input, output, &mut c);
        // A legacy frame ends where the next frame's magic number stands in
        // place of a block size; with `stop_at_frame_end` the decoder stops
        // there already holding that magic (the only FrameBoundary that is
        // not `at_frame_boundary`). If the input ends right after it, go on
        // into the next frame, so that its truncation (or a bad magic) is
        // reported instead of a clean end.
        if end_of_input
            && c.ip == input.len()
            && r == Ok(Status::FrameBoundary)
            && !self.at_frame_boundary()
        {
            r = self.run(input, output, &mut c);
        }
        self.absorb_direct(output, &mut c);
        self.total_in += c.ip as u64;
        self.total_out += c.op as u64;
        let status = match r {
            Ok(Status::NeedInput) if end_of_input && c.ip == input.len() => self.end_input(),
            // Between legacy blocks the input may end: say so, so that a
            // caller whose input ends right here is not left with
            // NeedInput and a truncation verdict of its own making.
            Ok(Status::NeedInput) if self.between_legacy_blocks() => Ok(Status::FrameBoundary),
            other => other,
        };
        match status {
            Ok(status) => Ok(Progress {
                consumed: c.ip,
                produced: c.op,
                status,
            }),
            Err(e) => {
                self.failed = Some(e);
                Err(e)
            }
        }
    }

    /// Input ended: fine at a frame boundary and between legacy blocks.
    fn end_input(&mut self) -> Result<Status> {
        if self.between_legacy_blocks() {
            self.end_frame();
            return Ok(Status::FrameBoundary);
        }
        if self.at_frame_boundary() {
            return Ok(Status::FrameBoundary);
        }
        Err(Error::Truncated)
    }

    fn run(&mut self, input: &[u8], output: &mut [u8], c: &mut Cursor) -> Result<Status> {
        loop {
            match self.stage {
                Stage::Magic => {
                    if c.ip == input.len() && self.small_len == 0 {
                        return Ok(Status::FrameBoundary);
                    }
                    if !self.collect(input, c, 4) {
                        return Ok(Status::NeedInput);
                    }
                    self.start_frame(le32(&self.small))?;
                    c.direct_from = c.op;
                }
                Stage::Descriptor => {
                    if self.small_len == 0 && !self.collect(input, c, 1) {
                        return Ok(Status::NeedInput);
                    }
                    let need = self.descriptor_need();
                    if !self.collect(input, c, need) {
                        check_descriptor_start(&self.small[..self.small_len])?;
                        return Ok(Status::NeedInput);
                    }
                    self.start_lz4_frame(parse_descriptor(&self.small[..need])?)?;
                    c.direct_from = c.op;
                }
                Stage::SkipSize => {
                    if !self.collect(input, c, 4) {
                        return Ok(Status::NeedInput);
                    }
                    self.skip_left = u64::from(le32(&self.small));
                    self.small_len = 0;
                    self.stage = Stage::Skipping;
                }
                Stage::Skipping => {
                    let take = (self.skip_left.min((input.len() - c.ip) as u64)) as usize;
                    c.ip += take;
                    self.skip_left -= take as u64;
                    if self.skip_left > 0 {
                        return Ok(Status::NeedInput);
                    }
                    self.skippable_frames += 1;
                    if self.end_frame() {
                        return Ok(Status::FrameBoundary);
                    }
                }
                Stage::BlockHeader => {
                    if !self.collect(input, c, 4) {
                        return Ok(Status::NeedInput);
                    }
                    let value = le32(&self.small);
                    self.small_len = 0;
                    if self.block_header(value)? {
                        return Ok(Status::FrameBoundary);
                    }
                }
                Stage::BlockData => {
                    let need = self.block_need();
                    if self.waits_for_room() && c.op == output.len() && c.ip < input.len() {
                        // No room at all: leave the block in the caller's
                        // input rather than decode it into our buffer, only
                        // to copy it out again next call. With output
                        // buffers of one block size (the common streaming
                        // loop) every block then decodes straight into the
                        // caller's buffer.
                        return Ok(Status::OutputFull);
                    }
                    if self.buf.staged_len() == 0 && input.len() - c.ip >= need {
                        let block = &input[c.ip..c.ip + need];
                        c.ip += need;
                        self.block_from_input(block, output, c)?;
                    } else {
                        let take = (need - self.buf.staged_len()).min(input.len() - c.ip);
                        let geometry = self.geometry();
                        self.buf.stage(&input[c.ip..c.ip + take], need, &geometry)?;
                        c.ip += take;
                        if self.buf.staged_len() < need {
                            return Ok(Status::NeedInput);
                        }
                        self.block_from_buffer(output, c)?;
                    }
                }
                Stage::Deliver => {
                    let n = self.buf.deliver(&mut output[c.op..]);
                    c.op += n;
                    c.direct_from = c.op;
                    if self.buf.pending_len() > 0 {
                        return Ok(Status::OutputFull);
                    }
                    self.buf.settle();
                    self.stage = Stage::BlockHeader;
                }
                Stage::ContentChecksum => {
                    if !self.collect(input, c, 4) {
                        return Ok(Status::NeedInput);
                    }
                    let expected = le32(&self.small);
                    self.small_len = 0;
                    if self.options.verify_checksums && self.content_hash.digest() != expected {
                        return Err(Error::ContentChecksum);
                    }
                    if self.end_frame() {
                        return Ok(Status::FrameBoundary);
                    }
                }
            }
        }
    }

    /// At the start of a block's data with nothing of it staged: the next
    /// input would produce output, so a call without output room stops here.
    pub(crate) fn waits_for_room(&self) -> bool {
        self.stage == Stage::BlockData && self.buf.staged_len() == 0 && self.block_len > 0
    }

    /// Appends input to `small` until it holds `need` bytes; true when it does.
    fn collect(&mut self, input: &[u8], c: &mut Cursor, need: usize) -> bool {
        let take = need.saturating_sub(self.small_len).min(input.len() - c.ip);
        self.small[self.small_len..self.small_len + take]
            .copy_from_slice(&input[c.ip..c.ip + take]);
        self.small_len += take;
        c.ip += take;
        self.small_len >= need
    }

    fn descriptor_need(&self) -> usize {
        if self.small_len == 0 {
            1
        } else {
            descriptor_len(self.small[0])
        }
    }

    fn start_frame(&mut self, magic: u32) -> Result<()> {
        self.small_len = 0;
        self.frame_output = 0;
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
                self.frame_output = 0;
                self.buf.start_frame(None, false);
                self.stage = Stage::BlockHeader;
            }
        }
        Ok(())
    }

    fn start_lz4_frame(&mut self, info: FrameInfo) -> Result<()> {
        self.small_len = 0;
        let dict = match (info.dict_id, &self.dictionary) {
            (Some(_), None) => return Err(Error::DictionaryRequired),
            (Some(want), Some(d)) if d.id.is_some_and(|have| have != want) => {
                return Err(Error::DictionaryMismatch);
            }
            (_, d) => d.as_ref().map(|d| d.bytes.clone()),
        };
        self.buf.start_frame(dict.as_deref(), info.block_linked);
        self.frame = Some(info);
        self.frame_output = 0;
        self.content_hash = Xxh32State::new(0);
        self.stage = Stage::BlockHeader;
        Ok(())
    }

    /// Ends the current frame; true when the caller asked to stop there.
    fn end_frame(&mut self) -> bool {
        self.frame = None;
        self.frames_done += 1;
        self.stage = Stage::Magic;
        self.small_len = 0;
        self.buf.clear();
        self.options.stop_at_frame_end
    }

    fn info(&self) -> FrameInfo {
        self.frame.unwrap_or_default()
    }

    fn linked(&self) -> bool {
        let f = self.info();
        f.kind == FrameKind::Lz4 && f.block_linked
    }

    fn block_need(&self) -> usize {
        self.block_len + if self.info().block_checksum { 4 } else { 0 }
    }

    fn geometry(&self) -> buffer::Geometry {
        buffer::Geometry {
            linked: self.linked(),
            max_block: self.info().max_block_bytes(),
            block_len: self.block_len,
        }
    }

    /// Interprets a block header; true when the frame ended and the caller
    /// asked to stop at frame ends.
    fn block_header(&mut self, value: u32) -> Result<bool> {
        let info = self.info();
        if info.kind == FrameKind::Legacy {
            if value as usize > lz4::block_bound(LEGACY_BLOCK_SIZE) {
                // lz4's own rule: a "size" this large is the next frame's magic.
                let stop = self.end_frame();
                self.small[..4].copy_from_slice(&value.to_le_bytes());
                self.small_len = 4;
                if stop {
                    return Ok(true);
                }
                self.start_frame(value)?;
                return Ok(false);
            }
            self.block_len = value as usize;
            self.block_raw = false;
            self.stage = Stage::BlockData;
            return Ok(false);
        }
        if value == 0 {
            if info
                .content_size
                .is_some_and(|size| size != self.frame_output)
            {
                return Err(Error::ContentSize);
            }
            if info.content_checksum {
                self.stage = Stage::ContentChecksum;
                return Ok(false);
            }
            return Ok(self.end_frame());
        }
        let len = (value & !UNCOMPRESSED_BIT) as usize;
        if len > info.max_block_bytes() {
            return Err(Error::BlockTooLarge);
        }
        self.block_len = len;
        self.block_raw = value & UNCOMPRESSED_BIT != 0;
        self.stage = Stage::BlockData;
        Ok(false)
    }

    /// The most bytes the current block may decode to.
    fn block_cap(&self) -> usize {
        let info = self.info();
        if self.block_raw {
            // Stored bytes are copied whole; a size beyond the declared
            // content size is caught when they are counted.
            return self.block_len;
        }
        let max = info.max_block_bytes();
        match info.content_size {
            Some(size) => max
                .min(usize::try_from(size.saturating_sub(self.frame_output)).unwrap_or(usize::MAX)),
            None => max,
        }
    }

    fn check_block_checksum(&self, block: &[u8]) -> Result<()> {
        if self.info().block_checksum && self.options.verify_checksums {
            let (data, sum) = block.split_at(self.block_len);
            if frame::xxh32(data) != le32(sum) {
                return Err(Error::BlockChecksum);
            }
        }
        Ok(())
    }

    /// A whole block (data and checksum) sits in the caller's input.
    fn block_from_input(&mut self, block: &[u8], output: &mut [u8], c: &mut Cursor) -> Result<()> {
        self.check_block_checksum(block)?;
        let data = &block[..self.block_len];
        let cap = self.block_cap();
        if output.len() - c.op >= cap && !self.history_apart(c) {
            let n = if self.block_raw {
                output[c.op..c.op + data.len()].copy_from_slice(data);
                data.len()
            } else {
                match self.decode_direct(data, output, c, cap)? {
                    Some(n) => n,
                    // Decoded into the buffer after all, waiting for delivery.
                    None => return Ok(()),
                }
            };
            return self.direct_done(output, c, n);
        }
        self.absorb_direct(output, c);
        let n = if self.block_raw {
            self.buf.put_raw(data)?
        } else {
            let dict = self.independent_dict();
            let max = self.info().max_block_bytes();
            self.buf
                .decode_from(data, self.linked(), dict.as_deref(), max)?
        };
        self.buffered_done(n)
    }

    /// A whole block has been staged in the decoder's buffer.
    fn block_from_buffer(&mut self, output: &mut [u8], c: &mut Cursor) -> Result<()> {
        self.check_block_checksum(self.buf.staged())?;
        let cap = self.block_cap();
        if output.len() - c.op >= cap && !self.history_apart(c) {
            let n = if self.block_raw {
                output[c.op..c.op + self.block_len]
                    .copy_from_slice(&self.buf.staged()[..self.block_len]);
                self.block_len
            } else {
                let dict = self.independent_dict();
                let (data, window) = self.buf.staged_and_window();
                let data = &data[..self.block_len];
                match Self::decode_into(
                    data,
                    output,
                    c,
                    cap,
                    self.linked(),
                    window,
                    dict.as_deref(),
                ) {
                    Some(n) => n,
                    None => {
                        // Corrupt, larger than the declared content size
                        // allows, or only short of room (see decode_direct):
                        // the buffered path tells them apart.
                        let g = self.geometry();
                        if cap < g.max_block {
                            self.absorb_direct(output, c);
                            if let Ok(n) = self.buf.decode_in_place(&g, dict.as_deref()) {
                                return self.buffered_done(n);
                            }
                        }
                        return Err(Error::CorruptBlock);
                    }
                }
            };
            self.buf.clear_staged();
            return self.direct_done(output, c, n);
        }
        self.absorb_direct(output, c);
        let n = if self.block_raw {
            self.buf.staged_raw_to_pending(self.block_len)
        } else {
            let dict = self.independent_dict();
            let g = self.geometry();
            self.buf.decode_in_place(&g, dict.as_deref())?
        };
        self.buffered_done(n)
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
    fn history_apart(&self, c: &Cursor) -> bool {
        self.linked()
            && !self.block_raw
            && self.block_len >= 4096
            && !self.buf.window().is_empty()
            && c.op - c.direct_from < lz4::WINDOW_SIZE - 1
    }

    /// The dictionary independent blocks are decoded against (linked
    /// frames carry it in the window instead).
    fn independent_dict(&self) -> Option<Arc<[u8]>> {
        if self.linked() || self.info().kind != FrameKind::Lz4 {
            return None;
        }
        self.dictionary.as_ref().map(|d| d.bytes.clone())
    }

    fn decode_direct(
        &mut self,
        data: &[u8],
        output: &mut [u8],
        c: &mut Cursor,
        cap: usize,
    ) -> Result<Option<usize>> {
        let dict = self.independent_dict();
        let window = self.buf.window();
        if let Some(n) =
            Self::decode_into(data, output, c, cap, self.linked(), window, dict.as_deref())
        {
            return Ok(Some(n));
        }
        // The block did not fit `cap` (the content size left): corrupt,
        // larger than the content size allows, or merely short of room, as
        // LZ4 checks a block's end conditions against the room it is given
        // (a match ending near the end fails in exact room). Decoding it
        // into the decoder's own buffer, as a smaller output buffer would
        // have, gives the same verdict whatever the caller's buffer size;
        // `None` when that succeeded and the block waits for delivery.
        let max = self.info().max_block_bytes();
        if cap < max {
            self.absorb_direct(output, c);
            if let Ok(n) = self
                .buf
                .decode_from(data, self.linked(), dict.as_deref(), max)
            {
                self.buffered_done(n)?;
                return Ok(None);
            }
        }
        Err(Error::CorruptBlock)
    }

    fn decode_into(
        data: &[u8],
        output: &mut [u8],
        c: &Cursor,
        cap: usize,
        linked: bool,
        window: &[u8],
        dict: Option<&[u8]>,
    ) -> Option<usize> {
        if linked {
            lz4::decompress_linked(data, output, c.op, c.op - c.direct_from, window, cap)
        } else {
            lz4::decompress(data, &mut output[c.op..c.op + cap], dict.unwrap_or(&[]))
        }
    }

    /// Bookkeeping after a block went straight into the caller's output.
    fn direct_done(&mut self, output: &[u8], c: &mut Cursor, n: usize) -> Result<()> {
        self.count_output(&output[c.op..c.op + n])?;
        c.op += n;
        if !self.linked() {
            c.direct_from = c.op;
        }
        self.stage = Stage::BlockHeader;
        Ok(())
    }

    /// Bookkeeping after a block was decoded into the decoder's buffer.
    fn buffered_done(&mut self, n: usize) -> Result<()> {
        let info = self.info();
        if info
            .content_size
            .is_some_and(|size| self.frame_output + n as u64 > size)
        {
            return Err(Error::ContentSize);
        }
        let pending = self.buf.pending();
        if info.content_checksum && self.options.verify_checksums {
            self.content_hash.update(pending);
        }
        self.frame_output += n as u64;
        self.stage = Stage::Deliver;
        Ok(())
    }

    fn count_output(&mut self, block: &[u8]) -> Result<()> {
        let info = self.info();
        if info
            .content_size
            .is_some_and(|size| self.frame_output + block.len() as u64 > size)
        {
            return Err(Error::ContentSize);
        }
        if info.content_checksum && self.options.verify_checksums {
            self.content_hash.update(block);
        }
        self.frame_output += block.len() as u64;
        Ok(())
    }

    /// Moves the output written straight into the caller's buffer since the
    /// last update into the window, so the next linked block sees it.
    fn absorb_direct(&mut self, output: &[u8], c: &mut Cursor) {
        if c.op > c.direct_from && self.linked() {
            self.buf.push_window(&output[c.direct_from..c.op]);
        }
        c.direct_from = c.op;
    }
}
