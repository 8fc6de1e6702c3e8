//! Status codes and their texts, and the version queries.
//!
//! The codes, names and messages come from the one table in
//! src/error.rs; this module only hands them to C.

use super::macros::ffi_fn;
use crate::decoder::Status;
use crate::error::{Error, status_texts};
use std::ffi::{CStr, CString, c_char, c_int};
use std::sync::OnceLock;

pub use crate::error::{LZ4FRAMED_NEED_INPUT, LZ4FRAMED_OK, LZ4FRAMED_OUTPUT_FULL};

/// What a fallible function returns: `LZ4FRAMED_OK` (0), another
/// non-negative progress code (`LZ4FRAMED_NEED_INPUT`,
/// `LZ4FRAMED_OUTPUT_FULL`), or a negative `enum lz4framed_error` value.
/// A fixed-width integer rather than the enum itself, so that C code
/// stays well-defined when a newer library returns a code it does not know.
pub type lz4framed_status = i32;

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

const UNKNOWN_NAME: &CStr = c"LZ4FRAMED_UNKNOWN_STATUS";
const UNKNOWN_MESSAGE: &CStr = c"unknown status";

ffi_fn! {
    /// The constant's name for any status, e.g. "LZ4FRAMED_ERROR_TRUNCATED";
    /// "LZ4FRAMED_UNKNOWN_STATUS" for an integer that is not one (so it is safe
    /// to call with whatever a newer library or a corrupted variable holds).
    /// Static storage: never free it. Thread-safe; never NULL.
    #[on_panic(UNKNOWN_NAME.as_ptr())]
    fn lz4framed_status_name(status: i32) -> *const c_char {
        status_texts(status).map_or(UNKNOWN_NAME, |t| t.0).as_ptr()
    }
}

ffi_fn! {
    /// A sentence describing any status, for logs and error dialogs; "unknown
    /// status" for an integer that is not one. Static storage: never free it.
    /// Thread-safe; never NULL.
    #[on_panic(UNKNOWN_MESSAGE.as_ptr())]
    fn lz4framed_status_message(status: i32) -> *const c_char {
        status_texts(status).map_or(UNKNOWN_MESSAGE, |t| t.1).as_ptr()
    }
}

ffi_fn! {
    /// 1 when `status` is an error, else 0. Every negative value counts as an
    /// error, including codes this version does not know yet. Thread-safe.
    #[on_panic(1)]
    fn lz4framed_is_error(status: i32) -> c_int {
        c_int::from(status < 0)
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

/// From Cargo.toml, the version's one home (build.rs writes the header's
/// macros from the same variables).
const VERSION_NUMBER: u32 = parse_u32(env!("CARGO_PKG_VERSION_MAJOR")) * 10000
    + parse_u32(env!("CARGO_PKG_VERSION_MINOR")) * 100
    + parse_u32(env!("CARGO_PKG_VERSION_PATCH"));

const VERSION_STRING: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(s) => s,
        Err(_) => panic!("the package version contains a NUL byte"),
    };

ffi_fn! {
    /// This library's version as `major * 10000 + minor * 100 + patch`; equals
    /// `LZ4FRAMED_VERSION_NUMBER` when the header matches the library loaded.
    /// Thread-safe; cannot fail.
    #[on_panic(VERSION_NUMBER)]
    fn lz4framed_version_number() -> u32 {
        VERSION_NUMBER
    }
}

ffi_fn! {
    /// This library's version, e.g. "0.2.0" (`LZ4FRAMED_VERSION_STRING` of the
    /// header it was built with). Static storage: never free it. Thread-safe.
    #[on_panic(VERSION_STRING.as_ptr())]
    fn lz4framed_version_string() -> *const c_char {
        VERSION_STRING.as_ptr()
    }
}

ffi_fn! {
    /// The version of the LZ4 library built into lz4framed (not any liblz4 the
    /// program may also link), as `major * 10000 + minor * 100 + release`.
    /// Thread-safe; cannot fail.
    #[on_panic(0)]
    fn lz4framed_lz4_version_number() -> u32 {
        crate::lz4_version_number()
    }
}

ffi_fn! {
    /// The built-in LZ4's version, e.g. "1.10.0". Static storage: never free
    /// it. Thread-safe.
    #[on_panic(c"unknown".as_ptr())]
    fn lz4framed_lz4_version_string() -> *const c_char {
        // The core hands out a `&str`; C needs the terminating NUL, so the
        // string is copied once and kept for the life of the process.
        static LZ4_VERSION: OnceLock<CString> = OnceLock::new();
        LZ4_VERSION
            .get_or_init(|| {
                CString::new(crate::lz4_version_string()).unwrap_or_else(|_| c"unknown".into())
            })
            .as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ALL_ERRORS;

    fn text(p: *const c_char) -> &'static str {
        // SAFETY: the functions return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn c_texts_are_the_rust_ones() {
        for e in ALL_ERRORS {
            assert_eq!(text(lz4framed_status_name(e.code())), e.name());
            assert_eq!(text(lz4framed_status_message(e.code())), e.message());
            assert_eq!(lz4framed_is_error(e.code()), 1);
        }
        assert_eq!(text(lz4framed_status_name(LZ4FRAMED_OK)), "LZ4FRAMED_OK");
        assert_eq!(lz4framed_is_error(LZ4FRAMED_OUTPUT_FULL), 0);
        for unknown in [3, -5000, i32::MIN, i32::MAX] {
            assert_eq!(
                text(lz4framed_status_name(unknown)),
                "LZ4FRAMED_UNKNOWN_STATUS"
            );
            assert_eq!(text(lz4framed_status_message(unknown)), "unknown status");
        }
    }

    #[test]
    fn version_number_matches_cargo() {
        let v: Vec<u32> = crate::VERSION
            .split(['.', '-', '+'])
            .take(3)
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(lz4framed_version_number(), v[0] * 10000 + v[1] * 100 + v[2]);
        assert_eq!(text(lz4framed_version_string()), crate::VERSION);
    }
}
