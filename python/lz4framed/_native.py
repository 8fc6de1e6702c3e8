"""ctypes binding of liblz4framed and the buffer plumbing around it.

Everything that touches raw memory lives here, so that the public module
only deals with Python objects. Calls into liblz4framed go through
``ctypes.CDLL``, which releases the GIL for their duration; calls into the
Python C API go through ``ctypes.pythonapi`` (a ``PyDLL``), which keeps it.
"""

import ctypes
import os
import sys
from ctypes import (POINTER, Structure, byref, c_char_p, c_int, c_int32, c_size_t, c_ssize_t, c_uint32, c_uint64,
                    c_void_p, py_object)

__all__ = ()

LIBRARY_ENV = 'LZ4FRAMED_LIBRARY'
LIBRARY_NAME = 'liblz4framed.so'

DECODER_STOP_AT_FRAME_END = 2

FRAME_LZ4 = 0
FRAME_SKIPPABLE = 1
FRAME_LEGACY = 2

MAX_HEADER_SIZE = 19


class FrameInfo(Structure):
    _fields_ = [
        ('frame_kind', c_uint32),
        ('block_size_id', c_uint32),
        ('block_max_size', c_uint32),
        ('block_linked', c_uint32),
        ('block_checksum', c_uint32),
        ('content_checksum', c_uint32),
        ('has_content_size', c_uint32),
        ('content_size', c_uint64),
        ('has_dict_id', c_uint32),
        ('dict_id', c_uint32),
        # Room to grow: written as zero by this version of the library.
        ('reserved', c_uint32 * 4),
    ]


class Preferences(Structure):
    _fields_ = [
        ('level', c_int32),
        ('block_size_id', c_uint32),
        ('block_independent', c_uint32),
        ('block_checksum', c_uint32),
        ('content_checksum', c_uint32),
        ('content_size_flag', c_uint32),
        ('content_size', c_uint64),
        ('auto_flush', c_uint32),
        ('favor_dec_speed', c_uint32),
        ('dict_id', c_uint32),
        ('workers', c_uint32),
        ('seek_table_kib', c_uint32),
        # Room to grow: must stay zero (ctypes zero-fills new Structures).
        ('reserved', c_uint32 * 6),
    ]


def _library_path():
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)


def _load():
    path = _library_path()
    try:
        return ctypes.CDLL(path)
    except OSError as ex:
        raise ImportError('lz4framed: cannot load the native library %r (%s). Install the package with '
                          '"pip install ./python" from the lz4framed repository, which builds it with cargo, '
                          'or point %s at a liblz4framed.so.' % (path, ex, LIBRARY_ENV)) from ex


lib = _load()

_P = c_void_p
_SZ = c_size_t
_SZP = POINTER(c_size_t)


def _declare(name, restype, *argtypes):
    func = lib[name]
    func.restype = restype
    func.argtypes = argtypes
    return func


version_number = _declare('lz4framed_version_number', c_uint32)
version_string = _declare('lz4framed_version_string', c_char_p)
lz4_version_number = _declare('lz4framed_lz4_version_number', c_uint32)
lz4_version_string = _declare('lz4framed_lz4_version_string', c_char_p)
status_name = _declare('lz4framed_status_name', c_char_p, c_int32)
status_message = _declare('lz4framed_status_message', c_char_p, c_int32)

