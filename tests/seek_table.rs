//! The seek table the encoder writes (`Preferences::seek_table`): found by
//! `SeekTable::from_file` / `read_from` with exactly the points the rule
//! says (recomputed here from a scan of the frames), every stretch
//! decodable on its own from its restart point (linked restarts with an
//! empty window, no dictionary), the same bytes with and without workers,
//! bounds that hold, the errors of the streaming API, and `lz4 -d` giving
//! the original back.

mod common;

use common::{Rng, header, mixed};
use lz4framed::seek::{self, PointKind, ScannedFrame, SeekTable};
use lz4framed::{
    BlockSize, DEFAULT_SEEK_SPAN, Encoder, Error, FrameKind, Preferences, compress, compress_bound,
    compress_frame_bound, compress_into, compress_with_dictionary, decompress,
    decompress_with_dictionary,
};

const SIZES: [BlockSize; 4] = [
    BlockSize::Max64KB,
    BlockSize::Max256KB,
    BlockSize::Max1MB,
    BlockSize::Max4MB,
];

/// The stretch length the encoder's rule uses (docs/SEEK_FORMAT.md):
/// the span in whole blocks, at least one; linked frames at most 4 MiB.
fn limit(span: u64, p: &Preferences) -> u64 {
    let bs = p.block_size.bytes() as u64;
    let span = if p.block_linked {
        span.min(4 << 20)
    } else {
        span
    };
    (span / bs).max(1) * bs
}

/// Where the points of a file's table must be: every frame start; inside
/// an LZ4 frame, a block whose stretch so far holds `limit` bytes or more.
fn expected_points(frames: &[ScannedFrame], limit: u64) -> Vec<(PointKind, u64, u64)> {
    let mut v = Vec::new();
    for f in frames {
        v.push((PointKind::Frame, f.offset, f.decompressed_offset));
        let mut len = 0u64;
        for b in &f.blocks {
            if len >= limit {
                let kind = if f.info.block_linked {
                    PointKind::LinkedReset
                } else {
                    PointKind::Block
                };
                v.push((kind, b.offset, b.decompressed_offset));
                len = 0;
            }
            len += u64::from(b.decompressed_len);
        }
    }
    v
}

fn block_bytes(f: &ScannedFrame, b: &seek::ScannedBlock) -> u64 {
    4 + u64::from(b.data_len) + if f.info.block_checksum { 4 } else { 0 }
}

/// Checks the table at the end of `file` against a scan of the frames
/// before it and decodes every stretch alone from its restart point.
/// Returns the table.
fn check_file(file: &[u8], data: &[u8], span: u64, p: &Preferences, dict: &[u8]) -> SeekTable {
    let table = SeekTable::from_file(file).expect("the file ends with a valid seek table");
    let mut cursor = std::io::Cursor::new(file);
    assert_eq!(SeekTable::read_from(&mut cursor).unwrap(), table);
    assert_eq!(table.decompressed_total(), data.len() as u64);
    let body = &file[..table.compressed_total() as usize];
    let frames = seek::scan(body).expect("the frames scan");
    let got: Vec<(PointKind, u64, u64)> = table
        .points()
        .map(|p| (p.kind, p.compressed_offset, p.decompressed_offset))
        .collect();
    assert_eq!(got, expected_points(&frames, limit(span, p)), "{p:?}");
    let ends: Vec<(u64, u64)> = table
        .points()
        .skip(1)
        .map(|p| (p.compressed_offset, p.decompressed_offset))
        .chain([(table.compressed_total(), table.decompressed_total())])
        .collect();
    for (point, &(c_end, d_end)) in table.points().zip(&ends) {
        let f = frames
            .iter()
            .rev()
            .find(|f| f.offset <= point.compressed_offset)
            .unwrap();
        let want = &data[point.decompressed_offset as usize..d_end as usize];
        if f.info.kind == FrameKind::Skippable {
            assert_eq!(point.kind, PointKind::Frame);
            assert!(want.is_empty());
            continue;
        }
        // The stretch's blocks in a frame of their own: no content size or
        // checksum to check, and for a linked restart no dictionary ID (it
        // must decode with an empty window).
        let reset = point.kind == PointKind::LinkedReset;
        let dict_id = f.info.dict_id.filter(|_| !reset);
        let mut alone = header(
            f.info.block_linked,
            f.info.block_checksum,
            false,
            f.info.block_size.id(),
            None,
            dict_id,
        );
        for b in &f.blocks {
            if b.offset >= point.compressed_offset && b.offset < c_end {
                let at = b.offset as usize;
                alone.extend_from_slice(&file[at..at + block_bytes(f, b) as usize]);
            }
        }
        alone.extend_from_slice(&0u32.to_le_bytes());
        let out = if dict.is_empty() || reset {
            decompress(&alone)
        } else {
            decompress_with_dictionary(&alone, dict, dict_id)
        };
        assert!(
            out.as_deref() == Ok(want),
            "stretch at {point:?} of {p:?} does not decode alone"
        );
    }
    let whole = if dict.is_empty() {
        decompress(file)
    } else {
        decompress_with_dictionary(file, dict, None)
    };
    assert!(whole.as_deref() == Ok(data));
    table
}

