//! The resumable decoder: a push-style state machine over LZ4's block API.
//!
//! Every byte of its state is plain Rust data owned by [`Decoder`], which
//! is what makes [`Decoder::clone`] a real checkpoint and lets the state be
//! marshalled. Input is taken in pieces of any size and output delivered
//! into buffers of any size.
//!
//! The code is layered, one file per job:
//! - this file: the public types, the decoder's state and its queries, and
//!   [`Decoder::decompress`], the one entry of the push API;
//! - [`stages`]: the frame layer, one stage per thing read (magic,
//!   descriptor, skippable size and payload, block header, legacy block
//!   size, block data, content checksum);
//! - [`sink`]: the block sink, which alone decides whether a block is
//!   decoded straight into the caller's output or into the decoder's own
//!   buffer, and delivers what waits there;
//! - [`buffer`]: that buffer (window, staged block, pending output);
//! - [`marshal`]: the portable state blob (`docs/STATE_FORMAT.md`);
//! - [`pull`]: the pull API over a [`std::io::Read`] source.

mod ahead;
mod buffer;
mod hasher;
mod marshal;
mod pull;
mod restart;
mod signal;
mod sink;
mod stages;
mod workers;

use crate::error::{Error, Result};
use crate::frame::{FrameInfo, FrameKind};
use crate::lz4;
use crate::xxh32::Xxh32State;
use ahead::{Ahead, PoolSlot, Spares};
use buffer::BlockBuffer;
use hasher::Hasher;
use stages::FieldBytes;
use std::fmt;
use std::sync::Arc;

/// How a call to [`Decoder::decompress`] stopped, when it did not fail.
///
/// `#[non_exhaustive]`: a later version may add a status, so a `match`
/// outside this crate needs a wildcard arm.
///
/// ```compile_fail,E0004
/// use lz4framed::Status;
/// fn done(status: Status) -> bool {
///     match status {
///         Status::FrameBoundary => true,
///         Status::NeedInput | Status::OutputFull | Status::SourceFailed => false,
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
///
/// Made by the decoder, read by the caller: `#[non_exhaustive]`, so a
/// later version may add a field; outside this crate read the fields (or
/// destructure with `..`) rather than building one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Progress {
    pub consumed: usize,
    pub produced: usize,
    pub status: Status,
}

/// Per-decoder switches.
///
/// `#[non_exhaustive]` like [`Preferences`](crate::Preferences): outside
/// this crate, start from [`DecoderOptions::default`] and chain the
/// `with_*` setters.
///
/// ```
/// use lz4framed::{Decoder, DecoderOptions};
/// let options = DecoderOptions::default().with_stop_at_frame_end(true);
/// let decoder = Decoder::with_options(options);
/// assert!(decoder.options().verify_checksums); // untouched: the default
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DecoderOptions {
    /// Verify block and content checksums (header checksums are always
    /// verified: a wrong header cannot be decoded meaningfully).
    pub verify_checksums: bool,
    /// Return [`Status::FrameBoundary`] after each frame (skippable frames
    /// included) instead of going on with the next one.
    pub stop_at_frame_end: bool,
    /// Threads that decode blocks of independent-block frames ahead of the
    /// caller, plus one that computes the content checksum (0, the default:
    /// everything happens in the caller's thread). At most
    /// [`MAX_WORKERS`](crate::MAX_WORKERS). A runtime setting, not part of
    /// the decoder's state: a state blob does not record it, and
    /// [`Decoder::set_workers`] changes it at any moment.
    ///
    /// Output, errors and the frame and output counters are those of a
    /// decoder without workers, for any input pieces and output room. The
    /// decoder may consume input ahead of its output (at most `2 × workers`
    /// runs of whole blocks, about 1 MiB of output each or one block if
    /// larger) and then return [`Status::NeedInput`] while blocks are still
    /// being decoded: their output comes with the next call, with or without
    /// input (with `end_of_input`, the call waits for all of it). Its state
    /// blob is the state before the input taken ahead, so a decoder restored
    /// from it resumes at its own [`Decoder::input_consumed`], which may be
    /// earlier than this one's. Memory: the bound without workers plus
    /// `(2 × workers + 5) × 2 × (1 MiB + max block + 64 KiB)` of segments
    /// and `8 MiB + max block` for the checksum thread's queue.
    pub workers: u32,
}

