//! Recovery without any passkey: two independent channels chosen by the step-up decision,
//! a waiting period during which every channel and device is told (with a one-tap cancel)
//! and any sign-in with an existing passkey cancels, then a grant.
//!
//! An HTTP handler calls, in order: [`Recovery::start_passkeyless`] (deliver both payloads,
//! send the notice with the cancel link everywhere, return the handle to the requester);
//! [`Recovery::confirm_factor`] once per channel; [`Recovery::passkeyless_status`] to poll;
//! [`Recovery::redeem_passkeyless`] after the waiting period. [`Recovery::cancel_recovery`]
//! serves the cancel link; [`Recovery::note_sign_in`] goes after every successful sign-in.

use rand_core::CryptoRng;

use crate::delivery::{Confirmation, DeliveryPayload};
use crate::lookup::{LookupKey, RequesterKey};
use crate::observe::{self, Flow, RecoveryAuditSink};
use crate::pending_store::{Factor, PendingRecord, PendingState, PendingStore};
use crate::policy::{Channel, Scope};
use crate::rate_limit::{self, RateKey, RateLimitStore};
use crate::service::{new_secret, outcome_name, random_bytes, reason_names, Grant, Recovery, MAX_CHANNELS};
use crate::stepup::{decide, ChannelFacts, ChannelKind, Decision, Outcome, RiskSignals, Signal};
use crate::store::RecoveryStore;
use crate::token::{CancelToken, DeliveredSecret, RecoveryHandle, SubjectId, TokenHash};
use crate::RecoveryError;
use passkey_verifier::audit::{AuditKind, CorrelationId, ReasonCategory};
use passkey_verifier::hazmat::crypto;
use passkey_verifier::{CredentialStore, UnixTime};

/// A request to recover without a passkey. `Debug` redacts.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeylessRequest {
    /// The keyed, normalised identifier the user typed.
    pub lookup: LookupKey,
    /// The keyed requester.
    pub requester: RequesterKey,
    /// The account, or `None` when none matched (a decoy is stored).
    pub subject: Option<SubjectId>,
    /// The subject's verified channels with their facts (passkeys are ignored: this path is
    /// for users who lost them).
    pub channels: Vec<ChannelFacts>,
    /// The risk signals (the requester always counts as a new device).
    pub signals: RiskSignals,
    /// What the grant will allow.
    pub scopes: Vec<Scope>,
}

impl PasskeylessRequest {
    /// A request for `subject` over its `channels`, for a passkey registration that revokes
    /// the other credentials and ends the other sessions.
    #[must_use]
    pub fn new(
        lookup: LookupKey,
        requester: RequesterKey,
        subject: Option<SubjectId>,
        channels: Vec<ChannelFacts>,
    ) -> Self {
        Self {
            lookup,
            requester,
            subject,
            channels,
            signals: RiskSignals::none(),
            scopes: vec![Scope::RegisterPasskey, Scope::RevokeOtherCredentials, Scope::EndOtherSessions],
        }
    }

    /// Sets the risk signals.
    #[must_use]
    pub const fn signals(mut self, signals: RiskSignals) -> Self {
        self.signals = signals;
        self
    }
}

impl core::fmt::Debug for PasskeylessRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasskeylessRequest").field("channels", &self.channels).finish_non_exhaustive()
    }
}

/// A started passkeyless recovery. Deliver each payload over its channel; send the cancel
/// link ([`CancelToken::render_link`], [`render_waiting_notice`](crate::render_waiting_notice))
/// to every channel and device of the account; return only the handle to the requester.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeylessStarted {
    /// The correlation ID.
    pub correlation_id: CorrelationId,
    /// The handle (return it to the requester).
    pub handle: RecoveryHandle,
    /// One payload per chosen channel.
    pub payloads: Vec<DeliveryPayload>,
    /// The one-tap cancel token.
    pub cancel: CancelToken,
    /// The waiting period that starts once both channels are confirmed.
    pub wait_secs: u64,
    /// The decision.
    pub decision: Decision,
}

/// Where a passkeyless recovery stands (safe to show the requester).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PasskeylessStatus {
    /// Channels still to confirm.
    Confirming {
        /// How many are confirmed.
        confirmed: u8,
        /// How many are needed.
        needed: u8,
    },
    /// Both confirmed; the grant is available from `ready_at`.
    Waiting {
        /// When the waiting period ends.
        ready_at: UnixTime,
    },
    /// The waiting period is over: redeem.
    Ready,
    /// Cancelled.
    Cancelled,
    /// Redeemed.
    Redeemed,
    /// Expired.
    Expired,
}