fn prefs(bs: BlockSize, linked: bool, checks: bool, span: u64) -> Preferences {
    Preferences::default()
        .with_block_size(bs)
        .with_block_linked(linked)
        .with_block_checksum(checks)
        .with_content_checksum(checks)
        .with_content_size(checks.then_some(0))
        .with_seek_table(span)
}

#[test]
fn tables_for_every_block_size_mode_checksums_and_workers() {
    let data = mixed(9 << 20, 11);
    for bs in SIZES {
        // Several stretches per frame for every block size.
        let span = (bs.bytes() as u64 * 2).clamp(1 << 20, 4 << 20);
        for linked in [false, true] {
            for checks in [false, true] {
                let p = prefs(bs, linked, checks, span);
                let serial = compress(&data, &p).unwrap();
                let table = check_file(&serial, &data, span, &p, &[]);
                assert!(table.entries().len() >= 3, "{p:?}");
                let parallel = compress(&data, &p.with_workers(2)).unwrap();
                assert!(serial == parallel, "workers change the output: {p:?}");
                // Streaming, in pieces that do not line up with blocks: the
                // one-shot bytes (a linked stretch is compressed as one
                // contiguous run however its input arrives).
                let mut r = Rng::new(bs.id().into());
                for workers in [0, 2] {
                    let q = p.with_workers(workers);
                    let streamed = stream(&data, &q, &mut r, false);
                    check_file(&streamed, &data, span, &q, &[]);
                    assert!(streamed == serial, "streaming differs: {q:?}");
                }
            }
        }
    }
}

/// Compresses `data` as one frame in random pieces (and flushes, when
/// asked) with every buffer at the promised bound, then writes the table.
fn stream(data: &[u8], p: &Preferences, r: &mut Rng, flushes: bool) -> Vec<u8> {
    stream_with(data, p, &[], r, flushes)
}

fn stream_with(data: &[u8], p: &Preferences, dict: &[u8], r: &mut Rng, flushes: bool) -> Vec<u8> {
    let mut e = Encoder::with_dictionary(p, dict).unwrap();
    e.set_content_size(p.content_size.map(|_| data.len() as u64))
        .unwrap();
    let mut file = vec![0u8; 19];
    let n = e.begin(&mut file).unwrap();
    file.truncate(n);
    append_frame_body(&mut e, data, p, r, flushes, &mut file);
    append_table(&mut e, &mut file);
    file
}

fn append_frame_body(
    e: &mut Encoder,
    data: &[u8],
    p: &Preferences,
    r: &mut Rng,
    flushes: bool,
    file: &mut Vec<u8>,
) {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let take = r.piece(3 << 20).min(data.len() - at);
        out.resize(compress_bound(take, p), 0);
        let n = e.update(&data[at..at + take], &mut out).unwrap();
        file.extend_from_slice(&out[..n]);
        at += take;
        // A staged linked stretch stays within the bound.
        assert!(e.memory_usage() <= e.memory_bound(), "{p:?}");
        if flushes && r.chance(3) {
            out.resize(compress_bound(0, p), 0);
            let n = e.flush(&mut out).unwrap();
            file.extend_from_slice(&out[..n]);
        }
    }
    out.resize(compress_bound(0, p), 0);
    let n = e.end(&mut out).unwrap();
    file.extend_from_slice(&out[..n]);
}

fn append_table(e: &mut Encoder, file: &mut Vec<u8>) {
    let len = e.seek_table_bound();
    let mut out = vec![0u8; len];
    assert_eq!(
        e.write_seek_table(&mut out[..len - 1]),
        Err(Error::DstTooSmall)
    );
    assert_eq!(e.seek_table_bound(), len, "a refused call changes nothing");
    assert_eq!(e.write_seek_table(&mut out), Ok(len));
    file.extend_from_slice(&out);
}

