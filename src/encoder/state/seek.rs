//! The encoder blob's two seek-table sections (`docs/ENCODER_STATE_FORMAT.md`):
//! what the seek-table writer recorded so far, and a linked stretch the
//! serial encoder staged in pieces. Both are optional (flag bits 5 and 6),
//! so blobs without a seek table keep the layout of format version 1.

use super::super::seek_table::{Open, RecorderParts};
use super::{Preferences, Reader, check};
use crate::error::{Error, Result};
use crate::lz4::Staging;
use crate::seek::{PointKind, TableEntry};
use std::borrow::Cow;

/// Fixed part of the seek-table section.
const SEEK_FIXED_LEN: usize = 50;
/// One table entry in the blob: kind, compressed and decompressed length.
const ENTRY_LEN: usize = 9;
/// One block of owed output: input and output length.
const OWED_BLOCK_LEN: usize = 8;
/// Fixed part of the staging section.
const STAGING_FIXED_LEN: usize = 12;
/// One staged run: its length and whether it started from a clean state.
const RUN_LEN: usize = 5;

const S_BROKEN: u8 = 1 << 0;
const S_OPEN: u8 = 1 << 1;
const S_FRESH_START: u8 = 1 << 2;
const S_KNOWN: u8 = (1 << 3) - 1;

/// The seek-table writer's state, borrowed from the encoder or read back.
pub(super) struct SeekView<'a> {
    /// `Preferences::seek_table` (not 0).
    pub span: u64,
    pub parts: RecorderParts<'a>,
    /// Serial, linked: the frame's first stretch starts from a clean state.
    pub fresh_start: bool,
    /// Workers, linked: the stretch length as jobs were cut.
    pub plan_len: u64,
    /// Workers: the blocks of the owed output.
    pub owed_blocks: Vec<(u32, u32)>,
}

/// The staging section as read (lengths checked against the blob).
pub(super) struct StagingLens<'a> {
    pub bytes: &'a [u8],
    pub done: usize,
    pub runs: Vec<(u32, bool)>,
}

fn kind_code(kind: PointKind) -> u8 {
    match kind {
        PointKind::Frame => 0,
        PointKind::Block => 1,
        PointKind::LinkedReset => 2,
        // Entries only; the table never holds checkpoints.
        PointKind::Continue | PointKind::Checkpoint => 3,
    }
}

fn kind_of(code: u8) -> Result<PointKind> {
    Ok(match code {
        0 => PointKind::Frame,
        1 => PointKind::Block,
        2 => PointKind::LinkedReset,
        3 => PointKind::Continue,
        _ => return Err(Error::EncoderStateCorrupt),
    })
}

impl SeekView<'_> {
    pub fn len(&self) -> usize {
        SEEK_FIXED_LEN
            + ENTRY_LEN * self.parts.entries.len()
            + OWED_BLOCK_LEN * self.owed_blocks.len()
    }

    pub fn write(&self, w: &mut Vec<u8>) {
        let p = &self.parts;
        let mut f = 0;
        for (bit, on) in [
            (S_BROKEN, p.broken),
            (S_OPEN, p.open.is_some()),
            (S_FRESH_START, self.fresh_start),
        ] {
            if on {
                f |= bit;
            }
        }
        w.extend_from_slice(&self.span.to_le_bytes());
        w.push(f);
        let open = p.open.unwrap_or(Open {
            kind: PointKind::Frame,
            compressed: 0,
            decompressed: 0,
        });
        w.push(kind_code(open.kind));
        w.extend_from_slice(&open.compressed.to_le_bytes());
        w.extend_from_slice(&open.decompressed.to_le_bytes());
        w.extend_from_slice(&p.stretch_len.to_le_bytes());
        w.extend_from_slice(&self.plan_len.to_le_bytes());
        w.extend_from_slice(&(p.entries.len() as u32).to_le_bytes());
        w.extend_from_slice(&(self.owed_blocks.len() as u32).to_le_bytes());
        for e in p.entries.iter() {
            w.push(kind_code(e.kind));
            w.extend_from_slice(&e.compressed_len.to_le_bytes());
            w.extend_from_slice(&e.decompressed_len.to_le_bytes());
        }
        for &(input, output) in &self.owed_blocks {
            w.extend_from_slice(&input.to_le_bytes());
            w.extend_from_slice(&output.to_le_bytes());
        }
    }

    /// The fields that depend on the preferences and the other sections:
    /// the plan only for linked workers, the clean first stretch only for
    /// a serial linked encoder, the owed blocks adding up to the owed
    /// output, each a block the preferences allow.
    pub fn check(&self, prefs: &Preferences, in_frame: bool, owed: &[u8]) -> Result<()> {
        let parallel = prefs.workers > 0;
        check(parallel && prefs.block_linked || self.plan_len == 0)?;
        check(!parallel && prefs.block_linked || !self.fresh_start)?;
        check(!in_frame || self.parts.open.is_some())?;
        let bs = prefs.block_size.bytes() as u64;
        let most_out = bs + 4 + if prefs.block_checksum { 4 } else { 0 };
        let mut sum = 0u64;
        for &(input, output) in &self.owed_blocks {
            let (input, output) = (u64::from(input), u64::from(output));
            check(input > 0 && input <= bs && output > 4 && output <= most_out)?;
            sum += output;
        }
        check(parallel || self.owed_blocks.is_empty())?;
        check(sum == owed.len() as u64)
    }
}

