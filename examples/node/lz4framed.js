'use strict';
// liblz4framed for Node.js through koffi: the declarations the example
// scripts need, written from include/lz4framed.h, and a few helpers that
// check every status. docs/BINDINGS.md explains each choice.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

// The library version these declarations were written for. Before 1.0 a
// new minor version may change the structs, so any other major.minor is
// refused at load time instead of being called with the wrong layout.
const ABI_MAJOR = 0;
const ABI_MINOR = 2;

// Status codes (lz4framed_status, an int32_t). Only the ones the scripts
// branch on: text for any code comes from the library itself.
const OK = 0;
const NEED_INPUT = 1;
const OUTPUT_FULL = 2;
const ERROR_READER_FAILED = -40;

const DECODER_SKIP_CHECKSUMS = 1;
const DECODER_STOP_AT_FRAME_END = 2;
const MAX_HEADER_SIZE = 19;

// Types. Opaque handles are pointers to koffi.opaque() types: koffi 3
// represents them as BigInt addresses.
koffi.opaque('lz4framed_decoder');
koffi.opaque('lz4framed_encoder');
koffi.alias('lz4framed_status', 'int32_t');
// ptrdiff_t has the size of a pointer on every platform koffi supports.
koffi.alias('ptrdiff_t', 'intptr_t');
koffi.proto('ptrdiff_t lz4framed_read_fn(void *ctx, void *buf, size_t capacity)');

// Field for field as in the header, in the same order: koffi applies the
// C alignment rules (content_size is 8-aligned). Fields a JS object leaves
// out are passed as zero.
const Preferences = koffi.struct('lz4framed_preferences', {
  level: 'int32_t',
  block_size_id: 'uint32_t',
  block_independent: 'uint32_t',
  block_checksum: 'uint32_t',
  content_checksum: 'uint32_t',
  content_size_flag: 'uint32_t',
  content_size: 'uint64_t',
  auto_flush: 'uint32_t',
  favor_dec_speed: 'uint32_t',
  dict_id: 'uint32_t',
  workers: 'uint32_t',
  seek_table_kib: 'uint32_t',
  // Room to grow: must be zero (left out of a JS object, it is).
  reserved: koffi.array('uint32_t', 6),
});

const FrameInfo = koffi.struct('lz4framed_frame_info', {
  frame_kind: 'uint32_t',
  block_size_id: 'uint32_t',
  block_max_size: 'uint32_t',
  block_linked: 'uint32_t',
  block_checksum: 'uint32_t',
  content_checksum: 'uint32_t',
  has_content_size: 'uint32_t',
  content_size: 'uint64_t',
  has_dict_id: 'uint32_t',
  dict_id: 'uint32_t',
  // Room to grow: written as zero by the library.
  reserved: koffi.array('uint32_t', 4),
});

