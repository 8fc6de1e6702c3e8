//! The C ABI (`include/lz4framed.h` is generated from this module).
//!
//! Every exported function has the same shape: its body runs inside
//! `ffi_boundary!`, so a panic becomes `LZ4FRAMED_ERROR_INTERNAL` instead
//! of unwinding into C, and it turns raw pointers into Rust values only
//! through the helpers below, which refuse NULL and never build a slice
//! from one. Objects handed to C are boxed `Guarded` values: a panic
//! while one is in use poisons it, because its state may be half-updated.
//!
//! All the crate's `unsafe` outside `src/lz4.rs` lives in this module.
//!
//! A new function follows the same pattern (see `decoder.rs`): take the
//! object with `handle_mut` / `handle_ref`, buffers with `src_slice`
//! / `dst_slice`, out-parameters with `Out::new` — all before any work,
//! so argument errors change nothing — run the work through
//! `Guarded::with`, then write the out-parameters. A new object wraps its
//! Rust value in `Guarded` and is handed out with `into_handle` (a
//! decoder clone or unmarshal: `lz4framed_decoder::boxed`).

// C names for C types; pointer + size pairs make long parameter lists. The
// exported functions' pointer contract is the one stated once in the
// header's preamble (cbindgen.toml), not a `# Safety` section per function
// that would land in the header as Rust jargon.
#![allow(
    non_camel_case_types,
    clippy::too_many_arguments,
    clippy::missing_safety_doc
)]

pub mod decoder;
pub mod encoder;
pub mod oneshot;

use crate::decoder::Status;
use crate::error::{Error, Result};
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::OnceLock;

/// What a fallible function returns: `LZ4FRAMED_OK` (0), another
/// non-negative progress code (`LZ4FRAMED_NEED_INPUT`,
/// `LZ4FRAMED_OUTPUT_FULL`), or a negative `enum lz4framed_error` value.
/// A fixed-width integer rather than the enum itself, so that C code
/// stays well-defined when a newer library returns a code it does not know.
pub type lz4framed_status = i32;

/// Success. From the decoder: the input may end here (it stands at a frame
/// boundary, or between two blocks of a legacy frame, which has no end
/// mark), with all output delivered.
pub const LZ4FRAMED_OK: lz4framed_status = 0;
/// The decoder consumed all input inside a frame and needs more. Not an
/// error: feed more input, or pass end_of_input to learn it is truncated.
pub const LZ4FRAMED_NEED_INPUT: lz4framed_status = 1;
/// The output buffer is full and more output is waiting (decoded, or in
/// the unconsumed input): call again with more room and that input.
pub const LZ4FRAMED_OUTPUT_FULL: lz4framed_status = 2;

/// The status of a successful decoder call.
pub(crate) fn status_code(status: Status) -> lz4framed_status {
    match status {
        Status::FrameBoundary => LZ4FRAMED_OK,
        Status::NeedInput => LZ4FRAMED_NEED_INPUT,
        Status::OutputFull => LZ4FRAMED_OUTPUT_FULL,
        // Not sticky and reported with the call's counts: see
        // lz4framed_decoder_read.
        Status::SourceFailed => Error::ReaderFailed.code(),
    }
}

/// The boundary every exported function's body runs inside.
///
/// `ffi_boundary!({ ... })`: the block evaluates to
/// `Result<lz4framed_status>`; an `Err` becomes its negative code, a panic
/// `LZ4FRAMED_ERROR_INTERNAL`.
///
/// `ffi_boundary!(fallback: value, { ... })`: for functions returning a
/// plain value (a query, a size, a string); a panic returns `value`.
macro_rules! ffi_boundary {
    ($body:block) => {
        $crate::ffi::status_boundary(|| -> $crate::Result<$crate::ffi::lz4framed_status> { $body })
    };
    (fallback: $fallback:expr, $body:block) => {
        $crate::ffi::value_boundary($fallback, || $body)
    };
}
pub(crate) use ffi_boundary;

pub(crate) fn status_boundary(body: impl FnOnce() -> Result<lz4framed_status>) -> lz4framed_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => e.code(),
        Err(_) => Error::Internal.code(),
    }
}

