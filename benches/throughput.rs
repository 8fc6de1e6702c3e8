//! Throughput of lz4framed against liblz4's frame API (LZ4F, the same
//! LZ4 1.10 through lz4-sys, called directly), lz4_flex's frame decoder,
//! raw block decoding (the floor) and memcpy (the physical limit), on the
//! same data in one run; then the cost of checkpoints (clone, marshal,
//! unmarshal) of decoders and encoders, and the peak heap of both.
//!
//! `cargo bench --bench throughput` prints markdown tables (median of
//! runs, MB/s of uncompressed data, ratios against LZ4F). Options through
//! the environment: `LZ4FRAMED_BENCH_MIB` (corpus size, default 64),
//! `LZ4FRAMED_BENCH_RUNS` (default 5), `LZ4FRAMED_BENCH_FILE` (add a
//! corpus read from a file, e.g. silesia.tar), `LZ4FRAMED_BENCH_SMOKE=1`
//! (2 MiB, 1 run), `LZ4FRAMED_BENCH_TABLES` (comma-separated subset of
//! decode,encode,workers,bandwidth,tool,http,checkpoint,memory,seek_read,seek;
//! default all). The http table (`throughput/http.rs`) times `lz4framed
//! decompress URL OUT` against `curl -s URL | lz4 -d -c > OUT` from one
//! nginx on loopback; `seek_read` is random access
//! (`throughput/seek_read.rs`); `seek` is the size and speed cost of
//! writing a seek table (`throughput/seek_table.rs`).
//! The workers table also holds the parallel decoder (`parallel_decode`),
//! the bandwidth one to four threads get here (alone: `bandwidth`), and
//! whole-process rows of the `lz4framed` tool against `lz4` (alone:
//! `tool`; needs `LZ4_CLI`, the path of an lz4 1.10 binary, and is skipped
//! with a note without it). `cargo test`
//! runs this binary without `--bench`, which also means the smoke mode:
//! the benchmark cannot rot.

#[path = "throughput/encoder_checkpoint.rs"]
mod encoder_checkpoint;
#[path = "throughput/http.rs"]
mod http;
#[path = "throughput/parallel_decode.rs"]
mod parallel_decode;
#[path = "throughput/seek_read.rs"]
mod seek_read;
#[path = "throughput/seek_table.rs"]
mod seek_table;
#[path = "throughput/tool.rs"]
mod tool;

use lz4framed::{
    BlockSize, Decoder, Encoder, Preferences, Status, compress_frame_bound, compress_into,
    decompress_into,
};
use lz4framed_testkit::bench::{env_count, median_time, smoke_mode};
use lz4framed_testkit::liblz4::*;
use lz4framed_testkit::{Rng, random_bytes};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::Read;
use std::os::raw::{c_int, c_uint};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::Duration;

