//! Every way an operation can fail, as one enum whose values are the stable
//! negative status codes of the C ABI, so a Rust error and a C status are
//! the same thing and cannot drift apart.

use std::fmt;

/// An error from compression, decompression or state handling.
///
/// The discriminants are part of the C ABI (`lz4framed_error` in the
/// header) and never change meaning; new errors get new numbers.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// A required pointer argument was NULL (C API only).
    NullArgument = -1,
    /// An argument is out of range (unknown block size, bad option value).
    InvalidArgument = -2,
    /// Memory for a buffer or an LZ4 state could not be allocated.
    OutOfMemory = -3,
    /// An internal error (a bug) was caught; the object must not be used again.
    Internal = -4,
    /// The destination buffer is smaller than the operation needs.
    DstTooSmall = -5,
    /// Functions were called out of order (e.g. update after end).
    WrongStage = -6,
    /// The input does not start with a known LZ4 frame magic number.
    BadMagic = -10,
    /// The frame header declares an unsupported format version.
    BadVersion = -11,
    /// A reserved bit of the frame header is set.
    ReservedBit = -12,
    /// The frame header declares an unknown maximum block size.
    BadBlockSizeId = -13,
    /// The frame header checksum does not match.
    HeaderChecksum = -14,
    /// A block is larger than the frame's maximum block size.
    BlockTooLarge = -15,
    /// A block checksum does not match.
    BlockChecksum = -16,
    /// Compressed block data is corrupt.
    CorruptBlock = -17,
    /// The content checksum at the end of a frame does not match.
    ContentChecksum = -18,
    /// The decompressed size differs from the frame's declared content size.
    ContentSize = -19,
    /// Input ended in the middle of a frame.
    Truncated = -20,
    /// The frame names a dictionary ID and the decoder was given no dictionary.
    DictionaryRequired = -21,
    /// The dictionary given does not have the frame's dictionary ID.
    DictionaryMismatch = -22,
    /// The bytes are not a decoder state blob (bad magic).
    StateMagic = -30,
    /// The state blob was written by an unsupported format version.
    StateVersion = -31,
    /// The state blob's checksum does not match: it is damaged.
    StateChecksum = -32,
    /// The state blob is shorter than its fields say.
    StateTruncated = -33,
    /// A state blob field holds an impossible value.
    StateCorrupt = -34,
    /// The dictionary given on restore is not the one the state was using.
    StateDictionary = -35,
    /// The read callback of a pull decoder reported an error.
    ReaderFailed = -40,
}

/// Every error, in code order; used by lookups and tests.
pub const ALL_ERRORS: [Error; 26] = [
    Error::NullArgument,
    Error::InvalidArgument,
    Error::OutOfMemory,
    Error::Internal,
    Error::DstTooSmall,
    Error::WrongStage,
    Error::BadMagic,
    Error::BadVersion,
    Error::ReservedBit,
    Error::BadBlockSizeId,
    Error::HeaderChecksum,
    Error::BlockTooLarge,
    Error::BlockChecksum,
    Error::CorruptBlock,
    Error::ContentChecksum,
    Error::ContentSize,
    Error::Truncated,
    Error::DictionaryRequired,
    Error::DictionaryMismatch,
    Error::StateMagic,
    Error::StateVersion,
    Error::StateChecksum,
    Error::StateTruncated,
    Error::StateCorrupt,
    Error::StateDictionary,
    Error::ReaderFailed,
];

impl Error {
    /// The stable C status code (negative).
    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn from_code(code: i32) -> Option<Error> {
        ALL_ERRORS.iter().copied().find(|e| e.code() == code)
    }

