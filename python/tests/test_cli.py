"""python -m lz4framed"""

import subprocess
import sys

import lz4framed

from conftest import DATA


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, '-m', 'lz4framed'] + list(args), input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def test_files(tmp_path):
    src, packed, unpacked = tmp_path / 'data', tmp_path / 'data.lz4', tmp_path / 'data.out'
    src.write_bytes(DATA)
    assert cli('compress', str(src), str(packed)).returncode == 0
    assert lz4framed.decompress(packed.read_bytes()) == DATA
    unpacked.write_bytes(b'old content that is replaced')
    assert cli('decompress', str(packed), str(unpacked)).returncode == 0
    assert unpacked.read_bytes() == DATA


def test_pipes():
    proc = cli('compress', '-', stdin=DATA)
    assert proc.returncode == 0 and proc.stderr == b''
    assert lz4framed.decompress(proc.stdout) == DATA
    frames = proc.stdout + lz4framed.compress(b'and more', checksum=True)
    proc = cli('decompress', '-', stdin=frames)
    assert proc.returncode == 0 and proc.stdout == DATA + b'and more'
    proc = cli('compress', '-', stdin=b'')
    assert proc.returncode == 0 and lz4framed.decompress(proc.stdout) == b''


def test_with_lz4_tool(lz4_tool):
    packed = cli('compress', '-', stdin=DATA).stdout
    assert subprocess.run(['lz4', '-dc'], input=packed, stdout=subprocess.PIPE, check=True).stdout == DATA
    theirs = subprocess.run(['lz4', '-c'], input=DATA, stdout=subprocess.PIPE, check=True).stdout
    assert cli('decompress', '-', stdin=theirs).stdout == DATA


def test_errors(tmp_path):
    proc = cli()
    assert proc.returncode == 1 and b'USAGE' in proc.stderr
    assert cli('explode', '-').returncode == 1
    assert cli('compress', '-', 'a', 'b').returncode == 1
    proc = cli('compress', str(tmp_path / 'missing'))
    assert proc.returncode == 2 and b'Failed to open input file' in proc.stderr
    proc = cli('compress', '-', str(tmp_path / 'no' / 'such' / 'dir'), stdin=b'x')
    assert proc.returncode == 4 and b'Failed to open output file' in proc.stderr
    proc = cli('decompress', '-', stdin=b'not lz4 data')
    assert proc.returncode == 8 and b'ERROR_frameType_unknown' in proc.stderr
    proc = cli('decompress', '-', stdin=lz4framed.compress(DATA)[:-10])
    assert proc.returncode == 8 and b'ends inside a frame' in proc.stderr
