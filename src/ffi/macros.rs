//! `ffi_fn!`: the one place that says what an exported function is.
//!
//! ```text
//! ffi_fn! {
//!     /// Docs for the header.
//!     unsafe fn lz4framed_thing(obj: *mut lz4framed_x, out: *mut usize) -> lz4framed_status {
//!         // evaluates to Result<lz4framed_status>; `?` and `return Err(..)` work
//!     }
//! }
//! ffi_fn! {
//!     /// A function returning a plain value gives the value a panic returns.
//!     #[on_panic(0)]
//!     unsafe fn lz4framed_size(obj: *const lz4framed_x) -> usize { ... }
//! }
//! ```
//!
//! expands to `#[unsafe(no_mangle)] pub unsafe extern "C" fn` (or a safe
//! `extern "C" fn` without `unsafe`) whose body runs inside a
//! `catch_unwind` boundary: an `Err` becomes its negative code, a panic
//! `LZ4FRAMED_ERROR_INTERNAL` (or the `on_panic` value). The doc comments
//! are kept on the function.
//!
//! cbindgen does not expand macros, so build.rs rewrites each `ffi_fn! {`
//! invocation of the files under src/ffi/ into the plain declaration this
//! macro produces (attributes, `#[unsafe(no_mangle)] pub unsafe extern "C"`
//! and the signature) before handing them to cbindgen; an invocation must
//! therefore start on a line of its own (`ffi_fn! {`).

macro_rules! ffi_fn {
    (
        $(#[doc = $doc:literal])*
        unsafe fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> lz4framed_status $body:block
    ) => {
        $(#[doc = $doc])*
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $crate::ffi::lz4framed_status {
            $crate::ffi::macros::status_boundary(
                || -> $crate::Result<$crate::ffi::lz4framed_status> { $body },
            )
        }
    };
    (
        $(#[doc = $doc:literal])*
        #[on_panic($fallback:expr)]
        unsafe fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[doc = $doc])*
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
            $crate::ffi::macros::value_boundary($fallback, || $body)
        }
    };
    (
        $(#[doc = $doc:literal])*
        #[on_panic($fallback:expr)]
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[doc = $doc])*
        #[unsafe(no_mangle)]
        pub extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
            $crate::ffi::macros::value_boundary($fallback, || $body)
        }
    };
}
pub(crate) use ffi_fn;

use super::lz4framed_status;
use crate::error::{Error, Result};
use std::panic::{AssertUnwindSafe, catch_unwind};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal_or_the_fallback() {
        assert_eq!(
            status_boundary(|| panic!("test panic")),
            Error::Internal.code()
        );
        assert_eq!(
            status_boundary(|| Err(Error::Truncated)),
            Error::Truncated.code()
        );
        assert_eq!(value_boundary(7u32, || panic!("test panic")), 7);
    }
}
