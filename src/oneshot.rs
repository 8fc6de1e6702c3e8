//! One-call decompression of whole inputs (all concatenated frames).

use crate::decoder::{Decoder, Status};
use crate::error::{Error, Result};
use crate::frame::{FrameKind, UNCOMPRESSED_BIT, le32, read_frame_info};

/// Decompresses every frame in `src` (skippable frames are skipped).
///
/// The output is sized from the first frame's declared content size when
/// present (never trusting it beyond what `src` could expand to) and grows
/// otherwise.
///
/// ```
/// let frame = lz4framed::compress(b"abcabcabc", &Default::default()).unwrap();
/// assert_eq!(lz4framed::decompress(&frame).unwrap(), b"abcabcabc");
/// assert_eq!(lz4framed::decompress(&frame[..frame.len() - 1]), Err(lz4framed::Error::Truncated));
/// ```
pub fn decompress(src: &[u8]) -> Result<Vec<u8>> {
    decompress_with(src, Decoder::new())
}

/// [`decompress`] with a dictionary; `id`, when given, must match the
/// dictionary ID of frames that declare one.
pub fn decompress_with_dictionary(src: &[u8], dict: &[u8], id: Option<u32>) -> Result<Vec<u8>> {
    let mut d = Decoder::new();
    d.set_dictionary(dict, id);
    decompress_with(src, d)
}

/// Decompresses with a caller-configured decoder (options, dictionary).
pub fn decompress_with(src: &[u8], decoder: Decoder) -> Result<Vec<u8>> {
    decompress_after(src, decoder, 0)
}

/// Decompresses into a vector whose first `headroom` bytes are left for
/// the caller (zeroed), the output following them.
pub(crate) fn decompress_after(
    src: &[u8],
    mut decoder: Decoder,
    headroom: usize,
) -> Result<Vec<u8>> {
    // LZ4 expands at most ~255x; a declared size beyond that is a lie.
    let plausible = src.len().saturating_mul(256).saturating_add(1 << 16);
    let declared = match read_frame_info(src) {
        Ok(Some((info, _))) => info.content_size.and_then(|s| usize::try_from(s).ok()),
        _ => None,
    };
    let mut cap = declared
        .map_or(src.len().saturating_mul(4), |s| s.saturating_add(1))
        .min(plausible)
        .max(1 << 16)
        .saturating_add(headroom);
    let mut out = Vec::new();
    let (mut ip, mut op) = (0, headroom);
    loop {
        out.try_reserve_exact(cap.saturating_sub(out.len()))
            .map_err(|_| Error::OutOfMemory)?;
        out.resize(cap, 0);
        let p = decoder.decompress(&src[ip..], &mut out[op..], true)?;
        ip += p.consumed;
        op += p.produced;
        match p.status {
            Status::OutputFull => cap = cap.saturating_mul(2),
            Status::FrameBoundary if ip == src.len() => break,
            // Only reachable with stop-at-frame-end: go on with the next frame.
            Status::FrameBoundary | Status::NeedInput => {}
            // Only the pull API reads from a source.
            Status::SourceFailed => return Err(Error::Internal),
        }
    }
    out.truncate(op);
    Ok(out)
}

/// The exact size [`decompress`] would return for `src` (all frames,
/// skippable ones contributing nothing), without keeping the output.
///
/// When every frame declares its content size (and no legacy frame is
/// present) the size is the sum of the declarations; the frames' structure
/// is walked to find them (so truncation, bad magic numbers and headers
/// and oversized blocks are errors), but block data and checksums are
/// checked only by decompressing. Otherwise the whole input is decoded
/// into a small scratch buffer, verifying checksums.
///
/// ```
/// let frame = lz4framed::compress(b"abcabcabc", &Default::default()).unwrap();
/// assert_eq!(lz4framed::decompressed_size(&frame), Ok(9));
/// ```
pub fn decompressed_size(src: &[u8]) -> Result<u64> {
    decompressed_size_with(src, Decoder::new())
}

/// [`decompressed_size`] with a caller-configured decoder (dictionary,
/// options), used when the size has to be found by decoding.
pub fn decompressed_size_with(src: &[u8], decoder: Decoder) -> Result<u64> {
    match declared_total(src)? {
        Some(total) => Ok(total),
        None => decoded_size(src, decoder),
    }
}

