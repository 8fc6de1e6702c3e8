//! The random-access formats (`docs/SEEK_FORMAT.md`) and the block scanner:
//! round trips, the committed golden files, every truncation and bit flip
//! of a table and an index refused, lying tables caught by validation, and
//! scanner lengths equal to real decoding on files made by the `lz4` tool,
//! whose files keep decoding with `lz4` once a seek table is appended.

mod common;

use common::*;
use lz4framed::seek::{
    Checkpoint, FileBinding, IndexEntry, Invalid, PointKind, ScannedFrame, SeekIndex, SeekTable,
    TableEntry, scan,
};
use lz4framed::{
    BlockSize, Decoder, Error, FrameKind, Preferences, Status, compress, decompress,
    decompress_into,
};
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------- helpers

fn xxh32(b: &[u8]) -> u32 {
    xxhash_rust::xxh32::xxh32(b, 0)
}

/// Rewrites a table frame's checksum after a deliberate edit, so that only
/// validation can catch the lie.
fn reseal_table(frame: &mut [u8]) {
    let at = frame.len() - 8;
    let sum = xxh32(&frame[..at]);
    frame[at..at + 4].copy_from_slice(&sum.to_le_bytes());
}

/// The same for an index: its checksum follows the directory.
fn reseal_index(index: &mut [u8]) {
    let n = u32::from_le_bytes(index[32..36].try_into().unwrap()) as usize;
    let m = u32::from_le_bytes(index[36..40].try_into().unwrap()) as usize;
    let at = 48 + 16 * n + 16 * m;
    if at + 8 > index.len() {
        return; // counts beyond the input: refused before the checksum
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&index[..at]);
    index[at..at + 8].copy_from_slice(&sum.to_le_bytes());
}

fn text(len: usize, seed: u64) -> Vec<u8> {
    mixed(len, seed)
}

/// A small table of every kind of entry, the same forever.
fn golden_table() -> SeekTable {
    let mut t = SeekTable::new();
    t.push(PointKind::Frame, 1000, 4000).unwrap();
    t.push(PointKind::Block, 900, 65536).unwrap();
    t.push(PointKind::LinkedReset, 5000, 65536).unwrap();
    t.push(PointKind::Frame, 12, 0).unwrap();
    // Too long for one entry: split, the rest marked Continue.
    t.push(PointKind::Frame, 3 << 30, 8 << 30).unwrap();
    t
}

/// A small index of every kind of entry and both checkpoint types.
fn golden_index() -> SeekIndex {
    let file: Vec<u8> = b"golden indexed file ".repeat(5000);
    let mut r = Rng::new(7);
    let mut noise = vec![0u8; 65536];
    r.fill(&mut noise);
    let window = text(65536, 3);
    let entries = vec![
        IndexEntry::new(PointKind::Frame, 0, 0),
        IndexEntry::new(PointKind::Block, 1000, 65536),
        IndexEntry::with_checkpoint(5000, 131072, &Checkpoint::Window(window)),
        IndexEntry::with_checkpoint(9000, 196608, &Checkpoint::Window(noise)),
        IndexEntry::new(PointKind::LinkedReset, 20000, 262144),
        IndexEntry::with_checkpoint(30000, 300000, &Checkpoint::Opaque(b"opaque state".to_vec())),
        IndexEntry::new(PointKind::Frame, 99000, 400000),
    ];
    SeekIndex::new(FileBinding::of_file(&file), 500000, entries).unwrap()
}

const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/seek");

/// Compares `bytes` with the committed golden file `name`;
/// `LZ4FRAMED_WRITE_GOLDEN=1` rewrites it instead (only ever for a new
/// format version: the committed files pin version 1).
fn golden(name: &str, bytes: &[u8]) -> Vec<u8> {
    let path = Path::new(GOLDEN_DIR).join(name);
    if std::env::var_os("LZ4FRAMED_WRITE_GOLDEN").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == bytes,
        "{name} differs from what this build writes"
    );
    committed
}

// ---------------------------------------------------------- round trips

