//! Device onboarding approved by an existing device (with a QR code as the transport).
//!
//! 1. The new device calls [`Recovery::start_onboarding`] and shows the returned nonce as a
//!    QR code ([`OnboardingNonce::render_link`]).
//! 2. A signed-in existing device scans it and answers [`Recovery::onboarding_assertion_options`]
//!    (the challenge is [`onboarding_challenge`] of the nonce) with one of its passkeys; the
//!    host calls [`Recovery::approve_onboarding`], which binds the nonce to that passkey's
//!    account (which must be the account the new device claimed, if it claimed one).
//! 3. The new device calls [`Recovery::redeem_onboarding`], once and before expiry, and gets a
//!    [`RegistrationTicket`] for that account: the host starts a passkey registration for it.

use rand_core::CryptoRng;

use crate::rate_limit::RateLimitStore;
use crate::service::Recovery;
use crate::store::{ApproveOutcome, ConsumeOutcome, OnboardingRecord, RecoveryStore};
use crate::token::{onboarding_challenge, AssertionOptionsJson, OnboardingNonce, SubjectId};
use crate::{AuditSink, RecoveryError};
use passkey_verifier::audit::AuditKind;
use passkey_verifier::audit::CorrelationId;
use passkey_verifier::CredentialStore;
use passkey_verifier::UnixTime;
use passkey_verifier::User;

/// A new device's request to be onboarded. `Debug` redacts the subject and key.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OnboardingRequest {
    /// The account the new device claims (for example typed by the user); only a passkey of
    /// that account can then approve. `None`: the approving passkey's account.
    pub claimed: Option<SubjectId>,
    /// The per-requester rate-limit key (for example a keyed hash of the client's IP).
    pub requester_key: Option<Vec<u8>>,
}

impl OnboardingRequest {
    /// A request claiming `claimed` (or none).
    #[must_use]
    pub fn new(claimed: Option<SubjectId>) -> Self {
        Self { claimed, requester_key: None }
    }

    /// Sets the per-requester rate-limit key.
    #[must_use]
    pub fn requester_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.requester_key = Some(key.into());
        self
    }
}

impl core::fmt::Debug for OnboardingRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnboardingRequest")
            .field("claimed", &self.claimed.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// A started onboarding: show the nonce to the user as a QR code. `Debug` redacts the nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnboardingStarted {
    /// The nonce (a secret: show it only on the new device's screen).
    pub nonce: OnboardingNonce,
    /// The correlation ID.
    pub correlation_id: CorrelationId,
    /// When the nonce expires.
    pub expires_at: UnixTime,
}

/// An approved onboarding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnboardingApproval {
    /// The correlation ID.
    pub correlation_id: CorrelationId,
}

/// The outcome of a redeemed onboarding: start a passkey registration for `subject` (for
/// example with [`Ceremonies::start_registration`](passkey_verifier::Ceremonies::start_registration)).
/// `Debug` redacts the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistrationTicket {
    /// The account the new device joins.
    pub subject: SubjectId,
    /// The correlation ID.
    pub correlation_id: CorrelationId,
}

impl RegistrationTicket {
    /// The [`User`] to register a passkey for, with the host's names for the account.
    #[must_use]
    pub fn user(&self, name: impl Into<String>, display_name: impl Into<String>) -> User {
        User { id: self.subject.as_bytes().to_vec(), name: name.into(), display_name: display_name.into() }
    }
}

impl<S: RecoveryStore, L: RateLimitStore, K: CredentialStore, A: AuditSink> Recovery<S, L, K, A> {
    /// Assertion options for approving `nonce` (the challenge is [`onboarding_challenge`]).
    pub fn onboarding_assertion_options(&self, nonce: &OnboardingNonce) -> AssertionOptionsJson {
        AssertionOptionsJson::new(&self.rp, &onboarding_challenge(nonce), self.policy.user_verification)
    }

