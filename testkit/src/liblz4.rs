//! liblz4's own frame (LZ4F) and block functions, from the static library
//! lz4-sys builds (LZ4 1.10), for the comparisons that need the reference
//! implementation: the benchmarks measure against it and the differential
//! fuzz target checks our decoder's verdicts against it.
//!
//! The library declares what it calls itself in its private `src/lz4.rs`;
//! these declarations are for the comparisons only. lz4-sys's own bindings
//! are not used for them: their frame structs hold Rust enums, which a
//! value written by C may not fit, so these structs have integer fields.

use std::ffi::{c_char, c_int, c_uint, c_void};

// Links the static liblz4 that defines everything declared here.
use lz4_sys as _;

/// `LZ4F_VERSION`, which the context constructors expect.
pub const LZ4F_VERSION: c_uint = 100;

/// `LZ4F_frameInfo_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Lz4fFrameInfo {
    pub block_size_id: c_uint,
    pub block_mode: c_uint,
    pub content_checksum: c_uint,
    pub frame_type: c_uint,
    pub content_size: u64,
    pub dict_id: c_uint,
    pub block_checksum: c_uint,
}

/// `LZ4F_preferences_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Lz4fPreferences {
    pub frame_info: Lz4fFrameInfo,
    pub level: c_int,
    pub auto_flush: c_uint,
    pub favor_dec_speed: c_uint,
    pub reserved: [c_uint; 3],
}

unsafe extern "C" {
    pub fn LZ4F_isError(code: usize) -> c_uint;
    pub fn LZ4F_compressFrame(
        dst: *mut c_void,
        cap: usize,
        src: *const c_void,
        len: usize,
        prefs: *const Lz4fPreferences,
    ) -> usize;
    pub fn LZ4F_compressFrameBound(len: usize, prefs: *const Lz4fPreferences) -> usize;
    pub fn LZ4F_createCompressionContext(ctx: *mut *mut c_void, version: c_uint) -> usize;
    pub fn LZ4F_freeCompressionContext(ctx: *mut c_void) -> usize;
    pub fn LZ4F_compressBegin(
        ctx: *mut c_void,
        dst: *mut c_void,
        cap: usize,
        prefs: *const Lz4fPreferences,
    ) -> usize;
    pub fn LZ4F_compressBound(len: usize, prefs: *const Lz4fPreferences) -> usize;
    pub fn LZ4F_compressUpdate(
        ctx: *mut c_void,
        dst: *mut c_void,
        cap: usize,
        src: *const c_void,
        len: usize,
        opts: *const c_void,
    ) -> usize;
    pub fn LZ4F_compressEnd(
        ctx: *mut c_void,
        dst: *mut c_void,
        cap: usize,
        opts: *const c_void,
    ) -> usize;
    pub fn LZ4F_createDecompressionContext(ctx: *mut *mut c_void, version: c_uint) -> usize;
    pub fn LZ4F_freeDecompressionContext(ctx: *mut c_void) -> usize;
    pub fn LZ4F_decompress(
        ctx: *mut c_void,
        dst: *mut c_void,
        dst_size: *mut usize,
        src: *const c_void,
        src_size: *mut usize,
        opts: *const c_void,
    ) -> usize;
    pub fn LZ4F_decompress_usingDict(
        ctx: *mut c_void,
        dst: *mut c_void,
        dst_size: *mut usize,
        src: *const c_void,
        src_size: *mut usize,
        dict: *const c_void,
        dict_size: usize,
        opts: *const c_void,
    ) -> usize;
    pub fn LZ4_sizeofState() -> c_int;
    pub fn LZ4_decompress_safe(
        src: *const c_char,
        dst: *mut c_char,
        len: c_int,
        cap: c_int,
    ) -> c_int;
    pub fn LZ4_decompress_safe_usingDict(
        src: *const c_char,
        dst: *mut c_char,
        len: c_int,
        cap: c_int,
        dict: *const c_char,
        dict_len: c_int,
    ) -> c_int;
}

/// Whether an LZ4F return value is an error code.
pub fn lz4f_failed(code: usize) -> bool {
    // SAFETY: a plain function of an integer.
    unsafe { LZ4F_isError(code) != 0 }
}

/// What one [`Lz4fDecoder`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lz4fStep {
    /// Input bytes read.
    pub consumed: usize,
    /// Output bytes written.
    pub produced: usize,
    /// LZ4F's hint of the input it wants next; 0 when a frame ended and
    /// all its output was delivered.
    pub hint: usize,
}

/// An `LZ4F_dctx`, freed on drop, with the dictionary it decodes with.
pub struct Lz4fDecoder<'d> {
    ctx: *mut c_void,
    dict: Option<&'d [u8]>,
}

