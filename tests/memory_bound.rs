//! The decoder's memory is bounded by the frame's maximum block size, not
//! by anything a (hostile) input declares: at most
//! `max block + 64 KiB + max block / 256 + 64` bytes, checked two ways:
//! `Decoder::memory_usage()` after every call, and the real heap peak seen
//! by a counting global allocator installed in this test binary.
//!
//! The allocator counts per thread (tests run in parallel threads, and a
//! decoder lives on one thread here). A `realloc` counts as its net change
//! (what is live after it); a second peak, `MOVING_PEAK`, counts it as
//! the new block allocated before the old one is freed (the worst case of
//! a reallocation that moves), and is reported, not asserted.

mod common;

use common::*;
use lz4framed::{
    BlockSize, Decoder, Error, Preferences, Status, compress, compress_with_dictionary,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static MOVING_PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = CURRENT.try_with(|c| {
        let now = c.get() + delta;
        c.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        let _ = MOVING_PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: forwards to the system allocator; the bookkeeping touches only
// const-initialised thread-locals without destructors (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let _ = CURRENT.try_with(|c| {
                let _ = MOVING_PEAK.try_with(|m| m.set(m.get().max(c.get() + new_size as isize)));
            });
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result and the heap peak it reached above
/// the bytes live when it started. (The moving-realloc peak is printed.)
fn heap_peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.with(|c| c.get());
    PEAK.with(|p| p.set(base));
    MOVING_PEAK.with(|p| p.set(base));
    let r = f();
    let peak = PEAK.with(|p| p.get()) - base;
    let moving = MOVING_PEAK.with(|p| p.get()) - base;
    println!("heap peak {peak} (if reallocations moved: {moving})");
    (r, peak.max(0) as usize)
}

/// The promised bound for a frame whose blocks decode to at most `max_block`.
fn bound(max_block: usize) -> usize {
    max_block + 65536 + max_block / 256 + 64
}

/// Heap the decoder may use beyond `memory_usage` (nothing is expected;
/// this leaves room for allocator rounding only).
const SLACK: usize = 1024;

/// Drives `d` over `stream` with input pieces and output buffers whose
/// sizes `sizes` chooses (both at most `out.len()` / the stream), checking
/// `memory_usage() <= limit` after every call and the output against
/// `expected` when given, without allocating. Returns the first error,
/// else the bytes produced; `end_of_input` is declared with the last piece.
fn drive(
    d: &mut Decoder,
    stream: &[u8],
    expected: Option<&[u8]>,
    out: &mut [u8],
    limit: usize,
    mut sizes: impl FnMut() -> (usize, usize),
) -> Result<u64, Error> {
    let mut ip = 0;
    let mut produced = 0u64;
    let mut high = 0;
    loop {
        let (i, o) = sizes();
        let end = (ip + i.max(1)).min(stream.len());
        let o = o.clamp(1, out.len());
        let p = d.decompress(&stream[ip..end], &mut out[..o], end == stream.len());
        high = high.max(d.memory_usage());
        assert!(
            d.memory_usage() <= limit,
            "memory_usage {} > {limit} at input {ip}",
            d.memory_usage()
        );
        let p = p?;
        if let Some(e) = expected {
            assert!(
                out[..p.produced] == e[produced as usize..produced as usize + p.produced],
                "output differs at {produced}"
            );
        }
        ip += p.consumed;
        produced += p.produced as u64;
        if p.status == Status::FrameBoundary && ip == stream.len() {
            // The bound is meant to be reached, not a wild overestimate.
            assert!(high > 0 || limit < 70_000 || expected.is_none_or(|e| e.is_empty()));
            return Ok(produced);
        }
    }
}

fn tiny(r: &mut Rng) -> usize {
    1 + r.below(64)
}

/// 4 MiB blocks, linked or not, both checksums.
fn four_mb_frames_with_checksums(linked: bool) -> Preferences {
    Preferences::default()
        .with_block_size(BlockSize::Max4MB)
        .with_block_linked(linked)
        .with_block_checksum(true)
        .with_content_checksum(true)
}

