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
            Self::Storage(_) => ReasonCategory::Storage,
        }
    }

    /// Whether the failure spends one of the token's attempts (a presented proof that did not
    /// verify; storage failures do not).
    pub(crate) const fn spends_attempt(&self) -> bool {
        matches!(self, Self::WrongSubject | Self::PasskeyRequired | Self::Verification(_))
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
