//! What a seek table costs (`Preferences::seek_table`): the size of linked
//! frames whose history restarts at every point (plus the table's own
//! bytes), against the same frames without a table, and the compression
//! speed with the table against without, one-shot and in 64 KiB updates.
//! Targets: at most 0.5% larger at a 4 MiB span, at least 0.98x the speed.

use super::{Settings, interleaved_times, median};
use lz4framed::{
    BlockSize, Encoder, Preferences, compress_bound, compress_frame_bound, compress_into,
};
use std::hint::black_box;

/// Streams `src` in `piece`-byte updates into `dst`, the table included
/// when the preferences ask for one; returns the bytes written.
fn stream(src: &[u8], p: &Preferences, piece: usize, dst: &mut [u8]) -> usize {
    let mut e = Encoder::new(p).unwrap();
    let mut n = e.begin(dst).unwrap();
    for chunk in src.chunks(piece) {
        n += e.update(chunk, &mut dst[n..]).unwrap();
    }
    n += e.end(&mut dst[n..]).unwrap();
    if p.seek_table > 0 {
        n += e.write_seek_table(&mut dst[n..]).unwrap();
    }
    n
}

pub fn table(s: &Settings) {
    let runs = s.runs;
    println!(
        "\n## Seek table (size cost of restarts and table; MB/s of input, median of {runs}, runs interleaved; x = with / without)\n"
    );
    println!(
        "| corpus | frame | span | bytes without | bytes with | cost | one-shot without | with | x | 64 KiB updates without | with | x |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let frames = [
        ("64KB linked", Preferences::default()),
        (
            "256KB linked",
            Preferences::default().with_block_size(BlockSize::Max256KB),
        ),
        (
            "1MB linked",
            Preferences::default().with_block_size(BlockSize::Max1MB),
        ),
        (
            "64KB indep",
            Preferences::default().with_block_linked(false),
        ),
    ];
    let piece = 65536;
    for (name, data) in &s.corpora {
        for (fname, plain) in &frames {
            for span in [4u64 << 20, 1 << 20] {
                let with = plain.with_seek_table(span);
                let mut a = vec![0u8; compress_frame_bound(data.len(), plain)];
                let mut b = vec![0u8; compress_frame_bound(data.len(), &with)];
                let room = compress_frame_bound(data.len(), &with) + compress_bound(piece, &with);
                let (mut c, mut d) = (vec![0u8; room], vec![0u8; room]);
                let size_a = compress_into(data, &mut a, plain).unwrap();
                let size_b = compress_into(data, &mut b, &with).unwrap();
                assert_eq!(stream(data, &with, piece, &mut d), size_b);
                assert!(lz4framed::decompress(&b[..size_b]).unwrap() == *data);
                let t = interleaved_times(
                    runs,
                    &mut [
                        &mut || {
                            black_box(compress_into(data, &mut a, plain).unwrap());
                        },
                        &mut || {
                            black_box(compress_into(data, &mut b, &with).unwrap());
                        },
                        &mut || {
                            black_box(stream(data, plain, piece, &mut c));
                        },
                        &mut || {
                            black_box(stream(data, &with, piece, &mut d));
                        },
                    ],
                );
                let mbps: Vec<f64> = t
                    .into_iter()
                    .map(|v| data.len() as f64 / median(v) / 1e6)
                    .collect();
                println!(
                    "| {name} | {fname} | {} MiB | {size_a} | {size_b} | {:+.3}% | {:.0} | {:.0} | {:.3} | {:.0} | {:.0} | {:.3} |",
                    span >> 20,
                    100.0 * (size_b as f64 - size_a as f64) / size_a as f64,
                    mbps[0],
                    mbps[1],
                    mbps[1] / mbps[0],
                    mbps[2],
                    mbps[3],
                    mbps[3] / mbps[2],
                );
            }
        }
    }
}
