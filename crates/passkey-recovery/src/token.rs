//! Single-use secrets (recovery tokens, onboarding nonces, grant tokens), what is stored of
//! them, the challenges derived from them, identifiers, and the payload handed to the host
//! for delivery.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::policy::Channel;
use crate::RecoveryError;
use passkey_verifier::hazmat::b64;
use passkey_verifier::hazmat::crypto;
use passkey_verifier::RelyingParty;
use passkey_verifier::{Challenge, UnixTime, UserVerification};

/// The number of random bytes in every token, nonce and grant token (256 bits).
pub const SECRET_LEN: usize = 32;

/// Domain separation of [`recovery_challenge`].
const RECOVERY_DOMAIN: &[u8] = b"passkey-verifier/recovery-challenge/v1\0";
/// Domain separation of [`onboarding_challenge`].
const ONBOARDING_DOMAIN: &[u8] = b"passkey-verifier/onboarding-challenge/v1\0";

/// Characters of a secret as unpadded base64url.
const B64_LEN: usize = 43;
/// Characters of a secret as base32 (without separators).
const B32_LEN: usize = 52;
/// Characters per group of a rendered code.
const CODE_GROUP: usize = 4;

/// SHA-256 of a token, nonce or grant token: the only form in which a store keeps it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Wraps a hash read back from storage.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash bytes (a storage key).
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name([u8; SECRET_LEN]);

        impl $name {
            /// Draws a fresh secret of [`SECRET_LEN`] bytes from `rng`.
            pub fn random(rng: &mut impl CryptoRng) -> Self {
                let mut bytes = [0u8; SECRET_LEN];
                rng.fill_bytes(&mut bytes);
                Self(bytes)
            }

            /// Parses the secret as received from a client: unpadded base64url (43
            /// characters, as in a link), or the grouped base32 code (case-insensitive,
            /// `-` and spaces ignored, `0` read as `O` and `1` as `I`).
            ///
            /// # Errors
            ///
            /// [`RecoveryError::MalformedToken`] for anything else.
            pub fn parse(text: &str) -> Result<Self, RecoveryError> {
                parse_secret(text).map(Self).ok_or(RecoveryError::MalformedToken)
            }

            /// The secret as unpadded base64url. Treat the result as a secret: never log it.
            #[must_use]
            pub fn to_base64url(&self) -> String {
                b64::encode(&self.0)
            }

            /// The secret as a code a person can type: base32 in groups of four
            /// (`ABCD-EFGH-...`). Treat the result as a secret.
            #[must_use]
            pub fn to_code(&self) -> String {
                base32_code(&self.0)
            }

            /// SHA-256 of the secret: what a store keeps.
            #[must_use]
            pub fn hash(&self) -> TokenHash {
                TokenHash(crypto::sha256(&self.0))
            }

            /// The raw secret bytes. Treat them as a secret.
            #[must_use]
            pub const fn as_bytes(&self) -> &[u8; SECRET_LEN] {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret!(
    /// A single-use recovery token (256 random bits), delivered out of band. `Debug`
    /// redacts it; only its [`TokenHash`] is stored.
    RecoveryToken
);

secret!(
    /// A short-lived onboarding nonce (256 random bits), shown by a new device as a QR code.
    /// `Debug` redacts it; only its [`TokenHash`] is stored.
    OnboardingNonce
);

secret!(
    /// The bearer handle of a single-use [`Grant`](crate::Grant) (256 random bits). `Debug`
    /// redacts it; only its [`TokenHash`] is stored.
    GrantToken
);

impl OnboardingNonce {
    /// A link carrying the nonce in its fragment (`{base_url}#n=<nonce>`), for the QR code
    /// the new device shows. The fragment is never sent to a server by browsers.
    #[must_use]
    pub fn render_link(&self, base_url: &str) -> String {
        link(base_url, "n", &self.to_base64url())
    }
}

/// The challenge of the passkey assertion that redeems `token`: SHA-256 of a
/// domain-separation string and the token bytes. The client computes the same from the token
/// it received (or gets it from [`Recovery::assertion_options`](crate::Recovery::assertion_options)).
#[must_use]
pub fn recovery_challenge(token: &RecoveryToken) -> Challenge {
    Challenge::from_digest(crypto::sha256_concat(&[RECOVERY_DOMAIN, &token.0]))
}

/// The challenge of the passkey assertion that approves an onboarding `nonce`: SHA-256 of a
/// domain-separation string (distinct from [`recovery_challenge`]'s) and the nonce bytes.
#[must_use]
pub fn onboarding_challenge(nonce: &OnboardingNonce) -> Challenge {
    Challenge::from_digest(crypto::sha256_concat(&[ONBOARDING_DOMAIN, &nonce.0]))
}

/// An opaque reference to an account: the WebAuthn user handle (bytes), never a phone number,
/// email address or name. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubjectId(Vec<u8>);

impl SubjectId {
    /// The subject with user handle `handle`.
    #[must_use]
    pub fn new(handle: impl Into<Vec<u8>>) -> Self {
        Self(handle.into())
    }

    /// The user handle.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SubjectId(<redacted>)")
    }
}

/// What the host delivers over the chosen channel: the token, rendered as a deep link or a
/// code, and nothing that identifies the account. `Debug` redacts the token.
#[derive(Clone, PartialEq, Eq)]
pub struct DeliveryPayload {
    pub(crate) token: RecoveryToken,
    pub(crate) channel: Channel,
    pub(crate) ttl_secs: u64,
    pub(crate) expires_at: UnixTime,
}

impl DeliveryPayload {
    /// The deep link `{base_url}#t=<token>`: the token travels in the fragment, which browsers
    /// never send to a server (nor in `Referer`), so it stays out of access logs.
    #[must_use]
    pub fn render_link(&self, base_url: &str) -> String {
        link(base_url, "t", &self.token.to_base64url())
    }

    /// The token as a code a person can type (see [`RecoveryToken::to_code`]).
    #[must_use]
    pub fn render_code(&self) -> String {
        self.token.to_code()
    }

    /// A complete, neutral message body for the channel: a link for RCS, push and email, a
    /// code for SMS. It names no account, phone number or address.
    #[must_use]
    pub fn render_message(&self, base_url: &str) -> String {
        let minutes = self.ttl_secs.div_ceil(60);
        let action = match self.channel {
            Channel::Sms => format!("enter this code: {}", self.render_code()),
            _ => format!("open {}", self.render_link(base_url)),
        };
        format!(
            "Account recovery was requested. To continue, {action} within {minutes} min and confirm with a \
             passkey. If this was not you, ignore this message."
        )
    }

    /// The token (for a host that renders its own message). Treat it as a secret.
    #[must_use]
    pub const fn token(&self) -> &RecoveryToken {
        &self.token
    }

    /// The delivery channel.
    #[must_use]
    pub const fn channel(&self) -> Channel {
        self.channel
    }

    /// When the token expires.
    #[must_use]
    pub const fn expires_at(&self) -> UnixTime {
        self.expires_at
    }
}

impl core::fmt::Debug for DeliveryPayload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeliveryPayload")
            .field("token", &self.token)
            .field("channel", &self.channel)
            .field("ttl_secs", &self.ttl_secs)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `PublicKeyCredentialRequestOptionsJSON` for an assertion over a derived challenge
/// ([`recovery_challenge`], [`onboarding_challenge`]). `allowCredentials` is empty: the
/// options reveal nothing about the account to whoever holds the token. `Debug` redacts the
/// challenge.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionOptionsJson {
    challenge: String,
    timeout: u64,
    rp_id: String,
    allow_credentials: [(); 0],
    user_verification: UserVerification,
}

