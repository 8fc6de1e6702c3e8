//! Throughput of lz4framed against liblz4's frame API (LZ4F, the same
//! LZ4 1.10 through lz4-sys, called directly), raw block decoding (the
//! floor) and memcpy (the physical limit), on the same data in one run.
//!
//! `cargo bench --bench throughput` prints a markdown table (median of
//! runs, MB/s of uncompressed data, ratios against LZ4F). Options through
//! the environment: `LZ4FRAMED_BENCH_MIB` (corpus size, default 64),
//! `LZ4FRAMED_BENCH_RUNS` (default 5), `LZ4FRAMED_BENCH_FILE` (add a
//! corpus read from a file), `LZ4FRAMED_BENCH_SMOKE=1` (2 MiB, 1 run: keeps
//! the benchmark from rotting; run by the tests).

use lz4framed::{
    BlockSize, Decoder, Preferences, Status, compress_frame_bound, compress_into, decompress_into,
};
use std::hint::black_box;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::time::Instant;

#[repr(C)]
#[derive(Default)]
struct Lz4fFrameInfo {
    block_size_id: c_uint,
    block_mode: c_uint,
    content_checksum: c_uint,
    frame_type: c_uint,
    content_size: u64,
    dict_id: c_uint,
    block_checksum: c_uint,
}

#[repr(C)]
#[derive(Default)]
struct Lz4fPreferences {
    frame_info: Lz4fFrameInfo,
    level: c_int,
    auto_flush: c_uint,
    favor_dec_speed: c_uint,
    reserved: [c_uint; 3],
}

unsafe extern "C" {
    fn LZ4F_compressFrame(
        dst: *mut c_void,
        cap: usize,
        src: *const c_void,
        len: usize,
        p: *const Lz4fPreferences,
    ) -> usize;
    fn LZ4F_compressFrameBound(len: usize, p: *const Lz4fPreferences) -> usize;
    fn LZ4F_isError(code: usize) -> c_uint;
    fn LZ4F_createDecompressionContext(ctx: *mut *mut c_void, version: c_uint) -> usize;
    fn LZ4F_freeDecompressionContext(ctx: *mut c_void) -> usize;
    fn LZ4F_decompress(
        ctx: *mut c_void,
        dst: *mut c_void,
        dst_size: *mut usize,
        src: *const c_void,
        src_size: *mut usize,
        opts: *const c_void,
    ) -> usize;
    fn LZ4_decompress_safe(src: *const c_char, dst: *mut c_char, len: c_int, cap: c_int) -> c_int;
    fn LZ4_decompress_safe_usingDict(
        src: *const c_char,
        dst: *mut c_char,
        len: c_int,
        cap: c_int,
        dict: *const c_char,
        dict_len: c_int,
    ) -> c_int;
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
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
    let mut r = Rng(1);
    let mut v = Vec::with_capacity(len + 16);
    while v.len() < len {
        let x = r.next();
        // Zipf-like: small indices far more often.
        let i = ((x % 1000) as f64 / 1000.0).powi(3) * words.len() as f64;
        v.extend_from_slice(words[i as usize].as_bytes());
    }
    v.truncate(len);
    v
}

fn json_logs(len: usize) -> Vec<u8> {
    let mut r = Rng(2);
    let mut v = Vec::with_capacity(len + 256);
    let mut t = 1_700_000_000_000u64;
    while v.len() < len {
        t += r.next() % 1000;
        let x = r.next();
        v.extend_from_slice(
            format!(
                "{{\"ts\":{t},\"level\":\"{}\",\"service\":\"{}\",\"latency_ms\":{},\"request_id\":\"{:016x}\"}}\n",
                ["info", "warn", "error", "debug"][(x % 4) as usize],
                ["api", "auth", "billing", "search"][(x >> 4) as usize % 4],
                (x >> 8) % 2000,
                r.next()
            )
            .as_bytes(),
        );
    }
    v.truncate(len);
    v
}

fn mixed_binary(len: usize) -> Vec<u8> {
    let mut r = Rng(3);
    let mut v = Vec::with_capacity(len + 4096);
    while v.len() < len {
        match r.next() % 4 {
            0 => v.extend((0..512).map(|_| r.next() as u8)),
            1 => v.extend(std::iter::repeat_n((r.next() % 256) as u8, 256)),
            2 => v.extend((0..256u32).flat_map(|i| (i * 4 + (r.next() % 3) as u32).to_le_bytes())),
            _ => {
                let back = v.len().min(4096);
                if back > 64 {
                    let start = v.len() - back + (r.next() as usize % (back - 64));
                    let chunk: Vec<u8> = v[start..start + 64].to_vec();
                    v.extend(chunk);
                }
            }
        }
    }
    v.truncate(len);
    v
}

