//! The seek table: a skippable frame at the end of a `.lz4` file listing
//! its restart points as (compressed, decompressed) stretch lengths.
//! Layout: `docs/SEEK_FORMAT.md`, part 1.

use std::io::{self, Read, Seek, SeekFrom};

use super::{Invalid, PointKind, SeekPoint, le32, le64, plausible};

/// Skippable-frame magic number of the frame holding the table (one of the
/// sixteen skippable magics; zstd's seekable format uses `..5E`, this one
/// differs so that neither mistakes the other's frame for its own).
pub const SEEK_FRAME_MAGIC: u32 = 0x184D_2A5C;
/// The last four bytes of a file with a seek table (bytes `F3 4C 5A 8E`...
/// read little-endian: an arbitrary value unlikely to end other data).
pub const SEEK_FOOTER_MAGIC: u32 = 0x8E5A_4CF3;
/// The table format version this library writes and reads.
pub const SEEK_TABLE_VERSION: u8 = 1;
/// Length of the footer at the end of the table frame.
pub const SEEK_FOOTER_LEN: usize = 24;
/// Skippable frame header: magic and size.
const FRAME_HEADER_LEN: usize = 8;
/// Bytes per entry.
const ENTRY_LEN: usize = 8;
/// The fixed part of a table frame: frame header and footer.
const FIXED_LEN: usize = FRAME_HEADER_LEN + SEEK_FOOTER_LEN;
/// The longest compressed stretch one entry records (30 bits; the top two
/// bits of the field hold the kind).
pub const MAX_STRETCH_COMPRESSED: u32 = (1 << 30) - 1;
/// The longest decompressed stretch one entry records.
pub const MAX_STRETCH_DECOMPRESSED: u32 = u32::MAX;
/// The most entries a table holds: its frame size must fit the skippable
/// frame's 32-bit size field.
const MAX_ENTRIES: u64 = (u32::MAX as u64 - SEEK_FOOTER_LEN as u64) / ENTRY_LEN as u64;

/// One entry: the stretch of the file from one point to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableEntry {
    /// What a decoder can do at the start of this stretch; never
    /// [`PointKind::Checkpoint`].
    pub kind: PointKind,
    /// Compressed bytes from this point to the next (at least 1).
    pub compressed_len: u32,
    /// Decompressed bytes from this point to the next.
    pub decompressed_len: u32,
}

impl TableEntry {
    fn encode(&self) -> [u8; ENTRY_LEN] {
        let bits: u32 = match self.kind {
            PointKind::Frame => 0,
            PointKind::Block => 1,
            PointKind::LinkedReset => 2,
            PointKind::Continue => 3,
            PointKind::Checkpoint => unreachable!("refused when the entry was added"),
        };
        let mut out = [0u8; ENTRY_LEN];
        out[..4].copy_from_slice(&(self.compressed_len | bits << 30).to_le_bytes());
        out[4..].copy_from_slice(&self.decompressed_len.to_le_bytes());
        out
    }

    fn decode(b: &[u8]) -> TableEntry {
        let first = le32(b, 0);
        let kind = match first >> 30 {
            0 => PointKind::Frame,
            1 => PointKind::Block,
            2 => PointKind::LinkedReset,
            _ => PointKind::Continue,
        };
        TableEntry {
            kind,
            compressed_len: first & MAX_STRETCH_COMPRESSED,
            decompressed_len: le32(b, 4),
        }
    }
}

/// The restart points of a whole `.lz4` file, as its seek table holds them.
///
/// Entries cover the file from byte 0 to the start of the table frame
/// without gaps: each starts where the one before it ends, so the
/// compressed lengths add up to the table frame's offset, and the
/// decompressed lengths to the file's decompressed size. Built with
/// [`SeekTable::push`] (which checks each entry) or parsed from bytes
/// (which checks everything).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeekTable {
    entries: Vec<TableEntry>,
    /// (compressed, decompressed) offset of each entry's start.
    starts: Vec<(u64, u64)>,
    compressed_total: u64,
    decompressed_total: u64,
}

impl SeekTable {
    /// An empty table (of a file holding nothing but the table).
    pub fn new() -> SeekTable {
        SeekTable::default()
    }

