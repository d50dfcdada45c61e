//! Keyed, normalised keys: the account lookup key (mandatory for every initiation, so that an
//! unknown account is rate-limited exactly like a known one), the requester key, and the
//! pseudonyms audit events carry.
//!
//! All are HMAC-SHA256 under a host secret ([`LookupSecret`]): without the secret a store
//! dump or a log does not reveal which identifier or address a key belongs to, and the
//! same identifier always gives the same key (so limits and alerts can count per account).

use passkey_verifier::hazmat::crypto;

use crate::token::SubjectId;
use crate::RecoveryError;

/// The longest identifier accepted (an email address is at most 254 octets).
pub const MAX_IDENTIFIER_LEN: usize = 320;

const LOOKUP_DOMAIN: &[u8] = b"passkey-verifier/lookup/v1\0";
const REQUESTER_DOMAIN: &[u8] = b"passkey-verifier/requester/v1\0";
const SUBJECT_DOMAIN: &[u8] = b"passkey-verifier/pseudonym/subject/v1\0";

/// The host's key for lookup keys and pseudonyms (at least 32 bytes, from its secret
/// store). `Debug` redacts it.
#[derive(Clone)]
pub struct LookupSecret(Vec<u8>);

impl LookupSecret {
    /// Wraps the host's key.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::InvalidPolicy`] when shorter than 32 bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self, RecoveryError> {
        let key = key.into();
        if key.len() < 32 {
            return Err(RecoveryError::InvalidPolicy("lookup secret shorter than 32 bytes"));
        }
        Ok(Self(key))
    }

    fn mac(&self, domain: &[u8], data: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, &[domain, data])
    }

    /// The keyed pseudonym of `subject` for audit events and metrics (stable, unlinkable
    /// without the secret).
    #[must_use]
    pub fn pseudonym(&self, subject: &SubjectId) -> Pseudonym {
        Pseudonym::of(&self.mac(SUBJECT_DOMAIN, subject.as_bytes()))
    }
}

impl core::fmt::Debug for LookupSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LookupSecret(<redacted>)")
    }
}

/// What the user typed to name their account, by kind (each normalised its own way).
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Identifier<'a> {
    /// An email address: trimmed and lower-cased.
    Email(&'a str),
    /// A phone number: digits only (a leading `+` kept); spaces, dots, dashes and brackets
    /// dropped.
    Phone(&'a str),
    /// A user name: trimmed and lower-cased.
    Username(&'a str),
}

impl core::fmt::Debug for Identifier<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Identifier(<redacted>)")
    }
}

impl Identifier<'_> {
    fn normalised(&self) -> Result<(u8, String), RecoveryError> {
        let raw = match self {
            Self::Email(s) | Self::Phone(s) | Self::Username(s) => *s,
        };
        if raw.len() > MAX_IDENTIFIER_LEN {
            return Err(RecoveryError::InvalidRequest("identifier too long"));
        }
        let (tag, text) = match self {
            Self::Email(s) => (1, s.trim().to_lowercase()),
            Self::Username(s) => (3, s.trim().to_lowercase()),
            Self::Phone(s) => {
                let mut out = String::new();
                for (i, c) in s.trim().chars().enumerate() {
                    match c {
                        '+' if i == 0 => out.push('+'),
                        '0'..='9' => out.push(c),
                        ' ' | '.' | '-' | '(' | ')' => {}
                        _ => return Err(RecoveryError::InvalidRequest("phone number has other characters")),
                    }
                }
                (2, out)
            }
        };
        if text.is_empty() || text.chars().any(char::is_control) {
            return Err(RecoveryError::InvalidRequest("identifier empty or with control characters"));
        }
        Ok((tag, text))
    }
}

/// The keyed, normalised key of the identifier a recovery names: the per-identifier rate
/// limit's key, identical for known and unknown accounts. Only [`LookupKey::derive`] makes
/// one. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct LookupKey([u8; 32]);

impl LookupKey {
    /// Normalises `identifier` and keys it with `secret`.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::InvalidRequest`] for an empty, over-long or ill-formed identifier.
    pub fn derive(secret: &LookupSecret, identifier: Identifier<'_>) -> Result<Self, RecoveryError> {
        let (tag, text) = identifier.normalised()?;
        Ok(Self(secret.mac(LOOKUP_DOMAIN, &[&[tag][..], text.as_bytes()].concat())))
    }

    /// The key bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for LookupKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LookupKey(<redacted>)")
    }
}

/// The keyed key of a requester (for example the client's IP address or network prefix,
/// as the host sees it): the per-requester rate limit's key and the requester's pseudonym in
/// audit events. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct RequesterKey([u8; 32]);

impl RequesterKey {
    /// Keys `requester` (bounded to [`MAX_IDENTIFIER_LEN`] bytes; longer input is cut, not
    /// refused, so a hostile header cannot make the call fail).
    #[must_use]
    pub fn derive(secret: &LookupSecret, requester: &[u8]) -> Self {
        let cut = requester.get(..MAX_IDENTIFIER_LEN).unwrap_or(requester);
        Self(secret.mac(REQUESTER_DOMAIN, cut))
    }

    /// The key bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The requester's pseudonym for audit events.
    #[must_use]
    pub fn pseudonym(&self) -> Pseudonym {
        Pseudonym::of(&self.0)
    }
}

impl core::fmt::Debug for RequesterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RequesterKey(<redacted>)")
    }
}

/// A keyed pseudonym (16 hex characters of an HMAC): safe to log and to alert on, useless to
/// anyone without the host's [`LookupSecret`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pseudonym(String);

impl Pseudonym {
    fn of(mac: &[u8; 32]) -> Self {
        Self(mac.iter().take(8).map(|b| format!("{b:02x}")).collect())
    }

    /// The pseudonym's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// HMAC-SHA256 (RFC 2104) over the concatenation of `parts`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&crypto::sha256(key));
    } else if let Some(dst) = block.get_mut(..key.len()) {
        dst.copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let mut inner: Vec<&[u8]> = vec![&ipad];
    inner.extend_from_slice(parts);
    let inner = crypto::sha256_concat(&inner);
    crypto::sha256_concat(&[&opad, &inner])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6 (a key longer than the block).
        let mac = hmac_sha256(&[0xaa; 131], &[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(mac[..4], [0x60, 0xe4, 0x31, 0x59]);
    }

    #[test]
    fn lookup_keys_normalise_and_are_keyed() {
        let secret = LookupSecret::new([7u8; 32]).unwrap();
        let other = LookupSecret::new([8u8; 32]).unwrap();
        let a = LookupKey::derive(&secret, Identifier::Email(" Alice@Example.com ")).unwrap();
        assert_eq!(a, LookupKey::derive(&secret, Identifier::Email("alice@example.com")).unwrap());
        assert_ne!(a, LookupKey::derive(&other, Identifier::Email("alice@example.com")).unwrap());
        assert_ne!(a, LookupKey::derive(&secret, Identifier::Username("alice@example.com")).unwrap());
        let p = LookupKey::derive(&secret, Identifier::Phone("+1 (555) 010-0000")).unwrap();
        assert_eq!(p, LookupKey::derive(&secret, Identifier::Phone("+15550100000")).unwrap());
        for bad in [Identifier::Phone("+1 555 call me"), Identifier::Email("   "), Identifier::Email(&"a".repeat(400))]
        {
            assert!(LookupKey::derive(&secret, bad).is_err());
        }
        assert!(LookupSecret::new([0u8; 16]).is_err());
        assert_eq!(format!("{a:?} {secret:?}"), "LookupKey(<redacted>) LookupSecret(<redacted>)");
    }
}
