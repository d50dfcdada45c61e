//! What both readers of a response share: the one buffer its fields are decoded into, and the
//! checks of the members they read alike.

use std::ops::Range;

use crate::encoding::b64;
use crate::error::{Error, ErrorKind, Input, Result};

/// The most transports accepted in a registration response.
pub const MAX_TRANSPORTS: usize = 16;

pub(super) fn err(context: &'static str) -> Error {
    Error::malformed(Input::CredentialJson, context)
}

/// `type` and `authenticatorAttachment`, read by serde_json or by the scanner.
pub(super) fn check_members(ty: &[u8], authenticator_attachment: Option<&[u8]>) -> Result<()> {
    if ty != b"public-key" {
        return Err(err("type is not public-key"));
    }
    if authenticator_attachment.is_some_and(|a| core::str::from_utf8(a).is_err()) {
        return Err(err("authenticatorAttachment is not text"));
    }
    Ok(())
}

/// One buffer holding every decoded field of a response (a single allocation), addressed by
/// ranges.
pub(super) struct Packer {
    pub(super) buf: Vec<u8>,
}

impl Packer {
    pub(super) fn with_capacity(base64_fields: &[&[u8]], texts: &[&[u8]], more: usize) -> Self {
        let decoded: usize = base64_fields.iter().map(b64::decoded_len_bound).sum();
        let text: usize = texts.iter().map(|t| t.len()).sum();
        Self { buf: Vec::with_capacity(decoded + text + more) }
    }

    pub(super) fn decode(&mut self, field: &[u8]) -> Result<Range<usize>> {
        let start = self.buf.len();
        b64::decode_into(field, &mut self.buf)?;
        Ok(start..self.buf.len())
    }
}

/// Appends `text` to `buf`: the range it fills.
pub(super) fn push_text(buf: &mut Vec<u8>, text: &[u8]) -> Range<usize> {
    let start = buf.len();
    buf.extend_from_slice(text);
    start..buf.len()
}

/// A transport name as kept: short UTF-8 text (unknown names are kept as sent).
pub(super) fn is_transport(name: &[u8]) -> bool {
    name.len() <= 64 && core::str::from_utf8(name).is_ok()
}

pub(super) fn slice<'b>(buf: &'b [u8], range: &Range<usize>) -> &'b [u8] {
    buf.get(range.clone()).unwrap_or_default()
}

pub(super) fn text<'b>(buf: &'b [u8], range: Option<&Range<usize>>) -> Option<&'b str> {
    range.and_then(|r| core::str::from_utf8(slice(buf, r)).ok())
}

/// `id` must be exactly the unpadded base64url encoding of `rawId`, as browsers produce it:
/// both come from the same bytes, so any other form is a hand-assembled response.
pub(super) fn check_id(buf: &[u8], id: &[u8], raw_id: &Range<usize>) -> Result<()> {
    let raw = slice(buf, raw_id);
    if raw.is_empty() {
        return Err(err("empty rawId"));
    }
    if !b64::is_encoding_of(id, raw) {
        return Err(Error::new(ErrorKind::CredentialId, "id is not the unpadded base64url encoding of rawId"));
    }
    Ok(())
}

/// Optional members shared by both responses, kept as text in the response's buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Extras {
    pub(super) client_extension_results: Option<Range<usize>>,
    pub(super) authenticator_attachment: Option<Range<usize>>,
}

impl Extras {
    pub(super) fn pack_texts(
        client_extension_results: Option<&[u8]>,
        authenticator_attachment: Option<&[u8]>,
        buf: &mut Vec<u8>,
    ) -> Self {
        Self {
            client_extension_results: client_extension_results.map(|raw| push_text(buf, raw)),
            authenticator_attachment: authenticator_attachment.map(|a| push_text(buf, a)),
        }
    }
}
