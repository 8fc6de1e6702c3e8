//! Clone, marshal and unmarshal of the encoder: the portable blob of
//! `docs/ENCODER_STATE_FORMAT.md`.
//!
//! A restored encoder continues exactly as the original would have: its
//! output is byte-identical to the uninterrupted encoder's. For linked
//! blocks that needs LZ4's match finder (hash and chain tables, indices),
//! not only the 64 KiB window, so the blob carries the fields of LZ4's
//! stream state (see `lz4::MatchState`); independent blocks start every
//! block afresh and carry no LZ4 state at all. An encoder with workers is
//! first settled: every job in flight is waited for, and its output (not
//! yet returned to the caller) travels in the blob, to be written by the
//! restored encoder's next call.
//!
//! With a seek table the blob also carries the table writer's record and,
//! for a linked stretch staged in pieces, the staged bytes and the runs
//! they were compressed in (`state/seek.rs`).
//!
//! Every field is little-endian and fixed-width. Reading never trusts the
//! blob: the whole-blob checksum first, then every field and length against
//! the preferences it describes, before anything is allocated.

use super::parallel::{JOB_BYTES, Parallel, Snapshot};
use super::seek_table::{Stretches, TableRecorder};
use super::{Encoder, MAX_WORKERS, Mode, Preferences, Stage};
use crate::blob_reader::BlobReader as Reader;
use crate::error::{Error, Result};
use crate::frame::BlockSize;
use crate::lz4::{
    BlockCompressor, FAST_HASH_ENTRIES, FastMatchState, HC_CHAIN_ENTRIES, HC_HASH_ENTRIES,
    HcMatchState, MatchState, Staging, WINDOW_SIZE, match_finder_variant, version_number,
};
use crate::xxh32::{Xxh32Parts, Xxh32State};
use xxhash_rust::xxh3::xxh3_64;

mod seek;
use seek::SeekView;

/// "L4FE" in the first four bytes (the decoder's blobs say "L4FS").
const MAGIC: [u8; 4] = *b"L4FE";
/// The format this library writes; it reads this one only (so far).
const VERSION: u16 = 1;

const HEADER_LEN: usize = 12;
const CHECKSUM_LEN: usize = 8;
const PREFS_LEN: usize = 22;
const PROGRESS_LEN: usize = 8;
const HASH_LEN: usize = 17;
const DICT_LEN: usize = 12;
const MATCH_HEADER_LEN: usize = 6;
const FAST_FIELDS_LEN: usize = 13;
const HC_FIELDS_LEN: usize = 21;
const BUFFERS_LEN: usize = 12;

const F_FRAME: u16 = 1 << 0;
const F_FAILED: u16 = 1 << 1;
const F_HASH: u16 = 1 << 2;
const F_DICT: u16 = 1 << 3;
const F_MATCH: u16 = 1 << 4;
/// The seek-table section (preferences with `seek_table` set).
const F_SEEK: u16 = 1 << 5;
/// The staging section (linked, serial, a seek table, bytes staged).
const F_STAGED: u16 = 1 << 6;
const F_KNOWN: u16 = (1 << 7) - 1;

const P_LINKED: u8 = 1 << 0;
const P_BLOCK_CRC: u8 = 1 << 1;
const P_CONTENT_CRC: u8 = 1 << 2;
const P_CONTENT_SIZE: u8 = 1 << 3;
const P_AUTO_FLUSH: u8 = 1 << 4;
const P_FAVOR_DEC: u8 = 1 << 5;
const P_DICT_ID: u8 = 1 << 6;
const P_KNOWN: u8 = (1 << 7) - 1;

const ENGINE_FAST: u8 = 0;
const ENGINE_HC: u8 = 1;
const M_WINDOW: u8 = 1 << 0;
const M_DICT: u8 = 1 << 1;

