//! The sidecar index: restart points of a `.lz4` file written without a
//! seek table, kept in a file of its own and bound to the file it indexes.
//! Layout: `docs/SEEK_FORMAT.md`, part 2.

use std::io::{self, Read, Seek, SeekFrom};

use super::{Checkpoint, Invalid, MAX_EXPANSION, PointKind, SeekPoint, le32, le64};

/// The first four bytes of an index file (`L4SI` read as ASCII).
pub const INDEX_MAGIC: u32 = u32::from_le_bytes(*b"L4SI");
/// The index format version this library writes and reads.
pub const INDEX_VERSION: u8 = 1;
/// How many of the indexed file's first bytes its binding hashes.
pub const BIND_PREFIX_LEN: usize = 64 * 1024;

const HEADER_LEN: usize = 48;
const ENTRY_LEN: usize = 16;
const DIRECTORY_LEN: usize = 16;
const CHECKSUM_LEN: usize = 8;
/// Compressed offsets are 48-bit: files up to 256 TiB.
const MAX_OFFSET: u64 = (1 << 48) - 1;

/// What an index is bound to: the indexed file's size and a hash of its
/// first bytes. An index is used only with a file with the same binding,
/// so that an index left over from another or an older file is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileBinding {
    pub file_size: u64,
    /// XXH3-64 (seed 0) of the file's first `min(file_size, 64 KiB)` bytes.
    pub prefix_hash: u64,
}

impl FileBinding {
    /// The binding of a file of `file_size` bytes that starts with
    /// `prefix`; `None` when `prefix` is shorter than the
    /// `min(file_size, 64 KiB)` bytes the binding hashes.
    pub fn of_prefix(prefix: &[u8], file_size: u64) -> Option<FileBinding> {
        let n = file_size.min(BIND_PREFIX_LEN as u64) as usize;
        let bytes = prefix.get(..n)?;
        Some(FileBinding {
            file_size,
            prefix_hash: xxhash_rust::xxh3::xxh3_64(bytes),
        })
    }

    /// The binding of a whole file held in memory.
    pub fn of_file(file: &[u8]) -> FileBinding {
        FileBinding::of_prefix(file, file.len() as u64).expect("the whole file is there")
    }

    /// Reads the binding of `file` (its size and first 64 KiB).
    pub fn read_from<R: Read + Seek>(file: &mut R) -> io::Result<FileBinding> {
        let size = file.seek(SeekFrom::End(0))?;
        let mut prefix = vec![0u8; size.min(BIND_PREFIX_LEN as u64) as usize];
        file.seek(SeekFrom::Start(0))?;
        file.read_exact(&mut prefix)?;
        Ok(FileBinding::of_prefix(&prefix, size).expect("prefix read whole"))
    }
}

/// One restart point of an index, at absolute positions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    kind: PointKind,
    compressed_offset: u64,
    decompressed_offset: u64,
    /// A checkpoint's blob, as stored (windows LZ4-compressed), so that an
    /// index in memory is no larger than on disk.
    blob: Option<Vec<u8>>,
}

impl IndexEntry {
    /// A point of `kind` (any but [`PointKind::Checkpoint`] and
    /// [`PointKind::Continue`], which [`SeekIndex::new`] refuses).
    pub fn new(kind: PointKind, compressed_offset: u64, decompressed_offset: u64) -> IndexEntry {
        IndexEntry {
            kind,
            compressed_offset,
            decompressed_offset,
            blob: None,
        }
    }

    /// A [`PointKind::Checkpoint`] point carrying `checkpoint`.
    pub fn with_checkpoint(
        compressed_offset: u64,
        decompressed_offset: u64,
        checkpoint: &Checkpoint,
    ) -> IndexEntry {
        IndexEntry {
            kind: PointKind::Checkpoint,
            compressed_offset,
            decompressed_offset,
            blob: Some(checkpoint.to_blob()),
        }
    }

    pub fn kind(&self) -> PointKind {
        self.kind
    }

    pub fn compressed_offset(&self) -> u64 {
        self.compressed_offset
    }

    pub fn decompressed_offset(&self) -> u64 {
        self.decompressed_offset
    }

    /// The checkpoint of a [`PointKind::Checkpoint`] entry, decoded (a
    /// window is decompressed here); `Ok(None)` for other kinds.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>, Invalid> {
        self.blob.as_deref().map(Checkpoint::from_blob).transpose()
    }

    /// The stored blob of a checkpoint entry.
    pub fn checkpoint_blob(&self) -> Option<&[u8]> {
        self.blob.as_deref()
    }
}

/// A sidecar index: the restart points of one `.lz4` file.
///
/// Always valid: [`SeekIndex::new`] and [`SeekIndex::from_bytes`] make the
/// same checks (points inside the file, strictly increasing, plausible
/// decompressed offsets, well-formed checkpoints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeekIndex {
    binding: FileBinding,
    decompressed_total: u64,
    entries: Vec<IndexEntry>,
}

