//! Authentication: WebAuthn Level 3 §7.2, "Verifying an Authentication Assertion".

use super::credential::CredentialUpdate;
use super::{
    check_challenge, check_not_expired, check_origin, check_rp_id_hash, check_top_origin, check_type,
    check_user_present, check_user_verified, uv_required, StoredCredential,
};
use crate::challenge::{AuthenticationState, Mediation, UnixTime};
use crate::cose::CoseKey;
use crate::crypto;
use crate::error::{Error, ErrorKind, Result};
use crate::extensions::{self, ExtensionOutputs};
use crate::rp::{CounterPolicy, RelyingParty};
use crate::wire::auth_data::{AuthenticatorData, Flags};
use crate::wire::client_data::ClientData;
use crate::wire::json::AuthenticationResponse;

/// What happened to the signature counter (§7.2 step 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterOutcome {
    /// The new count is greater than the stored one.
    Increased,
    /// Both counts are zero: the authenticator does not implement a counter (common for
    /// synced passkeys).
    BothZero,
    /// The new count is not greater than the stored one while either is nonzero: a possible
    /// cloned authenticator. Only returned under [`CounterPolicy::Report`]; the default fails.
    Regressed,
}

/// An assertion that passed every check of §7.2. Only this crate can construct it.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedAuthentication {
    update: CredentialUpdate,
    counter: CounterOutcome,
    flags: Flags,
    user_handle: Vec<u8>,
    mediation: Mediation,
    extensions: ExtensionOutputs,
    response: AuthenticationResponse,
}

impl VerifiedAuthentication {
    /// The credential ID that signed.
    #[must_use]
    pub fn credential_id(&self) -> &[u8] {
        self.response.raw_id()
    }

    /// What to persist: the new count, the BS flag and whether it changed, UV and the time of
    /// use, applied by compare-and-swap on the count the verification was made against
    /// ([`CredentialStore::update_after_sign_in`](crate::CredentialStore::update_after_sign_in)).
    #[must_use]
    pub const fn update(&self) -> CredentialUpdate {
        self.update
    }

    /// The count to store: the new count when it increased, otherwise the stored one (a
    /// count is never lowered).
    #[must_use]
    pub const fn sign_count(&self) -> u32 {
        self.update.new_sign_count
    }

    /// What happened to the counter.
    #[must_use]
    pub const fn counter(&self) -> CounterOutcome {
        self.counter
    }

    /// The authenticator data flags.
    #[must_use]
    pub const fn flags(&self) -> Flags {
        self.flags
    }

    /// Whether the user was verified (UV).
    #[must_use]
    pub const fn user_verified(&self) -> bool {
        self.flags.user_verified()
    }

    /// Whether the user was present (UP; always true for a verified sign-in).
    #[must_use]
    pub const fn user_present(&self) -> bool {
        self.flags.user_present()
    }

    /// How the sign-in was mediated (as its state recorded): [`Mediation::Conditional`] for
    /// one started by autofill.
    #[must_use]
    pub const fn mediation(&self) -> Mediation {
        self.mediation
    }

    /// The extension outputs, verified against what the options requested.
    #[must_use]
    pub const fn extensions(&self) -> &ExtensionOutputs {
        &self.extensions
    }

    /// The user handle of the credential's owner (the signed-in user).
    #[must_use]
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }

    /// `clientExtensionResults` as raw JSON, when present.
    #[must_use]
    pub fn client_extension_results(&self) -> Option<&str> {
        self.response.client_extension_results()
    }

    /// `authenticatorAttachment`, when present.
    #[must_use]
    pub fn authenticator_attachment(&self) -> Option<&str> {
        self.response.authenticator_attachment()
    }

    /// The authenticator extension outputs as a raw CBOR map, when present.
    #[must_use]
    pub fn authenticator_extensions(&self) -> Option<&[u8]> {
        AuthenticatorData::parse(self.response.authenticator_data()).ok().and_then(|ad| ad.extensions())
    }
}

