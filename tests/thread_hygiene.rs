//! Thread hygiene of the objects that run worker threads, counted from the
//! kernel's list of this process's threads (`/proc/self/task`): with
//! workers 0 no thread is ever started, with N at most N run, and all are
//! gone once the object is dropped or freed, also mid-frame with jobs in
//! flight; a thread the system refuses to start is the error
//! `ThreadSpawn` / `LZ4FRAMED_ERROR_THREAD_SPAWN`, not a crash, and leaves
//! no thread behind. The same for the C ABI, and from a C program
//! (`c_support/worker_threads.c`, which scripts/tsan.sh also runs under
//! ThreadSanitizer).
//!
//! Each test runs alone in a process of its own (this binary, started
//! again for that one test), so that no other test's threads are counted.
//! A joined thread can stay listed for a moment until the kernel reaps it,
//! so "gone" means: the count comes back within a few seconds.
#![cfg(target_os = "linux")]

mod c_support;
mod common;

use c_support::Link;
use common::mixed;
use lz4framed::ffi::*;
use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Encoder, Error, Preferences, compress, decompress,
};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;
const CHILD: &str = "LZ4FRAMED_THREAD_HYGIENE_TEST";

/// Runs `body` alone in a new process of this test binary: the test
/// `name` re-runs itself there (with the environment variable [`CHILD`]
/// naming it) and this process checks that it passed.
fn alone(name: &str, body: impl FnOnce()) {
    if std::env::var(CHILD).is_ok_and(|v| v == name) {
        body();
        return;
    }
    let out = alone_command(name, &[]).output().unwrap();
    check_child(name, &out);
}

/// The command that runs test `name` of this binary alone, behind the
/// `wrapper` command line (none: directly).
fn alone_command(name: &str, wrapper: &[&str]) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.args([
        "--exact",
        name,
        "--test-threads=1",
        "--nocapture",
        "--include-ignored",
    ])
    .env(CHILD, name);
    cmd
}

fn check_child(name: &str, out: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{name} failed in its own process ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test: {stdout}"
    );
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task lists the threads (Linux)")
        .count()
}

