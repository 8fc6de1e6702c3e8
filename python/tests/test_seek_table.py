"""Seek tables from Python: compress(seek_table=), compress_begin() and
Compressor(seek_table=) end the file with a table whose entries cover the
frame exactly (parsed here byte by byte, docs/SEEK_FORMAT.md), the same
bytes with workers, the lz4 tool decodes such files, and bad spans are
refused."""

import struct
import subprocess

import pytest

import lz4framed
from conftest import make_data

DATA = make_data(3 << 20, seed=7)
MIB = 1 << 20


def entries(file):
    """The (kind, compressed, decompressed) entries of the table ending
    `file`, checked against its footer and its position."""
    assert struct.unpack_from('<I', file, len(file) - 4)[0] == 0x8E5A4CF3
    total, count, version = struct.unpack_from('<QIB', file, len(file) - 24)
    assert version == 1
    start = len(file) - 32 - 8 * count
    magic, size = struct.unpack_from('<II', file, start)
    assert (magic, size) == (0x184D2A5C, 8 * count + 24)
    rows = []
    for i in range(count):
        first, decompressed = struct.unpack_from('<II', file, start + 8 + 8 * i)
        rows.append((first >> 30, first & ((1 << 30) - 1), decompressed))
    assert sum(r[1] for r in rows) == start
    assert sum(r[2] for r in rows) == total
    return rows


@pytest.mark.parametrize('linked', [False, True])
def test_compress_writes_a_table_with_a_point_per_span(linked):
    plain = lz4framed.compress(DATA, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX64KB, block_mode_linked=linked)
    file = lz4framed.compress(DATA, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX64KB, block_mode_linked=linked,
                              seek_table=MIB)
    rows = entries(file)
    # A frame entry, then a block (1) or linked restart (2) entry per MiB.
    assert [r[0] for r in rows] == [0, 2 if linked else 1, 2 if linked else 1]
    assert [r[2] for r in rows] == [MIB, MIB, len(DATA) - 2 * MIB]
    assert lz4framed.decompress(file) == DATA
    if not linked:
        assert file[:len(plain)] == plain
    assert lz4framed.compress(DATA, block_size_id=lz4framed.LZ4F_BLOCKSIZE_MAX64KB, block_mode_linked=linked,
                              seek_table=MIB, workers=2) == file


def test_default_span_and_no_table():
    file = lz4framed.compress(DATA, seek_table=True)
    assert [r[2] for r in entries(file)] == [len(DATA)]
    assert lz4framed.SEEK_TABLE_DEFAULT_SPAN == 4 * MIB
    assert lz4framed.compress(DATA, seek_table=False) == lz4framed.compress(DATA)


def test_streaming_and_compressor_end_with_the_table():
    ctx = lz4framed.create_compression_context()
    out = [lz4framed.compress_begin(ctx, block_mode_linked=False, checksum=True, seek_table=512 << 10)]
    for at in range(0, len(DATA), 300000):
        out.append(lz4framed.compress_update(ctx, DATA[at:at + 300000]))
    out.append(lz4framed.compress_end(ctx))
    file = b''.join(out)
    rows = entries(file)
    assert len(rows) == 6 and sum(r[2] for r in rows) == len(DATA)
    assert lz4framed.decompress(file) == DATA
    c = lz4framed.Compressor(seek_table=MIB, workers=2, block_mode_linked=False)
    pieces = [c.update(DATA[:MIB]), c.update(DATA[MIB:]), c.end()]
    compressed = b''.join(pieces)
    assert [r[2] for r in entries(compressed)] == [MIB, MIB, len(DATA) - 2 * MIB]
    assert lz4framed.decompress(compressed) == DATA


def test_lz4_tool_decodes_a_file_with_a_table(lz4_tool, tmp_path):
    path = tmp_path / 'table.lz4'
    path.write_bytes(lz4framed.compress(DATA, checksum=True, seek_table=MIB))
    proc = subprocess.run([lz4_tool, '-d', '-c', '-q', str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == DATA


@pytest.mark.parametrize('bad', [-1, 1000, 1 << 62, 1.5])
def test_bad_spans_are_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        lz4framed.compress(DATA, seek_table=bad)
    with pytest.raises((ValueError, TypeError)):
        lz4framed.Compressor(seek_table=bad)


@pytest.mark.parametrize('kwargs', [dict(block_mode_linked=True), dict(block_mode_linked=False),
                                    dict(block_mode_linked=True, workers=2)])
def test_marshalled_and_cloned_compressors_end_with_the_same_table(kwargs):
    """The seek table's record travels in the state: a Compressor marshalled
    or cloned mid-frame ends with the bytes, table included, of one that
    was not."""
    def run(hop):
        c = lz4framed.Compressor(seek_table=512 << 10, **kwargs)
        out = []
        for i, at in enumerate(range(0, len(DATA), 200000)):
            if hop and i % 3 == 1:
                c = lz4framed.Compressor.unmarshal(c.marshal()) if i % 2 else c.clone()
            out.append(c.update(DATA[at:at + 200000]))
        out.append(c.end())
        return b''.join(out)
    plain = run(False)
    assert run(True) == plain
    assert len(entries(plain)) >= 4 and lz4framed.decompress(plain) == DATA
