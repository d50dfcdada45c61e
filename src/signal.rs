//! The Signal API (WebAuthn Level 3 §5.1.10): values that tell the user's authenticators what
//! the relying party knows, so that they can hide credentials it no longer accepts and show
//! current account names.
//!
//! Each value serialises (serde, camelCase, IDs in unpadded base64url) to exactly the argument
//! of its browser method; hand [`to_json`](UnknownCredential::to_json) to the page and pass the
//! parsed object on:
//!
//! | value | page calls |
//! |---|---|
//! | [`UnknownCredential`] | `PublicKeyCredential.signalUnknownCredential({rpId, credentialId})` |
//! | [`AllAcceptedCredentials`] | `PublicKeyCredential.signalAllAcceptedCredentials({rpId, userId, allAcceptedCredentialIds})` |
//! | [`CurrentUserDetails`] | `PublicKeyCredential.signalCurrentUserDetails({rpId, userId, name, displayName})` |
//!
//! [`Ceremonies`](crate::Ceremonies) produces them where they apply: a sign-in with a
//! credential the store does not know fails with [`CeremonyError::unknown_credential`](crate::CeremonyError::unknown_credential);
//! [`Ceremonies::delete_credential`](crate::Ceremonies::delete_credential) and
//! [`Ceremonies::all_accepted_credentials`](crate::Ceremonies::all_accepted_credentials) (after a
//! registration) give the user's accepted list; [`Ceremonies::current_user_details`](crate::Ceremonies::current_user_details)
//! after a rename. Hosts that drive the pure functions build them with the constructors.
//!
//! Clients only accept a signal for an RP ID the calling page may use, and report nothing back
//! (they resolve once the argument is well formed), so a signal reveals nothing to the page.
//!
//! `Debug` shows the RP ID and counts only: user handles, credential IDs and names are
//! identifiers that stay out of logs.

use serde::{Serialize, Serializer};

use crate::encoding::b64;
use crate::options::User;
use crate::rp::RelyingParty;
use crate::store::CredentialRecord;

fn base64url<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&b64::encode(bytes))
}

fn base64url_list<S: Serializer>(list: &[Vec<u8>], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(list.iter().map(|bytes| b64::encode(bytes)))
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The argument of `PublicKeyCredential.signalUnknownCredential()`: `{rpId, credentialId}`.
/// The relying party does not know this credential (it was deleted, or never registered), so
/// the authenticator may hide or remove it.
///
/// ```
/// use passkey_verifier::{RelyingParty, UnknownCredential};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let signal = UnknownCredential::new(&rp, [0xfb, 0xff]);
/// assert_eq!(signal.to_json(), r#"{"rpId":"example.com","credentialId":"-_8"}"#);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownCredential {
    rp_id: String,
    #[serde(serialize_with = "base64url")]
    credential_id: Vec<u8>,
}

impl UnknownCredential {
    /// The signal for credential `credential_id` (its raw bytes, `rawId`) of `rp`.
    #[must_use]
    pub fn new(rp: &RelyingParty, credential_id: impl Into<Vec<u8>>) -> Self {
        Self { rp_id: rp.id().to_owned(), credential_id: credential_id.into() }
    }

    /// The RP ID.
    #[must_use]
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The credential ID's bytes.
    #[must_use]
    pub fn credential_id(&self) -> &[u8] {
        &self.credential_id
    }

    /// The argument as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        json(self)
    }
}

impl core::fmt::Debug for UnknownCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UnknownCredential").field("rp_id", &self.rp_id).field("credential_id", &"<redacted>").finish()
    }
}

/// The argument of `PublicKeyCredential.signalAllAcceptedCredentials()`:
/// `{rpId, userId, allAcceptedCredentialIds}`, every credential the relying party accepts for
/// one user. Authenticators may hide that user's other credentials for this RP ID, so the list
/// must be complete: build it from the store after every change (registration, deletion).
///
/// ```
/// use passkey_verifier::{AllAcceptedCredentials, RelyingParty};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let signal = AllAcceptedCredentials::new(&rp, b"user-1", [vec![1, 2, 3], vec![0xff]]);
/// assert_eq!(
///     signal.to_json(),
///     r#"{"rpId":"example.com","userId":"dXNlci0x","allAcceptedCredentialIds":["AQID","_w"]}"#
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllAcceptedCredentials {
    rp_id: String,
    #[serde(serialize_with = "base64url")]
    user_id: Vec<u8>,
    #[serde(serialize_with = "base64url_list")]
    all_accepted_credential_ids: Vec<Vec<u8>>,
}

