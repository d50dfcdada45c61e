//! Channel trust and step-up decisions (seed 001): table-driven rows asserting the outcome and
//! the reasons, precedence, unencrypted RCS as SMS, risk signals, manual review, shadow mode.

// Test tables: a panic is how a row reports a mismatch.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use passkey_recovery::stepup::{
    decide, decide_with_shadow, Assurance, ChannelFacts, ChannelKind, Divergence, EmailState, Operation, Outcome,
    Reason, RiskRule, RiskSignals, Signal, SignalEffect, StepUpPolicy,
};

use Assurance::{High, Low, Medium, Minimal, VeryHigh};
use ChannelKind::{Email, Passkey, Push, Rcs, Sms};

const OPS: [Operation; 4] = [Operation::View, Operation::SignIn, Operation::CredentialChange, Operation::PayoutChange];
/// The default requirement of each of [`OPS`].
const REQUIRED: [Assurance; 4] = [Low, Medium, High, VeryHigh];

const PUSH_ATTESTED: ChannelFacts = ChannelFacts::Push { device_attested: true };
const PUSH_PLAIN: ChannelFacts = ChannelFacts::Push { device_attested: false };
const PASSKEY_UV: ChannelFacts = ChannelFacts::Passkey { user_verifying: true };
const PASSKEY_UP: ChannelFacts = ChannelFacts::Passkey { user_verifying: false };
const EMAIL_FRESH: ChannelFacts = ChannelFacts::Email { state: EmailState::RecentlyRevalidated };
const EMAIL_VERIFIED: ChannelFacts = ChannelFacts::Email { state: EmailState::Verified };
const EMAIL_STALE: ChannelFacts = ChannelFacts::Email { state: EmailState::Stale };
const EMAIL_FORWARDED: ChannelFacts = ChannelFacts::Email { state: EmailState::AutoForwarded };
const SMS: ChannelFacts = sms(false, false);
const RCS_E2EE: ChannelFacts = rcs(true, false, false);
const RCS_PLAIN: ChannelFacts = rcs(false, false, false);

const fn sms(recent_number_port: bool, recent_sim_change: bool) -> ChannelFacts {
    ChannelFacts::Sms { recent_number_port, recent_sim_change }
}

const fn rcs(e2ee_confirmed: bool, recent_number_port: bool, recent_sim_change: bool) -> ChannelFacts {
    ChannelFacts::Rcs { e2ee_confirmed, recent_number_port, recent_sim_change }
}

fn none() -> RiskSignals {
    RiskSignals::none()
}

fn signal(s: Signal) -> RiskSignals {
    RiskSignals::none().with(s)
}

/// What a lone channel does for one operation.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    /// Used.
    U,
    /// Usable but too weak: manual review.
    W,
    /// Unusable: manual review.
    X,
}
use Verdict::{U, W, X};