#[test]
fn levels_fast_and_hc_are_byte_identical_with_workers() {
    let data = mixed(10 << 20, 5);
    for level in [-3, 1, 4, 9] {
        for linked in [true, false] {
            let p = Preferences::default()
                .with_level(level)
                .with_block_size(BlockSize::Max256KB)
                .with_block_linked(linked)
                .with_seek_table(DEFAULT_SEEK_SPAN);
            let serial = compress(&data, &p).unwrap();
            check_file(&serial, &data, DEFAULT_SEEK_SPAN, &p, &[]);
            for workers in [1, 2, 3] {
                let q = p.with_workers(workers);
                assert!(compress(&data, &q).unwrap() == serial, "{q:?}");
                let streamed = stream(&data, &q, &mut Rng::new(level as u64), false);
                assert!(streamed == serial, "streaming {q:?}");
            }
            // Without workers, in other pieces: the same bytes.
            let one = stream(&data, &p, &mut Rng::new(1), false);
            check_file(&one, &data, DEFAULT_SEEK_SPAN, &p, &[]);
            assert!(one == serial, "serial streaming {p:?}");
        }
    }
}

#[test]
fn flushes_keep_the_table_exact() {
    let data = mixed(7 << 20, 3);
    for linked in [true, false] {
        for workers in [0, 2] {
            let p = prefs(BlockSize::Max64KB, linked, true, 1 << 20).with_workers(workers);
            let file = stream(&data, &p, &mut Rng::new(9), true);
            check_file(&file, &data, 1 << 20, &p, &[]);
        }
    }
}

#[test]
fn several_frames_and_tables_in_one_stream() {
    let a = mixed(3 << 20, 1);
    let b = mixed(2 << 20, 2);
    for workers in [0, 2] {
        for linked in [true, false] {
            let p = prefs(BlockSize::Max256KB, linked, false, 1 << 20).with_workers(workers);
            let mut e = Encoder::new(&p).unwrap();
            let mut file = Vec::new();
            let mut r = Rng::new(4);
            for (i, part) in [&a, &b].into_iter().enumerate() {
                let mut head = vec![0u8; 19];
                let n = e.begin(&mut head).unwrap();
                file.extend_from_slice(&head[..n]);
                append_frame_body(&mut e, part, &p, &mut r, false, &mut file);
                if i == 0 {
                    // A table between the frames: a skippable frame the
                    // final table lists as a frame of its own.
                    append_table(&mut e, &mut file);
                    assert!(SeekTable::from_file(&file).is_ok());
                }
            }
            append_table(&mut e, &mut file);
            let all = [&a[..], &b[..]].concat();
            let table = check_file(&file, &all, 1 << 20, &p, &[]);
            let frames: Vec<_> = table
                .points()
                .filter(|p| p.kind == PointKind::Frame)
                .collect();
            assert_eq!(frames.len(), 3);
            assert_eq!(frames[1].decompressed_offset, a.len() as u64);
        }
    }
}

#[test]
fn dictionary_frames_restart_without_the_dictionary() {
    let dict = mixed(64 << 10, 77);
    let data = mixed(5 << 20, 78);
    for linked in [true, false] {
        for workers in [0, 2] {
            let p = prefs(BlockSize::Max64KB, linked, true, 1 << 20)
                .with_dict_id(Some(7))
                .with_workers(workers);
            let file = compress_with_dictionary(&data, &p, &dict).unwrap();
            check_file(&file, &data, 1 << 20, &p, &dict);
            let serial = compress_with_dictionary(&data, &p.with_workers(0), &dict).unwrap();
            assert!(file == serial, "{p:?}");
            // Streaming: the one-shot bytes (linked frames with workers
            // start from the dictionary loaded as history: other bytes).
            let streamed = stream_with(&data, &p, &dict, &mut Rng::new(5), false);
            check_file(&streamed, &data, 1 << 20, &p, &dict);
            if workers == 0 || !linked {
                assert!(streamed == serial, "streaming {p:?}");
            }
        }
    }
}

