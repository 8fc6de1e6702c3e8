//! The only place that talks to the bundled LZ4 C library.
//!
//! Everything else in the crate is safe Rust; the wrappers here turn raw
//! pointers and `int` sizes into slices and `Option`s. The C streaming
//! states (`LZ4_stream_t`, `LZ4_streamHC_t`, `LZ4_streamDecode_t`) keep raw
//! pointers into the memory they last saw, so each wrapper owns or borrows
//! that memory for exactly as long as the C state may read it.
//!
//! The functions below are exported by the static library that `lz4-sys`
//! builds, but most are not declared by its Rust bindings, so they are
//! declared here with the exact C signatures of LZ4 1.10.
use libc::{c_char, c_int, c_void};
// Links the static liblz4 that lz4-sys builds from the bundled sources.
use lz4_sys as _;
use std::ptr::NonNull;

/// The largest distance an LZ4 match may reach back: the history a linked
/// block can refer to.
pub const WINDOW_SIZE: usize = 64 * 1024;

/// Levels from this one up use the HC compressor, as in liblz4's frame API.
pub const HC_MIN_LEVEL: i32 = 3;
/// The strongest level LZ4 HC knows; higher requests are clamped to it.
pub const HC_MAX_LEVEL: i32 = 12;

/// Opaque C `LZ4_stream_t`.
#[repr(C)]
struct Lz4Stream {
    _private: [u8; 0],
}

/// Opaque C `LZ4_streamHC_t`.
#[repr(C)]
struct Lz4StreamHc {
    _private: [u8; 0],
}

/// `LZ4_streamDecode_t`: a union of 32 bytes holding two pointers and two
/// sizes; plain old data that LZ4 initialises through `LZ4_setStreamDecode`.
#[repr(C, align(8))]
struct StreamDecodeRaw([u64; 4]);

unsafe extern "C" {
    fn LZ4_versionNumber() -> c_int;
    fn LZ4_versionString() -> *const c_char;
    fn LZ4_compressBound(input_size: c_int) -> c_int;

    fn LZ4_decompress_safe(
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_cap: c_int,
    ) -> c_int;
    fn LZ4_decompress_safe_usingDict(
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_cap: c_int,
        dict: *const c_char,
        dict_size: c_int,
    ) -> c_int;
    fn LZ4_decompress_safe_continue(
        sd: *mut StreamDecodeRaw,
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_cap: c_int,
    ) -> c_int;

    fn LZ4_createStream() -> *mut Lz4Stream;
    fn LZ4_freeStream(s: *mut Lz4Stream) -> c_int;
    fn LZ4_resetStream_fast(s: *mut Lz4Stream);
    fn LZ4_loadDict(s: *mut Lz4Stream, dict: *const c_char, dict_size: c_int) -> c_int;
    fn LZ4_loadDictSlow(s: *mut Lz4Stream, dict: *const c_char, dict_size: c_int) -> c_int;
    fn LZ4_attach_dictionary(working: *mut Lz4Stream, dict: *const Lz4Stream);
    fn LZ4_compress_fast_continue(
        s: *mut Lz4Stream,
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_cap: c_int,
        acceleration: c_int,
    ) -> c_int;
    fn LZ4_compress_fast_extState_fastReset(
        state: *mut c_void,
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_cap: c_int,
        acceleration: c_int,
    ) -> c_int;
    fn LZ4_saveDict(s: *mut Lz4Stream, safe: *mut c_char, max_dict: c_int) -> c_int;

    fn LZ4_createStreamHC() -> *mut Lz4StreamHc;
    fn LZ4_freeStreamHC(s: *mut Lz4StreamHc) -> c_int;
    fn LZ4_resetStreamHC_fast(s: *mut Lz4StreamHc, level: c_int);
    fn LZ4_loadDictHC(s: *mut Lz4StreamHc, dict: *const c_char, dict_size: c_int) -> c_int;
    fn LZ4_attach_HC_dictionary(working: *mut Lz4StreamHc, dict: *const Lz4StreamHc);
    fn LZ4_favorDecompressionSpeed(s: *mut Lz4StreamHc, favor: c_int);
    fn LZ4_compress_HC_continue(
        s: *mut Lz4StreamHc,
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_cap: c_int,
    ) -> c_int;
    fn LZ4_saveDictHC(s: *mut Lz4StreamHc, safe: *mut c_char, max_dict: c_int) -> c_int;
}

/// The bundled LZ4's version as `major * 10000 + minor * 100 + release`.
pub fn version_number() -> u32 {
    // SAFETY: no arguments, returns a constant.
    unsafe { LZ4_versionNumber() as u32 }
}

/// The bundled LZ4's version string, e.g. "1.10.0".
pub fn version_string() -> &'static str {
    // SAFETY: LZ4 returns a pointer to a static NUL-terminated ASCII string.
    unsafe { std::ffi::CStr::from_ptr(LZ4_versionString()) }
        .to_str()
        .unwrap_or("unknown")
}

/// Worst-case compressed size of one block of `len` bytes.
pub fn block_bound(len: usize) -> usize {
    // SAFETY: pure arithmetic in C.
    let b = unsafe { LZ4_compressBound(c_int::try_from(len).unwrap_or(0)) };
    b.max(0) as usize
}

fn as_int(len: usize) -> Option<c_int> {
    c_int::try_from(len).ok()
}

/// Decodes one block with no history, or with `dict` as an external
/// history (dictionary) that sits anywhere in memory.
pub fn decompress(src: &[u8], dst: &mut [u8], dict: &[u8]) -> Option<usize> {
    let (s, d) = (as_int(src.len())?, as_int(dst.len())?);
    let dict = &dict[dict.len().saturating_sub(WINDOW_SIZE)..];
    // SAFETY: all three regions are valid slices, `dst` is exclusively
    // borrowed so it cannot overlap `src` or `dict`, and the safe decoder
    // never reads or writes outside the sizes given.
    let n = unsafe {
        if dict.is_empty() {
            LZ4_decompress_safe(src.as_ptr().cast(), dst.as_mut_ptr().cast(), s, d)
        } else {
            LZ4_decompress_safe_usingDict(
                src.as_ptr().cast(),
                dst.as_mut_ptr().cast(),
                s,
                d,
                dict.as_ptr().cast(),
                dict.len() as c_int,
            )
        }
    };
    (n >= 0).then_some(n as usize)
}

