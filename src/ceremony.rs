//! The ceremony layer: issues ceremonies, keeps their state server-side (single-use, bound to
//! the user, expiring), verifies responses with the pure functions, and applies the outcome
//! to the stores.

use std::sync::Arc;

use rand_core::CryptoRng;

use crate::audit::{AuditEvent, AuditKind, AuditSink, ReasonCategory};
use crate::challenge::AuthenticationState;
use crate::challenge::UnixTime;
use crate::error::{Category, Error, ErrorKind};
use crate::options::{
    start_authentication, start_registration, AuthenticationOptions, CreationOptionsJson, CredentialDescriptor,
    RegistrationOptions, RequestOptionsJson, User,
};
use crate::rp::RelyingParty;
use crate::store::{
    CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, InsertOutcome, StateId, UpdateOutcome,
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
}

impl CeremonyError {
    /// The reason an audit event records for this failure: the verification category, or
    /// [`ReasonCategory::Storage`].
    #[must_use]
    pub fn audit_reason(&self) -> ReasonCategory {
        match self {
            Self::Verification(e) => ReasonCategory::Verification(e.category()),
            Self::Storage(_) => ReasonCategory::Storage,
        }
    }

    /// The failure's category; storage failures are [`Category::Storage`].
    #[must_use]
    pub fn category(&self) -> Category {
        match self {
            Self::Verification(e) => e.category(),
            Self::Storage(_) => Category::Storage,
        }
    }

    /// The failed check, for verification failures.
    #[must_use]
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Verification(e) => Some(e.kind()),
            Self::Storage(_) => None,
        }
    }

    fn storage(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(e))
    }
}

/// A finished sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignIn {
    /// The signed-in user.
    pub user_handle: Vec<u8>,
    /// The credential used.
    pub credential_id: Vec<u8>,
    /// Whether the user was verified.
    pub user_verified: bool,
    /// What happened to the counter.
    pub counter: CounterOutcome,
    /// The count now stored.
    pub sign_count: u32,
    /// The update that was stored (count, BS and whether it changed, UV, time of use).
    pub update: CredentialUpdate,
}

/// Drives registration and sign-in ceremonies over a [`ChallengeStore`] and a
/// [`CredentialStore`] (one type may implement both, like [`MemoryStore`](crate::store::MemoryStore)).
pub struct Ceremonies<C, K> {
    rp: RelyingParty,
    challenges: C,
    credentials: K,
    audit: Option<Arc<dyn AuditSink>>,
}

impl<C: core::fmt::Debug, K: core::fmt::Debug> core::fmt::Debug for Ceremonies<C, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ceremonies")
            .field("rp", &self.rp)
            .field("challenges", &self.challenges)
            .field("credentials", &self.credentials)
            .field("audit", &self.audit.is_some())
            .finish()
    }
}

impl<C: ChallengeStore, K: CredentialStore> Ceremonies<C, K> {
    /// Ceremonies for `rp` over the given stores.
    pub const fn new(rp: RelyingParty, challenges: C, credentials: K) -> Self {
        Self { rp, challenges, credentials, audit: None }
    }

