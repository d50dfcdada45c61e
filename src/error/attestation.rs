//! Why an attestation statement or a certificate was refused: matchable reasons inside
//! [`ErrorKind::Attestation`](super::ErrorKind::Attestation), all in the `attestation`
//! category.

use core::fmt;

/// Why an attestation statement was refused (§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttestationError {
    /// The `fmt` is not a format the crate verifies.
    UnknownFormat,
    /// `attStmt` (or a structure inside it: `x5c`, a TPM structure, a JWS, a key description,
    /// a compound member) does not have the format's shape.
    MalformedStatement,
    /// The statement's algorithm or key type is unsupported, or does not fit the key.
    UnsupportedAlgorithm,
    /// The statement's own signature does not verify.
    BadSignature,
    /// What the statement commits to (nonce, challenge, `extraData`, certified name) is not
    /// this ceremony's authenticator data and client data hash.
    NotThisCeremony,
    /// The attested key is not the credential public key.
    KeyMismatch,
    /// The attestation certificate does not meet the format's requirements (version, subject,
    /// CA flag, extensions, TPM vendor, the AAGUID extension).
    CertificateRequirements,
    /// The authenticator reports properties the format refuses (Android key origin and
    /// purpose, SafetyNet integrity verdicts).
    AuthenticatorProperties,
    /// The statement is too old or from the future (SafetyNet `timestampMs`).
    Stale,
    /// A certificate of the chain was refused.
    Certificate(CertificateError),
    /// The chain does not lead to a configured trust anchor, or the policy requires trust
    /// and none was established.
    NotTrusted,
    /// The authenticator's FIDO metadata entry reports it compromised or revoked.
    MetadataRefused,
    /// A FIDO metadata BLOB is unsigned, badly signed or signed under an unsupported
    /// algorithm.
    MetadataBlob,
    /// Registration authenticator data carries no attested credential data.
    NoAttestedCredentialData,
}

/// Why a certificate of a chain was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateError {
    /// `now` is after `notAfter`.
    Expired,
    /// `now` is before `notBefore`.
    NotYetValid,
    /// The issuer's signature on the certificate does not verify.
    BadSignature,
    /// The certificate is signed with an algorithm the crate does not verify.
    UnsupportedAlgorithm,
    /// An issuer inside the chain is not a CA.
    IssuerNotCa,
    /// An issuer's path length constraint is exceeded.
    PathLengthExceeded,
    /// The chain's certificates are not each issued by the next.
    ChainOutOfOrder,
    /// The chain is empty or longer than the limit.
    ChainLength,
}

impl AttestationError {
    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Self::UnknownFormat => "unknown attestation format",
            Self::MalformedStatement => "malformed attestation statement",
            Self::UnsupportedAlgorithm => "unsupported attestation algorithm",
            Self::BadSignature => "attestation signature does not verify",
            Self::NotThisCeremony => "attestation does not commit to this ceremony",
            Self::KeyMismatch => "attested key is not the credential key",
            Self::CertificateRequirements => "attestation certificate requirements not met",
            Self::AuthenticatorProperties => "authenticator properties refused",
            Self::Stale => "attestation too old or from the future",
            Self::Certificate(e) => e.as_str(),
            Self::NotTrusted => "attestation not trusted",
            Self::MetadataRefused => "authenticator refused by FIDO metadata",
            Self::MetadataBlob => "FIDO metadata BLOB refused",
            Self::NoAttestedCredentialData => "no attested credential data",
        }
    }
}

impl CertificateError {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "certificate expired",
            Self::NotYetValid => "certificate not yet valid",
            Self::BadSignature => "certificate signature does not verify",
            Self::UnsupportedAlgorithm => "unsupported certificate signature algorithm",
            Self::IssuerNotCa => "certificate issuer is not a CA",
            Self::PathLengthExceeded => "certificate path length exceeded",
            Self::ChainOutOfOrder => "certificate chain out of order",
            Self::ChainLength => "certificate chain empty or too long",
        }
    }
}

impl fmt::Display for AttestationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
