//! Resumable compression: an encoder cloned, or marshalled and rebuilt, at
//! any point between calls writes exactly the bytes the uninterrupted
//! encoder writes, for every preference; damaged, truncated, foreign and
//! future blobs are refused with a specific error; the committed golden
//! blob of format version 1 still loads.

use lz4framed::{BlockSize, Encoder, Error, Preferences, decompress_with_dictionary};
use lz4framed_testkit::Rng;
use xxhash_rust::xxh3::xxh3_64;

/// Text-like data with runs of noise: matches near and far, and stretches
/// that do not compress (stored blocks).
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let words = [
        &b"alpha "[..],
        b"beta ",
        b"gamma ",
        b"delta\n",
        b"epsilon ",
        b"zeta ",
        b"resumable ",
    ];
    let mut v = Vec::with_capacity(len + 64);
    while v.len() < len {
        if rng.below(40) == 0 {
            for _ in 0..rng.range(100, 3000) {
                v.push(rng.next_u64() as u8);
            }
        } else {
            v.extend_from_slice(words[rng.below(words.len())]);
        }
    }
    v.truncate(len);
    v
}

/// One step of a scripted use of an encoder.
#[derive(Clone, Debug)]
enum Op {
    Begin,
    Update(usize),
    Flush,
    End,
}

/// A script of `frames` frames over `input`: updates of random sizes
/// (some tiny, some larger than a block), an occasional flush.
fn script(rng: &mut Rng, input_len: usize, frames: usize, max_piece: usize) -> Vec<Op> {
    let mut ops = Vec::new();
    let per_frame = input_len / frames;
    for f in 0..frames {
        ops.push(Op::Begin);
        let mut left = if f + 1 == frames {
            input_len - per_frame * f
        } else {
            per_frame
        };
        while left > 0 {
            let n = match rng.below(6) {
                0 => rng.range(1, 20),
                1 => rng.range(1, 5000),
                _ => rng.range(1, max_piece),
            }
            .min(left);
            ops.push(Op::Update(n));
            left -= n;
            if rng.below(15) == 0 {
                ops.push(Op::Flush);
            }
        }
        ops.push(Op::End);
    }
    ops
}

/// How a run treats the encoder between two steps.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Hop {
    None,
    /// Continue on a clone, dropping the original.
    Clone,
    /// Continue on a clone; at the first hop also run the original to the
    /// end and check it writes the same.
    CloneBoth,
    /// Marshal, drop, unmarshal.
    Marshal,
}

fn step(enc: &mut Encoder, op: &Op, input: &[u8], at: &mut usize) -> Vec<u8> {
    let mut out;
    let n = match op {
        Op::Begin => {
            out = vec![0u8; 32];
            enc.begin(&mut out).unwrap()
        }
        Op::Update(len) => {
            let src = &input[*at..*at + len];
            *at += len;
            out = vec![0u8; enc.update_bound(src.len())];
            enc.update(src, &mut out).unwrap()
        }
        Op::Flush => {
            out = vec![0u8; enc.end_bound()];
            enc.flush(&mut out).unwrap()
        }
        Op::End => {
            out = vec![0u8; enc.end_bound()];
            let n = enc.end(&mut out).unwrap();
            // With a seek table, every frame is followed by the table of
            // everything so far (the last one describes the whole output).
            if enc.seek_table().is_some() {
                out.truncate(n);
                out.resize(n + enc.seek_table_bound(), 0);
                n + enc.write_seek_table(&mut out[n..]).unwrap()
            } else {
                n
            }
        }
    };
    out.truncate(n);
    out
}

