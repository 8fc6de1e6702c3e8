"""LZ4 frame compression with a resumable decoder, on top of liblz4framed.

The API is that of py-lz4framed 0.14.0 plus the resumption functions of
py-lz4framed-ph4 0.9.11, so existing code keeps working::

    compressed = lz4framed.compress(b'binary data')
    uncompressed = lz4framed.decompress(compressed)

For file-like objects use :class:`Compressor` and :class:`Decompressor`, or
the low-level context functions. A decompression context can be cloned
(:func:`clone_decompression_context`), saved as portable bytes
(:func:`marshal_decompression_context`) and restored later, in any process
(:func:`unmarshal_decompression_context`), and :class:`Decompressor` can
switch to a new input source mid-stream (:meth:`Decompressor.setfp`).

(De)compression runs in the native library with the GIL released. Every
function and class is thread-safe: each context serialises its own use.
"""

import operator
import sys
from collections.abc import Iterable as _Iterable
from ctypes import byref, c_size_t, c_void_p, memmove
from ctypes import string_at as ctypes_string_at
from threading import Lock

from . import _native as _n

_new_bytes = getattr(_n, 'new_bytes', None)

__all__ = (
    'LZ4F_BLOCKSIZE_DEFAULT', 'LZ4F_BLOCKSIZE_MAX64KB', 'LZ4F_BLOCKSIZE_MAX256KB', 'LZ4F_BLOCKSIZE_MAX1MB',
    'LZ4F_BLOCKSIZE_MAX4MB', 'LZ4F_COMPRESSION_MIN', 'LZ4F_COMPRESSION_MIN_HC', 'LZ4F_COMPRESSION_MAX',
    'LZ4F_VERSION', 'LZ4_VERSION', '__version__',
    'Lz4FramedError', 'Lz4FramedNoDataError',
    'compress', 'decompress',
    'create_compression_context', 'compress_begin', 'compress_update', 'compress_end',
    'create_decompression_context', 'decompress_update', 'get_frame_info', 'get_block_size',
    'clone_decompression_context', 'marshal_decompression_context', 'unmarshal_decompression_context',
    'marshal_decompression_checksum_context', 'unmarshal_decompression_checksum_context', 'decompress_dump',
    'clone_compression_context', 'marshal_compression_context', 'unmarshal_compression_context',
    'Compressor', 'Decompressor', 'CompressionContext', 'DecompressionContext',
    'SEEK_TABLE_DEFAULT_SPAN',
)

__version__ = _n.version_string().decode('ascii')
LZ4_VERSION = _n.lz4_version_string().decode('ascii')
# The LZ4F API version the frame functions follow (LZ4F_VERSION in lz4frame.h).
LZ4F_VERSION = 100

LZ4F_BLOCKSIZE_DEFAULT = 0
LZ4F_BLOCKSIZE_MAX64KB = 4
LZ4F_BLOCKSIZE_MAX256KB = 5
LZ4F_BLOCKSIZE_MAX1MB = 6
LZ4F_BLOCKSIZE_MAX4MB = 7

LZ4F_COMPRESSION_MIN = 0
LZ4F_COMPRESSION_MIN_HC = 3
LZ4F_COMPRESSION_MAX = 12

# LZ4F error codes (lz4frame.h, LZ4F_LIST_ERRORS), as the old package exported
# them. Errors of this library that py-lz4framed 0.14.0 reported with one of
# them are reported with the same code; see _LZ4F_CODES.
LZ4F_ERROR_GENERIC = 1
LZ4F_ERROR_maxBlockSize_invalid = 2
LZ4F_ERROR_blockMode_invalid = 3
LZ4F_ERROR_contentChecksumFlag_invalid = 4
LZ4F_ERROR_compressionLevel_invalid = 5
LZ4F_ERROR_headerVersion_wrong = 6
LZ4F_ERROR_blockChecksum_invalid = 7
LZ4F_ERROR_blockChecksum_unsupported = 7  # the same code under the name py-lz4framed-ph4 used
LZ4F_ERROR_reservedFlag_set = 8
LZ4F_ERROR_allocation_failed = 9
LZ4F_ERROR_srcSize_tooLarge = 10
LZ4F_ERROR_dstMaxSize_tooSmall = 11
LZ4F_ERROR_frameHeader_incomplete = 12
LZ4F_ERROR_frameType_unknown = 13
LZ4F_ERROR_frameSize_wrong = 14
LZ4F_ERROR_srcPtr_wrong = 15
LZ4F_ERROR_decompressionFailed = 16
LZ4F_ERROR_headerChecksum_invalid = 17
LZ4F_ERROR_contentChecksum_invalid = 18
LZ4F_ERROR_frameDecoding_alreadyStarted = 19

# This library's own error codes (negative, so they never collide with the
# LZ4F codes above), named and numbered by the loaded library itself:
# reported for conditions LZ4F has no code for.
for _name, _code in _n.ERRORS.items():
    globals()['LZ4FRAMED_ERROR_' + _name] = _code
    __all__ += ('LZ4FRAMED_ERROR_' + _name,)
del _name, _code
_STATUS_NAMES = {code: name for name, code in _n.ERRORS.items()}

_LZ4F_NAMES = {value: name for name, value in globals().items()
               if name.startswith('LZ4F_ERROR_') and name != 'LZ4F_ERROR_blockChecksum_unsupported'}
__all__ += tuple('LZ4F_ERROR_' + name[len('LZ4F_ERROR_'):] for name in sorted(_LZ4F_NAMES.values()))
__all__ += ('LZ4F_ERROR_blockChecksum_unsupported',)

# Situations in which the LZ4F code of py-lz4framed 0.14.0 (which bundles
# liblz4 1.9.2) depends on more than the fault itself:
_ROOM = 'room'            # a block failed where the output had room for a whole block: liblz4
                          # decoded it straight into the output (ERROR_GENERIC when that fails)
_NO_ROOM = 'no room'      # ... less room: liblz4 decoded it into its own buffer
_NO_HEADER = 'no header'  # get_frame_info() before a frame header has begun
_IN_HEADER = 'in header'  # get_frame_info() with a frame header read in part
_SHORT = 'short'          # decompress() of data shorter than the frame header it begins
_FIRST_READ = 'first read'  # Decompressor: the stream ends inside the first frame header

# The one error table: (this library's status name, situation) -> the LZ4F
# code py-lz4framed 0.14.0 raises for the same input. Situation None is the
# entry for every situation not listed. A status without an entry keeps its
# own negative code (LZ4FRAMED_ERROR_*). A dictionary the frame requires is
# reported as py-lz4framed reported such a frame: it decoded without one,
# and the first block that refers to the dictionary failed to decode.
# python/README.md tabulates the same rows.
_LZ4F_CODES = {
    ('NULL_ARGUMENT', None): LZ4F_ERROR_GENERIC,
    ('INVALID_ARGUMENT', None): LZ4F_ERROR_GENERIC,
    ('OUT_OF_MEMORY', None): LZ4F_ERROR_allocation_failed,
    ('DST_TOO_SMALL', None): LZ4F_ERROR_dstMaxSize_tooSmall,
    ('WRONG_STAGE', None): LZ4F_ERROR_GENERIC,
    ('WRONG_STAGE', _NO_HEADER): LZ4F_ERROR_srcPtr_wrong,
    ('WRONG_STAGE', _IN_HEADER): LZ4F_ERROR_frameDecoding_alreadyStarted,
    ('BAD_MAGIC', None): LZ4F_ERROR_frameType_unknown,
    ('BAD_VERSION', None): LZ4F_ERROR_headerVersion_wrong,
    ('RESERVED_BIT', None): LZ4F_ERROR_reservedFlag_set,
    ('BAD_BLOCK_SIZE_ID', None): LZ4F_ERROR_maxBlockSize_invalid,
    ('HEADER_CHECKSUM', None): LZ4F_ERROR_headerChecksum_invalid,
    ('BLOCK_TOO_LARGE', None): LZ4F_ERROR_maxBlockSize_invalid,
    ('BLOCK_CHECKSUM', None): LZ4F_ERROR_blockChecksum_invalid,
    ('CORRUPT_BLOCK', _ROOM): LZ4F_ERROR_GENERIC,
    ('CORRUPT_BLOCK', _NO_ROOM): LZ4F_ERROR_decompressionFailed,
    ('DICTIONARY_REQUIRED', _ROOM): LZ4F_ERROR_GENERIC,
    ('DICTIONARY_REQUIRED', _NO_ROOM): LZ4F_ERROR_decompressionFailed,
    ('CONTENT_CHECKSUM', None): LZ4F_ERROR_contentChecksum_invalid,
    ('CONTENT_SIZE', None): LZ4F_ERROR_frameSize_wrong,
    ('TRUNCATED', _SHORT): LZ4F_ERROR_frameHeader_incomplete,
    ('TRUNCATED', _FIRST_READ): LZ4F_ERROR_frameDecoding_alreadyStarted,
}
for (_name, _situation) in _LZ4F_CODES:
    assert _name in _n.ERRORS, 'the library has no status %s' % _name
del _name, _situation

_LZ4F_MAGIC = 0x184D2204
_LEGACY_MAGIC = 0x184C2102
_SKIPPABLE_MAGIC = 0x184D2A50
# py-lz4framed's Decompressor read the first 15 bytes of a stream at once and
# asked for the frame header then.
_FIRST_READ_SIZE = 15


