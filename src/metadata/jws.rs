//! The compact JWS that carries the metadata BLOB (RFC 7515 §7.1, FIDO MDS3 §3.1.7): its
//! signature by the `x5c` leaf, and the `x5c` chain up to the FIDO root the host configured.

use serde::Deserialize;

use crate::cert::{parse_x5c, verify_chain, TrustAnchor, MAX_CHAIN_LEN};
use crate::challenge::UnixTime;
use crate::cose::Curve;
use crate::crypto::spki::{Hash, Scheme, SpkiKey};
use crate::encoding::b64;
use crate::error::AttestationError;
use crate::error::{Error, Input, Result};

/// The largest metadata BLOB accepted, in bytes.
pub const MAX_BLOB_LEN: usize = 64 * 1024 * 1024;
/// The largest JWS header accepted (base64url text), in bytes: room for a full `x5c`.
const MAX_HEADER_LEN: usize = 256 * 1024;
/// The largest JWS signature accepted (base64url text): an RSA-8192 signature.
const MAX_SIGNATURE_LEN: usize = 1400;

pub(super) fn malformed(context: &'static str) -> Error {
    Error::malformed(Input::Certificate, context)
}

/// The JWS algorithms a metadata BLOB may be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Ps256,
    Es256,
    EdDsa,
}

impl Alg {
    fn from_name(name: &str) -> Result<Self> {
        match name {
            "RS256" => Ok(Self::Rs256),
            "PS256" => Ok(Self::Ps256),
            "ES256" => Ok(Self::Es256),
            "EdDSA" => Ok(Self::EdDsa),
            "none" => Err(Error::attestation(AttestationError::MetadataBlob, "unsigned metadata BLOB (alg none)")),
            _ => Err(Error::attestation(AttestationError::MetadataBlob, "unsupported metadata BLOB algorithm")),
        }
    }

    /// The scheme [`SpkiKey::verify`] checks the signature under. The key must be of the
    /// algorithm's type (ES256 is P-256 only); JWS ECDSA signatures are `r ‖ s`.
    fn scheme(self, key: &SpkiKey) -> Result<Scheme> {
        match (self, key) {
            (Self::Rs256, SpkiKey::Rsa(_)) => Ok(Scheme::RsaPkcs1(Hash::Sha256)),
            (Self::Ps256, SpkiKey::Rsa(_)) => Ok(Scheme::RsaPss(Hash::Sha256)),
            (Self::EdDsa, SpkiKey::Ed25519(_)) => Ok(Scheme::Ed25519),
            (Self::Es256, SpkiKey::Ec(Curve::P256, _)) => Ok(Scheme::EcdsaFixed(Hash::Sha256)),
            _ => Err(Error::attestation(
                AttestationError::MetadataBlob,
                "metadata BLOB algorithm does not fit the signing key",
            )),
        }
    }
}

/// The JWS protected header (only the members this verifier reads).
#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    x5c: Option<Vec<String>>,
    #[serde(default)]
    x5u: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// Decodes one JWS segment: base64url without padding, nothing else.
fn segment(text: &str, context: &'static str) -> Result<Vec<u8>> {
    let url_safe = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if text.is_empty() || !text.bytes().all(url_safe) {
        return Err(malformed(context));
    }
    b64::decode(text).map_err(|_| malformed(context))
}

/// Splits a compact JWS into exactly three segments; returns them and the signing input.
fn split(blob: &[u8]) -> Result<(&str, &str, &str, &[u8])> {
    if blob.len() > MAX_BLOB_LEN {
        return Err(malformed("metadata BLOB too large"));
    }
    let text = core::str::from_utf8(blob).map_err(|_| malformed("metadata BLOB is not a compact JWS"))?;
    // A trailing newline from a file or an HTTP body is not part of the JWS.
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut parts = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("metadata BLOB is not a compact JWS"));
    };
    let signed_len = header.len() + 1 + payload.len();
    let signing_input =
        text.as_bytes().get(..signed_len).ok_or_else(|| malformed("metadata BLOB is not a compact JWS"))?;
    Ok((header, payload, signature, signing_input))
}