/// Runs `ops`, hopping as `hop` says before every step for which `when`
/// is true; returns the output and the blob sizes seen.
fn run(
    prefs: &Preferences,
    dict: &[u8],
    input: &[u8],
    ops: &[Op],
    hop: Hop,
    mut when: impl FnMut(usize) -> bool,
) -> (Vec<u8>, Vec<usize>) {
    let mut enc = Encoder::with_dictionary(prefs, dict).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    let mut sizes = Vec::new();
    let mut checked_original = false;
    let mut originals = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if hop != Hop::None && when(i) {
            match hop {
                Hop::Clone => enc = enc.clone(),
                Hop::CloneBoth => {
                    let copy = enc.try_clone().unwrap();
                    if !checked_original {
                        checked_original = true;
                        let mut rest = out.clone();
                        let mut a = at;
                        for op in &ops[i..] {
                            rest.extend(step(&mut enc, op, input, &mut a));
                        }
                        originals.push(rest);
                    }
                    enc = copy;
                }
                Hop::Marshal => {
                    let size = enc.marshal_size().unwrap();
                    let blob = enc.marshal().unwrap();
                    assert_eq!(blob.len(), size);
                    sizes.push(size);
                    drop(enc);
                    let d = (!dict.is_empty()).then_some(dict);
                    enc = Encoder::unmarshal(&blob, d).unwrap();
                    // The restored encoder marshals to the same bytes.
                    assert_eq!(enc.marshal().unwrap(), blob, "re-marshal at step {i}");
                }
                Hop::None => {}
            }
        }
        let piece = step(&mut enc, op, input, &mut at);
        out.extend_from_slice(&piece);
    }
    for original in originals {
        assert!(
            original == out,
            "the original and its clone wrote different bytes"
        );
    }
    (out, sizes)
}

fn dictionary() -> Vec<u8> {
    data(70_000, 99)
}

/// Every preference the encoder has, each varied at least once.
fn preference_sets() -> Vec<(String, Preferences, bool)> {
    let base = Preferences::default();
    let mut v = Vec::new();
    for level in [-20, -1, 0, 1, 2, 3, 9, 10, 12] {
        for linked in [true, false] {
            v.push((
                format!("level {level} linked {linked}"),
                base.with_level(level).with_block_linked(linked),
                false,
            ));
        }
    }
    for bs in [
        BlockSize::Max64KB,
        BlockSize::Max256KB,
        BlockSize::Max1MB,
        BlockSize::Max4MB,
    ] {
        v.push((
            format!("{bs:?} checksums"),
            base.with_block_size(bs)
                .with_block_checksum(true)
                .with_content_checksum(true),
            false,
        ));
    }
    v.push((
        "content size".into(),
        base.with_content_size(Some(0)).with_content_checksum(true),
        false,
    ));
    for (level, linked) in [(1, true), (1, false), (9, true), (9, false), (-3, true)] {
        v.push((
            format!("dictionary level {level} linked {linked}"),
            base.with_level(level)
                .with_block_linked(linked)
                .with_dict_id(Some(7))
                .with_content_checksum(true),
            true,
        ));
    }
    for linked in [true, false] {
        v.push((
            format!("auto flush linked {linked}"),
            base.with_auto_flush(true)
                .with_block_linked(linked)
                .with_content_checksum(true),
            false,
        ));
    }
    v.push((
        "favor decompression speed".into(),
        base.with_level(11).with_favor_dec_speed(true),
        false,
    ));
    // Seek tables: the writer's record, and for linked blocks the restarts
    // and the stretch staged in pieces (updates far below the span).
    for (name, prefs, dict) in [
        (
            "seek table independent",
            base.with_block_linked(false).with_seek_table(128 << 10),
            false,
        ),
        ("seek table linked", base.with_seek_table(128 << 10), false),
        (
            "seek table linked HC checksums",
            base.with_level(9)
                .with_seek_table(100_000)
                .with_block_checksum(true)
                .with_content_checksum(true),
            false,
        ),
        (
            "seek table linked 256K",
            base.with_block_size(BlockSize::Max256KB)
                .with_seek_table(256 << 10),
            false,
        ),
        (
            "seek table linked dictionary",
            base.with_dict_id(Some(7)).with_seek_table(128 << 10),
            true,
        ),
        (
            "seek table linked auto flush",
            base.with_auto_flush(true).with_seek_table(128 << 10),
            false,
        ),
    ] {
        v.push((name.into(), prefs, dict));
    }
    v
}

/// Fixes up content sizes: a script's frames each declare their length.
fn frame_ops_with_sizes(prefs: &Preferences) -> bool {
    prefs.content_size.is_some()
}