/// What a blob describes, borrowed from the live encoder.
struct View<'a> {
    flags: u16,
    hash: Option<Xxh32Parts>,
    dictionary: &'a [u8],
    matcher: Option<(MatchState, &'a [u8])>,
    /// Serial: the LZ4 window (also in `matcher`); parallel: the history
    /// the job being filled starts from.
    window: &'a [u8],
    held: &'a [u8],
    owed: Vec<u8>,
    /// With a seek table: the writer's state.
    seek: Option<SeekView<'a>>,
    /// A linked stretch staged in pieces (serial, with a seek table).
    staging: Option<Staging<'a>>,
}

impl Encoder {
    /// Everything the blob holds, settling a parallel encoder first.
    fn view(&self) -> Result<View<'_>> {
        let in_frame = self.stage == Stage::InFrame;
        let mut view = View {
            flags: match self.stage {
                Stage::InFrame => F_FRAME,
                Stage::Failed => F_FAILED,
                Stage::Idle => 0,
            },
            hash: None,
            dictionary: &[],
            matcher: None,
            window: &[],
            held: &[],
            owed: Vec::new(),
            seek: None,
            staging: None,
        };
        let mut fresh_start = false;
        let mut owed_blocks = Vec::new();
        let mut plan_len = 0;
        match &self.mode {
            Mode::Serial {
                compressor,
                held,
                fresh_start: fresh,
                ..
            } => {
                view.dictionary = compressor.dictionary();
                fresh_start = *fresh;
                let staging = compressor.staging();
                view.matcher = if staging.done > 0 {
                    // LZ4 points into the staged bytes: the blob holds the
                    // state before the staged runs, which unmarshal replays.
                    let (state, window) = staging.base.ok_or(Error::Internal)?;
                    Some((state.clone(), window))
                } else {
                    compressor.match_state()?
                };
                if !staging.bytes.is_empty() {
                    view.staging = Some(staging);
                }
                if let Some((_, window)) = &view.matcher {
                    view.window = window;
                }
                if in_frame {
                    view.held = held;
                    if self.prefs.content_checksum {
                        view.hash = Some(self.hash.to_parts());
                    }
                }
            }
            Mode::Parallel(par) => {
                view.dictionary = par.dictionary();
                // Outside a frame nothing of a parallel encoder matters:
                // the next begin starts afresh.
                if in_frame {
                    let snap = par.snapshot()?;
                    view.window = snap.history;
                    view.held = snap.held;
                    view.owed = snap.owed;
                    view.hash = snap.hash;
                    owed_blocks = snap.owed_blocks;
                    plan_len = snap.plan_len;
                }
            }
        }
        for (bit, on) in [
            (F_HASH, view.hash.is_some()),
            (F_DICT, !view.dictionary.is_empty()),
            (F_MATCH, view.matcher.is_some()),
            (F_SEEK, self.table.is_some()),
            (F_STAGED, view.staging.is_some()),
        ] {
            if on {
                view.flags |= bit;
            }
        }
        view.seek = self.table.as_ref().map(|t| SeekView {
            span: self.prefs.seek_table,
            parts: t.parts(),
            fresh_start,
            plan_len,
            owed_blocks,
        });
        Ok(view)
    }

    /// The exact length of [`Encoder::marshal`]'s blob right now. With
    /// workers this first waits for the jobs in flight (see
    /// [`Encoder::marshal`]).
    pub fn marshal_size(&self) -> Result<usize> {
        Ok(size_of_view(&self.view()?))
    }

    /// Serialises the complete state into a portable blob (format:
    /// `docs/ENCODER_STATE_FORMAT.md`), at any point between calls: inside
    /// a frame with input held back, at a block boundary, between frames.
    /// [`Encoder::unmarshal`] rebuilds an encoder whose further output is
    /// byte-identical to what this one writes from here on. The dictionary
    /// is not included (only its length and hash): pass it again.
    ///
    /// With workers, marshal first waits for every job in flight; their
    /// output, not yet returned by this encoder, is part of the blob and is
    /// written by the restored encoder's next call (this encoder still
    /// writes it too). The blob then holds up to `2 × workers` jobs of
    /// output besides the input being gathered.
    ///
    /// Sizes: about 110 bytes at a block boundary for independent blocks;
    /// linked blocks add the 64 KiB window and LZ4's match finder (16 KiB
    /// fast, 256 KiB HC), with workers only the window. Held input adds its
    /// length. A seek table adds 50 bytes and 9 per entry recorded so far;
    /// linked blocks without workers also the input of the current stretch
    /// when it came in pieces (at most 4 MiB and a block), which unmarshal
    /// compresses again to rebuild LZ4's state.
    ///
    /// ```
    /// use lz4framed::{Encoder, Preferences};
    /// let prefs = Preferences::default().with_content_checksum(true);
    /// let data = b"resumable compression ".repeat(10_000);
    /// // The same two updates, with a marshal/unmarshal between them or not.
    /// let run = |hop: bool| {
    ///     let mut enc = Encoder::new(&prefs).unwrap();
    ///     let mut out = vec![0u8; 1 << 20];
    ///     let mut n = enc.begin(&mut out).unwrap();
    ///     n += enc.update(&data[..100_000], &mut out[n..]).unwrap();
    ///     if hop {
    ///         let blob = enc.marshal().unwrap();
    ///         drop(enc); // e.g. the process dies here
    ///         enc = Encoder::unmarshal(&blob, None).unwrap();
    ///     }
    ///     n += enc.update(&data[100_000..], &mut out[n..]).unwrap();
    ///     n += enc.end(&mut out[n..]).unwrap();
    ///     out.truncate(n);
    ///     out
    /// };
    /// assert_eq!(run(true), run(false));
    /// assert_eq!(lz4framed::decompress(&run(true)).unwrap(), data);
    /// ```
    pub fn marshal(&self) -> Result<Vec<u8>> {
        let view = self.view()?;
        let mut w = Vec::new();
        w.try_reserve_exact(size_of_view(&view))
            .map_err(|_| Error::OutOfMemory)?;
        write_view(&mut w, &self.prefs, self.total_in, &view);
        Ok(w)
    }

    /// Writes the blob into `dst`; [`Error::DstTooSmall`] (and nothing
    /// written) when it is shorter than [`Encoder::marshal_size`].
    pub fn marshal_into(&self, dst: &mut [u8]) -> Result<usize> {
        let view = self.view()?;
        let size = size_of_view(&view);
        if dst.len() < size {
            return Err(Error::DstTooSmall);
        }
        let mut w = Vec::new();
        w.try_reserve_exact(size).map_err(|_| Error::OutOfMemory)?;
        write_view(&mut w, &self.prefs, self.total_in, &view);
        dst[..size].copy_from_slice(&w);
        Ok(size)
    }

    /// An independent copy that writes exactly what `self` would write
    /// from here on. With workers, the jobs in flight are waited for first
    /// (both encoders then write their output); the copy starts its own
    /// threads at its first job. Errors: [`Error::OutOfMemory`], and
    /// [`Error::Internal`] for a worker that died (a bug).
    pub fn try_clone(&self) -> Result<Encoder> {
        let mode = match &self.mode {
            Mode::Serial {
                compressor,
                held,
                fresh_start,
                has_dictionary,
            } => {
                let mut copy = Vec::new();
                if held.capacity() > 0 {
                    copy.try_reserve_exact(held.capacity())
                        .map_err(|_| Error::OutOfMemory)?;
                    copy.extend_from_slice(held);
                }
                Mode::Serial {
                    compressor: compressor.try_clone()?,
                    held: copy,
                    fresh_start: *fresh_start,
                    has_dictionary: *has_dictionary,
                }
            }
            Mode::Parallel(par) => {
                let (workers, dict) = (self.prefs.workers, par.dictionary());
                let copy = if self.stage == Stage::InFrame {
                    let snap = par.snapshot()?;
                    let hash = snap.hash.as_ref().and_then(Xxh32State::from_parts);
                    Parallel::restore(workers, &self.prefs, dict, &snap, hash)?
                } else {
                    Parallel::new(workers, &self.prefs, dict)
                };
                Mode::Parallel(Box::new(copy))
            }
        };
        Ok(Encoder {
            prefs: self.prefs,
            mode,
            hash: self.hash.clone(),
            total_in: self.total_in,
            stage: self.stage,
            table: self.table.clone(),
        })
    }

    /// Rebuilds an encoder from a blob made by [`Encoder::marshal`], here
    /// or on another machine. `dictionary` must be the dictionary the
    /// encoder had (checked by length and hash), or `None` when it had none
    /// (an empty slice means the same). Errors, all before anything is
    /// allocated: [`Error::EncoderStateMagic`] (not an encoder state, e.g.
    /// a decoder's), [`Error::EncoderStateVersion`],
    /// [`Error::EncoderStateTruncated`], [`Error::EncoderStateChecksum`]
    /// (damaged), [`Error::EncoderStateCorrupt`] (impossible values),
    /// [`Error::EncoderStateDictionary`], [`Error::EncoderStateEngine`]
    /// (LZ4 tables from a build that hashes differently); then
    /// [`Error::OutOfMemory`].
    pub fn unmarshal(blob: &[u8], dictionary: Option<&[u8]>) -> Result<Encoder> {
        unmarshal(blob, dictionary.unwrap_or(&[]))
    }
}

