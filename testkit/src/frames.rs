//! Frames written by hand, byte by byte from the format description, for
//! tests and fuzz seeds that need kinds of frames the library's encoder
//! does not write.

/// A skippable frame: magic `0x184D2A50 + nibble`, LE u32 size, payload.
pub fn skippable(nibble: u32, payload: &[u8]) -> Vec<u8> {
    assert!(nibble < 16);
    let mut v = (0x184D_2A50u32 + nibble).to_le_bytes().to_vec();
    v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

/// A legacy frame (the `lz4 -l` format) with one block per piece, each
/// compressed by liblz4's block compressor. `lz4 -l` cuts 8 MiB blocks,
/// but the format lets the last be short and a decoder must not care.
pub fn legacy_frame(pieces: &[&[u8]]) -> Vec<u8> {
    let mut v = 0x184C_2102u32.to_le_bytes().to_vec();
    for piece in pieces {
        let mut out = vec![0u8; piece.len() + piece.len() / 255 + 16];
        // SAFETY: both buffers are live and have the lengths passed.
        let n = unsafe {
            lz4_sys::LZ4_compress_default(
                piece.as_ptr().cast(),
                out.as_mut_ptr().cast(),
                piece.len() as i32,
                out.len() as i32,
            )
        };
        assert!(n > 0, "LZ4_compress_default failed");
        v.extend_from_slice(&(n as u32).to_le_bytes());
        v.extend_from_slice(&out[..n as usize]);
    }
    v
}
