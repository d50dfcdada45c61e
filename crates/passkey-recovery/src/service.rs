//! The recovery service with a passkey: initiation, completion.

use rand_core::CryptoRng;

use crate::code::OneTimeCode;
use crate::delivery::{Confirmation, DeliveryPayload};
use crate::lookup::{LookupKey, LookupSecret, RequesterKey};
use crate::observe::{self, AuditMode, Flow, RecoveryAuditSink};
use crate::policy::{Channel, RecoveryPolicy, Redemption, Scope};
use crate::rate_limit::{self, RateKey, RateLimitStore};
use crate::stepup::{
    decide, decide_with_shadow, ChannelFacts, ChannelKind, Decision, Divergence, Outcome, RiskSignals,
};
use crate::store::{ChallengeRecord, ConsumeOutcome, GrantRecord, RecoveryStore};
use crate::token::{
    recovery_challenge, AssertionOptionsJson, DeliveredSecret, GrantToken, RecoveryHandle, RecoveryToken, SubjectId,
    TokenHash,
};
use crate::RecoveryError;
use passkey_verifier::audit::{AuditEvent, AuditKind, CorrelationId, ReasonCategory};
use passkey_verifier::hazmat::crypto;
use passkey_verifier::{sign_in_with_store, AuthenticationResponse, AuthenticationState, Challenge};
use passkey_verifier::{CredentialStore, RelyingParty, UnixTime};

/// The most scopes a request may name.
const MAX_SCOPES: usize = 3;
/// The most channel facts a request may carry.
pub(crate) const MAX_CHANNELS: usize = 8;

/// A request to start a recovery. The lookup key and the requester key are mandatory: the
/// API cannot be called without the keyed, normalised identifier. `Debug` redacts.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitiateRequest {
    /// The keyed, normalised identifier the user typed.
    pub lookup: LookupKey,
    /// The keyed requester.
    pub requester: RequesterKey,
    /// The account the host resolved from the identifier; `None` when none matched (the
    /// response and the store work are the same).
    pub subject: Option<SubjectId>,
    /// The delivery channel.
    pub channel: Channel,
    /// The subject's verified channels with their facts (for an unknown account: the facts
    /// the host would assume for the channel typed, so that the decision is the same).
    pub channels: Vec<ChannelFacts>,
    /// The risk signals.
    pub signals: RiskSignals,
    /// What the grant will allow (default: register a passkey).
    pub scopes: Vec<Scope>,
}

impl InitiateRequest {
    /// A request to recover `subject` through `channel`, for a passkey registration.
    #[must_use]
    pub fn new(
        lookup: LookupKey,
        requester: RequesterKey,
        subject: Option<SubjectId>,
        channel: Channel,
        channels: Vec<ChannelFacts>,
    ) -> Self {
        Self {
            lookup,
            requester,
            subject,
            channel,
            channels,
            signals: RiskSignals::none(),
            scopes: vec![Scope::RegisterPasskey],
        }
    }

    /// Sets the risk signals.
    #[must_use]
    pub const fn signals(mut self, signals: RiskSignals) -> Self {
        self.signals = signals;
        self
    }

    /// Sets the scopes.
    #[must_use]
    pub fn scopes(mut self, scopes: impl Into<Vec<Scope>>) -> Self {
        self.scopes = scopes.into();
        self
    }
}

impl core::fmt::Debug for InitiateRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InitiateRequest")
            .field("channel", &self.channel)
            .field("channels", &self.channels)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// An initiated recovery: the same shape whether or not the account exists. Return only the
/// handle to the client; deliver the payload; keep the rest for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Initiated {
    /// The correlation ID.
    pub correlation_id: CorrelationId,
    /// The recovery's handle: return it to the requester (it is needed with a code).
    pub handle: RecoveryHandle,
    /// What to deliver over the channel (for an unknown account: deliver nothing).
    pub payload: DeliveryPayload,
    /// What completion requires.
    pub redemption: Redemption,
    /// When it expires.
    pub expires_at: UnixTime,
    /// The step-up decision it follows.
    pub decision: Decision,
    /// How the shadow policy's decision differs, in shadow mode.
    pub shadow: Option<Divergence>,
}

