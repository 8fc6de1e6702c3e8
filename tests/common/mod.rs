//! Helpers shared by the codec test suites: the shared RNG (from
//! `testkit/`), data generators, the cross product of encoder preferences, streaming
//! encode/decode drivers with random piece sizes, and frame builders.
//!
//! Each test binary uses a different subset, hence the `allow`.
#![allow(dead_code, unused_imports)]

use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Encoder, Error, Preferences, Status, compress_bound,
};
use std::sync::mpsc;
use std::thread;

pub use lz4framed_testkit::{Rng, legacy_frame, random_bytes, skippable};

/// Bytes from a random small alphabet with every 7th byte fully random:
/// compressibility varies from frame to frame.
pub fn alphabet_data(r: &mut Rng, len: usize) -> Vec<u8> {
    let alphabet = r.next_u64() % 200 + 2;
    (0..len)
        .map(|i| {
            if i % 7 == 0 {
                r.next_u64() as u8
            } else {
                (r.next_u64() % alphabet) as u8
            }
        })
        .collect()
}

/// Highly compressible bytes: a short phrase repeated with rare changes.
pub fn compressible(len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let phrase = b"lz4framed compresses this phrase very well; ";
    let mut v = Vec::with_capacity(len + phrase.len());
    while v.len() < len {
        v.extend_from_slice(phrase);
        if r.chance(64) {
            v.push(r.next_u64() as u8);
        }
    }
    v.truncate(len);
    v
}

/// Text-like bytes (about 2:1) with incompressible patches, so that some
/// blocks compress and others are stored raw, and matches reach back
/// across block boundaries.
pub fn mixed(len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let words: [&[u8]; 12] = [
        b"frame ",
        b"block ",
        b"window ",
        b"lz4 ",
        b"checksum ",
        b"dictionary ",
        b"\n",
        b"content ",
        b"size ",
        b"linked ",
        b"independent ",
        b"skippable ",
    ];
    let mut v = Vec::with_capacity(len + 16);
    while v.len() < len {
        // A random patch of ~70 KiB every ~330 KiB.
        if v.len() % 330_000 > 250_000 {
            let n = 64.min(len - v.len());
            let mut b = [0u8; 64];
            r.fill(&mut b);
            v.extend_from_slice(&b[..n]);
        } else {
            v.extend_from_slice(words[r.below(words.len())]);
            if r.chance(8) {
                v.push(b'0' + r.below(10) as u8);
            }
        }
    }
    v.truncate(len);
    v
}

pub const BLOCK_SIZES: [BlockSize; 4] = [
    BlockSize::Max64KB,
    BlockSize::Max256KB,
    BlockSize::Max1MB,
    BlockSize::Max4MB,
];

/// The 32 combinations of the five boolean frame switches as preferences
/// for one level and block size. `content_size` is `Some(len)` when set.
pub fn flag_combos(level: i32, block_size: BlockSize, len: usize) -> Vec<Preferences> {
    (0..32u32)
        .map(|bits| prefs_from_bits(level, block_size, bits, len))
        .collect()
}

/// Bit 0 linked, 1 block checksum, 2 content checksum, 3 content size, 4 auto-flush.
pub fn prefs_from_bits(level: i32, block_size: BlockSize, bits: u32, len: usize) -> Preferences {
    Preferences::default()
        .with_level(level)
        .with_block_size(block_size)
        .with_block_linked(bits & 1 != 0)
        .with_block_checksum(bits & 2 != 0)
        .with_content_checksum(bits & 4 != 0)
        .with_content_size((bits & 8 != 0).then_some(len as u64))
        .with_auto_flush(bits & 16 != 0)
}

/// Compresses with the streaming encoder: `begin`, updates of random
/// sizes (some empty), a `flush` now and then, `end`. Every output buffer
/// is exactly the bound the API promises, and every call is checked to
/// stay within it (a too-small buffer would make the call fail).
pub fn encode_streaming(
    src: &[u8],
    prefs: &Preferences,
    dict: Option<&[u8]>,
    r: &mut Rng,
) -> Vec<u8> {
    let mut e = match dict {
        Some(d) => Encoder::with_dictionary(prefs, d).unwrap(),
        None => Encoder::new(prefs).unwrap(),
    };
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    let mut out = Vec::new();
    let mut at = 0;
    let max_piece = (prefs.block_size.bytes() * 3 / 2).min(src.len().max(1));
    while at < src.len() {
        let take = if r.chance(20) {
            0
        } else {
            r.piece(max_piece).min(src.len() - at)
        };
        let bound = compress_bound(take, prefs);
        let exact = e.update_bound(take);
        assert!(
            exact <= bound,
            "update_bound {exact} > compress_bound {bound}"
        );
        // Alternate between the exact bound and the general one.
        out.resize(if r.chance(2) { exact } else { bound }, 0xAA);
        let n = e.update(&src[at..at + take], &mut out).unwrap();
        assert!(n <= exact, "update wrote {n} > update_bound {exact}");
        frame.extend_from_slice(&out[..n]);
        at += take;
        if r.chance(6) {
            out.resize(compress_bound(0, prefs), 0xAA);
            let n = e.flush(&mut out).unwrap();
            frame.extend_from_slice(&out[..n]);
        }
    }
    let exact = e.end_bound();
    assert!(exact <= compress_bound(0, prefs));
    out.resize(exact, 0xAA);
    let n = e.end(&mut out).unwrap();
    assert!(n <= exact);
    frame.extend_from_slice(&out[..n]);
    frame
}