impl DecoderOptions {
    /// These options with [`verify_checksums`](DecoderOptions::verify_checksums)
    /// set to `verify_checksums`.
    #[must_use = "returns the changed options; `self` is a copy"]
    pub fn with_verify_checksums(mut self, verify_checksums: bool) -> Self {
        self.verify_checksums = verify_checksums;
        self
    }

    /// These options with [`stop_at_frame_end`](DecoderOptions::stop_at_frame_end)
    /// set to `stop_at_frame_end`.
    #[must_use = "returns the changed options; `self` is a copy"]
    pub fn with_stop_at_frame_end(mut self, stop_at_frame_end: bool) -> Self {
        self.stop_at_frame_end = stop_at_frame_end;
        self
    }

    /// These options with [`workers`](DecoderOptions::workers) set to `workers`.
    #[must_use = "returns the changed options; `self` is a copy"]
    pub fn with_workers(mut self, workers: u32) -> Self {
        self.workers = workers;
        self
    }
}

impl Default for DecoderOptions {
    fn default() -> Self {
        DecoderOptions {
            verify_checksums: true,
            stop_at_frame_end: false,
            workers: 0,
        }
    }
}

/// A caller-supplied dictionary, shared (not copied) between clones.
#[derive(Clone, PartialEq, Eq)]
struct Dictionary {
    /// The last 64 KiB of what the caller gave: all LZ4 can refer to.
    bytes: Arc<[u8]>,
    id: Option<u32>,
}

/// What the decoder is reading (or, for `Deliver`, handing out) now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
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

/// The current block as its header declared it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct BlockHeader {
    /// Byte length as stored (the checksum not included).
    len: usize,
    /// Stored uncompressed.
    raw: bool,
}

/// What the current frame has decoded so far: its length, and the running
/// XXH32 of those bytes while the content checksum is verified.
///
/// With workers the hashing runs on a thread of its own ([`Hasher`]):
/// `hash` is then the state at the last [`FrameOutput::settle`], and
/// [`FrameOutput::hash_now`] waits for the thread.
#[derive(Debug)]
struct FrameOutput {
    len: u64,
    hash: Xxh32State,
    hasher: Option<Box<Hasher>>,
}

/// A clone hashes in its caller's thread from the current state; a
/// decoder with workers gives it a hasher of its own when it needs one.
impl Clone for FrameOutput {
    fn clone(&self) -> Self {
        FrameOutput {
            len: self.len,
            hash: self.hash_now(),
            hasher: None,
        }
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("running", &self.running())
            .finish()
    }
}

/// Its length, not its bytes.
impl fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dictionary")
            .field("len", &self.bytes.len())
            .field("id", &self.id)
            .finish()
    }
}

impl FrameOutput {
    fn new() -> FrameOutput {
        FrameOutput {
            len: 0,
            hash: Xxh32State::new(0),
            hasher: None,
        }
    }

    /// A new frame starts: nothing decoded, nothing hashed.
    fn restart(&mut self) {
        self.len = 0;
        self.hash = Xxh32State::new(0);
        if let Some(h) = self.hasher.as_mut() {
            h.restart();
        }
    }

    /// Hash on a thread of its own (`true`) or in the caller's thread.
    fn hash_off_thread(&mut self, off_thread: bool) {
        match (off_thread, self.hasher.is_some()) {
            (true, false) => self.hasher = Some(Box::new(Hasher::new())),
            (false, true) => {
                self.settle();
                self.hasher = None;
            }
            _ => {}
        }
    }

    /// The hash of everything counted so far (waiting for the hashing
    /// thread, if there is one, to get there).
    fn hash_now(&self) -> Xxh32State {
        self.hasher
            .as_ref()
            .and_then(|h| h.state())
            .unwrap_or_else(|| self.hash.clone())
    }

    /// Brings `hash` up to date.
    fn settle(&mut self) {
        if let Some(h) = self.hasher.as_mut() {
            if let Some(state) = h.state() {
                self.hash = state;
                h.restart();
            }
        }
    }

