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
fn drive(
    mut dec: Decoder,
    input: &[u8],
    r: &mut Rng,
    max_piece: usize,
    max_room: usize,
) -> Outcome {
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
                idle = if p.consumed + p.produced == 0 {
                    idle + 1
                } else {
                    0
                };
                assert!(
                    idle < 1000,
                    "no progress: {p:?} at {at} of {}, piece {piece}, room {want}, {dec:?}",
                    input.len()
                );
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
        output_produced: if verdict.is_ok() {
            dec.output_produced()
        } else {
            0
        },
        input_consumed: if verdict.is_ok() {
            dec.input_consumed()
        } else {
            0
        },
        frames_done: if verdict.is_ok() {
            dec.frames_done()
        } else {
            0
        },
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
    for block in [
        BlockSize::Max64KB,
        BlockSize::Max256KB,
        BlockSize::Max1MB,
        BlockSize::Max4MB,
    ] {
        let p = prefs(block, false);
        out.push((
            format!("{block:?} indep + content crc"),
            compress(&data, &p).unwrap(),
        ));
        let p = p
            .with_block_checksum(true)
            .with_content_size(Some(noise.len() as u64));
        out.push((
            format!("{block:?} indep + both crcs + size"),
            compress(&noise, &p).unwrap(),
        ));
    }
    let mut concat = compress(&text, &prefs(BlockSize::Max4MB, false)).unwrap();
    concat.extend(skippable(3, b"between the frames"));
    concat.extend(compress(&data[..2 * MIB], &prefs(BlockSize::Max64KB, true)).unwrap());
    concat.extend(legacy_frame(&[&text[..MIB], &text[MIB..MIB + 1000]]));
    concat.extend(
        compress(
            &noise,
            &prefs(BlockSize::Max256KB, false).with_content_checksum(false),
        )
        .unwrap(),
    );
    out.push(("concatenated kinds".into(), concat));
    out.push((
        "empty frame".into(),
        compress(b"", &prefs(BlockSize::Max64KB, false)).unwrap(),
    ));
    out
}

#[test]
fn workers_give_the_output_counters_and_verdict_of_none() {
    let mut r = Rng::new(1);
    for (name, input) in streams() {
        for (max_piece, max_room) in [
            (input.len() + 1, input.len() * 4 + 64),
            (MIB, MIB),
            (70_000, 64 << 10),
            (5000, 3 * MIB),
        ] {
            let seed = r.next_u64();
            let want = drive(
                with_workers(0),
                &input,
                &mut Rng::new(seed),
                max_piece,
                max_room,
            );
            assert_eq!(want.verdict, Ok(()), "{name}");
            for workers in [1, 2, 4] {
                let got = drive(
                    with_workers(workers),
                    &input,
                    &mut Rng::new(seed),
                    max_piece,
                    max_room,
                );
                assert_eq!(
                    got, want,
                    "{name}, {workers} workers, pieces {max_piece}, room {max_room}"
                );
            }
        }
    }
}

/// Flips bytes or cuts the input short.
fn damage(input: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut v = input.to_vec();
    match r.below(3) {
        0 => v.truncate(r.below(v.len())),
        _ => {
            for _ in 0..r.range(1, 4) {
                let at = r.below(v.len());
                v[at] ^= 1 << r.below(8);
            }
        }
    }
    v
}

#[test]
fn damaged_inputs_get_the_verdict_of_no_workers() {
    let data = mixed(3 * MIB, 3);
    let frames = [
        compress(&data, &prefs(BlockSize::Max64KB, false)).unwrap(),
        compress(
            &data,
            &prefs(BlockSize::Max256KB, false).with_block_checksum(true),
        )
        .unwrap(),
        compress(
            &data,
            &prefs(BlockSize::Max1MB, false)
                .with_content_checksum(false)
                .with_content_size(Some(data.len() as u64)),
        )
        .unwrap(),
        compress(&data, &prefs(BlockSize::Max4MB, false)).unwrap(),
    ];
    let mut r = Rng::new(5);
    let mut errors = 0;
    for frame in &frames {
        for _ in 0..40 {
            let bad = damage(frame, &mut r);
            let seed = r.next_u64();
            let (piece, room) = (r.range(1, 2 * MIB), r.range(1, 2 * MIB));
            let want = drive(with_workers(0), &bad, &mut Rng::new(seed), piece, room);
            errors += usize::from(want.verdict.is_err());
            for workers in [1, 3] {
                let got = drive(
                    with_workers(workers),
                    &bad,
                    &mut Rng::new(seed),
                    piece,
                    room,
                );
                assert_eq!(got, want, "{workers} workers");
            }
        }
    }
    assert!(errors > 100, "only {errors} of 160 damaged inputs failed");
}

