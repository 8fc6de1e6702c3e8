//! Many threads compressing and decoding at once, each with its own
//! objects, handing decoder clones to one another mid-stream: no shared
//! state between objects means no interference.

mod common;

use common::{Rng, alphabet_data};
use lz4framed::{BlockSize, Decoder, Encoder, Preferences, Status, compress_bound};
use std::sync::mpsc;
use std::thread;

fn prefs(r: &mut Rng) -> Preferences {
    Preferences {
        level: [-3, 0, 1, 4][(r.next_u64() % 4) as usize],
        block_size: BlockSize::from_id(4 + (r.next_u64() % 3) as u8).unwrap(),
        block_linked: r.next_u64() % 2 == 0,
        block_checksum: r.next_u64() % 2 == 0,
        content_checksum: r.next_u64() % 2 == 0,
        auto_flush: r.next_u64() % 4 == 0,
        ..Preferences::default()
    }
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
    let mut out = Vec::new();
    let mut buf = vec![0u8; 30_000];
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

#[test]
fn eight_threads_hundreds_of_frames_with_clones_crossing_threads() {
    const THREADS: usize = 8;
    const FRAMES_PER_THREAD: usize = 64; // 512 frames in all
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..THREADS).map(|_| mpsc::channel::<Handoff>()).unzip();
    let handles: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(t, rx)| {
            let next = senders[(t + 1) % THREADS].clone();
            thread::spawn(move || {
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
                    while let Ok(h) = rx.try_recv() {
                        assert_eq!(finish(h.decoder, &h.rest), h.expected_tail);
                        finished_for_others += 1;
                    }
                }
                drop(next);
                (rx, finished_for_others)
            })
        })
        .collect();
    drop(senders);
    // Join every thread before draining: a receiver dropped early would
    // fail the sender of a thread still running.
    let joined: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut total = 0;
    for (rx, n) in joined {
        total += n;
        // Handoffs that arrived after the thread's last frame.
        while let Ok(h) = rx.try_recv() {
            assert_eq!(finish(h.decoder, &h.rest), h.expected_tail);
            total += 1;
        }
    }
    assert_eq!(total, THREADS * FRAMES_PER_THREAD);
}
