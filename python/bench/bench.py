#!/usr/bin/env python3
"""Throughput of this package against py-lz4framed 0.14.0 and python-lz4's lz4.frame.

Both this package and py-lz4framed import as ``lz4framed``, so each
implementation runs in a worker process of its own interpreter, on the same
data file, and this driver prints one markdown table (MB/s of uncompressed
data, median of --runs runs, and the ratios of this package to the others).

    python3 python/bench/bench.py --setup /tmp/lz4framed-bench   # first time: builds both venvs
    python3 python/bench/bench.py --venv-dir /tmp/lz4framed-bench

--setup creates <dir>/ours (pip install ./python) and <dir>/old
(py-lz4framed 0.14.0 built from its sdist, which needs a C compiler, plus
lz4 from PyPI). Or pass --ours-python / --old-python explicitly.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PIECE = 64 * 1024

# ---------------------------------------------------------------------------
# Worker side: runs inside the interpreter under test.

CONFIGS = {
    # name: (block size id, linked, content checksum)
    '64KB linked': (4, True, False),
    '4MB indep. + checksum': (7, False, True),
}
LZ4F_BLOCK_SIZE_CONSTANT = {4: 'BLOCKSIZE_MAX64KB', 7: 'BLOCKSIZE_MAX4MB'}
# What is measured; the lz4.frame counterparts are compress(), decompress(),
# LZ4FrameCompressor, LZ4FrameFile(fp).read() and LZ4FrameDecompressor.
OPERATIONS = ('compress()', 'decompress()', 'Compressor', 'Decompressor(fp)', 'decompress_update')


def _pieces(buf):
    """`buf` in slices of PIECE bytes."""
    return (buf[i:i + PIECE] for i in range(0, len(buf), PIECE))


def _check_size(data, chunks):
    """Consumes the decoded `chunks`; together they are as long as `data`."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
    assert total == len(data)


def _lz4framed_ops(module, data, block_id, linked, checksum):
    from io import BytesIO
    frame = module.compress(data, block_size_id=block_id, block_mode_linked=linked, checksum=checksum)

    def oneshot_compress():
        module.compress(data, block_size_id=block_id, block_mode_linked=linked, checksum=checksum)

    def oneshot_decompress():
        assert len(module.decompress(frame)) == len(data)

    def stream_compress():
        compressor = module.Compressor(block_size_id=block_id, block_mode_linked=linked, checksum=checksum)
        out = [compressor.update(piece) for piece in _pieces(data)]
        out.append(compressor.end())

    def stream_decompress():
        _check_size(data, module.Decompressor(BytesIO(frame)))

    def update_decompress():
        ctx = module.create_decompression_context()
        # Each call's list ends with an input hint, not data.
        _check_size(data, (chunk for piece in _pieces(frame) for chunk in module.decompress_update(ctx, piece)[:-1]))

    return frame, oneshot_compress, oneshot_decompress, stream_compress, stream_decompress, update_decompress


def _lz4frame_ops(data, block_id, linked, checksum):
    from io import BytesIO
    import lz4.frame as lf
    block_size = getattr(lf, LZ4F_BLOCK_SIZE_CONSTANT[block_id])
    kwargs = dict(block_size=block_size, block_linked=linked, content_checksum=checksum, compression_level=0)
    frame = lf.compress(data, store_size=True, **kwargs)

    def oneshot_compress():
        lf.compress(data, store_size=True, **kwargs)

    def oneshot_decompress():
        assert len(lf.decompress(frame)) == len(data)

    def stream_compress():
        compressor = lf.LZ4FrameCompressor(**kwargs)
        out = [compressor.begin()]
        out.extend(compressor.compress(piece) for piece in _pieces(data))
        out.append(compressor.flush())

    def stream_decompress():
        # The file-object reader, the counterpart of Decompressor(fp).
        with lf.LZ4FrameFile(BytesIO(frame)) as f:
            _check_size(data, iter(lambda: f.read(PIECE), b''))

    def update_decompress():
        decompressor = lf.LZ4FrameDecompressor()
        _check_size(data, (decompressor.decompress(piece) for piece in _pieces(frame)))

    return frame, oneshot_compress, oneshot_decompress, stream_compress, stream_decompress, update_decompress


def worker(impl, data_path):
    """Serves timing requests ("config|operation" lines on stdin, one
    measured run each, seconds on stdout), so that the driver can interleave
    the implementations: load from other processes then hits all alike."""
    with open(data_path, 'rb') as f:
        data = f.read()
    funcs = {}
    ratios = {}
    for config, (block_id, linked, checksum) in CONFIGS.items():
        if impl == 'lz4.frame':
            ops = _lz4frame_ops(data, block_id, linked, checksum)
        else:
            import lz4framed
            ops = _lz4framed_ops(lz4framed, data, block_id, linked, checksum)
        ratios[config] = len(ops[0]) / len(data)
        for op, func in zip(OPERATIONS, ops[1:]):
            func()  # warm up, and check the result once
            funcs['%s|%s' % (config, op)] = func
    print(json.dumps(ratios), flush=True)
    for line in sys.stdin:
        func = funcs[line.strip()]
        start = time.perf_counter()
        func()
        print(time.perf_counter() - start, flush=True)


# ---------------------------------------------------------------------------
# Driver side.