/// Feeds `input[from..]` to `dec` in random pieces until the end.
fn finish(dec: &mut Decoder, input: &[u8], from: usize, r: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let mut room = vec![0u8; 3 * MIB];
    let mut at = from;
    loop {
        let piece = r.range(0, 2 * MIB).min(input.len() - at);
        let end = at + piece == input.len();
        let want = r.range(1, room.len());
        let p = dec
            .decompress(&input[at..at + piece], &mut room[..want], end)
            .unwrap();
        out.extend_from_slice(&room[..p.produced]);
        at += p.consumed;
        if end && p.consumed == piece && p.status == Status::FrameBoundary {
            return out;
        }
    }
}

#[test]
fn states_of_a_decoder_with_workers_continue_without_them_and_back() {
    let data = mixed(10 * MIB, 11);
    let dict = compressible(100_000, 12);
    let cases: Vec<(Vec<u8>, Option<&[u8]>)> = vec![
        (
            compress(&data, &prefs(BlockSize::Max64KB, false)).unwrap(),
            None,
        ),
        (
            compress(
                &data,
                &prefs(BlockSize::Max4MB, false).with_block_checksum(true),
            )
            .unwrap(),
            None,
        ),
        (
            compress_with_dictionary(&data[..3 * MIB], &prefs(BlockSize::Max256KB, false), &dict)
                .unwrap(),
            Some(&dict[..]),
        ),
    ];
    let concat = streams()
        .into_iter()
        .find(|s| s.0 == "concatenated kinds")
        .unwrap()
        .1;
    let mut r = Rng::new(13);
    for (input, dict) in cases.into_iter().chain([(concat, None)]) {
        if input.is_empty() {
            continue;
        }
        let new = |workers: u32| {
            let mut d = with_workers(workers);
            if let Some(dict) = dict {
                d.set_dictionary(dict, None);
            }
            d
        };
        let want = finish(&mut new(0), &input, 0, &mut r);
        for trial in 0..6 {
            // Stop a decoder with workers after a few random calls.
            let mut dec = new(2);
            let mut got = Vec::new();
            let mut room = vec![0u8; 2 * MIB];
            let mut at = 0;
            for _ in 0..r.range(1, 12) {
                let piece = r.range(0, 3 * MIB).min(input.len() - at);
                let want_room = r.range(1, room.len());
                let p = dec
                    .decompress(&input[at..at + piece], &mut room[..want_room], false)
                    .unwrap();
                got.extend_from_slice(&room[..p.produced]);
                at += p.consumed;
            }
            assert_eq!(dec.input_consumed(), at as u64);
            // Its blob is the state of a decoder without workers...
            let blob = dec.marshal().unwrap();
            assert_eq!(blob.len(), dec.marshal_size().unwrap());
            let mut restored = Decoder::unmarshal(&blob, dict).unwrap();
            assert_eq!(restored.marshal().unwrap(), blob, "trial {trial}");
            assert_eq!(restored.output_produced(), dec.output_produced());
            assert!(restored.input_consumed() <= dec.input_consumed());
            if dec.at_block_boundary() && dec.frame_info().is_some_and(|f| !f.block_linked) {
                assert!(
                    blob.len() <= 128,
                    "{} bytes at a block boundary",
                    blob.len()
                );
            }
            // ... which continues from where it says.
            let resume_at = restored.input_consumed() as usize;
            let mut whole = got.clone();
            whole.extend(finish(&mut restored, &input, resume_at, &mut r));
            assert_eq!(whole.len(), want.len(), "trial {trial}");
            assert!(whole == want, "restored, trial {trial}");
            // A clone continues from the live position, with or without workers.
            for workers in [0, 3] {
                let mut clone = dec.clone();
                clone.set_workers(workers).unwrap();
                let mut whole = got.clone();
                whole.extend(finish(&mut clone, &input, at, &mut r));
                assert!(whole == want, "clone with {workers} workers, trial {trial}");
            }
            // And so does the decoder itself.
            got.extend(finish(&mut dec, &input, at, &mut r));
            assert!(got == want, "original, trial {trial}");
        }
        // The reverse: a state without workers continues with them.
        let mut seq = new(0);
        let (mut got, mut room, mut at) = (Vec::new(), vec![0u8; MIB], 0);
        for _ in 0..r.range(1, 20) {
            let piece = r.range(0, MIB).min(input.len() - at);
            let p = seq
                .decompress(&input[at..at + piece], &mut room, false)
                .unwrap();
            got.extend_from_slice(&room[..p.produced]);
            at += p.consumed;
        }
        let mut par = Decoder::unmarshal(&seq.marshal().unwrap(), dict).unwrap();
        par.set_workers(2).unwrap();
        got.extend(finish(&mut par, &input, at, &mut r));
        assert!(got == want, "sequential state continued with workers");
    }
}

