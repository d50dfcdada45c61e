//! The `android-safetynet` attestation statement format (WebAuthn L3 §8.5).
//!
//! `response` is a compact JWS (RFC 7515) from the SafetyNet Attestation API. Verified here,
//! following §8.5 and the SafetyNet documentation it defers to:
//!
//! * the JWS: exactly three base64url (unpadded) parts, `alg` RS256 or ES256 (never `none`),
//!   no `crit` header, signed by the leaf of the header's `x5c`;
//! * the leaf is issued to `attest.android.com` (subject CN or a SAN dNSName);
//! * `nonce` is base64(SHA-256(authenticatorData || clientDataHash));
//! * `timestampMs` is at most [`MAX_AGE_MS`] old and at most [`MAX_FUTURE_MS`] ahead of `now`;
//! * `basicIntegrity` is true, and `ctsProfileMatch` too unless the policy allows a mismatch;
//! * the `x5c` chain: links, validity at `now` and the roots configured for the format.
//!
//! The certificates come out of the JWS as owned bytes, while [`Statement`] borrows its chain
//! from the attestation object, so the chain is verified here and the statement is returned
//! without it (see [`verify`]).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Deserialize;
use x509_cert::der::Decode as _;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use super::stmt::AttStmt;
use super::{AttestationType, Inputs, Statement};
use crate::cert::{Cert, MAX_CERT_LEN, MAX_CHAIN_LEN};
use crate::cose::Curve;
use crate::crypto;
use crate::crypto::spki::{Hash, Scheme, SpkiKey};
use crate::error::AttestationError;
use crate::error::{Error, ErrorKind, Result};

/// The largest `response` accepted (real ones are about 8 KiB: three certificates).
const MAX_JWS_LEN: usize = 64 * 1024;
/// The longest `ver` accepted (a Google Play Services version number).
const MAX_VER_LEN: usize = 64;
/// How far `timestampMs` may be ahead of `now` (clock skew; `now` has whole seconds).
const MAX_FUTURE_MS: u64 = 60 * 1000;
/// How old `timestampMs` may be: the attestation is requested during the ceremony itself.
const MAX_AGE_MS: u64 = 60 * 1000;
/// The host the JWS signing certificate must be issued to.
const ATTEST_HOST: &str = "attest.android.com";

const SUBJECT_ALT_NAME: &str = "2.5.29.17";
const COMMON_NAME: &str = "2.5.4.3";

/// Verifies the statement.
///
/// Trust: the `x5c` chain is verified here (`crate::cert::verify_chain` with the roots configured for
/// `android-safetynet`), because the certificates are decoded from the JWS into owned buffers
/// that a `Statement<'a>` cannot borrow. The returned statement carries no chain, so the
/// dispatcher reports `trusted: false`; when the policy requires trust this fails closed even
/// for a chain that did reach a root, until the statement can carry owned certificates (or a
/// pre-established trust verdict).
pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    let stmt = AttStmt::parse(inputs.att_stmt, &["ver", "response"])?;
    let ver = stmt.text("ver")?;
    if ver.is_empty() || ver.len() > MAX_VER_LEN {
        return Err(Error::attestation(
            AttestationError::MalformedStatement,
            "android-safetynet ver is empty or too long",
        ));
    }
    let jws = Jws::parse(stmt.bytes("response")?)?;
    let chain = jws.certificates()?.into_iter().map(Cert::parse_owned).collect::<Result<Vec<_>>>()?;
    let leaf = chain.first().ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "empty x5c"))?;
    jws.verify_signature(leaf.key(), inputs.allow_sha1())?;
    check_host(leaf)?;
    let payload = jws.payload()?;
    check_payload(&payload, inputs)?;

    Ok(Statement { kind: AttestationType::Basic, chain })
}

/// The parts of a compact JWS.
pub(super) struct Jws<'a> {
    /// `header_b64 "." payload_b64`: what the signature covers.
    signing_input: &'a [u8],
    header: Header,
    payload: Vec<u8>,
    signature: Vec<u8>,
    alg: JwsAlg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JwsAlg {
    Rs256,
    Es256,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    x5c: Vec<String>,
    /// Critical extensions: none is understood, so any is refused (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    nonce: String,
    timestamp_ms: u64,
    cts_profile_match: bool,
    basic_integrity: bool,
}

fn bad_jws() -> Error {
    Error::attestation(AttestationError::MalformedStatement, "android-safetynet response is not a valid JWS")
}