decoder_new = _declare('lz4framed_decoder_new', c_int32, c_uint32, POINTER(_P))
decoder_free = _declare('lz4framed_decoder_free', None, _P)
decoder_set_workers = _declare('lz4framed_decoder_set_workers', c_int32, _P, c_uint32)
decoder_worker_threads = _declare('lz4framed_decoder_worker_threads', c_uint32, _P)
decoder_decompress = _declare('lz4framed_decoder_decompress', c_int32, _P, _P, _SZ, _P, _SZ, c_int, _SZP, _SZP)
# The same function without argument conversion, for the hot loops of
# streaming decompression: converting 8 arguments through argtypes costs as
# much as the rest of a step. Callers pass exactly (c_void_p handle, src as
# bytes or c_void_p, c_size_t, dst as bytes or c_void_p, c_size_t, int,
# byref, byref); bytes arrive as pointers to their data.
decoder_decompress_raw = lib['lz4framed_decoder_decompress']
decoder_decompress_raw.restype = c_int32
decoder_decompress_raw.argtypes = None
decoder_input_consumed = _declare('lz4framed_decoder_input_consumed', c_uint64, _P)
decoder_output_produced = _declare('lz4framed_decoder_output_produced', c_uint64, _P)
decoder_frames_done = _declare('lz4framed_decoder_frames_done', c_uint64, _P)
decoder_skippable_frames = _declare('lz4framed_decoder_skippable_frames', c_uint64, _P)
decoder_input_hint = _declare('lz4framed_decoder_input_hint', c_size_t, _P)
decoder_at_block_boundary = _declare('lz4framed_decoder_at_block_boundary', c_int, _P)
decoder_at_frame_boundary = _declare('lz4framed_decoder_at_frame_boundary', c_int, _P)
decoder_input_may_end = _declare('lz4framed_decoder_input_may_end', c_int, _P)
decoder_memory_usage = _declare('lz4framed_decoder_memory_usage', c_size_t, _P)
decoder_frame_info = _declare('lz4framed_decoder_frame_info', c_int32, _P, POINTER(FrameInfo))
decoder_clone = _declare('lz4framed_decoder_clone', c_int32, _P, POINTER(_P))
decoder_marshal_size = _declare('lz4framed_decoder_marshal_size', c_int32, _P, _SZP)
decoder_marshal = _declare('lz4framed_decoder_marshal', c_int32, _P, _P, _SZ, _SZP)
decoder_unmarshal = _declare('lz4framed_decoder_unmarshal', c_int32, _P, _SZ, _P, _SZ, POINTER(_P))

encoder_new = _declare('lz4framed_encoder_new', c_int32, POINTER(Preferences), POINTER(_P))
encoder_free = _declare('lz4framed_encoder_free', None, _P)
encoder_begin = _declare('lz4framed_encoder_begin', c_int32, _P, _P, _SZ, _SZP)
encoder_update = _declare('lz4framed_encoder_update', c_int32, _P, _P, _SZ, _P, _SZ, _SZP)
encoder_end = _declare('lz4framed_encoder_end', c_int32, _P, _P, _SZ, _SZP)
encoder_clone = _declare('lz4framed_encoder_clone', c_int32, _P, POINTER(_P))
encoder_marshal_size = _declare('lz4framed_encoder_marshal_size', c_int32, _P, _SZP)
encoder_marshal = _declare('lz4framed_encoder_marshal', c_int32, _P, _P, _SZ, _SZP)
encoder_unmarshal = _declare('lz4framed_encoder_unmarshal', c_int32, _P, _SZ, _P, _SZ, POINTER(_P))
encoder_seek_table_size = _declare('lz4framed_encoder_seek_table_size', c_int32, _P, _SZP)
encoder_write_seek_table = _declare('lz4framed_encoder_write_seek_table', c_int32, _P, _P, _SZ, _SZP)

get_frame_info = _declare('lz4framed_get_frame_info', c_int32, _P, _SZ, POINTER(FrameInfo), _SZP)
compress_frame_bound = _declare('lz4framed_compress_frame_bound', c_size_t, _SZ, POINTER(Preferences))
compress_bound = _declare('lz4framed_compress_bound', c_size_t, _SZ, POINTER(Preferences))
compress = _declare('lz4framed_compress', c_int32, _P, _SZ, _P, _SZ, POINTER(Preferences), _SZP)


is_error = _declare('lz4framed_is_error', c_int, c_int32)


def name_of(status):
    return status_name(status).decode('ascii')


def message_of(status):
    return status_message(status).decode('utf-8', 'replace')


UNKNOWN_STATUS = name_of(-0x7FFFFFFF)  # what the library names a code it does not know