impl core::fmt::Debug for VerifiedAuthentication {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedAuthentication")
            .field("sign_count", &self.update.new_sign_count)
            .field("counter", &self.counter)
            .field("flags", &self.flags)
            .field("mediation", &self.mediation)
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

/// Verifies an authentication assertion (WebAuthn L3 §7.2) against the stored credential, in
/// the specification's order:
///
/// 1. the ceremony state has not expired;
/// 2. the credential is in `allowCredentials` when that was not empty (step 5), belongs to the
///    identified user or, for a discoverable sign-in, to the returned `userHandle` (6), and is
///    the stored credential (7);
/// 3. `clientDataJSON` and authenticator data parse (8-10); `type` is `webauthn.get` (11);
///    challenge (12), origin (13), top origin (14); rpIdHash (15: of the RP ID, or of the
///    requested AppID when the client reports `appid: true`); UP (16); UV when required, or
///    when the credential's `uvInitialized` is set and the policy makes that sticky (17); BE
///    unchanged since registration (18); the extension outputs match the request (19);
/// 4. the signature over `authenticatorData || SHA-256(clientDataJSON)` verifies with the
///    stored key (20-21), over the raw bytes as received;
/// 5. the counter (22), under [`CounterPolicy`].
///
/// ```
/// use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
/// use passkey_verifier::{start_authentication, verify_authentication, AuthenticationOptions};
/// use passkey_verifier::{AuthenticationResponse, RelyingParty, StoredCredential, UnixTime};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// # let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// # let now = UnixTime::from_secs(1_750_000_000);
/// # let mut phone = SoftCredential::new(KeyKind::Es256, b"opaque-handle", &mut rng);
/// # let stored = StoredCredential::new(phone.id().to_vec(), phone.cose_public_key(), 0, b"opaque-handle".to_vec());
/// // `stored` is the credential record the host loads for the posted credential ID.
/// let (_options, state) = start_authentication(&rp, &AuthenticationOptions::default(), &mut rng, now)?;
/// let posted = phone.assert(state.challenge().as_bytes(), &Knobs::new("example.com", "https://example.com"));
///
/// let verified = verify_authentication(&rp, state, AuthenticationResponse::from_json_str(&posted)?, &stored, now)?;
/// assert_eq!(verified.user_handle(), b"opaque-handle");
/// let update = verified.update(); // persist: new count, BS, time of use (compare-and-swap)
/// # let _ = update;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The first failing check, as an [`Error`] whose [`category`](Error::category) names it.
pub fn verify_authentication(
    rp: &RelyingParty,
    state: AuthenticationState,
    response: AuthenticationResponse,
    credential: &StoredCredential,
    now: UnixTime,
) -> Result<VerifiedAuthentication> {
    let state = &state;
    check_not_expired(state.expires_at, now)?;
    check_allowed_credential(state, &response)?;
    check_owner(state, &response, credential)?;
    if !crypto::ct_eq(&credential.id, response.raw_id()) {
        return Err(Error::new(ErrorKind::CredentialId, "stored credential is not the one presented"));
    }

    let client_data = ClientData::parse(response.client_data_json())?;
    let auth_data = AuthenticatorData::parse(response.authenticator_data())?;
    check_type(&client_data, "webauthn.get")?;
    check_challenge(&client_data, &state.challenge)?;
    check_origin(rp, &client_data)?;
    check_top_origin(rp, &client_data)?;
    // The outputs are checked at step 19; the `appid` one decides step 15's hash.
    let received = extensions::Received {
        client: response.client_extension_results(),
        authenticator: auth_data.extensions(),
        credential_id: response.raw_id(),
    };
    let extension_outputs = extensions::check(
        &state.extensions,
        extensions::Ceremony::Authentication,
        &received,
        rp.policy().unsolicited_extensions,
    );
    let appid_hash = match (&state.extensions.appid, &extension_outputs) {
        (Some(appid), Ok(outputs)) if outputs.appid == Some(true) => Some(crypto::sha256(appid.as_bytes())),
        _ => None,
    };
    check_rp_id_hash(rp, auth_data.rp_id_hash(), appid_hash)?;
    check_user_present(&auth_data)?;
    let sticky = rp.policy().sticky_user_verification && credential.uv_initialized;
    check_user_verified(&auth_data, uv_required(state.user_verification) || sticky)?;
    check_backup_eligibility(&auth_data, credential)?;
    let extension_outputs = extension_outputs?;

    let client_data_hash = crypto::sha256(client_data.raw());
    let key = CoseKey::parse(&credential.public_key)?;
    if !rp.allows_algorithm(key.alg()) {
        return Err(Error::new(ErrorKind::AlgorithmNotAllowed, "stored key's algorithm"));
    }
    crypto::verify(
        &key,
        &[auth_data.raw(), &client_data_hash],
        response.signature(),
        rp.policy().dangerous.allow_sha1,
    )?;

    let (counter, sign_count) = check_counter(rp.policy().counter, credential.sign_count, auth_data.sign_count())?;
    let flags = auth_data.flags();
    let update = CredentialUpdate {
        expected_sign_count: credential.sign_count,
        new_sign_count: sign_count,
        backup_state: flags.backup_state(),
        backup_state_changed: flags.backup_state() != credential.backup_state,
        user_verified: flags.user_verified(),
        uv_initialized: credential.uv_initialized || flags.user_verified(),
        used_at: now,
    };
    Ok(VerifiedAuthentication {
        update,
        counter,
        flags: auth_data.flags(),
        user_handle: credential.user_handle.clone(),
        mediation: state.mediation,
        extensions: extension_outputs,
        response,
    })
}

/// §7.2 step 5.
fn check_allowed_credential(state: &AuthenticationState, response: &AuthenticationResponse) -> Result<()> {
    let allowed = state.allow_credentials.is_empty()
        || state.allow_credentials.iter().any(|id| id.as_slice() == response.raw_id());
    if allowed {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::CredentialNotAllowed, ""))
    }
}

