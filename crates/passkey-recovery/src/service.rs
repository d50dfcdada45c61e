//! The recovery service: initiation, completion and grants.

use rand_core::CryptoRng;

use crate::policy::{Channel, RecoveryPolicy, Redemption, Risk, Scope};
use crate::rate_limit::{self, RateKey, RateLimitStore};
use crate::store::{ChallengeRecord, ConsumeOutcome, GrantRecord, RecoveryStore};
use crate::token::{recovery_challenge, AssertionOptionsJson, DeliveryPayload, GrantToken, RecoveryToken, SubjectId};
use crate::RecoveryError;
use passkey_verifier::audit::{AuditEvent, AuditKind, AuditSink, CorrelationId, ReasonCategory};
use passkey_verifier::sign_in_with_store;
use passkey_verifier::AuthenticationResponse;
use passkey_verifier::CredentialStore;
use passkey_verifier::RelyingParty;
use passkey_verifier::{AuthenticationState, Challenge, UnixTime};

/// A request to start a recovery. `Debug` redacts the subject and keys.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitiateRequest {
    /// The account, as the host resolved it from what the user typed; `None` when no account
    /// matched (the response has the same shape, and nothing redeemable is stored).
    pub subject: Option<SubjectId>,
    /// The delivery channel.
    pub channel: Channel,
    /// The host's risk assessment.
    pub risk: Risk,
    /// What the grant will allow (default: register a passkey).
    pub scopes: Vec<Scope>,
    /// The per-subject rate-limit key: pass a keyed hash of the identifier the user typed, so
    /// that the limit applies to unknown accounts exactly as to known ones (otherwise the
    /// subject ID is used, and unknown accounts have no per-subject bucket).
    pub lookup_key: Option<Vec<u8>>,
    /// The per-requester rate-limit key (for example a keyed hash of the client's IP).
    pub requester_key: Option<Vec<u8>>,
}

impl InitiateRequest {
    /// A request for `subject` over `channel`, at elevated risk, for a passkey registration.
    #[must_use]
    pub fn new(subject: Option<SubjectId>, channel: Channel) -> Self {
        Self {
            subject,
            channel,
            risk: Risk::default(),
            scopes: vec![Scope::RegisterPasskey],
            lookup_key: None,
            requester_key: None,
        }
    }

    /// Sets the risk.
    #[must_use]
    pub const fn risk(mut self, risk: Risk) -> Self {
        self.risk = risk;
        self
    }

    /// Sets the scopes.
    #[must_use]
    pub fn scopes(mut self, scopes: impl Into<Vec<Scope>>) -> Self {
        self.scopes = scopes.into();
        self
    }

    /// Sets the per-subject rate-limit key.
    #[must_use]
    pub fn lookup_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.lookup_key = Some(key.into());
        self
    }

    /// Sets the per-requester rate-limit key.
    #[must_use]
    pub fn requester_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.requester_key = Some(key.into());
        self
    }
}

impl core::fmt::Debug for InitiateRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InitiateRequest")
            .field("subject", &self.subject.as_ref().map(|_| "<redacted>"))
            .field("channel", &self.channel)
            .field("risk", &self.risk)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// An initiated recovery: the same shape whether or not the account exists.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Initiated {
    /// The correlation ID (for the host's logs and the audit trail).
    pub correlation_id: CorrelationId,
    /// What to deliver over the channel.
    pub payload: DeliveryPayload,
    /// What redemption requires.
    pub redemption: Redemption,
    /// When the token expires.
    pub expires_at: UnixTime,
}

/// What accompanies a token at completion. `Debug` names the kind of proof only.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Proof<'a> {
    /// An assertion (`PublicKeyCredential` JSON) over [`recovery_challenge`] of the token, by
    /// a passkey of the subject.
    Passkey(&'a [u8]),
    /// Nothing: accepted only for [`Redemption::TokenAlone`] tokens.
    TokenAlone,
}

impl core::fmt::Debug for Proof<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Passkey(_) => f.write_str("Passkey(<redacted>)"),
            Self::TokenAlone => f.write_str("TokenAlone"),
        }
    }
}

