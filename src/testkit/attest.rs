//! Attestation statements of the software authenticator (`packed`, `fido-u2f`, `apple`,
//! `android-key`, `tpm`, `compound`). Certificates whose content depends on the ceremony (the
//! credential key, the nonce, the challenge) are minted at registration by the [`TestCa`] the
//! [`SoftAttestation`] carries, valid for the same period as that CA's own certificate.

// Test support: a fixture that cannot be built is a bug of the test, reported by a panic.
#![allow(clippy::expect_used)]

use ciborium::Value;
use p256::ecdsa::signature::Signer as _;
use rsa::traits::PublicKeyParts as _;
use sha2::Digest as _;
use x509_cert::der::asn1::{Any, ObjectIdentifier};
use x509_cert::der::{Decode as _, Encode as _, Tag};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::pki::{ExtraExtension, Period, SubjectKey, TestCa};
use super::signer::Signer;
use super::SoftAttestation;

/// What a statement covers: the credential, the authenticator data and the client data hash.
pub(super) struct Ceremony<'a> {
    pub signer: &'a Signer,
    pub credential_id: &'a [u8],
    pub auth_data: &'a [u8],
    pub client_data_hash: &'a [u8; 32],
}

impl Ceremony<'_> {
    /// `attToBeSigned`: authenticator data ‖ client data hash.
    fn to_be_signed(&self) -> Vec<u8> {
        [self.auth_data, self.client_data_hash].concat()
    }
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn bytes(b: &[u8]) -> Value {
    Value::Bytes(b.to_vec())
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (Value::Text(k.to_owned()), v)).collect())
}

fn x5c(certs: &[&[u8]]) -> Value {
    Value::Array(certs.iter().map(|c| bytes(c)).collect())
}

/// The format identifier and `attStmt` (a map, or for `compound` an array) of `attestation`.
pub(super) fn statement(attestation: &SoftAttestation, c: &Ceremony<'_>) -> (String, Value) {
    let (fmt, stmt) = match attestation {
        SoftAttestation::None => ("none", map(vec![])),
        SoftAttestation::PackedSelf => ("packed", self_signed(c, c.signer.alg().id())),
        SoftAttestation::PackedSelfWithAlg(alg) => ("packed", self_signed(c, *alg)),
        SoftAttestation::Format(fmt) => return (fmt.clone(), map(vec![])),
        SoftAttestation::Packed { key, x5c: chain } => ("packed", packed(c, key, chain)),
        SoftAttestation::FidoU2f { key, cert } => ("fido-u2f", fido_u2f(c, key, cert)),
        SoftAttestation::Apple { ca, nonce_override } => ("apple", apple(c, ca, nonce_override.as_ref())),
        SoftAttestation::AndroidKey { ca, corrupt_signature } => {
            ("android-key", android_key(c, ca, *corrupt_signature))
        }
        SoftAttestation::Tpm { ca, manufacturer, name_alg, sha1 } => {
            ("tpm", tpm(c, ca, manufacturer, *name_alg, *sha1))
        }
        SoftAttestation::Compound(items) => {
            let members = items
                .iter()
                .map(|item| {
                    let (fmt, stmt) = statement(item, c);
                    map(vec![("fmt", Value::Text(fmt)), ("attStmt", stmt)])
                })
                .collect();
            ("compound", Value::Array(members))
        }
    };
    (fmt.to_owned(), stmt)
}

fn self_signed(c: &Ceremony<'_>, alg: i64) -> Value {
    map(vec![("alg", int(alg)), ("sig", bytes(&c.signer.sign(&c.to_be_signed())))])
}

fn es256(key: &p256::ecdsa::SigningKey, message: &[u8]) -> Vec<u8> {
    let sig: p256::ecdsa::DerSignature = key.sign(message);
    sig.as_bytes().to_vec()
}

/// §8.2 with `x5c`: the attestation key signs `attToBeSigned` with ES256.
fn packed(c: &Ceremony<'_>, key: &p256::ecdsa::SigningKey, chain: &[Vec<u8>]) -> Value {
    let certs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    map(vec![("alg", int(-7)), ("sig", bytes(&es256(key, &c.to_be_signed()))), ("x5c", x5c(&certs))])
}

