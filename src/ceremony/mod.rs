//! The ceremony layer: issues ceremonies, keeps their state server-side (single-use, bound to
//! the user, expiring), verifies responses with the pure functions, and applies the outcome
//! to the stores.

mod inputs;
mod sources;

use std::sync::Arc;

use rand_core::CryptoRng;

pub use inputs::{RegistrationChoices, RegistrationDetails, SignInChoices, SignInTarget};
use sources::SharedRng;
pub use sources::{SystemClock, TimeProvider};

use crate::audit::{AuditEvent, AuditKind, AuditSink, ReasonCategory};
use crate::challenge::{AuthenticationState, Mediation, UnixTime};
use crate::error::{Category, Error, ErrorKind};
use crate::extensions::ExtensionOutputs;
use crate::options::{
    start_authentication, start_registration, AuthenticationOptions, CreationOptionsJson, CredentialDescriptor,
    RegistrationOptions, RequestOptionsJson, User,
};
use crate::rp::RelyingParty;
use crate::signal::{AllAcceptedCredentials, CurrentUserDetails, UnknownCredential};
use crate::store::{
    CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, InsertOutcome, KeptAttestation, StateId,
    UpdateOutcome,
};
use crate::verify::CredentialUpdate;
use crate::verify::{verify_authentication, verify_registration, CounterOutcome, VerifiedAuthentication};
use crate::wire::json::{AuthenticationResponse, RegistrationResponse};

/// A ceremony failure: either verification refused the response, or a store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// A check failed (verification, state lookup, uniqueness, concurrent update).
    #[error(transparent)]
    Verification(#[from] Error),
    /// A store returned an error; the ceremony failed closed.
    #[error("storage error")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A sign-in presented a credential the store does not know (never registered, deleted,
    /// or deleted during the sign-in): [`ErrorKind::CredentialNotFound`], category
    /// `credential`. Carries the signal for the page to pass to
    /// `PublicKeyCredential.signalUnknownCredential()` (see
    /// [`unknown_credential`](Self::unknown_credential)).
    #[error("unknown credential")]
    UnknownCredential(UnknownCredential),
}

impl CeremonyError {
    /// The reason an audit event records for this failure: the verification category, or
    /// [`ReasonCategory::Storage`].
    #[must_use]
    pub fn audit_reason(&self) -> ReasonCategory {
        match self {
            Self::Verification(e) => ReasonCategory::Verification(e.category()),
            Self::Storage(_) => ReasonCategory::Storage,
            Self::UnknownCredential(_) => ReasonCategory::Verification(Category::Credential),
        }
    }

    /// The failure's category; storage failures are [`Category::Storage`].
    #[must_use]
    pub fn category(&self) -> Category {
        match self {
            Self::Verification(e) => e.category(),
            Self::Storage(_) => Category::Storage,
            Self::UnknownCredential(_) => Category::Credential,
        }
    }

    /// The failed check, for verification failures.
    #[must_use]
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Verification(e) => Some(e.kind()),
            Self::Storage(_) => None,
            Self::UnknownCredential(_) => Some(ErrorKind::CredentialNotFound),
        }
    }

    /// For a sign-in with a credential the store does not know, the argument of
    /// `PublicKeyCredential.signalUnknownCredential()`: send its
    /// [`to_json`](UnknownCredential::to_json) to the page with the failure, so that the
    /// user's authenticator can hide the stale passkey.
    #[must_use]
    pub const fn unknown_credential(&self) -> Option<&UnknownCredential> {
        match self {
            Self::UnknownCredential(signal) => Some(signal),
            _ => None,
        }
    }

    fn storage(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(e))
    }
}

