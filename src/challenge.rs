//! Time, challenges and the server-side state of a ceremony in progress.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::cose::CoseAlgorithm;
use crate::crypto;
use crate::encoding::b64;
use crate::error::{Error, ErrorKind, Result};
use crate::extensions::{AuthenticationExtensions, RegistrationExtensions, Requested};

/// A point in time, in whole seconds since the Unix epoch. The crate never reads a clock:
/// callers pass `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The time `secs` seconds after the epoch.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// This time plus `secs`, saturating.
    #[must_use]
    pub const fn plus_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// The current system time; for hosts (the crate itself never calls it).
    #[must_use]
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self(secs)
    }
}

/// The longest user handle WebAuthn allows (64 bytes).
pub const MAX_USER_HANDLE_LEN: usize = 64;

/// A user handle is 1 to 64 bytes (§5.4.3).
pub(crate) fn check_user_handle(handle: &[u8]) -> Result<()> {
    if handle.is_empty() || handle.len() > MAX_USER_HANDLE_LEN {
        return Err(Error::new(ErrorKind::Config, "user handle must be 1 to 64 bytes"));
    }
    Ok(())
}

/// The number of random bytes in an issued challenge.
pub const CHALLENGE_LEN: usize = 32;
/// The shortest challenge accepted from a host: WebAuthn §13.4.3 requires challenges of at
/// least 16 random bytes; the crate issues [`CHALLENGE_LEN`].
pub const MIN_CHALLENGE_LEN: usize = 16;
/// The longest challenge accepted from a host.
pub const MAX_CHALLENGE_LEN: usize = 1024;

/// A ceremony challenge. Compared in constant time; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Challenge(Vec<u8>);

impl Challenge {
    /// Draws a fresh challenge of [`CHALLENGE_LEN`] bytes from `rng`.
    pub fn random(rng: &mut impl CryptoRng) -> Self {
        let mut bytes = vec![0u8; CHALLENGE_LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A challenge derived from a 32-byte digest (for example one that commits to a recovery
    /// token).
    #[must_use]
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(digest.to_vec())
    }

    /// Wraps challenge bytes a host issued itself (they should be at least 16 random bytes).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Challenge`] when shorter than [`MIN_CHALLENGE_LEN`] (16 bytes, §13.4.3);
    /// [`ErrorKind::Config`] when longer than 1024 bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.len() < MIN_CHALLENGE_LEN {
            return Err(Error::new(ErrorKind::Challenge, "challenge shorter than 16 bytes"));
        }
        if bytes.len() > MAX_CHALLENGE_LEN {
            return Err(Error::new(ErrorKind::Config, "challenge longer than 1024 bytes"));
        }
        Ok(Self(bytes))
    }

    /// The challenge bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The challenge as unpadded base64url, as options and `clientDataJSON` carry it.
    #[must_use]
    pub fn to_base64url(&self) -> String {
        b64::encode(&self.0)
    }

    /// Whether `text` (a `clientDataJSON.challenge`) encodes this challenge; constant time in
    /// the challenge bytes.
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        // Issued challenges are 32 bytes: decode those into a small buffer.
        let mut small = [0u8; 64];
        let mut large;
        let buf: &mut [u8] = if b64::decoded_len_bound(text) <= small.len() {
            &mut small
        } else {
            large = [0u8; MAX_CHALLENGE_LEN + 3];
            &mut large
        };
        match b64::decode_slice(text, buf) {
            Ok(n) => crypto::ct_eq(buf.get(..n).unwrap_or_default(), &self.0),
            Err(_) => false,
        }
    }
}

impl TryFrom<String> for Challenge {
    type Error = Error;

    fn try_from(text: String) -> Result<Self> {
        Self::from_bytes(b64::decode(&text).map_err(|_| Error::new(ErrorKind::Config, "challenge is not base64url"))?)
    }
}

impl From<Challenge> for String {
    fn from(c: Challenge) -> Self {
        c.to_base64url()
    }
}

impl core::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Challenge(<redacted>)")
    }
}

/// The relying party's requirement for user verification (`userVerification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserVerification {
    /// The UV flag must be set.
    Required,
    /// Verification is requested but not enforced.
    #[default]
    Preferred,
    /// Verification is not requested.
    Discouraged,
}

/// How the browser mediates a ceremony, as far as verification cares (`mediation` of
/// `navigator.credentials.create()` / `get()`; the other values are client-side only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mediation {
    /// An ordinary ceremony with the browser's dialog (`optional` or `required`).
    #[default]
    Modal,
    /// `conditional`: a registration the browser makes on its own after a password sign-in
    /// (conditional create, where the response may lack UP), or a sign-in offered through
    /// autofill (conditional get, username-less).
    Conditional,
}

