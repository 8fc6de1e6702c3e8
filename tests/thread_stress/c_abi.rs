//! The C ABI under threads: 8 threads each compress and decode hundreds
//! of frames of mixed configurations through the `extern "C"` functions,
//! with one encoder and one decoder context per thread reused across
//! frames, and hand raw handles to the next thread mid-stream: decoder
//! clones, marshalled blobs, whole decoders and half-finished encoders.
//! Handles share nothing, so moving them between threads (one user at a
//! time, as the header documents) must give byte-identical results.

use crate::common::{Rng, alphabet_data, thread_ring};
use lz4framed::ffi::*;
use std::ffi::c_void;
use std::ptr;
use std::sync::mpsc;

fn prefs(r: &mut Rng) -> lz4framed_preferences {
    lz4framed_preferences {
        level: [-3, 0, 1, 4][r.below(4)],
        block_size_id: [0, 4, 5, 6][r.below(4)],
        block_independent: r.below(2) as u32,
        block_checksum: r.below(2) as u32,
        content_checksum: r.below(2) as u32,
        auto_flush: (r.below(4) == 0) as u32,
        ..Default::default()
    }
}

/// A raw handle moved to another thread. Sound because every handle is
/// used by one thread at a time: the sender gives it up when it sends.
struct Owned<T>(*mut T);
// SAFETY: see above; the library's handles are documented as movable
// between threads (they hold no thread-bound state).
unsafe impl<T> Send for Owned<T> {}

fn ok(status: i32, what: &str) {
    assert_eq!(status, LZ4FRAMED_OK, "{what}: status {status}");
}

/// Feeds `src` to `enc` in random pieces and ends the frame.
fn encode_rest(
    enc: *mut lz4framed_encoder,
    p: &lz4framed_preferences,
    src: &[u8],
    r: &mut Rng,
) -> Vec<u8> {
    let mut frame = encode_pieces(enc, p, src, r);
    let mut out = Vec::new();
    let mut written = 0usize;
    // SAFETY: plain reads of the preferences struct.
    out.resize(unsafe { lz4framed_compress_bound(0, p) }, 0);
    // SAFETY: live encoder, buffer with its true size.
    let s = unsafe { lz4framed_encoder_end(enc, out.as_mut_ptr().cast(), out.len(), &mut written) };
    ok(s, "encoder_end");
    frame.extend_from_slice(&out[..written]);
    frame
}

fn begin(enc: *mut lz4framed_encoder) -> Vec<u8> {
    let mut header = vec![0u8; LZ4FRAMED_MAX_HEADER_SIZE];
    let mut written = 0usize;
    // SAFETY: live encoder, buffer of the stated size.
    let s = unsafe {
        lz4framed_encoder_begin(enc, header.as_mut_ptr().cast(), header.len(), &mut written)
    };
    ok(s, "encoder_begin");
    header.truncate(written);
    header
}

/// Decodes `input` to its end with `dec`, in random pieces and output room.
fn decode_all(dec: *mut lz4framed_decoder, input: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 70_000];
    let mut ip = 0;
    loop {
        let piece = (1 + r.below(40_000)).min(input.len() - ip);
        let room = 1 + r.below(buf.len());
        let eoi = (ip + piece == input.len()) as i32;
        let (mut consumed, mut produced) = (0usize, 0usize);
        // SAFETY: live decoder used by this thread only; true sizes.
        let s = unsafe {
            lz4framed_decoder_decompress(
                dec,
                input[ip..].as_ptr().cast(),
                piece,
                buf.as_mut_ptr().cast(),
                room,
                eoi,
                &mut consumed,
                &mut produced,
            )
        };
        assert!(
            [LZ4FRAMED_OK, LZ4FRAMED_NEED_INPUT, LZ4FRAMED_OUTPUT_FULL].contains(&s),
            "decoder_decompress: status {s}"
        );
        ip += consumed;
        out.extend_from_slice(&buf[..produced]);
        if s == LZ4FRAMED_OK && ip == input.len() {
            return out;
        }
    }
}

/// A source for lz4framed_decoder_read that ends after `left` bytes.
struct Source<'a> {
    data: &'a [u8],
    left: usize,
}

unsafe extern "C" fn read_source(ctx: *mut c_void, buf: *mut c_void, capacity: usize) -> isize {
    // SAFETY: `ctx` is the `Source` the caller passed; `buf` holds
    // `capacity` writable bytes (the callback contract).
    let src = unsafe { &mut *ctx.cast::<Source>() };
    let n = capacity.min(src.left).min(src.data.len());
    // SAFETY: as above; `n` fits both.
    unsafe { ptr::copy_nonoverlapping(src.data.as_ptr(), buf.cast::<u8>(), n) };
    src.data = &src.data[n..];
    src.left -= n;
    n as isize
}

