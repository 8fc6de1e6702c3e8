//! The checks behind the fuzz targets.
//!
//! This file is also compiled into `tests/fuzz_corpus.rs` (by path), so a
//! corpus or regression file means exactly the same thing to `cargo test`
//! as to the fuzzer. It therefore depends only on what the main crate's
//! tests have too: `lz4framed`, `xxhash-rust` and `lz4framed-testkit` (the
//! shared random generator, and the LZ4F decoder of the bundled liblz4).
//!
//! Every input starts with [`CONFIG_LEN`] bytes of configuration (flags and
//! the seed of the chunking choices), followed by the body the target works
//! on. Seeds are made by prefixing valid frames or state blobs with a
//! configuration; mutating the prefix explores other chunkings and options
//! of the same stream.

use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Encoder, Error, Preferences, Status, compress,
    compress_bound, compress_with_dictionary,
};
use lz4framed_testkit::Rng;
use lz4framed_testkit::liblz4::Lz4fDecoder;
use std::io::Read;

/// Bytes of configuration in front of every input.
pub const CONFIG_LEN: usize = 8;
/// The dictionary ID the fixed dictionary is declared with.
pub const DICT_ID: u32 = 0x00D1_C7ED;
/// Decoding stops comparing after this much output: a hostile 200 kB input
/// can expand to 50 MB, which only slows the fuzzer down.
pub const OUTPUT_LIMIT: usize = 16 << 20;

/// Splits an input into its configuration (zero-padded) and its body.
pub fn split(data: &[u8]) -> ([u8; CONFIG_LEN], &[u8]) {
    let n = data.len().min(CONFIG_LEN);
    let mut config = [0u8; CONFIG_LEN];
    config[..n].copy_from_slice(&data[..n]);
    (config, &data[n..])
}

/// A size in 1..=max, mostly tiny (the edge cases live there), often
/// mid-sized, sometimes as large as allowed. Every chunking choice of the
/// targets goes through it: what a committed input means depends on it.
pub fn size(c: &mut Rng, max: usize) -> usize {
    let max = max.max(1);
    match c.below(8) {
        0..=3 => 1 + c.below(16.min(max)),
        4..=6 => 1 + c.below(70_000.min(max)),
        _ => max,
    }
}

/// A fixed dictionary (some text-like bytes) used by every target.
pub fn dictionary() -> &'static [u8] {
    static DICT: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    DICT.get_or_init(make_dictionary)
}

fn make_dictionary() -> Vec<u8> {
    let words: [&[u8]; 8] = [
        b"frame ",
        b"block ",
        b"lz4 ",
        b"window ",
        b"checksum ",
        b"resume ",
        b"0123 ",
        b"\n",
    ];
    let mut c = Rng::from_bytes(b"dictionary");
    let mut d = Vec::with_capacity(20_000);
    while d.len() < 20_000 {
        d.extend_from_slice(words[c.below(words.len())]);
    }
    d
}

/// The most buffer memory a decoder may hold for frames whose blocks
/// decode to at most `max_block` bytes (the documented bound).
pub fn memory_bound(max_block: usize) -> usize {
    max_block + 65536 + max_block / 256 + 36
}

/// What a decoder with `workers` threads may hold beyond
/// [`memory_bound`] (the documented bound): `2 × workers + 5` segments of
/// gathered input and decoded output, and the checksum thread's queue.
pub fn workers_memory(max_block: usize, workers: usize) -> usize {
    if workers == 0 {
        return 0;
    }
    let segment = (1 << 20) + max_block + 65536;
    (2 * workers + 5) * 2 * segment + (8 << 20) + max_block
}

/// The largest block of any frame kind: legacy frames use 8 MiB.
const LARGEST_BLOCK: usize = 8 << 20;

/// What decoding a stream gave.
#[derive(Debug)]
pub struct Outcome {
    pub output: Vec<u8>,
    pub result: Result<(), Error>,
    /// Stopped at [`OUTPUT_LIMIT`]; `result` is then `Ok` but means nothing.
    pub capped: bool,
}

/// Decodes all of `input` with `d`, taking (input piece, output room)
/// sizes from `sizes`, and checks on every call what the API promises:
/// bounds of consumed/produced, counters, statuses, sticky errors, the
/// memory bound, and progress.
pub fn drive(d: &mut Decoder, input: &[u8], mut sizes: impl FnMut() -> (usize, usize)) -> Outcome {
    SCRATCH.with_borrow_mut(|buf| drive_with(d, input, &mut sizes, buf))
}

