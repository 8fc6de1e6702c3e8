"""compress() and decompress()."""

import array
import subprocess

import pytest

import lz4framed
from lz4framed import (LZ4F_BLOCKSIZE_DEFAULT, LZ4F_BLOCKSIZE_MAX1MB, LZ4F_BLOCKSIZE_MAX256KB,
                       LZ4F_BLOCKSIZE_MAX4MB, LZ4F_BLOCKSIZE_MAX64KB, LZ4F_COMPRESSION_MAX, Lz4FramedError,
                       Lz4FramedNoDataError, compress, decompress)

from conftest import DATA, SHORT, raises_lz4

BLOCK_SIZES = (LZ4F_BLOCKSIZE_DEFAULT, LZ4F_BLOCKSIZE_MAX64KB, LZ4F_BLOCKSIZE_MAX256KB, LZ4F_BLOCKSIZE_MAX1MB,
               LZ4F_BLOCKSIZE_MAX4MB)


def test_roundtrip_defaults():
    assert decompress(compress(SHORT)) == SHORT
    assert decompress(compress(DATA)) == DATA
    assert len(compress(DATA)) < len(DATA) * 0.7


@pytest.mark.parametrize('block_size_id', BLOCK_SIZES)
@pytest.mark.parametrize('linked', (True, False))
def test_roundtrip_block_settings(block_size_id, linked):
    frame = compress(DATA, block_size_id=block_size_id, block_mode_linked=linked)
    assert decompress(frame) == DATA


@pytest.mark.parametrize('checksum', (False, True))
@pytest.mark.parametrize('block_checksum', (False, True))
def test_roundtrip_checksums(checksum, block_checksum):
    frame = compress(DATA, checksum=checksum, block_checksum=block_checksum)
    assert decompress(frame) == DATA
    plain = compress(DATA)
    assert len(frame) == len(plain) + 4 * checksum + 4 * block_checksum * (len(DATA) // 65536 + 1)


def test_levels():
    for level in range(-10, LZ4F_COMPRESSION_MAX + 1):
        assert decompress(compress(SHORT * 50, level=level)) == SHORT * 50
    fast, hc = compress(DATA, level=0), compress(DATA, level=9)
    assert len(hc) < len(fast)
    assert decompress(hc) == DATA
    # Strong acceleration compresses worse but still round-trips.
    assert decompress(compress(DATA, level=-1000)) == DATA
    assert decompress(compress(DATA, level=-2 ** 31)) == DATA


def test_argument_types_and_values():
    with pytest.raises(TypeError):
        compress()
    with pytest.raises(TypeError):
        compress(SHORT, block_size_id='1')
    with pytest.raises(TypeError):
        compress(SHORT, block_mode_linked=None)
    with pytest.raises(TypeError):
        compress(SHORT, checksum=None)
    with pytest.raises(TypeError):
        compress(SHORT, block_checksum=None)
    with pytest.raises(TypeError):
        compress(SHORT, level='1')
    with pytest.raises(TypeError):
        compress(SHORT, level=1.5)
    with pytest.raises(TypeError):
        compress('text is not bytes')
    with pytest.raises(ValueError, match=r'block_size_id \(-1\) invalid'):
        compress(SHORT, block_size_id=-1)
    with pytest.raises(ValueError, match=r'block_size_id \(3\) invalid'):
        compress(SHORT, block_size_id=3)
    with pytest.raises(ValueError, match=r'level \(13\) invalid'):
        compress(SHORT, level=LZ4F_COMPRESSION_MAX + 1)
    with pytest.raises(OverflowError):
        compress(SHORT, level=2 ** 40)
    with pytest.raises(TypeError):
        decompress()
    with pytest.raises(TypeError):
        decompress(compress(SHORT), buffer_size='1')
    with pytest.raises(ValueError, match=r'buffer_size \(0\) invalid'):
        decompress(compress(SHORT), buffer_size=0)


def test_empty_input_is_no_data():
    for func in (compress, decompress):
        for empty in (b'', bytearray(), memoryview(b'')):
            with pytest.raises(Lz4FramedNoDataError):
                func(empty)
    # The no-data error is also a Lz4FramedError, without arguments.
    with pytest.raises(Lz4FramedError) as info:
        compress(b'')
    assert info.value.args == ()


def test_bytes_like_inputs():
    frame = compress(DATA)
    for wrap in (bytearray, memoryview, lambda b: memoryview(bytearray(b)), lambda b: array.array('B', b)):
        assert compress(wrap(DATA)) == frame
        assert decompress(wrap(frame)) == DATA
    # A slice of a memoryview is read from its own offset.
    assert decompress(memoryview(b'xx' + frame + b'yy')[2:-2]) == DATA
    with pytest.raises(ValueError, match='input not contiguous'):
        compress(memoryview(DATA)[::2])
    with pytest.raises(ValueError, match='input not contiguous'):
        decompress(memoryview(frame)[::2])


def test_buffer_size_is_only_a_hint():
    # A frame from the streaming API declares no content size, so the
    # output grows from buffer_size.
    ctx = lz4framed.create_compression_context()
    frame = lz4framed.compress_begin(ctx) + lz4framed.compress_update(ctx, DATA) + lz4framed.compress_end(ctx)
    for buffer_size in (1, 7, 1000, 65536, 10 ** 7):
        assert decompress(frame, buffer_size=buffer_size) == DATA


def test_concatenated_frames_are_all_decoded():
    parts = [DATA[:1000], DATA[1000:200000], b'x', DATA[200000:]]
    frames = [compress(parts[0]), compress(parts[1], checksum=True),
              compress(parts[2], block_mode_linked=False), compress(parts[3], level=9)]
    assert decompress(b''.join(frames)) == b''.join(parts)
    # An empty frame between others contributes nothing.
    ctx = lz4framed.create_compression_context()
    empty = lz4framed.compress_begin(ctx) + lz4framed.compress_end(ctx)
    assert decompress(frames[0] + empty + frames[2]) == parts[0] + parts[2]
    assert decompress(empty) == b''


def test_skippable_frames_are_skipped():
    skippable = b'\x5a\x2a\x4d\x18' + (5).to_bytes(4, 'little') + b'hello'
    assert decompress(skippable + compress(SHORT) + skippable) == SHORT


def test_invalid_and_truncated_input():
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown, 'ERROR_frameType_unknown'):
        decompress(b'invalidheader')
    frame = compress(SHORT * 100, checksum=True)
    with pytest.raises(ValueError, match='frame incomplete'):
        decompress(frame[:-5])
    with raises_lz4(lz4framed.LZ4F_ERROR_frameHeader_incomplete):
        decompress(frame[:5])
    with raises_lz4(lz4framed.LZ4F_ERROR_contentChecksum_invalid, 'ERROR_contentChecksum_invalid'):
        decompress(frame[:-1] + bytes([frame[-1] ^ 1]))
    with raises_lz4(lz4framed.LZ4F_ERROR_headerChecksum_invalid):
        decompress(frame[:6] + bytes([frame[6] ^ 0xFF]) + frame[7:])
    # Valid frame followed by garbage: the garbage is reported.
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown):
        decompress(frame + b'garbage!')