pub(crate) fn value_boundary<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A Rust object owned by C through a pointer from `Box::into_raw`.
pub(crate) struct Guarded<T> {
    value: T,
    /// Set when a panic interrupted a call: the value may break its own
    /// invariants, so it is never touched again (only dropped).
    poisoned: bool,
}

impl<T> Guarded<T> {
    pub(crate) fn new(value: T) -> Self {
        Guarded {
            value,
            poisoned: false,
        }
    }

    /// Runs `f` on the value, poisoning the object if `f` panics.
    pub(crate) fn with<R>(&mut self, f: impl FnOnce(&mut T) -> Result<R>) -> Result<R> {
        if self.poisoned {
            return Err(Error::Internal);
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.value))) {
            Ok(result) => result,
            Err(_) => {
                self.poisoned = true;
                Err(Error::Internal)
            }
        }
    }

    /// Read access for queries; `None` once poisoned.
    pub(crate) fn get(&self) -> Option<&T> {
        (!self.poisoned).then_some(&self.value)
    }
}

/// Hands a new object to C.
pub(crate) fn into_handle<H>(handle: H) -> *mut H {
    Box::into_raw(Box::new(handle))
}

/// Takes back and drops an object made by [`into_handle`]; NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`into_handle`] with the same `H` and was not
/// freed yet, and no other reference to it is in use.
pub(crate) unsafe fn free_handle<H>(ptr: *mut H) {
    if !ptr.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Hands a byte buffer to C as `(pointer, length)`, for [`free_blob`].
/// The length is stored in a hidden prefix, so C frees with the pointer
/// alone, as it would a malloc'ed buffer.
pub(crate) fn into_blob(bytes: Vec<u8>) -> (*mut c_void, usize) {
    let len = bytes.len();
    let mut boxed = Vec::with_capacity(BLOB_PREFIX + len);
    boxed.extend_from_slice(&(len as u64).to_ne_bytes());
    boxed.extend_from_slice(&[0u8; BLOB_PREFIX - 8]);
    boxed.extend_from_slice(&bytes);
    let raw = Box::into_raw(boxed.into_boxed_slice()).cast::<u8>();
    // SAFETY: the allocation holds BLOB_PREFIX + len bytes.
    (unsafe { raw.add(BLOB_PREFIX) }.cast(), len)
}

/// The hidden prefix of a blob: 16 bytes keep the data 16-byte aligned
/// relative to the allocation, as malloc's would be.
const BLOB_PREFIX: usize = 16;

/// Frees a buffer made by [`into_blob`]; NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`into_blob`] and was not freed yet.
pub(crate) unsafe fn free_blob(ptr: *mut c_void) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: `into_blob` returned BLOB_PREFIX bytes past the start of a
    // boxed slice whose first 8 bytes hold the data length.
    unsafe {
        let start = ptr.cast::<u8>().sub(BLOB_PREFIX);
        let len = start.cast::<u64>().read_unaligned() as usize;
        let slice = std::ptr::slice_from_raw_parts_mut(start, BLOB_PREFIX + len);
        drop(Box::from_raw(slice));
    }
}

/// # Safety
/// `ptr` is NULL or points to a live object made by [`into_handle`] that no
/// other thread uses during the call.
pub(crate) unsafe fn handle_mut<'a, H>(ptr: *mut H) -> Result<&'a mut H> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.as_mut() }.ok_or(Error::NullArgument)
}

/// # Safety
/// As [`handle_mut`], minus the exclusivity: `ptr` is not mutated during
/// the call.
pub(crate) unsafe fn handle_ref<'a, H>(ptr: *const H) -> Option<&'a H> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.as_ref() }
}

/// Rust slices may not exceed `isize::MAX` bytes; a C size that large can
/// only be a bug (e.g. a negative value cast to size_t).
fn check_len(len: usize) -> Result<()> {
    if len > isize::MAX as usize {
        Err(Error::InvalidArgument)
    } else {
        Ok(())
    }
}