# How _header_fault reads the bytes it is given:
_GET_INFO = 'get info'    # LZ4F_getFrameInfo on all of the data (decompress())
_FIRST_15 = 'first 15'    # LZ4F_decompress on just these bytes (py-lz4framed's first read)
_EVENTUAL = 'eventual'    # what LZ4F_decompress reports once the header is complete, from the
                          # bytes there are (this library reports a bad header byte at once)


def _header_fault(head, mode):
    """The fault liblz4 1.9.2 finds first in the frame header that begins
    at head[0], as (status name, situation); None when it finds none in
    these bytes; _SHORT when it has not looked at them yet (mode _GET_INFO:
    it reports the data as too short; _FIRST_15: it waits for more).

    liblz4 checks in another order than this library, which matters when
    a header has several faults: the FLG reserved bit before the version,
    BD bit 7 before the block size ID before BD's low bits. Before checking
    anything LZ4F_getFrameInfo wants 5 bytes and then the whole header,
    LZ4F_decompress 7 bytes for the magic number and FLG, and the whole
    header for the rest.
    """
    n = len(head)
    if n < {_GET_INFO: 5, _FIRST_15: 7, _EVENTUAL: 4}[mode]:
        return _SHORT
    magic = int.from_bytes(head[:4], 'little')
    if magic & 0xFFFFFFF0 == _SKIPPABLE_MAGIC:
        return _SHORT if mode == _GET_INFO and n < 8 else None
    if magic == _LEGACY_MAGIC:
        return None  # liblz4's frame API does not read these; this library does
    if magic != _LZ4F_MAGIC:
        return ('BAD_MAGIC', None)
    if n < 5:
        return _SHORT
    flg = head[4]
    size = 7 + (8 if flg & 0x08 else 0) + (4 if flg & 0x01 else 0)
    if mode == _GET_INFO and n < size:
        return _SHORT
    if flg & 0x02:
        return ('RESERVED_BIT', None)
    if flg >> 6 != 1:
        return ('BAD_VERSION', None)
    if n < (6 if mode == _EVENTUAL else size):
        return _SHORT
    bd = head[5]
    if bd & 0x80:
        return ('RESERVED_BIT', None)
    if (bd >> 4) & 7 < 4:
        return ('BAD_BLOCK_SIZE_ID', None)
    if bd & 0x0F:
        return ('RESERVED_BIT', None)
    if n < size:
        return _SHORT
    # Every field is valid, so the library's own check of the header can
    # only object to the checksum.
    if _parse_header(head[:size])[0] == _n.ERRORS['HEADER_CHECKSUM']:
        return ('HEADER_CHECKSUM', None)
    return None


def _parse_header(head):
    """(status, FrameInfo, header size) of lz4framed_get_frame_info."""
    info = _n.FrameInfo()
    size = c_size_t()
    with _n.InBuffer(head) as src:
        status = _n.get_frame_info(src.ptr, src.size, byref(info), byref(size))
    return status, info, size.value


def _room_situation(room, max_block):
    return _ROOM if room >= max_block else _NO_ROOM


_BLOCK_SIZES = {
    LZ4F_BLOCKSIZE_DEFAULT: 64 << 10,
    LZ4F_BLOCKSIZE_MAX64KB: 64 << 10,
    LZ4F_BLOCKSIZE_MAX256KB: 256 << 10,
    LZ4F_BLOCKSIZE_MAX1MB: 1 << 20,
    LZ4F_BLOCKSIZE_MAX4MB: 4 << 20,
}

# A frame cannot decode to more than this many times its size plus a block
# (LZ4's best ratio is 255:1), so a crafted content size in a header never
# makes decompress() allocate more than the data can really produce.
_MAX_EXPANSION = 256


class Lz4FramedError(Exception):
    """Raised when (de)compression fails. ``args`` are ``(name, code)``.

    ``code`` is an ``LZ4F_ERROR_*`` constant where liblz4 has an equivalent
    error (``name`` is then liblz4's name for it, e.g.
    ``'ERROR_contentChecksum_invalid'``), otherwise one of the negative
    ``LZ4FRAMED_ERROR_*`` constants (``name`` e.g.
    ``'LZ4FRAMED_ERROR_STATE_CHECKSUM'``). ``status`` holds the native
    status code and ``message`` a sentence describing the error.
    """

    status = None
    message = None

    def __str__(self):
        if len(self.args) == 2 and self.message:
            return '%s (%s): %s' % (self.args[0], self.args[1], self.message)
        return super(Lz4FramedError, self).__str__()


class Lz4FramedNoDataError(Lz4FramedError):
    """Raised when input is of zero length: by compress(), decompress(), the
    update functions, and by Decompressor when its source runs dry inside a
    frame (the decoder state is kept; continue with setfp()). No arguments,
    except where a stream ends inside its first frame header: there
    py-lz4framed's Decompressor raised Lz4FramedError with
    ('ERROR_frameDecoding_alreadyStarted', 19), and this error carries
    those arguments."""


def _error(status, situation=None, message=None, kind=None, like=None):
    """The exception for a negative native status in a situation (see
    _LZ4F_CODES); `like`: report the LZ4F code of that status instead
    (the fault liblz4 would have found first), still with this status and
    its message."""
    name = _STATUS_NAMES.get(status if like is None else like)
    code = _LZ4F_CODES.get((name, situation))
    if code is None:
        code = _LZ4F_CODES.get((name, None))
    kind = kind or Lz4FramedError
    if code is None:
        err = kind(_n.name_of(status), status)
    else:
        err = kind(_LZ4F_NAMES[code][len('LZ4F_'):], code)
    err.status = status
    err.message = message or _n.message_of(status)
    return err


def _fault_error(status, fault, kind=None):
    """The exception for a status where liblz4 finds `fault` first (a
    (status name, situation) from _header_fault)."""
    return _error(status, fault[1], kind=kind, like=_n.ERRORS[fault[0]])


def _check(status):
    if status < 0:
        raise _error(status)
    return status


def _flag(value):
    # The old C extension parsed flags with the "i" format: ints and bools
    # only, None or strings are a TypeError.
    return 1 if operator.index(value) else 0


def _int32(value, what):
    value = operator.index(value)
    if not -0x80000000 <= value <= 0x7FFFFFFF:
        raise OverflowError('%s (%d) out of range' % (what, value))
    return value


def _workers(value):
    """A workers= argument as the library's uint32 (the library itself
    refuses more than its LZ4FRAMED_MAX_WORKERS)."""
    value = operator.index(value)
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError('workers (%d) invalid' % value)
    return value


def _set_decoder_workers(dec, workers):
    """Gives a native decoder `workers` threads (validated by _workers);
    ValueError where the library refuses the count."""
    status = _n.decoder_set_workers(dec, workers)
    if status == _n.ERRORS['INVALID_ARGUMENT']:
        raise ValueError('workers (%d) invalid: more than the library allows' % workers)
    _check(status)


SEEK_TABLE_DEFAULT_SPAN = 4 << 20


def _seek_table_kib(value):
    """A seek_table= argument as the library's KiB count: False or 0 for
    none, True for SEEK_TABLE_DEFAULT_SPAN, or a span in bytes (a whole
    number of KiB)."""
    if value is True:
        value = SEEK_TABLE_DEFAULT_SPAN
    elif value is False or value is None:
        value = 0
    value = operator.index(value)
    if value < 0 or value % 1024 or value // 1024 > 0xFFFFFFFF:
        raise ValueError('seek_table (%d) invalid: a span in bytes, a whole number of KiB' % value)
    return value // 1024


def _preferences(block_size_id, block_mode_linked, checksum, level, block_checksum, autoflush=False, workers=0,
                 seek_table=0):
    block_size_id = _int32(block_size_id, 'block_size_id')
    workers = _workers(workers)
    seek_table_kib = _seek_table_kib(seek_table)
    linked = _flag(block_mode_linked)
    checksum = _flag(checksum)
    level = _int32(level, 'level')
    block_checksum = _flag(block_checksum)
    autoflush = _flag(autoflush)
    if block_size_id not in _BLOCK_SIZES:
        raise ValueError('block_size_id (%d) invalid' % block_size_id)
    if level > LZ4F_COMPRESSION_MAX:
        raise ValueError('level (%d) invalid' % level)
    prefs = _n.Preferences()
    prefs.level = level
    prefs.block_size_id = block_size_id
    prefs.block_independent = 0 if linked else 1
    prefs.block_checksum = block_checksum
    prefs.content_checksum = checksum
    prefs.auto_flush = autoflush
    prefs.workers = workers
    prefs.seek_table_kib = seek_table_kib
    # The library knows its own limit (LZ4FRAMED_MAX_WORKERS): settings it
    # refuses have no bound.
    if workers and _n.compress_bound(0, byref(prefs)) == 0:
        raise ValueError('workers (%d) invalid: more than the library allows' % workers)
    return prefs


# ---------------------------------------------------------------------------
# Contexts


class CompressionContext(object):
    """Opaque compression state for compress_begin/_update/_end (what
    create_compression_context() returns)."""

    __slots__ = ('_enc', '_prefs', '_lock', '__weakref__')

    def __init__(self):
        self._enc = None
        self._prefs = None
        self._lock = Lock()

    def __del__(self, _free=_n.encoder_free):
        enc = self._enc
        if enc is not None:
            self._enc = None
            _free(enc)


