//! What a sidecar index stores to restart inside a linked-block frame.
//! Layout: `docs/SEEK_FORMAT.md`, part 3.

use super::{Invalid, le16, le32};
use crate::lz4::{self, BlockCompressor, WINDOW_SIZE};

/// The largest window a checkpoint holds: LZ4 matches reach back at most
/// 64 KiB, so no decoder needs more history than that.
pub const MAX_CHECKPOINT_WINDOW: usize = WINDOW_SIZE;

const TYPE_WINDOW: u8 = 1;
const TYPE_OPAQUE: u8 = 2;
const CODEC_STORED: u8 = 0;
const CODEC_LZ4: u8 = 1;
const HEADER_LEN: usize = 8;

/// The state a decoder needs to start at a block of a linked-block frame.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Checkpoint {
    /// The last (up to 64 KiB of) decompressed bytes before the point: the
    /// window the block's matches may reach into. Stored LZ4-compressed
    /// when that is smaller.
    Window(Vec<u8>),
    /// Bytes whose meaning the index's writer defines (for example a
    /// marshalled decoder state); the format only carries them.
    Opaque(Vec<u8>),
}

impl Checkpoint {
    /// The checkpoint as a blob of the index's blob area.
    ///
    /// # Panics
    /// If a window is longer than [`MAX_CHECKPOINT_WINDOW`] (callers pass
    /// the last 64 KiB of output), or LZ4 cannot allocate its state.
    pub fn to_blob(&self) -> Vec<u8> {
        match self {
            Checkpoint::Window(w) => {
                assert!(
                    w.len() <= MAX_CHECKPOINT_WINDOW,
                    "window longer than 64 KiB"
                );
                let mut out = vec![TYPE_WINDOW, CODEC_STORED, 0, 0];
                out.extend_from_slice(&(w.len() as u32).to_le_bytes());
                match compress_window(w) {
                    Some(block) => {
                        out[1] = CODEC_LZ4;
                        out.extend_from_slice(&block);
                    }
                    None => out.extend_from_slice(w),
                }
                out
            }
            Checkpoint::Opaque(bytes) => {
                let mut out = vec![TYPE_OPAQUE, 0, 0, 0];
                out.extend_from_slice(bytes);
                out
            }
        }
    }

    /// Parses a blob, decompressing a window (into at most 64 KiB: the
    /// length field is checked before anything is allocated).
    pub fn from_blob(blob: &[u8]) -> Result<Checkpoint, Invalid> {
        if blob.len() < 4 {
            return Err(Invalid::CheckpointCorrupt);
        }
        match blob[0] {
            TYPE_WINDOW => {
                if blob.len() < HEADER_LEN || le16(blob, 2) != 0 {
                    return Err(Invalid::CheckpointCorrupt);
                }
                let len = le32(blob, 4) as usize;
                if len > MAX_CHECKPOINT_WINDOW {
                    return Err(Invalid::CheckpointCorrupt);
                }
                let data = &blob[HEADER_LEN..];
                match blob[1] {
                    CODEC_STORED if data.len() == len => Ok(Checkpoint::Window(data.to_vec())),
                    CODEC_LZ4 => {
                        let mut w = vec![0u8; len];
                        match lz4::decompress(data, &mut w, &[]) {
                            Some(n) if n == len => Ok(Checkpoint::Window(w)),
                            _ => Err(Invalid::CheckpointCorrupt),
                        }
                    }
                    _ => Err(Invalid::CheckpointCorrupt),
                }
            }
            TYPE_OPAQUE if blob[1..4] == [0, 0, 0] => Ok(Checkpoint::Opaque(blob[4..].to_vec())),
            _ => Err(Invalid::CheckpointCorrupt),
        }
    }
}

/// `w` as one LZ4 block, or `None` when that is not smaller.
fn compress_window(w: &[u8]) -> Option<Vec<u8>> {
    if w.is_empty() {
        return None;
    }
    let mut c = BlockCompressor::new(1, false, &[], false).expect("LZ4 state allocated");
    // Room for the 4-byte header `compress_run` leaves and a block one
    // byte shorter than the window (LZ4 gives up beyond that).
    let mut dst = vec![0u8; 4 + w.len()];
    let mut len = 0;
    c.compress_run(w, w.len(), &mut dst, |_, _, n| {
        len = n;
        4 + n
    });
    (len > 0).then(|| dst[4..4 + len].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_round_trip_compressed_or_stored() {
        let text = b"the window of a linked frame ".repeat(3000);
        let noise: Vec<u8> = (0..65536u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for w in [&text[..65536], &noise[..], &b""[..], &b"x"[..]] {
            let blob = Checkpoint::Window(w.to_vec()).to_blob();
            assert_eq!(
                Checkpoint::from_blob(&blob),
                Ok(Checkpoint::Window(w.to_vec()))
            );
        }
        assert!(Checkpoint::Window(text[..65536].to_vec()).to_blob().len() < 4096);
    }

    #[test]
    fn malformed_blobs_are_refused() {
        let good = Checkpoint::Window(b"abcabcabcabcabcabcabcabc".repeat(100)).to_blob();
        assert_eq!(good[1], CODEC_LZ4);
        let mut long = good.clone();
        long[4..8].copy_from_slice(&(65537u32).to_le_bytes());
        let mut short = good.clone();
        short[4..8].copy_from_slice(&(100u32).to_le_bytes());
        let mut codec = good.clone();
        codec[1] = 7;
        for bad in [
            &good[..3],
            &good[..good.len() - 1],
            &long,
            &short,
            &codec,
            &[9, 0, 0, 0],
        ] {
            assert_eq!(Checkpoint::from_blob(bad), Err(Invalid::CheckpointCorrupt));
        }
        let opaque = Checkpoint::Opaque(b"state".to_vec()).to_blob();
        assert_eq!(
            Checkpoint::from_blob(&opaque),
            Ok(Checkpoint::Opaque(b"state".to_vec()))
        );
        let mut reserved = opaque.clone();
        reserved[2] = 1;
        assert_eq!(
            Checkpoint::from_blob(&reserved),
            Err(Invalid::CheckpointCorrupt)
        );
    }
}