thread_local! {
    /// Output room reused between runs: zeroing megabytes for every input
    /// would cost more than decoding it.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn drive_with(
    d: &mut Decoder,
    input: &[u8],
    sizes: &mut impl FnMut() -> (usize, usize),
    buf: &mut Vec<u8>,
) -> Outcome {
    let dict_len = d.memory_usage();
    let mut output = Vec::new();
    let mut ip = 0;
    let mut stalls = 0;
    loop {
        let (i, o) = sizes();
        let end = ip + i.min(input.len() - ip);
        let room = o.max(1);
        if buf.len() < room {
            buf.resize(room, 0);
        }
        let eoi = end == input.len();
        let (in_before, out_before) = (d.input_consumed(), d.output_produced());
        let result = d.decompress(&input[ip..end], &mut buf[..room], eoi);
        // Within the first frame the bound follows its block size; later
        // frames may have been larger blocks seen only inside one call.
        let workers = d.options().workers as usize;
        let limit = match (d.frames_done(), d.frame_info()) {
            (0, Some(f)) => {
                memory_bound(f.max_block_bytes()) + workers_memory(f.max_block_bytes(), workers)
            }
            (0, None) => workers_memory(LARGEST_BLOCK, workers),
            _ => memory_bound(LARGEST_BLOCK) + workers_memory(LARGEST_BLOCK, workers),
        };
        assert!(
            d.memory_usage() <= limit + dict_len,
            "decoder holds {} bytes, bound {limit} + dictionary {dict_len}",
            d.memory_usage()
        );
        let p = match result {
            Ok(p) => p,
            Err(e) => {
                assert_eq!(d.failed(), Some(e), "an error must stick");
                assert_eq!(d.decompress(&[], &mut buf[..1], true), Err(e));
                return Outcome {
                    output,
                    result: Err(e),
                    capped: false,
                };
            }
        };
        assert!(p.consumed <= end - ip && p.produced <= room, "{p:?}");
        assert_eq!(d.input_consumed(), in_before + p.consumed as u64);
        assert_eq!(d.output_produced(), out_before + p.produced as u64);
        match p.status {
            Status::NeedInput => {
                assert_eq!(p.consumed, end - ip, "NeedInput with input left");
                assert!(!eoi, "NeedInput after the end of input was declared");
            }
            Status::OutputFull => assert_eq!(p.produced, room, "OutputFull with room left"),
            Status::FrameBoundary => {
                if !d.options().stop_at_frame_end {
                    assert_eq!(p.consumed, end - ip, "FrameBoundary with input left");
                }
                // With stop-at-frame-end it also reports each frame's end,
                // even where the next frame's magic was already read.
                assert!(
                    d.input_may_end() || d.options().stop_at_frame_end,
                    "FrameBoundary where the input may not end"
                );
            }
            Status::SourceFailed => panic!("the push API reads no source"),
            other => panic!("unexpected {other:?}"),
        }
        output.extend_from_slice(&buf[..p.produced]);
        ip += p.consumed;
        if p.status == Status::FrameBoundary && eoi && ip == input.len() {
            return Outcome {
                output,
                result: Ok(()),
                capped: false,
            };
        }
        if output.len() > OUTPUT_LIMIT {
            return Outcome {
                output,
                result: Ok(()),
                capped: true,
            };
        }
        // A call that moves nothing is allowed once in a while (e.g. a
        // legacy frame end stopping before the next magic) but never twice
        // in a row with input and room available.
        if p.consumed == 0 && p.produced == 0 {
            stalls += 1;
            assert!(stalls < 3, "no progress at input {ip}: {p:?}");
        } else {
            stalls = 0;
        }
    }
}

/// Two decodings of one stream agree: same verdict, same output (up to
/// the shorter one when either stopped at the output limit).
pub fn assert_same(a: &Outcome, b: &Outcome, what: &str) {
    if a.capped || b.capped {
        let n = a.output.len().min(b.output.len());
        assert!(a.output[..n] == b.output[..n], "{what}: outputs differ");
        return;
    }
    assert_eq!(a.result, b.result, "{what}: verdicts differ");
    if a.result.is_ok() {
        assert!(a.output == b.output, "{what}: outputs differ");
    }
}

/// The decoder options and dictionary a configuration byte selects.
fn configured_decoder(flags: u8, dict: &[u8]) -> Decoder {
    let mut d = Decoder::with_options(
        DecoderOptions::default()
            .with_verify_checksums(flags & 1 == 0)
            .with_stop_at_frame_end(flags & 2 != 0),
    );
    match (flags >> 2) & 3 {
        0 => {}
        1 => d.set_dictionary(dict, None),
        2 => d.set_dictionary(dict, Some(DICT_ID)),
        _ => d.set_dictionary(dict, Some(DICT_ID ^ 1)),
    }
    d
}

/// Target `decode`: any bytes, decoded in random pieces into random output
/// room, must never panic, must keep every API promise, and must give the
/// same verdict and output as decoding the whole input at once.
pub fn check_decode(data: &[u8]) {
    let (config, body) = split(data);
    let dict = dictionary();
    let mut c = Rng::from_bytes(&config[1..]);
    let mut d = configured_decoder(config[0], dict);
    let chunked = drive(&mut d, body, || {
        (size(&mut c, body.len()), size(&mut c, 1 << 20))
    });
    let mut d = configured_decoder(config[0], dict);
    let whole = drive(&mut d, body, || (usize::MAX, 4 << 20));
    assert_same(&chunked, &whole, "chunked vs whole");
}

/// Target `parallel`: any bytes decoded by a decoder with 1 to 4 workers
/// (configuration byte 0, bits 4–5) give the verdict and output of the
/// decoder without workers fed the same pieces; a clone taken after a few
/// calls and continued without workers, and a decoder restored from the
/// blob marshalled there, end the same way.
pub fn check_parallel(data: &[u8]) {
    let (config, body) = split(data);
    let dict = dictionary();
    let workers = 1 + u32::from((config[0] >> 4) & 3);
    let pieces = |config: &[u8]| {
        let mut c = Rng::from_bytes(&config[1..]);
        move || (size(&mut c, body.len()), size(&mut c, 1 << 20))
    };
    let mut d = configured_decoder(config[0], dict);
    let sequential = drive(&mut d, body, pieces(&config));
    let mut p = configured_decoder(config[0], dict);
    p.set_workers(workers).expect("a valid worker count");
    let parallel = drive(&mut p, body, pieces(&config));
    assert_same(&parallel, &sequential, "workers vs none");
    if sequential.capped {
        return;
    }
    // Hop: a few calls with workers, then clone and marshal there.
    let mut p = configured_decoder(config[0], dict);
    p.set_workers(workers).expect("a valid worker count");
    let mut sizes = pieces(&config);
    let (mut ip, mut out) = (0usize, Vec::new());
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..(config[7] % 4) {
        let (i, o) = sizes();
        let end = ip + i.min(body.len() - ip);
        match p.decompress(
            &body[ip..end],
            &mut buf[..o.clamp(1, 1 << 20)],
            end == body.len(),
        ) {
            Ok(step) => {
                out.extend_from_slice(&buf[..step.produced]);
                ip += step.consumed;
            }
            Err(_) => return,
        }
    }
    let mut clone = p.clone();
    clone.set_workers(0).expect("0 workers");
    let mut rest = drive(&mut clone, &body[ip..], pieces(&config));
    rest.output.splice(..0, out.iter().copied());
    assert_same(&rest, &sequential, "clone continued without workers");
    let Ok(blob) = p.marshal() else { return };
    let given = (config[0] >> 2) & 3 != 0;
    let restored = Decoder::unmarshal(&blob, given.then_some(dict));
    let mut restored = restored.expect("a blob of a working decoder restores");
    assert_eq!(restored.output_produced(), p.output_produced());
    let at = usize::try_from(restored.input_consumed()).expect("in range");
    assert!(
        at <= ip,
        "the state resumes at {at}, beyond the {ip} bytes consumed"
    );
    let mut rest = drive(&mut restored, &body[at..], pieces(&config));
    rest.output
        .splice(..0, out[..p.output_produced() as usize].iter().copied());
    assert_same(&rest, &sequential, "restored state continued");
}