impl AllAcceptedCredentials {
    /// The signal for user `user_handle` of `rp`, accepting exactly `credential_ids`.
    #[must_use]
    pub fn new<I, T>(rp: &RelyingParty, user_handle: &[u8], credential_ids: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Vec<u8>>,
    {
        Self {
            rp_id: rp.id().to_owned(),
            user_id: user_handle.to_vec(),
            all_accepted_credential_ids: credential_ids.into_iter().map(Into::into).collect(),
        }
    }

    /// The signal for user `user_handle` from their credential records (as
    /// [`CredentialStore::list_for_user`](crate::CredentialStore::list_for_user) returns
    /// them); records of other users are left out.
    #[must_use]
    pub fn from_records<'a>(
        rp: &RelyingParty,
        user_handle: &[u8],
        records: impl IntoIterator<Item = &'a CredentialRecord>,
    ) -> Self {
        let owned = records.into_iter().filter(|r| r.user_handle() == user_handle).map(CredentialRecord::id);
        Self::new(rp, user_handle, owned)
    }

    /// The RP ID.
    #[must_use]
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The user handle.
    #[must_use]
    pub fn user_id(&self) -> &[u8] {
        &self.user_id
    }

    /// The accepted credential IDs.
    #[must_use]
    pub fn credential_ids(&self) -> &[Vec<u8>] {
        &self.all_accepted_credential_ids
    }

    /// The argument as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        json(self)
    }
}

impl core::fmt::Debug for AllAcceptedCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AllAcceptedCredentials")
            .field("rp_id", &self.rp_id)
            .field("user_id", &"<redacted>")
            .field("credentials", &self.all_accepted_credential_ids.len())
            .finish()
    }
}

/// The argument of `PublicKeyCredential.signalCurrentUserDetails()`:
/// `{rpId, userId, name, displayName}`, so that authenticators show the account's current
/// names (after a rename).
///
/// ```
/// use passkey_verifier::{CurrentUserDetails, RelyingParty, User};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let user = User { id: b"user-1".to_vec(), name: "alice@example.com".into(), display_name: "Alice".into() };
/// assert_eq!(
///     CurrentUserDetails::new(&rp, &user).to_json(),
///     r#"{"rpId":"example.com","userId":"dXNlci0x","name":"alice@example.com","displayName":"Alice"}"#
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentUserDetails {
    rp_id: String,
    #[serde(serialize_with = "base64url")]
    user_id: Vec<u8>,
    name: String,
    display_name: String,
}

impl CurrentUserDetails {
    /// The signal for `user` (its handle and current names) of `rp`.
    #[must_use]
    pub fn new(rp: &RelyingParty, user: &User) -> Self {
        Self {
            rp_id: rp.id().to_owned(),
            user_id: user.id.clone(),
            name: user.name.clone(),
            display_name: user.display_name.clone(),
        }
    }

    /// The RP ID.
    #[must_use]
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The user handle.
    #[must_use]
    pub fn user_id(&self) -> &[u8] {
        &self.user_id
    }

    /// The account name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The display name.
    #[must_use]
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The argument as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        json(self)
    }
}

impl core::fmt::Debug for CurrentUserDetails {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CurrentUserDetails")
            .field("rp_id", &self.rp_id)
            .field("user_id", &"<redacted>")
            .field("name", &"<redacted>")
            .field("display_name", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp() -> RelyingParty {
        RelyingParty::builder("example.com").origin("https://example.com").build().unwrap()
    }

    #[test]
    fn arguments_are_exact() {
        // 0xfb 0xff is `+/8=` in standard base64: the URL alphabet and no padding are checked.
        let unknown = UnknownCredential::new(&rp(), vec![0xfb, 0xff]);
        assert_eq!(unknown.to_json(), r#"{"rpId":"example.com","credentialId":"-_8"}"#);
        let none = AllAcceptedCredentials::new(&rp(), &[0xfb, 0xef], Vec::<Vec<u8>>::new());
        assert_eq!(none.to_json(), r#"{"rpId":"example.com","userId":"--8","allAcceptedCredentialIds":[]}"#);
        let user = User { id: vec![0xfe], name: "a\"b".into(), display_name: "Ä".into() };
        let details = CurrentUserDetails::new(&rp(), &user);
        assert_eq!(details.to_json(), r#"{"rpId":"example.com","userId":"_g","name":"a\"b","displayName":"Ä"}"#);
    }

    #[test]
    fn debug_redacts_identifiers() {
        let id = b"credential-secret-id".to_vec();
        let unknown = UnknownCredential::new(&rp(), id.clone());
        let accepted = AllAcceptedCredentials::new(&rp(), b"user-handle-secret", [id.clone()]);
        let user =
            User { id: b"user-handle-secret".to_vec(), name: "alice@example.com".into(), display_name: "Alice".into() };
        let details = CurrentUserDetails::new(&rp(), &user);
        for text in [format!("{unknown:?}"), format!("{accepted:?}"), format!("{details:?}")] {
            assert!(text.contains("example.com"), "{text}");
            for secret in ["credential-secret-id", "user-handle-secret", "alice", "Alice"] {
                assert!(!text.contains(secret), "{text}");
            }
            for encoded in [b64::encode(&id), b64::encode(b"user-handle-secret")] {
                assert!(!text.contains(&encoded), "{text}");
            }
            assert!(!text.contains("99, 114, 101"), "{text}"); // bytes of "cre..."
        }
    }
}