def _decoder_query(query, convert, doc):
    """A read-only property of a DecompressionContext: `query` of its
    decoder (under the context's lock), as `convert` makes it."""

    def get(self):
        with self._lock:
            return convert(query(self._dec))

    return property(get, doc=doc)


class DecompressionContext(object):
    """Opaque decompression state (what create_decompression_context(),
    clone_decompression_context() and unmarshal_decompression_context()
    return). Besides the functions taking it, it tells where it stands in
    the compressed stream, which is what resuming needs.

    A context with workers (``workers`` > 0) owns that many decoding threads
    of the library's own, started when a frame of independent blocks gives
    them work and joined when the context is freed."""

    __slots__ = ('_dec', '_handle', '_lock', '_cells', '_head', '_workers', '__weakref__')

    def __init__(self, handle, fresh=False, workers=0):
        self._dec = handle
        self._handle = c_void_p(handle)
        self._lock = Lock()
        # The decoder's workers setting (the library reports only the
        # threads running now): decides whether calls collect the output
        # of blocks still being decoded (see _decode).
        self._workers = workers
        # Out-parameters of the streaming calls, made once (guarded by _lock).
        consumed = c_size_t()
        produced = c_size_t()
        self._cells = (consumed, produced, (byref(consumed), byref(produced)))
        # The first bytes of the stream (up to a whole frame header) of a
        # context that began it, for reporting header faults in liblz4's
        # order (_header_fault); None for clones and unmarshalled contexts.
        self._head = b'' if fresh else None

    def __del__(self, _free=_n.decoder_free):
        dec = self._dec
        if dec is not None:
            self._dec = None
            _free(dec)

    input_consumed = _decoder_query(
        _n.decoder_input_consumed, int, 'Compressed bytes consumed since the stream start: reopen the input here.')
    output_produced = _decoder_query(
        _n.decoder_output_produced, int, 'Decompressed bytes delivered since the stream start.')
    frames_done = _decoder_query(
        _n.decoder_frames_done, int, 'Frames finished so far (skippable frames included).')
    at_frame_boundary = _decoder_query(
        _n.decoder_at_frame_boundary, bool,
        'True between frames with all output delivered: the input may end here.')
    input_may_end = _decoder_query(
        _n.decoder_input_may_end, bool,
        """True where the compressed stream may end: at a frame boundary, or
        between two blocks of a legacy frame (which has no end mark).""")
    at_block_boundary = _decoder_query(
        _n.decoder_at_block_boundary, bool,
        'True when no partial block is held: the marshalled state is smallest here.')
    input_hint = _decoder_query(
        _n.decoder_input_hint, int,
        """How many input bytes complete the item being read. With workers
        it can be 0 while they hold all the input they may take: then a
        call without input collects their output.""")
    worker_threads = _decoder_query(
        _n.decoder_worker_threads, int,
        'Decoding threads running now (0 until a frame gives workers something to do, and with workers 0).')

    @property
    def workers(self):
        """The workers setting: threads that decode blocks ahead of the
        caller (0: everything runs in the calling thread)."""
        return self._workers


def _cctx(ctx):
    if type(ctx) is not CompressionContext:
        raise ValueError('ctx invalid')
    return ctx


def _dctx(ctx):
    if type(ctx) is not DecompressionContext:
        raise ValueError('ctx invalid')
    return ctx


def _new_decoder(flags=0, workers=0):
    """A native decoder with these flags and `workers` (validated by
    _workers) decoding threads; the caller owns it."""
    handle = c_void_p()
    _check(_n.decoder_new(flags, byref(handle)))
    if workers:
        try:
            _set_decoder_workers(handle.value, workers)
        except BaseException:
            _n.decoder_free(handle.value)
            raise
    return handle.value


def create_compression_context():
    """create_compression_context() -> CompressionContext

    Creates a compression context for compress_begin(), compress_update() and
    compress_end()."""
    return CompressionContext()


def create_decompression_context(workers=0):
    """create_decompression_context(workers=0) -> DecompressionContext

    Creates a decompression context for decompress_update(). It decodes any
    number of consecutive frames (and skips skippable frames).

    workers (int): 0 decodes in the calling thread; N (up to the library's
        LZ4FRAMED_MAX_WORKERS, 256) gives the context N threads of its own
        that decode the blocks of independent-block frames side by side
        (joined when the context is freed). The output and errors are those
        of workers=0. See decompress_update() for what it changes there.

    Raises:
        ValueError: workers negative or above the library's limit
    """
    workers = _workers(workers)
    return DecompressionContext(_new_decoder(0, workers), fresh=True, workers=workers)


# ---------------------------------------------------------------------------
# One shot


def get_block_size(*args):
    """get_block_size(id=LZ4F_BLOCKSIZE_DEFAULT) -> int

    Returns the block size in bytes for a LZ4F_BLOCKSIZE_* identifier, e.g.
    the block_size_id from get_frame_info()."""
    if len(args) > 1:
        raise TypeError('get_block_size expected at most 1 argument, got %d' % len(args))
    block_id = operator.index(args[0]) if args else LZ4F_BLOCKSIZE_DEFAULT
    try:
        return _BLOCK_SIZES[block_id]
    except KeyError:
        raise ValueError('id (%d) invalid' % block_id) from None


def compress(b, block_size_id=LZ4F_BLOCKSIZE_DEFAULT, block_mode_linked=True, checksum=False, level=0,
             block_checksum=False, workers=0, seek_table=0):
    """compress(b, block_size_id=LZ4F_BLOCKSIZE_DEFAULT, block_mode_linked=True, checksum=False, level=0,
             block_checksum=False, workers=0, seek_table=0) -> bytes

    Compresses the bytes-like object b into one LZ4 frame that declares its
    content size.

    Args:
        b: the data (bytes, bytearray, memoryview or any C-contiguous buffer)
        block_size_id (int): one of the LZ4F_BLOCKSIZE_* constants
        block_mode_linked (bool): blocks may refer to earlier blocks (better ratio)
        checksum (bool): append a checksum of the whole content
        level (int): below LZ4F_COMPRESSION_MIN_HC (negative ones included,
            for more speed) fast compression; up to LZ4F_COMPRESSION_MAX
            high compression, slower and stronger
        block_checksum (bool): add a checksum after every block
        workers (int): 0 compresses in the calling thread; N (up to the
            library's LZ4FRAMED_MAX_WORKERS, 256) on N threads of the library's own, joined before
            the call returns. Independent blocks come out byte-identical;
            linked blocks restart from the previous 64 KiB every 4 MiB.
        seek_table (int or bool): 0 (the default) none; a span in bytes (a
            whole number of KiB; True: SEEK_TABLE_DEFAULT_SPAN, 4 MiB): the
            frame is followed by a seek table (docs/SEEK_FORMAT.md), a
            skippable frame every LZ4 decoder steps over, with a restart
            point at least every span of input; linked blocks restart their
            history there. The same bytes with any workers.

    Raises:
        Lz4FramedNoDataError: b is empty
        ValueError: invalid block_size_id, level or seek_table
        Lz4FramedError: compression failed
    """
    prefs = _preferences(block_size_id, block_mode_linked, checksum, level, block_checksum, workers=workers,
                         seek_table=seek_table)
    with _n.InBuffer(b) as src:
        if src.size <= 0:
            raise Lz4FramedNoDataError()
        prefs.content_size_flag = 1
        bound = _n.compress_frame_bound(src.size, byref(prefs))
        out = _n.OutBuffer(bound)
        size = c_size_t()
        status = _n.compress(src.ptr, src.size, out.ptr, bound, byref(prefs), byref(size))
        if status < 0:
            out.discard()
            raise _error(status)
        return out.finish(size.value)


def decompress(b, buffer_size=1024, workers=0):
    """decompress(b, buffer_size=1024, workers=0) -> bytes

    Decompresses every LZ4 frame in the bytes-like object b (frames one after
    another, skippable frames skipped) and returns the concatenated content.

    Args:
        b: the compressed data
        buffer_size (int): initial output size when the first frame does not
            declare its content size; the output grows as needed
        workers (int): 0 decodes in the calling thread; N (up to the
            library's LZ4FRAMED_MAX_WORKERS, 256) decodes the blocks of
            independent-block frames (the lz4 tool's default) on N threads
            of the library's own, joined before the call returns. The result
            and the errors are those of workers=0; linked-block frames are
            decoded in the calling thread (only their content checksum moves
            to a thread of its own).

    Raises:
        Lz4FramedNoDataError: b is empty
        ValueError: buffer_size is not positive, workers is invalid, or the
            data ends inside a frame ('frame incomplete')
        Lz4FramedError: the data is not LZ4 or is corrupt
    """
    buffer_size = operator.index(buffer_size)
    workers = _workers(workers)
    with _n.InBuffer(b) as src:
        if src.size <= 0:
            raise Lz4FramedNoDataError()
        if buffer_size <= 0:
            raise ValueError('buffer_size (%d) invalid' % buffer_size)
        return _decompress_all(src.ptr, src.size, buffer_size, workers)