/// Every channel in each trust state, alone, for each operation (View, SignIn,
/// CredentialChange, PayoutChange): the verdict per operation and the channel's notes.
#[test]
fn single_channel_table() {
    use Reason::*;
    #[rustfmt::skip]
    let table: Vec<(&str, ChannelFacts, Vec<Reason>, [Verdict; 4])> = vec![
        ("push attested", PUSH_ATTESTED, vec![], [U, U, U, U]),
        ("push not attested", PUSH_PLAIN, vec![PushNotAttested], [U, U, W, W]),
        ("passkey user verifying", PASSKEY_UV, vec![], [U, U, U, U]),
        ("passkey user present", PASSKEY_UP, vec![PasskeyWithoutUserVerification], [U, U, U, W]),
        ("rcs e2ee", RCS_E2EE, vec![], [U, U, U, W]),
        ("rcs e2ee ported", rcs(true, true, false), vec![RecentNumberPort(Rcs)], [X, X, X, X]),
        ("rcs e2ee sim change", rcs(true, false, true), vec![RecentSimChange(Rcs)], [X, X, X, X]),
        ("rcs e2ee ported+sim", rcs(true, true, true), vec![RecentNumberPort(Rcs), RecentSimChange(Rcs)], [X, X, X, X]),
        ("rcs plain", RCS_PLAIN, vec![RcsNotEncryptedCountsAsSms], [U, W, W, W]),
        ("rcs plain ported", rcs(false, true, false), vec![RcsNotEncryptedCountsAsSms, RecentNumberPort(Rcs)], [X, X, X, X]),
        ("rcs plain sim change", rcs(false, false, true), vec![RcsNotEncryptedCountsAsSms, RecentSimChange(Rcs)], [X, X, X, X]),
        ("sms clean", SMS, vec![], [U, W, W, W]),
        ("sms ported", sms(true, false), vec![RecentNumberPort(Sms)], [X, X, X, X]),
        ("sms sim change", sms(false, true), vec![RecentSimChange(Sms)], [X, X, X, X]),
        ("sms ported+sim", sms(true, true), vec![RecentNumberPort(Sms), RecentSimChange(Sms)], [X, X, X, X]),
        ("email recently revalidated", EMAIL_FRESH, vec![], [U, W, W, W]),
        ("email verified", EMAIL_VERIFIED, vec![EmailNotRecentlyRevalidated], [W, W, W, W]),
        ("email stale", EMAIL_STALE, vec![EmailStale], [X, X, X, X]),
        ("email auto-forwarded", EMAIL_FORWARDED, vec![EmailAutoForwarded], [X, X, X, X]),
    ];
    let policy = StepUpPolicy::default();
    for (name, facts, notes, verdicts) in table {
        let kind = facts.kind();
        for ((op, required), verdict) in OPS.into_iter().zip(REQUIRED).zip(verdicts) {
            let mut reasons = vec![RequiredAssurance(required)];
            reasons.extend(notes.iter().copied());
            let outcome = match verdict {
                U => Outcome::UseChannel(kind),
                W => {
                    reasons.extend([ChannelTooWeak(kind), NoChannelStrongEnough]);
                    Outcome::ManualReview
                }
                X => {
                    reasons.extend([ChannelUnusable(kind), NoChannelStrongEnough]);
                    Outcome::ManualReview
                }
            };
            let decision = decide(op, &[facts], &none(), &policy);
            assert_eq!(decision.outcome, outcome, "{name} {op:?}");
            assert_eq!(decision.reasons, reasons, "{name} {op:?}");
        }
    }
}

