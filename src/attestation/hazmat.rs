//! Parts-level entry points to the attestation structure parsers, for fuzzers and benchmark
//! harnesses. Each parses untrusted bytes strictly and reports only success or the error;
//! verification is [`verify_registration`](crate::verify_registration)'s job.

use crate::error::Result;

/// Parses a TPM `TPMS_ATTEST` (`certInfo`).
///
/// # Errors
///
/// The attestation error the `tpm` verifier would report.
pub fn parse_tpm_cert_info(bytes: &[u8]) -> Result<()> {
    super::tpm::CertInfo::parse(bytes).map(|_| ())
}

/// Parses a TPM `TPMT_PUBLIC` (`pubArea`).
///
/// # Errors
///
/// The attestation error the `tpm` verifier would report.
pub fn parse_tpm_pub_area(bytes: &[u8]) -> Result<()> {
    super::tpm::PubArea::parse(bytes).map(|_| ())
}

/// Parses an Android SafetyNet compact JWS (header, payload and certificates; the signature
/// is not verified).
///
/// # Errors
///
/// The attestation error the `android-safetynet` verifier would report.
pub fn parse_safetynet_jws(bytes: &[u8]) -> Result<()> {
    super::android_safetynet::Jws::parse(bytes).map(|_| ())
}

/// Parses an Android key description extension value (ASN.1 `KeyDescription`).
///
/// # Errors
///
/// The attestation error the `android-key` verifier would report.
pub fn parse_android_key_description(der: &[u8]) -> Result<()> {
    super::android_key::KeyDescription::parse(der).map(|_| ())
}

/// Parses an X.509 certificate (DER) the way attestation statements' certificates are parsed.
///
/// # Errors
///
/// Malformed certificate, or an unsupported subject key.
pub fn parse_certificate(der: &[u8]) -> Result<()> {
    crate::cert::Cert::parse(der).map(|_| ())
}