/// The input, script and expected output of one preference set.
fn case(name: &str, prefs: &Preferences, dict: &[u8], len: usize) -> (Vec<u8>, Vec<Op>, Vec<u8>) {
    let input = data(len, xxh3_64(name.as_bytes()));
    let mut rng = Rng::from_bytes(name.as_bytes());
    let frames = if frame_ops_with_sizes(prefs) { 1 } else { 3 };
    let ops = script(&mut rng, input.len(), frames, 150_000);
    let (plain, _) = run(prefs, dict, &input, &ops, Hop::None, |_| false);
    (input, ops, plain)
}

#[test]
fn hops_at_random_points_keep_the_output_byte_identical() {
    for (name, prefs, uses_dict) in preference_sets() {
        let dict = if uses_dict { dictionary() } else { Vec::new() };
        let mut prefs = prefs;
        let len = 400_000;
        if prefs.content_size.is_some() {
            prefs = prefs.with_content_size(Some(len as u64));
        }
        let (input, ops, plain) = case(&name, &prefs, &dict, len);
        let frames = ops.iter().filter(|o| matches!(o, Op::End)).count();
        let d = (!dict.is_empty()).then_some(&dict[..]);
        // The uninterrupted output is a valid frame sequence.
        let mut decoded = Vec::new();
        let mut rest = &plain[..];
        if prefs.seek_table > 0 {
            // Frames and tables: the last table describes the whole file.
            let table = lz4framed::seek::SeekTable::from_file(&plain).unwrap();
            assert!(table.entries().len() >= 2 * frames - 1, "{name}");
            assert_eq!(table.decompressed_total(), input.len() as u64, "{name}");
            rest = &[];
            decoded = decompress_with_dictionary(&plain, d.unwrap_or(&[]), None).unwrap();
        }
        for _ in 0..frames {
            if rest.is_empty() {
                break;
            }
            let n = frame_len(rest);
            decoded.extend(decompress_with_dictionary(&rest[..n], d.unwrap_or(&[]), None).unwrap());
            rest = &rest[n..];
        }
        assert_eq!(decoded, input, "{name}");
        for hop in [Hop::Clone, Hop::CloneBoth, Hop::Marshal] {
            let mut rng = Rng::from_bytes(format!("{name} {hop:?}").as_bytes());
            let (out, _) = run(&prefs, &dict, &input, &ops, hop, |_| rng.below(3) == 0);
            assert!(out == plain, "{name}: {hop:?}: output differs");
        }
        // Before every single step, once.
        let (out, _) = run(&prefs, &dict, &input, &ops, Hop::Marshal, |_| true);
        assert!(
            out == plain,
            "{name}: marshal at every step: output differs"
        );
    }
}

/// The length of the first frame of `s` (frames made by this test).
fn frame_len(s: &[u8]) -> usize {
    let (info, header_len) = lz4framed::read_frame_info(s).unwrap().unwrap();
    let mut at = header_len;
    loop {
        let word = u32::from_le_bytes(s[at..at + 4].try_into().unwrap());
        at += 4;
        if word == 0 {
            break;
        }
        at += (word & 0x7fff_ffff) as usize + if info.block_checksum { 4 } else { 0 };
    }
    at + if info.content_checksum { 4 } else { 0 }
}

/// Workers: jobs of 4 MiB, so the input spans several; hops land with
/// jobs in flight, mid-job and between frames.
#[test]
fn hops_with_workers_keep_the_output_byte_identical() {
    let input = data(9_500_000, 5);
    for (name, prefs) in [
        (
            "workers linked",
            Preferences::default()
                .with_workers(2)
                .with_content_checksum(true),
        ),
        (
            "workers independent 4MB",
            Preferences::default()
                .with_workers(3)
                .with_block_linked(false)
                .with_block_size(BlockSize::Max4MB)
                .with_block_checksum(true),
        ),
        (
            "workers auto flush",
            Preferences::default()
                .with_workers(2)
                .with_auto_flush(true)
                .with_content_checksum(true),
        ),
        (
            "workers linked seek table",
            Preferences::default()
                .with_workers(2)
                .with_seek_table(1 << 20)
                .with_content_checksum(true),
        ),
        (
            "workers independent seek table",
            Preferences::default()
                .with_workers(2)
                .with_block_linked(false)
                .with_seek_table(1 << 20),
        ),
    ] {
        let mut rng = Rng::from_bytes(name.as_bytes());
        let ops = script(&mut rng, input.len(), 2, 3_000_000);
        let (plain, _) = run(&prefs, &[], &input, &ops, Hop::None, |_| false);
        for hop in [Hop::Clone, Hop::CloneBoth, Hop::Marshal] {
            let mut rng = Rng::from_bytes(format!("{name} {hop:?}").as_bytes());
            let (out, _) = run(&prefs, &[], &input, &ops, hop, |_| rng.below(2) == 0);
            assert!(out == plain, "{name}: {hop:?}: output differs");
        }
    }
}