/// What accompanies the secret at completion. `Debug` names the kind of proof only.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Proof<'a> {
    /// An assertion (`PublicKeyCredential` JSON) over [`recovery_challenge`] by a passkey of
    /// the subject.
    Passkey(&'a [u8]),
    /// Nothing: accepted only for [`Redemption::TokenAlone`].
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

/// A scoped, single-use authorisation issued by a completed recovery or onboarding. Hand the
/// token to the client and redeem it with
/// [`Recovery::authorize_registration`] (or [`Recovery::consume_grant`]). `Debug` redacts.
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
    /// The correlation ID.
    pub correlation_id: CorrelationId,
}

/// Recovery and onboarding over a [`RecoveryStore`] (and, for the passkeyless path,
/// [`PendingStore`](crate::PendingStore)), a [`RateLimitStore`], the relying party's
/// [`CredentialStore`] and an audit sink.
#[derive(Debug)]
pub struct Recovery<S, L, K, A> {
    pub(crate) rp: RelyingParty,
    pub(crate) policy: RecoveryPolicy,
    pub(crate) secret: LookupSecret,
    pub(crate) store: S,
    pub(crate) limits: L,
    pub(crate) credentials: K,
    pub(crate) audit: A,
    pub(crate) audit_mode: AuditMode,
}

impl<S: RecoveryStore, L: RateLimitStore, K: CredentialStore, A: RecoveryAuditSink> Recovery<S, L, K, A> {
    /// Recovery for `rp` under `policy`; `secret` keys the pseudonyms of audit events.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::InvalidPolicy`] when the policy fails [`RecoveryPolicy::validate`].
    pub fn new(
        rp: RelyingParty,
        policy: RecoveryPolicy,
        secret: LookupSecret,
        store: S,
        limits: L,
        credentials: K,
        audit: A,
    ) -> Result<Self, RecoveryError> {
        policy.validate()?;
        Ok(Self { rp, policy, secret, store, limits, credentials, audit, audit_mode: AuditMode::FailOpen })
    }

