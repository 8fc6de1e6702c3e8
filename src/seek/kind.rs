//! What a restart point is, and where it stands.

/// What a decoder can do at a restart point (or, for
/// [`PointKind::Continue`], that it cannot restart there).
///
/// `#[non_exhaustive]`: a later format version may know more kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PointKind {
    /// A frame (LZ4, legacy or skippable) starts here: a fresh decoder
    /// starts here.
    Frame,
    /// A block of an independent-block frame or of a legacy frame starts
    /// here: decode from here with that frame's header (the one at the
    /// latest [`PointKind::Frame`] point) and no history.
    Block,
    /// A block of a linked-block frame starts here, and neither it nor any
    /// later block of the frame refers to data before it (the encoder
    /// restarted its history, or the scanner proved none is needed):
    /// restart like [`PointKind::Block`], with an empty window.
    LinkedReset,
    /// Seek table only: not a restart point. The stretch before it was too
    /// long for one entry; decode through it from an earlier point.
    Continue,
    /// Sidecar index only: a block of a linked-block frame starts here and
    /// the entry carries a [`Checkpoint`](super::Checkpoint) with the
    /// window a decoder needs to start here.
    Checkpoint,
}

impl PointKind {
    /// Whether a decoder can start at a point of this kind.
    pub fn is_restart(self) -> bool {
        self != PointKind::Continue
    }

    /// Whether this kind starts a new frame.
    pub fn starts_frame(self) -> bool {
        self == PointKind::Frame
    }
}

/// A point of a table or index with its absolute positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeekPoint {
    pub kind: PointKind,
    /// Offset in the compressed file.
    pub compressed_offset: u64,
    /// Offset in the decompressed output of the whole file.
    pub decompressed_offset: u64,
    /// Position of this point in its table or index.
    pub entry: usize,
}
