//! Marshal and unmarshal of the decoder's state: the portable blob of
//! `docs/STATE_FORMAT.md`.
//!
//! Every field is little-endian and fixed-width, so a blob is identical on
//! any machine; sections that do not apply are left out (flags say which),
//! which keeps a blob taken at a block boundary within 128 bytes plus the
//! window. Reading never trusts the blob: the whole-blob checksum is checked
//! first, then every field and length against the frame it describes,
//! before anything is allocated, and only lengths the blob really contains
//! are ever allocated.

use super::buffer::{BlockBuffer, BufferParts};
use super::stages::FieldBytes;
use super::{Decoder, DecoderOptions, Dictionary, Stage};
use crate::blob_reader::BlobReader as Reader;
use crate::error::{Error, Result};
use crate::frame::{BlockSize, FrameInfo, FrameKind, LEGACY_BLOCK_SIZE, descriptor_len};
use crate::lz4::{WINDOW_SIZE, block_bound};
use crate::xxh32::{Xxh32Parts, Xxh32State};
use xxhash_rust::xxh3::xxh3_64;

/// "L4FS" in the first four bytes.
const STATE_MAGIC: [u8; 4] = *b"L4FS";
/// The format this library writes; it reads this one only (so far).
const STATE_VERSION: u16 = 1;

const HEADER_LEN: usize = 12;
const CHECKSUM_LEN: usize = 8;

const F_VERIFY: u16 = 1 << 0;
const F_STOP: u16 = 1 << 1;
const F_FRAME: u16 = 1 << 2;
const F_HASH: u16 = 1 << 3;
const F_DICT: u16 = 1 << 4;
const F_BLOCK_RAW: u16 = 1 << 5;
const F_DICT_ID: u16 = 1 << 6;
const F_KNOWN: u16 = (1 << 7) - 1;

const FI_LINKED: u8 = 1 << 0;
const FI_BLOCK_CRC: u8 = 1 << 1;
const FI_CONTENT_CRC: u8 = 1 << 2;
const FI_CONTENT_SIZE: u8 = 1 << 3;
const FI_DICT_ID: u8 = 1 << 4;
const FI_KNOWN: u8 = (1 << 5) - 1;

fn stage_code(s: Stage) -> u8 {
    match s {
        Stage::Magic => 0,
        Stage::Descriptor => 1,
        Stage::SkipSize => 2,
        Stage::Skipping => 3,
        Stage::BlockHeader => 4,
        Stage::BlockData => 5,
        Stage::Deliver => 6,
        Stage::ContentChecksum => 7,
    }
}

fn stage_from(code: u8) -> Option<Stage> {
    Some(match code {
        0 => Stage::Magic,
        1 => Stage::Descriptor,
        2 => Stage::SkipSize,
        3 => Stage::Skipping,
        4 => Stage::BlockHeader,
        5 => Stage::BlockData,
        6 => Stage::Deliver,
        7 => Stage::ContentChecksum,
        _ => return None,
    })
}

fn kind_code(k: FrameKind) -> u8 {
    match k {
        FrameKind::Lz4 => 0,
        FrameKind::Skippable => 1,
        FrameKind::Legacy => 2,
    }
}

fn kind_from(code: u8) -> Option<FrameKind> {
    Some(match code {
        0 => FrameKind::Lz4,
        1 => FrameKind::Skippable,
        2 => FrameKind::Legacy,
        _ => return None,
    })
}