impl<'a> Jws<'a> {
    /// Splits and decodes a compact JWS; checks the header's `alg`, `x5c` count and `crit`.
    pub(super) fn parse(response: &'a [u8]) -> Result<Self> {
        if response.len() > MAX_JWS_LEN {
            return Err(Error::attestation(
                AttestationError::MalformedStatement,
                "android-safetynet response too large",
            ));
        }
        let text = core::str::from_utf8(response).map_err(|_| bad_jws())?;
        let mut parts = text.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad_jws());
        };
        if header_b64.is_empty() || payload_b64.is_empty() || signature_b64.is_empty() {
            return Err(bad_jws());
        }
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| bad_jws());
        let header: Header = serde_json::from_slice(&decode(header_b64)?).map_err(|_| bad_jws())?;
        let alg = match header.alg.as_str() {
            "RS256" => JwsAlg::Rs256,
            "ES256" => JwsAlg::Es256,
            _ => {
                return Err(Error::attestation(
                    AttestationError::UnsupportedAlgorithm,
                    "android-safetynet JWS alg is not RS256 or ES256",
                ))
            }
        };
        if header.crit.is_some() {
            return Err(Error::attestation(
                AttestationError::MalformedStatement,
                "android-safetynet JWS has critical header parameters",
            ));
        }
        if header.x5c.is_empty() || header.x5c.len() > MAX_CHAIN_LEN {
            return Err(Error::attestation(AttestationError::MalformedStatement, "x5c must hold 1 to 8 certificates"));
        }
        let signed_len = header_b64.len() + 1 + payload_b64.len();
        Ok(Self {
            signing_input: response.get(..signed_len).ok_or_else(bad_jws)?,
            payload: decode(payload_b64)?,
            signature: decode(signature_b64)?,
            header,
            alg,
        })
    }

    /// The header's `x5c` certificates (standard base64 with padding, RFC 7515 §4.1.6).
    fn certificates(&self) -> Result<Vec<Vec<u8>>> {
        let max_text = MAX_CERT_LEN.div_ceil(3) * 4;
        self.header
            .x5c
            .iter()
            .map(|b64| {
                if b64.len() > max_text {
                    return Err(Error::attestation(AttestationError::MalformedStatement, "x5c certificate too large"));
                }
                STANDARD.decode(b64).map_err(|_| {
                    Error::attestation(AttestationError::MalformedStatement, "x5c certificate is not base64")
                })
            })
            .collect()
    }

    /// Verifies the JWS signature with the leaf's key.
    fn verify_signature(&self, key: &SpkiKey, allow_sha1: bool) -> Result<()> {
        let bad =
            || Error::attestation(AttestationError::BadSignature, "android-safetynet JWS signature does not verify");
        let result = match self.alg {
            JwsAlg::Rs256 => {
                key.verify(Scheme::RsaPkcs1(Hash::Sha256), self.signing_input, &self.signature, allow_sha1)
            }
            JwsAlg::Es256 => {
                // ES256 is P-256 only, and JWS carries r || s (RFC 7518 §3.4), not DER.
                if !matches!(key, SpkiKey::Ec(Curve::P256, _)) {
                    return Err(bad());
                }
                let der = ecdsa_raw_to_der(&self.signature).ok_or_else(bad)?;
                key.verify(Scheme::Ecdsa(Hash::Sha256), self.signing_input, &der, allow_sha1)
            }
        };
        result.map_err(|e| if e.kind() == ErrorKind::Signature { bad() } else { e })
    }

    fn payload(&self) -> Result<Payload> {
        serde_json::from_slice(&self.payload).map_err(|_| {
            Error::attestation(
                AttestationError::MalformedStatement,
                "android-safetynet JWS payload lacks a required member",
            )
        })
    }
}

/// Converts a P-256 JWS signature (32-byte r || 32-byte s) to an ASN.1 DER `ECDSA-Sig-Value`.
fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() != 64 {
        return None;
    }
    let (r, s) = raw.split_at(32);
    let (r, s) = (der_uint(r), der_uint(s));
    // At most 2 * (2 + 33) = 70 content bytes: the short length form always fits.
    let len = u8::try_from(r.len() + s.len()).ok()?;
    let mut out = Vec::with_capacity(2 + usize::from(len));
    out.extend([0x30, len]);
    out.extend(r);
    out.extend(s);
    Some(out)
}

/// A big-endian unsigned integer (at most 32 bytes) as a DER INTEGER TLV.
fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = bytes.get(start..).unwrap_or_default();
    let pad = digits.first().is_none_or(|&b| b & 0x80 != 0);
    let len = digits.len() + usize::from(pad);
    let mut out = Vec::with_capacity(2 + len);
    out.push(0x02);
    out.push(u8::try_from(len).unwrap_or(0));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// The leaf must be issued to `attest.android.com` (SafetyNet documentation).
