"""Use from several threads."""

import threading
import time
from io import BytesIO

import lz4framed
from lz4framed import (Compressor, Decompressor, compress, compress_begin, compress_end, compress_update,
                       create_compression_context, create_decompression_context, decompress, decompress_update)

from conftest import DATA, make_data


def run_threads(target, count):
    errors = []

    def wrapper(index):
        try:
            target(index)
        except BaseException as ex:  # reported below, with the thread's index
            errors.append((index, ex))
    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_independent_work_in_threads():
    inputs = [make_data(100000 + 1000 * i, seed=i) for i in range(6)]

    def work(i):
        for _ in range(5):
            frame = compress(inputs[i], checksum=bool(i % 2), level=(0, 9)[i % 2])
            assert decompress(frame) == inputs[i]
            assert b''.join(Decompressor(BytesIO(frame))) == inputs[i]
            out = BytesIO()
            with Compressor(out, block_mode_linked=bool(i % 3)) as compressor:
                compressor.update(inputs[i])
            assert decompress(out.getvalue()) == inputs[i]
    run_threads(work, 6)


def test_shared_decompression_context_is_serialised():
    # Threads feed consecutive pieces of one stream through one context, in
    # order (a turnstile), while others hammer it with queries and clones:
    # each call is atomic, so the output is exact.
    frame = compress(DATA, checksum=True)
    pieces = [frame[i:i + 997] for i in range(0, len(frame), 997)]
    ctx = create_decompression_context()
    out = []
    turn = [0]
    cond = threading.Condition()
    stop = threading.Event()

    def feeder(index):
        while True:
            with cond:
                while turn[0] < len(pieces) and turn[0] % 3 != index:
                    cond.wait()
                if turn[0] >= len(pieces):
                    return
                out.extend(decompress_update(ctx, pieces[turn[0]])[:-1])
                turn[0] += 1
                cond.notify_all()

    def observer(_):
        while not stop.is_set():
            clone = lz4framed.clone_decompression_context(ctx)
            assert clone.output_produced <= len(DATA)
            lz4framed.marshal_decompression_context(ctx)

    observers = [threading.Thread(target=observer, args=(i,)) for i in range(2)]
    for thread in observers:
        thread.start()
    try:
        run_threads(feeder, 3)
    finally:
        stop.set()
        for thread in observers:
            thread.join()
    assert b''.join(out) == DATA


def test_shared_compression_context():
    ctx = create_compression_context()
    header = compress_begin(ctx)
    lock = threading.Lock()
    parts = []

    def work(i):
        for j in range(20):
            piece = b'%d-%d ' % (i, j) * 50
            # Each update is atomic; the lock keeps input and output in the same order.
            with lock:
                parts.append((piece, compress_update(ctx, piece)))
    run_threads(work, 4)
    frame = header + b''.join(out for _, out in parts) + compress_end(ctx)
    assert decompress(frame) == b''.join(piece for piece, _ in parts)


def test_gil_is_released_during_compression():
    # While one thread compresses a large input at a high level, another
    # thread keeps running Python code: the native call does not hold the GIL.
    data = make_data(4 << 20, seed=9)
    done = threading.Event()
    ticks_during = [0]

    def compressor():
        compress(data, level=9)
        done.set()

    thread = threading.Thread(target=compressor)
    start = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks_during[0] += 1
        time.sleep(0.001)
    thread.join()
    elapsed = time.perf_counter() - start
    # With the GIL held for the whole call the loop could not run at all.
    assert elapsed > 0.02
    assert ticks_during[0] >= 5, (ticks_during[0], elapsed)


def _thread_count():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    raise AssertionError('no Threads: line in /proc/self/status')


def test_workers_compress_byte_identically():
    # More than two 4 MiB jobs, so that the workers run side by side.
    data = make_data(11 << 20, 5)
    before = _thread_count()
    for linked in (False, True):
        serial = compress(data, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX1MB, block_mode_linked=linked,
                          checksum=True, level=1)
        parallel = compress(data, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX1MB, block_mode_linked=linked,
                            checksum=True, level=1, workers=2)
        if not linked:
            assert parallel == serial
        assert decompress(parallel) == data
        # Streaming: the same frame as one thread's, output lagging while jobs run.
        streams = []
        for workers in (0, 3):
            out = BytesIO()
            with Compressor(out, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX1MB, block_mode_linked=linked,
                            checksum=True, level=1, workers=workers) as c:
                for at in range(0, len(data), 900000):
                    c.update(data[at:at + 900000])
            streams.append(out.getvalue())
        if not linked:
            assert streams[1] == streams[0]
        assert decompress(streams[1]) == data
        ctx = create_compression_context()
        pieces = [compress_begin(ctx, block_mode_linked=linked, level=1, workers=2)]
        pieces += [compress_update(ctx, data[at:at + 3000000]) for at in range(0, len(data), 3000000)]
        pieces.append(compress_end(ctx))
        del ctx
        assert decompress(b''.join(pieces)) == data
    # Every worker thread was joined with its encoder.
    assert _thread_count() == before


def test_workers_out_of_range_are_refused():
    for bad in (-1, 257, 1 << 40):
        try:
            compress(b'data', workers=bad)
        except ValueError as ex:
            assert 'workers' in str(ex)
        else:
            raise AssertionError('workers=%d accepted' % bad)
