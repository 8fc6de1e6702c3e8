//! Resumability: at hundreds of cut points in many kinds of streams, a
//! decoder that (a) gets its input from a new source, (b) is cloned, or
//! (c) is marshalled and restored into a fresh decoder, finishes with
//! output byte-identical to an uninterrupted run.

mod common;

use common::{Rng, decode_rest, legacy_frame, skippable};
use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Encoder, Error, Preferences, Status, compress,
    compress_with_dictionary,
};
use std::collections::BTreeSet;

/// Text-like data that compresses about 2:1, with an incompressible patch
/// so that some blocks are stored raw.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng::new(seed | 1);
    let words: [&[u8]; 8] = [
        b"frame ",
        b"block ",
        b"resume ",
        b"lz4 ",
        b"state ",
        b"window ",
        b"\n",
        b"checkpoint ",
    ];
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        if v.len() % 300_000 < 70_000 && v.len() > 100_000 {
            v.push(r.next_u64() as u8);
        } else {
            v.extend_from_slice(words[r.below(8)]);
        }
    }
    v.truncate(len);
    v
}

/// Offsets where the structure of the stream changes (frame, block and
/// checksum starts), found by walking the frames.
fn structure(stream: &[u8]) -> Vec<usize> {
    let mut marks = vec![0];
    let mut at = 0;
    while at + 4 <= stream.len() {
        let magic = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap());
        marks.push(at);
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            let size = u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap()) as usize;
            marks.push(at + 4);
            marks.push(at + 8);
            at += 8 + size;
            continue;
        }
        if magic == 0x184C_2102 {
            at += 4;
            while at + 4 <= stream.len() {
                let size = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;
                if size > 9 << 20 {
                    break;
                }
                marks.push(at);
                marks.push(at + 4);
                at += 4 + size;
            }
            continue;
        }
        assert_eq!(magic, 0x184D_2204);
        let (info, hlen) = lz4framed::read_frame_info(&stream[at..]).unwrap().unwrap();
        at += hlen;
        marks.push(at - 1);
        loop {
            marks.push(at);
            let h = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap());
            at += 4;
            if h == 0 {
                break;
            }
            at += (h & 0x7FFF_FFFF) as usize;
            marks.push(at);
            if info.block_checksum {
                at += 4;
            }
        }
        if info.content_checksum {
            marks.push(at);
            at += 4;
        }
    }
    marks.push(stream.len());
    marks
}

fn cut_points(stream: &[u8], random: usize, seed: u64) -> Vec<usize> {
    let mut cuts = BTreeSet::new();
    for m in structure(stream) {
        for d in -3i64..=3 {
            let c = m as i64 + d;
            if c >= 0 && c as usize <= stream.len() {
                cuts.insert(c as usize);
            }
        }
    }
    let mut r = Rng::new(seed);
    for _ in 0..random {
        cuts.insert(r.below(stream.len() + 1));
    }
    cuts.into_iter().collect()
}