    /// Sends an [`AuditEvent`] for every finished registration and sign-in (success or the
    /// failure's category; never a challenge, key or identifier) to `sink`.
    #[must_use]
    pub fn with_audit_sink(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Stores issued state under a fresh random ID.
    async fn keep(&self, state: CeremonyState, rng: &mut (impl CryptoRng + Send)) -> Result<StateId, CeremonyError> {
        let id = StateId::random(rng);
        self.challenges.insert(&id, state).await.map_err(CeremonyError::storage)?;
        Ok(id)
    }

    /// Takes state once; an expired state is refused before anything is looked up.
    async fn take(&self, id: &StateId, now: UnixTime) -> Result<CeremonyState, CeremonyError> {
        let state = self.challenges.take(id).await.map_err(CeremonyError::storage)?;
        let state = state.ok_or_else(|| Error::new(ErrorKind::StateNotFound, "no pending ceremony"))?;
        if now >= state.expires_at() {
            return Err(Error::new(ErrorKind::CeremonyExpired, "").into());
        }
        Ok(state)
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
        options: &RegistrationOptions,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<(StateId, CreationOptionsJson), CeremonyError> {
        let mut options = options.clone();
        options.exclude_credentials = self.descriptors(&user.id).await?;
        let (json, state) = start_registration(&self.rp, user, &options, rng, now)?;
        Ok((self.keep(CeremonyState::Registration(state), rng).await?, json))
    }

    /// Finishes a registration: takes the state (once), verifies the response, and stores
    /// the credential if its ID is new.
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
        nickname: Option<String>,
        now: UnixTime,
    ) -> Result<CredentialRecord, CeremonyError> {
        let result = self.finish_registration_unaudited(state_id, response_json, nickname, now).await;
        self.audit(AuditKind::Registration, &result, now);
        result
    }

    async fn finish_registration_unaudited(
        &self,
        state_id: &StateId,
        response_json: &[u8],
        nickname: Option<String>,
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
        record.nickname = nickname;
        match self.credentials.insert_new(record.clone()).await.map_err(CeremonyError::storage)? {
            InsertOutcome::Inserted => Ok(record),
            InsertOutcome::AlreadyExists => Err(Error::new(ErrorKind::CredentialExists, "").into()),
        }
    }

    /// Starts a sign-in. With `user_handle`, for that user, `allowCredentials` listing their
    /// credentials; without, a discoverable (username-less) sign-in.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Storage`] when a store fails.
    pub async fn start_authentication(
        &self,
        user_handle: Option<&[u8]>,
        options: &AuthenticationOptions,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<(StateId, RequestOptionsJson), CeremonyError> {
        let mut options = options.clone();
        options.user_handle = user_handle.map(<[u8]>::to_vec);
        options.allow_credentials = match user_handle {
            Some(handle) => self.descriptors(handle).await?,
            None => Vec::new(),
        };
        let (json, state) = start_authentication(&self.rp, &options, rng, now)?;
        Ok((self.keep(CeremonyState::Authentication(state), rng).await?, json))
    }

    /// Finishes a sign-in: takes the state (once), looks the credential up, verifies the
    /// assertion, and updates the counter by compare-and-swap.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::StateNotFound`]; [`ErrorKind::CeremonyExpired`];
    /// [`ErrorKind::CredentialNotFound`] for an unknown (or revoked) credential; any
    /// verification failure (a credential of another user fails with
    /// [`ErrorKind::UserHandle`]); [`ErrorKind::CounterConflict`] when a concurrent sign-in
    /// updated the counter first; [`CeremonyError::Storage`].
    pub async fn finish_authentication(
        &self,
        state_id: &StateId,
        response_json: &[u8],
        now: UnixTime,
    ) -> Result<SignIn, CeremonyError> {
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
        let CeremonyState::Authentication(state) = self.take(state_id, now).await? else {
            return Err(Error::new(ErrorKind::StateNotFound, "no pending sign-in").into());
        };
        let response = AuthenticationResponse::from_json(response_json)?;
        let verified = sign_in_with_store(&self.rp, &self.credentials, response, now, |_| state)
            .await
            .map_err(|e| e.into_error(CeremonyError::storage))?;
        Ok(SignIn {
            user_handle: verified.user_handle().to_vec(),
            credential_id: verified.credential_id().to_vec(),
            user_verified: verified.user_verified(),
            counter: verified.counter(),
            sign_count: verified.sign_count(),
            update: verified.update(),
        })
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
    state_for: impl FnOnce(&CredentialRecord) -> AuthenticationState,
) -> Result<VerifiedAuthentication, SignInFailure<K::Error>> {
    let record = credentials
        .get(response.raw_id())
        .await
        .map_err(SignInFailure::Storage)?
        .ok_or_else(|| Error::new(ErrorKind::CredentialNotFound, ""))?;
    let state = state_for(&record);
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