#[test]
fn frame_bound_covers_the_table_and_output_is_unchanged_without_one() {
    let mut r = Rng::new(8);
    for len in [0, 1, 1000, 300_000, 5 << 20] {
        let random: Vec<u8> = (0..len).map(|_| r.next_u64() as u8).collect();
        for span in [1u64, 65536, DEFAULT_SEEK_SPAN] {
            for linked in [true, false] {
                for workers in [0, 2] {
                    let p = prefs(BlockSize::Max64KB, linked, true, span).with_workers(workers);
                    let bound = compress_frame_bound(len, &p);
                    let mut dst = vec![0u8; bound];
                    let n = compress_into(&random, &mut dst, &p).unwrap();
                    assert!(n <= bound);
                    check_file(&dst[..n], &random, span, &p, &[]);
                    let plain = compress(&random, &p.with_seek_table(0)).unwrap();
                    let table = SeekTable::from_file(&dst[..n]).unwrap();
                    assert_eq!(n, plain.len() + table.frame_len(), "{p:?}");
                    if !linked {
                        // Independent blocks: the frame itself is unchanged.
                        assert!(dst[..plain.len()] == plain[..]);
                    }
                }
            }
        }
    }
}

#[test]
fn streaming_errors() {
    let p = Preferences::default();
    let mut e = Encoder::new(&p).unwrap();
    assert_eq!(e.seek_table_bound(), 0);
    assert!(e.seek_table().is_none());
    assert_eq!(e.write_seek_table(&mut [0u8; 64]), Err(Error::SeekTableOff));
    let p = p
        .with_seek_table(DEFAULT_SEEK_SPAN)
        .with_content_size(Some(5));
    let mut e = Encoder::new(&p).unwrap();
    // No frame yet: a table of nothing.
    assert_eq!(e.seek_table_bound(), 32);
    let mut out = vec![0u8; 64];
    e.begin(&mut out).unwrap();
    assert_eq!(e.write_seek_table(&mut out), Err(Error::WrongStage));
    e.update(b"abc", &mut out).unwrap();
    // The declared size is not met: the frame fails, and no table can
    // describe what was written of it.
    assert_eq!(e.end(&mut out), Err(Error::ContentSize));
    assert_eq!(e.write_seek_table(&mut out), Err(Error::WrongStage));
    assert_eq!(e.seek_table().unwrap(), Err(Error::WrongStage));
}

#[test]
fn lz4_tool_decodes_files_with_a_table() {
    if !common_tool("lz4") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("lz4framed-seek-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = mixed(6 << 20, 21);
    for linked in [true, false] {
        let p = prefs(BlockSize::Max256KB, linked, true, 1 << 20);
        let file = compress(&data, &p).unwrap();
        let path = dir.join(format!("t{linked}.lz4"));
        std::fs::write(&path, &file).unwrap();
        let out = std::process::Command::new("lz4")
            .args(["-d", "-c", "-q"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == data,
            "lz4 -d of a file with a table (linked {linked})"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whether `tool` runs: skip with a note, or fail under CI.
fn common_tool(tool: &str) -> bool {
    lz4framed_testkit::require_tool(tool, "the lz4 tool check is skipped")
}

/// A file the encoder writes, committed (`tests/data/seek/encoder-v1.lz4`):
/// a linked frame with block and content checksums and a content size,
/// its history restarted every 128 KiB, and its table. It pins the
/// stretch rule and the table the encoder writes (readers of the format
/// can test against it); `LZ4FRAMED_WRITE_GOLDEN=1` rewrites it.
#[test]
fn encoder_output_matches_the_golden_file() {
    let data = common::compressible(600 << 10, 12);
    let p = prefs(BlockSize::Max64KB, true, true, 128 << 10).with_level(3);
    let file = compress(&data, &p).unwrap();
    assert!(compress(&data, &p.with_workers(2)).unwrap() == file);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/seek/encoder-v1.lz4"
    );
    if std::env::var_os("LZ4FRAMED_WRITE_GOLDEN").is_some() {
        std::fs::write(path, &file).unwrap();
    }
    let committed = std::fs::read(path).unwrap();
    assert!(committed == file, "the encoder no longer writes {path}");
    let table = check_file(&committed, &data, 128 << 10, &p, &[]);
    let points: Vec<(PointKind, u64)> = table
        .points()
        .map(|p| (p.kind, p.decompressed_offset))
        .collect();
    assert_eq!(
        points,
        [
            (PointKind::Frame, 0),
            (PointKind::LinkedReset, 128 << 10),
            (PointKind::LinkedReset, 256 << 10),
            (PointKind::LinkedReset, 384 << 10),
            (PointKind::LinkedReset, 512 << 10),
        ]
    );
}
