"""The context functions: compress_begin/_update/_end, decompress_update,
get_frame_info, get_block_size, constants and errors."""

import inspect
import os
from io import BytesIO

import pytest

import lz4framed
from lz4framed import (LZ4F_BLOCKSIZE_DEFAULT, LZ4F_BLOCKSIZE_MAX1MB, LZ4F_BLOCKSIZE_MAX256KB, LZ4F_BLOCKSIZE_MAX4MB,
                       LZ4F_BLOCKSIZE_MAX64KB, LZ4F_COMPRESSION_MAX, Lz4FramedError, Lz4FramedNoDataError,
                       compress, compress_begin, compress_end, compress_update, create_compression_context,
                       create_decompression_context, decompress, decompress_update, get_block_size, get_frame_info)

from conftest import DATA, SHORT, raises_lz4


def test_module_constants_and_versions():
    assert lz4framed.LZ4F_BLOCKSIZE_DEFAULT == 0
    assert (LZ4F_BLOCKSIZE_MAX64KB, LZ4F_BLOCKSIZE_MAX256KB, LZ4F_BLOCKSIZE_MAX1MB, LZ4F_BLOCKSIZE_MAX4MB) == (4, 5, 6, 7)
    assert (lz4framed.LZ4F_COMPRESSION_MIN, lz4framed.LZ4F_COMPRESSION_MIN_HC, LZ4F_COMPRESSION_MAX) == (0, 3, 12)
    assert lz4framed.LZ4F_VERSION == 100
    assert lz4framed.LZ4_VERSION.count('.') == 2
    import lz4framed._native as native
    assert lz4framed.__version__ == native.version_string().decode()
    major, minor, patch = (int(x) for x in lz4framed.__version__.split('.'))
    assert native.version_number() == major * 10000 + minor * 100 + patch
    # The installed package's metadata (setup.py reads Cargo.toml) names
    # the version of the library it loads.
    from importlib import metadata
    if not os.environ.get('LZ4FRAMED_LIBRARY'):
        assert metadata.version('lz4framed') == lz4framed.__version__
    codes = {name: getattr(lz4framed, name) for name in dir(lz4framed) if name.startswith('LZ4F_ERROR_')}
    assert codes['LZ4F_ERROR_GENERIC'] == 1 and codes['LZ4F_ERROR_frameDecoding_alreadyStarted'] == 19
    assert codes['LZ4F_ERROR_blockChecksum_unsupported'] == codes['LZ4F_ERROR_blockChecksum_invalid'] == 7
    assert sorted(set(codes.values())) == list(range(1, 20))
    ours = {name: getattr(lz4framed, name) for name in dir(lz4framed) if name.startswith('LZ4FRAMED_ERROR_')}
    assert ours['LZ4FRAMED_ERROR_STATE_CHECKSUM'] == -32 and all(code < 0 for code in ours.values())
    for name in lz4framed.__all__:
        assert hasattr(lz4framed, name), name


def test_signatures_match_the_old_api():
    # The old API's parameters in its order; the additions, workers and
    # seek_table, come last with defaults, so every old call means what it meant (on the
    # decompression side too).
    def params(func):
        return [(p.name, p.default) for p in inspect.signature(func).parameters.values()]
    empty = inspect.Parameter.empty
    assert params(compress) == [('b', empty), ('block_size_id', 0), ('block_mode_linked', True), ('checksum', False),
                                ('level', 0), ('block_checksum', False), ('workers', 0), ('seek_table', 0)]
    assert params(decompress) == [('b', empty), ('buffer_size', 1024), ('workers', 0)]
    assert params(create_decompression_context) == [('workers', 0)]
    assert params(lz4framed.Decompressor) == [('fp', empty), ('single_frame', False), ('workers', 0)]
    assert params(lz4framed.unmarshal_decompression_context) == [('ctx', empty), ('workers', 0)]
    assert params(compress_begin) == [('ctx', empty), ('block_size_id', 0), ('block_mode_linked', True),
                                      ('checksum', False), ('autoflush', False), ('level', 0),
                                      ('block_checksum', False), ('workers', 0), ('seek_table', 0)]
    assert params(decompress_update) == [('ctx', empty), ('b', empty), ('chunk_len', 65536)]
    assert params(lz4framed.Compressor) == [('fp', None), ('block_size_id', 0), ('block_mode_linked', True),
                                            ('checksum', False), ('autoflush', False), ('level', 0),
                                            ('block_checksum', False), ('workers', 0), ('seek_table', 0)]
    assert params(lz4framed.unmarshal_decompression_checksum_context) == [('ctx', empty), ('checksum', empty)]


