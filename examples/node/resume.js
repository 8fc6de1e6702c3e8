'use strict';
// Stops a decompression mid-stream and finishes it in another process:
//   node resume.js [--lib PATH] save --stop-at N INPUT STATE OUTPUT
//   node resume.js [--lib PATH] finish INPUT STATE OUTPUT
// `save` decodes INPUT into OUTPUT until at least N input bytes are
// consumed (usually in the middle of a block), marshals the decoder into
// the file STATE and exits. `finish` unmarshals STATE, cuts OUTPUT back to
// the output the saved decoder had delivered, reads INPUT from the offset
// the decoder reports and decodes the rest.

const fs = require('node:fs');
const { open, takeLibArg, runMain, toSafeNumber } = require('./lz4framed');
const { pushDecode, pullDecode, finish } = require('./decompress');

function position(lib, dec) {
  return `input ${lib.inputConsumed(dec)}, output ${lib.outputProduced(dec)}, ` +
    `at block boundary ${lib.lz4framed_decoder_at_block_boundary(dec)}`;
}

/** The state into a buffer the caller allocates, sized by marshal_size. */
function marshalInto(lib, dec) {
  const size = [0];
  lib.check(lib.lz4framed_decoder_marshal_size(dec, size), 'lz4framed_decoder_marshal_size');
  const blob = Buffer.allocUnsafe(size[0]);
  const written = [0];
  lib.check(lib.lz4framed_decoder_marshal(dec, blob, blob.length, written), 'lz4framed_decoder_marshal');
  return blob.subarray(0, written[0]);
}

function save(lib, stopAt, inputPath, statePath, outputPath) {
  const inFd = fs.openSync(inputPath, 'r');
  const outFd = fs.openSync(outputPath, 'w');
  const dec = lib.newDecoder();
  try {
    pushDecode(lib, dec, inFd, 0, outFd, { chunk: 1000, outChunk: 10007, stopAt: BigInt(stopAt) });
    // Both ways of marshalling give the same bytes.
    const blob = lib.marshal(dec);
    if (!blob.equals(marshalInto(lib, dec))) throw new Error('marshal and marshal_alloc differ');
    // Output first, then the state that refers to it, renamed into place
    // so that a crash never leaves half a state file.
    fs.fsyncSync(outFd);
    fs.writeFileSync(`${statePath}.tmp`, blob);
    fs.renameSync(`${statePath}.tmp`, statePath);
    console.log(`saved ${blob.length} bytes of state: ${position(lib, dec)}`);
  } finally {
    lib.lz4framed_decoder_free(dec);
    fs.closeSync(outFd);
    fs.closeSync(inFd);
  }
}

function resume(lib, inputPath, statePath, outputPath) {
  const blob = fs.readFileSync(statePath);
  const out = [null];
  // No dictionary: NULL and 0.
  lib.check(lib.lz4framed_decoder_unmarshal(blob, blob.length, null, 0, out),
    'lz4framed_decoder_unmarshal');
  const dec = out[0];
  let inFd;
  let outFd;
  try {
    console.log(`restored: ${position(lib, dec)}`);
    // Whatever was written after the checkpoint is written again.
    const kept = lib.outputProduced(dec);
    fs.truncateSync(outputPath, toSafeNumber(kept, 'output size'));
    inFd = fs.openSync(inputPath, 'r');
    outFd = fs.openSync(outputPath, 'a');
    const start = toSafeNumber(lib.inputConsumed(dec), 'input offset');
    pullDecode(lib, dec, inFd, start, outFd, { outChunk: 65536 }, (line) => console.log(line));
    finish(lib, dec);
    console.log(`finished: ${position(lib, dec)}, ${lib.framesDone(dec)} frames, ` +
      `${lib.outputProduced(dec) - kept} bytes after the checkpoint`);
  } finally {
    lib.lz4framed_decoder_free(dec);
    if (outFd !== undefined) fs.closeSync(outFd);
    if (inFd !== undefined) fs.closeSync(inFd);
  }
}

runMain(() => {
  const [libPath, argv] = takeLibArg(process.argv.slice(2));
  const [command, ...rest] = argv;
  if (command === 'save' && rest.length === 5 && rest[0] === '--stop-at') {
    const stopAt = Number.parseInt(rest[1], 10);
    if (!(stopAt >= 0)) throw new Error('--stop-at needs a byte offset');
    save(open(libPath), stopAt, rest[2], rest[3], rest[4]);
  } else if (command === 'finish' && rest.length === 3) {
    resume(open(libPath), rest[0], rest[1], rest[2]);
  } else {
    throw new Error('usage: node resume.js save --stop-at N INPUT STATE OUTPUT | finish INPUT STATE OUTPUT');
  }
});
