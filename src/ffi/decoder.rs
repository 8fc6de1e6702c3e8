//! The streaming `lz4framed_decoder`.

use super::args::{Out, dst_slice, src_slice};
use super::blob::into_blob;
use super::frame_info::lz4framed_frame_info;
use super::handle::{Guarded, free_handle, impl_object, into_handle, object, object_mut, query};
use super::macros::ffi_fn;
use super::status::{LZ4FRAMED_OK, status_code};
use crate::decoder::{Decoder, DecoderOptions};
use crate::error::Error;
use std::ffi::{c_int, c_void};

/// lz4framed_decoder_new flag: do not verify block and content checksums
/// (header checksums are always verified).
pub const LZ4FRAMED_DECODER_SKIP_CHECKSUMS: u32 = 1u32;
/// lz4framed_decoder_new flag: return LZ4FRAMED_OK after each frame
/// (skippable frames included) instead of going on with the next one.
pub const LZ4FRAMED_DECODER_STOP_AT_FRAME_END: u32 = 2u32;
const KNOWN_FLAGS: u32 = LZ4FRAMED_DECODER_SKIP_CHECKSUMS | LZ4FRAMED_DECODER_STOP_AT_FRAME_END;

/// A streaming decompressor for any sequence of LZ4, skippable and legacy
/// frames, taking input in pieces of any size and delivering output into
/// buffers of any size.
pub struct lz4framed_decoder {
    guarded: Guarded<Decoder>,
}
impl_object!(lz4framed_decoder(Decoder));

ffi_fn! {
    /// Creates a decoder and stores it in `*out`; the caller owns it and frees
    /// it with lz4framed_decoder_free. `flags`: 0 or LZ4FRAMED_DECODER_* flags ORed.
    /// Errors: NULL_ARGUMENT (`out`), INVALID_ARGUMENT (an unknown flag bit:
    /// such a flag would come from a newer header, and ignoring it could
    /// silently change the result). Thread-safe.
    unsafe fn lz4framed_decoder_new(
        flags: u32,
        out: *mut *mut lz4framed_decoder,
    ) -> lz4framed_status {
        // SAFETY: `out` is NULL or writable, as documented.
        let out = unsafe { Out::new(out) }?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(Error::InvalidArgument);
        }
        let options = DecoderOptions {
            verify_checksums: flags & LZ4FRAMED_DECODER_SKIP_CHECKSUMS == 0,
            stop_at_frame_end: flags & LZ4FRAMED_DECODER_STOP_AT_FRAME_END != 0,
            workers: 0,
        };
        out.write(into_handle(Decoder::with_options(options)));
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Destroys a decoder and everything it owns. NULL is a no-op; freeing
    /// twice is undefined. `dec` must not be in use by another thread.
    #[on_panic(())]
    unsafe fn lz4framed_decoder_free(dec: *mut lz4framed_decoder) {
        // SAFETY: `dec` is NULL or from lz4framed_decoder_new, not yet freed.
        unsafe { free_handle(dec) }
    }
}

ffi_fn! {
    /// Forgets the stream (position, counters, a sticky error) so the decoder
    /// can start a new one; keeps its flags and dictionary. `dec` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, INTERNAL (the decoder was poisoned by a bug).
    unsafe fn lz4framed_decoder_reset(dec: *mut lz4framed_decoder) -> lz4framed_status {
        // SAFETY: `dec` is NULL or a live decoder used by this thread only.
        let dec = unsafe { object_mut(dec) }?;
        dec.with(|d| {
            d.reset();
            Ok(LZ4FRAMED_OK)
        })
    }
}

ffi_fn! {
    /// Sets how many threads decode blocks ahead of the caller: 0 (the
    /// default) keeps all work in the caller's thread; N starts up to N
    /// worker threads of this decoder's own when a frame of independent
    /// blocks arrives, plus one for the content checksum at the first frame
    /// that has one (linked blocks are decoded in the caller's thread, their
    /// checksum on that thread); lz4framed_decoder_reset keeps them,
    /// lz4framed_decoder_free and a count of 0 join them. May be called at
    /// any moment, mid-frame included. Output, errors and the
    /// frame and output counters are those of a decoder without workers; it
    /// may consume input ahead of its output (at most 2 x N runs of blocks),
    /// and its state blob is the state before that input, so a decoder
    /// unmarshalled from it resumes at its own input_consumed, which may be
    /// earlier (README, "Parallel decompression"). A clone keeps the setting
    /// and starts threads of its own. Failing to start a thread fails the
    /// decoding call that needed it.
    /// `dec` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT, INVALID_ARGUMENT (more than
    /// LZ4FRAMED_MAX_WORKERS), INTERNAL.
    unsafe fn lz4framed_decoder_set_workers(
        dec: *mut lz4framed_decoder,
        workers: u32,
    ) -> lz4framed_status {
        // SAFETY: `dec` is NULL or a live decoder used by this thread only.
        let dec = unsafe { object_mut(dec) }?;
        dec.with(|d| {
            d.set_workers(workers)?;
            Ok(LZ4FRAMED_OK)
        })
    }
}

