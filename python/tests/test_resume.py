"""Resumption: switching the input source, cloning, marshalling (also
across processes), and the errors for bad states."""

import json
import os
import random
from io import BytesIO

import pytest

import lz4framed
from lz4framed import (Decompressor, Lz4FramedError, Lz4FramedNoDataError, clone_decompression_context, compress,
                       create_decompression_context, decompress_update, marshal_decompression_checksum_context,
                       marshal_decompression_context, unmarshal_decompression_checksum_context,
                       unmarshal_decompression_context)

from conftest import CONFIGS, DATA, SHORT, raises_lz4, run_python

CONFIG_IDS = [name for name, _ in CONFIGS]
CONFIG_ARGS = [kwargs for _, kwargs in CONFIGS]


def cut_points(frame, count=12, seed=0):
    """Cuts inside the header, around block headers and at random places."""
    rng = random.Random(seed + len(frame))
    fixed = [1, 3, 4, 5, 6, 7, 10, 11, 14, 15, 16, 19, 31, 32, 33, 63, 64, 65, 1023, 1025, len(frame) - 4,
             len(frame) - 1]
    return sorted(set(c for c in fixed if 0 < c < len(frame)) | {rng.randint(1, len(frame) - 1)
                                                                 for _ in range(count)})


def read_until_dry(decomp):
    out = []
    with pytest.raises(Lz4FramedNoDataError):
        for chunk in decomp:
            out.append(chunk)
    return b''.join(out)


@pytest.mark.parametrize('kwargs', CONFIG_ARGS, ids=CONFIG_IDS)
def test_source_swap(kwargs):
    frame = compress(DATA, **kwargs)
    for cut in cut_points(frame):
        decomp = Decompressor(BytesIO(frame[:cut]))
        head = read_until_dry(decomp)
        # Everything read is inside the state: continue exactly at the cut.
        assert decomp.data_read == cut
        assert decomp.ctx.output_produced == len(head)
        decomp.setfp(BytesIO(frame[cut:]))
        assert head + b''.join(decomp) == DATA, cut


@pytest.mark.parametrize('kwargs', CONFIG_ARGS, ids=CONFIG_IDS)
def test_source_swap_many_times(kwargs):
    frame = compress(DATA, **kwargs)
    rng = random.Random(7)
    decomp = Decompressor(BytesIO(b''))
    out = []
    pos = 0
    while True:
        size = rng.choice((1, 2, 5, 100, 3000, 40000))
        decomp.setfp(BytesIO(frame[pos:pos + size]))
        pos += size
        try:
            out.extend(decomp)
            break
        except Lz4FramedNoDataError:
            assert decomp.data_read == min(pos, len(frame))
    assert b''.join(out) == DATA


@pytest.mark.parametrize('kwargs', CONFIG_ARGS, ids=CONFIG_IDS)
def test_clone_as_checkpoint(kwargs):
    frame = compress(DATA, **kwargs)
    for cut in cut_points(frame, count=6):
        decomp = Decompressor(BytesIO(frame[:cut]))
        head = read_until_dry(decomp)
        checkpoint = clone_decompression_context(decomp.ctx)
        # The original goes on with damaged input and fails (or yields
        # wrong output); the checkpoint is unaffected.
        damaged = bytes(b ^ 0x5A for b in frame[cut:cut + 70000]) + frame[cut + 70000:]
        decomp.setfp(BytesIO(damaged))
        try:
            list(decomp)
        except Lz4FramedError:
            pass
        decomp.setctx(checkpoint)
        decomp.setfp(BytesIO(frame[cut:]))
        assert decomp.data_read == cut
        assert head + b''.join(decomp) == DATA, cut


def test_clones_are_independent():
    frame = compress(DATA, checksum=True)
    ctx = create_decompression_context()
    first = b''.join(decompress_update(ctx, frame[:50000])[:-1])
    clones = [clone_decompression_context(ctx) for _ in range(3)]
    results = [b''.join(decompress_update(c, frame[50000:])[:-1]) for c in clones]
    assert all(first + r == DATA for r in results)
    assert b''.join(decompress_update(ctx, frame[50000:])[:-1]) == results[0]
    # A failed context clones into a failed context.
    bad = create_decompression_context()
    with pytest.raises(Lz4FramedError):
        decompress_update(bad, b'garbage')
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown):
        decompress_update(clone_decompression_context(bad), compress(SHORT))