/// A finished sign-in. `Debug` redacts the user handle and the credential ID.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignIn {
    /// The signed-in user.
    pub user_handle: Vec<u8>,
    /// The credential used.
    pub credential_id: Vec<u8>,
    /// What happened to the counter.
    pub counter: CounterOutcome,
    /// How the sign-in was mediated ([`Mediation::Conditional`] for autofill).
    pub mediation: Mediation,
    /// The verified extension outputs (PRF results, a read large blob, ...).
    pub extensions: ExtensionOutputs,
    /// The update that was stored: the count now stored, BS and whether it changed, UV in
    /// this sign-in and `uvInitialized`, the time of use.
    pub update: CredentialUpdate,
}

impl core::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignIn")
            .field("user_handle", &"<redacted>")
            .field("credential_id_len", &self.credential_id.len())
            .field("counter", &self.counter)
            .field("mediation", &self.mediation)
            .field("extensions", &self.extensions)
            .field("update", &self.update)
            .finish()
    }
}

/// Drives registration and sign-in ceremonies over a [`ChallengeStore`] and a
/// [`CredentialStore`] (one type may implement both, like [`MemoryStore`](crate::store::MemoryStore)).
///
/// It owns a random source (given at construction) and a clock ([`SystemClock`] unless
/// [`Ceremonies::with_clock`] sets another), so its methods take neither.
///
/// ```
/// use passkey_verifier::{Ceremonies, MemoryStore, RelyingParty, SignInChoices, SignInTarget};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let rng = rand_core::UnwrapErr(getrandom::SysRng); // the operating system's generator
/// let ceremonies = Ceremonies::new(rp, MemoryStore::new(), MemoryStore::new(), rng);
/// # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// # runtime.block_on(async {
/// // In an async handler: a username-less sign-in.
/// let (state_id, options) =
///     ceremonies.start_authentication(SignInTarget::Discoverable, &SignInChoices::default()).await?;
/// // Keep `state_id` with the browser's session, send `options.to_json()` to the page, then
/// // `ceremonies.finish_authentication(&state_id, &posted_json).await`.
/// # let _ = (state_id, options);
/// # Ok::<_, passkey_verifier::CeremonyError>(())
/// # })?;
/// # Ok(())
/// # }
/// ```
pub struct Ceremonies<C, K> {
    rp: RelyingParty,
    challenges: C,
    credentials: K,
    audit: Option<Arc<dyn AuditSink>>,
    clock: Arc<dyn TimeProvider>,
    rng: SharedRng,
}

impl<C: core::fmt::Debug, K: core::fmt::Debug> core::fmt::Debug for Ceremonies<C, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ceremonies")
            .field("rp", &self.rp)
            .field("challenges", &self.challenges)
            .field("credentials", &self.credentials)
            .field("audit", &self.audit.is_some())
            .finish_non_exhaustive()
    }
}

impl<C: ChallengeStore, K: CredentialStore> Ceremonies<C, K> {
    /// Ceremonies for `rp` over the given stores, drawing challenges and state IDs from `rng`
    /// (for example `rand_core::UnwrapErr(getrandom::SysRng)`) and reading the system clock.
    pub fn new(rp: RelyingParty, challenges: C, credentials: K, rng: impl CryptoRng + Send + 'static) -> Self {
        Self { rp, challenges, credentials, audit: None, clock: Arc::new(SystemClock), rng: SharedRng::new(rng) }
    }

