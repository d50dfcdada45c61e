//! The configurable rules of the step-up decision, with their defaults.

use super::{Assurance, ChannelFacts, EmailState, Operation, Signal};

/// The assurance each operation requires before risk signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Requirements {
    /// [`Operation::View`]. Default: [`Assurance::Low`].
    pub view: Assurance,
    /// [`Operation::SignIn`]. Default: [`Assurance::Medium`].
    pub sign_in: Assurance,
    /// [`Operation::CredentialChange`]. Default: [`Assurance::High`].
    pub credential_change: Assurance,
    /// [`Operation::PayoutChange`]. Default: [`Assurance::VeryHigh`].
    pub payout_change: Assurance,
}

impl Default for Requirements {
    fn default() -> Self {
        Self {
            view: Assurance::Low,
            sign_in: Assurance::Medium,
            credential_change: Assurance::High,
            payout_change: Assurance::VeryHigh,
        }
    }
}

/// What each channel counts for, given its facts. `None` means unusable: the channel counts
/// for nothing, alone or in a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ChannelStrengths {
    /// Push to a device whose key is attested. Default: `VeryHigh`.
    pub push_attested: Option<Assurance>,
    /// Push to a device without attestation. Default: `Medium`.
    pub push_not_attested: Option<Assurance>,
    /// Passkey with user verification. Default: `VeryHigh`.
    pub passkey_user_verifying: Option<Assurance>,
    /// Passkey with user presence only. Default: `High`.
    pub passkey_user_present: Option<Assurance>,
    /// RCS with confirmed end-to-end encryption. Default: `High`.
    pub rcs_e2ee: Option<Assurance>,
    /// SMS, and RCS without confirmed end-to-end encryption. Default: `Low`.
    pub sms: Option<Assurance>,
    /// The most an SMS or RCS channel counts for after a recent number port or SIM change
    /// (whatever its encryption: the number may now reach another device). Default: `None`.
    pub after_number_change: Option<Assurance>,
    /// Email recently revalidated. Default: `Low`.
    pub email_recently_revalidated: Option<Assurance>,
    /// Email verified, not recently. Default: `Minimal`.
    pub email_verified: Option<Assurance>,
    /// Email whose verification is stale. Default: `None`.
    pub email_stale: Option<Assurance>,
    /// Email that auto-forwards. Default: `None`.
    pub email_auto_forwarded: Option<Assurance>,
}

impl Default for ChannelStrengths {
    fn default() -> Self {
        Self {
            push_attested: Some(Assurance::VeryHigh),
            push_not_attested: Some(Assurance::Medium),
            passkey_user_verifying: Some(Assurance::VeryHigh),
            passkey_user_present: Some(Assurance::High),
            rcs_e2ee: Some(Assurance::High),
            sms: Some(Assurance::Low),
            after_number_change: None,
            email_recently_revalidated: Some(Assurance::Low),
            email_verified: Some(Assurance::Minimal),
            email_stale: None,
            email_auto_forwarded: None,
        }
    }
}

/// What a risk signal does to the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignalEffect {
    /// The requirement rises one level; above [`Assurance::VeryHigh`], two factors are
    /// required instead. Effects add up.
    RaiseRequirement,
    /// A passkey counts at most this level, alone or in a pair.
    CapPasskey(Assurance),
    /// No single channel suffices: two distinct channels are required.
    RequireTwoFactors,
    /// The operation goes to manual review, whatever the channels.
    ManualReview,
}

/// One rule: when `signal` is present and the operation's base requirement is at least
/// `from`, apply `effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RiskRule {
    /// The signal the rule reacts to.
    pub signal: Signal,
    /// The lowest base requirement (of the operation) the rule applies to.
    pub from: Assurance,
    /// What the rule does.
    pub effect: SignalEffect,
}

impl RiskRule {
    /// A rule.
    #[must_use]
    pub const fn new(signal: Signal, from: Assurance, effect: SignalEffect) -> Self {
        Self { signal, from, effect }
    }

    /// The default rules (see the [module documentation](super)).
    #[must_use]
    pub fn defaults() -> Vec<Self> {
        vec![
            Self::new(Signal::CounterRegression, Assurance::Low, SignalEffect::CapPasskey(Assurance::Medium)),
            Self::new(Signal::BackupStateChange, Assurance::High, SignalEffect::RequireTwoFactors),
            Self::new(Signal::NewDevice, Assurance::Medium, SignalEffect::RaiseRequirement),
            Self::new(Signal::VelocityElevated, Assurance::High, SignalEffect::RaiseRequirement),
            Self::new(Signal::VelocityHigh, Assurance::Low, SignalEffect::RaiseRequirement),
            Self::new(Signal::VelocityHigh, Assurance::VeryHigh, SignalEffect::ManualReview),
        ]
    }
}

/// The whole step-up policy. [`StepUpPolicy::default`] holds the default rules; hosts adjust
/// fields on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StepUpPolicy {
    /// What each operation requires.
    pub requirements: Requirements,
    /// What each channel counts for.
    pub strengths: ChannelStrengths,
    /// The least the weaker member of a pair must count for. A pair counts one level above
    /// its stronger member. Default: [`Assurance::Low`].
    pub pair_floor: Assurance,
    /// The risk rules, applied in order. Default: [`RiskRule::defaults`].
    pub rules: Vec<RiskRule>,
}

impl Default for StepUpPolicy {
    fn default() -> Self {
        Self {
            requirements: Requirements::default(),
            strengths: ChannelStrengths::default(),
            pair_floor: Assurance::Low,
            rules: RiskRule::defaults(),
        }
    }
}

impl StepUpPolicy {
    /// The assurance `op` requires before risk signals.
    #[must_use]
    pub const fn required(&self, op: Operation) -> Assurance {
        match op {
            Operation::View => self.requirements.view,
            Operation::SignIn => self.requirements.sign_in,
            Operation::CredentialChange => self.requirements.credential_change,
            Operation::PayoutChange => self.requirements.payout_change,
        }
    }

    /// What a channel counts for under its facts, before risk signals (`None`: unusable).
    #[must_use]
    pub fn strength(&self, facts: &ChannelFacts) -> Option<Assurance> {
        let s = &self.strengths;
        match *facts {
            ChannelFacts::Push { device_attested: true } => s.push_attested,
            ChannelFacts::Push { device_attested: false } => s.push_not_attested,
            ChannelFacts::Passkey { user_verifying: true } => s.passkey_user_verifying,
            ChannelFacts::Passkey { user_verifying: false } => s.passkey_user_present,
            ChannelFacts::Rcs { e2ee_confirmed, recent_number_port, recent_sim_change } => {
                let base = if e2ee_confirmed { s.rcs_e2ee } else { s.sms };
                self.number_capped(base, recent_number_port || recent_sim_change)
            }
            ChannelFacts::Sms { recent_number_port, recent_sim_change } => {
                self.number_capped(s.sms, recent_number_port || recent_sim_change)
            }
            ChannelFacts::Email { state } => match state {
                EmailState::Verified => s.email_verified,
                EmailState::RecentlyRevalidated => s.email_recently_revalidated,
                EmailState::Stale => s.email_stale,
                EmailState::AutoForwarded => s.email_auto_forwarded,
            },
        }
    }

    /// `base`, capped at [`ChannelStrengths::after_number_change`] if the number changed.
    fn number_capped(&self, base: Option<Assurance>, changed: bool) -> Option<Assurance> {
        if changed {
            base.min(self.strengths.after_number_change)
        } else {
            base
        }
    }
}