/// Waits until the process has `want` threads (joined threads may stay
/// listed until the kernel reaps them) and returns the count then, or
/// after 5 s the count it still has.
fn settles_to(want: usize) -> usize {
    let start = Instant::now();
    loop {
        let n = threads();
        if n == want || start.elapsed() > Duration::from_secs(5) {
            return n;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// The thread count once it has stayed the same for 200 ms (threads just
/// joined are reaped by then).
fn steady_threads() -> usize {
    let (mut last, mut same) = (threads(), 0);
    while same < 20 {
        thread::sleep(Duration::from_millis(10));
        let n = threads();
        same = if n == last { same + 1 } else { 0 };
        last = n;
    }
    last
}

/// A thread that samples the thread count every millisecond and keeps the
/// highest, so that threads living only inside one call are seen too.
struct Watch {
    stop: Arc<AtomicBool>,
    max: Arc<AtomicUsize>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Watch {
    /// Starts watching; the watcher is one of the threads counted from
    /// now on. Returns it and the count with it running.
    fn start() -> (Watch, usize) {
        let stop = Arc::new(AtomicBool::new(false));
        let max = Arc::new(AtomicUsize::new(0));
        let (s, m) = (Arc::clone(&stop), Arc::clone(&max));
        let handle = thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                m.fetch_max(threads(), Ordering::Relaxed);
                thread::sleep(Duration::from_millis(1));
            }
        });
        while max.load(Ordering::Relaxed) == 0 {
            thread::yield_now();
        }
        let base = settles_to(threads());
        max.store(base, Ordering::Relaxed);
        let watch = Watch {
            stop,
            max,
            handle: Some(handle),
        };
        (watch, base)
    }

    /// The most threads seen since the last call (and now), then restarts.
    fn take_max(&self) -> usize {
        let now = threads();
        self.max.fetch_max(now, Ordering::Relaxed);
        self.max.swap(now, Ordering::Relaxed)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// 4 MB independent blocks: what parallel encoders and decoders split.
fn independent(workers: u32) -> Preferences {
    Preferences::default()
        .with_level(1)
        .with_block_size(BlockSize::Max4MB)
        .with_block_linked(false)
        .with_content_checksum(true)
        .with_workers(workers)
}

/// Streams `src` through `e` in 1 MiB pieces without ending the frame.
fn stream_into(e: &mut Encoder, src: &[u8], frame: &mut Vec<u8>) -> Result<(), Error> {
    let mut out = vec![0u8; 19];
    let n = e.begin(&mut out)?;
    frame.extend_from_slice(&out[..n]);
    for piece in src.chunks(MIB) {
        out.resize(e.update_bound(piece.len()), 0);
        let n = e.update(piece, &mut out)?;
        frame.extend_from_slice(&out[..n]);
    }
    Ok(())
}

fn encode_whole(e: &mut Encoder, src: &[u8]) -> Result<Vec<u8>, Error> {
    let mut frame = Vec::new();
    stream_into(e, src, &mut frame)?;
    let mut out = vec![0u8; e.end_bound()];
    let n = e.end(&mut out)?;
    frame.extend_from_slice(&out[..n]);
    Ok(frame)
}

/// Decodes `frame` with `d` in 256 KiB pieces into 1 MiB of room per call,
/// calling `each` after every call.
fn decode_pieces(d: &mut Decoder, frame: &[u8], mut each: impl FnMut(&Decoder)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut room = vec![0u8; MIB];
    let mut at = 0;
    loop {
        let end = (at + (256 << 10)).min(frame.len());
        let p = d
            .decompress(&frame[at..end], &mut room, end == frame.len())
            .unwrap();
        out.extend_from_slice(&room[..p.produced]);
        at += p.consumed;
        each(d);
        if at == frame.len() && p.produced == 0 && p.consumed == 0 {
            return out;
        }
    }
}

#[test]
fn encoder_with_workers_0_starts_no_thread() {
    alone("encoder_with_workers_0_starts_no_thread", || {
        let src = mixed(13 * MIB, 1);
        let (watch, base) = Watch::start();
        for prefs in [independent(0), independent(0).with_block_linked(true)] {
            let mut e = Encoder::new(&prefs).unwrap();
            let frame = encode_whole(&mut e, &src).unwrap();
            assert_eq!(e.worker_threads(), 0);
            drop(e);
            assert_eq!(decompress(&frame).unwrap(), src);
            compress(&src, &prefs).unwrap();
        }
        // The C ABI, with the preferences' default of 0 workers.
        let p = lz4framed_preferences::default();
        // SAFETY: plain reads of the preferences.
        let mut dst = vec![0u8; unsafe { lz4framed_compress_frame_bound(src.len(), &p) }];
        let mut n = 0;
        // SAFETY: buffers of the stated sizes.
        let s = unsafe {
            lz4framed_compress(
                src.as_ptr().cast(),
                src.len(),
                dst.as_mut_ptr().cast(),
                dst.len(),
                &p,
                &mut n,
            )
        };
        assert_eq!(s, LZ4FRAMED_OK);
        let c = CEncoder::new(0);
        c.feed(&src);
        drop(c);
        assert_eq!(watch.take_max(), base, "a thread was started");
    });
}

#[test]
fn encoder_with_n_workers_starts_at_most_n_and_joins_them() {
    alone(
        "encoder_with_n_workers_starts_at_most_n_and_joins_them",
        || {
            // Five 4 MiB jobs: more than the workers, so every one has work.
            let src = mixed(20 * MIB + 5, 2);
            let (watch, base) = Watch::start();
            for workers in [1u32, 2, 4] {
                for linked in [false, true] {
                    let prefs = independent(workers).with_block_linked(linked);
                    let mut e = Encoder::new(&prefs).unwrap();
                    let frame = encode_whole(&mut e, &src).unwrap();
                    let running = e.worker_threads();
                    assert!(running <= workers as usize);
                    assert_eq!(threads(), base + running);
                    assert!(watch.take_max() <= base + workers as usize);
                    // Dropped mid-frame with jobs in flight.
                    let mut partial = Vec::new();
                    stream_into(&mut e, &src, &mut partial).unwrap();
                    drop(e);
                    assert_eq!(settles_to(base), base, "{workers} workers joined on drop");
                    assert_eq!(decompress(&frame).unwrap(), src);
                    compress(&src, &prefs).unwrap();
                    assert!(watch.take_max() <= base + workers as usize);
                    assert_eq!(settles_to(base), base, "one-shot joined its workers");
                }
                // The C ABI: freed mid-frame, and after a whole frame.
                let c = CEncoder::new(workers);
                c.feed(&src);
                assert!(watch.take_max() <= base + workers as usize);
                drop(c);
                assert_eq!(settles_to(base), base, "lz4framed_encoder_free joined them");
                let c = CEncoder::new(workers);
                c.feed(&src);
                c.end();
                drop(c);
                assert_eq!(settles_to(base), base);
                assert!(watch.take_max() <= base + workers as usize);
            }
        },
    );
}

/// An encoder of the C ABI, freed on drop.
struct CEncoder {
    enc: *mut lz4framed_encoder,
    prefs: lz4framed_preferences,
}

impl CEncoder {
    fn new(workers: u32) -> CEncoder {
        let prefs = lz4framed_preferences {
            level: 1,
            block_size_id: 7,
            block_independent: 1,
            workers,
            ..Default::default()
        };
        let mut enc = std::ptr::null_mut();
        // SAFETY: valid preferences and out-pointer.
        assert_eq!(
            unsafe { lz4framed_encoder_new(&prefs, &mut enc) },
            LZ4FRAMED_OK
        );
        let mut header = [0u8; 19];
        let mut n = 0;
        // SAFETY: live encoder, buffer of the stated size.
        let s = unsafe { lz4framed_encoder_begin(enc, header.as_mut_ptr().cast(), 19, &mut n) };
        assert_eq!(s, LZ4FRAMED_OK);
        CEncoder { enc, prefs }
    }

    /// Compresses `src` in 1 MiB updates (output discarded).
    fn feed(&self, src: &[u8]) {
        // SAFETY: plain reads of the preferences.
        let mut out = vec![0u8; unsafe { lz4framed_compress_bound(MIB, &self.prefs) }];
        for piece in src.chunks(MIB) {
            let mut n = 0;
            // SAFETY: live encoder, buffers of the stated sizes.
            let s = unsafe {
                lz4framed_encoder_update(
                    self.enc,
                    piece.as_ptr().cast(),
                    piece.len(),
                    out.as_mut_ptr().cast(),
                    out.len(),
                    &mut n,
                )
            };
            assert_eq!(s, LZ4FRAMED_OK);
        }
    }

    fn end(&self) {
        // SAFETY: plain reads of the preferences.
        let mut out = vec![0u8; unsafe { lz4framed_compress_bound(0, &self.prefs) }];
        let mut n = 0;
        // SAFETY: live encoder, buffer of the stated size.
        let s =
            unsafe { lz4framed_encoder_end(self.enc, out.as_mut_ptr().cast(), out.len(), &mut n) };
        assert_eq!(s, LZ4FRAMED_OK);
    }
}

impl Drop for CEncoder {
    fn drop(&mut self) {
        // SAFETY: the encoder is live and freed once.
        unsafe { lz4framed_encoder_free(self.enc) }
    }
}

/// A frame of 4 MB independent blocks (six of them), and its content.
fn four_mb_frame(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let src = mixed(22 * MIB, seed);
    let frame = compress(&src, &independent(0)).unwrap();
    (frame, src)
}

#[test]
fn decoder_with_workers_0_starts_no_thread() {
    alone("decoder_with_workers_0_starts_no_thread", || {
        let (frame, src) = four_mb_frame(3);
        let linked = compress(&src, &independent(0).with_block_linked(true)).unwrap();
        let (watch, base) = Watch::start();
        for f in [&frame, &linked] {
            let mut d = Decoder::with_options(DecoderOptions::default().with_workers(0));
            assert_eq!(
                decode_pieces(&mut d, f, |d| assert_eq!(d.worker_threads(), 0)),
                src
            );
            let mut d = Decoder::new();
            d.set_workers(0).unwrap();
            assert_eq!(decode_pieces(&mut d, f, |_| {}), src);
            assert_eq!(decompress(f).unwrap(), src);
        }
        let c = CDecoder::new(None);
        assert_eq!(c.decode(&frame, frame.len(), 0), src.len());
        drop(c);
        assert_eq!(watch.take_max(), base, "a thread was started");
    });
}

#[test]
fn decoder_with_n_workers_stays_within_n_and_joins_them() {
    alone(
        "decoder_with_n_workers_stays_within_n_and_joins_them",
        || {
            let (frame, src) = four_mb_frame(4);
            let linked = compress(&src, &independent(0).with_block_linked(true)).unwrap();
            let (watch, base) = Watch::start();
            for workers in [1u32, 2, 4] {
                let limit = base + workers as usize;
                for f in [&frame, &linked] {
                    let mut d =
                        Decoder::with_options(DecoderOptions::default().with_workers(workers));
                    let out = decode_pieces(&mut d, f, |d| {
                        assert!(d.worker_threads() <= workers as usize);
                        assert!(threads() <= limit);
                    });
                    assert_eq!(out, src);
                    assert!(watch.take_max() <= limit, "more than {workers} workers");
                    drop(d);
                    assert_eq!(settles_to(base), base, "workers joined on drop");

                    // Dropped mid-frame, with work handed out.
                    let mut d = Decoder::new();
                    d.set_workers(workers).unwrap();
                    let mut room = vec![0u8; 3 * MIB];
                    d.decompress(&f[..f.len() / 2], &mut room, false).unwrap();
                    assert!(d.worker_threads() <= workers as usize);
                    drop(d);
                    assert_eq!(settles_to(base), base, "workers joined on a mid-frame drop");

                    // Set back to 0 mid-frame: joined, and the rest decodes.
                    let mut d = Decoder::new();
                    d.set_workers(workers).unwrap();
                    let p = d.decompress(&f[..f.len() / 2], &mut room, false).unwrap();
                    let mut out = room[..p.produced].to_vec();
                    d.set_workers(0).unwrap();
                    assert_eq!(d.worker_threads(), 0);
                    assert_eq!(settles_to(base), base, "workers joined by set_workers(0)");
                    let at = d.input_consumed() as usize;
                    out.extend(decode_pieces(&mut d, &f[at..], |d| {
                        assert_eq!(d.worker_threads(), 0)
                    }));
                    assert_eq!(out, src);
                    assert!(watch.take_max() <= limit);
                    assert_eq!(settles_to(base), base);
                }
                // The C ABI: freed mid-frame, and after the whole stream.
                let c = CDecoder::new(Some(workers));
                c.decode(&frame, frame.len() / 2, workers);
                drop(c);
                assert_eq!(settles_to(base), base, "lz4framed_decoder_free joined them");
                let c = CDecoder::new(Some(workers));
                assert_eq!(c.decode(&frame, frame.len(), workers), src.len());
                drop(c);
                assert_eq!(settles_to(base), base);
                assert!(watch.take_max() <= limit);
            }
        },
    );
}

#[test]
fn decoder_with_two_workers_runs_threads_during_a_parallel_decode() {
    alone(
        "decoder_with_two_workers_runs_threads_during_a_parallel_decode",
        || {
            let (frame, src) = four_mb_frame(5);
            let (watch, base) = Watch::start();
            let mut d = Decoder::with_options(DecoderOptions::default().with_workers(2));
            let mut most = 0;
            let out = decode_pieces(&mut d, &frame, |d| most = most.max(d.worker_threads()));
            assert_eq!(out, src);
            assert!(most > 0, "worker_threads() stayed 0");
            let seen = watch.take_max();
            assert!(
                seen > base && seen <= base + 2,
                "{seen} threads, base {base}"
            );
            drop(d);
            assert_eq!(settles_to(base), base);
        },
    );
}

/// A decoder of the C ABI, freed on drop.
struct CDecoder(*mut lz4framed_decoder);

impl CDecoder {
    /// `workers` None leaves the default.
    fn new(workers: Option<u32>) -> CDecoder {
        let mut dec = std::ptr::null_mut();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { lz4framed_decoder_new(0, &mut dec) }, LZ4FRAMED_OK);
        if let Some(w) = workers {
            // SAFETY: live decoder.
            assert_eq!(
                unsafe { lz4framed_decoder_set_workers(dec, w) },
                LZ4FRAMED_OK
            );
        }
        CDecoder(dec)
    }

    /// Decodes `frame[..upto]` (the end of input when that is all of it)
    /// and returns the bytes produced; checks the thread query stays
    /// within `workers`.
    fn decode(&self, frame: &[u8], upto: usize, workers: u32) -> usize {
        let mut room = vec![0u8; MIB];
        let (mut at, mut total) = (0, 0);
        loop {
            let end = (at + (256 << 10)).min(upto);
            let (mut used, mut made) = (0, 0);
            // SAFETY: live decoder, buffers of the stated sizes.
            let s = unsafe {
                lz4framed_decoder_decompress(
                    self.0,
                    frame[at..].as_ptr().cast(),
                    end - at,
                    room.as_mut_ptr().cast(),
                    room.len(),
                    (end == frame.len()) as i32,
                    &mut used,
                    &mut made,
                )
            };
            assert!(s >= 0, "status {s}");
            // SAFETY: live decoder.
            assert!(unsafe { lz4framed_decoder_worker_threads(self.0) } <= workers);
            at += used;
            total += made;
            if at == upto && used == 0 && made == 0 {
                return total;
            }
        }
    }
}

impl Drop for CDecoder {
    fn drop(&mut self) {
        // SAFETY: the decoder is live and freed once.
        unsafe { lz4framed_decoder_free(self.0) }
    }
}

// ---------------------------------------------------------------------
// A thread the system refuses to start.

/// Whether this process runs as root (who is exempt from RLIMIT_NPROC).
fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// How to run a child that a low RLIMIT_NPROC can stop from starting
/// threads: root is exempt from the limit, so root runs it as nobody
/// (`setpriv`), who runs no other task, so that an exact limit ("partial":
/// two more threads) is meaningful; another user runs it as itself with a
/// limit that lets no thread start ("none"), since its other tasks count
/// too. None (with a note, or a failure under CI) without setpriv.
fn limited_runner() -> Option<(Vec<&'static str>, &'static str)> {
    if !is_root() {
        return Some((vec![], "none"));
    }
    if !c_support::require_tool("setpriv", "the thread spawn failure tests") {
        return None;
    }
    let nobody = vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    Some((nobody, "partial"))
}

/// Tasks (threads) of all processes of this process's real user: what
/// RLIMIT_NPROC is checked against.
fn user_tasks() -> usize {
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() }.to_string();
    let mut tasks = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        // Processes only: not /proc/self and /proc/thread-self.
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        // Processes may end while being read: skip what is gone.
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        };
        if field("Uid:").as_deref() == Some(uid.as_str()) {
            tasks += field("Threads:").and_then(|n| n.parse().ok()).unwrap_or(0);
        }
    }
    tasks
}