def test_get_block_size():
    with pytest.raises(TypeError):
        get_block_size('1')
    with pytest.raises(TypeError):
        get_block_size(4, 5)
    with pytest.raises(ValueError, match=r'id \(1\) invalid'):
        get_block_size(1)
    assert get_block_size() == get_block_size(LZ4F_BLOCKSIZE_DEFAULT) == 65536
    for size in (LZ4F_BLOCKSIZE_MAX64KB, LZ4F_BLOCKSIZE_MAX256KB, LZ4F_BLOCKSIZE_MAX1MB, LZ4F_BLOCKSIZE_MAX4MB):
        assert get_block_size(size) == 1 << (8 + 2 * size)


def test_contexts_are_checked():
    cctx, dctx = create_compression_context(), create_decompression_context()
    for func, args in ((compress_begin, (dctx,)), (compress_update, (dctx, b' ')), (compress_end, (dctx,)),
                       (decompress_update, (cctx, b' ')), (get_frame_info, (cctx,)),
                       (lz4framed.clone_decompression_context, (cctx,)),
                       (lz4framed.marshal_decompression_context, (None,)),
                       (lz4framed.marshal_decompression_checksum_context, ('x',)),
                       (lz4framed.unmarshal_decompression_checksum_context, (cctx, b'')),
                       (lz4framed.decompress_dump, (cctx,))):
        with pytest.raises(ValueError, match='ctx invalid'):
            func(*args)
    with pytest.raises(TypeError):
        compress_update()
    with pytest.raises(TypeError):
        compress_update(cctx)
    with pytest.raises(TypeError):
        decompress_update(dctx)


def _stream_compress(data, piece=1024, **kwargs):
    ctx = create_compression_context()
    header = compress_begin(ctx, **kwargs)
    assert 7 <= len(header) <= 19
    out = BytesIO(header)
    out.seek(0, 2)
    source = BytesIO(data)
    try:
        while True:
            out.write(compress_update(ctx, source.read(piece)))
    except Lz4FramedNoDataError:
        pass
    out.write(compress_end(ctx))
    return out.getvalue()


@pytest.mark.parametrize('kwargs', [
    dict(), dict(block_size_id=LZ4F_BLOCKSIZE_MAX4MB), dict(block_mode_linked=False), dict(checksum=True),
    dict(block_checksum=True), dict(autoflush=True), dict(level=9), dict(level=-5),
])
def test_streaming_compression(kwargs):
    frame = _stream_compress(DATA, **kwargs)
    assert decompress(frame) == DATA
    assert decompress(_stream_compress(memoryview(DATA), piece=70000, **kwargs)) == DATA


def test_autoflush_returns_data_at_once():
    ctx = create_compression_context()
    compress_begin(ctx)
    assert compress_update(ctx, SHORT) == b''  # held: less than a block
    ctx = create_compression_context()
    header = compress_begin(ctx, autoflush=True)
    first = compress_update(ctx, SHORT)
    assert first
    dctx = create_decompression_context()
    assert b''.join(decompress_update(dctx, header + first)[:-1]) == SHORT


