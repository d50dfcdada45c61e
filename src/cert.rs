//! X.509 certificates of attestation statements, and chain verification up to the trust
//! anchors the host configured.

use std::borrow::Cow;
use std::ops::Range;

use x509_cert::der::asn1::ObjectIdentifier as Oid;
use x509_cert::der::{Decode as _, Encode as _, Reader as _, SliceReader};
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::challenge::UnixTime;
use crate::crypto::spki::{scheme_from_x509, Hash, Scheme, SpkiKey};
use crate::error::{AttestationError, CertificateError};
use crate::error::{Error, ErrorKind, Input, Result};

/// The most certificates accepted in one `x5c`.
pub const MAX_CHAIN_LEN: usize = 8;
/// The largest certificate accepted, in bytes.
pub const MAX_CERT_LEN: usize = 16 * 1024;

const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";

fn malformed(context: &'static str) -> Error {
    Error::malformed(Input::Certificate, context)
}

/// A parsed certificate that keeps its raw `tbsCertificate` bytes (signatures cover those,
/// never a re-encoding). `Debug` shows the version, size and key type.
#[derive(Clone)]
pub struct Cert<'a> {
    der: Cow<'a, [u8]>,
    tbs: Range<usize>,
    parsed: Certificate,
    key: SpkiKey,
}

impl core::fmt::Debug for Cert<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cert")
            .field("version", &self.version())
            .field("der_len", &self.der.len())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<'a> Cert<'a> {
    /// Parses one DER certificate.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::Certificate`]; [`ErrorKind::UnsupportedKey`] for an unsupported
    /// subject key.
    pub fn parse(der: &'a [u8]) -> Result<Self> {
        Self::from_cow(Cow::Borrowed(der))
    }

    /// Parses one DER certificate the result owns (certificates decoded from text, such as the
    /// `x5c` of a JWS header).
    ///
    /// # Errors
    ///
    /// As [`Cert::parse`].
    pub fn parse_owned(der: Vec<u8>) -> Result<Cert<'static>> {
        Cert::from_cow(Cow::Owned(der))
    }

    fn from_cow(der: Cow<'a, [u8]>) -> Result<Self> {
        if der.len() > MAX_CERT_LEN {
            return Err(malformed("certificate too large"));
        }
        let parsed = Certificate::from_der(&der).map_err(|_| malformed("not an X.509 certificate"))?;
        let tbs = tbs_range(&der).ok_or_else(|| malformed("not an X.509 certificate"))?;
        let spki = parsed
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|_| malformed("SubjectPublicKeyInfo"))?;
        let key = SpkiKey::from_der(&spki)?;
        Ok(Self { der, tbs, parsed, key })
    }

    /// The DER bytes.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed certificate.
    #[must_use]
    pub const fn parsed(&self) -> &Certificate {
        &self.parsed
    }

    /// The certificate's key identifier as FIDO metadata lists it (see
    /// [`certificate_key_identifier`]), from the certificate already parsed.
    #[must_use]
    pub fn key_identifier(&self) -> [u8; 20] {
        key_identifier(&self.parsed)
    }

    /// The subject public key.
    #[must_use]
    pub const fn key(&self) -> &SpkiKey {
        &self.key
    }

    /// The subject name.
    #[must_use]
    pub fn subject(&self) -> &Name {
        self.parsed.tbs_certificate().subject()
    }

    /// The X.509 version number (1, 2 or 3).
    #[must_use]
    pub fn version(&self) -> u8 {
        match self.parsed.tbs_certificate().version() {
            x509_cert::Version::V1 => 1,
            x509_cert::Version::V2 => 2,
            x509_cert::Version::V3 => 3,
        }
    }

    /// The value of extension `oid` (the content of its OCTET STRING), if present.
    #[must_use]
    pub fn extension(&self, oid: &str) -> Option<&[u8]> {
        self.extension_with_criticality(oid).map(|(_, value)| value)
    }

    /// The value of extension `oid` and whether it is critical, if present.
    #[must_use]
    pub fn extension_with_criticality(&self, oid: &str) -> Option<(bool, &[u8])> {
        let oid = Oid::new(oid).ok()?;
        self.parsed
            .tbs_certificate()
            .extensions()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| (e.critical, e.extn_value.as_bytes()))
    }

    /// The basic constraints: `Some((ca, path_len))` when the extension is present.
    ///
    /// # Errors
    ///
    /// Malformed when the extension does not parse.
    pub fn basic_constraints(&self) -> Result<Option<(bool, Option<u8>)>> {
        let Some(value) = self.extension(&BASIC_CONSTRAINTS.to_string()) else {
            return Ok(None);
        };
        // Some authenticators encode cA FALSE explicitly (BER, not DER): read it by hand.
        if value == [0x30, 0x03, 0x01, 0x01, 0x00] {
            return Ok(Some((false, None)));
        }
        let bc = BasicConstraints::from_der(value).map_err(|_| malformed("basicConstraints"))?;
        Ok(Some((bc.ca, bc.path_len_constraint)))
    }

    /// Whether `now` is within the validity period.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Attestation`] when it is not.
    pub fn check_validity(&self, now: UnixTime) -> Result<()> {
        let v = self.parsed.tbs_certificate().validity();
        let not_before = v.not_before.to_unix_duration().as_secs();
        let not_after = v.not_after.to_unix_duration().as_secs();
        if now.as_secs() < not_before {
            return Err(Error::certificate(CertificateError::NotYetValid, "certificate not yet valid"));
        }
        if now.as_secs() > not_after {
            return Err(Error::certificate(CertificateError::Expired, "certificate expired"));
        }
        Ok(())
    }

    fn signature_scheme(&self) -> Result<Scheme> {
        let alg = self.parsed.signature_algorithm();
        let oid = alg.oid.to_string();
        let pss_hash = if oid == RSASSA_PSS { alg.parameters.as_ref().and_then(pss_hash) } else { None };
        scheme_from_x509(&oid, pss_hash)
    }

    /// Verifies that `issuer_key` signed this certificate.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Attestation`] when it did not; [`ErrorKind::AlgorithmNotAllowed`] for
    /// SHA-1 without `allow_sha1`.
    pub fn verify_signed_by(&self, issuer_key: &SpkiKey, allow_sha1: bool) -> Result<()> {
        let scheme = self.signature_scheme().map_err(|_| {
            Error::certificate(CertificateError::UnsupportedAlgorithm, "unsupported certificate signature algorithm")
        })?;
        let signature = self.parsed.signature().as_bytes().ok_or_else(|| malformed("signature bit string"))?;
        let tbs = self.der.get(self.tbs.clone()).ok_or_else(|| malformed("tbsCertificate"))?;
        issuer_key.verify(scheme, tbs, signature, allow_sha1).map_err(|e| {
            if e.kind() == ErrorKind::Signature {
                Error::certificate(CertificateError::BadSignature, "certificate signature does not verify")
            } else {
                e
            }
        })
    }

    /// Whether this certificate names `issuer` as its issuer.
    #[must_use]
    pub fn issued_by(&self, issuer: &Name) -> bool {
        self.parsed.tbs_certificate().issuer() == issuer
    }
}

