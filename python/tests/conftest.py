"""Shared data and helpers for the lz4framed tests."""

import os
import random
import shutil
import subprocess
import sys
from contextlib import contextmanager

import pytest

import lz4framed

SHORT = b'abcdefghijklmnopqrstuvwxyz0123456789'


def make_data(size, seed=1):
    """Text-like data that compresses to roughly half: words from a small
    vocabulary with random numbers in between, so blocks are real LZ4 blocks
    (neither stored uncompressed nor trivially repetitive)."""
    rng = random.Random(seed)
    words = [bytes(rng.choice(b'abcdefghij klmnopqrstuvwxyz') for _ in range(rng.randint(2, 9))) for _ in range(300)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words)
        out += b' %d ' % rng.getrandbits(rng.choice((4, 12, 24)))
    return bytes(out[:size])


DATA = make_data(300 * 1024)

# (name, compress keyword arguments): the frame shapes resumption is tested on.
CONFIGS = [
    ('linked', dict()),
    ('independent+checksum', dict(block_mode_linked=False, checksum=True)),
    ('linked+block_checksum+hc', dict(block_checksum=True, checksum=True, level=9)),
    ('256KB', dict(block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX256KB, checksum=True)),
]


@contextmanager
def raises_lz4(code, name=None):
    """Expects Lz4FramedError with args (name, code)."""
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        yield info
    ex = info.value
    assert type(ex) is lz4framed.Lz4FramedError, ex
    assert len(ex.args) == 2, ex.args
    assert isinstance(ex.args[0], str) and isinstance(ex.args[1], int)
    assert ex.args[1] == code, ex.args
    if name is not None:
        assert ex.args[0] == name, ex.args
    assert ex.message, 'every error carries a message'


def run_python(code, stdin=None, timeout=60):
    """Runs code in a new interpreter with the same lz4framed; returns stdout."""
    proc = subprocess.run([sys.executable, '-c', code], input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr.decode(errors='replace')
    return proc.stdout


@pytest.fixture(scope='session')
def lz4_tool():
    """The lz4 command line tool: tests that need it skip without it on a
    developer machine, and fail where CI is set."""
    path = shutil.which('lz4')
    if path is None:
        if os.environ.get('CI'):
            pytest.fail('CI is set and the lz4 command line tool is not installed')
        pytest.skip('the lz4 command line tool is not installed')
    return path
