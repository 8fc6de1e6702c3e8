//! Reading the fields of a marshalled state (the decoder's and the
//! encoder's blobs): little-endian, every read bounds-checked.

use crate::error::{Error, Result};

/// A cursor over a blob body whose length its envelope has vouched for:
/// running past the end is the `corrupt` error of that kind of blob.
pub(crate) struct BlobReader<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) at: usize,
    corrupt: Error,
}

impl<'a> BlobReader<'a> {
    pub(crate) fn new(b: &'a [u8], at: usize, corrupt: Error) -> Self {
        BlobReader { b, at, corrupt }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(self.corrupt)?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(
            self.bytes(2)?.try_into().expect("2 bytes"),
        ))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.bytes(4)?.try_into().expect("4 bytes"),
        ))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.bytes(8)?.try_into().expect("8 bytes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_fields_and_refuses_to_run_past_the_end() {
        let b = [1, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9];
        let mut r = BlobReader::new(&b, 0, Error::StateCorrupt);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(2));
        assert_eq!(r.u32(), Ok(3));
        assert_eq!(r.at, 7);
        assert_eq!(r.bytes(10), Err(Error::StateCorrupt));
        assert_eq!(r.at, 7, "a failed read moves nothing");
        let mut r = BlobReader::new(&b, 15, Error::EncoderStateCorrupt);
        assert_eq!(r.u64(), Err(Error::EncoderStateCorrupt));
        assert_eq!(r.u8(), Ok(9));
        assert_eq!(r.u8(), Err(Error::EncoderStateCorrupt));
    }
}
