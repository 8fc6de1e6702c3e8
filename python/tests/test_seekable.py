"""Random access: lz4framed.open over files made by this package and by the
lz4 tool, with tarfile, io wrappers, threads and several processes, and
the errors of refused indexes and failing files."""

import io
import os
import random
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
