"""Error codes as py-lz4framed 0.14.0 raised them, row by row of the table
in python/README.md (section Errors).

The expected codes below were taken from py-lz4framed 0.14.0 (built from
its sdist, liblz4 1.9.2) run on the same inputs (lz4f_cases.py), except the
entries in DIFFERENCES, which are this package's documented behaviour.
test_same_codes_as_py_lz4framed repeats that comparison when an interpreter
with py-lz4framed 0.14.0 is named by LZ4FRAMED_REFERENCE_PYTHON; otherwise
it is skipped (also in CI: it is an optional comparison, py-lz4framed is no
dependency of this project).
"""

import ctypes
import io
import os
import pickle
import subprocess
import sys

import pytest

import lz4framed
from lz4framed import _native as native

import lz4f_cases
from conftest import make_data

OPS = tuple(lz4f_cases.OPERATIONS)
ONESHOT = ('decompress', 'decompress_big_buffer')
UPDATE = ('update', 'update_chunk_4m', 'update_chunk_1000', 'update_pieces_7', 'update_pieces_5000')
INCOMPLETE = ('ValueError', 'frame incomplete')
NO_DATA = ('Lz4FramedNoDataError',)

G, DF, FU, FT, HV, RF, BS, HC, BC, CC, SW, HI, SP, AS = (
    lz4framed.LZ4F_ERROR_GENERIC, lz4framed.LZ4F_ERROR_decompressionFailed, lz4framed.LZ4F_ERROR_frameSize_wrong,
    lz4framed.LZ4F_ERROR_frameType_unknown, lz4framed.LZ4F_ERROR_headerVersion_wrong,
    lz4framed.LZ4F_ERROR_reservedFlag_set, lz4framed.LZ4F_ERROR_maxBlockSize_invalid,
    lz4framed.LZ4F_ERROR_headerChecksum_invalid, lz4framed.LZ4F_ERROR_blockChecksum_invalid,
    lz4framed.LZ4F_ERROR_contentChecksum_invalid, lz4framed.LZ4F_ERROR_frameSize_wrong,
    lz4framed.LZ4F_ERROR_frameHeader_incomplete, lz4framed.LZ4F_ERROR_srcPtr_wrong,
    lz4framed.LZ4F_ERROR_frameDecoding_alreadyStarted)


def every(code, **override):
    out = dict.fromkeys(OPS, code)
    out.update(override)
    return out


def corrupt(oneshot, update, chunk_4m=G, chunk_1000=DF):
    """A block that fails to decode: ERROR_GENERIC where the output had room
    for a whole block, ERROR_decompressionFailed where it had less."""
    out = dict.fromkeys(ONESHOT, oneshot) if not isinstance(oneshot, tuple) else dict(zip(ONESHOT, oneshot))
    out.update(dict.fromkeys(UPDATE, update))
    out.update(update_chunk_4m=chunk_4m, update_chunk_1000=chunk_1000, decompressor=G, frame_info=G)
    return out


def header_short(decompressor=AS):
    """Data ending in the first header: decompress() says so; the update
    functions wait for more; py-lz4framed's Decompressor read 15 bytes and
    found the header incomplete."""
    return dict(decompress=HI, decompress_big_buffer=HI, decompressor=decompressor, frame_info=AS)


def truncated():
    return dict(decompress=INCOMPLETE, decompress_big_buffer=INCOMPLETE, decompressor=NO_DATA)