def _decompress_all(src_ptr, src_len, buffer_size, workers=0):
    # Each call declares the end of input: with workers it waits for all of
    # their output, so this loop is the same for any workers.
    limit = src_len * _MAX_EXPANSION + (4 << 20)
    head = ctypes_string_at(src_ptr, min(src_len, _n.MAX_HEADER_SIZE))
    # The first header is checked as py-lz4framed did (LZ4F_getFrameInfo on
    # the data): faults in liblz4's order, data shorter than the header it
    # begins is ERROR_frameHeader_incomplete whatever else is wrong.
    status, info, header_size = _parse_header(head)
    fault = _header_fault(head, _GET_INFO)
    if fault is _SHORT:
        fault = ('TRUNCATED', _SHORT)
    if fault is not None:
        raise _fault_error(status if status < 0 else _n.ERRORS['TRUNCATED'], fault)
    if status < 0:
        raise _error(status)
    if status == _n.NEED_INPUT:
        raise _error(_n.ERRORS['TRUNCATED'], _SHORT, 'the data ends inside the first frame header')
    declared = info.content_size if info.frame_kind == _n.FRAME_LZ4 and info.has_content_size else 0
    if declared:
        capacity = min(declared, limit)
    else:
        # Uncompressed data is usually larger than compressed data.
        capacity = min(max(buffer_size, 4 * src_len), limit)
    capacity = max(capacity, 1)
    dec = c_void_p(_new_decoder(0, workers))
    out = _n.OutBuffer(capacity)
    consumed = c_size_t()
    produced = c_size_t()
    pos = 0
    try:
        while True:
            status = _n.decoder_decompress(dec, src_ptr, src_len, out.ptr + pos, capacity - pos, 1,
                                           byref(consumed), byref(produced))
            if status < 0:
                if status == _n.ERRORS['TRUNCATED']:
                    raise ValueError('frame incomplete')
                raise _oneshot_error(dec.value, status, declared or max(buffer_size, src_len - header_size),
                                     info.block_max_size)
            pos += produced.value
            src_ptr += consumed.value
            src_len -= consumed.value
            if status != _n.OUTPUT_FULL:
                break
            # Grow: the decoder keeps what did not fit and continues.
            bigger = _n.OutBuffer(capacity * 2)
            memmove(bigger.ptr, out.ptr, pos)
            out.discard()
            out = bigger
            capacity *= 2
        result = out.finish(pos)
        out = None
        return result
    finally:
        if out is not None:
            out.discard()
        _n.decoder_free(dec)


def _oneshot_error(dec, status, first_size, first_max_block):
    """The exception decompress() raises for a decoding error: a block that
    fails to decode is reported as py-lz4framed's decompress() did, which
    decoded straight into its output buffer while that had room for a whole
    block. Its buffer started with the declared content size (else the
    larger of buffer_size and the compressed size after the header) and
    doubled whenever it was full."""
    if _STATUS_NAMES.get(status) not in ('CORRUPT_BLOCK', 'DICTIONARY_REQUIRED'):
        return _error(status)
    # The decoder still counts the output of the blocks before the failed
    # one after the error.
    before = _n.decoder_output_produced(dec)
    size = max(first_size, 1)
    while size <= before:
        size *= 2
    max_block = first_max_block
    if _n.decoder_frames_done(dec):
        info = _native_frame_info(dec)
        max_block = info.block_max_size if info is not None and info.block_max_size else first_max_block
    return _error(status, _room_situation(size - before, max_block))


# ---------------------------------------------------------------------------
# Streaming compression


def compress_begin(ctx, block_size_id=LZ4F_BLOCKSIZE_DEFAULT, block_mode_linked=True, checksum=False,
                   autoflush=False, level=0, block_checksum=False, workers=0, seek_table=0):
    """compress_begin(ctx, block_size_id=LZ4F_BLOCKSIZE_DEFAULT, block_mode_linked=True, checksum=False,
                   autoflush=False, level=0, block_checksum=False, workers=0, seek_table=0) -> bytes

    Starts a frame with these settings (see compress()) and returns its
    header. autoflush: compress_update() returns compressed data for all of
    its input instead of holding back less than a block. workers: as for
    compress(); the threads belong to ctx's encoder (freed with it), and
    compress_update() may return the blocks of earlier input while later
    input is still being compressed. Starting a new frame abandons one
    still open. seek_table: as for compress(); compress_end() then returns
    the frame's end followed by the table of this frame, so the file must
    hold this one frame (each compress_begin() starts a new table).

    Raises:
        ValueError: invalid ctx, block_size_id or level
        Lz4FramedError: the encoder could not be created
    """
    ctx = _cctx(ctx)
    prefs = _preferences(block_size_id, block_mode_linked, checksum, level, block_checksum, autoflush, workers,
                         seek_table)
    handle = c_void_p()
    _check(_n.encoder_new(byref(prefs), byref(handle)))
    enc = handle.value
    out = _n.OutBuffer(_n.MAX_HEADER_SIZE)
    written = c_size_t()
    status = _n.encoder_begin(enc, out.ptr, _n.MAX_HEADER_SIZE, byref(written))
    if status < 0:
        out.discard()
        _n.encoder_free(enc)
        raise _error(status)
    with ctx._lock:
        old = ctx._enc
        ctx._enc = enc
        ctx._prefs = prefs
    if old is not None:
        _n.encoder_free(old)
    return out.finish(written.value)


def compress_update(ctx, b):
    """compress_update(ctx, b) -> bytes

    Compresses b and returns the compressed data completed so far, which can
    be empty: less than a block is held back unless autoflush was set.

    Raises:
        Lz4FramedNoDataError: b is empty (convenient to end a read loop)
        ValueError: invalid ctx
        Lz4FramedError: no frame begun (ERROR_GENERIC), or compression failed
    """
    ctx = _cctx(ctx)
    with _n.InBuffer(b) as src:
        if src.size <= 0:
            raise Lz4FramedNoDataError()
        with ctx._lock:
            enc = ctx._enc
            if enc is None:
                raise _error(_n.ERRORS['WRONG_STAGE'], message='compress_begin() has not been called')
            bound = _n.compress_bound(src.size, byref(ctx._prefs))
            out = _n.OutBuffer(bound)
            written = c_size_t()
            status = _n.encoder_update(enc, src.ptr, src.size, out.ptr, bound, byref(written))
            if status < 0:
                out.discard()
                raise _error(status)
            return out.finish(written.value)


def compress_end(ctx):
    """compress_end(ctx) -> bytes

    Compresses whatever input is held, ends the frame (end mark, content
    checksum) and returns that data, followed by the seek table when
    compress_begin() asked for one. The context can then begin a new frame.

    Raises:
        ValueError: invalid ctx
        Lz4FramedError: no frame begun (ERROR_GENERIC), or compression failed
    """
    ctx = _cctx(ctx)
    with ctx._lock:
        enc = ctx._enc
        if enc is None:
            raise _error(_n.ERRORS['WRONG_STAGE'], message='compress_begin() has not been called')
        bound = _n.compress_bound(0, byref(ctx._prefs))
        out = _n.OutBuffer(bound)
        written = c_size_t()
        status = _n.encoder_end(enc, out.ptr, bound, byref(written))
        if status < 0:
            out.discard()
            raise _error(status)
        end = out.finish(written.value)
        if not ctx._prefs.seek_table_kib:
            return end
        size = c_size_t()
        _check(_n.encoder_seek_table_size(enc, byref(size)))
        table = _n.OutBuffer(size.value)
        status = _n.encoder_write_seek_table(enc, table.ptr, size.value, byref(written))
        if status < 0:
            table.discard()
            raise _error(status)
        return end + table.finish(written.value)


# ---------------------------------------------------------------------------
# Streaming decompression


def _decode(ctx, src_ptr, src_len, chunk_len, chunks, collect=False):
    """Feeds all of the input to the context's decoder (its lock held),
    appending the output to chunks in pieces of at most chunk_len bytes.
    Returns the last status, an error status included (the caller knows
    the situation that decides its LZ4F code).

    A decoder with workers may return NEED_INPUT while blocks it has taken
    are still being decoded. A call without input waits for them and
    delivers their output: collect=True makes one after the input (a call
    given no input already is one), so that chunks get all output of the
    input given so far.

    This is the inner loop of streaming decompression, so it avoids every
    Python-level allocation it can: the size cells are the context's own,
    and output goes straight into new bytes objects (see _native.OutBuffer).
    """
    dec = ctx._dec
    consumed, produced, refs = ctx._cells
    decompress_ = _n.decoder_decompress
    decompress_raw = _n.decoder_decompress_raw
    offset = _n.BYTES_OFFSET
    chunk_cell = c_size_t(chunk_len)
    # A call without input is itself the call that collects.
    collected = not (collect and ctx._workers) or src_len == 0
    while True:
        if offset is not None:
            out = _new_bytes(None, chunk_len)
            status = decompress_raw(ctx._handle, c_void_p(src_ptr), c_size_t(src_len), out, chunk_cell, 0, *refs)
            if status < 0:
                return status
            size = produced.value
            if size == chunk_len:
                chunks.append(out)
            elif size:
                box = [out]
                del out
                chunks.append(_n.shrink_boxed(box, size))
        else:
            out = _n.OutBuffer(chunk_len)
            status = decompress_(dec, src_ptr, src_len, out.ptr, chunk_len, 0, *refs)
            if status < 0:
                out.discard()
                return status
            size = produced.value
            if size:
                chunks.append(out.finish(size))
            else:
                out.discard()
        used = consumed.value
        src_ptr += used
        src_len -= used
        # OUTPUT_FULL: more output is waiting. OK with input left: a decoder
        # that stops at frame ends has finished one; go on with the next.
        if status == _n.OUTPUT_FULL or (src_len and status == _n.OK):
            continue
        if status == _n.NEED_INPUT and not collected:
            collected = True
            continue
        return status