ffi_fn! {
    /// Worker threads the decoder runs now (0 until work for them arrives,
    /// and always with workers 0); 0 for NULL. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_worker_threads(dec: *const lz4framed_decoder) -> u32 {
        // SAFETY: as above.
        unsafe { query(dec, |d| d.worker_threads() as u32) }
    }
}

ffi_fn! {
    /// Sets the dictionary for frames compressed with one; it takes effect at
    /// the next frame start (set it before decoding). The bytes are copied
    /// (only the last 64 KiB matter), so `dict` may be freed on return.
    /// `dict_size` 0 (with any `dict`, NULL included) removes the dictionary:
    /// zero bytes of dictionary are no dictionary, here, in
    /// lz4framed_decoder_unmarshal and in Rust alike.
    /// `dict_id` 0 accepts frames with any dictionary ID; otherwise a frame
    /// declaring another ID fails with DICTIONARY_MISMATCH. Without a
    /// dictionary, frames declaring an ID fail with DICTIONARY_REQUIRED.
    /// `dec` must not be in use by another thread. Errors: NULL_ARGUMENT, INTERNAL.
    unsafe fn lz4framed_decoder_set_dictionary(
        dec: *mut lz4framed_decoder,
        dict: *const c_void,
        dict_size: usize,
        dict_id: u32,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, dict) = unsafe { (object_mut(dec)?, src_slice(dict, dict_size)?) };
        dec.with(|d| {
            d.set_dictionary(dict, (dict_id != 0).then_some(dict_id));
            Ok(LZ4FRAMED_OK)
        })
    }
}

ffi_fn! {
    /// Decodes as much of `src` into `dst` as possible; `*src_consumed` and
    /// `*dst_produced` get the bytes used from each.
    ///
    /// Returns LZ4FRAMED_OK when the input may end here: at a frame boundary,
    /// or between two blocks of a legacy frame (`lz4 -l` output has no end
    /// mark), with all output delivered (with STOP_AT_FRAME_END also after
    /// each frame); a caller whose input has ended is then done,
    /// LZ4FRAMED_NEED_INPUT when all input was consumed inside a frame, or
    /// LZ4FRAMED_OUTPUT_FULL when `dst` is full and more output is waiting
    /// (decoded, or still in `src`: a block is not consumed while `dst` has no
    /// room at all, so that it can be decoded straight into the next `dst`).
    /// Input that was not consumed must be presented again; consumed input is
    /// copied as needed, so `src` may be reused on return. `end_of_input`
    /// nonzero says no input follows this call's: ending inside a frame is then
    /// LZ4FRAMED_ERROR_TRUNCATED instead of NEED_INPUT.
    ///
    /// With workers (lz4framed_decoder_set_workers), output of blocks still
    /// being decoded comes with a later call; a call with `src_size` 0 and
    /// `end_of_input` 0 waits for them and delivers what fits in `dst`: make
    /// it before declaring the end, so that a truncated stream fails only
    /// after all of its whole blocks were delivered, as without workers.
    ///
    /// `src` may be NULL when `src_size` is 0, `dst` when `dst_capacity` is 0.
    /// `dec` must not be in use by another thread.
    /// Errors: NULL_ARGUMENT (leaves the decoder unchanged); TRUNCATED,
    /// BAD_MAGIC and the other frame format errors, checksum errors,
    /// CONTENT_SIZE, DICTIONARY_REQUIRED / _MISMATCH, OUT_OF_MEMORY, THREAD_SPAWN (with
    /// workers: a thread the system refused to start), INTERNAL.
    /// Those are sticky: every later call returns the same error until
    /// lz4framed_decoder_reset. On error the out-parameters are not written
    /// and what the call wrote to `dst` must not be used.
    unsafe fn lz4framed_decoder_decompress(
        dec: *mut lz4framed_decoder,
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_capacity: usize,
        end_of_input: c_int,
        src_consumed: *mut usize,
        dst_produced: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, src, dst, consumed, produced) = unsafe {
            (
                object_mut(dec)?,
                src_slice(src, src_size)?,
                dst_slice(dst, dst_capacity)?,
                Out::new(src_consumed)?,
                Out::new(dst_produced)?,
            )
        };
        let progress = dec.with(|d| d.decompress(src, dst, end_of_input != 0))?;
        consumed.write(progress.consumed);
        produced.write(progress.produced);
        Ok(status_code(progress.status))
    }
}

