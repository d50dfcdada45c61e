//! What a relying party stores about a credential, as verification needs it, and what a
//! sign-in changes in it.

use crate::challenge::UnixTime;

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
    /// The BE flag seen at registration; [`BackupEligibility::Unknown`] is not checked.
    pub backup_eligible: BackupEligibility,
    /// The BS flag last seen (at registration, then at every sign-in): whether the
    /// credential is currently backed up.
    pub backup_state: bool,
    /// `uvInitialized` (§4, credential record): whether any ceremony with this credential,
    /// registration or sign-in, verified the user. Once set it stays set.
    #[serde(alias = "user_verified")]
    pub uv_initialized: bool,
}

/// Whether a credential may be backed up (synced), as its BE flag said at registration. BE
/// never changes for a credential (§6.1.3), so a sign-in that reports another value fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupEligibility {
    /// BE was set: a multi-device credential (a synced passkey).
    Eligible,
    /// BE was clear: a single-device credential.
    NotEligible,
    /// Not recorded (a record from before the flag was kept, or imported): not checked.
    #[default]
    Unknown,
}

impl BackupEligibility {
    /// The eligibility a BE flag reports.
    #[must_use]
    pub const fn from_flag(backup_eligible: bool) -> Self {
        if backup_eligible {
            Self::Eligible
        } else {
            Self::NotEligible
        }
    }

    /// As a nullable flag, for a store's column (`None` for [`Self::Unknown`]).
    #[must_use]
    pub const fn as_flag(self) -> Option<bool> {
        match self {
            Self::Eligible => Some(true),
            Self::NotEligible => Some(false),
            Self::Unknown => None,
        }
    }

    /// From a nullable flag read back from a store's column.
    #[must_use]
    pub const fn from_stored(flag: Option<bool>) -> Self {
        match flag {
            Some(flag) => Self::from_flag(flag),
            None => Self::Unknown,
        }
    }

    /// Whether `flag` contradicts this recorded eligibility.
    #[must_use]
    pub const fn contradicts(self, flag: bool) -> bool {
        match self {
            Self::Eligible => !flag,
            Self::NotEligible => flag,
            Self::Unknown => false,
        }
    }
}

impl StoredCredential {
    /// A stored credential with unknown backup eligibility, not backed up, and UV never seen.
    #[must_use]
    pub fn new(id: Vec<u8>, public_key: Vec<u8>, sign_count: u32, user_handle: Vec<u8>) -> Self {
        Self {
            id,
            public_key,
            sign_count,
            user_handle,
            backup_eligible: BackupEligibility::Unknown,
            backup_state: false,
            uv_initialized: false,
        }
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
            .field("backup_state", &self.backup_state)
            .field("uv_initialized", &self.uv_initialized)
            .finish()
    }
}

/// What a verified sign-in changes in the stored credential: the one value a
/// [`CredentialStore`](crate::CredentialStore) applies, by compare-and-swap on the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialUpdate {
    /// The count the verification was made against; the update applies only if the stored
    /// count still equals it.
    pub expected_sign_count: u32,
    /// The count to store (never lower than `expected_sign_count`).
    pub new_sign_count: u32,
    /// The BS flag of this assertion: whether the credential is backed up now.
    pub backup_state: bool,
    /// Whether BS differs from the stored credential's (backed up or no longer backed up since
    /// the last sign-in); a host may want to tell the user or re-evaluate risk.
    pub backup_state_changed: bool,
    /// Whether the user was verified in this sign-in.
    pub user_verified: bool,
    /// The credential's `uvInitialized` after this sign-in (the stored value or this sign-in's
    /// UV). Stores apply it with OR, so that a racing sign-in without UV never clears it.
    pub uv_initialized: bool,
    /// The time of the sign-in.
    pub used_at: UnixTime,
}

impl CredentialUpdate {
    /// An update to a credential stored with count `expected_sign_count`. For stores' own
    /// tests and tools; a verified sign-in gives its update through
    /// [`VerifiedAuthentication::update`](crate::VerifiedAuthentication::update).
    #[must_use]
    pub const fn new(expected_sign_count: u32, new_sign_count: u32, backup_state: bool, used_at: UnixTime) -> Self {
        Self {
            expected_sign_count,
            new_sign_count,
            backup_state,
            backup_state_changed: false,
            user_verified: false,
            uv_initialized: false,
            used_at,
        }
    }
}