/// The sum of the content sizes every frame of `src` declares; `None` when
/// a frame declares none (or is a legacy frame).
fn declared_total(src: &[u8]) -> Result<Option<u64>> {
    let mut total = 0u64;
    let mut at = 0;
    while at < src.len() {
        let rest = &src[at..];
        let (info, header_len) = read_frame_info(rest)?.ok_or(Error::Truncated)?;
        let skip = |n: u64, at: usize| -> Result<usize> {
            usize::try_from(n)
                .ok()
                .and_then(|n| at.checked_add(n))
                .filter(|&end| end <= src.len())
                .ok_or(Error::Truncated)
        };
        match info.kind {
            FrameKind::Legacy => return Ok(None),
            FrameKind::Skippable => {
                at = skip(info.content_size.unwrap_or(0), at + header_len)?;
            }
            FrameKind::Lz4 => {
                let Some(size) = info.content_size else {
                    return Ok(None);
                };
                at += header_len;
                loop {
                    let word = src.get(at..at + 4).ok_or(Error::Truncated)?;
                    let word = le32(word);
                    at += 4;
                    if word == 0 {
                        break;
                    }
                    let len = u64::from(word & !UNCOMPRESSED_BIT);
                    if len > info.max_block_bytes() as u64 {
                        return Err(Error::BlockTooLarge);
                    }
                    at = skip(len + if info.block_checksum { 4 } else { 0 }, at)?;
                }
                if info.content_checksum {
                    at = skip(4, at)?;
                }
                total = total.checked_add(size).ok_or(Error::ContentSize)?;
            }
        }
    }
    Ok(Some(total))
}

/// Decodes all of `src` into a scratch buffer and counts the output.
fn decoded_size(src: &[u8], mut decoder: Decoder) -> Result<u64> {
    let mut scratch = Vec::new();
    scratch
        .try_reserve_exact(1 << 16)
        .map_err(|_| Error::OutOfMemory)?;
    scratch.resize(1 << 16, 0);
    let (mut ip, mut total) = (0usize, 0u64);
    loop {
        let p = decoder.decompress(&src[ip..], &mut scratch, true)?;
        ip += p.consumed;
        total += p.produced as u64;
        match p.status {
            Status::FrameBoundary if ip == src.len() => return Ok(total),
            Status::OutputFull | Status::FrameBoundary | Status::NeedInput => {}
            Status::SourceFailed => return Err(Error::Internal),
        }
    }
}

/// Decompresses every frame in `src` into `dst`; returns the size.
/// [`Error::DstTooSmall`] when `dst` cannot hold it all.
pub fn decompress_into(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    decompress_into_with(src, dst, Decoder::new())
}

/// [`decompress_into`] with a caller-configured decoder.
pub fn decompress_into_with(src: &[u8], dst: &mut [u8], mut decoder: Decoder) -> Result<usize> {
    let (mut ip, mut op) = (0, 0);
    loop {
        let p = decoder.decompress(&src[ip..], &mut dst[op..], true)?;
        ip += p.consumed;
        op += p.produced;
        match p.status {
            Status::OutputFull => return Err(Error::DstTooSmall),
            Status::FrameBoundary if ip == src.len() => return Ok(op),
            Status::FrameBoundary | Status::NeedInput => {}
            Status::SourceFailed => return Err(Error::Internal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preferences;

    fn frame(data: &[u8], with_size: bool) -> Vec<u8> {
        let p = Preferences {
            content_size: with_size.then_some(data.len() as u64),
            block_checksum: true,
            content_checksum: true,
            ..Preferences::default()
        };
        crate::compress(data, &p).unwrap()
    }

    #[test]
    fn decompressed_size_from_headers_and_by_decoding() {
        let a = b"hello hello hello hello".repeat(5000);
        let b = b"other data".repeat(300);
        for (sa, sb) in [(true, true), (true, false), (false, false)] {
            let mut src = frame(&a, sa);
            // A skippable frame in between contributes nothing.
            src.extend_from_slice(&[0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]);
            src.extend_from_slice(&frame(&b, sb));
            let total = (a.len() + b.len()) as u64;
            assert_eq!(decompressed_size(&src), Ok(total), "{sa} {sb}");
            assert_eq!(declared_total(&src).unwrap().is_some(), sa && sb);
            for cut in [1, 5, src.len() / 2, src.len() - 1] {
                assert_eq!(
                    decompressed_size(&src[..cut]),
                    Err(Error::Truncated),
                    "{sa} {sb} cut at {cut}"
                );
            }
        }
        assert_eq!(decompressed_size(&[]), Ok(0));
        assert_eq!(decompressed_size(b"not lz4 data"), Err(Error::BadMagic));
    }

    #[test]
    fn decompressed_size_by_decoding_verifies_checksums() {
        let data = b"0123456789".repeat(1000);
        let mut src = frame(&data, false);
        let n = src.len();
        src[n - 1] ^= 1;
        assert_eq!(decompressed_size(&src), Err(Error::ContentChecksum));
    }

    #[test]
    fn headroom_is_left_before_the_output() {
        let data = b"abc".repeat(100_000);
        let out = decompress_after(&frame(&data, false), Decoder::new(), 16).unwrap();
        assert_eq!(&out[..16], &[0; 16]);
        assert_eq!(&out[16..], &data[..]);
    }
}
