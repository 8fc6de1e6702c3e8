//! Byte buffers the library allocates for C, and `lz4framed_blob_free`,
//! the one function that frees them.

use super::macros::ffi_fn;
use std::ffi::c_void;

/// Hands a byte buffer to C as `(pointer, length)`, for [`free_blob`].
/// The length is stored in a hidden prefix, so C frees with the pointer
/// alone, as it would a malloc'ed buffer.
pub(crate) fn into_blob(bytes: &[u8]) -> (*mut c_void, usize) {
    let mut prefixed = Vec::with_capacity(BLOB_PREFIX + bytes.len());
    prefixed.resize(BLOB_PREFIX, 0);
    prefixed.extend_from_slice(bytes);
    into_blob_prefixed(prefixed)
}

/// [`into_blob`] without a copy: `prefixed` holds [`BLOB_PREFIX`] bytes
/// of room (any content) followed by the data.
pub(crate) fn into_blob_prefixed(mut prefixed: Vec<u8>) -> (*mut c_void, usize) {
    assert!(
        prefixed.len() >= BLOB_PREFIX,
        "a blob starts with its prefix"
    );
    let len = prefixed.len() - BLOB_PREFIX;
    prefixed[..8].copy_from_slice(&(len as u64).to_ne_bytes());
    let raw = Box::into_raw(prefixed.into_boxed_slice()).cast::<u8>();
    // SAFETY: the allocation holds BLOB_PREFIX + len bytes.
    (unsafe { raw.add(BLOB_PREFIX) }.cast(), len)
}

/// The hidden prefix of a blob: 16 bytes keep the data 16-byte aligned
/// relative to the allocation, as malloc's would be.
pub(crate) const BLOB_PREFIX: usize = 16;

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

ffi_fn! {
    /// Frees a buffer the library allocated: the blob of
    /// lz4framed_decoder_marshal_alloc, the output of
    /// lz4framed_decompress_alloc: every buffer the library hands out is
    /// freed with this function, never with free() (the library may use
    /// another allocator). NULL is a no-op; freeing twice is undefined.
    /// Thread-safe.
    #[on_panic(())]
    unsafe fn lz4framed_blob_free(blob: *mut c_void) {
        // SAFETY: `blob` is NULL or from the library, not yet freed.
        unsafe { free_blob(blob) }
    }
}
