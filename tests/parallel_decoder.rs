//! The decoder with workers (`DecoderOptions::workers`): for every input,
//! chunking and output size it gives the output, counters and verdict of
//! the decoder without workers; its clones and state blobs continue exactly
//! in a decoder without workers (and the reverse); its threads start only
//! with work and end with it; its memory stays within the stated bound.

mod common;

use common::{Rng, compressible, legacy_frame, mixed, random_bytes, skippable};
use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Error, Preferences, Status, compress,
    compress_with_dictionary,
};

const MIB: usize = 1 << 20;

/// What a whole decode ends with.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    output: Vec<u8>,
    verdict: Result<(), Error>,
    output_produced: u64,
    input_consumed: u64,
    frames_done: u64,
    skippable_frames: u64,
}

/// Decodes `input` with random input pieces and output room, declaring
/// the end with the last piece.
fn drive(mut dec: Decoder, input: &[u8], r: &mut Rng, max_piece: usize, max_room: usize) -> Outcome {
    let mut output = Vec::new();
    let mut room = vec![0u8; max_room];
    let mut at = 0;
    let mut idle = 0;
    let verdict = loop {
        let piece = r.range(0, max_piece).min(input.len() - at);
        let end = at + piece == input.len();
        let want = r.range(1, max_room);
        match dec.decompress(&input[at..at + piece], &mut room[..want], end) {
            Ok(p) => {
                idle = if p.consumed + p.produced == 0 { idle + 1 } else { 0 };
                assert!(idle < 1000, "no progress: {p:?} at {at} of {}, piece {piece}, room {want}, {dec:?}", input.len());
                output.extend_from_slice(&room[..p.produced]);
                at += p.consumed;
                if end && p.consumed == piece && p.status == Status::FrameBoundary {
                    break Ok(());
                }
                if p.status == Status::NeedInput && end && p.consumed == piece {
                    unreachable!("the end was declared: NeedInput cannot be the last word");
                }
            }
            Err(e) => break Err(e),
        }
    };
    Outcome {
        output: if verdict.is_ok() { output } else { Vec::new() },
        verdict,
        output_produced: if verdict.is_ok() { dec.output_produced() } else { 0 },
        input_consumed: if verdict.is_ok() { dec.input_consumed() } else { 0 },
        frames_done: if verdict.is_ok() { dec.frames_done() } else { 0 },
        skippable_frames: dec.skippable_frames(),
    }
}

fn with_workers(workers: u32) -> Decoder {
    Decoder::with_options(DecoderOptions::default().with_workers(workers))
}

fn prefs(block: BlockSize, linked: bool) -> Preferences {
    Preferences::default()
        .with_block_size(block)
        .with_block_linked(linked)
        .with_content_checksum(true)
}

/// A varied stream: frames of every block size, checksums, sizes, a
/// skippable frame, a legacy frame, linked and independent blocks.
fn streams() -> Vec<(String, Vec<u8>)> {
    let data = mixed(9 * MIB + 12345, 7);
    let text = compressible(3 * MIB, 8);
    let noise = random_bytes(2 * MIB + 3, 9);
    let mut out = Vec::new();
    for block in [BlockSize::Max64KB, BlockSize::Max256KB, BlockSize::Max1MB, BlockSize::Max4MB] {
        let p = prefs(block, false);
        out.push((format!("{block:?} indep + content crc"), compress(&data, &p).unwrap()));
        let p = p.with_block_checksum(true).with_content_size(Some(noise.len() as u64));
        out.push((format!("{block:?} indep + both crcs + size"), compress(&noise, &p).unwrap()));
    }
    let mut concat = compress(&text, &prefs(BlockSize::Max4MB, false)).unwrap();
    concat.extend(skippable(3, b"between the frames"));
    concat.extend(compress(&data[..2 * MIB], &prefs(BlockSize::Max64KB, true)).unwrap());
    concat.extend(legacy_frame(&[&text[..MIB], &text[MIB..MIB + 1000]]));
    concat.extend(compress(&noise, &prefs(BlockSize::Max256KB, false).with_content_checksum(false)).unwrap());
    out.push(("concatenated kinds".into(), concat));
    out.push(("empty frame".into(), compress(b"", &prefs(BlockSize::Max64KB, false)).unwrap()));
    out
}

#[test]
fn workers_give_the_output_counters_and_verdict_of_none() {
    let mut r = Rng::new(1);
    for (name, input) in streams() {
        for (max_piece, max_room) in [(input.len() + 1, input.len() * 4 + 64), (MIB, MIB), (70_000, 64 << 10), (5000, 3 * MIB)] {
            let seed = r.next_u64();
            let want = drive(with_workers(0), &input, &mut Rng::new(seed), max_piece, max_room);
            assert_eq!(want.verdict, Ok(()), "{name}");
            for workers in [1, 2, 4] {
                let got = drive(with_workers(workers), &input, &mut Rng::new(seed), max_piece, max_room);
                assert_eq!(got, want, "{name}, {workers} workers, pieces {max_piece}, room {max_room}");
            }
        }
    }
}