    /// Reads the time from `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl TimeProvider + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sends an [`AuditEvent`] for every finished registration and sign-in (success or the
    /// failure's category; never a challenge, key or identifier) to `sink`.
    #[must_use]
    pub fn with_audit_sink(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Stores issued state under a fresh random ID.
    async fn keep(&self, state: CeremonyState) -> Result<StateId, CeremonyError> {
        let id = StateId::random(&mut self.rng.draw());
        self.challenges.insert(&id, state).await.map_err(CeremonyError::storage)?;
        Ok(id)
    }

    /// Takes state once; an expired state is refused before anything is looked up.
    async fn take(&self, id: &StateId, now: UnixTime) -> Result<CeremonyState, CeremonyError> {
        let state = self.challenges.take(id).await.map_err(CeremonyError::storage)?;
        live(state, now)
    }

    /// Takes a sign-in's state and, when one database holds both state and credentials,
    /// reads the presented credential in the same round trip.
    async fn take_for_sign_in(
        &self,
        id: &StateId,
        credential_id: &[u8],
        now: UnixTime,
    ) -> Result<(CeremonyState, Option<Option<CredentialRecord>>), CeremonyError> {
        let states = ChallengeStore::database(&self.challenges);
        if states.is_none() || states != CredentialStore::database(&self.credentials) {
            return Ok((self.take(id, now).await?, None));
        }
        let (state, record) =
            self.challenges.take_with_credential(id, credential_id).await.map_err(CeremonyError::storage)?;
        Ok((live(state, now)?, record))
    }

    fn audit<T>(&self, kind: AuditKind, result: &Result<T, CeremonyError>, now: UnixTime) {
        if let Some(sink) = &self.audit {
            let reason = result.as_ref().err().map(CeremonyError::audit_reason);
            sink.record(AuditEvent::new(kind, None, None, reason, now));
        }
    }

    /// The relying party.
    pub const fn relying_party(&self) -> &RelyingParty {
        &self.rp
    }

    /// The challenge store.
    pub const fn challenges(&self) -> &C {
        &self.challenges
    }

    /// The credential store.
    pub const fn credentials(&self) -> &K {
        &self.credentials
    }

    async fn descriptors(&self, user_handle: &[u8]) -> Result<Vec<CredentialDescriptor>, CeremonyError> {
        let records = self.credentials.list_for_user(user_handle).await.map_err(CeremonyError::storage)?;
        Ok(records
            .into_iter()
            .map(|r| CredentialDescriptor { id: r.credential.id, transports: r.transports })
            .collect())
    }

    /// Starts a registration for `user`: `excludeCredentials` is filled from the user's
    /// existing credentials, and the state is stored under the returned [`StateId`] (hand
    /// it to the client with the options).
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Storage`] when a store fails; [`ErrorKind::Config`] for an invalid user
    /// handle.
    pub async fn start_registration(
        &self,
        user: &User,
        choices: &RegistrationChoices,
    ) -> Result<(StateId, CreationOptionsJson), CeremonyError> {
        let options = RegistrationOptions {
            user_verification: choices.user_verification,
            resident_key: choices.resident_key,
            attachment: choices.attachment,
            attestation: choices.attestation,
            attestation_formats: choices.attestation_formats.clone(),
            exclude_credentials: self.descriptors(&user.id).await?,
            hints: choices.hints.clone(),
            extensions: choices.extensions.clone(),
            mediation: choices.mediation,
        };
        let (json, state) = start_registration(&self.rp, user, &options, &mut self.rng.draw(), self.clock.now())?;
        Ok((self.keep(CeremonyState::Registration(state)).await?, json))
    }

    /// Finishes a registration: takes the state (once), verifies the response, and stores
    /// the credential if its ID is new. The user's credential list changed: follow with
    /// [`all_accepted_credentials`](Self::all_accepted_credentials) for the signal.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::StateNotFound`] for an unknown, finished or wrong-kind state;
    /// [`ErrorKind::CeremonyExpired`]; any verification failure;
    /// [`ErrorKind::CredentialExists`] when the credential ID is registered already (to
    /// anyone); [`CeremonyError::Storage`].
    pub async fn finish_registration(
        &self,
        state_id: &StateId,
        response_json: &[u8],
        details: &RegistrationDetails,
    ) -> Result<CredentialRecord, CeremonyError> {
        let now = self.clock.now();
        let result = self.finish_registration_unaudited(state_id, response_json, details, now).await;
        self.audit(AuditKind::Registration, &result, now);
        result
    }