/// Counts live heap bytes and their peak, for the memory table. The hot
/// loops measured for speed do not allocate, so it costs them nothing.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn counted(delta: isize) {
    let now = LIVE.fetch_add(delta, Relaxed) + delta;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        counted(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak heap bytes allocated by `f` beyond what was live when it started.
fn heap_peak(f: impl FnOnce()) -> usize {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    f();
    (PEAK.load(Relaxed) - before) as usize
}

fn english(len: usize) -> Vec<u8> {
    let words = [
        "the ",
        "of ",
        "and ",
        "a ",
        "to ",
        "in ",
        "is ",
        "you ",
        "that ",
        "it ",
        "he ",
        "was ",
        "for ",
        "on ",
        "are ",
        "as ",
        "with ",
        "his ",
        "they ",
        "compression ",
        "frame ",
        "stream ",
        "resume ",
        "window ",
        "block ",
        ". ",
        ", ",
        "\n",
    ];
    let mut r = Rng::new(1);
    let mut v = Vec::with_capacity(len + 16);
    while v.len() < len {
        let x = r.next_u64();
        // Zipf-like: small indices far more often.
        let i = ((x % 1000) as f64 / 1000.0).powi(3) * words.len() as f64;
        v.extend_from_slice(words[i as usize].as_bytes());
    }
    v.truncate(len);
    v
}

fn json_logs(len: usize) -> Vec<u8> {
    let mut r = Rng::new(2);
    let mut v = Vec::with_capacity(len + 256);
    let mut t = 1_700_000_000_000u64;
    while v.len() < len {
        t += r.next_u64() % 1000;
        let x = r.next_u64();
        v.extend_from_slice(
            format!(
                "{{\"ts\":{t},\"level\":\"{}\",\"service\":\"{}\",\"latency_ms\":{},\"request_id\":\"{:016x}\"}}\n",
                ["info", "warn", "error", "debug"][(x % 4) as usize],
                ["api", "auth", "billing", "search"][(x >> 4) as usize % 4],
                (x >> 8) % 2000,
                r.next_u64()
            )
            .as_bytes(),
        );
    }
    v.truncate(len);
    v
}

/// The whole-process rows' corpus: a third each of english, json-logs and
/// mixed-binary, `len` bytes in all.
fn three_corpora(len: usize) -> Vec<u8> {
    let third = len / 3;
    let mut data = english(third);
    data.extend(json_logs(third));
    data.extend(mixed_binary(len - 2 * third));
    data
}

fn mixed_binary(len: usize) -> Vec<u8> {
    let mut r = Rng::new(3);
    let mut v = Vec::with_capacity(len + 4096);
    while v.len() < len {
        match r.next_u64() % 4 {
            0 => v.extend((0..512).map(|_| r.next_u64() as u8)),
            1 => v.extend(std::iter::repeat_n((r.next_u64() % 256) as u8, 256)),
            2 => v.extend(
                (0..256u32).flat_map(|i| (i * 4 + (r.next_u64() % 3) as u32).to_le_bytes()),
            ),
            _ => {
                let back = v.len().min(4096);
                if back > 64 {
                    let start = v.len() - back + (r.next_u64() as usize % (back - 64));
                    let chunk: Vec<u8> = v[start..start + 64].to_vec();
                    v.extend(chunk);
                }
            }
        }
    }
    v.truncate(len);
    v
}

fn median_mbps(bytes: usize, runs: usize, f: impl FnMut()) -> f64 {
    bytes as f64 / 1e6 / median_time(runs, f).as_secs_f64()
}

fn lz4f_prefs(p: &Preferences) -> Lz4fPreferences {
    Lz4fPreferences {
        frame_info: Lz4fFrameInfo {
            block_size_id: p.block_size.id() as c_uint,
            block_mode: (!p.block_linked) as c_uint,
            content_checksum: p.content_checksum as c_uint,
            block_checksum: p.block_checksum as c_uint,
            ..Default::default()
        },
        level: p.level,
        ..Default::default()
    }
}

fn lz4f_compress(src: &[u8], p: &Preferences, dst: &mut Vec<u8>) -> usize {
    let lp = lz4f_prefs(p);
    unsafe {
        let cap = LZ4F_compressFrameBound(src.len(), &lp);
        dst.resize(cap, 0);
        let n = LZ4F_compressFrame(
            dst.as_mut_ptr().cast(),
            cap,
            src.as_ptr().cast(),
            src.len(),
            &lp,
        );
        assert_eq!(LZ4F_isError(n), 0);
        n
    }
}

/// LZ4F_decompress over the whole frame, output in `chunk`-byte pieces
/// (or all at once when `chunk` >= the output).
fn lz4f_decompress(frame: &[u8], out: &mut [u8], chunk: usize) -> usize {
    let mut d = Lz4fDecoder::new();
    let (mut ip, mut op) = (0, 0);
    loop {
        let end = op + chunk.min(out.len() - op);
        let s = d.decompress(&frame[ip..], &mut out[op..end]).unwrap();
        ip += s.consumed;
        op += s.produced;
        if s.hint == 0 {
            return op;
        }
    }
}

/// LZ4F_decompress fed the way a pull reader is: input read from a source
/// into a 64 KiB buffer, output in `chunk`-byte pieces. The fair reference
/// for our pull API, which pays the same read copy.
fn lz4f_pull(frame: &[u8], out: &mut [u8], chunk: usize) -> usize {
    let mut source = frame;
    let mut buf = vec![0u8; 65536];
    let mut d = Lz4fDecoder::new();
    let mut op = 0;
    loop {
        let n = source.read(&mut buf).unwrap();
        let mut ip = 0;
        loop {
            let end = op + chunk.min(out.len() - op);
            let s = d.decompress(&buf[ip..n], &mut out[op..end]).unwrap();
            ip += s.consumed;
            op += s.produced;
            if s.hint == 0 {
                return op;
            }
            if ip == n && s.produced == 0 {
                break;
            }
        }
    }
}

fn ours_streaming(frame: &[u8], out: &mut [u8], chunk: usize) -> usize {
    let mut d = Decoder::new();
    let (mut ip, mut op) = (0, 0);
    loop {
        let end = (op + chunk).min(out.len());
        let p = d.decompress(&frame[ip..], &mut out[op..end], true).unwrap();
        ip += p.consumed;
        op += p.produced;
        if p.status == Status::FrameBoundary && ip == frame.len() {
            return op;
        }
    }
}

fn ours_pull(frame: &[u8], out: &mut [u8], chunk: usize) -> usize {
    let mut d = Decoder::new();
    let mut src = frame;
    let mut op = 0;
    loop {
        let end = (op + chunk).min(out.len());
        let p = d.read_from(&mut src, &mut out[op..end]).unwrap();
        op += p.produced;
        if p.status == Status::FrameBoundary {
            return op;
        }
    }
}

/// The blocks of a frame as (compressed bytes, raw?) for the floor.
fn blocks(frame: &[u8]) -> Vec<(usize, usize, bool)> {
    let (info, mut at) = lz4framed::read_frame_info(frame).unwrap().unwrap();
    let mut v = Vec::new();
    loop {
        let h = u32::from_le_bytes(frame[at..at + 4].try_into().unwrap());
        at += 4;
        if h == 0 {
            return v;
        }
        let len = (h & 0x7fff_ffff) as usize;
        v.push((at, len, h >> 31 == 1));
        at += len + if info.block_checksum { 4 } else { 0 };
    }
}

/// Raw block decoding into one output buffer (prefix mode for linked blocks).
fn raw_blocks(
    frame: &[u8],
    bl: &[(usize, usize, bool)],
    out: &mut [u8],
    linked: bool,
    bs: usize,
) -> usize {
    let mut op = 0;
    for &(at, len, raw) in bl {
        let src = &frame[at..at + len];
        if raw {
            out[op..op + len].copy_from_slice(src);
            op += len;
            continue;
        }
        let cap = bs.min(out.len() - op) as c_int;
        let n = unsafe {
            if linked {
                let hist = op.min(65536);
                LZ4_decompress_safe_usingDict(
                    src.as_ptr().cast(),
                    out.as_mut_ptr().add(op).cast(),
                    len as c_int,
                    cap,
                    out.as_ptr().add(op - hist).cast(),
                    hist as c_int,
                )
            } else {
                LZ4_decompress_safe(
                    src.as_ptr().cast(),
                    out.as_mut_ptr().add(op).cast(),
                    len as c_int,
                    cap,
                )
            }
        };
        assert!(n >= 0);
        op += n as usize;
    }
    op
}

/// The floor: MB/s of raw block decoding of `frame` (made with `p`) into
/// `out`, no frame parsing, no checksums.
fn raw_floor_mbps(frame: &[u8], p: &Preferences, out: &mut [u8], runs: usize) -> f64 {
    let bl = blocks(frame);
    median_mbps(out.len(), runs, || {
        black_box(raw_blocks(
            frame,
            &bl,
            out,
            p.block_linked,
            p.block_size.bytes(),
        ));
    })
}

/// LZ4F_compressUpdate with `piece`-byte inputs into one output buffer.
fn lz4f_stream_compress(src: &[u8], p: &Preferences, piece: usize, dst: &mut [u8]) -> usize {
    let lp = lz4f_prefs(p);
    unsafe {
        let mut ctx = std::ptr::null_mut();
        assert_eq!(
            LZ4F_isError(LZ4F_createCompressionContext(&mut ctx, 100)),
            0
        );
        let mut at = LZ4F_compressBegin(ctx, dst.as_mut_ptr().cast(), dst.len(), &lp);
        assert_eq!(LZ4F_isError(at), 0);
        for chunk in src.chunks(piece) {
            let n = LZ4F_compressUpdate(
                ctx,
                dst.as_mut_ptr().add(at).cast(),
                dst.len() - at,
                chunk.as_ptr().cast(),
                chunk.len(),
                std::ptr::null(),
            );
            assert_eq!(LZ4F_isError(n), 0);
            at += n;
        }
        let n = LZ4F_compressEnd(
            ctx,
            dst.as_mut_ptr().add(at).cast(),
            dst.len() - at,
            std::ptr::null(),
        );
        assert_eq!(LZ4F_isError(n), 0);
        LZ4F_freeCompressionContext(ctx);
        at + n
    }
}

fn lz4f_stream_bound(len: usize, p: &Preferences, piece: usize) -> usize {
    let lp = lz4f_prefs(p);
    // Header + one bound per update + end.
    32 + len.div_ceil(piece) * unsafe { LZ4F_compressBound(piece, &lp) }
        + unsafe { LZ4F_compressBound(0, &lp) }
}

/// Our encoder with `piece`-byte updates into one output buffer.
fn ours_stream_compress(src: &[u8], p: &Preferences, piece: usize, dst: &mut [u8]) -> usize {
    let mut e = Encoder::new(p).unwrap();
    let mut at = e.begin(dst).unwrap();
    for chunk in src.chunks(piece) {
        at += e.update(chunk, &mut dst[at..]).unwrap();
    }
    at + e.end(&mut dst[at..]).unwrap()
}

fn flex_decompress(frame: &[u8], out: &mut [u8]) -> usize {
    let mut d = lz4_flex::frame::FrameDecoder::new(frame);
    d.read_exact(out).unwrap();
    out.len()
}

struct Settings {
    smoke: bool,
    runs: usize,
    corpora: Vec<(String, Vec<u8>)>,
}

fn settings() -> Settings {
    let smoke = smoke_mode();
    let mib = if smoke {
        2
    } else {
        env_count("LZ4FRAMED_BENCH_MIB", 64)
    };
    let runs = if smoke {
        1
    } else {
        env_count("LZ4FRAMED_BENCH_RUNS", 5)
    };
    let len = mib << 20;
    let mut corpora: Vec<(String, Vec<u8>)> = vec![
        ("english".into(), english(len)),
        ("json-logs".into(), json_logs(len)),
        ("mixed-binary".into(), mixed_binary(len)),
        ("random".into(), random_bytes(len, 4)),
    ];
    if let Ok(path) = std::env::var("LZ4FRAMED_BENCH_FILE") {
        let data = std::fs::read(&path).expect("LZ4FRAMED_BENCH_FILE");
        corpora.push((path.rsplit('/').next().unwrap_or(&path).to_string(), data));
    }
    Settings {
        smoke,
        runs,
        corpora,
    }
}

fn decode_configs() -> [(&'static str, Preferences); 3] {
    [
        ("64KB linked", Preferences::default()),
        (
            "256KB linked + block crc",
            Preferences::default()
                .with_block_size(BlockSize::Max256KB)
                .with_block_checksum(true),
        ),
        (
            "4MB indep + content crc",
            Preferences::default()
                .with_block_size(BlockSize::Max4MB)
                .with_block_linked(false)
                .with_content_checksum(true),
        ),
    ]
}

fn decode_table(s: &Settings) {
    let runs = s.runs;
    println!("## Decode (MB/s of decompressed output, median of {runs}; x = ours / LZ4F)\n");
    println!(
        "| corpus | frame | ratio | LZ4F one-shot | ours one-shot | x | LZ4F 64K out | ours 64K out | x | LZ4F read 64K | ours pull 64K | x | lz4_flex | ours/flex | raw blocks | ours/raw | memcpy |"
    );
    println!(
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (name, data) in &s.corpora {
        for (cname, p) in &decode_configs() {
            let mut frame = Vec::new();
            let n = lz4f_compress(data, p, &mut frame);
            frame.truncate(n);
            let mut out = vec![0u8; data.len()];
            let bytes = data.len();
            let lz4f_one = median_mbps(bytes, runs, || {
                black_box(lz4f_decompress(&frame, &mut out, usize::MAX));
            });
            assert!(out == *data);
            out.fill(0);
            let ours_one = median_mbps(bytes, runs, || {
                black_box(decompress_into(&frame, &mut out).unwrap());
            });
            assert!(out == *data);
            let lz4f_64 = median_mbps(bytes, runs, || {
                black_box(lz4f_decompress(&frame, &mut out, 65536));
            });
            out.fill(0);
            let ours_64 = median_mbps(bytes, runs, || {
                black_box(ours_streaming(&frame, &mut out, 65536));
            });
            assert!(out == *data);
            out.fill(0);
            let pull_64 = median_mbps(bytes, runs, || {
                black_box(ours_pull(&frame, &mut out, 65536));
            });
            assert!(out == *data);
            out.fill(0);
            let lz4f_pull_64 = median_mbps(bytes, runs, || {
                black_box(lz4f_pull(&frame, &mut out, 65536));
            });
            assert!(out == *data);
            out.fill(0);
            let flex = median_mbps(bytes, runs, || {
                black_box(flex_decompress(&frame, &mut out));
            });
            assert!(out == *data);
            let raw = raw_floor_mbps(&frame, p, &mut out, runs);
            let mut copy = vec![0u8; bytes];
            let memcpy = median_mbps(bytes, runs, || {
                copy.copy_from_slice(black_box(data));
            });
            println!(
                "| {name} | {cname} | {:.2} | {lz4f_one:.0} | {ours_one:.0} | {:.2} | {lz4f_64:.0} | {ours_64:.0} | {:.2} | {lz4f_pull_64:.0} | {pull_64:.0} | {:.2} | {flex:.0} | {:.2} | {raw:.0} | {:.2} | {memcpy:.0} |",
                frame.len() as f64 / bytes as f64,
                ours_one / lz4f_one,
                ours_64 / lz4f_64,
                pull_64 / lz4f_pull_64,
                ours_one / flex,
                ours_one / raw,
            );
        }
    }
}

fn encode_table(s: &Settings) {
    let runs = s.runs;
    println!(
        "\n## Encode (MB/s of input, median of {runs}; x = ours / LZ4F; streaming: 64 KiB updates)\n"
    );
    println!(
        "| corpus | level | frame | LZ4F_compressFrame | ours one-shot | x | LZ4F_compressUpdate | ours update | x |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    let configs = decode_configs();
    for (name, data) in &s.corpora {
        for level in [-1, 1, 9] {
            for (cname, p) in [&configs[0], &configs[2]] {
                let p = (*p).with_level(level);
                // HC is slow: measured on the first 16 MiB.
                let src = if level == 9 {
                    &data[..data.len().min(16 << 20)]
                } else {
                    &data[..]
                };
                let mut frame = Vec::new();
                let lz4f = median_mbps(src.len(), runs, || {
                    black_box(lz4f_compress(src, &p, &mut frame));
                });
                let mut dst = vec![0u8; compress_frame_bound(src.len(), &p)];
                let ours = median_mbps(src.len(), runs, || {
                    black_box(compress_into(src, &mut dst, &p).unwrap());
                });
                let piece = 65536;
                let mut sdst = vec![0u8; lz4f_stream_bound(src.len(), &p, piece)];
                let lz4f_stream = median_mbps(src.len(), runs, || {
                    black_box(lz4f_stream_compress(src, &p, piece, &mut sdst));
                });
                let mut odst = vec![0u8; compress_frame_bound(src.len(), &p) + (1 << 20)];
                let ours_stream = median_mbps(src.len(), runs, || {
                    black_box(ours_stream_compress(src, &p, piece, &mut odst));
                });
                let n = ours_stream_compress(src, &p, piece, &mut odst);
                assert_eq!(lz4framed::decompress(&odst[..n]).unwrap(), src);
                println!(
                    "| {name} | {level} | {cname} | {lz4f:.0} | {ours:.0} | {:.2} | {lz4f_stream:.0} | {ours_stream:.0} | {:.2} |",
                    ours / lz4f,
                    ours_stream / lz4f_stream,
                );
            }
        }
    }
}

/// Runs every closure of `fs` once per round, `runs` rounds, so that a
/// change of machine load hits all of them alike; returns each one's
/// seconds per round, in round order.
fn interleaved_times(runs: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<Vec<f64>> {
    let mut t = vec![Vec::with_capacity(runs); fs.len()];
    for _ in 0..runs.max(1) {
        for (f, times) in fs.iter_mut().zip(&mut t) {
            let start = std::time::Instant::now();
            f();
            times.push(start.elapsed().as_secs_f64());
        }
    }
    t
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The parallel encoder (`Preferences::workers`) against the serial one
/// and LZ4F, 4 MB independent blocks + content checksum: one-shot
/// (`compress_into`) with 0, 1, 2 and 4 workers, and a streaming `Encoder`
/// fed 1 MiB updates with 0 and 2 workers. All configurations run once per
/// round, interleaved, so that the shared machine's changing load hits them
/// alike; each ratio is the median over rounds of the ratio within a round.
/// On a 2-core machine 4 workers oversubscribe the cores.
fn workers_table(s: &Settings) {
    let runs = s.runs;
    println!(
        "\n## Parallel encode (MB/s of input, median of {runs} interleaved rounds; 4MB indep + content crc; xN = N workers / serial ours, median of per-round ratios; stream: Encoder with 1 MiB updates)\n"
    );
    println!(
        "| corpus | level | LZ4F_compressFrame | ours serial | 1 worker | 2 workers | 4 workers | x1 | x2 | x4 | 2 workers / LZ4F | stream serial | stream 2 workers | stream x2 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let base = decode_configs()[2].1;
    let piece = 1 << 20;
    for (name, data) in &s.corpora {
        for level in [1, 9] {
            let p = base.with_level(level);
            let src = if level == 9 {
                &data[..data.len().min(16 << 20)]
            } else {
                &data[..]
            };
            let mut dst = vec![0u8; compress_frame_bound(src.len(), &p)];
            let serial_len = compress_into(src, &mut dst, &p).unwrap();
            let serial_frame = dst[..serial_len].to_vec();
            let ps = p.with_workers(2);
            let room = compress_frame_bound(src.len(), &ps) + lz4framed::compress_bound(piece, &ps);
            let mut sdst = vec![0u8; room];
            for workers in [0, 2] {
                let n = ours_stream_compress(src, &p.with_workers(workers), piece, &mut sdst);
                assert!(
                    sdst[..n] == serial_frame[..],
                    "streaming with {workers} workers differs from serial"
                );
            }
            for workers in [1u32, 2, 4] {
                let n = compress_into(src, &mut dst, &p.with_workers(workers)).unwrap();
                assert!(
                    dst[..n] == serial_frame[..],
                    "{workers} workers differ from serial"
                );
            }
            let mut frame = Vec::new();
            // One output buffer per configuration, each touched before timing.
            let (mut d0, mut d1, mut d2, mut d4) = (dst.clone(), dst.clone(), dst.clone(), dst);
            let mut s0 = sdst.clone();
            let mut s2 = sdst;
            let t = interleaved_times(
                runs,
                &mut [
                    &mut || {
                        black_box(lz4f_compress(src, &p, &mut frame));
                    },
                    &mut || {
                        black_box(compress_into(src, &mut d0, &p).unwrap());
                    },
                    &mut || {
                        black_box(compress_into(src, &mut d1, &p.with_workers(1)).unwrap());
                    },
                    &mut || {
                        black_box(compress_into(src, &mut d2, &p.with_workers(2)).unwrap());
                    },
                    &mut || {
                        black_box(compress_into(src, &mut d4, &p.with_workers(4)).unwrap());
                    },
                    &mut || {
                        black_box(ours_stream_compress(src, &p, piece, &mut s0));
                    },
                    &mut || {
                        black_box(ours_stream_compress(src, &ps, piece, &mut s2));
                    },
                ],
            );
            let mbps = |i: usize| src.len() as f64 / 1e6 / median(t[i].clone());
            let ratio =
                |i: usize, of: usize| median(t[of].iter().zip(&t[i]).map(|(a, b)| a / b).collect());
            println!(
                "| {name} | {level} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.2} |",
                mbps(0),
                mbps(1),
                mbps(2),
                mbps(3),
                mbps(4),
                ratio(2, 1),
                ratio(3, 1),
                ratio(4, 1),
                ratio(3, 0),
                mbps(5),
                mbps(6),
                ratio(6, 5),
            );
        }
    }
}

/// Median time of one call of `f`, each timing over enough repetitions
/// to be measurable.
fn median_call_time(runs: usize, mut f: impl FnMut()) -> Duration {
    let reps = 200;
    median_time(runs.max(5), || {
        for _ in 0..reps {
            f();
        }
    }) / reps
}

/// A decoder fed `frame` up to a block boundary (`mid_block` false) or
/// into the middle of a block with decoded output still undelivered.
fn decoder_at(frame: &[u8], block: usize, mid_block: bool) -> Decoder {
    let mut d = Decoder::new();
    let mut out = vec![0u8; 4 * block];
    // Two whole blocks (at least 1 MiB of output when blocks are small).
    let want = (2 * block).max(1 << 20);
    let mut produced = 0;
    let mut at = 0;
    while produced < want || !d.at_block_boundary() {
        let n = d.input_hint().clamp(1, 65536);
        let p = d
            .decompress(&frame[at..(at + n).min(frame.len())], &mut out, false)
            .unwrap();
        at += p.consumed;
        produced += p.produced;
    }
    if mid_block {
        // Half of the next block, output room for a quarter of it.
        let header = 4;
        let p = d
            .decompress(&frame[at..at + header], &mut out, false)
            .unwrap();
        at += p.consumed;
        let half = d.input_hint() / 2;
        // One byte of output room: with none, the decoder would leave the
        // block in the input.
        let p = d
            .decompress(&frame[at..at + half], &mut [0u8; 1], false)
            .unwrap();
        assert_eq!(p.consumed, half);
        assert!(!d.at_block_boundary());
    }
    d
}

fn checkpoint_table(s: &Settings) {
    println!(
        "\n## Checkpoints (µs per operation, median; blob bytes; MB/s of a decoder right after unmarshal vs a fresh one)\n"
    );
    println!(
        "| blocks | where | clone µs | marshal µs | unmarshal µs | blob bytes | after-unmarshal MB/s | fresh MB/s | x |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let data = &s.corpora[0].1;
    for (bname, block_size, linked) in [
        ("64KB linked", BlockSize::Max64KB, true),
        ("64KB indep", BlockSize::Max64KB, false),
        ("4MB linked", BlockSize::Max4MB, true),
        ("4MB indep", BlockSize::Max4MB, false),
    ] {
        let p = Preferences::default()
            .with_block_size(block_size)
            .with_block_linked(linked)
            .with_content_checksum(true);
        let frame = lz4framed::compress(data, &p).unwrap();
        let block = block_size.bytes();
        if data.len() < 3 * block {
            continue; // smoke mode: too little data for 4 MB blocks
        }
        for mid in [false, true] {
            let d = decoder_at(&frame, block, mid);
            let clone = median_call_time(s.runs, || drop(black_box(d.clone())));
            let marshal = median_call_time(s.runs, || drop(black_box(d.marshal().unwrap())));
            let blob = d.marshal().unwrap();
            let unmarshal = median_call_time(s.runs, || {
                drop(black_box(Decoder::unmarshal(&blob, None).unwrap()))
            });
            // The rest of the stream, decoded by a restored decoder and by
            // the original (cloned, so both start at the same point).
            let at = d.input_consumed() as usize;
            let rest = data.len() - d.output_produced() as usize;
            let mut out = vec![0u8; rest];
            let after = median_mbps(rest, s.runs, || {
                let mut r = Decoder::unmarshal(&blob, None).unwrap();
                let mut op = 0;
                let p = r.decompress(&frame[at..], &mut out[op..], true).unwrap();
                op += p.produced;
                assert_eq!(op, rest);
            });
            assert!(out[..] == data[data.len() - rest..]);
            let fresh = median_mbps(rest, s.runs, || {
                let mut r = d.clone();
                let p = r.decompress(&frame[at..], &mut out, true).unwrap();
                assert_eq!(p.produced, rest);
            });
            println!(
                "| {bname} | {} | {:.2} | {:.2} | {:.2} | {} | {after:.0} | {fresh:.0} | {:.2} |",
                if mid { "mid-block" } else { "block boundary" },
                clone.as_secs_f64() * 1e6,
                marshal.as_secs_f64() * 1e6,
                unmarshal.as_secs_f64() * 1e6,
                blob.len(),
                after / fresh,
            );
        }
    }
}

fn memory_table(s: &Settings) {
    println!(
        "\n## Memory (peak heap bytes of one decoder / encoder streaming a frame with 64 KiB buffers; bound = max block + 64 KiB + 4 KiB)\n"
    );
    println!(
        "| block size | linked | decoder heap peak | bound | within | decoder object | encoder heap + LZ4 state (level 1) | encoder object |"
    );
    println!("|---|---|---:|---:|---|---:|---:|---:|");
    let data = &s.corpora[2].1;
    for block_size in [
        BlockSize::Max64KB,
        BlockSize::Max256KB,
        BlockSize::Max1MB,
        BlockSize::Max4MB,
    ] {
        for linked in [true, false] {
            let p = Preferences::default()
                .with_block_size(block_size)
                .with_block_linked(linked)
                .with_content_checksum(true)
                .with_block_checksum(true);
            let frame = lz4framed::compress(data, &p).unwrap();
            let mut out = vec![0u8; 65536];
            let mut src = vec![0u8; 65536];
            let dec = heap_peak(|| {
                let mut d = Decoder::new();
                let mut at = 0;
                loop {
                    // Input in 64 KiB pieces, output drained 64 KiB at a time.
                    let end = (at + src.len()).min(frame.len());
                    let n = end - at;
                    src[..n].copy_from_slice(&frame[at..end]);
                    let p = d
                        .decompress(&src[..n], &mut out, end == frame.len())
                        .unwrap();
                    at += p.consumed;
                    if p.status == Status::FrameBoundary && at == frame.len() {
                        break;
                    }
                }
            });
            // Room for any one update (which may complete a buffered block).
            let mut dst = vec![0u8; compress_frame_bound(block_size.bytes() + 65536, &p)];
            let enc = heap_peak(|| {
                let mut e = Encoder::new(&p).unwrap();
                e.begin(&mut dst).unwrap();
                for chunk in data.chunks(65536) {
                    e.update(chunk, &mut dst).unwrap();
                }
                e.end(&mut dst).unwrap();
            });
            // The encoder's LZ4 state is allocated by C (malloc), which the
            // counting allocator does not see: add its size.
            let enc = enc + unsafe { LZ4_sizeofState() } as usize;
            let bound = block_size.bytes() + 65536 + 4096;
            println!(
                "| {:?} | {linked} | {dec} | {bound} | {} | {} | {enc} | {} |",
                block_size,
                if dec <= bound { "yes" } else { "NO" },
                std::mem::size_of::<Decoder>(),
                std::mem::size_of::<Encoder>(),
            );
        }
    }
}

fn main() {
    let s = settings();
    if s.smoke {
        println!("(smoke mode: 2 MiB corpora, 1 run; `cargo bench --bench throughput` measures)\n");
    }
    let tables = std::env::var("LZ4FRAMED_BENCH_TABLES").unwrap_or_default();
    let want = |t: &str| tables.is_empty() || tables.split(',').any(|x| x.trim() == t);
    if want("decode") {
        decode_table(&s);
    }
    if want("encode") {
        encode_table(&s);
    }
    // "workers" is all of the parallel rows; "bandwidth" and "tool" pick
    // one part of them (the slowest and the noisiest to repeat).
    if want("workers") {
        workers_table(&s);
        parallel_decode::table(&s);
    }
    if want("workers") || want("bandwidth") {
        parallel_decode::bandwidth_table(&s);
    }
    if want("workers") || want("tool") {
        tool::table(&s);
    }
    if want("http") {
        http::table(&s);
    }
    if want("checkpoint") {
        checkpoint_table(&s);
        encoder_checkpoint::table(&s);
    }
    if want("seek") {
        seek_table::table(&s);
    }
    if want("memory") {
        memory_table(&s);
    }
    if want("seek_read") {
        seek_read::table(&s);
    }
}