ffi_fn! {
    /// Total input bytes consumed since creation or reset: after a lost
    /// connection or a crash, the input continues from this offset.
    /// 0 for NULL. Read-only, like every query below: queries may run
    /// concurrently on one decoder, but not with calls that change it.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_input_consumed(dec: *const lz4framed_decoder) -> u64 {
        // SAFETY: `dec` is NULL or live and not mutated during the call.
        unsafe { query(dec, Decoder::input_consumed) }
    }
}

ffi_fn! {
    /// Total output bytes delivered since creation or reset: after a crash,
    /// truncate the output to this size. 0 for NULL. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_output_produced(dec: *const lz4framed_decoder) -> u64 {
        // SAFETY: as above.
        unsafe { query(dec, Decoder::output_produced) }
    }
}

ffi_fn! {
    /// Frames finished so far, skippable frames included. 0 for NULL.
    /// Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_frames_done(dec: *const lz4framed_decoder) -> u64 {
        // SAFETY: as above.
        unsafe { query(dec, Decoder::frames_done) }
    }
}

ffi_fn! {
    /// Skippable frames stepped over so far. 0 for NULL. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_skippable_frames(dec: *const lz4framed_decoder) -> u64 {
        // SAFETY: as above.
        unsafe { query(dec, Decoder::skippable_frames) }
    }
}

ffi_fn! {
    /// How many input bytes complete the item being read (header, block,
    /// checksum, skipped payload); a call with room for at least one output
    /// byte consumes all of them, so a reader may read exactly this much. 0
    /// while decoded output is waiting to be delivered, with workers also
    /// while they hold all the input they may take (a call with `src_size` 0
    /// then collects their output), and for NULL. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_input_hint(dec: *const lz4framed_decoder) -> usize {
        // SAFETY: as above.
        unsafe { query(dec, Decoder::input_hint) }
    }
}

ffi_fn! {
    /// 1 when no partial block or undelivered output is held (the cheapest
    /// point for a checkpoint), else 0; 0 for NULL. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_at_block_boundary(
        dec: *const lz4framed_decoder,
    ) -> c_int {
        // SAFETY: as above.
        unsafe { query(dec, |d| c_int::from(d.at_block_boundary())) }
    }
}

ffi_fn! {
    /// 1 between frames with all output delivered, else 0; 0 for NULL.
    /// Between two blocks of a legacy frame this is 0 although the input may
    /// end there: ask lz4framed_decoder_input_may_end for that. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_at_frame_boundary(
        dec: *const lz4framed_decoder,
    ) -> c_int {
        // SAFETY: as above.
        unsafe { query(dec, |d| c_int::from(d.at_frame_boundary())) }
    }
}

ffi_fn! {
    /// 1 when the input may end here without being truncated: at a frame
    /// boundary, or between two blocks of a legacy frame (`lz4 -l` output has
    /// no end mark, so it may end after any block), with all output delivered;
    /// else 0; 0 for NULL. It is what LZ4FRAMED_OK from the decoding calls
    /// reports. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_input_may_end(dec: *const lz4framed_decoder) -> c_int {
        // SAFETY: as above.
        unsafe { query(dec, |d| c_int::from(d.input_may_end())) }
    }
}

ffi_fn! {
    /// Bytes of buffer memory the decoder holds now, dictionary included: it
    /// grows with the maximum block size of the frame being decoded and only
    /// as far as the data requires. 0 for NULL. Read-only.
    #[on_panic(0)]
    unsafe fn lz4framed_decoder_memory_usage(dec: *const lz4framed_decoder) -> usize {
        // SAFETY: as above.
        unsafe { query(dec, Decoder::memory_usage) }
    }
}

ffi_fn! {
    /// Stores the header of the frame being decoded in `*info`. Read-only.
    /// Errors: NULL_ARGUMENT, WRONG_STAGE (between frames, or before the
    /// header was read whole), INTERNAL.
    unsafe fn lz4framed_decoder_frame_info(
        dec: *const lz4framed_decoder,
        info: *mut lz4framed_frame_info,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, info) = unsafe { (object(dec)?, Out::new(info)?) };
        let frame = dec.frame_info().ok_or(Error::WrongStage)?;
        info.write((&frame).into());
        Ok(LZ4FRAMED_OK)
    }
}

