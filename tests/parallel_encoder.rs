//! The parallel encoder (`Preferences::workers`): independent blocks come
//! out byte-identical to the serial encoder for every preference and call
//! pattern; linked frames decode everywhere and keep the serial ratio;
//! output bounds and the memory bound hold at every call; worker threads
//! start only when needed and are joined on drop.

mod common;

use common::{Rng, compressible, mixed, random_bytes};
use lz4framed::{
    BlockSize, Encoder, Error, MAX_WORKERS, Preferences, compress, compress_bound,
    compress_frame_bound, compress_into, compress_into_with_dictionary, compress_with_dictionary,
    decompress, decompress_with_dictionary,
};
use std::io::Write;
use std::process::{Command, Stdio};

const MIB: usize = 1 << 20;
/// The job size of the parallel encoder.
const JOB: usize = 4 * MIB;

#[derive(Clone, Copy, Debug)]
enum Op {
    Update(usize),
    Flush,
}

/// A random call pattern over `len` bytes: updates of 0, 1, small, about
/// a block, and larger-than-a-job sizes, with a flush now and then.
fn plan(len: usize, r: &mut Rng) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut at = 0;
    while at < len {
        let take = match r.below(8) {
            0 => 0,
            1 => 1,
            2 => r.range(1, 300),
            3 | 4 => r.range(1, 200_000),
            5 => r.range(1, MIB),
            6 => r.range(MIB, 3 * MIB),
            _ => r.range(4 * MIB, 6 * MIB),
        }
        .min(len - at);
        ops.push(Op::Update(take));
        at += take;
        if r.chance(7) {
            ops.push(Op::Flush);
        }
    }
    ops
}

