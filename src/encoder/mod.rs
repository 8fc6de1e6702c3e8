//! The compressor: an own frame writer over LZ4's block API.
//!
//! Writing frames ourselves instead of through `LZ4F_cctx` lets content
//! checksums use a fast XXH32 (liblz4's streaming one is the bottleneck of
//! its frame API) and keeps every byte of encoder state in our hands.

use crate::error::{Error, Result};
use crate::frame::{
    self, BlockSize, FrameInfo, FrameKind, MAX_HEADER_LEN, UNCOMPRESSED_BIT, write_header,
};
use crate::lz4::BlockCompressor;
use crate::xxh32::Xxh32State;
use parallel::{JOB_BYTES, Parallel};
pub use seek_table::DEFAULT_SEEK_SPAN;
use seek_table::{Stretches, TableRecorder, table_bound};

mod parallel;
mod scoped;
mod seek_table;
mod state;

/// Everything liblz4's frame preferences offer.
///
/// The type is `#[non_exhaustive]`, so that a later version may add a
/// preference without breaking anyone: outside this crate it cannot be
/// built with a struct literal (not even with `..Default::default()`).
/// Start from [`Preferences::default`] and chain the `with_*` setters,
/// one per field, each taking the field's own type; read the public
/// fields directly.
///
/// ```
/// use lz4framed::{BlockSize, Preferences};
/// let prefs = Preferences::default()
///     .with_level(9)
///     .with_block_size(BlockSize::Max1MB)
///     .with_content_checksum(true);
/// assert_eq!(prefs.level, 9);
/// assert!(prefs.block_linked); // untouched: the default
/// ```
///
/// A struct literal is refused outside the crate:
///
/// ```compile_fail,E0639
/// use lz4framed::Preferences;
/// let prefs = Preferences { level: 9, ..Preferences::default() };
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Preferences {
    /// Negative: fast mode with acceleration `1 - level`; 0..=2: fast mode;
    /// 3..=12: HC (higher is stronger and slower; above 12 means 12).
    pub level: i32,
    pub block_size: BlockSize,
    /// Let blocks refer to the previous 64 KiB (better ratio; decoding
    /// must then start at the frame start).
    pub block_linked: bool,
    pub block_checksum: bool,
    pub content_checksum: bool,
    /// Declared content size for streaming compression, verified by
    /// [`Encoder::end`]. The one-shot functions write the real size
    /// whenever this is `Some`, whatever its value.
    pub content_size: Option<u64>,
    /// Compress every [`Encoder::update`]'s input right away instead of
    /// waiting for a full block.
    pub auto_flush: bool,
    /// HC levels 10..=12: parse for faster decoding at a small ratio cost.
    pub favor_dec_speed: bool,
    /// Dictionary ID written into the header (use with a dictionary).
    pub dict_id: Option<u32>,
    /// Worker threads compressing concurrently. 0 (the default): all work
    /// happens in the caller's thread. N: the [`Encoder`] starts N threads
    /// at the first job it hands out and joins them when dropped. Input is
    /// cut into jobs of 4 MiB (whole blocks; a flush or auto-flush ends a
    /// job early) written in input order, at most `2 × N` in flight.
    /// Independent blocks come out byte-identical to `workers: 0`; linked
    /// jobs start from the 64 KiB of input before them, which costs a
    /// little ratio at every job start. The workers also hash the content
    /// checksum, in input order. The one-shot [`compress`] /
    /// [`compress_into`] run up to N threads scoped to the call that read
    /// the input in place and write straight into the output (no job
    /// buffers; with one worker or an input of one job the work stays in
    /// the caller's thread, where a thread would add nothing). At most
    /// [`MAX_WORKERS`]; more is [`Error::InvalidArgument`].
    pub workers: u32,
    /// Seek table (`docs/SEEK_FORMAT.md`): 0 (the default) writes none; N
    /// records a restart point at least every N bytes of input (N rounded
    /// down to whole blocks, at least one block; [`DEFAULT_SEEK_SPAN`] is
    /// 4 MiB) and appends the table, a skippable frame every LZ4 decoder
    /// steps over, after the frame ([`compress`]) or at
    /// [`Encoder::write_seek_table`]. Independent blocks are unchanged; in
    /// linked frames the encoder forgets its history at every restart
    /// point (at least every 4 MiB there), so a reader can start decoding
    /// at it. Output for a given setting is the same with any `workers`
    /// and, streaming, whatever pieces the input comes in: a linked
    /// stretch given in pieces is staged (at most 4 MiB and a block) and
    /// compressed as one run. Exceptions, linked frames with workers
    /// streaming: a dictionary, or a flush (after which the workers
    /// restart from the previous 64 KiB).
    pub seek_table: u64,
}

