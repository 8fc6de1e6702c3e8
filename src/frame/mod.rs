//! The LZ4 frame format (lz4 `doc/lz4_Frame_format.md`): magic numbers,
//! the frame descriptor, block headers and their checksums.

mod header;

pub use header::{FrameInfo, FrameKind, read_frame_info};
pub(crate) use header::{check_descriptor_start, descriptor_len, parse_descriptor, write_header};

/// Magic number of an LZ4 frame.
pub const MAGIC: u32 = 0x184D_2204;
/// Magic number of the legacy format written by `lz4 -l`.
pub const LEGACY_MAGIC: u32 = 0x184C_2102;
/// Skippable frames use the 16 magic numbers `0x184D2A50..=0x184D2A5F`.
pub const SKIPPABLE_MAGIC_BASE: u32 = 0x184D_2A50;
/// Uncompressed size of every block of a legacy frame but the last.
pub const LEGACY_BLOCK_SIZE: usize = 8 << 20;
/// A frame header is at most 19 bytes long, magic included.
pub const MAX_HEADER_LEN: usize = 19;
/// Block header bit marking a block stored uncompressed.
pub const UNCOMPRESSED_BIT: u32 = 0x8000_0000;

/// The four maximum block sizes of the frame format.
///
/// Deliberately not `#[non_exhaustive]`: the frame format fixes the
/// block-maximum-size codes to exactly these four (4..=7; the others are
/// reserved), so a `match` over them may be exhaustive.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BlockSize {
    #[default]
    Max64KB = 4,
    Max256KB = 5,
    Max1MB = 6,
    Max4MB = 7,
}

impl BlockSize {
    /// The header's block-maximum-size code (4..=7).
    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn from_id(id: u8) -> Option<BlockSize> {
        match id {
            4 => Some(BlockSize::Max64KB),
            5 => Some(BlockSize::Max256KB),
            6 => Some(BlockSize::Max1MB),
            7 => Some(BlockSize::Max4MB),
            _ => None,
        }
    }

    /// The size in bytes: 64 KiB, 256 KiB, 1 MiB or 4 MiB.
    pub fn bytes(self) -> usize {
        1 << (8 + 2 * self.id() as usize)
    }
}

/// What the first four bytes of a frame say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Magic {
    Lz4,
    Legacy,
    Skippable,
}

impl Magic {
    pub(crate) fn classify(value: u32) -> Option<Magic> {
        match value {
            MAGIC => Some(Magic::Lz4),
            LEGACY_MAGIC => Some(Magic::Legacy),
            v if v & 0xFFFF_FFF0 == SKIPPABLE_MAGIC_BASE => Some(Magic::Skippable),
            _ => None,
        }
    }
}

pub(crate) fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// XXH32 with seed 0: the hash of every checksum in the frame format.
/// Short inputs (header descriptors) take xxhash-rust's one-shot path;
/// blocks go through our streaming state, which prefetches ahead: a block
/// checksum is verified straight from the caller's input, which is usually
/// not in cache.
pub(crate) fn xxh32(data: &[u8]) -> u32 {
    if data.len() < 4096 {
        return xxhash_rust::xxh32::xxh32(data, 0);
    }
    let mut state = crate::xxh32::Xxh32State::new(0);
    state.update(data);
    state.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes() {
        let sizes: Vec<usize> = (4..=7)
            .map(|i| BlockSize::from_id(i).unwrap().bytes())
            .collect();
        assert_eq!(sizes, [64 << 10, 256 << 10, 1 << 20, 4 << 20]);
        assert_eq!(BlockSize::from_id(3), None);
        assert_eq!(BlockSize::from_id(8), None);
    }

    #[test]
    fn magic_numbers() {
        assert_eq!(Magic::classify(MAGIC), Some(Magic::Lz4));
        assert_eq!(Magic::classify(LEGACY_MAGIC), Some(Magic::Legacy));
        assert_eq!(Magic::classify(0x184D_2A5F), Some(Magic::Skippable));
        assert_eq!(Magic::classify(0x184D_2A60), None);
        assert_eq!(Magic::classify(0), None);
    }
}
