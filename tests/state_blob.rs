//! The marshalled state blob: damaged, truncated, foreign or lying blobs
//! are refused with a specific error and never crash, hang or allocate
//! much; the committed golden blob of format version 1 still loads.

use lz4framed::{BlockSize, Decoder, Error, Preferences, Status, compress};
use xxhash_rust::xxh3::xxh3_64;

fn text(len: usize) -> Vec<u8> {
    // Deterministic forever: the golden files depend on it.
    let mut v = Vec::with_capacity(len);
    let mut x: u32 = 1;
    while v.len() < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let word =
            ["alpha ", "beta ", "gamma ", "delta\n", "epsilon ", "zeta "][(x >> 16) as usize % 6];
        v.extend_from_slice(word.as_bytes());
    }
    v.truncate(len);
    v
}

/// Frames with every check a blob must carry state for: both checksums
/// and the content size (the encoder fills in the real size).
fn checked(block_size: BlockSize, linked: bool) -> Preferences {
    Preferences::default()
        .with_block_size(block_size)
        .with_block_linked(linked)
        .with_block_checksum(true)
        .with_content_checksum(true)
        .with_content_size(Some(0))
}

/// Decodes `frame[..cut]` with an output buffer of `out` bytes (so output
/// may be left pending) and returns the decoder.
fn decoder_at(frame: &[u8], cut: usize, out: usize) -> Decoder {
    let mut d = Decoder::new();
    let mut buf = vec![0u8; out];
    d.decompress(&frame[..cut], &mut buf, false).unwrap();
    d
}

fn sample_blobs() -> Vec<(String, Vec<u8>, Vec<u8>, usize)> {
    let src = text(300_000);
    let mut v = Vec::new();
    for (bs, linked) in [(BlockSize::Max64KB, true), (BlockSize::Max256KB, false)] {
        let p = checked(bs, linked);
        let frame = compress(&src, &p).unwrap();
        for (cut, out) in [
            (0, 1),
            (2, 1),
            (frame.len() / 2, 1 << 20),
            (frame.len() / 2, 777),
            (frame.len() - 2, 1 << 20),
        ] {
            let d = decoder_at(&frame, cut, out);
            let name = format!("{bs:?} linked={linked} cut={cut} out={out}");
            v.push((
                name,
                d.marshal().unwrap(),
                frame.clone(),
                d.input_consumed() as usize,
            ));
        }
    }
    v
}

