//! The `apple` anonymous attestation statement format (§8.8).

use super::stmt::AttStmt;
use super::{AttestationType, Inputs, Statement};
use crate::cert::parse_x5c;
use crate::crypto;
use crate::error::AttestationError;
use crate::error::{Error, Result};

/// The Apple nonce extension.
const APPLE_NONCE: &str = "1.2.840.113635.100.8.2";

pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    // Early iOS versions also sent `alg` (ignored: the key type comes from the certificate).
    let stmt = AttStmt::parse(inputs.att_stmt, &["x5c", "alg"])?;
    let x5c = stmt
        .x5c()?
        .ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "apple statement without x5c"))?;
    let chain = parse_x5c(&x5c)?;
    let cred_cert =
        chain.first().ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "empty x5c"))?;
    // nonce = SHA-256(authData || clientDataHash), carried as SEQUENCE { [1] EXPLICIT OCTET STRING }.
    let nonce = crypto::sha256_concat(&[inputs.auth_data.raw(), inputs.client_data_hash]);
    let ext = cred_cert.extension(APPLE_NONCE).ok_or_else(|| {
        Error::attestation(AttestationError::CertificateRequirements, "apple nonce extension missing")
    })?;
    match ext {
        [0x30, 0x24, 0xa1, 0x22, 0x04, 0x20, value @ ..] if value == nonce => {}
        _ => return Err(Error::attestation(AttestationError::NotThisCeremony, "apple nonce does not match")),
    }
    if !cred_cert.key().matches_cose(inputs.credential_key) {
        return Err(Error::attestation(
            AttestationError::KeyMismatch,
            "apple certificate key is not the credential key",
        ));
    }
    Ok(Statement { kind: AttestationType::AnonCa, chain })
}
