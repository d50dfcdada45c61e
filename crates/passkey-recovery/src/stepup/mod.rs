//! Channel trust and step-up decisions: which channel (or pair of channels) must confirm an
//! operation, given what is known about the subject's channels and the risk signals.
//!
//! A pure decision function, no clock and no I/O. The host gathers the facts (whether a push
//! device is attested, whether an RCS session is end-to-end encrypted, whether the number was
//! recently ported, how fresh an email verification is, ...) and the risk signals, and calls
//! [`decide`]. The inputs are facts, never personal data: no phone numbers, no addresses.
//!
//! # The decision
//!
//! 1. The operation's required [`Assurance`] comes from the policy ([`Requirements`]).
//! 2. Each present risk signal applies the effects its [`RiskRule`]s give it (raise the
//!    requirement one level, cap what a passkey counts for, require two factors, or send to
//!    manual review). A rule applies when the operation's base requirement is at least the
//!    rule's `from` level. Raising past [`Assurance::VeryHigh`] requires two factors instead.
//! 3. Each channel gets its assurance from its facts ([`ChannelStrengths`]); unusable
//!    channels count for nothing. Unencrypted RCS counts exactly as SMS.
//! 4. **Least friction**: the first single channel, in the precedence order below, that meets
//!    the requirement is used ([`Outcome::UseChannel`]); unless two factors are required.
//! 5. Otherwise the first pair (in precedence order) of two distinct channels whose combined
//!    assurance meets the requirement is used ([`Outcome::StepUp`]). Two channels are distinct
//!    when their kinds differ and they are not both bound to the phone number (SMS and RCS
//!    never pair with each other). A pair counts one level above its stronger member, provided
//!    its weaker member reaches the policy's `pair_floor`.
//! 6. Otherwise [`Outcome::ManualReview`].
//!
//! Precedence ("device-attested push > passkey/WebAuthn > E2EE RCS > SMS > email (verified
//! recently)"): attested push, passkey, E2EE RCS, non-attested push, SMS,
//! unencrypted RCS, email. Channels of equal precedence keep their input order. Hosts should
//! pass one entry per channel kind; the outcome names kinds.
//!
//! Every [`Decision`] carries its [`Reason`]s, in order: the required assurance, the signals
//! that applied, then the facts and verdicts of each channel examined.
//!
//! # Default policy
//!
//! | Operation          | Required   |
//! |--------------------|------------|
//! | `View`             | `Low`      |
//! | `SignIn`           | `Medium`   |
//! | `CredentialChange` | `High`     |
//! | `PayoutChange`     | `VeryHigh` |
//!
//! | Channel (facts)                                  | Counts as  |
//! |--------------------------------------------------|------------|
//! | push, device attested                            | `VeryHigh` |
//! | push, not attested                               | `Medium`   |
//! | passkey, user verifying                          | `VeryHigh` |
//! | passkey, user presence only                      | `High`     |
//! | RCS, E2EE confirmed                              | `High`     |
//! | SMS, or RCS without confirmed E2EE               | `Low`      |
//! | SMS or any RCS after a recent port or SIM change | unusable   |
//! | email recently revalidated                       | `Low`      |
//! | email verified, not recently                     | `Minimal`  |
//! | email stale or auto-forwarded                    | unusable   |
//!
//! Pairs: one level above the stronger member, weaker member at least `Low`.
//!
//! | Signal              | Applies from | Effect                                   |
//! |---------------------|--------------|------------------------------------------|
//! | counter regression  | `Low`        | a passkey counts at most `Medium`        |
//! | backup state change | `High`       | two factors required                     |
//! | new device          | `Medium`     | requirement raised one level             |
//! | velocity elevated   | `High`       | requirement raised one level             |
//! | velocity high       | `Low`        | requirement raised one level             |
//! | velocity high       | `VeryHigh`   | manual review                            |
//!
//! # Shadow mode
//!
//! [`decide_with_shadow`] evaluates a candidate policy beside the active one and reports how
//! the two decisions differ; the active decision is the one that counts.

mod decide;
mod policy;

pub use decide::{decide, decide_with_shadow};
pub use policy::{ChannelStrengths, Requirements, RiskRule, SignalEffect, StepUpPolicy};

