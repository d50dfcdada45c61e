//! The decision itself: requirement, signals, channels, least-friction path.

use super::policy::{SignalEffect, StepUpPolicy};
use super::{
    Assurance, ChannelFacts, ChannelKind, Decision, Divergence, EmailState, Operation, Outcome, Reason, RiskSignals,
    ShadowReport,
};

/// The requirement after risk signals.
struct Requirement {
    level: Assurance,
    two_factors: bool,
    manual_review: bool,
    passkey_cap: Option<Assurance>,
}

/// One channel as the decision sees it.
struct Assessed {
    kind: ChannelKind,
    /// Position in the precedence order (lower first).
    precedence: u8,
    strength: Option<Assurance>,
    /// The facts that lowered the channel, as reasons.
    notes: Vec<Reason>,
}

/// Decides how `op` must be confirmed: the least-friction channel, or pair of channels, that
/// meets the required assurance under `policy` and `signals`, else manual review, with the
/// reasons. See the [module documentation](super) for the rules.
#[must_use]
pub fn decide(op: Operation, channels: &[ChannelFacts], signals: &RiskSignals, policy: &StepUpPolicy) -> Decision {
    let mut reasons = Vec::new();
    let req = requirement(op, signals, policy, &mut reasons);
    if req.manual_review {
        return Decision { outcome: Outcome::ManualReview, reasons };
    }

    let mut assessed: Vec<Assessed> = channels.iter().map(|facts| assess(facts, policy, req.passkey_cap)).collect();
    // Stable: channels of equal precedence keep their input order.
    assessed.sort_by_key(|a| a.precedence);

    for channel in &assessed {
        reasons.extend_from_slice(&channel.notes);
        match channel.strength {
            None => reasons.push(Reason::ChannelUnusable(channel.kind)),
            // Usable, but no single channel may decide: pairs are tried below.
            Some(_) if req.two_factors => {}
            Some(strength) if strength >= req.level => {
                return Decision { outcome: Outcome::UseChannel(channel.kind), reasons };
            }
            Some(_) => reasons.push(Reason::ChannelTooWeak(channel.kind)),
        }
    }

    for (i, first) in assessed.iter().enumerate() {
        for second in assessed.iter().skip(i.saturating_add(1)) {
            if let Some(combined) = pair_strength(first, second, policy.pair_floor) {
                if combined >= req.level {
                    reasons.push(Reason::PairAssurance(combined));
                    return Decision { outcome: Outcome::StepUp(first.kind, second.kind), reasons };
                }
            }
        }
    }

    reasons.push(Reason::NoChannelStrongEnough);
    Decision { outcome: Outcome::ManualReview, reasons }
}

/// Decides under the `active` policy and, beside it, under a `candidate` policy, and reports
/// the difference. The outcome to act on is always the active one ([`ShadowReport::outcome`]).
#[must_use]
pub fn decide_with_shadow(
    op: Operation,
    channels: &[ChannelFacts],
    signals: &RiskSignals,
    active: &StepUpPolicy,
    candidate: &StepUpPolicy,
) -> ShadowReport {
    let decision = decide(op, channels, signals, active);
    let shadow = decide(op, channels, signals, candidate);
    let divergence = if decision.outcome != shadow.outcome {
        Divergence::Outcome
    } else if decision.reasons != shadow.reasons {
        Divergence::ReasonsOnly
    } else {
        Divergence::Identical
    };
    ShadowReport { decision, candidate: shadow, divergence }
}

/// The operation's requirement after the risk rules that apply, recording the reasons.
fn requirement(op: Operation, signals: &RiskSignals, policy: &StepUpPolicy, reasons: &mut Vec<Reason>) -> Requirement {
    let base = policy.required(op);
    reasons.push(Reason::RequiredAssurance(base));
    let mut req = Requirement { level: base, two_factors: false, manual_review: false, passkey_cap: None };
    for rule in policy.rules.iter().filter(|rule| signals.has(rule.signal) && base >= rule.from) {
        reasons.push(Reason::SignalApplied(rule.signal, rule.effect));
        match rule.effect {
            SignalEffect::RaiseRequirement => match req.level.raised() {
                Some(level) => req.level = level,
                None => req.two_factors = true,
            },
            SignalEffect::CapPasskey(cap) => req.passkey_cap = Some(req.passkey_cap.map_or(cap, |c| c.min(cap))),
            SignalEffect::RequireTwoFactors => req.two_factors = true,
            SignalEffect::ManualReview => req.manual_review = true,
        }
    }
    if req.level != base {
        reasons.push(Reason::RequirementRaised(req.level));
    }
    if req.two_factors {
        reasons.push(Reason::TwoFactorsRequired);
    }
    req
}