#[test]
fn random_tables_round_trip() {
    let mut r = Rng::new(1);
    for round in 0..200 {
        let mut t = SeekTable::new();
        let n = r.below(50);
        for i in 0..n {
            let kind = if i == 0 {
                PointKind::Frame
            } else {
                [
                    PointKind::Frame,
                    PointKind::Block,
                    PointKind::LinkedReset,
                    PointKind::Continue,
                ][r.below(4)]
            };
            let max = if r.chance(4) { 1 << 22 } else { 300 };
            let c = 1 + r.below(max) as u64;
            let d = r.below((c * 255 + 1).min(1 << 24) as usize) as u64;
            t.push(kind, c, d).unwrap();
        }
        let frame = t.to_frame();
        assert_eq!(frame.len(), 32 + 8 * t.entries().len(), "round {round}");
        assert_eq!(SeekTable::from_frame(&frame).unwrap(), t);
        assert_eq!(SeekTable::from_entries(t.entries()).unwrap(), t);
        // At the end of a file as long as it covers, it is found from the tail.
        let size = t.compressed_total() + frame.len() as u64;
        assert_eq!(SeekTable::from_file_tail(&frame, size).unwrap(), t);
        if size < 1 << 20 {
            let mut file = vec![0u8; t.compressed_total() as usize];
            file.extend_from_slice(&frame);
            assert_eq!(SeekTable::from_file(&file).unwrap(), t);
            let mut cursor = std::io::Cursor::new(&file);
            assert_eq!(SeekTable::read_from(&mut cursor).unwrap(), t);
        }
        // Points add up the stretches.
        let mut c = 0;
        for (p, e) in t.points().zip(t.entries()) {
            assert_eq!(p.compressed_offset, c);
            c += u64::from(e.compressed_len);
        }
    }
}

#[test]
fn indexes_round_trip_and_are_bound_to_their_file() {
    let index = golden_index();
    let bytes = index.to_bytes();
    assert_eq!(SeekIndex::from_bytes(&bytes).unwrap(), index);
    let cp = index.entries()[2].checkpoint().unwrap().unwrap();
    assert_eq!(cp, Checkpoint::Window(text(65536, 3)));
    assert_eq!(index.entries()[0].checkpoint(), Ok(None));
    // The compressible window is stored compressed.
    assert!(index.entries()[2].checkpoint_blob().unwrap().len() < 40_000);

    let file: Vec<u8> = b"golden indexed file ".repeat(5000);
    let binding = FileBinding::of_file(&file);
    assert!(SeekIndex::from_bytes_for(&bytes, &binding).is_ok());
    let mut cursor = std::io::Cursor::new(&file);
    assert_eq!(FileBinding::read_from(&mut cursor).unwrap(), binding);
    // Another size, or other first bytes: stale.
    let mut grown = file.clone();
    grown.push(b'!');
    let mut edited = file.clone();
    edited[10] ^= 1;
    for other in [&grown, &edited] {
        let b = FileBinding::of_file(other);
        assert_eq!(SeekIndex::from_bytes_for(&bytes, &b), Err(Invalid::Stale));
        assert_eq!(Invalid::Stale.error(), Error::SeekStale);
    }
    // Only the first 64 KiB are hashed.
    assert_eq!(
        FileBinding::of_prefix(&file[..65536], file.len() as u64),
        Some(binding)
    );
    assert_eq!(
        FileBinding::of_prefix(&file[..65535], file.len() as u64),
        None
    );

    // Restart lookup.
    let at = |p| index.restart_before(p).map(|s| (s.kind, s.entry));
    assert_eq!(at(0), Some((PointKind::Frame, 0)));
    assert_eq!(at(131072), Some((PointKind::Checkpoint, 2)));
    assert_eq!(at(499_999), Some((PointKind::Frame, 6)));
    assert_eq!(at(500_000), None);
}

// --------------------------------------------------------------- golden

#[test]
fn golden_table_bytes_are_pinned() {
    let t = golden_table();
    let bytes = golden("table-v1.bin", &t.to_frame());
    // Hand-checked fields of format version 1.
    assert_eq!(&bytes[..4], &0x184D_2A5Cu32.to_le_bytes());
    assert_eq!(
        u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
        bytes.len() - 8
    );
    // Entry 1: Block (kind 1 in the top two bits), 900 / 65536.
    assert_eq!(&bytes[16..24], &[0x84, 0x03, 0, 0x40, 0, 0, 1, 0]);
    let footer = &bytes[bytes.len() - 24..];
    assert_eq!(
        u64::from_le_bytes(footer[..8].try_into().unwrap()),
        t.decompressed_total()
    );
    assert_eq!(
        u32::from_le_bytes(footer[8..12].try_into().unwrap()) as usize,
        t.entries().len()
    );
    assert_eq!(&footer[12..16], &[1, 0, 0, 0]);
    assert_eq!(&footer[20..], &[0xF3, 0x4C, 0x5A, 0x8E]);
    assert_eq!(SeekTable::from_frame(&bytes).unwrap(), t);
    let kinds: Vec<PointKind> = t.entries().iter().map(|e| e.kind).collect();
    assert_eq!(
        &kinds[..5],
        &[
            PointKind::Frame,
            PointKind::Block,
            PointKind::LinkedReset,
            PointKind::Frame,
            PointKind::Frame
        ]
    );
    assert!(kinds[5..].iter().all(|&k| k == PointKind::Continue));
}