    /// Starts an onboarding for a new device: checks the requester's rate limit, draws a nonce
    /// and stores its hash, expiring after the policy's onboarding TTL.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::RateLimited`]; [`RecoveryError::Storage`].
    pub async fn start_onboarding(
        &self,
        request: &OnboardingRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<OnboardingStarted, RecoveryError> {
        let correlation_id = CorrelationId::random(rng);
        let result = self.start_onboarding_inner(request, &correlation_id, rng, now).await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        self.emit(AuditKind::OnboardingStarted, Some(&correlation_id), None, reason, now);
        result
    }

    async fn start_onboarding_inner(
        &self,
        request: &OnboardingRequest,
        correlation_id: &CorrelationId,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<OnboardingStarted, RecoveryError> {
        self.check_requester(request.requester_key.as_deref(), now).await?;
        let nonce = OnboardingNonce::random(rng);
        let expires_at = now.plus_secs(self.policy.onboarding_ttl_secs);
        let record = OnboardingRecord {
            nonce_hash: nonce.hash(),
            correlation_id: correlation_id.clone(),
            claimed: request.claimed.clone(),
            approved_by: None,
            expires_at,
            consumed: false,
        };
        self.store.insert_onboarding(record).await.map_err(RecoveryError::storage)?;
        Ok(OnboardingStarted { nonce, correlation_id: correlation_id.clone(), expires_at })
    }

    /// Approves the onboarding of `nonce` with an assertion (`PublicKeyCredential` JSON) over
    /// [`onboarding_challenge`] of the nonce, from the existing device. The approving
    /// passkey's account is bound to the nonce; it must be the claimed account, if any. The
    /// passkey's counter is advanced like a sign-in.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`]; [`RecoveryError::Replayed`] when already approved or
    /// redeemed; [`RecoveryError::Expired`]; [`RecoveryError::WrongSubject`] for a passkey of
    /// another account than the claimed one; [`RecoveryError::Verification`];
    /// [`RecoveryError::Storage`].
    pub async fn approve_onboarding(
        &self,
        nonce: &OnboardingNonce,
        assertion_json: &[u8],
        now: UnixTime,
    ) -> Result<OnboardingApproval, RecoveryError> {
        let record = match self.store.find_onboarding(&nonce.hash()).await {
            Ok(Some(record)) => record,
            other => {
                let e = other.err().map_or(RecoveryError::UnknownToken, RecoveryError::storage);
                self.emit(AuditKind::OnboardingApproved, None, None, Some(e.reason()), now);
                return Err(e);
            }
        };
        let result = self.approve_record(nonce, &record, assertion_json, now).await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        self.emit(AuditKind::OnboardingApproved, Some(&record.correlation_id), None, reason, now);
        result
    }

    async fn approve_record(
        &self,
        nonce: &OnboardingNonce,
        record: &OnboardingRecord,
        assertion_json: &[u8],
        now: UnixTime,
    ) -> Result<OnboardingApproval, RecoveryError> {
        if record.consumed || record.approved_by.is_some() {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.expires_at {
            return Err(RecoveryError::Expired);
        }
        let approver = self
            .verify_passkey(
                onboarding_challenge(nonce),
                record.claimed.as_ref(),
                assertion_json,
                record.expires_at,
                now,
            )
            .await?;
        match self.store.approve_onboarding(&record.nonce_hash, &approver).await.map_err(RecoveryError::storage)? {
            ApproveOutcome::Approved => Ok(OnboardingApproval { correlation_id: record.correlation_id.clone() }),
            ApproveOutcome::AlreadyApproved => Err(RecoveryError::Replayed),
            ApproveOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }

    /// Redeems an approved onboarding, once and before expiry, for a registration ticket.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`]; [`RecoveryError::Replayed`] when already redeemed;
    /// [`RecoveryError::Expired`]; [`RecoveryError::NotApproved`] while no existing device
    /// approved it (the nonce stays usable); [`RecoveryError::Storage`].
    pub async fn redeem_onboarding(
        &self,
        nonce: &OnboardingNonce,
        now: UnixTime,
    ) -> Result<RegistrationTicket, RecoveryError> {
        let record = match self.store.find_onboarding(&nonce.hash()).await {
            Ok(Some(record)) => record,
            other => {
                let e = other.err().map_or(RecoveryError::UnknownToken, RecoveryError::storage);
                self.emit(AuditKind::OnboardingRedeemed, None, None, Some(e.reason()), now);
                return Err(e);
            }
        };
        let result = self.redeem_record(&record, now).await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        self.emit(AuditKind::OnboardingRedeemed, Some(&record.correlation_id), None, reason, now);
        result
    }

    async fn redeem_record(
        &self,
        record: &OnboardingRecord,
        now: UnixTime,
    ) -> Result<RegistrationTicket, RecoveryError> {
        if record.consumed {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.expires_at {
            return Err(RecoveryError::Expired);
        }
        // Approval is write-once, so the approver read here is the one the store keeps.
        let Some(subject) = record.approved_by.clone() else {
            return Err(RecoveryError::NotApproved);
        };
        match self.store.consume_onboarding(&record.nonce_hash).await.map_err(RecoveryError::storage)? {
            ConsumeOutcome::Consumed => {
                Ok(RegistrationTicket { subject, correlation_id: record.correlation_id.clone() })
            }
            ConsumeOutcome::AlreadyConsumed => Err(RecoveryError::Replayed),
            ConsumeOutcome::Unavailable => Err(RecoveryError::NotApproved),
            ConsumeOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }
}
