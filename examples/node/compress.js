'use strict';
// Compresses a file into one LZ4 frame, in one call or with the streaming
// encoder, and prints what the frame header declares:
//   node compress.js [--lib PATH] [--stream [--chunk N] [--flush]]
//                    [--level N] [--block-size 4..7] [--independent]
//                    [--block-checksum] [--no-content-checksum] [--content-size]
//                    INPUT OUTPUT

const fs = require('node:fs');
const { open, takeLibArg, runMain, MAX_HEADER_SIZE } = require('./lz4framed');

function parseArgs(argv) {
  const opts = { stream: false, flush: false, chunk: 100000, files: [] };
  // A zeroed struct means the library's defaults; the JS object only names
  // the fields it sets (koffi passes the others as zero).
  const prefs = { content_checksum: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Struct fields get JS integers only: koffi silently wraps a number
    // out of the field's range, and aborts the process on a string or a
    // boolean.
    const value = () => {
      const text = argv[++i];
      const n = Number(text);
      if (text === undefined || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
        throw new Error(`${arg} needs an integer`);
      }
      return n;
    };
    if (arg === '--stream') opts.stream = true;
    else if (arg === '--flush') opts.flush = true;
    else if (arg === '--chunk') opts.chunk = value();
    else if (arg === '--level') prefs.level = value();
    else if (arg === '--block-size') prefs.block_size_id = value();
    else if (arg === '--independent') prefs.block_independent = 1;
    else if (arg === '--block-checksum') prefs.block_checksum = 1;
    else if (arg === '--no-content-checksum') prefs.content_checksum = 0;
    else if (arg === '--content-size') prefs.content_size_flag = 1;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else opts.files.push(arg);
  }
  if (opts.files.length !== 2 || !(opts.chunk > 0)) {
    throw new Error('usage: node compress.js [options] INPUT OUTPUT');
  }
  return { opts, prefs };
}

/** One call: lz4framed_compress into a buffer of lz4framed_compress_frame_bound bytes. */
function compressOneShot(lib, input, prefs) {
  const bound = lib.lz4framed_compress_frame_bound(input.length, prefs);
  // 0 means the preferences are invalid: the call itself says which error.
  const dst = Buffer.allocUnsafe(Math.max(bound, 1));
  const size = [0];
  lib.check(lib.lz4framed_compress(input, input.length, dst, dst.length, prefs, size),
    'lz4framed_compress');
  return [dst.subarray(0, size[0])];
}

/** The streaming encoder: begin, update per chunk (optionally flush), end. */
function compressStreaming(lib, fd, inputSize, prefs, opts) {
  const pieces = [];
  const enc = [null];
  lib.check(lib.lz4framed_encoder_new(prefs, enc), 'lz4framed_encoder_new');
  try {
    const written = [0];
    if (prefs.content_size_flag) {
      // A uint64_t parameter: koffi takes a Number or a BigInt.
      lib.check(lib.lz4framed_encoder_set_content_size(enc[0], 1, BigInt(inputSize)),
        'lz4framed_encoder_set_content_size');
    }
    const header = Buffer.allocUnsafe(MAX_HEADER_SIZE);
    lib.check(lib.lz4framed_encoder_begin(enc[0], header, header.length, written),
      'lz4framed_encoder_begin');
    pieces.push(header.subarray(0, written[0]));

    const chunk = Buffer.allocUnsafe(opts.chunk);
    const dst = Buffer.allocUnsafe(lib.lz4framed_compress_bound(chunk.length, prefs));
    const tail = Buffer.allocUnsafe(lib.lz4framed_compress_bound(0, prefs));
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      lib.check(lib.lz4framed_encoder_update(enc[0], chunk, n, dst, dst.length, written),
        'lz4framed_encoder_update');
      // Copy: dst is reused by the next call.
      pieces.push(Buffer.from(dst.subarray(0, written[0])));
      if (opts.flush) {
        lib.check(lib.lz4framed_encoder_flush(enc[0], tail, tail.length, written),
          'lz4framed_encoder_flush');
        pieces.push(Buffer.from(tail.subarray(0, written[0])));
      }
    }
    lib.check(lib.lz4framed_encoder_end(enc[0], tail, tail.length, written), 'lz4framed_encoder_end');
    pieces.push(Buffer.from(tail.subarray(0, written[0])));
  } finally {
    lib.lz4framed_encoder_free(enc[0]);
  }
  return pieces;
}

runMain(() => {
  const [libPath, argv] = takeLibArg(process.argv.slice(2));
  const { opts, prefs } = parseArgs(argv);
  const lib = open(libPath);
  const [inputPath, outputPath] = opts.files;

  let pieces;
  let inputSize;
  if (opts.stream) {
    const fd = fs.openSync(inputPath, 'r');
    try {
      inputSize = fs.fstatSync(fd).size;
      pieces = compressStreaming(lib, fd, inputSize, prefs, opts);
    } finally {
      fs.closeSync(fd);
    }
  } else {
    const input = fs.readFileSync(inputPath);
    inputSize = input.length;
    pieces = compressOneShot(lib, input, prefs);
  }
  const output = Buffer.concat(pieces);
  fs.writeFileSync(outputPath, output);

  // Read the header back: lz4framed_frame_info is an output struct.
  const info = {};
  const headerSize = [0];
  lib.check(lib.lz4framed_get_frame_info(output, output.length, info, headerSize),
    'lz4framed_get_frame_info');
  const fields = Object.entries(info)
    .filter(([name]) => !name.startsWith('reserved'))
    .map(([name, value]) => `${name}=${value}`);
  console.log(`${opts.stream ? 'stream' : 'oneshot'} ${inputSize} -> ${output.length} bytes`);
  console.log(`header ${headerSize[0]} bytes: ${fields.join(' ')}`);
});
