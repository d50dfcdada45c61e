//! Issuing ceremonies: `PublicKeyCredentialCreationOptionsJSON` and
//! `PublicKeyCredentialRequestOptionsJSON` (WebAuthn Level 3 §5.1.9, §5.1.10) plus the
//! server-side state that verification checks responses against.
//!
//! The JSON is what `PublicKeyCredential.parseCreationOptionsFromJSON()` and
//! `parseRequestOptionsFromJSON()` accept. The RNG and the current time are arguments.

mod json;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

pub use json::{CreationOptionsJson, RequestOptionsJson};
use json::{DescriptorJson, ParamJson, RpJson, SelectionJson, UserJson};

use crate::attestation::AttestationFormat;
use crate::challenge::check_user_handle;
use crate::challenge::{AuthenticationState, Challenge, Mediation, RegistrationState, UnixTime, UserVerification};
use crate::encoding::b64;
use crate::error::Result;
use crate::extensions::{AuthenticationExtensions, RegistrationExtensions};
use crate::rp::RelyingParty;

/// The account a credential is created for.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The user handle: an opaque, random identifier of 1 to 64 bytes (never an email or a
    /// phone number: authenticators store and return it).
    pub id: Vec<u8>,
    /// A human-palatable account identifier, shown by the authenticator.
    pub name: String,
    /// A display name, shown by the authenticator.
    pub display_name: String,
}

impl core::fmt::Debug for User {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("User(<redacted>)")
    }
}

/// A credential reference in `excludeCredentials` / `allowCredentials`. `Debug` shows the
/// ID's length only.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialDescriptor {
    /// The credential ID.
    pub id: Vec<u8>,
    /// Transports hinted for this credential (as reported at registration).
    pub transports: Vec<String>,
}

impl core::fmt::Debug for CredentialDescriptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CredentialDescriptor")
            .field("id_len", &self.id.len())
            .field("transports", &self.transports)
            .finish()
    }
}

/// `residentKey` (§5.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResidentKey {
    /// A discoverable credential (passkey) is required.
    Required,
    /// Discoverable if possible (the default: passkeys).
    #[default]
    Preferred,
    /// A server-side credential is preferred.
    Discouraged,
}

/// `attestation` conveyance (§5.4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttestationConveyance {
    /// No attestation wanted (the default; privacy-friendly).
    #[default]
    None,
    /// Attestation wanted, possibly anonymized.
    Indirect,
    /// The authenticator's attestation wanted.
    Direct,
    /// Enterprise attestation (identifies the device).
    Enterprise,
}

/// `authenticatorAttachment` (§5.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthenticatorAttachment {
    /// The device's own authenticator.
    Platform,
    /// A roaming authenticator (security key, phone via hybrid).
    CrossPlatform,
}

/// `hints` (§5.4.8): which kind of authenticator the browser should offer first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hint {
    /// A physical security key.
    SecurityKey,
    /// The device's own authenticator.
    ClientDevice,
    /// A phone or tablet, over hybrid transport (QR code).
    Hybrid,
}

/// Choices for a registration ceremony.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RegistrationOptions {
    /// `userVerification` (default: preferred).
    pub user_verification: UserVerification,
    /// `residentKey` (default: preferred).
    pub resident_key: ResidentKey,
    /// `authenticatorAttachment` (default: none, any authenticator).
    pub attachment: Option<AuthenticatorAttachment>,
    /// `attestation` (default: none).
    pub attestation: AttestationConveyance,
    /// `attestationFormats`: the formats the relying party prefers, most preferred first
    /// (default: none, the authenticator's choice).
    pub attestation_formats: Vec<AttestationFormat>,
    /// The user's existing credentials, so that an authenticator does not register twice.
    pub exclude_credentials: Vec<CredentialDescriptor>,
    /// `hints` (default: none).
    pub hints: Vec<Hint>,
    /// The extensions to request (default: `credProps`).
    pub extensions: RegistrationExtensions,
    /// [`Mediation::Conditional`] for a conditional create (an automatic passkey upgrade after
    /// a password sign-in): the state records it, and only then may a response without UP
    /// pass. Default: modal.
    pub mediation: Mediation,
}

/// Choices for an authentication ceremony. `Debug` redacts the user handle.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AuthenticationOptions {
    /// `userVerification` (default: preferred).
    pub user_verification: UserVerification,
    /// The user identified before the ceremony (`None`: discoverable, username-less sign-in).
    pub user_handle: Option<Vec<u8>>,
    /// The user's credentials (`allowCredentials`); empty for a discoverable sign-in.
    pub allow_credentials: Vec<CredentialDescriptor>,
    /// `hints` (default: none).
    pub hints: Vec<Hint>,
    /// The extensions to request (default: none).
    pub extensions: AuthenticationExtensions,
    /// [`Mediation::Conditional`] for a sign-in offered through autofill (username-less: no
    /// user handle, no `allowCredentials`). Default: modal.
    pub mediation: Mediation,
}