impl AssertionOptionsJson {
    pub(crate) fn new(rp: &RelyingParty, challenge: &Challenge, user_verification: UserVerification) -> Self {
        Self {
            challenge: challenge.to_base64url(),
            timeout: rp.policy().ceremony_timeout_secs.saturating_mul(1000),
            rp_id: rp.id().to_owned(),
            allow_credentials: [],
            user_verification,
        }
    }

    /// The options as a JSON string.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl core::fmt::Debug for AssertionOptionsJson {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AssertionOptionsJson")
            .field("challenge", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("user_verification", &self.user_verification)
            .finish_non_exhaustive()
    }
}

fn link(base_url: &str, name: &str, value: &str) -> String {
    let base = base_url.trim_end_matches('#');
    let sep = if base.contains('#') { '&' } else { '#' };
    format!("{base}{sep}{name}={value}")
}

fn parse_secret(text: &str) -> Option<[u8; SECRET_LEN]> {
    let text = text.trim();
    if text.len() == B64_LEN {
        let mut out = [0u8; SECRET_LEN + 3];
        let n = b64::decode_slice(text, &mut out).ok()?;
        let bytes: [u8; SECRET_LEN] = out.get(..n)?.try_into().ok()?;
        // Only the canonical encoding (no stray trailing bits, no standard alphabet).
        return (b64::encode(&bytes) == text).then_some(bytes);
    }
    base32_decode(text)
}

