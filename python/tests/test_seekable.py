"""Random access: lz4framed.open over files made by this package and by the
lz4 tool, with tarfile, io wrappers, threads and several processes, and
the errors of refused indexes and failing files; and over 10,000 random
reads (every block size in both modes, skippable, legacy and concatenated
frames, lz4 tool output) each compared with the original."""

import io
import os
import random
import struct
import subprocess
import tarfile
import threading

import pytest

import lz4framed
from conftest import make_data, run_python

DATA = make_data(3 << 20, seed=7)


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _check_random_reads(f, data, count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        offset = rng.randrange(len(data) + 10)
        size = rng.randrange(200000)
        f.seek(offset)
        assert f.read(size) == data[offset:offset + size]


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(block_mode_linked=False, checksum=True),
    dict(block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX64KB, block_checksum=True),
    dict(block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX256KB, block_mode_linked=False),
])
def test_random_reads_through_a_built_index(tmp_path, kwargs):
    path = _write(tmp_path, 'data.lz4', lz4framed.compress(DATA, **kwargs))
    with lz4framed.open(str(path), span=256 << 10) as f:
        assert f.seekable() and f.readable()
        _check_random_reads(f, DATA, 60, 1)
        f.seek(-100, io.SEEK_END)
        assert f.read() == DATA[-100:]
        assert f.read(10) == b''
    # A path-like, buffering=0, read_at.
    with lz4framed.open(path, buffering=0) as raw:
        assert isinstance(raw, lz4framed.SeekableFile)
        assert len(raw) == raw.size == len(DATA)
        assert raw.read_at(123456, 1000) == DATA[123456:124456]
        assert raw.read_at(len(DATA) + 5, 10) == b''
        buf = bytearray(5000)
        raw.seek(2 << 20)
        assert raw.readinto(buf) == 5000 and bytes(buf) == DATA[2 << 20:(2 << 20) + 5000]
        with pytest.raises(ValueError):
            raw.read_at(-1, 10)
    with pytest.raises(ValueError):
        raw.read_at(0, 10)


