//! Frame descriptor: parsing (with every validity check liblz4 makes, in
//! the same order, so errors name the same fault) and writing.

use super::{BlockSize, LEGACY_BLOCK_SIZE, MAGIC, Magic, le32, xxh32};
use crate::error::{Error, Result};

/// The kind of frame a magic number starts.
///
/// `#[non_exhaustive]`: a later version may know another kind, so a
/// `match` outside this crate needs a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FrameKind {
    /// A regular LZ4 frame.
    #[default]
    Lz4,
    /// A skippable frame: user data the decoder steps over.
    Skippable,
    /// The legacy format (`lz4 -l`): independent 8 MiB blocks, no checksums.
    Legacy,
}

/// What a frame header declares.
///
/// Made by [`read_frame_info`] and the decoder, read by the caller:
/// `#[non_exhaustive]`, so a later version may add a field; outside this
/// crate read the fields (or destructure with `..`) rather than building
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct FrameInfo {
    pub kind: FrameKind,
    /// Maximum block size; meaningful for [`FrameKind::Lz4`] frames.
    pub block_size: BlockSize,
    /// Blocks may refer to the previous 64 KiB of output.
    pub block_linked: bool,
    pub block_checksum: bool,
    pub content_checksum: bool,
    /// Declared decompressed size; for a skippable frame, its payload size.
    pub content_size: Option<u64>,
    pub dict_id: Option<u32>,
}

impl FrameInfo {
    /// The most bytes one block of this frame can decode to.
    pub fn max_block_bytes(&self) -> usize {
        match self.kind {
            FrameKind::Lz4 => self.block_size.bytes(),
            FrameKind::Legacy => LEGACY_BLOCK_SIZE,
            FrameKind::Skippable => 0,
        }
    }

    pub(crate) fn legacy() -> FrameInfo {
        FrameInfo {
            kind: FrameKind::Legacy,
            block_size: BlockSize::Max4MB,
            ..FrameInfo::default()
        }
    }
}

const FLG_VERSION_MASK: u8 = 0b1100_0000;
const FLG_VERSION_01: u8 = 0b0100_0000;
const FLG_INDEPENDENT: u8 = 0b0010_0000;
const FLG_BLOCK_CHECKSUM: u8 = 0b0001_0000;
const FLG_CONTENT_SIZE: u8 = 0b0000_1000;
const FLG_CONTENT_CHECKSUM: u8 = 0b0000_0100;
const FLG_RESERVED: u8 = 0b0000_0010;
const FLG_DICT_ID: u8 = 0b0000_0001;
const BD_RESERVED: u8 = 0b1000_1111;

/// Length of the descriptor (FLG through header checksum) that `flg` announces.
pub(crate) fn descriptor_len(flg: u8) -> usize {
    3 + if flg & FLG_CONTENT_SIZE != 0 { 8 } else { 0 } + if flg & FLG_DICT_ID != 0 { 4 } else { 0 }
}

/// Checks the descriptor bytes received so far (FLG, then BD), so that a
/// frame that can never be valid is reported as such even when the input
/// ends before its header does.
pub(crate) fn check_descriptor_start(d: &[u8]) -> Result<()> {
    if let Some(&flg) = d.first() {
        if flg & FLG_VERSION_MASK != FLG_VERSION_01 {
            return Err(Error::BadVersion);
        }
        if flg & FLG_RESERVED != 0 {
            return Err(Error::ReservedBit);
        }
    }
    if let Some(&bd) = d.get(1) {
        if bd & BD_RESERVED != 0 {
            return Err(Error::ReservedBit);
        }
        BlockSize::from_id((bd >> 4) & 7).ok_or(Error::BadBlockSizeId)?;
    }
    Ok(())
}

/// Parses a complete descriptor (the bytes after the magic number).
pub(crate) fn parse_descriptor(d: &[u8]) -> Result<FrameInfo> {
    check_descriptor_start(d)?;
    let flg = d[0];
    debug_assert_eq!(d.len(), descriptor_len(flg));
    let bd = d[1];
    let block_size = BlockSize::from_id((bd >> 4) & 7).ok_or(Error::BadBlockSizeId)?;
    let hc_at = d.len() - 1;
    if d[hc_at] != header_checksum(&d[..hc_at]) {
        return Err(Error::HeaderChecksum);
    }
    let mut at = 2;
    let content_size = (flg & FLG_CONTENT_SIZE != 0).then(|| {
        at += 8;
        u64::from_le_bytes(d[at - 8..at].try_into().unwrap())
    });
    let dict_id = (flg & FLG_DICT_ID != 0).then(|| {
        at += 4;
        le32(&d[at - 4..at])
    });
    Ok(FrameInfo {
        kind: FrameKind::Lz4,
        block_size,
        block_linked: flg & FLG_INDEPENDENT == 0,
        block_checksum: flg & FLG_BLOCK_CHECKSUM != 0,
        content_checksum: flg & FLG_CONTENT_CHECKSUM != 0,
        content_size,
        dict_id,
    })
}

fn header_checksum(descriptor: &[u8]) -> u8 {
    (xxh32(descriptor) >> 8) as u8
}

