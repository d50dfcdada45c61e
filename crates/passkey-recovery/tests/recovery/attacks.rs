//! The attacker tests: one per finding of issue 13, each playing the attacker and asserting
//! the refusal.

use std::sync::Arc;

use passkey_recovery::stepup::{ChannelFacts, Divergence, StepUpPolicy};
use passkey_recovery::{
    onboarding_challenge, recovery_challenge, AccountState, AuditEvent, AuditFailed, AuditMode, Channel,
    DeliveredSecret, InitiateRequest, MemoryRateLimitStore, MemoryRecoveryStore, OnboardingRequest, OneTimeCode,
    PairingCode, PasskeylessRequest, Proof, Recovery, RecoveryAuditSink, RecoveryError, RecoveryPolicy, RecoveryStore,
    SubjectId,
};
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::MemoryStore;

use super::from_link;
use super::support::*;

fn initiate_rcs(env: &Env, ip: &str) -> passkey_recovery::Initiated {
    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester(ip),
        Some(SubjectId::new(ALICE)),
        Channel::Rcs,
        vec![passkey(), rcs_e2ee()],
    );
    block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap()
}

/// "Whoever holds the QR nonce redeems the approval": the thief photographs the QR code and
/// races the real device. The reference alone redeems nothing, and the real device still can.
#[test]
fn a_photographed_qr_code_does_not_onboard_the_thief() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let request = OnboardingRequest::new(None, requester("192.0.2.4"), display("Pixel 9", "Zürich, CH"));
    let started = block_on(env.recovery.start_onboarding(&request, &mut rng(), NOW)).unwrap();
    let photographed = started.pairing.clone();
    let assertion = laptop.assert(onboarding_challenge(&started.pairing, &started.pairing_code).as_bytes(), &knobs());
    block_on(env.recovery.approve_onboarding(&started.pairing, assertion.as_bytes(), NOW)).unwrap();

    let thief_secret = passkey_recovery::DeviceSecret::random(&mut rng());
    for _ in 0..20 {
        let err = block_on(env.recovery.redeem_onboarding(&photographed, &thief_secret, &mut rng(), NOW)).unwrap_err();
        assert!(matches!(err, RecoveryError::DeviceMismatch), "{err:?}");
    }
    let grant = block_on(env.recovery.redeem_onboarding(&started.pairing, &started.device_secret, &mut rng(), NOW));
    assert_eq!(grant.unwrap().subject, SubjectId::new(ALICE), "the real device is not locked out");
}

/// Login-jacking: the attacker starts an onboarding naming no account and sends the QR link
/// to the victim. The victim's screen shows the attacker's device, and the victim cannot
/// type the code on the attacker's screen: whatever they type, the approval fails, and the
/// attacker gets nothing.
#[test]
fn an_attacker_started_onboarding_approved_by_a_tricked_victim_fails() {
    let env = env();
    let mut victim = env.register(ALICE, "laptop");
    let request = OnboardingRequest::new(None, requester("203.0.113.66"), display("Galaxy S24", "Lagos, NG"));
    let attack = block_on(env.recovery.start_onboarding(&request, &mut rng(), NOW)).unwrap();
    let screen = block_on(env.recovery.onboarding_screen(&attack.pairing, NOW)).unwrap();
    assert_eq!(screen.display.coarse_location.as_deref(), Some("Lagos, NG"), "the victim is shown where it comes from");

    for _ in 0..3 {
        let mut typed = PairingCode::random(&mut rng());
        while typed == attack.pairing_code {
            typed = PairingCode::random(&mut rng());
        }
        let options = env.recovery.onboarding_assertion_options(&attack.pairing, &typed);
        let assertion = victim.assert(&challenge_of(&options), &knobs());
        let err = block_on(env.recovery.approve_onboarding(&attack.pairing, assertion.as_bytes(), NOW)).unwrap_err();
        assert!(matches!(err, RecoveryError::Verification(_)), "{err:?}");
    }
    let err =
        block_on(env.recovery.redeem_onboarding(&attack.pairing, &attack.device_secret, &mut rng(), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::NotApproved), "{err:?}");
}