/// One row: operation, channels, signals, expected outcome, expected reasons.
type Row = (&'static str, Operation, Vec<ChannelFacts>, RiskSignals, Outcome, Vec<Reason>);

fn check(rows: Vec<Row>, policy: &StepUpPolicy) {
    for (name, op, channels, signals, outcome, reasons) in rows {
        let decision = decide(op, &channels, &signals, policy);
        assert_eq!(decision.outcome, outcome, "{name}");
        assert_eq!(decision.reasons, reasons, "{name}");
    }
}

/// Several channels: the highest-precedence one that suffices wins, whatever the input order;
/// otherwise the first pair in precedence order.
#[test]
fn precedence_table() {
    use Operation::*;
    use Outcome::*;
    use Reason::*;
    let all = vec![EMAIL_FRESH, SMS, RCS_E2EE, PASSKEY_UV, PUSH_ATTESTED];
    let no_push = vec![EMAIL_FRESH, SMS, RCS_E2EE, PASSKEY_UV];
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("all, view", View, all.clone(), none(), UseChannel(Push), vec![RequiredAssurance(Low)]),
        ("all, payout", PayoutChange, all, none(), UseChannel(Push), vec![RequiredAssurance(VeryHigh)]),
        ("no push, view", View, no_push.clone(), none(), UseChannel(Passkey), vec![RequiredAssurance(Low)]),
        ("no push, payout", PayoutChange, no_push, none(), UseChannel(Passkey), vec![RequiredAssurance(VeryHigh)]),
        ("rcs before sms and email", View, vec![EMAIL_FRESH, SMS, RCS_E2EE], none(), UseChannel(Rcs),
            vec![RequiredAssurance(Low)]),
        ("sms before email", View, vec![EMAIL_FRESH, SMS], none(), UseChannel(Sms), vec![RequiredAssurance(Low)]),
        ("sms before plain rcs", View, vec![RCS_PLAIN, SMS], none(), UseChannel(Sms), vec![RequiredAssurance(Low)]),
        ("plain push before sms", View, vec![SMS, PUSH_PLAIN], none(), UseChannel(Push),
            vec![RequiredAssurance(Low), PushNotAttested]),
        ("attested push before passkey", SignIn, vec![PASSKEY_UV, PUSH_ATTESTED], none(), UseChannel(Push),
            vec![RequiredAssurance(Medium)]),
        ("e2ee rcs before plain push", CredentialChange, vec![EMAIL_FRESH, PUSH_PLAIN, RCS_E2EE], none(),
            UseChannel(Rcs), vec![RequiredAssurance(High)]),
        ("weak passkey skipped", PayoutChange, vec![PASSKEY_UP, PASSKEY_UV], none(), UseChannel(Passkey),
            vec![RequiredAssurance(VeryHigh), PasskeyWithoutUserVerification, ChannelTooWeak(Passkey)]),
        ("unusable sms skipped", View, vec![sms(true, false), EMAIL_FRESH], none(), UseChannel(Email),
            vec![RequiredAssurance(Low), RecentNumberPort(Sms), ChannelUnusable(Sms)]),
        ("passkey without uv too weak for payout, rcs too", PayoutChange, vec![RCS_E2EE, PASSKEY_UP], none(),
            StepUp(Passkey, Rcs),
            vec![RequiredAssurance(VeryHigh), PasskeyWithoutUserVerification, ChannelTooWeak(Passkey),
                 ChannelTooWeak(Rcs), PairAssurance(VeryHigh)]),
        ("pair push+sms for credential change", CredentialChange, vec![EMAIL_FRESH, SMS, PUSH_PLAIN], none(),
            StepUp(Push, Sms),
            vec![RequiredAssurance(High), PushNotAttested, ChannelTooWeak(Push), ChannelTooWeak(Sms),
                 ChannelTooWeak(Email), PairAssurance(High)]),
        ("pair sms+email for sign-in", SignIn, vec![EMAIL_FRESH, SMS], none(), StepUp(Sms, Email),
            vec![RequiredAssurance(Medium), ChannelTooWeak(Sms), ChannelTooWeak(Email), PairAssurance(Medium)]),
        ("pair rcs+email for payout", PayoutChange, vec![EMAIL_FRESH, RCS_E2EE], none(), StepUp(Rcs, Email),
            vec![RequiredAssurance(VeryHigh), ChannelTooWeak(Rcs), ChannelTooWeak(Email), PairAssurance(VeryHigh)]),
        ("first pair in precedence order", PayoutChange, vec![EMAIL_FRESH, PUSH_PLAIN, RCS_E2EE], none(),
            StepUp(Rcs, Push),
            vec![RequiredAssurance(VeryHigh), ChannelTooWeak(Rcs), PushNotAttested, ChannelTooWeak(Push),
                 ChannelTooWeak(Email), PairAssurance(VeryHigh)]),
    ];
    check(rows, &StepUpPolicy::default());
}

/// Manual review when no single channel and no pair meets the requirement.
#[test]
fn manual_review_table() {
    use Operation::*;
    use Outcome::*;
    use Reason::*;
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("no channels", SignIn, vec![], none(), ManualReview,
            vec![RequiredAssurance(Medium), NoChannelStrongEnough]),
        ("sms and plain rcs share the number", SignIn, vec![SMS, RCS_PLAIN], none(), ManualReview,
            vec![RequiredAssurance(Medium), ChannelTooWeak(Sms), RcsNotEncryptedCountsAsSms, ChannelTooWeak(Rcs),
                 NoChannelStrongEnough]),
        ("e2ee rcs and sms share the number", PayoutChange, vec![SMS, RCS_E2EE], none(), ManualReview,
            vec![RequiredAssurance(VeryHigh), ChannelTooWeak(Rcs), ChannelTooWeak(Sms), NoChannelStrongEnough]),
        ("verified email below the pair floor", PayoutChange, vec![EMAIL_VERIFIED, RCS_E2EE], none(), ManualReview,
            vec![RequiredAssurance(VeryHigh), ChannelTooWeak(Rcs), EmailNotRecentlyRevalidated,
                 ChannelTooWeak(Email), NoChannelStrongEnough]),
        ("sms+email too weak for credential change", CredentialChange, vec![SMS, EMAIL_FRESH], none(), ManualReview,
            vec![RequiredAssurance(High), ChannelTooWeak(Sms), ChannelTooWeak(Email), NoChannelStrongEnough]),
        ("everything unusable", View, vec![EMAIL_STALE, sms(false, true), EMAIL_FORWARDED], none(), ManualReview,
            vec![RequiredAssurance(Low), RecentSimChange(Sms), ChannelUnusable(Sms), EmailStale,
                 ChannelUnusable(Email), EmailAutoForwarded, ChannelUnusable(Email), NoChannelStrongEnough]),
    ];
    check(rows, &StepUpPolicy::default());
}

