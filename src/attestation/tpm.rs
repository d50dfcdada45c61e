//! The `tpm` attestation statement format (WebAuthn L3 §8.3): a TPM 2.0 attestation key
//! (AIK) certifies the credential key (`pubArea`) in a `TPMS_ATTEST` structure (`certInfo`).
//!
//! Only the `x5c` form is supported (ECDAA was removed from the specification). The TPM
//! structures are parsed strictly: every field bounded, no trailing bytes.

use x509_cert::der::asn1::ObjectIdentifier as Oid;
use x509_cert::der::Decode as _;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};

use super::packed::{as_attestation, check_aaguid_extension};
use super::stmt::AttStmt;
use super::{AttestationType, Inputs, Statement};
use crate::cert::{name_attribute, parse_x5c, Cert};
use crate::cose::{CoseAlgorithm, Curve, KeyParams};
use crate::crypto::{digest, Hash, Scheme};
use crate::encoding::reader::Reader;
use crate::error::AttestationError;
use crate::error::{Error, ErrorKind, Input, Result};

/// `TPM_GENERATED_VALUE`.
const TPM_GENERATED_VALUE: u32 = 0xff54_4347;
/// `TPM_ST_ATTEST_CERTIFY`.
const TPM_ST_ATTEST_CERTIFY: u16 = 0x8017;

const TPM_ALG_RSA: u16 = 0x0001;
const TPM_ALG_SHA1: u16 = 0x0004;
const TPM_ALG_SHA256: u16 = 0x000b;
const TPM_ALG_SHA384: u16 = 0x000c;
const TPM_ALG_SHA512: u16 = 0x000d;
const TPM_ALG_NULL: u16 = 0x0010;
const TPM_ALG_ECC: u16 = 0x0023;

const TPM_ECC_NIST_P256: u16 = 0x0003;
const TPM_ECC_NIST_P384: u16 = 0x0004;
const TPM_ECC_NIST_P521: u16 = 0x0005;

/// id-ce-subjectAltName.
const SUBJECT_ALT_NAME: &str = "2.5.29.17";
/// id-ce-extKeyUsage.
const EXT_KEY_USAGE: &str = "2.5.29.37";
/// tcg-kp-AIKCertificate.
const TCG_KP_AIK_CERTIFICATE: Oid = Oid::new_unwrap("2.23.133.8.3");
/// tcg-at-tpmManufacturer, tcg-at-tpmModel, tcg-at-tpmVersion.
const TCG_AT_TPM_MANUFACTURER: &str = "2.23.133.2.1";
const TCG_AT_TPM_MODEL: &str = "2.23.133.2.2";
const TCG_AT_TPM_VERSION: &str = "2.23.133.2.3";

/// Table 2 (TPM Capabilities Vendor ID) of the TCG TPM Vendor ID Registry, as carried by
/// go-webauthn (`attestation_tpm_manufacturers.go`): hexadecimal `TPM_PT_MANUFACTURER` values.
/// The FIDO conformance value `FFFFF1D0` is deliberately absent.
const TPM_VENDOR_IDS: [&str; 30] = [
    "414D4400", // AMD
    "414E5400", // Ant Group
    "41524D00", // Arm
    "41544D4C", // Atmel
    "4252434D", // Broadcom
    "4353434F", // Cisco
    "464C5953", // Flyslice Technologies
    "524F4343", // Fuzhou Rockchip
    "474F4F47", // Google
    "48504900", // HPI
    "48504500", // HPE
    "48495349", // Huawei
    "49424D00", // IBM
    "49465800", // Infineon
    "494E5443", // Intel
    "4C454E00", // Lenovo
    "4D534654", // Microsoft
    "4E534D20", // National Semiconductor
    "4E545A00", // Nationz
    "4E534700", // NSING
    "4E544300", // Nuvoton Technology
    "51434F4D", // Qualcomm
    "534D534E", // Samsung
    "53454345", // SecEdge
    "534E5300", // Sinosun
    "534D5343", // SMSC
    "53544D20", // STMicroelectronics
    "54584E00", // Texas Instruments
    "57454300", // Winbond
    "5345414C", // Wisekey
];