    /// The hash after everything counted, computed elsewhere (by the
    /// workers' hash chain): replaces whatever the hashing thread had.
    fn set_hash(&mut self, state: Xxh32State) {
        if let Some(h) = self.hasher.as_mut() {
            h.restart();
        }
        self.hash = state;
    }

    fn hasher_running(&self) -> bool {
        self.hasher.as_ref().is_some_and(|h| h.running())
    }

    fn hasher_memory(&self) -> usize {
        self.hasher.as_ref().map_or(0, |h| h.queued_bytes())
    }

    /// Counts `len` more bytes; [`Error::ContentSize`] when they go beyond
    /// the declared content size.
    fn grow(&mut self, len: usize, content_size: Option<u64>) -> Result<()> {
        let len = self.len + len as u64;
        if content_size.is_some_and(|size| len > size) {
            return Err(Error::ContentSize);
        }
        self.len = len;
        Ok(())
    }

    /// Counts a decoded block; [`Error::ContentSize`] when it goes beyond
    /// the declared content size.
    fn count(&mut self, block: &[u8], content_size: Option<u64>, hash: bool) -> Result<()> {
        self.grow(block.len(), content_size)?;
        if hash {
            match self.hasher.as_mut() {
                Some(h) => h.update(&self.hash, block)?,
                None => self.hash.update(block),
            }
        }
        Ok(())
    }

    /// [`FrameOutput::count`] for a block in a worker's buffer, which the
    /// hashing thread reads without a copy.
    fn count_shared(
        &mut self,
        buffer: &Arc<Vec<u8>>,
        range: std::ops::Range<usize>,
        content_size: Option<u64>,
        hash: bool,
    ) -> Result<()> {
        self.grow(range.len(), content_size)?;
        if hash {
            match self.hasher.as_mut() {
                Some(h) => h.update_shared(&self.hash, buffer, range)?,
                None => self.hash.update(&buffer[range]),
            }
        }
        Ok(())
    }
}

/// The pull API's read buffer: transient, so clones start without one.
#[derive(Default)]
struct ReadBuffer(Vec<u8>);

impl Clone for ReadBuffer {
    fn clone(&self) -> Self {
        ReadBuffer::default()
    }
}

/// Where a call stands in the caller's buffers.
struct Position {
    /// Bytes of the input consumed so far in this call.
    input: usize,
    /// Bytes of the output written so far in this call.
    output: usize,
    /// Start of the output written straight into the caller's buffer since
    /// the window last caught up: history of linked blocks that is not in
    /// the window yet.
    outside_window_from: usize,
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
#[derive(Clone)]
pub struct Decoder {
    options: DecoderOptions,
    dictionary: Option<Dictionary>,
    stage: Stage,
    /// The header of the frame being decoded; `None` between frames.
    frame: Option<FrameInfo>,
    /// The fixed-size field (magic, descriptor, header, checksum) being read.
    field: FieldBytes,
    block: BlockHeader,
    buf: BlockBuffer,
    frame_output: FrameOutput,
    /// Payload bytes of the current skippable frame still to step over.
    skip_left: u64,
    input_consumed: u64,
    output_produced: u64,
    /// Frames finished, skippable ones included: also the index of the
    /// frame being decoded.
    frames_done: u64,
    skippable_frames: u64,
    failed: Option<Error>,
    /// The current frame was entered at a block boundary inside it (a
    /// seek restart point): its content checksum and size cover output
    /// this decoder never saw, so they are not checked.
    entered_mid_frame: bool,
    read_buffer: ReadBuffer,
    /// Input taken ahead of the state by the workers' scout.
    ahead: Ahead,
    pool: PoolSlot,
    spare: Spares,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::with_options(DecoderOptions::default())
    }

