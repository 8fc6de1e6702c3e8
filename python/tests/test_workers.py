"""Decompression with workers=: the output, the errors and resumption are
those of workers=0, on streams made by the lz4 tool, and the threads belong
to (and go with) the context that started them."""

import gc
import io
import os
import subprocess

import pytest

import lz4framed
from lz4framed import (Decompressor, Lz4FramedError, Lz4FramedNoDataError, clone_decompression_context,
                       create_decompression_context, decompress, decompress_update, marshal_decompression_context,
                       unmarshal_decompression_context)

from conftest import make_data

MIB = 1 << 20
WORKERS = (0, 1, 2, 4)
# Several 4 MB blocks of the lz4 tool's default, and many 64 KB ones.
PLAIN = make_data(9 * MIB + 4321, seed=11)
SMALL = make_data(700 * 1024, seed=12)


def lz4(tool, tmp, data, *flags):
    src, dst = tmp / 'in', tmp / 'out.lz4'
    src.write_bytes(data)
    subprocess.run([tool, '-q', '-f'] + list(flags) + [str(src), str(dst)], check=True)
    return dst.read_bytes()


@pytest.fixture(scope='module')
def streams(lz4_tool, tmp_path_factory):
    """name -> (stream made by the lz4 tool, its content, [frame lengths])."""
    tmp = tmp_path_factory.mktemp('workers')
    made = {}
    for name, data, flags in (
            ('default', PLAIN, ()),                 # 4 MB independent blocks, content checksum
            ('linked', PLAIN, ('-BD',)),
            ('64KB', PLAIN, ('-B4',)),
            ('64KB+block_checksum', SMALL, ('-B4', '-BX')),
            ('legacy', PLAIN, ('-l',)),
            ('content-size', PLAIN, ('--content-size', '-B5'))):
        stream = lz4(lz4_tool, tmp, data, *flags)
        made[name] = (stream, data, [len(stream)])
    parts = [lz4(lz4_tool, tmp, SMALL, '-B4', '--content-size'), made['default'][0],
             lz4(lz4_tool, tmp, SMALL[:5000], '-BD'), made['64KB'][0]]
    made['concatenated'] = (b''.join(parts), SMALL + PLAIN + SMALL[:5000] + PLAIN, [len(p) for p in parts])
    return made


NAMES = ('default', 'linked', '64KB', '64KB+block_checksum', 'legacy', 'content-size', 'concatenated')


class ShortReads(object):
    """A socket-like source: every read returns at most `most` bytes."""

    def __init__(self, data, most=1000, start=0):
        self.data = data
        self.pos = start
        self.most = most

    def read(self, size):
        n = min(size, self.most)
        piece = self.data[self.pos:self.pos + n]
        self.pos += len(piece)
        return piece


def updates(ctx, stream, piece):
    """decompress_update over stream in pieces: [(output of the call, hint)]."""
    calls = []
    for at in range(0, len(stream), piece):
        result = decompress_update(ctx, stream[at:at + piece])
        calls.append((b''.join(result[:-1]), result[-1]))
    return calls


def outcome(call):
    """What a call does: ('ok', result) or ('error', type, args, status)."""
    try:
        return ('ok', call())
    except Lz4FramedError as ex:
        return ('error', type(ex), ex.args, ex.status)
    except ValueError as ex:
        return ('error', ValueError, ex.args, None)


def task_count():
    return len(os.listdir('/proc/self/task'))


@pytest.mark.parametrize('name', NAMES)
def test_decompress_is_identical(streams, name):
    stream, plain, _ = streams[name]
    for workers in WORKERS:
        assert decompress(stream, workers=workers) == plain, workers


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('piece', (4093, 5 * MIB + 17))
def test_decompress_update_is_identical_call_by_call(streams, name, piece):
    stream, plain, _ = streams[name]
    serial = updates(create_decompression_context(), stream, piece)
    assert b''.join(out for out, _ in serial) == plain
    for workers in WORKERS[1:]:
        ctx = create_decompression_context(workers=workers)
        assert ctx.workers == workers
        calls = updates(ctx, stream, piece)
        # Every call returns all output of its input, as without workers.
        assert [len(out) for out, _ in calls] == [len(out) for out, _ in serial], workers
        assert b''.join(out for out, _ in calls) == plain
        # The hint is 0 exactly where it is 0 without workers.
        assert [hint == 0 for _, hint in calls] == [hint == 0 for _, hint in serial]
        assert ctx.input_consumed == len(stream) and ctx.output_produced == len(plain)