/// The first value of attribute `oid` in `name`, as text (UTF8String, PrintableString,
/// IA5String or TeletexString).
#[must_use]
pub fn name_attribute(name: &Name, oid: &str) -> Option<String> {
    let oid = Oid::new(oid).ok()?;
    name.iter().find(|atv| atv.oid == oid).and_then(|atv| {
        use x509_cert::der::{Tag, Tagged as _};
        match atv.value.tag() {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
                core::str::from_utf8(atv.value.value()).ok().map(str::to_owned)
            }
            _ => None,
        }
    })
}

/// Where the `tbsCertificate` TLV lies in the certificate's DER.
fn tbs_range(der: &[u8]) -> Option<Range<usize>> {
    let mut reader = SliceReader::new(der).ok()?;
    let header = x509_cert::der::Header::decode(&mut reader).ok()?;
    if header.tag() != x509_cert::der::Tag::Sequence {
        return None;
    }
    let start = usize::try_from(u32::from(reader.position())).ok()?;
    let len = reader.tlv_bytes().ok()?.len();
    Some(start..start.checked_add(len)?)
}

/// Reads the hash of RSASSA-PSS parameters (only MGF1 with the same hash is supported).
fn pss_hash(params: &x509_cert::der::Any) -> Option<Hash> {
    let der = params.to_der().ok()?;
    let pss = rsa::pkcs1::RsaPssParams::<x509_cert::der::Any>::from_der(&der).ok()?;
    let hash = match pss.hash.oid.to_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
        "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
        "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
        _ => return None,
    };
    Some(hash)
}

/// The key identifier of a certificate as FIDO metadata lists it
/// (`attestationCertificateKeyIdentifiers`): SHA-1 of the value of the subject public key BIT
/// STRING, without tag, length and unused-bits octet (RFC 5280 §4.2.1.2, method 1). SHA-1
/// serves as an identifier here, not as a signature.
///
/// # Errors
///
/// Malformed [`Input::Certificate`] when `cert_der` is not a DER certificate of at most
/// [`MAX_CERT_LEN`] bytes.
pub fn certificate_key_identifier(cert_der: &[u8]) -> Result<[u8; 20]> {
    let bad = || Error::malformed(Input::Certificate, "not an X.509 certificate");
    if cert_der.len() > MAX_CERT_LEN {
        return Err(bad());
    }
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|_| bad())?;
    Ok(key_identifier(&cert))
}

