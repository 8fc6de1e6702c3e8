"""Compressor and Decompressor."""

from io import BytesIO

import pytest

import lz4framed
from lz4framed import (LZ4F_BLOCKSIZE_MAX1MB, Compressor, Decompressor, Lz4FramedNoDataError,
                       compress, decompress)

from conftest import DATA, SHORT, raises_lz4


def _compress_to(fp_or_none, data, piece=1024, **kwargs):
    compressor = Compressor(fp_or_none, **kwargs)
    out = []
    for i in range(0, len(data), piece):
        out.append(compressor.update(data[i:i + piece]))
    out.append(compressor.end())
    return out


def test_compressor_arguments():
    with pytest.raises(AttributeError, match="has no attribute 'write'"):
        Compressor('1')

    class NotCallable(object):
        write = 1
    with pytest.raises(TypeError, match='fp.write not callable'):
        Compressor(NotCallable())
    with pytest.raises(ValueError, match='Context only usable when fp supplied'):
        with Compressor():
            pass
    with pytest.raises(ValueError):
        Compressor(block_size_id=2)
    with pytest.raises(TypeError):
        Compressor(checksum=None)


def test_compressor_returning_data():
    out = _compress_to(None, DATA)
    assert all(isinstance(part, bytes) for part in out)
    assert decompress(b''.join(out)) == DATA
    compressor = Compressor()
    with pytest.raises(Lz4FramedNoDataError):
        compressor.update(b'')


@pytest.mark.parametrize('kwargs', [dict(), dict(checksum=True), dict(autoflush=True), dict(level=9),
                                    dict(block_size_id=LZ4F_BLOCKSIZE_MAX1MB, block_mode_linked=False),
                                    dict(block_checksum=True)])
def test_compressor_to_file(kwargs):
    out = BytesIO()
    with Compressor(out, **kwargs) as compressor:
        source = BytesIO(DATA)
        try:
            while True:
                assert compressor.update(source.read(4096)) is None
        except Lz4FramedNoDataError:
            pass
    assert decompress(out.getvalue()) == DATA


def test_compressor_context_ends_frame_only_on_success():
    out = BytesIO()
    with pytest.raises(RuntimeError):
        with Compressor(out) as compressor:
            compressor.update(DATA)
            raise RuntimeError('source failed')
    # The frame was not ended: the output is recognisably incomplete.
    with pytest.raises(ValueError, match='frame incomplete'):
        decompress(out.getvalue())


def test_compressor_end_without_update_is_a_valid_frame():
    assert decompress(Compressor().end()) == b''
    out = BytesIO()
    with Compressor(out):
        pass
    assert decompress(out.getvalue()) == b''


def test_compressor_continues_with_a_new_frame_after_end():
    compressor = Compressor(checksum=True)
    first = compressor.update(SHORT) + compressor.end()
    second = compressor.update(DATA) + compressor.end()
    assert decompress(first) == SHORT and decompress(second) == DATA
    assert decompress(first + second) == SHORT + DATA


def test_decompressor_arguments():
    with pytest.raises(TypeError):
        Decompressor(None)
    with pytest.raises(AttributeError):
        Decompressor('1')

    class NotCallable(object):
        read = 1
    with pytest.raises(TypeError, match='fp.read not callable'):
        Decompressor(NotCallable())
    decomp = Decompressor(BytesIO())
    with pytest.raises(TypeError):
        decomp.setfp(None)
    with pytest.raises(ValueError, match='ctx invalid'):
        decomp.setctx(lz4framed.create_compression_context())


@pytest.mark.parametrize('kwargs', [dict(), dict(level=9), dict(checksum=True, block_checksum=True),
                                    dict(block_size_id=LZ4F_BLOCKSIZE_MAX1MB, block_mode_linked=False)])
def test_decompressor(kwargs):
    frame = compress(DATA, **kwargs)
    decomp = Decompressor(BytesIO(frame))
    assert decomp.frame_info is None and decomp.data_read == 0
    chunks = list(decomp)
    assert b''.join(chunks) == DATA
    block = lz4framed.get_block_size(kwargs.get('block_size_id', 0))
    assert all(len(chunk) <= block for chunk in chunks)
    assert decomp.data_read == len(frame)
    info = dict(decomp.frame_info)
    assert info.pop('input_hint') > 0
    assert info == dict(length=len(DATA), block_size_id=kwargs.get('block_size_id', 4),
                        block_mode_linked=kwargs.get('block_mode_linked', True),
                        checksum=kwargs.get('checksum', False))
    # Iterating again after the end yields nothing.
    assert list(decomp) == []


def test_decompressor_reads_only_what_it_needs():
    reads = []

    class Source(object):
        def __init__(self, data):
            self.data = BytesIO(data)

        def read(self, size):
            reads.append(size)
            return self.data.read(size)
    frame = compress(DATA, block_mode_linked=False)
    source = Source(frame + b'trailing data that is not read')
    assert b''.join(Decompressor(source, single_frame=True)) == DATA
    assert source.data.tell() == len(frame)
    assert sum(reads) == len(frame) and max(reads) <= 65536 + 4


def test_decompressor_decodes_all_frames():
    frames = compress(DATA) + compress(SHORT, checksum=True) + compress(DATA[:70000], level=9)
    decomp = Decompressor(BytesIO(frames))
    assert b''.join(decomp) == DATA + SHORT + DATA[:70000]
    assert decomp.data_read == len(frames)
    assert decomp.ctx.frames_done == 3
    assert decomp.frame_info['length'] == 70000
    # single_frame stops after the first.
    decomp = Decompressor(BytesIO(frames), single_frame=True)
    assert b''.join(decomp) == DATA
    assert decomp.data_read == len(compress(DATA))


def test_decompressor_runs_dry():
    frame = compress(DATA)
    out = BytesIO()
    decomp = Decompressor(BytesIO(frame[:-32]))
    with pytest.raises(Lz4FramedNoDataError):
        for chunk in decomp:
            out.write(chunk)
    assert out.tell() > 0
    assert decomp.data_read == len(frame) - 32
    # An empty source holds no frame at all.
    with pytest.raises(Lz4FramedNoDataError):
        list(Decompressor(BytesIO(b'')))
    # Data after the frames that is not a frame is an error.
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown):
        list(Decompressor(BytesIO(frame + b'garbage')))


def test_decompressor_corrupt_data():
    frame = compress(DATA, checksum=True)
    with raises_lz4(lz4framed.LZ4F_ERROR_contentChecksum_invalid):
        list(Decompressor(BytesIO(frame[:-1] + bytes([frame[-1] ^ 1]))))
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown):
        list(Decompressor(BytesIO(b'definitely not lz4')))


def test_decompressor_accepts_other_bytes_like_reads():
    frame = compress(DATA)

    class ByteArraySource(object):
        def __init__(self):
            self.data = BytesIO(frame)

        def read(self, size):
            return bytearray(self.data.read(size))
    assert b''.join(Decompressor(ByteArraySource())) == DATA


def test_decompressor_with_skippable_and_legacy_frames():
    skippable = b'\x50\x2a\x4d\x18' + (3).to_bytes(4, 'little') + b'abc'
    frames = skippable + compress(SHORT) + skippable
    assert b''.join(Decompressor(BytesIO(frames))) == SHORT
