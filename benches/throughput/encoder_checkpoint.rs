//! The encoder's checkpoints, next to the decoder's: clone, marshal and
//! unmarshal of an encoder at a block boundary (fast, HC, independent,
//! with workers), its blob size, and the compression speed of an encoder
//! right after unmarshal against one that never stopped (the same state,
//! reached by a clone).

use super::{Settings, median_call_time};
use lz4framed::{BlockSize, Encoder, Preferences, compress_bound};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// An encoder that has compressed `lead` bytes of `data` (whole blocks),
/// so it stands at a block boundary with a full window behind it.
fn encoder_at(data: &[u8], p: &Preferences, lead: usize) -> Encoder {
    let mut e = Encoder::new(p).unwrap();
    let mut out = vec![0u8; compress_bound(lead, p) + 64];
    let n = e.begin(&mut out).unwrap();
    e.update(&data[..lead], &mut out[n..]).unwrap();
    e
}

/// Compresses the rest of `data` with `e` to the frame end.
fn finish(mut e: Encoder, rest: &[u8], out: &mut [u8]) -> usize {
    let mut n = e.update(rest, out).unwrap();
    n += e.end(&mut out[n..]).unwrap();
    black_box(n)
}

pub fn table(s: &Settings) {
    println!(
        "\n## Encoder checkpoints (µs per operation at a block boundary, median; blob bytes; MB/s of an encoder right after unmarshal vs one that never stopped)\n"
    );
    println!(
        "| preferences | clone µs | marshal µs | unmarshal µs | blob bytes | after-unmarshal MB/s | uninterrupted MB/s | x |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let data = &s.corpora[0].1;
    for (name, p) in [
        ("fast 64KB linked", Preferences::default()),
        (
            "fast 64KB indep",
            Preferences::default().with_block_linked(false),
        ),
        (
            "fast 4MB indep",
            Preferences::default()
                .with_block_size(BlockSize::Max4MB)
                .with_block_linked(false),
        ),
        ("HC 9 64KB linked", Preferences::default().with_level(9)),
        (
            "fast 64KB linked, 2 workers",
            Preferences::default().with_workers(2),
        ),
    ] {
        // A whole number of blocks (and of 4 MiB jobs with workers), at
        // least 1 MiB: the encoder holds no input back.
        let unit = if p.workers > 0 {
            4 << 20
        } else {
            p.block_size.bytes()
        };
        let lead = unit.max(1 << 20);
        if data.len() < 2 * lead {
            continue; // smoke mode: too little data
        }
        // HC is slow: less input after the checkpoint keeps the row quick.
        let rest_len = if p.level >= 3 {
            (data.len() - lead).min(8 << 20)
        } else {
            data.len() - lead
        };
        let rest = &data[lead..lead + rest_len];
        let e = encoder_at(data, &p, lead);
        let clone = median_call_time(s.runs, || drop(black_box(e.clone())));
        let marshal = median_call_time(s.runs, || drop(black_box(e.marshal().unwrap())));
        let blob = e.marshal().unwrap();
        let unmarshal = median_call_time(s.runs, || {
            drop(black_box(Encoder::unmarshal(&blob, None).unwrap()))
        });
        let mut out = vec![0u8; compress_bound(rest.len(), &p)];
        // Runs of the two alternate, so that a change in the machine's load
        // during the row weighs on both alike.
        let mut sizes = (0, 0);
        let (mut after, mut fresh) = (Vec::new(), Vec::new());
        for run in 0..s.runs.max(4) {
            // Which goes first alternates too.
            for first in [run % 2 == 0, run % 2 != 0] {
                let t = Instant::now();
                if first {
                    sizes.0 = finish(Encoder::unmarshal(&blob, None).unwrap(), rest, &mut out);
                    after.push(t.elapsed());
                } else {
                    sizes.1 = finish(e.clone(), rest, &mut out);
                    fresh.push(t.elapsed());
                }
            }
        }
        let mbps = |mut times: Vec<Duration>| {
            times.sort();
            rest.len() as f64 / 1e6 / times[times.len() / 2].as_secs_f64()
        };
        let (after, fresh) = (mbps(after), mbps(fresh));
        // The restored encoder writes what the uninterrupted one writes.
        assert_eq!(sizes.0, sizes.1, "{name}");
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {} | {after:.0} | {fresh:.0} | {:.2} |",
            clone.as_secs_f64() * 1e6,
            marshal.as_secs_f64() * 1e6,
            unmarshal.as_secs_f64() * 1e6,
            blob.len(),
            after / fresh,
        );
    }
}