impl Clone for Encoder {
    /// [`Encoder::try_clone`]; panics where that fails (no memory, or a
    /// worker thread that died).
    fn clone(&self) -> Self {
        self.try_clone()
            .unwrap_or_else(|e| panic!("cloning an encoder: {e}"))
    }
}

fn size_of_view(v: &View<'_>) -> usize {
    let mut n = HEADER_LEN + PREFS_LEN + PROGRESS_LEN + BUFFERS_LEN + CHECKSUM_LEN;
    if let Some(h) = &v.hash {
        n += HASH_LEN + h.buffered_len as usize;
    }
    if !v.dictionary.is_empty() {
        n += DICT_LEN;
    }
    n += match &v.matcher {
        None => 0,
        Some((MatchState::Fast(_), _)) => {
            MATCH_HEADER_LEN + FAST_FIELDS_LEN + 4 * FAST_HASH_ENTRIES
        }
        Some((MatchState::Hc(_), _)) => {
            MATCH_HEADER_LEN + HC_FIELDS_LEN + 4 * HC_HASH_ENTRIES + 2 * HC_CHAIN_ENTRIES
        }
    };
    n += v.seek.as_ref().map_or(0, SeekView::len);
    n += v.staging.as_ref().map_or(0, seek::staging_len);
    n + v.window.len() + v.held.len() + v.owed.len()
}

