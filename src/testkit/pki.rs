//! Test certificates: roots, intermediates and leaves signed with RustCrypto keys.
//!
//! Every CA key is P-256 and every certificate is signed with ecdsa-with-SHA256, through
//! [`x509_cert::builder::CertificateBuilder`]. The subject key of a leaf can be of any type
//! that encodes as a `SubjectPublicKeyInfo` (P-256, P-384, Ed25519, RSA keys of the
//! RustCrypto crates). Validity periods are given as Unix seconds, so tests control time.
//!
//! ```
//! use passkey_verifier::testkit::pki::{p256_key, TestCa};
//!
//! let root = TestCa::root("Test Root", (0, 4_000_000_000));
//! let ca = root.intermediate("Test Intermediate", (0, 4_000_000_000));
//! let leaf_key = p256_key(&mut rand_core::OsRng);
//! let leaf = ca.leaf(
//!     "C=US,O=Example,OU=Authenticator Attestation,CN=Test",
//!     leaf_key.verifying_key(),
//!     (0, 4_000_000_000),
//!     vec![],
//!     false,
//! );
//! # assert!(!leaf.is_empty());
//! ```
//!
//! These helpers panic when a certificate cannot be built (an invalid subject string, an OID
//! that does not parse): they exist for tests, whose fixtures are fixed.

// Test support: a fixture that cannot be built is a bug of the test, reported by a panic.
#![allow(clippy::expect_used)]

use core::str::FromStr as _;
use std::time::Duration;

use p256::ecdsa::signature::{Keypair, Signer};
use p256::ecdsa::{DerSignature, SigningKey};
use rand_core::{CryptoRngCore, OsRng, RngCore as _};
use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString};
use x509_cert::der::Encode as _;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding as _,
    SubjectPublicKeyInfoOwned,
};
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

/// A validity period: `(not_before, not_after)` in seconds since the Unix epoch.
pub type Period = (u64, u64);

/// An extra extension of a leaf: `(OID in dotted form, critical, DER value)`. The value is
/// the content of the extension's OCTET STRING (for example `04 10 <16 bytes>` for the FIDO
/// AAGUID extension `1.3.6.1.4.1.45724.1.1.4`).
pub type ExtraExtension = (String, bool, Vec<u8>);

/// A public key a test certificate can certify.
pub trait SubjectKey {
    /// The key as a `SubjectPublicKeyInfo`.
    fn spki(&self) -> SubjectPublicKeyInfoOwned;
}

fn spki_of(key: &impl EncodePublicKey) -> SubjectPublicKeyInfoOwned {
    let der = key.to_public_key_der().expect("SubjectPublicKeyInfo");
    SubjectPublicKeyInfoOwned::try_from(der.as_bytes()).expect("SubjectPublicKeyInfo")
}

impl SubjectKey for p256::ecdsa::VerifyingKey {
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        spki_of(&p256::PublicKey::from(self))
    }
}

impl SubjectKey for p384::ecdsa::VerifyingKey {
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        spki_of(&p384::PublicKey::from(self))
    }
}

impl SubjectKey for ed25519_dalek::VerifyingKey {
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        spki_of(self)
    }
}

impl SubjectKey for rsa::RsaPublicKey {
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        spki_of(self)
    }
}

/// A fresh P-256 signing key.
#[must_use]
pub fn p256_key(rng: &mut impl CryptoRngCore) -> SigningKey {
    SigningKey::random(rng)
}

/// A certificate authority of a test PKI: a P-256 key, its certificate and its name.
#[derive(Clone)]
pub struct TestCa {
    key: SigningKey,
    cert_der: Vec<u8>,
    name: Name,
}

impl core::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TestCa").field("name", &self.name.to_string()).finish_non_exhaustive()
    }
}

impl TestCa {
    /// A self-signed root CA named `CN=<common_name>` with a fresh key (for example the
    /// host's trusted root, or an attacker's root).
    ///
    /// # Panics
    ///
    /// When the certificate cannot be built.
    #[must_use]
    pub fn root(common_name: &str, validity: Period) -> Self {
        let key = p256_key(&mut OsRng);
        let name = cn(common_name);
        let spki = key.verifying_key().spki();
        let cert_der = build(Profile::Root, name.clone(), spki, &key, validity, Vec::new());
        Self { key, cert_der, name }
    }

    /// An intermediate CA named `CN=<common_name>`, with a fresh key, signed by this CA.
    ///
    /// # Panics
    ///
    /// When the certificate cannot be built.
    #[must_use]
    pub fn intermediate(&self, common_name: &str, validity: Period) -> Self {
        let key = p256_key(&mut OsRng);
        let name = cn(common_name);
        let profile = Profile::SubCA { issuer: self.name.clone(), path_len_constraint: None };
        let spki = key.verifying_key().spki();
        let cert_der = build(profile, name.clone(), spki, &self.key, validity, Vec::new());
        Self { key, cert_der, name }
    }

    /// A certificate for `key`, signed by this CA. `subject` is an RFC 4514 string such as
    /// `"C=US,O=Example,OU=Authenticator Attestation,CN=Test"`. With `is_ca` the certificate
    /// carries `basicConstraints cA=TRUE` (to test that an attestation leaf must not be a CA);
    /// otherwise `cA=FALSE`. `extra` extensions are appended after the standard ones (subject
    /// and authority key identifiers, basic constraints, key usage).
    ///
    /// # Panics
    ///
    /// When `subject` or an extension OID does not parse, or the certificate cannot be built.
    #[must_use]
    pub fn leaf(
        &self,
        subject: &str,
        key: &impl SubjectKey,
        validity: Period,
        extra: Vec<ExtraExtension>,
        is_ca: bool,
    ) -> Vec<u8> {
        let name = Name::from_str(subject).expect("RFC 4514 subject name");
        let issuer = self.name.clone();
        let profile = if is_ca {
            Profile::SubCA { issuer, path_len_constraint: None }
        } else {
            Profile::Leaf { issuer, enable_key_agreement: false, enable_key_encipherment: false }
        };
        build(profile, name, key.spki(), &self.key, validity, extra)
    }

