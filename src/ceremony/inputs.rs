//! The inputs of [`Ceremonies`](super::Ceremonies): only what the layer does not fill in
//! itself, with optional inputs named.

use crate::attestation::AttestationFormat;
use crate::challenge::{Mediation, UserVerification};
use crate::extensions::{AuthenticationExtensions, RegistrationExtensions};
use crate::options::{AttestationConveyance, AuthenticatorAttachment, Hint, ResidentKey};

/// The relying party's choices for a registration through
/// [`Ceremonies::start_registration`](super::Ceremonies::start_registration).
/// `excludeCredentials` is not among them: the layer fills it from the user's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RegistrationChoices {
    /// `userVerification` (default: preferred).
    pub user_verification: UserVerification,
    /// `residentKey` (default: preferred).
    pub resident_key: ResidentKey,
    /// `authenticatorAttachment` (default: none, any authenticator).
    pub attachment: Option<AuthenticatorAttachment>,
    /// `attestation` (default: none).
    pub attestation: AttestationConveyance,
    /// `attestationFormats`, most preferred first (default: none).
    pub attestation_formats: Vec<AttestationFormat>,
    /// `hints` (default: none).
    pub hints: Vec<Hint>,
    /// The extensions to request (default: `credProps`; its answer is stored as
    /// [`CredentialRecord::discoverable`](crate::CredentialRecord::discoverable)).
    pub extensions: RegistrationExtensions,
    /// [`Mediation::Conditional`] for a conditional create after a password sign-in (the
    /// response may then lack UP). Default: modal.
    pub mediation: Mediation,
}

/// The relying party's choices for a sign-in through
/// [`Ceremonies::start_authentication`](super::Ceremonies::start_authentication). The user
/// and `allowCredentials` are not among them: they follow from the [`SignInTarget`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SignInChoices {
    /// `userVerification` (default: preferred).
    pub user_verification: UserVerification,
    /// `hints` (default: none).
    pub hints: Vec<Hint>,
    /// The extensions to request (default: none).
    pub extensions: AuthenticationExtensions,
    /// [`Mediation::Conditional`] for passkey autofill (only with
    /// [`SignInTarget::Discoverable`]). Default: modal.
    pub mediation: Mediation,
}

impl SignInChoices {
    /// Choices for a sign-in offered through autofill (`mediation: "conditional"`).
    #[must_use]
    pub fn autofill() -> Self {
        Self { mediation: Mediation::Conditional, ..Self::default() }
    }
}

impl RegistrationChoices {
    /// Choices for a conditional create (an automatic passkey upgrade after a password
    /// sign-in).
    #[must_use]
    pub fn conditional_create() -> Self {
        Self { mediation: Mediation::Conditional, ..Self::default() }
    }
}

/// Whom a sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInTarget<'a> {
    /// A user identified before the ceremony (by username): `allowCredentials` lists their
    /// credentials and the assertion must come from one of them. Holds the user handle.
    User(&'a [u8]),
    /// A discoverable (username-less) sign-in: any credential, owned by whoever the
    /// returned user handle names.
    Discoverable,
}

/// What the host adds to a credential it registers through
/// [`Ceremonies::finish_registration`](super::Ceremonies::finish_registration).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RegistrationDetails {
    /// A name the user gives the passkey ("Work laptop").
    pub nickname: Option<String>,
    /// Keep the attestation object and client data with the record
    /// ([`CredentialRecord::attestation`](crate::store::CredentialRecord::attestation)), to
    /// verify the attestation again later. Default: `false` (a few hundred bytes to a few
    /// kilobytes per credential).
    pub keep_attestation: bool,
}

impl RegistrationDetails {
    /// Details naming the passkey `nickname`.
    #[must_use]
    pub fn nickname(nickname: impl Into<String>) -> Self {
        Self { nickname: Some(nickname.into()), keep_attestation: false }
    }

    /// These details, also keeping the attestation with the record.
    #[must_use]
    pub fn keeping_attestation(mut self) -> Self {
        self.keep_attestation = true;
        self
    }
}