// ---------------------------------------------------------------------------
// Resuming: clone, marshal / unmarshal, and reading through a callback.
// ---------------------------------------------------------------------------

ffi_fn! {
    /// Makes an independent copy of `dec` (position, buffered input, undelivered
    /// output, checksums, dictionary) and stores it in `*out`; the caller owns
    /// the copy and frees it with lz4framed_decoder_free. Both continue to the
    /// same output; freeing or using one never affects the other, and the copy
    /// may be used on another thread. Allowed at any point, even after an error
    /// (the copy keeps the error). Costs what the decoder holds right now (see
    /// lz4framed_decoder_memory_usage). `dec` must not be changed by another
    /// thread during the call.
    /// Errors: NULL_ARGUMENT, OUT_OF_MEMORY, INTERNAL (a poisoned decoder).
    unsafe fn lz4framed_decoder_clone(
        dec: *const lz4framed_decoder,
        out: *mut *mut lz4framed_decoder,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, out) = unsafe { (object(dec)?, Out::new(out)?) };
        out.write(into_handle(dec.clone()));
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Stores in `*size` the exact number of bytes lz4framed_decoder_marshal
    /// writes for the decoder's current state: about 100 bytes at a block
    /// boundary, plus up to 64 KiB of window for linked blocks, plus the input
    /// and undelivered output held mid-block. Read-only.
    /// Errors: NULL_ARGUMENT, INTERNAL; the decoder's sticky error if it failed
    /// (a failed decoder has nothing worth saving).
    unsafe fn lz4framed_decoder_marshal_size(
        dec: *const lz4framed_decoder,
        size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, size) = unsafe { (object(dec)?, Out::new(size)?) };
        size.write(dec.marshal_size()?);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Writes the decoder's state into `dst` as a portable blob (the same bytes
    /// on any endianness and pointer width; format in docs/STATE_FORMAT.md) and
    /// stores its length in `*written`. Pass the blob to
    /// lz4framed_decoder_unmarshal, in this process or another, to continue.
    /// The dictionary is not included (only its ID and a hash). Read-only.
    /// Errors: NULL_ARGUMENT, DST_TOO_SMALL (nothing written; ask
    /// lz4framed_decoder_marshal_size), INTERNAL, the decoder's sticky error.
    unsafe fn lz4framed_decoder_marshal(
        dec: *const lz4framed_decoder,
        dst: *mut c_void,
        dst_capacity: usize,
        written: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, dst, written) = unsafe {
            (
                object(dec)?,
                dst_slice(dst, dst_capacity)?,
                Out::new(written)?,
            )
        };
        written.write(dec.marshal_into(dst)?);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// As lz4framed_decoder_marshal, into a buffer the library allocates:
    /// `*blob` gets it and `*size` its length. Free it with lz4framed_blob_free
    /// (not free(): the library may use another allocator). Read-only.
    /// Errors: NULL_ARGUMENT, OUT_OF_MEMORY, INTERNAL, the sticky error.
    unsafe fn lz4framed_decoder_marshal_alloc(
        dec: *const lz4framed_decoder,
        blob: *mut *mut c_void,
        size: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, blob, size) = unsafe { (object(dec)?, Out::new(blob)?, Out::new(size)?) };
        let bytes = dec.marshal()?;
        let (ptr, len) = into_blob(&bytes);
        blob.write(ptr);
        size.write(len);
        Ok(LZ4FRAMED_OK)
    }
}

ffi_fn! {
    /// Rebuilds a decoder from a blob made by lz4framed_decoder_marshal (here or
    /// on any machine) and stores it in `*out`; the caller owns it. The decoder
    /// continues exactly where the marshalled one stood: feed it the input from
    /// lz4framed_decoder_input_consumed on; its output continues after
    /// lz4framed_decoder_output_produced bytes. If the marshalled decoder had a
    /// dictionary, pass the same bytes again (`dict`, `dict_size`; NULL/0 when
    /// it had none; zero bytes are no dictionary, as in
    /// lz4framed_decoder_set_dictionary): it is checked against the ID and
    /// hash in the blob. The
    /// blob is only read and may be freed on return. Every length in the blob
    /// is validated before anything is allocated. Thread-safe.
    /// Errors: NULL_ARGUMENT, STATE_MAGIC (not a state blob), STATE_VERSION (a
    /// format this version does not read), STATE_TRUNCATED, STATE_CHECKSUM
    /// (damaged), STATE_CORRUPT (impossible values), STATE_DICTIONARY (missing
    /// or different dictionary), OUT_OF_MEMORY.
    unsafe fn lz4framed_decoder_unmarshal(
        blob: *const c_void,
        blob_size: usize,
        dict: *const c_void,
        dict_size: usize,
        out: *mut *mut lz4framed_decoder,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (blob, dict, out) = unsafe {
            (
                src_slice(blob, blob_size)?,
                src_slice(dict, dict_size)?,
                Out::new(out)?,
            )
        };
        if blob.is_empty() {
            return Err(Error::StateTruncated);
        }
        let dict = (!dict.is_empty()).then_some(dict);
        out.write(into_handle(Decoder::unmarshal(blob, dict)?));
        Ok(LZ4FRAMED_OK)
    }
}