fn random(len: usize) -> Vec<u8> {
    let mut r = Rng(4);
    (0..len).map(|_| r.next() as u8).collect()
}

fn median_mbps(bytes: usize, runs: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    bytes as f64 / 1e6 / t[t.len() / 2]
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
    unsafe {
        let mut ctx = std::ptr::null_mut();
        assert_eq!(
            LZ4F_isError(LZ4F_createDecompressionContext(&mut ctx, 100)),
            0
        );
        let (mut ip, mut op) = (0, 0);
        loop {
            let mut src_size = frame.len() - ip;
            let mut dst_size = chunk.min(out.len() - op);
            let r = LZ4F_decompress(
                ctx,
                out.as_mut_ptr().add(op).cast(),
                &mut dst_size,
                frame.as_ptr().add(ip).cast(),
                &mut src_size,
                std::ptr::null(),
            );
            assert_eq!(LZ4F_isError(r), 0);
            ip += src_size;
            op += dst_size;
            if r == 0 {
                break;
            }
        }
        LZ4F_freeDecompressionContext(ctx);
        op
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

fn main() {
    let smoke = std::env::var_os("LZ4FRAMED_BENCH_SMOKE").is_some();
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let mib = if smoke {
        2
    } else {
        env("LZ4FRAMED_BENCH_MIB", 64)
    };
    let runs = if smoke {
        1
    } else {
        env("LZ4FRAMED_BENCH_RUNS", 5)
    };
    let len = mib << 20;
    let mut corpora: Vec<(String, Vec<u8>)> = vec![
        ("english".into(), english(len)),
        ("json-logs".into(), json_logs(len)),
        ("mixed-binary".into(), mixed_binary(len)),
        ("random".into(), random(len)),
    ];
    if let Ok(path) = std::env::var("LZ4FRAMED_BENCH_FILE") {
        let data = std::fs::read(&path).expect("LZ4FRAMED_BENCH_FILE");
        corpora.push((path.rsplit('/').next().unwrap_or(&path).to_string(), data));
    }
    let configs = [
        ("64KB linked", Preferences::default()),
        (
            "256KB linked + block crc",
            Preferences {
                block_size: BlockSize::Max256KB,
                block_checksum: true,
                ..Default::default()
            },
        ),
        (
            "4MB independent + content crc",
            Preferences {
                block_size: BlockSize::Max4MB,
                block_linked: false,
                content_checksum: true,
                ..Default::default()
            },
        ),
    ];
    println!("## Decode (MB/s of decompressed output, median of {runs}; ratio = ours / LZ4F)\n");
    println!(
        "| corpus | frame | ratio | LZ4F one-shot | ours one-shot | x | LZ4F 64K out | ours 64K out | x | ours pull 64K | x | raw blocks | ours/raw | memcpy |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, data) in &corpora {
        for (cname, p) in &configs {
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
            let bl = blocks(&frame);
            let raw = median_mbps(bytes, runs, || {
                black_box(raw_blocks(
                    &frame,
                    &bl,
                    &mut out,
                    p.block_linked,
                    p.block_size.bytes(),
                ));
            });
            let mut copy = vec![0u8; bytes];
            let memcpy = median_mbps(bytes, runs, || {
                copy.copy_from_slice(black_box(data));
            });
            println!(
                "| {name} | {cname} | {:.2} | {lz4f_one:.0} | {ours_one:.0} | {:.2} | {lz4f_64:.0} | {ours_64:.0} | {:.2} | {pull_64:.0} | {:.2} | {raw:.0} | {:.2} | {memcpy:.0} |",
                frame.len() as f64 / bytes as f64,
                ours_one / lz4f_one,
                ours_64 / lz4f_64,
                pull_64 / lz4f_64,
                ours_one / raw,
            );
        }
    }
    println!("\n## Encode (MB/s of input, median of {runs}; ratio = ours / LZ4F_compressFrame)\n");
    println!("| corpus | level | frame | LZ4F | ours | x |");
    println!("|---|---:|---|---:|---:|---:|");
    for (name, data) in &corpora {
        for level in [-1, 1, 9] {
            for (cname, p) in [&configs[0], &configs[2]] {
                let p = Preferences { level, ..*p };
                if level == 9 && (data.len() > 16 << 20) {
                    // HC is slow: measure on the first 16 MiB only.
                }
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
                println!(
                    "| {name} | {level} | {cname} | {lz4f:.0} | {ours:.0} | {:.2} |",
                    ours / lz4f
                );
            }
        }
    }
}
