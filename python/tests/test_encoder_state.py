"""Resumable compression: contexts and Compressors cloned, or marshalled
and rebuilt (also in another process), at random points write exactly the
bytes of the uninterrupted compression; bad states raise specific errors."""

import os
import random
import subprocess
import sys
from io import BytesIO

import pytest

import lz4framed
from lz4framed import (Compressor, Lz4FramedError, clone_compression_context, compress_begin, compress_end,
                       compress_update, create_compression_context, decompress, marshal_compression_context,
                       unmarshal_compression_context)

from conftest import DATA, make_data

SETTINGS = [
    ('default', dict()),
    ('independent', dict(block_mode_linked=False, checksum=True)),
    ('fast', dict(level=-3, block_checksum=True)),
    ('hc', dict(level=9, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX256KB)),
    ('hc-max', dict(level=12, checksum=True)),
    ('1MB', dict(block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX1MB, checksum=True)),
    ('4MB-independent', dict(block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX4MB, block_mode_linked=False)),
    ('autoflush', dict(autoflush=True, checksum=True)),
    ('workers', dict(workers=2, checksum=True)),
]
IDS = [name for name, _ in SETTINGS]
ARGS = [kwargs for _, kwargs in SETTINGS]


def pieces(data, seed):
    rng = random.Random(seed)
    at = 0
    while at < len(data):
        n = rng.choice([1, 7, 100, 5000, 70000, 200000])
        yield data[at:at + n]
        at += n


def plain_run(data, settings, seed):
    ctx = create_compression_context()
    out = [compress_begin(ctx, **settings)]
    out += [compress_update(ctx, p) for p in pieces(data, seed)]
    out.append(compress_end(ctx))
    return b''.join(out)


@pytest.mark.parametrize('settings', ARGS, ids=IDS)
def test_context_hops_keep_the_output_byte_identical(settings):
    data = DATA * 3
    want = plain_run(data, settings, 1)
    assert decompress(want) == data
    for hop in ('clone', 'marshal'):
        rng = random.Random(hop)
        ctx = create_compression_context()
        out = [compress_begin(ctx, **settings)]
        for p in pieces(data, 1):
            if rng.random() < 0.4:
                if hop == 'clone':
                    ctx = clone_compression_context(ctx)
                else:
                    ctx = unmarshal_compression_context(marshal_compression_context(ctx))
            out.append(compress_update(ctx, p))
        ctx = unmarshal_compression_context(marshal_compression_context(ctx))
        out.append(compress_end(ctx))
        assert b''.join(out) == want, hop


@pytest.mark.parametrize('settings', ARGS, ids=IDS)
def test_compressor_hops_keep_the_output_byte_identical(settings):
    data = DATA * 2
    plain = Compressor(**settings)
    want = b''.join([plain.update(p) for p in pieces(data, 2)] + [plain.end()])
    rng = random.Random(3)
    for hop in ('clone', 'marshal'):
        c = Compressor(**settings)
        # Also right after creation, before the header was delivered.
        c = c.clone() if hop == 'clone' else Compressor.unmarshal(c.marshal())
        out = []
        for p in pieces(data, 2):
            if rng.random() < 0.3:
                c = c.clone() if hop == 'clone' else Compressor.unmarshal(c.marshal())
            out.append(c.update(p))
        out.append(c.end())
        assert b''.join(out) == want, hop
        # Between frames: the next frame too.
        c = Compressor.unmarshal(c.marshal())
        again = c.update(data[:1000]) + c.end()
        assert decompress(again) == data[:1000]


def test_compressor_to_a_file_resumes_into_the_same_file():
    data = make_data(700 * 1024, seed=9)
    # The same pieces (the output depends on where update() calls end).
    want = BytesIO()
    with Compressor(want, checksum=True) as c:
        c.update(data[:300000])
        c.update(data[300000:])
    f = BytesIO()
    c = Compressor(f, checksum=True)
    c.update(data[:300000])
    state = c.marshal()
    del c
    with Compressor.unmarshal(state, f) as c:
        c.update(data[300000:])
    assert f.getvalue() == want.getvalue()


def test_marshalled_in_another_process(tmp_path):
    data = make_data(400 * 1024, seed=4)
    (tmp_path / 'data').write_bytes(data)
    code = '''
import sys, lz4framed
data = open(sys.argv[1] + '/data', 'rb').read()
c = lz4framed.Compressor(level=4, checksum=True)
head = c.update(data[:150001])
open(sys.argv[1] + '/head', 'wb').write(head)
open(sys.argv[1] + '/state', 'wb').write(c.marshal())
'''
    subprocess.run([sys.executable, '-c', code, str(tmp_path)], check=True, env=dict(os.environ))
    c = Compressor.unmarshal((tmp_path / 'state').read_bytes())
    frame = (tmp_path / 'head').read_bytes() + c.update(data[150001:]) + c.end()
    plain = Compressor(level=4, checksum=True)
    assert frame == plain.update(data[:150001]) + plain.update(data[150001:]) + plain.end()
    assert decompress(frame) == data


def test_output_decodes_with_the_lz4_tool(tmp_path, lz4_tool):
    lz4 = lz4_tool
    data = make_data(500 * 1024, seed=6)
    c = Compressor(level=9, checksum=True, block_checksum=True)
    out = c.update(data[:123457])
    c = Compressor.unmarshal(c.marshal())
    out += c.update(data[123457:]) + c.end()
    path = tmp_path / 'x.lz4'
    path.write_bytes(out)
    assert subprocess.run([lz4, '-d', '-c', str(path)], check=True, capture_output=True).stdout == data


def _status(exc_info):
    return exc_info.value.args[1]


def test_bad_states_raise_specific_errors():
    c = Compressor()
    c.update(DATA[:100001])
    state = c.marshal()
    errors = lz4framed
    with pytest.raises(Lz4FramedError) as info:
        unmarshal_compression_context(b'not a state')
    assert _status(info) == errors.LZ4FRAMED_ERROR_ENCODER_STATE_MAGIC
    dctx = lz4framed.create_decompression_context()
    with pytest.raises(Lz4FramedError) as info:
        unmarshal_compression_context(lz4framed.marshal_decompression_context(dctx))
    assert _status(info) == errors.LZ4FRAMED_ERROR_ENCODER_STATE_MAGIC
    with pytest.raises(Lz4FramedError) as info:
        lz4framed.unmarshal_decompression_context(state)
    assert _status(info) == errors.LZ4FRAMED_ERROR_STATE_MAGIC
    for cut in (1, 11, 12, len(state) // 2, len(state) - 1):
        with pytest.raises(Lz4FramedError) as info:
            Compressor.unmarshal(state[:cut])
        assert _status(info) == errors.LZ4FRAMED_ERROR_ENCODER_STATE_TRUNCATED, cut
    rng = random.Random(8)
    for _ in range(50):
        b = bytearray(state)
        at = rng.randrange(12, len(b))
        b[at] ^= 1 << rng.randrange(8)
        with pytest.raises(Lz4FramedError) as info:
            unmarshal_compression_context(bytes(b))
        assert _status(info) == errors.LZ4FRAMED_ERROR_ENCODER_STATE_CHECKSUM, at
    b = bytearray(state)
    b[4] = 2
    with pytest.raises(Lz4FramedError) as info:
        unmarshal_compression_context(bytes(b))
    assert _status(info) == errors.LZ4FRAMED_ERROR_ENCODER_STATE_VERSION
    with pytest.raises(ValueError):
        marshal_compression_context(create_compression_context())
    with pytest.raises(ValueError):
        clone_compression_context(object())