def _decode_once(ctx, src_ptr, src_len, chunk_len, chunks):
    """One call of the context's decoder (its lock held) with room for one
    chunk of chunk_len bytes, appended to chunks if not empty. Returns the
    status and the input bytes consumed."""
    consumed, produced, refs = ctx._cells
    out = _n.OutBuffer(chunk_len)
    status = _n.decoder_decompress(ctx._dec, src_ptr, src_len, out.ptr, chunk_len, 0, *refs)
    if status < 0:
        out.discard()
        return status, 0
    size = produced.value
    if size:
        chunks.append(out.finish(size))
    else:
        out.discard()
    return status, consumed.value


def decompress_update(ctx, b, chunk_len=65536):
    """decompress_update(ctx, b, chunk_len=65536) -> list

    Decompresses the next piece of the compressed stream and returns the
    output as a list of chunks of at most chunk_len bytes, followed by an
    input hint: how many bytes complete the item being read next. The hint
    is 0 once the data given ends exactly at the end of a frame. All of b is
    consumed; frames that follow one another are all decoded.

    With a context that has workers (create_decompression_context(workers=N))
    each call still returns all output of the input given so far, as with
    workers=0: it waits for its workers before returning. They decode the
    whole blocks of one call side by side, so they help with pieces of
    several blocks (e.g. several MiB for the lz4 tool's 4 MB blocks); the
    input of a block still incomplete is kept in the context (counted in
    input_consumed) but not in its marshalled state: see
    marshal_decompression_context() for where a restored context resumes.

    Raises:
        Lz4FramedNoDataError: b is empty
        ValueError: invalid ctx or chunk_len
        Lz4FramedError: the data is not LZ4 or is corrupt; the context then
            keeps failing with the same error
    """
    ctx = _dctx(ctx)
    chunk_len = operator.index(chunk_len)
    with _n.InBuffer(b) as src:
        if src.size <= 0:
            raise Lz4FramedNoDataError()
        if chunk_len <= 0:
            raise ValueError('chunk_len invalid')
        chunks = []
        with ctx._lock:
            dec = ctx._dec
            head = ctx._head
            if head is not None and len(head) < _n.MAX_HEADER_SIZE:
                ctx._head = head = head + ctypes_string_at(src.ptr, min(src.size, _n.MAX_HEADER_SIZE - len(head)))
            before = _n.decoder_output_produced(dec)
            status = _decode(ctx, src.ptr, src.size, chunk_len, chunks, collect=True)
            if status < 0:
                raise _update_error(ctx, status, chunk_len, before)
            # OK: the input may end here (a frame ended, or a legacy frame
            # may end after this block).
            chunks.append(0 if status == _n.OK else _n.decoder_input_hint(dec))
        return chunks


def _update_error(ctx, status, chunk_len, before):
    """The exception decompress_update() raises for a decoding error, with
    py-lz4framed's code: a fault in the first frame header as liblz4 finds
    it first, and a block that fails to decode by the room its output chunk
    had left then (it started each call with an empty chunk of chunk_len
    bytes and appended a new one whenever the last was full)."""
    dec = ctx._dec
    if ctx._head is not None and _n.decoder_frames_done(dec) == 0:
        fault = _header_fault(ctx._head, _EVENTUAL)
        if fault is not None and fault is not _SHORT:
            return _fault_error(status, fault)
    if _STATUS_NAMES.get(status) not in ('CORRUPT_BLOCK', 'DICTIONARY_REQUIRED'):
        return _error(status)
    # The decoder still counts the output of the blocks before the failed
    # one after the error.
    filled = (_n.decoder_output_produced(dec) - before) % chunk_len
    return _error(status, _room_situation(chunk_len - filled, _frame_max_block(ctx)))


def _frame_max_block(ctx):
    """Maximum block size of the frame a failed decoder stood in: from its
    header, or (a frame refused at its header) from the first frame header
    of the stream when that is the one."""
    dec = ctx._dec
    info = _native_frame_info(dec)
    if info is not None and info.block_max_size:
        return info.block_max_size
    if ctx._head is not None and _n.decoder_frames_done(dec) == 0:
        status, info, _ = _parse_header(ctx._head)
        if status == _n.OK and info.block_max_size:
            return info.block_max_size
    return 64 << 10


def _frame_info_dict(info, hint):
    return {
        'input_hint': hint,
        'length': info.content_size if info.has_content_size and info.frame_kind == _n.FRAME_LZ4 else 0,
        'block_size_id': info.block_size_id,
        'block_mode_linked': bool(info.block_linked),
        'checksum': bool(info.content_checksum),
    }


def _native_frame_info(dec):
    """The header of the frame being decoded, or None between frames."""
    info = _n.FrameInfo()
    if _n.decoder_frame_info(dec, byref(info)) < 0:
        return None
    return info


def get_frame_info(ctx):
    """get_frame_info(ctx) -> dict

    Describes the frame being decoded once its header has been read:
        input_hint (int): bytes that complete the item being read next
        length (int): declared content size, 0 if not declared
        block_size_id (int): one of the LZ4F_BLOCKSIZE_* constants
        block_mode_linked (bool): whether blocks are linked
        checksum (bool): whether the frame has a content checksum (verified)

    Raises:
        ValueError: invalid ctx
        Lz4FramedError: no header read yet (LZ4F_ERROR_srcPtr_wrong), or only
            part of it (LZ4F_ERROR_frameDecoding_alreadyStarted)
    """
    ctx = _dctx(ctx)
    with ctx._lock:
        dec = ctx._dec
        info = _n.FrameInfo()
        status = _n.decoder_frame_info(dec, byref(info))
        if status == _n.ERRORS['WRONG_STAGE']:
            if _n.decoder_at_frame_boundary(dec):
                raise _error(status, _NO_HEADER, 'no frame header has been read yet')
            raise _error(status, _IN_HEADER, 'the frame header has been read only in part')
        _check(status)
        return _frame_info_dict(info, _n.decoder_input_hint(dec))


# ---------------------------------------------------------------------------
# Resumption


def clone_decompression_context(ctx):
    """clone_decompression_context(ctx) -> DecompressionContext

    Returns an independent copy of the decompression state: a checkpoint to
    go back to. Both continue to the same output, from the same
    input_consumed: a clone of a context with workers carries the input its
    workers had taken, and keeps the workers setting (its threads are its
    own, started when it needs them and joined when it is freed)."""
    ctx = _dctx(ctx)
    handle = c_void_p()
    with ctx._lock:
        _check(_n.decoder_clone(ctx._dec, byref(handle)))
    return DecompressionContext(handle.value, workers=ctx._workers)


def _marshal(ctx):
    with ctx._lock:
        dec = ctx._dec
        size = c_size_t()
        _check(_n.decoder_marshal_size(dec, byref(size)))
        out = _n.OutBuffer(size.value)
        written = c_size_t()
        status = _n.decoder_marshal(dec, out.ptr, size.value, byref(written))
        if status < 0:
            out.discard()
            raise _error(status)
        return out.finish(written.value)


def marshal_decompression_context(ctx):
    """marshal_decompression_context(ctx) -> bytes

    Returns the complete decompression state as portable bytes (the same on
    any machine; checksummed). unmarshal_decompression_context() turns them
    back into a context, in this process or another one, that continues
    from where this one's output stands: feed the restored context the
    compressed stream from ITS OWN input_consumed on. Without workers that
    is ctx.input_consumed. A context with workers consumes input ahead of
    its output (whole blocks for its workers, a block still incomplete):
    those bytes are not in the state, so the restored context's
    input_consumed can be earlier than ctx's, and reading on from ctx's
    position would skip data. Its output_produced is ctx's. Small at a
    block boundary: about 100 bytes, plus the last 64 KiB of output for
    linked blocks. The workers setting is not saved (see
    unmarshal_decompression_context()).

    Raises:
        ValueError: invalid ctx
        Lz4FramedError: the context failed earlier (the same error)
    """
    return _marshal(_dctx(ctx))


def _unmarshal(blob, workers=0):
    with _n.InBuffer(blob) as src:
        handle = c_void_p()
        _check(_n.decoder_unmarshal(src.ptr, src.size, None, 0, byref(handle)))
    if workers:
        try:
            _set_decoder_workers(handle.value, workers)
        except BaseException:
            _n.decoder_free(handle.value)
            raise
    return handle.value


def unmarshal_decompression_context(ctx, workers=0):
    """unmarshal_decompression_context(ctx, workers=0) -> DecompressionContext

    Rebuilds a decompression context from bytes made by
    marshal_decompression_context() (the argument keeps the old name ctx).
    Continue it with the compressed stream from its input_consumed on.
    workers: as for create_decompression_context() (a state does not record
    the setting of the context it was taken from).

    Raises:
        ValueError: workers negative or above the library's limit
        Lz4FramedError: the bytes are not a state (LZ4FRAMED_ERROR_STATE_MAGIC),
            damaged (_STATE_CHECKSUM), truncated (_STATE_TRUNCATED), from an
            unknown format version (_STATE_VERSION) or impossible (_STATE_CORRUPT)
    """
    workers = _workers(workers)
    return DecompressionContext(_unmarshal(ctx, workers), workers=workers)