/// The three resume checks for one stream at many cut points.
fn check_stream(name: &str, stream: &[u8], expected: &[u8], dict: Option<&[u8]>, seed: u64) {
    let new_decoder = || {
        let mut d = Decoder::new();
        if let Some(k) = dict {
            d.set_dictionary(k, None);
        }
        d
    };
    let cuts = cut_points(stream, 200, seed);
    assert!(cuts.len() >= 200, "{name}: {} cuts", cuts.len());
    let mut r = Rng::new(seed ^ 0x9e37);
    let mut big = vec![0u8; expected.len() + 1];
    let max_blob_at_boundary = |d: &Decoder| {
        128 + if d.frame_info().is_some_and(|f| f.block_linked) {
            65536
        } else {
            0
        }
    };
    for &cut in &cuts {
        // Small output chunks sometimes, so that cuts also land while
        // decoded output is waiting to be delivered.
        let out_chunk = if r.below(3) == 0 {
            1 + r.below(5000)
        } else {
            1 << 22
        };
        let mut d = new_decoder();
        let mut head = Vec::new();
        let buf = &mut big[..out_chunk.min(expected.len() + 1)];
        let mut ip = 0;
        loop {
            let p = d.decompress(&stream[ip..cut], buf, false).unwrap();
            ip += p.consumed;
            head.extend_from_slice(&buf[..p.produced]);
            if p.status != Status::OutputFull && ip == cut {
                break;
            }
        }
        assert_eq!(d.input_consumed() as usize, cut);
        assert_eq!(d.output_produced() as usize, head.len());
        assert_eq!(&expected[..head.len()], &head[..], "{name} cut {cut}: head");

        // (c) marshal -> unmarshal in a fresh decoder.
        let blob = d.marshal().unwrap();
        assert_eq!(blob.len(), d.marshal_size().unwrap());
        if d.at_block_boundary() {
            assert!(
                blob.len() <= max_blob_at_boundary(&d),
                "{name} cut {cut}: blob {} at a boundary",
                blob.len()
            );
        }
        let mut restored = Decoder::unmarshal(&blob, dict).unwrap();
        assert_eq!(
            restored.marshal().unwrap(),
            blob,
            "{name} cut {cut}: re-marshal differs"
        );
        // (b) clone.
        let mut clone = d.clone();
        // (a) swap the source: continue with a new source positioned at input_consumed.
        let mut source = &stream[d.input_consumed() as usize..];
        let mut tail = Vec::new();
        loop {
            let p = d.read_from(&mut source, buf).unwrap();
            tail.extend_from_slice(&buf[..p.produced]);
            if p.status == Status::FrameBoundary && source.is_empty() {
                break;
            }
            assert_ne!(
                p.status,
                Status::NeedInput,
                "{name} cut {cut}: source not exhausted"
            );
        }
        let rest = &stream[cut..];
        for (how, got) in [
            ("swap", tail),
            ("clone", decode_rest(&mut clone, rest, out_chunk)),
            (
                "unmarshal",
                decode_rest(&mut restored, rest, 1 + r.below(100_000)),
            ),
        ] {
            assert!(
                got == expected[head.len()..],
                "{name} cut {cut}: {how} output differs"
            );
        }
    }
}

fn prefs(bs: BlockSize, linked: bool, checks: bool, level: i32) -> Preferences {
    Preferences::default()
        .with_level(level)
        .with_block_size(bs)
        .with_block_linked(linked)
        .with_block_checksum(checks)
        .with_content_checksum(checks)
        .with_content_size(checks.then_some(0))
}

fn config_sweep(bs: BlockSize, level: i32) {
    let len = match bs {
        BlockSize::Max64KB => 300_000,
        BlockSize::Max256KB => 700_000,
        BlockSize::Max1MB => 2_300_000,
        BlockSize::Max4MB => 4_500_000,
    };
    let src = data(len, 7 + len as u64);
    for linked in [true, false] {
        for checks in [true, false] {
            let frame = compress(&src, &prefs(bs, linked, checks, level)).unwrap();
            let name = format!("{bs:?} linked={linked} checks={checks} level={level}");
            check_stream(&name, &frame, &src, None, len as u64 + level as u64);
        }
    }
}

#[test]
fn block_64k_level_1() {
    config_sweep(BlockSize::Max64KB, 1);
}
#[test]
fn block_64k_level_9() {
    config_sweep(BlockSize::Max64KB, 9);
}
#[test]
fn block_256k_level_1() {
    config_sweep(BlockSize::Max256KB, 1);
}
#[test]
fn block_256k_level_9() {
    config_sweep(BlockSize::Max256KB, 9);
}
#[test]
fn block_1m_level_1() {
    config_sweep(BlockSize::Max1MB, 1);
}
#[test]
fn block_4m_level_1() {
    config_sweep(BlockSize::Max4MB, 1);
}

#[test]
fn multi_frame_with_skippable_frames() {
    let a = data(150_000, 1);
    let b = data(90_000, 2);
    let mut stream = skippable(0, b"meta");
    stream.extend(compress(&a, &prefs(BlockSize::Max64KB, true, true, 1)).unwrap());
    stream.extend(skippable(5, &[7u8; 300]));
    stream.extend(compress(&b, &prefs(BlockSize::Max256KB, false, false, 9)).unwrap());
    stream.extend(compress(b"", &Preferences::default()).unwrap());
    stream.extend(skippable(15, b""));
    let expected = [a, b].concat();
    check_stream("multi-frame", &stream, &expected, None, 11);
}

#[test]
fn legacy_frames_then_modern_frame() {
    let a = data(9_000_000, 3);
    let b = data(50_000, 4);
    // Cut as `lz4 -l` cuts: 8 MiB blocks.
    let blocks = |d: &[u8]| legacy_frame(&d.chunks(8 << 20).collect::<Vec<_>>());
    let mut stream = blocks(&a);
    stream.extend(blocks(&b));
    stream.extend(compress(&b, &prefs(BlockSize::Max64KB, true, true, 1)).unwrap());
    let expected = [a, b.clone(), b].concat();
    check_stream("legacy", &stream, &expected, None, 12);
}