/// 4 MiB-block frames decoded in every chunking: the decoder's buffer and
/// the heap stay within the bound.
fn four_mb_frames(data: &[u8], seed: u64) {
    let limit = bound(4 << 20);
    let mut out = vec![0u8; 5 << 20];
    for linked in [true, false] {
        let p = four_mb_frames_with_checksums(linked);
        let frame = compress(data, &p).unwrap();
        // (input piece, output buffer) chooser: tiny/tiny, whole/tiny,
        // tiny/big, random/random.
        for mode in 0..4 {
            let mut r = Rng::new(seed + mode);
            let mut d = Decoder::new();
            let ((), peak) = heap_peak(|| {
                let n = drive(&mut d, &frame, Some(data), &mut out, limit, || match mode {
                    0 => (tiny(&mut r), tiny(&mut r)),
                    1 => (frame.len(), tiny(&mut r)),
                    2 => (tiny(&mut r), 5 << 20),
                    _ => (r.piece(5 << 20), r.piece(5 << 20)),
                })
                .unwrap();
                assert_eq!(n, data.len() as u64);
            });
            assert!(
                peak <= limit + SLACK,
                "linked={linked} mode {mode}: heap peak {peak} > {limit} + {SLACK}"
            );
            drop(d);
        }
    }
}

#[test]
fn four_mb_blocks_mixed_data() {
    four_mb_frames(&mixed(9_000_000, 1), 1);
}

#[test]
fn four_mb_blocks_incompressible_and_compressible() {
    let mut data = random_bytes(4 << 20, 2);
    data.extend_from_slice(&compressible(5_000_000, 3));
    four_mb_frames(&data, 2);
}

/// The other block sizes, with a dictionary (which the decoder keeps: 64 KiB more).
#[test]
fn smaller_blocks_and_dictionary() {
    let data = mixed(3_000_000, 4);
    let dict = mixed(100_000, 5);
    let mut out = vec![0u8; 2 << 20];
    for bs in [BlockSize::Max64KB, BlockSize::Max256KB, BlockSize::Max1MB] {
        for linked in [true, false] {
            let p = Preferences::default()
                .with_block_size(bs)
                .with_block_linked(linked)
                .with_dict_id(Some(1));
            let frame = compress_with_dictionary(&data, &p, &dict).unwrap();
            let limit = bound(bs.bytes());
            let mut r = Rng::new(bs.bytes() as u64);
            let (_, peak) = heap_peak(|| {
                let mut d = Decoder::new();
                d.set_dictionary(&dict, Some(1));
                let n = drive(&mut d, &frame, Some(&data), &mut out, limit + 65536, || {
                    (r.piece(3000), r.piece(3000))
                });
                assert_eq!(n.unwrap(), data.len() as u64);
            });
            assert!(
                peak <= limit + 65536 + SLACK,
                "{bs:?} linked={linked}: heap peak {peak}"
            );
        }
    }
}

