//! The readers of both responses in the plain form browsers send, on [`Scanner`]: each answers
//! `None` for anything else, and the caller then parses the same bytes with serde_json.

use std::ops::Range;

use serde_json::value::RawValue;

use super::fields::{check_id, check_members, is_transport, push_text, Extras, MAX_TRANSPORTS};
use crate::encoding::scan::{once, Scanner};

/// The `response` member of an assertion read by the scanner: its fields decoded into the
/// response's buffer.
pub(super) struct ScannedAssertion {
    pub(super) client_data_json: Range<usize>,
    pub(super) authenticator_data: Range<usize>,
    pub(super) signature: Range<usize>,
    pub(super) user_handle: Option<Range<usize>>,
}

impl ScannedAssertion {
    pub(super) fn scan(s: &mut Scanner<'_>, buf: &mut Vec<u8>) -> Option<Self> {
        let (mut client_data_json, mut authenticator_data, mut signature, mut user_handle) = (None, None, None, None);
        s.object(|s, key| match key {
            b"clientDataJSON" => once(&mut client_data_json, s.base64(buf)?),
            b"authenticatorData" => once(&mut authenticator_data, s.base64(buf)?),
            b"signature" => once(&mut signature, s.base64(buf)?),
            b"userHandle" => once(&mut user_handle, s.nullable(|s| s.base64(buf))?),
            _ => s.skip(key),
        })?;
        Some(Self {
            client_data_json: client_data_json?,
            authenticator_data: authenticator_data?,
            signature: signature?,
            user_handle: user_handle.flatten(),
        })
    }
}

/// The `response` member of a registration read by the scanner.
pub(super) struct ScannedAttestation {
    pub(super) client_data_json: Range<usize>,
    pub(super) attestation_object: Range<usize>,
    pub(super) transports: Vec<Range<usize>>,
}

impl ScannedAttestation {
    pub(super) fn scan(s: &mut Scanner<'_>, buf: &mut Vec<u8>) -> Option<Self> {
        let (mut client_data_json, mut attestation_object, mut transports) = (None, None, None);
        s.object(|s, key| match key {
            b"clientDataJSON" => once(&mut client_data_json, s.base64(buf)?),
            b"attestationObject" => once(&mut attestation_object, s.base64(buf)?),
            b"transports" => once(&mut transports, s.nullable(|s| Self::transports(s, buf))?),
            _ => s.skip(key),
        })?;
        Some(Self {
            client_data_json: client_data_json?,
            attestation_object: attestation_object?,
            transports: transports.flatten().unwrap_or_default(),
        })
    }

    /// The transport names, kept as text in `buf`; too many or an invalid one declines.
    fn transports(s: &mut Scanner<'_>, buf: &mut Vec<u8>) -> Option<Vec<Range<usize>>> {
        let mut ranges = Vec::new();
        s.array(|s| {
            let name = s.string()?;
            (ranges.len() < MAX_TRANSPORTS && is_transport(name)).then(|| ranges.push(push_text(buf, name)))
        })?;
        Some(ranges)
    }
}

/// What the scanner read of either response: `rawId`, the `response` member, and the shared
/// optional members, in one buffer.
pub(super) struct ScannedCredential<R> {
    pub(super) buf: Vec<u8>,
    pub(super) raw_id: Range<usize>,
    pub(super) response: R,
    pub(super) extras: Extras,
}

impl<R> ScannedCredential<R> {
    /// Reads `json` with `response` reading the `response` member; `None` unless the JSON is in
    /// the plain form and the checks of `from_envelope` on these members pass.
    pub(super) fn scan(
        json: &[u8],
        mut response: impl FnMut(&mut Scanner<'_>, &mut Vec<u8>) -> Option<R>,
    ) -> Option<Self> {
        // Each decoded field and kept text is shorter than its part of the JSON.
        let mut buf = Vec::with_capacity(json.len());
        let mut s = Scanner::new(json);
        let (mut id, mut raw_id, mut ty, mut read) = (None, None, None, None);
        let (mut extensions, mut attachment) = (None, None);
        s.object(|s, key| match key {
            b"id" => once(&mut id, s.string()?),
            b"rawId" => once(&mut raw_id, s.base64(&mut buf)?),
            b"type" => once(&mut ty, s.string()?),
            b"response" => once(&mut read, response(s, &mut buf)?),
            b"clientExtensionResults" => once(&mut extensions, s.nullable(Scanner::raw_value)?),
            b"authenticatorAttachment" => once(&mut attachment, s.nullable(Scanner::string)?),
            _ => s.skip(key),
        })?;
        s.finish()?;
        let (raw_id, response, attachment) = (raw_id?, read?, attachment.flatten());
        check_members(ty?, attachment).ok()?;
        check_id(&buf, id?, &raw_id).ok()?;
        let client_extension_results = extensions.flatten().map(|raw: &RawValue| raw.get().as_bytes());
        let extras = Extras::pack_texts(client_extension_results, attachment, &mut buf);
        Some(Self { buf, raw_id, response, extras })
    }
}