/// Rewrites a blob's length field and checksum so that a mutated blob gets
/// past the envelope and reaches the field checks.
fn seal(blob: &mut [u8]) {
    if blob.len() < 20 {
        return;
    }
    let len = blob.len() as u32;
    blob[8..12].copy_from_slice(&len.to_le_bytes());
    let body = blob.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&blob[..body]);
    blob[body..].copy_from_slice(&sum.to_le_bytes());
}

/// Target `unmarshal`: body = blob length (u16 LE), blob, then stream
/// bytes. Any blob is refused cleanly or gives a decoder that keeps every
/// promise on any further input, marshals back to the same blob, and
/// agrees with a copy of itself made by marshal/unmarshal and by clone.
/// Configuration byte 0: bit 0 seals the blob (fixes its length and
/// checksum), bit 1 passes the dictionary.
pub fn check_unmarshal(data: &[u8]) {
    let (config, body) = split(data);
    if body.len() < 2 {
        return;
    }
    let blob_len = usize::from(u16::from_le_bytes([body[0], body[1]])).min(body.len() - 2);
    let mut blob = body[2..2 + blob_len].to_vec();
    let rest = &body[2 + blob_len..];
    if config[0] & 1 != 0 {
        seal(&mut blob);
    }
    let dict = (config[0] & 2 != 0).then_some(dictionary());
    let Ok(mut d) = Decoder::unmarshal(&blob, dict) else {
        return;
    };
    let again = d.marshal().expect("an unmarshalled decoder marshals");
    assert!(again == blob, "marshal(unmarshal(blob)) != blob");
    assert_eq!(d.marshal_size(), Ok(blob.len()));
    let mut twin = Decoder::unmarshal(&again, dict).expect("its own blob unmarshals");
    let mut clone = d.clone();
    let mut c = Rng::from_bytes(&config[1..]);
    let first = drive(&mut d, rest, || {
        (size(&mut c, rest.len()), size(&mut c, 1 << 20))
    });
    let second = drive(&mut twin, rest, || (usize::MAX, 4 << 20));
    assert_same(&first, &second, "unmarshalled vs its twin");
    let third = drive(&mut clone, rest, || (usize::MAX, 4093));
    assert_same(&first, &third, "unmarshalled vs its clone");
}

/// Preferences from two configuration bytes.
fn preferences(level: u8, flags: u8) -> Preferences {
    Preferences::default()
        .with_level(i32::from(level % 16) - 3)
        .with_block_size(BlockSize::from_id(4 + (flags & 3)).expect("ids 4..=7 exist"))
        .with_block_linked(flags & 4 != 0)
        .with_block_checksum(flags & 8 != 0)
        .with_content_checksum(flags & 16 != 0)
        .with_content_size((flags & 32 != 0).then_some(0))
        .with_auto_flush(level & 16 != 0)
        .with_favor_dec_speed(level & 32 != 0)
        .with_dict_id(None)
}

/// Compresses with the streaming encoder in random pieces and flushes.
fn compress_streaming(data: &[u8], p: &Preferences, dict: Option<&[u8]>, c: &mut Rng) -> Vec<u8> {
    let mut e = match dict {
        Some(dict) => Encoder::with_dictionary(p, dict),
        None => Encoder::new(p),
    }
    .expect("valid preferences");
    if p.content_size.is_some() {
        e.set_content_size(Some(data.len() as u64))
            .expect("before begin");
    }
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).expect("room for a header");
    frame.truncate(n);
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let take = size(c, data.len() - at);
        out.resize(compress_bound(take, p), 0);
        let n = e
            .update(&data[at..at + take], &mut out)
            .expect("bound suffices");
        frame.extend_from_slice(&out[..n]);
        at += take;
        if c.below(8) == 0 {
            out.resize(compress_bound(0, p), 0);
            let n = e.flush(&mut out).expect("bound suffices");
            frame.extend_from_slice(&out[..n]);
        }
    }
    out.resize(compress_bound(0, p), 0);
    let n = e.end(&mut out).expect("bound suffices");
    frame.extend_from_slice(&out[..n]);
    frame
}

/// A source that gives at most `left` bytes of `data` in random reads and
/// then ends, or fails.
struct Stopping<'a> {
    data: &'a [u8],
    left: usize,
    fail: bool,
    reads: Rng,
}

impl Read for Stopping<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left).min(self.data.len());
        if n == 0 && self.fail {
            return Err(std::io::Error::other("connection dropped"));
        }
        let n = n.min(size(&mut self.reads, n.max(1)));
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.left -= n;
        Ok(n)
    }
}