def _status_table():
    """Every status the loaded library knows, by its name without the
    LZ4FRAMED_ / LZ4FRAMED_ERROR_ prefix, as the library itself reports
    them: nothing is copied from the header, so a library with new codes
    brings its names along. Codes are small integers (errors negative);
    scanning a generous range costs well under a millisecond."""
    progress, errors = {}, {}
    for code in range(-1023, 1024):
        name = name_of(code)
        if name == UNKNOWN_STATUS:
            continue
        if is_error(code):
            errors[name[len('LZ4FRAMED_ERROR_'):] if name.startswith('LZ4FRAMED_ERROR_') else name] = code
        else:
            progress[name[len('LZ4FRAMED_'):] if name.startswith('LZ4FRAMED_') else name] = code
    return progress, errors


PROGRESS, ERRORS = _status_table()
try:
    OK = PROGRESS['OK']
    NEED_INPUT = PROGRESS['NEED_INPUT']
    OUTPUT_FULL = PROGRESS['OUTPUT_FULL']
except KeyError as ex:  # pragma: no cover - only with a foreign library
    raise ImportError('lz4framed: the native library does not name the status %s' % ex) from None


# ---------------------------------------------------------------------------
# Output buffers: bytes objects written in place.
#
# A result is returned as ``bytes`` (as the C extension this package replaces
# did). Decoding into a bytearray and converting would copy every byte once
# more, which costs a fifth of the decompression speed; instead a bytes object
# is allocated uninitialised through the C API, filled by the library while it
# is still private to this module (only a raw pointer refers to it), shrunk in
# place with _PyBytes_Resize and only then handed out as a Python object.
# If this CPython does not let us do that (the data offset check below fails),
# a bytearray is used and copied.

_api = ctypes.pythonapi


def _pyapi(name, restype, *argtypes):
    # Indexing makes a new function object: attribute access would return a
    # cached one shared with every other user of ctypes.pythonapi.
    func = _api[name]
    func.restype = restype
    func.argtypes = argtypes
    return func


class _PyBuffer(Structure):
    _fields_ = [
        ('buf', c_void_p),
        ('obj', c_void_p),
        ('len', c_ssize_t),
        ('itemsize', c_ssize_t),
        ('readonly', c_int),
        ('ndim', c_int),
        ('format', c_char_p),
        ('shape', c_void_p),
        ('strides', c_void_p),
        ('suboffsets', c_void_p),
        ('internal', c_void_p),
    ]


_get_buffer = _pyapi('PyObject_GetBuffer', c_int, py_object, POINTER(_PyBuffer), c_int)
_release_buffer = _pyapi('PyBuffer_Release', None, POINTER(_PyBuffer))


def _probe_bytes_offset():
    """Offset of the data inside a bytes object, verified on real objects."""
    if sys.implementation.name != 'cpython':
        return None
    offset = bytes.__basicsize__ - 1
    for sample in (b'lz4framed data offset probe', bytes(range(256)) * 3):
        if ctypes.string_at(id(sample) + offset, len(sample)) != sample:
            return None
    return offset


BYTES_OFFSET = _probe_bytes_offset()

try:
    _bytes_new = _pyapi('PyBytes_FromStringAndSize', c_void_p, c_void_p, c_ssize_t)
    # The same, returning the object itself (ctypes takes over the new reference).
    new_bytes = _pyapi('PyBytes_FromStringAndSize', py_object, c_void_p, c_ssize_t)
    _bytes_resize = _pyapi('_PyBytes_Resize', c_int, POINTER(c_void_p), c_ssize_t)
    _incref = _pyapi('Py_IncRef', None, c_void_p)
    _decref = _pyapi('Py_DecRef', None, c_void_p)
except AttributeError:  # pragma: no cover - only on interpreters without these symbols
    BYTES_OFFSET = None


def steal_bytes(raw):
    """The bytes object behind a raw owned reference, taking over that reference."""
    obj = ctypes.cast(raw, py_object).value
    _decref(raw)
    return obj