def test_compress_context_errors_and_reuse():
    ctx = create_compression_context()
    with raises_lz4(lz4framed.LZ4F_ERROR_GENERIC, 'ERROR_GENERIC'):
        compress_update(ctx, b' ')
    with raises_lz4(lz4framed.LZ4F_ERROR_GENERIC):
        compress_end(ctx)
    header = compress_begin(ctx)
    with pytest.raises(TypeError):
        compress_update(ctx, 1)
    with pytest.raises(Lz4FramedNoDataError):
        compress_update(ctx, b'')
    assert decompress(header + compress_end(ctx)) == b''
    # After the end the context begins the next frame.
    with raises_lz4(lz4framed.LZ4F_ERROR_GENERIC):
        compress_update(ctx, b'x')
    header = compress_begin(ctx, checksum=True)
    assert decompress(header + compress_update(ctx, SHORT) + compress_end(ctx)) == SHORT
    with pytest.raises(ValueError):
        compress_begin(ctx, block_size_id=-1)
    with pytest.raises(ValueError):
        compress_begin(ctx, level=LZ4F_COMPRESSION_MAX + 1)
    with pytest.raises(TypeError):
        compress_begin(ctx, block_mode_linked=None)
    for level in range(-10, LZ4F_COMPRESSION_MAX + 1):
        compress_begin(ctx, level=level)


def test_decompress_update_chunks_and_hint():
    ctx = create_decompression_context()
    with pytest.raises(TypeError):
        decompress_update(ctx, b' ', chunk_len='1')
    with pytest.raises(ValueError, match='chunk_len invalid'):
        decompress_update(ctx, b' ', chunk_len=0)
    with pytest.raises(Lz4FramedNoDataError):
        decompress_update(ctx, b'')
    frame = compress(DATA, checksum=True)
    ret = decompress_update(ctx, frame[:60000], chunk_len=2)
    hint = ret.pop()
    assert hint > 0
    assert ret and all(1 <= len(chunk) <= 2 for chunk in ret)
    out = b''.join(ret)
    pos = 60000
    while hint:
        ret = decompress_update(ctx, frame[pos:pos + hint], chunk_len=10000)
        pos += hint
        hint = ret.pop()
        assert all(1 <= len(chunk) <= 10000 for chunk in ret)
        out += b''.join(ret)
    assert pos == len(frame) and out == DATA


def test_decompress_update_byte_by_byte():
    frame = compress(SHORT * 20, block_checksum=True, checksum=True)
    ctx = create_decompression_context()
    out = []
    for i in range(len(frame)):
        ret = decompress_update(ctx, frame[i:i + 1])
        out.extend(ret[:-1])
        assert ret[-1] == (0 if i == len(frame) - 1 else ret[-1]) and (ret[-1] > 0) == (i < len(frame) - 1)
    assert b''.join(out) == SHORT * 20


def test_decompress_update_all_frames_and_memoryview():
    ctx = create_decompression_context()
    ret = decompress_update(ctx, memoryview(compress(DATA) + compress(SHORT)))
    assert ret.pop() == 0
    assert b''.join(ret) == DATA + SHORT
    # The context goes on with a frame that comes later.
    ret = decompress_update(ctx, bytearray(compress(SHORT)))
    assert ret == [SHORT, 0]


def test_decompress_update_errors_are_sticky():
    frame = compress(DATA, checksum=True)
    ctx = create_decompression_context()
    decompress_update(ctx, frame[:512])
    with pytest.raises(Lz4FramedError):
        decompress_update(ctx, frame)  # the frame start again, in the middle of a block
    with pytest.raises(Lz4FramedError):
        decompress_update(ctx, frame[512:])
    ctx = create_decompression_context()
    with raises_lz4(lz4framed.LZ4F_ERROR_contentChecksum_invalid):
        decompress_update(ctx, frame[:-4] + b'1234')
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown):
        decompress_update(create_decompression_context(), b'not lz4 at all')