/// A scoped, single-use authorization issued by a completed recovery. Hand the token to the
/// client (or keep it in the session) and redeem it with [`Recovery::consume_grant`] right
/// before the action. `Debug` redacts the token and subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grant {
    /// The bearer handle.
    pub token: GrantToken,
    /// The recovered account.
    pub subject: SubjectId,
    /// What it allows.
    pub scopes: Vec<Scope>,
    /// When it expires.
    pub expires_at: UnixTime,
    /// The recovery's correlation ID.
    pub correlation_id: CorrelationId,
}

/// A consumed grant: act on `subject` within `scopes` now. `Debug` redacts the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedeemedGrant {
    /// The recovered account.
    pub subject: SubjectId,
    /// Everything the grant allowed (the requested scope among them).
    pub scopes: Vec<Scope>,
    /// The recovery's correlation ID.
    pub correlation_id: CorrelationId,
}

/// Recovery and onboarding over a [`RecoveryStore`], a [`RateLimitStore`], the relying
/// party's [`CredentialStore`] (to verify assertions and advance counters) and an
/// [`AuditSink`].
#[derive(Debug)]
pub struct Recovery<S, L, K, A> {
    pub(crate) rp: RelyingParty,
    pub(crate) policy: RecoveryPolicy,
    pub(crate) store: S,
    pub(crate) limits: L,
    pub(crate) credentials: K,
    pub(crate) audit: A,
}

impl<S: RecoveryStore, L: RateLimitStore, K: CredentialStore, A: AuditSink> Recovery<S, L, K, A> {
    /// Recovery for `rp` under `policy`.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::InvalidPolicy`] when the policy fails [`RecoveryPolicy::validate`].
    pub fn new(
        rp: RelyingParty,
        policy: RecoveryPolicy,
        store: S,
        limits: L,
        credentials: K,
        audit: A,
    ) -> Result<Self, RecoveryError> {
        policy.validate()?;
        Ok(Self { rp, policy, store, limits, credentials, audit })
    }

    /// The relying party.
    pub const fn relying_party(&self) -> &RelyingParty {
        &self.rp
    }

    /// The policy.
    pub const fn policy(&self) -> &RecoveryPolicy {
        &self.policy
    }

    /// The recovery store.
    pub const fn store(&self) -> &S {
        &self.store
    }

    /// The rate-limit store.
    pub const fn rate_limits(&self) -> &L {
        &self.limits
    }

    /// The credential store.
    pub const fn credentials(&self) -> &K {
        &self.credentials
    }

    /// The audit sink.
    pub const fn audit(&self) -> &A {
        &self.audit
    }

    /// Assertion options for redeeming `token` (the challenge is [`recovery_challenge`]; no
    /// credentials are listed, so the options reveal nothing about the account).
    pub fn assertion_options(&self, token: &RecoveryToken) -> AssertionOptionsJson {
        AssertionOptionsJson::new(&self.rp, &recovery_challenge(token), self.policy.user_verification)
    }

    pub(crate) fn emit(
        &self,
        kind: AuditKind,
        correlation_id: Option<&CorrelationId>,
        channel: Option<Channel>,
        reason: Option<ReasonCategory>,
        now: UnixTime,
    ) {
        self.audit.record(AuditEvent::new(kind, correlation_id.cloned(), channel.map(Channel::as_str), reason, now));
    }

    pub(crate) async fn check_requester(&self, key: Option<&[u8]>, now: UnixTime) -> Result<(), RecoveryError> {
        match key {
            Some(key) => {
                rate_limit::check(&self.limits, &RateKey::requester(key), self.policy.per_requester, now).await
            }
            None => Ok(()),
        }
    }

