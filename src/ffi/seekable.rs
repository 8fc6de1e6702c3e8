//! `lz4framed_seekable`: random access to the decompressed content of a
//! `.lz4` file read through a positional callback (Rust:
//! [`crate::seek::SeekableReader`]).

use super::args::{Out, dst_slice, src_slice};
use super::handle::{free_handle, impl_object, into_handle, object, query};
use super::macros::ffi_fn;
use super::status::{LZ4FRAMED_OK, lz4framed_status};
use crate::error::{Error, Result};
use crate::seek::{ReadAt, SeekableReader, error_of};
use std::ffi::c_void;
use std::io;

/// The positional input callback of lz4framed_seekable: copy up to
/// `capacity` bytes of the file, starting at byte `offset`, into `buf`,
/// store how many in `*read` (0 only at or past the end of the file), and
/// return LZ4FRAMED_OK; any other return value is a failure (the call
/// that needed the bytes fails with LZ4FRAMED_ERROR_READER_FAILED). The
/// callback may be called from several threads at once (as many as call
/// lz4framed_seekable_read_at at once), so it must not keep a shared file
/// position: use pread(), or a lock around seek and read.
pub type lz4framed_read_at_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        offset: u64,
        buf: *mut c_void,
        capacity: usize,
        read: *mut usize,
    ) -> lz4framed_status,
>;

/// Decompressed bytes between two restart points of an index built by
/// lz4framed_seekable_build or lz4framed_index_build when 0 is passed as
/// the span: 4 MiB.
pub const LZ4FRAMED_SEEK_DEFAULT_SPAN: u64 = 4194304;
const _: () = assert!(LZ4FRAMED_SEEK_DEFAULT_SPAN == crate::seek::DEFAULT_SPAN);

/// The C callback as a [`ReadAt`].
pub(crate) struct CallbackSource {
    read:
        unsafe extern "C" fn(*mut c_void, u64, *mut c_void, usize, *mut usize) -> lz4framed_status,
    user: *mut c_void,
    size: u64,
}

// SAFETY: the callback's documented contract (lz4framed_read_at_fn) is to
// be callable from several threads at once with the same `user`.
unsafe impl Send for CallbackSource {}
// SAFETY: as above.
unsafe impl Sync for CallbackSource {}

impl CallbackSource {
    pub(crate) fn new(read_fn: lz4framed_read_at_fn, user: *mut c_void, size: u64) -> Result<Self> {
        Ok(CallbackSource {
            read: read_fn.ok_or(Error::NullArgument)?,
            user,
            size,
        })
    }
}

impl ReadAt for CallbackSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0usize;
        // SAFETY: the callback's contract with a buffer of exactly
        // `buf.len()` writable bytes and a valid out-parameter.
        let status = unsafe {
            (self.read)(
                self.user,
                offset,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut n,
            )
        };
        if status != LZ4FRAMED_OK || n > buf.len() {
            return Err(io::Error::other("the read callback failed"));
        }
        Ok(n)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.size)
    }
}

/// The library status of an error from the seek layer.
pub(crate) fn status_of(e: io::Error) -> Error {
    error_of(&e)
}

/// Random access to a `.lz4` file (opaque).
pub struct lz4framed_seekable {
    guarded: super::handle::Guarded<SeekableReader<CallbackSource>>,
}
impl_object!(lz4framed_seekable(SeekableReader<CallbackSource>));

fn hand_out(
    made: io::Result<SeekableReader<CallbackSource>>,
    out: Out<'_, *mut lz4framed_seekable>,
) -> Result<lz4framed_status> {
    out.write(into_handle(made.map_err(status_of)?));
    Ok(LZ4FRAMED_OK)
}