/// §8.6: `0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ publicKeyU2F`, where
/// `publicKeyU2F` is the uncompressed P-256 point. For another key type the raw public key
/// follows the `0x04` instead (a statement the verifier must refuse).
fn fido_u2f(c: &Ceremony<'_>, key: &p256::ecdsa::SigningKey, cert: &[u8]) -> Value {
    let public_key = match c.signer {
        Signer::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        Signer::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        Signer::Ed25519(k) => [&[0x04][..], k.verifying_key().as_bytes()].concat(),
        Signer::Rsa(_, k) => [&[0x04][..], &k.n_bytes()].concat(),
    };
    let rp_id_hash = c.auth_data.get(..32).unwrap_or_default();
    let data = [&[0x00][..], rp_id_hash, c.client_data_hash, c.credential_id, &public_key].concat();
    map(vec![("sig", bytes(&es256(key, &data))), ("x5c", x5c(&[cert]))])
}

/// A key given as its `SubjectPublicKeyInfo`.
struct Spki(SubjectPublicKeyInfoOwned);

impl SubjectKey for Spki {
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        self.0.clone()
    }
}

fn credential_spki(signer: &Signer) -> Spki {
    Spki(match signer {
        Signer::P256(k) => k.verifying_key().spki(),
        Signer::P384(k) => k.verifying_key().spki(),
        Signer::Ed25519(k) => k.verifying_key().spki(),
        Signer::Rsa(_, k) => k.to_public_key().spki(),
    })
}

/// The validity period of `ca`'s certificate.
fn validity_of(ca: &TestCa) -> Period {
    let cert = Certificate::from_der(ca.cert_der()).expect("CA certificate");
    let v = cert.tbs_certificate().validity();
    (v.not_before.to_unix_duration().as_secs(), v.not_after.to_unix_duration().as_secs())
}

/// A certificate for `key` issued by `ca`, valid as long as `ca`.
fn mint(ca: &TestCa, subject: &str, key: &impl SubjectKey, extra: Vec<ExtraExtension>) -> Vec<u8> {
    ca.leaf(subject, key, validity_of(ca), extra, false)
}

/// The Apple nonce extension.
const APPLE_NONCE: &str = "1.2.840.113635.100.8.2";

/// §8.8: a certificate for the credential key whose nonce extension holds
/// `SHA-256(authData ‖ clientDataHash)`, unless `nonce_override` replaces it.
fn apple(c: &Ceremony<'_>, ca: &TestCa, nonce_override: Option<&[u8; 32]>) -> Value {
    let nonce = nonce_override.copied().unwrap_or_else(|| crate::crypto::sha256(&c.to_be_signed()));
    let value = [&[0x30, 0x24, 0xa1, 0x22, 0x04, 0x20][..], &nonce].concat();
    let leaf = mint(
        ca,
        "O=Apple Inc.,ST=California,CN=Test Apple Credential",
        &credential_spki(c.signer),
        vec![(APPLE_NONCE.to_owned(), false, value)],
    );
    map(vec![("x5c", x5c(&[&leaf, ca.cert_der()]))])
}