/// Reads the seek-table section; counts are checked against the bytes
/// left before anything is allocated for them.
pub(super) fn read_seek<'a>(r: &mut Reader<'a>) -> Result<SeekView<'a>> {
    let span = r.u64()?;
    check(span > 0)?;
    let f = r.u8()?;
    check(f & !S_KNOWN == 0)?;
    let kind = kind_of(r.u8()?)?;
    let compressed = r.u64()?;
    let decompressed = r.u64()?;
    let open = if f & S_OPEN != 0 {
        check(kind != PointKind::Continue)?;
        Some(Open {
            kind,
            compressed,
            decompressed,
        })
    } else {
        check(kind == PointKind::Frame && compressed == 0 && decompressed == 0)?;
        None
    };
    let stretch_len = r.u64()?;
    let plan_len = r.u64()?;
    let entries_len = r.u32()? as usize;
    let owed_len = r.u32()? as usize;
    let left = r.b.len() - r.at;
    check(entries_len <= left / ENTRY_LEN)?;
    check(owed_len <= (left - entries_len * ENTRY_LEN) / OWED_BLOCK_LEN)?;
    let mut entries = Vec::new();
    entries
        .try_reserve_exact(entries_len)
        .map_err(|_| Error::OutOfMemory)?;
    for _ in 0..entries_len {
        let kind = kind_of(r.u8()?)?;
        entries.push(TableEntry {
            kind,
            compressed_len: r.u32()?,
            decompressed_len: r.u32()?,
        });
    }
    let mut owed_blocks = Vec::new();
    owed_blocks
        .try_reserve_exact(owed_len)
        .map_err(|_| Error::OutOfMemory)?;
    for _ in 0..owed_len {
        owed_blocks.push((r.u32()?, r.u32()?));
    }
    Ok(SeekView {
        span,
        parts: RecorderParts {
            stretch_len,
            entries: Cow::Owned(entries),
            open,
            broken: f & S_BROKEN != 0,
        },
        fresh_start: f & S_FRESH_START != 0,
        plan_len,
        owed_blocks,
    })
}

pub(super) fn staging_len(st: &Staging<'_>) -> usize {
    STAGING_FIXED_LEN + RUN_LEN * st.runs.len() + st.bytes.len()
}

pub(super) fn write_staging(w: &mut Vec<u8>, st: &Staging<'_>) {
    w.extend_from_slice(&(st.bytes.len() as u32).to_le_bytes());
    w.extend_from_slice(&(st.done as u32).to_le_bytes());
    w.extend_from_slice(&(st.runs.len() as u32).to_le_bytes());
    for &(len, fresh) in st.runs {
        w.extend_from_slice(&len.to_le_bytes());
        w.push(u8::from(fresh));
    }
    w.extend_from_slice(st.bytes);
}

/// Reads the staging section: the runs must add up to the compressed
/// part, which lies within the staged bytes.
pub(super) fn read_staging<'a>(r: &mut Reader<'a>) -> Result<StagingLens<'a>> {
    let len = r.u32()? as usize;
    let done = r.u32()? as usize;
    let runs_len = r.u32()? as usize;
    check(done <= len && runs_len <= done)?;
    check(runs_len <= (r.b.len() - r.at) / RUN_LEN)?;
    let mut runs = Vec::new();
    runs.try_reserve_exact(runs_len)
        .map_err(|_| Error::OutOfMemory)?;
    let mut sum = 0u64;
    for _ in 0..runs_len {
        let n = r.u32()?;
        let fresh = r.u8()?;
        check(n > 0 && fresh <= 1)?;
        sum += u64::from(n);
        runs.push((n, fresh == 1));
    }
    check(sum == done as u64)?;
    Ok(StagingLens {
        bytes: r.bytes(len)?,
        done,
        runs,
    })
}
