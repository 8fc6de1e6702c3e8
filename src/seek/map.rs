//! The restart points a reader works from, whether they came from a seek
//! table or a sidecar index: one sorted list with absolute offsets.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{Checkpoint, PointKind, SeekIndex, SeekTable};
use crate::error::Error;

/// One point of a table or index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Point {
    pub kind: PointKind,
    pub compressed: u64,
    pub decompressed: u64,
}

/// Where a reader may start, and what every stretch must decode to.
#[derive(Debug)]
pub(super) struct Map {
    pub points: Vec<Point>,
    /// Where the indexed data ends in the file: a table's own frame, or
    /// the end of a file with an index.
    pub data_end: u64,
    /// The decompressed size of everything before `data_end`.
    pub total: u64,
    /// The index the points came from, for its checkpoints.
    index: Option<SeekIndex>,
    /// Per stretch end (a point number, or `points.len()` for the data's
    /// end): the stretch ending there was decoded whole and matched.
    verified: Vec<AtomicBool>,
}

impl Map {
    pub fn from_table(table: &SeekTable) -> Map {
        Map {
            points: table
                .points()
                .map(|p| Point {
                    kind: p.kind,
                    compressed: p.compressed_offset,
                    decompressed: p.decompressed_offset,
                })
                .collect(),
            data_end: table.compressed_total(),
            total: table.decompressed_total(),
            index: None,
            verified: Vec::new(),
        }
        .with_flags()
    }

    fn with_flags(mut self) -> Map {
        self.verified = (0..=self.points.len())
            .map(|_| AtomicBool::new(false))
            .collect();
        self
    }

    /// Whether the stretch ending at `end` was found to match.
    pub fn is_verified(&self, end: usize) -> bool {
        self.verified[end].load(Ordering::Relaxed)
    }

    pub fn set_verified(&self, end: usize) {
        self.verified[end].store(true, Ordering::Relaxed);
    }

    pub fn from_index(index: SeekIndex) -> Map {
        Map {
            points: index
                .entries()
                .iter()
                .map(|e| Point {
                    kind: e.kind(),
                    compressed: e.compressed_offset(),
                    decompressed: e.decompressed_offset(),
                })
                .collect(),
            data_end: index.binding().file_size,
            total: index.decompressed_total(),
            index: Some(index),
            verified: Vec::new(),
        }
        .with_flags()
    }

    pub fn index(&self) -> Option<&SeekIndex> {
        self.index.as_ref()
    }

    /// The number of the last restart point at or before decompressed
    /// offset `pos` (`pos` below the total).
    pub fn restart_before(&self, pos: u64) -> Option<usize> {
        let upto = self.points.partition_point(|p| p.decompressed <= pos);
        (0..upto).rev().find(|&i| self.points[i].kind.is_restart())
    }

    /// The first restart point after point `i`: where the stretch from `i`
    /// ends and is checked (`points.len()`: at the data's end).
    pub fn next_restart(&self, i: usize) -> usize {
        (i + 1..self.points.len())
            .find(|&j| self.points[j].kind.is_restart())
            .unwrap_or(self.points.len())
    }

    /// Where stretch-end `i` (from [`Map::next_restart`]) stands:
    /// (compressed, decompressed).
    pub fn end_of(&self, i: usize) -> (u64, u64) {
        self.points.get(i).map_or((self.data_end, self.total), |p| {
            (p.compressed, p.decompressed)
        })
    }

    /// The frame start at or before point `i`.
    pub fn frame_of(&self, i: usize) -> Option<Point> {
        self.points[..=i]
            .iter()
            .rev()
            .find(|p| p.kind == PointKind::Frame)
            .copied()
    }

    /// The window a decoder starting at checkpoint `i` is primed with.
    pub fn window(&self, i: usize) -> Result<Vec<u8>, Error> {
        let entry = self
            .index
            .as_ref()
            .and_then(|x| x.entries().get(i))
            .ok_or(Error::Internal)?;
        match entry.checkpoint() {
            Ok(Some(Checkpoint::Window(w))) => Ok(w),
            // An opaque checkpoint means something to another writer only.
            Ok(_) => Err(Error::SeekCorrupt),
            Err(invalid) => Err(invalid.error()),
        }
    }
}
