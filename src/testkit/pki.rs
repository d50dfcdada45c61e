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
//! let leaf_key = p256_key(&mut rand_core::UnwrapErr(getrandom::SysRng));
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

use getrandom::SysRng;
use p256::ecdsa::signature::{Keypair, Signer};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate as _;
use rand_core::{CryptoRng, Rng as _, UnwrapErr};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString};
use x509_cert::der::Encode as _;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey, SubjectPublicKeyInfoOwned,
    SubjectPublicKeyInfoRef,
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

impl SubjectKey for rsa::PublicKey {
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        spki_of(self)
    }
}

/// A fresh P-256 signing key.
#[must_use]
pub fn p256_key(rng: &mut impl CryptoRng) -> SigningKey {
    SigningKey::generate_from_rng(rng)
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
        let key = p256_key(&mut UnwrapErr(SysRng));
        let name = cn(common_name);
        let spki = key.verifying_key().spki();
        let profile = TestProfile { subject: name.clone(), issuer: None, role: Role::Ca, extra: Vec::new() };
        let cert_der = build(profile, spki, &key, validity);
        Self { key, cert_der, name }
    }

    /// An intermediate CA named `CN=<common_name>`, with a fresh key, signed by this CA.
    ///
    /// # Panics
    ///
    /// When the certificate cannot be built.
    #[must_use]
    pub fn intermediate(&self, common_name: &str, validity: Period) -> Self {
        let key = p256_key(&mut UnwrapErr(SysRng));
        let name = cn(common_name);
        let profile =
            TestProfile { subject: name.clone(), issuer: Some(self.name.clone()), role: Role::Ca, extra: Vec::new() };
        let spki = key.verifying_key().spki();
        let cert_der = build(profile, spki, &self.key, validity);
        Self { key, cert_der, name }
    }

    /// A certificate for `key`, signed by this CA. `subject` is an RFC 4514 string such as
    /// `"C=US,O=Example,OU=Authenticator Attestation,CN=Test"` (empty for an empty subject). With `is_ca` the certificate
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
        let subject =
            if subject.is_empty() { Name::default() } else { Name::from_str(subject).expect("RFC 4514 name") };
        let extra = extra
            .into_iter()
            .map(|(oid, critical, value)| Extension {
                extn_id: ObjectIdentifier::new(&oid).expect("extension OID"),
                critical,
                extn_value: OctetString::new(value).expect("extension value"),
            })
            .collect();
        let role = if is_ca { Role::Ca } else { Role::Leaf };
        let profile = TestProfile { subject, issuer: Some(self.name.clone()), role, extra };
        build(profile, key.spki(), &self.key, validity)
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
    UnwrapErr(SysRng).fill_bytes(&mut bytes);
    // Positive and without a leading zero byte.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::new(&bytes).expect("serial number")
}

/// Whether a certificate is a CA's (`cA=TRUE`, may sign certificates) or a leaf's.
#[derive(Clone, Copy)]
enum Role {
    Ca,
    Leaf,
}

/// The certificate profile of the test PKI: subject and authority key identifiers, critical
/// basic constraints, critical key usage, then the caller's extra extensions in order.
struct TestProfile {
    subject: Name,
    /// `None` for a self-signed root.
    issuer: Option<Name>,
    role: Role,
    extra: Vec<Extension>,
}

impl BuilderProfile for TestProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let issuer_ski = SubjectKeyIdentifier::try_from(issuer_spk)?;
        let aki = AuthorityKeyIdentifier { key_identifier: Some(issuer_ski.0), ..Default::default() };
        let (ca, usage) = match self.role {
            Role::Ca => (true, KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Role::Leaf => (false, KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        };
        let mut extensions = Vec::new();
        for extension in [
            (&ski).to_extension(subject, &[])?,
            (&aki).to_extension(subject, &[])?,
            (true, &BasicConstraints { ca, path_len_constraint: None }).to_extension(subject, &[])?,
            (true, &KeyUsage(usage)).to_extension(subject, &[])?,
        ] {
            extensions.push(extension);
        }
        extensions.extend(self.extra.iter().cloned());
        Ok(extensions)
    }
}

fn build(
    profile: TestProfile,
    spki: SubjectPublicKeyInfoOwned,
    issuer_key: &SigningKey,
    (not_before, not_after): Period,
) -> Vec<u8> {
    let validity = Validity::new(time(not_before), time(not_after));
    let builder = CertificateBuilder::new(profile, serial(), validity, spki).expect("certificate builder");
    let cert: Certificate = builder.build::<_, DerSignature>(&CaSigner(issuer_key)).expect("certificate signature");
    cert.to_der().expect("certificate DER")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{verify_chain, Cert, TrustAnchor};
    use crate::challenge::UnixTime;

    const VALID: Period = (1_600_000_000, 2_000_000_000);
    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

    #[test]
    fn root_intermediate_leaf_chain_verifies_only_to_its_root() {
        let root = TestCa::root("Test Root", VALID);
        let ca = root.intermediate("Test Intermediate", VALID);
        let leaf_key = p256_key(&mut UnwrapErr(SysRng));
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
        assert_eq!(verify_chain(&chain, &[&anchor], NOW, false).unwrap(), crate::cert::Trust::Trusted);
        assert_eq!(
            verify_chain(&chain, &[], NOW, false).unwrap(),
            crate::cert::Trust::Untrusted(crate::cert::Untrusted::NoAnchorConfigured)
        );

        let other = TestCa::root("Test Root", VALID);
        let other_anchor = TrustAnchor::from_der(other.cert_der()).unwrap();
        let err = verify_chain(&chain, &[&other_anchor], NOW, false).unwrap_err();
        assert_eq!(err.attestation_reason(), Some(crate::AttestationError::NotTrusted));

        let expired = verify_chain(&chain, &[&anchor], UnixTime::from_secs(2_100_000_000), false).unwrap_err();
        assert_eq!(
            expired.attestation_reason(),
            Some(crate::AttestationError::Certificate(crate::CertificateError::Expired))
        );
    }

    #[test]
    fn ca_leaf_is_marked_as_ca() {
        let root = TestCa::root("Test Root", VALID);
        let key = p256_key(&mut UnwrapErr(SysRng));
        let der = root.leaf("CN=Leaf", key.verifying_key(), VALID, vec![], true);
        assert_eq!(Cert::parse(&der).unwrap().basic_constraints().unwrap(), Some((true, None)));
    }
}
