'use strict';
// Decompresses a file of LZ4 frames (legacy frames and several frames in a
// row included) with the streaming decoder:
//   node decompress.js [--lib PATH] --push [--chunk N] [--out-chunk N] [--no-end-flag] INPUT OUTPUT
//   node decompress.js [--lib PATH] --pull [--read-max N] [--drop-every N] [--out-chunk N] INPUT OUTPUT
// --push feeds the input in pieces of N bytes (lz4framed_decoder_decompress);
// --pull lets the library pull it through a JS read callback
// (lz4framed_decoder_read). --no-end-flag never passes end_of_input: the
// last status tells a complete stream from a truncated one. --read-max makes the source return at most N
// bytes a call; --drop-every makes it throw after every N bytes, like a
// dropped connection: the callback turns that into -1, and decoding goes on
// with a new source opened where the decoder says its input continues.

const fs = require('node:fs');
const {
  koffi, open, takeLibArg, runMain, toSafeNumber,
  OK, NEED_INPUT, OUTPUT_FULL, ERROR_READER_FAILED,
} = require('./lz4framed');

/** Writes `length` bytes of `buf` to the file descriptor `fd`. */
function writeAll(fd, buf, length) {
  for (let done = 0; done < length;) done += fs.writeSync(fd, buf, done, length - done);
}

/**
 * The push loop: read a piece, decompress until the decoder wants more
 * input, repeat. The last piece is passed with end_of_input, so a stream
 * that stops inside a frame is LZ4FRAMED_ERROR_TRUNCATED. With
 * opts.noEndFlag it never is: once the input has ended, the last status
 * says whether the input may end there (OK) or is truncated (NEED_INPUT).
 * Returns that last status.
 */
function pushDecode(lib, dec, inFd, inputStart, outFd, opts) {
  const inputEnd = fs.fstatSync(inFd).size;
  let position = inputStart;
  const input = Buffer.allocUnsafe(opts.chunk);
  const dst = Buffer.allocUnsafe(opts.outChunk);
  let pending = input.subarray(0, 0);
  const consumed = [0];
  const produced = [0];
  for (;;) {
    if (pending.length === 0 && position < inputEnd) {
      const n = fs.readSync(inFd, input, 0, input.length, position);
      position += n;
      pending = input.subarray(0, n);
    }
    const last = position >= inputEnd ? 1 : 0;
    const status = lib.lz4framed_decoder_decompress(dec, pending, pending.length, dst, dst.length,
      opts.noEndFlag ? 0 : last, consumed, produced);
    lib.check(status, 'lz4framed_decoder_decompress', [OK, NEED_INPUT, OUTPUT_FULL]);
    writeAll(outFd, dst, produced[0]);
    // Unconsumed input must be presented again.
    pending = pending.subarray(consumed[0]);
    if (opts.stopAt !== undefined && lib.inputConsumed(dec) >= opts.stopAt) return status;
    if (status === OUTPUT_FULL || pending.length > 0 || !last) continue;
    // All input given: OK means the stream may end here.
    if (status === OK || opts.noEndFlag) return status;
    throw new Error('lz4framed_decoder_decompress: NEED_INPUT after end_of_input');
  }
}

/** A file read from `position` on; with `dropEvery` it fails like a connection. */
class FileSource {
  constructor(fd, position, opts) {
    this.fd = fd;
    this.position = position;
    this.readMax = opts.readMax;
    this.dropEvery = opts.dropEvery;
    this.served = 0;
    this.ended = false;
    this.error = null;
  }

  read(view) {
    let want = view.length;
    if (this.readMax) want = Math.min(want, this.readMax);
    if (this.dropEvery) {
      if (this.served >= this.dropEvery) {
        throw new Error(`connection dropped after ${this.served} bytes`);
      }
      want = Math.min(want, this.dropEvery - this.served);
    }
    const n = fs.readSync(this.fd, view, 0, want, this.position);
    this.position += n;
    this.served += n;
    return n;
  }

  /**
   * The lz4framed_read_fn for this source. Whatever goes wrong inside is
   * caught and reported as -1: an exception escaping into koffi would make
   * the library see 0 ("this source ended"), and the status and counts of
   * the call would be lost to the exception.
   */
  callback() {
    return (_ctx, buf, capacity) => {
      try {
        // A view on the library's buffer: `capacity` bytes, no more.
        const n = this.read(new Uint8Array(koffi.view(buf, capacity)));
        if (n === 0) this.ended = true;
        return n;
      } catch (err) {
        this.error = err;
        return -1;
      }
    };
  }
}

