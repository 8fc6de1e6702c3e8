//! Random access: `seek::build_index` and `seek::SeekableReader` over every
//! block size and frame kind, through indexes built by decoding and
//! scanning and through seek tables, with random reads checked against the
//! original bytes, several threads reading one reader, files made by the
//! `lz4` tool, and hostile tables and indexes refused with specific errors.

mod common;

use common::*;
use lz4framed::seek::{
    Checkpoint, DEFAULT_SPAN, FileBinding, IndexEntry, LockedSource, PointKind, ReadAt, SeekIndex,
    SeekTable, SeekableReader, build_index, error_of, scan,
};
use lz4framed::{BlockSize, Error, Preferences, compress};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

const SIZES: [BlockSize; 4] = [
    BlockSize::Max64KB,
    BlockSize::Max256KB,
    BlockSize::Max1MB,
    BlockSize::Max4MB,
];

fn prefs(block_size: BlockSize, linked: bool, checksums: bool) -> Preferences {
    Preferences::default()
        .with_block_size(block_size)
        .with_block_linked(linked)
        .with_block_checksum(checksums)
        .with_content_checksum(checksums)
}

/// `reads` random reads (offsets anywhere, some at and past the end;
/// lengths from 0 to a few blocks) through `reader`, each compared with
/// `expected`; then the whole content through `Read`.
fn check_reads<S: ReadAt>(reader: &SeekableReader<S>, expected: &[u8], reads: usize, seed: u64) {
    assert_eq!(reader.len(), expected.len() as u64);
    let mut r = Rng::new(seed);
    let mut buf = vec![0u8; 600_000];
    let total = expected.len();
    for i in 0..reads {
        let offset = match r.below(10) {
            0 => total.saturating_sub(r.below(100)),
            1 => total + r.below(10),
            _ => r.below(total + 1),
        };
        let len = if r.chance(4) {
            r.below(600_000)
        } else {
            r.below(5000)
        };
        let n = reader
            .read_at(offset as u64, &mut buf[..len])
            .unwrap_or_else(|e| panic!("read {i} at {offset}+{len}: {e}"));
        let want = len.min(total.saturating_sub(offset));
        assert_eq!(n, want, "read {i} at {offset}+{len}");
        assert!(
            n == 0 || buf[..n] == expected[offset..offset + n],
            "read {i} at {offset}+{len}"
        );
    }
}

/// The whole content through `Read` after `Seek`s, in odd pieces.
fn check_stream<S: ReadAt>(mut reader: SeekableReader<S>, expected: &[u8]) {
    let mid = expected.len() as u64 / 3;
    assert_eq!(reader.seek(SeekFrom::Start(mid)).unwrap(), mid);
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert!(tail == expected[mid as usize..]);
    reader.seek(SeekFrom::Start(0)).unwrap();
    let mut all = Vec::new();
    io::copy(
        &mut io::BufReader::with_capacity(7777, &mut reader),
        &mut all,
    )
    .unwrap();
    assert!(all == expected);
    assert_eq!(
        reader.seek(SeekFrom::End(5)).unwrap(),
        expected.len() as u64 + 5
    );
    assert_eq!(reader.read(&mut [0u8; 10]).unwrap(), 0);
    assert_eq!(
        reader
            .seek(SeekFrom::Current(-(expected.len() as i64) - 6))
            .unwrap_err()
            .kind(),
        io::ErrorKind::InvalidInput
    );
}

/// The file with a seek table appended (as an encoder writing one would),
/// points every `spacing` bytes.
fn with_table(file: &[u8], spacing: u64) -> Vec<u8> {
    let table = SeekTable::from_scan(&scan(file).unwrap(), spacing).unwrap();
    let mut v = file.to_vec();
    v.extend_from_slice(&table.to_frame());
    v
}

