//! The crate's error type.
//!
//! Every failure names the check that failed ([`ErrorKind`]) and belongs to one stable
//! [`Category`], the classification used by the shared ceremony vectors. Errors carry only
//! static context: never input bytes, strings, challenges or keys, so they are safe to log.

use core::fmt;

mod attestation;
mod extension;

pub use attestation::{AttestationError, CertificateError};
pub use extension::ExtensionError;

/// The stable classification of a failure.
///
/// The first thirteen categories are the ones of the WebAuthn ceremony vectors (see
/// [`testkit::vectors`](crate::testkit::vectors) with the `testkit` feature);
/// [`Category::as_str`] returns exactly their spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// Bytes or JSON that do not parse, or flags that contradict the data or each other.
    Malformed,
    /// `clientDataJSON.type` is not the one the ceremony needs.
    Type,
    /// The challenge differs from the issued one, or the ceremony state expired.
    Challenge,
    /// The origin or top origin is not allowed.
    Origin,
    /// The RP ID hash in the authenticator data is not SHA-256 of the RP ID.
    RpId,
    /// The user-present flag is not set.
    UserPresence,
    /// User verification was required but not performed.
    UserVerification,
    /// The signature does not verify.
    Signature,
    /// The signature counter did not increase.
    Counter,
    /// The attestation statement is invalid, unsupported or untrusted.
    Attestation,
    /// The key type or algorithm is unsupported or not allowed.
    Algorithm,
    /// The credential ID or user handle does not match what is expected or stored.
    Credential,
    /// An extension output contradicts what was requested, or was not requested under a
    /// policy that refuses unsolicited outputs.
    Extension,
    /// Caller misuse: a configuration or argument the crate cannot work with.
    Config,
    /// A host store failed; the ceremony failed closed.
    Storage,
}

impl Category {
    /// The category's name as spelled in the ceremony vectors (`"rp_id"`, `"user_presence"`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Type => "type",
            Self::Challenge => "challenge",
            Self::Origin => "origin",
            Self::RpId => "rp_id",
            Self::UserPresence => "user_presence",
            Self::UserVerification => "user_verification",
            Self::Signature => "signature",
            Self::Counter => "counter",
            Self::Attestation => "attestation",
            Self::Algorithm => "algorithm",
            Self::Credential => "credential",
            Self::Extension => "extension",
            Self::Config => "config",
            Self::Storage => "storage",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which piece of untrusted input failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Input {
    /// The `PublicKeyCredential` JSON as a whole.
    CredentialJson,
    /// A base64url field of the credential JSON.
    Base64,
    /// `response.clientDataJSON`.
    ClientData,
    /// `authenticatorData` (or the `authData` of an attestation object).
    AuthenticatorData,
    /// The CBOR attestation object.
    AttestationObject,
    /// A COSE_Key.
    CoseKey,
    /// A signature's encoding (for example an ECDSA DER structure).
    Signature,
    /// An X.509 certificate or another attestation structure.
    Certificate,
    /// A list of passkey provider names the host supplied.
    ProviderNames,
}

impl Input {
    const fn as_str(self) -> &'static str {
        match self {
            Self::CredentialJson => "credential JSON",
            Self::Base64 => "base64url field",
            Self::ClientData => "clientDataJSON",
            Self::AuthenticatorData => "authenticator data",
            Self::AttestationObject => "attestation object",
            Self::CoseKey => "COSE key",
            Self::Signature => "signature encoding",
            Self::Certificate => "certificate",
            Self::ProviderNames => "passkey provider list",
        }
    }
}

/// The check that failed, in the vocabulary of WebAuthn Level 3 §7.1 / §7.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Untrusted input did not parse ([`Category::Malformed`]).
    Malformed(Input),
    /// The ceremony state expired before the response arrived.
    CeremonyExpired,
    /// `clientDataJSON.type` is wrong for the ceremony.
    ClientDataType,
    /// `clientDataJSON.challenge` is not the issued challenge.
    Challenge,
    /// `clientDataJSON.origin` is not a configured origin.
    Origin,
    /// `crossOrigin` / `topOrigin` present and not allowed by the relying party.
    TopOrigin,
    /// rpIdHash is not SHA-256 of the RP ID.
    RpIdHash,
    /// The UP flag is not set.
    UserPresence,
    /// User verification required but the UV flag is not set.
    UserVerification,
    /// The BE flag differs from the one recorded at registration.
    BackupEligibility,
    /// The credential is not in the ceremony's `allowCredentials`.
    CredentialNotAllowed,
    /// `id`, `rawId` and the attested credential ID disagree, or the stored credential is another one.
    CredentialId,
    /// The user handle does not belong to the credential's owner.
    UserHandle,
    /// The key's algorithm is not among the ceremony's allowed algorithms.
    AlgorithmNotAllowed,
    /// The key type, curve or algorithm is unsupported, inconsistent or too weak.
    UnsupportedKey,
    /// The attestation statement is invalid, unsupported or untrusted, for the reason given.
    Attestation(AttestationError),
    /// The signature does not verify.
    Signature,
    /// The signature counter did not increase.
    Counter,
    /// The extension outputs were refused, for the reason given.
    Extension(ExtensionError),
    /// A configuration value the crate cannot use (for example an empty origin list).
    Config,
    /// No pending ceremony state under this ID (unknown, already finished, or another kind).
    StateNotFound,
    /// No stored credential with this ID (unknown or revoked).
    CredentialNotFound,
    /// The credential ID is registered already.
    CredentialExists,
    /// A concurrent sign-in updated the counter first.
    CounterConflict,
}

