"""Streams that end with a legacy frame (lz4 -l), which has no end mark: every
consumer must decode what the lz4 tool writes, and a source that fails is
reported where it failed and can be replaced."""

import io
import subprocess
import sys

import pytest

import lz4framed
from lz4framed import Decompressor, Lz4FramedNoDataError, decompress, decompress_update

from conftest import make_data

MIB = 1 << 20
# Larger than 8 MiB, so the legacy frames hold several 8 MiB blocks (the
# last one short). The 1 MiB pattern repeats beyond the 64 KiB window, so
# every block is really compressed.
PLAIN = make_data(MIB, seed=3) * 17 + make_data(12345, seed=4)
OTHER = make_data(200 * 1024, seed=6)


def lz4(tool, tmp_path, data, *flags):
    """data compressed by the lz4 tool, from a file (as users do)."""
    src, dst = tmp_path / 'in', tmp_path / 'out.lz4'
    src.write_bytes(data)
    subprocess.run([tool, '-q', '-f'] + list(flags) + [str(src), str(dst)], check=True)
    return dst.read_bytes()


@pytest.fixture(scope='module')
def streams(lz4_tool, tmp_path_factory):
    """name -> (compressed stream, its content): legacy output alone, two
    legacy outputs concatenated, and regular frames followed by legacy output."""
    tmp = tmp_path_factory.mktemp('legacy')
    legacy = lz4(lz4_tool, tmp, PLAIN, '-l')
    assert legacy[:4] == b'\x02\x21\x4c\x18', 'lz4 -l writes the legacy magic number'
    assert legacy.count(b'\x02\x21\x4c\x18') >= 1 and len(legacy) > 3 * MIB
    legacy_other = lz4(lz4_tool, tmp, OTHER, '-l')
    regular = lz4(lz4_tool, tmp, OTHER, '--content-size') + lz4(lz4_tool, tmp, OTHER[:5000], '-BD')
    return {
        'legacy': (legacy, PLAIN),
        'legacy+legacy': (legacy + legacy_other, PLAIN + OTHER),
        'frames+legacy': (regular + legacy, OTHER + OTHER[:5000] + PLAIN),
    }


NAMES = ('legacy', 'legacy+legacy', 'frames+legacy')


@pytest.mark.parametrize('name', NAMES)
def test_decompress(streams, name):
    stream, plain = streams[name]
    assert decompress(stream) == plain
    # Cut inside a block it is truncated; cut after a whole stream it is not.
    with pytest.raises(ValueError, match='frame incomplete'):
        decompress(stream[:-100])


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('single', (False, True))
def test_decompressor_over_a_file(streams, name, single, tmp_path):
    stream, plain = streams[name]
    path = tmp_path / 'stream.lz4'
    path.write_bytes(stream)
    with open(path, 'rb') as f:
        d = Decompressor(f, single_frame=single)
        out = b''.join(d)
        if not single:
            assert out == plain and d.data_read == len(stream)
            assert d.ctx.input_may_end and f.read() == b''
            return
        # One frame: the first legacy frame ends where the next magic stands.
        first = plain if name == 'legacy' else PLAIN if name == 'legacy+legacy' else OTHER
        assert out == first
        if name == 'legacy':
            assert d.data_read == len(stream)
            return
        # What follows is decoded from where that frame ended (a legacy
        # frame's end was seen as the next magic number, already read).
        at = d.data_read - 4 if name == 'legacy+legacy' else d.data_read
        assert out + b''.join(Decompressor(io.BytesIO(stream[at:]))) == plain


@pytest.mark.parametrize('name', NAMES)
def test_decompressor_truncated_inside_a_block(streams, name):
    stream, plain = streams[name]
    d = Decompressor(io.BytesIO(stream[:-1000]))
    got = []
    with pytest.raises(Lz4FramedNoDataError):
        for chunk in d:
            got.append(chunk)
    # Nothing is lost: the rest continues the stream.
    d.setfp(io.BytesIO(stream[d.data_read:]))
    got.extend(d)
    assert b''.join(got) == plain


