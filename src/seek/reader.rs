//! Random access to the decompressed content of a `.lz4` file.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Mutex;

use super::cursor::Cursor;
use super::failure::invalid_error;
use super::map::Map;
use super::source::{Positioned, ReadAt, read_exact_at, resolve};
use super::{
    BIND_PREFIX_LEN, DEFAULT_SPAN, FileBinding, Invalid, SeekIndex, SeekTable, build_index,
};

/// Cursors kept for later reads: one per thread reading at once is enough
/// for the common case (each thread reads on from where it stopped).
const KEPT_CURSORS: usize = 4;

/// A `.lz4` file read at any decompressed offset.
///
/// Made from the file's own seek table ([`SeekableReader::with_table`]), a
/// sidecar index ([`SeekableReader::with_index`]), or an index built on the
/// spot ([`SeekableReader::build`]); [`SeekableReader::open`] takes the table
/// when the file has one and builds an index otherwise.
///
/// A read at offset `x` starts a decoder at the last restart point at or
/// before `x` (a frame start; a block of an independent-block or legacy
/// frame, with that frame's header; a block of a linked frame, primed with
/// the checkpoint's window), decodes and drops the bytes before `x`, then
/// delivers. So a read decodes at most one stretch between restart points
/// (the index's span, and one block) before its first byte. The decoder is
/// kept afterwards, so a read that starts where an earlier one ended goes
/// on without seeking; up to four are kept, for as many threads reading
/// sequentially at once.
///
/// Memory: per kept decoder, one block of the frame and 64 KiB of window,
/// a 256 KiB read buffer and up to 8 MiB of output decoded ahead (below).
///
/// Every stretch decoded is checked against the table or index: a stretch
/// that decodes to another length, a restart point that is not a frame or
/// block start, or compressed bytes that end early fail the read
/// ([`Error::SeekMismatch`](crate::Error::SeekMismatch),
/// [`Error::Truncated`](crate::Error::Truncated)), as do the decoder's own
/// errors (block checksums are verified). A decoder that starts inside a
/// frame has not seen its beginning, so that frame's content checksum and
/// content size are not checked; frames decoded from their start are
/// checked whole. The stretch a read stops in is decoded to its end before
/// the read returns (once per stretch), its rest kept for the reads that
/// follow, so that no byte of a stretch that disagrees is handed out. Errors are `io::Error`s; [`error_of`](super::error_of)
/// gives the library's code.
///
/// [`SeekableReader::read_at`] takes `&self` and may be called from several
/// threads at once (the reader is `Sync` when its source is). The reader
/// is also a `Read + Seek` with a position of its own.
pub struct SeekableReader<S> {
    source: S,
    map: Map,
    cursors: Mutex<Vec<Cursor>>,
    pos: u64,
}

impl<S: ReadAt> SeekableReader<S> {
    /// A reader using the seek table at the end of `source`. No table:
    /// `InvalidData` with [`Invalid::NotATable`]; a damaged one: its fault.
    pub fn with_table(source: S) -> io::Result<Self> {
        let table = read_table(&source)?;
        Ok(Self::from_map(source, Map::from_table(&table)))
    }

    /// A reader using `index`, which must be bound to `source` (else
    /// [`Invalid::Stale`]).
    pub fn with_index(source: S, index: SeekIndex) -> io::Result<Self> {
        index
            .check_file(&binding_of(&source)?)
            .map_err(invalid_error)?;
        Ok(Self::from_map(source, Map::from_index(index)))
    }

    /// A reader using the index in `bytes` (an index file's content).
    pub fn with_index_bytes(source: S, bytes: &[u8]) -> io::Result<Self> {
        let index = SeekIndex::from_bytes(bytes).map_err(invalid_error)?;
        Self::with_index(source, index)
    }

    /// A reader over an index built now, in one pass over the file
    /// ([`build_index`] with `span`).
    pub fn build(source: S, span: u64) -> io::Result<Self> {
        let index = build_index(
            &mut Positioned {
                source: &source,
                pos: 0,
            },
            span,
        )?;
        Ok(Self::from_map(source, Map::from_index(index)))
    }

    /// A reader using the file's own seek table when it has one (an
    /// invalid table is an error, not ignored), else an index built now
    /// with restart points every [`DEFAULT_SPAN`].
    pub fn open(source: S) -> io::Result<Self> {
        match read_table(&source) {
            Ok(table) => Ok(Self::from_map(source, Map::from_table(&table))),
            Err(e) if is_no_table(&e) => Self::build(source, DEFAULT_SPAN),
            Err(e) => Err(e),
        }
    }