/// "No way back for a user who lost every passkey: only token-alone redemption, a single
/// factor": one channel never suffices on the passkeyless path, and a stale email cannot be
/// the second.
#[test]
fn one_channel_never_recovers_an_account_without_a_passkey() {
    let env = env();
    let stale = ChannelFacts::Email { state: passkey_recovery::stepup::EmailState::Stale };
    for channels in [vec![rcs_e2ee()], vec![rcs_e2ee(), stale], vec![email_recent()]] {
        let request = PasskeylessRequest::new(
            lookup("alice@example.com"),
            requester("203.0.113.9"),
            Some(SubjectId::new(ALICE)),
            channels,
        );
        let err = block_on(env.recovery.start_passkeyless(&request, &mut rng(), NOW)).unwrap_err();
        assert!(matches!(err, RecoveryError::ManualReview { .. }), "{err:?}");
    }
}

/// "Step-up says manual review for a just-ported SMS number, yet recovery issues a
/// token-alone SMS grant": the ported channel is excluded whatever the policy allows.
#[test]
fn a_just_ported_sms_number_never_redeems() {
    let mut policy = RecoveryPolicy::default();
    policy.token_alone_allowed = true;
    let env = env_with(policy);
    let ported = ChannelFacts::Sms { recent_number_port: true, recent_sim_change: false };
    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester("203.0.113.9"),
        Some(SubjectId::new(ALICE)),
        Channel::Sms,
        vec![ported, passkey()],
    );
    let err = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::ChannelExcluded), "{err:?}");
    // Manual review stops the flow with the reasons to queue.
    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester("203.0.113.9"),
        Some(SubjectId::new(ALICE)),
        Channel::Email,
        vec![email_recent()],
    );
    let err = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap_err();
    assert!(matches!(&err, RecoveryError::ManualReview { reasons } if !reasons.is_empty()), "{err:?}");
    assert_eq!(block_on(env.store.challenge_count_of()), 0, "nothing redeemable was stored");
}

trait Count {
    async fn challenge_count_of(&self) -> usize;
}
impl Count for Arc<MemoryRecoveryStore> {
    async fn challenge_count_of(&self) -> usize {
        self.challenge_count().unwrap()
    }
}

/// Shadow mode covers the recovery policy: the candidate's divergence is reported, the
/// active decision counts.
#[test]
fn shadow_mode_reports_the_candidate_without_acting_on_it() {
    let mut policy = RecoveryPolicy::default();
    let mut strict = StepUpPolicy::default();
    strict.strengths.passkey_user_verifying = None;
    policy.shadow = Some(strict);
    let env = env_with(policy);
    let initiated = initiate_rcs(&env, "198.51.100.1");
    assert_eq!(initiated.shadow, Some(Divergence::Outcome));
    assert_eq!(initiated.redemption, passkey_recovery::Redemption::PasskeyRequired);
}

/// "A registration succeeds without any grant": not for an existing account, not with
/// another account's grant (which stays unconsumed for its owner).
#[test]
fn registration_for_an_existing_account_needs_its_own_grant() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    env.register(BOB, "bob-phone");
    let bob = SubjectId::new(BOB);
    for account in [AccountState::Exists, AccountState::New] {
        let err = block_on(env.recovery.authorize_registration(&bob, account, None, NOW)).unwrap_err();
        assert!(matches!(err, RecoveryError::GrantRequired), "{account:?}: {err:?}");
    }
    let initiated = initiate_rcs(&env, "198.51.100.1");
    let (handle, secret) = from_link(&initiated.payload.render_link(BASE).unwrap());
    let assertion = laptop.assert(recovery_challenge(&handle, &secret).as_bytes(), &knobs());
    let grant = block_on(env.recovery.complete(
        &handle,
        &secret,
        Proof::Passkey(assertion.as_bytes()),
        &requester("198.51.100.1"),
        &mut rng(),
        NOW,
    ))
    .unwrap();
    let err = block_on(env.recovery.authorize_registration(&bob, AccountState::Exists, Some(&grant.token), NOW));
    assert!(matches!(err, Err(RecoveryError::WrongSubject)), "{err:?}");
    let alice = SubjectId::new(ALICE);
    block_on(env.recovery.authorize_registration(&alice, AccountState::Exists, Some(&grant.token), NOW)).unwrap();
    // A brand-new account registers without one.
    let carol = SubjectId::new(b"uh-carol".to_vec());
    block_on(env.recovery.authorize_registration(&carol, AccountState::New, None, NOW)).unwrap();
}