/// Serialises `d`; fails only for a decoder that already failed.
fn marshal(d: &Decoder) -> Result<Vec<u8>> {
    if let Some(e) = d.failed {
        return Err(e);
    }
    let parts = d.buf.to_parts();
    let held = if parts.pending.is_empty() {
        &parts.staged
    } else {
        &parts.pending
    };
    let mut w = Vec::with_capacity(128 + parts.window.len() + held.len());
    w.extend_from_slice(&STATE_MAGIC);
    w.extend_from_slice(&STATE_VERSION.to_le_bytes());
    w.extend_from_slice(&flags(d).to_le_bytes());
    w.extend_from_slice(&[0; 4]); // total length, filled in below
    write_position_and_counters(&mut w, d);
    if let Some(f) = d.frame {
        write_frame_section(&mut w, d, &f);
    }
    if d.hashes_content() {
        let p = d.frame_output.hash_now().to_parts();
        for lane in p.lanes {
            w.extend_from_slice(&lane.to_le_bytes());
        }
        w.push(p.buffered_len);
        w.extend_from_slice(&p.buffer[..p.buffered_len as usize]);
    }
    if let Some(dict) = &d.dictionary {
        w.extend_from_slice(&(dict.bytes.len() as u32).to_le_bytes());
        w.extend_from_slice(&xxh3_64(&dict.bytes).to_le_bytes());
        w.extend_from_slice(&dict.id.unwrap_or(0).to_le_bytes());
    }
    w.extend_from_slice(&(parts.window.len() as u32).to_le_bytes());
    w.extend_from_slice(&(held.len() as u32).to_le_bytes());
    w.extend_from_slice(&parts.window);
    w.extend_from_slice(held);
    let total = (w.len() + CHECKSUM_LEN) as u32;
    w[8..12].copy_from_slice(&total.to_le_bytes());
    let sum = xxh3_64(&w);
    w.extend_from_slice(&sum.to_le_bytes());
    Ok(w)
}

/// The header's flags: options, and which sections follow.
fn flags(d: &Decoder) -> u16 {
    let mut flags = 0u16;
    for (bit, on) in [
        (F_VERIFY, d.options.verify_checksums),
        (F_STOP, d.options.stop_at_frame_end),
        (F_FRAME, d.frame.is_some()),
        (F_HASH, d.hashes_content()),
        (F_DICT, d.dictionary.is_some()),
        (
            F_BLOCK_RAW,
            d.block.raw && matches!(d.stage, Stage::BlockData | Stage::Deliver),
        ),
        (
            F_DICT_ID,
            d.dictionary.as_ref().is_some_and(|x| x.id.is_some()),
        ),
    ] {
        if on {
            flags |= bit;
        }
    }
    flags
}

fn write_position_and_counters(w: &mut Vec<u8>, d: &Decoder) {
    w.push(stage_code(d.stage));
    w.push(d.field.len() as u8);
    w.extend_from_slice(d.field.as_bytes());
    for v in [
        d.state_input(),
        d.output_produced,
        d.frames_done,
        d.skippable_frames,
    ] {
        w.extend_from_slice(&v.to_le_bytes());
    }
}

fn write_frame_section(w: &mut Vec<u8>, d: &Decoder, f: &FrameInfo) {
    w.push(kind_code(f.kind));
    w.push(if f.kind == FrameKind::Lz4 {
        f.block_size.id()
    } else {
        0
    });
    let mut fi = 0u8;
    for (bit, on) in [
        (FI_LINKED, f.block_linked),
        (FI_BLOCK_CRC, f.block_checksum),
        (FI_CONTENT_CRC, f.content_checksum),
        (FI_CONTENT_SIZE, f.content_size.is_some()),
        (FI_DICT_ID, f.dict_id.is_some()),
    ] {
        if on {
            fi |= bit;
        }
    }
    w.push(fi);
    w.extend_from_slice(&f.content_size.unwrap_or(0).to_le_bytes());
    w.extend_from_slice(&f.dict_id.unwrap_or(0).to_le_bytes());
    w.extend_from_slice(&d.frame_output.len.to_le_bytes());
    // One field serves both: a skippable frame has no blocks.
    let len_or_skip = match (f.kind, d.stage) {
        (FrameKind::Skippable, _) => d.skip_left as u32,
        (_, Stage::BlockData | Stage::Deliver) => d.block.len as u32,
        _ => 0,
    };
    w.extend_from_slice(&len_or_skip.to_le_bytes());
}

fn check(ok: bool) -> Result<()> {
    if ok { Ok(()) } else { Err(Error::StateCorrupt) }
}