    /// The CA's signing key.
    #[must_use]
    pub const fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The CA's certificate, DER.
    #[must_use]
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA's subject name.
    #[must_use]
    pub const fn name(&self) -> &Name {
        &self.name
    }
}

fn cn(common_name: &str) -> Name {
    Name::from_str(&format!("CN={common_name}")).expect("common name")
}

/// The CA key as the certificate builder wants it: its public key as a
/// `SubjectPublicKeyInfo` (the `pem` feature of `ecdsa`, which would provide that for
/// `VerifyingKey`, is not enabled).
struct CaSigner<'a>(&'a SigningKey);

impl Keypair for CaSigner<'_> {
    type VerifyingKey = p256::PublicKey;

    fn verifying_key(&self) -> p256::PublicKey {
        p256::PublicKey::from(self.0.verifying_key())
    }
}

impl DynSignatureAlgorithmIdentifier for CaSigner<'_> {
    fn signature_algorithm_identifier(&self) -> x509_cert::spki::Result<AlgorithmIdentifierOwned> {
        self.0.signature_algorithm_identifier()
    }
}

impl Signer<DerSignature> for CaSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSignature, p256::ecdsa::Error> {
        self.0.try_sign(msg)
    }
}

fn time(secs: u64) -> Time {
    Time::GeneralTime(GeneralizedTime::from_unix_duration(Duration::from_secs(secs)).expect("certificate time"))
}

fn serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    // Positive and without a leading zero byte.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::new(&bytes).expect("serial number")
}

fn build(
    profile: Profile,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    issuer_key: &SigningKey,
    (not_before, not_after): Period,
    extra: Vec<ExtraExtension>,
) -> Vec<u8> {
    let validity = Validity { not_before: time(not_before), not_after: time(not_after) };
    let signer = CaSigner(issuer_key);
    let builder =
        CertificateBuilder::new(profile, serial(), validity, subject, spki, &signer).expect("certificate builder");
    let mut cert: Certificate = builder.build::<DerSignature>().expect("certificate signature");
    if !extra.is_empty() {
        // The builder only takes extensions with a static OID: append these to the built
        // certificate and sign its `tbsCertificate` again.
        let extensions = cert.tbs_certificate.extensions.get_or_insert_with(Vec::new);
        for (oid, critical, value) in extra {
            extensions.push(Extension {
                extn_id: ObjectIdentifier::new(&oid).expect("extension OID"),
                critical,
                extn_value: OctetString::new(value).expect("extension value"),
            });
        }
        let tbs = cert.tbs_certificate.to_der().expect("tbsCertificate");
        let signature: DerSignature = issuer_key.sign(&tbs);
        cert.signature = signature.to_bitstring().expect("signature bit string");
    }
    cert.to_der().expect("certificate DER")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attestation::cert::{verify_chain, Cert, TrustAnchor};
    use crate::challenge::UnixTime;
    use crate::ErrorKind;

    const VALID: Period = (1_600_000_000, 2_000_000_000);
    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

    #[test]
    fn root_intermediate_leaf_chain_verifies_only_to_its_root() {
        let root = TestCa::root("Test Root", VALID);
        let ca = root.intermediate("Test Intermediate", VALID);
        let leaf_key = p256_key(&mut OsRng);
        let aaguid_ext = {
            let mut v = vec![0x04, 0x10];
            v.extend_from_slice(&[7u8; 16]);
            v
        };
        let leaf_der = ca.leaf(
            "C=US,O=Example,OU=Authenticator Attestation,CN=Test",
            leaf_key.verifying_key(),
            VALID,
            vec![("1.3.6.1.4.1.45724.1.1.4".to_owned(), false, aaguid_ext.clone())],
            false,
        );
        let leaf = Cert::parse(&leaf_der).unwrap();
        assert_eq!(leaf.extension("1.3.6.1.4.1.45724.1.1.4"), Some(&aaguid_ext[..]));
        assert_eq!(leaf.basic_constraints().unwrap(), Some((false, None)));
        assert_eq!(leaf.version(), 3);
        let chain = [leaf, Cert::parse(ca.cert_der()).unwrap()];

        let anchor = TrustAnchor::from_der(root.cert_der()).unwrap();
        assert!(verify_chain(&chain, &[&anchor], NOW, false).unwrap());

        let other = TestCa::root("Test Root", VALID);
        let other_anchor = TrustAnchor::from_der(other.cert_der()).unwrap();
        let err = verify_chain(&chain, &[&other_anchor], NOW, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Attestation);

        let expired = verify_chain(&chain, &[&anchor], UnixTime::from_secs(2_100_000_000), false).unwrap_err();
        assert_eq!(expired.kind(), ErrorKind::Attestation);
    }

    #[test]
    fn ca_leaf_is_marked_as_ca() {
        let root = TestCa::root("Test Root", VALID);
        let key = p256_key(&mut OsRng);
        let der = root.leaf("CN=Leaf", key.verifying_key(), VALID, vec![], true);
        assert_eq!(Cert::parse(&der).unwrap().basic_constraints().unwrap(), Some((true, None)));
    }
}
