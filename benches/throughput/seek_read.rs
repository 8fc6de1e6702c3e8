//! Random access: building a sidecar index against a plain decode of the
//! same file, and `SeekableReader::read_at` of 64 KiB at random offsets
//! (one thread, and two threads on one reader) on a file of at least
//! 1 GiB, written to a temporary directory (`LZ4FRAMED_BENCH_SEEK_MIB`,
//! default 1024; smoke mode: 8 MiB).

use super::Settings;
use lz4framed::seek::{DEFAULT_SPAN, SeekableReader, build_index};
use lz4framed::{BlockSize, Decoder, Encoder, Preferences, Status};
use lz4framed_testkit::Rng;
use lz4framed_testkit::bench::{env_count, median_time};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const READ: usize = 64 << 10;

/// Writes `mib` MiB of `corpus` (repeated) compressed with `prefs`.
fn write_file(path: &Path, mib: usize, prefs: &Preferences, corpus: &[u8]) -> u64 {
    let mut enc = Encoder::new(prefs).unwrap();
    let mut out = std::io::BufWriter::new(File::create(path).unwrap());
    let mut buf = vec![0u8; lz4framed::compress_bound(1 << 20, prefs) + 64];
    let n = enc.begin(&mut buf).unwrap();
    out.write_all(&buf[..n]).unwrap();
    let total = (mib as u64) << 20;
    let mut left = total;
    while left > 0 {
        for piece in corpus.chunks(1 << 20) {
            let take = piece.len().min(left as usize);
            let n = enc.update(&piece[..take], &mut buf).unwrap();
            out.write_all(&buf[..n]).unwrap();
            left -= take as u64;
            if left == 0 {
                break;
            }
        }
    }
    let n = enc.end(&mut buf).unwrap();
    out.write_all(&buf[..n]).unwrap();
    total
}

/// Decodes the whole file, output dropped: the plain decode to compare with.
fn plain_decode(path: &Path) -> u64 {
    let mut f = std::io::BufReader::with_capacity(1 << 20, File::open(path).unwrap());
    let mut d = Decoder::new();
    let mut out = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let p = d.read_from(&mut f, &mut out).unwrap();
        total += p.produced as u64;
        if p.status == Status::FrameBoundary && p.produced == 0 && p.consumed == 0 {
            return total;
        }
    }
}

/// Microseconds per read of `reads` random 64 KiB reads, on `threads`
/// threads sharing the reader.
fn random_reads(reader: &SeekableReader<File>, size: u64, reads: usize, threads: usize) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut r = Rng::new(t as u64 + 1);
                let mut buf = vec![0u8; READ];
                for _ in 0..reads / threads {
                    let offset = r.next_u64() % (size - READ as u64);
                    let n = reader.read_at(offset, &mut buf).unwrap();
                    assert_eq!(n, READ);
                    std::hint::black_box(&buf);
                }
            });
        }
    });
    start.elapsed().as_secs_f64() * 1e6 / reads as f64
}

pub fn table(s: &Settings) {
    let mib = if s.smoke {
        8
    } else {
        env_count("LZ4FRAMED_BENCH_SEEK_MIB", 1024)
    };
    let reads = if s.smoke { 16 } else { 2000 };
    let dir = std::env::temp_dir().join(format!("lz4framed-bench-seek-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "\n## Random access ({mib} MiB file, span {} MiB; MB/s of content, median of {}; read_at: {reads} reads of 64 KiB at random offsets, each stretch verified on its first visit)\n",
        DEFAULT_SPAN >> 20,
        s.runs
    );
    println!(
        "| frame | plain decode MB/s | index build MB/s | build / decode | index bytes | read_at µs (1 thread) | reads/s 1 thread | reads/s 2 threads |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let corpus = &s.corpora[0].1;
    let configs = [
        (
            "4MB indep",
            Preferences::default()
                .with_block_size(BlockSize::Max4MB)
                .with_block_linked(false),
        ),
        (
            "64KB linked",
            Preferences::default().with_block_size(BlockSize::Max64KB),
        ),
    ];
    for (name, prefs) in &configs {
        let path = dir.join("bench.lz4");
        let size = write_file(&path, mib, prefs, corpus);
        let mbps = |secs: f64| size as f64 / secs / 1e6;
        let decode = median_time(s.runs, || assert_eq!(plain_decode(&path), size));
        let mut index = None;
        let build = median_time(s.runs, || {
            index = Some(build_index(&mut File::open(&path).unwrap(), DEFAULT_SPAN).unwrap());
        });
        let index = index.unwrap();
        let index_len = index.to_bytes().len();
        let reader = SeekableReader::with_index(File::open(&path).unwrap(), index).unwrap();
        // A first pass visits (and verifies) the stretches; then measure.
        random_reads(&reader, size, reads, 1);
        let one = random_reads(&reader, size, reads, 1);
        let two = random_reads(&reader, size, reads, 2);
        let (d, b) = (mbps(decode.as_secs_f64()), mbps(build.as_secs_f64()));
        println!(
            "| {name} | {d:.0} | {b:.0} | {:.2} | {index_len} | {one:.0} | {:.0} | {:.0} |",
            b / d,
            1e6 / one,
            1e6 / two,
        );
        std::fs::remove_file(&path).unwrap();
    }
    let _ = std::fs::remove_dir(&dir);
}
