//! Positional sources: what a [`SeekableReader`](super::SeekableReader)
//! reads compressed bytes from, at any offset, from several threads at once.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

/// A source of bytes read at an offset, without a position of its own, so
/// that several threads can read one source at once (`&self`).
pub trait ReadAt {
    /// Reads up to `buf.len()` bytes at `offset` into `buf`; how many.
    /// `Ok(0)` for a non-empty `buf` means `offset` is at or past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    /// The source's length in bytes.
    fn size(&self) -> io::Result<u64>;
}

/// Fills `buf` from `offset`; `UnexpectedEof` when the source ends first.
pub fn read_exact_at<S: ReadAt + ?Sized>(
    source: &S,
    mut offset: u64,
    mut buf: &mut [u8],
) -> io::Result<()> {
    while !buf.is_empty() {
        match source.read_at(offset, buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) if n <= buf.len() => {
                offset += n as u64;
                buf = &mut buf[n..];
            }
            Ok(_) => return Err(io::Error::other("a source read more than it was asked")),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl ReadAt for [u8] {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
}

impl ReadAt for Vec<u8> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.as_slice().read_at(offset, buf)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }

    fn size(&self) -> io::Result<u64> {
        (**self).size()
    }
}

impl<T: ReadAt + ?Sized> ReadAt for Arc<T> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }

    fn size(&self) -> io::Result<u64> {
        (**self).size()
    }
}

/// Files are read with `pread` (Unix) or `seek_read` (Windows): no shared
/// position, so threads do not wait for each other.
impl ReadAt for std::fs::File {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_at(self, buf, offset)
        }
        #[cfg(windows)]
        {
            std::os::windows::fs::FileExt::seek_read(self, buf, offset)
        }
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

/// Any `Read + Seek` as a positional source: each read takes a lock,
/// seeks and reads, so threads reading at once take turns.
#[derive(Debug)]
pub struct LockedSource<R> {
    inner: Mutex<R>,
}

impl<R: Read + Seek> LockedSource<R> {
    pub fn new(inner: R) -> Self {
        LockedSource {
            inner: Mutex::new(inner),
        }
    }

    /// The wrapped reader (its position is wherever the last read left it).
    pub fn into_inner(self) -> R {
        self.inner.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

impl<R: Read + Seek> ReadAt for LockedSource<R> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        // A panic in another reader leaves only a position behind, which
        // every read sets anew.
        let mut r = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        r.seek(SeekFrom::Start(offset))?;
        r.read(buf)
    }

    fn size(&self) -> io::Result<u64> {
        let mut r = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        r.seek(SeekFrom::End(0))
    }
}

/// A positional source seen as `Read + Seek` with a position of its own
/// (what [`build_index`](super::build_index) reads).
pub(super) struct Positioned<'s, S: ?Sized> {
    pub(super) source: &'s S,
    pub(super) pos: u64,
}

impl<S: ReadAt + ?Sized> Read for Positioned<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read_at(self.pos, buf)?;
        if n > buf.len() {
            return Err(io::Error::other("a source read more than it was asked"));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: ReadAt + ?Sized> Seek for Positioned<'_, S> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = resolve(to, self.pos, self.source.size()?)?;
        Ok(self.pos)
    }
}

/// The absolute position `to` names, from `pos` in something `len` long;
/// `InvalidInput` before 0 or beyond `u64::MAX`.
pub(super) fn resolve(to: SeekFrom, pos: u64, len: u64) -> io::Result<u64> {
    let (base, delta) = match to {
        SeekFrom::Start(n) => return Ok(n),
        SeekFrom::End(d) => (len, d),
        SeekFrom::Current(d) => (pos, d),
    };
    base.checked_add_signed(delta).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "seek to a negative or overflowing position",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_locked_readers_and_files_read_at_offsets() {
        let bytes: Vec<u8> = (0..=255).collect();
        let locked = LockedSource::new(io::Cursor::new(bytes.clone()));
        let path = std::env::temp_dir().join(format!("lz4framed-source-{}", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let slice = &bytes[..];
        let sources: [&dyn ReadAt; 4] = [&slice, &bytes, &locked, &file];
        for s in sources {
            assert_eq!(s.size().unwrap(), 256);
            let mut buf = [0u8; 10];
            read_exact_at(s, 250, &mut buf[..6]).unwrap();
            assert_eq!(&buf[..6], &bytes[250..]);
            assert_eq!(s.read_at(256, &mut buf).unwrap(), 0);
            let e = read_exact_at(s, 251, &mut buf).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(slice.read_at(u64::MAX, &mut [0u8; 4]).unwrap(), 0);
        assert_eq!(resolve(SeekFrom::End(-6), 0, 256).unwrap(), 250);
        assert!(resolve(SeekFrom::Current(-1), 0, 256).is_err());
    }
}