fn write_view(w: &mut Vec<u8>, prefs: &Preferences, total_in: u64, v: &View<'_>) {
    w.extend_from_slice(&MAGIC);
    w.extend_from_slice(&VERSION.to_le_bytes());
    w.extend_from_slice(&v.flags.to_le_bytes());
    w.extend_from_slice(&[0; 4]); // total length, filled in below
    write_prefs(w, prefs);
    let in_frame = v.flags & F_FRAME != 0;
    w.extend_from_slice(&(if in_frame { total_in } else { 0 }).to_le_bytes());
    if let Some(h) = &v.hash {
        for lane in h.lanes {
            w.extend_from_slice(&lane.to_le_bytes());
        }
        w.push(h.buffered_len);
        w.extend_from_slice(&h.buffer[..h.buffered_len as usize]);
    }
    if !v.dictionary.is_empty() {
        w.extend_from_slice(&(v.dictionary.len() as u32).to_le_bytes());
        w.extend_from_slice(&xxh3_64(v.dictionary).to_le_bytes());
    }
    if let Some((state, _)) = &v.matcher {
        write_match_state(w, state);
    }
    for len in [v.window.len(), v.held.len(), v.owed.len()] {
        w.extend_from_slice(&(len as u32).to_le_bytes());
    }
    w.extend_from_slice(v.window);
    w.extend_from_slice(v.held);
    w.extend_from_slice(&v.owed);
    if let Some(sv) = &v.seek {
        sv.write(w);
    }
    if let Some(st) = &v.staging {
        seek::write_staging(w, st);
    }
    let total = (w.len() + CHECKSUM_LEN) as u32;
    w[8..12].copy_from_slice(&total.to_le_bytes());
    let sum = xxh3_64(w);
    w.extend_from_slice(&sum.to_le_bytes());
}