@pytest.mark.parametrize('name', NAMES)
def test_decompressor_over_a_file_and_short_reads(streams, name, tmp_path):
    stream, plain, _ = streams[name]
    path = tmp_path / 'stream.lz4'
    path.write_bytes(stream)
    for workers in WORKERS:
        with open(str(path), 'rb') as f:
            d = Decompressor(f, workers=workers)
            assert d.ctx.workers == workers
            assert b''.join(d) == plain, workers
            assert d.data_read == len(stream) and f.tell() == len(stream)
        src = ShortReads(stream, most=777)
        d = Decompressor(src, workers=workers)
        assert b''.join(d) == plain, workers
        assert d.data_read == len(stream) == src.pos


def test_single_frame_reads_no_further_with_workers(streams):
    stream, plain, lengths = streams['concatenated']
    for workers in WORKERS:
        src = io.BytesIO(stream)
        out = b''.join(Decompressor(src, single_frame=True, workers=workers))
        assert out == SMALL and src.tell() == lengths[0], workers
        # The next Decompressor picks up the next frame where the first ended.
        out = b''.join(Decompressor(src, single_frame=True, workers=workers))
        assert out == PLAIN and src.tell() == lengths[0] + lengths[1], workers


def damaged(streams):
    """(what, damaged stream) for the frames with independent blocks."""
    stream, _, lengths = streams['concatenated']
    cases = []
    for at in (lengths[0] + 3 * MIB, lengths[0] + lengths[1] - 2, len(stream) - 100 * 1024):
        broken = bytearray(stream)
        broken[at] ^= 0x5A
        cases.append(('flip@%d' % at, bytes(broken)))
    # A block size field beyond the frame's maximum, deep in the 64 KB frame.
    one = streams['64KB+block_checksum'][0]
    broken = bytearray(one)
    broken[7 + 4 + 0x10000 // 3] ^= 0xFF
    cases.append(('block checksum area', bytes(broken)))
    for cut in (len(stream) - 1, len(stream) - 5 * MIB, lengths[0] + 100):
        cases.append(('cut@%d' % cut, stream[:cut]))
    cases.append(('content checksum', stream[:lengths[0] + lengths[1] - 1] + bytes(
        [stream[lengths[0] + lengths[1] - 1] ^ 1]) + stream[lengths[0] + lengths[1]:]))
    return cases


def drain(decomp):
    """Output and outcome of iterating a Decompressor."""
    out = []
    try:
        for chunk in decomp:
            out.append(chunk)
    except Lz4FramedError as ex:
        return b''.join(out), (type(ex), ex.args, ex.status)
    return b''.join(out), None


def test_damaged_and_truncated_data_fail_alike(streams):
    for what, data in damaged(streams):
        serial = outcome(lambda: decompress(data))
        assert serial[0] == 'error', what
        serial_update = outcome(lambda: updates(create_decompression_context(), data, 3 * MIB))
        serial_stream = drain(Decompressor(io.BytesIO(data)))
        assert serial_stream[1] is not None, what
        for workers in WORKERS[1:]:
            assert outcome(lambda: decompress(data, workers=workers)) == serial, (what, workers)
            ctx = create_decompression_context(workers=workers)
            assert outcome(lambda: updates(ctx, data, 3 * MIB)) == serial_update, (what, workers)
            # The Decompressor yields exactly what it yields without workers
            # before the same exception (a truncation after all whole blocks).
            assert drain(Decompressor(io.BytesIO(data), workers=workers)) == serial_stream, (what, workers)
            assert drain(Decompressor(ShortReads(data, most=50000), workers=workers)) == serial_stream


def test_a_source_that_runs_dry_continues_after_setfp(streams):
    stream, plain, _ = streams['64KB']
    stop = len(stream) // 3
    for workers in WORKERS:
        d = Decompressor(io.BytesIO(stream[:stop]), workers=workers)
        out, failure = drain(d)
        assert failure is not None and failure[0] is Lz4FramedNoDataError
        # Every whole block read was delivered before the error.
        assert d.ctx.output_produced == len(out)
        d.setfp(io.BytesIO(stream[d.data_read:]))
        rest, failure = drain(d)
        assert failure is None and out + rest == plain, workers


@pytest.mark.parametrize('name', ('64KB', 'default', 'concatenated'))
def test_marshal_with_workers_resumes_from_the_restored_position(streams, name, tmp_path):
    stream, plain, _ = streams[name]
    path = tmp_path / 'stream.lz4'
    path.write_bytes(stream)
    behind = 0
    with open(str(path), 'rb') as f:
        d = Decompressor(f, workers=2)
        out = bytearray()
        for index, chunk in enumerate(d):
            out += chunk
            if index % 7:
                continue
            state = marshal_decompression_context(d.ctx)
            ctx = unmarshal_decompression_context(state, workers=index % 3)
            assert ctx.output_produced == len(out) and ctx.input_consumed <= d.data_read
            behind += ctx.input_consumed < d.data_read
            with open(str(path), 'rb') as g:
                g.seek(ctx.input_consumed)
                resumed = Decompressor(g, workers=1)
                resumed.setctx(ctx)
                assert resumed.data_read == ctx.input_consumed
                assert bytes(out) + b''.join(resumed) == plain, index
    assert bytes(out) == plain
    # The live context was ahead of its state somewhere: the case this tests.
    assert behind


def test_marshal_after_decompress_update_with_workers(streams):
    stream, plain, _ = streams['concatenated']
    ctx = create_decompression_context(workers=4)
    out = bytearray()
    piece = 1300 * 1024 + 7
    behind = 0
    for at in range(0, len(stream), piece):
        out += b''.join(decompress_update(ctx, stream[at:at + piece])[:-1])
        restored = unmarshal_decompression_context(marshal_decompression_context(ctx))
        assert restored.output_produced == len(out) and restored.workers == 0
        behind += restored.input_consumed < ctx.input_consumed
        rest = stream[restored.input_consumed:]
        rest = b''.join(decompress_update(restored, rest)[:-1]) if rest else b''
        assert bytes(out) + rest == plain, at
    assert behind


def test_clone_keeps_workers_and_the_input_taken_ahead(streams):
    stream, plain, _ = streams['64KB']
    f = io.BytesIO(stream)
    d = Decompressor(f, workers=3)
    out = bytearray()
    for chunk in d:
        out += chunk
        if len(out) > 2 * MIB:
            break
    clone = clone_decompression_context(d.ctx)
    assert clone.workers == 3
    assert clone.input_consumed == d.data_read and clone.output_produced == len(out)
    # Both continue to the same output, each from the live position.
    e = Decompressor(io.BytesIO(stream[clone.input_consumed:]))
    e.setctx(clone)
    assert bytes(out) + b''.join(e) == plain
    assert bytes(out) + b''.join(d) == plain


def test_checksum_context_restore_keeps_workers(streams):
    stream, plain, _ = streams['64KB']
    ctx = create_decompression_context(workers=2)
    # A state from the same position: the stream's start.
    lz4framed.unmarshal_decompression_checksum_context(ctx, marshal_decompression_context(
        create_decompression_context()))
    assert ctx.workers == 2
    result = decompress_update(ctx, stream)
    assert b''.join(result[:-1]) == plain and ctx.worker_threads > 0


def test_threads_go_with_their_owner(streams):
    stream, plain, _ = streams['64KB']
    gc.collect()
    before = task_count()
    assert decompress(stream, workers=4) == plain
    assert task_count() == before, 'decompress() joins its threads'
    ctx = create_decompression_context(workers=3)
    assert ctx.worker_threads == 0, 'no thread before there is work'
    decompress_update(ctx, stream[:5 * MIB])
    assert ctx.worker_threads > 0 and task_count() > before
    clone = clone_decompression_context(ctx)
    decompress_update(clone, stream[clone.input_consumed:])
    del ctx, clone
    gc.collect()
    assert task_count() == before, 'freeing the contexts joins their threads'
    d = Decompressor(io.BytesIO(stream), workers=2)
    assert b''.join(d) == plain
    del d
    gc.collect()
    assert task_count() == before
    # Without workers no thread is ever started.
    ctx = create_decompression_context()
    decompress_update(ctx, stream)
    assert ctx.worker_threads == 0 and task_count() == before


def test_invalid_workers_are_refused():
    frame = lz4framed.compress(b'data' * 100)
    state = marshal_decompression_context(create_decompression_context())
    makers = (
        lambda w: decompress(frame, workers=w),
        lambda w: create_decompression_context(workers=w),
        lambda w: Decompressor(io.BytesIO(frame), workers=w),
        lambda w: unmarshal_decompression_context(state, workers=w),
    )
    for make in makers:
        for bad in (-1, 257, 1 << 32, 1 << 40):
            with pytest.raises(ValueError, match='workers'):
                make(bad)
        with pytest.raises(TypeError):
            make('2')
        make(256)  # the library's maximum
    assert decompress(frame, workers=256) == b'data' * 100