#[test]
fn golden_index_bytes_are_pinned() {
    let index = golden_index();
    let bytes = golden("index-v1.bin", &index.to_bytes());
    assert_eq!(&bytes[..4], b"L4SI");
    assert_eq!(&bytes[4..8], &[1, 0, 0, 0]);
    assert_eq!(
        u64::from_le_bytes(bytes[8..16].try_into().unwrap()),
        100_000
    );
    assert_eq!(u32::from_le_bytes(bytes[32..36].try_into().unwrap()), 7);
    assert_eq!(u32::from_le_bytes(bytes[36..40].try_into().unwrap()), 3);
    // Entry 3: offset 9000 (48 bits), kind 3 (checkpoint), 196608.
    let e = &bytes[48 + 3 * 16..48 + 4 * 16];
    assert_eq!(e, &[0x28, 0x23, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0]);
    assert_eq!(SeekIndex::from_bytes(&bytes).unwrap(), index);
}

// ------------------------------------------- damaged and truncated input

#[test]
fn every_truncation_and_bit_flip_of_a_table_is_refused() {
    let t = golden_table();
    let frame = t.to_frame();
    // The file is the 3 GiB the table covers, then the table: only its
    // tail is ever read.
    let size = t.compressed_total() + frame.len() as u64;
    // Cut at the end: the table is gone or cut.
    for cut in 1..=frame.len() {
        let tail = &frame[..frame.len() - cut];
        assert!(SeekTable::from_frame(tail).is_err(), "cut {cut}");
        assert!(
            SeekTable::from_file_tail(tail, size - cut as u64).is_err(),
            "cut {cut}"
        );
    }
    // Cut at the front: too little of the file read.
    for skip in 1..frame.len() {
        let r = SeekTable::from_file_tail(&frame[skip..], size);
        let expected = if skip > frame.len() - 4 {
            Error::SeekMagic
        } else {
            Error::SeekTruncated
        };
        assert_eq!(r.map(|_| ()).unwrap_err().error(), expected, "skip {skip}");
    }
    for bit in 0..frame.len() * 8 {
        let mut f = frame.clone();
        f[bit / 8] ^= 1 << (bit % 8);
        let err = SeekTable::from_frame(&f).expect_err("flip refused");
        assert!(SeekTable::from_file_tail(&f, size).is_err(), "bit {bit}");
        // Which check catches it depends on the field.
        let expected = match bit / 8 {
            i if i < 8 => Invalid::FrameHeader,
            i if i >= f.len() - 4 => Invalid::NotATable,
            i if i >= f.len() - 8 => Invalid::Checksum,
            i if i == f.len() - 12 => Invalid::Version(f[i]),
            i if (f.len() - 16..f.len() - 12).contains(&i) => err, // count
            _ => Invalid::Checksum,
        };
        assert_eq!(err, expected, "bit {bit}");
    }
}

