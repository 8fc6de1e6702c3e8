//! How the seek layer's I/O-shaped results carry the library's errors.
//!
//! Building an index and reading at a position work over sources that
//! fail as I/O does, so their results are `io::Result`s; a fault of the
//! data (a corrupt block, a lying index) is an `InvalidData` error whose
//! inner error is the library's [`Error`] or an [`Invalid`]. [`error_of`]
//! gets the status code back, which is what the C ABI and the tool report.

use std::io;

use super::Invalid;
use crate::error::Error;

/// An `InvalidData` error carrying `e`.
pub(super) fn data_error(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// An `InvalidData` error carrying `i`.
pub(super) fn invalid_error(i: Invalid) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, i)
}

/// The library status an error from [`build_index`](super::build_index)
/// or a [`SeekableReader`](super::SeekableReader) stands for: the inner
/// [`Error`] or [`Invalid`] of a data fault, else
/// [`Error::ReaderFailed`] (the source itself failed).
pub fn error_of(e: &io::Error) -> Error {
    if let Some(inner) = e.get_ref() {
        if let Some(err) = inner.downcast_ref::<Error>() {
            return *err;
        }
        if let Some(invalid) = inner.downcast_ref::<Invalid>() {
            return invalid.error();
        }
    }
    Error::ReaderFailed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_errors_come_back_and_plain_io_is_a_reader_failure() {
        assert_eq!(
            error_of(&data_error(Error::BlockChecksum)),
            Error::BlockChecksum
        );
        assert_eq!(error_of(&invalid_error(Invalid::Stale)), Error::SeekStale);
        assert_eq!(
            error_of(&io::Error::from(io::ErrorKind::UnexpectedEof)),
            Error::ReaderFailed
        );
        assert_eq!(error_of(&io::Error::other("disk")), Error::ReaderFailed);
    }
}
