//! Channels, assurance levels, scopes, and the recovery policy.

use serde::{Deserialize, Serialize};

use crate::RecoveryError;
use passkey_verifier::UserVerification;

/// The out-of-band channel a recovery token is delivered over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Channel {
    /// A push notification to a registered app (default TTL 90 s).
    Push,
    /// An RCS message, ideally end-to-end encrypted (default TTL 4 min).
    Rcs,
    /// An SMS: a legacy fallback for low-risk cases (default TTL 4 min).
    Sms,
    /// An email link (default TTL 20 min).
    Email,
}

impl Channel {
    /// The channel's name (`"push"`, `"rcs"`, `"sms"`, `"email"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::Rcs => "rcs",
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    /// The longest TTL a policy may set for the channel: push challenges 120 s, RCS and SMS
    /// codes 5 min, email links 30 min.
    #[must_use]
    pub const fn max_ttl_secs(self) -> u64 {
        match self {
            Self::Push => 120,
            Self::Rcs | Self::Sms => 300,
            Self::Email => 1800,
        }
    }
}

/// The assurance a token's redemption must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Redemption {
    /// The token together with a passkey assertion of the subject whose challenge commits to
    /// the token.
    #[default]
    PasskeyRequired,
    /// The token alone (possession of the channel). Only issued when the policy allows it and
    /// the request is [`Risk::Low`].
    TokenAlone,
}

/// The host's risk assessment of a recovery request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Risk {
    /// Low risk: the token alone may suffice where the policy allows it.
    Low,
    /// Anything else: a passkey assertion is required.
    #[default]
    Elevated,
}

/// What a [`Grant`](crate::Grant) allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scope {
    /// Register a new passkey for the subject.
    RegisterPasskey,
    /// Revoke the subject's other credentials (never granted to a token-alone redemption).
    RevokeOtherCredentials,
}

/// A limit of events per key within a fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The most events allowed per window.
    pub max: u32,
    /// The window's length in seconds.
    pub window_secs: u64,
}

/// The recovery policy. [`Default`] gives the recommended values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryPolicy {
    /// TTL of push challenges (default 90 s; at most 120 s).
    pub push_ttl_secs: u64,
    /// TTL of RCS tokens (default 4 min; at most 5 min).
    pub rcs_ttl_secs: u64,
    /// TTL of SMS codes (default 4 min; at most 5 min).
    pub sms_ttl_secs: u64,
    /// TTL of email links (default 20 min; at most 30 min).
    pub email_ttl_secs: u64,
    /// Failed completions allowed per token (default 5).
    pub max_attempts: u32,
    /// Whether [`Risk::Low`] requests get tokens redeemable alone (default `false`).
    pub token_alone_for_low_risk: bool,
    /// User verification required of recovery and approval assertions (default required).
    pub user_verification: UserVerification,
    /// TTL of a [`Grant`](crate::Grant) (default 5 min; at most 1 h).
    pub grant_ttl_secs: u64,
    /// TTL of an onboarding nonce (default 2 min; at most 10 min).
    pub onboarding_ttl_secs: u64,
    /// Recovery initiations per subject (default 5 per hour).
    pub per_subject: RateLimit,
    /// Recovery initiations and onboarding starts per requester key (default 20 per hour).
    pub per_requester: RateLimit,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        Self {
            push_ttl_secs: 90,
            rcs_ttl_secs: 240,
            sms_ttl_secs: 240,
            email_ttl_secs: 1200,
            max_attempts: 5,
            token_alone_for_low_risk: false,
            user_verification: UserVerification::Required,
            grant_ttl_secs: 300,
            onboarding_ttl_secs: 120,
            per_subject: RateLimit { max: 5, window_secs: 3600 },
            per_requester: RateLimit { max: 20, window_secs: 3600 },
        }
    }
}

impl RecoveryPolicy {
    /// The token TTL for `channel`.
    #[must_use]
    pub const fn ttl_secs(&self, channel: Channel) -> u64 {
        match channel {
            Channel::Push => self.push_ttl_secs,
            Channel::Rcs => self.rcs_ttl_secs,
            Channel::Sms => self.sms_ttl_secs,
            Channel::Email => self.email_ttl_secs,
        }
    }

    /// The assurance a request of `risk` gets under this policy.
    #[must_use]
    pub fn redemption_for(&self, risk: Risk) -> Redemption {
        if self.token_alone_for_low_risk && risk == Risk::Low {
            Redemption::TokenAlone
        } else {
            Redemption::PasskeyRequired
        }
    }

    /// Checks the policy: every TTL nonzero and within its bound, at least one attempt, rate
    /// limits of at least one event over a nonzero window.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::InvalidPolicy`] naming the first offending setting.
    pub fn validate(&self) -> Result<(), RecoveryError> {
        for channel in [Channel::Push, Channel::Rcs, Channel::Sms, Channel::Email] {
            let ttl = self.ttl_secs(channel);
            if ttl == 0 || ttl > channel.max_ttl_secs() {
                return Err(RecoveryError::InvalidPolicy("channel TTL out of range"));
            }
        }
        if self.max_attempts == 0 {
            return Err(RecoveryError::InvalidPolicy("max_attempts must be at least 1"));
        }
        if self.grant_ttl_secs == 0 || self.grant_ttl_secs > 3600 {
            return Err(RecoveryError::InvalidPolicy("grant TTL out of range"));
        }
        if self.onboarding_ttl_secs == 0 || self.onboarding_ttl_secs > 600 {
            return Err(RecoveryError::InvalidPolicy("onboarding TTL out of range"));
        }
        for limit in [self.per_subject, self.per_requester] {
            if limit.max == 0 || limit.window_secs == 0 {
                return Err(RecoveryError::InvalidPolicy("rate limit must allow one event over a nonzero window"));
            }
        }
        Ok(())
    }
}