const PROTOTYPES = [
  'uint32_t lz4framed_version_number(void)',
  'const char *lz4framed_version_string(void)',
  'const char *lz4framed_lz4_version_string(void)',
  // Static strings: koffi copies them into JS strings, nothing to free.
  'const char *lz4framed_status_name(int32_t status)',
  'const char *lz4framed_status_message(int32_t status)',

  'size_t lz4framed_compress_frame_bound(size_t src_size, const lz4framed_preferences *prefs)',
  'size_t lz4framed_compress_bound(size_t src_size, const lz4framed_preferences *prefs)',
  'lz4framed_status lz4framed_compress(const void *src, size_t src_size, void *dst, size_t dst_capacity, const lz4framed_preferences *prefs, _Out_ size_t *dst_size)',
  'lz4framed_status lz4framed_get_frame_info(const void *src, size_t src_size, _Out_ lz4framed_frame_info *info, _Out_ size_t *header_size)',

  'lz4framed_status lz4framed_encoder_new(const lz4framed_preferences *prefs, _Out_ lz4framed_encoder **out)',
  'void lz4framed_encoder_free(lz4framed_encoder *enc)',
  'lz4framed_status lz4framed_encoder_set_content_size(lz4framed_encoder *enc, int has_size, uint64_t size)',
  'lz4framed_status lz4framed_encoder_begin(lz4framed_encoder *enc, void *dst, size_t dst_capacity, _Out_ size_t *written)',
  'lz4framed_status lz4framed_encoder_update(lz4framed_encoder *enc, const void *src, size_t src_size, void *dst, size_t dst_capacity, _Out_ size_t *written)',
  'lz4framed_status lz4framed_encoder_flush(lz4framed_encoder *enc, void *dst, size_t dst_capacity, _Out_ size_t *written)',
  'lz4framed_status lz4framed_encoder_end(lz4framed_encoder *enc, void *dst, size_t dst_capacity, _Out_ size_t *written)',

  'lz4framed_status lz4framed_decoder_new(uint32_t flags, _Out_ lz4framed_decoder **out)',
  'void lz4framed_decoder_free(lz4framed_decoder *dec)',
  'lz4framed_status lz4framed_decoder_decompress(lz4framed_decoder *dec, const void *src, size_t src_size, void *dst, size_t dst_capacity, int end_of_input, _Out_ size_t *src_consumed, _Out_ size_t *dst_produced)',
  // The callback is passed as a plain JS function: koffi makes it a
  // transient callback, valid while this call runs, which is all the
  // library needs (it never keeps read_fn).
  'lz4framed_status lz4framed_decoder_read(lz4framed_decoder *dec, lz4framed_read_fn *read_fn, void *ctx, void *dst, size_t dst_capacity, _Out_ size_t *src_read, _Out_ size_t *dst_produced)',
  'uint64_t lz4framed_decoder_input_consumed(const lz4framed_decoder *dec)',
  'uint64_t lz4framed_decoder_output_produced(const lz4framed_decoder *dec)',
  'uint64_t lz4framed_decoder_frames_done(const lz4framed_decoder *dec)',
  'int lz4framed_decoder_at_block_boundary(const lz4framed_decoder *dec)',
  'int lz4framed_decoder_input_may_end(const lz4framed_decoder *dec)',
  'lz4framed_status lz4framed_decoder_marshal_size(const lz4framed_decoder *dec, _Out_ size_t *size)',
  'lz4framed_status lz4framed_decoder_marshal(const lz4framed_decoder *dec, void *dst, size_t dst_capacity, _Out_ size_t *written)',
  // *blob is memory the library allocated: copy it, then lz4framed_blob_free.
  'lz4framed_status lz4framed_decoder_marshal_alloc(const lz4framed_decoder *dec, _Out_ void **blob, _Out_ size_t *size)',
  'void lz4framed_blob_free(void *blob)',
  'lz4framed_status lz4framed_decoder_unmarshal(const void *blob, size_t blob_size, const void *dict, size_t dict_size, _Out_ lz4framed_decoder **out)',
];

/** An error status from the library, with its name and message. */
class Lz4framedError extends Error {
  constructor(lib, status, what) {
    const name = lib.lz4framed_status_name(status);
    super(`${what}: ${name}: ${lib.lz4framed_status_message(status)}`);
    this.status = status;
    this.statusName = name;
  }
}

/** Where liblz4framed.so is: the argument, $LZ4FRAMED_LIBRARY, or a cargo build. */
function libraryPath(explicit) {
  if (explicit) return explicit;
  if (process.env.LZ4FRAMED_LIBRARY) return process.env.LZ4FRAMED_LIBRARY;
  const target = path.join(__dirname, '..', '..', 'target');
  for (const profile of ['release', 'debug']) {
    const candidate = path.join(target, profile, 'liblz4framed.so');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'liblz4framed.so not found: pass --lib PATH, set LZ4FRAMED_LIBRARY, or run cargo build');
}