    async fn finish_registration_unaudited(
        &self,
        state_id: &StateId,
        response_json: &[u8],
        details: &RegistrationDetails,
        now: UnixTime,
    ) -> Result<CredentialRecord, CeremonyError> {
        let CeremonyState::Registration(state) = self.take(state_id, now).await? else {
            return Err(Error::new(ErrorKind::StateNotFound, "no pending registration").into());
        };
        let response = RegistrationResponse::from_json(response_json)?;
        let verified = verify_registration(&self.rp, state, response, now)?;
        let mut record = CredentialRecord::new(
            verified.to_stored_credential(),
            verified.alg(),
            verified.aaguid(),
            verified.attestation().format().as_str(),
            now,
        );
        record.transports = verified.transports().map(str::to_owned).collect();
        record.nickname.clone_from(&details.nickname);
        record.discoverable = verified.extensions().discoverable;
        if details.keep_attestation {
            record.attestation = Some(KeptAttestation::new(
                verified.attestation_object().to_vec(),
                verified.client_data_json().to_vec(),
            ));
        }
        match self.credentials.insert_new(record.clone()).await.map_err(CeremonyError::storage)? {
            InsertOutcome::Inserted => Ok(record),
            InsertOutcome::AlreadyExists => Err(Error::new(ErrorKind::CredentialExists, "").into()),
        }
    }

    /// Starts a sign-in: for [`SignInTarget::User`], `allowCredentials` lists that user's
    /// credentials; [`SignInTarget::Discoverable`] is a username-less sign-in.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Storage`] when a store fails.
    pub async fn start_authentication(
        &self,
        target: SignInTarget<'_>,
        choices: &SignInChoices,
    ) -> Result<(StateId, RequestOptionsJson), CeremonyError> {
        let (user_handle, allow_credentials) = match target {
            SignInTarget::User(handle) => (Some(handle.to_vec()), self.descriptors(handle).await?),
            SignInTarget::Discoverable => (None, Vec::new()),
        };
        let options = AuthenticationOptions {
            user_verification: choices.user_verification,
            user_handle,
            allow_credentials,
            hints: choices.hints.clone(),
            extensions: choices.extensions.clone(),
            mediation: choices.mediation,
        };
        let (json, state) = start_authentication(&self.rp, &options, &mut self.rng.draw(), self.clock.now())?;
        Ok((self.keep(CeremonyState::Authentication(state)).await?, json))
    }

    /// Finishes a sign-in: takes the state (once), looks the credential up, verifies the
    /// assertion, and updates the counter by compare-and-swap.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::StateNotFound`]; [`ErrorKind::CeremonyExpired`];
    /// [`CeremonyError::UnknownCredential`] ([`ErrorKind::CredentialNotFound`], with the
    /// unknown-credential signal) for an unknown (or revoked) credential; any
    /// verification failure (a credential of another user fails with
    /// [`ErrorKind::UserHandle`]); [`ErrorKind::CounterConflict`] when a concurrent sign-in
    /// updated the counter first; [`CeremonyError::Storage`].
    pub async fn finish_authentication(
        &self,
        state_id: &StateId,
        response_json: &[u8],
    ) -> Result<SignIn, CeremonyError> {
        let now = self.clock.now();
        let result = self.finish_authentication_unaudited(state_id, response_json, now).await;
        self.audit(AuditKind::SignIn, &result, now);
        result
    }

