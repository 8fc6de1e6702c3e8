//! Damaged input: every truncation, crafted faults that must each give
//! their specific error (through every decoding path: whole input, tiny
//! input pieces, tiny output buffers, one-shot), bit-flip sweeps that must
//! never panic nor succeed with wrong output, and sticky failure.

mod common;

use common::*;
use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Encoder, Error, Preferences, Status, compress,
    compress_bound, compress_with_dictionary, decompress,
};

/// Ways of feeding a decoder: (input piece, output buffer) sizes; 0 = all.
const WAYS: [(usize, usize); 6] = [(0, 0), (0, 1), (1, 0), (7, 13), (1000, 100), (5000, 70_000)];

/// Decodes `stream` every way (one-shot and each of [`WAYS`], plus a
/// random one) and returns each way's result.
fn decode_every_way(
    stream: &[u8],
    options: DecoderOptions,
    dict: Option<&[u8]>,
) -> Vec<(String, Result<Vec<u8>, Error>)> {
    let mk = || decoder_with(options, dict.map(|d| (d, None)));
    let mut v = vec![(
        "one-shot".to_string(),
        lz4framed::decompress_with(stream, mk()),
    )];
    // "All" output: room for any block of a 64 KiB-block frame and then some.
    let all = 100_000;
    for (i, o) in WAYS {
        let (i2, o2) = (
            if i == 0 { stream.len() } else { i },
            if o == 0 { all } else { o },
        );
        v.push((
            format!("in {i} out {o}"),
            decode_fixed(stream, mk(), i2, o2).map(|d| d.output),
        ));
    }
    v.push((
        "random".into(),
        decode_random(stream, mk(), stream.len() as u64, 3000, 3000).map(|d| d.output),
    ));
    v
}

/// Every way must fail with exactly `want`.
#[track_caller]
fn expect_error(stream: &[u8], want: Error, what: &str) {
    expect_error_with(stream, want, DecoderOptions::default(), None, what)
}

#[track_caller]
fn expect_error_with(
    stream: &[u8],
    want: Error,
    options: DecoderOptions,
    dict: Option<&[u8]>,
    what: &str,
) {
    for (how, r) in decode_every_way(stream, options, dict) {
        match r {
            Err(e) => assert_eq!(e, want, "{what}: {how}"),
            Ok(out) => panic!(
                "{what}: {how}: succeeded with {} bytes, expected {want:?}",
                out.len()
            ),
        }
    }
}

