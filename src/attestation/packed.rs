//! The `packed` attestation statement format (§8.2): self attestation or an attestation
//! certificate chain (`x5c`).

use super::stmt::AttStmt;
use super::{AttestationType, Inputs, Statement};
use crate::cert::{parse_x5c, Cert};
use crate::cose::CoseAlgorithm;
use crate::crypto;
use crate::crypto::spki::Scheme;
use crate::error::AttestationError;
use crate::error::{Error, ErrorKind, Result};

/// id-fido-gen-ce-aaguid.
pub(super) const FIDO_GEN_CE_AAGUID: &str = "1.3.6.1.4.1.45724.1.1.4";

/// Maps a signature failure of a statement to the `attestation` category.
pub(super) fn as_attestation(e: Error, context: &'static str) -> Error {
    if e.kind() == ErrorKind::Signature {
        Error::attestation(AttestationError::BadSignature, context)
    } else {
        e
    }
}

pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    let stmt = AttStmt::parse(inputs.att_stmt, &["alg", "sig", "x5c"])?;
    let alg_id = stmt.int("alg")?;
    let sig = stmt.bytes("sig")?;
    let signed: [&[u8]; 2] = [inputs.auth_data.raw(), inputs.client_data_hash];
    let Some(x5c) = stmt.x5c()? else {
        // Self attestation: the credential key signs, with its own algorithm.
        let key = inputs.credential_key;
        if alg_id != key.alg().id() {
            return Err(Error::attestation(
                AttestationError::UnsupportedAlgorithm,
                "self attestation alg differs from the credential key's",
            ));
        }
        crypto::verify(key, &signed, sig, inputs.allow_sha1())
            .map_err(|e| as_attestation(e, "self attestation signature does not verify"))?;
        return Ok(Statement::without_chain(AttestationType::SelfAttestation));
    };
    let chain = parse_x5c(&x5c)?;
    let leaf = chain.first().ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "empty x5c"))?;
    let alg = CoseAlgorithm::from_id(alg_id)
        .ok_or_else(|| Error::new(ErrorKind::AlgorithmNotAllowed, "attestation alg unsupported"))?;
    leaf.key()
        .verify(Scheme::from_cose(alg), &signed.concat(), sig, inputs.allow_sha1())
        .map_err(|e| as_attestation(e, "packed attestation signature does not verify"))?;
    check_leaf(leaf, inputs)?;
    Ok(Statement { kind: AttestationType::Basic, chain })
}

/// §8.2.1: packed attestation certificate requirements.
fn check_leaf(leaf: &Cert<'_>, inputs: &Inputs<'_, '_>) -> Result<()> {
    if leaf.version() != 3 {
        return Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "attestation certificate is not X.509 v3",
        ));
    }
    let subject = leaf.subject();
    let attr = |oid: &str| crate::cert::name_attribute(subject, oid);
    let country_ok = attr("2.5.4.6").is_some_and(|c| c.len() == 2);
    let org_ok = attr("2.5.4.10").is_some_and(|o| !o.is_empty());
    let ou_ok = attr("2.5.4.11").is_some_and(|ou| ou == "Authenticator Attestation");
    let cn_ok = attr("2.5.4.3").is_some_and(|cn| !cn.is_empty());
    if !(country_ok && org_ok && ou_ok && cn_ok) {
        return Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "attestation certificate subject does not meet §8.2.1",
        ));
    }
    if leaf.basic_constraints()?.is_some_and(|(ca, _)| ca) {
        return Err(Error::attestation(AttestationError::CertificateRequirements, "attestation certificate is a CA"));
    }
    check_aaguid_extension(leaf, inputs)
}

/// When the certificate carries id-fido-gen-ce-aaguid, it must name the authenticator data's
/// AAGUID (and must not be critical).
pub(super) fn check_aaguid_extension(cert: &Cert<'_>, inputs: &Inputs<'_, '_>) -> Result<()> {
    let Some((critical, value)) = cert.extension_with_criticality(FIDO_GEN_CE_AAGUID) else {
        return Ok(());
    };
    if critical {
        return Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "id-fido-gen-ce-aaguid must not be critical",
        ));
    }
    let aaguid = inputs.auth_data.attested_credential_data().map(|a| a.aaguid()).unwrap_or_default();
    // The extension value is an OCTET STRING holding the 16 AAGUID bytes.
    match value {
        [0x04, 0x10, rest @ ..] if rest == aaguid => Ok(()),
        _ => Err(Error::attestation(
            AttestationError::CertificateRequirements,
            "id-fido-gen-ce-aaguid does not match the AAGUID",
        )),
    }
}