/// Whether `id` (the hexadecimal part of `id:XXXXXXXX`) is a TCG-registered TPM vendor.
/// Hex digits compare case-insensitively (the registry itself spells IBM `49424d00`).
fn is_registered_vendor(id: &str) -> bool {
    TPM_VENDOR_IDS.iter().any(|v| v.eq_ignore_ascii_case(id))
}

pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    let stmt = AttStmt::parse(inputs.att_stmt, &["ver", "alg", "x5c", "sig", "certInfo", "pubArea"])?;
    if stmt.text("ver")? != "2.0" {
        return Err(Error::attestation(AttestationError::MalformedStatement, "tpm attestation ver is not 2.0"));
    }
    let alg = CoseAlgorithm::from_id(stmt.int("alg")?)
        .ok_or_else(|| Error::attestation(AttestationError::UnsupportedAlgorithm, "tpm attestation alg unsupported"))?;
    // SHA-1 is refused before anything is verified with it.
    if alg.uses_sha1() && !inputs.allow_sha1() {
        return Err(Error::new(ErrorKind::AlgorithmNotAllowed, "SHA-1 is not allowed"));
    }
    let hash = statement_hash(alg)?;
    let sig = stmt.bytes("sig")?;
    let cert_info_raw = stmt.bytes("certInfo")?;
    let pub_area_raw = stmt.bytes("pubArea")?;
    let x5c = stmt
        .x5c()?
        .ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "tpm attestation without x5c"))?;
    let chain = parse_x5c(&x5c)?;
    let aik = chain.first().ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "empty x5c"))?;

    // The key in pubArea is the credential public key.
    let pub_area = PubArea::parse(pub_area_raw)?;
    if !pub_area.matches(inputs.credential_key.params()) {
        return Err(Error::attestation(
            AttestationError::KeyMismatch,
            "pubArea key differs from the credential public key",
        ));
    }

    // certInfo certifies pubArea for this ceremony.
    let cert_info = CertInfo::parse(cert_info_raw)?;
    let signed: [&[u8]; 2] = [inputs.auth_data.raw(), inputs.client_data_hash];
    if cert_info.extra_data != digest(hash, &signed).as_slice() {
        return Err(Error::attestation(
            AttestationError::NotThisCeremony,
            "certInfo extraData is not the hash of attToBeSigned",
        ));
    }
    let name_hash = name_alg_hash(pub_area.name_alg)?;
    if name_hash == Hash::Sha1 && !inputs.allow_sha1() {
        return Err(Error::new(ErrorKind::AlgorithmNotAllowed, "SHA-1 is not allowed"));
    }
    let name = [&pub_area.name_alg.to_be_bytes()[..], &digest(name_hash, &[pub_area_raw])].concat();
    if cert_info.attested_name != name.as_slice() {
        return Err(Error::attestation(AttestationError::NotThisCeremony, "certInfo does not certify pubArea"));
    }

    aik.key()
        .verify(Scheme::from_cose(alg), cert_info_raw, sig, inputs.allow_sha1())
        .map_err(|e| as_attestation(e, "tpm attestation signature does not verify"))?;
    check_aik(aik, inputs)?;
    check_aaguid_extension(aik, inputs)?;
    Ok(Statement { kind: AttestationType::AttCa, chain })
}

/// The hash of a statement algorithm, used for `extraData`.
fn statement_hash(alg: CoseAlgorithm) -> Result<Hash> {
    Scheme::from_cose(alg)
        .hash()
        .ok_or_else(|| Error::attestation(AttestationError::UnsupportedAlgorithm, "tpm attestation alg unsupported"))
}

/// The hash a `TPMI_ALG_HASH` names.
fn name_alg_hash(alg: u16) -> Result<Hash> {
    match alg {
        TPM_ALG_SHA1 => Ok(Hash::Sha1),
        TPM_ALG_SHA256 => Ok(Hash::Sha256),
        TPM_ALG_SHA384 => Ok(Hash::Sha384),
        TPM_ALG_SHA512 => Ok(Hash::Sha512),
        _ => Err(Error::attestation(AttestationError::UnsupportedAlgorithm, "pubArea nameAlg unsupported")),
    }
}