#[test]
fn dictionary_frames() {
    let dict = data(100_000, 5);
    let src = data(400_000, 6);
    for linked in [true, false] {
        let p = prefs(BlockSize::Max64KB, linked, true, 1).with_dict_id(Some(0xD1C7));
        let frame = compress_with_dictionary(&src, &p, &dict).unwrap();
        check_stream(
            &format!("dict linked={linked}"),
            &frame,
            &src,
            Some(&dict),
            13,
        );
    }
}

#[test]
fn unmarshal_checks_the_dictionary() {
    let dict = data(70_000, 5);
    let src = data(200_000, 6);
    let p = Preferences::default().with_dict_id(Some(42));
    let frame = compress_with_dictionary(&src, &p, &dict).unwrap();
    let mut d = Decoder::new();
    d.set_dictionary(&dict, Some(42));
    let mut out = vec![0u8; 1000];
    d.decompress(&frame[..5000], &mut out, false).unwrap();
    let blob = d.marshal().unwrap();
    assert_eq!(
        Decoder::unmarshal(&blob, None).unwrap_err(),
        Error::StateDictionary
    );
    let mut other = dict.clone();
    other[69_999] ^= 1;
    assert_eq!(
        Decoder::unmarshal(&blob, Some(&other)).unwrap_err(),
        Error::StateDictionary
    );
    assert!(Decoder::unmarshal(&blob, Some(&dict)).is_ok());
    // A blob without a dictionary refuses one.
    let plain = Decoder::new().marshal().unwrap();
    assert_eq!(
        Decoder::unmarshal(&plain, Some(&dict)).unwrap_err(),
        Error::StateDictionary
    );
}

#[test]
fn clones_are_independent_and_usable_on_other_threads() {
    let src = data(1_000_000, 8);
    let frame = compress(&src, &prefs(BlockSize::Max256KB, true, true, 1)).unwrap();
    let mut d = Decoder::new();
    let mut out = vec![0u8; 100_000];
    let p = d
        .decompress(&frame[..frame.len() / 3], &mut out, false)
        .unwrap();
    let head = out[..p.produced].to_vec();
    let at = d.input_consumed() as usize;
    let clones: Vec<Decoder> = (0..4).map(|_| d.clone()).collect();
    drop(d);
    let handles: Vec<_> = clones
        .into_iter()
        .map(|mut c| {
            let rest = frame[at..].to_vec();
            std::thread::spawn(move || decode_rest(&mut c, &rest, 65536))
        })
        .collect();
    for h in handles {
        let tail = h.join().unwrap();
        assert_eq!([head.clone(), tail].concat(), src);
    }
}

#[test]
fn stop_at_frame_end_survives_marshal() {
    let a = data(100_000, 9);
    let mut stream = compress(&a, &Preferences::default()).unwrap();
    stream.extend(skippable(1, b"x"));
    stream.extend(compress(&a, &Preferences::default()).unwrap());
    let mut d = Decoder::with_options(
        DecoderOptions::default()
            .with_stop_at_frame_end(true)
            .with_verify_checksums(true),
    );
    let mut out = vec![0u8; 300_000];
    let p = d.decompress(&stream, &mut out, false).unwrap();
    assert_eq!((p.status, p.produced), (Status::FrameBoundary, a.len()));
    let mut r = Decoder::unmarshal(&d.marshal().unwrap(), None).unwrap();
    assert_eq!(r.options(), d.options());
    let q = r
        .decompress(&stream[p.consumed..], &mut out, false)
        .unwrap();
    assert_eq!(
        (q.status, q.produced, r.skippable_frames()),
        (Status::FrameBoundary, 0, 1)
    );
}