    /// The C constant's name, e.g. `LZ4FRAMED_ERROR_BLOCK_CHECKSUM`.
    pub fn name(self) -> &'static str {
        match self {
            Error::NullArgument => "LZ4FRAMED_ERROR_NULL_ARGUMENT",
            Error::InvalidArgument => "LZ4FRAMED_ERROR_INVALID_ARGUMENT",
            Error::OutOfMemory => "LZ4FRAMED_ERROR_OUT_OF_MEMORY",
            Error::Internal => "LZ4FRAMED_ERROR_INTERNAL",
            Error::DstTooSmall => "LZ4FRAMED_ERROR_DST_TOO_SMALL",
            Error::WrongStage => "LZ4FRAMED_ERROR_WRONG_STAGE",
            Error::BadMagic => "LZ4FRAMED_ERROR_BAD_MAGIC",
            Error::BadVersion => "LZ4FRAMED_ERROR_BAD_VERSION",
            Error::ReservedBit => "LZ4FRAMED_ERROR_RESERVED_BIT",
            Error::BadBlockSizeId => "LZ4FRAMED_ERROR_BAD_BLOCK_SIZE_ID",
            Error::HeaderChecksum => "LZ4FRAMED_ERROR_HEADER_CHECKSUM",
            Error::BlockTooLarge => "LZ4FRAMED_ERROR_BLOCK_TOO_LARGE",
            Error::BlockChecksum => "LZ4FRAMED_ERROR_BLOCK_CHECKSUM",
            Error::CorruptBlock => "LZ4FRAMED_ERROR_CORRUPT_BLOCK",
            Error::ContentChecksum => "LZ4FRAMED_ERROR_CONTENT_CHECKSUM",
            Error::ContentSize => "LZ4FRAMED_ERROR_CONTENT_SIZE",
            Error::Truncated => "LZ4FRAMED_ERROR_TRUNCATED",
            Error::DictionaryRequired => "LZ4FRAMED_ERROR_DICTIONARY_REQUIRED",
            Error::DictionaryMismatch => "LZ4FRAMED_ERROR_DICTIONARY_MISMATCH",
            Error::StateMagic => "LZ4FRAMED_ERROR_STATE_MAGIC",
            Error::StateVersion => "LZ4FRAMED_ERROR_STATE_VERSION",
            Error::StateChecksum => "LZ4FRAMED_ERROR_STATE_CHECKSUM",
            Error::StateTruncated => "LZ4FRAMED_ERROR_STATE_TRUNCATED",
            Error::StateCorrupt => "LZ4FRAMED_ERROR_STATE_CORRUPT",
            Error::StateDictionary => "LZ4FRAMED_ERROR_STATE_DICTIONARY",
            Error::ReaderFailed => "LZ4FRAMED_ERROR_READER_FAILED",
        }
    }

    /// A sentence for people, e.g. for an error dialog or a log line.
    pub fn message(self) -> &'static str {
        match self {
            Error::NullArgument => "a required pointer argument is NULL",
            Error::InvalidArgument => "an argument is out of range",
            Error::OutOfMemory => "out of memory",
            Error::Internal => {
                "internal error (a bug in lz4framed); the object must not be used again"
            }
            Error::DstTooSmall => "the destination buffer is too small",
            Error::WrongStage => "function called out of order",
            Error::BadMagic => "not LZ4 data: unknown frame magic number",
            Error::BadVersion => "unsupported LZ4 frame version",
            Error::ReservedBit => "reserved bit set in LZ4 frame header",
            Error::BadBlockSizeId => "invalid maximum block size in LZ4 frame header",
            Error::HeaderChecksum => "LZ4 frame header checksum mismatch",
            Error::BlockTooLarge => "LZ4 block larger than the frame's maximum block size",
            Error::BlockChecksum => "LZ4 block checksum mismatch",
            Error::CorruptBlock => "corrupt LZ4 block data",
            Error::ContentChecksum => "LZ4 content checksum mismatch",
            Error::ContentSize => {
                "decompressed size differs from the frame's declared content size"
            }
            Error::Truncated => "input ended in the middle of an LZ4 frame",
            Error::DictionaryRequired => "the frame needs a dictionary and none was given",
            Error::DictionaryMismatch => "the dictionary does not match the frame's dictionary ID",
            Error::StateMagic => "not a lz4framed decoder state",
            Error::StateVersion => "decoder state written by an unsupported format version",
            Error::StateChecksum => "decoder state is damaged (checksum mismatch)",
            Error::StateTruncated => "decoder state is truncated",
            Error::StateCorrupt => "decoder state holds impossible values",
            Error::StateDictionary => {
                "the dictionary differs from the one the saved state was using"
            }
            Error::ReaderFailed => "the input read callback reported an error",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.name())
    }
}

impl std::error::Error for Error {}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_messages_are_unique_and_round_trip() {
        let mut names = std::collections::HashSet::new();
        let mut msgs = std::collections::HashSet::new();
        for e in ALL_ERRORS {
            assert!(e.code() < 0);
            assert_eq!(Error::from_code(e.code()), Some(e));
            assert!(names.insert(e.name()));
            assert!(msgs.insert(e.message()));
            assert!(e.to_string().contains(e.name()));
        }
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::from_code(-9999), None);
    }
}
