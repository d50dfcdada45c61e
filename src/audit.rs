//! Audit events and the host's sink for them, shared by the ceremony layer and the recovery
//! crate: one vocabulary of steps, outcomes and reason categories, and never a secret.

use std::sync::{Mutex, PoisonError};

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::challenge::UnixTime;
use crate::encoding::b64;
use crate::error::Category;

/// A random, opaque identifier tying together the audit events of one recovery or onboarding
/// (base64url of 16 random bytes). It identifies neither the account nor the token, so it is
/// safe to log and shown by `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CorrelationId(String);

impl CorrelationId {
    /// Draws a fresh identifier from `rng`.
    pub fn random(rng: &mut impl CryptoRng) -> Self {
        Self(b64::random_id(rng))
    }

    /// Wraps an identifier read back from storage.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The identifier's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The step an [`AuditEvent`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditKind {
    /// A recovery was initiated (or refused: rate limit, invalid request, unknown account).
    RecoveryInitiated,
    /// A recovery token was redeemed and a grant issued.
    RecoveryCompleted,
    /// A completion attempt failed.
    RecoveryFailed,
    /// A grant was consumed (or the attempt to consume it failed).
    GrantConsumed,
    /// A new device started an onboarding.
    OnboardingStarted,
    /// An existing device approved an onboarding (or the approval failed).
    OnboardingApproved,
    /// A new device redeemed an approved onboarding (or the redemption failed).
    OnboardingRedeemed,
    /// A registration ceremony finished (see [`CeremonyError::audit_reason`](crate::CeremonyError::audit_reason)).
    Registration,
    /// A sign-in ceremony finished (see [`CeremonyError::audit_reason`](crate::CeremonyError::audit_reason)).
    SignIn,
    /// A channel of a passkeyless recovery was confirmed (or the attempt failed).
    FactorConfirmed,
    /// A recovery was cancelled (cancel link or sign-in).
    RecoveryCancelled,
    /// A registration was authorised (by a grant, or as a new account) or refused.
    RegistrationAuthorized,
    /// A grant's scopes were executed after a recovery (revocations, sessions, cool-down).
    ScopesExecuted,
}

/// Whether the step succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// It succeeded.
    Success,
    /// It failed; the event's `reason` says why.
    Failure,
}

/// Why a step failed, as a category (never the data involved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReasonCategory {
    /// Unknown token, nonce or grant.
    UnknownToken,
    /// Already used.
    Replayed,
    /// Expired.
    Expired,
    /// No attempts left.
    AttemptsExhausted,
    /// A passkey of another account.
    WrongSubject,
    /// A token presented without the required passkey assertion.
    PasskeyRequired,
    /// An onboarding not approved yet.
    NotApproved,
    /// A grant without the requested scope.
    ScopeNotGranted,
    /// A rate limit was reached.
    RateLimited,
    /// Recovery requested for an account that does not exist (nothing was stored).
    UnknownAccount,
    /// Input that does not parse.
    Malformed,
    /// A request the policy does not allow.
    InvalidRequest,
    /// An assertion or ceremony failed verification, by category.
    Verification(Category),
    /// A store failed.
    Storage,
    /// The step-up decision requires manual review.
    ManualReview,
    /// The step-up decision excludes the channel.
    ChannelExcluded,
    /// An onboarding redeemed without the new device's secret.
    DeviceMismatch,
    /// A registration for an existing account without a grant.
    GrantRequired,
    /// A high-risk operation during a post-recovery cool-down.
    CoolingDown,
    /// A cancelled recovery.
    Cancelled,
    /// A recovery redeemed before its waiting period ended.
    NotReady,
}

/// One audited step: a correlation ID, the step, the channel, the outcome and a reason
/// category. It never holds a token, challenge, key, user handle or personal data: the
/// account appears only through the random correlation ID of its recovery or onboarding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// The recovery's or onboarding's correlation ID; `None` when the step could not be tied
    /// to one (an unknown token).
    pub correlation_id: Option<CorrelationId>,
    /// The step.
    pub kind: AuditKind,
    /// The delivery channel's name (`"push"`, `"rcs"`, `"sms"`, `"email"`), for recovery steps.
    pub channel: Option<&'static str>,
    /// Whether it succeeded.
    pub outcome: AuditOutcome,
    /// Why it failed.
    pub reason: Option<ReasonCategory>,
    /// When it happened.
    pub at: UnixTime,
    /// A keyed pseudonym of the account (never the user handle), when known.
    pub subject: Option<String>,
    /// A keyed pseudonym of the requester (never an address), when known.
    pub requester: Option<String>,
    /// The decision taken, as a static name (for example `"use_channel"`, `"manual_review"`).
    pub decision: Option<&'static str>,
    /// The decision's reasons, as names from a closed set (never data).
    pub reasons: Vec<String>,
}

impl AuditEvent {
    /// An event for `kind` with the outcome and reason of `reason` (`None`: success).
    #[must_use]
    pub const fn new(
        kind: AuditKind,
        correlation_id: Option<CorrelationId>,
        channel: Option<&'static str>,
        reason: Option<ReasonCategory>,
        at: UnixTime,
    ) -> Self {
        let outcome = if reason.is_some() { AuditOutcome::Failure } else { AuditOutcome::Success };
        Self {
            correlation_id,
            kind,
            channel,
            outcome,
            reason,
            at,
            subject: None,
            requester: None,
            decision: None,
            reasons: Vec::new(),
        }
    }

    /// The event with a subject and a requester pseudonym.
    #[must_use]
    pub fn with_pseudonyms(mut self, subject: Option<String>, requester: Option<String>) -> Self {
        self.subject = subject;
        self.requester = requester;
        self
    }

    /// The event with a decision and its reasons.
    #[must_use]
    pub fn with_decision(mut self, decision: &'static str, reasons: Vec<String>) -> Self {
        self.decision = Some(decision);
        self.reasons = reasons;
        self
    }
}

/// Where audit events go: the host's write-once log, SIEM or alerting. Called synchronously
/// and in order; implementations should not block for long.
pub trait AuditSink: Send + Sync {
    /// Records `event`.
    fn record(&self, event: AuditEvent);
}

impl<T: AuditSink + ?Sized> AuditSink for std::sync::Arc<T> {
    fn record(&self, event: AuditEvent) {
        (**self).record(event);
    }
}

impl<T: AuditSink + ?Sized> AuditSink for &T {
    fn record(&self, event: AuditEvent) {
        (**self).record(event);
    }
}

/// A sink that drops every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _event: AuditEvent) {}
}

/// A sink that keeps events in memory, in order (for tests, examples and small hosts).
#[derive(Debug, Default)]
pub struct MemoryAuditSink {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemoryAuditSink {
    /// An empty sink.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the events recorded so far.
    #[must_use]
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Removes and returns the events recorded so far.
    #[must_use]
    pub fn take(&self) -> Vec<AuditEvent> {
        core::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl AuditSink for MemoryAuditSink {
    fn record(&self, event: AuditEvent) {
        // An event is appended even after a panic elsewhere poisoned the lock: the log must
        // not lose events.
        self.events.lock().unwrap_or_else(PoisonError::into_inner).push(event);
    }
}