#[test]
fn streaming_encoder_frames_resume_too() {
    let src = data(600_000, 10);
    let p = prefs(BlockSize::Max64KB, true, true, 1).with_auto_flush(true);
    let p = p.with_content_size(Some(src.len() as u64));
    let mut e = Encoder::new(&p).unwrap();
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    let mut r = Rng::new(3);
    let mut at = 0;
    while at < src.len() {
        let take = (1 + r.below(40_000)).min(src.len() - at);
        let mut out = vec![0u8; lz4framed::compress_bound(take, &p)];
        let n = e.update(&src[at..at + take], &mut out).unwrap();
        frame.extend_from_slice(&out[..n]);
        at += take;
    }
    let mut out = vec![0u8; lz4framed::compress_bound(0, &p)];
    let n = e.end(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    check_stream("auto-flush stream", &frame, &src, None, 14);
}

/// A source that gives `good` bytes, then fails (an error, or a read that
/// claims more bytes than it was given room for).
struct FailingSource<'a> {
    data: &'a [u8],
    good: usize,
    overclaim: bool,
    reads: usize,
}

impl std::io::Read for FailingSource<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reads += 1;
        let n = buf.len().min(self.good).min(self.data.len());
        if n == 0 {
            return if self.overclaim {
                Ok(buf.len() + 1)
            } else {
                Err(std::io::Error::other("connection reset"))
            };
        }
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.good -= n;
        Ok(n)
    }
}

#[test]
fn a_failing_source_is_reported_in_the_call_where_it_fails() {
    let src = data(3_000_000, 21);
    for (linked, overclaim) in [(true, false), (false, false), (true, true)] {
        let frame = compress(&src, &prefs(BlockSize::Max256KB, linked, true, 1)).unwrap();
        let mut d = Decoder::new();
        let mut out = vec![0u8; src.len()];
        let mut bad = FailingSource {
            data: &frame,
            good: frame.len() / 2,
            overclaim,
            reads: 0,
        };
        // One call: it produces output, then the source fails. Both are
        // reported by this call.
        let p = d.read_from(&mut bad, &mut out).unwrap();
        assert_eq!(p.status, Status::SourceFailed);
        assert!(p.produced > 0, "the output before the failure is kept");
        assert_eq!(p.consumed, frame.len() / 2, "every byte read is consumed");
        assert_eq!(d.input_consumed(), p.consumed as u64);
        assert_eq!(d.output_produced(), p.produced as u64);
        assert!(out[..p.produced] == src[..p.produced]);
        assert_eq!(d.failed(), None, "a source failure is not sticky");
        // The next call reads its new, good source and finishes.
        let mut good = &frame[p.consumed..];
        let q = d.read_from(&mut good, &mut out[p.produced..]).unwrap();
        assert_eq!(q.status, Status::FrameBoundary);
        assert!(good.is_empty(), "the new source was read to its end");
        assert_eq!(p.produced + q.produced, src.len());
        assert!(out == src, "linked={linked} overclaim={overclaim}");
    }
    // A source failing before any output: the same status, nothing counted.
    let frame = compress(&src, &Preferences::default()).unwrap();
    let mut d = Decoder::new();
    let mut out = vec![0u8; 100];
    let mut bad = FailingSource {
        data: &frame,
        good: 0,
        overclaim: false,
        reads: 0,
    };
    let p = d.read_from(&mut bad, &mut out).unwrap();
    assert_eq!(
        (p.status, p.consumed, p.produced),
        (Status::SourceFailed, 0, 0)
    );
    assert_eq!(bad.reads, 1);
}

#[test]
fn an_empty_dictionary_is_no_dictionary() {
    let src = data(500_000, 22);
    let frame = compress(&src, &prefs(BlockSize::Max64KB, true, true, 1)).unwrap();
    let mut d = Decoder::new();
    d.set_dictionary(&[], None);
    assert_eq!(d.memory_usage(), 0);
    let mut out = vec![0u8; src.len()];
    let p = d
        .decompress(&frame[..frame.len() / 3], &mut out, false)
        .unwrap();
    let blob = d.marshal().unwrap();
    // Both spellings of "no dictionary" restore it, and it finishes.
    for given in [None, Some(&[][..])] {
        let mut r = Decoder::unmarshal(&blob, given).unwrap();
        assert_eq!(r.marshal().unwrap(), blob);
        let rest = &frame[r.input_consumed() as usize..];
        let q = r.decompress(rest, &mut out[p.produced..], true).unwrap();
        assert_eq!(q.status, Status::FrameBoundary);
        assert!(out == src);
    }
    // Setting an empty dictionary removes one set before.
    let dict = data(10_000, 23);
    let mut d = Decoder::new();
    d.set_dictionary(&dict, Some(9));
    d.set_dictionary(&[], Some(9));
    assert_eq!(Decoder::new().marshal().unwrap(), d.marshal().unwrap());
}