fn write_prefs(w: &mut Vec<u8>, p: &Preferences) {
    w.extend_from_slice(&p.level.to_le_bytes());
    w.push(p.block_size.id());
    let mut f = 0u8;
    for (bit, on) in [
        (P_LINKED, p.block_linked),
        (P_BLOCK_CRC, p.block_checksum),
        (P_CONTENT_CRC, p.content_checksum),
        (P_CONTENT_SIZE, p.content_size.is_some()),
        (P_AUTO_FLUSH, p.auto_flush),
        (P_FAVOR_DEC, p.favor_dec_speed),
        (P_DICT_ID, p.dict_id.is_some()),
    ] {
        if on {
            f |= bit;
        }
    }
    w.push(f);
    w.extend_from_slice(&p.content_size.unwrap_or(0).to_le_bytes());
    w.extend_from_slice(&p.dict_id.unwrap_or(0).to_le_bytes());
    w.extend_from_slice(&p.workers.to_le_bytes());
}

fn write_match_state(w: &mut Vec<u8>, state: &MatchState) {
    let engine = match state {
        MatchState::Fast(_) => ENGINE_FAST,
        MatchState::Hc(_) => ENGINE_HC,
    };
    w.push(engine);
    w.push(match_finder_variant());
    w.extend_from_slice(&version_number().to_le_bytes());
    match state {
        MatchState::Fast(s) => {
            let mut m = 0;
            if s.has_window {
                m |= M_WINDOW;
            }
            if s.dict_attached {
                m |= M_DICT;
            }
            w.push(m);
            for v in [s.current_offset, s.table_type, s.dict_size] {
                w.extend_from_slice(&v.to_le_bytes());
            }
            for e in &s.hash_table {
                w.extend_from_slice(&e.to_le_bytes());
            }
        }
        MatchState::Hc(s) => {
            let mut m = 0;
            if s.prefix.is_some() {
                m |= M_WINDOW;
            }
            if s.dict_attached {
                m |= M_DICT;
            }
            w.push(m);
            for v in [
                s.prefix.unwrap_or(0),
                s.dict_limit,
                s.low_limit,
                s.next_to_update,
            ] {
                w.extend_from_slice(&v.to_le_bytes());
            }
            w.extend_from_slice(&s.level.to_le_bytes());
            w.push(s.favor_dec_speed as u8);
            w.push(s.dirty as u8);
            for e in &s.hash_table {
                w.extend_from_slice(&e.to_le_bytes());
            }
            for e in &s.chain_table {
                w.extend_from_slice(&e.to_le_bytes());
            }
        }
    }
}

fn check(ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::EncoderStateCorrupt)
    }
}