def marshal_decompression_checksum_context(ctx):
    """marshal_decompression_checksum_context(ctx) -> bytes

    The content checksum state of ctx. It is part of the whole state, which
    this library marshals as one checksummed blob, so this returns the same
    bytes as marshal_decompression_context()."""
    return _marshal(_dctx(ctx))


def unmarshal_decompression_checksum_context(ctx, checksum):
    """unmarshal_decompression_checksum_context(ctx, checksum) -> None

    Restores the content checksum state saved by
    marshal_decompression_checksum_context() into ctx. The saved state must
    come from the same stream position as ctx (same input consumed and
    output produced); ctx then takes over the whole saved state, content
    checksum included, and keeps its workers setting. (A context with
    workers stands later in the input than a state taken from it when its
    workers held input: such a state is refused here.)

    Raises:
        ValueError: invalid ctx
        Lz4FramedError: the bytes are not a valid state, or were taken at
            another position (ERROR_GENERIC)
    """
    ctx = _dctx(ctx)
    handle = _unmarshal(checksum, ctx._workers)
    with ctx._lock:
        old = ctx._dec
        here = (_n.decoder_input_consumed(old), _n.decoder_output_produced(old))
        there = (_n.decoder_input_consumed(handle), _n.decoder_output_produced(handle))
        if here != there:
            _n.decoder_free(handle)
            raise _error(_n.ERRORS['INVALID_ARGUMENT'], message='the checksum state was saved at input offset %d / '
                         'output offset %d, the context stands at %d / %d' % (there + here))
        ctx._dec = handle
        ctx._handle = c_void_p(handle)
    _n.decoder_free(old)


def decompress_dump(ctx):
    """decompress_dump(ctx) -> None

    Writes a description of the decompression state to stderr (for debugging)."""
    ctx = _dctx(ctx)
    with ctx._lock:
        dec = ctx._dec
        fields = [
            ('input_consumed', _n.decoder_input_consumed(dec)),
            ('output_produced', _n.decoder_output_produced(dec)),
            ('frames_done', _n.decoder_frames_done(dec)),
            ('skippable_frames', _n.decoder_skippable_frames(dec)),
            ('input_hint', _n.decoder_input_hint(dec)),
            ('at_frame_boundary', _n.decoder_at_frame_boundary(dec)),
            ('at_block_boundary', _n.decoder_at_block_boundary(dec)),
            ('memory_usage', _n.decoder_memory_usage(dec)),
            ('workers', ctx._workers),
            ('worker_threads', _n.decoder_worker_threads(dec)),
        ]
        info = _native_frame_info(dec)
        size = c_size_t()
        status = _n.decoder_marshal_size(dec, byref(size))
    if status < 0:
        fields.append(('error', _n.name_of(status)))
    else:
        fields.append(('marshal_size', size.value))
    if info is not None:
        fields.extend(('frame.' + name, getattr(info, name)) for name, _ in _n.FrameInfo._fields_)
    sys.stderr.write('StateDump: %s\n' % ', '.join('%s=%s' % field for field in fields))


# ---------------------------------------------------------------------------
# File-like objects


# ---------------------------------------------------------------------------
# Resumable compression


def clone_compression_context(ctx):
    """clone_compression_context(ctx) -> CompressionContext

    Returns an independent copy of the compression state, at any point
    between calls: both write exactly the same bytes from here on for the
    same calls. With workers the jobs in flight are waited for first (both
    copies then return their output); the copy's threads are its own.

    Raises:
        ValueError: invalid ctx
        Lz4FramedError: out of memory
    """
    ctx = _cctx(ctx)
    copy = CompressionContext()
    with ctx._lock:
        if ctx._enc is not None:
            handle = c_void_p()
            _check(_n.encoder_clone(ctx._enc, byref(handle)))
            copy._enc = handle.value
            copy._prefs = _n.Preferences.from_buffer_copy(ctx._prefs)
    return copy


def marshal_compression_context(ctx):
    """marshal_compression_context(ctx) -> bytes

    Returns the complete compression state as portable, checksummed bytes
    (docs/ENCODER_STATE_FORMAT.md), at any point between calls: inside a
    frame with input held back, at a block boundary, between frames.
    unmarshal_compression_context() turns them back into a context, in
    this process or another, that writes exactly what this one would have
    written next. About 110 bytes at a block boundary for independent
    blocks; linked blocks add the 64 KiB window and LZ4's tables (16 KiB
    fast, 256 KiB for levels 3 and up; with workers only the window), held
    input its length. With workers the jobs in flight are waited for and
    their output (not yet returned) is in the state: the restored context
    returns it with its next call.

    Raises:
        ValueError: invalid ctx, or no frame begun yet (nothing to save)
        Lz4FramedError: out of memory
    """
    ctx = _cctx(ctx)
    with ctx._lock:
        enc = ctx._enc
        if enc is None:
            raise ValueError('ctx has no compression state: call compress_begin() first')
        size = c_size_t()
        _check(_n.encoder_marshal_size(enc, byref(size)))
        out = _n.OutBuffer(size.value)
        written = c_size_t()
        status = _n.encoder_marshal(enc, out.ptr, size.value, byref(written))
        if status < 0:
            out.discard()
            raise _error(status)
        return out.finish(written.value)


# Where the preferences and progress sit in an encoder state (its format
# version 1, docs/ENCODER_STATE_FORMAT.md); read only after the library has
# accepted the bytes.
_ENC_STATE_FLAGS = 6
_ENC_STATE_PREFS = 12
_ENC_STATE_IN_FRAME = 1


def _state_preferences(blob):
    """The preferences an accepted encoder state records, as _n.Preferences,
    and whether its frame has begun without input (header not delivered)."""
    import struct
    flags, = struct.unpack_from('<H', blob, _ENC_STATE_FLAGS)
    level, bsid, f, size, dict_id, workers, total_in = struct.unpack_from('<iBBQIIQ', blob, _ENC_STATE_PREFS)
    prefs = _n.Preferences()
    prefs.level = level
    prefs.block_size_id = bsid
    prefs.block_independent = 0 if f & 1 else 1
    prefs.block_checksum = 1 if f & 2 else 0
    prefs.content_checksum = 1 if f & 4 else 0
    prefs.content_size_flag = 1 if f & 8 else 0
    prefs.content_size = size
    prefs.auto_flush = 1 if f & 16 else 0
    prefs.favor_dec_speed = 1 if f & 32 else 0
    prefs.dict_id = dict_id
    prefs.workers = workers
    prefs.seek_table_kib = _state_seek_span(blob, flags) // 1024
    fresh_frame = bool(flags & _ENC_STATE_IN_FRAME) and total_in == 0
    return prefs, fresh_frame


def _state_seek_span(blob, flags):
    """The seek table span an accepted encoder state records (0: none):
    the first field of its seek-table section (flag bit 5), after the
    sections before it (docs/ENCODER_STATE_FORMAT.md)."""
    import struct
    if not flags & 32:
        return 0
    at = 42  # header, preferences, progress
    if flags & 4:  # content hash: lanes, buffered count, buffered bytes
        at += 17 + blob[at + 16]
    if flags & 8:  # dictionary
        at += 12
    if flags & 16:  # match finder: fast or HC tables
        at += 6 + (13 + 4 * 4096 if blob[at] == 0 else 21 + 4 * 32768 + 2 * 65536)
    window, held, owed = struct.unpack_from('<III', blob, at)
    at += 12 + window + held + owed
    span, = struct.unpack_from('<Q', blob, at)
    return span


def unmarshal_compression_context(ctx):
    """unmarshal_compression_context(ctx) -> CompressionContext

    Rebuilds a compression context from bytes made by
    marshal_compression_context() (the argument is named like that of
    unmarshal_decompression_context()). It has the settings of the context
    it was taken from (workers included) and continues its frame:
    compress_update() and compress_end() write exactly what the original
    would have written.

    Raises:
        Lz4FramedError: the bytes are not an encoder state
            (LZ4FRAMED_ERROR_ENCODER_STATE_MAGIC, also for a decompression
            state), damaged (_ENCODER_STATE_CHECKSUM), truncated
            (_ENCODER_STATE_TRUNCATED), from an unknown format version
            (_ENCODER_STATE_VERSION), impossible (_ENCODER_STATE_CORRUPT), or
            made by an LZ4 build that hashes differently (_ENCODER_STATE_ENGINE)
    """
    with _n.InBuffer(ctx) as src:
        handle = c_void_p()
        status = _n.encoder_unmarshal(src.ptr, src.size, None, 0, byref(handle))
        if status < 0:
            raise _error(status)
        blob = ctypes_string_at(src.ptr, src.size)
    copy = CompressionContext()
    copy._enc = handle.value
    copy._prefs = _state_preferences(blob)[0]
    return copy


def _settings_of(prefs):
    """compress_begin() keyword arguments that make frames like `prefs`."""
    return dict(block_size_id=prefs.block_size_id, block_mode_linked=not prefs.block_independent,
                checksum=bool(prefs.content_checksum), autoflush=bool(prefs.auto_flush), level=prefs.level,
                block_checksum=bool(prefs.block_checksum), workers=prefs.workers,
                seek_table=prefs.seek_table_kib * 1024)