/** Loads the library and returns its functions plus the helpers below. */
function open(explicitPath) {
  const file = libraryPath(explicitPath);
  const handle = koffi.load(file);
  const lib = { path: file };
  for (const prototype of PROTOTYPES) {
    const fn = handle.func(prototype);
    lib[fn.info.name] = fn;
  }

  const version = lib.lz4framed_version_number();
  const [major, minor] = [Math.floor(version / 10000), Math.floor(version / 100) % 100];
  if (major !== ABI_MAJOR || minor !== ABI_MINOR) {
    throw new Error(`${file} is lz4framed ${lib.lz4framed_version_string()}; ` +
      `these declarations are for ${ABI_MAJOR}.${ABI_MINOR}.x`);
  }

  /**
   * Every status goes through here: a negative one throws, a non-negative
   * one must be among `expected` (a newer library could return a progress
   * code this code does not know: that is not success either).
   */
  lib.check = (status, what, expected = [OK]) => {
    if (status < 0) throw new Lz4framedError(lib, status, what);
    if (!expected.includes(status)) {
      throw new Error(`${what}: unexpected ${lib.lz4framed_status_name(status)} (${status})`);
    }
    return status;
  };

  /** A new decoder handle; free it with lz4framed_decoder_free. */
  lib.newDecoder = (flags = 0) => {
    const out = [null];
    lib.check(lib.lz4framed_decoder_new(flags, out), 'lz4framed_decoder_new');
    return out[0];
  };

  // uint64_t results arrive as a Number up to 2^53 and as a BigInt above:
  // make them BigInt always, so that arithmetic on them stays exact.
  lib.inputConsumed = (dec) => BigInt(lib.lz4framed_decoder_input_consumed(dec));
  lib.outputProduced = (dec) => BigInt(lib.lz4framed_decoder_output_produced(dec));
  lib.framesDone = (dec) => BigInt(lib.lz4framed_decoder_frames_done(dec));

  /** The decoder's state as a Buffer, through lz4framed_decoder_marshal_alloc. */
  lib.marshal = (dec) => {
    const blob = [null];
    const size = [0];
    lib.check(lib.lz4framed_decoder_marshal_alloc(dec, blob, size), 'lz4framed_decoder_marshal_alloc');
    try {
      // koffi.view() is a window on library memory: copy before freeing.
      return Buffer.from(new Uint8Array(koffi.view(blob[0], size[0])));
    } finally {
      lib.lz4framed_blob_free(blob[0]);
    }
  };

  return lib;
}

/** A BigInt file offset or length as a Number, when it is exactly one. */
function toSafeNumber(value, what) {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what} ${value} is beyond 2^53`);
  return Number(value);
}

/**
 * Splits `--lib PATH` off the command line (process.argv.slice(2)) and
 * returns [libPath or undefined, the other arguments].
 */
function takeLibArg(argv) {
  const rest = [];
  let lib;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lib' && i + 1 < argv.length) lib = argv[++i];
    else rest.push(argv[i]);
  }
  return [lib, rest];
}

/**
 * Runs a script's main function: a library error prints its status name
 * and message and exits with 1; any other failure exits with 1 too.
 */
function runMain(main) {
  try {
    main();
  } catch (err) {
    // Library errors and the scripts' own checks are plain Errors: their
    // message says it all. Anything else (a bug) shows its stack.
    const plain = err instanceof Lz4framedError || (err instanceof Error && err.constructor === Error);
    process.stderr.write(`error: ${plain ? err.message : err.stack || err}\n`);
    process.exitCode = 1;
  }
}

module.exports = {
  koffi, open, Lz4framedError, Preferences, FrameInfo, toSafeNumber, takeLibArg, runMain,
  OK, NEED_INPUT, OUTPUT_FULL, ERROR_READER_FAILED,
  DECODER_SKIP_CHECKSUMS, DECODER_STOP_AT_FRAME_END, MAX_HEADER_SIZE,
};