/// Target `roundtrip`: configuration bytes 0..3 choose the preferences,
/// streaming or one-shot compression and a dictionary; the body is the
/// data. The frame decodes to the data exactly, also when the decoding
/// hops through clones, marshal/unmarshal and sources that stop early.
pub fn check_roundtrip(data: &[u8]) {
    let (config, body) = split(data);
    let mut p = preferences(config[0], config[1]);
    let mut c = Rng::from_bytes(&config[3..]);
    let dict = (config[2] & 1 != 0).then_some(dictionary());
    if dict.is_some() && config[2] & 2 != 0 {
        p.dict_id = Some(DICT_ID);
    }
    let frame = if config[2] & 4 != 0 {
        compress_streaming(body, &p, dict, &mut c)
    } else {
        match dict {
            Some(dict) => compress_with_dictionary(body, &p, dict),
            None => compress(body, &p),
        }
        .expect("compresses")
    };
    let mut d = Decoder::new();
    if let Some(dict) = dict {
        d.set_dictionary(dict, p.dict_id);
    }
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        let ip = d.input_consumed() as usize;
        assert_eq!(d.output_produced() as usize, out.len());
        let room = size(&mut c, 1 << 20);
        buf.resize(room, 0);
        match c.below(8) {
            0 => {
                // A clone takes the same step; either goes on.
                let mut twin = d.clone();
                let end = ip + size(&mut c, frame.len() - ip).min(frame.len() - ip);
                let eoi = end == frame.len();
                let a = d
                    .decompress(&frame[ip..end], &mut buf, eoi)
                    .expect("valid frame");
                let mut other = vec![0u8; room];
                let b = twin
                    .decompress(&frame[ip..end], &mut other, eoi)
                    .expect("valid frame");
                assert_eq!(a, b, "a clone steps differently");
                assert!(
                    buf[..a.produced] == other[..b.produced],
                    "a clone decodes differently"
                );
                if c.below(2) == 0 {
                    d = twin;
                }
                out.extend_from_slice(&buf[..a.produced]);
                if a.status == Status::FrameBoundary && end == frame.len() {
                    break;
                }
            }
            1 => {
                let blob = d.marshal().expect("a working decoder marshals");
                assert_eq!(d.marshal_size(), Ok(blob.len()));
                d = Decoder::unmarshal(&blob, dict).expect("its own blob unmarshals");
            }
            2 => {
                let mut source = Stopping {
                    data: &frame[ip..],
                    left: size(&mut c, frame.len() - ip + 1) - 1,
                    fail: c.below(2) == 0,
                    reads: Rng::new(c.next_u64()),
                };
                // A failing source is reported in the call where it failed,
                // with that call's output counted and nothing read lost.
                let p = d.read_from(&mut source, &mut buf).expect("valid frame");
                out.extend_from_slice(&buf[..p.produced]);
                assert_eq!(d.input_consumed() as usize, ip + p.consumed);
                assert_eq!(d.failed(), None, "a source failure is not sticky");
                if p.status == Status::SourceFailed {
                    assert!(source.fail, "only a failing source fails");
                }
            }
            _ => {
                let end = ip + size(&mut c, frame.len() - ip).min(frame.len() - ip);
                let eoi = end == frame.len();
                let p = d
                    .decompress(&frame[ip..end], &mut buf, eoi)
                    .expect("valid frame");
                out.extend_from_slice(&buf[..p.produced]);
                if p.status == Status::FrameBoundary && end == frame.len() && eoi {
                    break;
                }
            }
        }
    }
    assert_eq!(out.len(), body.len(), "decoded length");
    assert!(out == body, "decoded bytes differ from the data");
}

/// Decodes with liblz4's frame decoder: all frames, the whole input at
/// once, `Err(())` for an error or a stream that ends inside a frame.
fn lz4f_decode(input: &[u8], dict: Option<&[u8]>) -> Result<Vec<u8>, ()> {
    let mut d = match dict {
        Some(dict) => Lz4fDecoder::with_dictionary(dict),
        None => Lz4fDecoder::new(),
    };
    let mut out = Vec::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut ip = 0;
    loop {
        if input.is_empty() {
            return Ok(out);
        }
        let step = d.decompress(&input[ip..], &mut buf).map_err(|_| ())?;
        ip += step.consumed;
        out.extend_from_slice(&buf[..step.produced]);
        // 0: a frame ended with all its output delivered.
        if (step.hint == 0 && ip == input.len()) || out.len() > OUTPUT_LIMIT {
            return Ok(out);
        }
        if step.consumed == 0 && step.produced == 0 {
            // Nothing moves any more: the input ended inside a frame.
            return Err(());
        }
    }
}

/// Where the first legacy frame starts, following frames as our decoder
/// sees them (liblz4's frame API does not read legacy frames).
fn first_legacy_frame(input: &[u8], dict: Option<&[u8]>) -> Option<usize> {
    let mut d = Decoder::with_options(
        DecoderOptions::default()
            .with_verify_checksums(true)
            .with_stop_at_frame_end(true),
    );
    if let Some(dict) = dict {
        d.set_dictionary(dict, None);
    }
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let at = d.input_consumed() as usize;
        if input.len() - at >= 4 && input[at..at + 4] == 0x184C_2102u32.to_le_bytes() {
            return Some(at);
        }
        if d.output_produced() as usize > OUTPUT_LIMIT {
            return None;
        }
        let frames = d.frames_done();
        // Run to the end of this frame (or the input, or an error).
        loop {
            let at = d.input_consumed() as usize;
            match d.decompress(&input[at..], &mut buf, true) {
                Err(_) => return None,
                Ok(p) if p.status == Status::FrameBoundary => break,
                Ok(_) if d.output_produced() as usize > OUTPUT_LIMIT => return None,
                Ok(_) => {}
            }
        }
        if d.frames_done() == frames || d.input_consumed() as usize == input.len() {
            return None;
        }
    }
}

/// Target `differential`: our decoder and liblz4's `LZ4F_decompress` on the
/// same bytes (configuration byte 0 bit 0: both with the fixed dictionary)
/// reach the same verdict, and on success the same output.
///
/// "Same" leaves out, by design:
/// - output before an error (liblz4 hands out blocks before a later check
///   fails; our caller is told not to trust output of a failed call);
/// - legacy frames: liblz4's frame API refuses them, we decode them like
///   the `lz4` tool, so the comparison stops where the first one starts;
/// - a declared content size of 0: liblz4 reads it as "unknown" and checks
///   nothing, we hold the frame to it (`ContentSize` when it has data);
/// - a dictionary ID without a dictionary: liblz4 ignores the ID, we refuse
///   the frame (`DictionaryRequired`) rather than decode it wrongly.
pub fn check_differential(data: &[u8]) {
    let (config, body) = split(data);
    let dict = (config[0] & 1 != 0).then_some(dictionary());
    let input = match first_legacy_frame(body, dict) {
        Some(at) => &body[..at],
        None => body,
    };
    let mut d = Decoder::new();
    if let Some(dict) = dict {
        d.set_dictionary(dict, None);
    }
    let ours = drive(&mut d, input, || (usize::MAX, 1 << 20));
    let theirs = lz4f_decode(input, dict);
    if ours.capped || theirs.as_ref().is_ok_and(|t| t.len() > OUTPUT_LIMIT) {
        if let Ok(t) = &theirs {
            let n = t.len().min(ours.output.len());
            assert!(
                t[..n] == ours.output[..n],
                "outputs differ before the limit"
            );
        }
        return;
    }
    match (&ours.result, &theirs) {
        (Ok(()), Ok(t)) => assert!(&ours.output == t, "both succeed with different output"),
        (Err(_), Err(())) => {}
        (Err(Error::ContentSize), Ok(_))
            if d.frame_info().and_then(|f| f.content_size) == Some(0) => {}
        (Err(Error::DictionaryRequired), Ok(_)) if dict.is_none() => {}
        (Err(e), Ok(_)) => panic!("we fail with {e:?}, liblz4 succeeds"),
        (Ok(()), Err(())) => panic!("we succeed, liblz4 fails"),
    }
}