fn base32_char(value: u32) -> char {
    let v = u8::try_from(value & 31).unwrap_or(0);
    char::from(if v < 26 { b'A' + v } else { b'2' + (v - 26) })
}

fn base32_value(c: u8) -> Option<u32> {
    match c.to_ascii_uppercase() {
        c @ b'A'..=b'Z' => Some(u32::from(c - b'A')),
        c @ b'2'..=b'7' => Some(u32::from(c - b'2') + 26),
        b'0' => Some(u32::from(b'O' - b'A')),
        b'1' => Some(u32::from(b'I' - b'A')),
        _ => None,
    }
}

/// RFC 4648 base32 without padding, in groups of [`CODE_GROUP`] joined by `-`.
fn base32_code(bytes: &[u8]) -> String {
    let mut chars = String::with_capacity(B32_LEN);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            chars.push(base32_char(acc >> bits));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        chars.push(base32_char(acc << (5 - bits)));
    }
    let mut out = String::with_capacity(chars.len() + chars.len() / CODE_GROUP);
    for (i, c) in chars.chars().enumerate() {
        if i > 0 && i % CODE_GROUP == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

fn base32_decode(text: &str) -> Option<[u8; SECRET_LEN]> {
    let mut out = [0u8; SECRET_LEN];
    let (mut acc, mut bits, mut n, mut chars) = (0u32, 0u32, 0usize, 0usize);
    for c in text.bytes() {
        if c == b'-' || c == b' ' {
            continue;
        }
        acc = (acc << 5) | base32_value(c)?;
        bits += 5;
        chars += 1;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = u8::try_from((acc >> bits) & 0xff).ok()?;
            n += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // Exactly 52 characters, and the 4 trailing bits zero (the canonical encoding).
    (n == SECRET_LEN && chars == B32_LEN && acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_as_base64url_and_code() {
        let token = RecoveryToken::random(&mut rand_core::UnwrapErr(getrandom::SysRng));
        assert_eq!(RecoveryToken::parse(&token.to_base64url()).unwrap(), token);
        let code = token.to_code();
        assert_eq!(code.len(), 52 + 12);
        assert_eq!(RecoveryToken::parse(&code).unwrap(), token);
        assert_eq!(RecoveryToken::parse(&code.to_lowercase().replace('-', " ")).unwrap(), token);
        for bad in ["", "abc", &code[1..], &token.to_base64url()[1..], "!".repeat(43).as_str()] {
            assert!(RecoveryToken::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(format!("{token:?}"), "RecoveryToken(<redacted>)");
    }

    #[test]
    fn challenges_are_domain_separated() {
        let token = RecoveryToken::random(&mut rand_core::UnwrapErr(getrandom::SysRng));
        let nonce = OnboardingNonce(token.0);
        assert_ne!(recovery_challenge(&token), onboarding_challenge(&nonce));
        assert_eq!(recovery_challenge(&token), recovery_challenge(&token.clone()));
        assert_ne!(recovery_challenge(&token).as_bytes(), token.hash().as_bytes());
    }

    #[test]
    fn links_put_the_secret_in_the_fragment() {
        let nonce = OnboardingNonce([0; 32]);
        let b = nonce.to_base64url();
        assert_eq!(nonce.render_link("https://example.com/add"), format!("https://example.com/add#n={b}"));
        assert_eq!(nonce.render_link("https://example.com/add#x=1"), format!("https://example.com/add#x=1&n={b}"));
    }
}