/// Swaps RCS for SMS in an outcome.
fn rcs_as_sms_outcome(outcome: Outcome) -> Outcome {
    let swap = |k: ChannelKind| if k == Rcs { Sms } else { k };
    match outcome {
        Outcome::UseChannel(k) => Outcome::UseChannel(swap(k)),
        Outcome::StepUp(a, b) => Outcome::StepUp(swap(a), swap(b)),
        other => other,
    }
}

/// Drops the "counts as SMS" note and swaps RCS for SMS in reasons.
fn rcs_as_sms_reasons(reasons: &[Reason]) -> Vec<Reason> {
    let swap = |k: ChannelKind| if k == Rcs { Sms } else { k };
    reasons
        .iter()
        .filter(|r| **r != Reason::RcsNotEncryptedCountsAsSms)
        .map(|r| match *r {
            Reason::RecentNumberPort(k) => Reason::RecentNumberPort(swap(k)),
            Reason::RecentSimChange(k) => Reason::RecentSimChange(swap(k)),
            Reason::ChannelUnusable(k) => Reason::ChannelUnusable(swap(k)),
            Reason::ChannelTooWeak(k) => Reason::ChannelTooWeak(swap(k)),
            other => other,
        })
        .collect()
}

/// Unencrypted RCS decides exactly as SMS: every number state, operation, signal and
/// companion channel gives the same outcome and reasons (RCS named instead of SMS, plus the
/// "counts as SMS" note).
#[test]
fn unencrypted_rcs_counts_as_sms() {
    let policy = StepUpPolicy::default();
    let signal_sets = [
        none(),
        signal(Signal::NewDevice),
        signal(Signal::CounterRegression),
        signal(Signal::BackupStateChange),
        signal(Signal::VelocityElevated),
        signal(Signal::VelocityHigh),
    ];
    let companions: [&[ChannelFacts]; 6] =
        [&[], &[EMAIL_FRESH], &[EMAIL_VERIFIED], &[PUSH_PLAIN], &[PASSKEY_UP], &[PUSH_PLAIN, EMAIL_FRESH]];
    let mut rows = 0;
    for (port, sim) in [(false, false), (true, false), (false, true), (true, true)] {
        for op in OPS {
            for signals in &signal_sets {
                for companion in companions {
                    let with = |facts: ChannelFacts| {
                        let mut channels = companion.to_vec();
                        channels.push(facts);
                        decide(op, &channels, signals, &policy)
                    };
                    let by_sms = with(sms(port, sim));
                    let by_rcs = with(rcs(false, port, sim));
                    let row = format!("port={port} sim={sim} {op:?} {signals:?} {companion:?}");
                    assert_eq!(rcs_as_sms_outcome(by_rcs.outcome), by_sms.outcome, "{row}");
                    assert_eq!(rcs_as_sms_reasons(&by_rcs.reasons), by_sms.reasons, "{row}");
                    let examined = matches!(by_sms.outcome, Outcome::UseChannel(Sms) | Outcome::StepUp(_, Sms))
                        || by_sms
                            .reasons
                            .iter()
                            .any(|r| matches!(r, Reason::ChannelTooWeak(Sms) | Reason::ChannelUnusable(Sms)));
                    if examined {
                        assert!(by_rcs.reasons.contains(&Reason::RcsNotEncryptedCountsAsSms), "{row}");
                    }
                    rows += 1;
                }
            }
        }
    }
    assert_eq!(rows, 4 * 4 * 6 * 6);
}

