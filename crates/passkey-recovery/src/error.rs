//! The recovery error type.

use passkey_verifier::audit::ReasonCategory;
use passkey_verifier::{Error, ErrorKind};

/// A recovery or onboarding failure. Messages carry only static text: never a token,
/// challenge, key or identifier.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryError {
    /// No such token, nonce or grant (never issued, issued for an unknown account, or purged
    /// after expiry).
    #[error("unknown token")]
    UnknownToken,
    /// The token, nonce or grant was already redeemed (or the nonce already approved).
    #[error("token already used")]
    Replayed,
    /// The token, nonce or grant expired.
    #[error("token expired")]
    Expired,
    /// The token's failed-completion budget is spent.
    #[error("redemption attempts exhausted")]
    AttemptsExhausted,
    /// The passkey belongs to another account than the one the token or onboarding is for.
    #[error("credential belongs to another account")]
    WrongSubject,
    /// The token needs a passkey assertion and none was presented.
    #[error("a passkey assertion is required")]
    PasskeyRequired,
    /// The onboarding nonce has not been approved (yet).
    #[error("onboarding not approved")]
    NotApproved,
    /// The grant does not include the requested scope (it was not consumed).
    #[error("scope not granted")]
    ScopeNotGranted,
    /// A rate limit is reached; retry after the given number of seconds.
    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the window resets.
        retry_after_secs: u64,
    },
    /// The token, nonce or grant text does not parse.
    #[error("malformed token")]
    MalformedToken,
    /// The request contradicts the policy.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The policy is invalid.
    #[error("invalid recovery policy: {0}")]
    InvalidPolicy(&'static str),
    /// The passkey assertion failed verification (other than belonging to another account).
    #[error("assertion rejected: {0}")]
    Verification(#[source] Error),
    /// The step-up decision sends the request to manual review; the reasons (a closed set, no
    /// personal data) are what the host queues for its reviewers.
    #[error("manual review required")]
    ManualReview {
        /// Why, in evaluation order.
        reasons: Vec<crate::stepup::Reason>,
    },
    /// The step-up decision does not accept this channel (unusable, a recent number change,
    /// or another proof named): it can never redeem.
    #[error("channel excluded by the step-up decision")]
    ChannelExcluded,
    /// The onboarding was redeemed without the new device's secret (a photographed QR code).
    #[error("not the device that started the onboarding")]
    DeviceMismatch,
    /// A registration for an existing account needs a recovery or onboarding grant.
    #[error("a grant is required to register for an existing account")]
    GrantRequired,
    /// A high-risk operation during the cool-down after a recovery.
    #[error("cooling down after a recovery; retry after {retry_after_secs} s")]
    CoolingDown {
        /// Seconds until the cool-down ends.
        retry_after_secs: u64,
    },
    /// The recovery was cancelled (by a cancel link or a sign-in with an existing passkey).
    #[error("recovery cancelled")]
    Cancelled,
    /// The waiting period has not ended, or the channels are not all confirmed.
    #[error("recovery not ready; retry after {retry_after_secs} s")]
    NotReady {
        /// Seconds until the waiting period ends (0 while channels are unconfirmed).
        retry_after_secs: u64,
    },
    /// The audit sink failed and the host chose fail-closed.
    #[error("audit sink unavailable")]
    AuditUnavailable,
    /// A store failed; the operation failed closed.
    #[error("storage error")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl RecoveryError {
    pub(crate) fn storage(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(e))
    }

    /// The reason category recorded in audit events.
    #[must_use]
    pub const fn reason(&self) -> ReasonCategory {
        match self {
            Self::UnknownToken => ReasonCategory::UnknownToken,
            Self::Replayed => ReasonCategory::Replayed,
            Self::Expired => ReasonCategory::Expired,
            Self::AttemptsExhausted => ReasonCategory::AttemptsExhausted,
            Self::WrongSubject => ReasonCategory::WrongSubject,
            Self::PasskeyRequired => ReasonCategory::PasskeyRequired,
            Self::NotApproved => ReasonCategory::NotApproved,
            Self::ScopeNotGranted => ReasonCategory::ScopeNotGranted,
            Self::RateLimited { .. } => ReasonCategory::RateLimited,
            Self::MalformedToken => ReasonCategory::Malformed,
            Self::InvalidRequest(_) | Self::InvalidPolicy(_) => ReasonCategory::InvalidRequest,
            Self::Verification(e) => ReasonCategory::Verification(e.category()),
            Self::ManualReview { .. } => ReasonCategory::ManualReview,
            Self::ChannelExcluded => ReasonCategory::ChannelExcluded,
            Self::DeviceMismatch => ReasonCategory::DeviceMismatch,
            Self::GrantRequired => ReasonCategory::GrantRequired,
            Self::CoolingDown { .. } => ReasonCategory::CoolingDown,
            Self::Cancelled => ReasonCategory::Cancelled,
            Self::NotReady { .. } => ReasonCategory::NotReady,
            Self::Storage(_) | Self::AuditUnavailable => ReasonCategory::Storage,
        }
    }

    /// A stable, static label for metrics and logs (never data).
    #[must_use]
    pub const fn label(&self) -> &'static str {
        match self {
            Self::UnknownToken => "unknown_token",
            Self::Replayed => "replayed",
            Self::Expired => "expired",
            Self::AttemptsExhausted => "attempts_exhausted",
            Self::WrongSubject => "wrong_subject",
            Self::PasskeyRequired => "passkey_required",
            Self::NotApproved => "not_approved",
            Self::ScopeNotGranted => "scope_not_granted",
            Self::RateLimited { .. } => "rate_limited",
            Self::MalformedToken => "malformed",
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidPolicy(_) => "invalid_policy",
            Self::Verification(_) => "verification",
            Self::ManualReview { .. } => "manual_review",
            Self::ChannelExcluded => "channel_excluded",
            Self::DeviceMismatch => "device_mismatch",
            Self::GrantRequired => "grant_required",
            Self::CoolingDown { .. } => "cooling_down",
            Self::Cancelled => "cancelled",
            Self::NotReady { .. } => "not_ready",
            Self::AuditUnavailable => "audit_unavailable",
            Self::Storage(_) => "storage",
        }
    }
}

impl From<Error> for RecoveryError {
    /// A verification failure; a credential of another user becomes [`RecoveryError::WrongSubject`].
    fn from(e: Error) -> Self {
        if e.kind() == ErrorKind::UserHandle {
            Self::WrongSubject
        } else {
            Self::Verification(e)
        }
    }
}