def test_corrupt_block_and_checksums():
    frame = compress(DATA, block_checksum=True)
    damaged = bytearray(frame)
    damaged[len(frame) // 2] ^= 0x55
    with raises_lz4(lz4framed.LZ4F_ERROR_blockChecksum_invalid):
        decompress(bytes(damaged))
    # With only a content checksum any damage is still detected: as a
    # corrupt block, a size mismatch or a checksum mismatch.
    frame = compress(DATA, checksum=True)
    for offset in (20, 100, len(frame) // 3, len(frame) - 10):
        damaged = bytearray(frame)
        damaged[offset] ^= 0xFF
        with pytest.raises(Lz4FramedError) as info:
            decompress(bytes(damaged))
        assert info.value.args[1] in (lz4framed.LZ4F_ERROR_GENERIC, lz4framed.LZ4F_ERROR_decompressionFailed,
                                      lz4framed.LZ4F_ERROR_frameSize_wrong,
                                      lz4framed.LZ4F_ERROR_maxBlockSize_invalid,
                                      lz4framed.LZ4F_ERROR_contentChecksum_invalid), info.value.args


def test_crafted_content_size_does_not_allocate_it():
    # A header declaring 2**62 bytes of content must not make decompress()
    # try to allocate that much: the real data decides, and the mismatch is
    # reported. The header checksum byte is found by trying all 256 values.
    frame = compress(SHORT)
    assert frame[4] & 0x08, 'compress() declares the content size'
    forged = frame[:6] + (2 ** 62).to_bytes(8, 'little')
    codes = set()
    for hc in range(256):
        try:
            decompress(forged + bytes([hc]) + frame[15:])
        except Lz4FramedError as ex:
            codes.add(ex.args[1])
    assert codes == {lz4framed.LZ4F_ERROR_headerChecksum_invalid, lz4framed.LZ4F_ERROR_frameSize_wrong}


def test_interoperates_with_lz4_tool(lz4_tool):
    frame = compress(DATA, checksum=True, block_checksum=True)
    out = subprocess.run(['lz4', '-dc'], input=frame, stdout=subprocess.PIPE, check=True).stdout
    assert out == DATA
    theirs = subprocess.run(['lz4', '-c', '-BD', '--content-size'], input=DATA, stdout=subprocess.PIPE,
                            check=True).stdout
    assert decompress(theirs) == DATA
    legacy = subprocess.run(['lz4', '-c', '-l'], input=DATA, stdout=subprocess.PIPE, check=True).stdout
    assert decompress(legacy) == DATA


def test_portable_buffer_path(monkeypatch):
    # Interpreters where bytes cannot be filled in place use bytearrays and
    # copies; the results must be the same.
    import lz4framed._native as native
    from io import BytesIO
    frame = compress(DATA, checksum=True)
    monkeypatch.setattr(native, 'BYTES_OFFSET', None)
    assert compress(DATA, checksum=True) == frame
    assert decompress(frame) == DATA and decompress(bytearray(frame)) == DATA
    assert b''.join(lz4framed.Decompressor(BytesIO(frame))) == DATA
    ctx = lz4framed.create_decompression_context()
    out = lz4framed.decompress_update(ctx, frame[:100000], chunk_len=5000)
    ctx = lz4framed.unmarshal_decompression_context(lz4framed.marshal_decompression_context(ctx))
    out = out[:-1] + lz4framed.decompress_update(ctx, frame[100000:])
    assert b''.join(out[:-1]) == DATA and out[-1] == 0
    cctx = lz4framed.create_compression_context()
    assert decompress(lz4framed.compress_begin(cctx) + lz4framed.compress_update(cctx, DATA) +
                      lz4framed.compress_end(cctx)) == DATA