impl Lz4fDecoder<'static> {
    pub fn new() -> Lz4fDecoder<'static> {
        Lz4fDecoder::create(None)
    }
}

impl Default for Lz4fDecoder<'static> {
    fn default() -> Lz4fDecoder<'static> {
        Lz4fDecoder::new()
    }
}

impl<'d> Lz4fDecoder<'d> {
    /// A decoder whose calls go through `LZ4F_decompress_usingDict`. LZ4F
    /// reads the dictionary in place during a frame, hence the borrow.
    pub fn with_dictionary(dict: &'d [u8]) -> Lz4fDecoder<'d> {
        Lz4fDecoder::create(Some(dict))
    }

    fn create(dict: Option<&'d [u8]>) -> Lz4fDecoder<'d> {
        let mut ctx = std::ptr::null_mut();
        // SAFETY: `ctx` is a valid out-pointer.
        let r = unsafe { LZ4F_createDecompressionContext(&mut ctx, LZ4F_VERSION) };
        assert!(!lz4f_failed(r), "LZ4F_createDecompressionContext failed");
        Lz4fDecoder { ctx, dict }
    }

    /// One `LZ4F_decompress` (or `_usingDict`) call; `Err` holds LZ4F's
    /// error code.
    #[inline]
    pub fn decompress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<Lz4fStep, usize> {
        let (mut src_size, mut dst_size) = (src.len(), dst.len());
        // SAFETY: a live context; the pointers and sizes describe live
        // buffers. LZ4F keeps no pointer into `src` or `dst` past the call
        // (without `stableDst` it copies the history it needs), and the
        // dictionary outlives the context.
        let r = unsafe {
            match self.dict {
                None => LZ4F_decompress(
                    self.ctx,
                    dst.as_mut_ptr().cast(),
                    &mut dst_size,
                    src.as_ptr().cast(),
                    &mut src_size,
                    std::ptr::null(),
                ),
                Some(dict) => LZ4F_decompress_usingDict(
                    self.ctx,
                    dst.as_mut_ptr().cast(),
                    &mut dst_size,
                    src.as_ptr().cast(),
                    &mut src_size,
                    dict.as_ptr().cast(),
                    dict.len(),
                    std::ptr::null(),
                ),
            }
        };
        step(r, src_size, dst_size)
    }
}

impl Drop for Lz4fDecoder<'_> {
    fn drop(&mut self) {
        // SAFETY: created in `create`, freed once.
        unsafe { LZ4F_freeDecompressionContext(self.ctx) };
    }
}

#[inline]
fn step(r: usize, consumed: usize, produced: usize) -> Result<Lz4fStep, usize> {
    if lz4f_failed(r) {
        Err(r)
    } else {
        Ok(Lz4fStep {
            consumed,
            produced,
            hint: r,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame made by `LZ4F_compressFrame`, linked 64 KiB blocks.
    fn frame(data: &[u8]) -> Vec<u8> {
        let p = Lz4fPreferences {
            frame_info: Lz4fFrameInfo {
                block_size_id: 4,
                content_checksum: 1,
                ..Default::default()
            },
            level: 1,
            ..Default::default()
        };
        // SAFETY: plain reads of `p`; `dst` has the room the bound says.
        unsafe {
            let mut dst = vec![0u8; LZ4F_compressFrameBound(data.len(), &p)];
            let n = LZ4F_compressFrame(
                dst.as_mut_ptr().cast(),
                dst.len(),
                data.as_ptr().cast(),
                data.len(),
                &p,
            );
            assert!(!lz4f_failed(n));
            dst.truncate(n);
            dst
        }
    }

    /// Decodes in `chunk`-byte output pieces through one reused buffer.
    fn decode(d: &mut Lz4fDecoder<'_>, frame: &[u8], chunk: usize) -> Result<Vec<u8>, usize> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        let mut ip = 0;
        loop {
            let s = d.decompress(&frame[ip..], &mut buf)?;
            ip += s.consumed;
            out.extend_from_slice(&buf[..s.produced]);
            if s.hint == 0 {
                return Ok(out);
            }
        }
    }

    #[test]
    fn decoder_reads_a_frame_of_liblz4_in_small_pieces() {
        let data: Vec<u8> = (0..300_000u32)
            .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
            .collect();
        let f = frame(&data);
        assert_eq!(decode(&mut Lz4fDecoder::new(), &f, 1000), Ok(data.clone()));
        // A dictionary the frame does not use changes nothing.
        let dict = vec![7u8; 1000];
        assert_eq!(
            decode(&mut Lz4fDecoder::with_dictionary(&dict), &f, 4093),
            Ok(data)
        );
        let mut bad = f.clone();
        bad[0] ^= 1;
        assert!(decode(&mut Lz4fDecoder::new(), &bad, 1000).is_err());
    }
}