/// Decodes one block into `buf[at..at + cap]` with the `prefix_len` bytes
/// right before it as history: LZ4's prefix mode, its fastest linked decoding.
pub fn decompress_after_prefix(
    src: &[u8],
    buf: &mut [u8],
    at: usize,
    prefix_len: usize,
    cap: usize,
) -> Option<usize> {
    let history = prefix_len.min(at).min(WINDOW_SIZE);
    let end = at.checked_add(cap)?;
    if end > buf.len() {
        return None;
    }
    let (s, c) = (as_int(src.len())?, as_int(cap)?);
    // SAFETY: `dst` and the history are inside `buf`, the history ends
    // exactly where `dst` starts (so LZ4 uses prefix mode), `src` is a
    // separate borrow, and the safe decoder stays within `cap` and history.
    let n = unsafe {
        let dst = buf.as_mut_ptr().add(at);
        LZ4_decompress_safe_usingDict(
            src.as_ptr().cast(),
            dst.cast(),
            s,
            c,
            dst.sub(history).cast(),
            history as c_int,
        )
    };
    (n >= 0).then_some(n as usize)
}

/// The layout of `LZ4_streamDecode_t_internal` (public in lz4.h), so that a
/// history split in two pieces can be described to the decoder without
/// replaying earlier blocks.
#[repr(C)]
struct StreamDecodeInternal {
    external_dict: *const u8,
    prefix_end: *const u8,
    ext_dict_size: usize,
    prefix_size: usize,
}

// The layout lz4.h declares: four pointer-sized fields in this order
// (build.rs compiles the same facts against lz4-sys's lz4.h), inside the
// 32-byte, 8-aligned `LZ4_streamDecode_t`.
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    let p = size_of::<usize>();
    assert!(offset_of!(StreamDecodeInternal, external_dict) == 0);
    assert!(offset_of!(StreamDecodeInternal, prefix_end) == p);
    assert!(offset_of!(StreamDecodeInternal, ext_dict_size) == 2 * p);
    assert!(offset_of!(StreamDecodeInternal, prefix_size) == 3 * p);
    assert!(size_of::<StreamDecodeInternal>() == 4 * p);
    assert!(size_of::<StreamDecodeInternal>() <= size_of::<StreamDecodeRaw>());
    assert!(align_of::<StreamDecodeInternal>() <= align_of::<StreamDecodeRaw>());
    assert!(size_of::<StreamDecodeRaw>() == 32);
};

/// Decodes one linked block into `out[at..at + cap]` whose history is
/// `ext` (older) followed by the `prefix_len` bytes right before `at`.
///
/// This lets a decoder write many linked blocks straight into a caller's
/// buffer: the 64 KiB window it keeps from earlier calls is `ext`, and what
/// it already wrote during this call is the prefix; nothing is copied.
pub fn decompress_linked(
    src: &[u8],
    out: &mut [u8],
    at: usize,
    prefix_len: usize,
    ext: &[u8],
    cap: usize,
) -> Option<usize> {
    let prefix_len = prefix_len.min(at);
    let ext = &ext[ext.len().saturating_sub(WINDOW_SIZE)..];
    if prefix_len >= WINDOW_SIZE - 1 || ext.is_empty() {
        return decompress_after_prefix(src, out, at, prefix_len, cap);
    }
    let end = at.checked_add(cap)?;
    if prefix_len == 0 {
        return decompress(src, out.get_mut(at..end)?, ext);
    }
    if end > out.len() {
        return None;
    }
    let (s, c) = (as_int(src.len())?, as_int(cap)?);
    let mut raw = StreamDecodeRaw([0; 4]);
    // SAFETY: the state describes two live regions: `ext` (borrowed for the
    // call) and `out[at - prefix_len..at]`; the destination is
    // `out[at..at + cap]`, exclusively borrowed and disjoint from `src` and
    // `ext`. The state lives on this stack frame only.
    let n = unsafe {
        let dst = out.as_mut_ptr().add(at);
        let internal = (&mut raw as *mut StreamDecodeRaw).cast::<StreamDecodeInternal>();
        internal.write(StreamDecodeInternal {
            external_dict: ext.as_ptr(),
            prefix_end: dst,
            ext_dict_size: ext.len(),
            prefix_size: prefix_len,
        });
        LZ4_decompress_safe_continue(&mut raw, src.as_ptr().cast(), dst.cast(), s, c)
    };
    (n >= 0).then_some(n as usize)
}

/// Room LZ4 needs between the end of the output and the end of compressed
/// data placed at the end of the same buffer (`LZ4_DECOMPRESS_INPLACE_MARGIN`).
pub fn in_place_margin(compressed_len: usize) -> usize {
    (compressed_len >> 8) + 32
}

/// Decodes the compressed block at `buf[src_at..src_at + src_len]` into
/// `buf[at..at + cap]` of the same buffer, so a decoder needs one buffer of
/// block size rather than one for compressed and one for decoded bytes.
/// History is the `prefix_len` bytes before `at`, or else `ext`.
///
/// Returns `None` on corrupt data, or when the compressed bytes do not end
/// at least `cap + in_place_margin(src_len)` after `at` (LZ4's condition
/// for decoding in place without overwriting unread input).
pub fn decompress_in_place(
    buf: &mut [u8],
    at: usize,
    prefix_len: usize,
    ext: &[u8],
    cap: usize,
    src_at: usize,
    src_len: usize,
) -> Option<usize> {
    let src_end = src_at.checked_add(src_len)?;
    if src_end > buf.len()
        || src_at < at
        || src_end < at.checked_add(cap)?.checked_add(in_place_margin(src_len))?
    {
        return None;
    }
    let history = prefix_len.min(at).min(WINDOW_SIZE);
    let ext = &ext[ext.len().saturating_sub(WINDOW_SIZE)..];
    let (s, c) = (as_int(src_len)?, as_int(cap)?);
    // SAFETY: source, destination and prefix history all lie inside `buf`
    // (checked above); LZ4 documents that the safe decoder may read its
    // input from the end of its own output buffer given this margin. `ext`
    // is a separate live borrow.
    let n = unsafe {
        let base = buf.as_mut_ptr();
        let dst = base.add(at);
        let src = base.add(src_at);
        let (dict, dict_len) = if history > 0 || ext.is_empty() {
            (dst.sub(history) as *const u8, history)
        } else {
            (ext.as_ptr(), ext.len())
        };
        LZ4_decompress_safe_usingDict(src.cast(), dst.cast(), s, c, dict.cast(), dict_len as c_int)
    };
    (n >= 0).then_some(n as usize)
}