/// Maps a structural failure of a TPM structure to the `attestation` category, keeping the
/// attestation errors the parser raised itself.
fn structure_error(e: Error, context: &'static str) -> Error {
    if matches!(e.kind(), ErrorKind::Attestation(_)) {
        e
    } else {
        Error::attestation(AttestationError::MalformedStatement, context)
    }
}

/// The key of a `TPMT_PUBLIC`.
#[derive(Debug, PartialEq, Eq)]
enum TpmKey<'a> {
    Rsa { modulus: &'a [u8], exponent: u32 },
    Ecc { curve: u16, x: &'a [u8], y: &'a [u8] },
}

/// The fields of a `TPMT_PUBLIC` that WebAuthn checks.
#[derive(Debug)]
pub(super) struct PubArea<'a> {
    name_alg: u16,
    key: TpmKey<'a>,
}

impl<'a> PubArea<'a> {
    pub(super) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, Input::Certificate);
        Self::read(&mut r)
            .and_then(|p| r.finish().map(|()| p))
            .map_err(|e| structure_error(e, "pubArea is not a valid TPMT_PUBLIC"))
    }

    fn read(r: &mut Reader<'a>) -> Result<Self> {
        const CTX: &str = "TPMT_PUBLIC";
        let kind = r.u16(CTX)?;
        let name_alg = r.u16(CTX)?;
        let _object_attributes = r.u32(CTX)?;
        let _auth_policy = r.u16_prefixed(CTX)?;
        let key = match kind {
            TPM_ALG_RSA => {
                read_symmetric(r)?;
                read_scheme(r)?;
                let _key_bits = r.u16(CTX)?;
                let exponent = r.u32(CTX)?;
                let modulus = r.u16_prefixed(CTX)?;
                TpmKey::Rsa { modulus, exponent }
            }
            TPM_ALG_ECC => {
                read_symmetric(r)?;
                read_scheme(r)?;
                let curve = r.u16(CTX)?;
                read_kdf(r)?;
                let x = r.u16_prefixed(CTX)?;
                let y = r.u16_prefixed(CTX)?;
                TpmKey::Ecc { curve, x, y }
            }
            _ => {
                return Err(Error::attestation(AttestationError::UnsupportedAlgorithm, "pubArea key type unsupported"))
            }
        };
        Ok(Self { name_alg, key })
    }

    /// Whether the key is the credential public key (§8.3 step 2).
    fn matches(&self, credential: &KeyParams<'_>) -> bool {
        match (&self.key, credential) {
            (TpmKey::Rsa { modulus, exponent }, KeyParams::Rsa { n, e }) => {
                // An exponent of zero means the default, 2^16 + 1.
                let exponent = if *exponent == 0 { 65537 } else { u64::from(*exponent) };
                let e = e.iter().try_fold(0u64, |acc, b| acc.checked_mul(256).map(|v| v | u64::from(*b)));
                strip_leading_zeros(modulus) == *n && e == Some(exponent)
            }
            (TpmKey::Ecc { curve, x, y }, KeyParams::Ec2 { curve: c, x: cx, y: cy }) => {
                let tpm_curve = match c {
                    Curve::P256 => TPM_ECC_NIST_P256,
                    Curve::P384 => TPM_ECC_NIST_P384,
                    Curve::P521 => TPM_ECC_NIST_P521,
                };
                *curve == tpm_curve && x == cx && y == cy
            }
            _ => false,
        }
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// `TPMT_SYM_DEF_OBJECT`: NULL, or a block cipher with key size and mode.
fn read_symmetric(r: &mut Reader<'_>) -> Result<()> {
    const CTX: &str = "TPMT_SYM_DEF_OBJECT";
    match r.u16(CTX)? {
        TPM_ALG_NULL => Ok(()),
        // AES, SM4, CAMELLIA: keyBits, mode.
        0x0006 | 0x0013 | 0x0026 => r.take(4, CTX).map(|_| ()),
        _ => Err(Error::attestation(AttestationError::UnsupportedAlgorithm, "pubArea symmetric algorithm unsupported")),
    }
}

/// `TPMT_RSA_SCHEME` / `TPMT_ECC_SCHEME`: the scheme and its details.
fn read_scheme(r: &mut Reader<'_>) -> Result<()> {
    const CTX: &str = "TPMT_ASYM_SCHEME";
    match r.u16(CTX)? {
        // NULL, RSAES: no details.
        TPM_ALG_NULL | 0x0015 => Ok(()),
        // ECDAA: hashAlg, count.
        0x001a => r.take(4, CTX).map(|_| ()),
        // RSASSA, RSAPSS, OAEP, ECDSA, ECDH, SM2, ECSCHNORR, ECMQV: hashAlg.
        0x0014 | 0x0016..=0x0019 | 0x001b..=0x001d => r.take(2, CTX).map(|_| ()),
        _ => Err(Error::attestation(AttestationError::UnsupportedAlgorithm, "pubArea scheme unsupported")),
    }
}

/// `TPMT_KDF_SCHEME`: NULL or a KDF with its hash.
fn read_kdf(r: &mut Reader<'_>) -> Result<()> {
    const CTX: &str = "TPMT_KDF_SCHEME";
    match r.u16(CTX)? {
        TPM_ALG_NULL => Ok(()),
        // MGF1, KDF1_SP800_56A, KDF2, KDF1_SP800_108: hashAlg.
        0x0007 | 0x0020..=0x0022 => r.take(2, CTX).map(|_| ()),
        _ => Err(Error::attestation(AttestationError::UnsupportedAlgorithm, "pubArea KDF unsupported")),
    }
}

/// The fields of a `TPMS_ATTEST` of type `TPM_ST_ATTEST_CERTIFY` that WebAuthn checks.
#[derive(Debug)]
pub(super) struct CertInfo<'a> {
    extra_data: &'a [u8],
    attested_name: &'a [u8],
}

