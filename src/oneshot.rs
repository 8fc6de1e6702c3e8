//! One-call decompression of whole inputs (all concatenated frames).

use crate::decoder::{Decoder, Status};
use crate::error::{Error, Result};
use crate::frame::read_frame_info;

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
pub fn decompress_with(src: &[u8], mut decoder: Decoder) -> Result<Vec<u8>> {
    // LZ4 expands at most ~255x; a declared size beyond that is a lie.
    let plausible = src.len().saturating_mul(256).saturating_add(1 << 16);
    let declared = match read_frame_info(src) {
        Ok(Some((info, _))) => info.content_size.and_then(|s| usize::try_from(s).ok()),
        _ => None,
    };
    let mut cap = declared
        .map_or(src.len().saturating_mul(4), |s| s.saturating_add(1))
        .min(plausible)
        .max(1 << 16);
    let mut out = Vec::new();
    let (mut ip, mut op) = (0, 0);
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