/// "Without a lookup key the sixth initiation is rate-limited for a known account and not
/// for an unknown one; known accounts take longer": the key is mandatory, the limits and
/// the store operations are the same for both.
#[test]
fn an_unknown_account_costs_the_same_store_work_and_limits() {
    let credentials = Arc::new(MemoryStore::new());
    let mut sequences = Vec::new();
    for subject in [Some(SubjectId::new(ALICE)), None] {
        let (recovery, ops) = counting_env(Arc::clone(&credentials));
        let mut shapes = Vec::new();
        for i in 0..6 {
            let request = InitiateRequest::new(
                lookup("someone@example.com"),
                requester(&format!("198.51.100.{i}")),
                subject.clone(),
                Channel::Rcs,
                vec![passkey(), rcs_e2ee()],
            );
            let result = block_on(recovery.initiate(&request, &mut rng(), NOW));
            shapes.push(match result {
                Ok(i) => format!("ok {:?} {}", i.redemption, i.payload.render_link(BASE).is_some()),
                Err(e) => format!("err {}", e.label()),
            });
        }
        // Completion of a decoy looks like a wrong secret of a real one.
        let request = InitiateRequest::new(
            lookup("other@example.com"),
            requester("192.0.2.1"),
            subject.clone(),
            Channel::Rcs,
            vec![passkey(), rcs_e2ee()],
        );
        let initiated = block_on(recovery.initiate(&request, &mut rng(), NOW)).unwrap();
        let wrong = DeliveredSecret::Code(OneTimeCode::random(&mut rng()));
        let err =
            block_on(recovery.complete(&initiated.handle, &wrong, Proof::TokenAlone, &requester("x"), &mut rng(), NOW))
                .unwrap_err();
        shapes.push(format!("complete {}", err.label()));
        sequences.push((shapes, ops.lock().unwrap().clone()));
    }
    let (known, unknown) = (&sequences[0], &sequences[1]);
    assert_eq!(known.0, unknown.0, "the same responses");
    assert_eq!(known.0[5], "err rate_limited", "the sixth is limited for both");
    assert_eq!(known.1, unknown.1, "the same sequence of store operations");
    assert!(known.1.contains(&"insert_challenge"));
}

/// "A token holder can lock the user out by burning the attempts with junk proofs": junk
/// assertions from the holder's requester only back that requester off; the user, from
/// another requester, completes. Wrong codes need the handle, which only the requester has.
#[test]
fn a_token_holder_cannot_lock_the_user_out() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let mut mallory = env.register(BOB, "mallory");
    let initiated = initiate_rcs(&env, "198.51.100.1");
    let (handle, secret) = from_link(&initiated.payload.render_link(BASE).unwrap());
    let attacker = requester("203.0.113.66");
    let mut refusals = Vec::new();
    for _ in 0..30 {
        let junk = mallory.assert(recovery_challenge(&handle, &secret).as_bytes(), &knobs());
        let err = block_on(env.recovery.complete(
            &handle,
            &secret,
            Proof::Passkey(junk.as_bytes()),
            &attacker,
            &mut rng(),
            NOW,
        ))
        .unwrap_err();
        refusals.push(err.label());
        let err = block_on(env.recovery.complete(&handle, &secret, Proof::TokenAlone, &attacker, &mut rng(), NOW))
            .unwrap_err();
        assert!(matches!(err, RecoveryError::PasskeyRequired), "{err:?}");
    }
    assert_eq!(refusals[..3], ["wrong_subject"; 3]);
    assert!(refusals[3..].iter().all(|r| *r == "rate_limited"), "{refusals:?}");
    let record = block_on(env.store.find_challenge(&handle.hash())).unwrap().unwrap();
    assert_eq!(record.attempts_left, 5, "junk proofs spend none of the recovery's attempts");

    let assertion = laptop.assert(recovery_challenge(&handle, &secret).as_bytes(), &knobs());
    let user = requester("198.51.100.1");
    block_on(env.recovery.complete(&handle, &secret, Proof::Passkey(assertion.as_bytes()), &user, &mut rng(), NOW))
        .unwrap();
}