/// The result of a chunked decode.
#[derive(Debug)]
pub struct Decoded {
    pub output: Vec<u8>,
    /// The status of every call, for tests of the stop-at-frame-end protocol.
    pub statuses: Vec<Status>,
    pub decoder: Decoder,
}

/// Decodes `src` feeding input pieces and output buffers whose sizes
/// `next_in` / `next_out` choose, declaring the end of input with the last
/// piece. Checks the protocol on the way: consumed/produced within bounds,
/// counters consistent, no call that makes no progress unless it reports
/// a boundary. Returns the first error.
pub fn decode_with(
    src: &[u8],
    mut decoder: Decoder,
    mut next_in: impl FnMut() -> usize,
    mut next_out: impl FnMut() -> usize,
) -> Result<Decoded, Error> {
    let mut output = Vec::new();
    let mut statuses = Vec::new();
    let mut buf = Vec::new();
    let mut ip = 0;
    let mut idle = 0;
    loop {
        let end = (ip + next_in().max(1)).min(src.len());
        buf.resize(next_out().max(1), 0);
        let last = end == src.len();
        let p = decoder.decompress(&src[ip..end], &mut buf, last)?;
        assert!(p.consumed <= end - ip && p.produced <= buf.len());
        ip += p.consumed;
        output.extend_from_slice(&buf[..p.produced]);
        assert_eq!(decoder.input_consumed(), ip as u64);
        assert_eq!(decoder.output_produced(), output.len() as u64);
        statuses.push(p.status);
        match p.status {
            Status::FrameBoundary if ip == src.len() => {
                return Ok(Decoded {
                    output,
                    statuses,
                    decoder,
                });
            }
            Status::NeedInput => assert_eq!(ip, end, "NeedInput with input left"),
            Status::OutputFull => assert!(
                p.produced > 0 || buf.is_empty(),
                "OutputFull without output"
            ),
            Status::FrameBoundary => {}
            Status::SourceFailed => panic!("the push API reads no source"),
            other => panic!("unexpected {other:?}"),
        }
        if p.consumed == 0 && p.produced == 0 && p.status != Status::FrameBoundary {
            idle += 1;
            assert!(idle < 3, "no progress");
        } else {
            idle = 0;
        }
    }
}

/// Streaming decode with random input and output piece sizes up to the
/// given maxima.
pub fn decode_random(
    src: &[u8],
    decoder: Decoder,
    seed: u64,
    max_in: usize,
    max_out: usize,
) -> Result<Decoded, Error> {
    let r = std::cell::RefCell::new(Rng::new(seed));
    decode_with(
        src,
        decoder,
        || r.borrow_mut().piece(max_in),
        || r.borrow_mut().piece(max_out),
    )
}

/// Streaming decode in fixed-size pieces.
pub fn decode_fixed(
    src: &[u8],
    decoder: Decoder,
    in_chunk: usize,
    out_chunk: usize,
) -> Result<Decoded, Error> {
    decode_with(src, decoder, || in_chunk, || out_chunk)
}

/// Finishes decoding `rest` (the input after what `d` consumed) with
/// output buffers of up to `out_chunk` bytes, declaring the end of input;
/// returns the output.
pub fn decode_rest(d: &mut Decoder, rest: &[u8], out_chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; out_chunk.min(rest.len() * 300 + 100)];
    let mut ip = 0;
    loop {
        let p = d.decompress(&rest[ip..], &mut buf, true).unwrap();
        ip += p.consumed;
        out.extend_from_slice(&buf[..p.produced]);
        if p.status == Status::FrameBoundary && ip == rest.len() {
            return out;
        }
    }
}

pub fn decoder_with(options: DecoderOptions, dict: Option<(&[u8], Option<u32>)>) -> Decoder {
    let mut d = Decoder::with_options(options);
    if let Some((bytes, id)) = dict {
        d.set_dictionary(bytes, id);
    }
    d
}

