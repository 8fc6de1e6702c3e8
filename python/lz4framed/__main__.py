"""Command line: python -m lz4framed (compress|decompress) (INFILE|-) [OUTFILE]"""

import sys

from . import Compressor, Decompressor, Lz4FramedError, Lz4FramedNoDataError, get_block_size

USAGE = """USAGE: lz4framed (compress|decompress) (INFILE|-) [OUTFILE]

(De)compresses LZ4 frames. Input is read from INFILE unless set to '-', in
which case stdin is used. If OUTFILE is not specified, output goes to stdout
(an existing OUTFILE is overwritten). Decompression decodes every frame of
the input.

Exit status: 0 success, 1 usage, 2 input cannot be opened, 4 output cannot be
opened, 8 (de)compression error, 16 I/O error."""


def _error(text):
    print(text, file=sys.stderr)


def do_compress(in_stream, out_stream):
    read = in_stream.read
    read_size = get_block_size()
    try:
        with Compressor(out_stream) as compressor:
            while True:
                data = read(read_size)
                if not data:
                    break
                compressor.update(data)
    except Lz4FramedError as ex:
        _error('Compression error: %s' % ex)
        return 8
    return 0


def do_decompress(in_stream, out_stream):
    write = out_stream.write
    try:
        for chunk in Decompressor(in_stream):
            write(chunk)
    except Lz4FramedNoDataError:
        _error('Decompression error: the input ends inside a frame')
        return 8
    except Lz4FramedError as ex:
        _error('Decompression error: %s' % ex)
        return 8
    return 0


def _binary(stream):
    return getattr(stream, 'buffer', stream)


class _OpenFailed(Exception):
    """A file could not be opened; `status` is the exit status to end with."""

    def __init__(self, status):
        Exception.__init__(self, status)
        self.status = status


def _open(path, mode, role, status):
    try:
        return open(path, mode)
    except OSError as ex:
        _error('Failed to open %s file for %s: %s' % (role, 'reading' if 'r' in mode else 'writing', ex))
        raise _OpenFailed(status)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    if not (3 <= len(argv) <= 4 and argv[1] in ('compress', 'decompress')):
        _error(USAGE)
        return 1
    action = do_compress if argv[1] == 'compress' else do_decompress
    in_file = out_file = None
    try:
        if argv[2] != '-':
            in_file = _open(argv[2], 'rb', 'input', 2)
        if len(argv) == 4:
            out_file = _open(argv[3], 'wb', 'output', 4)
        in_stream = _binary(sys.stdin) if in_file is None else in_file
        out_stream = _binary(sys.stdout) if out_file is None else out_file
        status = action(in_stream, out_stream)
        out_stream.flush()
        return status
    except _OpenFailed as ex:
        return ex.status
    except OSError as ex:
        _error('I/O failure: %s' % ex)
        return 16
    finally:
        if in_file is not None:
            in_file.close()
        if out_file is not None:
            out_file.close()

if __name__ == '__main__':
    sys.exit(main())