/// Which LZ4 compressor a level selects, mirroring liblz4's frame API:
/// negative levels are fast mode with acceleration `1 - level`, 0..=2 are
/// fast mode at acceleration 1, 3 and up are HC (clamped to 12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Fast { acceleration: i32 },
    Hc { level: i32 },
}

impl Engine {
    pub fn for_level(level: i32) -> Engine {
        if level < HC_MIN_LEVEL {
            let acceleration = if level < 0 {
                1i32.saturating_sub(level)
            } else {
                1
            };
            Engine::Fast { acceleration }
        } else {
            Engine::Hc {
                level: level.min(HC_MAX_LEVEL),
            }
        }
    }
}

enum Streams {
    Fast {
        work: NonNull<Lz4Stream>,
        dict: Option<NonNull<Lz4Stream>>,
        acceleration: i32,
    },
    Hc {
        work: NonNull<Lz4StreamHc>,
        dict: Option<NonNull<Lz4StreamHc>>,
        level: i32,
        favor: bool,
    },
}

/// Compresses the blocks of one frame after another, linked or independent,
/// optionally primed with a dictionary.
///
/// Linked blocks must see the history of earlier blocks. Within one call of
/// [`BlockCompressor::compress_run`] consecutive blocks are contiguous, so
/// LZ4 reads that history in place; when the run ends the last 64 KiB are
/// saved into memory this struct owns, so the caller's input may go away.
pub struct BlockCompressor {
    streams: Streams,
    linked: bool,
    /// The dictionary bytes the dictionary stream points into; never moved.
    _dictionary: Box<[u8]>,
    /// Where linked history is saved between runs; never moved.
    saved: Box<[u8]>,
    /// Linked blocks: input staged so that a stretch given in pieces is
    /// compressed as one contiguous run (see [`BlockCompressor::stage`]).
    /// Its capacity is fixed when allocated, so it never moves.
    staged: Vec<u8>,
    /// Staged bytes already compressed (the stream's history may point
    /// into them: they are not changed until [`BlockCompressor::clear_staged`]).
    staged_done: usize,
    /// The runs [`BlockCompressor::compress_staged`] compressed the staged
    /// bytes in: (length, whether it started from a clean state). With
    /// `staged_base` they rebuild the stream's state over a copy of the
    /// staged bytes ([`BlockCompressor::restore_staging`]).
    staged_runs: Vec<(u32, bool)>,
    /// The match finder and its window before the first staged run.
    staged_base: Option<Box<(MatchState, Vec<u8>)>>,
    /// The block size the staged runs were cut into.
    staged_block: usize,
}

/// What a linked compressor holds of a stretch staged in pieces, as plain
/// data: the staged bytes (`..done` compressed), the runs they were
/// compressed in and the match finder before the first of them.
pub struct Staging<'a> {
    pub bytes: &'a [u8],
    pub done: usize,
    pub runs: &'a [(u32, bool)],
    pub base: Option<(&'a MatchState, &'a [u8])>,
}

// SAFETY: the C states are owned exclusively by this struct and point only
// into memory it owns (or, during a call, memory borrowed by that call).
unsafe impl Send for BlockCompressor {}

impl BlockCompressor {
    /// Returns `None` when LZ4 cannot allocate its state.
    pub fn new(level: i32, linked: bool, dictionary: &[u8], favor_dec_speed: bool) -> Option<Self> {
        let dictionary: Box<[u8]> =
            dictionary[dictionary.len().saturating_sub(WINDOW_SIZE)..].into();
        let streams = match Engine::for_level(level) {
            Engine::Fast { acceleration } => {
                // SAFETY: plain constructors; NULL is checked.
                let work = NonNull::new(unsafe { LZ4_createStream() })?;
                let dict = if dictionary.is_empty() {
                    None
                } else {
                    let Some(d) = NonNull::new(unsafe { LZ4_createStream() }) else {
                        unsafe { LZ4_freeStream(work.as_ptr()) };
                        return None;
                    };
                    // SAFETY: `dictionary` is owned by the returned struct and
                    // never moved or mutated, so the stream's pointer stays valid.
                    unsafe {
                        LZ4_loadDict(
                            d.as_ptr(),
                            dictionary.as_ptr().cast(),
                            dictionary.len() as c_int,
                        )
                    };
                    Some(d)
                };
                Streams::Fast {
                    work,
                    dict,
                    acceleration,
                }
            }
            Engine::Hc { level } => {
                let work = NonNull::new(unsafe { LZ4_createStreamHC() })?;
                let dict = if dictionary.is_empty() {
                    None
                } else {
                    let Some(d) = NonNull::new(unsafe { LZ4_createStreamHC() }) else {
                        unsafe { LZ4_freeStreamHC(work.as_ptr()) };
                        return None;
                    };
                    // SAFETY: as above, the dictionary outlives the stream.
                    unsafe {
                        LZ4_resetStreamHC_fast(d.as_ptr(), level);
                        LZ4_loadDictHC(
                            d.as_ptr(),
                            dictionary.as_ptr().cast(),
                            dictionary.len() as c_int,
                        )
                    };
                    Some(d)
                };
                Streams::Hc {
                    work,
                    dict,
                    level,
                    favor: favor_dec_speed,
                }
            }
        };
        // One byte more than the window: the saved history then never ends
        // where a caller's input could start, so LZ4 never mistakes the next
        // run for a continuation of `saved` (which would make the output
        // depend on where the allocator put the input).
        let saved = if linked {
            vec![0u8; WINDOW_SIZE + 1].into_boxed_slice()
        } else {
            Box::default()
        };
        let mut c = BlockCompressor {
            streams,
            linked,
            _dictionary: dictionary,
            saved,
            staged: Vec::new(),
            staged_done: 0,
            staged_runs: Vec::new(),
            staged_base: None,
            staged_block: 0,
        };
        c.start_frame();
        Some(c)
    }

    /// Forgets all history except the dictionary: call at every frame start.
    pub fn start_frame(&mut self) {
        // SAFETY: the streams are valid; attached dictionary streams are owned
        // by `self` and outlive every use of the working stream.
        unsafe {
            match &self.streams {
                Streams::Fast { work, dict, .. } => {
                    LZ4_resetStream_fast(work.as_ptr());
                    if let Some(d) = dict {
                        LZ4_attach_dictionary(work.as_ptr(), d.as_ptr());
                    }
                }
                Streams::Hc {
                    work,
                    dict,
                    level,
                    favor,
                } => {
                    LZ4_resetStreamHC_fast(work.as_ptr(), *level);
                    LZ4_favorDecompressionSpeed(work.as_ptr(), *favor as c_int);
                    if let Some(d) = dict {
                        LZ4_attach_HC_dictionary(work.as_ptr(), d.as_ptr());
                    }
                }
            }
        }
    }