impl<'a> CertInfo<'a> {
    pub(super) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, Input::Certificate);
        Self::read(&mut r)
            .and_then(|c| r.finish().map(|()| c))
            .map_err(|e| structure_error(e, "certInfo is not a valid TPMS_ATTEST"))
    }

    fn read(r: &mut Reader<'a>) -> Result<Self> {
        const CTX: &str = "TPMS_ATTEST";
        if r.u32(CTX)? != TPM_GENERATED_VALUE {
            return Err(Error::attestation(
                AttestationError::MalformedStatement,
                "certInfo magic is not TPM_GENERATED_VALUE",
            ));
        }
        if r.u16(CTX)? != TPM_ST_ATTEST_CERTIFY {
            return Err(Error::attestation(
                AttestationError::MalformedStatement,
                "certInfo type is not TPM_ST_ATTEST_CERTIFY",
            ));
        }
        let _qualified_signer = r.u16_prefixed(CTX)?;
        let extra_data = r.u16_prefixed(CTX)?;
        // clockInfo (clock, resetCount, restartCount, safe) and firmwareVersion are ignored.
        let _clock_info = r.take(17, CTX)?;
        let _firmware_version = r.u64(CTX)?;
        let attested_name = r.u16_prefixed(CTX)?;
        let _qualified_name = r.u16_prefixed(CTX)?;
        Ok(Self { extra_data, attested_name })
    }
}

