"""Random access to the decompressed content of a .lz4 file.

The native library keeps the restart points (the file's own seek table,
a sidecar index, or an index it builds in one pass) and decodes from the
nearest one before each read; this module hands it the file through a
positional callback (``os.pread`` on the file's descriptor, or a lock
around seek and read for file objects without one) and presents the
result as a seekable binary file.
"""

import io
import os
import threading
from ctypes import byref, c_char, c_size_t, c_void_p, memmove

from . import _native as _n

__all__ = ('SeekableFile', 'open_seekable', 'build_index')

_READER_FAILED = _n.ERRORS['READER_FAILED']


class _Source(object):
    """The file the library reads, and the ctypes callback over it.

    A failure inside the callback (an OSError from the file) is kept and
    raised in place of the library's READER_FAILED status."""

    def __init__(self, path_or_file):
        self._owned_fd = None
        self._file = None
        self._lock = threading.Lock()
        self.error = None
        if isinstance(path_or_file, (str, bytes, os.PathLike)):
            self._owned_fd = os.open(path_or_file, os.O_RDONLY | getattr(os, 'O_BINARY', 0))
            self._fd = self._owned_fd
        else:
            self._file = path_or_file
            try:
                fd = path_or_file.fileno()
                os.pread(fd, 0, 0)
                self._fd = fd
            except (AttributeError, OSError, io.UnsupportedOperation):
                self._fd = None
        self.size = self._size()
        self.callback = _n.READ_AT_FN(self._read_at)

    def _size(self):
        if self._fd is not None:
            return os.fstat(self._fd).st_size
        with self._lock:
            return self._file.seek(0, io.SEEK_END)

    def _read_at(self, user, offset, buf, capacity, read):
        try:
            if self._fd is not None:
                data = os.pread(self._fd, capacity, offset)
            else:
                with self._lock:
                    self._file.seek(offset)
                    data = self._file.read(capacity)
            n = len(data)
            if n > capacity:
                raise OSError('the file object returned more than it was asked for')
            memmove(buf, data, n)
            read[0] = n
            return _n.OK
        except BaseException as ex:  # reported as the read's error, never lost in ctypes
            self.error = ex
            return _READER_FAILED

    def raise_for(self, status, error):
        if status == _READER_FAILED and self.error is not None:
            ex, self.error = self.error, None
            if isinstance(ex, Exception):
                raise ex
            raise OSError('reading the file failed: %r' % (ex,))
        raise error(status)

    def close(self):
        if self._owned_fd is not None:
            os.close(self._owned_fd)
            self._owned_fd = None


class SeekableFile(io.RawIOBase):
    """A .lz4 file as a seekable, read-only binary file of its decompressed
    content (see :func:`lz4framed.open`).

    :meth:`read_at` may be called from several threads at once; the file
    methods (read, seek, ...) use the file's own position, as any file.
    """

    def __init__(self, path_or_file, index=None, span=0, _error=None):
        super(SeekableFile, self).__init__()
        self._error = _error
        self._handle = None
        self._pos = 0
        self._source = _Source(path_or_file)
        try:
            handle = c_void_p()
            src = self._source
            if index is not None:
                index = bytes(index)
                st = _n.seekable_with_index(src.callback, None, src.size, index, len(index), byref(handle))
            elif span:
                st = _n.seekable_build(src.callback, None, src.size, span, byref(handle))
            else:
                st = _n.seekable_open(src.callback, None, src.size, byref(handle))
            if st < 0:
                src.raise_for(st, _error)
            self._handle = handle
            self._size = _n.seekable_size(handle)
        except BaseException:
            self._source.close()
            raise

    @property
    def size(self):
        """The decompressed size of the file."""
        return self._size

    def __len__(self):
        return self._size

    def readable(self):
        return True

    def seekable(self):
        return True

    def _checked(self):
        if self._handle is None:
            raise ValueError('I/O operation on closed file')
        return self._handle

    def _read_into(self, offset, ptr, size):
        got = c_size_t()
        st = _n.seekable_read_at(self._checked(), offset, ptr, size, byref(got))
        if st < 0:
            self._source.raise_for(st, self._error)
        return got.value

    def read_at(self, offset, size):
        """Up to `size` bytes of the content from `offset` (fewer only at the
        end; b'' at or past it). Thread-safe."""
        if offset < 0 or size < 0:
            raise ValueError('negative offset or size')
        if size == 0:
            return b''
        buf = _n.OutBuffer(size)
        try:
            n = self._read_into(offset, buf.ptr, size)
        except BaseException:
            buf.discard()
            raise
        return buf.finish(n)

    def readinto(self, b):
        view = memoryview(b).cast('B')
        if len(view) == 0:
            return 0
        if view.readonly:
            raise TypeError('readinto() needs a writable buffer')
        ptr = (c_char * len(view)).from_buffer(view)
        n = self._read_into(self._pos, ptr, len(view))
        self._pos += n
        return n

    def readall(self):
        self._checked()
        data = self.read_at(self._pos, max(self._size - self._pos, 0))
        self._pos += len(data)
        return data

    def seek(self, offset, whence=io.SEEK_SET):
        self._checked()
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError('invalid whence (%r)' % (whence,))
        if pos < 0:
            raise OSError(22, 'negative seek position %d' % pos)
        self._pos = pos
        return pos

    def tell(self):
        self._checked()
        return self._pos

    def close(self):
        if self._handle is not None:
            _n.seekable_free(self._handle)
            self._handle = None
            self._source.close()
        super(SeekableFile, self).close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def open_seekable(path_or_file, index=None, span=0, buffering=io.DEFAULT_BUFFER_SIZE * 8, _error=None):
    raw = SeekableFile(path_or_file, index=index, span=span, _error=_error)
    if buffering == 0:
        return raw
    return io.BufferedReader(raw, buffer_size=buffering)


def build_index(path_or_file, span=0, _error=None):
    src = _Source(path_or_file)
    try:
        blob = c_void_p()
        size = c_size_t()
        st = _n.index_build(src.callback, None, src.size, span, byref(blob), byref(size))
        if st < 0:
            src.raise_for(st, _error)
        try:
            from ctypes import string_at
            return string_at(blob, size.value)
        finally:
            _n.blob_free(blob)
    finally:
        src.close()