    /// Appends a stretch starting with a point of `kind`, of
    /// `compressed_len` bytes that decode to `decompressed_len` bytes. A
    /// stretch too long for one entry is split, the later pieces marked
    /// [`PointKind::Continue`].
    pub fn push(
        &mut self,
        kind: PointKind,
        compressed_len: u64,
        decompressed_len: u64,
    ) -> Result<(), Invalid> {
        let entry = self.entries.len();
        if kind == PointKind::Checkpoint {
            return Err(Invalid::Kind { entry });
        }
        if entry == 0 && kind != PointKind::Frame {
            return Err(Invalid::NoFrameStart);
        }
        if compressed_len == 0 {
            return Err(Invalid::NotIncreasing { entry });
        }
        if !plausible(compressed_len, decompressed_len) {
            return Err(Invalid::ImpossibleExpansion { entry });
        }
        let pieces = split(compressed_len, decompressed_len);
        if self.entries.len() as u64 + pieces.len() as u64 > MAX_ENTRIES {
            return Err(Invalid::CountDoesNotFit {
                count: self.entries.len() as u64 + pieces.len() as u64,
                room: MAX_ENTRIES,
            });
        }
        for (i, (c, d)) in pieces.into_iter().enumerate() {
            let kind = if i == 0 { kind } else { PointKind::Continue };
            self.add(TableEntry {
                kind,
                compressed_len: c,
                decompressed_len: d,
            });
        }
        Ok(())
    }

    /// Builds a table from entries, checking them as parsing would.
    pub fn from_entries(entries: &[TableEntry]) -> Result<SeekTable, Invalid> {
        let mut t = SeekTable::new();
        for (i, e) in entries.iter().enumerate() {
            check_entry(i, e)?;
            if e.compressed_len > MAX_STRETCH_COMPRESSED {
                return Err(Invalid::StretchTooLong);
            }
            t.add(*e);
        }
        Ok(t)
    }

    fn add(&mut self, e: TableEntry) {
        self.starts
            .push((self.compressed_total, self.decompressed_total));
        self.compressed_total += u64::from(e.compressed_len);
        self.decompressed_total += u64::from(e.decompressed_len);
        self.entries.push(e);
    }

    pub fn entries(&self) -> &[TableEntry] {
        &self.entries
    }

    /// Compressed bytes the entries cover: the table frame's offset in its file.
    pub fn compressed_total(&self) -> u64 {
        self.compressed_total
    }

    /// The decompressed size of the whole file.
    pub fn decompressed_total(&self) -> u64 {
        self.decompressed_total
    }