/// SHA-1 of the subject public key BIT STRING's value (see [`certificate_key_identifier`]).
fn key_identifier(cert: &Certificate) -> [u8; 20] {
    crate::crypto::sha1(cert.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes())
}

/// A trust anchor the host configured: a root (or intermediate) certificate, parsed once.
/// `Debug` shows its size and key type.
#[derive(Clone)]
pub struct TrustAnchor {
    der: Vec<u8>,
    subject: Name,
    key: SpkiKey,
}

impl core::fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrustAnchor").field("der_len", &self.der.len()).field("key", &self.key).finish_non_exhaustive()
    }
}

impl TrustAnchor {
    /// Parses a DER certificate as a trust anchor. Its own signature and validity are not
    /// checked: the host vouches for it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when it does not parse.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let cert = Cert::parse(der)
            .map_err(|_| Error::new(ErrorKind::Config, "attestation root is not a usable certificate"))?;
        Ok(Self { der: der.to_vec(), subject: cert.subject().clone(), key: cert.key })
    }

    /// The DER bytes.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// Parses an `x5c` array (leaf first), bounded.
///
/// # Errors
///
/// [`ErrorKind::Attestation`] for an empty or too long chain; malformed certificates.
pub fn parse_x5c<'a>(items: &[&'a [u8]]) -> Result<Vec<Cert<'a>>> {
    if items.is_empty() || items.len() > MAX_CHAIN_LEN {
        return Err(Error::attestation(AttestationError::MalformedStatement, "x5c must hold 1 to 8 certificates"));
    }
    items.iter().map(|der| Cert::parse(der)).collect()
}

/// Whether an attestation earned trust, and if not, why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trust {
    /// The chain leads to a trust anchor the host configured.
    Trusted,
    /// The statement verified but established no trust.
    Untrusted(Untrusted),
}

/// Why a verified attestation is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Untrusted {
    /// The statement carries no certificate chain (`none`, self attestation).
    NoCertificateChain,
    /// No trust anchor is configured for this format and authenticator.
    NoAnchorConfigured,
}

impl Trust {
    /// Whether trust was established.
    #[must_use]
    pub const fn is_trusted(self) -> bool {
        matches!(self, Self::Trusted)
    }
}

/// Verifies a chain (leaf first): every certificate valid at `now`, each signed by the next,
/// every issuer a CA within its path length. With `anchors`, the last certificate must be an
/// anchor or be signed by one; a self-signed root inside `x5c` earns nothing by itself.
///
/// Without anchors the chain's internal links are still verified and the result is
/// [`Untrusted::NoAnchorConfigured`].
///
/// # Errors
///
/// [`ErrorKind::Attestation`] with a [`CertificateError`] for a broken link, an expired
/// certificate or a non-CA issuer; [`AttestationError::NotTrusted`] when anchors are
/// configured and the chain reaches none of them.
pub fn verify_chain(chain: &[Cert<'_>], anchors: &[&TrustAnchor], now: UnixTime, allow_sha1: bool) -> Result<Trust> {
    for cert in chain {
        cert.check_validity(now)?;
    }
    for (depth, pair) in chain.windows(2).enumerate() {
        let [child, issuer] = pair else { continue };
        if !child.issued_by(issuer.subject()) {
            return Err(Error::certificate(CertificateError::ChainOutOfOrder, "certificate chain is out of order"));
        }
        check_ca(issuer, depth)?;
        child.verify_signed_by(issuer.key(), allow_sha1)?;
    }
    if anchors.is_empty() {
        return Ok(Trust::Untrusted(Untrusted::NoAnchorConfigured));
    }
    let last =
        chain.last().ok_or_else(|| Error::certificate(CertificateError::ChainLength, "empty certificate chain"))?;
    if anchors.iter().any(|a| a.der == last.der()) {
        return Ok(Trust::Trusted);
    }
    for anchor in anchors.iter().filter(|a| last.issued_by(&a.subject)) {
        if last.verify_signed_by(&anchor.key, allow_sha1).is_ok() {
            return Ok(Trust::Trusted);
        }
    }
    Err(Error::attestation(AttestationError::NotTrusted, "certificate chain does not lead to a configured root"))
}

/// An issuer inside `x5c` must be a CA whose path length allows `below` intermediates under it.
fn check_ca(issuer: &Cert<'_>, below: usize) -> Result<()> {
    match issuer.basic_constraints()? {
        Some((true, path_len)) => {
            if path_len.is_some_and(|n| usize::from(n) < below) {
                return Err(Error::certificate(
                    CertificateError::PathLengthExceeded,
                    "certificate path length exceeded",
                ));
            }
            Ok(())
        }
        _ => Err(Error::certificate(CertificateError::IssuerNotCa, "certificate issuer is not a CA")),
    }
}