/// A skippable frame declaring 4 GiB - 1 bytes: skipped without buffering.
#[test]
fn huge_skippable_frame() {
    let mut stream = skippable(7, b"");
    stream[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    let zeros = vec![0u8; 1 << 20];
    let mut out = [0u8; 16];
    let ((), peak) = heap_peak(|| {
        let mut d = Decoder::new();
        let p = d.decompress(&stream, &mut out, false).unwrap();
        assert_eq!(p.status, Status::NeedInput);
        assert_eq!(d.input_hint(), u32::MAX as usize);
        for _ in 0..64 {
            let p = d.decompress(&zeros, &mut out, false).unwrap();
            assert_eq!((p.consumed, p.status), (zeros.len(), Status::NeedInput));
            assert_eq!(d.memory_usage(), 0);
        }
        assert_eq!(d.decompress(&[], &mut out, true), Err(Error::Truncated));
    });
    assert!(peak <= SLACK, "heap peak {peak}");
    // Many empty skippable frames in a row: nothing accumulates.
    let stream: Vec<u8> = (0..100_000).flat_map(|i| skippable(i % 16, b"")).collect();
    let ((), peak) = heap_peak(|| {
        let mut d = Decoder::new();
        let mut r = Rng::new(7);
        drive(&mut d, &stream, None, &mut out, 0, || (tiny(&mut r), 16)).unwrap();
        assert_eq!(d.skippable_frames(), 100_000);
    });
    assert!(peak <= SLACK, "heap peak {peak}");
}

/// A frame declaring an absurd content size: the decoder's memory follows
/// the block size, never the declared size; one-shot decompression sizes
/// its output from what the input could expand to, not from the claim.
#[test]
fn huge_declared_content_size() {
    let data = mixed(5_000_000, 8);
    let limit = bound(4 << 20);
    let mut out = vec![0u8; 1 << 20];
    for declared in [u64::MAX, 1 << 62, 1 << 40, data.len() as u64 + 1] {
        for linked in [true, false] {
            let p = Preferences::default()
                .with_block_size(BlockSize::Max4MB)
                .with_block_linked(linked)
                .with_content_size(Some(0));
            let mut frame = compress(&data, &p).unwrap();
            frame[6..14].copy_from_slice(&declared.to_le_bytes());
            fix_header_checksum(&mut frame);
            let mut r = Rng::new(declared);
            let (res, peak) = heap_peak(|| {
                let mut d = Decoder::new();
                drive(&mut d, &frame, Some(&data), &mut out, limit, || {
                    (r.piece(100_000), r.piece(100_000))
                })
            });
            assert_eq!(res, Err(Error::ContentSize));
            assert!(
                peak <= limit + SLACK,
                "declared {declared}: heap peak {peak}"
            );
        }
    }
    // One-shot on a tiny frame claiming 2^64 - 1 bytes.
    let p = Preferences::default()
        .with_block_size(BlockSize::Max64KB)
        .with_content_size(Some(0));
    let mut frame = compress(b"tiny", &p).unwrap();
    frame[6..14].copy_from_slice(&u64::MAX.to_le_bytes());
    fix_header_checksum(&mut frame);
    let (res, peak) = heap_peak(|| lz4framed::decompress(&frame));
    assert_eq!(res, Err(Error::ContentSize));
    // Output sized by what the input could expand to (at most ~256x, at
    // least 64 KiB), plus the decoder.
    let output = (frame.len() * 256 + 65536 + 1).max(65536);
    assert!(
        peak <= output + bound(65536) + SLACK,
        "one-shot heap peak {peak}"
    );
}

/// A 4 MiB-block frame of a million one-byte blocks (raw and compressed),
/// fed and drained in tiny pieces: memory stays bounded and does not grow
/// with the number of blocks.
#[test]
fn endless_tiny_blocks() {
    for linked in [true, false] {
        let mut stream = header(linked, true, true, 7, None, None);
        let mut expected = Vec::new();
        let mut r = Rng::new(9);
        for i in 0..200_000u32 {
            let byte = r.next_u64() as u8;
            let block: Vec<u8> = if i % 2 == 0 {
                vec![byte]
            } else {
                vec![0x10, byte]
            };
            let h = block.len() as u32 | if i % 2 == 0 { 0x8000_0000 } else { 0 };
            stream.extend_from_slice(&h.to_le_bytes());
            stream.extend_from_slice(&block);
            stream.extend_from_slice(&xxh32(&block).to_le_bytes());
            expected.push(byte);
        }
        stream.extend_from_slice(&0u32.to_le_bytes());
        stream.extend_from_slice(&xxh32(&expected).to_le_bytes());
        let limit = bound(4 << 20);
        let mut out = vec![0u8; 5 << 20];
        for mode in 0..3 {
            let mut r = Rng::new(mode);
            let (res, peak) = heap_peak(|| {
                let mut d = Decoder::new();
                let n = drive(
                    &mut d,
                    &stream,
                    Some(&expected),
                    &mut out,
                    limit,
                    || match mode {
                        0 => (tiny(&mut r), tiny(&mut r)),
                        1 => (r.piece(100_000), 1),
                        _ => (1, 5 << 20),
                    },
                );
                (n, d.memory_usage())
            });
            assert_eq!(res.0, Ok(expected.len() as u64));
            assert!(
                peak <= limit + SLACK,
                "linked={linked} mode {mode}: heap peak {peak}"
            );
            // With output room for any block (4 MiB) nothing is buffered
            // beyond the window and the block in flight. (With less, a
            // compressed block is decoded in the decoder's buffer, which
            // then needs room for the largest block it could decode to.)
            if mode == 2 {
                assert!(
                    res.1 <= 65536 + 64,
                    "linked={linked}: {} bytes held for one-byte blocks",
                    res.1
                );
            }
        }
    }
}

/// Block headers claiming the largest blocks, their bytes trickling in:
/// staging never exceeds the bound, and the garbage is rejected.
#[test]
fn hostile_block_sizes_trickled_in() {
    let mut garbage = vec![0u8; (4 << 20) + 8];
    Rng::new(10).fill(&mut garbage);
    let limit = bound(4 << 20);
    let mut out = vec![0u8; 100];
    for (linked, checksum, raw) in [
        (true, true, false),
        (false, false, false),
        (true, false, true),
        (true, false, false),
    ] {
        let mut stream = header(linked, checksum, false, 7, None, None);
        let size = 4u32 << 20;
        stream.extend_from_slice(&(size | if raw { 0x8000_0000 } else { 0 }).to_le_bytes());
        stream.extend_from_slice(&garbage[..size as usize + if checksum { 4 } else { 0 }]);
        stream.extend_from_slice(&0u32.to_le_bytes());
        let mut r = Rng::new(11);
        let (res, peak) = heap_peak(|| {
            let mut d = Decoder::new();
            drive(&mut d, &stream, None, &mut out, limit, || {
                (r.piece(50_000), tiny(&mut r))
            })
        });
        let want = match (checksum, raw) {
            (true, _) => Err(Error::BlockChecksum),
            (false, true) => Ok(4 << 20),
            (false, false) => Err(Error::CorruptBlock),
        };
        assert_eq!(res, want, "linked={linked} checksum={checksum} raw={raw}");
        assert!(
            peak <= limit + SLACK,
            "linked={linked} checksum={checksum} raw={raw}: heap peak {peak}"
        );
    }
    // Legacy frames: 8 MiB blocks, a compressed block as large as LZ4 allows.
    let legacy_limit = bound(8 << 20);
    let size = (8 << 20) + (8 << 20) / 255 + 16;
    let mut stream = 0x184C_2102u32.to_le_bytes().to_vec();
    stream.extend_from_slice(&(size as u32).to_le_bytes());
    stream.extend((0..size).map(|i| garbage[i % garbage.len()]));
    let mut r = Rng::new(12);
    let (res, peak) = heap_peak(|| {
        let mut d = Decoder::new();
        drive(&mut d, &stream, None, &mut out, legacy_limit, || {
            (r.piece(100_000), tiny(&mut r))
        })
    });
    assert_eq!(res, Err(Error::CorruptBlock));
    assert!(peak <= legacy_limit + SLACK, "legacy: heap peak {peak}");
}

/// A clone never holds more than its source. (Cloning goes through
/// `BlockBuffer::to_parts`, a copy of the held bytes, so while it runs the
/// heap holds them twice: allowed for here.)
#[test]
fn clones_hold_no_more_than_the_source() {
    let data = mixed(6_000_000, 13);
    let p = Preferences::default().with_block_size(BlockSize::Max4MB);
    let frame = compress(&data, &p).unwrap();
    let mut d = Decoder::new();
    let mut out = vec![0u8; 1000];
    let mut ip = 0;
    let mut r = Rng::new(14);
    for _ in 0..2000 {
        let end = (ip + r.piece(20_000)).min(frame.len());
        let p = d
            .decompress(&frame[ip..end], &mut out[..r.range(1, 1000)], false)
            .unwrap();
        ip += p.consumed;
        let (c, peak) = heap_peak(|| d.clone());
        assert!(c.memory_usage() <= d.memory_usage());
        assert!(
            peak <= 2 * d.memory_usage() + SLACK,
            "clone took {peak} for {}",
            d.memory_usage()
        );
    }
}

/// Rewrites a hand-edited state blob's length field and checksum, so that
/// it gets past the envelope and reaches the field checks.
fn seal(blob: &mut [u8]) {
    let len = blob.len() as u32;
    blob[8..12].copy_from_slice(&len.to_le_bytes());
    let body = blob.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&blob[..body]);
    blob[body..].copy_from_slice(&sum.to_le_bytes());
}