#[test]
fn every_truncation_and_bit_flip_of_an_index_is_refused() {
    let index = golden_index();
    let bytes = index.to_bytes();
    for len in 0..bytes.len() {
        assert!(SeekIndex::from_bytes(&bytes[..len]).is_err(), "len {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(SeekIndex::from_bytes(&longer), Err(Invalid::ExtraBytes));
    // Every bit (the blob area, 130 kB, sampled every 7th bit).
    let head = 48 + 16 * 7 + 16 * 3 + 8;
    for bit in (0..bytes.len() * 8).filter(|b| b / 8 < head || b % 7 == 0) {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        let err = SeekIndex::from_bytes(&b).expect_err("flip refused");
        let byte = bit / 8;
        let ok = match byte {
            0..4 => err == Invalid::NotAnIndex,
            4 => err == Invalid::Version(b[4]),
            32..40 => true, // counts: whichever check they break first
            _ if byte < head => err == Invalid::Checksum,
            _ => matches!(err, Invalid::CheckpointChecksum { .. }),
        };
        assert!(ok, "bit {bit}: {err:?}");
    }
}

/// Damage the checksums cannot see (a writer that lies, or a checksum
/// recomputed over bad values): every lie is caught by validation.
#[test]
fn lying_tables_are_caught_by_validation() {
    let good = golden_table().to_frame();
    let entries_at = 8;
    let n = (good.len() - 32) / 8;
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        reseal_table(&mut b);
        SeekTable::from_frame(&b)
    };
    let put32 =
        |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let footer = good.len() - 24;
    // An entry of zero compressed bytes: positions do not advance.
    assert_eq!(
        edit(&|b| put32(b, entries_at + 8, 0x4000_0000)),
        Err(Invalid::NotIncreasing { entry: 1 })
    );
    // More output than 255x its bytes.
    assert_eq!(
        edit(&|b| put32(b, entries_at + 4, 255 * 1000 + 1)),
        Err(Invalid::ImpossibleExpansion { entry: 0 })
    );
    // Decompressed sizes that disagree with the footer's total.
    assert!(matches!(
        edit(&|b| put32(b, entries_at + 4, 4001)),
        Err(Invalid::DecompressedTotal { .. })
    ));
    // First entry not a frame start.
    assert_eq!(
        edit(&|b| b[entries_at + 3] |= 0x40),
        Err(Invalid::NoFrameStart)
    );
    // Reserved footer bytes, version.
    assert_eq!(edit(&|b| b[footer + 13] = 1), Err(Invalid::Reserved));
    assert_eq!(edit(&|b| b[footer + 12] = 2), Err(Invalid::Version(2)));
    // An entry count that does not fit, larger and smaller.
    assert!(matches!(
        edit(&|b| put32(b, footer + 8, n as u32 + 1)),
        Err(Invalid::CountDoesNotFit { .. })
    ));
    assert_eq!(
        edit(&|b| put32(b, footer + 8, u32::MAX))
            .map(|_| ())
            .unwrap_err()
            .error(),
        Error::SeekTruncated
    );
    assert_eq!(
        edit(&|b| put32(b, footer + 8, n as u32 - 1)),
        Err(Invalid::ExtraBytes)
    );
    // Skippable frame header: size field or magic.
    assert_eq!(edit(&|b| put32(b, 4, 12)), Err(Invalid::FrameHeader));
    assert_eq!(
        edit(&|b| put32(b, 0, 0x184D_2A50)),
        Err(Invalid::FrameHeader)
    );

    // Compressed sizes that disagree with where the table stands.
    let t = golden_table();
    let size = t.compressed_total() + good.len() as u64;
    assert!(SeekTable::from_file_tail(&good, size).is_ok());
    for wrong in [size - 1, size + 1] {
        assert!(matches!(
            SeekTable::from_file_tail(&good, wrong),
            Err(Invalid::CompressedTotal { .. })
        ));
    }
    // A count that fits the frame but not the file it claims to end.
    assert!(matches!(
        SeekTable::from_file_tail(&good, (good.len() - 8) as u64),
        Err(Invalid::CountDoesNotFit { .. })
    ));
    // Building: the same rules.
    let e = |kind, c, d| TableEntry {
        kind,
        compressed_len: c,
        decompressed_len: d,
    };
    assert_eq!(
        SeekTable::from_entries(&[e(PointKind::Block, 1, 1)]),
        Err(Invalid::NoFrameStart)
    );
    assert_eq!(
        SeekTable::from_entries(&[e(PointKind::Frame, 1, 1), e(PointKind::Checkpoint, 1, 1)]),
        Err(Invalid::Kind { entry: 1 })
    );
    assert_eq!(
        SeekTable::from_entries(&[e(PointKind::Frame, 1 << 30, 1)]),
        Err(Invalid::StretchTooLong)
    );
    assert_eq!(
        SeekTable::new().push(PointKind::Frame, 0, 0),
        Err(Invalid::NotIncreasing { entry: 0 })
    );
    // Not a table at all.
    for junk in [
        &b""[..],
        b"abc",
        &[0u8; 64],
        &compress(b"data", &Preferences::default()).unwrap(),
    ] {
        assert_eq!(SeekTable::from_file(junk), Err(Invalid::NotATable));
    }
}

#[test]
fn lying_indexes_are_caught_by_validation() {
    let good = golden_index().to_bytes();
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        reseal_index(&mut b);
        SeekIndex::from_bytes(&b)
    };
    let put = |b: &mut Vec<u8>, at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    let entry = |i: usize| 48 + 16 * i;
    // Compressed offset beyond the file; not increasing; decreasing output.
    assert_eq!(
        edit(&|b| put(b, entry(6), &100_000u64.to_le_bytes()[..6])),
        Err(Invalid::OffsetOutOfRange { entry: 6 })
    );
    assert_eq!(
        edit(&|b| put(b, entry(2), &1000u64.to_le_bytes()[..6])),
        Err(Invalid::NotIncreasing { entry: 2 })
    );
    assert_eq!(
        edit(&|b| put(b, entry(2) + 8, &1u64.to_le_bytes())),
        Err(Invalid::ImpossibleExpansion { entry: 1 })
    );
    // Output past the recorded total; implausible expansion at the end.
    assert_eq!(
        edit(&|b| put(b, 24, &399_999u64.to_le_bytes())),
        Err(Invalid::ImpossibleExpansion { entry: 6 })
    );
    assert_eq!(
        edit(&|b| put(b, 24, &(400_000u64 + 255 * 1000 + 1).to_le_bytes())),
        Err(Invalid::ImpossibleExpansion { entry: 6 })
    );
    // First entry not the frame at 0; unknown kind; reserved byte.
    assert_eq!(edit(&|b| b[entry(0)] = 1), Err(Invalid::NoFrameStart));
    assert_eq!(
        edit(&|b| b[entry(1) + 6] = 9),
        Err(Invalid::Kind { entry: 1 })
    );
    assert_eq!(edit(&|b| b[entry(1) + 7] = 1), Err(Invalid::Reserved));
    // A checkpoint kind without a directory record, and the reverse.
    assert!(matches!(
        edit(&|b| b[entry(1) + 6] = 3),
        Err(Invalid::CheckpointLayout { .. })
    ));
    assert!(matches!(
        edit(&|b| b[entry(2) + 6] = 1),
        Err(Invalid::CheckpointLayout { .. })
    ));
    // Directory: a blob elsewhere than right after the one before.
    let dir = entry(7);
    assert_eq!(
        edit(&|b| b[dir + 16] ^= 1),
        Err(Invalid::CheckpointLayout { checkpoint: 1 })
    );
    assert_eq!(
        edit(&|b| put(b, dir + 32 + 8, &u32::MAX.to_le_bytes())),
        Err(Invalid::CheckpointLayout { checkpoint: 2 })
    );
    // Counts that do not fit; a blob area longer than the input.
    assert!(matches!(
        edit(&|b| put(b, 32, &u32::MAX.to_le_bytes())),
        Err(Invalid::CountDoesNotFit { .. })
    ));
    assert!(matches!(
        edit(&|b| put(b, 40, &u64::MAX.to_le_bytes())),
        Err(Invalid::Truncated { .. })
    ));
    // A blob whose checksum is right but whose window does not decode.
    let blob_at = good.len() - {
        let idx = golden_index();
        idx.entries()
            .iter()
            .filter_map(|e| e.checkpoint_blob())
            .map(|b| b.len())
            .sum::<usize>()
    };
    let mut b = good.clone();
    b[blob_at + 4..blob_at + 8].copy_from_slice(&70_000u32.to_le_bytes());
    let blob_len = u32::from_le_bytes(b[dir + 8..dir + 12].try_into().unwrap()) as usize;
    let sum = xxh32(&b[blob_at..blob_at + blob_len]);
    b[dir + 12..dir + 16].copy_from_slice(&sum.to_le_bytes());
    reseal_index(&mut b);
    assert_eq!(SeekIndex::from_bytes(&b), Err(Invalid::CheckpointCorrupt));
    // Building refuses the same.
    let binding = FileBinding::of_file(b"tiny");
    let e = IndexEntry::new;
    assert_eq!(
        SeekIndex::new(
            binding,
            1,
            vec![e(PointKind::Frame, 0, 0), e(PointKind::Block, 4, 1)]
        ),
        Err(Invalid::OffsetOutOfRange { entry: 1 })
    );
    assert_eq!(
        SeekIndex::new(binding, 1, vec![e(PointKind::Continue, 0, 0)]),
        Err(Invalid::Kind { entry: 0 })
    );
    assert_eq!(
        SeekIndex::new(binding, 1, vec![]),
        Err(Invalid::NoFrameStart)
    );
    assert!(SeekIndex::new(binding, 1, vec![e(PointKind::Frame, 0, 0)]).is_ok());
}