impl<S, L, K, A> Recovery<S, L, K, A>
where
    S: RecoveryStore + PendingStore,
    L: RateLimitStore,
    K: CredentialStore,
    A: RecoveryAuditSink,
{
    /// Starts a passkeyless recovery: rate limits per requester and identifier, then the
    /// step-up decision under [`RecoveryPolicy::passkeyless`](crate::RecoveryPolicy::passkeyless)
    /// with the requester as a new device, which must name two independent delivery
    /// channels (a phone channel after a number port or SIM change counts for nothing).
    ///
    /// # Errors
    ///
    /// [`RecoveryError::ManualReview`] with the reasons; [`RecoveryError::ChannelExcluded`];
    /// [`RecoveryError::RateLimited`]; [`RecoveryError::InvalidRequest`];
    /// [`RecoveryError::Storage`].
    pub async fn start_passkeyless(
        &self,
        request: &PasskeylessRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<PasskeylessStarted, RecoveryError> {
        observe::initiated(Flow::Passkeyless);
        let correlation_id = CorrelationId::random(rng);
        let decoy = SubjectId::new(random_bytes(rng));
        let subject = request.subject.as_ref().unwrap_or(&decoy);
        let pseudonym = self.pseudonym(Some(subject)).filter(|_| request.subject.is_some());
        let result = self.start_inner(request, subject, &correlation_id, rng, now).await;
        let reason = match &result {
            Ok(_) if request.subject.is_none() => Some(ReasonCategory::UnknownAccount),
            Ok(_) => None,
            Err(e) => Some(e.reason()),
        };
        let mut event = self
            .event(AuditKind::RecoveryInitiated, Some(&correlation_id), None, reason, now)
            .with_pseudonyms(pseudonym, Some(request.requester.pseudonym().as_str().to_owned()));
        match &result {
            Ok(s) => event = event.with_decision(outcome_name(&s.decision.outcome), reason_names(&s.decision)),
            Err(RecoveryError::ManualReview { reasons }) => {
                event = event.with_decision("manual_review", reasons.iter().map(|r| format!("{r:?}")).collect());
            }
            Err(_) => {}
        }
        self.finish(Flow::Passkeyless, event, result).await
    }

    async fn start_inner(
        &self,
        request: &PasskeylessRequest,
        subject: &SubjectId,
        correlation_id: &CorrelationId,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<PasskeylessStarted, RecoveryError> {
        if request.scopes.is_empty() || request.scopes.len() > 3 || request.channels.len() > MAX_CHANNELS {
            return Err(RecoveryError::InvalidRequest("scopes or channels out of bounds"));
        }
        self.check_requester(&request.requester, now).await?;
        let key = RateKey::identifier(request.lookup.as_bytes());
        rate_limit::check(&self.limits, &key, self.policy.per_identifier, now).await?;

        let channels: Vec<ChannelFacts> =
            request.channels.iter().filter(|c| c.kind() != ChannelKind::Passkey).copied().collect();
        let signals = request.signals.with(Signal::NewDevice);
        let decision = decide(self.policy.operation, &channels, &signals, &self.policy.passkeyless);
        let (a, b) = match decision.outcome {
            Outcome::StepUp(a, b) => (a, b),
            Outcome::ManualReview => return Err(RecoveryError::ManualReview { reasons: decision.reasons }),
            _ => return Err(RecoveryError::ChannelExcluded),
        };
        let (Some(first), Some(second)) = (Channel::of_kind(a), Channel::of_kind(b)) else {
            return Err(RecoveryError::ChannelExcluded);
        };

        let handle = RecoveryHandle::random(rng);
        let cancel = CancelToken::random(rng);
        let confirm_by = now.plus_secs(self.policy.passkeyless_confirm_secs);
        let mut payloads = Vec::new();
        let mut factors = Vec::new();
        for channel in [first, second] {
            let link = channels.iter().find(|f| f.kind() == channel.kind()).is_some_and(Channel::link_allowed);
            let secret = new_secret(link, rng);
            let secret_hash = if request.subject.is_some() {
                secret.hash_for(&handle)
            } else {
                TokenHash::from_bytes(crypto::sha256(&random_bytes(rng)))
            };
            factors.push(Factor { channel, secret_hash, confirmed: false });
            let ttl_secs = self.policy.passkeyless_confirm_secs;
            payloads.push(DeliveryPayload {
                handle: handle.clone(),
                secret,
                channel,
                confirmation: Confirmation::SecretAlone,
                ttl_secs,
                expires_at: confirm_by,
            });
        }
        let expires_at = confirm_by.plus_secs(self.policy.waiting_secs).plus_secs(self.policy.redeem_window_secs);
        let record = PendingRecord {
            handle_hash: handle.hash(),
            cancel_hash: cancel.hash(),
            subject: subject.clone(),
            correlation_id: correlation_id.clone(),
            factors,
            attempts_left: self.policy.max_attempts,
            scopes: request.scopes.clone(),
            state: PendingState::Confirming,
            created_at: now,
            confirm_by,
            ready_at: None,
            expires_at,
            version: 0,
            cancelled: false,
        };
        self.store.insert_pending(record).await.map_err(RecoveryError::storage)?;
        Ok(PasskeylessStarted {
            correlation_id: correlation_id.clone(),
            handle,
            payloads,
            cancel,
            wait_secs: self.policy.waiting_secs,
            decision,
        })
    }

    async fn pending(&self, handle: &RecoveryHandle) -> Result<PendingRecord, RecoveryError> {
        self.store
            .find_pending(&handle.hash())
            .await
            .map_err(RecoveryError::storage)?
            .ok_or(RecoveryError::UnknownToken)
    }

    /// Where the recovery of `handle` stands.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`]; [`RecoveryError::Storage`].
    pub async fn passkeyless_status(
        &self,
        handle: &RecoveryHandle,
        now: UnixTime,
    ) -> Result<PasskeylessStatus, RecoveryError> {
        Ok(status(&self.pending(handle).await?, now))
    }

    /// Confirms one channel with the secret delivered over it. A wrong secret spends one of
    /// the recovery's attempts (only the handle's holder can try: 5 tries at 10^8 codes).
    /// When both are confirmed the waiting period starts.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`] (no such recovery, or no channel's secret);
    /// [`RecoveryError::AttemptsExhausted`]; [`RecoveryError::Cancelled`];
    /// [`RecoveryError::Expired`]; [`RecoveryError::Replayed`] (already confirmed or
    /// redeemed); [`RecoveryError::Storage`].
    pub async fn confirm_factor(
        &self,
        handle: &RecoveryHandle,
        secret: &DeliveredSecret,
        now: UnixTime,
    ) -> Result<PasskeylessStatus, RecoveryError> {
        let found = self.pending(handle).await;
        let correlation = found.as_ref().ok().map(|r| r.correlation_id.clone());
        let subject = found.as_ref().ok().map(|r| r.subject.clone());
        let result = match found {
            Ok(record) => self.confirm_record(handle, secret, record, now).await,
            Err(e) => Err(e),
        };
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self
            .event(AuditKind::FactorConfirmed, correlation.as_ref(), None, reason, now)
            .with_pseudonyms(self.pseudonym(subject.as_ref()), None);
        self.finish(Flow::Passkeyless, event, result).await
    }

    async fn confirm_record(
        &self,
        handle: &RecoveryHandle,
        secret: &DeliveredSecret,
        record: PendingRecord,
        now: UnixTime,
    ) -> Result<PasskeylessStatus, RecoveryError> {
        live(&record, now)?;
        if record.state != PendingState::Confirming {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.confirm_by {
            return Err(RecoveryError::Expired);
        }
        if record.attempts_left == 0 {
            return Err(RecoveryError::AttemptsExhausted);
        }
        let hash = secret.hash_for(handle);
        let mut next = record.clone();
        next.version = record.version.saturating_add(1);
        let matched = next.factors.iter_mut().find(|f| crypto::ct_eq(f.secret_hash.as_bytes(), hash.as_bytes()));
        let result = match matched {
            None => {
                next.attempts_left = record.attempts_left.saturating_sub(1);
                Err(RecoveryError::UnknownToken)
            }
            Some(f) if f.confirmed => return Err(RecoveryError::Replayed),
            Some(f) => {
                f.confirmed = true;
                if next.factors.iter().all(|f| f.confirmed) {
                    next.state = PendingState::Waiting;
                    next.ready_at = Some(now.plus_secs(self.policy.waiting_secs));
                }
                Ok(status(&next, now))
            }
        };
        if !self.store.swap_pending(next, record.version).await.map_err(RecoveryError::storage)? {
            // A concurrent change (a cancel, another confirmation) won: report what is now.
            let now_record = self.pending(handle).await?;
            live(&now_record, now)?;
            return Err(RecoveryError::Replayed);
        }
        result
    }

    /// Redeems the recovery once its waiting period is over, for a grant (the secret
    /// consumed and the grant stored in one atomic step, and never after a cancel).
    ///
    /// # Errors
    ///
    /// [`RecoveryError::NotReady`]; [`RecoveryError::Cancelled`]; [`RecoveryError::Expired`];
    /// [`RecoveryError::Replayed`]; [`RecoveryError::UnknownToken`];
    /// [`RecoveryError::Storage`].
    pub async fn redeem_passkeyless(
        &self,
        handle: &RecoveryHandle,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        let found = self.pending(handle).await;
        let correlation = found.as_ref().ok().map(|r| r.correlation_id.clone());
        let subject = found.as_ref().ok().map(|r| r.subject.clone());
        let result = match found {
            Ok(record) => self.redeem_record(record, rng, now).await,
            Err(e) => Err(e),
        };
        let kind = if result.is_ok() { AuditKind::RecoveryCompleted } else { AuditKind::RecoveryFailed };
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self
            .event(kind, correlation.as_ref(), None, reason, now)
            .with_pseudonyms(self.pseudonym(subject.as_ref()), None);
        self.finish(Flow::Passkeyless, event, result).await
    }

    async fn redeem_record(
        &self,
        record: PendingRecord,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        live(&record, now)?;
        let ready_at = match (record.state, record.ready_at) {
            (PendingState::Redeemed, _) => return Err(RecoveryError::Replayed),
            (PendingState::Waiting, Some(at)) => at,
            _ => return Err(RecoveryError::NotReady { retry_after_secs: 0 }),
        };
        if now < ready_at {
            return Err(RecoveryError::NotReady { retry_after_secs: ready_at.as_secs().saturating_sub(now.as_secs()) });
        }
        let (grant, stored) = self.new_grant(&record.subject, &record.correlation_id, None, &record.scopes, rng, now);
        let mut next = record.clone();
        next.state = PendingState::Redeemed;
        next.version = record.version.saturating_add(1);
        if !self.store.redeem_pending(next, record.version, stored).await.map_err(RecoveryError::storage)? {
            let current = self.store.find_pending(&record.handle_hash).await.map_err(RecoveryError::storage)?;
            return Err(match current {
                Some(c) if c.cancelled => RecoveryError::Cancelled,
                _ => RecoveryError::Replayed,
            });
        }
        observe::completed(Flow::Passkeyless, now.as_secs().saturating_sub(record.created_at.as_secs()));
        Ok(grant)
    }

    /// Cancels the recovery whose cancel link was tapped; `true` if this call cancelled it.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::Storage`].
    pub async fn cancel_recovery(&self, cancel: &CancelToken, now: UnixTime) -> Result<bool, RecoveryError> {
        let result = self.store.cancel_pending(&cancel.hash()).await.map_err(RecoveryError::storage);
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self.event(AuditKind::RecoveryCancelled, None, None, reason, now);
        self.finish(Flow::Passkeyless, event, result).await
    }

    /// Cancels every pending recovery of `subject`: call it after every successful sign-in
    /// with an existing passkey (the rightful user is evidently not locked out). Returns how
    /// many were cancelled; a `RecoveryCancelled` audit event is recorded only when some were
    /// (or the store failed).
    ///
    /// # Errors
    ///
    /// [`RecoveryError::Storage`].
    pub async fn note_sign_in(&self, subject: &SubjectId, now: UnixTime) -> Result<u64, RecoveryError> {
        let result = self.store.cancel_pending_for(subject).await.map_err(RecoveryError::storage);
        // Most sign-ins cancel nothing: only a cancellation (or a failure) is an audit event.
        if matches!(result, Ok(0)) {
            return Ok(0);
        }
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self
            .event(AuditKind::RecoveryCancelled, None, None, reason, now)
            .with_pseudonyms(self.pseudonym(Some(subject)), None);
        self.finish(Flow::Passkeyless, event, result).await
    }
}

fn live(record: &PendingRecord, now: UnixTime) -> Result<(), RecoveryError> {
    if record.cancelled {
        return Err(RecoveryError::Cancelled);
    }
    if now >= record.expires_at {
        return Err(RecoveryError::Expired);
    }
    Ok(())
}

fn status(record: &PendingRecord, now: UnixTime) -> PasskeylessStatus {
    if record.cancelled {
        return PasskeylessStatus::Cancelled;
    }
    match (record.state, record.ready_at) {
        (PendingState::Redeemed, _) => PasskeylessStatus::Redeemed,
        _ if now >= record.expires_at => PasskeylessStatus::Expired,
        (PendingState::Waiting, Some(at)) if now >= at => PasskeylessStatus::Ready,
        (PendingState::Waiting, Some(ready_at)) => PasskeylessStatus::Waiting { ready_at },
        _ => {
            let confirmed = record.factors.iter().filter(|f| f.confirmed).count();
            PasskeylessStatus::Confirming {
                confirmed: u8::try_from(confirmed).unwrap_or(u8::MAX),
                needed: u8::try_from(record.factors.len()).unwrap_or(u8::MAX),
            }
        }
    }
}