/// A DER TLV with `tag` (one or more identifier octets).
fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = tag.to_vec();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | u8::try_from(be.len() - skip).unwrap_or(0));
        out.extend_from_slice(&be[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The Android key attestation extension (KeyDescription).
const ANDROID_KEY_DESCRIPTION: &str = "1.3.6.1.4.1.11129.2.1.17";

/// A KeyDescription for a key generated in a TEE for signing, bound to `challenge`:
///
/// ```text
/// SEQUENCE { INTEGER 3, ENUMERATED 1, INTEGER 4, ENUMERATED 1, OCTET STRING challenge,
///            OCTET STRING '', SEQUENCE {} -- softwareEnforced,
///            SEQUENCE { [1] EXPLICIT SET OF INTEGER { 2 }, [702] EXPLICIT INTEGER 0 } }
/// ```
fn key_description(challenge: &[u8]) -> Vec<u8> {
    let purpose = tlv(&[0xa1], &tlv(&[0x31], &tlv(&[0x02], &[2])));
    let origin = tlv(&[0xbf, 0x85, 0x3e], &tlv(&[0x02], &[0]));
    let tee = tlv(&[0x30], &[purpose, origin].concat());
    let content = [
        tlv(&[0x02], &[3]),
        tlv(&[0x0a], &[1]),
        tlv(&[0x02], &[4]),
        tlv(&[0x0a], &[1]),
        tlv(&[0x04], challenge),
        tlv(&[0x04], &[]),
        tlv(&[0x30], &[]),
        tee,
    ]
    .concat();
    tlv(&[0x30], &content)
}

/// §8.4: the credential key signs `attToBeSigned` (with `corrupt`, a different message: a
/// well-formed signature that does not verify); its certificate carries the key description.
fn android_key(c: &Ceremony<'_>, ca: &TestCa, corrupt: bool) -> Value {
    let mut message = c.to_be_signed();
    if corrupt {
        if let Some(last) = message.last_mut() {
            *last ^= 0x01;
        }
    }
    let leaf = mint(
        ca,
        "CN=Android Keystore Key",
        &credential_spki(c.signer),
        vec![(ANDROID_KEY_DESCRIPTION.to_owned(), false, key_description(c.client_data_hash))],
    );
    map(vec![
        ("alg", int(c.signer.alg().id())),
        ("sig", bytes(&c.signer.sign(&message))),
        ("x5c", x5c(&[&leaf, ca.cert_der()])),
    ])
}

/// `TPM_ALG_*` hash identifiers.
const TPM_ALG_SHA1: u16 = 0x0004;
const TPM_ALG_SHA256: u16 = 0x000b;
const TPM_ALG_SHA384: u16 = 0x000c;
const TPM_ALG_SHA512: u16 = 0x000d;
const TPM_ALG_NULL: u16 = 0x0010;

/// The digest `alg` names (SHA-256 for an unregistered algorithm, which the verifier must
/// refuse anyway).
fn tpm_digest(alg: u16, data: &[u8]) -> Vec<u8> {
    match alg {
        TPM_ALG_SHA1 => sha1::Sha1::digest(data).to_vec(),
        TPM_ALG_SHA384 => sha2::Sha384::digest(data).to_vec(),
        TPM_ALG_SHA512 => sha2::Sha512::digest(data).to_vec(),
        _ => sha2::Sha256::digest(data).to_vec(),
    }
}

/// A TPM2B: a 16-bit big-endian size, then the bytes.
fn tpm2b(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(data);
}

/// `TPMT_PUBLIC` of the credential key: RSA (RSASSA) or ECC (ECDSA on P-256 / P-384). An
/// Ed25519 key comes out as an ECC area on an unassigned curve (refused by the verifier).
fn pub_area(signer: &Signer, name_alg: u16) -> Vec<u8> {
    let mut v = Vec::new();
    let ecc = |v: &mut Vec<u8>, hash: u16, curve: u16, x: &[u8], y: &[u8]| {
        v.extend_from_slice(&0x0023u16.to_be_bytes()); // TPM_ALG_ECC
        v.extend_from_slice(&name_alg.to_be_bytes());
        v.extend_from_slice(&0x0006_0472u32.to_be_bytes()); // objectAttributes
        tpm2b(v, &[]); // authPolicy
        v.extend_from_slice(&TPM_ALG_NULL.to_be_bytes()); // symmetric
        v.extend_from_slice(&0x0018u16.to_be_bytes()); // TPM_ALG_ECDSA
        v.extend_from_slice(&hash.to_be_bytes());
        v.extend_from_slice(&curve.to_be_bytes());
        v.extend_from_slice(&TPM_ALG_NULL.to_be_bytes()); // kdf
        tpm2b(v, x);
        tpm2b(v, y);
    };
    match signer {
        Signer::P256(k) => {
            let point = k.verifying_key().to_sec1_point(false);
            ecc(&mut v, TPM_ALG_SHA256, 0x0003, &point.as_bytes()[1..33], &point.as_bytes()[33..]);
        }
        Signer::P384(k) => {
            let point = k.verifying_key().to_sec1_point(false);
            ecc(&mut v, TPM_ALG_SHA384, 0x0004, &point.as_bytes()[1..49], &point.as_bytes()[49..]);
        }
        Signer::Ed25519(k) => ecc(&mut v, TPM_ALG_SHA512, 0x0040, k.verifying_key().as_bytes(), &[]),
        Signer::Rsa(_, k) => {
            let n = k.n_bytes();
            let e = k.e_bytes().iter().fold(0u32, |acc, &b| acc.wrapping_shl(8) | u32::from(b));
            v.extend_from_slice(&0x0001u16.to_be_bytes()); // TPM_ALG_RSA
            v.extend_from_slice(&name_alg.to_be_bytes());
            v.extend_from_slice(&0x0006_0472u32.to_be_bytes());
            tpm2b(&mut v, &[]);
            v.extend_from_slice(&TPM_ALG_NULL.to_be_bytes());
            v.extend_from_slice(&0x0014u16.to_be_bytes()); // TPM_ALG_RSASSA
            v.extend_from_slice(&TPM_ALG_SHA256.to_be_bytes());
            v.extend_from_slice(&u16::try_from(n.len() * 8).unwrap_or(2048).to_be_bytes()); // keyBits
            v.extend_from_slice(&(if e == 65_537 { 0 } else { e }).to_be_bytes()); // 0: the default exponent
            tpm2b(&mut v, &n);
        }
    }
    v
}

/// `TPMS_ATTEST` of type `TPM_ST_ATTEST_CERTIFY` certifying the object named `name`.
fn cert_info(extra_data: &[u8], name: &[u8]) -> Vec<u8> {
    let mut v = 0xff54_4347u32.to_be_bytes().to_vec(); // TPM_GENERATED_VALUE
    v.extend_from_slice(&0x8017u16.to_be_bytes()); // TPM_ST_ATTEST_CERTIFY
    tpm2b(&mut v, &[]); // qualifiedSigner
    tpm2b(&mut v, extra_data);
    v.extend_from_slice(&42u64.to_be_bytes()); // clockInfo.clock
    v.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 1]); // resetCount, restartCount, safe
    v.extend_from_slice(&0x2021_0421_0000_0000u64.to_be_bytes()); // firmwareVersion
    tpm2b(&mut v, name);
    tpm2b(&mut v, &[]); // qualifiedName
    v
}