/// Pulls part of `input` through a source that stops early; returns the
/// output and leaves `dec` at lz4framed_decoder_input_consumed.
fn read_some(dec: *mut lz4framed_decoder, input: &[u8], limit: usize, out: &mut Vec<u8>) {
    let mut src = Source {
        data: input,
        left: limit,
    };
    let mut buf = vec![0u8; 100_000];
    let (mut read, mut produced) = (0usize, 0usize);
    // SAFETY: live decoder; `src` outlives the call; true sizes.
    let s = unsafe {
        lz4framed_decoder_read(
            dec,
            Some(read_source),
            ptr::from_mut(&mut src).cast(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut read,
            &mut produced,
        )
    };
    assert!(
        [LZ4FRAMED_OK, LZ4FRAMED_NEED_INPUT, LZ4FRAMED_OUTPUT_FULL].contains(&s),
        "decoder_read: status {s}"
    );
    assert!(read <= limit);
    out.extend_from_slice(&buf[..produced]);
}

fn consumed(dec: *const lz4framed_decoder) -> usize {
    // SAFETY: live decoder, read-only query.
    unsafe { lz4framed_decoder_input_consumed(dec) as usize }
}

/// Work handed to the next thread.
enum Handoff {
    /// A decoder (a clone, or the original) mid-frame; finish and free it.
    Decoder {
        dec: Owned<lz4framed_decoder>,
        rest: Vec<u8>,
        expected: Vec<u8>,
    },
    /// A marshalled decoder; unmarshal, finish.
    Blob {
        blob: Vec<u8>,
        rest: Vec<u8>,
        expected: Vec<u8>,
    },
    /// An encoder mid-frame; finish the frame, check it decodes to `data`.
    Encoder {
        enc: Owned<lz4framed_encoder>,
        prefs: lz4framed_preferences,
        head: Vec<u8>,
        data: Vec<u8>,
        done: usize,
    },
}

fn finish(h: Handoff, r: &mut Rng) {
    match h {
        Handoff::Decoder {
            dec,
            rest,
            expected,
        } => {
            assert_eq!(decode_all(dec.0, &rest, r), expected, "handed-over decoder");
            // SAFETY: the handle was given up by its sender; freed once.
            unsafe { lz4framed_decoder_free(dec.0) };
        }
        Handoff::Blob {
            blob,
            rest,
            expected,
        } => {
            let mut dec = ptr::null_mut();
            // SAFETY: the blob's bytes with their length; no dictionary.
            let s = unsafe {
                lz4framed_decoder_unmarshal(
                    blob.as_ptr().cast(),
                    blob.len(),
                    ptr::null(),
                    0,
                    &mut dec,
                )
            };
            ok(s, "decoder_unmarshal");
            assert_eq!(decode_all(dec, &rest, r), expected, "unmarshalled decoder");
            // SAFETY: created above, freed once.
            unsafe { lz4framed_decoder_free(dec) };
        }
        Handoff::Encoder {
            enc,
            prefs,
            mut head,
            data,
            done,
        } => {
            head.extend(encode_rest(enc.0, &prefs, &data[done..], r));
            // SAFETY: the handle was given up by its sender; freed once.
            unsafe { lz4framed_encoder_free(enc.0) };
            let mut out = vec![0u8; data.len() + 1];
            let mut n = 0usize;
            // SAFETY: buffers with their true sizes.
            let s = unsafe {
                lz4framed_decompress(
                    head.as_ptr().cast(),
                    head.len(),
                    out.as_mut_ptr().cast(),
                    out.len(),
                    &mut n,
                )
            };
            ok(s, "decompress of a frame finished on another thread");
            assert!(out[..n] == data[..], "handed-over encoder");
        }
    }
}

fn marshal(dec: *const lz4framed_decoder) -> Vec<u8> {
    let (mut blob, mut size) = (ptr::null_mut(), 0usize);
    // SAFETY: live decoder; out-pointers valid.
    ok(
        unsafe { lz4framed_decoder_marshal_alloc(dec, &mut blob, &mut size) },
        "decoder_marshal_alloc",
    );
    // SAFETY: the library's blob of `size` bytes, copied, then freed once.
    let bytes = unsafe { std::slice::from_raw_parts(blob.cast::<u8>(), size) }.to_vec();
    // SAFETY: as above.
    unsafe { lz4framed_blob_free(blob) };
    bytes
}

/// One thread's share: `frames` frames, every one handed on in some form.
fn worker(
    t: usize,
    frames: usize,
    next: mpsc::Sender<Handoff>,
    rx: &mpsc::Receiver<Handoff>,
) -> usize {
    let mut r = Rng::new(0x51A7_E5EE + t as u64 * 7919);
    let mut finished = 0;
    let mut dec = ptr::null_mut();
    // SAFETY: valid out-pointer.
    ok(unsafe { lz4framed_decoder_new(0, &mut dec) }, "decoder_new");
    let mut p = prefs(&mut r);
    let mut enc = ptr::null_mut();
    // SAFETY: valid preferences and out-pointer.
    ok(
        unsafe { lz4framed_encoder_new(&p, &mut enc) },
        "encoder_new",
    );
    for i in 0..frames {
        let len = r.below(200_000);
        let src = alphabet_data(&mut r, len);
        if i % 8 == 7 {
            // A new encoder context now and then, with other preferences;
            // the old one goes to the next thread, mid-frame.
            let mut head = begin(enc);
            let done = r.below(len + 1);
            head.extend(encode_pieces(enc, &p, &src[..done], &mut r));
            next.send(Handoff::Encoder {
                enc: Owned(enc),
                prefs: p,
                head,
                data: src.clone(),
                done,
            })
            .unwrap();
            p = prefs(&mut r);
            // SAFETY: as above.
            ok(
                unsafe { lz4framed_encoder_new(&p, &mut enc) },
                "encoder_new",
            );
        }
        let mut frame = begin(enc);
        frame.extend(encode_rest(enc, &p, &src, &mut r));

        // Decode a part here (pushed, or pulled from a source that stops).
        let cut = r.below(frame.len() + 1);
        let mut head = Vec::new();
        if r.below(2) == 0 {
            read_some(dec, &frame, cut, &mut head);
        } else if cut > 0 {
            let mut buf = vec![0u8; src.len() + 1];
            let (mut c, mut n) = (0usize, 0usize);
            // SAFETY: live decoder; true sizes.
            let s = unsafe {
                lz4framed_decoder_decompress(
                    dec,
                    frame.as_ptr().cast(),
                    cut,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    0,
                    &mut c,
                    &mut n,
                )
            };
            assert!(s == LZ4FRAMED_OK || s == LZ4FRAMED_NEED_INPUT, "status {s}");
            head.extend_from_slice(&buf[..n]);
        }
        assert_eq!(head, src[..head.len()], "thread {t} frame {i}: head");
        let at = consumed(dec);
        let rest = frame[at..].to_vec();
        let expected = src[head.len()..].to_vec();
        let handoff = match r.below(3) {
            0 => {
                let mut copy = ptr::null_mut();
                // SAFETY: live decoder; valid out-pointer.
                ok(
                    unsafe { lz4framed_decoder_clone(dec, &mut copy) },
                    "decoder_clone",
                );
                Handoff::Decoder {
                    dec: Owned(copy),
                    rest: rest.clone(),
                    expected: expected.clone(),
                }
            }
            1 => Handoff::Blob {
                blob: marshal(dec),
                rest: rest.clone(),
                expected: expected.clone(),
            },
            _ => {
                // The decoder itself goes; this thread starts a new one.
                let h = Handoff::Decoder {
                    dec: Owned(dec),
                    rest: rest.clone(),
                    expected: expected.clone(),
                };
                next.send(h).unwrap();
                dec = ptr::null_mut();
                // SAFETY: valid out-pointer.
                ok(unsafe { lz4framed_decoder_new(0, &mut dec) }, "decoder_new");
                finished += drain(rx, &mut r);
                continue;
            }
        };
        next.send(handoff).unwrap();
        // Finish here too, then reuse the context for the next frame.
        assert_eq!(
            decode_all(dec, &rest, &mut r),
            expected,
            "thread {t} frame {i}"
        );
        // SAFETY: live decoder.
        ok(unsafe { lz4framed_decoder_reset(dec) }, "decoder_reset");
        finished += drain(rx, &mut r);
    }
    // SAFETY: created here (or replaced), freed once.
    unsafe {
        lz4framed_decoder_free(dec);
        lz4framed_encoder_free(enc);
    }
    finished
}

/// Feeds `src` to `enc` in random pieces, without ending the frame.
fn encode_pieces(
    enc: *mut lz4framed_encoder,
    p: &lz4framed_preferences,
    src: &[u8],
    r: &mut Rng,
) -> Vec<u8> {
    let mut frame = Vec::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut written = 0usize;
    while at < src.len() {
        let take = (1 + r.below(50_000)).min(src.len() - at);
        // SAFETY: plain reads of the preferences struct.
        out.resize(unsafe { lz4framed_compress_bound(take, p) }, 0);
        // SAFETY: live encoder, buffers with their true sizes.
        let s = unsafe {
            lz4framed_encoder_update(
                enc,
                src[at..].as_ptr().cast(),
                take,
                out.as_mut_ptr().cast(),
                out.len(),
                &mut written,
            )
        };
        ok(s, "encoder_update");
        frame.extend_from_slice(&out[..written]);
        at += take;
    }
    frame
}

fn drain(rx: &mpsc::Receiver<Handoff>, r: &mut Rng) -> usize {
    let mut n = 0;
    while let Ok(h) = rx.try_recv() {
        finish(h, r);
        n += 1;
    }
    n
}

#[test]
fn eight_threads_hundreds_of_frames_handles_crossing_threads() {
    const THREADS: usize = 8;
    const FRAMES_PER_THREAD: usize = 64; // 512 frames in all
    let mut r = Rng::new(99);
    let total = thread_ring(
        THREADS,
        |t, next, rx| worker(t, FRAMES_PER_THREAD, next, rx),
        // Handoffs that arrived after the thread's last frame.
        |rx| drain(rx, &mut r),
    );
    // One handoff per frame, plus one per replaced encoder.
    let encoders = THREADS * (FRAMES_PER_THREAD / 8);
    assert_eq!(total, THREADS * FRAMES_PER_THREAD + encoders);
}