/// Guessing the 8-digit code: 5 tries of 10^8 (5 in 100,000,000), then the recovery is dead,
/// even for the right code.
#[test]
fn guessing_a_code_is_hopeless_and_bounded() {
    let env = env();
    let email = ChannelFacts::Email { state: passkey_recovery::stepup::EmailState::RecentlyRevalidated };
    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester("198.51.100.1"),
        Some(SubjectId::new(ALICE)),
        Channel::Email,
        vec![passkey(), email],
    );
    let initiated = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap();
    let code = initiated.payload.code().expect("email gets a code").clone();
    for _ in 0..5 {
        let mut guess = OneTimeCode::random(&mut rng());
        while guess == code {
            guess = OneTimeCode::random(&mut rng());
        }
        let err = block_on(env.recovery.complete(
            &initiated.handle,
            &DeliveredSecret::Code(guess),
            Proof::TokenAlone,
            &requester("198.51.100.1"),
            &mut rng(),
            NOW,
        ))
        .unwrap_err();
        assert!(matches!(err, RecoveryError::UnknownToken), "{err:?}");
    }
    let err = block_on(env.recovery.complete(
        &initiated.handle,
        &DeliveredSecret::Code(code),
        Proof::TokenAlone,
        &requester("198.51.100.1"),
        &mut rng(),
        NOW,
    ))
    .unwrap_err();
    assert!(matches!(err, RecoveryError::AttemptsExhausted), "{err:?}");
}

/// "A clickable link is sent over RCS even when E2EE is not confirmed".
#[test]
fn no_link_over_a_channel_without_confirmed_e2ee() {
    let env = env();
    let plain = ChannelFacts::Rcs { e2ee_confirmed: false, recent_number_port: false, recent_sim_change: false };
    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester("198.51.100.1"),
        Some(SubjectId::new(ALICE)),
        Channel::Rcs,
        vec![passkey(), plain],
    );
    let initiated = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap();
    assert!(initiated.payload.render_link(BASE).is_none());
    assert!(initiated.payload.code().is_some());
}

/// The sink can fail; fail-closed refuses, fail-open carries on.
#[test]
fn a_failing_audit_sink_fails_closed_when_the_host_says_so() {
    struct Down;
    impl RecoveryAuditSink for Down {
        async fn record_event(&self, _: AuditEvent) -> Result<(), AuditFailed> {
            Err(AuditFailed)
        }
    }
    let make = |mode| {
        Recovery::new(
            rp(),
            RecoveryPolicy::default(),
            secret(),
            MemoryRecoveryStore::new(),
            MemoryRateLimitStore::new(),
            Arc::new(MemoryStore::new()),
            Down,
        )
        .unwrap()
        .with_audit_mode(mode)
    };
    let request =
        InitiateRequest::new(lookup("a@example.com"), requester("x"), None, Channel::Rcs, vec![rcs_e2ee(), passkey()]);
    let closed = block_on(make(AuditMode::FailClosed).initiate(&request, &mut rng(), NOW));
    assert!(matches!(closed, Err(RecoveryError::AuditUnavailable)), "{closed:?}");
    assert!(block_on(make(AuditMode::FailOpen).initiate(&request, &mut rng(), NOW)).is_ok());
}