/// Runs `ops` over `src` with a streaming encoder, checking at every call
/// that the output fits the bounds the API states and that the memory of
/// a parallel encoder stays within its bound. Returns the frame.
fn encode(src: &[u8], prefs: &Preferences, dict: &[u8], ops: &[Op]) -> Vec<u8> {
    let mut e = Encoder::with_dictionary(prefs, dict).unwrap();
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    let mut out = Vec::new();
    let mut at = 0;
    let check_memory = |e: &Encoder| {
        assert!(
            e.memory_usage() <= e.memory_bound(),
            "memory {} > bound {}",
            e.memory_usage(),
            e.memory_bound()
        );
    };
    for op in ops {
        match *op {
            Op::Update(take) => {
                let exact = e.update_bound(take);
                let general = compress_bound(take, prefs);
                assert!(
                    exact <= general,
                    "update_bound {exact} > compress_bound {general}"
                );
                out.resize(exact, 0);
                let n = e.update(&src[at..at + take], &mut out).unwrap();
                assert!(n <= exact);
                frame.extend_from_slice(&out[..n]);
                at += take;
            }
            Op::Flush => {
                out.resize(compress_bound(0, prefs), 0);
                let n = e.flush(&mut out).unwrap();
                frame.extend_from_slice(&out[..n]);
                assert_eq!(e.update_bound(0), 0, "a flush leaves nothing in flight");
            }
        }
        check_memory(&e);
    }
    assert_eq!(at, src.len());
    let exact = e.end_bound();
    assert!(exact <= compress_bound(0, prefs));
    out.resize(exact, 0);
    let n = e.end(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    check_memory(&e);
    frame
}

#[test]
fn independent_blocks_are_byte_identical_to_the_serial_encoder() {
    let mut r = Rng::new(11);
    let dict = mixed(100_000, 99);
    let sizes = [
        BlockSize::Max64KB,
        BlockSize::Max256KB,
        BlockSize::Max1MB,
        BlockSize::Max4MB,
    ];
    // (level, data length): HC levels on less data to keep the test short.
    let levels = [
        (-5, 11 * MIB),
        (0, 3 * MIB),
        (1, 13 * MIB),
        (3, 5 * MIB),
        (9, 5 * MIB),
        (12, MIB),
    ];
    let mut case = 0;
    for (level, max_len) in levels {
        for _ in 0..4 {
            case += 1;
            let len = match r.below(5) {
                0 => r.below(100),
                1 => r.range(1, 300_000),
                _ => r.range(max_len / 2, max_len),
            };
            let src = if r.chance(3) {
                compressible(len, case)
            } else {
                mixed(len, case)
            };
            let mut prefs = Preferences::default()
                .with_level(level)
                .with_block_size(sizes[r.below(4)])
                .with_block_linked(false)
                .with_block_checksum(r.chance(2))
                .with_content_checksum(r.chance(2))
                .with_content_size(r.chance(2).then_some(len as u64))
                .with_auto_flush(r.chance(3))
                .with_favor_dec_speed(level >= 10 && r.chance(2));
            let use_dict = r.chance(3);
            if use_dict {
                prefs.dict_id = Some(7);
            }
            let d: &[u8] = if use_dict { &dict } else { &[] };
            let ops = plan(len, &mut r);
            let serial = encode(&src, &prefs, d, &ops);
            for workers in 1..=4 {
                prefs.workers = workers;
                let parallel = encode(&src, &prefs, d, &ops);
                assert!(
                    parallel == serial,
                    "case {case}: {workers} workers differ from serial ({prefs:?}, {len} bytes)"
                );
            }
            prefs.workers = 0;
            assert_eq!(
                decompress_with_dictionary(&serial, d, None).unwrap(),
                src,
                "case {case}"
            );
            // One-shot compression with workers is byte-identical too.
            let one = compress_with_dictionary(&src, &prefs, d).unwrap();
            prefs.workers = 1 + r.below(4) as u32;
            assert!(
                compress_with_dictionary(&src, &prefs, d).unwrap() == one,
                "case {case} one-shot"
            );
        }
    }
}

fn lz4_tool_decodes(frame: &[u8]) -> Option<Vec<u8>> {
    let child = Command::new("lz4")
        .args(["-d", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("note: the lz4 tool is missing; skipping its decoding check");
            return None;
        }
        Err(e) => panic!("CI is set and the lz4 tool cannot run: {e}"),
    };
    let mut stdin = child.stdin.take().unwrap();
    let input = frame.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "lz4 -d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

#[test]
fn linked_frames_decode_everywhere_and_keep_the_ratio() {
    let mut r = Rng::new(5);
    let src = mixed(9 * MIB, 3);
    let dict = mixed(64 * 1024, 42);
    for (level, block_size) in [
        (1, BlockSize::Max64KB),
        (-3, BlockSize::Max256KB),
        (3, BlockSize::Max1MB),
        (9, BlockSize::Max64KB),
        (1, BlockSize::Max4MB),
    ] {
        let prefs = Preferences::default()
            .with_level(level)
            .with_block_size(block_size)
            .with_block_linked(true)
            .with_content_checksum(true);
        let serial = compress(&src, &prefs).unwrap();
        for workers in [1, 2, 3] {
            let par = prefs.with_workers(workers);
            let frame = compress(&src, &par).unwrap();
            assert_eq!(
                decompress(&frame).unwrap(),
                src,
                "level {level}, {workers} workers"
            );
            let ratio = frame.len() as f64 / serial.len() as f64;
            eprintln!(
                "level {level} {block_size:?} {workers} workers: {} vs {} bytes, {ratio:.5} of serial",
                frame.len(),
                serial.len()
            );
            assert!(
                ratio <= 1.005,
                "level {level} {block_size:?}: {workers} workers {} vs serial {} bytes ({ratio:.4})",
                frame.len(),
                serial.len()
            );
            if workers == 2 {
                if let Some(out) = lz4_tool_decodes(&frame) {
                    assert!(out == src, "lz4 -d output differs (level {level})");
                }
            }
        }
        // Streaming with random calls, auto-flush, and a dictionary.
        for auto_flush in [false, true] {
            let p = prefs
                .with_workers(2)
                .with_auto_flush(auto_flush)
                .with_dict_id(Some(1));
            let len = 6 * MIB;
            let frame = encode(&src[..len], &p, &dict, &plan(len, &mut r));
            assert_eq!(
                decompress_with_dictionary(&frame, &dict, None).unwrap(),
                &src[..len]
            );
        }
    }
}

#[test]
fn output_lags_input_and_flush_delivers_everything() {
    let prefs = Preferences::default()
        .with_block_linked(false)
        .with_content_checksum(true)
        .with_workers(2);
    let src = mixed(20 * MIB, 8);
    let mut e = Encoder::new(&prefs).unwrap();
    let mut frame = vec![0u8; 19];
    let n = e.begin(&mut frame).unwrap();
    frame.truncate(n);
    let mut out = vec![0u8; compress_bound(MIB, &prefs)];
    let mut fed = 0;
    for piece in src.chunks(MIB) {
        let n = e.update(piece, &mut out).unwrap();
        frame.extend_from_slice(&out[..n]);
        fed += piece.len();
        // Never more than the window of 4 jobs plus the job being filled.
        assert!(fed - decoded_len(&frame) <= 5 * 4 * MIB);
    }
    let n = e.flush(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    assert_eq!(decoded_len(&frame), src.len(), "flush writes every job");
    let n = e.end(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    assert_eq!(decompress(&frame).unwrap(), src);
}

/// Bytes the blocks of an unfinished frame hold (headers parsed, no
/// decoding), for 64 KiB independent blocks with no block checksum.
fn decoded_len(frame: &[u8]) -> usize {
    let mut at = 7;
    let mut total = 0;
    while at + 4 <= frame.len() {
        let word = u32::from_le_bytes(frame[at..at + 4].try_into().unwrap());
        let len = (word & 0x7fff_ffff) as usize;
        if word == 0 {
            break;
        }
        let raw = word & 0x8000_0000 != 0;
        let block = if raw {
            len
        } else {
            lz4framed::decompress(&single_block_frame(&frame[at + 4..at + 4 + len]))
                .unwrap()
                .len()
        };
        total += block;
        at += 4 + len;
    }
    total
}

/// Wraps one compressed 64 KiB-max block into a frame of its own.
fn single_block_frame(block: &[u8]) -> Vec<u8> {
    let prefs = Preferences::default().with_block_linked(false);
    let mut f = compress(&[], &prefs).unwrap();
    let end = f.len() - 4;
    f.truncate(end);
    f.extend_from_slice(&(block.len() as u32).to_le_bytes());
    f.extend_from_slice(block);
    f.extend_from_slice(&0u32.to_le_bytes());
    f
}

#[test]
fn bad_calls_and_restarts() {
    let prefs = Preferences::default()
        .with_workers(2)
        .with_content_size(Some(10));
    let src = mixed(5 * MIB, 1);
    let mut e = Encoder::new(&prefs).unwrap();
    let mut out = vec![0u8; compress_bound(src.len(), &prefs)];
    assert!(e.update(&src, &mut out).is_err(), "update before begin");
    e.begin(&mut out).unwrap();
    e.update(&src, &mut out).unwrap();
    // A too-small buffer changes nothing.
    let need = e.update_bound(src.len());
    assert!(e.update(&src, &mut vec![0u8; need - 1]).is_err());
    assert_eq!(e.end(&mut out), Err(lz4framed::Error::ContentSize));
    // A new frame after the failed one, with jobs left in flight, is clean.
    e.set_content_size(Some(src.len() as u64)).unwrap();
    let mut frame = vec![0u8; 19];
    let h = e.begin(&mut frame).unwrap();
    frame.truncate(h);
    let n = e.update(&src, &mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    let n = e.end(&mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    assert_eq!(decompress(&frame).unwrap(), src);
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

const CHILD: &str = "LZ4FRAMED_THREAD_HYGIENE_CHILD";

/// Runs [`thread_hygiene_in_a_process_of_its_own`] alone in a new process
/// of this test binary, so that no other test's threads are counted.
#[test]
fn worker_threads_start_when_needed_and_are_joined() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("note: no /proc/self/task; skipping the thread count");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "thread_hygiene_in_a_process_of_its_own",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "the child ran no test: {text}");
}

#[test]
fn thread_hygiene_in_a_process_of_its_own() {
    if std::env::var_os(CHILD).is_none() {
        return; // Only meaningful alone in a process; see above.
    }
    let base = threads();
    let src = mixed(9 * MIB, 4);
    // workers = 0: never a thread.
    let serial = Preferences::default();
    let mut e = Encoder::new(&serial).unwrap();
    let mut out = vec![0u8; compress_bound(src.len(), &serial)];
    e.begin(&mut out).unwrap();
    e.update(&src, &mut out).unwrap();
    assert_eq!(threads(), base);
    assert_eq!(e.worker_threads(), 0);
    drop(e);
    compress(&src, &serial).unwrap();
    assert_eq!(threads(), base);

    for workers in [1u32, 3] {
        let prefs = Preferences::default()
            .with_workers(workers)
            .with_block_linked(false);
        let mut e = Encoder::new(&prefs).unwrap();
        let mut out = vec![0u8; compress_bound(src.len(), &prefs)];
        e.begin(&mut out).unwrap();
        assert_eq!(threads(), base, "no thread before the first job");
        e.update(&src[..1000], &mut out).unwrap();
        assert_eq!(threads(), base, "no thread while the first job fills");
        e.update(&src[1000..], &mut out).unwrap();
        assert_eq!(
            threads(),
            base + workers as usize,
            "{workers} workers in a frame"
        );
        assert_eq!(e.worker_threads(), workers as usize);
        e.end(&mut out).unwrap();
        // Between frames the pool stays; the next frame reuses it.
        e.begin(&mut out).unwrap();
        e.update(&src, &mut out).unwrap();
        assert_eq!(threads(), base + workers as usize);
        // Dropped mid-frame with jobs in flight: joins without hanging.
        drop(e);
        assert_eq!(threads(), base, "workers joined on drop");
        // One-shot compression joins its workers before returning.
        compress(&src, &prefs).unwrap();
        assert_eq!(threads(), base);
    }
}

/// Input whose 4 MiB jobs alternate between compressible, incompressible
/// and mixed stretches, so that one-shot workers move some jobs down into
/// place, leave others where they are, and fill earlier free space.
fn patchwork(len: usize, seed: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    let mut k = 0;
    while v.len() < len {
        let take = (len - v.len()).min(JOB + 1000 * k);
        let part = match k % 3 {
            0 => compressible(take, seed + k as u64),
            1 => random_bytes(take, seed + k as u64),
            _ => mixed(take, seed + k as u64),
        };
        v.extend_from_slice(&part);
        k += 1;
    }
    v
}

/// One-shot compression with workers (scoped threads writing straight
/// into the output) against `workers: 0`, for every block size, around
/// every job boundary, at fast and HC levels, with and without checksums
/// and a dictionary: independent blocks byte-identical, linked frames
/// decoding back.
#[test]
fn one_shot_with_workers_matches_the_serial_encoder() {
    let big = patchwork(3 * JOB + 300_000, 21);
    let dict = mixed(70_000, 5);
    let sizes = [
        BlockSize::Max64KB,
        BlockSize::Max256KB,
        BlockSize::Max1MB,
        BlockSize::Max4MB,
    ];
    let lens = [
        0,
        1,
        5000,
        JOB - 1,
        JOB,
        JOB + 1,
        2 * JOB - 65536,
        2 * JOB + 65536 + 7,
        3 * JOB + 300_000,
    ];
    let mut r = Rng::new(77);
    let mut case = 0;
    for level in [-2, 1, 3, 9] {
        for block_size in sizes {
            for &len in &lens {
                // HC is slow: its long inputs only with some block sizes.
                if level >= 3 && len > 2 * JOB && block_size != BlockSize::Max256KB {
                    continue;
                }
                case += 1;
                let src = &big[..len];
                let use_dict = r.chance(3);
                let d: &[u8] = if use_dict { &dict } else { &[] };
                for linked in [false, true] {
                    let prefs = Preferences::default()
                        .with_level(level)
                        .with_block_size(block_size)
                        .with_block_linked(linked)
                        .with_block_checksum(r.chance(2))
                        .with_content_checksum(r.chance(3) || len > JOB)
                        .with_content_size(r.chance(2).then_some(0))
                        .with_dict_id(use_dict.then_some(3));
                    let serial = compress_with_dictionary(src, &prefs, d).unwrap();
                    for workers in [1, 2, 3] {
                        let p = prefs.with_workers(workers);
                        let mut dst = vec![0xa5u8; compress_frame_bound(len, &p)];
                        let n = compress_into_with_dictionary(src, &mut dst, &p, d).unwrap();
                        let what = format!(
                            "case {case}: level {level} {block_size:?} linked {linked} len {len} {workers} workers"
                        );
                        if linked {
                            assert_eq!(
                                decompress_with_dictionary(&dst[..n], d, None).unwrap(),
                                src,
                                "{what}"
                            );
                            let ratio = n as f64 / serial.len().max(1) as f64;
                            assert!(ratio <= 1.005, "{what}: {n} vs {} bytes", serial.len());
                        } else {
                            assert!(dst[..n] == serial[..], "{what}: differs from serial");
                        }
                    }
                }
            }
        }
    }
}

/// The one-shot path with workers fails exactly where the serial one
/// does: too little output room, too many workers; and succeeds with the
/// room the serial one needs.
#[test]
fn one_shot_with_workers_reports_errors_like_the_serial_encoder() {
    let src = patchwork(2 * JOB + 12345, 4);
    for (len, block_linked) in [
        (src.len(), false),
        (src.len(), true),
        (10, false),
        (0, true),
    ] {
        let src = &src[..len];
        let serial = Preferences::default()
            .with_block_linked(block_linked)
            .with_content_checksum(true)
            .with_block_size(BlockSize::Max1MB);
        let par = serial.with_workers(2);
        let bound = compress_frame_bound(len, &serial);
        let mut dst = vec![0u8; bound];
        let want = compress_into(src, &mut dst, &serial).unwrap();
        let frame = dst[..want].to_vec();
        // Every size from far too small to the bound: same outcome.
        let mut sizes = vec![0, 1, 18, 19, 30, want - 1, want, want + 1, bound - 1, bound];
        sizes.extend([
            bound - 8 - 19 + 6,
            bound - 4,
            bound / 2,
            (bound - 8).saturating_sub(7),
        ]);
        for size in sizes {
            let size = size.min(bound);
            let mut a = vec![0u8; size];
            let mut b = vec![0u8; size];
            let ra = compress_into(src, &mut a, &serial);
            let rb = compress_into(src, &mut b, &par);
            assert_eq!(
                ra.is_ok(),
                rb.is_ok(),
                "len {len} dst {size}: {ra:?} vs {rb:?}"
            );
            match (ra, rb) {
                (Ok(na), Ok(nb)) => {
                    assert_eq!(decompress(&b[..nb]).unwrap(), src);
                    if !block_linked {
                        assert_eq!(&a[..na], &b[..nb]);
                        assert_eq!(&b[..nb], &frame[..]);
                    }
                }
                (Err(ea), Err(eb)) => {
                    assert_eq!(ea, Error::DstTooSmall);
                    assert_eq!(eb, Error::DstTooSmall);
                }
                _ => unreachable!(),
            }
        }
        let too_many = serial.with_workers(MAX_WORKERS + 1);
        assert_eq!(
            compress_into(src, &mut dst, &too_many),
            Err(Error::InvalidArgument)
        );
        assert_eq!(compress(src, &too_many), Err(Error::InvalidArgument));
        // The most workers allowed, far more than jobs: still identical.
        let most = serial.with_workers(MAX_WORKERS);
        let n = compress_into(src, &mut dst, &most).unwrap();
        assert_eq!(decompress(&dst[..n]).unwrap(), src);
    }
}

/// With workers the content checksum is hashed on the worker threads, in
/// input order: frames are byte-identical to the serial encoder's for
/// every pattern of updates and flushes, also after a frame abandoned with
/// jobs in flight (whose hashing must neither leak into the next frame nor
/// hold it up).
#[test]
fn streaming_content_checksum_is_hashed_in_order_across_frames() {
    let mut r = Rng::new(31);
    let src = patchwork(2 * JOB + 777_777, 9);
    let big = mixed(3 * JOB + 5, 10);
    for block_size in [BlockSize::Max64KB, BlockSize::Max4MB] {
        let prefs = Preferences::default()
            .with_block_size(block_size)
            .with_block_linked(false)
            .with_content_checksum(true);
        let ops = plan(src.len(), &mut r);
        let serial = encode(&src, &prefs, &[], &ops);
        for workers in [1, 2, 3] {
            let p = prefs.with_workers(workers);
            assert!(encode(&src, &p, &[], &ops) == serial, "{workers} workers");
            // Fail a frame with jobs in flight (its declared size is wrong),
            // then write a whole one.
            let mut e = Encoder::new(&p.with_content_size(Some(1))).unwrap();
            let mut out = vec![0u8; compress_bound(src.len(), &p)];
            e.begin(&mut out).unwrap();
            e.update(
                &big[..3 * JOB + 5],
                &mut vec![0u8; compress_bound(3 * JOB + 5, &p)],
            )
            .unwrap();
            assert_eq!(e.end(&mut out), Err(Error::ContentSize));
            e.set_content_size(None).unwrap();
            let mut frame = vec![0u8; 19];
            let n = e.begin(&mut frame).unwrap();
            frame.truncate(n);
            for piece in src.chunks(MIB + 3) {
                let n = e.update(piece, &mut out).unwrap();
                frame.extend_from_slice(&out[..n]);
            }
            let n = e.end(&mut out).unwrap();
            frame.extend_from_slice(&out[..n]);
            let one = compress(&src, &prefs).unwrap();
            assert!(frame == one, "{workers} workers after an abandoned frame");
        }
    }
}