/// How confident the relying party is that the account holder is acting. Ordered: `Minimal`
/// is the weakest. A fixed ladder: the decision raises requirements along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Assurance {
    /// Proves little on its own (for example an email verified long ago).
    Minimal,
    /// Enough for low-value operations.
    Low,
    /// Enough for signing in.
    Medium,
    /// Enough for changing credentials.
    High,
    /// Enough for changing where money goes.
    VeryHigh,
}

impl Assurance {
    /// The next level up, or `None` above [`Assurance::VeryHigh`].
    #[must_use]
    pub const fn raised(self) -> Option<Self> {
        match self {
            Self::Minimal => Some(Self::Low),
            Self::Low => Some(Self::Medium),
            Self::Medium => Some(Self::High),
            Self::High => Some(Self::VeryHigh),
            Self::VeryHigh => None,
        }
    }
}

/// The operation being confirmed, by risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Viewing account data.
    View,
    /// Signing in (or recovering access).
    SignIn,
    /// Adding, replacing or removing a credential or recovery channel.
    CredentialChange,
    /// Changing a payout destination or payment method.
    PayoutChange,
}

/// A kind of channel, as named in outcomes and reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelKind {
    /// A push challenge to the subject's registered app.
    Push,
    /// A WebAuthn assertion with a registered passkey.
    Passkey,
    /// A message over RCS.
    Rcs,
    /// A message over SMS.
    Sms,
    /// A message to the subject's email address.
    Email,
}

/// How much the relying party knows about an email address's control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmailState {
    /// Verified once, not recently.
    Verified,
    /// Verified again recently (for example after the address was edited).
    RecentlyRevalidated,
    /// Not verified within the host's revalidation interval, or edited since verification.
    Stale,
    /// Mail to the address is automatically forwarded elsewhere (reported whatever the
    /// verification's age).
    AutoForwarded,
}

/// One channel the subject has, with the facts that decide how far it can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelFacts {
    /// A push challenge to the subject's registered app, answered with a device-bound key.
    Push {
        /// The device's key is attested (App Attest, Play Integrity, FIDO attestation).
        device_attested: bool,
    },
    /// A registered passkey.
    Passkey {
        /// The authenticator verifies the user (biometric or PIN), not only their presence.
        user_verifying: bool,
    },
    /// RCS messaging to the subject's number.
    Rcs {
        /// The client reported an end-to-end encrypted session and carrier metadata confirmed
        /// it. Without it, RCS counts exactly as SMS.
        e2ee_confirmed: bool,
        /// The number was recently ported to another carrier.
        recent_number_port: bool,
        /// The number recently moved to another SIM.
        recent_sim_change: bool,
    },
    /// SMS to the subject's number.
    Sms {
        /// The number was recently ported to another carrier.
        recent_number_port: bool,
        /// The number recently moved to another SIM.
        recent_sim_change: bool,
    },
    /// Email to the subject's address.
    Email {
        /// How fresh the proof of control is.
        state: EmailState,
    },
}

impl ChannelFacts {
    /// The channel's kind.
    #[must_use]
    pub const fn kind(&self) -> ChannelKind {
        match self {
            Self::Push { .. } => ChannelKind::Push,
            Self::Passkey { .. } => ChannelKind::Passkey,
            Self::Rcs { .. } => ChannelKind::Rcs,
            Self::Sms { .. } => ChannelKind::Sms,
            Self::Email { .. } => ChannelKind::Email,
        }
    }
}

/// How fast attempts arrive for the subject (or from the same source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Velocity {
    /// The usual rate.
    #[default]
    Normal,
    /// Above the usual rate.
    Elevated,
    /// Far above the usual rate.
    High,
}

/// A risk signal, as named in [`RiskRule`]s and reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// A passkey's signature counter went backwards (a cloned authenticator is possible).
    CounterRegression,
    /// A passkey's backup state changed (its key moved into or out of a synced account).
    BackupStateChange,
    /// The operation comes from a device not seen before.
    NewDevice,
    /// [`Velocity::Elevated`].
    VelocityElevated,
    /// [`Velocity::High`].
    VelocityHigh,
}