/// Verifies the JWS and returns its payload bytes (the BLOB's JSON, not yet parsed).
///
/// The `x5c` chain must lead to `fido_root` and be valid at `now`; the leaf must have signed
/// the JWS with the header's `alg`.
pub(super) fn verify(blob: &[u8], fido_root: &TrustAnchor, now: UnixTime) -> Result<Vec<u8>> {
    let (header_b64, payload_b64, signature_b64, signing_input) = split(blob)?;
    if header_b64.len() > MAX_HEADER_LEN {
        return Err(malformed("metadata BLOB header too large"));
    }
    if signature_b64.len() > MAX_SIGNATURE_LEN {
        return Err(malformed("metadata BLOB signature too large"));
    }
    let header_json = segment(header_b64, "metadata BLOB header is not base64url")?;
    let signature = segment(signature_b64, "metadata BLOB signature is not base64url")?;
    let header: Header =
        serde_json::from_slice(&header_json).map_err(|_| malformed("metadata BLOB header is not the expected JSON"))?;

    let alg = Alg::from_name(&header.alg)?;
    if header.crit.is_some() {
        return Err(Error::attestation(
            AttestationError::MalformedStatement,
            "critical JWS header extensions are not supported",
        ));
    }
    let Some(x5c) = header.x5c else {
        return Err(Error::attestation(
            AttestationError::MetadataBlob,
            if header.x5u.is_some() {
                "metadata BLOB x5u is not supported: x5c required"
            } else {
                "metadata BLOB without x5c"
            },
        ));
    };
    if x5c.is_empty() || x5c.len() > MAX_CHAIN_LEN {
        return Err(Error::attestation(AttestationError::MalformedStatement, "x5c must hold 1 to 8 certificates"));
    }
    // x5c members are standard base64 with padding (RFC 7515 §4.1.6).
    let ders = x5c.iter().map(b64::decode).collect::<Result<Vec<_>>>()?;
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    let chain = parse_x5c(&refs)?;

    if !verify_chain(&chain, &[fido_root], now, false)?.is_trusted() {
        return Err(Error::attestation(
            AttestationError::MetadataBlob,
            "metadata BLOB chain does not lead to the FIDO root",
        ));
    }
    let leaf = chain
        .first()
        .ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "x5c must hold 1 to 8 certificates"))?;
    let scheme = alg.scheme(leaf.key())?;
    leaf.key()
        .verify(scheme, signing_input, &signature, false)
        .map_err(|_| Error::attestation(AttestationError::MetadataBlob, "metadata BLOB signature does not verify"))?;

    segment(payload_b64, "metadata BLOB payload is not base64url")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, ErrorKind};

    #[test]
    fn split_needs_exactly_three_segments() {
        assert!(split(b"a.b.c").is_ok());
        assert_eq!(split(b"a.b.c\n").unwrap().3, b"a.b");
        for bad in [&b"a.b"[..], b"a.b.c.d", b"abc", b"", b"a.b.c.", b"\xff.b.c"] {
            assert_eq!(split(bad).unwrap_err().category(), Category::Malformed);
        }
    }

    #[test]
    fn segments_are_strict_base64url() {
        assert_eq!(segment("AQID", "x").unwrap(), vec![1, 2, 3]);
        assert_eq!(segment("-_8", "x").unwrap(), vec![0xfb, 0xff]);
        for bad in ["", "+/8", "AQ==", "AQ ID", "A"] {
            assert_eq!(segment(bad, "x").unwrap_err().kind(), ErrorKind::Malformed(Input::Certificate), "{bad:?}");
        }
    }

    #[test]
    fn algorithms() {
        assert!(Alg::from_name("ES256").is_ok());
        for bad in ["none", "None", "HS256", "ES384", ""] {
            assert_eq!(Alg::from_name(bad).unwrap_err().attestation_reason(), Some(AttestationError::MetadataBlob));
        }
    }
}
