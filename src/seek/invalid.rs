//! Why a seek table, index or checkpoint was refused.

use std::fmt;

use crate::error::Error;

/// The specific fault found in a seek table, sidecar index or checkpoint.
///
/// Each maps to one of the library's status codes ([`Invalid::error`]),
/// which is what a C caller sees; Rust callers and tests get the detail.
/// `entry` and `checkpoint` fields count from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Invalid {
    /// The bytes do not end with a seek table footer.
    NotATable,
    /// The bytes do not start with the sidecar index magic number.
    NotAnIndex,
    /// Written by a format version this library does not know.
    Version(u8),
    /// A reserved field or bit is not zero.
    Reserved,
    /// The input ends before its own fields say it does.
    Truncated { needed: u64, have: u64 },
    /// The declared number of entries (or checkpoints) cannot fit in the
    /// bytes that would have to hold them.
    CountDoesNotFit { count: u64, room: u64 },
    /// The skippable frame holding the table has another magic number, or
    /// a size that disagrees with its entry count.
    FrameHeader,
    /// The checksum does not match: the bytes are damaged.
    Checksum,
    /// An entry has an unknown kind, or one not allowed where it stands.
    Kind { entry: usize },
    /// The first entry is not the start of a frame.
    NoFrameStart,
    /// An entry does not move forward in the compressed file.
    NotIncreasing { entry: usize },
    /// An entry claims more decompressed bytes than its compressed bytes
    /// can hold (LZ4 expands by at most 255 times), or fewer than before.
    ImpossibleExpansion { entry: usize },
    /// An entry points outside the file it describes.
    OffsetOutOfRange { entry: usize },
    /// The entries add up to another decompressed size than recorded.
    DecompressedTotal { entries: u64, recorded: u64 },
    /// The entries add up to another compressed size than the file has
    /// before the table.
    CompressedTotal { entries: u64, expected: u64 },
    /// A stretch is longer than one entry can record and was not split
    /// (a caller's mistake when building a table).
    StretchTooLong,
    /// The index was made for another file (size or first bytes differ).
    Stale,
    /// A checkpoint's blob is not where the directory's order says, or a
    /// checkpoint entry and the directory disagree.
    CheckpointLayout { checkpoint: usize },
    /// A checkpoint's blob does not match its checksum.
    CheckpointChecksum { checkpoint: usize },
    /// A checkpoint's content is malformed (unknown type, window too large,
    /// compressed window that does not decode to its length).
    CheckpointCorrupt,
    /// Bytes before or after the structure that belong to none of its fields.
    ExtraBytes,
}

impl Invalid {
    /// The library status code this fault is reported with.
    pub fn error(self) -> Error {
        match self {
            Invalid::NotATable | Invalid::NotAnIndex => Error::SeekMagic,
            Invalid::Version(_) => Error::SeekVersion,
            Invalid::Checksum | Invalid::CheckpointChecksum { .. } => Error::SeekChecksum,
            Invalid::Truncated { .. } | Invalid::CountDoesNotFit { .. } => Error::SeekTruncated,
            Invalid::Stale => Error::SeekStale,
            Invalid::StretchTooLong => Error::InvalidArgument,
            Invalid::Reserved
            | Invalid::FrameHeader
            | Invalid::Kind { .. }
            | Invalid::NoFrameStart
            | Invalid::NotIncreasing { .. }
            | Invalid::ImpossibleExpansion { .. }
            | Invalid::OffsetOutOfRange { .. }
            | Invalid::DecompressedTotal { .. }
            | Invalid::CompressedTotal { .. }
            | Invalid::CheckpointLayout { .. }
            | Invalid::CheckpointCorrupt
            | Invalid::ExtraBytes => Error::SeekCorrupt,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Invalid::NotATable => write!(f, "no seek table footer at the end"),
            Invalid::NotAnIndex => write!(f, "no seek index magic number at the start"),
            Invalid::Version(v) => write!(f, "unknown format version {v}"),
            Invalid::Reserved => write!(f, "a reserved field is not zero"),
            Invalid::Truncated { needed, have } => {
                write!(f, "truncated: {needed} bytes needed, {have} present")
            }
            Invalid::CountDoesNotFit { count, room } => {
                write!(f, "{count} entries declared, room for at most {room}")
            }
            Invalid::FrameHeader => write!(f, "the table's skippable frame header is wrong"),
            Invalid::Checksum => write!(f, "checksum mismatch"),
            Invalid::Kind { entry } => write!(f, "entry {entry}: unknown or misplaced kind"),
            Invalid::NoFrameStart => write!(f, "the first entry does not start a frame"),
            Invalid::NotIncreasing { entry } => {
                write!(f, "entry {entry}: compressed position does not increase")
            }
            Invalid::ImpossibleExpansion { entry } => {
                write!(f, "entry {entry}: impossible decompressed size")
            }
            Invalid::OffsetOutOfRange { entry } => {
                write!(f, "entry {entry}: position outside the file")
            }
            Invalid::DecompressedTotal { entries, recorded } => write!(
                f,
                "entries add up to {entries} decompressed bytes, {recorded} recorded"
            ),
            Invalid::CompressedTotal { entries, expected } => write!(
                f,
                "entries add up to {entries} compressed bytes, the file has {expected}"
            ),
            Invalid::StretchTooLong => write!(f, "a stretch is too long for one entry"),
            Invalid::Stale => write!(f, "the index was made for another file"),
            Invalid::CheckpointLayout { checkpoint } => {
                write!(f, "checkpoint {checkpoint}: misplaced blob")
            }
            Invalid::CheckpointChecksum { checkpoint } => {
                write!(f, "checkpoint {checkpoint}: checksum mismatch")
            }
            Invalid::CheckpointCorrupt => write!(f, "malformed checkpoint"),
            Invalid::ExtraBytes => write!(f, "bytes outside the structure"),
        }?;
        write!(f, " ({})", self.error().name())
    }
}

impl std::error::Error for Invalid {}

impl From<Invalid> for Error {
    fn from(i: Invalid) -> Error {
        i.error()
    }
}