impl core::fmt::Debug for AuthenticationOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthenticationOptions")
            .field("user_verification", &self.user_verification)
            .field("user_handle", &self.user_handle.as_ref().map(|_| "<redacted>"))
            .field("allow_credentials", &self.allow_credentials)
            .field("hints", &self.hints)
            .field("extensions", &self.extensions)
            .field("mediation", &self.mediation)
            .finish()
    }
}

const PUBLIC_KEY: &str = "public-key";

fn descriptors(list: &[CredentialDescriptor]) -> Vec<DescriptorJson> {
    list.iter()
        .map(|d| DescriptorJson { ty: PUBLIC_KEY.into(), id: b64::encode(&d.id), transports: d.transports.clone() })
        .collect()
}

/// Starts a registration: a fresh 32-byte challenge from `rng`, the options for the browser,
/// and the state to keep server-side (expiring `policy.ceremony_timeout_secs` after `now`).
///
/// ```
/// use passkey_verifier::{start_registration, RegistrationOptions, RelyingParty, UnixTime, User};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let user = User { id: b"opaque-handle".to_vec(), name: "alice".into(), display_name: "Alice".into() };
/// let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// let (options, state) = start_registration(&rp, &user, &RegistrationOptions::default(), &mut rng, UnixTime::now())?;
/// let json = options.to_json(); // for `PublicKeyCredential.parseCreationOptionsFromJSON`
/// # let _ = (json, state);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) when the user handle is not 1 to 64 bytes,
/// or for extension inputs a browser refuses at `create()`.
pub fn start_registration(
    rp: &RelyingParty,
    user: &User,
    options: &RegistrationOptions,
    rng: &mut impl CryptoRng,
    now: UnixTime,
) -> Result<(CreationOptionsJson, RegistrationState)> {
    check_user_handle(&user.id)?;
    let challenge = Challenge::random(rng);
    let timeout = rp.policy().ceremony_timeout_secs;
    let algorithms = rp.policy().algorithms.clone();
    let json = CreationOptionsJson {
        rp: RpJson { id: Some(rp.id().to_owned()), name: rp.name().to_owned() },
        user: UserJson { id: b64::encode(&user.id), name: user.name.clone(), display_name: user.display_name.clone() },
        challenge: challenge.to_base64url(),
        pub_key_cred_params: algorithms.iter().map(|a| ParamJson { ty: PUBLIC_KEY.into(), alg: a.id() }).collect(),
        timeout: Some(timeout.saturating_mul(1000)),
        exclude_credentials: descriptors(&options.exclude_credentials),
        authenticator_selection: Some(SelectionJson {
            authenticator_attachment: options.attachment,
            resident_key: Some(options.resident_key),
            require_resident_key: options.resident_key == ResidentKey::Required,
            user_verification: options.user_verification,
        }),
        hints: options.hints.clone(),
        attestation: options.attestation,
        attestation_formats: options.attestation_formats.iter().map(|f| f.as_str().to_owned()).collect(),
        extensions: Some(options.extensions.clone()).filter(|e| *e != RegistrationExtensions::none()),
        mediation: options.mediation,
    };
    let state = RegistrationState::new(
        challenge,
        user.id.clone(),
        options.user_verification,
        algorithms,
        now.plus_secs(timeout),
    )?
    .with_mediation(options.mediation)
    .with_extensions(&options.extensions)?;
    Ok((json, state))
}

/// Starts a sign-in: a fresh 32-byte challenge, the options for the browser, and the state to
/// keep server-side.
///
/// ```
/// use passkey_verifier::{start_authentication, AuthenticationOptions, RelyingParty, UnixTime};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// // A discoverable sign-in: no user handle, empty `allowCredentials`.
/// let (options, state) = start_authentication(&rp, &AuthenticationOptions::default(), &mut rng, UnixTime::now())?;
/// # let _ = (options, state);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) when a given user handle is not 1 to 64 bytes,
/// for a conditional sign-in with a user or `allowCredentials`, or for extension inputs a
/// browser refuses at `get()`.
pub fn start_authentication(
    rp: &RelyingParty,
    options: &AuthenticationOptions,
    rng: &mut impl CryptoRng,
    now: UnixTime,
) -> Result<(RequestOptionsJson, AuthenticationState)> {
    if let Some(handle) = &options.user_handle {
        check_user_handle(handle)?;
    }
    let challenge = Challenge::random(rng);
    let timeout = rp.policy().ceremony_timeout_secs;
    let json = RequestOptionsJson {
        challenge: challenge.to_base64url(),
        timeout: Some(timeout.saturating_mul(1000)),
        rp_id: Some(rp.id().to_owned()),
        allow_credentials: descriptors(&options.allow_credentials),
        user_verification: options.user_verification,
        hints: options.hints.clone(),
        extensions: Some(options.extensions.clone()).filter(|e| *e != AuthenticationExtensions::default()),
        mediation: options.mediation,
    };
    let state = AuthenticationState::new(
        challenge,
        options.user_handle.clone(),
        options.user_verification,
        options.allow_credentials.iter().map(|d| d.id.clone()).collect(),
        now.plus_secs(timeout),
    )?
    .with_mediation(options.mediation)?
    .with_extensions(&options.extensions)?;
    Ok((json, state))
}
