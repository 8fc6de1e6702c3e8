"""Damaged LZ4 frames and the operations the error-code tests run on them.

This module imports neither this package nor py-lz4framed: the optional
comparison test runs it in an interpreter that has py-lz4framed 0.14.0
installed (see test_errors.py), feeding it the same inputs.
"""

import io
import pickle
import struct
import sys

MAGIC = 0x184D2204
LEGACY_MAGIC = 0x184C2102
SKIPPABLE_MAGIC = 0x184D2A50

_P1, _P2, _P3, _P4, _P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
_M32 = 0xFFFFFFFF


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & _M32


def xxh32(data, seed=0):
    """XXH32 in plain Python: for the header checksums of forged headers."""
    n = len(data)
    i = 0
    if n >= 16:
        v = [(seed + _P1 + _P2) & _M32, (seed + _P2) & _M32, seed & _M32, (seed - _P1) & _M32]
        while i + 16 <= n:
            for k in range(4):
                lane = struct.unpack_from('<I', data, i + 4 * k)[0]
                v[k] = (_rotl((v[k] + lane * _P2) & _M32, 13) * _P1) & _M32
            i += 16
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & _M32
    else:
        h = (seed + _P5) & _M32
    h = (h + n) & _M32
    while i + 4 <= n:
        h = (_rotl((h + struct.unpack_from('<I', data, i)[0] * _P3) & _M32, 17) * _P4) & _M32
        i += 4
    while i < n:
        h = (_rotl((h + data[i] * _P5) & _M32, 11) * _P1) & _M32
        i += 1
    h ^= h >> 15
    h = (h * _P2) & _M32
    h ^= h >> 13
    h = (h * _P3) & _M32
    h ^= h >> 16
    return h


def header_len(frame):
    flg = frame[4]
    return 7 + (8 if flg & 0x08 else 0) + (4 if flg & 0x01 else 0)


def with_descriptor(frame, descriptor, fix_checksum=True):
    """frame with its descriptor (FLG .. before the header checksum) replaced."""
    old = header_len(frame)
    hc = (xxh32(bytes(descriptor)) >> 8) & 0xFF if fix_checksum else frame[old - 1] ^ 0x5A
    return frame[:4] + bytes(descriptor) + bytes([hc]) + frame[old:]


def with_bits(frame, flg_or=0, flg_and=0xFF, bd_or=0, bd_and=0xFF, fix_checksum=True):
    d = bytearray(frame[4:header_len(frame) - 1])
    d[0] = (d[0] & flg_and) | flg_or
    d[1] = (d[1] & bd_and) | bd_or
    return with_descriptor(frame, d, fix_checksum)


def blocks(frame):
    """(offset of the size field, size, compressed) for every block."""
    flg = frame[4]
    pos = header_len(frame)
    out = []
    while True:
        (word,) = struct.unpack_from('<I', frame, pos)
        if word == 0:
            return out
        size = word & 0x7FFFFFFF
        out.append((pos, size, not word & 0x80000000))
        pos += 4 + size + (4 if flg & 0x10 else 0)


def corrupt_block(frame, index):
    """The frame with the data of compressed block `index` overwritten by
    0xFF bytes: an LZ4 block whose literal run reaches past its end."""
    pos, size, compressed = blocks(frame)[index]
    assert compressed, 'the block must be compressed'
    return frame[:pos + 4] + b'\xff' * size + frame[pos + 4 + size:]


def with_content_size(frame, size):
    d = bytearray(frame[4:header_len(frame) - 1])
    assert d[0] & 0x08
    d[2:10] = struct.pack('<Q', size)
    return with_descriptor(frame, d)


def with_dict_id(frame, dict_id=0x01020304):
    d = bytearray(frame[4:header_len(frame) - 1])
    assert not d[0] & 0x01
    d[0] |= 0x01
    d += struct.pack('<I', dict_id)
    return with_descriptor(frame, d)