/// The caller's input buffer. NULL is accepted only with `len == 0`.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` points to `len` readable
/// bytes that nothing writes during `'a`.
pub(crate) unsafe fn src_slice<'a>(ptr: *const c_void, len: usize) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Error::NullArgument);
    }
    check_len(len)?;
    // SAFETY: non-NULL, length checked, validity guaranteed by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// The caller's output buffer. NULL is accepted only with `len == 0`.
///
/// C buffers are usually uninitialised (malloc); like other Rust C APIs we
/// treat memory coming from C as plain bytes. The core only reads back
/// bytes it wrote during the same call.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` points to `len` writable
/// bytes that nothing else accesses during `'a`.
pub(crate) unsafe fn dst_slice<'a>(ptr: *mut c_void, len: usize) -> Result<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Error::NullArgument);
    }
    check_len(len)?;
    // SAFETY: non-NULL, length checked, validity guaranteed by the caller.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

/// An out-parameter, checked for NULL before any work is done and written
/// only on success. It is never read, and no reference to it is formed,
/// because C commonly passes the address of an uninitialised variable.
pub(crate) struct Out<'a, T> {
    ptr: NonNull<T>,
    _borrow: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    /// # Safety
    /// `ptr` is NULL or valid for writing a `T` (aligned) during `'a`.
    pub(crate) unsafe fn new(ptr: *mut T) -> Result<Self> {
        let ptr = NonNull::new(ptr).ok_or(Error::NullArgument)?;
        Ok(Out {
            ptr,
            _borrow: PhantomData,
        })
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: valid for writes, as promised to `new`.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

/// C truth values in option structs: only 0 and 1 are accepted, leaving
/// other values free for future meanings and catching garbage fields.
pub(crate) fn flag(value: u32) -> Result<bool> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::InvalidArgument),
    }
}

const fn parse_u32(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut n = 0u32;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit());
        n = n * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    n
}

const VERSION_NUMBER: u32 = parse_u32(env!("CARGO_PKG_VERSION_MAJOR")) * 10000
    + parse_u32(env!("CARGO_PKG_VERSION_MINOR")) * 100
    + parse_u32(env!("CARGO_PKG_VERSION_PATCH"));

const VERSION_STRING: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(s) => s,
        Err(_) => panic!("the package version contains a NUL byte"),
    };

/// This library's version as `major * 10000 + minor * 100 + patch`; equals
/// `LZ4FRAMED_VERSION_NUMBER` when the header matches the library loaded.
/// Thread-safe; cannot fail.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_version_number() -> u32 {
    VERSION_NUMBER
}

/// This library's version, e.g. "0.1.0" (`LZ4FRAMED_VERSION_STRING` of the
/// header it was built with). Static storage: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_version_string() -> *const c_char {
    VERSION_STRING.as_ptr()
}

/// The version of the LZ4 library built into lz4framed (not any liblz4 the
/// program may also link), as `major * 10000 + minor * 100 + release`.
/// Thread-safe; cannot fail.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_lz4_version_number() -> u32 {
    ffi_boundary!(fallback: 0, { crate::lz4_version_number() })
}

/// The built-in LZ4's version, e.g. "1.10.0". Static storage: never free
/// it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_lz4_version_string() -> *const c_char {
    // The core hands out a `&str`; C needs the terminating NUL, so the
    // string is copied once and kept for the life of the process.
    static LZ4_VERSION: OnceLock<CString> = OnceLock::new();
    ffi_boundary!(fallback: c"unknown".as_ptr(), {
        let version = LZ4_VERSION.get_or_init(|| {
            CString::new(crate::lz4_version_string()).unwrap_or_else(|_| c"unknown".into())
        });
        version.as_ptr()
    })
}

const UNKNOWN_NAME: &CStr = c"LZ4FRAMED_UNKNOWN_STATUS";
const UNKNOWN_MESSAGE: &CStr = c"unknown status";