    /// Every point (restart or not) with its absolute offsets, in order.
    pub fn points(&self) -> impl Iterator<Item = SeekPoint> + '_ {
        self.entries
            .iter()
            .zip(&self.starts)
            .enumerate()
            .map(|(i, (e, &(c, d)))| SeekPoint {
                kind: e.kind,
                compressed_offset: c,
                decompressed_offset: d,
                entry: i,
            })
    }

    /// The last restart point at or before decompressed offset `pos`: a
    /// reader decodes from there and drops `pos - decompressed_offset`
    /// bytes. `None` for an empty table or a `pos` past the end.
    pub fn restart_before(&self, pos: u64) -> Option<SeekPoint> {
        if pos >= self.decompressed_total {
            return None;
        }
        // Entries whose start is at or before `pos`; the last of them with
        // some output, then back to the nearest restart point.
        let upto = self.starts.partition_point(|&(_, d)| d <= pos);
        (0..upto)
            .rev()
            .find(|&i| self.entries[i].kind.is_restart())
            .map(|i| self.point(i))
    }

    fn point(&self, i: usize) -> SeekPoint {
        SeekPoint {
            kind: self.entries[i].kind,
            compressed_offset: self.starts[i].0,
            decompressed_offset: self.starts[i].1,
            entry: i,
        }
    }

    /// Length of the table frame: 32 bytes plus 8 per entry.
    pub fn frame_len(&self) -> usize {
        FIXED_LEN + ENTRY_LEN * self.entries.len()
    }

    /// The table as a skippable frame, to be appended to the file whose
    /// first [`SeekTable::compressed_total`] bytes it describes.
    pub fn to_frame(&self) -> Vec<u8> {
        let n = self.entries.len();
        let mut out = Vec::with_capacity(self.frame_len());
        out.extend_from_slice(&SEEK_FRAME_MAGIC.to_le_bytes());
        let size = (ENTRY_LEN * n + SEEK_FOOTER_LEN) as u32;
        out.extend_from_slice(&size.to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.encode());
        }
        out.extend_from_slice(&self.decompressed_total.to_le_bytes());
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(&[SEEK_TABLE_VERSION, 0, 0, 0]);
        let sum = xxhash_rust::xxh32::xxh32(&out, 0);
        out.extend_from_slice(&sum.to_le_bytes());
        out.extend_from_slice(&SEEK_FOOTER_MAGIC.to_le_bytes());
        out
    }

    /// From the last [`SEEK_FOOTER_LEN`] bytes of a file of `file_size`
    /// bytes: the length of its table frame, checked to fit the file (so
    /// that a reader can read exactly that much and no more).
    pub fn frame_len_from_footer(footer: &[u8], file_size: u64) -> Result<u64, Invalid> {
        let have = footer.len() as u64;
        if footer.len() < 4 || le32(footer, footer.len() - 4) != SEEK_FOOTER_MAGIC {
            return Err(Invalid::NotATable);
        }
        if footer.len() < SEEK_FOOTER_LEN || file_size < FIXED_LEN as u64 {
            return Err(Invalid::Truncated {
                needed: FIXED_LEN as u64,
                have: have.min(file_size),
            });
        }
        let f = &footer[footer.len() - SEEK_FOOTER_LEN..];
        if f[12] != SEEK_TABLE_VERSION {
            return Err(Invalid::Version(f[12]));
        }
        let count = u64::from(le32(f, 8));
        let room = ((file_size - FIXED_LEN as u64) / ENTRY_LEN as u64).min(MAX_ENTRIES);
        if count > room {
            return Err(Invalid::CountDoesNotFit { count, room });
        }
        Ok(FIXED_LEN as u64 + ENTRY_LEN as u64 * count)
    }

    /// Parses the table at the end of a file of `file_size` bytes whose
    /// last `tail.len()` bytes are `tail` (the whole file, or at least the
    /// table frame), and checks that it describes exactly the bytes before it.
    pub fn from_file_tail(tail: &[u8], file_size: u64) -> Result<SeekTable, Invalid> {
        let frame_len = SeekTable::frame_len_from_footer(tail, file_size)?;
        if frame_len > tail.len() as u64 {
            return Err(Invalid::Truncated {
                needed: frame_len,
                have: tail.len() as u64,
            });
        }
        let frame = &tail[tail.len() - frame_len as usize..];
        let table = parse_frame(frame)?;
        let expected = file_size - frame_len;
        if table.compressed_total != expected {
            return Err(Invalid::CompressedTotal {
                entries: table.compressed_total,
                expected,
            });
        }
        Ok(table)
    }

    /// Parses the table at the end of a whole file held in memory.
    pub fn from_file(file: &[u8]) -> Result<SeekTable, Invalid> {
        SeekTable::from_file_tail(file, file.len() as u64)
    }

    /// Parses a table frame on its own (not checked against a file).
    pub fn from_frame(frame: &[u8]) -> Result<SeekTable, Invalid> {
        let frame_len = SeekTable::frame_len_from_footer(frame, frame.len() as u64)?;
        if frame_len != frame.len() as u64 {
            return Err(Invalid::ExtraBytes);
        }
        parse_frame(frame)
    }

    /// Reads and parses the table at the end of `file` (reading only the
    /// footer, then the table frame). A missing or invalid table is an
    /// `InvalidData` error whose inner error is the [`Invalid`].
    pub fn read_from<R: Read + Seek>(file: &mut R) -> io::Result<SeekTable> {
        let size = file.seek(SeekFrom::End(0))?;
        let mut footer = [0u8; SEEK_FOOTER_LEN];
        let take = (size as usize).min(SEEK_FOOTER_LEN);
        file.seek(SeekFrom::Start(size - take as u64))?;
        file.read_exact(&mut footer[..take])?;
        let frame_len =
            SeekTable::frame_len_from_footer(&footer[..take], size).map_err(invalid_data)?;
        // `frame_len` fits the file, which was opened: allocate it.
        let mut frame = vec![0u8; frame_len as usize];
        file.seek(SeekFrom::Start(size - frame_len))?;
        file.read_exact(&mut frame)?;
        SeekTable::from_file_tail(&frame, size).map_err(invalid_data)
    }
}

pub(super) fn invalid_data(i: Invalid) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, i)
}

/// The checks one entry must pass wherever it stands.
fn check_entry(i: usize, e: &TableEntry) -> Result<(), Invalid> {
    if e.kind == PointKind::Checkpoint {
        return Err(Invalid::Kind { entry: i });
    }
    if i == 0 && e.kind != PointKind::Frame {
        return Err(Invalid::NoFrameStart);
    }
    if e.compressed_len == 0 {
        return Err(Invalid::NotIncreasing { entry: i });
    }
    if !plausible(e.compressed_len.into(), e.decompressed_len.into()) {
        return Err(Invalid::ImpossibleExpansion { entry: i });
    }
    Ok(())
}

