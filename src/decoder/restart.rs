//! Entering a frame in the middle: a decoder that starts at a block
//! boundary inside a frame, which is what random access
//! ([`crate::seek`]) does at a restart point of a seek table or index.
//!
//! Such a decoder reads the frame's remaining blocks as usual (block
//! checksums verified), but it has not seen the frame's beginning, so it
//! checks neither the content checksum nor the declared content size of
//! that one frame; every later frame is decoded and verified whole.

use super::{Decoder, DecoderOptions, Stage};
use crate::error::{Error, Result};
use crate::frame::{FrameInfo, FrameKind};
use crate::lz4::WINDOW_SIZE;

impl Decoder {
    /// A decoder standing before a block header of the frame whose header
    /// is `info` (an LZ4 or legacy frame), with `history` as the output
    /// that preceded the block (the last 64 KiB count; only linked-block
    /// frames use it, empty for a block no match reaches before).
    ///
    /// [`Error::DictionaryRequired`] for a frame with a dictionary ID (the
    /// history replaces the dictionary only in linked frames, and random
    /// access is offered without dictionaries), [`Error::InvalidArgument`]
    /// for a skippable frame (it has no blocks).
    pub(crate) fn entering_frame(
        info: FrameInfo,
        history: &[u8],
        options: DecoderOptions,
    ) -> Result<Decoder> {
        if info.dict_id.is_some() {
            return Err(Error::DictionaryRequired);
        }
        let linked = match info.kind {
            FrameKind::Lz4 => info.block_linked,
            FrameKind::Legacy => false,
            FrameKind::Skippable => return Err(Error::InvalidArgument),
        };
        let mut d = Decoder::with_options(options);
        let history = &history[history.len().saturating_sub(WINDOW_SIZE)..];
        d.buf
            .start_frame((linked && !history.is_empty()).then_some(history), linked);
        d.frame = Some(FrameInfo {
            content_size: None,
            ..info
        });
        d.entered_mid_frame = true;
        d.stage = Stage::BlockHeader;
        Ok(d)
    }

    /// The current frame's history: the last (up to 64 KiB of) output of a
    /// linked-block frame, after the last call's output; empty in other
    /// frames and between frames. At a block boundary this is exactly what
    /// [`Decoder::entering_frame`] needs to continue from there.
    pub(crate) fn history(&self) -> &[u8] {
        if self.linked() && self.frame.is_some() {
            self.buf.window()
        } else {
            &[]
        }
    }

    /// Between two blocks of an LZ4 or legacy frame, with all output
    /// delivered: where a restart point may stand.
    pub(crate) fn before_block_header(&self) -> bool {
        self.stage == Stage::BlockHeader && self.field.is_empty() && self.ahead.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockSize, Preferences, Status, compress};

    #[test]
    fn a_linked_frame_entered_with_its_history_decodes_the_rest() {
        let data: Vec<u8> = (0..400_000u32)
            .map(|i| b"entering a linked frame "[(i % 24) as usize] ^ (i / 5000) as u8)
            .collect();
        let prefs = Preferences {
            block_size: BlockSize::Max64KB,
            block_linked: true,
            content_checksum: true,
            block_checksum: true,
            content_size: Some(data.len() as u64),
            ..Preferences::default()
        };
        let frame = compress(&data, &prefs).unwrap();
        // Decode up to the start of the third block, keep the history.
        let mut whole = Decoder::new();
        let mut out = vec![0u8; data.len()];
        let mut consumed = 0;
        let mut produced = 0;
        let mut blocks = 0;
        let info = crate::read_frame_info(&frame).unwrap().unwrap().0;
        while blocks < 3 {
            let need = whole.input_hint();
            let p = whole
                .decompress(
                    &frame[consumed..consumed + need],
                    &mut out[produced..],
                    false,
                )
                .unwrap();
            consumed += p.consumed;
            produced += p.produced;
            if p.produced > 0 {
                blocks += 1;
            }
        }
        assert!(whole.before_block_header());
        let history = whole.history().to_vec();
        assert_eq!(history, data[produced - 65536..produced]);
        let mut rest = Decoder::entering_frame(info, &history, DecoderOptions::default()).unwrap();
        let mut tail = vec![0u8; data.len() - produced];
        let p = rest
            .decompress(&frame[consumed..], &mut tail, true)
            .unwrap();
        assert_eq!(p.status, Status::FrameBoundary);
        assert_eq!(tail, data[produced..]);
        // Without the history its first block cannot be decoded.
        let mut blind = Decoder::entering_frame(info, &[], DecoderOptions::default()).unwrap();
        assert!(
            blind
                .decompress(&frame[consumed..], &mut tail, true)
                .is_err()
        );
    }
}