# README row -> {case: {operation: expected}}; an operation that is not
# listed must succeed. Codes are ints; tuples are other exceptions.
ROWS = {
    'corrupt block, output with room for a block / without': {
        'corrupt_first_block_64k': corrupt(G, G),
        'corrupt_last_block_64k': corrupt(DF, G),
        'corrupt_block_small': corrupt(DF, G),
        'corrupt_block_4m': corrupt(DF, DF),
        'corrupt_first_block_no_size': corrupt(G, G),
        'corrupt_second_block_no_size': corrupt(G, G),
        'corrupt_third_block_no_size': corrupt((DF, G), G),
    },
    'dictionary required': {
        'dictionary_frame': dict(corrupt(DF, G), decompressor=AS),
        'corrupt_block_with_dict_id': dict(corrupt(DF, G), decompressor=AS),
    },
    'bad magic number': {
        'bad_magic': every(FT),
        'zeros': every(FT),
    },
    'header checksum': {
        'bad_header_checksum': every(HC),
    },
    'content checksum': {
        'bad_content_checksum': every(CC),
    },
    'block checksum': {
        'bad_block_checksum': every(BC),
    },
    'reserved bit': {
        'reserved_flg_bit': every(RF),
        'reserved_flg_bit_bad_checksum': every(RF),
        'reserved_bd_high_bit': every(RF),
        'reserved_bd_low_bit': every(RF),
    },
    'wrong version': {
        'version_0': every(HV),
        'version_2': every(HV),
        'version_3': every(HV),
    },
    'bad block size ID': {
        'block_size_id_0': every(BS),
        'block_size_id_3': every(BS),
    },
    'several faults in one header': {
        'version_0_and_reserved_flg_bit': every(RF),
        'block_size_id_2_and_reserved_bd_low_bit': every(BS),
        'block_size_id_2_and_reserved_bd_high_bit': every(RF),
    },
    'block too large': {
        'block_too_large': every(BS),
        'uncompressed_block_too_large': every(BS),
    },
    'content size mismatch': {
        'content_size_too_large': every(SW),
        'content_size_too_small': every(SW),
        'content_size_far_too_small': every(SW),
    },
    'data ends inside the first header': {
        'truncated_3': header_short(),
        'truncated_5': header_short(),
        'truncated_6': header_short(),
        'truncated_in_header': header_short(),
        'truncated_skippable_header': header_short(),
        'bad_magic_4_bytes': header_short(),
        'bad_magic_2_bytes': header_short(),
        'truncated_bad_version_5': header_short(),
    },
    'data ends inside a frame': {
        'truncated_after_header': truncated(),
        'truncated_in_block_header': truncated(),
        'truncated_in_block': truncated(),
        'truncated_before_end_mark': truncated(),
        'truncated_in_content_checksum': truncated(),
        'truncated_skippable': truncated(),
    },
}

# Where this package deliberately differs from py-lz4framed 0.14.0, with
# what it does instead (python/README.md, Differences).
DIFFERENCES = {
    # A bad magic number or FLG byte is reported as soon as it arrives, with
    # the code py-lz4framed raised once it had 7 bytes.
    ('bad_magic_4_bytes', 'frame_info'): FT,
    ('truncated_bad_version_5', 'frame_info'): HV,
    # A frame that declares a dictionary is refused at its header (no
    # dictionary is set): with the code py-lz4framed gave where such a
    # frame's first block refers to the dictionary. py-lz4framed decoded it
    # without one, which works only when no block refers to it.
    ('dict_id_not_used', 'decompress'): DF,
    ('dict_id_not_used', 'decompress_big_buffer'): DF,
    ('dict_id_not_used', 'update'): G,
    ('dict_id_not_used', 'update_chunk_4m'): G,
    ('dict_id_not_used', 'update_chunk_1000'): DF,
    ('dict_id_not_used', 'update_pieces_7'): G,
    ('dict_id_not_used', 'update_pieces_5000'): G,
    ('dict_id_not_used', 'frame_info'): G,
    # get_frame_info() inside the 8-byte header of a skippable frame
    # describes it already (py-lz4framed: not before 7 bytes of it).
    ('truncated_skippable_header', 'frame_info'): None,
}
for _op in UPDATE:
    DIFFERENCES[('bad_magic_4_bytes', _op)] = FT
    DIFFERENCES[('truncated_bad_version_5', _op)] = HV
DIFFERENCES[('dict_id_not_used', 'decompressor')] = AS


def _compress_with_dict(data, dictionary, dict_id):
    prefs = native.Preferences()
    prefs.dict_id = dict_id
    prefs.content_size_flag = 1
    capacity = native.compress_frame_bound(len(data), ctypes.byref(prefs))
    out = ctypes.create_string_buffer(capacity)
    size = ctypes.c_size_t()
    func = native.lib['lz4framed_compress_using_dict']
    func.restype = ctypes.c_int32
    status = func(data, ctypes.c_size_t(len(data)), out, ctypes.c_size_t(capacity), ctypes.byref(prefs),
                  dictionary, ctypes.c_size_t(len(dictionary)), ctypes.byref(size))
    assert status == 0, native.name_of(status)
    return out.raw[:size.value]