ffi_fn! {
    /// Opens random access to the `.lz4` file of `file_size` bytes that
    /// `read_fn(user, ...)` reads: through the file's own seek table when it
    /// ends with one (a damaged table is an error, not ignored), else through
    /// an index built now in one pass over the file (restart points every
    /// LZ4FRAMED_SEEK_DEFAULT_SPAN decompressed bytes; linked-block frames are
    /// decoded for it). `*out` gets the new object, to be freed with
    /// lz4framed_seekable_free. `user` is passed to the callback untouched and
    /// must stay valid until the object is freed. Thread-safe (no shared state).
    /// Errors: NULL_ARGUMENT (`read_fn`, `out`), READER_FAILED (the callback
    /// failed), SEEK_CHECKSUM / SEEK_CORRUPT / SEEK_TRUNCATED / SEEK_VERSION
    /// (a damaged table), the decoder's errors for a file the index cannot be
    /// built for (TRUNCATED, BAD_MAGIC, CORRUPT_BLOCK, DICTIONARY_REQUIRED for
    /// frames with a dictionary ID, ...). Nothing is written on error.
    unsafe fn lz4framed_seekable_open(
        read_fn: lz4framed_read_at_fn,
        user: *mut c_void,
        file_size: u64,
        out: *mut *mut lz4framed_seekable,
    ) -> lz4framed_status {
        // SAFETY: the caller's out-parameter, checked by `Out::new`.
        let out = unsafe { Out::new(out)? };
        let source = CallbackSource::new(read_fn, user, file_size)?;
        hand_out(SeekableReader::open(source), out)
    }
}

ffi_fn! {
    /// Like lz4framed_seekable_open, using the file's own seek table only.
    /// Ownership of `*out`, the lifetime of `user`, NULL handling and
    /// thread-safety as there. Errors: as there, and SEEK_MAGIC when the file
    /// has no table.
    unsafe fn lz4framed_seekable_with_table(
        read_fn: lz4framed_read_at_fn,
        user: *mut c_void,
        file_size: u64,
        out: *mut *mut lz4framed_seekable,
    ) -> lz4framed_status {
        // SAFETY: the caller's out-parameter, checked by `Out::new`.
        let out = unsafe { Out::new(out)? };
        let source = CallbackSource::new(read_fn, user, file_size)?;
        hand_out(SeekableReader::with_table(source), out)
    }
}

ffi_fn! {
    /// Like lz4framed_seekable_open, using the sidecar index in
    /// `index[0 .. index_size)` (the bytes of an index file, as
    /// lz4framed_index_build makes them; copied, so the buffer may be freed
    /// afterwards). Ownership of `*out`, the lifetime of `user` and
    /// thread-safety as lz4framed_seekable_open. The index must have been made for this file: its size and
    /// first 64 KiB are compared. Errors: NULL_ARGUMENT (`read_fn`, `out`,
    /// `index` with a nonzero size), SEEK_MAGIC, SEEK_VERSION, SEEK_CHECKSUM,
    /// SEEK_TRUNCATED, SEEK_CORRUPT (not an index, or a damaged one), SEEK_STALE
    /// (made for another file, or the file changed), READER_FAILED.
    unsafe fn lz4framed_seekable_with_index(
        read_fn: lz4framed_read_at_fn,
        user: *mut c_void,
        file_size: u64,
        index: *const c_void,
        index_size: usize,
        out: *mut *mut lz4framed_seekable,
    ) -> lz4framed_status {
        // SAFETY: the caller's buffer and out-parameter, checked by the helpers.
        let (index, out) = unsafe { (src_slice(index, index_size)?, Out::new(out)?) };
        let source = CallbackSource::new(read_fn, user, file_size)?;
        hand_out(SeekableReader::with_index_bytes(source, index), out)
    }
}