impl SeekIndex {
    /// An index of the file with `binding`, which decompresses to
    /// `decompressed_total` bytes, with `entries` in file order; the first
    /// is the [`PointKind::Frame`] at offset 0.
    pub fn new(
        binding: FileBinding,
        decompressed_total: u64,
        entries: Vec<IndexEntry>,
    ) -> Result<SeekIndex, Invalid> {
        check_entries(&binding, decompressed_total, &entries)?;
        for blob in entries.iter().filter_map(|e| e.blob.as_ref()) {
            Checkpoint::from_blob(blob)?;
        }
        Ok(SeekIndex {
            binding,
            decompressed_total,
            entries,
        })
    }

    pub fn binding(&self) -> FileBinding {
        self.binding
    }

    pub fn decompressed_total(&self) -> u64 {
        self.decompressed_total
    }

    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// Refuses the index unless it was made for the file with `binding`.
    pub fn check_file(&self, binding: &FileBinding) -> Result<(), Invalid> {
        if *binding != self.binding {
            return Err(Invalid::Stale);
        }
        Ok(())
    }

    /// The last restart point at or before decompressed offset `pos`;
    /// `None` past the end.
    pub fn restart_before(&self, pos: u64) -> Option<SeekPoint> {
        if pos >= self.decompressed_total {
            return None;
        }
        let upto = self
            .entries
            .partition_point(|e| e.decompressed_offset <= pos);
        let i = upto.checked_sub(1)?;
        let e = &self.entries[i];
        Some(SeekPoint {
            kind: e.kind,
            compressed_offset: e.compressed_offset,
            decompressed_offset: e.decompressed_offset,
            entry: i,
        })
    }

    /// The index file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let blobs: Vec<&[u8]> = self
            .entries
            .iter()
            .filter_map(|e| e.blob.as_deref())
            .collect();
        let area: u64 = blobs.iter().map(|b| b.len() as u64).sum();
        let mut out = Vec::new();
        out.extend_from_slice(&INDEX_MAGIC.to_le_bytes());
        out.extend_from_slice(&[INDEX_VERSION, 0, 0, 0]);
        out.extend_from_slice(&self.binding.file_size.to_le_bytes());
        out.extend_from_slice(&self.binding.prefix_hash.to_le_bytes());
        out.extend_from_slice(&self.decompressed_total.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&(blobs.len() as u32).to_le_bytes());
        out.extend_from_slice(&area.to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.compressed_offset.to_le_bytes()[..6]);
            out.push(kind_code(e.kind));
            out.push(0);
            out.extend_from_slice(&e.decompressed_offset.to_le_bytes());
        }
        let mut at = 0u64;
        for b in &blobs {
            out.extend_from_slice(&at.to_le_bytes());
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(&xxhash_rust::xxh32::xxh32(b, 0).to_le_bytes());
            at += b.len() as u64;
        }
        let sum = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        for b in &blobs {
            out.extend_from_slice(b);
        }
        out
    }

    /// Parses an index file's bytes (not yet checked against a file: see
    /// [`SeekIndex::from_bytes_for`]).
    pub fn from_bytes(b: &[u8]) -> Result<SeekIndex, Invalid> {
        let have = b.len() as u64;
        if b.len() < 4 || le32(b, 0) != INDEX_MAGIC {
            return Err(Invalid::NotAnIndex);
        }
        let fixed = (HEADER_LEN + CHECKSUM_LEN) as u64;
        if have < fixed {
            return Err(Invalid::Truncated {
                needed: fixed,
                have,
            });
        }
        if b[4] != INDEX_VERSION {
            return Err(Invalid::Version(b[4]));
        }
        let n = u64::from(le32(b, 32));
        let m = u64::from(le32(b, 36));
        let room = (have - fixed) / ENTRY_LEN as u64;
        if n + m > room {
            return Err(Invalid::CountDoesNotFit { count: n + m, room });
        }
        // Both counts fit the input, so every length below is bounded by it.
        let (n, m) = (n as usize, m as usize);
        let dir_at = HEADER_LEN + ENTRY_LEN * n;
        let sum_at = dir_at + DIRECTORY_LEN * m;
        if xxhash_rust::xxh3::xxh3_64(&b[..sum_at]) != le64(b, sum_at) {
            return Err(Invalid::Checksum);
        }
        if b[5..8] != [0, 0, 0] {
            return Err(Invalid::Reserved);
        }
        let area_at = (sum_at + CHECKSUM_LEN) as u64;
        let area_len = le64(b, 40);
        let needed = area_at.saturating_add(area_len);
        if needed > have {
            return Err(Invalid::Truncated { needed, have });
        }
        if needed < have {
            return Err(Invalid::ExtraBytes);
        }
        let area = &b[area_at as usize..];
        let binding = FileBinding {
            file_size: le64(b, 8),
            prefix_hash: le64(b, 16),
        };
        let decompressed_total = le64(b, 24);

        let mut entries = Vec::with_capacity(n);
        for (i, raw) in b[HEADER_LEN..dir_at].chunks_exact(ENTRY_LEN).enumerate() {
            let mut off = [0u8; 8];
            off[..6].copy_from_slice(&raw[..6]);
            let kind = kind_from_code(raw[6]).ok_or(Invalid::Kind { entry: i })?;
            if raw[7] != 0 {
                return Err(Invalid::Reserved);
            }
            entries.push(IndexEntry::new(kind, u64::from_le_bytes(off), le64(raw, 8)));
        }

        // The directory: blobs back to back in entry order, filling the area.
        let checkpoints = entries
            .iter()
            .filter(|e| e.kind == PointKind::Checkpoint)
            .count();
        if checkpoints != m {
            return Err(Invalid::CheckpointLayout {
                checkpoint: checkpoints.min(m),
            });
        }
        let mut at = 0u64;
        let with_blob = entries
            .iter_mut()
            .filter(|e| e.kind == PointKind::Checkpoint);
        for (k, (e, d)) in with_blob
            .zip(b[dir_at..sum_at].chunks_exact(DIRECTORY_LEN))
            .enumerate()
        {
            let (off, len) = (le64(d, 0), u64::from(le32(d, 8)));
            if off != at || len > area_len - at {
                return Err(Invalid::CheckpointLayout { checkpoint: k });
            }
            let blob = &area[at as usize..(at + len) as usize];
            if xxhash_rust::xxh32::xxh32(blob, 0) != le32(d, 12) {
                return Err(Invalid::CheckpointChecksum { checkpoint: k });
            }
            // Decoded (at most 64 KiB) and dropped: the index keeps blobs
            // as stored.
            Checkpoint::from_blob(blob)?;
            e.blob = Some(blob.to_vec());
            at += len;
        }
        if at != area_len {
            return Err(Invalid::CheckpointLayout { checkpoint: m });
        }
        check_entries(&binding, decompressed_total, &entries)?;
        Ok(SeekIndex {
            binding,
            decompressed_total,
            entries,
        })
    }

    /// Parses an index and refuses it unless it belongs to the file with
    /// `binding`.
    pub fn from_bytes_for(b: &[u8], binding: &FileBinding) -> Result<SeekIndex, Invalid> {
        let index = SeekIndex::from_bytes(b)?;
        index.check_file(binding)?;
        Ok(index)
    }
}