    /// Starts a recovery: checks the rate limits (per requester, then per subject), draws a
    /// token and stores its hash with the subject, the channel's TTL, the attempt budget and
    /// the required assurance. For an unknown account (`request.subject` is `None`) the
    /// response has the same shape but nothing is stored: deliver nothing, or a neutral
    /// notice, and answer the client exactly as for a known account.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::RateLimited`]; [`RecoveryError::InvalidRequest`] for no scopes, or for
    /// [`Scope::RevokeOtherCredentials`] on a token-alone redemption;
    /// [`RecoveryError::Storage`].
    pub async fn initiate(
        &self,
        request: &InitiateRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Initiated, RecoveryError> {
        let correlation_id = CorrelationId::random(rng);
        let result = self.initiate_inner(request, &correlation_id, rng, now).await;
        let reason = match &result {
            Ok(_) if request.subject.is_none() => Some(ReasonCategory::UnknownAccount),
            Ok(_) => None,
            Err(e) => Some(e.reason()),
        };
        self.emit(AuditKind::RecoveryInitiated, Some(&correlation_id), Some(request.channel), reason, now);
        result
    }

    async fn initiate_inner(
        &self,
        request: &InitiateRequest,
        correlation_id: &CorrelationId,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Initiated, RecoveryError> {
        let redemption = self.policy.redemption_for(request.risk);
        if request.scopes.is_empty() {
            return Err(RecoveryError::InvalidRequest("no scopes"));
        }
        if redemption == Redemption::TokenAlone && request.scopes.contains(&Scope::RevokeOtherCredentials) {
            return Err(RecoveryError::InvalidRequest("revoking credentials requires a passkey"));
        }
        self.check_requester(request.requester_key.as_deref(), now).await?;
        let subject_key = request.lookup_key.as_deref().or_else(|| request.subject.as_ref().map(SubjectId::as_bytes));
        if let Some(key) = subject_key {
            rate_limit::check(&self.limits, &RateKey::subject(key), self.policy.per_subject, now).await?;
        }

        let token = RecoveryToken::random(rng);
        let ttl_secs = self.policy.ttl_secs(request.channel);
        let expires_at = now.plus_secs(ttl_secs);
        if let Some(subject) = &request.subject {
            let record = ChallengeRecord {
                token_hash: token.hash(),
                subject: subject.clone(),
                correlation_id: correlation_id.clone(),
                channel: request.channel,
                redemption,
                scopes: request.scopes.clone(),
                attempts_left: self.policy.max_attempts,
                expires_at,
                consumed: false,
            };
            self.store.insert_challenge(record).await.map_err(RecoveryError::storage)?;
        }
        let payload = DeliveryPayload { token, channel: request.channel, ttl_secs, expires_at };
        Ok(Initiated { correlation_id: correlation_id.clone(), payload, redemption, expires_at })
    }

    /// Redeems `token` with `proof`: on success the token is consumed and a grant issued.
    /// Every failed proof spends one attempt. A passkey assertion must answer
    /// [`recovery_challenge`] of the token and come from a credential of the token's subject;
    /// its counter is advanced like a sign-in.
    ///
    /// # Errors
    ///
    /// Distinct variants for [`UnknownToken`](RecoveryError::UnknownToken),
    /// [`Replayed`](RecoveryError::Replayed), [`Expired`](RecoveryError::Expired),
    /// [`AttemptsExhausted`](RecoveryError::AttemptsExhausted),
    /// [`WrongSubject`](RecoveryError::WrongSubject) (a passkey of another account),
    /// [`PasskeyRequired`](RecoveryError::PasskeyRequired) (the token without an assertion),
    /// [`Verification`](RecoveryError::Verification) (the assertion failed another check),
    /// and [`Storage`](RecoveryError::Storage).
    pub async fn complete(
        &self,
        token: &RecoveryToken,
        proof: Proof<'_>,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        let record = match self.store.find_challenge(&token.hash()).await {
            Ok(Some(record)) => record,
            other => {
                let e = other.err().map_or(RecoveryError::UnknownToken, RecoveryError::storage);
                self.emit(AuditKind::RecoveryFailed, None, None, Some(e.reason()), now);
                return Err(e);
            }
        };
        let result = self.complete_record(token, &record, proof, rng, now).await;
        let (kind, reason) = match &result {
            Ok(_) => (AuditKind::RecoveryCompleted, None),
            Err(e) => (AuditKind::RecoveryFailed, Some(e.reason())),
        };
        self.emit(kind, Some(&record.correlation_id), Some(record.channel), reason, now);
        result
    }

    async fn complete_record(
        &self,
        token: &RecoveryToken,
        record: &ChallengeRecord,
        proof: Proof<'_>,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        if record.consumed {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.expires_at {
            return Err(RecoveryError::Expired);
        }
        if record.attempts_left == 0 {
            return Err(RecoveryError::AttemptsExhausted);
        }
        let checked = match (proof, record.redemption) {
            (Proof::Passkey(json), _) => self
                .verify_passkey(recovery_challenge(token), Some(&record.subject), json, record.expires_at, now)
                .await
                .map(|_| ()),
            (Proof::TokenAlone, Redemption::TokenAlone) => Ok(()),
            (Proof::TokenAlone, Redemption::PasskeyRequired) => Err(RecoveryError::PasskeyRequired),
        };
        if let Err(e) = checked {
            if e.spends_attempt() {
                self.store.decrement_attempts(&record.token_hash).await.map_err(RecoveryError::storage)?;
            }
            return Err(e);
        }
        let grant_token = GrantToken::random(rng);
        let expires_at = now.plus_secs(self.policy.grant_ttl_secs);
        let grant = GrantRecord {
            grant_hash: grant_token.hash(),
            subject: record.subject.clone(),
            correlation_id: record.correlation_id.clone(),
            channel: record.channel,
            scopes: record.scopes.clone(),
            expires_at,
            consumed: false,
        };
        // Consuming the token and storing its grant are one atomic step of the store.
        match self.store.redeem_challenge(&record.token_hash, grant).await.map_err(RecoveryError::storage)? {
            ConsumeOutcome::Consumed => {}
            ConsumeOutcome::AlreadyConsumed => return Err(RecoveryError::Replayed),
            ConsumeOutcome::Unavailable => return Err(RecoveryError::AttemptsExhausted),
            ConsumeOutcome::NotFound => return Err(RecoveryError::UnknownToken),
        }
        Ok(Grant {
            token: grant_token,
            subject: record.subject.clone(),
            scopes: record.scopes.clone(),
            expires_at,
            correlation_id: record.correlation_id.clone(),
        })
    }