RESUME_SCRIPT = r'''
import json, sys
from io import BytesIO
import lz4framed
jobs = json.load(sys.stdin)
results = []
for blob_path, rest_path, out_path in jobs:
    with open(blob_path, 'rb') as f:
        ctx = lz4framed.unmarshal_decompression_context(f.read())
    with open(rest_path, 'rb') as f:
        decomp = lz4framed.Decompressor(f)
        decomp.setctx(ctx)
        with open(out_path, 'wb') as out:
            for chunk in decomp:
                out.write(chunk)
    results.append(ctx.output_produced)
print(json.dumps(results))
'''


def test_marshal_and_resume_in_a_new_process(tmp_path):
    jobs = []
    expected = []
    for (name, kwargs) in CONFIGS:
        frame = compress(DATA, **kwargs)
        for cut in cut_points(frame, count=8):
            decomp = Decompressor(BytesIO(frame[:cut]))
            head = read_until_dry(decomp)
            blob = marshal_decompression_context(decomp.ctx)
            assert blob[:4] == b'L4FS'
            base = tmp_path / ('%s-%d' % (name, cut))
            (base.with_suffix('.state')).write_bytes(blob)
            (base.with_suffix('.rest')).write_bytes(frame[decomp.data_read:])
            jobs.append([str(base.with_suffix('.state')), str(base.with_suffix('.rest')),
                         str(base.with_suffix('.out'))])
            expected.append((head, base.with_suffix('.out')))
    produced = json.loads(run_python(RESUME_SCRIPT, stdin=json.dumps(jobs).encode()))
    assert produced == [len(DATA)] * len(jobs)
    for head, out_path in expected:
        assert head + out_path.read_bytes() == DATA, out_path


@pytest.mark.parametrize('kwargs', CONFIG_ARGS, ids=CONFIG_IDS)
def test_marshal_after_every_update(kwargs):
    # decompress_update delivers all output of its input, so a state saved
    # after any call continues with the following byte, whatever the split.
    frame = compress(DATA, **kwargs)
    rng = random.Random(3)
    ctx = create_decompression_context()
    out = []
    pos = 0
    while pos < len(frame):
        size = rng.choice((1, 3, 17, 1000, 30000))
        ret = decompress_update(ctx, frame[pos:pos + size], chunk_len=rng.choice((7, 65536)))
        pos += size
        out.extend(ret[:-1])
        ctx = unmarshal_decompression_context(bytearray(marshal_decompression_context(ctx)))
        assert ctx.input_consumed == min(pos, len(frame))
        assert ctx.output_produced == sum(map(len, out))
    assert b''.join(out) == DATA


@pytest.mark.parametrize('linked', (True, False))
def test_block_boundary_states_are_small(linked):
    frame = compress(DATA, block_mode_linked=linked, checksum=True)
    for stop in (1, 2, 3):
        decomp = Decompressor(BytesIO(frame))
        out = []
        for chunk in decomp:
            out.append(chunk)
            if len(out) == stop:
                break
        # Reads end after the next block header: no block data is held.
        blob = marshal_decompression_context(decomp.ctx)
        if linked:
            assert len(blob) <= 65536 + 256
        else:
            assert len(blob) < 256
        decomp.setctx(unmarshal_decompression_context(blob))
        assert b''.join(out) + b''.join(decomp) == DATA