/// The server-side state of a registration in progress: what [`crate::verify_registration`]
/// checks the response against. Single-use and expiring.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationState {
    pub(crate) challenge: Challenge,
    pub(crate) user_handle: Vec<u8>,
    pub(crate) user_verification: UserVerification,
    pub(crate) algorithms: Vec<CoseAlgorithm>,
    pub(crate) expires_at: UnixTime,
    #[serde(default)]
    pub(crate) mediation: Mediation,
    #[serde(default)]
    pub(crate) extensions: Requested,
}

impl RegistrationState {
    /// State for a challenge the host issued itself (for example in a multi-server setup).
    /// `algorithms` are the `pubKeyCredParams` the options offered. The bounds are those of
    /// [`start_registration`](crate::start_registration).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when the user handle is not 1 to 64 bytes or no algorithm is
    /// offered.
    pub fn new(
        challenge: Challenge,
        user_handle: impl Into<Vec<u8>>,
        user_verification: UserVerification,
        algorithms: Vec<CoseAlgorithm>,
        expires_at: UnixTime,
    ) -> Result<Self> {
        let user_handle = user_handle.into();
        check_user_handle(&user_handle)?;
        if algorithms.is_empty() {
            return Err(Error::new(ErrorKind::Config, "no algorithm offered"));
        }
        Ok(Self {
            challenge,
            user_handle,
            user_verification,
            algorithms,
            expires_at,
            mediation: Mediation::Modal,
            extensions: Requested::default(),
        })
    }

    /// This state, for a registration started with `mediation` (a conditional create lets a
    /// response without UP pass).
    #[must_use]
    pub const fn with_mediation(mut self, mediation: Mediation) -> Self {
        self.mediation = mediation;
        self
    }

    /// This state, recording the extensions the options requested (their outputs are checked
    /// against them).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] for inputs a browser refuses at `create()` (`evalByCredential`,
    /// a `largeBlob` read or write).
    pub fn with_extensions(mut self, extensions: &RegistrationExtensions) -> Result<Self> {
        extensions.check()?;
        self.extensions = Requested::registration(extensions);
        Ok(self)
    }

    /// How the registration was mediated.
    #[must_use]
    pub const fn mediation(&self) -> Mediation {
        self.mediation
    }

    /// The user handle the credential is being created for.
    #[must_use]
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }

    /// When the state stops being valid.
    #[must_use]
    pub const fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// The user verification requirement.
    #[must_use]
    pub const fn user_verification(&self) -> UserVerification {
        self.user_verification
    }

    /// The challenge.
    #[must_use]
    pub const fn challenge(&self) -> &Challenge {
        &self.challenge
    }
}

impl core::fmt::Debug for RegistrationState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegistrationState")
            .field("challenge", &self.challenge)
            .field("user_handle", &"<redacted>")
            .field("user_verification", &self.user_verification)
            .field("algorithms", &self.algorithms)
            .field("expires_at", &self.expires_at)
            .field("mediation", &self.mediation)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// The server-side state of a sign-in in progress. Single-use and expiring.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationState {
    pub(crate) challenge: Challenge,
    pub(crate) user_handle: Option<Vec<u8>>,
    pub(crate) user_verification: UserVerification,
    pub(crate) allow_credentials: Vec<Vec<u8>>,
    pub(crate) expires_at: UnixTime,
    #[serde(default)]
    pub(crate) mediation: Mediation,
    #[serde(default)]
    pub(crate) extensions: Requested,
}

impl AuthenticationState {
    /// State for a challenge the host issued itself. `user_handle` is the user identified
    /// before the ceremony (`None` for a discoverable, username-less sign-in);
    /// `allow_credentials` the credential IDs offered (empty: any of the user's). The bounds
    /// are those of [`start_authentication`](crate::start_authentication).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when the user handle is not 1 to 64 bytes or a credential ID is
    /// not 1 to 1023 bytes.
    pub fn new(
        challenge: Challenge,
        user_handle: Option<Vec<u8>>,
        user_verification: UserVerification,
        allow_credentials: Vec<Vec<u8>>,
        expires_at: UnixTime,
    ) -> Result<Self> {
        if let Some(handle) = &user_handle {
            check_user_handle(handle)?;
        }
        if allow_credentials.iter().any(|id| id.is_empty() || id.len() > crate::wire::auth_data::MAX_CREDENTIAL_ID_LEN)
        {
            return Err(Error::new(ErrorKind::Config, "credential ID must be 1 to 1023 bytes"));
        }
        Ok(Self {
            challenge,
            user_handle,
            user_verification,
            allow_credentials,
            expires_at,
            mediation: Mediation::Modal,
            extensions: Requested::default(),
        })
    }