    fn from_map(source: S, map: Map) -> Self {
        SeekableReader {
            source,
            map,
            cursors: Mutex::new(Vec::new()),
            pos: 0,
        }
    }

    /// The decompressed size of the file.
    pub fn len(&self) -> u64 {
        self.map.total
    }

    pub fn is_empty(&self) -> bool {
        self.map.total == 0
    }

    /// The index the reader uses (`None` when it uses the file's table).
    pub fn index(&self) -> Option<&SeekIndex> {
        self.map.index()
    }

    /// How many restart points the table or index has.
    pub fn restart_points(&self) -> usize {
        self.map
            .points
            .iter()
            .filter(|p| p.kind.is_restart())
            .count()
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    pub fn into_source(self) -> S {
        self.source
    }

    /// Reads decompressed bytes from `offset` into `buf`: all of `buf`
    /// unless the content ends first; `Ok(0)` at or past the end. Safe to
    /// call from several threads at once.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || offset >= self.map.total {
            return Ok(0);
        }
        let restart = self
            .map
            .restart_before(offset)
            .ok_or_else(|| super::failure::data_error(crate::Error::SeekCorrupt))?;
        let restart_at = self.map.points[restart].decompressed;
        let mut cursor = match self.take_cursor(restart_at, offset) {
            Some(c) => c,
            None => Cursor::start(&self.map, &self.source, restart)?,
        };
        cursor.skip_to(&self.map, &self.source, offset)?;
        let n = cursor.fill(&self.map, &self.source, buf)?;
        // Every stretch this read passed was checked at its end; the one it
        // stopped in is checked before its bytes are handed out.
        cursor.verify_stretch(&self.map, &self.source)?;
        debug_assert_eq!(cursor.position(), offset + n as u64);
        self.keep_cursor(cursor);
        Ok(n)
    }

    /// A kept cursor that can reach `offset` without passing a restart
    /// point nearer to it (the furthest such one).
    fn take_cursor(&self, restart_at: u64, offset: u64) -> Option<Cursor> {
        let mut kept = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        let best = kept
            .iter()
            .enumerate()
            .filter(|(_, c)| c.position() <= offset && c.position() >= restart_at)
            .max_by_key(|(_, c)| c.position())
            .map(|(i, _)| i)?;
        Some(kept.swap_remove(best))
    }

    fn keep_cursor(&self, cursor: Cursor) {
        let mut kept = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == KEPT_CURSORS {
            kept.remove(0);
        }
        kept.push(cursor);
    }
}

/// Whether a table read failed only because the file has none.
fn is_no_table(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<Invalid>())
        .is_some_and(|i| *i == Invalid::NotATable)
}

/// Reads and checks the seek table at the end of `source`.
fn read_table<S: ReadAt + ?Sized>(source: &S) -> io::Result<SeekTable> {
    let size = source.size()?;
    let take = size.min(super::SEEK_FOOTER_LEN as u64) as usize;
    let mut footer = [0u8; super::SEEK_FOOTER_LEN];
    read_exact_at(source, size - take as u64, &mut footer[..take])?;
    let frame_len =
        SeekTable::frame_len_from_footer(&footer[..take], size).map_err(invalid_error)?;
    // Checked to fit the file: bounded by its size.
    let mut frame = vec![0u8; frame_len as usize];
    read_exact_at(source, size - frame_len, &mut frame)?;
    SeekTable::from_file_tail(&frame, size).map_err(invalid_error)
}

/// The binding of the file behind `source`.
pub(super) fn binding_of<S: ReadAt + ?Sized>(source: &S) -> io::Result<FileBinding> {
    let size = source.size()?;
    let mut prefix = vec![0u8; size.min(BIND_PREFIX_LEN as u64) as usize];
    read_exact_at(source, 0, &mut prefix)?;
    Ok(FileBinding::of_prefix(&prefix, size).expect("the prefix was read whole"))
}

impl<S: ReadAt> Read for SeekableReader<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.read_at(self.pos, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Seeking past the end is allowed (reads there return 0), before the
/// start is `InvalidInput`.
impl<S: ReadAt> Seek for SeekableReader<S> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = resolve(to, self.pos, self.map.total)?;
        Ok(self.pos)
    }
}

impl<S> std::fmt::Debug for SeekableReader<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeekableReader")
            .field("len", &self.map.total)
            .field("points", &self.map.points.len())
            .field("indexed", &self.map.index().is_some())
            .field("pos", &self.pos)
            .finish()
    }
}