#[test]
fn every_block_size_and_mode_through_built_indexes_and_tables() {
    for (k, &size) in SIZES.iter().enumerate() {
        let len = [700_000, 1_500_000, 3_000_000, 9_000_000][k];
        let data = mixed(len, k as u64);
        let block = size.bytes() as u64;
        for (linked, checksums) in [(false, true), (true, true), (false, false), (true, false)] {
            let file = compress(&data, &prefs(size, linked, checksums)).unwrap();
            let what = format!("{size:?} linked {linked} checksums {checksums}");
            // Built index, points every block and every 3 blocks.
            for span in [0, 3 * block] {
                let index = build_index(&mut Cursor::new(&file), span).unwrap();
                if linked {
                    assert!(
                        index.entries().len() < 2
                            || index.entries()[1].kind() == PointKind::Checkpoint,
                        "{what}"
                    );
                }
                let reader = SeekableReader::with_index(&file[..], index).unwrap();
                check_reads(&reader, &data, 120, span ^ k as u64);
            }
            // A seek table (independent: every block; linked: frame starts
            // and the blocks the scanner proves independent).
            let tabled = with_table(&file, block);
            let reader = SeekableReader::with_table(&tabled[..]).unwrap();
            check_reads(&reader, &data, 120, 7 + k as u64);
            check_stream(reader, &data);
        }
    }
}

#[test]
fn linked_index_reads_decode_at_most_one_span_and_a_block() {
    // Points every 256 KiB: a read far into the file starts near it, seen
    // in how little of the file a counting source is asked for.
    struct Counting<'a>(&'a [u8], std::sync::atomic::AtomicU64);
    impl ReadAt for Counting<'_> {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read_at(offset, buf)?;
            self.1
                .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
        fn size(&self) -> io::Result<u64> {
            self.0.size()
        }
    }
    let data = random_bytes(4 << 20, 3); // incompressible: compressed ~ decompressed
    let file = compress(&data, &prefs(BlockSize::Max64KB, true, true)).unwrap();
    let index = build_index(&mut Cursor::new(&file), 256 << 10).unwrap();
    let counting = Counting(&file, 0.into());
    let reader = SeekableReader::with_index(&counting, index).unwrap();
    let before = counting.1.load(std::sync::atomic::Ordering::Relaxed);
    let mut buf = vec![0u8; 1000];
    reader.read_at(3_333_333, &mut buf).unwrap();
    assert!(buf == data[3_333_333..3_334_333]);
    let read = counting.1.load(std::sync::atomic::Ordering::Relaxed) - before;
    // At most the stretch (256 KiB + a block) and one read chunk.
    assert!(read <= (256 + 64 + 256 + 64) << 10, "{read} bytes read");
    // A read that follows on goes on from there without seeking back.
    let before = counting.1.load(std::sync::atomic::Ordering::Relaxed);
    reader.read_at(3_334_333, &mut buf).unwrap();
    assert!(buf == data[3_334_333..3_335_333]);
    let more = counting.1.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(more < 64 << 10, "{more} bytes read for a read following on");
    // Reading the whole content in order reads the file about once: each
    // stretch is checked by decoding it ahead, and that output is what the
    // next reads get.
    let counting = Counting(&file, 0.into());
    let index = build_index(&mut Cursor::new(&file), 256 << 10).unwrap();
    let mut reader = SeekableReader::with_index(&counting, index).unwrap();
    let before = counting.1.load(std::sync::atomic::Ordering::Relaxed);
    let mut all = Vec::new();
    io::copy(
        &mut io::BufReader::with_capacity(65536, &mut reader),
        &mut all,
    )
    .unwrap();
    assert!(all == data);
    let read = counting.1.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(
        read <= file.len() as u64 + (64 << 10),
        "{read} bytes read for {}",
        file.len()
    );
}