/// `Error::name()` with a terminating NUL. The match is exhaustive, so a
/// new error cannot be forgotten here; a unit test keeps the texts equal.
fn error_name(e: Error) -> &'static CStr {
    match e {
        Error::NullArgument => c"LZ4FRAMED_ERROR_NULL_ARGUMENT",
        Error::InvalidArgument => c"LZ4FRAMED_ERROR_INVALID_ARGUMENT",
        Error::OutOfMemory => c"LZ4FRAMED_ERROR_OUT_OF_MEMORY",
        Error::Internal => c"LZ4FRAMED_ERROR_INTERNAL",
        Error::DstTooSmall => c"LZ4FRAMED_ERROR_DST_TOO_SMALL",
        Error::WrongStage => c"LZ4FRAMED_ERROR_WRONG_STAGE",
        Error::BadMagic => c"LZ4FRAMED_ERROR_BAD_MAGIC",
        Error::BadVersion => c"LZ4FRAMED_ERROR_BAD_VERSION",
        Error::ReservedBit => c"LZ4FRAMED_ERROR_RESERVED_BIT",
        Error::BadBlockSizeId => c"LZ4FRAMED_ERROR_BAD_BLOCK_SIZE_ID",
        Error::HeaderChecksum => c"LZ4FRAMED_ERROR_HEADER_CHECKSUM",
        Error::BlockTooLarge => c"LZ4FRAMED_ERROR_BLOCK_TOO_LARGE",
        Error::BlockChecksum => c"LZ4FRAMED_ERROR_BLOCK_CHECKSUM",
        Error::CorruptBlock => c"LZ4FRAMED_ERROR_CORRUPT_BLOCK",
        Error::ContentChecksum => c"LZ4FRAMED_ERROR_CONTENT_CHECKSUM",
        Error::ContentSize => c"LZ4FRAMED_ERROR_CONTENT_SIZE",
        Error::Truncated => c"LZ4FRAMED_ERROR_TRUNCATED",
        Error::DictionaryRequired => c"LZ4FRAMED_ERROR_DICTIONARY_REQUIRED",
        Error::DictionaryMismatch => c"LZ4FRAMED_ERROR_DICTIONARY_MISMATCH",
        Error::StateMagic => c"LZ4FRAMED_ERROR_STATE_MAGIC",
        Error::StateVersion => c"LZ4FRAMED_ERROR_STATE_VERSION",
        Error::StateChecksum => c"LZ4FRAMED_ERROR_STATE_CHECKSUM",
        Error::StateTruncated => c"LZ4FRAMED_ERROR_STATE_TRUNCATED",
        Error::StateCorrupt => c"LZ4FRAMED_ERROR_STATE_CORRUPT",
        Error::StateDictionary => c"LZ4FRAMED_ERROR_STATE_DICTIONARY",
        Error::ReaderFailed => c"LZ4FRAMED_ERROR_READER_FAILED",
    }
}

/// `Error::message()` with a terminating NUL (see [`error_name`]).
fn error_message(e: Error) -> &'static CStr {
    match e {
        Error::NullArgument => c"a required pointer argument is NULL",
        Error::InvalidArgument => c"an argument is out of range",
        Error::OutOfMemory => c"out of memory",
        Error::Internal => {
            c"internal error (a bug in lz4framed); the object must not be used again"
        }
        Error::DstTooSmall => c"the destination buffer is too small",
        Error::WrongStage => c"function called out of order",
        Error::BadMagic => c"not LZ4 data: unknown frame magic number",
        Error::BadVersion => c"unsupported LZ4 frame version",
        Error::ReservedBit => c"reserved bit set in LZ4 frame header",
        Error::BadBlockSizeId => c"invalid maximum block size in LZ4 frame header",
        Error::HeaderChecksum => c"LZ4 frame header checksum mismatch",
        Error::BlockTooLarge => c"LZ4 block larger than the frame's maximum block size",
        Error::BlockChecksum => c"LZ4 block checksum mismatch",
        Error::CorruptBlock => c"corrupt LZ4 block data",
        Error::ContentChecksum => c"LZ4 content checksum mismatch",
        Error::ContentSize => c"decompressed size differs from the frame's declared content size",
        Error::Truncated => c"input ended in the middle of an LZ4 frame",
        Error::DictionaryRequired => c"the frame needs a dictionary and none was given",
        Error::DictionaryMismatch => c"the dictionary does not match the frame's dictionary ID",
        Error::StateMagic => c"not a lz4framed decoder state",
        Error::StateVersion => c"decoder state written by an unsupported format version",
        Error::StateChecksum => c"decoder state is damaged (checksum mismatch)",
        Error::StateTruncated => c"decoder state is truncated",
        Error::StateCorrupt => c"decoder state holds impossible values",
        Error::StateDictionary => c"the dictionary differs from the one the saved state was using",
        Error::ReaderFailed => c"the input read callback reported an error",
    }
}