/// §8.3.1: TPM attestation statement certificate requirements.
fn check_aik(aik: &Cert<'_>, inputs: &Inputs<'_, '_>) -> Result<()> {
    if aik.version() != 3 {
        return Err(Error::attestation(AttestationError::CertificateRequirements, "AIK certificate is not X.509 v3"));
    }
    if !aik.subject().is_empty() {
        return Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate subject is not empty",
        ));
    }
    let manufacturer = tpm_manufacturer(aik)?;
    let vendor = manufacturer.strip_prefix("id:").ok_or_else(|| {
        Error::attestation(AttestationError::CertificateRequirements, "AIK certificate TPM manufacturer is not an id")
    })?;
    if !is_registered_vendor(vendor) && !inputs.policy.allow_test_tpm_vendors {
        return Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate TPM manufacturer is not TCG-registered",
        ));
    }
    let eku = aik.extension(EXT_KEY_USAGE).ok_or_else(|| {
        Error::attestation(AttestationError::CertificateRequirements, "AIK certificate has no extended key usage")
    })?;
    let eku = ExtendedKeyUsage::from_der(eku).map_err(|_| {
        Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate extended key usage does not parse",
        )
    })?;
    if !eku.0.contains(&TCG_KP_AIK_CERTIFICATE) {
        return Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate lacks tcg-kp-AIKCertificate",
        ));
    }
    match aik.basic_constraints() {
        Ok(Some((false, _))) => Ok(()),
        Ok(Some((true, _))) => {
            Err(Error::attestation(AttestationError::CertificateRequirements, "AIK certificate is a CA"))
        }
        Ok(None) => Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate has no basic constraints",
        )),
        Err(_) => Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate basic constraints do not parse",
        )),
    }
}