def finish_bytes(raw, size):
    """Shrinks a raw bytes object to size (> 0) in place and returns it."""
    cell = c_void_p(raw)
    # On failure _PyBytes_Resize frees the object and raises MemoryError.
    _bytes_resize(byref(cell), size)
    return steal_bytes(cell.value)


def shrink_boxed(box, size):
    """Shrinks the bytes object that is the only item of box to size (> 0)
    in place and returns it. _PyBytes_Resize needs the only reference, so
    the caller hands it over inside a list instead of holding it."""
    obj = box.pop()
    raw = id(obj)
    _incref(raw)
    del obj
    return finish_bytes(raw, size)


class OutBuffer(object):
    """A result of at most ``capacity`` bytes under construction.

    ``ptr`` is where the library writes; :meth:`finish` turns the first
    ``size`` bytes into a ``bytes`` object, :meth:`discard` frees it. Exactly
    one of the two must be called.
    """

    __slots__ = ('ptr', 'capacity', '_raw', '_array')

    def __init__(self, capacity):
        self.capacity = capacity
        if BYTES_OFFSET is not None and capacity > 0:
            raw = _bytes_new(None, capacity)
            self._raw = raw
            self._array = None
            self.ptr = raw + BYTES_OFFSET
        else:
            array = bytearray(capacity)
            self._raw = None
            self._array = array
            self.ptr = ctypes.addressof((ctypes.c_char * capacity).from_buffer(array)) if capacity else None

    def finish(self, size):
        raw = self._raw
        if raw is None:
            array = self._array
            self._array = None
            return bytes(array[:size]) if size != len(array) else bytes(array)
        self._raw = None
        if size == 0:
            _decref(raw)
            return b''
        if size != self.capacity:
            return finish_bytes(raw, size)
        return steal_bytes(raw)

    def discard(self):
        raw = self._raw
        self._raw = None
        self._array = None
        if raw is not None:
            _decref(raw)


class InBuffer(object):
    """The address and length of any C-contiguous bytes-like object.

    The buffer export is held until :meth:`release`, so a bytearray cannot be
    resized (and its memory moved) while the library reads it without the GIL.
    """

    __slots__ = ('ptr', 'size', '_view')

    def __init__(self, data):
        if type(data) is bytes and BYTES_OFFSET is not None:
            self.ptr = id(data) + BYTES_OFFSET
            self.size = len(data)
            self._view = None
            return
        view = _PyBuffer()
        try:
            _get_buffer(data, byref(view), 0)
        except BufferError:
            raise ValueError('input not contiguous') from None
        self._view = view
        self.ptr = view.buf
        self.size = view.len

    def release(self):
        view = self._view
        if view is not None:
            self._view = None
            _release_buffer(byref(view))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


# Random access (lz4framed_seekable_*, lz4framed_index_build): the library
# reads the file through a positional callback, from several threads at
# once when read_at is called from several threads.
READ_AT_FN = ctypes.CFUNCTYPE(c_int32, c_void_p, c_uint64, c_void_p, c_size_t, POINTER(c_size_t))
seekable_open = _declare('lz4framed_seekable_open', c_int32, READ_AT_FN, _P, c_uint64, POINTER(_P))
seekable_with_index = _declare('lz4framed_seekable_with_index', c_int32, READ_AT_FN, _P, c_uint64, _P, _SZ,
                               POINTER(_P))
seekable_build = _declare('lz4framed_seekable_build', c_int32, READ_AT_FN, _P, c_uint64, c_uint64, POINTER(_P))
seekable_read_at = _declare('lz4framed_seekable_read_at', c_int32, _P, c_uint64, _P, _SZ, _SZP)
seekable_size = _declare('lz4framed_seekable_size', c_uint64, _P)
seekable_free = _declare('lz4framed_seekable_free', None, _P)
index_build = _declare('lz4framed_index_build', c_int32, READ_AT_FN, _P, c_uint64, c_uint64, POINTER(_P), _SZP)
blob_free = _declare('lz4framed_blob_free', None, _P)