    /// Compresses `src` in consecutive pieces of `block_size` bytes (the
    /// last may be shorter). For each piece, the compressed bytes are placed
    /// at `dst[offset + 4..]` (room for the block header the caller writes),
    /// and `finish(dst_from_offset, piece, compressed_len)` is called, where
    /// `compressed_len` is 0 when the piece did not shrink and must be stored
    /// raw; `finish` returns how many bytes the whole block took. Returns the
    /// total bytes written to `dst`.
    ///
    /// The caller guarantees `dst` has room for every block stored raw plus
    /// the framing `finish` adds; a block that does not fit panics rather
    /// than writing out of bounds.
    pub fn compress_run(
        &mut self,
        src: &[u8],
        block_size: usize,
        dst: &mut [u8],
        mut finish: impl FnMut(&mut [u8], &[u8], usize) -> usize,
    ) -> usize {
        let mut written = 0;
        for piece in src.chunks(block_size.max(1)) {
            let out = &mut dst[written..];
            // Capacity one less than the piece: LZ4 gives up (returns 0) when
            // the result would not be smaller, and the block is stored raw.
            let cap = piece
                .len()
                .saturating_sub(1)
                .min(out.len().saturating_sub(4));
            let n = self.compress_one(piece, &mut out[4..4 + cap]);
            written += finish(out, piece, n);
        }
        if self.linked && !src.is_empty() {
            self.save_history();
        }
        written
    }

    /// Linked blocks only: compresses `buf[prefix..]` as one run of linked
    /// blocks (like [`BlockCompressor::compress_run`]) whose history starts
    /// with `buf[..prefix]` (its last 64 KiB count), forgetting all earlier
    /// history and any dictionary. Lets independent workers each compress a
    /// stretch of a linked frame given the input that precedes it.
    pub fn compress_after_prefix(
        &mut self,
        buf: &[u8],
        prefix: usize,
        block_size: usize,
        dst: &mut [u8],
        finish: impl FnMut(&mut [u8], &[u8], usize) -> usize,
    ) -> usize {
        assert!(self.linked && prefix <= buf.len());
        let start = prefix.saturating_sub(WINDOW_SIZE);
        let history = &buf[start..prefix];
        // SAFETY: `history` is a live slice of at most 64 KiB; the stream
        // keeps a pointer to it that is only followed by the run below,
        // whose input directly follows it in the same borrowed buffer, and
        // is replaced by `save_history` before this call returns.
        unsafe {
            match &self.streams {
                Streams::Fast { work, .. } => {
                    LZ4_loadDictSlow(
                        work.as_ptr(),
                        history.as_ptr().cast(),
                        history.len() as c_int,
                    );
                }
                Streams::Hc {
                    work, level, favor, ..
                } => {
                    LZ4_resetStreamHC_fast(work.as_ptr(), *level);
                    LZ4_loadDictHC(
                        work.as_ptr(),
                        history.as_ptr().cast(),
                        history.len() as c_int,
                    );
                    LZ4_favorDecompressionSpeed(work.as_ptr(), *favor as c_int);
                }
            }
        }
        let n = self.compress_run(&buf[prefix..], block_size, dst, finish);
        if buf.len() == prefix {
            // No run: drop the pointer into `buf` all the same.
            self.start_frame();
        }
        n
    }

    /// Linked blocks: makes room to stage `capacity` bytes (once; later
    /// calls keep the first size). `false` when memory runs out.
    pub fn reserve_staging(&mut self, capacity: usize) -> bool {
        assert!(self.linked);
        self.staged.capacity() > 0 || self.staged.try_reserve_exact(capacity).is_ok()
    }

    /// Bytes the staging area can hold ([`BlockCompressor::reserve_staging`]).
    pub fn staging_capacity(&self) -> usize {
        self.staged.capacity()
    }

