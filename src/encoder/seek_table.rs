//! The seek table an encoder writes (`docs/SEEK_FORMAT.md`, part 1): where
//! its stretches end, and the record of every frame and block it wrote.
//!
//! Two halves share one rule, [`Stretches`]: the block writers ask it
//! *before* compressing a block whether that block starts a new stretch
//! (in a linked frame the encoder must then forget its history), and the
//! [`TableRecorder`] applies it again when the block's output is known.
//! The rule looks only at input lengths, so the serial encoder, the
//! streaming workers and the one-shot workers put the restart points at
//! the same blocks, and with them come the same bytes.

use super::parallel::JOB_BYTES;
use crate::error::{Error, Result};
use crate::seek::{PointKind, SeekTable};

/// The stretch length [`Preferences::with_seek_table`](super::Preferences::with_seek_table)
/// suggests: 4 MiB of input per restart point (8 bytes of table per 4 MiB,
/// and in linked frames a ratio cost well below 0.5%).
pub const DEFAULT_SEEK_SPAN: u64 = 4 << 20;

/// The stretch rule: a block starts a new stretch when the stretch before
/// it holds at least `limit` input bytes. `limit` is the span rounded down
/// to whole blocks (at least one block); in linked frames at most 4 MiB,
/// one job of the workers, so that a job never holds a restart point
/// other than at its start. Without flushes every stretch of a frame but
/// its last is exactly `limit` long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stretches {
    limit: u64,
    block: u64,
    /// Input bytes in the current stretch.
    len: u64,
}

impl Stretches {
    pub fn new(span: u64, block_size: usize, linked: bool) -> Stretches {
        let block = block_size as u64;
        let span = if linked {
            span.min(JOB_BYTES as u64)
        } else {
            span
        };
        Stretches {
            limit: (span / block).max(1) * block,
            block,
            len: 0,
        }
    }

    /// The stretch length restart points are placed at.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn frame_start(&mut self) {
        self.len = 0;
    }

    /// Input bytes in the current stretch (for the encoder's state blob).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Puts back a length [`Stretches::len`] gave; `false` (nothing
    /// changed) for one no stretch reaches: below `limit` plus a block.
    pub fn set_len(&mut self, len: u64) -> bool {
        let ok = len < self.limit.saturating_add(self.block);
        if ok {
            self.len = len;
        }
        ok
    }

    /// Whether the next block starts a new stretch.
    pub fn at_restart(&self) -> bool {
        self.len >= self.limit
    }

    /// Input bytes that, cut into whole blocks from here, reach the next
    /// restart point (a multiple of the block size).
    pub fn room(&self) -> u64 {
        if self.at_restart() {
            self.limit
        } else {
            (self.limit - self.len).div_ceil(self.block) * self.block
        }
    }

    /// Counts a block of `input` bytes; whether it started a new stretch.
    pub fn add(&mut self, input: u64) -> bool {
        let restart = self.at_restart();
        if restart {
            self.len = 0;
        }
        self.len += input;
        restart
    }

    /// Counts `input` bytes cut into blocks from here (a job's input).
    pub fn add_blocks(&mut self, mut input: u64) {
        while input > 0 {
            let piece = input.min(self.block);
            self.add(piece);
            input -= piece;
        }
    }
}

/// The stretch being written: its kind and lengths so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Open {
    pub kind: PointKind,
    pub compressed: u64,
    pub decompressed: u64,
}

/// Everything a [`TableRecorder`] holds beyond its preferences, as plain
/// data (the encoder's state blob carries it).
#[derive(Clone, Debug)]
pub(super) struct RecorderParts<'a> {
    pub stretch_len: u64,
    pub entries: std::borrow::Cow<'a, [crate::seek::TableEntry]>,
    pub open: Option<Open>,
    pub broken: bool,
}

/// Every frame and block an encoder wrote, as seek table entries.
#[derive(Clone, Debug)]
pub(super) struct TableRecorder {
    stretches: Stretches,
    /// The kind of a restart point inside a frame.
    inner: PointKind,
    table: SeekTable,
    open: Option<Open>,
    /// A frame failed: what was written of it is unknown, so no table.
    broken: bool,
}

impl TableRecorder {
    pub fn new(span: u64, block_size: usize, linked: bool) -> TableRecorder {
        TableRecorder {
            stretches: Stretches::new(span, block_size, linked),
            inner: if linked {
                PointKind::LinkedReset
            } else {
                PointKind::Block
            },
            table: SeekTable::new(),
            open: None,
            broken: false,
        }
    }

