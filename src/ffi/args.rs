//! Turning C arguments into Rust values: buffers, out-parameters, flags
//! and reserved fields. Every helper refuses NULL (and sizes no Rust slice
//! may have) instead of building a reference from it, so a function takes
//! all its arguments through them before doing any work, and an argument
//! error changes nothing.

use crate::error::{Error, Result};
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::NonNull;

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

/// The rule for `reserved` fields of option structs: all zero, so that a
/// later version can give them a meaning without an old caller's garbage
/// being mistaken for it.
pub(crate) fn check_reserved(reserved: &[u32]) -> Result<()> {
    if reserved.iter().all(|&r| r == 0) {
        Ok(())
    } else {
        Err(Error::InvalidArgument)
    }
}