    /// Appends as much of `data` as the staging area holds; returns how much.
    pub fn stage(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.staged.capacity() - self.staged.len());
        // Within the capacity: the buffer does not move.
        self.staged.extend_from_slice(&data[..n]);
        n
    }

    /// Staged bytes in all (compressed or not).
    pub fn staged_len(&self) -> usize {
        self.staged.len()
    }

    /// Staged bytes not yet compressed.
    pub fn staged_pending(&self) -> usize {
        self.staged.len() - self.staged_done
    }

    /// Compresses the next `len` staged bytes (at most the pending ones) in
    /// blocks of `block_size`, like [`BlockCompressor::compress_run`], as
    /// the continuation of the staged bytes compressed before them: the
    /// whole staged stretch is one contiguous run, whatever the pieces it
    /// was staged and compressed in. `fresh` starts from a clean state (no
    /// history, no dictionary) as [`BlockCompressor::compress_after_prefix`]
    /// with an empty prefix does.
    pub fn compress_staged(
        &mut self,
        len: usize,
        fresh: bool,
        block_size: usize,
        dst: &mut [u8],
        mut finish: impl FnMut(&mut [u8], &[u8], usize) -> usize,
    ) -> usize {
        assert!(self.linked && len <= self.staged_pending());
        let from = self.staged_done;
        if from == 0 {
            // The stream stands in `saved` (or reset) here: what a copy
            // rebuilds the staged runs from. `None` only for a bug, which
            // marshal and clone then report.
            self.staged_base = self
                .match_state()
                .ok()
                .flatten()
                .map(|(state, window)| Box::new((state, window.to_vec())));
            self.staged_runs.clear();
        }
        self.staged_runs.push((len as u32, fresh));
        self.staged_block = block_size;
        if fresh {
            self.reset_history(from);
        }
        let mut staged = std::mem::take(&mut self.staged);
        let mut written = 0;
        for piece in staged[from..from + len].chunks(block_size.max(1)) {
            let out = &mut dst[written..];
            let cap = piece
                .len()
                .saturating_sub(1)
                .min(out.len().saturating_sub(4));
            let n = self.compress_one(piece, &mut out[4..4 + cap]);
            written += finish(out, piece, n);
        }
        // Taken and put back: the heap buffer the stream points into stays.
        std::mem::swap(&mut self.staged, &mut staged);
        self.staged_done = from + len;
        written
    }

    /// Forgets the staged bytes, first saving the history the stream may
    /// keep in them, so that it never points into bytes staged later.
    pub fn clear_staged(&mut self) {
        if self.staged_done > 0 {
            self.save_history();
        }
        self.staged.clear();
        self.staged_done = 0;
        self.staged_runs.clear();
        self.staged_base = None;
    }

    /// The staged stretch, for a copy of this compressor.
    pub fn staging(&self) -> Staging<'_> {
        Staging {
            bytes: &self.staged,
            done: self.staged_done,
            runs: if self.staged_done > 0 {
                &self.staged_runs
            } else {
                &[]
            },
            base: self
                .staged_base
                .as_ref()
                .filter(|_| self.staged_done > 0)
                .map(|b| (&b.0, b.1.as_slice())),
        }
    }

    /// Puts a fresh linked compressor into the state of one whose staging
    /// was `staging` (staging area of `capacity` bytes, runs cut into
    /// blocks of `block_size`): the staged bytes are copied and, when some
    /// were compressed, the match finder is restored to `staging.base` and
    /// the runs compressed again (output dropped), so that LZ4 stands
    /// exactly where the original stands, its history in the staged bytes.
    /// Errors: `EncoderStateCorrupt` for a staging that does not add up or
    /// a base state LZ4 refuses, `OutOfMemory`.
    pub fn restore_staging(
        &mut self,
        capacity: usize,
        block_size: usize,
        staging: &Staging<'_>,
    ) -> Result<(), crate::Error> {
        let corrupt = crate::Error::EncoderStateCorrupt;
        let compressed: u64 = staging.runs.iter().map(|&(n, _)| u64::from(n)).sum();
        if !self.linked
            || block_size == 0
            || staging.bytes.len() > capacity
            || staging.done > staging.bytes.len()
            || compressed != staging.done as u64
            || staging.runs.iter().any(|&(n, _)| n == 0)
            || (staging.done > 0) != staging.base.is_some()
        {
            return Err(corrupt);
        }
        if staging.bytes.is_empty() {
            return Ok(());
        }
        if !self.reserve_staging(capacity) || self.staged.capacity() < staging.bytes.len() {
            return Err(crate::Error::OutOfMemory);
        }
        if let Some((state, window)) = staging.base {
            if !self.restore_match_state(state, window) {
                return Err(corrupt);
            }
        }
        self.staged.extend_from_slice(staging.bytes);
        if staging.done == 0 {
            return Ok(());
        }
        let mut scratch = Vec::new();
        scratch
            .try_reserve_exact(block_size + 4)
            .map_err(|_| crate::Error::OutOfMemory)?;
        scratch.resize(block_size + 4, 0);
        for &(len, fresh) in staging.runs {
            self.compress_staged(len as usize, fresh, block_size, &mut scratch, |_, _, _| 0);
        }
        Ok(())
    }

    /// A clean state for the linked run starting at `staged[at]`: no
    /// history, no dictionary (as an empty prefix gives).
    fn reset_history(&mut self, at: usize) {
        let start = self.staged[at..].as_ptr();
        // SAFETY: the streams are valid; an empty dictionary at a live
        // pointer is read by neither call.
        unsafe {
            match &self.streams {
                Streams::Fast { work, .. } => {
                    LZ4_loadDictSlow(work.as_ptr(), start.cast(), 0);
                }
                Streams::Hc {
                    work, level, favor, ..
                } => {
                    LZ4_resetStreamHC_fast(work.as_ptr(), *level);
                    LZ4_loadDictHC(work.as_ptr(), start.cast(), 0);
                    LZ4_favorDecompressionSpeed(work.as_ptr(), *favor as c_int);
                }
            }
        }
    }

    fn compress_one(&mut self, piece: &[u8], dst: &mut [u8]) -> usize {
        let (Some(s), Some(d)) = (as_int(piece.len()), as_int(dst.len())) else {
            return 0;
        };
        let fast_no_dict = matches!(self.streams, Streams::Fast { dict: None, .. });
        if !self.linked && !fast_no_dict {
            self.start_frame();
        }
        // SAFETY: `piece` and `dst` are live, non-overlapping slices with the
        // given sizes; the working stream may keep a pointer to `piece`,
        // which is either read again only within this run (contiguous
        // linked blocks) or replaced by `save_history` / `start_frame`
        // before the run returns, or lies in `staged`, owned by `self`,
        // never moved and not changed before `clear_staged` saves it.
        let n = unsafe {
            match &self.streams {
                Streams::Fast {
                    work,
                    dict,
                    acceleration,
                } => {
                    if !self.linked && dict.is_none() {
                        LZ4_compress_fast_extState_fastReset(
                            work.as_ptr().cast(),
                            piece.as_ptr().cast(),
                            dst.as_mut_ptr().cast(),
                            s,
                            d,
                            *acceleration,
                        )
                    } else {
                        LZ4_compress_fast_continue(
                            work.as_ptr(),
                            piece.as_ptr().cast(),
                            dst.as_mut_ptr().cast(),
                            s,
                            d,
                            *acceleration,
                        )
                    }
                }
                Streams::Hc { work, .. } => LZ4_compress_HC_continue(
                    work.as_ptr(),
                    piece.as_ptr().cast(),
                    dst.as_mut_ptr().cast(),
                    s,
                    d,
                ),
            }
        };
        n.max(0) as usize
    }

    /// Copies the last 64 KiB of history into owned memory so that the
    /// stream no longer points into the caller's input.
    fn save_history(&mut self) {
        // SAFETY: `saved` is owned, 64 KiB long and never moved; the stream's
        // current history is still valid (it is the run's input, borrowed by
        // the caller until `compress_run` returns).
        unsafe {
            match &self.streams {
                Streams::Fast { work, .. } => {
                    LZ4_saveDict(
                        work.as_ptr(),
                        self.saved.as_mut_ptr().cast(),
                        WINDOW_SIZE as c_int,
                    );
                }
                Streams::Hc { work, .. } => {
                    LZ4_saveDictHC(
                        work.as_ptr(),
                        self.saved.as_mut_ptr().cast(),
                        WINDOW_SIZE as c_int,
                    );
                }
            }
        }
    }
}

/// Entries of the fast compressor's hash table (`LZ4_HASH_SIZE_U32` with
/// lz4-sys's default `LZ4_MEMORY_USAGE` of 14).
pub const FAST_HASH_ENTRIES: usize = 1 << 12;
/// Entries of LZ4 HC's hash table (`LZ4HC_HASHTABLESIZE`).
pub const HC_HASH_ENTRIES: usize = 1 << 15;
/// Entries of LZ4 HC's chain table (`LZ4HC_MAXD`).
pub const HC_CHAIN_ENTRIES: usize = 1 << 16;