def make_data(size):
    """Log-like text (LZ4 ratio about 0.4, like real logs): lines of a
    timestamp, a level, a component and a message of words drawn with a
    Zipf-like distribution. 8 MiB are generated and repeated; LZ4's 64 KiB
    window never sees the repetition."""
    rng = random.Random(20261125)
    words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(2, 10)))
             for _ in range(2000)]
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    components = words[:40]
    levels = ['INFO'] * 8 + ['DEBUG'] * 4 + ['WARN', 'ERROR']
    unit = min(size, 8 << 20)
    lines = []
    length = 0
    while length < unit:
        message = ' '.join(rng.choices(words, weights, k=rng.randint(3, 14)))
        line = '2026-11-25 %02d:%02d:%02d.%03d %-5s [%s] %s (took %d ms)\n' % (
            rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999),
            rng.choice(levels), rng.choice(components), message, rng.randint(0, 500))
        lines.append(line)
        length += len(line)
    block = ''.join(lines).encode()[:unit]
    return block * (size // unit) + block[:size % unit]


def setup(venv_dir):
    ours = os.path.join(venv_dir, 'ours')
    old = os.path.join(venv_dir, 'old')
    for path in (ours, old):
        if not os.path.exists(path):
            subprocess.run([sys.executable, '-m', 'venv', path], check=True)
    subprocess.run([os.path.join(ours, 'bin', 'pip'), 'install', '-q', os.path.join(REPO, 'python')], check=True)
    subprocess.run([os.path.join(old, 'bin', 'pip'), 'install', '-q', '--no-binary', 'py-lz4framed',
                    'py-lz4framed==0.14.0', 'lz4'], check=True)


class Worker(object):
    def __init__(self, python, impl, data_path):
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), '--worker', impl, data_path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True)
        self.ratios = json.loads(self.proc.stdout.readline())
        self.times = {}

    def measure(self, key):
        self.proc.stdin.write(key + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError('benchmark worker died')
        self.times.setdefault(key, []).append(float(line))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--worker', nargs=2, metavar=('IMPL', 'DATA'), help=argparse.SUPPRESS)
    parser.add_argument('--runs', type=int, default=7, help='runs per measurement (median; at least 5)')
    parser.add_argument('--size-mib', type=int, default=32, help='data size in MiB')
    parser.add_argument('--setup', metavar='DIR', help='create both venvs under DIR, then benchmark')
    parser.add_argument('--venv-dir', metavar='DIR', help='use the venvs --setup created under DIR')
    parser.add_argument('--ours-python', help='interpreter with this package installed')
    parser.add_argument('--old-python', help='interpreter with py-lz4framed 0.14.0 and lz4 installed')
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1])
        return 0
    if args.runs < 5:
        parser.error('--runs must be at least 5')
    venv_dir = args.setup or args.venv_dir
    if args.setup:
        setup(args.setup)
    ours = args.ours_python or (os.path.join(venv_dir, 'ours', 'bin', 'python') if venv_dir else sys.executable)
    old = args.old_python or (os.path.join(venv_dir, 'old', 'bin', 'python') if venv_dir else None)
    if not old:
        parser.error('give --setup DIR, --venv-dir DIR or --old-python')

    data = make_data(args.size_mib << 20)
    names = ('lz4framed (this)', 'py-lz4framed 0.14.0', 'lz4.frame')
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, 'data')
        with open(data_path, 'wb') as f:
            f.write(data)
        workers = [Worker(ours, 'ours', data_path), Worker(old, 'old', data_path),
                   Worker(old, 'lz4.frame', data_path)]
        keys = ['%s|%s' % (config, op) for config in CONFIGS for op in OPERATIONS]
        for run in range(args.runs):
            for key in keys:
                # Rotate the order so that none is always measured first.
                for i in range(len(workers)):
                    workers[(run + i) % len(workers)].measure(key)
        for worker_ in workers:
            worker_.close()
    results = {}
    for name, worker_ in zip(names, workers):
        results[name] = {key: len(data) / statistics.median(times) / 1e6 for key, times in worker_.times.items()}
        results[name].update(('%s|ratio' % config, ratio) for config, ratio in worker_.ratios.items())

    this, old_r, lf = (results[k] for k in ('lz4framed (this)', 'py-lz4framed 0.14.0', 'lz4.frame'))
    print('%d MiB of log-like text, median of %d runs, MB/s of uncompressed data; Python %s.\n'
          'Streaming: 64 KiB pieces in (Compressor, decompress_update) or out (lz4.frame file reads);\n'
          'lz4.frame: LZ4FrameCompressor, LZ4FrameFile(fp).read(), LZ4FrameDecompressor.\n'
          % (args.size_mib, args.runs, sys.version.split()[0]))
    print('| frame | operation | lz4framed (this) | py-lz4framed 0.14.0 | lz4.frame | vs py-lz4framed | vs lz4.frame |')
    print('|---|---|---:|---:|---:|---:|---:|')
    for config in CONFIGS:
        for op in OPERATIONS:
            key = '%s|%s' % (config, op)
            print('| %s | %s | %.0f | %.0f | %.0f | %.2fx | %.2fx |' % (
                config, op, this[key], old_r[key], lf[key], this[key] / old_r[key], this[key] / lf[key]))
    print()
    for config in CONFIGS:
        key = '%s|ratio' % config
        print('compressed/original, %s: this %.3f, py-lz4framed %.3f, lz4.frame %.3f'
              % (config, this[key], old_r[key], lf[key]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