def test_saved_index_and_file_objects(tmp_path):
    frame = lz4framed.compress(DATA, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX64KB)
    path = _write(tmp_path, 'data.lz4', frame)
    index = lz4framed.build_index(str(path), span=200000)
    assert index[:4] == b'L4SI'
    # A real file object (pread on its descriptor) and one without a
    # descriptor (seek and read under a lock).
    with open(path, 'rb') as fobj, lz4framed.open(fobj, index=index) as f:
        _check_random_reads(f, DATA, 30, 2)
    with lz4framed.open(io.BytesIO(frame), index=index) as f:
        _check_random_reads(f, DATA, 30, 3)
    assert lz4framed.build_index(io.BytesIO(frame), span=200000) == index
    # Through io wrappers: text lines.
    text = b''.join(b'line %d of the text\n' % i for i in range(100000))
    tpath = _write(tmp_path, 'text.lz4', lz4framed.compress(text))
    with lz4framed.open(str(tpath)) as f:
        f.seek(len(text) // 2)
        wrapper = io.TextIOWrapper(f, encoding='ascii')
        wrapper.readline()
        assert wrapper.readline() == text[len(text) // 2:].split(b'\n')[1].decode() + '\n'


def test_a_member_from_the_middle_of_a_tar_lz4(tmp_path):
    members = {'first.bin': make_data(1 << 20, seed=1), 'middle.txt': make_data(300000, seed=2),
               'last.bin': make_data(2 << 20, seed=3)}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w') as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = _write(tmp_path, 'archive.tar.lz4', lz4framed.compress(raw.getvalue(), block_mode_linked=False))
    with lz4framed.open(str(path)) as f, tarfile.open(fileobj=f, mode='r:') as tar:
        assert tar.getnames() == list(members)
        assert tar.extractfile('middle.txt').read() == members['middle.txt']
        tar.extract('last.bin', path=str(tmp_path / 'out'), filter='data') if hasattr(tarfile, 'data_filter') \
            else tar.extract('last.bin', path=str(tmp_path / 'out'))
    assert (tmp_path / 'out' / 'last.bin').read_bytes() == members['last.bin']


def test_threads_read_one_file_at_once(tmp_path):
    path = _write(tmp_path, 'data.lz4', lz4framed.compress(DATA, block_checksum=True))
    raw = lz4framed.open(str(path), buffering=0, span=300000)
    failures = []

    def reads(seed):
        rng = random.Random(seed)
        try:
            for _ in range(40):
                offset = rng.randrange(len(DATA))
                size = rng.randrange(100000)
                if raw.read_at(offset, size) != DATA[offset:offset + size]:
                    failures.append((offset, size))
        except Exception as ex:  # pragma: no cover - reported below
            failures.append(ex)

    threads = [threading.Thread(target=reads, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raw.close()
    assert failures == []


def test_several_processes_read_ranges(tmp_path):
    path = _write(tmp_path, 'data.lz4', lz4framed.compress(DATA))
    code = ('import sys, lz4framed\n'
            'offset = int(sys.argv[1]) if len(sys.argv) > 1 else 0\n'
            'f = lz4framed.open(%r)\n'
            'for offset in range(%d, %d, 700000):\n'
            '    f.seek(offset)\n'
            '    sys.stdout.buffer.write(f.read(1000))\n')
    procs = [subprocess.Popen([__import__('sys').executable, '-c', code % (str(path), start, len(DATA))],
                              stdout=subprocess.PIPE) for start in (0, 350000)]
    for proc, start in zip(procs, (0, 350000)):
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        assert out == b''.join(DATA[o:o + 1000] for o in range(start, len(DATA), 700000))
    assert run_python('import lz4framed; print(len(lz4framed.open(%r).read()))' % str(path)).strip() \
        == str(len(DATA)).encode()


@pytest.mark.parametrize('flags', [['-B4'], ['-B5', '--content-size'], ['-B6', '-BD'], ['-B7', '-BX'],
                                   ['-B4', '-BD'], ['-l']])
def test_files_made_by_the_lz4_tool(tmp_path, lz4_tool, flags):
    src = _write(tmp_path, 'plain', DATA)
    dst = tmp_path / 'plain.lz4'
    subprocess.run([lz4_tool, '-q', '-f'] + flags + [str(src), str(dst)], check=True)
    with lz4framed.open(str(dst), span=500000) as f:
        _check_random_reads(f, DATA, 25, 4)


def test_refused_indexes_and_damaged_files(tmp_path):
    frame = lz4framed.compress(DATA, block_checksum=True)
    path = _write(tmp_path, 'data.lz4', frame)
    other = _write(tmp_path, 'other.lz4', lz4framed.compress(DATA[:100000]))
    index = lz4framed.build_index(str(path))
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        lz4framed.open(str(other), index=index)
    assert info.value.args == ('LZ4FRAMED_ERROR_SEEK_STALE', lz4framed.LZ4FRAMED_ERROR_SEEK_STALE)
    damaged = bytearray(index)
    damaged[50] ^= 1
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        lz4framed.open(str(path), index=bytes(damaged))
    assert info.value.args[1] == lz4framed.LZ4FRAMED_ERROR_SEEK_CHECKSUM
    with pytest.raises(lz4framed.Lz4FramedError) as info:
        lz4framed.open(io.BytesIO(frame[:len(frame) // 2]))
    assert info.value.args[1] == lz4framed.LZ4F_ERROR_frameDecoding_alreadyStarted or \
        info.value.status == lz4framed._n.ERRORS['TRUNCATED']
    with pytest.raises(FileNotFoundError):
        lz4framed.open(str(tmp_path / 'missing.lz4'))
    assert lz4framed.LZ4FRAMED_ERROR_SEEK_MISMATCH < 0

    class Failing(io.RawIOBase):
        """Seeks, but every read after the first MiB fails."""

        def __init__(self):
            self.pos = 0

        def seekable(self):
            return True

        def seek(self, pos, whence=0):
            self.pos = pos if whence == 0 else len(frame) + pos
            return self.pos

        def read(self, n):
            if self.pos > 1 << 20:
                raise OSError(5, 'the disk is on fire')
            data = frame[self.pos:self.pos + n]
            self.pos += len(data)
            return data

    with pytest.raises(OSError) as info:
        lz4framed.open(Failing())
    assert 'on fire' in str(info.value)


# ---- Random reads, block size by block size ----
#
# Files of a MiB or so with restart points 16-64 KiB apart, so that reads
# (mostly up to 64 KiB, some up to 320 KiB) start near and cross many
# block, frame and restart points, and the end.

SMALL = DATA[:1200 << 10]
BLOCK_SIZES = [(lz4framed.LZ4F_BLOCKSIZE_MAX64KB, 64 << 10, 1400),
               (lz4framed.LZ4F_BLOCKSIZE_MAX256KB, 256 << 10, 1200),
               (lz4framed.LZ4F_BLOCKSIZE_MAX1MB, 1 << 20, 1000),
               (lz4framed.LZ4F_BLOCKSIZE_MAX4MB, 4 << 20, 800)]
MAX_READ = 320 << 10


class _File(object):
    """A compressed file built piece by piece, its content, and the content
    offsets where blocks and frames begin (where reads are aimed)."""

    def __init__(self):
        self.compressed = bytearray()
        self.content = bytearray()
        self.points = []

    def skippable(self, nibble, payload):
        self.compressed += struct.pack('<II', 0x184D2A50 + nibble, len(payload)) + payload
        self.points.append(len(self.content))

    def frame(self, data, block_size_id, block_bytes, linked, checksum, pieces=None):
        """One frame of data: by compress() (full blocks, content size), or,
        with a seed in pieces, fed to the streaming compressor in random
        pieces with autoflush (a short block at the end of each)."""
        base = len(self.content)
        if pieces is None:
            self.compressed += lz4framed.compress(data, block_size_id=block_size_id, block_mode_linked=linked,
                                                  checksum=checksum, block_checksum=checksum)
            self.points.extend(base + at for at in range(0, len(data), block_bytes))
        else:
            rng = random.Random(pieces)
            ctx = lz4framed.create_compression_context()
            self.compressed += lz4framed.compress_begin(ctx, block_size_id=block_size_id, block_mode_linked=linked,
                                                        checksum=checksum, block_checksum=checksum, autoflush=True)
            at = 0
            while at < len(data):
                n = min(rng.randrange(1, 150000), len(data) - at)
                self.compressed += lz4framed.compress_update(ctx, data[at:at + n])
                self.points.extend(base + at + k for k in range(0, n, block_bytes))
                at += n
            self.compressed += lz4framed.compress_end(ctx)
        self.content += data

    def legacy(self, data, block_size_id, block_bytes):
        """A legacy frame (lz4 -l format) of data in blocks of block_bytes:
        the blocks of an independent-block frame behind their 4-byte
        lengths, a block stored uncompressed becoming an LZ4 block of
        literals only. Returns how many were stored."""
        frame = lz4framed.compress(data, block_size_id=block_size_id, block_mode_linked=False)
        flags = frame[4]
        at = 7 + (8 if flags & 8 else 0) + (4 if flags & 1 else 0)
        out, stored, done = bytearray(struct.pack('<I', 0x184C2102)), 0, 0
        while True:
            word, = struct.unpack_from('<I', frame, at)
            at += 4
            if word == 0:
                break
            size = word & 0x7FFFFFFF
            block = frame[at:at + size]
            at += size + (4 if flags & 16 else 0)
            if word & 0x80000000:
                rest = size - 15
                block = bytes([0xF0]) + b'\xff' * (rest // 255) + bytes([rest % 255]) + block
                stored += 1
            out += struct.pack('<I', len(block)) + block
            self.points.append(len(self.content) + done)
            done += block_bytes
        assert done >= len(data) and at == len(frame) - (4 if flags & 4 else 0)
        self.compressed += out
        self.content += data
        return stored


def _reads(f, data, points, count, seed):
    """count random reads of f (a SeekableFile, or the buffered file over
    one), each compared with data: the bytes, the count, b'' / 0 at and
    past the end. A third start a few bytes either side of a block or frame
    start, some near or past the end, some where the last one stopped;
    lengths 0, a few bytes, up to 64 KiB, up to MAX_READ, or beyond the end.
    Through read_at, seek and read, and seek and readinto."""
    rng = random.Random(seed)
    total = len(data)
    raw = isinstance(f, lz4framed.SeekableFile)
    done = 0
    for i in range(count):
        pick = rng.randrange(100)
        if pick < 33:
            offset = max(0, rng.choice(points) + rng.randrange(-40, 41))
        elif pick < 40:
            offset = max(0, total - rng.randrange(300))
        elif pick < 43:
            offset = total + rng.randrange(100)
        elif pick < 55:
            offset = None  # on from the file position
        else:
            offset = rng.randrange(total + 1)
        pick = rng.randrange(100)
        if pick < 4:
            size = 0
        elif pick < 20:
            size = rng.randrange(1, 17)
        elif pick < 75:
            size = rng.randrange(1, 65537)
        elif pick < 90:
            size = rng.randrange(1, MAX_READ + 1)
        else:
            size = max(total - (offset or f.tell()), 0) + rng.randrange(50)
        how = rng.randrange(3) if raw else 1
        if offset is None:
            offset = f.tell()
        elif how:
            assert f.seek(offset) == offset
        want = data[offset:offset + size]
        what = 'read %d of seed %d: %d + %d' % (i, seed, offset, size)
        if how == 0:
            got = f.read_at(offset, size)
        elif how == 1:
            got = f.read(size)
        else:
            buf = bytearray(b'\xa5' * (size + 16))
            n = f.readinto(memoryview(buf)[:size])
            assert buf[size:] == b'\xa5' * 16, what + ': written after the buffer'
            got = bytes(buf[:n])
        assert len(got) == len(want), '%s: %d bytes, want %d' % (what, len(got), len(want))
        assert got == want, what + ': other bytes'
        if how:
            assert f.tell() == offset + len(want), what
        done += 1
    return done


def _check_file(tmp_path, built, count, span, seed):
    """count random reads of built's file: most through a saved index of
    restart points every span bytes (linked frames: checkpoints), the raw
    file and the buffered one, the rest through an index the file object
    builds itself and through open's default."""
    path = _write(tmp_path, 'file.lz4', bytes(built.compressed))
    data = bytes(built.content)
    index = lz4framed.build_index(str(path), span=span)
    assert index[:4] == b'L4SI'
    done = 0
    with lz4framed.open(str(path), index=index, buffering=0) as raw:
        assert len(raw) == len(data)
        done += _reads(raw, data, built.points, count * 4 // 10, seed)
    with lz4framed.open(str(path), index=index) as f:
        done += _reads(f, data, built.points, count * 3 // 10, seed + 1)
    with open(path, 'rb') as fobj, lz4framed.open(fobj, span=span * 2, buffering=0) as raw:
        done += _reads(raw, data, built.points, count * 2 // 10, seed + 2)
    with lz4framed.open(str(path)) as f:
        done += _reads(f, data, built.points, count - done, seed + 3)
    assert done == count
    return index


@pytest.mark.parametrize('linked', [False, True], ids=['independent', 'linked'])
@pytest.mark.parametrize('block', BLOCK_SIZES, ids=['64KB', '256KB', '1MB', '4MB'])
def test_random_reads_of_every_block_size_and_mode(tmp_path, block, linked):
    """Two frames with a skippable one between: the first in full blocks
    with checksums, the second fed in pieces (short blocks), without."""
    block_size_id, block_bytes, count = block
    built = _File()
    first = len(SMALL) * 3 // 5
    built.frame(SMALL[:first], block_size_id, block_bytes, linked, True)
    built.skippable(block_size_id, b'between the frames')
    built.frame(SMALL[first:], block_size_id, block_bytes, linked, False, pieces=block_size_id)
    span = 16 << (10 + block_size_id % 3)
    _check_file(tmp_path, built, count, span, 100 * block_size_id + linked)


def test_random_reads_of_skippable_legacy_and_concatenated_frames(tmp_path):
    """Skippable frames first, between, last and of no payload; legacy frames
    (two in a row, one of stored blocks, one last); independent and linked
    frames of 64 KiB, 256 KiB and 1 MiB blocks; an empty frame."""
    a = SMALL[:1100 << 10]
    rng = random.Random(5)
    stored = bytes(rng.getrandbits(8) for _ in range(70000))
    built = _File()
    built.skippable(3, b'a skippable frame first')
    built.frame(a[:300000], lz4framed.LZ4F_BLOCKSIZE_MAX64KB, 64 << 10, False, True, pieces=1)
    built.skippable(0, b'\x07' * 1000)
    assert built.legacy(a[300000:440000], lz4framed.LZ4F_BLOCKSIZE_MAX64KB, 64 << 10) == 0
    assert built.legacy(stored, lz4framed.LZ4F_BLOCKSIZE_MAX64KB, 64 << 10) == 2
    built.frame(a[440000:850000], lz4framed.LZ4F_BLOCKSIZE_MAX256KB, 256 << 10, True, True, pieces=2)
    ctx = lz4framed.create_compression_context()
    built.compressed += lz4framed.compress_begin(ctx, checksum=True) + lz4framed.compress_end(ctx)
    built.skippable(9, b'')
    built.frame(a[850000:950000], lz4framed.LZ4F_BLOCKSIZE_MAX1MB, 1 << 20, True, False)
    built.frame(a[950000:], lz4framed.LZ4F_BLOCKSIZE_MAX256KB, 256 << 10, False, False, pieces=4)
    assert built.legacy(a[:30000], lz4framed.LZ4F_BLOCKSIZE_MAX64KB, 64 << 10) == 0
    built.skippable(15, b'and one last')
    assert lz4framed.decompress(bytes(built.compressed)) == bytes(built.content)
    _check_file(tmp_path, built, 1200, 24000, 7)


@pytest.mark.parametrize('flags', [['-B4'], ['-B5'], ['-B6'], ['-B7'], ['-B4', '-BD'], ['-B7', '-BD'],
                                   ['-B5', '-BD', '-BX', '--content-size'], ['-l']])
def test_random_reads_of_lz4_tool_output(tmp_path, lz4_tool, flags):
    """Two outputs of the lz4 tool concatenated, a skippable frame between."""
    built = _File()
    parts = (SMALL[:700000], SMALL[700000:])
    block = {'-B4': 64 << 10, '-B5': 256 << 10, '-B6': 1 << 20, '-B7': 4 << 20, '-l': 8 << 20}[flags[0]]
    for k, part in enumerate(parts):
        src = _write(tmp_path, 'part%d' % k, part)
        subprocess.run([lz4_tool, '-q', '-f'] + flags + [str(src), str(src) + '.lz4'], check=True)
        built.points.extend(len(built.content) + at for at in range(0, len(part), block))
        built.compressed += (tmp_path / ('part%d.lz4' % k)).read_bytes()
        built.content += part
        if k == 0:
            built.skippable(1, b'made by the lz4 tool')
    _check_file(tmp_path, built, 200, 32 << 10, len(flags))
