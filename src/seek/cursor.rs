//! A decoder started at a restart point and moved forward through the
//! file, checking every stretch it passes against the table or index.
//!
//! At each restart point after the one it started from, the decoder must
//! have consumed exactly the compressed bytes up to that point, produced
//! exactly the decompressed bytes the point says, and stand where such a
//! point can stand (a frame start, or a block boundary). The output cannot
//! run past the end of the stretch either: the moment a stretch decodes to
//! more than recorded, or the compressed bytes run out before it produced
//! all of it, the read fails with [`Error::SeekMismatch`] and nothing of
//! that read is delivered.

use std::io;

use super::PointKind;
use super::failure::data_error;
use super::map::Map;
use super::source::ReadAt;
use crate::decoder::{Decoder, DecoderOptions, Status};
use crate::error::Error;
use crate::frame::{FrameInfo, FrameKind, MAX_HEADER_LEN, read_frame_info};

/// Compressed bytes read from the source at a time (less near a stretch end).
const READ_CHUNK: usize = 256 * 1024;
/// Room for output that is decoded only to be dropped.
const DISCARD_CHUNK: usize = 64 * 1024;
/// The most output a cursor decodes ahead of its reader to check the
/// stretch it stands in (the default span and the largest block); a longer
/// rest of a stretch is checked on a copy of the cursor and decoded again
/// when read.
const AHEAD_LIMIT: usize = (8 << 20) + 1;

#[derive(Clone)]
pub(super) struct Cursor {
    decoder: Decoder,
    /// The next compressed byte to read from the source.
    next_in: u64,
    input: Vec<u8>,
    /// `input[in_lo..in_hi]` is read but not consumed by the decoder.
    in_lo: usize,
    in_hi: usize,
    /// The decompressed offset of the next byte delivered.
    out: u64,
    /// The next stretch end to check (a point number, or the data end).
    check: usize,
    /// The decompressed offset where the stretch ending at `check` starts.
    from: u64,
    /// The decoder holds output that did not fit.
    holds_output: bool,
    discard: Vec<u8>,
    /// Output decoded ahead to check a stretch before its bytes are read:
    /// `ahead[ahead_lo..ahead_hi]` comes before the decoder's next byte.
    ahead: Vec<u8>,
    ahead_lo: usize,
    ahead_hi: usize,
}

fn mismatch() -> io::Error {
    data_error(Error::SeekMismatch)
}

impl Cursor {
    /// A decoder at restart point `i` of `map`.
    pub fn start<S: ReadAt + ?Sized>(map: &Map, source: &S, i: usize) -> io::Result<Cursor> {
        let point = map.points[i];
        let options = DecoderOptions::default();
        let decoder = match point.kind {
            PointKind::Frame => Decoder::with_options(options),
            kind => {
                let frame = map.frame_of(i).ok_or_else(mismatch)?;
                let info = frame_header(source, frame.compressed, map.data_end)?;
                let fits = match kind {
                    PointKind::Block => {
                        info.kind == FrameKind::Legacy
                            || (info.kind == FrameKind::Lz4 && !info.block_linked)
                    }
                    PointKind::LinkedReset | PointKind::Checkpoint => {
                        info.kind == FrameKind::Lz4 && info.block_linked
                    }
                    _ => false,
                };
                if !fits {
                    return Err(mismatch());
                }
                let window = if kind == PointKind::Checkpoint {
                    map.window(i).map_err(data_error)?
                } else {
                    Vec::new()
                };
                Decoder::entering_frame(info, &window, options).map_err(data_error)?
            }
        };
        Ok(Cursor {
            decoder,
            next_in: point.compressed,
            input: Vec::new(),
            in_lo: 0,
            in_hi: 0,
            out: point.decompressed,
            check: map.next_restart(i),
            from: point.decompressed,
            holds_output: false,
            discard: Vec::new(),
            ahead: Vec::new(),
            ahead_lo: 0,
            ahead_hi: 0,
        })
    }

    /// The decompressed offset of the next byte this cursor delivers.
    pub fn position(&self) -> u64 {
        self.out - (self.ahead_hi - self.ahead_lo) as u64
    }

    /// Makes sure the stretch the decoder stands in decodes to what the
    /// table or index says, unless a read found so before: its rest is
    /// decoded ahead (and kept for the next reads) when it is short enough,
    /// else decoded on a copy of the cursor.
    pub fn verify_stretch<S: ReadAt + ?Sized>(&mut self, map: &Map, source: &S) -> io::Result<()> {
        let end = self.check;
        // Nothing handed out yet comes from this stretch: it is checked
        // when a read first reaches into it.
        if map.is_verified(end) || self.position() <= self.from {
            return Ok(());
        }
        let rest = map.end_of(end).1.saturating_sub(self.out);
        let held = self.ahead_hi - self.ahead_lo;
        // One byte more than the rest: the decoder then passes the
        // stretch's end, which is where it is checked.
        if let Some(want) = usize::try_from(rest)
            .ok()
            .and_then(|r| r.checked_add(1))
            .filter(|&w| w.saturating_add(held) <= AHEAD_LIMIT)
        {
            let mut ahead = std::mem::take(&mut self.ahead);
            ahead.copy_within(self.ahead_lo..self.ahead_hi, 0);
            if ahead.len() < held + want {
                ahead.resize(held + want, 0);
            }
            let r = self.fill_decoded(map, source, &mut ahead[held..held + want]);
            self.ahead = ahead;
            self.ahead_lo = 0;
            self.ahead_hi = held + r?;
            return if map.is_verified(end) {
                Ok(())
            } else {
                Err(mismatch())
            };
        }
        let mut probe = self.clone();
        let mut discard = vec![0u8; DISCARD_CHUNK];
        while !map.is_verified(end) {
            if probe.fill_decoded(map, source, &mut discard)? == 0 && !map.is_verified(end) {
                return Err(mismatch());
            }
        }
        Ok(())
    }