/// Each risk signal, for each operation, over the same channels (passkey with user
/// verification, E2EE RCS, SMS, recently revalidated email).
#[test]
fn risk_signal_table() {
    use Operation::*;
    use Outcome::*;
    use Reason::*;
    use SignalEffect::*;
    let set = || vec![EMAIL_FRESH, SMS, RCS_E2EE, PASSKEY_UV];
    let cap = Reason::SignalApplied(Signal::CounterRegression, CapPasskey(Medium));
    let backup = Reason::SignalApplied(Signal::BackupStateChange, RequireTwoFactors);
    let new_device = Reason::SignalApplied(Signal::NewDevice, RaiseRequirement);
    let elevated = Reason::SignalApplied(Signal::VelocityElevated, RaiseRequirement);
    let high = Reason::SignalApplied(Signal::VelocityHigh, RaiseRequirement);
    let high_manual = Reason::SignalApplied(Signal::VelocityHigh, SignalEffect::ManualReview);
    let cr = signal(Signal::CounterRegression);
    let bs = signal(Signal::BackupStateChange);
    let nd = signal(Signal::NewDevice);
    let ve = signal(Signal::VelocityElevated);
    let vh = signal(Signal::VelocityHigh);
    let pair = StepUp(Passkey, Rcs);
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        // No signal: the passkey alone, always.
        ("none view", View, set(), none(), UseChannel(Passkey), vec![RequiredAssurance(Low)]),
        ("none sign-in", SignIn, set(), none(), UseChannel(Passkey), vec![RequiredAssurance(Medium)]),
        ("none credential", CredentialChange, set(), none(), UseChannel(Passkey), vec![RequiredAssurance(High)]),
        ("none payout", PayoutChange, set(), none(), UseChannel(Passkey), vec![RequiredAssurance(VeryHigh)]),
        // Counter regression: the passkey counts at most Medium, never alone for High and above.
        ("counter view", View, set(), cr, UseChannel(Passkey), vec![RequiredAssurance(Low), cap]),
        ("counter sign-in", SignIn, set(), cr, UseChannel(Passkey), vec![RequiredAssurance(Medium), cap]),
        ("counter credential", CredentialChange, set(), cr, UseChannel(Rcs),
            vec![RequiredAssurance(High), cap, ChannelTooWeak(Passkey)]),
        ("counter payout", PayoutChange, set(), cr, pair,
            vec![RequiredAssurance(VeryHigh), cap, ChannelTooWeak(Passkey), ChannelTooWeak(Rcs), ChannelTooWeak(Sms),
                 ChannelTooWeak(Email), PairAssurance(VeryHigh)]),
        ("counter credential, passkey only", CredentialChange, vec![PASSKEY_UV], cr, Outcome::ManualReview,
            vec![RequiredAssurance(High), cap, ChannelTooWeak(Passkey), NoChannelStrongEnough]),
        // Backup state change: two factors from High.
        ("backup view", View, set(), bs, UseChannel(Passkey), vec![RequiredAssurance(Low)]),
        ("backup sign-in", SignIn, set(), bs, UseChannel(Passkey), vec![RequiredAssurance(Medium)]),
        ("backup credential", CredentialChange, set(), bs, pair,
            vec![RequiredAssurance(High), backup, TwoFactorsRequired, PairAssurance(VeryHigh)]),
        ("backup payout", PayoutChange, set(), bs, pair,
            vec![RequiredAssurance(VeryHigh), backup, TwoFactorsRequired, PairAssurance(VeryHigh)]),
        ("backup credential, passkey only", CredentialChange, vec![PASSKEY_UV], bs, Outcome::ManualReview,
            vec![RequiredAssurance(High), backup, TwoFactorsRequired, NoChannelStrongEnough]),
        // New device: one level more from Medium; past VeryHigh, two factors.
        ("new device view", View, set(), nd, UseChannel(Passkey), vec![RequiredAssurance(Low)]),
        ("new device sign-in", SignIn, set(), nd, UseChannel(Passkey),
            vec![RequiredAssurance(Medium), new_device, RequirementRaised(High)]),
        ("new device credential", CredentialChange, set(), nd, UseChannel(Passkey),
            vec![RequiredAssurance(High), new_device, RequirementRaised(VeryHigh)]),
        ("new device payout", PayoutChange, set(), nd, pair,
            vec![RequiredAssurance(VeryHigh), new_device, TwoFactorsRequired, PairAssurance(VeryHigh)]),
        ("new device sign-in, sms+email", SignIn, vec![SMS, EMAIL_FRESH], nd, Outcome::ManualReview,
            vec![RequiredAssurance(Medium), new_device, RequirementRaised(High), ChannelTooWeak(Sms),
                 ChannelTooWeak(Email), NoChannelStrongEnough]),
        // Elevated velocity: one level more from High.
        ("elevated view", View, set(), ve, UseChannel(Passkey), vec![RequiredAssurance(Low)]),
        ("elevated sign-in", SignIn, set(), ve, UseChannel(Passkey), vec![RequiredAssurance(Medium)]),
        ("elevated credential", CredentialChange, set(), ve, UseChannel(Passkey),
            vec![RequiredAssurance(High), elevated, RequirementRaised(VeryHigh)]),
        ("elevated payout", PayoutChange, set(), ve, pair,
            vec![RequiredAssurance(VeryHigh), elevated, TwoFactorsRequired, PairAssurance(VeryHigh)]),
        // High velocity: one level more always; payout goes to manual review.
        ("high view", View, set(), vh, UseChannel(Passkey),
            vec![RequiredAssurance(Low), high, RequirementRaised(Medium)]),
        ("high view, sms", View, vec![SMS], vh, Outcome::ManualReview,
            vec![RequiredAssurance(Low), high, RequirementRaised(Medium), ChannelTooWeak(Sms), NoChannelStrongEnough]),
        ("high sign-in", SignIn, set(), vh, UseChannel(Passkey),
            vec![RequiredAssurance(Medium), high, RequirementRaised(High)]),
        ("high credential", CredentialChange, set(), vh, UseChannel(Passkey),
            vec![RequiredAssurance(High), high, RequirementRaised(VeryHigh)]),
        ("high payout", PayoutChange, set(), vh, Outcome::ManualReview,
            vec![RequiredAssurance(VeryHigh), high, high_manual, TwoFactorsRequired]),
        // Signals add up.
        ("new device + elevated credential", CredentialChange, set(), nd.with(Signal::VelocityElevated), pair,
            vec![RequiredAssurance(High), new_device, elevated, RequirementRaised(VeryHigh), TwoFactorsRequired,
                 PairAssurance(VeryHigh)]),
        ("counter + backup credential", CredentialChange, set(), cr.with(Signal::BackupStateChange), pair,
            vec![RequiredAssurance(High), cap, backup, TwoFactorsRequired, PairAssurance(VeryHigh)]),
    ];
    check(rows, &StepUpPolicy::default());
}