/// A frame made of several small blocks (streaming encoder, flushing).
fn small_blocks_frame(data: &[u8], p: &Preferences, piece: usize) -> Vec<u8> {
    let mut e = Encoder::new(p).unwrap();
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    let mut out = vec![0u8; compress_bound(piece, p)];
    for chunk in data.chunks(piece) {
        let n = e.update(chunk, &mut out).unwrap();
        frame.extend_from_slice(&out[..n]);
        let n = e.flush(&mut out).unwrap();
        frame.extend_from_slice(&out[..n]);
    }
    let n = e.end(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    frame
}

/// Small data: text with a random patch, so that with blocks of up to 700
/// bytes some are compressed and some stored raw.
fn small_data(seed: u64) -> Vec<u8> {
    let mut v = mixed(2500, seed);
    v.extend_from_slice(&random_bytes(1400, seed));
    v.extend_from_slice(&mixed(800, seed + 1));
    v
}

fn all_switches(linked: bool) -> Preferences {
    Preferences::default()
        .with_block_linked(linked)
        .with_block_checksum(true)
        .with_content_checksum(true)
        .with_content_size(Some(0))
}

/// Checks every prefix of `stream`: fed without end of input it is
/// NeedInput (FrameBoundary at a frame boundary in `ends`) with correct
/// output so far; declaring the end gives Truncated (or success at an end
/// in `ends` or `soft_ends`); one-shot gives the same. `soft_ends` are the
/// ends inside legacy frames: those have no end mark, so the decoder only
/// knows the frame ended when told the input did.
///
/// A legacy block may decode to 8 MiB, so a decoder whose output buffer is
/// smaller decodes it in an 8 MiB buffer of its own (zeroed when first
/// allocated: about a millisecond). With legacy frames the output buffer
/// here is that large, and the checks that go through the decoder's own
/// buffer (one-shot, small pieces) run on every 41st prefix only.
fn check_truncations(
    stream: &[u8],
    expected: &[u8],
    ends: &[usize],
    soft_ends: &[usize],
    dict: Option<&[u8]>,
    what: &str,
) {
    let mk = || decoder_with(DecoderOptions::default(), dict.map(|d| (d, None)));
    let legacy = !soft_ends.is_empty();
    let mut out = vec![0u8; if legacy { 9 << 20 } else { expected.len() + 1 }];
    for cut in 0..=stream.len() {
        let hard_end = ends.contains(&cut);
        let valid_end = hard_end || soft_ends.contains(&cut);
        let prefix = &stream[..cut];
        // Whole prefix, then the end declared separately.
        let mut d = mk();
        let p = d
            .decompress(prefix, &mut out, false)
            .unwrap_or_else(|e| panic!("{what} cut {cut}: {e}"));
        assert_eq!(p.consumed, cut, "{what} cut {cut}");
        // Between legacy blocks (a soft end) the input may end too, and
        // the decoder says so, so that no caller mistakes it for truncation.
        let want = if valid_end {
            Status::FrameBoundary
        } else {
            Status::NeedInput
        };
        assert_eq!(p.status, want, "{what} cut {cut}");
        assert_eq!(d.input_may_end(), valid_end, "{what} cut {cut}");
        assert_eq!(d.at_frame_boundary(), hard_end, "{what} cut {cut}");
        assert!(
            out[..p.produced] == expected[..p.produced],
            "{what} cut {cut}: output so far differs"
        );
        let end = d.decompress(&[], &mut out[p.produced..], true);
        if valid_end {
            assert_eq!(
                end.map(|q| (q.status, q.produced)),
                Ok((Status::FrameBoundary, 0)),
                "{what} cut {cut}"
            );
        } else {
            assert_eq!(end, Err(Error::Truncated), "{what} cut {cut}");
            assert_eq!(d.failed(), Some(Error::Truncated));
            // Sticky: the rest of the input does not revive it.
            assert_eq!(
                d.decompress(&stream[cut..], &mut out, true),
                Err(Error::Truncated),
                "{what} cut {cut}"
            );
        }
        // Prefix and end in one call, and one-shot.
        let one_call = mk().decompress(prefix, &mut out, true).map(|q| q.status);
        assert_eq!(
            one_call,
            if valid_end {
                Ok(Status::FrameBoundary)
            } else {
                Err(Error::Truncated)
            },
            "{what} cut {cut}"
        );
        if legacy && cut % 41 != 0 {
            continue;
        }
        let oneshot = lz4framed::decompress_with(prefix, mk());
        // Stopping at every frame end must not hide the truncation either.
        let stop = DecoderOptions::default().with_stop_at_frame_end(true);
        let stopping = decode_fixed(
            prefix,
            decoder_with(stop, dict.map(|d| (d, None))),
            cut,
            out.len(),
        );
        if valid_end {
            assert!(
                oneshot.is_ok_and(|v| expected.starts_with(&v)),
                "{what} cut {cut}"
            );
            assert!(
                stopping.is_ok_and(|d| expected.starts_with(&d.output)),
                "{what} cut {cut}: stopping"
            );
        } else {
            assert_eq!(oneshot, Err(Error::Truncated), "{what} cut {cut}");
            assert_eq!(
                stopping.map(|d| d.output.len()),
                Err(Error::Truncated),
                "{what} cut {cut}: stopping"
            );
        }
    }
    // Every 17th (41st) prefix also in small pieces with small output.
    for cut in (0..=stream.len()).step_by(if legacy { 41 } else { 17 }) {
        let r = decode_fixed(&stream[..cut], mk(), 5, 11);
        if ends.contains(&cut) || soft_ends.contains(&cut) {
            assert!(r.is_ok(), "{what} cut {cut} in pieces");
        } else {
            assert_eq!(
                r.map(|d| d.output.len()),
                Err(Error::Truncated),
                "{what} cut {cut} in pieces"
            );
        }
    }
}

#[test]
fn every_truncation_of_frames_is_need_input_then_truncated() {
    let data = small_data(1);
    let configs = [
        ("linked, all switches", all_switches(true)),
        ("independent, all switches", all_switches(false)),
        ("linked, no switches", Preferences::default()),
        (
            "independent, content checksum",
            Preferences::default()
                .with_block_linked(false)
                .with_content_checksum(true),
        ),
        (
            "block checksum, content size",
            Preferences::default()
                .with_block_checksum(true)
                .with_content_size(Some(0)),
        ),
    ];
    for (what, p) in configs {
        let mut p = p;
        if p.content_size.is_some() {
            p.content_size = Some(data.len() as u64);
        }
        let frame = small_blocks_frame(&data, &p, 600);
        let l = layout(&frame);
        assert!(
            l.blocks.len() >= 6
                && l.blocks.iter().any(|b| b.raw)
                && l.blocks.iter().any(|b| !b.raw),
            "{what}"
        );
        check_truncations(&frame, &data, &[0, frame.len()], &[], None, what);
    }
}

#[test]
fn truncations_of_concatenated_skippable_and_empty_frames() {
    let a = small_data(2);
    let b = mixed(1500, 3);
    let mut stream = skippable(1, b"hello");
    let pa = all_switches(true).with_content_size(Some(a.len() as u64));
    stream.extend(small_blocks_frame(&a, &pa, 900));
    stream.extend(compress(b"", &all_switches(false)).unwrap());
    stream.extend(skippable(15, b""));
    stream.extend(compress(&b, &Preferences::default().with_block_linked(false)).unwrap());
    let expected = [a, b].concat();
    let ends = frame_ends(&stream);
    assert_eq!(ends.len(), 6);
    check_truncations(&stream, &expected, &ends, &[], None, "concatenated");
}

#[test]
fn truncations_of_dictionary_frames() {
    let dict = mixed(3000, 4);
    let data = [&dict[1000..], &small_data(5)[..]].concat();
    for linked in [true, false] {
        let p = all_switches(linked).with_dict_id(Some(77));
        let frame = compress_with_dictionary(&data, &p, &dict).unwrap();
        check_truncations(
            &frame,
            &data,
            &[0, frame.len()],
            &[],
            Some(&dict),
            &format!("dict linked={linked}"),
        );
    }
}

/// Legacy frames have no end mark: they may end after any whole block.
#[test]
fn truncations_of_legacy_frames() {
    let data = small_data(6);
    let pieces: Vec<&[u8]> = data.chunks(1000).collect();
    let frame = legacy_frame(&pieces);
    // A frame that is only the magic is an empty legacy frame.
    let mut ends = vec![4];
    let mut at = 4;
    while at < frame.len() {
        at += 4 + u32::from_le_bytes(frame[at..at + 4].try_into().unwrap()) as usize;
        ends.push(at);
    }
    let mut stream = frame.clone();
    let second = legacy_frame(&[&data[..500]]);
    stream.extend_from_slice(&second);
    ends.push(frame.len() + 4);
    ends.push(stream.len());
    let expected = [&data[..], &data[..500]].concat();
    check_truncations(&stream, &expected, &[0], &ends, None, "legacy");
    // A regular frame after legacy frames: its end is a hard one again.
    stream.extend(compress(&data[..700], &Preferences::default()).unwrap());
    let expected = [&expected[..], &data[..700]].concat();
    check_truncations(
        &stream,
        &expected,
        &[0, stream.len()],
        &ends,
        None,
        "legacy then lz4",
    );
}

// ---------------------------------------------------------------------
// Crafted faults, one per error.

fn frame_with_all_switches(data: &[u8], linked: bool) -> Vec<u8> {
    let p = all_switches(linked).with_content_size(Some(data.len() as u64));
    small_blocks_frame(data, &p, 700)
}

#[test]
fn bad_magic() {
    let data = small_data(10);
    let frame = frame_with_all_switches(&data, true);
    for bit in 0..32 {
        let mut f = frame.clone();
        f[bit / 8] ^= 1 << (bit % 8);
        expect_error(&f, Error::BadMagic, &format!("magic bit {bit}"));
    }
    expect_error(b"\0\0\0\0", Error::BadMagic, "zeros");
    expect_error(b"PK\x03\x04 not lz4", Error::BadMagic, "zip");
    // Garbage after a valid frame: the frame's output comes first.
    let mut f = frame.clone();
    f.extend_from_slice(b"garbage!");
    expect_error(&f, Error::BadMagic, "trailing garbage");
    let mut d = Decoder::new();
    let mut out = vec![0u8; data.len()];
    let p = d.decompress(&f[..frame.len()], &mut out, false).unwrap();
    assert_eq!((p.status, p.produced), (Status::FrameBoundary, data.len()));
    assert_eq!(
        d.decompress(&f[frame.len()..], &mut out, true),
        Err(Error::BadMagic)
    );
    // The magic right after a skippable frame, and after a legacy frame.
    let mut f = skippable(2, b"abc");
    f.extend_from_slice(&[0x04, 0x22, 0x4D, 0x19]);
    expect_error(&f, Error::BadMagic, "after skippable");
    let mut f = legacy_frame(&[&data]);
    // A legacy "block size" too large to be one is read as the next magic.
    f.extend_from_slice(&0x1234_5678u32.to_le_bytes());
    expect_error(&f, Error::BadMagic, "after legacy");
}

#[test]
fn bad_version_reserved_bits_block_size_id_and_header_checksum() {
    let data = small_data(11);
    let frame = frame_with_all_switches(&data, false);
    let edit = |byte: usize, xor: u8, fix: bool| {
        let mut f = frame.clone();
        f[byte] ^= xor;
        if fix {
            fix_header_checksum(&mut f);
        }
        f
    };
    // FLG version bits (01 is the only version).
    for xor in [0x40, 0x80, 0xC0] {
        for fix in [false, true] {
            expect_error(
                &edit(4, xor, fix),
                Error::BadVersion,
                &format!("version ^{xor:#x}"),
            );
        }
    }
    // Reserved bits: FLG bit 1, BD bits 7 and 0..3.
    for (byte, xor) in [
        (4, 0x02),
        (5, 0x80),
        (5, 0x01),
        (5, 0x02),
        (5, 0x04),
        (5, 0x08),
    ] {
        for fix in [false, true] {
            expect_error(
                &edit(byte, xor, fix),
                Error::ReservedBit,
                &format!("byte {byte} ^{xor:#x}"),
            );
        }
    }
    // Block size IDs 0..=3.
    for id in 0..4u8 {
        let mut f = frame.clone();
        f[5] = (f[5] & 0x8F) | (id << 4);
        fix_header_checksum(&mut f);
        expect_error(&f, Error::BadBlockSizeId, &format!("block size id {id}"));
    }
    // Header checksum: the byte itself, the content size, flag bits that
    // keep the header length.
    let hlen = fix_header_checksum(&mut frame.clone());
    for (byte, xor) in [
        (hlen - 1, 0x01),
        (hlen - 1, 0x80),
        (6, 0x01),
        (13, 0x80),
        (4, 0x10),
        (4, 0x20),
        (4, 0x04),
        (5, 0x10),
    ] {
        expect_error(
            &edit(byte, xor, false),
            Error::HeaderChecksum,
            &format!("byte {byte} ^{xor:#x}"),
        );
    }
}

#[test]
fn block_checksum_mismatch() {
    let data = small_data(12);
    for linked in [true, false] {
        let frame = frame_with_all_switches(&data, linked);
        let l = layout(&frame);
        for (i, b) in l.blocks.iter().enumerate() {
            // A bit in the data (compressed or raw) and in the checksum.
            for at in [
                b.header_at + 4,
                b.header_at + 4 + b.len / 2,
                b.header_at + 4 + b.len + 3,
            ] {
                let mut f = frame.clone();
                f[at] ^= 0x10;
                expect_error(
                    &f,
                    Error::BlockChecksum,
                    &format!("linked={linked} block {i} byte {at}"),
                );
            }
        }
    }
}

#[test]
fn content_checksum_mismatch() {
    let data = small_data(13);
    for linked in [true, false] {
        let frame = frame_with_all_switches(&data, linked);
        let at = layout(&frame).content_checksum_at.unwrap();
        for bit in 0..32 {
            let mut f = frame.clone();
            f[at + bit / 8] ^= 1 << (bit % 8);
            expect_error(
                &f,
                Error::ContentChecksum,
                &format!("linked={linked} checksum bit {bit}"),
            );
        }
        // A changed raw block in a frame without block checksums.
        let p = Preferences::default()
            .with_block_linked(linked)
            .with_content_checksum(true);
        let frame = small_blocks_frame(&data, &p, 700);
        let raw = layout(&frame).blocks.into_iter().find(|b| b.raw).unwrap();
        let mut f = frame.clone();
        f[raw.header_at + 4 + raw.len / 2] ^= 1;
        expect_error(
            &f,
            Error::ContentChecksum,
            &format!("linked={linked} raw byte"),
        );
    }
}

/// The declared content size differs from the real one, by a little or a
/// lot, in frames whose blocks take every decoding path.
#[test]
fn content_size_mismatch() {
    let data = small_data(14);
    for linked in [true, false] {
        for bs in [BlockSize::Max64KB, BlockSize::Max256KB] {
            // One-block frames (one-shot encoder) and many-block frames.
            let p = all_switches(linked)
                .with_content_size(Some(0))
                .with_block_size(bs);
            let frames = [
                compress(&data, &p).unwrap(),
                frame_with_all_switches(&data, linked),
            ];
            for frame in frames {
                let real = data.len() as u64;
                for declared in [
                    0,
                    1,
                    real - 1,
                    real + 1,
                    real - 700,
                    real + 5000,
                    1 << 40,
                    u64::MAX,
                ] {
                    let mut f = frame.clone();
                    f[6..14].copy_from_slice(&declared.to_le_bytes());
                    fix_header_checksum(&mut f);
                    expect_error(
                        &f,
                        Error::ContentSize,
                        &format!("linked={linked} {bs:?} declared {declared}"),
                    );
                }
            }
        }
    }
    // A raw block that overshoots the declared size.
    let rnd = random_bytes(3000, 15);
    let frame = compress(&rnd, &Preferences::default().with_content_size(Some(0))).unwrap();
    assert!(layout(&frame).blocks[0].raw);
    let mut f = frame.clone();
    f[6..14].copy_from_slice(&2999u64.to_le_bytes());
    fix_header_checksum(&mut f);
    expect_error(&f, Error::ContentSize, "raw block");
}

#[test]
fn block_too_large() {
    let data = small_data(16);
    for linked in [true, false] {
        let frame = frame_with_all_switches(&data, linked);
        let b = layout(&frame).blocks[1];
        for (size, raw) in [
            (65537u32, false),
            (65537, true),
            (0x7FFF_FFFF, false),
            (0x7FFF_FFFF, true),
            (1 << 20, false),
        ] {
            let mut f = frame.clone();
            let h = size | if raw { 0x8000_0000 } else { 0 };
            f[b.header_at..b.header_at + 4].copy_from_slice(&h.to_le_bytes());
            expect_error(
                &f,
                Error::BlockTooLarge,
                &format!("linked={linked} size {size} raw={raw}"),
            );
        }
    }
    // Exactly the maximum is fine: a raw 64 KiB block.
    let rnd = random_bytes(65536, 17);
    let frame = compress(&rnd, &Preferences::default()).unwrap();
    assert_eq!(layout(&frame).blocks[0].len, 65536);
    assert_eq!(decompress(&frame).unwrap(), rnd);
}

/// Hand-made frames with one bad compressed block each, no checksums.
#[test]
fn corrupt_block() {
    // Each block: (name, compressed bytes) that LZ4 must reject.
    let bad_blocks: [(&str, Vec<u8>); 5] = [
        // 1 literal, then a match 65535 back: before the start of output.
        ("offset before start", vec![0x10, b'a', 0xFF, 0xFF, 0x00]),
        // 15+ literals announced, the length bytes run off the end.
        ("literal length past end", vec![0xF0, 0xFF, 0xFF]),
        // 8 literals announced, 3 present.
        ("literals past end", vec![0x80, b'a', b'b', b'c']),
        // A match (offset 1) as the very last sequence: LZ4 blocks end with literals.
        ("ends with a match", vec![0x14, b'a', 0x01, 0x00]),
        // A match length whose extension bytes run off the end.
        ("match length past end", vec![0x1F, b'a', 0x01, 0x00, 0xFF]),
    ];
    for (name, block) in &bad_blocks {
        for linked in [true, false] {
            for bs in [4u8, 7] {
                for content_size in [None, Some(1000)] {
                    let mut f = header(linked, false, false, bs, content_size, None);
                    // A good block first, so the bad one has history.
                    let good = b"abcdefgh";
                    f.extend_from_slice(&(good.len() as u32 | 0x8000_0000).to_le_bytes());
                    f.extend_from_slice(good);
                    f.extend_from_slice(&(block.len() as u32).to_le_bytes());
                    f.extend_from_slice(block);
                    f.extend_from_slice(&0u32.to_le_bytes());
                    let what = format!("{name} linked={linked} bs={bs} size={content_size:?}");
                    expect_error(&f, Error::CorruptBlock, &what);
                }
            }
        }
    }
    // A real block with its middle scrambled (no block checksum to catch it first).
    let data = mixed(50_000, 18);
    let frame = compress(&data, &Preferences::default()).unwrap();
    let b = layout(&frame).blocks[0];
    let mut f = frame.clone();
    for i in 0..64 {
        f[b.header_at + 4 + b.len / 2 + i] = 0xFF;
    }
    expect_error(&f, Error::CorruptBlock, "scrambled");
    // A compressed block whose stored length is cut short (the frame
    // after it re-framed so only the block is damaged).
    let mut f = frame[..b.header_at].to_vec();
    let short = b.len - 10;
    f.extend_from_slice(&(short as u32).to_le_bytes());
    f.extend_from_slice(&frame[b.header_at + 4..b.header_at + 4 + short]);
    f.extend_from_slice(&0u32.to_le_bytes());
    expect_error(&f, Error::CorruptBlock, "block cut short");
}

/// A legacy block that is not valid LZ4.
#[test]
fn corrupt_legacy_block() {
    let mut f = 0x184C_2102u32.to_le_bytes().to_vec();
    f.extend_from_slice(&5u32.to_le_bytes());
    f.extend_from_slice(&[0x10, b'a', 0xFF, 0xFF, 0x00]);
    expect_error(&f, Error::CorruptBlock, "legacy");
}

/// After an error every call returns it, whatever the input, until reset.
#[test]
fn failure_is_sticky() {
    let data = small_data(19);
    let good = frame_with_all_switches(&data, true);
    let mut bad = good.clone();
    let b = layout(&bad).blocks[2];
    bad[b.header_at + 5] ^= 1;
    for (in_chunk, out_len) in [(bad.len(), 1 << 20), (3, 5)] {
        let mut d = Decoder::new();
        let mut out = vec![0u8; out_len];
        let mut ip = 0;
        let err = loop {
            let end = (ip + in_chunk).min(bad.len());
            match d.decompress(&bad[ip..end], &mut out, end == bad.len()) {
                Ok(p) => ip += p.consumed,
                Err(e) => break e,
            }
        };
        assert_eq!(err, Error::BlockChecksum);
        assert_eq!(d.failed(), Some(Error::BlockChecksum));
        let before = (d.input_consumed(), d.output_produced());
        for _ in 0..3 {
            assert_eq!(
                d.decompress(&good, &mut out, false),
                Err(Error::BlockChecksum)
            );
            assert_eq!(d.decompress(&[], &mut out, true), Err(Error::BlockChecksum));
            assert_eq!(
                d.decompress(&bad[ip..], &mut [], false),
                Err(Error::BlockChecksum)
            );
        }
        assert_eq!(
            (d.input_consumed(), d.output_produced()),
            before,
            "counters moved after failure"
        );
        // Clones inherit the failure.
        assert_eq!(
            d.clone().decompress(&good, &mut out, false),
            Err(Error::BlockChecksum)
        );
        d.reset();
        assert_eq!(d.failed(), None);
        let mut all = vec![0u8; data.len()];
        let p = d.decompress(&good, &mut all, true).unwrap();
        assert_eq!((p.status, p.produced), (Status::FrameBoundary, data.len()));
        assert_eq!(all, data);
    }
}

// ---------------------------------------------------------------------
// Sweeps.

/// Smaller data for the sweeps (every bit of the frame is flipped): a
/// compressed block, a raw block, matches across blocks.
fn sweep_data(seed: u64) -> Vec<u8> {
    let mut v = mixed(900, seed);
    v.extend_from_slice(&random_bytes(300, seed));
    v.extend_from_within(200..600);
    v
}

/// Decodes `f` one-shot and in pieces; any success must give `expected`.
fn never_wrong(f: &[u8], expected: &[u8], options: DecoderOptions, what: &str) -> usize {
    let mut errors = 0;
    let mk = || Decoder::with_options(options);
    let results = [
        lz4framed::decompress_with(f, mk()),
        decode_fixed(f, mk(), 3, 5).map(|d| d.output),
        decode_fixed(f, mk(), f.len(), 4096).map(|d| d.output),
    ];
    for r in results {
        match r {
            Ok(out) => assert!(out == expected, "{what}: success with wrong output"),
            Err(_) => errors += 1,
        }
    }
    errors
}

/// Every single-bit flip of a frame with block and content checksums (and
/// content size): always an error (the checksums cover every bit), never
/// a panic, never wrong output.
#[test]
fn every_bit_flip_with_checksums_is_caught() {
    let data = sweep_data(20);
    for linked in [true, false] {
        let p = all_switches(linked).with_content_size(Some(data.len() as u64));
        let frame = small_blocks_frame(&data, &p, 500);
        for bit in 0..frame.len() * 8 {
            let mut f = frame.clone();
            f[bit / 8] ^= 1 << (bit % 8);
            let what = format!("linked={linked} bit {bit}");
            assert_eq!(
                never_wrong(&f, &data, DecoderOptions::default(), &what),
                3,
                "{what}: a flip went unnoticed"
            );
        }
    }
}

/// Flips in frames with no checksums, or with verification off, may go
/// unnoticed; they must still never panic (or hang), and bytes that decode
/// must decode the same way every way.
#[test]
fn bit_flips_without_checksums_never_panic() {
    let data = sweep_data(21);
    let lax = DecoderOptions::default().with_verify_checksums(false);
    for linked in [true, false] {
        let plain = small_blocks_frame(
            &data,
            &Preferences::default().with_block_linked(linked),
            500,
        );
        let p = all_switches(linked).with_content_size(Some(data.len() as u64));
        let checked = small_blocks_frame(&data, &p, 500);
        for (frame, options) in [(&plain, DecoderOptions::default()), (&checked, lax)] {
            for bit in 0..frame.len() * 8 {
                let mut f = frame.clone();
                f[bit / 8] ^= 1 << (bit % 8);
                let results: Vec<_> = decode_every_way(&f, options, None)
                    .into_iter()
                    .map(|(_, r)| r)
                    .collect();
                // One decoder, one verdict: every way agrees.
                for r in &results[1..] {
                    assert_eq!(
                        r, &results[0],
                        "linked={linked} bit {bit}: the ways disagree"
                    );
                }
            }
        }
    }
}

/// Random garbage, and random garbage after a valid header: no panics.
#[test]
fn random_garbage_never_panics() {
    let mut r = Rng::new(22);
    let head = header(true, false, false, 4, None, None);
    for i in 0..3000 {
        let len = r.below(300);
        let mut g = if i % 2 == 0 { head.clone() } else { Vec::new() };
        let mut tail = vec![0u8; len];
        r.fill(&mut tail);
        g.extend_from_slice(&tail);
        let _ = decompress(&g);
        let _ = decode_fixed(&g, Decoder::new(), 1 + r.below(9), 1 + r.below(100));
    }
}

/// A legacy frame has no end mark: it ends where the next frame's magic
/// number stands instead of a block size. Stopping at frame ends, the
/// decoder stops there with that magic already read; when the input ends
/// right after it, the next frame is truncated (or the magic is garbage),
/// and that must not pass for a clean end.
#[test]
fn stop_at_frame_end_after_legacy_frame_with_input_ending_after_next_magic() {
    let data = small_data(23);
    let legacy = legacy_frame(&[&data]);
    let stop = DecoderOptions::default().with_stop_at_frame_end(true);
    let lz4 = compress(&data[..100], &Preferences::default()).unwrap();
    let cases: [(&[u8], Error); 3] = [
        (&lz4[..4], Error::Truncated),
        (&skippable(4, b"x")[..4], Error::Truncated),
        (b"junk", Error::BadMagic),
    ];
    for (next, want) in cases {
        let stream = [&legacy[..], next].concat();
        expect_error_with(&stream, want, stop, None, &format!("{next:x?}"));
        expect_error(&stream, want, &format!("{next:x?}"));
        // Fed in two calls: the legacy frame's end is reported, then the
        // end of input inside the next frame.
        let mut d = Decoder::with_options(stop);
        let mut out = vec![0u8; 9 << 20];
        let p = d.decompress(&stream, &mut out, false).unwrap();
        assert_eq!(
            (p.status, p.produced, p.consumed),
            (Status::FrameBoundary, data.len(), stream.len())
        );
        assert_eq!(d.decompress(&[], &mut out, true), Err(want));
    }
    // A second legacy frame's magic is a whole (empty) legacy frame.
    let stream = [&legacy[..], &0x184C_2102u32.to_le_bytes()].concat();
    let d = decode_fixed(&stream, Decoder::with_options(stop), stream.len(), 9 << 20).unwrap();
    assert!(d.output == data);
    assert_eq!(d.decoder.frames_done(), 2);
}

/// A header that can never be valid is reported as soon as its first
/// descriptor bytes arrive, not as a truncation when the input ends early,
/// by the decoder and by the frame-info query alike.
#[test]
fn impossible_header_starts_are_reported_before_the_header_is_complete() {
    let magic = 0x184D_2204u32.to_le_bytes();
    let cases: [(&[u8], Error); 4] = [
        (&[0x00], Error::BadVersion),           // version 00
        (&[0x62], Error::ReservedBit),          // version 01 with reserved bit 1
        (&[0x60, 0x01], Error::ReservedBit),    // BD reserved low bits
        (&[0x60, 0x30], Error::BadBlockSizeId), // block size ID 3
    ];
    for (descriptor_start, want) in cases {
        let mut stream = magic.to_vec();
        stream.extend_from_slice(descriptor_start);
        let mut d = Decoder::new();
        let mut out = [0u8; 16];
        assert_eq!(
            d.decompress(&stream, &mut out, false),
            Err(want),
            "{descriptor_start:02x?}"
        );
        assert_eq!(
            lz4framed::read_frame_info(&stream),
            Err(want),
            "{descriptor_start:02x?}"
        );
    }
    // A valid start still waits for the rest.
    let mut stream = magic.to_vec();
    stream.extend_from_slice(&[0x60, 0x40]);
    let mut d = Decoder::new();
    let p = d.decompress(&stream, &mut [0u8; 16], false).unwrap();
    assert_eq!(p.status, Status::NeedInput);
    assert_eq!(lz4framed::read_frame_info(&stream), Ok(None));
}