fn check_host(leaf: &Cert<'_>) -> Result<()> {
    let cn_ok =
        crate::cert::name_attribute(leaf.subject(), COMMON_NAME).is_some_and(|cn| cn.eq_ignore_ascii_case(ATTEST_HOST));
    if cn_ok {
        return Ok(());
    }
    let san_ok = match leaf.extension(SUBJECT_ALT_NAME) {
        Some(value) => SubjectAltName::from_der(value)
            .map_err(|_| {
                Error::attestation(
                    AttestationError::CertificateRequirements,
                    "android-safetynet certificate SAN does not parse",
                )
            })?
            .0
            .iter()
            .any(|name| matches!(name, GeneralName::DnsName(dns) if dns.as_str().eq_ignore_ascii_case(ATTEST_HOST))),
        None => false,
    };
    if san_ok {
        Ok(())
    } else {
        Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "android-safetynet certificate is not issued to attest.android.com",
        ))
    }
}

fn check_payload(payload: &Payload, inputs: &Inputs<'_, '_>) -> Result<()> {
    let expected = crypto::sha256_concat(&[inputs.auth_data.raw(), inputs.client_data_hash]);
    let nonce = STANDARD.decode(&payload.nonce).map_err(|_| {
        Error::attestation(AttestationError::MalformedStatement, "android-safetynet nonce is not base64")
    })?;
    if !crypto::ct_eq(&nonce, &expected) {
        return Err(Error::attestation(AttestationError::NotThisCeremony, "android-safetynet nonce does not match"));
    }
    check_timestamp(payload.timestamp_ms, inputs.now.as_secs())?;
    if !payload.basic_integrity {
        return Err(Error::attestation(
            AttestationError::AuthenticatorProperties,
            "android-safetynet basicIntegrity is false",
        ));
    }
    if !payload.cts_profile_match && !inputs.policy.allow_safetynet_cts_mismatch {
        return Err(Error::attestation(
            AttestationError::AuthenticatorProperties,
            "android-safetynet ctsProfileMatch is false",
        ));
    }
    Ok(())
}