#[test]
fn risk_signals_builder() {
    let all = RiskSignals::none()
        .with(Signal::CounterRegression)
        .with(Signal::BackupStateChange)
        .with(Signal::NewDevice)
        .with(Signal::VelocityElevated);
    assert!(all.counter_regression && all.backup_state_change && all.new_device);
    assert!(all.has(Signal::VelocityElevated) && !all.has(Signal::VelocityHigh));
    let high = all.with(Signal::VelocityHigh);
    assert!(high.has(Signal::VelocityHigh) && !high.has(Signal::VelocityElevated));
    assert_eq!(RiskSignals::none(), RiskSignals::default());
}

/// Hosts change the rules through the policy.
#[test]
fn policy_is_configurable() {
    use Operation::*;
    use Outcome::*;
    use Reason::*;

    let mut lenient_port = StepUpPolicy::default();
    lenient_port.strengths.after_number_change = Some(Low);
    let mut low_floor = StepUpPolicy::default();
    low_floor.pair_floor = Minimal;
    let mut minimal_view = StepUpPolicy::default();
    minimal_view.requirements.view = Minimal;
    let mut no_rules = StepUpPolicy::default();
    no_rules.rules.clear();
    let mut manual_on_counter = StepUpPolicy::default();
    manual_on_counter.rules = vec![RiskRule::new(Signal::CounterRegression, High, SignalEffect::ManualReview)];

    #[rustfmt::skip]
    let cases: Vec<(StepUpPolicy, Row)> = vec![
        (lenient_port, ("ported sms capped at low", View, vec![sms(true, false)], none(), UseChannel(Sms),
            vec![RequiredAssurance(Low), RecentNumberPort(Sms)])),
        (low_floor, ("verified email pairs", PayoutChange, vec![EMAIL_VERIFIED, RCS_E2EE], none(), StepUp(Rcs, Email),
            vec![RequiredAssurance(VeryHigh), ChannelTooWeak(Rcs), EmailNotRecentlyRevalidated,
                 ChannelTooWeak(Email), PairAssurance(VeryHigh)])),
        (minimal_view, ("verified email views", View, vec![EMAIL_VERIFIED], none(), UseChannel(Email),
            vec![RequiredAssurance(Minimal), EmailNotRecentlyRevalidated])),
        (no_rules, ("signals ignored", PayoutChange, vec![PASSKEY_UV], signal(Signal::VelocityHigh),
            UseChannel(Passkey), vec![RequiredAssurance(VeryHigh)])),
        (manual_on_counter.clone(), ("counter to manual review", CredentialChange, vec![PASSKEY_UV],
            signal(Signal::CounterRegression), Outcome::ManualReview,
            vec![RequiredAssurance(High), Reason::SignalApplied(Signal::CounterRegression, SignalEffect::ManualReview)])),
        (manual_on_counter, ("rule below its threshold", SignIn, vec![PASSKEY_UV],
            signal(Signal::CounterRegression), UseChannel(Passkey), vec![RequiredAssurance(Medium)])),
    ];
    for (policy, row) in cases {
        check(vec![row], &policy);
    }
    assert_eq!(StepUpPolicy::default().required(PayoutChange), VeryHigh);
    assert_eq!(StepUpPolicy::default().strength(&RCS_PLAIN), StepUpPolicy::default().strength(&SMS));
}