ffi_fn! {
    /// Like lz4framed_seekable_open, always building an index (the file's
    /// seek table, if any, is read as the skippable frame it is), with a
    /// restart point at least every `span` decompressed bytes (0: every
    /// LZ4FRAMED_SEEK_DEFAULT_SPAN). A read decodes at most `span` bytes and
    /// one block before its first byte; the index takes 16 bytes per point
    /// (and a compressed 64 KiB window per point in linked-block frames).
    /// Ownership of `*out`, the lifetime of `user`, NULL handling and
    /// thread-safety as lz4framed_seekable_open. Errors: as there.
    unsafe fn lz4framed_seekable_build(
        read_fn: lz4framed_read_at_fn,
        user: *mut c_void,
        file_size: u64,
        span: u64,
        out: *mut *mut lz4framed_seekable,
    ) -> lz4framed_status {
        // SAFETY: the caller's out-parameter, checked by `Out::new`.
        let out = unsafe { Out::new(out)? };
        let source = CallbackSource::new(read_fn, user, file_size)?;
        let span = if span == 0 { LZ4FRAMED_SEEK_DEFAULT_SPAN } else { span };
        hand_out(SeekableReader::build(source, span), out)
    }
}

ffi_fn! {
    /// Reads decompressed bytes starting at decompressed offset `offset` into
    /// `dst`: all `dst_capacity` of them unless the content ends first.
    /// `*read` gets how many (0 at or past the end, which is not an error).
    /// Only those `*read` bytes are meaningful: blocks are decoded straight
    /// into `dst` with LZ4's wide copies, which may also write bytes after
    /// them (never past `dst_capacity`), and a failed read may have written
    /// any of `dst`.
    ///
    /// Thread-safe: several threads may call this at once on one object
    /// (each read uses a decoder of its own; up to four are kept between
    /// calls, so reads that go on where a previous one stopped do not start
    /// over), and the callback is then called from those threads at once.
    /// A read decodes at most one stretch between restart points (and one
    /// block) before `offset`; every stretch it decodes is checked against
    /// the table or index, so a file that disagrees fails the read instead
    /// of giving wrong bytes. Errors (`*read` not written): NULL_ARGUMENT (`s`,
    /// `read`, `dst` with a nonzero capacity), READER_FAILED (the callback
    /// failed), SEEK_MISMATCH (the file decodes to other sizes than its table
    /// or index says), TRUNCATED (the file is shorter than they say),
    /// SEEK_CORRUPT (an unusable checkpoint), and the decoder's errors
    /// (BLOCK_CHECKSUM, CORRUPT_BLOCK, CONTENT_CHECKSUM for a frame read from
    /// its start, ...). The object stays usable after an error.
    unsafe fn lz4framed_seekable_read_at(
        s: *const lz4framed_seekable,
        offset: u64,
        dst: *mut c_void,
        dst_capacity: usize,
        read: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (s, dst, read) = unsafe { (object(s)?, dst_slice(dst, dst_capacity)?, Out::new(read)?) };
        let n = s.read_at(offset, dst).map_err(status_of)?;
        read.write(n);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// The decompressed size of the file (0 for NULL). Thread-safe.
    #[on_panic(0)]
    unsafe fn lz4framed_seekable_size(s: *const lz4framed_seekable) -> u64 {
        // SAFETY: `s` is NULL or a live object.
        unsafe { query(s, |r| r.len()) }
    }
}

ffi_fn! {
    /// How many restart points the object's table or index has (0 for NULL).
    /// Thread-safe.
    #[on_panic(0)]
    unsafe fn lz4framed_seekable_restart_points(s: *const lz4framed_seekable) -> u64 {
        // SAFETY: `s` is NULL or a live object.
        unsafe { query(s, |r| r.restart_points() as u64) }
    }
}

ffi_fn! {
    /// Frees an object of lz4framed_seekable_open (or _with_table,
    /// _with_index, _build); NULL is a no-op. No other thread may be using it.
    #[on_panic(())]
    unsafe fn lz4framed_seekable_free(s: *mut lz4framed_seekable) {
        // SAFETY: `s` is NULL or a live object no other thread uses.
        unsafe { free_handle(s) }
    }
}