def make_frames():
    data = make_data(300 * 1024)
    small = make_data(3000, seed=5)
    dictionary = make_data(65536, seed=9)
    stream = lz4framed.Compressor(block_mode_linked=False)
    frames = {
        'independent_64k': lz4framed.compress(data, block_mode_linked=False),
        'independent_4m': lz4framed.compress(data, block_mode_linked=False,
                                             block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX4MB),
        'stream_64k': stream.update(data) + stream.end(),
        'small_content': small,
        'small': lz4framed.compress(small),
        'checksums': lz4framed.compress(small, checksum=True, block_checksum=True),
        # Content that matches the dictionary, so its first block refers to it.
        'dict': _compress_with_dict(dictionary[1000:4000], dictionary, 77),
    }
    return frames


CASES = lz4f_cases.build_cases(make_frames())


def expected(case, op):
    if (case, op) in DIFFERENCES:
        return DIFFERENCES[(case, op)]
    for rows in ROWS.values():
        if case in rows:
            return rows[case].get(op)
    return None


def check(outcome, want):
    if want is None:
        assert outcome[0] == 'ok', outcome
        return
    assert outcome[0] == 'raise', outcome
    _, classes, args = outcome
    if isinstance(want, int):
        assert 'Lz4FramedError' in classes, outcome
        assert args == (lz4framed._LZ4F_NAMES[want][len('LZ4F_'):], want), outcome
    elif want == NO_DATA:
        assert classes[0] == 'Lz4FramedNoDataError' and args == (), outcome
    else:
        assert (classes[0],) + args == want, outcome


@pytest.mark.parametrize('row', sorted(ROWS))
def test_row(row):
    for case in ROWS[row]:
        for op in OPS:
            check(lz4f_cases.outcome(lz4framed, op, CASES[case]), expected(case, op))


def test_every_case_is_in_a_row():
    assert set(CASES) == {case for rows in ROWS.values() for case in rows} | {'dict_id_not_used'}


def test_every_table_entry_has_a_row():
    # Rows reachable with valid arguments are tested above; these are
    # reached here through the one table itself.
    seen = set()
    for (name, situation), code in lz4framed._LZ4F_CODES.items():
        err = lz4framed._error(native.ERRORS[name], situation)
        assert err.args == (lz4framed._LZ4F_NAMES[code][len('LZ4F_'):], code)
        assert err.status == native.ERRORS[name] and err.message
        seen.add(name)
    assert {'OUT_OF_MEMORY', 'NULL_ARGUMENT', 'DST_TOO_SMALL'} <= seen
    assert lz4framed._error(native.ERRORS['OUT_OF_MEMORY']).args == ('ERROR_allocation_failed', 9)


# The library's errors that keep their own code (liblz4 has none for them);
# every other one has a row in lz4framed._LZ4F_CODES.
OWN_CODES = {'INTERNAL', 'DICTIONARY_MISMATCH', 'STATE_MAGIC', 'STATE_VERSION', 'STATE_CHECKSUM',
             'STATE_TRUNCATED', 'STATE_CORRUPT', 'STATE_DICTIONARY', 'READER_FAILED', 'THREAD_SPAWN',
             'SEEK_MAGIC', 'SEEK_VERSION', 'SEEK_CHECKSUM', 'SEEK_TRUNCATED', 'SEEK_CORRUPT', 'SEEK_STALE',
             'SEEK_MISMATCH', 'SEEK_TABLE_OFF',
             'ENCODER_STATE_MAGIC', 'ENCODER_STATE_VERSION', 'ENCODER_STATE_CHECKSUM', 'ENCODER_STATE_TRUNCATED',
             'ENCODER_STATE_CORRUPT', 'ENCODER_STATE_DICTIONARY', 'ENCODER_STATE_ENGINE'}