/// The tcg-at-tpmManufacturer of the AIK certificate's Subject Alternative Name, which must
/// also name the TPM model and version ([TPMv2-EK-Profile] §3.2.9). The attributes may be in
/// one RDN or in one RDN each.
fn tpm_manufacturer(aik: &Cert<'_>) -> Result<String> {
    let san = aik.extension(SUBJECT_ALT_NAME).ok_or_else(|| {
        Error::attestation(AttestationError::CertificateRequirements, "AIK certificate has no subject alternative name")
    })?;
    let san = SubjectAltName::from_der(san).map_err(|_| {
        Error::attestation(
            AttestationError::CertificateRequirements,
            "AIK certificate subject alternative name does not parse",
        )
    })?;
    san.0
        .iter()
        .find_map(|name| match name {
            GeneralName::DirectoryName(dn) => {
                let attr = |oid| name_attribute(dn, oid).filter(|v| !v.is_empty());
                let manufacturer = attr(TCG_AT_TPM_MANUFACTURER)?;
                attr(TCG_AT_TPM_MODEL)?;
                attr(TCG_AT_TPM_VERSION)?;
                Some(manufacturer)
            }
            _ => None,
        })
        .ok_or_else(|| {
            Error::attestation(
                AttestationError::CertificateRequirements,
                "AIK certificate subject alternative name lacks the TPM attributes",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY.
    fn cert_info(magic: u32) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        v.extend_from_slice(&TPM_ST_ATTEST_CERTIFY.to_be_bytes());
        v.extend_from_slice(&[0, 2, 0xaa, 0xbb]); // qualifiedSigner
        v.extend_from_slice(&[0, 3, 1, 2, 3]); // extraData
        v.extend_from_slice(&[0; 17]); // clockInfo
        v.extend_from_slice(&[0; 8]); // firmwareVersion
        v.extend_from_slice(&[0, 4, 0, 0x0b, 9, 9]); // attested.name
        v.extend_from_slice(&[0, 0]); // attested.qualifiedName
        v
    }

    /// A TPMT_PUBLIC for an RSA key with a 256-byte modulus.
    fn rsa_pub_area() -> Vec<u8> {
        let mut v = vec![0, 0x01, 0, 0x0b, 0, 0x06, 0x04, 0x72, 0, 0]; // type, nameAlg, attributes, authPolicy
        v.extend_from_slice(&[0, 0x10, 0, 0x14, 0, 0x0b, 0x08, 0x00, 0, 0, 0, 0]); // NULL, RSASSA-SHA256, 2048, 0
        v.extend_from_slice(&[0x01, 0x00]);
        v.extend(std::iter::repeat_n(0xc5, 256));
        v
    }

    #[test]
    fn parses_cert_info() {
        let raw = cert_info(TPM_GENERATED_VALUE);
        let parsed = CertInfo::parse(&raw).unwrap();
        assert_eq!(parsed.extra_data, [1, 2, 3]);
        assert_eq!(parsed.attested_name, [0, 0x0b, 9, 9]);
    }

    #[test]
    fn refuses_truncated_cert_info() {
        let raw = cert_info(TPM_GENERATED_VALUE);
        for len in [0, 3, 6, 20, raw.len() - 1] {
            let err = CertInfo::parse(raw.get(..len).unwrap()).unwrap_err();
            assert_eq!(err.attestation_reason(), Some(AttestationError::MalformedStatement));
        }
    }

    #[test]
    fn refuses_wrong_magic_and_type() {
        let err = CertInfo::parse(&cert_info(0xff54_4348)).unwrap_err();
        assert_eq!(err.attestation_reason(), Some(AttestationError::MalformedStatement), "wrong magic");
        let mut raw = cert_info(TPM_GENERATED_VALUE);
        raw[5] = 0x18; // TPM_ST_ATTEST_QUOTE
        let err = CertInfo::parse(&raw).unwrap_err();
        assert_eq!(err.attestation_reason(), Some(AttestationError::MalformedStatement), "wrong type");
        let mut raw = cert_info(TPM_GENERATED_VALUE);
        raw.push(0);
        assert_eq!(CertInfo::parse(&raw).unwrap_err().attestation_reason(), Some(AttestationError::MalformedStatement));
    }

    #[test]
    fn parses_pub_area_and_refuses_trailing_bytes() {
        let raw = rsa_pub_area();
        let parsed = PubArea::parse(&raw).unwrap();
        assert_eq!(parsed.name_alg, TPM_ALG_SHA256);
        assert!(matches!(parsed.key, TpmKey::Rsa { modulus, exponent: 0 } if modulus.len() == 256));
        let n = [0xc5; 256];
        assert!(parsed.matches(&KeyParams::Rsa { n: &n, e: &[1, 0, 1] }));
        assert!(!parsed.matches(&KeyParams::Rsa { n: &n, e: &[3] }));

        let mut trailing = raw.clone();
        trailing.push(0);
        let err = PubArea::parse(&trailing).unwrap_err();
        assert_eq!(err.attestation_reason(), Some(AttestationError::MalformedStatement));
        assert!(PubArea::parse(raw.get(..raw.len() - 1).unwrap()).is_err());
    }

    #[test]
    fn parses_an_ecc_pub_area() {
        let mut raw = vec![0, 0x23, 0, 0x0b, 0, 0x06, 0x04, 0x72, 0, 0]; // type, nameAlg, attributes, authPolicy
        raw.extend_from_slice(&[0, 0x10, 0, 0x18, 0, 0x0b, 0, 0x03, 0, 0x10]); // NULL, ECDSA-SHA256, P-256, NULL
        raw.extend_from_slice(&[0, 32]);
        raw.extend_from_slice(&[1; 32]);
        raw.extend_from_slice(&[0, 32]);
        raw.extend_from_slice(&[2; 32]);
        let parsed = PubArea::parse(&raw).unwrap();
        let key = KeyParams::Ec2 { curve: Curve::P256, x: &[1; 32], y: &[2; 32] };
        assert!(parsed.matches(&key));
        let other = KeyParams::Ec2 { curve: Curve::P256, x: &[2; 32], y: &[1; 32] };
        assert!(!parsed.matches(&other));
    }

    #[test]
    fn vendor_table_lookup() {
        assert!(is_registered_vendor("494E5443")); // Intel
        assert!(is_registered_vendor("49424d00")); // IBM, lowercase as in the registry
        assert!(is_registered_vendor("4E544300")); // Nuvoton
        assert!(!is_registered_vendor("FFFFF1D0"));
        assert!(!is_registered_vendor("00000000"));
        assert!(!is_registered_vendor(""));
    }

    #[test]
    fn name_algorithms() {
        assert_eq!(name_alg_hash(TPM_ALG_SHA256).unwrap(), Hash::Sha256);
        assert_eq!(name_alg_hash(TPM_ALG_SHA1).unwrap(), Hash::Sha1);
        assert_eq!(
            name_alg_hash(0x0012).unwrap_err().attestation_reason(),
            Some(AttestationError::UnsupportedAlgorithm)
        ); // SM3_256
        assert_eq!(digest(Hash::Sha256, &[b"a", b"bc"]), digest(Hash::Sha256, &[b"abc"]));
    }
}