/// Blob sizes at block boundaries, per mode (README and the format
/// document quote them).
#[test]
fn blob_sizes_at_block_boundaries() {
    let input = data(300_000, 3);
    let cases: [(&str, Preferences, usize); 5] = [
        (
            "independent",
            Preferences::default()
                .with_block_linked(false)
                .with_content_checksum(true)
                .with_content_size(Some(300_000)),
            128,
        ),
        (
            "independent, dictionary",
            Preferences::default()
                .with_block_linked(false)
                .with_dict_id(Some(1)),
            128,
        ),
        (
            "linked fast",
            Preferences::default().with_content_checksum(true),
            65_536 + 16_416 + 128,
        ),
        (
            "linked HC",
            Preferences::default().with_level(9),
            65_536 + 262_200 + 128,
        ),
        (
            "workers linked",
            Preferences::default().with_workers(2),
            65_536 + 128,
        ),
    ];
    for (name, prefs, most) in cases {
        let dict = if prefs.dict_id.is_some() {
            dictionary()
        } else {
            Vec::new()
        };
        let mut enc = Encoder::with_dictionary(&prefs, &dict).unwrap();
        let mut out = vec![0u8; 1 << 20];
        enc.begin(&mut out).unwrap();
        let first = enc.marshal_size().unwrap();
        for chunk in input.chunks(65_536).take(4) {
            let bound = enc.update_bound(chunk.len());
            let mut o = vec![0u8; bound];
            enc.update(chunk, &mut o).unwrap();
            if prefs.workers > 0 {
                enc.flush(&mut out).unwrap();
            }
        }
        let size = enc.marshal_size().unwrap();
        println!("{name}: {first} bytes at the frame start, {size} at a block boundary");
        assert!(size <= most, "{name}: {size} > {most}");
        assert_eq!(enc.marshal().unwrap().len(), size);
    }
}

/// Blobs of every kind of state, for the damage tests.
fn sample_blobs() -> Vec<(String, Vec<u8>)> {
    let input = data(200_000, 8);
    let mut v = Vec::new();
    for (name, prefs) in [
        (
            "independent, mid-block",
            Preferences::default()
                .with_block_linked(false)
                .with_content_checksum(true),
        ),
        ("linked fast, mid-block", Preferences::default()),
        ("linked HC", Preferences::default().with_level(4)),
        (
            "workers",
            Preferences::default()
                .with_workers(1)
                .with_content_checksum(true),
        ),
    ] {
        let mut enc = Encoder::new(&prefs).unwrap();
        v.push((format!("{name}, idle"), enc.marshal().unwrap()));
        let mut out = vec![0u8; 1 << 20];
        enc.begin(&mut out).unwrap();
        enc.update(&input[..100_003], &mut out).unwrap();
        v.push((name.to_string(), enc.marshal().unwrap()));
    }
    v
}

