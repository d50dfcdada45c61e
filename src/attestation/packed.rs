//! The `packed` attestation statement format (§8.2), self attestation.

use super::{AttestationType, Inputs};
use crate::crypto;
use crate::error::{Error, ErrorKind, Result};

/// Verifies `{alg, sig}` (self attestation). A statement with `x5c` or `ecdaaKeyId` is refused
/// until certificate-chain verification is available.
pub(super) fn verify(inputs: &Inputs<'_, '_>) -> Result<AttestationType> {
    let (mut alg, mut sig, mut x5c) = (None, None, false);
    for entry in inputs.att_stmt.entries() {
        let (key, value) = entry.map_err(|_| Error::attestation("attStmt is not valid CBOR"))?;
        let duplicate = match key.as_text() {
            Some("alg") => alg
                .replace(
                    value
                        .as_i64()
                        .ok_or_else(|| Error::attestation("alg is not an integer"))?,
                )
                .is_some(),
            Some("sig") => sig
                .replace(
                    value
                        .as_bytes()
                        .ok_or_else(|| Error::attestation("sig is not a byte string"))?,
                )
                .is_some(),
            Some("x5c") => core::mem::replace(&mut x5c, true),
            Some("ecdaaKeyId") => {
                return Err(Error::attestation("ECDAA attestation is not supported"))
            }
            _ => false,
        };
        if duplicate {
            return Err(Error::attestation("duplicate attStmt member"));
        }
    }
    let alg = alg.ok_or_else(|| Error::attestation("attStmt without alg"))?;
    let sig = sig.ok_or_else(|| Error::attestation("attStmt without sig"))?;
    if x5c {
        return Err(Error::attestation(
            "packed attestation with x5c not supported yet",
        ));
    }
    let key = inputs.credential_key;
    if alg != key.alg().id() {
        return Err(Error::attestation(
            "self attestation alg differs from the credential key's",
        ));
    }
    let allow_sha1 = inputs.rp.policy().dangerous.allow_sha1;
    crypto::verify(
        key,
        &[inputs.auth_data.raw(), inputs.client_data_hash],
        sig,
        allow_sha1,
    )
    .map_err(|e| {
        if e.kind() == ErrorKind::Signature {
            Error::attestation("self attestation signature does not verify")
        } else {
            e
        }
    })?;
    Ok(AttestationType::SelfAttestation)
}