fn utf8_rdn(oid: &str, value: &str) -> RelativeDistinguishedName {
    let atv = x509_cert::attr::AttributeTypeAndValue {
        oid: ObjectIdentifier::new(oid).expect("attribute OID"),
        value: Any::new(Tag::Utf8String, value.as_bytes()).expect("attribute value"),
    };
    RelativeDistinguishedName::try_from(vec![atv]).expect("RDN")
}

/// §8.3: the AIK certifies the credential key (`pubArea`) in `certInfo`. The AIK
/// certificate has an empty subject, the TPM attributes in a directoryName of its subject
/// alternative name, the tcg-kp-AIKCertificate EKU and `cA=FALSE`. With `sha1`, the AIK is an
/// RSA key and the statement is RS1 (SHA-1); otherwise it is a P-256 key and ES256.
fn tpm(c: &Ceremony<'_>, ca: &TestCa, manufacturer: &str, name_alg: u16, sha1: bool) -> Value {
    let pub_area = pub_area(c.signer, name_alg);
    let name = [&name_alg.to_be_bytes()[..], &tpm_digest(name_alg, &pub_area)].concat();
    let to_be_signed = c.to_be_signed();
    let (alg, sig, aik_key, cert_info) = if sha1 {
        let key = rsa::PrivateKey::new(&mut rand_core::UnwrapErr(getrandom::SysRng), 2048).expect("RSA key generation");
        let info = cert_info(&sha1::Sha1::digest(&to_be_signed), &name);
        let sig = key.sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(&info)).expect("RSA signing");
        (-65_535, sig, key.to_public_key().spki(), info)
    } else {
        let key = super::pki::p256_key(&mut rand_core::UnwrapErr(getrandom::SysRng));
        let info = cert_info(&sha2::Sha256::digest(&to_be_signed), &name);
        (-7, es256(&key, &info), key.verifying_key().spki(), info)
    };
    let mut rdns = RdnSequence::default();
    for rdn in
        [utf8_rdn("2.23.133.2.1", manufacturer), utf8_rdn("2.23.133.2.2", "NPCT75x"), utf8_rdn("2.23.133.2.3", "id:7")]
    {
        rdns.push(rdn);
    }
    let directory = Name::from_der(&rdns.to_der().expect("directoryName")).expect("directoryName");
    let san = SubjectAltName(vec![GeneralName::DirectoryName(directory)]).to_der().expect("subjectAltName");
    let eku = ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap("2.23.133.8.3")]).to_der().expect("extKeyUsage");
    let extra = vec![("2.5.29.17".to_owned(), true, san), ("2.5.29.37".to_owned(), false, eku)];
    // §8.3.1: the AIK certificate's subject is empty.
    let aik = mint(ca, "", &Spki(aik_key), extra);
    map(vec![
        ("ver", Value::Text("2.0".into())),
        ("alg", int(alg)),
        ("x5c", x5c(&[&aik, ca.cert_der()])),
        ("sig", bytes(&sig)),
        ("certInfo", bytes(&cert_info)),
        ("pubArea", bytes(&pub_area)),
    ])
}
