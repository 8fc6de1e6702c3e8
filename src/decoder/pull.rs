//! The pull API: the decoder reads its input from a source the caller
//! passes on every call, so swapping the source (after a dropped
//! connection) is simply passing another one.
//!
//! The decoder never reads more than [`Decoder::input_hint`] bytes at a
//! time, and always consumes all of them, so no byte is ever read from a
//! source and left unconsumed: when a source ends or fails, the next source
//! starts exactly at [`Decoder::input_consumed`].

use super::{Decoder, Progress, Status};
use crate::error::Result;
use std::io::{ErrorKind, Read};

/// Largest single read: keeps the read buffer small whatever the block size.
const READ_CHUNK: usize = 64 * 1024;

impl Decoder {
    /// Decodes into `output`, reading input from `source` as needed.
    ///
    /// Returns when `output` is full ([`Status::OutputFull`]), when the
    /// source reports its end (`Ok(0)`): [`Status::FrameBoundary`] if the
    /// input may end there (see [`Decoder::input_may_end`]: a frame
    /// boundary, or between the blocks of a legacy frame), else
    /// [`Status::NeedInput`] (pass a source positioned at
    /// [`Decoder::input_consumed`] and call again, or call
    /// [`Decoder::decompress`] with `end_of_input` to treat it as
    /// truncation), or, with `stop_at_frame_end`, after each frame.
    /// `consumed` counts the bytes read from `source`.
    ///
    /// A source error (or a read claiming more bytes than the buffer it was
    /// given) ends the call with [`Status::SourceFailed`], reported in this
    /// call, together with the output this call produced before it: that
    /// output is valid and counted, the decoder is not failed, and the next
    /// call, with a new source positioned at [`Decoder::input_consumed`],
    /// simply continues.
    ///
    /// ```
    /// use lz4framed::{compress, Decoder, Status};
    /// let data = b"pull me through a reader ".repeat(5000);
    /// let frame = compress(&data, &Default::default()).unwrap();
    /// let mut dec = Decoder::new();
    /// let mut out = vec![0u8; data.len()];
    /// // The first source drops halfway.
    /// let mut first = &frame[..frame.len() / 2];
    /// let p = dec.read_from(&mut first, &mut out).unwrap();
    /// assert_eq!(p.status, Status::NeedInput);
    /// // Reconnect where the decoder says and continue.
    /// let mut second = &frame[dec.input_consumed() as usize..];
    /// let q = dec.read_from(&mut second, &mut out[p.produced..]).unwrap();
    /// assert_eq!(q.status, Status::FrameBoundary);
    /// assert_eq!(out, data);
    /// ```
    pub fn read_from<R: Read + ?Sized>(
        &mut self,
        source: &mut R,
        output: &mut [u8],
    ) -> Result<Progress> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let frames_before = self.frames_done;
        let (mut read, mut produced) = (0usize, 0usize);
        let mut read_buffer = std::mem::take(&mut self.read_buffer);
        let result = loop {
            // Drain what is decoded and advance through input already held.
            let p = match self.decompress_step(&[], &mut output[produced..], false, false) {
                Ok(p) => p,
                Err(e) => break Err(e),
            };
            produced += p.produced;
            if p.status == Status::OutputFull {
                break Ok(Status::OutputFull);
            }
            if self.options.stop_at_frame_end && self.frames_done > frames_before {
                break Ok(Status::FrameBoundary);
            }
            if produced == output.len() && self.waits_for_room() {
                // Reading now would bring in a block with nowhere to go.
                break Ok(Status::OutputFull);
            }
            let hint = self.input_hint();
            if hint == 0 && !self.ahead.is_empty() {
                // Workers hold all the input they may take, or what comes
                // next waits for what they hold: collect their output (the
                // call waits for it) before reading more.
                let p = match self.decompress_step(&[], &mut output[produced..], false, true) {
                    Ok(p) => p,
                    Err(e) => break Err(e),
                };
                produced += p.produced;
                if p.status == Status::OutputFull {
                    break Ok(Status::OutputFull);
                }
                continue;
            }
            let want = hint.clamp(1, READ_CHUNK);
            if read_buffer.0.len() < want {
                read_buffer.0.resize(want, 0);
            }
            let Ok(n) = read_some(source, &mut read_buffer.0[..want]) else {
                break Ok(Status::SourceFailed);
            };
            if n == 0 {
                break Ok(if self.input_may_end() {
                    Status::FrameBoundary
                } else {
                    Status::NeedInput
                });
            }
            read += n;
            let p = match self.decompress(&read_buffer.0[..n], &mut output[produced..], false) {
                Ok(p) => p,
                Err(e) => break Err(e),
            };
            debug_assert_eq!(
                p.consumed, n,
                "the decoder consumes every byte up to its hint"
            );
            produced += p.produced;
        };
        self.read_buffer = read_buffer;
        let status = result?;
        Ok(Progress {
            consumed: read,
            produced,
            status,
        })
    }
}

/// One read, retrying interruptions; `Err` for any other failure.
fn read_some<R: Read + ?Sized>(source: &mut R, buf: &mut [u8]) -> std::result::Result<usize, ()> {
    loop {
        match source.read(buf) {
            Ok(n) if n <= buf.len() => return Ok(n),
            Ok(_) => return Err(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return Err(()),
        }
    }
}