fn le32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// Unmarshal allocates what the blob holds, never what it claims: real
/// blobs of a 4 MiB-block frame restore within the bound (and without a
/// 4 MiB buffer when they hold little), and crafted blobs whose lengths
/// claim megabytes, checksum-valid so that they reach the field checks,
/// are refused without allocating anything of the sort.
#[test]
fn unmarshal_of_real_and_crafted_blobs() {
    let data = mixed(5_000_000, 15);
    let limit = bound(4 << 20);
    let mut out = vec![0u8; 5 << 20];
    let mut block_data_blob = None;
    let mut boundary_blob = None;
    for linked in [true, false] {
        let p = four_mb_frames_with_checksums(linked);
        let frame = compress(&data, &p).unwrap();
        let mut d = Decoder::new();
        let mut r = Rng::new(16 + linked as u64);
        let mut ip = 0;
        for step in 0..400 {
            let end = (ip + r.piece(60_000)).min(frame.len());
            let room = if step % 2 == 0 { 1000 } else { 5 << 20 };
            let p = d
                .decompress(&frame[ip..end], &mut out[..room], false)
                .unwrap();
            ip += p.consumed;
            let blob = d.marshal().unwrap();
            let (restored, peak) = heap_peak(|| Decoder::unmarshal(&blob, None).unwrap());
            assert!(peak <= limit + SLACK, "unmarshal heap peak {peak}");
            // Copies of the held bytes while rebuilding, plus the window's
            // place: nothing sized by the frame's block size.
            assert!(
                peak <= 2 * blob.len() + 65536 + SLACK,
                "unmarshal of a {}-byte blob took {peak}",
                blob.len()
            );
            assert!(restored.memory_usage() <= d.memory_usage().max(blob.len() + 65536));
            if d.input_hint() > 0 && !linked && d.at_block_boundary() && boundary_blob.is_none() {
                boundary_blob = Some(blob.clone());
            }
            if blob[12] == 5 && blob[13] == 0 && !linked && block_data_blob.is_none() {
                block_data_blob = Some(blob.clone());
            }
            if ip == frame.len() {
                break;
            }
        }
        // A restored decoder goes on within the bound.
        let blob = d.marshal().unwrap();
        let at = d.input_consumed() as usize;
        let done = d.output_produced() as usize;
        let mut r = Rng::new(17);
        let (res, peak) = heap_peak(|| {
            let mut d = Decoder::unmarshal(&blob, None).unwrap();
            drive(
                &mut d,
                &frame[at..],
                Some(&data[done..]),
                &mut out,
                limit,
                || (r.piece(100_000), r.piece(100_000)),
            )
        });
        assert_eq!(res, Ok((data.len() - done) as u64));
        assert!(peak <= limit + SLACK, "restored decoder: heap peak {peak}");
    }

    // Crafted lengths in a block-boundary blob (independent blocks: no
    // window, nothing held).
    let base = boundary_blob.expect("a block-boundary blob was taken");
    // The buffer lengths come last before the (empty) buffers and the checksum.
    let lens = base.len() - 16;
    assert_eq!((le32_at(&base, lens), le32_at(&base, lens + 4)), (0, 0));
    for (window, held) in [
        (u32::MAX, 0),
        (0, u32::MAX),
        (65536, 0),
        (0, 4 << 20),
        (0, 1000),
        (1 << 31, 1 << 31),
    ] {
        let mut blob = base.clone();
        blob[lens..lens + 4].copy_from_slice(&window.to_le_bytes());
        blob[lens + 4..lens + 8].copy_from_slice(&held.to_le_bytes());
        seal(&mut blob);
        let (res, peak) = heap_peak(|| Decoder::unmarshal(&blob, None).map(|_| ()));
        assert!(res.is_err(), "window {window} held {held} accepted");
        assert!(
            peak <= SLACK,
            "window {window} held {held}: heap peak {peak}"
        );
        // The same bytes with the room they claim really appended are
        // still refused: independent blocks have no window, and nothing
        // is held between blocks.
        if window as usize + held as usize <= 1 << 20 {
            let mut grown = blob[..blob.len() - 8].to_vec();
            grown.resize(grown.len() + window as usize + held as usize + 8, 0);
            seal(&mut grown);
            let (res, peak) = heap_peak(|| Decoder::unmarshal(&grown, None).map(|_| ()));
            assert_eq!(res.map(|_| ()), Err(Error::StateCorrupt));
            assert!(peak <= SLACK, "grown blob: heap peak {peak}");
        }
    }
    // A total length claiming 4 GiB: refused before anything is read.
    let mut blob = base.clone();
    blob[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let (res, peak) = heap_peak(|| Decoder::unmarshal(&blob, None).map(|_| ()));
    assert_eq!(res, Err(Error::StateTruncated));
    assert!(peak <= SLACK, "huge total length: heap peak {peak}");

    // Mid-block: the current block claims the largest size with a few
    // bytes held. It restores small, then garbage fills the block: the
    // decoder buffers up to the bound, no further, and refuses it.
    let mut blob = block_data_blob.expect("a mid-block blob was taken");
    assert_eq!(blob[12], 5, "block data stage");
    let block_len_at = 69;
    assert!(le32_at(&blob, block_len_at) as usize <= 4 << 20);
    blob[block_len_at..block_len_at + 4].copy_from_slice(&(4u32 << 20).to_le_bytes());
    seal(&mut blob);
    let (d, peak) = heap_peak(|| Decoder::unmarshal(&blob, None).unwrap());
    assert!(
        peak <= 2 * blob.len() + SLACK,
        "mid-block blob: heap peak {peak}"
    );
    let mut garbage = vec![0u8; (4 << 20) + 8];
    Rng::new(18).fill(&mut garbage);
    let mut r = Rng::new(19);
    let (res, peak) = heap_peak(|| {
        let mut d = d;
        drive(&mut d, &garbage, None, &mut out, limit, || {
            (r.piece(200_000), tiny(&mut r))
        })
    });
    assert!(
        matches!(res, Err(Error::BlockChecksum | Error::CorruptBlock)),
        "{res:?}"
    );
    assert!(peak <= limit + SLACK, "garbage block: heap peak {peak}");
}