/**
 * The pull loop: the library asks the source for exactly the bytes it
 * consumes. Returns the number of times the source was replaced.
 */
function pullDecode(lib, dec, inFd, inputStart, outFd, opts, log) {
  const dst = Buffer.allocUnsafe(opts.outChunk);
  const srcRead = [0];
  const produced = [0];
  let source = new FileSource(inFd, inputStart, opts);
  let reconnects = 0;
  for (;;) {
    const status = lib.lz4framed_decoder_read(dec, source.callback(), null, dst, dst.length,
      srcRead, produced);
    if (status === ERROR_READER_FAILED) {
      // Not a decoder failure: this call's output is valid and counted
      // (READER_FAILED still writes both counts), and the decoder goes on
      // with whatever source the next call passes.
      writeAll(outFd, dst, produced[0]);
      if (!source.error) lib.check(status, 'lz4framed_decoder_read'); // not ours: a bug
      const at = lib.inputConsumed(dec);
      log(`source failed (${source.error.message}); reading again from input offset ${at}`);
      source = new FileSource(inFd, toSafeNumber(at, 'input offset'), opts);
      reconnects++;
      continue;
    }
    lib.check(status, 'lz4framed_decoder_read', [OK, NEED_INPUT, OUTPUT_FULL]);
    writeAll(outFd, dst, produced[0]);
    if (status === OUTPUT_FULL) continue;
    // OK or NEED_INPUT: the source returned 0. OK: the input may end here.
    // NEED_INPUT: the file ended inside a frame; finish() reports it.
    if (!source.ended) throw new Error(`lz4framed_decoder_read: ${lib.lz4framed_status_name(status)} before the source ended`);
    return reconnects;
  }
}

/**
 * No input follows: end_of_input closes a legacy frame (so frames_done
 * counts it) and turns a stream that stopped inside a frame into
 * LZ4FRAMED_ERROR_TRUNCATED.
 */
function finish(lib, dec) {
  const consumed = [0];
  const produced = [0];
  lib.check(lib.lz4framed_decoder_decompress(dec, null, 0, null, 0, 1, consumed, produced),
    'lz4framed_decoder_decompress(end_of_input)');
}

function parseArgs(argv) {
  const opts = {
    mode: null, chunk: 4099, outChunk: 10007, readMax: 0, dropEvery: 0, noEndFlag: false, files: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const n = Number.parseInt(argv[++i], 10);
      if (!(n > 0)) throw new Error(`${arg} needs a positive number`);
      return n;
    };
    if (arg === '--push' || arg === '--pull') opts.mode = arg.slice(2);
    else if (arg === '--chunk') opts.chunk = value();
    else if (arg === '--out-chunk') opts.outChunk = value();
    else if (arg === '--read-max') opts.readMax = value();
    else if (arg === '--drop-every') opts.dropEvery = value();
    else if (arg === '--no-end-flag') opts.noEndFlag = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else opts.files.push(arg);
  }
  if (!opts.mode || opts.files.length !== 2) {
    throw new Error('usage: node decompress.js --push|--pull [options] INPUT OUTPUT');
  }
  return opts;
}

function main() {
  const [libPath, argv] = takeLibArg(process.argv.slice(2));
  const opts = parseArgs(argv);
  const lib = open(libPath);
  const [inputPath, outputPath] = opts.files;
  const inFd = fs.openSync(inputPath, 'r');
  const outFd = fs.openSync(outputPath, 'w');
  const dec = lib.newDecoder();
  try {
    let reconnects = 0;
    if (opts.mode === 'push') {
      const status = pushDecode(lib, dec, inFd, 0, outFd, opts);
      console.log(`input ended after ${lib.lz4framed_status_name(status)}; ` +
        `input may end here: ${lib.lz4framed_decoder_input_may_end(dec)}`);
    } else {
      reconnects = pullDecode(lib, dec, inFd, 0, outFd, opts, (line) => console.log(line));
    }
    finish(lib, dec);
    console.log(`${opts.mode}: ${lib.inputConsumed(dec)} -> ${lib.outputProduced(dec)} bytes, ` +
      `${lib.framesDone(dec)} frames, ${reconnects} reconnects`);
  } finally {
    lib.lz4framed_decoder_free(dec);
    fs.closeSync(outFd);
    fs.closeSync(inFd);
  }
}

if (require.main === module) runMain(main);

module.exports = { pushDecode, pullDecode, finish, writeAll, FileSource };