fn set_soft_nproc(soft: Option<libc::rlim_t>) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid rlimit out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut r) }, 0);
    r.rlim_cur = soft.unwrap_or(r.rlim_max);
    // SAFETY: a valid rlimit; lowering the soft limit, or raising it up to
    // the hard one, needs no privilege.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &r) }, 0);
}

const LIMIT_MODE: &str = "LZ4FRAMED_THREAD_HYGIENE_LIMIT";

#[test]
fn a_thread_that_cannot_start_is_an_error_and_leaves_no_thread() {
    let name = "a_thread_that_cannot_start_is_an_error_and_leaves_no_thread";
    if std::env::var(CHILD).is_ok_and(|v| v == name) {
        return refused_threads(&std::env::var(LIMIT_MODE).unwrap());
    }
    let Some((wrapper, mode)) = limited_runner() else {
        return;
    };
    let out = alone_command(name, &wrapper)
        .env(LIMIT_MODE, mode)
        .output()
        .unwrap();
    check_child(name, &out);
    println!("{}", String::from_utf8_lossy(&out.stdout));
}

/// Runs with RLIMIT_NPROC lowered (`mode` "none": no new thread;
/// "partial": two more), then lifted.
fn refused_threads(mode: &str) {
    let src = mixed(9 * MIB, 6);
    let (frame, frame_src) = four_mb_frame(7);
    let prefs = independent(4);
    // Workers once before the limit: whatever a runtime starts along with
    // the first threads (ThreadSanitizer's helper thread and symbolizer
    // process) is then running, and counted in the base.
    compress(&src, &prefs).unwrap();
    let base = steady_threads();
    match mode {
        "none" => set_soft_nproc(Some(1)),
        "partial" => set_soft_nproc(Some(user_tasks() as libc::rlim_t + 2)),
        _ => panic!("unknown limit mode {mode}"),
    }
    // Check that the limit is real before relying on it.
    if let Ok(t) = thread::Builder::new().spawn(|| {}) {
        t.join().unwrap();
        assert_eq!(mode, "partial", "RLIMIT_NPROC did not stop a thread");
    }

    let mut e = Encoder::new(&prefs).unwrap();
    let Err(err) = encode_whole(&mut e, &src) else {
        panic!("4 workers started under the limit");
    };
    assert_eq!(err, Error::ThreadSpawn);
    assert!(err.to_string().contains("could not start a worker thread"));
    assert_eq!(err.name(), "LZ4FRAMED_ERROR_THREAD_SPAWN");
    assert_eq!(e.worker_threads(), 0);
    assert_eq!(settles_to(base), base, "the threads started were joined");
    // The frame is abandoned; the next one tries again and is refused again.
    assert_eq!(e.end(&mut [0u8; 64]), Err(Error::WrongStage));
    assert_eq!(encode_whole(&mut e, &src), Err(Error::ThreadSpawn));
    assert_eq!(compress(&src, &prefs), Err(Error::ThreadSpawn));
    assert_eq!(settles_to(base), base);

    // A decoder with workers decodes correctly or says why it cannot.
    let mut d = Decoder::with_options(DecoderOptions::default().with_workers(2));
    let mut room = vec![0u8; frame_src.len()];
    match d.decompress(&frame, &mut room, true) {
        Ok(p) => assert_eq!(&room[..p.produced], &frame_src[..]),
        Err(e) => assert_eq!(e, Error::ThreadSpawn),
    }
    drop(d);
    assert_eq!(settles_to(base), base);

    // Limit lifted: the same encoder starts its workers and compresses.
    set_soft_nproc(None);
    let frame = encode_whole(&mut e, &src).unwrap();
    assert_eq!(e.worker_threads(), 4);
    assert_eq!(decompress(&frame).unwrap(), src);
    assert_eq!(compress(&src, &prefs).unwrap(), frame);
    drop(e);
    assert_eq!(settles_to(base), base);
    println!("limit mode {mode}: ThreadSpawn reported, no thread left, recovered");
}

