//! Single-use secrets (recovery tokens, onboarding nonces, grant tokens), what is stored of
//! them, the challenges derived from them, identifiers, and the payload handed to the host
//! for delivery.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::code::{OneTimeCode, PairingCode};
use crate::RecoveryError;
use passkey_verifier::hazmat::b64;
use passkey_verifier::hazmat::crypto;
use passkey_verifier::RelyingParty;
use passkey_verifier::{Challenge, UserVerification};

/// The number of random bytes in every token, nonce and grant token (256 bits).
pub const SECRET_LEN: usize = 32;

/// Domain separation of [`recovery_challenge`].
const RECOVERY_DOMAIN: &[u8] = b"passkey-verifier/recovery-challenge/v2\0";
/// Domain separation of [`onboarding_challenge`].
const ONBOARDING_DOMAIN: &[u8] = b"passkey-verifier/onboarding-challenge/v2\0";
/// Domain separation of [`DeliveredSecret::hash_for`].
const SECRET_DOMAIN: &[u8] = b"passkey-verifier/delivered-secret/v1\0";

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
    /// A single-use recovery token (256 random bits), delivered in a deep link over a channel
    /// whose end-to-end encryption is confirmed. `Debug` redacts it; only a hash is stored.
    RecoveryToken
);

secret!(
    /// The handle of one recovery (256 random bits): returned to the requester (the browser
    /// that started it) and the key of its record. A delivered code is checked only together
    /// with it, so a party holding only the code can submit nothing. `Debug` redacts it.
    RecoveryHandle
);

secret!(
    /// The pairing reference of an onboarding (256 random bits): what the QR code or link
    /// carries. It lets an approving device find the request; it cannot redeem it.
    PairingRef
);

secret!(
    /// The new device's secret of an onboarding (256 random bits): kept by the device that
    /// started it (never in the QR code) and required to redeem the approval.
    DeviceSecret
);

secret!(
    /// A one-tap cancel token (256 random bits) sent to every channel and device while a
    /// recovery waits. `Debug` redacts it.
    CancelToken
);

secret!(
    /// The bearer handle of a single-use [`Grant`](crate::Grant) (256 random bits). `Debug`
    /// redacts it; only its [`TokenHash`] is stored.
    GrantToken
);

impl PairingRef {
    /// A link carrying the reference in its fragment (`{base_url}#p=<ref>`), for the QR code.
    /// The fragment is never sent to a server by browsers.
    #[must_use]
    pub fn render_link(&self, base_url: &str) -> String {
        link(base_url, "p", &self.to_base64url())
    }
}

impl CancelToken {
    /// The one-tap cancel link `{base_url}#c=<token>`.
    #[must_use]
    pub fn render_link(&self, base_url: &str) -> String {
        link(base_url, "c", &self.to_base64url())
    }
}

/// What the user received over a channel: a deep-link token (E2EE channels only) or an
/// 8-digit code. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub enum DeliveredSecret {
    /// The token of a deep link.
    Link(RecoveryToken),
    /// A typed code.
    Code(OneTimeCode),
}

impl DeliveredSecret {
    /// Parses what a client sent: 8 digits (spaces and `-` ignored) as a code, otherwise a
    /// token.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::MalformedToken`].
    pub fn parse(text: &str) -> Result<Self, RecoveryError> {
        if text.len() <= 16 {
            return OneTimeCode::parse(text).map(Self::Code);
        }
        RecoveryToken::parse(text).map(Self::Link)
    }

    fn bytes(&self) -> (&'static [u8], &[u8]) {
        match self {
            Self::Link(t) => (b"link\0", t.as_bytes()),
            Self::Code(c) => (b"code\0", c.as_bytes()),
        }
    }

    /// What a store keeps: SHA-256 over a domain string, the recovery's handle and the
    /// secret (the handle salts the code, so one hash table of codes fits one recovery only).
    #[must_use]
    pub fn hash_for(&self, handle: &RecoveryHandle) -> TokenHash {
        let (tag, bytes) = self.bytes();
        TokenHash(crypto::sha256_concat(&[SECRET_DOMAIN, handle.as_bytes(), tag, bytes]))
    }
}

impl core::fmt::Debug for DeliveredSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Link(_) => f.write_str("Link(<redacted>)"),
            Self::Code(_) => f.write_str("Code(<redacted>)"),
        }
    }
}

/// The challenge of the passkey assertion that completes a recovery: SHA-256 of a domain
/// string, the handle and the delivered secret. The client gets it from
/// [`Recovery::assertion_options`](crate::Recovery::assertion_options).
#[must_use]
pub fn recovery_challenge(handle: &RecoveryHandle, secret: &DeliveredSecret) -> Challenge {
    let (tag, bytes) = secret.bytes();
    Challenge::from_digest(crypto::sha256_concat(&[RECOVERY_DOMAIN, handle.as_bytes(), tag, bytes]))
}

/// The challenge of the passkey assertion that approves an onboarding: SHA-256 of a domain
/// string (distinct from [`recovery_challenge`]'s), the pairing reference and the pairing
/// code the approver typed. An assertion over another code (a request the approver cannot
/// see) does not verify.
#[must_use]
pub fn onboarding_challenge(pairing: &PairingRef, code: &PairingCode) -> Challenge {
    Challenge::from_digest(crypto::sha256_concat(&[ONBOARDING_DOMAIN, pairing.as_bytes(), code.as_bytes()]))
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

pub(crate) fn link(base_url: &str, name: &str, value: &str) -> String {
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
    fn challenges_are_domain_separated_and_bind_the_handle() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let handle = RecoveryHandle::random(&mut rng);
        let other = RecoveryHandle::random(&mut rng);
        let secret = DeliveredSecret::Link(RecoveryToken::random(&mut rng));
        assert_ne!(recovery_challenge(&handle, &secret), recovery_challenge(&other, &secret));
        assert_ne!(secret.hash_for(&handle), secret.hash_for(&other));
        assert_ne!(recovery_challenge(&handle, &secret).as_bytes(), secret.hash_for(&handle).as_bytes());
        let pairing = PairingRef(*handle.as_bytes());
        let code = PairingCode::parse("123456").unwrap();
        assert_ne!(
            onboarding_challenge(&pairing, &code),
            onboarding_challenge(&pairing, &PairingCode::parse("123457").unwrap())
        );
    }

    #[test]
    fn links_put_the_secret_in_the_fragment() {
        let pairing = PairingRef([0; 32]);
        let b = pairing.to_base64url();
        assert_eq!(pairing.render_link("https://example.com/add"), format!("https://example.com/add#p={b}"));
        assert_eq!(pairing.render_link("https://example.com/add#x=1"), format!("https://example.com/add#x=1&p={b}"));
    }

    #[test]
    fn delivered_secrets_parse_codes_and_tokens() {
        let token = RecoveryToken::random(&mut rand_core::UnwrapErr(getrandom::SysRng));
        assert_eq!(DeliveredSecret::parse(&token.to_base64url()).unwrap(), DeliveredSecret::Link(token));
        assert!(matches!(DeliveredSecret::parse("1234 5678").unwrap(), DeliveredSecret::Code(_)));
        for bad in ["", "1234567", "123456789", "abcdefgh", &"x".repeat(5000)] {
            assert!(DeliveredSecret::parse(bad).is_err());
        }
    }
}
