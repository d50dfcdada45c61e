//! A cursor over untrusted bytes that never panics and reports trailing data.

use crate::error::{Error, Input, Result};

/// Reads big-endian fields from a byte slice; every read is bounds-checked. `Debug` shows
/// what is left, not the bytes.
#[derive(Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
    input: Input,
}

impl core::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader").field("input", &self.input).field("left", &self.rest.len()).finish_non_exhaustive()
    }
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes`; failures are reported as malformed `input`.
    #[must_use]
    pub const fn new(bytes: &'a [u8], input: Input) -> Self {
        Self { rest: bytes, input }
    }

    /// The bytes not read yet.
    #[must_use]
    pub const fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The number of bytes not read yet.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Takes the next `n` bytes.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) when fewer than `n` bytes remain.
    pub fn take(&mut self, n: usize, context: &'static str) -> Result<&'a [u8]> {
        if n > self.rest.len() {
            return Err(Error::malformed(self.input, context));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Takes the next `N` bytes as an array.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) when fewer than `N` bytes remain.
    pub fn take_array<const N: usize>(&mut self, context: &'static str) -> Result<[u8; N]> {
        let bytes = self.take(N, context)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads one byte.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) at the end of input.
    pub fn u8(&mut self, context: &'static str) -> Result<u8> {
        Ok(self.take_array::<1>(context)?[0])
    }

    /// Reads a big-endian `u16`.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) when fewer than 2 bytes remain.
    pub fn u16(&mut self, context: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.take_array(context)?))
    }

    /// Reads a big-endian `u32`.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) when fewer than 4 bytes remain.
    pub fn u32(&mut self, context: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.take_array(context)?))
    }

    /// Reads a big-endian `u64`.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) when fewer than 8 bytes remain.
    pub fn u64(&mut self, context: &'static str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.take_array(context)?))
    }

    /// Reads a `u16` length prefix and that many bytes.
    ///
    /// # Errors
    ///
    /// Malformed (`context`) when the prefix or the bytes are missing.
    pub fn u16_prefixed(&mut self, context: &'static str) -> Result<&'a [u8]> {
        let len = self.u16(context)?;
        self.take(usize::from(len), context)
    }

    /// Ends reading: any byte left over is an error.
    ///
    /// # Errors
    ///
    /// Malformed ("trailing bytes") when input remains.
    pub fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::malformed(self.input, "trailing bytes"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_trailing_bytes() {
        let mut r = Reader::new(&[0, 1, 2, 3, 4], Input::AuthenticatorData);
        assert_eq!(r.u16("a").unwrap(), 1);
        assert_eq!(r.take(2, "b").unwrap(), &[2, 3]);
        assert_eq!(r.clone().finish().unwrap_err().context(), "trailing bytes");
        assert!(r.take(2, "c").is_err());
        assert_eq!(r.u8("d").unwrap(), 4);
        r.finish().unwrap();
    }
}