    /// This state, for a sign-in started with `mediation`. A conditional (autofill) sign-in
    /// is username-less: no user handle and no `allowCredentials`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] for a conditional sign-in with a user or `allowCredentials`.
    pub fn with_mediation(mut self, mediation: Mediation) -> Result<Self> {
        if mediation == Mediation::Conditional && (self.user_handle.is_some() || !self.allow_credentials.is_empty()) {
            return Err(Error::new(ErrorKind::Config, "a conditional sign-in is username-less"));
        }
        self.mediation = mediation;
        Ok(self)
    }

    /// This state, recording the extensions the options requested.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] for inputs a browser refuses at `get()` (`largeBlob` with
    /// `support` or with both `read` and `write`; `evalByCredential` naming a credential that
    /// is not in `allowCredentials`).
    pub fn with_extensions(mut self, extensions: &AuthenticationExtensions) -> Result<Self> {
        extensions.check(&self.allow_credentials)?;
        self.extensions = Requested::authentication(extensions);
        Ok(self)
    }

    /// How the sign-in was mediated.
    #[must_use]
    pub const fn mediation(&self) -> Mediation {
        self.mediation
    }

    /// The user identified before the ceremony, if any.
    #[must_use]
    pub fn user_handle(&self) -> Option<&[u8]> {
        self.user_handle.as_deref()
    }

    /// When the state stops being valid.
    #[must_use]
    pub const fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// The user verification requirement.
    #[must_use]
    pub const fn user_verification(&self) -> UserVerification {
        self.user_verification
    }

    /// The challenge.
    #[must_use]
    pub const fn challenge(&self) -> &Challenge {
        &self.challenge
    }
}

impl core::fmt::Debug for AuthenticationState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthenticationState")
            .field("challenge", &self.challenge)
            .field("discoverable", &self.user_handle.is_none())
            .field("user_verification", &self.user_verification)
            .field("allow_credentials", &self.allow_credentials.len())
            .field("expires_at", &self.expires_at)
            .field("mediation", &self.mediation)
            .field("extensions", &self.extensions)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    /// The constructors for host-issued state apply the bounds of the `start_*` functions.
    #[test]
    fn state_constructors_apply_the_start_bounds() {
        let challenge = || Challenge::from_bytes(vec![3; 32]).unwrap();
        let at = UnixTime::from_secs(10);
        let config = |r: Result<()>| r.unwrap_err().kind() == ErrorKind::Config;
        let registration = |handle: Vec<u8>, algs: Vec<CoseAlgorithm>| {
            RegistrationState::new(challenge(), handle, UserVerification::Preferred, algs, at).map(|_| ())
        };
        assert!(registration(vec![1], CoseAlgorithm::DEFAULT.to_vec()).is_ok());
        assert!(config(registration(vec![], CoseAlgorithm::DEFAULT.to_vec())));
        assert!(config(registration(vec![1; 65], CoseAlgorithm::DEFAULT.to_vec())));
        assert!(config(registration(vec![1], vec![])));
        let authentication = |handle: Option<Vec<u8>>, ids: Vec<Vec<u8>>| {
            AuthenticationState::new(challenge(), handle, UserVerification::Preferred, ids, at).map(|_| ())
        };
        assert!(authentication(None, vec![vec![1; 1023]]).is_ok());
        assert!(config(authentication(Some(vec![]), vec![])));
        assert!(config(authentication(Some(vec![1; 65]), vec![])));
        assert!(config(authentication(None, vec![vec![]])));
        assert!(config(authentication(None, vec![vec![1; 1024]])));
    }

    use super::*;

    #[test]
    fn challenge_debug_is_redacted_and_matching_decodes() {
        let c = Challenge::from_bytes(vec![0xab; 16]).unwrap();
        assert_eq!(format!("{c:?}"), "Challenge(<redacted>)");
        assert!(c.matches(&c.to_base64url()));
        assert!(c.matches("q6urq6urq6urq6urq6urqw"));
        assert!(!c.matches("q6urq6urq6urq6urq6urqA"));
        assert!(!c.matches("not base64!"));
        for short in [0, 1, 15] {
            let err = Challenge::from_bytes(vec![1; short]).unwrap_err();
            assert_eq!(err.category(), crate::Category::Challenge, "{short} bytes");
        }
        assert!(Challenge::from_bytes(vec![1; 16]).is_ok());
        assert_eq!(Challenge::from_bytes(vec![1; 1025]).unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn state_round_trips_through_serde() {
        let s = AuthenticationState::new(
            Challenge::from_bytes(vec![7; 32]).unwrap(),
            Some(vec![1, 2]),
            UserVerification::Required,
            vec![vec![9]],
            UnixTime::from_secs(10),
        )
        .unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<AuthenticationState>(&json).unwrap(), s);
    }
}