/// Checks the envelope (magic, version, length, checksum) and returns the
/// body the checksum covers.
fn open_envelope(blob: &[u8]) -> Result<&[u8]> {
    if blob.len() < 4 {
        return if STATE_MAGIC.starts_with(blob) {
            Err(Error::StateTruncated)
        } else {
            Err(Error::StateMagic)
        };
    }
    if blob[..4] != STATE_MAGIC {
        return Err(Error::StateMagic);
    }
    if blob.len() < HEADER_LEN {
        return Err(Error::StateTruncated);
    }
    let version = u16::from_le_bytes([blob[4], blob[5]]);
    if version != STATE_VERSION {
        return Err(Error::StateVersion);
    }
    let total = u32::from_le_bytes(blob[8..12].try_into().unwrap()) as usize;
    if total > blob.len() {
        return Err(Error::StateTruncated);
    }
    if total < blob.len() || total < HEADER_LEN + CHECKSUM_LEN {
        return Err(Error::StateCorrupt);
    }
    let (body, sum) = blob.split_at(total - CHECKSUM_LEN);
    if xxh3_64(body).to_le_bytes() != sum {
        return Err(Error::StateChecksum);
    }
    Ok(body)
}

/// Rebuilds a decoder from a blob. `dictionary` must be the one the
/// marshalled decoder had (checked by length and hash), or `None` if it had
/// none. The sections are read in blob order, each checked against what
/// was read before it.
fn unmarshal(blob: &[u8], dictionary: Option<&[u8]>) -> Result<Decoder> {
    let body = open_envelope(blob)?;
    let flags = u16::from_le_bytes([body[6], body[7]]);
    check(flags & !F_KNOWN == 0)?;
    let mut r = Reader::new(body, HEADER_LEN, Error::StateCorrupt);
    let mut d = Decoder::with_options(DecoderOptions {
        verify_checksums: flags & F_VERIFY != 0,
        stop_at_frame_end: flags & F_STOP != 0,
        workers: 0,
    });
    read_position_and_counters(&mut r, &mut d)?;
    d.block.raw = flags & F_BLOCK_RAW != 0;
    if flags & F_FRAME != 0 {
        read_frame_section(&mut r, &mut d)?;
    } else {
        check(!d.block.raw)?;
    }
    check_stage(&d)?;
    check((flags & F_HASH != 0) == d.hashes_content())?;
    if d.hashes_content() {
        d.frame_output.hash = read_content_hash(&mut r, d.frame_output.len)?;
    }
    d.dictionary = read_dictionary(&mut r, flags, dictionary)?;
    if let (Some(f), None) = (d.frame, &d.dictionary) {
        check(f.dict_id.is_none())?;
    }
    d.buf = read_buffers(&mut r, &d)?;
    Ok(d)
}

fn read_position_and_counters(r: &mut Reader<'_>, d: &mut Decoder) -> Result<()> {
    d.stage = stage_from(r.u8()?).ok_or(Error::StateCorrupt)?;
    let field_len = r.u8()? as usize;
    check(field_len <= FieldBytes::CAPACITY)?;
    d.field = FieldBytes::from_bytes(r.bytes(field_len)?).ok_or(Error::StateCorrupt)?;
    d.input_consumed = r.u64()?;
    d.output_produced = r.u64()?;
    d.frames_done = r.u64()?;
    d.skippable_frames = r.u64()?;
    check(d.skippable_frames <= d.frames_done)
}

fn read_frame_section(r: &mut Reader<'_>, d: &mut Decoder) -> Result<()> {
    let kind = kind_from(r.u8()?).ok_or(Error::StateCorrupt)?;
    let bsid = r.u8()?;
    let fi = r.u8()?;
    check(fi & !FI_KNOWN == 0)?;
    let content_size = r.u64()?;
    let dict_id = r.u32()?;
    d.frame_output.len = r.u64()?;
    let len_or_skip = r.u32()?;
    let info = match kind {
        // Fields that do not apply must be 0, as written: one state,
        // one blob.
        FrameKind::Lz4 => {
            check(fi & FI_CONTENT_SIZE != 0 || content_size == 0)?;
            check(fi & FI_DICT_ID != 0 || dict_id == 0)?;
            FrameInfo {
                kind,
                block_size: BlockSize::from_id(bsid).ok_or(Error::StateCorrupt)?,
                block_linked: fi & FI_LINKED != 0,
                block_checksum: fi & FI_BLOCK_CRC != 0,
                content_checksum: fi & FI_CONTENT_CRC != 0,
                content_size: (fi & FI_CONTENT_SIZE != 0).then_some(content_size),
                dict_id: (fi & FI_DICT_ID != 0).then_some(dict_id),
            }
        }
        _ => {
            check(bsid == 0 && fi == 0 && content_size == 0 && dict_id == 0)?;
            if kind == FrameKind::Legacy {
                FrameInfo::legacy()
            } else {
                FrameInfo {
                    kind,
                    ..FrameInfo::default()
                }
            }
        }
    };
    if let Some(size) = info.content_size {
        check(d.frame_output.len <= size)?;
    }
    if kind == FrameKind::Skippable {
        d.skip_left = u64::from(len_or_skip);
        check(d.frame_output.len == 0)?;
    } else {
        d.block.len = if matches!(d.stage, Stage::BlockData | Stage::Deliver) {
            len_or_skip as usize
        } else {
            check(len_or_skip == 0)?;
            0
        };
        let max = if kind == FrameKind::Legacy {
            block_bound(LEGACY_BLOCK_SIZE)
        } else {
            info.max_block_bytes()
        };
        check(d.block.len <= max)?;
    }
    d.frame = Some(info);
    Ok(())
}