/// `LZ4_stream_t_internal` as lz4.h 1.10 declares it. The encoder's state
/// blob carries these fields (pointers as references to memory this crate
/// owns), so that a restored linked compressor continues exactly as the
/// original would have.
#[repr(C)]
struct FastInternal {
    hash_table: [u32; FAST_HASH_ENTRIES],
    dictionary: *const u8,
    dict_ctx: *const FastInternal,
    current_offset: u32,
    table_type: u32,
    dict_size: u32,
}

/// `LZ4HC_CCtx_internal` as lz4hc.h 1.10 declares it.
#[repr(C)]
struct HcInternal {
    hash_table: [u32; HC_HASH_ENTRIES],
    chain_table: [u16; HC_CHAIN_ENTRIES],
    end: *const u8,
    prefix_start: *const u8,
    dict_start: *const u8,
    dict_limit: u32,
    low_limit: u32,
    next_to_update: u32,
    compression_level: i16,
    favor_dec_speed: i8,
    dirty: i8,
    dict_ctx: *const HcInternal,
}

// The layouts lz4.h / lz4hc.h declare (build.rs compiles the same offsets
// against the headers lz4-sys built), inside the sizes LZ4 allocates.
const _: () = {
    use std::mem::{offset_of, size_of};
    let p = size_of::<usize>();
    assert!(offset_of!(FastInternal, dictionary) == 4 * FAST_HASH_ENTRIES);
    assert!(offset_of!(FastInternal, dict_ctx) == 4 * FAST_HASH_ENTRIES + p);
    assert!(offset_of!(FastInternal, current_offset) == 4 * FAST_HASH_ENTRIES + 2 * p);
    assert!(offset_of!(FastInternal, table_type) == 4 * FAST_HASH_ENTRIES + 2 * p + 4);
    assert!(offset_of!(FastInternal, dict_size) == 4 * FAST_HASH_ENTRIES + 2 * p + 8);
    // LZ4_STREAM_MINSIZE
    assert!(size_of::<FastInternal>() <= (1 << 14) + 32);
    let h = 4 * HC_HASH_ENTRIES + 2 * HC_CHAIN_ENTRIES;
    assert!(offset_of!(HcInternal, chain_table) == 4 * HC_HASH_ENTRIES);
    assert!(offset_of!(HcInternal, end) == h);
    assert!(offset_of!(HcInternal, prefix_start) == h + p);
    assert!(offset_of!(HcInternal, dict_start) == h + 2 * p);
    assert!(offset_of!(HcInternal, dict_limit) == h + 3 * p);
    assert!(offset_of!(HcInternal, low_limit) == h + 3 * p + 4);
    assert!(offset_of!(HcInternal, next_to_update) == h + 3 * p + 8);
    assert!(offset_of!(HcInternal, compression_level) == h + 3 * p + 12);
    assert!(offset_of!(HcInternal, favor_dec_speed) == h + 3 * p + 14);
    assert!(offset_of!(HcInternal, dirty) == h + 3 * p + 15);
    assert!(offset_of!(HcInternal, dict_ctx) == h + 3 * p + 16);
    // LZ4_STREAMHC_MINSIZE
    assert!(size_of::<HcInternal>() <= 262_200);
};

/// The largest index a restored LZ4 state may stand at: LZ4 keeps its
/// indices below 2 GiB before each block (fast mode rescales, HC reloads
/// its window), and one block of at most 4 MiB may follow.
const MAX_STATE_INDEX: u32 = 0x8000_0000 + (4 << 20);

/// The match finder of a linked [`BlockCompressor`] between two calls, as
/// plain data: what it remembers of earlier blocks beyond the window bytes
/// themselves. Pointers are replaced by what they point to (the saved
/// window, the dictionary's own state), so the value means the same on any
/// machine whose LZ4 hashes alike ([`match_finder_variant`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchState {
    Fast(FastMatchState),
    Hc(HcMatchState),
}

/// The fields of `LZ4_stream_t_internal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastMatchState {
    /// [`FAST_HASH_ENTRIES`] indices.
    pub hash_table: Vec<u32>,
    pub current_offset: u32,
    pub table_type: u32,
    /// The window (at the start of the saved history) is this long.
    pub dict_size: u32,
    /// The `dictionary` pointer is set (to the saved history); else NULL.
    pub has_window: bool,
    /// The encoder's dictionary is attached (`dictCtx`).
    pub dict_attached: bool,
}

/// The fields of `LZ4HC_CCtx_internal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HcMatchState {
    /// [`HC_HASH_ENTRIES`] indices.
    pub hash_table: Vec<u32>,
    /// [`HC_CHAIN_ENTRIES`] distances.
    pub chain_table: Vec<u16>,
    /// The prefix (the saved history) is this long; `None`: LZ4 has not
    /// started on a block since its last reset (NULL pointers).
    pub prefix: Option<u32>,
    pub dict_limit: u32,
    pub low_limit: u32,
    pub next_to_update: u32,
    pub level: i16,
    pub favor_dec_speed: i8,
    pub dirty: i8,
    pub dict_attached: bool,
}

/// How this build's LZ4 hashes positions: tables made by one variant mean
/// nothing to another. Bit 0: 64-bit (fast mode hashes 5 bytes), bit 1:
/// big-endian (LZ4 reads the bytes it hashes in native order).
pub fn match_finder_variant() -> u8 {
    u8::from(cfg!(target_pointer_width = "64")) | (u8::from(cfg!(target_endian = "big")) << 1)
}

impl BlockCompressor {
    /// The dictionary (its last 64 KiB), empty for none.
    pub fn dictionary(&self) -> &[u8] {
        &self._dictionary
    }

