//! The decoder's workers (`DecoderOptions::workers`) against the serial
//! decoder, LZ4F_decompress and the raw-block floor, and the bandwidth
//! this machine offers to one and two threads (memcpy, raw block
//! decoding, XXH32): what bounds parallel decoding on more cores.

use super::{Settings, lz4f_compress, lz4f_decompress, median_mbps, raw_floor_mbps};
use lz4framed::xxh32::Xxh32State;
use lz4framed::{BlockSize, Decoder, DecoderOptions, Preferences, Status};
use std::hint::black_box;

/// Output chunk of the streaming rows: what a caller writing 1 MiB at a
/// time to a file or socket asks for.
const CHUNK: usize = 1 << 20;

/// The frames decoded with workers: both carry a content checksum, which
/// stays serial (it runs over the output in order).
fn configs() -> [(&'static str, Preferences); 2] {
    [
        (
            "4MB indep + content crc",
            Preferences::default()
                .with_block_size(BlockSize::Max4MB)
                .with_block_linked(false)
                .with_content_checksum(true),
        ),
        (
            "64KB linked + content crc",
            Preferences::default().with_content_checksum(true),
        ),
    ]
}

/// Decodes `frame` into `out` with a fresh decoder of `workers` workers
/// (its threads started and joined inside, as a caller would pay), asking
/// for at most `chunk` bytes of output per call.
fn decode(frame: &[u8], out: &mut [u8], workers: u32, chunk: usize) -> usize {
    let mut d = Decoder::with_options(DecoderOptions::default().with_workers(workers));
    let (mut ip, mut op) = (0, 0usize);
    loop {
        let end = op.saturating_add(chunk).min(out.len());
        let p = d.decompress(&frame[ip..], &mut out[op..end], true).unwrap();
        ip += p.consumed;
        op += p.produced;
        if p.status == Status::FrameBoundary && ip == frame.len() {
            return op;
        }
    }
}

pub fn table(s: &Settings) {
    let runs = s.runs;
    println!(
        "\n## Parallel decode (MB/s of output, median of {runs}; xN = N workers / serial ours; 1 MiB out = output asked for 1 MiB per call)\n"
    );
    println!(
        "| corpus | frame | output | LZ4F_decompress | ours serial | 1 worker | 2 workers | 4 workers | x1 | x2 | x4 | 2 workers / LZ4F | raw blocks | 2 workers / raw |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, data) in &s.corpora {
        for (cname, p) in &configs() {
            let mut frame = Vec::new();
            let n = lz4f_compress(data, p, &mut frame);
            frame.truncate(n);
            let bytes = data.len();
            let mut out = vec![0u8; bytes];
            let raw = raw_floor_mbps(&frame, p, &mut out, runs);
            for (oname, chunk) in [("one-shot", usize::MAX), ("1 MiB out", CHUNK)] {
                let lz4f = median_mbps(bytes, runs, || {
                    black_box(lz4f_decompress(&frame, &mut out, chunk));
                });
                let mut speed = [0f64; 4];
                for (i, workers) in [0u32, 1, 2, 4].into_iter().enumerate() {
                    out.fill(0);
                    speed[i] = median_mbps(bytes, runs, || {
                        black_box(decode(&frame, &mut out, workers, chunk));
                    });
                    assert!(out == *data, "{workers} workers decoded wrongly");
                }
                println!(
                    "| {name} | {cname} | {oname} | {lz4f:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {raw:.0} | {:.2} |",
                    speed[0],
                    speed[1],
                    speed[2],
                    speed[3],
                    speed[1] / speed[0],
                    speed[2] / speed[0],
                    speed[3] / speed[0],
                    speed[2] / lz4f,
                    speed[2] / raw,
                );
            }
        }
    }
}

/// What one, two and four threads get from this machine: memcpy (memory
/// bandwidth), raw block decoding of independent 4 MB blocks (the
/// decoder's parallel part) and XXH32 (the content checksum, which stays
/// serial). Aggregate MB/s over all threads; each thread works on its own
/// share of the data, so they share nothing but the cores and the memory
/// bus.
pub fn bandwidth_table(s: &Settings) {
    let runs = s.runs;
    println!(
        "\n## Bandwidth for 1, 2 and 4 threads (aggregate MB/s, median of {runs}; NT / 1T = scaling on this machine)\n"
    );
    println!("| corpus | work | 1 thread | 2 threads | 2T / 1T | 4 threads | 4T / 1T |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let (name, data) = &s.corpora[0];
    let bytes = data.len();
    let p = configs()[0].1;
    let mut frame = Vec::new();
    let n = lz4f_compress(data, &p, &mut frame);
    frame.truncate(n);
    let blocks = super::blocks(&frame);
    let bs = p.block_size.bytes();
    let threads = [1usize, 2, 4];

    // memcpy: each thread copies its share of the corpus into its share
    // of one destination.
    let mut dst = vec![0u8; bytes];
    let memcpy = threads.map(|t| {
        let share = bytes.div_ceil(t);
        median_mbps(bytes, runs, || {
            std::thread::scope(|sc| {
                for (d, src) in dst.chunks_mut(share).zip(data.chunks(share)) {
                    sc.spawn(move || d.copy_from_slice(black_box(src)));
                }
            })
        })
    });
    assert!(dst == *data);

    // Raw block decoding: thread i decodes blocks i, i + t, i + 2t, ...
    // into its own block buffer (independent blocks need no history).
    let raw = threads.map(|t| {
        let mut outs: Vec<Vec<u8>> = (0..t).map(|_| vec![0u8; bs]).collect();
        median_mbps(bytes, runs, || {
            std::thread::scope(|sc| {
                for (i, out) in outs.iter_mut().enumerate() {
                    let (frame, blocks) = (&frame, &blocks);
                    sc.spawn(move || {
                        for b in blocks.iter().skip(i).step_by(t) {
                            let one = std::slice::from_ref(b);
                            black_box(super::raw_blocks(frame, one, out, false, bs));
                        }
                    });
                }
            })
        })
    });

    // XXH32 (the library's streaming state, 64 KiB updates), each thread
    // over its share.
    let xxh = threads.map(|t| {
        let share = bytes.div_ceil(t);
        median_mbps(bytes, runs, || {
            std::thread::scope(|sc| {
                for src in data.chunks(share) {
                    sc.spawn(move || {
                        let mut h = Xxh32State::new(0);
                        for piece in src.chunks(65536) {
                            h.update(piece);
                        }
                        black_box(h.digest())
                    });
                }
            })
        })
    });

    for (work, v) in [
        ("memcpy", memcpy),
        ("raw decode, 4MB indep blocks", raw),
        ("XXH32 (streaming, 64 KiB updates)", xxh),
    ] {
        println!(
            "| {name} | {work} | {:.0} | {:.0} | {:.2} | {:.0} | {:.2} |",
            v[0],
            v[1],
            v[1] / v[0],
            v[2],
            v[2] / v[0]
        );
    }
}