/// The C program, built against the static library (so that it runs as
/// another user without a loader path).
fn worker_threads_program(name: &str) -> std::path::PathBuf {
    let dir = c_support::work_dir(name);
    let src = Path::new(c_support::MANIFEST_DIR).join("tests/c_support/worker_threads.c");
    c_support::build(&src, "-std=c99", Link::Static, &dir, "worker_threads")
}

#[test]
fn c_program_uses_workers_from_several_threads() {
    let exe = worker_threads_program("worker-threads");
    let out = c_support::run(&exe, &[]);
    let stdout = c_support::assert_success(&exe, &out, "several threads");
    assert!(stdout.contains(": ok"), "{stdout}");
}

#[test]
fn c_program_gets_thread_spawn_status_without_leaks() {
    let Some((wrapper, mode)) = limited_runner() else {
        return;
    };
    let exe = worker_threads_program("worker-threads-spawn-limit");
    let exe_arg = exe.to_str().unwrap();
    let mut cmd: Vec<&str> = wrapper;
    let valgrind = c_support::valgrind_available("the spawn-limit run of worker_threads.c");
    if valgrind {
        cmd.extend([
            "valgrind",
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
        ]);
    }
    let (program, args) = cmd
        .split_first()
        .map_or((exe_arg, &[][..]), |(p, a)| (*p, a));
    let mut c = Command::new(program);
    c.args(args);
    if !cmd.is_empty() {
        c.arg(exe_arg);
    }
    let out = c.args(["spawn-limit", mode]).output().unwrap();
    let stdout = c_support::assert_success(&exe, &out, "spawn-limit");
    assert!(stdout.contains("LZ4FRAMED_ERROR_THREAD_SPAWN"), "{stdout}");
}