@pytest.mark.parametrize('has_checksum', (False, True))
def test_checksum_context_functions(has_checksum):
    frame = compress(DATA, checksum=has_checksum)
    for cut in (11, 5000, len(frame) // 2, len(frame) - 3):
        decomp = Decompressor(BytesIO(frame[:cut]))
        head = read_until_dry(decomp)
        ctx = decomp.ctx
        spare = clone_decompression_context(ctx)
        saved = marshal_decompression_checksum_context(ctx)
        assert len(saved) > 8
        assert unmarshal_decompression_checksum_context(ctx, saved) is None
        decomp.setfp(BytesIO(frame[cut:]))
        assert head + b''.join(decomp) == DATA
        # Garbage and damaged states are refused.
        with raises_lz4(lz4framed.LZ4FRAMED_ERROR_STATE_MAGIC, 'LZ4FRAMED_ERROR_STATE_MAGIC'):
            unmarshal_decompression_checksum_context(spare, b'x' * len(saved))
        with raises_lz4(lz4framed.LZ4FRAMED_ERROR_STATE_CHECKSUM):
            unmarshal_decompression_checksum_context(spare, saved[:20] + bytes([saved[20] ^ 1]) + saved[21:])
        # A state from another position does not fit.
        with raises_lz4(lz4framed.LZ4F_ERROR_GENERIC, 'ERROR_GENERIC'):
            unmarshal_decompression_checksum_context(spare, marshal_decompression_context(
                create_decompression_context()))
        # The spare context was not changed by the refused states.
        decomp = Decompressor(BytesIO(frame[cut:]))
        decomp.setctx(spare)
        assert head + b''.join(decomp) == DATA


def test_bad_states():
    ctx = create_decompression_context()
    decompress_update(ctx, compress(DATA, checksum=True)[:40000])
    blob = marshal_decompression_context(ctx)
    E = lz4framed
    cases = [
        (b'', E.LZ4FRAMED_ERROR_STATE_TRUNCATED),
        (b'L4F', E.LZ4FRAMED_ERROR_STATE_TRUNCATED),
        (b'x' * 200, E.LZ4FRAMED_ERROR_STATE_MAGIC),
        (blob[:-1], E.LZ4FRAMED_ERROR_STATE_TRUNCATED),
        (blob[:len(blob) // 2], E.LZ4FRAMED_ERROR_STATE_TRUNCATED),
        (blob + b'\0', E.LZ4FRAMED_ERROR_STATE_CORRUPT),
        (blob[:4] + b'\x63\x00' + blob[6:], E.LZ4FRAMED_ERROR_STATE_VERSION),
        (blob[:-1] + bytes([blob[-1] ^ 0x80]), E.LZ4FRAMED_ERROR_STATE_CHECKSUM),
    ]
    for bad, code in cases:
        with raises_lz4(code, 'LZ4FRAMED_ERROR_' + [k for k, v in vars(E).items()
                                                    if k.startswith('LZ4FRAMED_ERROR_') and v == code][0][16:]):
            unmarshal_decompression_context(bad)
    # Every single-bit flip anywhere is detected, never a crash or a hang.
    rng = random.Random(5)
    for _ in range(300):
        i = rng.randrange(len(blob))
        damaged = bytearray(blob)
        damaged[i] ^= 1 << rng.randrange(8)
        with pytest.raises(Lz4FramedError) as info:
            unmarshal_decompression_context(bytes(damaged))
        assert info.value.args[1] in (E.LZ4FRAMED_ERROR_STATE_MAGIC, E.LZ4FRAMED_ERROR_STATE_VERSION,
                                      E.LZ4FRAMED_ERROR_STATE_TRUNCATED, E.LZ4FRAMED_ERROR_STATE_CORRUPT,
                                      E.LZ4FRAMED_ERROR_STATE_CHECKSUM)
    with pytest.raises(TypeError):
        unmarshal_decompression_context('a str is not bytes')


def test_marshal_of_a_failed_context_reports_its_error():
    ctx = create_decompression_context()
    with pytest.raises(Lz4FramedError):
        decompress_update(ctx, b'garbage')
    with raises_lz4(lz4framed.LZ4F_ERROR_frameType_unknown):
        marshal_decompression_context(ctx)


def test_states_are_portable_bytes(tmp_path):
    # The same state marshalled in another process gives identical bytes.
    frame = compress(DATA, checksum=True)
    ctx = create_decompression_context()
    decompress_update(ctx, frame[:123457])
    blob = marshal_decompression_context(ctx)
    path = tmp_path / 'frame'
    path.write_bytes(frame[:123457])
    other = run_python('import lz4framed, sys\n'
                       'ctx = lz4framed.create_decompression_context()\n'
                       'lz4framed.decompress_update(ctx, open(%r, "rb").read())\n'
                       'sys.stdout.buffer.write(lz4framed.marshal_decompression_context(ctx))\n' % str(path))
    assert other == blob
    assert os.path.getsize(str(path)) == 123457