    /// Linked compressors: the match finder's state and the window it
    /// refers to, taken between calls. `None` for independent blocks, whose
    /// compressor starts every block afresh. [`Error`](crate::Error) only
    /// if LZ4 points somewhere this struct does not own (a bug).
    pub fn match_state(&self) -> Result<Option<(MatchState, &[u8])>, crate::Error> {
        if !self.linked {
            return Ok(None);
        }
        let saved = self.saved.as_ptr();
        let bad = crate::Error::Internal;
        match &self.streams {
            Streams::Fast { work, dict, .. } => {
                // SAFETY: the stream is a live `LZ4_stream_t` whose layout
                // is checked above and by build.rs; no C call runs while
                // `&self` is borrowed, so reading it races with nothing.
                let s = unsafe { &*work.as_ptr().cast::<FastInternal>() };
                let has_window = !s.dictionary.is_null();
                if (has_window && s.dictionary != saved)
                    || (!has_window && s.dict_size != 0)
                    || s.dict_size as usize > WINDOW_SIZE
                {
                    return Err(bad);
                }
                let dict_attached = !s.dict_ctx.is_null();
                if dict_attached && dict.map(|d| d.as_ptr().cast_const().cast()) != Some(s.dict_ctx)
                {
                    return Err(bad);
                }
                let state = FastMatchState {
                    hash_table: s.hash_table.to_vec(),
                    current_offset: s.current_offset,
                    table_type: s.table_type,
                    dict_size: s.dict_size,
                    has_window,
                    dict_attached,
                };
                Ok(Some((
                    MatchState::Fast(state),
                    &self.saved[..s.dict_size as usize],
                )))
            }
            Streams::Hc { work, dict, .. } => {
                // SAFETY: as above, for the `LZ4_streamHC_t`.
                let s = unsafe { &*work.as_ptr().cast::<HcInternal>() };
                let prefix = if s.prefix_start.is_null() {
                    if !s.end.is_null() {
                        return Err(bad);
                    }
                    None
                } else {
                    let len = (s.end as usize).wrapping_sub(s.prefix_start as usize);
                    if s.prefix_start != saved || s.dict_start != saved || len > WINDOW_SIZE {
                        return Err(bad);
                    }
                    Some(len as u32)
                };
                let dict_attached = !s.dict_ctx.is_null();
                if dict_attached && dict.map(|d| d.as_ptr().cast_const().cast()) != Some(s.dict_ctx)
                {
                    return Err(bad);
                }
                let state = HcMatchState {
                    hash_table: s.hash_table.to_vec(),
                    chain_table: s.chain_table.to_vec(),
                    prefix,
                    dict_limit: s.dict_limit,
                    low_limit: s.low_limit,
                    next_to_update: s.next_to_update,
                    level: s.compression_level,
                    favor_dec_speed: s.favor_dec_speed,
                    dirty: s.dirty,
                    dict_attached,
                };
                let window = &self.saved[..prefix.unwrap_or(0) as usize];
                Ok(Some((MatchState::Hc(state), window)))
            }
        }
    }

    /// Puts a linked compressor into the state [`BlockCompressor::match_state`]
    /// returned (here or in another process), with `window` as the saved
    /// history. Returns `false`, changing nothing, when the state does not
    /// fit this compressor (engine, level, dictionary) or breaks an
    /// invariant LZ4 relies on to stay inside its memory: every table index
    /// must refer to a position LZ4 has already passed, the window must be
    /// as long as the state says, limits must be ordered. A state that
    /// passes may still be foreign (LZ4 then finds worse matches, never
    /// reads outside the window and the block it compresses).
    pub fn restore_match_state(&mut self, state: &MatchState, window: &[u8]) -> bool {
        if !self.linked || window.len() > WINDOW_SIZE {
            return false;
        }
        match (&self.streams, state) {
            (Streams::Fast { work, dict, .. }, MatchState::Fast(st)) => {
                let window_len = if st.has_window {
                    st.dict_size as usize
                } else {
                    0
                };
                let ok = st.hash_table.len() == FAST_HASH_ENTRIES
                    && (st.table_type == 0 || st.table_type == 2)
                    && st.current_offset <= MAX_STATE_INDEX
                    && st.dict_size as usize <= WINDOW_SIZE
                    && st.dict_size <= st.current_offset
                    && (st.has_window || st.dict_size == 0)
                    && window.len() == window_len
                    && (!st.dict_attached || dict.is_some())
                    && st
                        .hash_table
                        .iter()
                        .all(|&e| e < st.current_offset || e == 0);
                if !ok {
                    return false;
                }
                self.saved[..window.len()].copy_from_slice(window);
                // SAFETY: the stream is a live `LZ4_stream_t` owned by
                // `self` (layout checked); its pointers are set to the saved
                // history and the dictionary stream, both owned by `self`
                // and never moved.
                let s = unsafe { &mut *work.as_ptr().cast::<FastInternal>() };
                s.hash_table.copy_from_slice(&st.hash_table);
                s.current_offset = st.current_offset;
                s.table_type = st.table_type;
                s.dict_size = st.dict_size;
                s.dictionary = if st.has_window {
                    self.saved.as_ptr()
                } else {
                    std::ptr::null()
                };
                s.dict_ctx = match (st.dict_attached, dict) {
                    (true, Some(d)) => d.as_ptr().cast_const().cast(),
                    _ => std::ptr::null(),
                };
                true
            }
            (
                Streams::Hc {
                    work,
                    dict,
                    level,
                    favor,
                },
                MatchState::Hc(st),
            ) => {
                let end_index = st.dict_limit.checked_add(st.prefix.unwrap_or(0));
                let ok = st.hash_table.len() == HC_HASH_ENTRIES
                    && st.chain_table.len() == HC_CHAIN_ENTRIES
                    && i32::from(st.level) == *level
                    && st.favor_dec_speed == i8::from(*favor)
                    && (st.dirty == 0 || st.dirty == 1)
                    && (!st.dict_attached || dict.is_some())
                    && window.len() == st.prefix.unwrap_or(0) as usize
                    && end_index.is_some_and(|e| {
                        e <= MAX_STATE_INDEX && st.hash_table.iter().all(|&h| h < e || h == 0)
                    })
                    && st.prefix.is_none_or(|_| {
                        // A prefix in place: LZ4 reads the window between
                        // its limits, which start at 64 KiB or later.
                        let e = end_index.unwrap_or(0);
                        st.low_limit as usize >= WINDOW_SIZE
                            && st.low_limit == st.dict_limit
                            && st.next_to_update >= st.dict_limit
                            && st.next_to_update <= e
                    });
                if !ok {
                    return false;
                }
                self.saved[..window.len()].copy_from_slice(window);
                // SAFETY: as above, for the `LZ4_streamHC_t`.
                let s = unsafe { &mut *work.as_ptr().cast::<HcInternal>() };
                s.hash_table.copy_from_slice(&st.hash_table);
                s.chain_table.copy_from_slice(&st.chain_table);
                let (start, end) = match st.prefix {
                    Some(n) => {
                        let start = self.saved.as_ptr();
                        // SAFETY: `n` <= WINDOW_SIZE < saved.len().
                        (start, unsafe { start.add(n as usize) })
                    }
                    None => (std::ptr::null(), std::ptr::null()),
                };
                s.prefix_start = start;
                s.dict_start = start;
                s.end = end;
                s.dict_limit = st.dict_limit;
                s.low_limit = st.low_limit;
                s.next_to_update = st.next_to_update;
                s.compression_level = st.level;
                s.favor_dec_speed = st.favor_dec_speed;
                s.dirty = st.dirty;
                s.dict_ctx = match (st.dict_attached, dict) {
                    (true, Some(d)) => d.as_ptr().cast_const().cast(),
                    _ => std::ptr::null(),
                };
                true
            }
            _ => false,
        }
    }