/// Which stages make sense where, and how much of a field each may hold.
fn check_stage(d: &Decoder) -> Result<()> {
    let kind = d.frame.map(|f| f.kind);
    let field_max = match (d.stage, kind) {
        // 4: a legacy frame ended on the next frame's magic, not yet read.
        (Stage::Magic, None) => 4,
        (Stage::Descriptor, None) => 14,
        (Stage::SkipSize, Some(FrameKind::Skippable)) => 3,
        (Stage::Skipping, Some(FrameKind::Skippable)) => 0,
        (Stage::BlockHeader, Some(FrameKind::Lz4 | FrameKind::Legacy)) => 3,
        (Stage::BlockData | Stage::Deliver, Some(FrameKind::Lz4 | FrameKind::Legacy)) => 0,
        (Stage::ContentChecksum, Some(FrameKind::Lz4)) => 3,
        _ => return Err(Error::StateCorrupt),
    };
    check(d.field.len() <= field_max)?;
    if let (Stage::Descriptor, Some(&flg)) = (d.stage, d.field.as_bytes().first()) {
        check(d.field.len() < descriptor_len(flg))?;
    }
    check(!d.block.raw || matches!(d.stage, Stage::BlockData | Stage::Deliver))?;
    if d.stage == Stage::ContentChecksum {
        check(d.frame.is_some_and(|f| f.content_checksum))?;
    }
    Ok(())
}

/// The content hash of `frame_output` bytes decoded so far.
fn read_content_hash(r: &mut Reader<'_>, frame_output: u64) -> Result<Xxh32State> {
    let mut lanes = [0u32; 4];
    for lane in &mut lanes {
        *lane = r.u32()?;
    }
    let buffered_len = r.u8()?;
    check(u64::from(buffered_len) == frame_output % 16)?;
    let mut buffer = [0u8; 16];
    buffer[..buffered_len as usize].copy_from_slice(r.bytes(buffered_len as usize)?);
    let parts = Xxh32Parts {
        seed: 0,
        lanes,
        total_len: frame_output,
        buffer,
        buffered_len,
    };
    Xxh32State::from_parts(&parts).ok_or(Error::StateCorrupt)
}

/// The dictionary section, checked against the dictionary the caller gave.
fn read_dictionary(
    r: &mut Reader<'_>,
    flags: u16,
    given: Option<&[u8]>,
) -> Result<Option<Dictionary>> {
    if flags & F_DICT == 0 {
        check(flags & F_DICT_ID == 0)?;
        if given.is_some_and(|given| !given.is_empty()) {
            return Err(Error::StateDictionary);
        }
        return Ok(None);
    }
    let len = r.u32()? as usize;
    let hash = r.u64()?;
    let id = r.u32()?;
    check(flags & F_DICT_ID != 0 || id == 0)?;
    // Zero bytes of dictionary are no dictionary (see
    // `Decoder::set_dictionary`), so `None` matches an empty one.
    let given = match given {
        Some(given) => given,
        None if len == 0 => &[],
        None => return Err(Error::StateDictionary),
    };
    let tail = &given[given.len().saturating_sub(WINDOW_SIZE)..];
    if tail.len() != len || xxh3_64(tail) != hash {
        return Err(Error::StateDictionary);
    }
    Ok(Some(Dictionary {
        bytes: tail.into(),
        id: (flags & F_DICT_ID != 0).then_some(id),
    }))
}