/// §7.2 step 6: the credential belongs to the user the ceremony is for.
fn check_owner(
    state: &AuthenticationState,
    response: &AuthenticationResponse,
    credential: &StoredCredential,
) -> Result<()> {
    let owner = credential.user_handle.as_slice();
    let ok = match (state.user_handle.as_deref(), response.user_handle()) {
        // The user was identified before the ceremony.
        (Some(user), returned) => crypto::ct_eq(user, owner) && returned.is_none_or(|h| crypto::ct_eq(h, owner)),
        // Discoverable: the authenticator must name the owner.
        (None, Some(returned)) => crypto::ct_eq(returned, owner),
        (None, None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::UserHandle, ""))
    }
}

/// §7.2 step 18: BE must not change from what was recorded at registration.
fn check_backup_eligibility(auth_data: &AuthenticatorData<'_>, credential: &StoredCredential) -> Result<()> {
    if credential.backup_eligible.contradicts(auth_data.flags().backup_eligible()) {
        return Err(Error::new(ErrorKind::BackupEligibility, ""));
    }
    Ok(())
}

/// §7.2 step 22: when either count is nonzero the new one must exceed the stored one.
/// Returns the outcome and the count to store (never lower than the stored one).
fn check_counter(policy: CounterPolicy, stored: u32, new: u32) -> Result<(CounterOutcome, u32)> {
    if stored == 0 && new == 0 {
        return Ok((CounterOutcome::BothZero, 0));
    }
    if new > stored {
        return Ok((CounterOutcome::Increased, new));
    }
    match policy {
        CounterPolicy::Reject => Err(Error::new(ErrorKind::Counter, "")),
        CounterPolicy::Report => Ok((CounterOutcome::Regressed, stored)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_rule() {
        let reject = CounterPolicy::Reject;
        assert_eq!(check_counter(reject, 0, 0).unwrap(), (CounterOutcome::BothZero, 0));
        assert_eq!(check_counter(reject, 5, 6).unwrap(), (CounterOutcome::Increased, 6));
        assert_eq!(check_counter(reject, 0, 1).unwrap(), (CounterOutcome::Increased, 1));
        for (stored, new) in [(5, 5), (5, 0), (6, 5)] {
            assert_eq!(check_counter(reject, stored, new).unwrap_err().kind(), ErrorKind::Counter);
            assert_eq!(check_counter(CounterPolicy::Report, stored, new).unwrap(), (CounterOutcome::Regressed, stored));
        }
    }
}