#[test]
fn legacy_skippable_and_concatenated_frames() {
    let a = mixed(900_000, 11);
    let b = mixed(300_000, 12);
    let c = mixed(500_000, 13);
    let mut file = Vec::new();
    let mut expected = Vec::new();
    file.extend(skippable(3, b"a skippable frame first"));
    file.extend(compress(&a, &prefs(BlockSize::Max64KB, false, true)).unwrap());
    expected.extend(&a);
    file.extend(skippable(0, &[7u8; 1000]));
    file.extend(legacy_frame(&[
        &b[..100_000],
        &b[100_000..250_000],
        &b[250_000..],
    ]));
    expected.extend(&b);
    file.extend(compress(&c, &prefs(BlockSize::Max64KB, true, true)).unwrap());
    expected.extend(&c);
    file.extend(compress(b"", &prefs(BlockSize::Max64KB, false, true)).unwrap());
    file.extend(compress(&a[..70_000], &prefs(BlockSize::Max256KB, true, false)).unwrap());
    expected.extend(&a[..70_000]);
    file.extend(skippable(15, b"and one last"));
    for span in [0, 100_000, DEFAULT_SPAN] {
        let reader = SeekableReader::build(&file[..], span).unwrap();
        check_reads(&reader, &expected, 300, span);
        check_stream(reader, &expected);
    }
    let tabled = with_table(&file, 0);
    let reader = SeekableReader::with_table(&tabled[..]).unwrap();
    check_reads(&reader, &expected, 300, 99);
    // A scanned index (no checkpoints) reads the same.
    let scanned =
        SeekIndex::from_scan(&scan(&file).unwrap(), FileBinding::of_file(&file), 0).unwrap();
    let reader = SeekableReader::with_index(&file[..], scanned).unwrap();
    check_reads(&reader, &expected, 300, 98);
    // A legacy file on its own.
    let legacy = legacy_frame(&[&a[..500_000], &a[500_000..]]);
    let reader = SeekableReader::open(&legacy[..]).unwrap();
    check_reads(&reader, &a, 200, 97);
}