/// The window and the held bytes (staged block or pending output), which
/// end the body.
fn read_buffers(r: &mut Reader<'_>, d: &Decoder) -> Result<BlockBuffer> {
    let window_len = r.u32()? as usize;
    let held_len = r.u32()? as usize;
    let linked = d.linked();
    check(window_len <= WINDOW_SIZE && (linked || window_len == 0))?;
    let max_block = d.frame.map_or(0, |f| f.max_block_bytes());
    match d.stage {
        Stage::BlockData => check(held_len < d.block_need())?,
        Stage::Deliver => check(held_len > 0 && held_len <= max_block)?,
        _ => check(held_len == 0)?,
    }
    let window = r.bytes(window_len)?;
    let held = r.bytes(held_len)?;
    check(r.at == r.b.len())?;
    let (pending, staged) = if d.stage == Stage::Deliver {
        (held, &[][..])
    } else {
        (&[][..], held)
    };
    BlockBuffer::from_parts(&BufferParts {
        linked,
        window: window.to_vec(),
        pending: pending.to_vec(),
        staged: staged.to_vec(),
    })
}

/// The exact length [`marshal`] produces, without building the blob.
fn marshal_size(d: &Decoder) -> Result<usize> {
    if let Some(e) = d.failed {
        return Err(e);
    }
    let (window, held) = d.buf.parts_lens();
    let mut n = HEADER_LEN + 2 + d.field.len() + 32 + window + held + 8 + CHECKSUM_LEN;
    if d.frame.is_some() {
        n += 27;
    }
    if d.hashes_content() {
        n += 17 + d.frame_output.hash_now().to_parts().buffered_len as usize;
    }
    if d.dictionary.is_some() {
        n += 16;
    }
    Ok(n)
}

impl Decoder {
    /// Serialises the complete state into a portable blob (format:
    /// `docs/STATE_FORMAT.md`), at any point of the stream. Undelivered
    /// output and partially read blocks are included; a dictionary is not
    /// (only its length and hash): pass it again to [`Decoder::unmarshal`].
    /// Fails with the decoder's own error if it has failed.
    ///
    /// ```
    /// use lz4framed::{compress, Decoder, Preferences};
    /// let data = b"checkpoint me ".repeat(10_000);
    /// let frame = compress(&data, &Preferences::default().with_content_checksum(true)).unwrap();
    /// let mut first = Decoder::new();
    /// let mut out = vec![0u8; data.len()];
    /// let p = first.decompress(&frame[..frame.len() / 2], &mut out, false).unwrap();
    /// let blob = first.marshal().unwrap();
    /// drop(first); // e.g. the process dies here
    /// let mut second = Decoder::unmarshal(&blob, None).unwrap();
    /// let at = second.input_consumed() as usize;
    /// let q = second.decompress(&frame[at..], &mut out[p.produced..], true).unwrap();
    /// assert_eq!(p.produced + q.produced, data.len());
    /// assert_eq!(out, data);
    /// ```
    pub fn marshal(&self) -> Result<Vec<u8>> {
        let settled = self.settled()?;
        marshal(settled.as_ref().unwrap_or(self))
    }

    /// The exact size of [`Decoder::marshal`]'s blob right now.
    pub fn marshal_size(&self) -> Result<usize> {
        let settled = self.settled()?;
        marshal_size(settled.as_ref().unwrap_or(self))
    }

    /// Writes the blob into `dst`; [`Error::DstTooSmall`] (and nothing
    /// written) when it is shorter than [`Decoder::marshal_size`].
    pub fn marshal_into(&self, dst: &mut [u8]) -> Result<usize> {
        let settled = self.settled()?;
        let d = settled.as_ref().unwrap_or(self);
        let size = marshal_size(d)?;
        if dst.len() < size {
            return Err(Error::DstTooSmall);
        }
        let blob = marshal(d)?;
        dst[..blob.len()].copy_from_slice(&blob);
        Ok(blob.len())
    }

    /// Rebuilds a decoder from a blob made by [`Decoder::marshal`], here or
    /// on any other machine. `dictionary` must be the dictionary the
    /// decoder had (checked), or `None` when it had none (an empty slice
    /// means the same: zero bytes of dictionary are no dictionary).
    pub fn unmarshal(blob: &[u8], dictionary: Option<&[u8]>) -> Result<Decoder> {
        unmarshal(blob, dictionary)
    }
}