/// Checks the envelope (magic, version, length, checksum) and returns the
/// body the checksum covers.
fn open_envelope(blob: &[u8]) -> Result<&[u8]> {
    if blob.len() < 4 {
        return if MAGIC.starts_with(blob) {
            Err(Error::EncoderStateTruncated)
        } else {
            Err(Error::EncoderStateMagic)
        };
    }
    if blob[..4] != MAGIC {
        return Err(Error::EncoderStateMagic);
    }
    if blob.len() < HEADER_LEN {
        return Err(Error::EncoderStateTruncated);
    }
    if u16::from_le_bytes([blob[4], blob[5]]) != VERSION {
        return Err(Error::EncoderStateVersion);
    }
    let total = u32::from_le_bytes(blob[8..12].try_into().unwrap()) as usize;
    if total > blob.len() {
        return Err(Error::EncoderStateTruncated);
    }
    if total < blob.len() || total < HEADER_LEN + CHECKSUM_LEN {
        return Err(Error::EncoderStateCorrupt);
    }
    let (body, sum) = blob.split_at(total - CHECKSUM_LEN);
    if xxh3_64(body).to_le_bytes() != sum {
        return Err(Error::EncoderStateChecksum);
    }
    Ok(body)
}

fn read_prefs(r: &mut Reader<'_>) -> Result<Preferences> {
    let level = r.u32()? as i32;
    let block_size = BlockSize::from_id(r.u8()?).ok_or(Error::EncoderStateCorrupt)?;
    let f = r.u8()?;
    check(f & !P_KNOWN == 0)?;
    let content_size = r.u64()?;
    let dict_id = r.u32()?;
    let workers = r.u32()?;
    // Fields that do not apply must be 0, as written: one state, one blob.
    check(f & P_CONTENT_SIZE != 0 || content_size == 0)?;
    check(f & P_DICT_ID != 0 || dict_id == 0)?;
    check(workers <= MAX_WORKERS)?;
    Ok(Preferences::default()
        .with_level(level)
        .with_block_size(block_size)
        .with_block_linked(f & P_LINKED != 0)
        .with_block_checksum(f & P_BLOCK_CRC != 0)
        .with_content_checksum(f & P_CONTENT_CRC != 0)
        .with_content_size((f & P_CONTENT_SIZE != 0).then_some(content_size))
        .with_auto_flush(f & P_AUTO_FLUSH != 0)
        .with_favor_dec_speed(f & P_FAVOR_DEC != 0)
        .with_dict_id((f & P_DICT_ID != 0).then_some(dict_id))
        .with_workers(workers))
}

fn read_hash(r: &mut Reader<'_>, hashed: u64) -> Result<Xxh32State> {
    let mut lanes = [0u32; 4];
    for lane in &mut lanes {
        *lane = r.u32()?;
    }
    let buffered_len = r.u8()?;
    check(u64::from(buffered_len) == hashed % 16)?;
    let mut buffer = [0u8; 16];
    buffer[..buffered_len as usize].copy_from_slice(r.bytes(buffered_len as usize)?);
    Xxh32State::from_parts(&Xxh32Parts {
        seed: 0,
        lanes,
        total_len: hashed,
        buffer,
        buffered_len,
    })
    .ok_or(Error::EncoderStateCorrupt)
}

fn read_dictionary(r: &mut Reader<'_>, flags: u16, given: &[u8]) -> Result<()> {
    let tail = &given[given.len().saturating_sub(WINDOW_SIZE)..];
    if flags & F_DICT == 0 {
        return if tail.is_empty() {
            Ok(())
        } else {
            Err(Error::EncoderStateDictionary)
        };
    }
    let len = r.u32()? as usize;
    let hash = r.u64()?;
    check(len > 0 && len <= WINDOW_SIZE)?;
    if tail.len() != len || xxh3_64(tail) != hash {
        return Err(Error::EncoderStateDictionary);
    }
    Ok(())
}

