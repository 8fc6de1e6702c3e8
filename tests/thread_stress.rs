//! Many threads compressing and decoding at once, each with its own
//! objects, handing decoder clones to one another mid-stream: no shared
//! state between objects means no interference. The same through the C
//! ABI, with raw handles crossing threads, is in `thread_stress/c_abi.rs`.

mod common;

#[path = "thread_stress/c_abi.rs"]
mod c_abi;

use common::{Rng, alphabet_data, decode_rest, thread_ring};
use lz4framed::{BlockSize, Decoder, Encoder, Preferences, compress_bound};
use std::sync::mpsc;

fn prefs(r: &mut Rng) -> Preferences {
    Preferences::default()
        .with_level([-3, 0, 1, 4][(r.next_u64() % 4) as usize])
        .with_block_size(BlockSize::from_id(4 + (r.next_u64() % 3) as u8).unwrap())
        .with_block_linked(r.next_u64() % 2 == 0)
        .with_block_checksum(r.next_u64() % 2 == 0)
        .with_content_checksum(r.next_u64() % 2 == 0)
        .with_auto_flush(r.next_u64() % 4 == 0)
}

fn encode_streaming(src: &[u8], p: &Preferences, r: &mut Rng) -> Vec<u8> {
    let mut e = Encoder::new(p).unwrap();
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    let mut at = 0;
    let mut out = Vec::new();
    while at < src.len() {
        let take = (1 + r.next_u64() as usize % 50_000).min(src.len() - at);
        out.resize(compress_bound(take, p), 0);
        let n = e.update(&src[at..at + take], &mut out).unwrap();
        frame.extend_from_slice(&out[..n]);
        at += take;
    }
    out.resize(compress_bound(0, p), 0);
    let n = e.end(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    frame
}

/// A decoder half-way through a frame, sent to another thread to finish.
struct Handoff {
    decoder: Decoder,
    rest: Vec<u8>,
    expected_tail: Vec<u8>,
}

fn finish(mut d: Decoder, rest: &[u8]) -> Vec<u8> {
    decode_rest(&mut d, rest, 30_000)
}

#[test]
fn eight_threads_hundreds_of_frames_with_clones_crossing_threads() {
    const THREADS: usize = 8;
    const FRAMES_PER_THREAD: usize = 64; // 512 frames in all
    let drain = |rx: &mpsc::Receiver<Handoff>| {
        let mut n = 0;
        while let Ok(h) = rx.try_recv() {
            assert_eq!(finish(h.decoder, &h.rest), h.expected_tail);
            n += 1;
        }
        n
    };
    let total = thread_ring(
        THREADS,
        |t, next, rx| {
            let mut r = Rng::new(0x1234_5678 + t as u64 * 7919);
            let mut finished_for_others = 0;
            for _ in 0..FRAMES_PER_THREAD {
                let len = (r.next_u64() % 300_000) as usize;
                let src = alphabet_data(&mut r, len);
                let p = prefs(&mut r);
                let frame = encode_streaming(&src, &p, &mut r);
                // Decode part of it here, hand a clone to the next thread,
                // and finish the original here too.
                let cut = (r.next_u64() as usize) % (frame.len() + 1);
                let mut d = Decoder::new();
                let mut head = vec![0u8; src.len()];
                let pr = d.decompress(&frame[..cut], &mut head, false).unwrap();
                assert_eq!(&head[..pr.produced], &src[..pr.produced]);
                let at = d.input_consumed() as usize;
                next.send(Handoff {
                    decoder: d.clone(),
                    rest: frame[at..].to_vec(),
                    expected_tail: src[pr.produced..].to_vec(),
                })
                .unwrap();
                assert_eq!(finish(d, &frame[at..]), &src[pr.produced..]);
                finished_for_others += drain(rx);
            }
            finished_for_others
        },
        drain,
    );
    assert_eq!(total, THREADS * FRAMES_PER_THREAD);
}