fn reseal(blob: &mut [u8]) {
    let n = blob.len();
    let sum = xxh3_64(&blob[..n - 8]);
    blob[n - 8..].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn every_bit_flip_gives_a_specific_error() {
    for (name, blob, _, _) in sample_blobs() {
        // Every bit of blobs without a window and of every field; window
        // bytes (64 KiB of plain data) are sampled to keep this fast.
        let n = blob.len();
        let bits = (0..n * 8)
            .filter(|&bit| n < 4096 || bit < 2048 || bit >= (n - 16) * 8 || bit % 61 == 0);
        for bit in bits {
            let mut b = blob.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let err = Decoder::unmarshal(&b, None).unwrap_err();
            let expected = match bit / 8 {
                0..=3 => vec![Error::StateMagic],
                4..=5 => vec![Error::StateVersion],
                8..=11 => vec![Error::StateTruncated, Error::StateCorrupt],
                _ => vec![Error::StateChecksum],
            };
            assert!(expected.contains(&err), "{name}: bit {bit}: {err:?}");
        }
    }
}

#[test]
fn every_truncation_is_refused() {
    for (name, blob, _, _) in sample_blobs() {
        for len in 0..blob.len() {
            assert_eq!(
                Decoder::unmarshal(&blob[..len], None).unwrap_err(),
                Error::StateTruncated,
                "{name} len {len}"
            );
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert_eq!(
            Decoder::unmarshal(&longer, None).unwrap_err(),
            Error::StateCorrupt,
            "{name}"
        );
    }
}

#[test]
fn foreign_and_future_blobs_are_refused() {
    assert_eq!(
        Decoder::unmarshal(b"definitely not a state blob", None).unwrap_err(),
        Error::StateMagic
    );
    let frame = compress(b"x", &Preferences::default()).unwrap();
    assert_eq!(
        Decoder::unmarshal(&frame, None).unwrap_err(),
        Error::StateMagic
    );
    let mut blob = Decoder::new().marshal().unwrap();
    blob[4] = 2;
    reseal(&mut blob);
    assert_eq!(
        Decoder::unmarshal(&blob, None).unwrap_err(),
        Error::StateVersion
    );
}

/// Byte offsets of the fixed fields (docs/STATE_FORMAT.md) for a blob
/// taken inside a frame with no partial field (small_len = 0).
const STAGE: usize = 12;
const SMALL_LEN: usize = 13;
const FRAMES_DONE: usize = 30;
const SKIPPABLE: usize = 38;
const KIND: usize = 46;
const BSID: usize = 47;
const FRAME_FLAGS: usize = 48;
const FRAME_OUTPUT: usize = 61;
const BLOCK_LEN: usize = 69;
const BUFFERED_LEN: usize = 89;

#[test]
fn resealed_lies_are_refused_as_corrupt() {
    let src = text(300_000);
    let p = Preferences::default()
        .with_block_checksum(true)
        .with_content_checksum(true)
        .with_content_size(Some(0));
    let frame = compress(&src, &p).unwrap();
    // Mid-block with output pending: every section is present.
    let d = decoder_at(&frame, frame.len() / 2, 1000);
    let blob = d.marshal().unwrap();
    assert_eq!(blob[SMALL_LEN], 0);
    let buffered = blob[BUFFERED_LEN] as usize;
    let window_len_at = BUFFERED_LEN + 1 + buffered;
    let held_len_at = window_len_at + 4;
    let lie = |at: usize, bytes: &[u8]| {
        let mut b = blob.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        reseal(&mut b);
        Decoder::unmarshal(&b, None).map(|_| ()).unwrap_err()
    };
    let cases: Vec<(&str, usize, Vec<u8>)> = vec![
        ("unknown flag", 6, vec![0xff, 0xff]),
        ("stage 9", STAGE, vec![9]),
        ("small_len 200", SMALL_LEN, vec![200]),
        (
            "more skippable than frames",
            SKIPPABLE,
            5u64.to_le_bytes().to_vec(),
        ),
        ("kind 7", KIND, vec![7]),
        ("block size id 3", BSID, vec![3]),
        ("unknown frame flag", FRAME_FLAGS, vec![0xff]),
        (
            "output beyond content size",
            FRAME_OUTPUT,
            u64::MAX.to_le_bytes().to_vec(),
        ),
        (
            "block larger than max",
            BLOCK_LEN,
            (1u32 << 30).to_le_bytes().to_vec(),
        ),
        ("hash buffer length", BUFFERED_LEN, vec![200]),
        (
            "window over 64 KiB",
            window_len_at,
            (1u32 << 31).to_le_bytes().to_vec(),
        ),
        (
            "window length lies",
            window_len_at,
            100u32.to_le_bytes().to_vec(),
        ),
        (
            "held bytes over a block",
            held_len_at,
            u32::MAX.to_le_bytes().to_vec(),
        ),
        ("held length lies", held_len_at, 3u32.to_le_bytes().to_vec()),
    ];
    for (what, at, bytes) in cases {
        let err = lie(at, &bytes);
        assert!(
            matches!(err, Error::StateCorrupt | Error::StateTruncated),
            "{what}: {err:?}"
        );
    }
    let _ = FRAMES_DONE;
}

/// Any byte of a resealed blob changed to anything: unmarshal either
/// refuses it or gives a decoder that finishes (correctly or with a
/// decoding error) without panicking, hanging or allocating much.
#[test]
fn resealed_byte_changes_never_crash() {
    for (name, blob, frame, consumed) in sample_blobs() {
        // Every byte of the fixed fields, then a sample of the window and
        // held bytes (changing those only changes data, not structure).
        let fixed = 12..(blob.len() - 8).min(160);
        let sampled = (160..blob.len().saturating_sub(8)).step_by(1009);
        for at in fixed.chain(sampled) {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = blob.clone();
                b[at] ^= x;
                reseal(&mut b);
                if let Ok(mut d) = Decoder::unmarshal(&b, None) {
                    assert!(d.memory_usage() <= (4 << 20) + (1 << 17), "{name} at {at}");
                    let mut out = vec![0u8; 1 << 16];
                    let rest = &frame[consumed.min(frame.len())..];
                    let mut ip = 0;
                    for _ in 0..10_000 {
                        match d.decompress(&rest[ip..], &mut out, true) {
                            Ok(p) => {
                                ip += p.consumed;
                                if p.status == Status::FrameBoundary && ip == rest.len() {
                                    break;
                                }
                            }
                            Err(_) => break,
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn blob_sizes_at_block_boundaries() {
    let src = text(400_000);
    for linked in [true, false] {
        let p = checked(BlockSize::Max64KB, linked);
        let frame = compress(&src, &p).unwrap();
        let mut d = Decoder::new();
        let mut out = vec![0u8; src.len()];
        let mut seen = 0;
        for cut in 1..frame.len() {
            let mut probe = d.clone();
            probe
                .decompress(&frame[d.input_consumed() as usize..cut], &mut out, false)
                .unwrap();
            if probe.at_block_boundary() && probe.frame_info().is_some() {
                let blob = probe.marshal().unwrap();
                let window = if linked { 65536 } else { 0 };
                assert!(
                    blob.len() <= 128 + window,
                    "linked={linked} cut={cut}: {} bytes",
                    blob.len()
                );
                seen += 1;
            }
            if cut % 4096 == 0 {
                d = probe;
            }
        }
        assert!(seen > 5);
    }
}

const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden");

/// The golden blob: format version 1, taken mid-block (output pending) from
/// a committed frame. Later versions of the library must still read it.
/// `LZ4FRAMED_WRITE_GOLDEN=1 cargo test --test state_blob golden` rewrites
/// it, which is only right when introducing a new format version.
#[test]
fn golden_blob_v1_still_loads_and_finishes() {
    let src = text(200_000);
    let frame_path = format!("{GOLDEN_DIR}/frame-v1.lz4");
    let blob_path = format!("{GOLDEN_DIR}/state-v1.bin");
    if std::env::var_os("LZ4FRAMED_WRITE_GOLDEN").is_some() {
        let p = checked(BlockSize::Max64KB, true);
        let frame = compress(&src, &p).unwrap();
        let d = decoder_at(&frame, 40_000, 3000);
        std::fs::create_dir_all(GOLDEN_DIR).unwrap();
        std::fs::write(&frame_path, &frame).unwrap();
        std::fs::write(&blob_path, d.marshal().unwrap()).unwrap();
    }
    let frame = std::fs::read(&frame_path).unwrap();
    let blob = std::fs::read(&blob_path).unwrap();
    assert_eq!(&blob[..4], b"L4FS");
    assert_eq!(u16::from_le_bytes([blob[4], blob[5]]), 1);
    let mut d = Decoder::unmarshal(&blob, None).unwrap();
    assert!(!d.at_block_boundary(), "the golden blob is taken mid-block");
    let produced = d.output_produced() as usize;
    let consumed = d.input_consumed() as usize;
    // The blob was taken with 40000 bytes offered and a 3000-byte output
    // buffer: the decoder stopped consuming when the output filled.
    assert_eq!((consumed, produced), (27_393, 3000));
    let mut out = vec![0u8; src.len()];
    let p = d
        .decompress(&frame[consumed..], &mut out[produced..], true)
        .unwrap();
    assert_eq!(p.status, Status::FrameBoundary);
    assert_eq!(produced + p.produced, src.len());
    assert_eq!(&out[produced..], &src[produced..]);
    // And it re-marshals to exactly the same bytes.
    assert_eq!(
        Decoder::unmarshal(&blob, None).unwrap().marshal().unwrap(),
        blob
    );
}