/// The input callback of lz4framed_decoder_read: copy up to `capacity`
/// bytes into `buf` and return how many (> 0), 0 when this source has ended
/// (a closed connection, end of file), or a negative value on an error. The
/// library asks only for bytes it will consume whole, so a source never
/// holds bytes back that the next source would have to repeat.
pub type lz4framed_read_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, buf: *mut c_void, capacity: usize) -> isize>;

/// Adapts the C callback to `std::io::Read` for the core's pull API.
struct CallbackReader {
    read: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> isize,
    ctx: *mut c_void,
}

impl std::io::Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // SAFETY: the callback's contract (lz4framed_read_fn) with a buffer
        // of exactly `buf.len()` writable bytes.
        let n = unsafe { (self.read)(self.ctx, buf.as_mut_ptr().cast(), buf.len()) };
        match usize::try_from(n) {
            // More than asked for is a broken reader, not data.
            Ok(n) if n <= buf.len() => Ok(n),
            _ => Err(std::io::Error::other("the read callback failed")),
        }
    }
}

ffi_fn! {
    /// Decodes into `dst`, pulling input through `read_fn(ctx, ...)` as needed:
    /// the input source is whatever is passed on each call, so after a dropped
    /// connection pass a new one positioned at lz4framed_decoder_input_consumed.
    /// `*src_read` gets the bytes read from the callback, `*dst_produced` the
    /// bytes written to `dst`.
    ///
    /// Returns LZ4FRAMED_OUTPUT_FULL when `dst` is full; when the callback
    /// returns 0: LZ4FRAMED_OK if the input may end there (a frame boundary,
    /// or between the blocks of a legacy frame: see
    /// lz4framed_decoder_input_may_end), else LZ4FRAMED_NEED_INPUT (nothing is
    /// lost: call again with a new source, or call
    /// lz4framed_decoder_decompress with end_of_input to treat it as
    /// truncation); with STOP_AT_FRAME_END, LZ4FRAMED_OK after each frame.
    ///
    /// When the callback fails (returns < 0, or more than `capacity`), this
    /// call returns LZ4FRAMED_ERROR_READER_FAILED, and as the one exception to
    /// "out-parameters only on success" it still writes `*src_read` and
    /// `*dst_produced`: the output this call produced before the failure is
    /// valid and counted, no byte the callback delivered is lost, and the
    /// decoder is not failed. The next call, with a new source positioned at
    /// lz4framed_decoder_input_consumed, simply continues. `dec` must not be in
    /// use by another thread; `ctx` is passed through untouched and may be NULL.
    /// Errors: NULL_ARGUMENT (`dec`, `read_fn`, the out-parameters, `dst` with a
    /// nonzero capacity; nothing written), READER_FAILED (not sticky; counts
    /// written), every error of lz4framed_decoder_decompress (sticky as there;
    /// nothing written).
    unsafe fn lz4framed_decoder_read(
        dec: *mut lz4framed_decoder,
        read_fn: lz4framed_read_fn,
        ctx: *mut c_void,
        dst: *mut c_void,
        dst_capacity: usize,
        src_read: *mut usize,
        dst_produced: *mut usize,
    ) -> lz4framed_status {
        // SAFETY: the caller's pointers, checked by the helpers.
        let (dec, dst, read, produced) = unsafe {
            (
                object_mut(dec)?,
                dst_slice(dst, dst_capacity)?,
                Out::new(src_read)?,
                Out::new(dst_produced)?,
            )
        };
        let read_fn = read_fn.ok_or(Error::NullArgument)?;
        let mut source = CallbackReader { read: read_fn, ctx };
        let progress = dec.with(|d| d.read_from(&mut source, dst))?;
        // Written for READER_FAILED too: that output is real.
        read.write(progress.consumed);
        produced.write(progress.produced);
        Ok(status_code(progress.status))
    }
}
