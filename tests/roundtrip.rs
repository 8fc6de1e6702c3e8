//! Round trips over the cross product of encoder preferences and input
//! shapes, through both encoders (one-shot `compress`, streaming `Encoder`
//! with random update sizes and flushes) and both decoders (one-shot
//! `decompress`, streaming `Decoder` at random chunk sizes), plus the
//! features around them: dictionaries, concatenated and skippable frames,
//! stop-at-frame-end, counters, favor_dec_speed, encoder errors and bounds.
//!
//! Coverage of the cross product (5 levels x 4 block sizes x 32 switch
//! combinations = 640 preference sets):
//! * every set on the small inputs: empty, 1 byte, 64 KiB - 1, 64 KiB,
//!   64 KiB + 1, 200 KB incompressible, 300 KB highly compressible;
//! * on 4 MiB + 1 bytes: every set at levels -5 and 1, and at the HC levels
//!   3, 9 and 12 (slow at this size) a representative subset: for each level
//!   and block size the two complementary switch combinations `bits` and
//!   `!bits`, with `bits` rotating through the levels and block sizes, so
//!   each switch is on and off for every (level, block size) pair.
//!
//! One test function per (level, block size) slice so they run in parallel.

mod common;

use common::*;
use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Encoder, Error, FrameKind, Preferences, Status, compress,
    compress_bound, compress_frame_bound, compress_into, compress_with_dictionary, decompress,
    decompress_with_dictionary, read_frame_info,
};

const LEVELS: [i32; 5] = [-5, 1, 3, 9, 12];
const BIG: usize = (4 << 20) + 1;

/// The small inputs every preference set is tested on.
fn small_inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("1 byte", vec![0x5A]),
        ("64KiB-1", mixed(65535, 11)),
        ("64KiB", mixed(65536, 12)),
        ("64KiB+1", mixed(65537, 13)),
        ("random", random_bytes(200_000, 14)),
        ("compressible", compressible(300_000, 15)),
    ]
}

/// Checks that the frame's header says what `p` asked for.
fn check_header(frame: &[u8], p: &Preferences, len: usize, what: &str) {
    let (info, _) = read_frame_info(frame).unwrap().unwrap();
    assert_eq!(info.kind, FrameKind::Lz4, "{what}");
    assert_eq!(info.block_size, p.block_size, "{what}");
    assert_eq!(info.block_linked, p.block_linked, "{what}");
    assert_eq!(info.block_checksum, p.block_checksum, "{what}");
    assert_eq!(info.content_checksum, p.content_checksum, "{what}");
    assert_eq!(
        info.content_size,
        p.content_size.map(|_| len as u64),
        "{what}"
    );
    assert_eq!(info.dict_id, p.dict_id, "{what}");
}

/// Decodes `frame` one-shot and streaming (random chunks) and compares.
fn check_decodes(frame: &[u8], data: &[u8], seed: u64, what: &str) {
    let got = decompress(frame).unwrap_or_else(|e| panic!("{what}: one-shot decode: {e}"));
    assert!(got == data, "{what}: one-shot output differs");
    let bs = read_frame_info(frame)
        .unwrap()
        .unwrap()
        .0
        .block_size
        .bytes();
    // Chunks up to 1.5 blocks: some blocks arrive whole, some in pieces;
    // some output buffers hold a block, some do not.
    let d = decode_random(frame, Decoder::new(), seed, bs * 3 / 2, bs * 3 / 2)
        .unwrap_or_else(|e| panic!("{what}: streaming decode: {e}"));
    assert!(d.output == data, "{what}: streaming output differs");
    assert_eq!(d.decoder.frames_done(), 1, "{what}");
    assert_eq!(d.decoder.input_consumed(), frame.len() as u64, "{what}");
    assert_eq!(d.decoder.output_produced(), data.len() as u64, "{what}");
    assert_eq!(d.decoder.skippable_frames(), 0, "{what}");
}

/// One preference set on one input: one-shot and/or streaming encoder.
fn round_trip(
    data: &[u8],
    p: &Preferences,
    seed: u64,
    one_shot: bool,
    streaming: bool,
    name: &str,
) {
    let what = format!("{name} ({} bytes) {p:?}", data.len());
    if one_shot {
        let frame = compress(data, p).unwrap();
        assert!(
            frame.len() <= compress_frame_bound(data.len(), p),
            "{what}: frame bound"
        );
        check_header(&frame, p, data.len(), &what);
        check_decodes(&frame, data, seed, &format!("{what} one-shot"));
    }
    if streaming {
        let mut r = Rng::new(seed);
        let frame = encode_streaming(data, p, None, &mut r);
        check_header(&frame, p, data.len(), &what);
        check_decodes(&frame, data, seed ^ 0x55, &format!("{what} streaming"));
    }
}

/// Every switch combination at one level and block size on the small inputs.
fn small_slice(level: i32, bs: BlockSize) {
    for (name, data) in small_inputs() {
        for bits in 0..32u32 {
            let p = prefs_from_bits(level, bs, bits, data.len());
            // The one-shot encoder ignores auto_flush (it compresses in one
            // call), so its output is the same for both values: test once.
            let one_shot = !p.auto_flush;
            round_trip(
                &data,
                &p,
                (bits as u64 * 31).wrapping_add(level as u64),
                one_shot,
                true,
                name,
            );
        }
    }
}