/// The most worker threads one encoder may own: far beyond any machine's
/// useful parallelism for one stream, and small enough that the memory
/// bound (`2 × N` jobs of 4 MiB in flight) stays meaningful.
pub const MAX_WORKERS: u32 = 256;

impl Default for Preferences {
    /// liblz4's defaults: level 0, 64 KiB linked blocks, no checksums.
    fn default() -> Self {
        Preferences {
            level: 0,
            block_size: BlockSize::Max64KB,
            block_linked: true,
            block_checksum: false,
            content_checksum: false,
            content_size: None,
            auto_flush: false,
            favor_dec_speed: false,
            dict_id: None,
            workers: 0,
            seek_table: 0,
        }
    }
}

impl Preferences {
    /// These preferences with [`level`](Preferences::level) set to `level`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_level(mut self, level: i32) -> Self {
        self.level = level;
        self
    }

    /// These preferences with [`block_size`](Preferences::block_size) set to `block_size`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_block_size(mut self, block_size: BlockSize) -> Self {
        self.block_size = block_size;
        self
    }

    /// These preferences with [`block_linked`](Preferences::block_linked) set to `block_linked`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_block_linked(mut self, block_linked: bool) -> Self {
        self.block_linked = block_linked;
        self
    }

    /// These preferences with [`block_checksum`](Preferences::block_checksum) set to `block_checksum`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_block_checksum(mut self, block_checksum: bool) -> Self {
        self.block_checksum = block_checksum;
        self
    }

    /// These preferences with [`content_checksum`](Preferences::content_checksum) set to `content_checksum`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_content_checksum(mut self, content_checksum: bool) -> Self {
        self.content_checksum = content_checksum;
        self
    }

    /// These preferences with [`content_size`](Preferences::content_size) set to `content_size`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_content_size(mut self, content_size: Option<u64>) -> Self {
        self.content_size = content_size;
        self
    }

    /// These preferences with [`auto_flush`](Preferences::auto_flush) set to `auto_flush`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_auto_flush(mut self, auto_flush: bool) -> Self {
        self.auto_flush = auto_flush;
        self
    }

    /// These preferences with [`favor_dec_speed`](Preferences::favor_dec_speed) set to `favor_dec_speed`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_favor_dec_speed(mut self, favor_dec_speed: bool) -> Self {
        self.favor_dec_speed = favor_dec_speed;
        self
    }

    /// These preferences with [`dict_id`](Preferences::dict_id) set to `dict_id`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_dict_id(mut self, dict_id: Option<u32>) -> Self {
        self.dict_id = dict_id;
        self
    }

    /// These preferences with [`workers`](Preferences::workers) set to `workers`.
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_workers(mut self, workers: u32) -> Self {
        self.workers = workers;
        self
    }

    /// These preferences with [`seek_table`](Preferences::seek_table) set to `span`
    /// (0: no table; [`DEFAULT_SEEK_SPAN`] is the usual choice).
    #[must_use = "returns the changed preferences; `self` is a copy"]
    pub fn with_seek_table(mut self, span: u64) -> Self {
        self.seek_table = span;
        self
    }

    /// The stretch rule of a seek table, when one is asked for.
    fn stretches(&self) -> Option<Stretches> {
        (self.seek_table > 0)
            .then(|| Stretches::new(self.seek_table, self.block_size.bytes(), self.block_linked))
    }

    fn recorder(&self) -> Option<TableRecorder> {
        (self.seek_table > 0).then(|| {
            TableRecorder::new(self.seek_table, self.block_size.bytes(), self.block_linked)
        })
    }

    fn block_overhead(&self) -> usize {
        4 + if self.block_checksum { 4 } else { 0 }
    }

    fn end_overhead(&self) -> usize {
        4 + if self.content_checksum { 4 } else { 0 }
    }

    fn frame_info(&self) -> FrameInfo {
        FrameInfo {
            kind: FrameKind::Lz4,
            block_size: self.block_size,
            block_linked: self.block_linked,
            block_checksum: self.block_checksum,
            content_checksum: self.content_checksum,
            content_size: self.content_size,
            dict_id: self.dict_id,
        }
    }
}

