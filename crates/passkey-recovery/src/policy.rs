//! Channels, assurance levels, scopes, and the recovery policy.

use serde::{Deserialize, Serialize};

use crate::stepup::{Assurance, ChannelFacts, ChannelKind, Operation, StepUpPolicy};
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

    /// The step-up channel kind of this delivery channel.
    #[must_use]
    pub const fn kind(self) -> ChannelKind {
        match self {
            Self::Push => ChannelKind::Push,
            Self::Rcs => ChannelKind::Rcs,
            Self::Sms => ChannelKind::Sms,
            Self::Email => ChannelKind::Email,
        }
    }

    /// The channel delivering to a kind, if it is a delivery channel (a passkey is not).
    #[must_use]
    pub const fn of_kind(kind: ChannelKind) -> Option<Self> {
        match kind {
            ChannelKind::Push => Some(Self::Push),
            ChannelKind::Rcs => Some(Self::Rcs),
            ChannelKind::Sms => Some(Self::Sms),
            ChannelKind::Email => Some(Self::Email),
            _ => None,
        }
    }

    /// Whether a deep link may go over this channel under `facts`: only where end-to-end
    /// encryption is confirmed (RCS with E2EE confirmed, push to an attested device); SMS and
    /// email get a code.
    #[must_use]
    pub const fn link_allowed(facts: &ChannelFacts) -> bool {
        matches!(
            facts,
            ChannelFacts::Rcs { e2ee_confirmed: true, recent_number_port: false, recent_sim_change: false }
                | ChannelFacts::Push { device_attested: true }
        )
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
    /// The delivered secret alone (possession of the channel). Only issued when the policy
    /// allows it and the step-up decision names the delivery channel alone as enough.
    TokenAlone,
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
    /// End the subject's other sessions (through the host's
    /// [`SessionHook`](crate::SessionHook)).
    EndOtherSessions,
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
    /// TTL of RCS messages (default 4 min; at most 5 min).
    pub rcs_ttl_secs: u64,
    /// TTL of SMS codes (default 4 min; at most 5 min).
    pub sms_ttl_secs: u64,
    /// TTL of email messages (default 20 min; at most 30 min).
    pub email_ttl_secs: u64,
    /// Wrong secrets (codes) allowed per recovery (default 5; at most 10). Only the holder of
    /// the recovery's handle can spend them.
    pub max_attempts: u32,
    /// Whether a delivered secret may complete alone where the step-up decision names its
    /// channel alone as enough (default `false`).
    pub token_alone_allowed: bool,
    /// User verification required of recovery and approval assertions (default required).
    pub user_verification: UserVerification,
    /// TTL of a [`Grant`](crate::Grant) (default 5 min; at most 1 h).
    pub grant_ttl_secs: u64,
    /// TTL of an onboarding (default 2 min; at most 10 min).
    pub onboarding_ttl_secs: u64,
    /// Initiations per identifier (lookup key), known or not (default 5 per hour).
    pub per_identifier: RateLimit,
    /// Initiations and onboarding starts per requester (default 20 per hour).
    pub per_requester: RateLimit,
    /// Failed proofs per requester and recovery, short tier (default 3 per minute).
    pub failures_short: RateLimit,
    /// Failed proofs per requester and recovery, long tier (default 10 per hour).
    pub failures_long: RateLimit,
    /// The operation whose assurance a passkey-path recovery must reach (default
    /// [`Operation::CredentialChange`]).
    pub operation: Operation,
    /// The step-up policy recovery decisions use (default [`StepUpPolicy::default`]).
    pub stepup: StepUpPolicy,
    /// A candidate step-up policy evaluated beside `stepup` (shadow mode): reported, never
    /// acted on.
    pub shadow: Option<StepUpPolicy>,
    /// The step-up policy of the passkeyless path (default: credential change requires
    /// `VeryHigh`, and the requester counts as a new device, so two independent channels are
    /// always needed).
    pub passkeyless: StepUpPolicy,
    /// Time to confirm both channels of a passkeyless recovery (default 30 min).
    pub passkeyless_confirm_secs: u64,
    /// The waiting period before a passkeyless recovery grants (default 24 h).
    pub waiting_secs: u64,
    /// Time after the waiting period to redeem (default 24 h).
    pub redeem_window_secs: u64,
    /// The cool-down after a recovery during which high-risk operations are refused
    /// (default 24 h; 0 disables it).
    pub cooldown_secs: u64,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        let mut passkeyless = StepUpPolicy::default();
        passkeyless.requirements.credential_change = Assurance::VeryHigh;
        Self {
            push_ttl_secs: 90,
            rcs_ttl_secs: 240,
            sms_ttl_secs: 240,
            email_ttl_secs: 1200,
            max_attempts: 5,
            token_alone_allowed: false,
            user_verification: UserVerification::Required,
            grant_ttl_secs: 300,
            onboarding_ttl_secs: 120,
            per_identifier: RateLimit { max: 5, window_secs: 3600 },
            per_requester: RateLimit { max: 20, window_secs: 3600 },
            failures_short: RateLimit { max: 3, window_secs: 60 },
            failures_long: RateLimit { max: 10, window_secs: 3600 },
            operation: Operation::CredentialChange,
            stepup: StepUpPolicy::default(),
            shadow: None,
            passkeyless,
            passkeyless_confirm_secs: 1800,
            waiting_secs: 86_400,
            redeem_window_secs: 86_400,
            cooldown_secs: 86_400,
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

    /// Checks the policy: every TTL nonzero and within its bound, 1 to 10 attempts, rate
    /// limits of at least one event over a nonzero window, a waiting period of at least an
    /// hour.
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
        if self.max_attempts == 0 || self.max_attempts > 10 {
            return Err(RecoveryError::InvalidPolicy("max_attempts must be 1 to 10"));
        }
        if self.grant_ttl_secs == 0 || self.grant_ttl_secs > 3600 {
            return Err(RecoveryError::InvalidPolicy("grant TTL out of range"));
        }
        if self.onboarding_ttl_secs == 0 || self.onboarding_ttl_secs > 600 {
            return Err(RecoveryError::InvalidPolicy("onboarding TTL out of range"));
        }
        if self.waiting_secs < 3600 || self.passkeyless_confirm_secs == 0 || self.redeem_window_secs == 0 {
            return Err(RecoveryError::InvalidPolicy("waiting period under an hour, or an empty window"));
        }
        for limit in [self.per_identifier, self.per_requester, self.failures_short, self.failures_long] {
            if limit.max == 0 || limit.window_secs == 0 {
                return Err(RecoveryError::InvalidPolicy("rate limit must allow one event over a nonzero window"));
            }
        }
        Ok(())
    }
}