/// The 4 MiB + 1 input at one level and block size for the given switch sets.
fn big_slice(level: i32, bs: BlockSize, bits: &[u32]) {
    let data = mixed(BIG, 99);
    for &b in bits {
        let p = prefs_from_bits(level, bs, b, data.len());
        round_trip(&data, &p, b as u64 + 1000, !p.auto_flush, true, "4MiB+1");
    }
}

macro_rules! slices {
    ($($small:ident, $big:ident: $level:expr, $bs:ident;)*) => {$(
        #[test]
        fn $small() {
            small_slice($level, BlockSize::$bs);
        }
        #[test]
        fn $big() {
            if $level < 3 {
                big_slice($level, BlockSize::$bs, &(0..32).collect::<Vec<_>>());
            } else {
                // The HC subset (see the module docs): `bits` and its complement.
                let li = LEVELS.iter().position(|&l| l == $level).unwrap() as u32;
                let bi = BlockSize::$bs.id() as u32 - 4;
                let bits = (li * 7 + bi * 11) % 32;
                big_slice($level, BlockSize::$bs, &[bits, !bits & 31]);
            }
        }
    )*};
}

slices! {
    small_fast5_64k, big_fast5_64k: -5, Max64KB;
    small_fast5_256k, big_fast5_256k: -5, Max256KB;
    small_fast5_1m, big_fast5_1m: -5, Max1MB;
    small_fast5_4m, big_fast5_4m: -5, Max4MB;
    small_l1_64k, big_l1_64k: 1, Max64KB;
    small_l1_256k, big_l1_256k: 1, Max256KB;
    small_l1_1m, big_l1_1m: 1, Max1MB;
    small_l1_4m, big_l1_4m: 1, Max4MB;
    small_l3_64k, big_l3_64k: 3, Max64KB;
    small_l3_256k, big_l3_256k: 3, Max256KB;
    small_l3_1m, big_l3_1m: 3, Max1MB;
    small_l3_4m, big_l3_4m: 3, Max4MB;
    small_l9_64k, big_l9_64k: 9, Max64KB;
    small_l9_256k, big_l9_256k: 9, Max256KB;
    small_l9_1m, big_l9_1m: 9, Max1MB;
    small_l9_4m, big_l9_4m: 9, Max4MB;
    small_l12_64k, big_l12_64k: 12, Max64KB;
    small_l12_256k, big_l12_256k: 12, Max256KB;
    small_l12_1m, big_l12_1m: 12, Max1MB;
    small_l12_4m, big_l12_4m: 12, Max4MB;
}

/// Input 1 byte at a time, output 1 byte at a time: the same output and
/// counters as one call with everything.
#[test]
fn byte_at_a_time_equals_one_call() {
    // 300 KB of mixed data: several 64 KiB blocks, the last ones raw.
    let data = mixed(300_000, 21);
    for linked in [true, false] {
        for level in [1, 9] {
            let p = Preferences::default()
                .with_level(level)
                .with_block_linked(linked)
                .with_block_checksum(true)
                .with_content_checksum(true)
                .with_content_size(Some(0));
            let frame = compress(&data, &p).unwrap();
            let l = layout(&frame);
            assert!(
                l.blocks.len() > 4
                    && l.blocks.iter().any(|b| b.raw)
                    && l.blocks.iter().any(|b| !b.raw)
            );

            let mut one = Decoder::new();
            let mut out = vec![0u8; data.len() + 1];
            let p1 = one.decompress(&frame, &mut out, true).unwrap();
            assert_eq!(
                (p1.consumed, p1.produced, p1.status),
                (frame.len(), data.len(), Status::FrameBoundary)
            );
            assert!(out[..data.len()] == data[..]);

            let d = decode_fixed(&frame, Decoder::new(), 1, 1).unwrap();
            assert!(d.output == data, "linked={linked} level={level}");
            assert_eq!(d.decoder.input_consumed(), one.input_consumed());
            assert_eq!(d.decoder.output_produced(), one.output_produced());
            assert_eq!(d.decoder.frames_done(), 1);
            // And byte-sized input with big output, big input with byte-sized output.
            assert!(
                decode_fixed(&frame, Decoder::new(), 1, 1 << 20)
                    .unwrap()
                    .output
                    == data
            );
            assert!(
                decode_fixed(&frame, Decoder::new(), 1 << 20, 1)
                    .unwrap()
                    .output
                    == data
            );
        }
    }
}