    /// What this recorder holds, for the encoder's state blob.
    pub fn parts(&self) -> RecorderParts<'_> {
        RecorderParts {
            stretch_len: self.stretches.len(),
            entries: std::borrow::Cow::Borrowed(self.table.entries()),
            open: self.open,
            broken: self.broken,
        }
    }

    /// A recorder that continues from `parts` (checked: the entries as a
    /// table parser checks them, the open stretch, the stretch length);
    /// `None` when they do not hold together.
    pub fn from_parts(
        span: u64,
        block_size: usize,
        linked: bool,
        parts: &RecorderParts<'_>,
    ) -> Option<TableRecorder> {
        let mut r = TableRecorder::new(span, block_size, linked);
        if !r.stretches.set_len(parts.stretch_len) {
            return None;
        }
        r.table = SeekTable::from_entries(&parts.entries).ok()?;
        r.open = parts.open;
        r.broken = parts.broken;
        if let Some(o) = parts.open {
            let kind_ok = matches!(o.kind, PointKind::Frame) || o.kind == r.inner;
            // The open stretch must be one the table could take.
            if !kind_ok || r.table().is_err() && !r.broken {
                return None;
            }
        } else if !r.table.entries().is_empty() {
            // Entries are only closed when the next stretch opens.
            return None;
        }
        Some(r)
    }

    /// The rule as it stands before the next block.
    pub fn stretches(&self) -> &Stretches {
        &self.stretches
    }

    fn close(&mut self) {
        if let Some(o) = self.open.take() {
            // Lengths come from our own output: every stretch has at least
            // a header or a block header, and LZ4 never expands beyond 255.
            if self
                .table
                .push(o.kind, o.compressed, o.decompressed)
                .is_err()
            {
                self.broken = true;
            }
        }
    }

    /// A frame starts with a header of `header_len` bytes.
    pub fn begin_frame(&mut self, header_len: usize) {
        self.close();
        self.stretches.frame_start();
        self.open = Some(Open {
            kind: PointKind::Frame,
            compressed: header_len as u64,
            decompressed: 0,
        });
    }

    /// A block of `input` bytes was written as `output` bytes (header and
    /// checksum included).
    pub fn block(&mut self, input: usize, output: usize) {
        if self.stretches.add(input as u64) {
            self.close();
            self.open = Some(Open {
                kind: self.inner,
                compressed: 0,
                decompressed: 0,
            });
        }
        if let Some(o) = &mut self.open {
            o.compressed += output as u64;
            o.decompressed += input as u64;
        }
    }

    /// The end mark and content checksum: `trailer_len` bytes.
    pub fn end_frame(&mut self, trailer_len: usize) {
        if let Some(o) = &mut self.open {
            o.compressed += trailer_len as u64;
        }
    }

    /// What was written of the frame being written is unknown.
    pub fn fail(&mut self) {
        self.broken = true;
    }

    /// The table of everything written so far; `WrongStage` after a
    /// failed frame.
    pub fn table(&self) -> Result<SeekTable> {
        if self.broken {
            return Err(Error::WrongStage);
        }
        let mut t = self.table.clone();
        if let Some(o) = self.open {
            t.push(o.kind, o.compressed, o.decompressed)
                .map_err(Error::from)?;
        }
        Ok(t)
    }

    /// Writes the table frame to `dst` and records it as a skippable frame
    /// of the file, so a later frame and table still describe every byte.
    pub fn write(&mut self, dst: &mut [u8]) -> Result<usize> {
        let frame = self.table()?.to_frame();
        if dst.len() < frame.len() {
            return Err(Error::DstTooSmall);
        }
        dst[..frame.len()].copy_from_slice(&frame);
        self.close();
        self.open = Some(Open {
            kind: PointKind::Frame,
            compressed: frame.len() as u64,
            decompressed: 0,
        });
        Ok(frame.len())
    }

    /// The length [`TableRecorder::write`] would write now.
    pub fn frame_len(&self) -> Result<usize> {
        self.table().map(|t| t.frame_len())
    }
}

/// Length of the seek table frame of one frame of `src_len` input bytes
/// whose output is at most `compressed_bound` bytes, in the worst case.
pub(super) fn table_bound(src_len: usize, compressed_bound: usize, stretches: &Stretches) -> usize {
    let points = (src_len as u64 / stretches.limit()).saturating_add(1);
    // Each stretch is split into pieces an entry can hold: at most one more
    // than its share of the compressed and decompressed limits.
    let pieces = points
        .saturating_mul(2)
        .saturating_add(compressed_bound as u64 / u64::from(crate::seek::MAX_STRETCH_COMPRESSED))
        .saturating_add(src_len as u64 / u64::from(crate::seek::MAX_STRETCH_DECOMPRESSED));
    usize::try_from(pieces.saturating_mul(8).saturating_add(32)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretches_end_on_whole_blocks_at_the_span() {
        let mut s = Stretches::new(1 << 20, 64 << 10, false);
        assert_eq!(s.limit(), 1 << 20);
        let restarts: Vec<bool> = (0..40).map(|_| s.add(64 << 10)).collect();
        let at: Vec<usize> = (0..40).filter(|&i| restarts[i]).collect();
        assert_eq!(at, [16, 32]);
        // A span below a block: every block.
        let mut s = Stretches::new(1000, 64 << 10, false);
        assert!(!s.add(64 << 10) && s.add(64 << 10) && s.add(10));
        // Linked frames restart at least every 4 MiB.
        assert_eq!(Stretches::new(64 << 20, 1 << 20, true).limit(), 4 << 20);
        assert_eq!(Stretches::new(64 << 20, 1 << 20, false).limit(), 64 << 20);
        // A span rounded down to whole blocks.
        assert_eq!(Stretches::new(3 << 20, 256 << 10, false).limit(), 3 << 20);
        assert_eq!(Stretches::new(1_000_000, 256 << 10, false).limit(), 786_432);
    }

    #[test]
    fn room_reaches_the_next_restart_point() {
        let mut s = Stretches::new(1 << 20, 64 << 10, true);
        assert_eq!(s.room(), 1 << 20);
        s.add_blocks(100_000); // a flush: one full block and a short one
        assert_eq!(s.room(), 15 * 65536);
        s.add_blocks(15 * 65536);
        assert!(s.at_restart());
        assert_eq!(s.room(), 1 << 20);
    }
}