    async fn finish_authentication_unaudited(
        &self,
        state_id: &StateId,
        response_json: &[u8],
        now: UnixTime,
    ) -> Result<SignIn, CeremonyError> {
        let response = match AuthenticationResponse::from_json(response_json) {
            Ok(response) => response,
            Err(e) => {
                // A malformed answer still ends the ceremony.
                self.take(state_id, now).await?;
                return Err(e.into());
            }
        };
        let (taken, record) = self.take_for_sign_in(state_id, response.raw_id(), now).await?;
        let CeremonyState::Authentication(state) = taken else {
            return Err(Error::new(ErrorKind::StateNotFound, "no pending sign-in").into());
        };
        let presented = response.raw_id().to_vec();
        let signed_in = finish_sign_in(&self.rp, &self.credentials, response, record, now, |_| Ok(state)).await;
        let verified = match signed_in {
            Ok(verified) => verified,
            Err(SignInFailure::Check(e)) if e.kind() == ErrorKind::CredentialNotFound => {
                return Err(CeremonyError::UnknownCredential(UnknownCredential::new(&self.rp, presented)));
            }
            Err(e) => return Err(e.into_error(CeremonyError::storage)),
        };
        Ok(SignIn {
            user_handle: verified.user_handle().to_vec(),
            credential_id: verified.credential_id().to_vec(),
            counter: verified.counter(),
            mediation: verified.mediation(),
            extensions: verified.extensions().clone(),
            update: verified.update(),
        })
    }

    /// The argument of `PublicKeyCredential.signalAllAcceptedCredentials()` for user
    /// `user_handle`, from the store's list of their credentials. Send it to the page after the
    /// list changed (a registration; [`delete_credential`](Self::delete_credential) returns it
    /// itself), so the user's authenticators can hide passkeys the relying party no longer
    /// accepts.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Storage`] when the store fails.
    pub async fn all_accepted_credentials(&self, user_handle: &[u8]) -> Result<AllAcceptedCredentials, CeremonyError> {
        let records = self.credentials.list_for_user(user_handle).await.map_err(CeremonyError::storage)?;
        Ok(AllAcceptedCredentials::from_records(&self.rp, user_handle, &records))
    }

    /// Deletes (revokes) credential `credential_id` of user `user_handle`, and returns the
    /// all-accepted-credentials signal of the list that remains.
    ///
    /// The credential must belong to `user_handle`: another user's credential is not deleted
    /// and fails exactly like an unknown one, so the call reveals nothing about other
    /// accounts. (Credential IDs are unique across users, so the owner read before the
    /// deletion is the owner of what is deleted.)
    ///
    /// ```
    /// # use passkey_verifier::{Ceremonies, MemoryStore, RelyingParty};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
    /// # let ceremonies = Ceremonies::new(rp, MemoryStore::new(), MemoryStore::new(), rand_core::UnwrapErr(getrandom::SysRng));
    /// # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// # runtime.block_on(async {
    /// # let (user_handle, credential_id) = (b"user-1".as_slice(), b"no-such-credential".as_slice());
    /// // In the "remove passkey" handler of the signed-in user:
    /// match ceremonies.delete_credential(user_handle, credential_id).await {
    ///     // Send `signal.to_json()` to the page: signalAllAcceptedCredentials(...).
    ///     Ok(signal) => assert_eq!(signal.user_id(), user_handle),
    ///     Err(e) => assert_eq!(e.kind(), Some(passkey_verifier::ErrorKind::CredentialNotFound)),
    /// }
    /// # Ok::<_, passkey_verifier::CeremonyError>(())
    /// # })?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::CredentialNotFound`] when no credential `credential_id` of `user_handle`
    /// exists (none at all, another user's, or deleted meanwhile); [`CeremonyError::Storage`]
    /// when the store fails.
    pub async fn delete_credential(
        &self,
        user_handle: &[u8],
        credential_id: &[u8],
    ) -> Result<AllAcceptedCredentials, CeremonyError> {
        let not_found =
            || CeremonyError::from(Error::new(ErrorKind::CredentialNotFound, "no such credential for the user"));
        let record = self.credentials.get(credential_id).await.map_err(CeremonyError::storage)?;
        if record.is_none_or(|r| r.user_handle() != user_handle) {
            return Err(not_found());
        }
        if !self.credentials.delete(credential_id).await.map_err(CeremonyError::storage)? {
            return Err(not_found());
        }
        self.all_accepted_credentials(user_handle).await
    }