/// `timestamp_ms` must lie within [`MAX_AGE_MS`] before and [`MAX_FUTURE_MS`] after `now_secs`.
fn check_timestamp(timestamp_ms: u64, now_secs: u64) -> Result<()> {
    let now_ms = now_secs.saturating_mul(1000);
    if timestamp_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        return Err(Error::attestation(AttestationError::Stale, "android-safetynet timestamp is in the future"));
    }
    if timestamp_ms.saturating_add(MAX_AGE_MS) < now_ms {
        return Err(Error::attestation(AttestationError::Stale, "android-safetynet timestamp is too old"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn b64url(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn jws(header: &str, payload: &str, sig: &[u8]) -> String {
        format!("{}.{}.{}", b64url(header.as_bytes()), b64url(payload.as_bytes()), b64url(sig))
    }

    const HEADER: &str = r#"{"alg":"RS256","x5c":["AAAA"]}"#;

    fn parse_err(text: &str) -> bool {
        Jws::parse(text.as_bytes()).is_err()
    }

    #[test]
    fn parses_a_well_formed_jws() {
        let text = jws(HEADER, "{}", &[1, 2, 3]);
        let parsed = Jws::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.alg, JwsAlg::Rs256);
        assert_eq!(parsed.signature, [1, 2, 3]);
        assert_eq!(parsed.payload, b"{}");
        let dot = text.rfind('.').unwrap();
        assert_eq!(parsed.signing_input, &text.as_bytes()[..dot]);
        assert_eq!(parsed.certificates().unwrap(), vec![vec![0u8, 0, 0]]);
    }

    #[test]
    fn refuses_wrong_part_counts_and_encodings() {
        let good = jws(HEADER, "{}", &[1]);
        let (h, rest) = good.split_once('.').unwrap();
        assert!(parse_err(&format!("{h}.{}", b64url(b"{}")))); // 2 parts
        assert!(parse_err(&format!("{good}.AA"))); // 4 parts
        assert!(parse_err(&format!("{h}..{}", b64url(&[1])))); // empty payload
        assert!(parse_err(&format!("{good}="))); // padding
        assert!(parse_err(&format!("{h}+.{rest}"))); // standard alphabet
        assert!(parse_err(""));
        assert!(Jws::parse(&[0xff, b'.', b'.']).is_err());
        assert!(Jws::parse(&vec![b'A'; MAX_JWS_LEN + 1]).is_err());
    }

    #[test]
    fn refuses_other_algorithms_crit_and_bad_x5c() {
        for header in [
            r#"{"alg":"none","x5c":["AAAA"]}"#,
            r#"{"alg":"HS256","x5c":["AAAA"]}"#,
            r#"{"alg":"rs256","x5c":["AAAA"]}"#,
            r#"{"x5c":["AAAA"]}"#,
            r#"{"alg":"RS256"}"#,
            r#"{"alg":"RS256","x5c":[]}"#,
            r#"{"alg":"RS256","x5c":["A","A","A","A","A","A","A","A","A"]}"#,
            r#"{"alg":"RS256","alg":"none","x5c":["AAAA"]}"#,
            r#"{"alg":"RS256","x5c":["AAAA"],"crit":["b64"]}"#,
            r#"["RS256"]"#,
        ] {
            assert!(parse_err(&jws(header, "{}", &[1])), "{header}");
        }
        let unpadded = jws(r#"{"alg":"RS256","x5c":["AA"]}"#, "{}", &[1]);
        assert!(Jws::parse(unpadded.as_bytes()).unwrap().certificates().is_err());
    }

    #[test]
    fn payload_needs_every_member() {
        let full = r#"{"nonce":"AA==","timestampMs":1,"ctsProfileMatch":true,"basicIntegrity":true}"#;
        let text = jws(HEADER, full, &[1]);
        assert!(Jws::parse(text.as_bytes()).unwrap().payload().is_ok());
        for partial in [
            r#"{"timestampMs":1,"ctsProfileMatch":true,"basicIntegrity":true}"#,
            r#"{"nonce":"AA==","ctsProfileMatch":true,"basicIntegrity":true}"#,
            r#"{"nonce":"AA==","timestampMs":1,"basicIntegrity":true}"#,
            r#"{"nonce":"AA==","timestampMs":1,"ctsProfileMatch":true}"#,
            r#"{"nonce":"AA==","timestampMs":-1,"ctsProfileMatch":true,"basicIntegrity":true}"#,
            r#"{"nonce":"AA==","timestampMs":1,"ctsProfileMatch":"true","basicIntegrity":true}"#,
        ] {
            let text = jws(HEADER, partial, &[1]);
            assert!(Jws::parse(text.as_bytes()).unwrap().payload().is_err(), "{partial}");
        }
    }

    #[test]
    fn timestamp_bounds() {
        let now = 1_700_000_000;
        let now_ms = now * 1000;
        assert!(check_timestamp(now_ms, now).is_ok());
        assert!(check_timestamp(now_ms + 999, now).is_ok());
        assert!(check_timestamp(now_ms + MAX_FUTURE_MS, now).is_ok());
        assert!(check_timestamp(now_ms + MAX_FUTURE_MS + 1, now).is_err());
        assert!(check_timestamp(now_ms - MAX_AGE_MS, now).is_ok());
        assert!(check_timestamp(now_ms - MAX_AGE_MS - 1, now).is_err());
        assert!(check_timestamp(0, now).is_err());
        assert!(check_timestamp(u64::MAX, now).is_err());
    }

    #[test]
    fn es256_raw_signatures_verify_after_conversion() {
        use p256::ecdsa::signature::Signer as _;
        use p256::ecdsa::Signature;
        let key = crate::testkit::pki::p256_key(&mut rand_core::UnwrapErr(getrandom::SysRng));
        let point = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let spki = SpkiKey::Ec(Curve::P256, point);
        let message = b"header.payload";
        for _ in 0..8 {
            let sig: Signature = key.sign(message);
            let raw = sig.to_bytes();
            let der = ecdsa_raw_to_der(&raw).unwrap();
            assert_eq!(der, sig.to_der().as_bytes());
            assert!(spki.verify(Scheme::Ecdsa(Hash::Sha256), message, &der, false).is_ok());
        }
        assert!(ecdsa_raw_to_der(&[1u8; 63]).is_none());
        assert!(ecdsa_raw_to_der(&[1u8; 72]).is_none());
    }

    #[test]
    fn der_uint_is_minimal() {
        let mut r = [0u8; 32];
        r[31] = 5;
        assert_eq!(der_uint(&r), [0x02, 0x01, 0x05]);
        r[0] = 0x80;
        assert_eq!(der_uint(&r).get(..3).unwrap(), [0x02, 33, 0x00]);
        assert_eq!(der_uint(&[0u8; 32]), [0x02, 0x01, 0x00]);
    }
}