def _frame_header(prefs):
    """The header a frame with `prefs` begins with (as compress_begin()
    returned it)."""
    handle = c_void_p()
    _check(_n.encoder_new(byref(prefs), byref(handle)))
    try:
        out = _n.OutBuffer(_n.MAX_HEADER_SIZE)
        written = c_size_t()
        status = _n.encoder_begin(handle.value, out.ptr, _n.MAX_HEADER_SIZE, byref(written))
        if status < 0:
            out.discard()
            raise _error(status)
        return out.finish(written.value)
    finally:
        _n.encoder_free(handle.value)


class Compressor(object):
    """Compresses into one LZ4 frame piece by piece, to a file-like object or
    returning the compressed data::

        with open('myFile', 'wb') as f:
            # the frame is ended when the block exits without an exception
            with Compressor(f) as c:
                try:
                    while True:
                        c.update(more_data())
                except Lz4FramedNoDataError:
                    pass

        c = Compressor()
        out = [c.update(data) for data in pieces]
        out.append(c.end())

    The arguments are those of compress_begin(); fp needs a write() method.
    After end(), update() starts another frame with the same settings.
    With seek_table, end() writes the frame's seek table after it: a file
    then holds one frame (each frame's table describes that frame only).
    """

    def __init__(self, fp=None, block_size_id=LZ4F_BLOCKSIZE_DEFAULT, block_mode_linked=True, checksum=False,
                 autoflush=False, level=LZ4F_COMPRESSION_MIN, block_checksum=False, workers=0, seek_table=0):
        if fp is None:
            self.__write = None
        elif not callable(fp.write):
            raise TypeError('fp.write not callable')
        else:
            self.__write = fp.write
        self.__settings = dict(block_size_id=block_size_id, block_mode_linked=block_mode_linked,
                               checksum=checksum, autoflush=autoflush, level=level, block_checksum=block_checksum,
                               workers=workers, seek_table=seek_table)
        self.__ctx = create_compression_context()
        self.__lock = Lock()
        # The header is delivered with the first output, so an abandoned
        # Compressor writes nothing at all.
        self.__header = compress_begin(self.__ctx, **self.__settings)

    def __enter__(self):
        if self.__write is None:
            raise ValueError('Context only usable when fp supplied')
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            self.end()

    def update(self, b):
        """Compresses b: returns the compressed data (possibly empty), or
        writes it to fp and returns None.

        Raises Lz4FramedNoDataError if b is empty."""
        with self.__lock:
            output = compress_update(self.__ctx, b)
            header = self.__header
            if header is not None:
                self.__header = None
                output = header + output
            if self.__write is None:
                return output
            if output:
                self.__write(output)
            return None

    def end(self):
        """Ends the frame: returns the remaining compressed data, or writes
        it to fp and returns None."""
        with self.__lock:
            output = compress_end(self.__ctx)
            header = self.__header
            if header is not None:
                output = header + output
            # The next update() starts a new frame.
            self.__header = compress_begin(self.__ctx, **self.__settings)
            if self.__write is None:
                return output
            self.__write(output)
            return None

    @property
    def ctx(self):
        """The compression context in use (clone_compression_context() and
        marshal_compression_context() take it)."""
        return self.__ctx

    def clone(self, fp=None):
        """An independent Compressor that continues exactly as this one
        would (the same bytes from here on), writing to fp (None: returning
        the data). With workers the jobs in flight are waited for first."""
        with self.__lock:
            copy = Compressor.__new__(Compressor)
            copy.__setup(fp, dict(self.__settings), clone_compression_context(self.__ctx), self.__header)
            return copy

    def marshal(self):
        """The state as portable bytes (marshal_compression_context() of
        ctx); Compressor.unmarshal() continues from them, in this process
        or another, byte-identically."""
        with self.__lock:
            return marshal_compression_context(self.__ctx)

    @classmethod
    def unmarshal(cls, state, fp=None):
        """A Compressor continuing from bytes made by Compressor.marshal()
        (or marshal_compression_context()), with the settings they record,
        writing to fp (None: returning the data).

        Raises Lz4FramedError as unmarshal_compression_context() does."""
        ctx = unmarshal_compression_context(state)
        prefs, fresh_frame = _state_preferences(bytes(state))
        # A frame begun without input yet: the header was not delivered.
        header = _frame_header(prefs) if fresh_frame else None
        copy = cls.__new__(cls)
        copy.__setup(fp, _settings_of(prefs), ctx, header)
        return copy

    def __setup(self, fp, settings, ctx, header):
        if fp is None:
            self.__write = None
        elif not callable(fp.write):
            raise TypeError('fp.write not callable')
        else:
            self.__write = fp.write
        self.__settings = settings
        self.__ctx = ctx
        self.__lock = Lock()
        self.__header = header