    /// An independent copy that continues exactly as `self` would: a new
    /// compressor with the same settings and dictionary, and for linked
    /// blocks the same match-finder state and window.
    /// [`Error::OutOfMemory`](crate::Error::OutOfMemory) when LZ4 cannot
    /// allocate.
    pub fn try_clone(&self) -> Result<BlockCompressor, crate::Error> {
        let (level, favor) = match &self.streams {
            // Acceleration `a` is level `1 - a` (and 1 is level 0).
            Streams::Fast { acceleration, .. } => (1 - *acceleration, false),
            Streams::Hc { level, favor, .. } => (*level, *favor),
        };
        let mut copy = BlockCompressor::new(level, self.linked, &self._dictionary, favor)
            .ok_or(crate::Error::OutOfMemory)?;
        let staging = self.staging();
        if staging.done > 0 {
            // The stream points into the staged bytes: rebuilt over a copy.
            if staging.base.is_none() {
                return Err(crate::Error::Internal);
            }
        } else if let Some((state, window)) = self.match_state()? {
            if !copy.restore_match_state(&state, window) {
                return Err(crate::Error::Internal);
            }
        }
        if !staging.bytes.is_empty() {
            let capacity = self.staged.capacity();
            copy.restore_staging(capacity, self.staged_block.max(1), &staging)
                .map_err(|e| match e {
                    crate::Error::EncoderStateCorrupt => crate::Error::Internal,
                    e => e,
                })?;
        }
        Ok(copy)
    }
}

impl Drop for BlockCompressor {
    fn drop(&mut self) {
        // SAFETY: each pointer came from the matching create function and is
        // freed exactly once.
        unsafe {
            match &self.streams {
                Streams::Fast { work, dict, .. } => {
                    LZ4_freeStream(work.as_ptr());
                    if let Some(d) = dict {
                        LZ4_freeStream(d.as_ptr());
                    }
                }
                Streams::Hc { work, dict, .. } => {
                    LZ4_freeStreamHC(work.as_ptr());
                    if let Some(d) = dict {
                        LZ4_freeStreamHC(d.as_ptr());
                    }
                }
            }
        }
    }
}

/// Starts loading the cache line that holds `data[at]` (if `at` is in
/// bounds) without waiting for it. XXH32 is a latency-bound chain that keeps
/// only a few loads in flight, so over data that has left the caches (a
/// 4 MiB block outgrows L2) it runs at a fraction of its in-cache speed; a
/// hint a few KiB ahead hides the memory latency.
#[inline(always)]
pub fn prefetch(data: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(byte) = data.get(at) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is only a hint: it cannot fault, reads nothing
        // the program observes, and SSE is part of the x86_64 baseline. The
        // pointer comes from a reference into `data` anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_mapping_follows_liblz4() {
        assert_eq!(Engine::for_level(-5), Engine::Fast { acceleration: 6 });
        assert_eq!(Engine::for_level(0), Engine::Fast { acceleration: 1 });
        assert_eq!(Engine::for_level(2), Engine::Fast { acceleration: 1 });
        assert_eq!(Engine::for_level(3), Engine::Hc { level: 3 });
        assert_eq!(Engine::for_level(99), Engine::Hc { level: 12 });
    }

    #[test]
    fn version_is_bundled_1_10() {
        assert_eq!(version_number() / 100, 110);
        assert!(version_string().starts_with("1.10"));
    }

    fn sample(n: usize) -> Vec<u8> {
        (0..n).map(|i| ((i / 7) % 13 + (i % 5) * 3) as u8).collect()
    }

    #[test]
    fn linked_blocks_decode_in_every_history_layout() {
        let data = sample(300_000);
        for level in [1, 9] {
            let mut c = BlockCompressor::new(level, true, &[], false).unwrap();
            let mut dst = vec![0u8; data.len() * 2];
            let mut blocks: Vec<(usize, usize, usize)> = Vec::new();
            let mut at = 0;
            let n = c.compress_run(&data, 65536, &mut dst, |out, piece, n| {
                blocks.push((at, n, piece.len()));
                if n == 0 {
                    out[4..4 + piece.len()].copy_from_slice(piece);
                }
                let len = 4 + if n == 0 { piece.len() } else { n };
                at += len;
                len
            });
            assert_eq!(n, at);
            // One output buffer, prefix mode.
            let mut out = vec![0u8; data.len()];
            let mut pos = 0;
            for &(off, n, plain) in &blocks {
                assert_ne!(n, 0);
                pos +=
                    decompress_after_prefix(&dst[off + 4..off + 4 + n], &mut out, pos, pos, plain)
                        .unwrap();
            }
            assert_eq!(out, data);
            // History split: first block's output is "ext", the rest go to a
            // second buffer whose earlier part is the prefix.
            let first = blocks[0].2;
            let mut out2 = vec![0u8; data.len() - first];
            let mut pos = 0;
            for &(off, n, plain) in &blocks[1..] {
                pos += decompress_linked(
                    &dst[off + 4..off + 4 + n],
                    &mut out2,
                    pos,
                    pos,
                    &data[..first],
                    plain,
                )
                .unwrap();
            }
            assert_eq!(out2, &data[first..]);
            // In place: compressed block at the end of the decoder's buffer.
            let (off, n, plain) = blocks[1];
            let margin = in_place_margin(n);
            let mut buf = vec![0u8; 65536 + plain + margin];
            buf[..65536].copy_from_slice(&data[..65536]);
            let src_at = buf.len() - n;
            buf[src_at..].copy_from_slice(&dst[off + 4..off + 4 + n]);
            let got = decompress_in_place(&mut buf, 65536, 65536, &[], plain, src_at, n).unwrap();
            assert_eq!(&buf[65536..65536 + got], &data[first..first + plain]);
            assert_eq!(
                decompress_in_place(&mut buf, 65536, 65536, &[], plain + 64, src_at, n),
                None
            );
        }
    }

    #[test]
    fn corrupt_block_is_rejected() {
        assert_eq!(decompress(&[0xff, 0xff, 0xff], &mut [0u8; 16], &[]), None);
    }
}