// ------------------------------------------------------------------ seek

use lz4framed::seek::{Checkpoint, FileBinding, IndexEntry, PointKind, SeekIndex, SeekTable, scan};

/// Target `seek`: the body is offered as a seek table frame, as the tail
/// of a longer file ending with a table, as a sidecar index, and as a
/// `.lz4` file to scan. Config bytes 0..3: how many bytes the file has
/// before the body (the tail case); byte 3: restart spacing in 4 KiB.
///
/// Nothing may panic or allocate beyond the input's size; what parses
/// writes back to the same bytes and is consistent; a scanned file gets a
/// table and an index that parse back; when the scanner and the decoder
/// both accept a file, they agree on its decompressed size.
pub fn check_seek(data: &[u8]) {
    let (config, body) = split(data);
    let before = u64::from(u32::from_le_bytes([config[0], config[1], config[2], 0]));
    let spacing = u64::from(config[3]) << 12;

    if let Ok(t) = SeekTable::from_frame(body) {
        assert_eq!(t.to_frame(), body, "an accepted table is canonical");
        check_table(&t);
    }
    let size = body.len() as u64 + before;
    match SeekTable::from_file_tail(body, size) {
        Ok(t) => {
            assert_eq!(t.compressed_total() + t.frame_len() as u64, size);
            check_table(&t);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    if before == 0 {
        let direct = SeekTable::from_file(body).ok();
        let read = SeekTable::read_from(&mut std::io::Cursor::new(body)).ok();
        assert_eq!(direct, read, "reading a file finds what parsing it does");
    }

    if let Ok(index) = SeekIndex::from_bytes(body) {
        assert_eq!(index.to_bytes(), body, "an accepted index is canonical");
        for e in index.entries() {
            let cp = e.checkpoint().expect("a validated checkpoint decodes");
            assert_eq!(cp.is_some(), e.kind() == PointKind::Checkpoint);
        }
        if index.decompressed_total() > 0 {
            let p = index
                .restart_before(index.decompressed_total() - 1)
                .unwrap();
            assert!(p.decompressed_offset < index.decompressed_total());
        }
    }

    if let Ok(frames) = scan(body) {
        let total: u64 = frames.iter().map(|f| f.decompressed_len).sum();
        let table = SeekTable::from_scan(&frames, spacing).expect("a scanned file has a table");
        assert_eq!(table.compressed_total(), body.len() as u64);
        assert_eq!(table.decompressed_total(), total);
        let file = [body, &table.to_frame()].concat();
        assert_eq!(SeekTable::from_file(&file).as_ref(), Ok(&table));
        let binding = FileBinding::of_file(body);
        if !body.is_empty() {
            let index = SeekIndex::from_scan(&frames, binding, spacing).expect("and an index");
            assert_eq!(
                SeekIndex::from_bytes_for(&index.to_bytes(), &binding).as_ref(),
                Ok(&index)
            );
        }
        if total <= OUTPUT_LIMIT as u64 {
            if let Ok(out) = lz4framed::decompress(body) {
                assert_eq!(out.len() as u64, total, "scanner and decoder disagree");
            }
        }
    }
}

/// Points strictly advance in the file, never go back in the output, and
/// every position has a restart point at or before it.
fn check_table(t: &SeekTable) {
    let mut last: Option<(u64, u64)> = None;
    for p in t.points() {
        if let Some((c, d)) = last {
            assert!(p.compressed_offset > c && p.decompressed_offset >= d);
        }
        last = Some((p.compressed_offset, p.decompressed_offset));
    }
    if t.decompressed_total() > 0 {
        let p = t.restart_before(t.decompressed_total() - 1).unwrap();
        assert!(p.kind.is_restart());
    }
}

/// The seed inputs of target `seek` (name, input): tables, files with a
/// table, indexes with checkpoints, and small frames of every kind to scan.
pub fn seek_seeds() -> Vec<(String, Vec<u8>)> {
    let text = |len: usize, seed: u64| -> Vec<u8> {
        let mut r = Rng::new(seed);
        // Compressible (small seeds) but never quite repeating.
        let mut v = Vec::new();
        while v.len() < len {
            v.extend_from_slice(b"a seek table lists the restart points of a frame\n");
            if r.chance(4) {
                v.push(b'0' + r.below(10) as u8);
            }
        }
        v.truncate(len);
        v
    };
    let with = |config: [u8; CONFIG_LEN], body: &[u8]| [&config[..], body].concat();
    let mut seeds = Vec::new();

    // Tables on their own.
    let mut t = SeekTable::new();
    t.push(PointKind::Frame, 1000, 4000).unwrap();
    t.push(PointKind::Block, 900, 65536).unwrap();
    t.push(PointKind::LinkedReset, 5000, 65536).unwrap();
    t.push(PointKind::Frame, 12, 0).unwrap();
    seeds.push(("table-kinds".to_string(), with([0; 8], &t.to_frame())));
    let mut big = SeekTable::new();
    big.push(PointKind::Frame, 3 << 30, 8 << 30).unwrap();
    seeds.push(("table-continue".to_string(), with([0; 8], &big.to_frame())));
    seeds.push((
        "table-empty".to_string(),
        with([0; 8], &SeekTable::new().to_frame()),
    ));
    // As the tail of a file with the bytes the table covers before it.
    let covered = t.compressed_total().to_le_bytes();
    let config = [covered[0], covered[1], covered[2], 0, 0, 0, 0, 0];
    seeds.push(("table-tail".to_string(), with(config, &t.to_frame())));

    // Files to scan, and the same with their table appended.
    let data = text(200_000, 1);
    let prefs = [
        (
            "independent-64k",
            Preferences::default().with_block_linked(false),
        ),
        (
            "independent-256k-checksums",
            Preferences::default()
                .with_block_linked(false)
                .with_block_size(BlockSize::Max256KB)
                .with_block_checksum(true)
                .with_content_checksum(true)
                .with_content_size(Some(200_000)),
        ),
        ("linked-64k", Preferences::default()),
        ("linked-hc", Preferences::default().with_level(9)),
    ];
    let mut all = Vec::new();
    for (name, p) in prefs {
        let file = compress(&data, &p).unwrap();
        let frames = scan(&file).unwrap();
        seeds.push((
            format!("scan-{name}"),
            with([0, 0, 0, 16, 0, 0, 0, 0], &file),
        ));
        let table = SeekTable::from_scan(&frames, 0).unwrap();
        seeds.push((
            format!("file-with-table-{name}"),
            with([0; 8], &[&file[..], &table.to_frame()].concat()),
        ));
        let index = SeekIndex::from_scan(&frames, FileBinding::of_file(&file), 0).unwrap();
        seeds.push((format!("index-{name}"), with([0; 8], &index.to_bytes())));
        all.extend_from_slice(&file);
    }
    // Concatenated with a skippable frame and a legacy frame, and raw blocks.
    all.extend_from_slice(&lz4framed_testkit::skippable(5, b"skipped"));
    all.extend_from_slice(&lz4framed_testkit::legacy_frame(&[
        &data[..30_000],
        &data[30_000..40_000],
    ]));
    let noise: Vec<u8> = {
        let mut r = Rng::new(2);
        (0..3000).map(|_| r.next_u64() as u8).collect()
    };
    all.extend_from_slice(&compress(&noise, &Preferences::default()).unwrap());
    seeds.push(("scan-concatenated".to_string(), with([0; 8], &all)));
    let frames = scan(&all).unwrap();
    let table = SeekTable::from_scan(&frames, 0).unwrap();
    seeds.push((
        "file-with-table-concatenated".to_string(),
        with([0; 8], &[&all[..], &table.to_frame()].concat()),
    ));

    // An index with checkpoints of both kinds (small windows: small seeds),
    // bound to a made-up file.
    let binding = FileBinding {
        file_size: 40_000,
        prefix_hash: 0x0123_4567_89AB_CDEF,
    };
    let entries = vec![
        IndexEntry::new(PointKind::Frame, 0, 0),
        IndexEntry::with_checkpoint(
            5000,
            50_000,
            &Checkpoint::Window(data[60_000..65_536].to_vec()),
        ),
        IndexEntry::with_checkpoint(9000, 100_000, &Checkpoint::Window(noise[..3000].to_vec())),
        IndexEntry::with_checkpoint(20_000, 150_000, &Checkpoint::Opaque(b"state".to_vec())),
        IndexEntry::new(PointKind::LinkedReset, 30_000, 180_000),
    ];
    let index = SeekIndex::new(binding, 200_000, entries).unwrap();
    let index = index.to_bytes();
    seeds.push(("index-checkpoints".to_string(), with([0; 8], &index)));

    // Near misses: one flipped bit, one cut, one lying count.
    let mut flipped = t.to_frame();
    flipped[13] ^= 4;
    seeds.push(("table-kinds-flipped".to_string(), with([0; 8], &flipped)));
    seeds.push((
        "index-checkpoints-cut".to_string(),
        with([0; 8], &index[..index.len() - 100]),
    ));
    let mut lying = t.to_frame();
    let at = lying.len() - 16;
    lying[at] += 1;
    seeds.push(("table-kinds-count".to_string(), with([0; 8], &lying)));
    seeds
}

/// Whether some parser of target `seek` accepts the body of `data` (the
/// seeds must reach past the first checks, or the target tests little).
pub fn seek_accepts(data: &[u8]) -> bool {
    let (config, body) = split(data);
    let before = u64::from(u32::from_le_bytes([config[0], config[1], config[2], 0]));
    SeekTable::from_frame(body).is_ok()
        || SeekTable::from_file_tail(body, body.len() as u64 + before).is_ok()
        || SeekIndex::from_bytes(body).is_ok()
        || (!body.is_empty() && scan(body).is_ok())
}

use lz4framed::seek::SeekableReader;

/// Target `seek_read`: random reads through a [`SeekableReader`] over a
/// file and an index that may both be damaged. Config byte 0 (mod 3)
/// chooses the body's meaning: 0, a `.lz4` file (the reader takes its seek
/// table, or builds an index with the span of bytes 1..3 in KiB); 1, a
/// 4-byte index length, the index bytes as given, then the file; 2, the
/// same with the index's checksum and binding rewritten to fit the file, so
/// that mutations reach the reader instead of stopping at validation.
/// Bytes 4..8 seed the reads.
///
/// Nothing may panic, hang or allocate beyond the input's size; every read
/// returns `min(len, size - offset)` bytes or an error; in modes 0 and 1,
/// when the whole file decodes, every read that succeeds returns exactly
/// its bytes. (Mode 2 may forge a checkpoint's window, which the reader
/// trusts as far as its checksum: bytes are only checked there to have
/// the right count.)
pub fn check_seek_read(data: &[u8]) {
    let (config, body) = split(data);
    let mode = config[0] % 3;
    let span = (u64::from(u16::from_le_bytes([config[1], config[2]])) << 10).max(1 << 10);
    let mut r = Rng::from_bytes(&config[4..8]);
    let (file, reader) = match mode {
        0 if config[3] & 1 == 1 => (body, SeekableReader::build(body, span).ok()),
        0 => (body, SeekableReader::open(body).ok()),
        _ => {
            let Some(len) = body.get(..4) else { return };
            let len = u32::from_le_bytes(len.try_into().unwrap()) as usize;
            let Some(index) = body.get(4..4usize.saturating_add(len)) else {
                return;
            };
            let file = &body[4 + len..];
            let mut index = index.to_vec();
            if mode == 2 {
                reseal_index_for(&mut index, file);
            }
            (file, SeekableReader::with_index_bytes(file, &index).ok())
        }
    };
    let Some(reader) = reader else { return };
    let whole = if mode < 2 && reader.len() <= OUTPUT_LIMIT as u64 {
        lz4framed::decompress(file).ok()
    } else {
        None
    };
    if let Some(w) = &whole {
        assert_eq!(
            w.len() as u64,
            reader.len(),
            "the table or index passed for a file it does not fit"
        );
    }
    let size = reader.len();
    let mut buf = vec![0u8; 70_000];
    for _ in 0..8 {
        let offset = r.next_u64() % size.saturating_add(2).max(1);
        let len = r.below(buf.len());
        if let Ok(n) = reader.read_at(offset, &mut buf[..len]) {
            let want = (len as u64).min(size.saturating_sub(offset)) as usize;
            assert_eq!(n, want, "a read at {offset} of {len} bytes");
            if let Some(w) = &whole {
                let at = offset as usize;
                assert!(
                    n == 0 || buf[..n] == w[at..at + n],
                    "wrong bytes at {offset}"
                );
            }
        }
    }
}

/// Rewrites an index's binding for `file` and its checksum (when its
/// counts fit), so that only the entries' own checks stand.
fn reseal_index_for(index: &mut [u8], file: &[u8]) {
    if index.len() < 56 {
        return;
    }
    let binding = FileBinding::of_file(file);
    index[8..16].copy_from_slice(&binding.file_size.to_le_bytes());
    index[16..24].copy_from_slice(&binding.prefix_hash.to_le_bytes());
    let n = u32::from_le_bytes(index[32..36].try_into().unwrap()) as usize;
    let m = u32::from_le_bytes(index[36..40].try_into().unwrap()) as usize;
    let at = 48usize.saturating_add(16usize.saturating_mul(n.saturating_add(m)));
    if at.saturating_add(8) <= index.len() {
        let sum = xxhash_rust::xxh3::xxh3_64(&index[..at]);
        index[at..at + 8].copy_from_slice(&sum.to_le_bytes());
    }
}

/// The seed inputs of target `seek_read` (name, input): files of every
/// frame kind, with and without a table, and index + file pairs.
pub fn seek_read_seeds() -> Vec<(String, Vec<u8>)> {
    let mut r = Rng::new(77);
    let mut data = Vec::new();
    while data.len() < 150_000 {
        data.extend_from_slice(b"random access reads a stretch from its restart point\n");
        if r.chance(3) {
            data.push(r.next_u64() as u8);
        }
    }
    let prefs = [
        (
            "independent",
            Preferences::default()
                .with_block_linked(false)
                .with_block_checksum(true),
        ),
        ("linked", Preferences::default().with_content_checksum(true)),
        (
            "linked-checksums",
            Preferences::default()
                .with_block_checksum(true)
                .with_content_size(Some(data.len() as u64)),
        ),
    ];
    let mut seeds = Vec::new();
    for (name, p) in prefs {
        let file = compress(&data, &p).unwrap();
        seeds.push((
            format!("file-{name}"),
            [&[0, 16, 0, 0, 1, 2, 3, 4][..], &file].concat(),
        ));
        let table = SeekTable::from_scan(&scan(&file).unwrap(), 16 << 10).unwrap();
        let tabled = [&file[..], &table.to_frame()].concat();
        seeds.push((
            format!("table-{name}"),
            [&[0, 0, 0, 0, 5, 6, 7, 8][..], &tabled].concat(),
        ));
        let index = lz4framed::seek::build_index(&mut std::io::Cursor::new(&file), 20_000)
            .unwrap()
            .to_bytes();
        for mode in [1u8, 2] {
            let body = [&(index.len() as u32).to_le_bytes()[..], &index, &file].concat();
            seeds.push((
                format!("index{mode}-{name}"),
                [&[mode, 0, 0, 0, 9, mode, 3, 1][..], &body].concat(),
            ));
        }
    }
    let mut mixed = lz4framed_testkit::skippable(1, b"first");
    mixed.extend(lz4framed_testkit::legacy_frame(&[
        &data[..40_000],
        &data[40_000..90_000],
    ]));
    mixed.extend(compress(&data[..50_000], &Preferences::default()).unwrap());
    seeds.push((
        "file-legacy-skippable".to_string(),
        [&[0, 8, 0, 0, 4, 4, 4, 4][..], &mixed].concat(),
    ));
    seeds
}

/// One step of a scripted use of an encoder (`check_encoder_state`).
enum EncoderStep {
    Update(usize),
    Flush,
    EndAndBegin,
}

/// Target `encoder_state`: configuration bytes 0..3 choose the preferences
/// (byte 2: bit 0 a dictionary, bit 1 its ID, bit 2 one worker, bit 3 two,
/// bits 4..5 a seek table: none, 64 KiB, 128 KiB or 1 MiB stretches, the
/// table written after every frame),
/// bytes 3.. the pieces, flushes, frame ends and hop points; the body is
/// the data. An encoder that hops through clones and marshal/unmarshal at
/// those points writes exactly the bytes of one that does not, every blob
/// taken re-marshals to itself, and a damaged or cut blob is refused.
pub fn check_encoder_state(data: &[u8]) {
    let (config, body) = split(data);
    let mut p = preferences(config[0], config[1]).with_content_size(None);
    let dict = (config[2] & 1 != 0).then_some(dictionary());
    if dict.is_some() && config[2] & 2 != 0 {
        p.dict_id = Some(DICT_ID);
    }
    let workers = u32::from(config[2] >> 2 & 3).min(2);
    p.workers = workers;
    p.seek_table = [0, 64 << 10, 128 << 10, 1 << 20][usize::from(config[2] >> 4 & 3)];
    let mut c = Rng::from_bytes(&config[3..]);
    let mut steps = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let n = size(&mut c, body.len() - at);
        steps.push(EncoderStep::Update(n));
        at += n;
        match c.below(16) {
            0 => steps.push(EncoderStep::Flush),
            1 => steps.push(EncoderStep::EndAndBegin),
            _ => {}
        }
    }
    let hops: Vec<u8> = (0..=steps.len()).map(|_| c.below(4) as u8).collect();
    let new = || {
        match dict {
            Some(d) => Encoder::with_dictionary(&p, d),
            None => Encoder::new(&p),
        }
        .expect("valid preferences")
    };
    // The frame's end, then the seek table of everything so far.
    let end = |e: &mut Encoder, buf: &mut Vec<u8>, out: &mut Vec<u8>| {
        buf.resize(e.end_bound().max(19), 0);
        let w = e.end(buf).expect("bound suffices");
        out.extend_from_slice(&buf[..w]);
        if e.seek_table().is_some() {
            buf.resize(e.seek_table_bound(), 0);
            let w = e.write_seek_table(buf).expect("bound suffices");
            out.extend_from_slice(&buf[..w]);
        }
    };
    let run = |hopping: bool| -> Vec<u8> {
        let mut e = new();
        let mut out = vec![0u8; 19];
        let n = e.begin(&mut out).expect("room for a header");
        out.truncate(n);
        let mut buf = Vec::new();
        let mut at = 0;
        for (i, step) in steps.iter().enumerate() {
            if hopping {
                match hops[i] {
                    1 => e = e.try_clone().expect("clones"),
                    2 => {
                        let blob = e.marshal().expect("marshals");
                        assert_eq!(e.marshal_size(), Ok(blob.len()));
                        let back =
                            Encoder::unmarshal(&blob, dict).expect("its own blob unmarshals");
                        assert!(
                            back.marshal().expect("marshals") == blob,
                            "re-marshal differs"
                        );
                        let cut = blob.len() * usize::from(config[7]) / 256;
                        assert!(
                            Encoder::unmarshal(&blob[..cut], dict).is_err(),
                            "a cut blob loads"
                        );
                        let mut bad = blob.clone();
                        let at = (i * 7919 + usize::from(config[6])) % bad.len();
                        bad[at] ^= 1 << (i % 8);
                        assert!(
                            Encoder::unmarshal(&bad, dict).is_err(),
                            "a damaged blob loads"
                        );
                        e = back;
                    }
                    _ => {}
                }
            }
            match step {
                EncoderStep::Update(n) => {
                    buf.resize(e.update_bound(*n), 0);
                    let w = e
                        .update(&body[at..at + n], &mut buf)
                        .expect("bound suffices");
                    out.extend_from_slice(&buf[..w]);
                    at += n;
                }
                EncoderStep::Flush => {
                    buf.resize(e.end_bound(), 0);
                    let w = e.flush(&mut buf).expect("bound suffices");
                    out.extend_from_slice(&buf[..w]);
                }
                EncoderStep::EndAndBegin => {
                    end(&mut e, &mut buf, &mut out);
                    buf.resize(buf.len().max(19), 0);
                    let w = e.begin(&mut buf).expect("room for a header");
                    out.extend_from_slice(&buf[..w]);
                }
            }
        }
        if hopping && hops[steps.len()] != 0 {
            e = Encoder::unmarshal(&e.marshal().expect("marshals"), dict).expect("unmarshals");
        }
        end(&mut e, &mut buf, &mut out);
        out
    };
    let plain = run(false);
    let hopped = run(true);
    assert!(plain == hopped, "hopping changed the output");
    let decoded = match dict {
        Some(d) => lz4framed::decompress_with_dictionary(&plain, d, p.dict_id),
        None => lz4framed::decompress(&plain),
    }
    .expect("the output decodes");
    assert!(decoded == body, "the output decodes to other bytes");
}

/// Seeds of `encoder_state`: every engine, block layout, dictionary and
/// worker setting over a few kinds of data (`fuzz/examples/make_seeds.rs`
/// writes them; `tests/fuzz_corpus.rs` checks they are the committed ones).
pub fn encoder_state_seeds() -> Vec<(String, Vec<u8>)> {
    let mut c = Rng::from_bytes(b"encoder_state seeds");
    let mut text = Vec::new();
    let words: [&[u8]; 6] = [
        b"resume ",
        b"the ",
        b"encoder ",
        b"at ",
        b"any ",
        b"point\n",
    ];
    while text.len() < 70_000 {
        text.extend_from_slice(words[c.below(words.len())]);
        if c.below(40) == 0 {
            for _ in 0..c.below(300) {
                text.push(c.next_u64() as u8);
            }
        }
    }
    let noise: Vec<u8> = (0..6_000).map(|_| c.next_u64() as u8).collect();
    let configs: [[u8; 3]; 14] = [
        [3, 0b00_0100, 0],          // level 0, 64 KiB linked
        [3, 0b01_1000, 0],          // level 0, 64 KiB independent, checksums
        [0, 0b00_0101, 0],          // fast -3, 256 KiB linked
        [12, 0b00_0100, 0],         // HC 9 linked
        [15, 0b01_0110, 0],         // HC 12 linked, content checksum
        [47, 0b00_0100, 0],         // HC 12 favouring decode speed
        [19, 0b01_0100, 0],         // auto-flush linked
        [3, 0b00_0100, 3],          // dictionary with ID, linked
        [12, 0b00_0000, 1],         // HC, dictionary, independent
        [3, 0b01_0100, 4],          // one worker, linked, content checksum
        [3, 0b00_1000, 8],          // two workers, independent, block checksums
        [3, 0b00_0100, 16],         // seek table (64 KiB), linked
        [12, 0b01_0100, 0b10_0011], // seek table (128 KiB), HC linked, dictionary
        [3, 0b00_0100, 0b11_1000],  // seek table (1 MiB), two workers, linked
    ];
    let mut seeds = Vec::new();
    for (name, d) in [
        ("text", &text[..]),
        ("noise", &noise[..]),
        ("short", &text[..300]),
    ] {
        for (i, cfg) in configs.iter().enumerate() {
            let config = [cfg[0], cfg[1], cfg[2], i as u8, 7, 1, 33, 101];
            let mut input = config.to_vec();
            input.extend_from_slice(d);
            seeds.push((format!("{name}-config{i}"), input));
        }
    }
    seeds
}