def test_get_frame_info():
    with pytest.raises(TypeError):
        get_frame_info()
    ctx = create_decompression_context()
    with raises_lz4(lz4framed.LZ4F_ERROR_srcPtr_wrong):
        get_frame_info(ctx)
    args = {'checksum': True, 'block_size_id': LZ4F_BLOCKSIZE_MAX256KB, 'block_mode_linked': False}
    frame = compress(DATA, **args)
    decompress_update(ctx, frame[:5])
    with raises_lz4(lz4framed.LZ4F_ERROR_frameDecoding_alreadyStarted):
        get_frame_info(ctx)
    decompress_update(ctx, frame[5:15])
    info = get_frame_info(ctx)
    assert info.pop('input_hint') > 0
    args['length'] = len(DATA)
    assert info == args
    # Streaming frames declare no length.
    ctx = create_decompression_context()
    decompress_update(ctx, _stream_compress(SHORT)[:15])
    assert get_frame_info(ctx)['length'] == 0
    assert get_frame_info(ctx)['block_size_id'] == LZ4F_BLOCKSIZE_MAX64KB
    # Between frames there is no frame info again.
    ctx = create_decompression_context()
    decompress_update(ctx, compress(SHORT))
    with raises_lz4(lz4framed.LZ4F_ERROR_srcPtr_wrong):
        get_frame_info(ctx)


def test_error_str_and_attributes():
    try:
        decompress(b'invalidheader')
    except Lz4FramedError as ex:
        assert ex.args == ('ERROR_frameType_unknown', lz4framed.LZ4F_ERROR_frameType_unknown)
        assert ex.status == lz4framed.LZ4FRAMED_ERROR_BAD_MAGIC
        assert 'ERROR_frameType_unknown' in str(ex) and ex.message in str(ex)
    assert issubclass(lz4framed.Lz4FramedNoDataError, Lz4FramedError)


def test_decompression_context_properties():
    frame = compress(DATA)
    ctx = create_decompression_context()
    assert (ctx.input_consumed, ctx.output_produced, ctx.frames_done) == (0, 0, 0)
    assert ctx.at_frame_boundary and ctx.at_block_boundary and ctx.input_hint == 4
    out = decompress_update(ctx, frame[:1000])
    assert ctx.input_consumed == 1000 and ctx.output_produced == sum(map(len, out[:-1]))
    assert not ctx.at_frame_boundary
    decompress_update(ctx, frame[1000:])
    assert ctx.frames_done == 1 and ctx.at_frame_boundary and ctx.output_produced == len(DATA)


def test_decompress_dump(capsys):
    ctx = create_decompression_context()
    decompress_update(ctx, compress(DATA)[:100])
    assert lz4framed.decompress_dump(ctx) is None
    err = capsys.readouterr().err
    assert err.startswith('StateDump: ') and 'input_consumed=100' in err and 'frame.block_size_id=4' in err


def test_no_memory_leaks():
    # Results are bytes objects filled in place through the C API: a wrong
    # reference count would keep every output alive (or crash).
    import gc
    import tracemalloc
    frame = compress(DATA)

    def once():
        decompress(frame)
        compress(DATA[:50000])
        ctx = create_decompression_context()
        decompress_update(ctx, frame[:70000], chunk_len=30000)
        lz4framed.unmarshal_decompression_context(lz4framed.marshal_decompression_context(ctx))
        list(lz4framed.Decompressor(BytesIO(frame)))
        with pytest.raises(ValueError):
            decompress(frame[:-3])
        with pytest.raises(Lz4FramedError):
            decompress_update(create_decompression_context(), b'garbage')
        compressor = lz4framed.Compressor()
        compressor.update(DATA[:1000])
        compressor.end()
    for _ in range(5):
        once()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(50):
            once()
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # One leaked output alone would be 300 KiB.
    assert growth < 64 * 1024, growth