def build_cases(frames):
    """name -> input. `frames` holds valid frames, made by whichever package
    runs the test (see test_errors.make_frames)."""
    big64 = frames['independent_64k']          # content size declared, 64 KiB blocks
    big4m = frames['independent_4m']           # content size declared, 4 MiB blocks
    stream = frames['stream_64k']              # no content size
    small = frames['small']                    # content size declared, one block
    summed = frames['checksums']               # content and block checksums
    bad_content = bytearray(summed)
    bad_content[-1] ^= 0x01
    bad_block = bytearray(summed)
    first_pos, first_size, _ = blocks(summed)[0]
    bad_block[first_pos + 4 + first_size] ^= 0x01
    n64 = len(blocks(big64))
    too_large = bytearray(stream)
    too_large[header_len(stream):header_len(stream) + 4] = struct.pack('<I', 65537)
    too_large_raw = bytearray(stream)
    too_large_raw[header_len(stream):header_len(stream) + 4] = struct.pack('<I', 0x80000000 | 65537)
    skippable = struct.pack('<II', SKIPPABLE_MAGIC, 100) + b'x' * 10
    cases = {
        'corrupt_first_block_64k': corrupt_block(big64, 0),
        'corrupt_last_block_64k': corrupt_block(big64, n64 - 1),
        'corrupt_block_small': corrupt_block(small, 0),
        'corrupt_block_4m': corrupt_block(big4m, 0),
        'corrupt_first_block_no_size': corrupt_block(stream, 0),
        'corrupt_second_block_no_size': corrupt_block(stream, 1),
        'corrupt_third_block_no_size': corrupt_block(stream, 2),
        'corrupt_block_with_dict_id': corrupt_block(with_dict_id(small), 0),
        'bad_magic': b'invalidheader',
        'bad_magic_4_bytes': b'abcd',
        'bad_magic_2_bytes': b'ab',
        'zeros': b'\x00' * 12,
        'bad_header_checksum': with_bits(small, fix_checksum=False),
        'bad_content_checksum': bytes(bad_content),
        'bad_block_checksum': bytes(bad_block),
        'reserved_flg_bit': with_bits(small, flg_or=0x02),
        'reserved_flg_bit_bad_checksum': with_bits(small, flg_or=0x02, fix_checksum=False),
        'reserved_bd_high_bit': with_bits(small, bd_or=0x80),
        'reserved_bd_low_bit': with_bits(small, bd_or=0x01),
        'version_0': with_bits(small, flg_and=0x3F),
        'version_2': with_bits(small, flg_and=0x3F, flg_or=0x80),
        'version_3': with_bits(small, flg_or=0xC0),
        'version_0_and_reserved_flg_bit': with_bits(small, flg_and=0x3F, flg_or=0x02),
        'block_size_id_0': with_bits(small, bd_and=0x8F),
        'block_size_id_3': with_bits(small, bd_and=0x8F, bd_or=0x30),
        'block_size_id_2_and_reserved_bd_low_bit': with_bits(small, bd_and=0x8F, bd_or=0x21),
        'block_size_id_2_and_reserved_bd_high_bit': with_bits(small, bd_and=0x8F, bd_or=0xA0),
        'block_too_large': bytes(too_large),
        'uncompressed_block_too_large': bytes(too_large_raw),
        'content_size_too_large': with_content_size(small, len(frames['small_content']) + 1),
        'content_size_too_small': with_content_size(small, len(frames['small_content']) - 1),
        'content_size_far_too_small': with_content_size(big64, 1000),
        'dict_id_not_used': with_dict_id(small),
        'truncated_3': small[:3],
        'truncated_5': small[:5],
        'truncated_6': small[:6],
        'truncated_in_header': small[:header_len(small) - 1],
        'truncated_after_header': small[:header_len(small)],
        'truncated_in_block_header': small[:header_len(small) + 2],
        'truncated_in_block': small[:header_len(small) + 30],
        'truncated_before_end_mark': summed[:-8],
        'truncated_in_content_checksum': summed[:-2],
        'truncated_bad_version_5': with_bits(small, flg_and=0x3F)[:5],
        'truncated_skippable': skippable,
        'truncated_skippable_header': skippable[:6],
    }
    if 'dict' in frames:
        cases['dictionary_frame'] = frames['dict']
    return cases


# Operations: name -> function(module, data) -> output bytes. The module is
# py-lz4framed's or this package's (the same API).

def _decompress(m, data):
    return m.decompress(data)


def _decompress_big_buffer(m, data):
    return m.decompress(data, buffer_size=1 << 20)


def _update(chunk_len, piece=None):
    def run(m, data):
        ctx = m.create_decompression_context()
        out = []
        step = piece or len(data)
        for at in range(0, len(data), step):
            result = m.decompress_update(ctx, data[at:at + step], chunk_len)
            out.extend(result[:-1])
        return b''.join(out)
    return run


def _decompressor(m, data):
    return b''.join(m.Decompressor(io.BytesIO(data)))


def _frame_info(m, data):
    ctx = m.create_decompression_context()
    m.decompress_update(ctx, data, 1 << 22)
    return repr(sorted(m.get_frame_info(ctx).items())).encode()


OPERATIONS = {
    'decompress': _decompress,
    'decompress_big_buffer': _decompress_big_buffer,
    'update': _update(65536),
    'update_chunk_4m': _update(4 << 20),
    'update_chunk_1000': _update(1000),
    'update_pieces_7': _update(65536, 7),
    'update_pieces_5000': _update(65536, 5000),
    'decompressor': _decompressor,
    'frame_info': _frame_info,
}


def outcome(module, operation, data):
    """('ok', output) or ('raise', names of the exception's classes (its
    own first), args)."""
    try:
        return ('ok', OPERATIONS[operation](module, data))
    except Exception as ex:  # noqa: BLE001 - every outcome is recorded
        return ('raise', tuple(c.__name__ for c in type(ex).__mro__),
                tuple(a if isinstance(a, (int, str)) else repr(a) for a in ex.args))


def reference_main():
    """Reads pickled [(case, operation, data)] from stdin, writes pickled
    outcomes of the lz4framed module importable here."""
    import lz4framed
    import warnings
    warnings.simplefilter('ignore')
    jobs = pickle.load(sys.stdin.buffer)
    results = {(case, op): outcome(lz4framed, op, data) for case, op, data in jobs}
    pickle.dump((lz4framed.__version__, results), sys.stdout.buffer)


if __name__ == '__main__':
    reference_main()