fn read_match_state(r: &mut Reader<'_>, prefs: &Preferences) -> Result<MatchState> {
    let engine = r.u8()?;
    let variant = r.u8()?;
    let version = r.u32()?;
    let hc = prefs.level >= crate::lz4::HC_MIN_LEVEL;
    check(engine == if hc { ENGINE_HC } else { ENGINE_FAST })?;
    // Tables another LZ4 made (another version, or a machine that hashes
    // other bytes) would not continue the same output: refuse, rather
    // than silently write a different frame.
    if variant != match_finder_variant() || version != version_number() {
        return Err(Error::EncoderStateEngine);
    }
    let m = r.u8()?;
    check(m & !(M_WINDOW | M_DICT) == 0)?;
    if engine == ENGINE_FAST {
        let current_offset = r.u32()?;
        let table_type = r.u32()?;
        let dict_size = r.u32()?;
        let raw = r.bytes(4 * FAST_HASH_ENTRIES)?;
        let hash_table = raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        Ok(MatchState::Fast(FastMatchState {
            hash_table,
            current_offset,
            table_type,
            dict_size,
            has_window: m & M_WINDOW != 0,
            dict_attached: m & M_DICT != 0,
        }))
    } else {
        let prefix = r.u32()?;
        check(m & M_WINDOW != 0 || prefix == 0)?;
        let dict_limit = r.u32()?;
        let low_limit = r.u32()?;
        let next_to_update = r.u32()?;
        let level = r.u16()? as i16;
        let favor_dec_speed = r.u8()? as i8;
        let dirty = r.u8()? as i8;
        let hash_table = r
            .bytes(4 * HC_HASH_ENTRIES)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let chain_table = r
            .bytes(2 * HC_CHAIN_ENTRIES)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes(c.try_into().unwrap()))
            .collect();
        Ok(MatchState::Hc(HcMatchState {
            hash_table,
            chain_table,
            prefix: (m & M_WINDOW != 0).then_some(prefix),
            dict_limit,
            low_limit,
            next_to_update,
            level,
            favor_dec_speed,
            dirty,
            dict_attached: m & M_DICT != 0,
        }))
    }
}