/// A channel's kind, precedence, strength (after any passkey cap) and notes.
fn assess(facts: &ChannelFacts, policy: &StepUpPolicy, passkey_cap: Option<Assurance>) -> Assessed {
    let kind = facts.kind();
    let mut strength = policy.strength(facts);
    let mut notes = Vec::new();
    let precedence = match *facts {
        ChannelFacts::Push { device_attested: true } => 0,
        ChannelFacts::Passkey { user_verifying } => {
            if !user_verifying {
                notes.push(Reason::PasskeyWithoutUserVerification);
            }
            if let Some(cap) = passkey_cap {
                strength = strength.min(Some(cap));
            }
            1
        }
        ChannelFacts::Rcs { e2ee_confirmed: true, .. } => 2,
        ChannelFacts::Push { device_attested: false } => {
            notes.push(Reason::PushNotAttested);
            3
        }
        ChannelFacts::Sms { .. } => 4,
        ChannelFacts::Rcs { e2ee_confirmed: false, .. } => {
            notes.push(Reason::RcsNotEncryptedCountsAsSms);
            5
        }
        ChannelFacts::Email { state } => {
            match state {
                EmailState::Verified => notes.push(Reason::EmailNotRecentlyRevalidated),
                EmailState::RecentlyRevalidated => {}
                EmailState::Stale => notes.push(Reason::EmailStale),
                EmailState::AutoForwarded => notes.push(Reason::EmailAutoForwarded),
            }
            6
        }
    };
    if let ChannelFacts::Rcs { recent_number_port, recent_sim_change, .. }
    | ChannelFacts::Sms { recent_number_port, recent_sim_change } = *facts
    {
        if recent_number_port {
            notes.push(Reason::RecentNumberPort(kind));
        }
        if recent_sim_change {
            notes.push(Reason::RecentSimChange(kind));
        }
    }
    Assessed { kind, precedence, strength, notes }
}

/// Whether the channel is bound to the subject's phone number.
const fn number_bound(kind: ChannelKind) -> bool {
    matches!(kind, ChannelKind::Sms | ChannelKind::Rcs)
}

/// What two channels count for together: one level above the stronger, if they are distinct
/// (different kinds, not both on the phone number), both usable, and the weaker reaches
/// `floor`.
fn pair_strength(a: &Assessed, b: &Assessed, floor: Assurance) -> Option<Assurance> {
    if a.kind == b.kind || (number_bound(a.kind) && number_bound(b.kind)) {
        return None;
    }
    let (a, b) = (a.strength?, b.strength?);
    if a.min(b) < floor {
        return None;
    }
    let stronger = a.max(b);
    Some(stronger.raised().unwrap_or(stronger))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assessed(kind: ChannelKind, strength: Option<Assurance>) -> Assessed {
        Assessed { kind, precedence: 0, strength, notes: Vec::new() }
    }

    #[test]
    fn pair_is_one_level_above_the_stronger() {
        let push = assessed(ChannelKind::Push, Some(Assurance::Medium));
        let sms = assessed(ChannelKind::Sms, Some(Assurance::Low));
        assert_eq!(pair_strength(&push, &sms, Assurance::Low), Some(Assurance::High));
        let passkey = assessed(ChannelKind::Passkey, Some(Assurance::VeryHigh));
        assert_eq!(pair_strength(&passkey, &sms, Assurance::Low), Some(Assurance::VeryHigh));
    }

    #[test]
    fn pair_needs_distinct_usable_channels_above_the_floor() {
        let sms = assessed(ChannelKind::Sms, Some(Assurance::Low));
        let rcs = assessed(ChannelKind::Rcs, Some(Assurance::High));
        let email = assessed(ChannelKind::Email, Some(Assurance::Minimal));
        let dead = assessed(ChannelKind::Email, None);
        assert_eq!(pair_strength(&sms, &rcs, Assurance::Low), None);
        assert_eq!(pair_strength(&sms, &sms, Assurance::Low), None);
        assert_eq!(pair_strength(&rcs, &email, Assurance::Low), None);
        assert_eq!(pair_strength(&rcs, &email, Assurance::Minimal), Some(Assurance::VeryHigh));
        assert_eq!(pair_strength(&rcs, &dead, Assurance::Minimal), None);
    }
}