    /// Sets what a failing audit sink does (default [`AuditMode::FailOpen`]).
    #[must_use]
    pub const fn with_audit_mode(mut self, mode: AuditMode) -> Self {
        self.audit_mode = mode;
        self
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

    /// The lookup secret (to derive [`LookupKey`]s and [`RequesterKey`]s).
    pub const fn lookup_secret(&self) -> &LookupSecret {
        &self.secret
    }

    /// Assertion options for completing a recovery (the challenge is [`recovery_challenge`];
    /// no credentials are listed, so the options reveal nothing about the account).
    pub fn assertion_options(&self, handle: &RecoveryHandle, secret: &DeliveredSecret) -> AssertionOptionsJson {
        AssertionOptionsJson::new(&self.rp, &recovery_challenge(handle, secret), self.policy.user_verification)
    }

    /// Records `event` and applies the audit mode and the refusal metric to `result`.
    pub(crate) async fn finish<T>(
        &self,
        flow: Flow,
        event: AuditEvent,
        result: Result<T, RecoveryError>,
    ) -> Result<T, RecoveryError> {
        if let Err(e) = &result {
            observe::refused(flow, e);
        }
        if self.audit.record_event(event).await.is_err() {
            observe::audit_failed();
            if self.audit_mode == AuditMode::FailClosed {
                return Err(RecoveryError::AuditUnavailable);
            }
        }
        result
    }

    pub(crate) fn event(
        &self,
        kind: AuditKind,
        correlation_id: Option<&CorrelationId>,
        channel: Option<Channel>,
        reason: Option<ReasonCategory>,
        now: UnixTime,
    ) -> AuditEvent {
        AuditEvent::new(kind, correlation_id.cloned(), channel.map(Channel::as_str), reason, now)
    }

    pub(crate) fn pseudonym(&self, subject: Option<&SubjectId>) -> Option<String> {
        subject.map(|s| self.secret.pseudonym(s).as_str().to_owned())
    }

    pub(crate) async fn check_requester(&self, key: &RequesterKey, now: UnixTime) -> Result<(), RecoveryError> {
        rate_limit::check(&self.limits, &RateKey::requester(key.as_bytes()), self.policy.per_requester, now).await
    }

    /// Counts one proof attempt of `requester` against the recovery `recovery` in both
    /// backoff tiers.
    pub(crate) async fn check_proof_attempt(
        &self,
        requester: &RequesterKey,
        recovery: &TokenHash,
        now: UnixTime,
    ) -> Result<(), RecoveryError> {
        let key = RateKey::failures(requester.as_bytes(), recovery.as_bytes());
        rate_limit::check(&self.limits, &key, self.policy.failures_short, now).await?;
        rate_limit::check(&self.limits, &key, self.policy.failures_long, now).await
    }

    /// Starts a recovery: rate limits per requester and per identifier, the step-up
    /// decision on the subject's channels and signals, then a handle and a secret (a deep-link
    /// token over a channel with confirmed E2EE, an 8-digit code otherwise), stored hashed.
    /// For an unknown account a decoy is stored the same way (a random subject, a secret
    /// nothing matches): the same store operations, the same response.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::RateLimited`]; [`RecoveryError::ManualReview`] with the reasons;
    /// [`RecoveryError::ChannelExcluded`] when the decision does not accept the channel;
    /// [`RecoveryError::InvalidRequest`]; [`RecoveryError::Storage`].
    pub async fn initiate(
        &self,
        request: &InitiateRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Initiated, RecoveryError> {
        observe::initiated(Flow::Passkey);
        let correlation_id = CorrelationId::random(rng);
        // The pseudonym is computed for unknown accounts too (of the decoy), so both cost the same.
        let decoy = SubjectId::new(random_bytes(rng));
        let subject = request.subject.as_ref().unwrap_or(&decoy);
        let pseudonym = self.pseudonym(Some(subject)).filter(|_| request.subject.is_some());
        let result = self.initiate_inner(request, subject, &correlation_id, rng, now).await;
        let reason = match &result {
            Ok(_) if request.subject.is_none() => Some(ReasonCategory::UnknownAccount),
            Ok(_) => None,
            Err(e) => Some(e.reason()),
        };
        let mut event = self
            .event(AuditKind::RecoveryInitiated, Some(&correlation_id), Some(request.channel), reason, now)
            .with_pseudonyms(pseudonym, Some(request.requester.pseudonym().as_str().to_owned()));
        match &result {
            Ok(i) => event = event.with_decision(outcome_name(&i.decision.outcome), reason_names(&i.decision)),
            Err(RecoveryError::ManualReview { reasons }) => {
                event = event.with_decision("manual_review", reasons.iter().map(|r| format!("{r:?}")).collect());
            }
            Err(_) => {}
        }
        self.finish(Flow::Passkey, event, result).await
    }

    async fn initiate_inner(
        &self,
        request: &InitiateRequest,
        subject: &SubjectId,
        correlation_id: &CorrelationId,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Initiated, RecoveryError> {
        if request.scopes.is_empty() || request.scopes.len() > MAX_SCOPES || request.channels.len() > MAX_CHANNELS {
            return Err(RecoveryError::InvalidRequest("scopes or channels out of bounds"));
        }
        self.check_requester(&request.requester, now).await?;
        let key = RateKey::identifier(request.lookup.as_bytes());
        rate_limit::check(&self.limits, &key, self.policy.per_identifier, now).await?;

        let (decision, shadow) = match &self.policy.shadow {
            Some(candidate) => {
                let report = decide_with_shadow(
                    self.policy.operation,
                    &request.channels,
                    &request.signals,
                    &self.policy.stepup,
                    candidate,
                );
                (report.decision, Some(report.divergence))
            }
            None => (decide(self.policy.operation, &request.channels, &request.signals, &self.policy.stepup), None),
        };
        let facts = request.channels.iter().find(|f| f.kind() == request.channel.kind());
        let redemption = self.redemption_for(request.channel, facts, &decision)?;
        if redemption == Redemption::TokenAlone && request.scopes.contains(&Scope::RevokeOtherCredentials) {
            return Err(RecoveryError::InvalidRequest("revoking credentials requires a passkey"));
        }

        let handle = RecoveryHandle::random(rng);
        let secret = new_secret(facts.is_some_and(Channel::link_allowed), rng);
        let ttl_secs = self.policy.ttl_secs(request.channel);
        let expires_at = now.plus_secs(ttl_secs);
        let secret_hash = if request.subject.is_some() {
            secret.hash_for(&handle)
        } else {
            // A decoy: nothing ever hashes to it.
            TokenHash::from_bytes(crypto::sha256(&random_bytes(rng)))
        };
        let record = ChallengeRecord {
            handle_hash: handle.hash(),
            secret_hash,
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
        let confirmation = match redemption {
            Redemption::TokenAlone => Confirmation::SecretAlone,
            _ => Confirmation::Passkey,
        };
        let payload = DeliveryPayload {
            handle: handle.clone(),
            secret,
            channel: request.channel,
            confirmation,
            ttl_secs,
            expires_at,
        };
        Ok(Initiated {
            correlation_id: correlation_id.clone(),
            handle,
            payload,
            redemption,
            expires_at,
            decision,
            shadow,
        })
    }

    /// What completing over `channel` requires under `decision`. The channel must be one the
    /// decision can use (present and not unusable); then the secret alone where the policy
    /// allows it and the decision names this channel alone, a passkey where the decision
    /// names a passkey (alone or paired with this channel), and nothing otherwise.
    fn redemption_for(
        &self,
        channel: Channel,
        facts: Option<&ChannelFacts>,
        decision: &Decision,
    ) -> Result<Redemption, RecoveryError> {
        if facts.is_none_or(|f| self.policy.stepup.strength(f).is_none()) {
            return Err(RecoveryError::ChannelExcluded);
        }
        let this = channel.kind();
        match decision.outcome {
            Outcome::ManualReview => Err(RecoveryError::ManualReview { reasons: decision.reasons.clone() }),
            Outcome::UseChannel(k) if k == this && self.policy.token_alone_allowed => Ok(Redemption::TokenAlone),
            Outcome::UseChannel(k) if k == this || k == ChannelKind::Passkey => Ok(Redemption::PasskeyRequired),
            Outcome::StepUp(a, b)
                if (a == ChannelKind::Passkey && b == this) || (b == ChannelKind::Passkey && a == this) =>
            {
                Ok(Redemption::PasskeyRequired)
            }
            _ => Err(RecoveryError::ChannelExcluded),
        }
    }

    /// Completes a recovery: `handle` (from the requester) with the delivered `secret` and
    /// `proof`. A wrong secret spends one of the recovery's attempts (only the handle's holder
    /// can try); each proof counts against this requester's backoff tiers for this recovery,
    /// never anyone else's, so a party holding the link cannot lock the user out.
    ///
    /// # Errors
    ///
    /// [`UnknownToken`](RecoveryError::UnknownToken) (no such recovery, or a wrong secret),
    /// [`Replayed`](RecoveryError::Replayed), [`Expired`](RecoveryError::Expired),
    /// [`AttemptsExhausted`](RecoveryError::AttemptsExhausted),
    /// [`RateLimited`](RecoveryError::RateLimited) (this requester's backoff),
    /// [`WrongSubject`](RecoveryError::WrongSubject),
    /// [`PasskeyRequired`](RecoveryError::PasskeyRequired),
    /// [`Verification`](RecoveryError::Verification), [`Storage`](RecoveryError::Storage).
    pub async fn complete(
        &self,
        handle: &RecoveryHandle,
        secret: &DeliveredSecret,
        proof: Proof<'_>,
        requester: &RequesterKey,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        let requester_pseudonym = Some(requester.pseudonym().as_str().to_owned());
        let record = match self.store.find_challenge(&handle.hash()).await {
            Ok(Some(record)) => record,
            other => {
                let e = other.err().map_or(RecoveryError::UnknownToken, RecoveryError::storage);
                let event = self
                    .event(AuditKind::RecoveryFailed, None, None, Some(e.reason()), now)
                    .with_pseudonyms(None, requester_pseudonym);
                return self.finish(Flow::Passkey, event, Err(e)).await;
            }
        };
        let result = self.complete_record(handle, secret, &record, proof, requester, rng, now).await;
        let (kind, reason) = match &result {
            Ok(_) => {
                let started = record.expires_at.as_secs().saturating_sub(self.policy.ttl_secs(record.channel));
                observe::completed(Flow::Passkey, now.as_secs().saturating_sub(started));
                (AuditKind::RecoveryCompleted, None)
            }
            Err(e) => (AuditKind::RecoveryFailed, Some(e.reason())),
        };
        let event = self
            .event(kind, Some(&record.correlation_id), Some(record.channel), reason, now)
            .with_pseudonyms(self.pseudonym(Some(&record.subject)), requester_pseudonym);
        self.finish(Flow::Passkey, event, result).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn complete_record(
        &self,
        handle: &RecoveryHandle,
        secret: &DeliveredSecret,
        record: &ChallengeRecord,
        proof: Proof<'_>,
        requester: &RequesterKey,
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
        if !crypto::ct_eq(secret.hash_for(handle).as_bytes(), record.secret_hash.as_bytes()) {
            self.store.decrement_attempts(&record.handle_hash).await.map_err(RecoveryError::storage)?;
            return Err(RecoveryError::UnknownToken);
        }
        match (proof, record.redemption) {
            (Proof::Passkey(json), _) => {
                self.check_proof_attempt(requester, &record.handle_hash, now).await?;
                self.verify_passkey(
                    recovery_challenge(handle, secret),
                    Some(&record.subject),
                    json,
                    record.expires_at,
                    now,
                )
                .await?;
            }
            (Proof::TokenAlone, Redemption::TokenAlone) => {}
            (Proof::TokenAlone, _) => return Err(RecoveryError::PasskeyRequired),
        }
        let (grant, stored) =
            self.new_grant(&record.subject, &record.correlation_id, Some(record.channel), &record.scopes, rng, now);
        // Consuming the secret and storing its grant are one atomic step of the store.
        match self.store.redeem_challenge(&record.handle_hash, stored).await.map_err(RecoveryError::storage)? {
            ConsumeOutcome::Consumed => Ok(grant),
            ConsumeOutcome::AlreadyConsumed => Err(RecoveryError::Replayed),
            ConsumeOutcome::Unavailable => Err(RecoveryError::AttemptsExhausted),
            ConsumeOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }

    /// A fresh grant and its stored form.
    pub(crate) fn new_grant(
        &self,
        subject: &SubjectId,
        correlation_id: &CorrelationId,
        channel: Option<Channel>,
        scopes: &[Scope],
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> (Grant, GrantRecord) {
        let token = GrantToken::random(rng);
        let expires_at = now.plus_secs(self.policy.grant_ttl_secs);
        let stored = GrantRecord {
            grant_hash: token.hash(),
            subject: subject.clone(),
            correlation_id: correlation_id.clone(),
            channel,
            scopes: scopes.to_vec(),
            expires_at,
            consumed: false,
        };
        let grant = Grant {
            token,
            subject: subject.clone(),
            scopes: scopes.to_vec(),
            expires_at,
            correlation_id: correlation_id.clone(),
        };
        (grant, stored)
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

pub(crate) fn new_secret(link: bool, rng: &mut impl CryptoRng) -> DeliveredSecret {
    if link {
        DeliveredSecret::Link(RecoveryToken::random(rng))
    } else {
        DeliveredSecret::Code(OneTimeCode::random(rng))
    }
}

pub(crate) fn random_bytes(rng: &mut impl CryptoRng) -> Vec<u8> {
    let mut b = vec![0u8; 16];
    rng.fill_bytes(&mut b);
    b
}

pub(crate) const fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::UseChannel(_) => "use_channel",
        Outcome::StepUp(..) => "step_up",
        _ => "manual_review",
    }
}

pub(crate) fn reason_names(decision: &Decision) -> Vec<String> {
    decision.reasons.iter().map(|r| format!("{r:?}")).collect()
}