#[test]
fn worker_threads_start_with_work_and_stop_with_the_setting() {
    let data = mixed(24 * MIB, 17);
    let frame = compress(&data, &prefs(BlockSize::Max4MB, false)).unwrap();
    let mut dec = with_workers(2);
    assert_eq!(dec.worker_threads(), 0, "no thread before work");
    let mut out = vec![0u8; MIB];
    let p = dec.decompress(&frame, &mut out, false).unwrap();
    assert_eq!(p.status, Status::OutputFull);
    let running = dec.worker_threads();
    assert!((1..=3).contains(&running), "{running} threads");
    dec.set_workers(0).unwrap();
    assert_eq!(dec.worker_threads(), 0, "setting 0 joins them");
    let mut rest = out[..p.produced].to_vec();
    rest.extend(finish(&mut dec, &frame, p.consumed, &mut Rng::new(1)));
    assert!(rest == data);
    assert_eq!(dec.set_workers(257), Err(Error::InvalidArgument));
    assert_eq!(with_workers(0).worker_threads(), 0);
}

/// The stated bound for `workers` threads: the bound without workers, plus
/// `2 × workers + 5` segments of input and output, plus the checksum
/// thread's queue.
fn bound(max_block: usize, workers: usize) -> usize {
    let sequential = max_block + (64 << 10) + max_block / 256 + 36;
    let segment = MIB + max_block + (64 << 10);
    sequential + (2 * workers + 5) * 2 * segment + (8 << 20) + max_block
}

#[test]
fn memory_stays_within_the_stated_bound() {
    let data = mixed(20 * MIB, 19);
    for (block, max_block) in [(BlockSize::Max64KB, 64 << 10), (BlockSize::Max4MB, 4 << 20)] {
        let frame = compress(&data, &prefs(block, false).with_block_checksum(true)).unwrap();
        for workers in [1usize, 2, 4] {
            let mut dec = with_workers(workers as u32);
            let mut r = Rng::new(workers as u64);
            let (mut at, mut peak) = (0, 0);
            let mut room = vec![0u8; MIB];
            loop {
                let piece = r.range(1, 3 * MIB).min(frame.len() - at);
                let end = at + piece == frame.len();
                let p = dec
                    .decompress(&frame[at..at + piece], &mut room, end)
                    .unwrap();
                at += p.consumed;
                peak = peak.max(dec.memory_usage());
                if end && p.consumed == piece && p.status == Status::FrameBoundary {
                    break;
                }
            }
            let limit = bound(max_block, workers);
            assert!(
                peak <= limit,
                "{block:?}, {workers} workers: {peak} > {limit}"
            );
        }
    }
}