class Decompressor(_Iterable):
    """Decompresses from a file-like object, yielding chunks of output::

        with open('myFile', 'rb') as f:
            for chunk in Decompressor(f):
                decoded.append(chunk)

    It reads only as much as completes the next item of the stream (header,
    block, checksum), so everything read is inside the decompression state:
    when fp runs dry inside a frame, iteration raises Lz4FramedNoDataError
    and nothing is lost. Continue with another source positioned at
    data_read (setfp()), from a clone of the state (setctx()), or in a new
    process from a marshalled state.

    Frames that follow one another are all decoded, until fp returns no
    more data where the stream may end: at the end of a frame, or after any
    block of a legacy frame (``lz4 -l``), which has no end mark.
    single_frame=True stops after one frame without reading further (as
    py-lz4framed did).

    An exception of fp.read (e.g. OSError) propagates from the iteration
    step that called it; nothing it had read is lost, and iterating again
    (after setfp() with a source positioned at data_read) continues.

    workers=N (as for create_decompression_context()) decodes the blocks of
    independent-block frames on N threads of the context's own while fp is
    read on: the chunks are those of workers=0. The context then holds
    input ahead of its output (data_read counts it; a clone carries it),
    and when fp runs dry all output of the blocks read is yielded before
    the end or Lz4FramedNoDataError. A marshalled state of such a context
    resumes at the restored context's own input_consumed, which can be
    earlier than data_read (see marshal_decompression_context()).
    """

    def __init__(self, fp, single_frame=False, workers=0):
        self.__lock = Lock()
        self.__read = None
        self.__single = bool(single_frame)
        workers = _workers(workers)
        self.__ctx = DecompressionContext(_new_decoder(_n.DECODER_STOP_AT_FRAME_END if self.__single else 0, workers),
                                          workers=workers)
        self.__info = None
        self.__stale = True
        self.__chunk_len = 64 << 10
        self.__finished = False
        self.__frames_before = 0
        # With workers (__workers_step): the last call filled its room, the
        # source has ended and the output of the blocks read is being
        # collected, the last collecting call gave nothing.
        self.__waiting = self.__draining = self.__idle = False
        # Input read and not yet taken by the decoder (see __workers_step).
        self.__pending = b''
        # The first bytes of the stream, while they may decide an error code
        # (see __error); None once they cannot, or after setctx().
        self.__head = b''
        self.setfp(fp)

    def setfp(self, fp):
        """Switches to another input source (e.g. after a reconnect or a
        failed read); it must continue at data_read. Iteration then goes on
        from there, also after a source that ended where the stream may
        end (between frames, or between the blocks of a legacy frame).
        (After setctx() with an unmarshalled context, data_read is that
        context's position, which for a state taken with workers can be
        earlier than where the old source stood.)"""
        if fp is None:
            raise TypeError('fp')
        elif not callable(fp.read):
            raise TypeError('fp.read not callable')
        with self.__lock:
            self.__read = fp.read
            if self.__finished and not self.__single:
                self.__finished = False

    def setctx(self, ctx):
        """Switches to another decompression context, e.g. a clone or an
        unmarshalled one; iteration continues from its position."""
        _dctx(ctx)
        with self.__lock:
            self.__ctx = ctx
            self.__info = None
            self.__stale = True
            self.__chunk_len = 64 << 10
            self.__finished = False
            self.__frames_before = ctx.frames_done
            self.__head = None
            self.__waiting = self.__draining = self.__idle = False
            self.__pending = b''

    @property
    def ctx(self):
        """The decompression context in use."""
        return self.__ctx

    @property
    def frame_info(self):
        """get_frame_info() of the current frame as of when its header was
        read, or None before that."""
        return self.__info

    @property
    def data_read(self):
        """Compressed bytes consumed since the stream start (the position in
        the compressed stream, also after setctx()): where a new source has
        to continue. With workers it includes the input taken ahead of the
        output, which the context holds (and a clone carries), but a
        marshalled state does not: a context unmarshalled from it has its
        own, possibly earlier, input_consumed. (It also counts the few
        bytes, if any, read and not yet handed to the context: see
        __workers_step.)"""
        ctx = self.__ctx
        with ctx._lock:
            return _n.decoder_input_consumed(ctx._dec) + len(self.__pending)

    def __iter__(self):
        # The hot loop of streaming decompression: one read and (nearly
        # always) one native call per block, with as few Python operations
        # around them as possible. No lock is held while a chunk is yielded.
        input_hint = _n.decoder_input_hint
        decompress_raw = _n.decoder_decompress_raw
        fast = _n.BYTES_OFFSET is not None and _new_bytes is not None
        # Also read the 4 bytes that always follow a descriptor or a block
        # (block checksum, next block header or end mark): one read per
        # block instead of two. Not in single-frame mode, which must not
        # read past the end of its frame (the end mark follows the last block).
        extra = 0 if self.__single else 4
        chunk_len = chunk_cell = None
        # setfp() and setctx() only replace attributes, so each step reads
        # them once and then works under the lock of the context it uses.
        while not self.__finished:
            ctx = self.__ctx
            if ctx._workers:
                chunks, ending = self.__workers_step(ctx)
                for chunk in chunks:
                    yield chunk
                if ending is True:
                    return
                if ending is not None:
                    raise ending
                continue
            with ctx._lock:
                dec = ctx._dec
                hint = input_hint(dec)
                if hint > 4:
                    hint += extra
                data = self.__read(hint) if hint else b''
                if self.__head is not None:
                    self.__note_head(dec, data)
                if not data:
                    # The source has ended (for now). Where the stream may
                    # end (OK from the last call), that is the end; inside
                    # a frame it is a truncation, or a source that will go
                    # on after setfp().
                    if _n.decoder_input_may_end(dec) and _n.decoder_input_consumed(dec):
                        self.__finished = True
                        return
                    raise self.__no_data()
                if chunk_len != self.__chunk_len:
                    chunk_len = self.__chunk_len
                    chunk_cell = c_size_t(chunk_len)
                if fast and type(data) is bytes:
                    size_in = len(data)
                    out = _new_bytes(None, chunk_len)
                    consumed, produced, refs = ctx._cells
                    status = decompress_raw(ctx._handle, data, c_size_t(size_in), out, chunk_cell, 0, *refs)
                    if status < 0:
                        raise self.__error(dec, status)
                    size = produced.value
                    used = consumed.value
                    if size == chunk_len:
                        chunks = [out]
                    elif size:
                        box = [out]
                        del out
                        chunks = [_n.shrink_boxed(box, size)]
                    else:
                        chunks = []
                    if status == _n.OUTPUT_FULL or (used < size_in and status == _n.OK):
                        status = _decode(ctx, id(data) + _n.BYTES_OFFSET + used, size_in - used, chunk_len, chunks)
                else:
                    chunks = []
                    with _n.InBuffer(data) as src:
                        status = _decode(ctx, src.ptr, src.size, chunk_len, chunks)
                if status < 0:
                    raise self.__error(dec, status)
                if status != _n.NEED_INPUT or self.__stale:
                    self.__refresh_info(dec, status)
                # A single frame is done when it has ended: OK also comes
                # between the blocks of a legacy frame, which ends only
                # where the next frame's magic number or the input does.
                if self.__single and status == _n.OK and _n.decoder_frames_done(dec) > self.__frames_before:
                    self.__finished = True
            for chunk in chunks:
                yield chunk

    def __workers_step(self, ctx):
        """One iteration step with a context that has workers: (chunks,
        ending), ending None (go on), True (the stream ended) or the
        exception to raise after the chunks.

        Its decoder takes input ahead of its output, so the step differs
        from the one without workers: it reads exactly the hint, and each
        call gets room for one chunk, which keeps output_produced equal to
        what has been yielded at every yield (what a checkpoint needs). A
        call that fills its room can leave input the decoder takes only
        after the blocks before it (an end mark): that input is fed first
        in the next step (data_read counts it). Instead of reading, the
        step calls without input, which waits for blocks in flight and
        delivers them, when output is waiting (the last call filled its
        room), when the workers hold all they may take (hint 0), and when
        the source has ended: all output of the blocks read is yielded
        before the end is judged, as without workers.
        """
        with ctx._lock:
            dec = ctx._dec
            hint = _n.decoder_input_hint(dec)
            if self.__pending:
                data = self.__pending
            elif self.__draining or self.__waiting or (hint == 0 and not self.__idle):
                data = None
            else:
                # (A hint still 0 after a call that collected nothing: read,
                # so that the step cannot spin.)
                data = self.__read(hint) if hint else b''
                if self.__head is not None:
                    self.__note_head(dec, data)
                if not data:
                    self.__draining = True
                    data = None
            chunk_len = self.__chunk_len
            chunks = []
            if data is None:
                status, used = _decode_once(ctx, 0, 0, chunk_len, chunks)
            else:
                with _n.InBuffer(data) as src:
                    status, used = _decode_once(ctx, src.ptr, src.size, chunk_len, chunks)
            if status < 0:
                self.__draining = self.__waiting = False
                self.__pending = b''
                raise self.__error(dec, status)
            self.__pending = bytes(data[used:]) if data is not None and used < len(data) else b''
            self.__waiting = status == _n.OUTPUT_FULL
            self.__idle = data is None and not chunks and not self.__waiting
            if status != _n.NEED_INPUT or self.__stale:
                self.__refresh_info(dec, status)
            if self.__single and status == _n.OK and _n.decoder_frames_done(dec) > self.__frames_before:
                self.__finished = True
            ending = None
            if self.__draining and not (self.__waiting or self.__pending):
                # Everything read has been delivered: judge the end as
                # without workers.
                self.__draining = False
                if self.__finished or (_n.decoder_input_may_end(dec) and _n.decoder_input_consumed(dec)):
                    self.__finished = ending = True
                else:
                    ending = self.__no_data()
            return chunks, ending

    def __note_head(self, dec, data):
        head = self.__head
        if len(head) < _FIRST_READ_SIZE:
            self.__head = head + bytes(data[:_FIRST_READ_SIZE - len(head)])
        elif _n.decoder_frames_done(dec):
            self.__head = None  # the first frame is done

    def __first_header_fault(self, dec):
        """What py-lz4framed's Decompressor reported for the first frame
        header: it read the first 15 bytes at once and then asked for the
        header (ERROR_frameDecoding_alreadyStarted when those bytes did
        not hold all of it, e.g. a stream that ends sooner)."""
        head = self.__head
        if head is None or not head or _n.decoder_frames_done(dec):
            return None
        fault = _header_fault(head[:_FIRST_READ_SIZE], _FIRST_15)
        return ('TRUNCATED', _FIRST_READ) if fault is _SHORT else fault

    def __no_data(self):
        fault = self.__first_header_fault(self.__ctx._dec)
        if fault is None:
            return Lz4FramedNoDataError()
        # Still the resumable no-data error, with py-lz4framed's arguments.
        return _fault_error(_n.ERRORS['TRUNCATED'], fault, kind=Lz4FramedNoDataError)

    def __error(self, dec, status):
        """The exception for a decoding error, with py-lz4framed's code."""
        if self.__head is not None:
            # Read what py-lz4framed's first read would have had (the
            # decoder has failed, so nothing more is lost by reading).
            while self.__head is not None and len(self.__head) < _FIRST_READ_SIZE:
                more = self.__read(_FIRST_READ_SIZE - len(self.__head))
                if not more:
                    break
                self.__note_head(dec, more)
            fault = self.__first_header_fault(dec)
            if fault is not None:
                return _fault_error(status, fault)
        # Its reads ended where a block and the next block header end, and
        # each call decoded into an empty chunk of the frame's block size:
        # a failed block always had room for a whole block.
        return _error(status, _ROOM)

    def __refresh_info(self, dec, status):
        """Takes the header and block size of a frame that has begun; after
        a frame end, keeps trying until the next header has been read."""
        native = _native_frame_info(dec)
        if native is None or status == _n.OK:
            self.__stale = True
        else:
            self.__info = _frame_info_dict(native, _n.decoder_input_hint(dec))
            self.__chunk_len = min(native.block_max_size, 8 << 20) or (64 << 10)
            # Skippable and legacy frames can end inside one read.
            self.__stale = native.frame_kind != _n.FRAME_LZ4


# ---------------------------------------------------------------------------
# Random access (an addition to the py-lz4framed API): python/README.md,
# "Random access".

from . import _seekable  # noqa: E402

SeekableFile = _seekable.SeekableFile


def open(path_or_file, index=None, span=0, buffering=_seekable.io.DEFAULT_BUFFER_SIZE * 8):  # noqa: A001
    """The decompressed content of the .lz4 file `path_or_file` (a path, or
    a binary file object that can seek) as a seekable, read-only binary
    file: an io.BufferedReader over a :class:`SeekableFile`
    (``buffering=0``: the SeekableFile itself).

    Positions are found through the file's own seek table when it has
    one, else through `index` (the bytes of a sidecar index made by
    :func:`build_index` or ``lz4framed index``) when given, else through
    an index built now in one pass (a restart point every `span` bytes of
    content; 0: every 4 MiB). A read decodes at most one such stretch and a
    block before its first byte. Errors are Lz4FramedError with the
    library's status (LZ4FRAMED_ERROR_SEEK_* for a refused table or index,
    LZ4FRAMED_ERROR_SEEK_MISMATCH for a file that disagrees with it), or
    the OSError of the file."""
    return _seekable.open_seekable(path_or_file, index=index, span=span, buffering=buffering, _error=_error)


def build_index(path_or_file, span=0):
    """The bytes of a sidecar index of the .lz4 file `path_or_file` (its
    format: docs/SEEK_FORMAT.md), with a restart point every `span` bytes
    of content (0: every 4 MiB); bound to that file. Pass it to
    :func:`open` as `index`, or save it."""
    return _seekable.build_index(path_or_file, span=span, _error=_error)


__all__ += ('open', 'build_index', 'SeekableFile')