fn status_texts(status: lz4framed_status) -> (&'static CStr, &'static CStr) {
    match status {
        LZ4FRAMED_OK => (
            c"LZ4FRAMED_OK",
            c"success: at a frame boundary, all output delivered",
        ),
        LZ4FRAMED_NEED_INPUT => (c"LZ4FRAMED_NEED_INPUT", c"more input is needed"),
        LZ4FRAMED_OUTPUT_FULL => (c"LZ4FRAMED_OUTPUT_FULL", c"the output buffer is full"),
        _ => match Error::from_code(status) {
            Some(e) => (error_name(e), error_message(e)),
            None => (UNKNOWN_NAME, UNKNOWN_MESSAGE),
        },
    }
}

/// The constant's name for any status, e.g. "LZ4FRAMED_ERROR_TRUNCATED";
/// "LZ4FRAMED_UNKNOWN_STATUS" for an integer that is not one (so it is safe
/// to call with whatever a newer library or a corrupted variable holds).
/// Static storage: never free it. Thread-safe; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_status_name(status: i32) -> *const c_char {
    ffi_boundary!(fallback: UNKNOWN_NAME.as_ptr(), { status_texts(status).0.as_ptr() })
}

/// A sentence describing any status, for logs and error dialogs; "unknown
/// status" for an integer that is not one. Static storage: never free it.
/// Thread-safe; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_status_message(status: i32) -> *const c_char {
    ffi_boundary!(fallback: UNKNOWN_MESSAGE.as_ptr(), { status_texts(status).1.as_ptr() })
}

/// 1 when `status` is an error, else 0. Every negative value counts as an
/// error, including codes this version does not know yet. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn lz4framed_is_error(status: i32) -> c_int {
    c_int::from(status < 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ALL_ERRORS;

    #[test]
    fn c_texts_equal_the_rust_ones() {
        for e in ALL_ERRORS {
            assert_eq!(error_name(e).to_str().unwrap(), e.name());
            assert_eq!(error_message(e).to_str().unwrap(), e.message());
            // SAFETY: the functions return static NUL-terminated strings.
            let name = unsafe { CStr::from_ptr(lz4framed_status_name(e.code())) };
            assert_eq!(name.to_str().unwrap(), e.name());
            assert_eq!(lz4framed_is_error(e.code()), 1);
        }
        for unknown in [3, -5000, i32::MIN, i32::MAX] {
            // SAFETY: as above.
            let name = unsafe { CStr::from_ptr(lz4framed_status_name(unknown)) };
            assert_eq!(name, UNKNOWN_NAME);
        }
    }

    #[test]
    fn a_panic_becomes_internal_and_poisons_the_object() {
        assert_eq!(
            status_boundary(|| panic!("test panic")),
            Error::Internal.code()
        );
        assert_eq!(value_boundary(7u32, || panic!("test panic")), 7);
        let mut g = Guarded::new(1u8);
        assert_eq!(
            g.with(|_| -> Result<()> { panic!("test panic") }),
            Err(Error::Internal)
        );
        assert_eq!(g.with(|v| Ok(*v)), Err(Error::Internal));
        assert!(g.get().is_none());
    }

    #[test]
    fn version_number_matches_cargo() {
        let v: Vec<u32> = crate::VERSION
            .split(['.', '-', '+'])
            .take(3)
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(lz4framed_version_number(), v[0] * 10000 + v[1] * 100 + v[2]);
        assert_eq!(VERSION_STRING.to_str().unwrap(), crate::VERSION);
    }
}