/// Writes the frame header (magic included) for `info` into `out`, which
/// must hold [`super::MAX_HEADER_LEN`] bytes; returns its length.
pub(crate) fn write_header(info: &FrameInfo, out: &mut [u8]) -> usize {
    out[..4].copy_from_slice(&MAGIC.to_le_bytes());
    let mut flg = FLG_VERSION_01;
    if !info.block_linked {
        flg |= FLG_INDEPENDENT;
    }
    if info.block_checksum {
        flg |= FLG_BLOCK_CHECKSUM;
    }
    if info.content_size.is_some() {
        flg |= FLG_CONTENT_SIZE;
    }
    if info.content_checksum {
        flg |= FLG_CONTENT_CHECKSUM;
    }
    if info.dict_id.is_some() {
        flg |= FLG_DICT_ID;
    }
    out[4] = flg;
    out[5] = info.block_size.id() << 4;
    let mut at = 6;
    if let Some(size) = info.content_size {
        out[at..at + 8].copy_from_slice(&size.to_le_bytes());
        at += 8;
    }
    if let Some(id) = info.dict_id {
        out[at..at + 4].copy_from_slice(&id.to_le_bytes());
        at += 4;
    }
    out[at] = header_checksum(&out[4..at]);
    at + 1
}

/// Reads the header at the start of `src` without decoding anything, like
/// `LZ4F_getFrameInfo`. Returns `Ok(None)` when `src` is too short to hold
/// the whole header, else the frame's info and the header's length. For a
/// skippable frame the header is its 8 bytes and `content_size` its size;
/// a legacy frame's header is its 4-byte magic.
pub fn read_frame_info(src: &[u8]) -> Result<Option<(FrameInfo, usize)>> {
    if src.len() < 4 {
        return Ok(None);
    }
    match Magic::classify(le32(src)).ok_or(Error::BadMagic)? {
        Magic::Legacy => Ok(Some((FrameInfo::legacy(), 4))),
        Magic::Skippable => {
            if src.len() < 8 {
                return Ok(None);
            }
            let size = Some(u64::from(le32(&src[4..])));
            Ok(Some((
                FrameInfo {
                    kind: FrameKind::Skippable,
                    content_size: size,
                    ..FrameInfo::default()
                },
                8,
            )))
        }
        Magic::Lz4 => {
            if src.len() < 5 {
                return Ok(None);
            }
            let len = descriptor_len(src[4]);
            if src.len() < 4 + len {
                check_descriptor_start(&src[4..])?;
                return Ok(None);
            }
            Ok(Some((parse_descriptor(&src[4..4 + len])?, 4 + len)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_infos() -> Vec<FrameInfo> {
        let mut v = Vec::new();
        for id in 4..=7 {
            for bits in 0..16u32 {
                v.push(FrameInfo {
                    kind: FrameKind::Lz4,
                    block_size: BlockSize::from_id(id).unwrap(),
                    block_linked: bits & 1 != 0,
                    block_checksum: bits & 2 != 0,
                    content_checksum: bits & 4 != 0,
                    content_size: (bits & 8 != 0).then_some(0x0123_4567_89ab_cdef),
                    dict_id: (id == 5).then_some(0xdead_beef),
                });
            }
        }
        v
    }

    #[test]
    fn write_then_read_round_trips() {
        for info in all_infos() {
            let mut buf = [0u8; 19];
            let n = write_header(&info, &mut buf);
            assert_eq!(read_frame_info(&buf[..n]).unwrap(), Some((info, n)));
            for short in 0..n {
                assert_eq!(read_frame_info(&buf[..short]).unwrap(), None);
            }
        }
    }

    #[test]
    fn every_header_bit_flip_is_caught_with_its_specific_error() {
        for info in all_infos() {
            let mut buf = [0u8; 19];
            let n = write_header(&info, &mut buf);
            for bit in 0..n * 8 {
                let mut b = buf;
                b[bit / 8] ^= 1 << (bit % 8);
                let r = read_frame_info(&b[..n]);
                let byte = bit / 8;
                let expected = match (byte, bit % 8) {
                    (0..=3, _) => Error::BadMagic,
                    (4, 6 | 7) => Error::BadVersion,
                    (4, 1) => Error::ReservedBit,
                    // These bits change the header length: the checksum lands elsewhere.
                    (4, 0 | 3) => {
                        assert!(matches!(r, Err(_) | Ok(None)), "bit {bit}");
                        continue;
                    }
                    (5, 7 | 0..=3) => Error::ReservedBit,
                    (5, 4..=6) if BlockSize::from_id((b[5] >> 4) & 7).is_none() => {
                        Error::BadBlockSizeId
                    }
                    _ => Error::HeaderChecksum,
                };
                // A one-byte checksum cannot catch every flip: when the changed
                // descriptor happens to hash to the same byte (e.g. FLG 0x40 and
                // 0x50 with BD 0x40 both give 0xC0), the header is valid.
                if expected == Error::HeaderChecksum && b[n - 1] == header_checksum(&b[4..n - 1]) {
                    assert!(matches!(r, Ok(Some(_))), "bit {bit} of {info:?}");
                    continue;
                }
                assert_eq!(r, Err(expected), "bit {bit} of {info:?}");
            }
        }
    }

    #[test]
    fn skippable_and_legacy_headers() {
        let mut s = 0x184D_2A53u32.to_le_bytes().to_vec();
        s.extend_from_slice(&77u32.to_le_bytes());
        let (info, n) = read_frame_info(&s).unwrap().unwrap();
        assert_eq!(
            (info.kind, info.content_size, n),
            (FrameKind::Skippable, Some(77), 8)
        );
        let (info, n) = read_frame_info(&0x184C_2102u32.to_le_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            (info.kind, info.max_block_bytes(), n),
            (FrameKind::Legacy, 8 << 20, 4)
        );
        assert_eq!(read_frame_info(b"abcdefgh"), Err(Error::BadMagic));
    }
}