    /// The argument of `PublicKeyCredential.signalCurrentUserDetails()` for `user`: send it to
    /// the page after the user's name or display name changed, so their authenticators show
    /// the new names. (Users are the host's records; the layer keeps none.)
    #[must_use]
    pub fn current_user_details(&self, user: &User) -> CurrentUserDetails {
        CurrentUserDetails::new(&self.rp, user)
    }
}

/// A failure of [`sign_in_with_store`]: a failed check, or the credential store's error.
#[derive(Debug)]
pub enum SignInFailure<E> {
    /// A verification check failed (or the credential is unknown, or lost the counter race).
    Check(Error),
    /// The credential store failed.
    Storage(E),
}

impl<E> From<Error> for SignInFailure<E> {
    fn from(e: Error) -> Self {
        Self::Check(e)
    }
}

impl<E> SignInFailure<E> {
    /// Folds the failure into a caller's error type.
    pub fn into_error<T: From<Error>>(self, storage: impl FnOnce(E) -> T) -> T {
        match self {
            Self::Check(e) => e.into(),
            Self::Storage(e) => storage(e),
        }
    }
}

/// Looks the presented credential up, verifies the assertion against it with the state
/// `state_for` gives for that record, and applies the result to the store by compare-and-swap
/// on the sign count (a concurrent sign-in that moved the count first wins).
///
/// This is the sign-in path of [`Ceremonies`], for flows that hold their own ceremony state
/// (the recovery crate's passkey proofs): the store sees the same update either way.
///
/// # Errors
///
/// [`SignInFailure::Check`] with [`ErrorKind::CredentialNotFound`] for an unknown (or
/// concurrently revoked) credential, [`ErrorKind::CounterConflict`] when a concurrent sign-in
/// won, or the failed verification check; [`SignInFailure::Storage`] when the store fails.
pub async fn sign_in_with_store<K: CredentialStore>(
    rp: &RelyingParty,
    credentials: &K,
    response: AuthenticationResponse,
    now: UnixTime,
    state_for: impl FnOnce(&CredentialRecord) -> Result<AuthenticationState, Error>,
) -> Result<VerifiedAuthentication, SignInFailure<K::Error>> {
    finish_sign_in(rp, credentials, response, None, now, state_for).await
}

/// A taken state that is present and not expired.
fn live(state: Option<CeremonyState>, now: UnixTime) -> Result<CeremonyState, CeremonyError> {
    let state = state.ok_or_else(|| Error::new(ErrorKind::StateNotFound, "no pending ceremony"))?;
    if now >= state.expires_at() {
        return Err(Error::new(ErrorKind::CeremonyExpired, "").into());
    }
    Ok(state)
}

/// [`sign_in_with_store`] with the credential row when it was read already (`Some`).
async fn finish_sign_in<K: CredentialStore>(
    rp: &RelyingParty,
    credentials: &K,
    response: AuthenticationResponse,
    read: Option<Option<CredentialRecord>>,
    now: UnixTime,
    state_for: impl FnOnce(&CredentialRecord) -> Result<AuthenticationState, Error>,
) -> Result<VerifiedAuthentication, SignInFailure<K::Error>> {
    let record = match read {
        Some(record) => record,
        None => credentials.get(response.raw_id()).await.map_err(SignInFailure::Storage)?,
    };
    let record = record.ok_or_else(|| Error::new(ErrorKind::CredentialNotFound, ""))?;
    let state = state_for(&record)?;
    let verified = verify_authentication(rp, state, response, &record.credential, now)?;
    match credentials
        .update_after_sign_in(&record.credential.id, verified.update())
        .await
        .map_err(SignInFailure::Storage)?
    {
        UpdateOutcome::Updated => Ok(verified),
        UpdateOutcome::Conflict => Err(Error::new(ErrorKind::CounterConflict, "").into()),
        UpdateOutcome::NotFound => Err(Error::new(ErrorKind::CredentialNotFound, "revoked during sign-in").into()),
    }
}