/// A stricter candidate: sign-in needs High and elevated velocity on payout goes to review.
fn stricter() -> StepUpPolicy {
    let mut policy = StepUpPolicy::default();
    policy.requirements.sign_in = High;
    policy.rules.push(RiskRule::new(Signal::VelocityElevated, VeryHigh, SignalEffect::ManualReview));
    policy
}

#[test]
fn shadow_stricter_candidate_differs_but_active_outcome_counts() {
    let (active, candidate) = (StepUpPolicy::default(), stricter());
    let channels = [SMS, PUSH_PLAIN];
    let report = decide_with_shadow(Operation::SignIn, &channels, &none(), &active, &candidate);
    assert_eq!(report.divergence, Divergence::Outcome);
    assert!(report.differs());
    assert_eq!(report.outcome(), Outcome::UseChannel(Push));
    assert_eq!(report.decision, decide(Operation::SignIn, &channels, &none(), &active));
    assert_eq!(report.candidate.outcome, Outcome::StepUp(Push, Sms));

    let payout = [PUSH_ATTESTED, PASSKEY_UV];
    let ve = signal(Signal::VelocityElevated);
    let report = decide_with_shadow(Operation::PayoutChange, &payout, &ve, &active, &candidate);
    assert_eq!(report.divergence, Divergence::Outcome);
    assert_eq!(report.outcome(), Outcome::StepUp(Push, Passkey));
    assert_eq!(report.candidate.outcome, Outcome::ManualReview);
}

#[test]
fn shadow_reasons_only() {
    let mut candidate = StepUpPolicy::default();
    candidate.rules.push(RiskRule::new(Signal::NewDevice, Low, SignalEffect::RaiseRequirement));
    let nd = signal(Signal::NewDevice);
    let report = decide_with_shadow(Operation::View, &[PASSKEY_UV], &nd, &StepUpPolicy::default(), &candidate);
    assert_eq!(report.divergence, Divergence::ReasonsOnly);
    assert!(report.differs());
    assert_eq!(report.outcome(), Outcome::UseChannel(Passkey));
    assert_eq!(report.decision.reasons, vec![Reason::RequiredAssurance(Low)]);
}

#[test]
fn shadow_identical_policies_report_no_difference() {
    let policy = StepUpPolicy::default();
    for op in OPS {
        for channels in [&[SMS, EMAIL_FRESH][..], &[PUSH_PLAIN, RCS_E2EE], &[], &[EMAIL_STALE]] {
            let signals = signal(Signal::NewDevice);
            let report = decide_with_shadow(op, channels, &signals, &policy, &policy.clone());
            assert_eq!(report.divergence, Divergence::Identical, "{op:?} {channels:?}");
            assert!(!report.differs());
            assert_eq!(report.decision, report.candidate);
            assert_eq!(report.decision, decide(op, channels, &signals, &policy));
        }
    }
}