fn unmarshal(blob: &[u8], dictionary: &[u8]) -> Result<Encoder> {
    let body = open_envelope(blob)?;
    let flags = u16::from_le_bytes([body[6], body[7]]);
    check(flags & !F_KNOWN == 0)?;
    check(flags & (F_FRAME | F_FAILED) != F_FRAME | F_FAILED)?;
    let in_frame = flags & F_FRAME != 0;
    let mut r = Reader::new(body, HEADER_LEN, Error::EncoderStateCorrupt);
    let prefs = read_prefs(&mut r)?;
    let total_in = r.u64()?;
    check(in_frame || total_in == 0)?;
    let parallel = prefs.workers > 0;
    check((flags & F_HASH != 0) == (in_frame && prefs.content_checksum))?;
    // The hash section's length depends on the held input, which comes
    // last: read it when the lengths are known.
    let hash_at = r.at;
    if flags & F_HASH != 0 {
        r.bytes(16)?;
        let buffered = r.u8()? as usize;
        r.bytes(buffered)?;
    }
    read_dictionary(&mut r, flags, dictionary)?;
    let linked_serial = prefs.block_linked && !parallel;
    check((flags & F_MATCH != 0) == linked_serial)?;
    let matcher = if linked_serial {
        Some(read_match_state(&mut r, &prefs)?)
    } else {
        None
    };
    let window_len = r.u32()? as usize;
    let held_len = r.u32()? as usize;
    let owed_len = r.u32()? as usize;
    let window = r.bytes(window_len)?;
    let held = r.bytes(held_len)?;
    let owed = r.bytes(owed_len)?;
    let seek = if flags & F_SEEK != 0 {
        Some(seek::read_seek(&mut r)?)
    } else {
        None
    };
    let staged = if flags & F_STAGED != 0 {
        check(seek.is_some() && linked_serial)?;
        Some(seek::read_staging(&mut r)?)
    } else {
        None
    };
    check(r.at == r.b.len())?;
    let prefs = prefs.with_seek_table(seek.as_ref().map_or(0, |s| s.span));
    check(held_len as u64 <= total_in)?;
    if !in_frame {
        check(held_len == 0 && owed_len == 0)?;
    }
    let bs = prefs.block_size.bytes();
    if parallel {
        check(prefs.block_linked || window_len == 0)?;
        check(in_frame || window_len == 0)?;
        check(window_len <= WINDOW_SIZE)?;
        check(held_len < JOB_BYTES && (!prefs.auto_flush || held_len == 0))?;
        let format = super::parallel::Format::of(&prefs);
        let most_owed = 2 * prefs.workers as usize * format.job_bound(JOB_BYTES);
        check(owed_len <= most_owed)?;
    } else {
        check(held_len < bs && (!prefs.auto_flush || held_len == 0) && owed_len == 0)?;
        check(matcher.is_some() || window_len == 0)?;
    }
    let table = match &seek {
        None => None,
        Some(sv) => {
            sv.check(&prefs, in_frame, owed)?;
            let parts = &sv.parts;
            let rec = TableRecorder::from_parts(sv.span, bs, prefs.block_linked, parts)
                .ok_or(Error::EncoderStateCorrupt)?;
            Some(rec)
        }
    };
    if let Some(st) = &staged {
        let limit = Stretches::new(prefs.seek_table, bs, true).limit() as usize;
        check(held_len == 0 && st.bytes.len() <= limit + bs)?;
        check(in_frame || st.done == st.bytes.len())?;
    }
    let hashed = total_in - if parallel { held_len as u64 } else { 0 };
    let hash = if flags & F_HASH != 0 {
        let mut hr = Reader::new(body, hash_at, Error::EncoderStateCorrupt);
        Some(read_hash(&mut hr, hashed)?)
    } else {
        None
    };
    let stage = if in_frame {
        Stage::InFrame
    } else if flags & F_FAILED != 0 {
        Stage::Failed
    } else {
        Stage::Idle
    };
    let mode = if parallel {
        let dict = &dictionary[dictionary.len().saturating_sub(WINDOW_SIZE)..];
        let par = if in_frame {
            let sv = seek.as_ref();
            let snap = Snapshot {
                history: window,
                held,
                owed: owed.to_vec(),
                hash: None,
                owed_blocks: sv.map_or_else(Vec::new, |s| s.owed_blocks.clone()),
                plan_len: sv.map_or(0, |s| s.plan_len),
            };
            Parallel::restore(prefs.workers, &prefs, dict, &snap, hash.clone())?
        } else {
            Parallel::new(prefs.workers, &prefs, dict)
        };
        Mode::Parallel(Box::new(par))
    } else {
        let mut compressor = BlockCompressor::new(
            prefs.level,
            prefs.block_linked,
            dictionary,
            prefs.favor_dec_speed,
        )
        .ok_or(Error::OutOfMemory)?;
        let replay = staged.as_ref().filter(|st| st.done > 0);
        match (&matcher, replay) {
            (Some(state), None) => check(compressor.restore_match_state(state, window))?,
            (None, Some(_)) => return Err(Error::EncoderStateCorrupt),
            _ => {}
        }
        if let Some(st) = &staged {
            let limit = Stretches::new(prefs.seek_table, bs, true).limit() as usize;
            let staging = Staging {
                bytes: st.bytes,
                done: st.done,
                runs: &st.runs,
                base: matcher
                    .as_ref()
                    .filter(|_| st.done > 0)
                    .map(|state| (state, window)),
            };
            compressor.restore_staging(limit + bs, bs, &staging)?;
        }
        let mut copy = Vec::new();
        if !held.is_empty() {
            copy.try_reserve_exact(bs).map_err(|_| Error::OutOfMemory)?;
            copy.extend_from_slice(held);
        }
        Mode::Serial {
            compressor,
            held: copy,
            fresh_start: seek.as_ref().is_some_and(|s| s.fresh_start),
            has_dictionary: !dictionary.is_empty(),
        }
    };
    Ok(Encoder {
        prefs,
        mode,
        hash: if parallel {
            Xxh32State::new(0)
        } else {
            hash.unwrap_or_else(|| Xxh32State::new(0))
        },
        total_in,
        stage,
        table,
    })
}