impl ErrorKind {
    /// The stable category of this check.
    #[must_use]
    pub const fn category(self) -> Category {
        match self {
            Self::Malformed(_) => Category::Malformed,
            Self::CeremonyExpired | Self::Challenge | Self::StateNotFound => Category::Challenge,
            Self::ClientDataType => Category::Type,
            Self::Origin | Self::TopOrigin => Category::Origin,
            Self::RpIdHash => Category::RpId,
            Self::UserPresence => Category::UserPresence,
            Self::UserVerification => Category::UserVerification,
            Self::BackupEligibility
            | Self::CredentialNotAllowed
            | Self::CredentialId
            | Self::UserHandle
            | Self::CredentialNotFound
            | Self::CredentialExists => Category::Credential,
            Self::AlgorithmNotAllowed | Self::UnsupportedKey => Category::Algorithm,
            Self::Attestation(_) => Category::Attestation,
            Self::Signature => Category::Signature,
            Self::Counter | Self::CounterConflict => Category::Counter,
            Self::Extension(_) => Category::Extension,
            Self::Config => Category::Config,
        }
    }

    const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::CeremonyExpired => "ceremony state expired",
            Self::ClientDataType => "clientDataJSON type mismatch",
            Self::Challenge => "challenge mismatch",
            Self::Origin => "origin not allowed",
            Self::TopOrigin => "cross-origin embedding not allowed",
            Self::RpIdHash => "rpIdHash mismatch",
            Self::UserPresence => "user presence flag not set",
            Self::UserVerification => "user verification required but not performed",
            Self::BackupEligibility => "backup eligibility changed since registration",
            Self::CredentialNotAllowed => "credential not in allowCredentials",
            Self::CredentialId => "credential ID mismatch",
            Self::UserHandle => "user handle does not match the credential's owner",
            Self::AlgorithmNotAllowed => "algorithm not allowed for this ceremony",
            Self::UnsupportedKey => "unsupported or invalid public key",
            Self::Attestation(reason) => reason.as_str(),
            Self::Signature => "signature verification failed",
            Self::Counter => "signature counter did not increase",
            Self::Extension(reason) => reason.as_str(),
            Self::Config => "invalid configuration",
            Self::StateNotFound => "no such pending ceremony",
            Self::CredentialNotFound => "unknown credential",
            Self::CredentialExists => "credential already registered",
            Self::CounterConflict => "concurrent sign-in updated the counter first",
        }
    }
}

/// A verification failure: the check that failed plus static context.
///
/// `Display` and `Debug` never contain input data, challenges or keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    context: &'static str,
}

impl Error {
    #[cold]
    pub(crate) const fn new(kind: ErrorKind, context: &'static str) -> Self {
        Self { kind, context }
    }

    #[cold]
    pub(crate) const fn malformed(input: Input, context: &'static str) -> Self {
        Self::new(ErrorKind::Malformed(input), context)
    }

    #[cold]
    pub(crate) const fn attestation(reason: AttestationError, context: &'static str) -> Self {
        Self::new(ErrorKind::Attestation(reason), context)
    }

    #[cold]
    pub(crate) const fn certificate(reason: CertificateError, context: &'static str) -> Self {
        Self::new(ErrorKind::Attestation(AttestationError::Certificate(reason)), context)
    }

    #[cold]
    pub(crate) const fn extension(reason: ExtensionError, extension: &'static str) -> Self {
        Self::new(ErrorKind::Extension(reason), extension)
    }

    /// The attestation reason, when the attestation check failed.
    #[must_use]
    pub const fn attestation_reason(&self) -> Option<AttestationError> {
        match self.kind {
            ErrorKind::Attestation(reason) => Some(reason),
            _ => None,
        }
    }

    /// The check that failed.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable category of the failure.
    #[must_use]
    pub const fn category(&self) -> Category {
        self.kind.category()
    }

    /// Static detail about the failure (never input data).
    #[must_use]
    pub const fn context(&self) -> &'static str {
        self.context
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("kind", &self.kind).field("context", &self.context).finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Malformed(input) => write!(f, "malformed {}", input.as_str())?,
            kind => f.write_str(kind.as_str())?,
        }
        if !self.context.is_empty() {
            write!(f, ": {}", self.context)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