    /// Decodes and drops output up to decompressed offset `to`.
    pub fn skip_to<S: ReadAt + ?Sized>(
        &mut self,
        map: &Map,
        source: &S,
        to: u64,
    ) -> io::Result<()> {
        let mut discard = std::mem::take(&mut self.discard);
        discard.resize(DISCARD_CHUNK, 0);
        let mut r = Ok(());
        while self.position() < to {
            let want = (to - self.position()).min(DISCARD_CHUNK as u64) as usize;
            match self.fill(map, source, &mut discard[..want]) {
                Ok(0) => {
                    r = Err(mismatch());
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        self.discard = discard;
        r
    }

    /// Fills `buf` with the next output (less only at the data's end: 0
    /// there): first what was decoded ahead, then from the decoder.
    pub fn fill<S: ReadAt + ?Sized>(
        &mut self,
        map: &Map,
        source: &S,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        let n = (self.ahead_hi - self.ahead_lo).min(buf.len());
        buf[..n].copy_from_slice(&self.ahead[self.ahead_lo..self.ahead_lo + n]);
        self.ahead_lo += n;
        if n == buf.len() {
            return Ok(n);
        }
        Ok(n + self.fill_decoded(map, source, &mut buf[n..])?)
    }

    /// [`Cursor::fill`] straight from the decoder (nothing held ahead).
    fn fill_decoded<S: ReadAt + ?Sized>(
        &mut self,
        map: &Map,
        source: &S,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        let mut produced = 0;
        while produced < buf.len() {
            let (end_c, end_d) = map.end_of(self.check);
            if self.holds_output || self.in_lo < self.in_hi {
                let p = self
                    .decoder
                    .decompress(
                        &self.input[self.in_lo..self.in_hi],
                        &mut buf[produced..],
                        false,
                    )
                    .map_err(data_error)?;
                self.in_lo += p.consumed;
                produced += p.produced;
                self.out += p.produced as u64;
                self.holds_output = p.status == Status::OutputFull;
                if self.out > end_d {
                    return Err(mismatch());
                }
                continue;
            }
            if self.next_in < end_c {
                let want = (end_c - self.next_in).min(READ_CHUNK as u64) as usize;
                self.input.resize(want, 0);
                let n = source.read_at(self.next_in, &mut self.input[..want])?;
                if n == 0 {
                    // The file ends before the stretch does.
                    return Err(data_error(Error::Truncated));
                }
                if n > want {
                    return Err(io::Error::other("a source read more than it was asked"));
                }
                self.next_in += n as u64;
                self.in_lo = 0;
                self.in_hi = n;
                continue;
            }
            // Everything up to the stretch end went through the decoder and
            // all its output was delivered.
            if self.out != end_d {
                return Err(mismatch());
            }
            match map.points.get(self.check) {
                Some(p) => {
                    let fits = if p.kind == PointKind::Frame {
                        self.decoder.input_may_end()
                    } else {
                        self.decoder.before_block_header() && self.decoder.frame_info().is_some()
                    };
                    if !fits {
                        return Err(mismatch());
                    }
                    map.set_verified(self.check);
                    self.from = p.decompressed;
                    self.check = map.next_restart(self.check);
                }
                None => {
                    // The data's end: the last frame must be complete.
                    self.decoder
                        .decompress(&[], &mut [], true)
                        .map_err(data_error)?;
                    map.set_verified(self.check);
                    break;
                }
            }
        }
        Ok(produced)
    }
}

/// The header of the frame starting at `offset`.
fn frame_header<S: ReadAt + ?Sized>(source: &S, offset: u64, end: u64) -> io::Result<FrameInfo> {
    let mut header = [0u8; MAX_HEADER_LEN];
    let want = (end.saturating_sub(offset)).min(MAX_HEADER_LEN as u64) as usize;
    let mut got = 0;
    while got < want {
        let n = source.read_at(offset + got as u64, &mut header[got..want])?;
        if n == 0 {
            break;
        }
        got += n.min(want - got);
    }
    match read_frame_info(&header[..got]) {
        Ok(Some((info, _))) => Ok(info),
        Ok(None) => Err(data_error(Error::Truncated)),
        Err(e) => Err(data_error(e)),
    }
}