#[test]
fn the_pull_api_reads_through_workers_and_survives_a_failing_source() {
    struct Failing<'a> {
        data: &'a [u8],
        fail_after: usize,
    }
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.fail_after == 0 {
                return Err(std::io::Error::other("connection dropped"));
            }
            let n = buf.len().min(self.data.len()).min(self.fail_after);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.fail_after -= n;
            Ok(n)
        }
    }
    let data = mixed(12 * MIB, 23);
    let frame = compress(&data, &prefs(BlockSize::Max1MB, false)).unwrap();
    let mut dec = with_workers(2);
    let mut out = vec![0u8; data.len()];
    let mut produced = 0;
    let mut r = Rng::new(29);
    loop {
        let at = dec.input_consumed() as usize;
        let mut source = Failing {
            data: &frame[at..],
            fail_after: r.range(1, 3 * MIB),
        };
        let end = (produced + r.range(1, 2 * MIB)).min(out.len());
        let p = dec.read_from(&mut source, &mut out[produced..end]).unwrap();
        produced += p.produced;
        if p.status == Status::FrameBoundary && dec.at_frame_boundary() {
            break;
        }
    }
    assert_eq!(produced, data.len());
    assert!(out == data);
}

/// Feeds `input` in pieces without declaring the end, then (with
/// `collect`) asks for the output still in flight with an empty call, then
/// declares the end: what was delivered, and the final verdict.
fn feed_then_end(
    mut dec: Decoder,
    input: &[u8],
    piece: usize,
    collect: bool,
) -> (Vec<u8>, Result<Status, Error>) {
    let mut out = Vec::new();
    let mut room = vec![0u8; 256 << 10];
    let mut step = |dec: &mut Decoder, bytes: &[u8], end: bool| -> Result<(usize, Status), Error> {
        let mut at = 0;
        loop {
            let p = dec.decompress(&bytes[at..], &mut room, end)?;
            out.extend_from_slice(&room[..p.produced]);
            at += p.consumed;
            if p.status != Status::OutputFull {
                return Ok((at, p.status));
            }
        }
    };
    for chunk in input.chunks(piece) {
        if let Err(e) = step(&mut dec, chunk, false) {
            return (out, Err(e));
        }
    }
    if collect {
        if let Err(e) = step(&mut dec, &[], false) {
            return (out, Err(e));
        }
    }
    let verdict = step(&mut dec, &[], true).map(|(_, s)| s);
    (out, verdict)
}

#[test]
fn an_empty_call_collects_the_output_in_flight_before_the_end() {
    let data = mixed(12 * MIB, 31);
    let frame = compress(&data, &prefs(BlockSize::Max1MB, false)).unwrap();
    for cut in [frame.len(), frame.len() - 5, frame.len() / 2 + 77] {
        let input = &frame[..cut];
        for piece in [64 << 10, 3 * MIB] {
            let want = feed_then_end(with_workers(0), input, piece, false);
            let got = feed_then_end(with_workers(2), input, piece, true);
            assert_eq!(got.1, want.1, "cut {cut}, piece {piece}");
            assert_eq!(got.0.len(), want.0.len(), "cut {cut}, piece {piece}");
            assert!(got.0 == want.0);
            // Without collecting first, what comes before a failure is a
            // prefix of it: never other bytes.
            let early = feed_then_end(with_workers(2), input, piece, false);
            assert_eq!(early.1, want.1);
            assert!(want.0.starts_with(&early.0));
        }
    }
}

#[test]
fn a_call_with_room_consumes_the_bytes_the_hint_names() {
    let data = mixed(14 * MIB, 37);
    let mut stream = compress(&data, &prefs(BlockSize::Max4MB, false)).unwrap();
    stream.extend(compress(&data[..3 * MIB], &prefs(BlockSize::Max64KB, false)).unwrap());
    let want = [&data[..], &data[..3 * MIB]].concat();
    for (workers, room_len) in [(1, MIB), (2, 64 << 10), (4, 5 * MIB)] {
        let mut dec = with_workers(workers);
        let mut room = vec![0u8; room_len];
        let (mut at, mut out) = (0, Vec::new());
        let mut idle = 0;
        while !(at == stream.len() && dec.input_may_end()) {
            let hint = dec.input_hint().min(stream.len() - at);
            let p = dec
                .decompress(&stream[at..at + hint], &mut room, false)
                .unwrap();
            assert_eq!(p.consumed, hint, "{workers} workers at {at}: {p:?}");
            out.extend_from_slice(&room[..p.produced]);
            at += p.consumed;
            idle = if p.consumed + p.produced == 0 {
                idle + 1
            } else {
                0
            };
            assert!(idle < 3, "no progress at {at}");
        }
        assert!(out == want, "{workers} workers");
    }
}