fn reseal(blob: &mut [u8]) {
    let n = blob.len();
    let sum = xxh3_64(&blob[..n - 8]);
    blob[n - 8..].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn every_bit_flip_is_refused() {
    for (name, blob) in sample_blobs() {
        // Every bit of small blobs and of every field; the tables and
        // window of large ones are sampled, to keep this quick.
        let n = blob.len();
        let bits = (0..n * 8)
            .filter(|&bit| n < 4096 || bit < 4096 || bit >= (n - 16) * 8 || bit % 97 == 0);
        for bit in bits {
            let mut b = blob.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let err = Encoder::unmarshal(&b, None).unwrap_err();
            let expected = match bit / 8 {
                0..=3 => vec![Error::EncoderStateMagic],
                4..=5 => vec![Error::EncoderStateVersion],
                8..=11 => vec![Error::EncoderStateTruncated, Error::EncoderStateCorrupt],
                _ => vec![Error::EncoderStateChecksum],
            };
            assert!(expected.contains(&err), "{name}: bit {bit}: {err:?}");
        }
    }
}

#[test]
fn every_truncation_is_refused() {
    for (name, blob) in sample_blobs() {
        let n = blob.len();
        let lens = (0..n).filter(|&len| n < 4096 || len < 512 || len > n - 512 || len % 331 == 0);
        for len in lens {
            assert_eq!(
                Encoder::unmarshal(&blob[..len], None).unwrap_err(),
                Error::EncoderStateTruncated,
                "{name} len {len}"
            );
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert_eq!(
            Encoder::unmarshal(&longer, None).unwrap_err(),
            Error::EncoderStateCorrupt,
            "{name}"
        );
    }
}

#[test]
fn foreign_future_and_mismatched_blobs_are_refused() {
    assert_eq!(
        Encoder::unmarshal(b"not an encoder state at all", None).unwrap_err(),
        Error::EncoderStateMagic
    );
    // A decoder's blob, and an encoder's blob given to a decoder.
    let dec_blob = lz4framed::Decoder::new().marshal().unwrap();
    assert_eq!(
        Encoder::unmarshal(&dec_blob, None).unwrap_err(),
        Error::EncoderStateMagic
    );
    let enc_blob = Encoder::new(&Preferences::default())
        .unwrap()
        .marshal()
        .unwrap();
    assert_eq!(
        lz4framed::Decoder::unmarshal(&enc_blob, None).unwrap_err(),
        Error::StateMagic
    );
    // A future version.
    let mut b = enc_blob.clone();
    b[4] = 2;
    reseal(&mut b);
    assert_eq!(
        Encoder::unmarshal(&b, None).unwrap_err(),
        Error::EncoderStateVersion
    );
    // Dictionaries: missing, unexpected, different.
    let dict = dictionary();
    let prefs = Preferences::default().with_dict_id(Some(3));
    let with = Encoder::with_dictionary(&prefs, &dict)
        .unwrap()
        .marshal()
        .unwrap();
    assert_eq!(
        Encoder::unmarshal(&with, None).unwrap_err(),
        Error::EncoderStateDictionary
    );
    let mut other = dict.clone();
    other[dict.len() - 1] ^= 1;
    assert_eq!(
        Encoder::unmarshal(&with, Some(&other)).unwrap_err(),
        Error::EncoderStateDictionary
    );
    assert!(Encoder::unmarshal(&with, Some(&dict)).is_ok());
    assert_eq!(
        Encoder::unmarshal(&enc_blob, Some(&dict)).unwrap_err(),
        Error::EncoderStateDictionary
    );
    // Tables from an LZ4 that hashes differently (variant byte, resealed).
    let at = match_section(&enc_blob);
    let mut b = enc_blob.clone();
    b[at + 1] ^= 1;
    reseal(&mut b);
    assert_eq!(
        Encoder::unmarshal(&b, None).unwrap_err(),
        Error::EncoderStateEngine
    );
    let mut b = enc_blob.clone();
    b[at + 2] ^= 1;
    reseal(&mut b);
    assert_eq!(
        Encoder::unmarshal(&b, None).unwrap_err(),
        Error::EncoderStateEngine
    );
}

/// Offset of the match-finder section of a blob of a fresh encoder with
/// default preferences (no hash, no dictionary sections).
fn match_section(_blob: &[u8]) -> usize {
    12 + 22 + 8
}

/// Resealed blobs whose fields lie (checksum fixed up): refused as
/// corrupt, or, where the lie is harmless, accepted; never a crash or a
/// large allocation.
#[test]
fn resealed_lies_are_refused_or_harmless() {
    let input = data(100_000, 4);
    for prefs in [
        Preferences::default(),
        Preferences::default().with_level(5),
        Preferences::default()
            .with_block_linked(false)
            .with_content_checksum(true),
        Preferences::default().with_workers(1),
    ] {
        let mut enc = Encoder::new(&prefs).unwrap();
        let mut out = vec![0u8; 1 << 20];
        enc.begin(&mut out).unwrap();
        enc.update(&input[..70_001], &mut out).unwrap();
        let blob = enc.marshal().unwrap();
        let mut refused = 0;
        // Every byte of the fixed fields and of the first table entries,
        // set to a few telling values.
        for at in 6..blob.len().min(300) - 8 {
            for v in [0x00, 0xff, 0x7f, 0x80] {
                let mut b = blob.clone();
                if b[at] == v {
                    continue;
                }
                b[at] = v;
                reseal(&mut b);
                match Encoder::unmarshal(&b, None) {
                    Err(e) => {
                        refused += 1;
                        assert!(
                            matches!(
                                e,
                                Error::EncoderStateCorrupt
                                    | Error::EncoderStateTruncated
                                    | Error::EncoderStateEngine
                                    | Error::EncoderStateDictionary
                            ),
                            "byte {at} = {v}: {e:?}"
                        );
                    }
                    Ok(mut e) => {
                        // Whatever was accepted still compresses safely.
                        let mut o = vec![0u8; e.update_bound(1000) + e.end_bound() + 64];
                        if e.update(&input[..1000], &mut o).is_ok() {
                            let mut o = vec![0u8; e.end_bound().max(64)];
                            let _ = e.end(&mut o);
                        }
                    }
                }
            }
        }
        assert!(refused > 50, "{refused}");
    }
}

/// A lying length never makes unmarshal allocate more than the blob holds.
#[test]
fn lying_lengths_are_refused_before_allocating() {
    let mut enc = Encoder::new(&Preferences::default().with_block_linked(false)).unwrap();
    let mut out = vec![0u8; 1024];
    enc.begin(&mut out).unwrap();
    enc.update(b"held back", &mut out).unwrap();
    let blob = enc.marshal().unwrap();
    let lens_at = blob.len() - 8 - 9 - 12;
    for field in 0..3 {
        for v in [u32::MAX, 1 << 31, 5 << 20, 10] {
            let mut b = blob.clone();
            b[lens_at + 4 * field..lens_at + 4 * field + 4].copy_from_slice(&v.to_le_bytes());
            reseal(&mut b);
            let err = Encoder::unmarshal(&b, None).unwrap_err();
            assert_eq!(err, Error::EncoderStateCorrupt, "field {field} = {v}");
        }
    }
}

const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden");

/// The golden encoder blob: format version 1, linked fast mode with
/// content checksum, taken mid-block. Later versions must still read it
/// and finish the frame exactly as then.
/// `LZ4FRAMED_WRITE_GOLDEN=1 cargo test --test encoder_state golden`
/// rewrites it, which is only right when introducing a new format version.
#[test]
fn golden_encoder_blob_v1_still_loads_and_finishes() {
    let input = data(300_000, 2026);
    let prefs = Preferences::default()
        .with_content_checksum(true)
        .with_block_checksum(true);
    let blob_path = format!("{GOLDEN_DIR}/encoder-state-v1.bin");
    let frame_path = format!("{GOLDEN_DIR}/encoder-frame-v1.lz4");
    let cut = 150_001;
    if std::env::var_os("LZ4FRAMED_WRITE_GOLDEN").is_some() {
        let mut enc = Encoder::new(&prefs).unwrap();
        let mut frame = vec![0u8; 1 << 20];
        let mut n = enc.begin(&mut frame).unwrap();
        n += enc.update(&input[..cut], &mut frame[n..]).unwrap();
        std::fs::write(&blob_path, enc.marshal().unwrap()).unwrap();
        n += enc.update(&input[cut..], &mut frame[n..]).unwrap();
        n += enc.end(&mut frame[n..]).unwrap();
        std::fs::write(&frame_path, &frame[..n]).unwrap();
    }
    let blob = std::fs::read(&blob_path).unwrap();
    let frame = std::fs::read(&frame_path).unwrap();
    assert_eq!(&blob[..4], b"L4FE");
    assert_eq!(u16::from_le_bytes([blob[4], blob[5]]), 1);
    let mut enc = Encoder::unmarshal(&blob, None).unwrap();
    assert_eq!(enc.preferences(), &prefs);
    assert_eq!(enc.marshal().unwrap(), blob);
    let mut tail = vec![0u8; 1 << 20];
    let mut n = enc.update(&input[cut..], &mut tail).unwrap();
    n += enc.end(&mut tail[n..]).unwrap();
    assert!(frame.ends_with(&tail[..n]));
    assert_eq!(lz4framed::decompress(&frame).unwrap(), input);
}