/// The risk signals the host observed for this operation. Build with [`RiskSignals::none`] and
/// [`RiskSignals::with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct RiskSignals {
    /// A passkey's signature counter went backwards.
    pub counter_regression: bool,
    /// A passkey's backup state changed.
    pub backup_state_change: bool,
    /// The operation comes from a device not seen before.
    pub new_device: bool,
    /// How fast attempts arrive.
    pub velocity: Velocity,
}

impl RiskSignals {
    /// No signal.
    #[must_use]
    pub const fn none() -> Self {
        Self { counter_regression: false, backup_state_change: false, new_device: false, velocity: Velocity::Normal }
    }

    /// These signals plus `signal` (a velocity signal replaces the velocity).
    #[must_use]
    pub const fn with(mut self, signal: Signal) -> Self {
        match signal {
            Signal::CounterRegression => self.counter_regression = true,
            Signal::BackupStateChange => self.backup_state_change = true,
            Signal::NewDevice => self.new_device = true,
            Signal::VelocityElevated => self.velocity = Velocity::Elevated,
            Signal::VelocityHigh => self.velocity = Velocity::High,
        }
        self
    }

    /// Whether `signal` is present (each velocity signal matches its own level only).
    #[must_use]
    pub const fn has(&self, signal: Signal) -> bool {
        match signal {
            Signal::CounterRegression => self.counter_regression,
            Signal::BackupStateChange => self.backup_state_change,
            Signal::NewDevice => self.new_device,
            Signal::VelocityElevated => matches!(self.velocity, Velocity::Elevated),
            Signal::VelocityHigh => matches!(self.velocity, Velocity::High),
        }
    }
}

/// What the host should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Confirm through this one channel.
    UseChannel(ChannelKind),
    /// Confirm through both channels (the first has the higher precedence).
    StepUp(ChannelKind, ChannelKind),
    /// No channel path is acceptable: a person must review.
    ManualReview,
}

/// Why a decision came out as it did. A closed set: no free text, no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The operation's required assurance under the policy, before risk signals.
    RequiredAssurance(Assurance),
    /// A present risk signal applied this effect.
    SignalApplied(Signal, SignalEffect),
    /// The risk signals raised the requirement to this level.
    RequirementRaised(Assurance),
    /// The risk signals require two distinct channels.
    TwoFactorsRequired,
    /// The push device is not attested: the push counts less.
    PushNotAttested,
    /// The passkey checks presence only, not the user: it counts less.
    PasskeyWithoutUserVerification,
    /// The RCS session has no confirmed end-to-end encryption: it counts as SMS.
    RcsNotEncryptedCountsAsSms,
    /// The number behind this channel was recently ported.
    RecentNumberPort(ChannelKind),
    /// The number behind this channel recently moved to another SIM.
    RecentSimChange(ChannelKind),
    /// The email address was verified, but not recently.
    EmailNotRecentlyRevalidated,
    /// The email address's verification is stale.
    EmailStale,
    /// The email address auto-forwards.
    EmailAutoForwarded,
    /// This channel counts for nothing under its facts.
    ChannelUnusable(ChannelKind),
    /// This channel is usable but below the requirement on its own.
    ChannelTooWeak(ChannelKind),
    /// The chosen pair's combined assurance.
    PairAssurance(Assurance),
    /// Neither a single channel nor a pair meets the requirement.
    NoChannelStrongEnough,
}

/// An outcome and the reasons for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Decision {
    /// What the host should do.
    pub outcome: Outcome,
    /// Why, in evaluation order.
    pub reasons: Vec<Reason>,
}

/// How a candidate policy's decision differs from the active one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Divergence {
    /// Same outcome, same reasons.
    Identical,
    /// Same outcome, different reasons.
    ReasonsOnly,
    /// Different outcomes.
    Outcome,
}

/// The active decision (the one that counts) beside a candidate policy's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ShadowReport {
    /// The active policy's decision: the one to act on.
    pub decision: Decision,
    /// The candidate policy's decision, for telemetry only.
    pub candidate: Decision,
    /// How the candidate's decision differs.
    pub divergence: Divergence,
}

impl ShadowReport {
    /// The outcome to act on: always the active policy's.
    #[must_use]
    pub const fn outcome(&self) -> Outcome {
        self.decision.outcome
    }

    /// Whether the candidate's decision differs at all (outcome or reasons).
    #[must_use]
    pub fn differs(&self) -> bool {
        self.divergence != Divergence::Identical
    }
}