    pub fn with_options(options: DecoderOptions) -> Decoder {
        let mut frame_output = FrameOutput::new();
        frame_output.hash_off_thread(options.workers > 0);
        Decoder {
            options,
            dictionary: None,
            stage: Stage::Magic,
            frame: None,
            field: FieldBytes::default(),
            block: BlockHeader::default(),
            buf: BlockBuffer::default(),
            frame_output,
            skip_left: 0,
            input_consumed: 0,
            output_produced: 0,
            frames_done: 0,
            skippable_frames: 0,
            failed: None,
            entered_mid_frame: false,
            read_buffer: ReadBuffer::default(),
            ahead: Ahead::default(),
            pool: PoolSlot::default(),
            spare: Spares::default(),
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

    /// Changes [`DecoderOptions::workers`] at any moment (see there for
    /// what workers change). Blocks in flight are decoded again by the new
    /// workers or the caller's thread; going to 0 joins the threads.
    /// [`Error::InvalidArgument`] above [`MAX_WORKERS`](crate::MAX_WORKERS).
    pub fn set_workers(&mut self, workers: u32) -> Result<()> {
        if workers > crate::MAX_WORKERS {
            return Err(Error::InvalidArgument);
        }
        if workers != self.options.workers {
            // Blocks in flight are decoded again by the new workers, or by
            // the caller's thread.
            self.ahead.detach_jobs();
            self.pool.0 = None;
            self.frame_output.hash_off_thread(workers > 0);
        }
        self.options.workers = workers;
        Ok(())
    }

    /// Threads running now: the decoding workers (started when a frame of
    /// independent blocks arrives) and the content checksum's thread
    /// (started at the first block of a frame with one): at most
    /// `workers + 1`, and 0 with `workers: 0`.
    pub fn worker_threads(&self) -> usize {
        self.pool.0.as_ref().map_or(0, |p| p.threads())
            + usize::from(self.frame_output.hasher_running())
    }

    /// Forgets everything but the options and dictionary: ready for a new stream.
    ///
    /// The worker threads and the buffers kept for reuse stay (they hold
    /// nothing of the stream): a decoder reset for every file pays for them
    /// once.
    pub fn reset(&mut self) {
        let (options, dictionary) = (self.options, self.dictionary.take());
        self.ahead.detach_jobs();
        let pool = std::mem::take(&mut self.pool);
        let spare = std::mem::take(&mut self.spare);
        let hasher = self.frame_output.hasher.take();
        *self = Decoder::with_options(options);
        self.dictionary = dictionary;
        self.pool = pool;
        self.spare = spare;
        if let Some(mut h) = hasher {
            h.restart();
            self.frame_output.hasher = Some(h);
        }
    }

    /// Total input bytes consumed since creation (or reset): where to
    /// reopen the input after a crash, or to continue with a new source.
    ///
    /// A decoder with workers consumes input ahead of its output (whole
    /// blocks, for its workers); its state blob is the state before those
    /// blocks, so a decoder restored from it reports (and resumes at) an
    /// earlier offset than the decoder that marshalled it.
    pub fn input_consumed(&self) -> u64 {
        self.input_consumed
    }

    /// Where the decoder's own state stands in the input: what a decoder
    /// restored from its blob continues from.
    fn state_input(&self) -> u64 {
        self.input_consumed - self.ahead.held_len() as u64
    }

    /// Total bytes delivered to the caller: where to truncate the output
    /// after a crash.
    pub fn output_produced(&self) -> u64 {
        self.output_produced
    }

    /// Frames finished so far, skippable frames included.
    pub fn frames_done(&self) -> u64 {
        self.frames_done
    }

    pub fn skippable_frames(&self) -> u64 {
        self.skippable_frames
    }

    /// Index (from 0) of the frame being decoded, or of the next one at a
    /// boundary: the frames before it are done, so this is
    /// [`Decoder::frames_done`] under the name a reader of one frame asks for.
    pub fn frame_index(&self) -> u64 {
        self.frames_done()
    }

    /// The header of the frame being decoded; `None` between frames.
    pub fn frame_info(&self) -> Option<FrameInfo> {
        self.frame
    }

    /// True between frames with all output delivered and no partial magic read.
    pub fn at_frame_boundary(&self) -> bool {
        self.stage == Stage::Magic && self.field.is_empty() && self.ahead.is_empty()
    }

    /// True when the input may end here without being truncated: at a
    /// frame boundary, or between two blocks of a legacy frame (which has
    /// no end mark), with all output delivered. This is what
    /// [`Status::FrameBoundary`] reports after a call; declaring the end
    /// (`end_of_input`) there closes the legacy frame.
    pub fn input_may_end(&self) -> bool {
        self.at_frame_boundary() || (self.between_legacy_blocks() && self.ahead.is_empty())
    }

    /// True when no partially read block or undelivered output is held:
    /// the state is then as small as it gets. (A block whose header was
    /// read but none of its data counts as not started.)
    pub fn at_block_boundary(&self) -> bool {
        // Input taken ahead is not in the state blob: only the state counts,
        // and the rest of a block being delivered is part of it.
        if self.ahead.output_waiting() {
            return false;
        }
        match self.stage {
            Stage::BlockData => self.buf.staged_len() == 0,
            Stage::Deliver => false,
            Stage::BlockHeader | Stage::ContentChecksum => self.field.is_empty(),
            _ => true,
        }
    }

    /// How many input bytes complete the item being read (magic, header,
    /// block, checksum, skipped payload): a call whose output has room for
    /// at least one byte consumes all of them, so a reader may read exactly
    /// this much. 0 when decoded output is waiting for room, and, with
    /// workers, while they hold all the input they may take or what comes
    /// next waits for the blocks they hold: a call without input then
    /// collects their output.
    pub fn input_hint(&self) -> usize {
        if !self.ahead.is_empty() {
            if self.stage == Stage::Deliver {
                return 0;
            }
            return self.ahead.hint(self.options.workers as usize);
        }
        match self.stage {
            Stage::Magic | Stage::SkipSize | Stage::BlockHeader | Stage::ContentChecksum => {
                4 - self.field.len()
            }
            Stage::Descriptor => self.descriptor_need() - self.field.len(),
            Stage::Skipping => usize::try_from(self.skip_left).unwrap_or(usize::MAX),
            Stage::BlockData => self.block_need() - self.buf.staged_len(),
            Stage::Deliver => 0,
        }
    }

    /// Bytes of buffer memory held now: at most max block size + 64 KiB +
    /// max block size / 256 + 36, and only what the state needs.
    pub fn memory_usage(&self) -> usize {
        self.buf.allocated()
            + self.dictionary.as_ref().map_or(0, |d| d.bytes.len())
            + self.ahead.memory()
            + self.spare_memory()
            + self.frame_output.hasher_memory()
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
    ///
    /// With [workers](DecoderOptions::workers), output of blocks still being
    /// decoded comes with a later call; a call with empty `input` and no
    /// `end_of_input` waits for them and delivers what fits, so a caller
    /// whose input has ended collects everything before declaring the end
    /// (which, in a truncated stream, fails that call and discards its
    /// output).
    pub fn decompress(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        end_of_input: bool,
    ) -> Result<Progress> {
        self.decompress_step(input, output, end_of_input, true)
    }

    /// [`Decoder::decompress`]; without `flush`, a call without input does
    /// not wait for blocks in flight (the pull API reads more instead).
    fn decompress_step(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        end_of_input: bool,
        flush: bool,
    ) -> Result<Progress> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut pos = Position {
            input: 0,
            output: 0,
            outside_window_from: 0,
        };
        let r = if self.options.workers == 0 && self.ahead.is_empty() {
            self.run_to_end(input, output, &mut pos, end_of_input)
        } else {
            self.run_ahead(input, output, &mut pos, end_of_input, flush)
        };
        self.catch_up_window(output, &mut pos);
        self.input_consumed += pos.input as u64;
        self.output_produced += pos.output as u64;
        let status = match r {
            Ok(Status::NeedInput) if !self.ahead.is_empty() => Ok(Status::NeedInput),
            Ok(Status::NeedInput) if end_of_input && pos.input == input.len() => self.end_input(),
            // Between legacy blocks the input may end: say so, so that a
            // caller whose input ends right here is not left with
            // NeedInput and a truncation verdict of its own making.
            Ok(Status::NeedInput) if self.between_legacy_blocks() => Ok(Status::FrameBoundary),
            other => other,
        };
        match status {
            Ok(status) => Ok(Progress {
                consumed: pos.input,
                produced: pos.output,
                status,
            }),
            Err(e) => {
                self.failed = Some(e);
                Err(e)
            }
        }
    }

    /// Runs the stages over the caller's input (see [`Decoder::run_until`]).
    fn run_to_end(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        pos: &mut Position,
        end_of_input: bool,
    ) -> Result<Status> {
        let mut r = self.run(input, output, pos);
        // A legacy frame ends where the next frame's magic number stands in
        // place of a block size; with `stop_at_frame_end` the decoder stops
        // there already holding that magic (the only FrameBoundary that is
        // not `at_frame_boundary`). If the input ends right after it, go on
        // into the next frame, so that its truncation (or a bad magic) is
        // reported instead of a clean end.
        if end_of_input
            && pos.input == input.len()
            && r == Ok(Status::FrameBoundary)
            && !self.at_frame_boundary()
        {
            r = self.run(input, output, pos);
        }
        r
    }

    /// Input ended: fine at a frame boundary and between legacy blocks.
    fn end_input(&mut self) -> Result<Status> {
        if self.between_legacy_blocks() {
            // The call ends here whether or not the caller stops at frame ends.
            let _ = self.end_frame();
            return Ok(Status::FrameBoundary);
        }
        if self.at_frame_boundary() {
            return Ok(Status::FrameBoundary);
        }
        Err(Error::Truncated)
    }

    /// The header of the current frame, or a default one between frames.
    fn info(&self) -> FrameInfo {
        self.frame.unwrap_or_default()
    }

    /// The current frame is an LZ4 frame of linked blocks.
    fn linked(&self) -> bool {
        let f = self.info();
        f.kind == FrameKind::Lz4 && f.block_linked
    }

    /// Decoded output is hashed as it is produced: checksums are verified
    /// and the current frame has a content checksum.
    fn hashes_content(&self) -> bool {
        let f = self.info();
        self.options.verify_checksums
            && f.kind == FrameKind::Lz4
            && f.content_checksum
            && !self.entered_mid_frame
    }

    fn in_legacy_frame(&self) -> bool {
        self.frame.is_some_and(|f| f.kind == FrameKind::Legacy)
    }

    fn between_legacy_blocks(&self) -> bool {
        self.stage == Stage::BlockHeader && self.field.is_empty() && self.in_legacy_frame()
    }
}

/// A summary, never the buffers' contents: a decoder may hold megabytes.
impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("options", &self.options)
            .field("stage", &self.stage)
            .field("frame", &self.frame)
            .field("field_len", &self.field.len())
            .field("block", &self.block)
            .field("frame_output", &self.frame_output.len)
            .field("skip_left", &self.skip_left)
            .field("input_consumed", &self.input_consumed)
            .field("output_produced", &self.output_produced)
            .field("frames_done", &self.frames_done)
            .field("skippable_frames", &self.skippable_frames)
            .field("failed", &self.failed)
            .field("held_ahead", &self.ahead.held_len())
            .field("dictionary", &self.dictionary)
            .field("buffer", &self.buf)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockSize, Preferences, compress};