fn kind_code(kind: PointKind) -> u8 {
    match kind {
        PointKind::Frame => 0,
        PointKind::Block => 1,
        PointKind::LinkedReset => 2,
        PointKind::Checkpoint => 3,
        PointKind::Continue => unreachable!("refused when the index was made"),
    }
}

fn kind_from_code(code: u8) -> Option<PointKind> {
    match code {
        0 => Some(PointKind::Frame),
        1 => Some(PointKind::Block),
        2 => Some(PointKind::LinkedReset),
        3 => Some(PointKind::Checkpoint),
        _ => None,
    }
}

/// The rules every index obeys, whether built or parsed.
fn check_entries(binding: &FileBinding, total: u64, entries: &[IndexEntry]) -> Result<(), Invalid> {
    if entries.len() > u32::MAX as usize {
        return Err(Invalid::CountDoesNotFit {
            count: entries.len() as u64,
            room: u32::MAX.into(),
        });
    }
    let mut checkpoints = 0usize;
    for (i, e) in entries.iter().enumerate() {
        if e.kind == PointKind::Continue || (e.kind == PointKind::Checkpoint) != e.blob.is_some() {
            return Err(Invalid::Kind { entry: i });
        }
        checkpoints += usize::from(e.blob.is_some());
        if i == 0
            && (e.kind != PointKind::Frame
                || e.compressed_offset != 0
                || e.decompressed_offset != 0)
        {
            return Err(Invalid::NoFrameStart);
        }
        if e.compressed_offset >= binding.file_size || e.compressed_offset > MAX_OFFSET {
            return Err(Invalid::OffsetOutOfRange { entry: i });
        }
        // The stretch to the next point (or to the end of the file).
        let (next_c, next_d) = entries.get(i + 1).map_or((binding.file_size, total), |n| {
            (n.compressed_offset, n.decompressed_offset)
        });
        if next_c <= e.compressed_offset {
            return Err(Invalid::NotIncreasing { entry: i + 1 });
        }
        let grows = next_d
            .checked_sub(e.decompressed_offset)
            .filter(|&d| d <= (next_c - e.compressed_offset).saturating_mul(MAX_EXPANSION));
        if grows.is_none() {
            return Err(Invalid::ImpossibleExpansion { entry: i });
        }
    }
    if entries.is_empty() && (binding.file_size != 0 || total != 0) {
        return Err(Invalid::NoFrameStart);
    }
    if checkpoints > u32::MAX as usize {
        return Err(Invalid::CheckpointLayout {
            checkpoint: checkpoints,
        });
    }
    Ok(())
}