    /// Redeems a grant for `scope`, once. A grant without `scope` is refused and left
    /// unconsumed.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`], [`RecoveryError::Replayed`],
    /// [`RecoveryError::Expired`], [`RecoveryError::ScopeNotGranted`],
    /// [`RecoveryError::Storage`].
    pub async fn consume_grant(
        &self,
        token: &GrantToken,
        scope: Scope,
        now: UnixTime,
    ) -> Result<RedeemedGrant, RecoveryError> {
        let hash = token.hash();
        let record = match self.store.find_grant(&hash).await {
            Ok(Some(record)) => record,
            other => {
                let e = other.err().map_or(RecoveryError::UnknownToken, RecoveryError::storage);
                self.emit(AuditKind::GrantConsumed, None, None, Some(e.reason()), now);
                return Err(e);
            }
        };
        let result = self.consume_grant_record(&record, scope, now).await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        self.emit(AuditKind::GrantConsumed, Some(&record.correlation_id), Some(record.channel), reason, now);
        result
    }

    async fn consume_grant_record(
        &self,
        record: &GrantRecord,
        scope: Scope,
        now: UnixTime,
    ) -> Result<RedeemedGrant, RecoveryError> {
        if record.consumed {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.expires_at {
            return Err(RecoveryError::Expired);
        }
        if !record.scopes.contains(&scope) {
            return Err(RecoveryError::ScopeNotGranted);
        }
        match self.store.consume_grant(&record.grant_hash).await.map_err(RecoveryError::storage)? {
            ConsumeOutcome::Consumed => Ok(RedeemedGrant {
                subject: record.subject.clone(),
                scopes: record.scopes.clone(),
                correlation_id: record.correlation_id.clone(),
            }),
            ConsumeOutcome::AlreadyConsumed | ConsumeOutcome::Unavailable => Err(RecoveryError::Replayed),
            ConsumeOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }

    /// Verifies an assertion over `challenge`: the credential is looked up, must belong to
    /// `subject` (or, without one, to its stored owner), and its counter is advanced by
    /// compare-and-swap. Returns the credential's owner.
    pub(crate) async fn verify_passkey(
        &self,
        challenge: Challenge,
        subject: Option<&SubjectId>,
        json: &[u8],
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<SubjectId, RecoveryError> {
        let response = AuthenticationResponse::from_json(json)?;
        let uv = self.policy.user_verification;
        let verified = sign_in_with_store(&self.rp, &self.credentials, response, now, |record| {
            let expected = subject.map_or_else(|| record.user_handle().to_vec(), |s| s.as_bytes().to_vec());
            AuthenticationState::new(challenge, Some(expected), uv, Vec::new(), expires_at)
        })
        .await
        .map_err(|e| e.into_error(RecoveryError::storage))?;
        Ok(SubjectId::new(verified.user_handle()))
    }
}
