//! Restart points of scanned frames: what a table or an index built for a
//! file written without one records.

use super::{FileBinding, IndexEntry, Invalid, PointKind, ScannedFrame, SeekIndex, SeekTable};
use crate::frame::FrameKind;

/// Where a stretch starts.
struct Cut {
    kind: PointKind,
    compressed: u64,
    decompressed: u64,
}

/// Every frame start; in independent-block and legacy frames every block
/// start, in linked-block frames every block no later block reaches
/// before; keeping only points at least `spacing` decompressed bytes after
/// the previous point of the same frame (0: all of them).
fn cuts(frames: &[ScannedFrame], spacing: u64) -> Vec<Cut> {
    let mut v = Vec::new();
    for f in frames {
        v.push(Cut {
            kind: PointKind::Frame,
            compressed: f.offset,
            decompressed: f.decompressed_offset,
        });
        let independent = f.info.kind == FrameKind::Legacy
            || (f.info.kind == FrameKind::Lz4 && !f.info.block_linked);
        let mut last = f.decompressed_offset;
        for b in f.blocks.iter().skip(1) {
            let kind = if independent {
                PointKind::Block
            } else if b.independent_from_here {
                PointKind::LinkedReset
            } else {
                continue;
            };
            if b.decompressed_offset - last < spacing {
                continue;
            }
            last = b.decompressed_offset;
            v.push(Cut {
                kind,
                compressed: b.offset,
                decompressed: b.decompressed_offset,
            });
        }
    }
    v
}

/// Where the scanned frames end: (compressed, decompressed).
fn end(frames: &[ScannedFrame]) -> (u64, u64) {
    frames.last().map_or((0, 0), |f| {
        (f.offset + f.len, f.decompressed_offset + f.decompressed_len)
    })
}

impl SeekTable {
    /// The table of a file whose frames [`scan`](super::scan) found, with
    /// restart points at least `spacing` decompressed bytes apart within a
    /// frame (every frame start is one). Append [`SeekTable::to_frame`] to
    /// the scanned bytes to give the file its table.
    pub fn from_scan(frames: &[ScannedFrame], spacing: u64) -> Result<SeekTable, Invalid> {
        let cuts = cuts(frames, spacing);
        let (end_c, end_d) = end(frames);
        let mut t = SeekTable::new();
        for (i, c) in cuts.iter().enumerate() {
            let (next_c, next_d) = cuts
                .get(i + 1)
                .map_or((end_c, end_d), |n| (n.compressed, n.decompressed));
            t.push(c.kind, next_c - c.compressed, next_d - c.decompressed)?;
        }
        Ok(t)
    }
}

impl SeekIndex {
    /// The index (without checkpoints) of the file with `binding` whose
    /// frames [`scan`](super::scan) found; `spacing` as for
    /// [`SeekTable::from_scan`].
    pub fn from_scan(
        frames: &[ScannedFrame],
        binding: FileBinding,
        spacing: u64,
    ) -> Result<SeekIndex, Invalid> {
        let entries = cuts(frames, spacing)
            .into_iter()
            .map(|c| IndexEntry::new(c.kind, c.compressed, c.decompressed))
            .collect();
        SeekIndex::new(binding, end(frames).1, entries)
    }
}