#[test]
fn invalid_maps_to_seek_status_codes() {
    assert_eq!(Invalid::NotATable.error(), Error::SeekMagic);
    assert_eq!(Invalid::Version(9).error(), Error::SeekVersion);
    assert_eq!(Invalid::Checksum.error(), Error::SeekChecksum);
    assert_eq!(
        Invalid::Truncated { needed: 2, have: 1 }.error(),
        Error::SeekTruncated
    );
    assert_eq!(Invalid::NoFrameStart.error(), Error::SeekCorrupt);
    assert_eq!(Error::from(Invalid::Stale), Error::SeekStale);
    assert!(
        Invalid::Stale
            .to_string()
            .contains("LZ4FRAMED_ERROR_SEEK_STALE")
    );
    let err = SeekTable::read_from(&mut std::io::Cursor::new(b"not lz4")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(
        err.get_ref().unwrap().downcast_ref::<Invalid>(),
        Some(&Invalid::NotATable)
    );
}

// ------------------------------------------------------------- scanner

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("lz4framed-seek-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `data` compressed by the `lz4` tool with `args`.
fn lz4_tool(dir: &Path, data: &[u8], args: &[&str]) -> Vec<u8> {
    let src = dir.join("input");
    let dst = dir.join("input.lz4");
    std::fs::write(&src, data).unwrap();
    let out = Command::new("lz4")
        .args(args)
        .args(["-q", "-f"])
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lz4 {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&dst).unwrap()
}

/// What `lz4 -dc` makes of `file`.
fn lz4_tool_decode(dir: &Path, file: &[u8]) -> Vec<u8> {
    let src = dir.join("with-table.lz4");
    std::fs::write(&src, file).unwrap();
    let out = Command::new("lz4")
        .args(["-dc", "-q"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lz4 -dc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Feeds the decoder `file` up to the end of each block in turn: the
/// output it has produced then is exactly what the scanner says precedes
/// the block's end.
fn check_block_lengths(file: &[u8], frames: &[ScannedFrame]) {
    let mut d = Decoder::new();
    let mut out = vec![0u8; 8 << 20];
    let mut fed = 0;
    for f in frames {
        let checksum = if f.info.block_checksum { 4 } else { 0 };
        for b in &f.blocks {
            let end = (b.offset + 4 + u64::from(b.data_len)) as usize + checksum;
            while fed < end {
                let p = d.decompress(&file[fed..end], &mut out, false).unwrap();
                fed += p.consumed;
                assert!(p.consumed > 0 || p.status != Status::NeedInput);
            }
            assert_eq!(
                d.output_produced(),
                b.decompressed_offset + u64::from(b.decompressed_len),
                "block at {}",
                b.offset
            );
        }
    }
}

/// Decodes every stretch of `table` that starts at a block on its own: a
/// frame made of the frame's header and the blocks from the point to the
/// next point (or the frame's end); the output must be that part of `full`.
fn check_restart_points(file: &[u8], frames: &[ScannedFrame], table: &SeekTable, full: &[u8]) {
    let points: Vec<_> = table.points().collect();
    for (i, p) in points.iter().enumerate() {
        let f = frames
            .iter()
            .rev()
            .find(|f| f.offset <= p.compressed_offset)
            .expect("a frame holds the point");
        let checksum = if f.info.block_checksum { 4 } else { 0 };
        let blocks_end = f.blocks.last().map_or(0, |b| {
            (b.offset + 4 + u64::from(b.data_len)) as usize + checksum
        });
        let mut end = (
            blocks_end,
            (f.decompressed_offset + f.decompressed_len) as usize,
        );
        if let Some(next) = points
            .get(i + 1)
            .filter(|n| (n.compressed_offset as usize) < blocks_end)
        {
            end = (
                next.compressed_offset as usize,
                next.decompressed_offset as usize,
            );
        }
        let expected = &full[p.decompressed_offset as usize..end.1];
        let rest = &file[p.compressed_offset as usize..end.0.max(p.compressed_offset as usize)];
        let synthetic = match (p.kind, f.info.kind) {
            (PointKind::Frame, _) | (PointKind::Continue, _) => continue,
            (_, FrameKind::Legacy) => [&0x184C_2102u32.to_le_bytes()[..], rest].concat(),
            _ => {
                // A linked restart's later blocks may refer back to it.
                let linked = p.kind == PointKind::LinkedReset;
                let h = header(
                    linked,
                    f.info.block_checksum,
                    false,
                    f.info.block_size.id(),
                    None,
                    None,
                );
                [&h[..], rest, &[0, 0, 0, 0]].concat()
            }
        };
        let got = decompress(&synthetic).unwrap_or_else(|e| panic!("point {p:?}: {e}"));
        assert!(got == expected, "point {p:?}");
    }
}

/// Everything the scanner and the table promise about one file.
fn check_file(dir: Option<&Path>, file: &[u8], what: &str) {
    let frames = scan(file).unwrap_or_else(|e| panic!("{what}: {e}"));
    let full = decompress(file).unwrap();
    let total: u64 = frames.iter().map(|f| f.decompressed_len).sum();
    assert_eq!(total, full.len() as u64, "{what}");
    for f in &frames {
        let alone = decompress(&file[f.offset as usize..(f.offset + f.len) as usize]).unwrap();
        assert_eq!(
            alone.len() as u64,
            f.decompressed_len,
            "{what}: frame at {}",
            f.offset
        );
    }
    check_block_lengths(file, &frames);

    let table = SeekTable::from_scan(&frames, 0).unwrap();
    assert_eq!(table.compressed_total(), file.len() as u64);
    assert_eq!(table.decompressed_total(), full.len() as u64);
    check_restart_points(file, &frames, &table, &full);
    let with_table = [file, &table.to_frame()].concat();
    assert_eq!(SeekTable::from_file(&with_table).unwrap(), table);
    assert_eq!(
        decompress(&with_table).unwrap(),
        full,
        "{what}: our decoder with the table"
    );
    if let Some(dir) = dir {
        assert!(
            lz4_tool_decode(dir, &with_table) == full,
            "{what}: lz4 with the table"
        );
    }
    // Sparser points: fewer entries, same totals.
    let sparse = SeekTable::from_scan(&frames, 1 << 20).unwrap();
    assert!(sparse.entries().len() <= table.entries().len());
    assert_eq!(sparse.decompressed_total(), table.decompressed_total());

    let index = SeekIndex::from_scan(&frames, FileBinding::of_file(file), 0).unwrap();
    let bytes = index.to_bytes();
    assert_eq!(
        SeekIndex::from_bytes_for(&bytes, &FileBinding::of_file(file)).unwrap(),
        index
    );
    let restarts = table.points().filter(|p| p.kind.is_restart()).count();
    assert_eq!(index.entries().len(), restarts, "{what}");
    assert!(bytes.len() <= 56 + 16 * restarts);
    // The table file is no longer the file the index was made for.
    assert_eq!(
        SeekIndex::from_bytes_for(&bytes, &FileBinding::of_file(&with_table)),
        Err(Invalid::Stale)
    );
}

fn lz4_available() -> bool {
    lz4framed_testkit::require_tool("lz4", "the scanner is not tested on files made by lz4")
}

#[test]
fn scanner_lengths_equal_decoding_on_lz4_tool_files() {
    if !lz4_available() {
        return;
    }
    let dir = TempDir::new("tool");
    let mut data = text((8 << 20) + 100_000, 11);
    data.extend(random_bytes(300_000, 12));
    data.extend(vec![0u8; 200_000]);
    let options: [&[&str]; 13] = [
        &["-1"],
        &["-9"],
        &["-B4"],
        &["-B5"],
        &["-B6"],
        &["-B7"],
        &["-BD"],
        &["-BD", "-B4"],
        &["-B4", "-BX"],
        &["--content-size"],
        &["--no-frame-crc", "-B5"],
        &["-l"],
        &["-B4", "-BD", "-BX", "--content-size"],
    ];
    let mut concatenated = Vec::new();
    for args in options {
        let file = lz4_tool(&dir.0, &data, args);
        check_file(Some(&dir.0), &file, &format!("lz4 {args:?}"));
        if concatenated.len() < 20 << 20 {
            concatenated.extend_from_slice(&file);
            concatenated.extend(skippable(3, b"between frames"));
        }
    }
    check_file(Some(&dir.0), &concatenated, "concatenated");
    // Small files and a legacy frame of short blocks followed by a frame.
    let small = lz4_tool(&dir.0, b"tiny", &["-BD"]);
    check_file(Some(&dir.0), &small, "tiny");
    let empty = lz4_tool(&dir.0, b"", &[]);
    check_file(Some(&dir.0), &empty, "empty");
    let legacy = [
        legacy_frame(&[&data[..100_000], &data[100_000..150_000]]),
        small,
    ]
    .concat();
    check_file(Some(&dir.0), &legacy, "legacy then frame");
}

#[test]
fn scanner_finds_independent_stretches_of_linked_frames() {
    // Random data: every block stored raw, so none refers back, and every
    // block of a linked frame is a restart point.
    let data = random_bytes(400_000, 5);
    let prefs = Preferences::default().with_block_size(BlockSize::Max64KB);
    let file = compress(&data, &prefs).unwrap();
    let frames = scan(&file).unwrap();
    assert!(frames[0].info.block_linked);
    assert!(frames[0].blocks.iter().all(|b| b.independent_from_here));
    let table = SeekTable::from_scan(&frames, 0).unwrap();
    assert_eq!(
        table
            .entries()
            .iter()
            .filter(|e| e.kind == PointKind::LinkedReset)
            .count(),
        frames[0].blocks.len() - 1
    );
    check_file(None, &file, "random linked");
    // Text: blocks refer back, so only the frame start is one.
    let file = compress(&text(400_000, 6), &prefs).unwrap();
    let frames = scan(&file).unwrap();
    assert!(
        !frames[0].blocks[1..]
            .iter()
            .all(|b| b.independent_from_here)
    );
    check_file(None, &file, "text linked");
}

#[test]
fn scanner_verdicts_agree_with_the_decoder_on_damaged_files() {
    let data = text(300_000, 8);
    let mut r = Rng::new(9);
    for prefs in [
        Preferences::default()
            .with_block_linked(false)
            .with_content_size(Some(300_000)),
        Preferences::default()
            .with_block_checksum(true)
            .with_content_checksum(true),
    ] {
        let file = compress(&data, &prefs).unwrap();
        // Every cut: the scanner refuses exactly when the decoder does.
        for len in (0..file.len())
            .step_by(97)
            .chain(file.len() - 12..file.len())
        {
            let cut = &file[..len];
            assert_eq!(scan(cut).is_ok(), decompress(cut).is_ok(), "cut {len}");
        }
        // Bit flips: when both accept, they agree on the length.
        for _ in 0..2000 {
            let mut f = file.clone();
            let at = r.below(f.len());
            f[at] ^= 1 << r.below(8);
            if let (Ok(frames), Ok(out)) = (scan(&f), decompress(&f)) {
                let total: u64 = frames.iter().map(|f| f.decompressed_len).sum();
                assert_eq!(total, out.len() as u64, "flip at {at}");
            }
        }
    }
    assert_eq!(scan(b"\x04\x22\x4d").unwrap_err(), Error::Truncated);
    assert_eq!(scan(b"junk").unwrap_err(), Error::BadMagic);
}

/// Not a timing assertion (the machine is shared): prints the scanner's
/// speed against a plain decode of the same file, measured in this run.
/// `cargo test --release --test seek_format scanner_speed -- --nocapture`.
#[test]
fn scanner_speed_against_decoding() {
    let len = lz4framed_testkit::bench::env_count("LZ4FRAMED_SCAN_MB", 32) << 20;
    let runs = lz4framed_testkit::bench::env_count("LZ4FRAMED_SCAN_RUNS", 5);
    let text_data = text(len, 21);
    let repetitive = compressible(len, 22);
    let independent = Preferences::default().with_block_linked(false);
    let mut files = vec![
        (
            "text, 64 KiB independent".to_string(),
            compress(&text_data, &independent).unwrap(),
        ),
        (
            "text, 4 MiB linked".to_string(),
            compress(
                &text_data,
                &Preferences::default().with_block_size(BlockSize::Max4MB),
            )
            .unwrap(),
        ),
        (
            "repetitive, 64 KiB independent".to_string(),
            compress(&repetitive, &independent).unwrap(),
        ),
        (
            "text, HC level 9, 256 KiB independent".to_string(),
            compress(
                &text_data,
                &independent
                    .with_level(9)
                    .with_block_size(BlockSize::Max256KB),
            )
            .unwrap(),
        ),
    ];
    // Any .lz4 file of your own, e.g. one `lz4 -BD` made of real data.
    if let Some(path) = std::env::var_os("LZ4FRAMED_SCAN_FILE") {
        let name = format!("{}", Path::new(&path).display());
        files.push((name, std::fs::read(&path).unwrap()));
    }
    for (name, file) in &files {
        let expected = decompress(file).unwrap();
        let mut out = vec![0u8; expected.len()];
        let mut total = 0u64;
        let scan_t = lz4framed_testkit::bench::median_time(runs, || {
            total = scan(file).unwrap().iter().map(|f| f.decompressed_len).sum();
        });
        let mut produced = 0;
        let decode_t = lz4framed_testkit::bench::median_time(runs, || {
            produced = decompress_into(file, &mut out).unwrap();
        });
        assert_eq!(total, produced as u64);
        assert!(out == expected);
        let n = expected.len();
        let gbs = |t: std::time::Duration| n as f64 / t.as_secs_f64() / 1e9;
        println!(
            "{name} ({} MiB, ratio {:.2}): scan {:.2} GB/s, decode {:.2} GB/s, scan/decode speed {:.2}x",
            n >> 20,
            n as f64 / file.len() as f64,
            gbs(scan_t),
            gbs(decode_t),
            decode_t.as_secs_f64() / scan_t.as_secs_f64()
        );
    }
}