/// Parses one whole table frame whose length matches its footer's count.
fn parse_frame(frame: &[u8]) -> Result<SeekTable, Invalid> {
    let n = (frame.len() - FIXED_LEN) / ENTRY_LEN;
    let footer = &frame[frame.len() - SEEK_FOOTER_LEN..];
    if le32(frame, 0) != SEEK_FRAME_MAGIC
        || le32(frame, 4) as usize != frame.len() - FRAME_HEADER_LEN
    {
        return Err(Invalid::FrameHeader);
    }
    let sum_at = frame.len() - 8;
    if xxhash_rust::xxh32::xxh32(&frame[..sum_at], 0) != le32(frame, sum_at) {
        return Err(Invalid::Checksum);
    }
    if footer[13..16] != [0, 0, 0] {
        return Err(Invalid::Reserved);
    }
    // `n` entries are present in `frame`, so this allocation is bounded by
    // the input's size.
    let mut table = SeekTable {
        entries: Vec::with_capacity(n),
        starts: Vec::with_capacity(n),
        ..SeekTable::default()
    };
    for (i, raw) in frame[FRAME_HEADER_LEN..FRAME_HEADER_LEN + n * ENTRY_LEN]
        .chunks_exact(ENTRY_LEN)
        .enumerate()
    {
        let e = TableEntry::decode(raw);
        check_entry(i, &e)?;
        table.add(e);
    }
    let recorded = le64(footer, 0);
    if table.decompressed_total != recorded {
        return Err(Invalid::DecompressedTotal {
            entries: table.decompressed_total,
            recorded,
        });
    }
    Ok(table)
}

/// Splits a stretch into pieces each one entry can hold, each piece's
/// decompressed length plausible for its compressed length.
fn split(c: u64, d: u64) -> Vec<(u32, u32)> {
    let max_c = u64::from(MAX_STRETCH_COMPRESSED);
    let max_d = u64::from(MAX_STRETCH_DECOMPRESSED);
    let mut k = c.div_ceil(max_c).max(d.div_ceil(max_d)).max(1);
    loop {
        if let Some(p) = try_split(c, d, k, max_d) {
            return p;
        }
        k += 1;
    }
}

/// `c` in `k` near-equal pieces; `d` handed out greedily, each piece
/// taking what it can hold. `None` if `d` does not fit.
fn try_split(c: u64, d: u64, k: u64, max_d: u64) -> Option<Vec<(u32, u32)>> {
    let mut pieces = Vec::new();
    let mut left = d;
    for i in 0..k {
        let ci = c / k + u64::from(i < c % k);
        let di = left.min(max_d).min(ci * super::MAX_EXPANSION);
        left -= di;
        pieces.push((ci as u32, di as u32));
    }
    (left == 0).then_some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_stretches_split_into_continue_entries() {
        let mut t = SeekTable::new();
        t.push(PointKind::Frame, 3 << 30, 10 << 30).unwrap();
        assert!(t.entries().len() >= 3);
        assert_eq!(t.entries()[0].kind, PointKind::Frame);
        assert!(
            t.entries()[1..]
                .iter()
                .all(|e| e.kind == PointKind::Continue)
        );
        assert_eq!(t.compressed_total(), 3 << 30);
        assert_eq!(t.decompressed_total(), 10 << 30);
        // Only the frame start is a restart point.
        assert_eq!(t.restart_before((10 << 30) - 1).unwrap().entry, 0);
        let again = SeekTable::from_frame(&t.to_frame()).unwrap();
        assert_eq!(again, t);
    }

    #[test]
    fn extreme_ratio_splits_stay_plausible() {
        for (c, d) in [
            (1, 255),
            (17, 17 * 255),
            ((1 << 30) + 1, 255 * ((1 << 30) + 1)),
        ] {
            for (ci, di) in split(c, d) {
                assert!(ci >= 1 && plausible(ci.into(), di.into()), "{c} {d}");
            }
        }
    }

    #[test]
    fn restart_before_finds_the_last_restart_point() {
        let mut t = SeekTable::new();
        t.push(PointKind::Frame, 100, 1000).unwrap();
        t.push(PointKind::Block, 100, 1000).unwrap();
        t.push(PointKind::Frame, 8, 0).unwrap(); // a skippable frame
        t.push(PointKind::Frame, 50, 500).unwrap();
        let at = |p| t.restart_before(p).map(|s| (s.entry, s.compressed_offset));
        assert_eq!(at(0), Some((0, 0)));
        assert_eq!(at(999), Some((0, 0)));
        assert_eq!(at(1000), Some((1, 100)));
        assert_eq!(at(1999), Some((1, 100)));
        assert_eq!(at(2000), Some((3, 208)));
        assert_eq!(at(2500), None);
    }
}
