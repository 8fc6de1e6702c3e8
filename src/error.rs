//! Every status the library reports, defined once.
//!
//! [`status_table!`] below is the single source of truth for the error
//! codes and the progress codes: their numbers, the documentation that the
//! C header carries, and the message texts. From it the macro generates
//!
//! - the [`Error`] enum, whose discriminants are the stable negative
//!   status codes of the C ABI (so a Rust error and a C status are the same
//!   thing), and [`ALL_ERRORS`];
//! - the C progress constants (`LZ4FRAMED_OK`, ...), re-exported by
//!   `ffi::status`;
//! - the names and messages as `&str` (Rust) and as `&CStr` (C), the C
//!   ones built at compile time from the same literals.
//!
//! cbindgen does not expand macros, so build.rs hands it the body of the
//! `status_table!` invocation in this file: a plain `#[repr(i32)] enum`
//! and plain constants, with the same doc comments (the `#[message]`
//! attributes mean nothing to cbindgen). The header's constant names come
//! from cbindgen's QualifiedScreamingSnakeCase rule, the Rust/C name texts
//! from [`screaming_name`], the same conversion; `tests/c_api.rs` checks
//! that every name is declared by the header.

use std::ffi::CStr;
use std::fmt;

/// Defines the status table; see the module documentation. Its input is
/// ordinary Rust items (what cbindgen reads), each variant and constant
/// preceded by `#[message = "..."]`.
macro_rules! status_table {
    (
        $(#[$emeta:meta])*
        pub enum Error {
            $(
                $(#[doc = $doc:literal])*
                #[message = $msg:literal]
                $variant:ident = $code:literal,
            )*
        }

        $(
            $(#[doc = $pdoc:literal])*
            #[message = $pmsg:literal]
            pub const $pname:ident: $pty:ty = $pcode:literal;
        )*
    ) => {
        $(
            $(#[doc = $pdoc])*
            pub const $pname: $pty = $pcode;
        )*

        $(#[$emeta])*
        pub enum Error {
            $(
                $(#[doc = $doc])*
                $variant = $code,
            )*
        }

        /// Every error, in code order; used by lookups and tests.
        pub const ALL_ERRORS: [Error; [$(Error::$variant),*].len()] = [$(Error::$variant),*];

        /// Name and message of every error, in the order of [`ALL_ERRORS`],
        /// NUL-terminated so that C gets them without copying.
        static ERROR_TEXTS: [Texts; ALL_ERRORS.len()] = [
            $(Texts::new(
                &const { screaming_name("LZ4FRAMED_ERROR_", stringify!($variant)) },
                c_str(concat!($msg, "\0")),
            )),*
        ];

        /// The progress codes (non-negative), with their names and messages.
        static PROGRESS_TEXTS: [(i32, Texts); [$($pcode),*].len()] = [
            $(($pname, Texts::new(
                &const { screaming_name("", stringify!($pname)) },
                c_str(concat!($pmsg, "\0")),
            ))),*
        ];
    };
}

status_table! {
    /// An error from compression, decompression or state handling.
    ///
    /// The discriminants are part of the C ABI (`lz4framed_error` in the
    /// header) and never change meaning; new errors get new numbers (so
    /// matches need a wildcard arm).
    #[repr(i32)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Error {
        /// A required pointer argument was NULL (C API only).
        #[message = "a required pointer argument is NULL"]
        NullArgument = -1,
        /// An argument is out of range (unknown block size, bad option value).
        #[message = "an argument is out of range"]
        InvalidArgument = -2,
        /// Memory for a buffer or an LZ4 state could not be allocated.
        #[message = "out of memory"]
        OutOfMemory = -3,
        /// An internal error (a bug) was caught; the object must not be used again.
        #[message = "internal error (a bug in lz4framed); the object must not be used again"]
        Internal = -4,
        /// The destination buffer is smaller than the operation needs.
        #[message = "the destination buffer is too small (to decompress without knowing the size: lz4framed_decompressed_size() or lz4framed_decompress_alloc(); in Rust decompressed_size() or decompress())"]
        DstTooSmall = -5,
        /// Functions were called out of order (e.g. update after end).
        #[message = "function called out of order"]
        WrongStage = -6,
        /// The operating system refused to start a worker thread (a thread
        /// or process limit was reached, or there was no memory for its
        /// stack). The threads already started are joined; an encoder
        /// abandons the frame (begin a new one, which tries again, or use
        /// fewer workers).
        #[message = "could not start a worker thread"]
        ThreadSpawn = -7,
        /// The input does not start with a known LZ4 frame magic number.
        #[message = "not LZ4 data: unknown frame magic number"]
        BadMagic = -10,
        /// The frame header declares an unsupported format version.
        #[message = "unsupported LZ4 frame version"]
        BadVersion = -11,
        /// A reserved bit of the frame header is set.
        #[message = "reserved bit set in LZ4 frame header"]
        ReservedBit = -12,
        /// The frame header declares an unknown maximum block size.
        #[message = "invalid maximum block size in LZ4 frame header"]
        BadBlockSizeId = -13,
        /// The frame header checksum does not match.
        #[message = "LZ4 frame header checksum mismatch"]
        HeaderChecksum = -14,
        /// A block is larger than the frame's maximum block size.
        #[message = "LZ4 block larger than the frame's maximum block size"]
        BlockTooLarge = -15,
        /// A block checksum does not match.
        #[message = "LZ4 block checksum mismatch"]
        BlockChecksum = -16,
        /// Compressed block data is corrupt.
        #[message = "corrupt LZ4 block data"]
        CorruptBlock = -17,
        /// The content checksum at the end of a frame does not match.
        #[message = "LZ4 content checksum mismatch"]
        ContentChecksum = -18,
        /// The decompressed size differs from the frame's declared content size.
        #[message = "decompressed size differs from the frame's declared content size"]
        ContentSize = -19,
        /// Input ended in the middle of a frame.
        #[message = "input ended in the middle of an LZ4 frame"]
        Truncated = -20,
        /// The frame names a dictionary ID and the decoder was given no dictionary.
        #[message = "the frame needs a dictionary and none was given"]
        DictionaryRequired = -21,
        /// The dictionary given does not have the frame's dictionary ID.
        #[message = "the dictionary does not match the frame's dictionary ID"]
        DictionaryMismatch = -22,
        /// The bytes are not a decoder state blob (bad magic).
        #[message = "not a lz4framed decoder state"]
        StateMagic = -30,
        /// The state blob was written by an unsupported format version.
        #[message = "decoder state written by an unsupported format version"]
        StateVersion = -31,
        /// The state blob's checksum does not match: it is damaged.
        #[message = "decoder state is damaged (checksum mismatch)"]
        StateChecksum = -32,
        /// The state blob is shorter than its fields say.
        #[message = "decoder state is truncated"]
        StateTruncated = -33,
        /// A state blob field holds an impossible value.
        #[message = "decoder state holds impossible values"]
        StateCorrupt = -34,
        /// The dictionary given on restore is not the one the state was using.
        #[message = "the dictionary differs from the one the saved state was using"]
        StateDictionary = -35,
        /// The read callback of a pull decoder reported an error.
        #[message = "the input read callback reported an error"]
        ReaderFailed = -40,
        /// The bytes are not a seek table or seek index (no magic number).
        #[message = "not a lz4framed seek table or seek index"]
        SeekMagic = -60,
        /// The seek table or index was written by an unsupported format version.
        #[message = "seek table or index written by an unsupported format version"]
        SeekVersion = -61,
        /// The seek table's or index's checksum does not match: it is damaged.
        #[message = "seek table or index is damaged (checksum mismatch)"]
        SeekChecksum = -62,
        /// The seek table or index is shorter than its fields say.
        #[message = "seek table or index is truncated"]
        SeekTruncated = -63,
        /// A seek table or index field holds an impossible value.
        #[message = "seek table or index holds impossible values"]
        SeekCorrupt = -64,
        /// The seek index was made for another file, or the file changed since.
        #[message = "the seek index was made for another file, or the file changed"]
        SeekStale = -65,
        /// A seek table was asked of an encoder whose preferences ask for
        /// none (`seek_table` 0).
        #[message = "the encoder writes no seek table (its preferences set none)"]
        SeekTableOff = -66,
        /// The file decodes to other sizes than its seek table or index
        /// says (a stretch between two restart points, or a restart point
        /// that is not where a block starts): the table or index lies, or
        /// the file was changed. No byte of that stretch is delivered.
        #[message = "the file does not match its seek table or index"]
        SeekMismatch = -68,
        /// The bytes are not an encoder state blob (bad magic; a decoder's
        /// state blob is refused with this code too).
        #[message = "not a lz4framed encoder state"]
        EncoderStateMagic = -70,
        /// The encoder state blob was written by an unsupported format version.
        #[message = "encoder state written by an unsupported format version"]
        EncoderStateVersion = -71,
        /// The encoder state blob's checksum does not match: it is damaged.
        #[message = "encoder state is damaged (checksum mismatch)"]
        EncoderStateChecksum = -72,
        /// The encoder state blob is shorter than its header says.
        #[message = "encoder state is truncated"]
        EncoderStateTruncated = -73,
        /// An encoder state blob field holds an impossible value.
        #[message = "encoder state holds impossible values"]
        EncoderStateCorrupt = -74,
        /// The dictionary given on restore is not the one the encoder had.
        #[message = "the dictionary differs from the one the saved encoder was using"]
        EncoderStateDictionary = -75,
        /// The encoder state holds LZ4 match-finder tables of another LZ4
        /// version or of a machine that hashes differently (pointer width,
        /// endianness): it cannot continue the same output here.
        #[message = "encoder state was made by an LZ4 build that hashes differently"]
        EncoderStateEngine = -76,
    }

    /// Success. From the decoder: the input may end here (it stands at a frame
    /// boundary, or between two blocks of a legacy frame, which has no end
    /// mark), with all output delivered.
    #[message = "success: the input may end here, all output delivered"]
    pub const LZ4FRAMED_OK: lz4framed_status = 0;
    /// The decoder consumed all input inside a frame and needs more. Not an
    /// error: feed more input, or pass end_of_input to learn it is truncated.
    #[message = "more input is needed"]
    pub const LZ4FRAMED_NEED_INPUT: lz4framed_status = 1;
    /// The output buffer is full and more output is waiting (decoded, or in
    /// the unconsumed input): call again with more room and that input.
    #[message = "the output buffer is full"]
    pub const LZ4FRAMED_OUTPUT_FULL: lz4framed_status = 2;
}

/// The C type of a status; the same as `ffi::lz4framed_status`.
#[allow(non_camel_case_types)]
type lz4framed_status = i32;

/// The longest name a status may have, NUL included.
const NAME_CAPACITY: usize = 48;

/// `prefix` followed by `ident` in SCREAMING_SNAKE_CASE (an underscore
/// before every inner capital: `BadBlockSizeId` -> `BAD_BLOCK_SIZE_ID`),
/// NUL-padded. An identifier already in capitals is kept as it is.
const fn screaming_name(prefix: &str, ident: &str) -> [u8; NAME_CAPACITY] {
    let mut out = [0u8; NAME_CAPACITY];
    let mut n = 0;
    let p = prefix.as_bytes();
    let mut i = 0;
    while i < p.len() {
        out[n] = p[i];
        n += 1;
        i += 1;
    }
    let s = ident.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_uppercase() && i > 0 && s[i - 1].is_ascii_lowercase() {
            out[n] = b'_';
            n += 1;
        }
        out[n] = c.to_ascii_uppercase();
        n += 1;
        i += 1;
    }
    // Room for the NUL; a longer name fails the build here.
    assert!(n < NAME_CAPACITY, "status name too long");
    out
}

const fn c_str(with_nul: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(with_nul.as_bytes()) {
        Ok(s) => s,
        Err(_) => panic!("a status text contains a NUL byte"),
    }
}

/// A status's name and message with their terminating NULs.
struct Texts {
    name: &'static CStr,
    message: &'static CStr,
}

impl Texts {
    const fn new(name: &'static [u8; NAME_CAPACITY], message: &'static CStr) -> Texts {
        let name = match CStr::from_bytes_until_nul(name) {
            Ok(s) => s,
            Err(_) => panic!("a status name fills its buffer"),
        };
        Texts { name, message }
    }
}

impl Error {
    /// The stable C status code (negative).
    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn from_code(code: i32) -> Option<Error> {
        ALL_ERRORS.iter().copied().find(|e| e.code() == code)
    }

    fn texts(self) -> &'static Texts {
        let index = ALL_ERRORS
            .iter()
            .position(|&e| e == self)
            .expect("ALL_ERRORS lists every error");
        &ERROR_TEXTS[index]
    }

    /// The C constant's name, e.g. `LZ4FRAMED_ERROR_BLOCK_CHECKSUM`.
    pub fn name(self) -> &'static str {
        as_str(self.texts().name)
    }

    /// A sentence for people, e.g. for an error dialog or a log line.
    pub fn message(self) -> &'static str {
        as_str(self.texts().message)
    }

    /// [`Error::name`] with a terminating NUL, for C.
    pub(crate) fn c_name(self) -> &'static CStr {
        self.texts().name
    }

    /// [`Error::message`] with a terminating NUL, for C.
    pub(crate) fn c_message(self) -> &'static CStr {
        self.texts().message
    }
}