def test_every_library_error_is_mapped_or_keeps_its_own_code():
    # A new library error must be placed deliberately: given an LZ4F code in
    # _LZ4F_CODES, or listed here (and in python/README.md) as its own.
    mapped = {name for name, _ in lz4framed._LZ4F_CODES}
    assert not mapped & OWN_CODES
    assert set(native.ERRORS) == mapped | OWN_CODES


def test_own_codes_for_what_lz4f_has_no_code_for():
    for name in sorted(OWN_CODES):
        status = native.ERRORS[name]
        err = lz4framed._error(status)
        assert err.args == ('LZ4FRAMED_ERROR_' + name, status)
        assert getattr(lz4framed, 'LZ4FRAMED_ERROR_' + name) == status


def test_names_and_messages_come_from_the_library():
    for name, status in native.ERRORS.items():
        assert native.is_error(status)
        assert native.name_of(status) == 'LZ4FRAMED_ERROR_' + name
        assert lz4framed._error(status).message == native.message_of(status)
    assert native.ERRORS['TRUNCATED'] == -20 and native.PROGRESS == {'OK': 0, 'NEED_INPUT': 1, 'OUTPUT_FULL': 2}
    assert not native.is_error(native.OK) and native.is_error(-12345)


def test_calls_out_of_order_and_frame_info_stages():
    ctx = lz4framed.create_compression_context()
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        lz4framed.compress_update(ctx, b'data')
    assert info.value.args == ('ERROR_GENERIC', G)
    dctx = lz4framed.create_decompression_context()
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        lz4framed.get_frame_info(dctx)
    assert info.value.args == ('ERROR_srcPtr_wrong', SP)
    lz4framed.decompress_update(dctx, CASES['truncated_in_header'][:6])
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        lz4framed.get_frame_info(dctx)
    assert info.value.args == ('ERROR_frameDecoding_alreadyStarted', AS)


def test_decompressor_end_inside_first_header_is_still_resumable():
    frame = lz4framed.compress(make_data(5000))
    d = lz4framed.Decompressor(io.BytesIO(frame[:6]))
    with pytest.raises(lz4framed.Lz4FramedNoDataError) as info:
        list(d)
    assert info.value.args == ('ERROR_frameDecoding_alreadyStarted', AS)
    d.setfp(io.BytesIO(frame[d.data_read:]))
    assert b''.join(d) == make_data(5000)


def test_decompressor_bad_magic_after_the_first_frame():
    frame = lz4framed.compress(b'x' * 100)
    d = lz4framed.Decompressor(io.BytesIO(frame + b'abcd'))
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        list(d)
    assert info.value.args == ('ERROR_frameType_unknown', FT)


REFERENCE = os.environ.get('LZ4FRAMED_REFERENCE_PYTHON')


@pytest.mark.skipif(not REFERENCE, reason='optional comparison: set LZ4FRAMED_REFERENCE_PYTHON to a python '
                    'with py-lz4framed 0.14.0 installed (python/bench/bench.py --setup DIR makes one)')
def test_same_codes_as_py_lz4framed():
    jobs = [(case, op, data) for case, data in CASES.items() for op in OPS]
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'LZ4FRAMED_LIBRARY')}
    proc = subprocess.run([REFERENCE, lz4f_cases.__file__], input=pickle.dumps(jobs), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors='replace')
    version, theirs = pickle.loads(proc.stdout)
    assert version == '0.14.0', 'the reference must be py-lz4framed 0.14.0, not %s' % version
    compared = 0
    for case, op, data in jobs:
        ref = theirs[(case, op)]
        ours = lz4f_cases.outcome(lz4framed, op, data)
        if (case, op) in DIFFERENCES:
            continue
        if ref[0] == 'raise':
            compared += 1
            # Ours may be a subclass (Lz4FramedNoDataError is a Lz4FramedError).
            assert ours[0] == 'raise' and ref[1][0] in ours[1] and ours[2] == ref[2], (case, op, ref, ours)
        else:
            assert ours[0] == 'ok', (case, op, ref, ours)
    assert compared > 200


if __name__ == '__main__':  # pragma: no cover
    sys.exit(pytest.main([__file__]))
