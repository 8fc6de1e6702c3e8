//! Speed of lz4framed's marshallable streaming XXH32 against xxhash-rust's
//! streaming `Xxh32` and one-shot `xxh32`.
//!
//! The content checksum runs over every decoded byte, so this hash must
//! keep up with the fastest streaming XXH32 available; otherwise it, not
//! block decoding, caps decoding with a content checksum.
//!
//! `cargo bench --bench xxh32_speed` prints a markdown table of GB/s
//! (median of runs) and ratios. Environment: `LZ4FRAMED_BENCH_RUNS`
//! (default 7), `LZ4FRAMED_BENCH_SMOKE=1` (tiny sizes, one run).
//! `cargo test` runs this binary without `--bench`, which also means the
//! smoke mode: the benchmark cannot rot.

use lz4framed::xxh32::Xxh32State;
use lz4framed_testkit::bench::{env_count, median_time, smoke_mode};
use lz4framed_testkit::random_bytes;
use std::hint::black_box;
use xxhash_rust::xxh32::{Xxh32, xxh32};

/// One case: hash `size` bytes in updates of `piece` bytes, repeated over
/// the same bytes until `total` bytes went through (so that small sizes
/// are timed over a measurable span while staying in cache).
struct Case {
    name: String,
    size: usize,
    piece: usize,
    total: usize,
}

/// Median GB/s of `runs` timings of `f`, which hashes `bytes` bytes and
/// returns a digest (kept so the work cannot be optimised away).
fn median_gbps(bytes: usize, runs: usize, mut f: impl FnMut() -> u32) -> f64 {
    bytes as f64
        / 1e9
        / median_time(runs, || {
            black_box(f());
        })
        .as_secs_f64()
}

fn ours(data: &[u8], piece: usize) -> u32 {
    let mut s = Xxh32State::new(0);
    for p in data.chunks(piece) {
        s.update(black_box(p));
    }
    s.digest()
}

fn theirs_streaming(data: &[u8], piece: usize) -> u32 {
    let mut s = Xxh32::new(0);
    for p in data.chunks(piece) {
        s.update(black_box(p));
    }
    s.digest()
}

fn main() {
    let smoke = smoke_mode();
    let runs = if smoke {
        1
    } else {
        env_count("LZ4FRAMED_BENCH_RUNS", 7)
    };
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    let cases = if smoke {
        vec![
            Case {
                name: "1 KiB".into(),
                size: KIB,
                piece: KIB,
                total: 64 * KIB,
            },
            Case {
                name: "256 KiB stream, 4 KiB updates".into(),
                size: 256 * KIB,
                piece: 4 * KIB,
                total: 256 * KIB,
            },
        ]
    } else {
        vec![
            Case {
                name: "64 KiB".into(),
                size: 64 * KIB,
                piece: 64 * KIB,
                total: 256 * MIB,
            },
            Case {
                name: "4 MiB".into(),
                size: 4 * MIB,
                piece: 4 * MIB,
                total: 256 * MIB,
            },
            Case {
                name: "64 MiB stream, 64 KiB updates".into(),
                size: 64 * MIB,
                piece: 64 * KIB,
                total: 64 * MIB,
            },
        ]
    };
    let data = random_bytes(cases.iter().map(|c| c.size).max().unwrap_or(0), 1);

    println!("## XXH32 (GB/s, median of {runs})\n");
    println!(
        "| input | ours (streaming, marshallable) | xxhash-rust Xxh32 (streaming) | xxhash-rust xxh32 (one-shot) | ours / Xxh32 | ours / one-shot |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for c in &cases {
        let d = &data[..c.size];
        let want = xxh32(d, 0);
        assert_eq!(ours(d, c.piece), want, "{}: digest differs", c.name);
        assert_eq!(
            theirs_streaming(d, c.piece),
            want,
            "{}: digest differs",
            c.name
        );
        let reps = (c.total / c.size).max(1);
        let bytes = reps * c.size;
        let repeat = |f: &dyn Fn(&[u8]) -> u32| {
            let mut acc = 0u32;
            for _ in 0..reps {
                acc ^= f(black_box(d));
            }
            acc
        };
        let g_ours = median_gbps(bytes, runs, || repeat(&|d| ours(d, c.piece)));
        let g_stream = median_gbps(bytes, runs, || repeat(&|d| theirs_streaming(d, c.piece)));
        let g_one = median_gbps(bytes, runs, || repeat(&|d| xxh32(d, 0)));
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.3} | {:.3} |",
            c.name,
            g_ours,
            g_stream,
            g_one,
            g_ours / g_stream,
            g_ours / g_one
        );
    }
}
