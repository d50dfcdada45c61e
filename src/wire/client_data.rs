//! `CollectedClientData` (WebAuthn L3 §5.8.1), parsed from the raw `clientDataJSON` bytes.

use std::borrow::Cow;

use serde::Deserialize;

use crate::encoding::scan::{once, Scanner};
use crate::error::{Error, Input, Result};

/// The members of `clientDataJSON` that verification reads; unknown members are ignored.
///
/// The raw bytes are kept next to the parsed view: the signature covers their hash, never a
/// re-serialisation.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientData<'a> {
    raw: &'a [u8],
    wire: Wire<'a>,
}

#[derive(Clone, PartialEq, Eq, Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    challenge: Cow<'a, str>,
    #[serde(borrow)]
    origin: Cow<'a, str>,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
    #[serde(rename = "topOrigin", borrow, default)]
    top_origin: Option<Cow<'a, str>>,
}

/// The JSON after a leading byte order mark, which §7.1 step 5 skips.
fn without_bom(raw: &[u8]) -> &[u8] {
    raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
}

impl<'a> Wire<'a> {
    /// The members in the plain form clients write; `None` for anything else (serde_json then
    /// decides).
    fn scan(json: &'a [u8]) -> Option<Self> {
        let mut s = Scanner::new(json);
        let (mut ty, mut challenge, mut origin, mut cross_origin, mut top_origin) = (None, None, None, None, None);
        s.object(|s, key| match key {
            b"type" => once(&mut ty, s.str()?),
            b"challenge" => once(&mut challenge, s.str()?),
            b"origin" => once(&mut origin, s.str()?),
            b"crossOrigin" => once(&mut cross_origin, s.nullable(Scanner::boolean)?),
            b"topOrigin" => once(&mut top_origin, s.nullable(Scanner::str)?),
            _ => s.skip(key),
        })?;
        s.finish()?;
        Some(Self {
            ty: Cow::Borrowed(ty?),
            challenge: Cow::Borrowed(challenge?),
            origin: Cow::Borrowed(origin?),
            cross_origin: cross_origin.flatten(),
            top_origin: top_origin.flatten().map(Cow::Borrowed),
        })
    }

    fn parse(json: &'a [u8]) -> Result<Self> {
        Self::scan(json).map_or_else(
            || {
                serde_json::from_slice(json)
                    .map_err(|_| Error::malformed(Input::ClientData, "not a CollectedClientData JSON object"))
            },
            Ok,
        )
    }
}

impl<'a> ClientData<'a> {
    /// Parses `clientDataJSON` (UTF-8 JSON object; duplicate known members are refused). A
    /// leading byte order mark is skipped, as §7.1 step 5 requires; the raw bytes keep it.
    ///
    /// The plain form clients write is read by a scanner; anything else (escapes, for one) by
    /// serde_json, which decides every refusal.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::ClientData`] when the bytes are not such an object.
    pub fn parse(raw: &'a [u8]) -> Result<Self> {
        Ok(Self { raw, wire: Wire::parse(without_bom(raw))? })
    }

    /// What the scanner made of `raw`, against serde_json (differential tests, fuzzing).
    #[cfg(any(test, feature = "testkit"))]
    pub(crate) fn scanner_verdict(raw: &[u8]) -> crate::encoding::fast_path::Scanned {
        let json = without_bom(raw);
        crate::encoding::fast_path::verdict(Wire::scan(json), || serde_json::from_slice::<Wire<'_>>(json))
    }

    /// The raw bytes as received.
    #[must_use]
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// `type`: `"webauthn.create"` or `"webauthn.get"` for genuine ceremonies.
    #[must_use]
    pub fn ty(&self) -> &str {
        &self.wire.ty
    }

    /// `challenge`, as the base64url text the client sent.
    #[must_use]
    pub fn challenge(&self) -> &str {
        &self.wire.challenge
    }

    /// `origin`.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.wire.origin
    }

    /// `crossOrigin` (absent is `None`).
    #[must_use]
    pub const fn cross_origin(&self) -> Option<bool> {
        self.wire.cross_origin
    }

    /// `topOrigin`, when present.
    #[must_use]
    pub fn top_origin(&self) -> Option<&str> {
        self.wire.top_origin.as_deref()
    }
}

impl core::fmt::Debug for ClientData<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientData")
            .field("type", &self.ty())
            .field("challenge", &"<redacted>")
            .field("origin", &self.origin())
            .field("cross_origin", &self.cross_origin())
            .field("top_origin", &self.top_origin())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_members_in_any_order_with_escapes_and_extras() {
        let raw = br#"{"origin":"https:\/\/example.com", "challenge" : "AQID",
            "type":"webauthn.get","tokenBinding":"unused","crossOrigin":false,"extra":{"a":[1]}}"#;
        let cd = ClientData::parse(raw).unwrap();
        assert_eq!(cd.ty(), "webauthn.get");
        assert_eq!(cd.origin(), "https://example.com");
        assert_eq!(cd.challenge(), "AQID");
        assert_eq!(cd.cross_origin(), Some(false));
        assert_eq!(cd.top_origin(), None);
        assert_eq!(cd.raw(), raw);
    }

    #[test]
    fn refuses_missing_duplicate_and_mistyped_members() {
        for raw in [
            &br#"{"type":"webauthn.get","challenge":"AQID"}"#[..],
            br#"{"type":"webauthn.get","type":"webauthn.get","challenge":"AQID","origin":"x"}"#,
            br#"{"type":"webauthn.get","challenge":"AQID","origin":"x","crossOrigin":"no"}"#,
            br#"{"type":"webauthn.get","challenge":"AQID","origin":"x"} trailing"#,
            b"\xff",
        ] {
            assert_eq!(ClientData::parse(raw).unwrap_err().kind(), crate::ErrorKind::Malformed(Input::ClientData));
        }
    }

    #[test]
    fn skips_a_leading_byte_order_mark() {
        let raw = b"\xef\xbb\xbf{\"type\":\"webauthn.get\",\"challenge\":\"AQID\",\"origin\":\"o\"}";
        let cd = ClientData::parse(raw).unwrap();
        assert_eq!(cd.ty(), "webauthn.get");
        assert_eq!(cd.raw(), raw, "the hashed bytes keep the BOM");
    }

    #[test]
    fn debug_redacts_the_challenge() {
        let cd = ClientData::parse(br#"{"type":"webauthn.get","challenge":"SECRETCHALLENGE","origin":"o"}"#).unwrap();
        assert!(!format!("{cd:?}").contains("SECRETCHALLENGE"));
    }
}