/// The first test the crate had: 1 MB of patterned data at a fast, a
/// default and an HC level, linked and independent, one-shot and one byte
/// of input per call into a 7-byte output buffer.
#[test]
fn smoke_levels_and_block_modes_one_byte_in_seven_out() {
    let data: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect();
    for linked in [true, false] {
        for level in [-5, 1, 9] {
            let prefs = Preferences::default()
                .with_level(level)
                .with_block_linked(linked)
                .with_content_checksum(true)
                .with_block_checksum(true);
            let f = compress(&data, &prefs).unwrap();
            assert_eq!(decompress(&f).unwrap(), data);
            // byte at a time
            let mut d = Decoder::new();
            let mut out = Vec::new();
            let mut ob = [0u8; 7];
            let mut ip = 0;
            loop {
                let end = (ip + 1).min(f.len());
                let p = d.decompress(&f[ip..end], &mut ob, end == f.len()).unwrap();
                ip += p.consumed;
                out.extend_from_slice(&ob[..p.produced]);
                if p.status == Status::FrameBoundary && ip == f.len() {
                    break;
                }
            }
            assert_eq!(out, data);
        }
    }
}

/// Streaming-encoded frames with flushes after every byte still decode.
#[test]
fn tiny_updates_and_flushes() {
    let data = mixed(5000, 22);
    for linked in [true, false] {
        for auto_flush in [true, false] {
            let p = Preferences::default()
                .with_block_linked(linked)
                .with_auto_flush(auto_flush)
                .with_content_checksum(true);
            let mut e = Encoder::new(&p).unwrap();
            let mut frame = vec![0u8; 19];
            let n = e.begin(&mut frame).unwrap();
            frame.truncate(n);
            let mut out = vec![0u8; compress_bound(1, &p)];
            for (i, b) in data.iter().enumerate() {
                let n = e.update(std::slice::from_ref(b), &mut out).unwrap();
                frame.extend_from_slice(&out[..n]);
                if i % 3 == 0 {
                    let n = e.flush(&mut out).unwrap();
                    frame.extend_from_slice(&out[..n]);
                }
            }
            let n = e.end(&mut out).unwrap();
            frame.extend_from_slice(&out[..n]);
            assert_eq!(decompress(&frame).unwrap(), data);
            assert!(decode_fixed(&frame, Decoder::new(), 7, 3).unwrap().output == data);
        }
    }
}

fn dict_data() -> Vec<u8> {
    // Longer than 64 KiB: only the last 64 KiB count, on both sides.
    mixed(100_000, 31)
}