#[test]
fn several_threads_read_one_file_at_once() {
    let data = mixed(3_000_000, 21);
    let file = compress(&data, &prefs(BlockSize::Max64KB, true, true)).unwrap();
    let path = temp_path("threads.lz4");
    std::fs::write(&path, &file).unwrap();
    let index = build_index(&mut std::fs::File::open(&path).unwrap(), 200_000).unwrap();
    let reader = Arc::new(
        SeekableReader::with_index(std::fs::File::open(&path).unwrap(), index.clone()).unwrap(),
    );
    let locked = Arc::new(
        SeekableReader::with_index(
            LockedSource::new(std::fs::File::open(&path).unwrap()),
            index,
        )
        .unwrap(),
    );
    let data = Arc::new(data);
    let mut threads = Vec::new();
    for t in 0..4u64 {
        let (reader, locked, data) = (reader.clone(), locked.clone(), data.clone());
        threads.push(std::thread::spawn(move || {
            check_reads(&*reader, &data, 250, 100 + t);
            check_reads(&*locked, &data, 100, 200 + t);
            // Sequential reads per thread, interleaved with the others.
            let mut buf = vec![0u8; 40_000];
            let mut at = (t as usize * 700_000) % data.len();
            for _ in 0..20 {
                let n = reader.read_at(at as u64, &mut buf).unwrap();
                assert!(buf[..n] == data[at..at + n]);
                at += n;
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    std::fs::remove_file(&path).unwrap();
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lz4framed-seekable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn files_made_by_the_lz4_tool() {
    if !lz4framed_testkit::require_tool("lz4", "reading lz4-made files at offsets is not tested") {
        return;
    }
    let data = mixed(2_500_000, 31);
    let src = temp_path("tool-input");
    std::fs::write(&src, &data).unwrap();
    let sets: [&[&str]; 9] = [
        &["-B4"],
        &["-B5", "--content-size"],
        &["-B6", "-BX"],
        &["-B7"],
        &["-B4", "-BD"],
        &["-B4", "-BD", "-BX", "--content-size"],
        &["-B5", "-BD", "--no-frame-crc"],
        &["-l"],
        &["-9", "-B4", "-BD"],
    ];
    for (i, flags) in sets.iter().enumerate() {
        let out = temp_path(&format!("tool-{i}.lz4"));
        let status = Command::new("lz4")
            .args(*flags)
            .args(["-q", "-f"])
            .arg(&src)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "lz4 {flags:?}");
        let file = std::fs::read(&out).unwrap();
        let reader = SeekableReader::open(std::fs::File::open(&out).unwrap()).unwrap();
        check_reads(&reader, &data, 150, i as u64);
        let reader = SeekableReader::build(&file[..], 300_000).unwrap();
        check_reads(&reader, &data, 150, 50 + i as u64);
        // The index written to bytes and read back.
        let bytes = build_index(&mut Cursor::new(&file), 200_000)
            .unwrap()
            .to_bytes();
        let reader = SeekableReader::with_index_bytes(&file[..], &bytes).unwrap();
        check_reads(&reader, &data, 100, 80 + i as u64);
        // With a table appended, lz4 still decodes it and the table serves.
        let tabled = with_table(&file, 100_000);
        let reader = SeekableReader::open(&tabled[..]).unwrap();
        assert!(reader.index().is_none());
        check_reads(&reader, &data, 100, 90 + i as u64);
        std::fs::remove_file(&out).unwrap();
    }
    std::fs::remove_file(&src).unwrap();
}

// ------------------------------------------------------------- hostile

fn code(e: io::Error) -> Error {
    error_of(&e)
}

/// Every read through `reader` either fails or returns the right bytes.
fn never_wrong<S: ReadAt>(reader: &SeekableReader<S>, expected: &[u8], seed: u64) -> usize {
    let mut r = Rng::new(seed);
    let mut failures = 0;
    let mut buf = vec![0u8; 200_000];
    for _ in 0..60 {
        let offset = r.below(expected.len());
        let len = r.below(200_000);
        match reader.read_at(offset as u64, &mut buf[..len]) {
            Ok(n) => {
                let want = len.min(expected.len().saturating_sub(offset));
                assert_eq!(n, want);
                assert!(
                    buf[..n] == expected[offset..offset + n],
                    "wrong bytes at {offset}"
                );
            }
            Err(_) => failures += 1,
        }
    }
    failures
}

#[test]
fn damaged_truncated_and_foreign_tables_are_refused() {
    let data = mixed(600_000, 41);
    let file = compress(&data, &prefs(BlockSize::Max64KB, false, true)).unwrap();
    let tabled = with_table(&file, 0);
    // No table at all.
    assert_eq!(
        code(SeekableReader::with_table(&file[..]).unwrap_err()),
        Error::SeekMagic
    );
    // Damaged: a bit of an entry flipped.
    let mut bad = tabled.clone();
    let at = file.len() + 9;
    bad[at] ^= 4;
    assert_eq!(
        code(SeekableReader::with_table(&bad[..]).unwrap_err()),
        Error::SeekChecksum
    );
    assert_eq!(
        code(SeekableReader::open(&bad[..]).unwrap_err()),
        Error::SeekChecksum
    );
    // Cut before its end: no footer; a footer whose count does not fit.
    let cut = &tabled[..tabled.len() - 3];
    assert_eq!(
        code(SeekableReader::with_table(cut).unwrap_err()),
        Error::SeekMagic
    );
    // A file cut before its table, the table kept: compressed total wrong.
    let mut shortened = file[..file.len() - 100].to_vec();
    shortened.extend_from_slice(&tabled[file.len()..]);
    assert_eq!(
        code(SeekableReader::with_table(&shortened[..]).unwrap_err()),
        Error::SeekCorrupt
    );
    // A table copied onto another file.
    let other = compress(&mixed(600_000, 42), &prefs(BlockSize::Max64KB, false, true)).unwrap();
    let mut foreign = other.clone();
    foreign.extend_from_slice(&tabled[file.len()..]);
    match SeekableReader::with_table(&foreign[..]) {
        Err(e) => assert_eq!(code(e), Error::SeekCorrupt),
        Ok(reader) => {
            // Same length by chance: the stretches give it away.
            assert!(never_wrong(&reader, &mixed(600_000, 42), 1) > 0);
        }
    }
}

/// A table whose entries are `entries` (resealed: only reading can tell).
fn lying_table(file: &[u8], entries: &[lz4framed::seek::TableEntry]) -> Vec<u8> {
    let table = SeekTable::from_entries(entries).unwrap();
    let mut v = file.to_vec();
    v.extend_from_slice(&table.to_frame());
    v
}

#[test]
fn lying_tables_fail_reads_and_never_give_wrong_bytes() {
    let data = mixed(800_000, 51);
    for linked in [false, true] {
        let file = compress(&data, &prefs(BlockSize::Max64KB, linked, true)).unwrap();
        let good = SeekTable::from_scan(&scan(&file).unwrap(), 0).unwrap();
        let entries = good.entries().to_vec();
        assert!(entries.len() > 3 || linked);
        let mut lies = Vec::new();
        if entries.len() > 3 {
            // Decompressed lengths moved between two stretches (totals kept).
            let mut e = entries.clone();
            e[1].decompressed_len += 1000;
            e[2].decompressed_len -= 1000;
            lies.push(e);
            // A point moved into the middle of a block (totals kept).
            let mut e = entries.clone();
            e[1].compressed_len += 17;
            e[2].compressed_len -= 17;
            lies.push(e);
        }
        // Kinds that do not fit the frame: a Block point in a linked frame
        // (no history), a LinkedReset one in a frame of independent blocks.
        let mut e = entries.clone();
        if e.len() > 2 {
            let kind = if linked {
                PointKind::Block
            } else {
                PointKind::LinkedReset
            };
            e[1].kind = kind;
            e[2].kind = kind;
            lies.push(e);
        }
        for (i, lie) in lies.iter().enumerate() {
            let bad = lying_table(&file, lie);
            let reader = SeekableReader::with_table(&bad[..]).unwrap();
            let failures = never_wrong(&reader, &data, i as u64);
            assert!(failures > 0, "lie {i} linked {linked} went unnoticed");
            if i == lies.len() - 1 {
                // Kinds matter only where a read restarts.
                continue;
            }
            // The errors are specific.
            let mut buf = vec![0u8; data.len()];
            let e = reader.read_at(0, &mut buf).unwrap_err();
            let c = code(e);
            assert!(
                matches!(
                    c,
                    Error::SeekMismatch
                        | Error::CorruptBlock
                        | Error::BlockChecksum
                        | Error::BlockTooLarge
                        | Error::BadMagic
                ),
                "lie {i}: {c:?}"
            );
        }
    }
    // Totals that disagree with the blocks: every whole read fails.
    let file = compress(&data, &prefs(BlockSize::Max64KB, false, true)).unwrap();
    let good = SeekTable::from_scan(&scan(&file).unwrap(), 0).unwrap();
    let mut e = good.entries().to_vec();
    let last = e.len() - 1;
    e[last].decompressed_len += 5;
    let bad = lying_table(&file, &e);
    let reader = SeekableReader::with_table(&bad[..]).unwrap();
    assert_eq!(reader.len(), data.len() as u64 + 5);
    let mut buf = vec![0u8; 100];
    assert_eq!(
        code(
            reader
                .read_at(data.len() as u64 - 50, &mut buf)
                .unwrap_err()
        ),
        Error::SeekMismatch
    );
}

#[test]
fn stale_lying_and_damaged_indexes_are_refused() {
    let data = mixed(800_000, 61);
    let file = compress(&data, &prefs(BlockSize::Max64KB, true, true)).unwrap();
    let index = build_index(&mut Cursor::new(&file), 100_000).unwrap();
    let bytes = index.to_bytes();
    // Stale: another file, or this one changed.
    let other = compress(&mixed(800_000, 62), &prefs(BlockSize::Max64KB, true, true)).unwrap();
    assert_eq!(
        code(SeekableReader::with_index(&other[..], index.clone()).unwrap_err()),
        Error::SeekStale
    );
    let mut appended = file.clone();
    appended.push(0);
    assert_eq!(
        code(SeekableReader::with_index_bytes(&appended[..], &bytes).unwrap_err()),
        Error::SeekStale
    );
    // Damaged bytes and truncation.
    let mut damaged = bytes.clone();
    damaged[50] ^= 1;
    assert_eq!(
        code(SeekableReader::with_index_bytes(&file[..], &damaged).unwrap_err()),
        Error::SeekChecksum
    );
    assert_eq!(
        code(SeekableReader::with_index_bytes(&file[..], &bytes[..30]).unwrap_err()),
        Error::SeekTruncated
    );
    assert_eq!(
        code(SeekableReader::with_index_bytes(&file[..], b"not an index at all, no").unwrap_err()),
        Error::SeekMagic
    );
    // Out of range and non-monotonic entries are refused when made.
    let binding = FileBinding::of_file(&file);
    let e = |k, c, d| IndexEntry::new(k, c, d);
    let refused = [
        vec![
            e(PointKind::Frame, 0, 0),
            e(PointKind::LinkedReset, file.len() as u64 + 5, 1),
        ],
        vec![
            e(PointKind::Frame, 0, 0),
            e(PointKind::LinkedReset, 500, 100),
            e(PointKind::LinkedReset, 400, 200),
        ],
        vec![
            e(PointKind::Frame, 0, 0),
            e(PointKind::LinkedReset, 500, 300),
            e(PointKind::LinkedReset, 600, 200),
        ],
    ];
    for entries in refused {
        let invalid = SeekIndex::new(binding, data.len() as u64, entries).unwrap_err();
        assert_eq!(invalid.error(), Error::SeekCorrupt);
    }
    // Lies that pass validation: caught while reading, never wrong bytes.
    let entries = index.entries().to_vec();
    let cp = entries
        .iter()
        .position(|x| x.kind() == PointKind::Checkpoint)
        .unwrap();
    let point = &entries[cp];
    let mut lies: Vec<Vec<IndexEntry>> = Vec::new();
    // A window damaged in the index file: its own checksum refuses it.
    // (A window forged with valid checksums is trusted: LZ4 block
    // checksums cover the compressed bytes, not the output.)
    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert_eq!(
        code(SeekableReader::with_index_bytes(&file[..], &damaged).unwrap_err()),
        Error::SeekChecksum
    );
    // A checkpoint at the wrong decompressed offset.
    let mut l = entries.clone();
    let window = point.checkpoint().unwrap().unwrap();
    l[cp] = IndexEntry::with_checkpoint(
        point.compressed_offset(),
        point.decompressed_offset() + 10,
        &window,
    );
    lies.push(l);
    // A checkpoint moved into the middle of a block.
    let mut l = entries.clone();
    l[cp] = IndexEntry::with_checkpoint(
        point.compressed_offset() + 3,
        point.decompressed_offset(),
        &window,
    );
    lies.push(l);
    // A Block point in a linked frame (no history where one is needed).
    let mut l = entries.clone();
    l[cp] = IndexEntry::new(
        PointKind::Block,
        point.compressed_offset(),
        point.decompressed_offset(),
    );
    lies.push(l);
    // An opaque checkpoint this reader cannot use.
    let mut l = entries.clone();
    l[cp] = IndexEntry::with_checkpoint(
        point.compressed_offset(),
        point.decompressed_offset(),
        &Checkpoint::Opaque(vec![1, 2, 3]),
    );
    lies.push(l);
    for (i, l) in lies.into_iter().enumerate() {
        let lying = SeekIndex::new(binding, data.len() as u64, l).unwrap();
        let reader = SeekableReader::with_index(&file[..], lying).unwrap();
        assert!(never_wrong(&reader, &data, i as u64) > 0, "lie {i}");
        let mut buf = [0u8; 10];
        let at = point.decompressed_offset() + 20;
        let c = code(reader.read_at(at, &mut buf).unwrap_err());
        assert!(
            matches!(
                c,
                Error::SeekMismatch
                    | Error::BlockChecksum
                    | Error::CorruptBlock
                    | Error::SeekCorrupt
                    | Error::BlockTooLarge
            ),
            "lie {i}: {c:?}"
        );
    }
    // A file damaged after the index was made (same size and first bytes):
    // block checksums refuse it.
    let mut changed = file.clone();
    let n = changed.len();
    changed[n - 5000] ^= 0x10;
    let reader = SeekableReader::with_index(&changed[..], index).unwrap();
    assert!(never_wrong(&reader, &data, 9) > 0);
}

#[test]
fn truncated_and_corrupt_files_fail_building_and_reading() {
    let data = mixed(500_000, 71);
    for linked in [false, true] {
        let file = compress(&data, &prefs(BlockSize::Max64KB, linked, true)).unwrap();
        let cut = &file[..file.len() - 1000];
        assert_eq!(
            code(build_index(&mut Cursor::new(cut), 0).unwrap_err()),
            Error::Truncated
        );
        assert_eq!(
            code(SeekableReader::open(cut).unwrap_err()),
            Error::Truncated
        );
        let mut foreign = file.clone();
        foreign.extend_from_slice(b"trailing garbage");
        assert_eq!(
            code(SeekableReader::open(&foreign[..]).unwrap_err()),
            Error::BadMagic
        );
    }
    // A file that shrank under a reader with a valid index.
    let file = compress(&data, &prefs(BlockSize::Max64KB, false, true)).unwrap();
    let index = build_index(&mut Cursor::new(&file), 0).unwrap();
    struct Shrunk<'a>(&'a [u8], u64);
    impl ReadAt for Shrunk<'_> {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
            self.0[..self.0.len() - 20_000].read_at(offset, buf)
        }
        fn size(&self) -> io::Result<u64> {
            Ok(self.1)
        }
    }
    let reader = SeekableReader::with_index(Shrunk(&file, file.len() as u64), index).unwrap();
    let mut buf = vec![0u8; 100];
    let e = reader
        .read_at(data.len() as u64 - 100, &mut buf)
        .unwrap_err();
    assert_eq!(code(e), Error::Truncated);
    // A failing source is a reader failure.
    struct Failing;
    impl ReadAt for Failing {
        fn read_at(&self, _: u64, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
        fn size(&self) -> io::Result<u64> {
            Ok(1000)
        }
    }
    assert_eq!(
        code(SeekableReader::open(Failing).unwrap_err()),
        Error::ReaderFailed
    );
    // An empty file: nothing to read, no error.
    let reader = SeekableReader::open(&b""[..]).unwrap();
    assert_eq!(reader.len(), 0);
    assert_eq!(reader.read_at(0, &mut buf).unwrap(), 0);
    // Frames with a dictionary ID are refused for random access.
    let dict_prefs = prefs(BlockSize::Max64KB, false, false).with_dict_id(Some(7));
    let dict_file = lz4framed::compress_with_dictionary(&data, &dict_prefs, &data[..1000]).unwrap();
    assert_eq!(
        code(SeekableReader::open(&dict_file[..]).unwrap_err()),
        Error::DictionaryRequired
    );
}

/// Frames whose blocks were cut short by `Encoder::flush` at random points
/// (restart points and checkpoints at irregular offsets), every block size
/// in both modes: random reads, and reads aimed a few bytes either side
/// of every block start.
#[test]
fn flushed_short_blocks_in_every_block_size_and_mode() {
    let data = mixed(900_000, 31);
    for (k, &size) in SIZES.iter().enumerate() {
        for linked in [false, true] {
            let mut r = Rng::new(40 + k as u64);
            let mut enc = lz4framed::Encoder::new(&prefs(size, linked, true)).unwrap();
            let mut file = vec![0u8; 32];
            let n = enc.begin(&mut file).unwrap();
            file.truncate(n);
            let (mut at, mut starts) = (0, vec![0]);
            while at < data.len() {
                let n = (1 + r.below(150_000)).min(data.len() - at);
                let mut out = vec![0u8; enc.update_bound(n)];
                let w = enc.update(&data[at..at + n], &mut out).unwrap();
                file.extend_from_slice(&out[..w]);
                at += n;
                let mut out = vec![0u8; enc.end_bound()];
                let w = if at < data.len() {
                    starts.push(at);
                    enc.flush(&mut out).unwrap()
                } else {
                    enc.end(&mut out).unwrap()
                };
                file.extend_from_slice(&out[..w]);
            }
            assert_eq!(lz4framed::decompress(&file).unwrap(), data);
            let what = format!("{size:?} linked {linked}");
            let index = build_index(&mut Cursor::new(&file), 32 << 10).unwrap();
            let reader = SeekableReader::with_index(&file[..], index).unwrap();
            assert!(reader.restart_points() > 3, "{what}");
            check_reads(&reader, &data, 150, k as u64);
            let mut buf = vec![0u8; 70_000];
            for &s in &starts {
                let offset = s.saturating_sub(r.below(40));
                let len = r.below(buf.len());
                let n = reader.read_at(offset as u64, &mut buf[..len]).unwrap();
                let want = len.min(data.len() - offset);
                assert_eq!(n, want, "{what}: {offset}+{len}");
                assert!(
                    buf[..n] == data[offset..offset + n],
                    "{what}: {offset}+{len}"
                );
            }
        }
    }
}