/// Output room that always suffices for one [`Encoder::update`] of
/// `src_len` bytes, and for [`Encoder::flush`] or [`Encoder::end`], however
/// much input the encoder holds (like `LZ4F_compressBound`).
///
/// Without auto-flush an encoder holds up to one block less a byte; with
/// `workers: N` it holds up to `2 × N` jobs in flight plus the job being
/// filled, `(2N + 1) × 4 MiB − 1` bytes, all of which one call may write.
/// [`Encoder::update_bound`] is the tighter bound given the current state.
/// A seek table is written by its own call, with its own exact length
/// ([`Encoder::seek_table_bound`]).
pub fn compress_bound(src_len: usize, prefs: &Preferences) -> usize {
    let bs = prefs.block_size.bytes();
    let held = if prefs.auto_flush {
        0
    } else if prefs.workers > 0 {
        (2 * prefs.workers as usize + 1) * JOB_BYTES - 1
    } else {
        bs - 1
    };
    let total = src_len.saturating_add(held);
    let blocks = total.div_ceil(bs);
    total
        .saturating_add(blocks.saturating_mul(prefs.block_overhead()))
        .saturating_add(prefs.end_overhead())
}

/// Output room that always suffices for a whole frame of `src_len` bytes
/// made by [`compress`] / [`compress_into`] (its seek table included,
/// when [`Preferences::seek_table`] asks for one).
pub fn compress_frame_bound(src_len: usize, prefs: &Preferences) -> usize {
    let blocks = src_len.div_ceil(prefs.block_size.bytes());
    let frame = src_len
        .saturating_add(blocks.saturating_mul(prefs.block_overhead()))
        .saturating_add(prefs.end_overhead() + MAX_HEADER_LEN);
    match prefs.stretches() {
        None => frame,
        Some(s) => frame.saturating_add(table_bound(src_len, frame, &s)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    InFrame,
    Failed,
}

/// A streaming compressor: [`begin`](Encoder::begin), any number of
/// [`update`](Encoder::update) / [`flush`](Encoder::flush), then
/// [`end`](Encoder::end); then it may begin the next frame. With
/// [`Preferences::seek_table`], [`write_seek_table`](Encoder::write_seek_table)
/// after the last frame ends the file with its seek table.
///
/// ```
/// use lz4framed::{Encoder, Preferences, compress_bound, decompress};
/// let prefs = Preferences::default().with_content_checksum(true);
/// let mut enc = Encoder::new(&prefs).unwrap();
/// let mut frame = vec![0u8; 32];
/// let mut n = enc.begin(&mut frame).unwrap();
/// frame.truncate(n);
/// for piece in [&b"stream "[..], b"of ", b"pieces"] {
///     let mut out = vec![0u8; compress_bound(piece.len(), &prefs)];
///     n = enc.update(piece, &mut out).unwrap();
///     frame.extend_from_slice(&out[..n]);
/// }
/// let mut out = vec![0u8; compress_bound(0, &prefs)];
/// n = enc.end(&mut out).unwrap();
/// frame.extend_from_slice(&out[..n]);
/// assert_eq!(decompress(&frame).unwrap(), b"stream of pieces");
/// ```
pub struct Encoder {
    prefs: Preferences,
    mode: Mode,
    hash: Xxh32State,
    total_in: u64,
    stage: Stage,
    /// Every frame and block written, with a seek table.
    table: Option<TableRecorder>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("prefs", &self.prefs)
            .field("held", &self.held())
            .field("total_in", &self.total_in)
            .field("stage", &self.stage)
            .finish()
    }
}

impl Encoder {
    pub fn new(prefs: &Preferences) -> Result<Encoder> {
        Encoder::with_dictionary(prefs, &[])
    }

    /// An encoder whose frames are compressed against `dictionary` (only
    /// its last 64 KiB are used). Set [`Preferences::dict_id`] so decoders
    /// can tell which dictionary a frame needs.
    pub fn with_dictionary(prefs: &Preferences, dictionary: &[u8]) -> Result<Encoder> {
        if prefs.workers > MAX_WORKERS {
            return Err(Error::InvalidArgument);
        }
        let mode = if prefs.workers > 0 {
            Mode::Parallel(Box::new(Parallel::new(prefs.workers, prefs, dictionary)))
        } else {
            let compressor = BlockCompressor::new(
                prefs.level,
                prefs.block_linked,
                dictionary,
                prefs.favor_dec_speed,
            )
            .ok_or(Error::OutOfMemory)?;
            Mode::Serial {
                compressor,
                held: Vec::new(),
                fresh_start: false,
                has_dictionary: !dictionary.is_empty(),
            }
        };
        Ok(Encoder {
            prefs: *prefs,
            mode,
            hash: Xxh32State::new(0),
            total_in: 0,
            stage: Stage::Idle,
            table: prefs.recorder(),
        })
    }

    pub fn preferences(&self) -> &Preferences {
        &self.prefs
    }

    /// Sets the content size the next frame declares (streaming).
    pub fn set_content_size(&mut self, size: Option<u64>) -> Result<()> {
        if self.stage == Stage::InFrame {
            return Err(Error::WrongStage);
        }
        self.prefs.content_size = size;
        Ok(())
    }

    /// Writes the frame header (at most 19 bytes) and starts a frame.
    pub fn begin(&mut self, dst: &mut [u8]) -> Result<usize> {
        if self.stage == Stage::InFrame {
            return Err(Error::WrongStage);
        }
        if dst.len() < MAX_HEADER_LEN {
            return Err(Error::DstTooSmall);
        }
        let table = self.table.is_some();
        match &mut self.mode {
            Mode::Serial {
                compressor,
                held,
                fresh_start,
                has_dictionary,
            } => {
                if self.prefs.block_linked {
                    compressor.clear_staged();
                }
                compressor.start_frame();
                held.clear();
                // As the workers do: a linked frame with a seek table starts
                // its first stretch from a clean state, like every other.
                *fresh_start = table && self.prefs.block_linked && !*has_dictionary;
            }
            Mode::Parallel(par) => {
                if let Err(e) = par.start_frame() {
                    self.fail();
                    return Err(e);
                }
            }
        }
        let n = write_header(&self.prefs.frame_info(), dst);
        if let Some(t) = &mut self.table {
            t.begin_frame(n);
        }
        self.hash = Xxh32State::new(0);
        self.total_in = 0;
        self.stage = Stage::InFrame;
        Ok(n)
    }

    /// The frame cannot go on; nor can a seek table describe it.
    fn fail(&mut self) {
        self.stage = Stage::Failed;
        if let Some(t) = &mut self.table {
            t.fail();
        }
    }

    /// Hands the blocks the workers delivered to the seek table.
    fn record_delivered(&mut self) {
        if let (Mode::Parallel(par), Some(t)) = (&mut self.mode, &mut self.table) {
            for (input, output) in par.take_delivered() {
                t.block(input as usize, output as usize);
            }
        }
    }

    /// The seek table of everything this encoder wrote so far (`None`
    /// without [`Preferences::seek_table`]), as
    /// [`Encoder::write_seek_table`] would write it now.
    pub fn seek_table(&self) -> Option<Result<crate::seek::SeekTable>> {
        self.table.as_ref().map(|t| t.table())
    }

    /// The exact length [`Encoder::write_seek_table`] writes now: 32 bytes
    /// plus 8 per entry. 0 without [`Preferences::seek_table`].
    pub fn seek_table_bound(&self) -> usize {
        self.table
            .as_ref()
            .and_then(|t| t.frame_len().ok())
            .unwrap_or(0)
    }

    /// Writes the seek table of everything this encoder wrote (from its
    /// first byte: the caller must store the encoder's output and nothing
    /// else before it) as a skippable frame, which must be the file's last.
    /// Call it between frames, after [`Encoder::end`]. Another frame may
    /// follow; a table written after it describes this table too (as a
    /// skippable frame), so the last table always covers the whole file.
    ///
    /// Errors: [`Error::SeekTableOff`] without [`Preferences::seek_table`];
    /// [`Error::WrongStage`] inside a frame, or once a frame failed (what
    /// was written of it is unknown); [`Error::DstTooSmall`] (nothing
    /// changes) when `dst` is shorter than [`Encoder::seek_table_bound`].
    pub fn write_seek_table(&mut self, dst: &mut [u8]) -> Result<usize> {
        if self.stage == Stage::InFrame {
            return Err(Error::WrongStage);
        }
        self.table.as_mut().ok_or(Error::SeekTableOff)?.write(dst)
    }

    fn block_bytes(&self) -> usize {
        self.prefs.block_size.bytes()
    }

    /// Input bytes given but not yet written out (compressed or not).
    fn held(&self) -> usize {
        match &self.mode {
            Mode::Serial { compressor, .. } if self.staged() => compressor.staged_pending(),
            Mode::Serial { held, .. } => held.len(),
            Mode::Parallel(par) => par.held(),
        }
    }

    /// A serial encoder of linked frames with a seek table: each stretch
    /// is compressed as one contiguous run, as the workers compress it,
    /// whatever pieces the input comes in (see `Encoder::stage`).
    fn staged(&self) -> bool {
        self.table.is_some() && self.prefs.block_linked && matches!(self.mode, Mode::Serial { .. })
    }

    /// Output bound of jobs in flight (parallel encoders).
    fn pending_bound(&self) -> usize {
        match &self.mode {
            Mode::Serial { .. } => 0,
            Mode::Parallel(par) => par.pending_bound(),
        }
    }

    /// The worst case of `update(src_len)` given what is held now: every
    /// block the call may complete, stored raw, plus (with workers) the
    /// bound of every job in flight, since the call may write them all.
    /// Exact for `workers: 0`.
    pub fn update_bound(&self, src_len: usize) -> usize {
        let bs = self.block_bytes();
        let total = self.held().saturating_add(src_len);
        let (blocks, bytes) = if self.prefs.auto_flush {
            (total.div_ceil(bs), total)
        } else {
            (total / bs, total / bs * bs)
        };
        (bytes + blocks * self.prefs.block_overhead()).saturating_add(self.pending_bound())
    }

    /// Worker threads running now (0 until the first job is handed out,
    /// and always 0 with `workers: 0`).
    pub fn worker_threads(&self) -> usize {
        match &self.mode {
            Mode::Serial { .. } => 0,
            Mode::Parallel(par) => par.threads(),
        }
    }

    /// Bytes of job buffers a parallel encoder owns now (input being
    /// gathered, jobs in flight, recycled buffers); 0 with `workers: 0`,
    /// whose one block buffer is at most a block. Never more than
    /// [`Encoder::memory_bound`]. LZ4's own states (16 KiB fast, 256 KiB
    /// HC, per worker) are not counted.
    pub fn memory_usage(&self) -> usize {
        match &self.mode {
            Mode::Serial {
                held, compressor, ..
            } => {
                held.capacity()
                    + if self.prefs.block_linked {
                        compressor.staging_capacity()
                    } else {
                        0
                    }
            }
            Mode::Parallel(par) => par.memory_usage(),
        }
    }

    /// The most [`Encoder::memory_usage`] can reach: for `workers: N`,
    /// `2N + 1` input buffers of 4 MiB (plus 64 KiB of history for linked
    /// blocks) and `2N` output buffers of their compress bound.
    pub fn memory_bound(&self) -> usize {
        match &self.mode {
            Mode::Serial { .. } if self.staged() => self
                .table
                .as_ref()
                .map_or(0, |t| t.stretches().limit() as usize + self.block_bytes()),
            Mode::Serial { .. } => self.block_bytes(),
            Mode::Parallel(par) => par.memory_bound(),
        }
    }

    /// The exact worst case of `end()` given what is held now.
    pub fn end_bound(&self) -> usize {
        self.flush_bound() + self.prefs.end_overhead()
    }

    fn flush_bound(&self) -> usize {
        let held = self.held();
        let blocks = held.div_ceil(self.block_bytes());
        held + blocks * self.prefs.block_overhead() + self.pending_bound()
    }

    fn check(&self, dst: &[u8], need: usize) -> Result<()> {
        match self.stage {
            Stage::InFrame if dst.len() >= need => Ok(()),
            Stage::InFrame => Err(Error::DstTooSmall),
            _ => Err(Error::WrongStage),
        }
    }

    /// Compresses `src`, writing whole blocks to `dst` and holding the rest
    /// (unless auto-flush). `dst` must have room for
    /// [`Encoder::update_bound`] (or [`compress_bound`]) bytes, checked
    /// before anything happens, so a too-small buffer changes nothing.
    pub fn update(&mut self, src: &[u8], dst: &mut [u8]) -> Result<usize> {
        self.check(dst, self.update_bound(src.len()))?;
        self.total_in += src.len() as u64;
        if let Mode::Parallel(par) = &mut self.mode {
            // The workers hash the content checksum in input order.
            let r = par.push(src, self.prefs.auto_flush, dst);
            if r.is_err() {
                self.fail();
            }
            self.record_delivered();
            return r;
        }
        if self.prefs.content_checksum {
            self.hash.update(src);
        }
        if self.staged() {
            let r = self.stage(src, self.prefs.auto_flush, dst);
            if r.is_err() {
                // Blocks may have been written before memory ran out.
                self.fail();
            }
            return r;
        }
        let bs = self.block_bytes();
        let mut rest = src;
        let mut written = 0;
        let held_len = self.held();
        if held_len > 0 {
            let fill = (bs - held_len).min(rest.len());
            self.held_mut().extend_from_slice(&rest[..fill]);
            rest = &rest[fill..];
            if self.held() == bs || (self.prefs.auto_flush && rest.is_empty()) {
                written += self.compress_held(dst);
            }
        }
        let direct = if self.prefs.auto_flush {
            rest.len()
        } else {
            rest.len() / bs * bs
        };
        written += self.compress(&rest[..direct], &mut dst[written..]);
        let tail = &rest[direct..];
        if !tail.is_empty() {
            let held = self.held_mut();
            if held.capacity() == 0 {
                held.try_reserve_exact(bs).map_err(|_| Error::OutOfMemory)?;
            }
            held.extend_from_slice(tail);
        }
        Ok(written)
    }

    /// Compresses whatever is held into a (short) block, so that all input
    /// given so far can be decoded from the output so far.
    pub fn flush(&mut self, dst: &mut [u8]) -> Result<usize> {
        self.check(dst, self.flush_bound())?;
        self.write_held(dst)
    }

    /// Writes out everything held: the held block (serial) or every job.
    fn write_held(&mut self, dst: &mut [u8]) -> Result<usize> {
        let staged = self.staged();
        match &mut self.mode {
            Mode::Serial { .. } if staged => self.stage(&[], true, dst),
            Mode::Serial { .. } => Ok(self.compress_held(dst)),
            Mode::Parallel(par) => {
                let r = par.flush(dst);
                if r.is_err() {
                    self.fail();
                }
                self.record_delivered();
                r
            }
        }
    }

    /// Flushes, writes the end mark and the content checksum, and ends the
    /// frame. Fails with [`Error::ContentSize`] when a declared content
    /// size differs from the input given; the encoder then needs `begin`.
    pub fn end(&mut self, dst: &mut [u8]) -> Result<usize> {
        self.check(dst, self.end_bound())?;
        if self
            .prefs
            .content_size
            .is_some_and(|size| size != self.total_in)
        {
            self.fail();
            return Err(Error::ContentSize);
        }
        let mut n = self.write_held(dst)?;
        let checksum = match &self.mode {
            Mode::Serial { .. } => self.prefs.content_checksum.then(|| self.hash.digest()),
            Mode::Parallel(par) => match par.content_checksum() {
                Ok(sum) => sum,
                Err(e) => {
                    self.fail();
                    return Err(e);
                }
            },
        };
        if let Some(t) = &mut self.table {
            t.end_frame(self.prefs.end_overhead());
        }
        dst[n..n + 4].copy_from_slice(&0u32.to_le_bytes());
        n += 4;
        if let Some(sum) = checksum {
            dst[n..n + 4].copy_from_slice(&sum.to_le_bytes());
            n += 4;
        }
        self.stage = Stage::Idle;
        Ok(n)
    }

    fn held_mut(&mut self) -> &mut Vec<u8> {
        match &mut self.mode {
            Mode::Serial { held, .. } => held,
            Mode::Parallel(_) => unreachable!("the serial path only"),
        }
    }

    fn compress_held(&mut self, dst: &mut [u8]) -> usize {
        let Mode::Serial { held, .. } = &mut self.mode else {
            return 0;
        };
        let block = std::mem::take(held);
        let n = self.compress(&block, dst);
        if let Mode::Serial { held, .. } = &mut self.mode {
            *held = block;
            held.clear();
        }
        n
    }

    fn compress(&mut self, src: &[u8], dst: &mut [u8]) -> usize {
        let Mode::Serial { compressor, .. } = &mut self.mode else {
            return 0;
        };
        let checksum = self.prefs.block_checksum;
        let bs = self.prefs.block_size.bytes();
        let Some(table) = &mut self.table else {
            return compress_blocks(compressor, src, bs, checksum, dst);
        };
        // Independent blocks (linked ones are staged): record each block.
        if src.is_empty() {
            return 0;
        }
        compressor.compress_run(src, bs, dst, |o, p, n| {
            let len = write_block(o, p, n, checksum);
            table.block(p.len(), len);
            len
        })
    }

    /// Serial linked frames with a seek table: compresses `src`, one
    /// stretch at a time, each restart point from a clean state (no
    /// history, no dictionary), writing the whole blocks it completes (all
    /// input with `all`). A stretch whose input arrives whole is
    /// compressed where it is; one that arrives in pieces is staged in the
    /// compressor, so that either way it is one contiguous run, as a
    /// worker compresses it: the output does not depend on the pieces.
    fn stage(&mut self, src: &[u8], all: bool, dst: &mut [u8]) -> Result<usize> {
        let Mode::Serial {
            compressor,
            fresh_start,
            ..
        } = &mut self.mode
        else {
            return Ok(0);
        };
        let Some(table) = &mut self.table else {
            return Ok(0);
        };
        let checksum = self.prefs.block_checksum;
        let bs = self.prefs.block_size.bytes();
        // A stretch holds at most `limit` bytes, and after a flush up to a
        // block less one more (a short block, then whole ones).
        let capacity = table.stretches().limit() as usize + bs;
        let mut written = 0;
        let mut rest = src;
        loop {
            let s = *table.stretches();
            // The stretch before the restart point is done: its staged
            // bytes go (not those of the new one, staged but not compressed).
            if s.at_restart() && compressor.staged_len() > compressor.staged_pending() {
                compressor.clear_staged();
            }
            // Whether the next block to compress starts from a clean state.
            let fresh = s.at_restart() || *fresh_start;
            let room = usize::try_from(s.room()).unwrap_or(usize::MAX);
            let finish = |o: &mut [u8], p: &[u8], n: usize| {
                let len = write_block(o, p, n, checksum);
                table.block(p.len(), len);
                len
            };
            if compressor.staged_len() == 0 && rest.len() >= room {
                let (stretch, tail) = rest.split_at(room);
                let out = &mut dst[written..];
                written += if fresh {
                    compressor.compress_after_prefix(stretch, 0, bs, out, finish)
                } else {
                    compressor.compress_run(stretch, bs, out, finish)
                };
                *fresh_start = false;
                rest = tail;
                continue;
            }
            if !rest.is_empty() && !compressor.reserve_staging(capacity) {
                return Err(Error::OutOfMemory);
            }
            let pending = compressor.staged_pending();
            let taken = compressor.stage(&rest[..(room - pending).min(rest.len())]);
            rest = &rest[taken..];
            let ready = compressor.staged_pending();
            let blocks = if all && rest.is_empty() {
                ready
            } else {
                ready / bs * bs
            };
            if blocks > 0 {
                let out = &mut dst[written..];
                written += compressor.compress_staged(blocks, fresh, bs, out, finish);
                *fresh_start = false;
            }
            if rest.is_empty() {
                return Ok(written);
            }
        }
    }
}

/// Where an encoder compresses.
enum Mode {
    /// In the caller's thread, one block buffer for input held back.
    Serial {
        compressor: BlockCompressor,
        held: Vec<u8>,
        /// The next block starts the frame's first stretch from a clean
        /// state (linked frames with a seek table, no dictionary).
        fresh_start: bool,
        has_dictionary: bool,
    },
    /// In worker threads, by jobs.
    Parallel(Box<Parallel>),
}

fn compress_blocks(
    compressor: &mut BlockCompressor,
    src: &[u8],
    block_size: usize,
    checksum: bool,
    dst: &mut [u8],
) -> usize {
    if src.is_empty() {
        return 0;
    }
    compressor.compress_run(src, block_size, dst, |out, piece, n| {
        write_block(out, piece, n, checksum)
    })
}

/// Frames one block whose compressed bytes (if `compressed_len` > 0) are
/// already at `out[4..]`.
fn write_block(out: &mut [u8], piece: &[u8], compressed_len: usize, checksum: bool) -> usize {
    let (len, header) = if compressed_len == 0 {
        out[4..4 + piece.len()].copy_from_slice(piece);
        (piece.len(), piece.len() as u32 | UNCOMPRESSED_BIT)
    } else {
        (compressed_len, compressed_len as u32)
    };
    out[..4].copy_from_slice(&header.to_le_bytes());
    let mut n = 4 + len;
    if checksum {
        let sum = frame::xxh32(&out[4..n]);
        out[n..n + 4].copy_from_slice(&sum.to_le_bytes());
        n += 4;
    }
    n
}

/// Compresses `src` into one frame in `dst` (room: [`compress_frame_bound`]).
pub fn compress_into(src: &[u8], dst: &mut [u8], prefs: &Preferences) -> Result<usize> {
    compress_into_with_dictionary(src, dst, prefs, &[])
}

/// [`compress_into`] against a dictionary.
pub fn compress_into_with_dictionary(
    src: &[u8],
    dst: &mut [u8],
    prefs: &Preferences,
    dict: &[u8],
) -> Result<usize> {
    let mut prefs = *prefs;
    if prefs.content_size.is_some() {
        prefs.content_size = Some(src.len() as u64);
    }
    // One call: no reason to hold input back.
    prefs.auto_flush = true;
    if prefs.workers > 0 {
        return compress_frame_scoped(src, dst, &prefs, dict);
    }
    let mut enc = Encoder::with_dictionary(&prefs, dict)?;
    let header = enc.begin(dst)?;
    let body = enc.update(src, &mut dst[header..])?;
    let mut n = header + body;
    n += enc.end(&mut dst[n..])?;
    if prefs.seek_table > 0 {
        n += enc.write_seek_table(&mut dst[n..])?;
    }
    Ok(n)
}

/// [`compress_into_with_dictionary`] with workers: the frame body comes
/// from threads scoped to this call that read `src` in place (see
/// `scoped`). Checks and errors are those of the streaming encoder that
/// the serial path goes through.
fn compress_frame_scoped(
    src: &[u8],
    dst: &mut [u8],
    prefs: &Preferences,
    dict: &[u8],
) -> Result<usize> {
    if prefs.workers > MAX_WORKERS {
        return Err(Error::InvalidArgument);
    }
    if dst.len() < MAX_HEADER_LEN {
        return Err(Error::DstTooSmall);
    }
    let header = write_header(&prefs.frame_info(), dst);
    if dst.len() - header < scoped::body_bound(src.len(), prefs) {
        return Err(Error::DstTooSmall);
    }
    let body = scoped::compress_body(src, &mut dst[header..], prefs, dict)?;
    let mut n = header + body.len;
    if dst.len() - n < prefs.end_overhead() {
        return Err(Error::DstTooSmall);
    }
    dst[n..n + 4].copy_from_slice(&0u32.to_le_bytes());
    n += 4;
    if let Some(sum) = body.checksum {
        dst[n..n + 4].copy_from_slice(&sum.to_le_bytes());
        n += 4;
    }
    if let Some(mut table) = prefs.recorder() {
        table.begin_frame(header);
        for (input, output) in body.blocks {
            table.block(input as usize, output as usize);
        }
        table.end_frame(prefs.end_overhead());
        n += table.write(&mut dst[n..])?;
    }
    Ok(n)
}

/// Compresses `src` into a new frame.
///
/// ```
/// use lz4framed::{compress, decompress, Preferences, BlockSize};
/// let prefs = Preferences::default().with_level(9).with_block_size(BlockSize::Max4MB);
/// let data = b"an example an example an example".repeat(100);
/// let frame = compress(&data, &prefs).unwrap();
/// assert!(frame.len() < data.len());
/// assert_eq!(decompress(&frame).unwrap(), data);
/// ```
pub fn compress(src: &[u8], prefs: &Preferences) -> Result<Vec<u8>> {
    compress_with_dictionary(src, prefs, &[])
}

/// [`compress`] against a dictionary.
pub fn compress_with_dictionary(src: &[u8], prefs: &Preferences, dict: &[u8]) -> Result<Vec<u8>> {
    let mut dst = Vec::new();
    dst.try_reserve_exact(compress_frame_bound(src.len(), prefs))
        .map_err(|_| Error::OutOfMemory)?;
    dst.resize(compress_frame_bound(src.len(), prefs), 0);
    let n = compress_into_with_dictionary(src, &mut dst, prefs, dict)?;
    dst.truncate(n);
    Ok(dst)
}