/// A frame header written by hand (magic, FLG, BD, optional content size
/// and dictionary ID, header checksum).
pub fn header(
    linked: bool,
    block_checksum: bool,
    content_checksum: bool,
    block_size_id: u8,
    content_size: Option<u64>,
    dict_id: Option<u32>,
) -> Vec<u8> {
    let mut flg = 0x40u8;
    if !linked {
        flg |= 0x20;
    }
    if block_checksum {
        flg |= 0x10;
    }
    if content_size.is_some() {
        flg |= 0x08;
    }
    if content_checksum {
        flg |= 0x04;
    }
    if dict_id.is_some() {
        flg |= 0x01;
    }
    let mut d = vec![flg, block_size_id << 4];
    if let Some(s) = content_size {
        d.extend_from_slice(&s.to_le_bytes());
    }
    if let Some(id) = dict_id {
        d.extend_from_slice(&id.to_le_bytes());
    }
    let hc = (xxh32(&d) >> 8) as u8;
    d.push(hc);
    let mut v = 0x184D_2204u32.to_le_bytes().to_vec();
    v.extend_from_slice(&d);
    v
}

/// Recomputes the header checksum byte of a hand-edited frame header at
/// the start of `frame` (after the magic); returns the header length.
pub fn fix_header_checksum(frame: &mut [u8]) -> usize {
    let flg = frame[4];
    let len = 3 + if flg & 0x08 != 0 { 8 } else { 0 } + if flg & 0x01 != 0 { 4 } else { 0 };
    let hc = (xxh32(&frame[4..4 + len - 1]) >> 8) as u8;
    frame[4 + len - 1] = hc;
    4 + len
}

pub fn xxh32(data: &[u8]) -> u32 {
    xxhash_rust::xxh32::xxh32(data, 0)
}

/// A block of a frame located by [`blocks`]: offset of its 4-byte header,
/// stored length, whether stored raw.
#[derive(Clone, Copy, Debug)]
pub struct BlockAt {
    pub header_at: usize,
    pub len: usize,
    pub raw: bool,
}

/// Layout of one regular frame starting at `frame[0]`: header length,
/// blocks, offset of the end mark, offset of the content checksum (if
/// any), and the frame's total length.
#[derive(Clone, Debug)]
pub struct Layout {
    pub header_len: usize,
    pub blocks: Vec<BlockAt>,
    pub end_mark_at: usize,
    pub content_checksum_at: Option<usize>,
    pub len: usize,
}

pub fn layout(frame: &[u8]) -> Layout {
    let (info, header_len) = lz4framed::read_frame_info(frame).unwrap().unwrap();
    let mut at = header_len;
    let mut blocks = Vec::new();
    loop {
        let h = u32::from_le_bytes(frame[at..at + 4].try_into().unwrap());
        if h == 0 {
            break;
        }
        let len = (h & 0x7FFF_FFFF) as usize;
        blocks.push(BlockAt {
            header_at: at,
            len,
            raw: h & 0x8000_0000 != 0,
        });
        at += 4 + len + if info.block_checksum { 4 } else { 0 };
    }
    let end_mark_at = at;
    at += 4;
    let content_checksum_at = info.content_checksum.then_some(at);
    if info.content_checksum {
        at += 4;
    }
    Layout {
        header_len,
        blocks,
        end_mark_at,
        content_checksum_at,
        len: at,
    }
}

/// Offsets at which `stream` (a concatenation of frames) may validly end:
/// 0 and every frame end.
pub fn frame_ends(stream: &[u8]) -> Vec<usize> {
    let mut ends = vec![0];
    let mut at = 0;
    while at < stream.len() {
        let magic = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap());
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            at += 8 + u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap()) as usize;
        } else {
            at += layout(&stream[at..]).len;
        }
        ends.push(at);
    }
    ends
}

/// Runs `threads` copies of `worker` in a ring: worker `t` gets its thread
/// number, a sender to worker `t + 1` (mod `threads`) and its own
/// receiver, hands work on through the sender, finishes what it receives,
/// and returns how many handoffs it finished. Once every worker has
/// returned, `drain` finishes the handoffs left in each receiver (joining
/// all first: a receiver dropped early would fail the sends of a worker
/// still running). Returns the handoffs finished in all.
pub fn thread_ring<H: Send>(
    threads: usize,
    worker: impl Fn(usize, mpsc::Sender<H>, &mpsc::Receiver<H>) -> usize + Sync,
    mut drain: impl FnMut(&mpsc::Receiver<H>) -> usize,
) -> usize {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..threads).map(|_| mpsc::channel::<H>()).unzip();
    let worker = &worker;
    let joined: Vec<(mpsc::Receiver<H>, usize)> = thread::scope(move |s| {
        let handles: Vec<_> = receivers
            .into_iter()
            .enumerate()
            .map(|(t, rx)| {
                let next = senders[(t + 1) % threads].clone();
                s.spawn(move || {
                    let n = worker(t, next, &rx);
                    (rx, n)
                })
            })
            .collect();
        drop(senders);
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    joined.iter().map(|(rx, n)| n + drain(rx)).sum()
}