/// Dictionary frames: one-shot and streaming encoder, linked and
/// independent, with and without a dictionary ID; decoded one-shot and at
/// random chunk sizes (including tiny output, which forces the buffered
/// paths to use the dictionary too).
#[test]
fn dictionaries_round_trip() {
    let dict = dict_data();
    // Data that shares a lot with the dictionary.
    let mut data = dict[40_000..].to_vec();
    data.extend_from_slice(&mixed(250_000, 32));
    data.extend_from_slice(&dict[70_000..90_000]);
    for level in [1, 9] {
        for linked in [true, false] {
            for dict_id in [Some(0xD1C7_0001u32), None] {
                for bs in [BlockSize::Max64KB, BlockSize::Max256KB] {
                    let p = Preferences::default()
                        .with_level(level)
                        .with_block_size(bs)
                        .with_block_linked(linked)
                        .with_content_checksum(true)
                        .with_block_checksum(true)
                        .with_dict_id(dict_id);
                    let what = format!("{p:?}");
                    let one = compress_with_dictionary(&data, &p, &dict).unwrap();
                    let plain = compress(&data, &p.with_dict_id(None)).unwrap();
                    assert!(
                        one.len() < plain.len(),
                        "{what}: the dictionary does not help"
                    );
                    let mut r = Rng::new(level as u64);
                    let streamed = encode_streaming(&data, &p, Some(&dict), &mut r);
                    for frame in [&one, &streamed] {
                        check_header(frame, &p, data.len(), &what);
                        assert_eq!(
                            decompress_with_dictionary(frame, &dict, dict_id).unwrap(),
                            data,
                            "{what}"
                        );
                        // The ID check is optional on the decoder side.
                        assert_eq!(
                            decompress_with_dictionary(frame, &dict, None).unwrap(),
                            data,
                            "{what}"
                        );
                        // Only the last 64 KiB matter.
                        assert_eq!(
                            decompress_with_dictionary(frame, &dict[dict.len() - 65536..], None)
                                .unwrap(),
                            data,
                            "{what}"
                        );
                        for (seed, max_in, max_out) in
                            [(1, 100_000, 100_000), (2, 5000, 3), (3, 300_000, 300_000)]
                        {
                            let dec =
                                decoder_with(DecoderOptions::default(), Some((&dict, dict_id)));
                            let d = decode_random(frame, dec, seed, max_in, max_out).unwrap();
                            assert!(d.output == data, "{what} seed {seed}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn dictionary_errors() {
    let dict = dict_data();
    let data = mixed(80_000, 33);
    for linked in [true, false] {
        let p = Preferences::default()
            .with_block_linked(linked)
            .with_dict_id(Some(7));
        let frame = compress_with_dictionary(&data, &p, &dict).unwrap();
        assert_eq!(decompress(&frame), Err(Error::DictionaryRequired));
        assert_eq!(
            decompress_with_dictionary(&frame, &dict, Some(8)),
            Err(Error::DictionaryMismatch)
        );
        // Streaming: the error comes as soon as the header is complete and stays.
        let (_, hlen) = read_frame_info(&frame).unwrap().unwrap();
        let mut d = Decoder::new();
        let mut out = [0u8; 64];
        let p1 = d.decompress(&frame[..hlen - 1], &mut out, false).unwrap();
        assert_eq!(p1.status, Status::NeedInput);
        assert_eq!(
            d.decompress(&frame[hlen - 1..hlen], &mut out, false),
            Err(Error::DictionaryRequired)
        );
        assert_eq!(
            d.decompress(&frame[hlen..], &mut out, false),
            Err(Error::DictionaryRequired)
        );
        assert_eq!(d.failed(), Some(Error::DictionaryRequired));
        let mut d = decoder_with(DecoderOptions::default(), Some((&dict, Some(9))));
        assert_eq!(
            d.decompress(&frame, &mut out, false),
            Err(Error::DictionaryMismatch)
        );
        assert_eq!(
            d.decompress(&frame, &mut out, false),
            Err(Error::DictionaryMismatch)
        );
        // reset() keeps the dictionary and clears the failure.
        d.set_dictionary(&dict, Some(7));
        d.reset();
        let mut all = vec![0u8; data.len()];
        let q = d.decompress(&frame, &mut all, true).unwrap();
        assert_eq!((q.status, q.produced), (Status::FrameBoundary, data.len()));
        assert_eq!(all, data);
    }
    // A frame without a dictionary decodes with or without one set.
    let frame = compress(&data, &Preferences::default()).unwrap();
    assert_eq!(
        decompress_with_dictionary(&frame, &dict, Some(3)).unwrap(),
        data
    );
}

/// Frames of several configurations with skippable frames before, between
/// and after them.
fn multi_frame_stream() -> (Vec<u8>, Vec<u8>, Vec<(usize, usize)>) {
    let a = mixed(150_000, 41);
    let b = random_bytes(70_000, 42);
    let c = compressible(500_000, 43);
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    // (input length, output length) of every frame.
    let mut frames = Vec::new();
    let mut push = |stream: &mut Vec<u8>, frame: Vec<u8>, out: &[u8]| {
        frames.push((frame.len(), out.len()));
        stream.extend_from_slice(&frame);
        expected.extend_from_slice(out);
    };
    push(&mut stream, skippable(0, b"metadata"), b"");
    let pa = Preferences::default()
        .with_content_checksum(true)
        .with_block_checksum(true)
        .with_content_size(Some(0));
    push(&mut stream, compress(&a, &pa).unwrap(), &a);
    push(&mut stream, skippable(5, &random_bytes(300, 44)), b"");
    let pb = Preferences::default()
        .with_level(9)
        .with_block_linked(false)
        .with_block_size(BlockSize::Max256KB);
    push(&mut stream, compress(&b, &pb).unwrap(), &b);
    push(
        &mut stream,
        compress(b"", &Preferences::default()).unwrap(),
        b"",
    );
    push(&mut stream, skippable(15, b""), b"");
    let pc = Preferences::default()
        .with_level(-5)
        .with_block_size(BlockSize::Max4MB)
        .with_content_checksum(true);
    let mut r = Rng::new(45);
    push(&mut stream, encode_streaming(&c, &pc, None, &mut r), &c);
    push(&mut stream, skippable(9, &[0u8; 70_000]), b"");
    (stream, expected, frames)
}

#[test]
fn concatenated_and_skippable_frames() {
    let (stream, expected, frames) = multi_frame_stream();
    assert!(decompress(&stream).unwrap() == expected);
    for (seed, max_in, max_out) in [
        (1, 1000, 1000),
        (2, 100_000, 100_000),
        (3, 10, 1 << 20),
        (4, 1 << 20, 10),
    ] {
        let d = decode_random(&stream, Decoder::new(), seed, max_in, max_out).unwrap();
        assert!(d.output == expected, "seed {seed}");
        assert_eq!(d.decoder.frames_done(), frames.len() as u64);
        assert_eq!(d.decoder.skippable_frames(), 4);
        assert_eq!(d.decoder.input_consumed(), stream.len() as u64);
        assert_eq!(d.decoder.output_produced(), expected.len() as u64);
        assert!(d.decoder.at_frame_boundary());
        assert_eq!(d.decoder.frame_info(), None);
    }
    // Without stop_at_frame_end one call with room for everything does it all.
    let mut d = Decoder::new();
    let mut out = vec![0u8; expected.len()];
    let p = d.decompress(&stream, &mut out, false).unwrap();
    assert_eq!(
        (p.consumed, p.produced, p.status),
        (stream.len(), expected.len(), Status::FrameBoundary)
    );
}

#[test]
fn stop_at_frame_end_stops_at_every_frame() {
    let (stream, expected, frames) = multi_frame_stream();
    let opts = DecoderOptions::default().with_stop_at_frame_end(true);
    // Whole input and room for everything: one frame per call.
    let mut d = Decoder::with_options(opts);
    let mut out = vec![0u8; expected.len()];
    let (mut ip, mut op) = (0, 0);
    for (i, &(flen, olen)) in frames.iter().enumerate() {
        assert_eq!(d.frame_index(), i as u64);
        let p = d.decompress(&stream[ip..], &mut out[op..], false).unwrap();
        assert_eq!(
            (p.consumed, p.produced, p.status),
            (flen, olen, Status::FrameBoundary),
            "frame {i}"
        );
        ip += flen;
        op += olen;
        assert_eq!(d.frames_done(), i as u64 + 1);
        assert_eq!(d.input_consumed(), ip as u64);
        assert_eq!(d.output_produced(), op as u64);
        assert!(d.at_frame_boundary());
        assert_eq!(d.frame_info(), None);
    }
    assert_eq!(d.skippable_frames(), 4);
    assert!(out == expected);
    // At the end: nothing more, a boundary.
    let p = d.decompress(&[], &mut out, true).unwrap();
    assert_eq!(
        (p.consumed, p.produced, p.status),
        (0, 0, Status::FrameBoundary)
    );

    // In random chunks: exactly one FrameBoundary status per frame.
    for seed in 0..4 {
        let dec = Decoder::with_options(opts);
        let d = decode_random(&stream, dec, seed, 50_000, 50_000).unwrap();
        assert!(d.output == expected);
        let stops = d
            .statuses
            .iter()
            .filter(|s| **s == Status::FrameBoundary)
            .count();
        assert_eq!(stops, frames.len(), "seed {seed}");
        assert_eq!(d.decoder.frames_done(), frames.len() as u64);
    }
    // One-shot decompress with such a decoder still decodes everything.
    assert!(lz4framed::decompress_with(&stream, Decoder::with_options(opts)).unwrap() == expected);
}

/// Counters while a frame is in progress and frame_info of the frame being decoded.
#[test]
fn counters_mid_frame() {
    let data = mixed(200_000, 51);
    let p = Preferences::default()
        .with_content_size(Some(0))
        .with_content_checksum(true);
    let frame = compress(&data, &p).unwrap();
    let mut stream = skippable(3, b"abc");
    stream.extend_from_slice(&frame);
    let mut d = Decoder::new();
    let mut out = vec![0u8; 1000];
    let q = d.decompress(&stream[..11], &mut out, false).unwrap();
    assert_eq!(
        (q.consumed, q.produced, q.status),
        (11, 0, Status::FrameBoundary)
    );
    assert_eq!((d.frames_done(), d.skippable_frames()), (1, 1));
    let q = d.decompress(&stream[11..30], &mut out, false).unwrap();
    assert_eq!(q.status, Status::NeedInput);
    let info = d.frame_info().unwrap();
    assert_eq!(
        (info.kind, info.content_size, info.content_checksum),
        (FrameKind::Lz4, Some(200_000), true)
    );
    assert_eq!(d.frame_index(), 1);
    assert!(!d.at_frame_boundary());
    let q = d.decompress(&stream[30..], &mut out, false).unwrap();
    assert_eq!((q.produced, q.status), (1000, Status::OutputFull));
    assert_eq!(d.output_produced(), 1000);
    assert_eq!(d.input_consumed(), 30 + q.consumed as u64);
}

#[test]
fn favor_dec_speed_round_trips() {
    let data = mixed(600_000, 61);
    for level in [10, 11, 12] {
        for linked in [true, false] {
            let p = Preferences::default()
                .with_level(level)
                .with_block_linked(linked)
                .with_favor_dec_speed(true)
                .with_block_size(BlockSize::Max256KB)
                .with_content_checksum(true);
            let frame = compress(&data, &p).unwrap();
            check_decodes(&frame, &data, level as u64, &format!("{p:?}"));
            let normal = compress(&data, &p.with_favor_dec_speed(false)).unwrap();
            // Both compress; favouring decoding speed costs a little ratio at most.
            assert!(
                frame.len() < data.len() * 6 / 10 && normal.len() <= frame.len() + frame.len() / 20
            );
            let mut r = Rng::new(level as u64);
            let streamed = encode_streaming(&data, &p, None, &mut r);
            check_decodes(&streamed, &data, 7, &format!("{p:?} streaming"));
        }
    }
}

#[test]
fn declared_content_size_mismatch_fails_at_end() {
    let data = mixed(100_000, 71);
    for declared in [data.len() as u64 - 1, data.len() as u64 + 1, 0] {
        for auto_flush in [false, true] {
            let p = Preferences::default()
                .with_content_size(Some(declared))
                .with_auto_flush(auto_flush);
            let mut e = Encoder::new(&p).unwrap();
            let mut out = vec![0u8; compress_bound(data.len(), &p) + 19];
            let h = e.begin(&mut out).unwrap();
            let n = e.update(&data, &mut out[h..]).unwrap();
            assert_eq!(
                e.end(&mut out[h + n..]),
                Err(Error::ContentSize),
                "declared {declared}"
            );
            // Failed: no more updates, but a new frame may begin.
            assert_eq!(e.update(b"x", &mut out), Err(Error::WrongStage));
            assert_eq!(e.end(&mut out), Err(Error::WrongStage));
            e.set_content_size(Some(data.len() as u64)).unwrap();
            let mut frame = vec![0u8; compress_bound(data.len(), &p) + 19];
            let mut at = e.begin(&mut frame).unwrap();
            at += e.update(&data, &mut frame[at..]).unwrap();
            at += e.end(&mut frame[at..]).unwrap();
            frame.truncate(at);
            assert_eq!(decompress(&frame).unwrap(), data);
        }
    }
    // The right size, declared for streaming.
    let p = Preferences::default().with_content_size(Some(data.len() as u64));
    let mut r = Rng::new(1);
    let frame = encode_streaming(&data, &p, None, &mut r);
    assert_eq!(
        read_frame_info(&frame).unwrap().unwrap().0.content_size,
        Some(data.len() as u64)
    );
    assert_eq!(decompress(&frame).unwrap(), data);
}

#[test]
fn encoder_wrong_stage_and_dst_too_small() {
    let data = random_bytes(150_000, 81);
    let p = Preferences::default()
        .with_block_checksum(true)
        .with_content_checksum(true);
    let mut e = Encoder::new(&p).unwrap();
    let mut big = vec![0u8; compress_bound(data.len(), &p) + 19];
    // Before begin.
    assert_eq!(e.update(b"abc", &mut big), Err(Error::WrongStage));
    assert_eq!(e.flush(&mut big), Err(Error::WrongStage));
    assert_eq!(e.end(&mut big), Err(Error::WrongStage));
    // begin needs room for the largest header.
    assert_eq!(e.begin(&mut [0u8; 18]), Err(Error::DstTooSmall));
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    assert_eq!(e.begin(&mut big), Err(Error::WrongStage));
    assert_eq!(e.set_content_size(Some(1)), Err(Error::WrongStage));
    // update: a buffer one byte short of the bound fails and changes nothing.
    let piece = &data[..100_000];
    let need = e.update_bound(piece.len());
    assert!(need > 0);
    assert_eq!(
        e.update(piece, &mut big[..need - 1]),
        Err(Error::DstTooSmall)
    );
    assert_eq!(e.update_bound(piece.len()), need);
    let n = e.update(piece, &mut big[..need]).unwrap();
    frame.extend_from_slice(&big[..n]);
    // Incompressible data held back: flush needs the whole held block.
    assert_eq!(e.flush(&mut big[..10]), Err(Error::DstTooSmall));
    let n = e.update(&data[100_000..], &mut big).unwrap();
    frame.extend_from_slice(&big[..n]);
    let need = e.end_bound();
    assert!(need > 8);
    assert_eq!(e.end(&mut big[..need - 1]), Err(Error::DstTooSmall));
    let n = e.end(&mut big[..need]).unwrap();
    frame.extend_from_slice(&big[..n]);
    // After end: updates are out of order, a new frame may begin.
    assert_eq!(e.update(b"abc", &mut big), Err(Error::WrongStage));
    assert_eq!(e.flush(&mut big), Err(Error::WrongStage));
    assert_eq!(e.end(&mut big), Err(Error::WrongStage));
    assert_eq!(decompress(&frame).unwrap(), data);
    // The next frame of the same encoder is independent of the first.
    let mut second = vec![0u8; 19];
    let n = e.begin(&mut second).unwrap();
    second.truncate(n);
    let n = e.update(&data[..1000], &mut big).unwrap();
    second.extend_from_slice(&big[..n]);
    let n = e.end(&mut big).unwrap();
    second.extend_from_slice(&big[..n]);
    assert_eq!(decompress(&second).unwrap(), &data[..1000]);
    // One-shot: too small a buffer.
    let bound = compress_frame_bound(data.len(), &p);
    let mut dst = vec![0u8; bound];
    assert_eq!(
        compress_into(&data, &mut dst[..10], &p),
        Err(Error::DstTooSmall)
    );
    let n = compress_into(&data, &mut dst, &p).unwrap();
    assert_eq!(decompress(&dst[..n]).unwrap(), data);
}

/// The bounds hold in the worst case: incompressible input, every block
/// size, checksums on, updates of every awkward size with data held back.
#[test]
fn bounds_really_bound() {
    let data = random_bytes(700_000, 91);
    for bs in BLOCK_SIZES {
        for bits in [0u32, 6, 16, 22, 31] {
            let p = prefs_from_bits(1, bs, bits, data.len());
            let mut e = Encoder::new(&p).unwrap();
            let mut out = vec![0u8; 19];
            e.begin(&mut out).unwrap();
            let mut r = Rng::new(bits as u64);
            let mut at = 0;
            let mut written = 0usize;
            while at < data.len() {
                let b = bs.bytes();
                let take =
                    [1, b - 1, b, b + 1, 2 * b + 3, r.below(b)][r.below(6)].min(data.len() - at);
                let bound = compress_bound(take, &p);
                let exact = e.update_bound(take);
                assert!(exact <= bound);
                out.resize(exact, 0);
                let n = e.update(&data[at..at + take], &mut out).unwrap();
                // Incompressible: the exact bound is reached.
                assert_eq!(n, exact, "{p:?} take {take}");
                written += n;
                at += take;
            }
            out.resize(e.end_bound(), 0);
            written += e.end(&mut out).unwrap();
            assert!(written >= data.len());
            let frame = compress(&data, &p).unwrap();
            let bound = compress_frame_bound(data.len(), &p);
            assert!(frame.len() <= bound);
            // The one-shot bound is tight for incompressible data (short of
            // the header fields not used).
            assert!(
                bound - frame.len() <= 8 + 4,
                "{p:?}: bound {bound} frame {}",
                frame.len()
            );
            let mut dst = vec![0u8; bound];
            assert_eq!(compress_into(&data, &mut dst, &p).unwrap(), frame.len());
        }
    }
    for len in [0, 1, 100, 65535, 65536, 65537] {
        let d = random_bytes(len, len as u64);
        for bs in BLOCK_SIZES {
            for bits in 0..32 {
                let p = prefs_from_bits(1, bs, bits, len);
                assert!(compress(&d, &p).unwrap().len() <= compress_frame_bound(len, &p));
                let mut e = Encoder::new(&p).unwrap();
                let mut out = vec![0u8; 19 + compress_bound(len, &p) + compress_bound(0, &p)];
                let h = e.begin(&mut out).unwrap();
                let n = e
                    .update(&d, &mut out[h..h + compress_bound(len, &p)])
                    .unwrap();
                e.end(&mut out[h + n..h + n + compress_bound(0, &p)])
                    .unwrap();
            }
        }
    }
}

/// Checksums can be ignored on request, but never header checksums.
#[test]
fn verify_checksums_off_skips_block_and_content_checksums() {
    let data = mixed(100_000, 101);
    let p = Preferences::default()
        .with_block_checksum(true)
        .with_content_checksum(true);
    let mut frame = compress(&data, &p).unwrap();
    let l = layout(&frame);
    let b = l.blocks[0];
    frame[b.header_at + 4 + b.len] ^= 1;
    frame[l.content_checksum_at.unwrap()] ^= 1;
    assert_eq!(decompress(&frame), Err(Error::BlockChecksum));
    let lax = Decoder::with_options(DecoderOptions::default().with_verify_checksums(false));
    assert_eq!(
        lz4framed::decompress_with(&frame, lax.clone()).unwrap(),
        data
    );
    frame[4] ^= 0x04; // content checksum flag off: the header checksum no longer matches
    assert_eq!(
        lz4framed::decompress_with(&frame, lax),
        Err(Error::HeaderChecksum)
    );
}

/// A reader that reads exactly `input_hint()` bytes never reads past the
/// end of a frame (the tool's LZ4F-based reader does, see
/// interop_lz4_cli.rs), and the decoder consumes all of them.
#[test]
fn input_hint_never_reads_past_a_frame() {
    let (stream, expected, frames) = multi_frame_stream();
    let mut ends = Vec::new();
    let mut at = 0;
    for &(flen, _) in &frames {
        at += flen;
        ends.push(at);
    }
    // Block checksums without content checksum: the case LZ4F gets wrong.
    let data = mixed(300_000, 111);
    let p = Preferences::default()
        .with_block_checksum(true)
        .with_block_size(BlockSize::Max1MB);
    let extra = [
        compress(&data, &p).unwrap(),
        compress(&data, &p.with_block_linked(false)).unwrap(),
    ];
    let mut stream = stream;
    let mut expected = expected;
    for f in extra {
        stream.extend_from_slice(&f);
        expected.extend_from_slice(&data);
        ends.push(stream.len());
    }
    for out_size in [1 << 20, 1000, 1] {
        let opts = DecoderOptions::default().with_stop_at_frame_end(true);
        let mut d = Decoder::with_options(opts);
        let mut out = vec![0u8; out_size];
        let mut got = Vec::new();
        let mut ip = 0;
        let mut stops = Vec::new();
        while ip < stream.len() {
            let want = d.input_hint().min(stream.len() - ip);
            let p = d
                .decompress(&stream[ip..ip + want], &mut out, false)
                .unwrap();
            assert_eq!(
                p.consumed, want,
                "at {ip}: a hinted read was not consumed whole"
            );
            ip += want;
            got.extend_from_slice(&out[..p.produced]);
            if p.status == Status::FrameBoundary {
                stops.push(ip);
            }
            if want == 0 {
                // Only while decoded output waits for room: this call delivers.
                assert!(p.produced > 0, "at {ip}: hint 0 without output waiting");
            }
        }
        let p = d.decompress(&[], &mut out, true).unwrap();
        got.extend_from_slice(&out[..p.produced]);
        assert!(got == expected);
        assert_eq!(stops, ends, "output {out_size}");
    }
}

/// Levels outside the usual range are clamped, never rejected or broken.
#[test]
fn extreme_levels() {
    let data = mixed(200_000, 121);
    for level in [i32::MIN, -70_000, -1000, -1, 0, 2, 13, 100, i32::MAX] {
        for linked in [true, false] {
            let p = Preferences::default()
                .with_level(level)
                .with_block_linked(linked)
                .with_content_checksum(true);
            let frame = compress(&data, &p).unwrap();
            assert_eq!(decompress(&frame).unwrap(), data, "level {level}");
            let mut r = Rng::new(level as u64);
            let streamed = encode_streaming(&data, &p, None, &mut r);
            assert_eq!(
                decompress(&streamed).unwrap(),
                data,
                "level {level} streaming"
            );
        }
    }
}

/// One encoder (with a dictionary) writing several frames in a row: each
/// frame stands alone (no history carried over but the dictionary).
#[test]
fn encoder_reuse_across_frames() {
    let dict = dict_data();
    let inputs = [
        mixed(150_000, 131),
        dict[10_000..60_000].to_vec(),
        Vec::new(),
        mixed(70_000, 132),
    ];
    for level in [1, 9] {
        for linked in [true, false] {
            for with_dict in [true, false] {
                let p = Preferences::default()
                    .with_level(level)
                    .with_block_linked(linked)
                    .with_content_checksum(true)
                    .with_dict_id(with_dict.then_some(5));
                let mut e = if with_dict {
                    Encoder::with_dictionary(&p, &dict).unwrap()
                } else {
                    Encoder::new(&p).unwrap()
                };
                let mut frames = Vec::new();
                for data in &inputs {
                    let mut f = vec![0u8; 19 + compress_bound(data.len(), &p)];
                    let mut n = e.begin(&mut f).unwrap();
                    n += e.update(data, &mut f[n..]).unwrap();
                    n += e.end(&mut f[n..]).unwrap();
                    f.truncate(n);
                    frames.push(f);
                }
                for (f, data) in frames.iter().zip(&inputs) {
                    let got = if with_dict {
                        decompress_with_dictionary(f, &dict, Some(5))
                    } else {
                        decompress(f)
                    };
                    assert_eq!(
                        &got.unwrap(),
                        data,
                        "level {level} linked={linked} dict={with_dict}"
                    );
                }
                // And all of them as one stream.
                let all: Vec<u8> = frames.concat();
                let mut d = decoder_with(
                    DecoderOptions::default(),
                    with_dict.then_some((&dict[..], Some(5))),
                );
                let mut out = vec![0u8; 300_000];
                let q = d.decompress(&all, &mut out, true).unwrap();
                assert_eq!(q.status, Status::FrameBoundary);
                assert!(out[..q.produced] == inputs.concat()[..]);
            }
        }
    }
}

#[test]
fn decompress_into_exact_and_short() {
    let data = mixed(300_000, 141);
    for linked in [true, false] {
        let frame = compress(&data, &Preferences::default().with_block_linked(linked)).unwrap();
        let mut dst = vec![0u8; data.len()];
        assert_eq!(
            lz4framed::decompress_into(&frame, &mut dst).unwrap(),
            data.len()
        );
        assert_eq!(dst, data);
        assert_eq!(
            lz4framed::decompress_into(&frame, &mut dst[..data.len() - 1]),
            Err(Error::DstTooSmall)
        );
        assert_eq!(
            lz4framed::decompress_into(&frame, &mut []),
            Err(Error::DstTooSmall)
        );
        let mut big = vec![0u8; data.len() + 100];
        assert_eq!(
            lz4framed::decompress_into(&frame, &mut big).unwrap(),
            data.len()
        );
    }
    // Nothing but skippable frames, and nothing at all.
    let only_skip = [skippable(1, b"a"), skippable(2, b"")].concat();
    assert_eq!(decompress(&only_skip).unwrap(), b"");
    assert_eq!(decompress(b"").unwrap(), b"");
    assert_eq!(lz4framed::decompress_into(b"", &mut []).unwrap(), 0);
}

/// The usual streaming loop (the whole input available, output drained one
/// block size at a time): a block is left in the input while the output
/// has no room, instead of being decoded into the decoder's buffer only to
/// wait there, so every call with room produces exactly one block.
/// Independent blocks go straight into the caller's buffer (the decoder
/// holds nothing); linked ones are decoded after the window in the
/// decoder's buffer (LZ4's faster prefix mode), which then holds the
/// window and one block.
#[test]
fn block_sized_output_buffers_decode_directly() {
    let data = mixed(3 << 20, 77);
    for (block_size, linked) in [
        (BlockSize::Max64KB, true),
        (BlockSize::Max64KB, false),
        (BlockSize::Max256KB, true),
    ] {
        let p = Preferences::default()
            .with_block_size(block_size)
            .with_block_linked(linked)
            .with_content_checksum(true);
        let frame = compress(&data, &p).unwrap();
        let mut d = Decoder::new();
        let mut out = vec![0u8; block_size.bytes()];
        let (mut at, mut got, mut full) = (0, Vec::new(), 0);
        loop {
            let pr = d.decompress(&frame[at..], &mut out, true).unwrap();
            at += pr.consumed;
            got.extend_from_slice(&out[..pr.produced]);
            assert!(
                d.memory_usage()
                    <= if linked {
                        65536 + block_size.bytes()
                    } else {
                        0
                    },
                "{block_size:?} linked={linked}: {} bytes held",
                d.memory_usage()
            );
            match pr.status {
                Status::OutputFull => {
                    full += 1;
                    assert!(at < frame.len() && d.at_block_boundary());
                }
                Status::FrameBoundary => break,
                Status::NeedInput | Status::SourceFailed => {
                    panic!("the whole input was given: {:?}", pr.status)
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(got, data);
        // After the last block the end mark and checksum need no room.
        assert_eq!(full, data.len() / block_size.bytes() - 1);
    }
}