@pytest.mark.parametrize('name', NAMES)
def test_setfp_pieces_end_anywhere(streams, name):
    """A source that comes in pieces (a connection per piece): a piece may
    end inside a block (no data yet) or between legacy blocks (the stream
    may end there); either way the next piece continues."""
    stream, plain = streams[name]
    cuts = [1, 5, 4 * MIB + 3, len(stream) // 2, len(stream) - 7, len(stream)]
    # Also exactly between two legacy blocks, where the stream may end.
    legacy_at = stream.index(b'\x02\x21\x4c\x18')
    first_block = int.from_bytes(stream[legacy_at + 4:legacy_at + 8], 'little')
    between = legacy_at + 8 + first_block
    cuts = sorted(set(cuts + [between]))
    d = Decompressor(io.BytesIO(stream[:cuts[0]]))
    got = []
    ended_clean = []
    for at, until in zip(cuts, cuts[1:] + [None]):
        try:
            got.extend(d)
            ended_clean.append(d.data_read)
        except Lz4FramedNoDataError:
            pass
        if until is None:
            break
        assert d.data_read == at
        d.setfp(io.BytesIO(stream[at:until]))
    assert b''.join(got) == plain
    assert between in ended_clean and len(stream) == ended_clean[-1]


@pytest.mark.parametrize('name', NAMES)
def test_decompress_update(streams, name):
    stream, plain = streams[name]
    ctx = lz4framed.create_decompression_context()
    got = []
    for at in range(0, len(stream), 3 * MIB + 1):
        result = decompress_update(ctx, stream[at:at + 3 * MIB + 1], 1 << 20)
        got.extend(result[:-1])
    assert b''.join(got) == plain
    # The hint 0: the input may end here (after a legacy block too).
    assert result[-1] == 0 and ctx.input_may_end and not ctx.at_frame_boundary


class FailingReader(object):
    """A file object over data that raises OSError once the position
    reaches fail_at (as a dropped connection does)."""

    def __init__(self, data, start, fail_at):
        self.data, self.pos, self.fail_at = data, start, fail_at
        self.failed = False

    def read(self, size=-1):
        if self.pos >= self.fail_at:
            self.failed = True
            raise OSError('connection reset by peer')
        end = min(len(self.data), self.fail_at, self.pos + size if size >= 0 else len(self.data))
        out = self.data[self.pos:end]
        self.pos = end
        return out


@pytest.mark.parametrize('name', NAMES)
def test_failing_source_is_reported_where_it_failed(streams, name):
    stream, plain = streams[name]
    fail_points = iter([9 * MIB + 11, len(stream) - 2, len(stream) + 1])
    reader = FailingReader(stream, 0, 3)
    d = Decompressor(reader)
    got = []
    failures = 0
    while True:
        try:
            for chunk in d:
                got.append(chunk)
        except OSError as ex:
            # Raised by the read that failed, with everything before it
            # delivered and counted: the position is where the source was.
            assert reader.failed and 'connection reset' in str(ex)
            assert d.data_read == reader.pos
            assert plain.startswith(b''.join(got))
            failures += 1
        else:
            break
        reader = FailingReader(stream, d.data_read, next(fail_points))
        d.setfp(reader)
    assert b''.join(got) == plain and failures == 3


@pytest.mark.parametrize('name', NAMES)
def test_cli(streams, name, tmp_path):
    stream, plain = streams[name]
    src, dst = tmp_path / 'in.lz4', tmp_path / 'out'
    src.write_bytes(stream)
    proc = subprocess.run([sys.executable, '-m', 'lz4framed', 'decompress', str(src), str(dst)],
                          stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert dst.read_bytes() == plain
    proc = subprocess.run([sys.executable, '-m', 'lz4framed', 'decompress', '-'], input=stream,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0 and proc.stdout == plain, proc.stderr
    proc = subprocess.run([sys.executable, '-m', 'lz4framed', 'decompress', '-'], input=stream[:-10],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 8 and b'ends inside a frame' in proc.stderr


def test_readme_resume_loop(streams):
    """The resumption loop of python/README.md over a connection that drops."""
    stream, plain = streams['frames+legacy']
    drops = iter([2 * MIB + 5, 11 * MIB])

    def reconnect(offset):
        return FailingReader(stream, offset, next(drops, len(stream) + 1))

    output = io.BytesIO()
    d = lz4framed.Decompressor(reconnect(0))
    while True:
        try:
            for chunk in d:
                output.write(chunk)
            break
        except (lz4framed.Lz4FramedNoDataError, OSError):
            d.setfp(reconnect(offset=d.data_read))
    assert output.getvalue() == plain
