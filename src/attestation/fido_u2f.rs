//! The `fido-u2f` attestation statement format (§8.6).

use super::packed::as_attestation;
use super::stmt::AttStmt;
use super::{AttestationType, Inputs, Statement};
use crate::cert::parse_x5c;
use crate::cose::{Curve, KeyParams};
use crate::crypto::spki::{Hash, Scheme, SpkiKey};
use crate::error::AttestationError;
use crate::error::{Error, Result};

pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    let stmt = AttStmt::parse(inputs.att_stmt, &["x5c", "sig"])?;
    let sig = stmt.bytes("sig")?;
    let x5c = stmt
        .x5c()?
        .ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "fido-u2f statement without x5c"))?;
    if x5c.len() != 1 {
        return Err(Error::attestation(
            AttestationError::MalformedStatement,
            "fido-u2f x5c must hold exactly one certificate",
        ));
    }
    let chain = parse_x5c(&x5c)?;
    let cert = chain.first().ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "empty x5c"))?;
    if !matches!(cert.key(), SpkiKey::Ec(Curve::P256, _)) {
        return Err(Error::attestation(
            AttestationError::UnsupportedAlgorithm,
            "fido-u2f attestation key is not P-256",
        ));
    }
    let KeyParams::Ec2 { curve: Curve::P256, x, y } = *inputs.credential_key.params() else {
        return Err(Error::attestation(AttestationError::UnsupportedAlgorithm, "fido-u2f credential key is not P-256"));
    };
    let attested = inputs
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| Error::attestation(AttestationError::NoAttestedCredentialData, "no attested credential data"))?;
    // verificationData = 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F
    let verification_data =
        [&[0x00][..], inputs.auth_data.rp_id_hash(), inputs.client_data_hash, attested.credential_id(), &[0x04], x, y]
            .concat();
    cert.key()
        .verify(Scheme::Ecdsa(Hash::Sha256), &verification_data, sig, false)
        .map_err(|e| as_attestation(e, "fido-u2f signature does not verify"))?;
    Ok(Statement { kind: AttestationType::Basic, chain })
}