    /// Incompressible bytes, so that a frame's blocks are full-size.
    fn noise(len: usize) -> Vec<u8> {
        let mut x = 0x9E37_79B9u32;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    #[test]
    fn debug_of_a_decoder_holding_a_4_mib_block_is_short() {
        let data = noise(4 << 20);
        let prefs = Preferences {
            block_size: BlockSize::Max4MB,
            ..Preferences::default()
        };
        let frame = compress(&data, &prefs).unwrap();
        let mut dec = Decoder::new();
        dec.set_dictionary(&data[..100_000], None);
        // All but the last bytes of the one block: staged in the buffer
        // (with no output room at all it would be left in the input).
        let p = dec
            .decompress(&frame[..frame.len() - 8], &mut [0u8; 1], false)
            .unwrap();
        assert_eq!(p.status, Status::NeedInput);
        assert!(dec.buf.staged_len() > 4_000_000);
        let staged = format!("{dec:?}");
        assert!(staged.len() < 1024, "{} bytes: {staged}", staged.len());
        assert!(staged.contains("BlockData"), "{staged}");
        // Now decoded and waiting for room.
        let mut out = [0u8; 10];
        let p = dec
            .decompress(&frame[p.consumed..], &mut out, false)
            .unwrap();
        assert_eq!(p.status, Status::OutputFull);
        assert!(dec.buf.pending_len() > 4_000_000);
        let pending = format!("{dec:?}");
        assert!(pending.len() < 1024, "{} bytes: {pending}", pending.len());
        assert!(pending.contains("Deliver"), "{pending}");
        assert!(pending.contains(&format!("pending: {}", dec.buf.pending_len())));
    }
}