fn as_str(s: &'static CStr) -> &'static str {
    s.to_str().expect("status texts are ASCII")
}

/// The C name and message of any status code: a progress code, an error,
/// or `None` for an integer that is neither.
pub(crate) fn status_texts(code: i32) -> Option<(&'static CStr, &'static CStr)> {
    if let Some((_, t)) = PROGRESS_TEXTS.iter().find(|(c, _)| *c == code) {
        return Some((t.name, t.message));
    }
    Error::from_code(code).map(|e| (e.c_name(), e.c_message()))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.name())
    }
}

impl std::error::Error for Error {}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_messages_are_unique_and_round_trip() {
        let mut names = std::collections::HashSet::new();
        let mut msgs = std::collections::HashSet::new();
        let mut last = 0;
        for e in ALL_ERRORS {
            assert!(e.code() < last, "ALL_ERRORS is in code order");
            last = e.code();
            assert_eq!(Error::from_code(e.code()), Some(e));
            assert!(e.name().starts_with("LZ4FRAMED_ERROR_"), "{}", e.name());
            assert!(names.insert(e.name()));
            assert!(msgs.insert(e.message()));
            assert!(e.to_string().contains(e.name()));
            assert_eq!(e.c_name().to_str(), Ok(e.name()));
            assert_eq!(e.c_message().to_str(), Ok(e.message()));
            assert_eq!(status_texts(e.code()), Some((e.c_name(), e.c_message())));
        }
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::from_code(-9999), None);
        assert_eq!(
            Error::BadBlockSizeId.name(),
            "LZ4FRAMED_ERROR_BAD_BLOCK_SIZE_ID"
        );
        assert_eq!(Error::DstTooSmall.name(), "LZ4FRAMED_ERROR_DST_TOO_SMALL");
    }

    #[test]
    fn progress_codes_have_their_constant_names() {
        for (code, name) in [
            (LZ4FRAMED_OK, "LZ4FRAMED_OK"),
            (LZ4FRAMED_NEED_INPUT, "LZ4FRAMED_NEED_INPUT"),
            (LZ4FRAMED_OUTPUT_FULL, "LZ4FRAMED_OUTPUT_FULL"),
        ] {
            let (n, m) = status_texts(code).unwrap();
            assert_eq!(n.to_str(), Ok(name));
            assert!(!m.is_empty());
        }
        assert_eq!(status_texts(3), None);
    }
}
