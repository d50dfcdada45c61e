//! What a relying party stores about a credential, as verification needs it.

/// A registered credential as the host stored it: the input of
/// [`verify_authentication`](crate::verify_authentication).
///
/// Build it from [`VerifiedRegistration::to_stored_credential`](crate::VerifiedRegistration::to_stored_credential)
/// at registration, persist it, and load it back at sign-in.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct StoredCredential {
    /// The credential ID.
    pub id: Vec<u8>,
    /// The credential public key, as COSE_Key bytes.
    pub public_key: Vec<u8>,
    /// The last accepted signature counter.
    pub sign_count: u32,
    /// The user handle of the credential's owner.
    pub user_handle: Vec<u8>,
    /// The BE flag seen at registration; `None` when unknown (then not checked).
    pub backup_eligible: Option<bool>,
    /// Whether the user was verified at registration.
    pub user_verified: bool,
}

impl StoredCredential {
    /// A stored credential with unknown backup eligibility and no UV at registration.
    #[must_use]
    pub fn new(id: Vec<u8>, public_key: Vec<u8>, sign_count: u32, user_handle: Vec<u8>) -> Self {
        Self { id, public_key, sign_count, user_handle, backup_eligible: None, user_verified: false }
    }
}

impl core::fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredCredential")
            .field("id_len", &self.id.len())
            .field("public_key", &"<redacted>")
            .field("sign_count", &self.sign_count)
            .field("user_handle", &"<redacted>")
            .field("backup_eligible", &self.backup_eligible)
            .field("user_verified", &self.user_verified)
            .finish()
    }
}
