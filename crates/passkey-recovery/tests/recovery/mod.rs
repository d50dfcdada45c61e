//! Recovery and onboarding with the software authenticator: the lost-phone flow, replays,
//! expiry, attempts, other accounts' passkeys, enumeration, onboarding, audit hygiene and
//! rate limits.

mod support;

use std::sync::Arc;

use getrandom::SysRng;
use passkey_recovery::{
    onboarding_challenge, recovery_challenge, AuditKind, AuditOutcome, Channel, InitiateRequest, OnboardingNonce,
    OnboardingRequest, Proof, ReasonCategory, RecoveryError, RecoveryPolicy, RecoveryStore, RecoveryToken, Redemption,
    Risk, Scope, SubjectId,
};
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::{Category, CredentialStore, RegistrationChoices, RegistrationDetails};
use rand_core::UnwrapErr;

use support::{assert_no_leak, challenge_of, env, env_with, knobs, token_from_link, ALICE, BOB, NOW};

#[test]
fn lost_phone_is_recovered_with_an_rcs_token_and_the_laptop_passkey() {
    let env = env();
    let phone = env.register(ALICE, "phone");
    let mut laptop = env.register(ALICE, "laptop");
    let alice = SubjectId::new(ALICE);

    // The phone is lost: recovery over RCS, to the user's new phone.
    let request = InitiateRequest::new(Some(alice.clone()), Channel::Rcs)
        .scopes([Scope::RegisterPasskey, Scope::RevokeOtherCredentials])
        .requester_key(*b"ip-hash-1");
    let initiated = block_on(env.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
    assert_eq!(initiated.redemption, Redemption::PasskeyRequired);
    assert_eq!(initiated.expires_at, NOW.plus_secs(240));
    let message = initiated.payload.render_message("https://example.com/recover");
    let link = initiated.payload.render_link("https://example.com/recover");
    assert!(message.contains(&link));
    assert!(link.starts_with("https://example.com/recover#t="));
    for text in [&message, &link, &initiated.payload.render_code()] {
        assert_no_leak(text, &[ALICE, phone.id(), laptop.id()]);
    }

    // The user opens the link on the new phone and confirms with the laptop's passkey (hybrid).
    let token = token_from_link(&link);
    let options = env.recovery.assertion_options(&token);
    assert_eq!(challenge_of(&options), recovery_challenge(&token).as_bytes());
    let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let grant =
        block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), NOW))
            .unwrap();
    assert_eq!(grant.subject, alice);
    assert_eq!(grant.correlation_id, initiated.correlation_id);

    // The grant is redeemed once: register the new phone's passkey, revoke the lost one.
    let redeemed = block_on(env.recovery.consume_grant(&grant.token, Scope::RegisterPasskey, NOW)).unwrap();
    assert!(redeemed.scopes.contains(&Scope::RevokeOtherCredentials));
    let user =
        passkey_verifier::User { id: redeemed.subject.as_bytes().to_vec(), name: "a".into(), display_name: "A".into() };
    let (state, creation) =
        block_on(env.ceremonies.start_registration(&user, &RegistrationChoices::default())).unwrap();
    let mut new_phone = passkey_verifier::testkit::SoftCredential::new(
        passkey_verifier::testkit::KeyKind::Es256,
        ALICE,
        &mut UnwrapErr(SysRng),
    );
    let json = new_phone.register(&challenge_of(&creation), &knobs());
    block_on(env.ceremonies.finish_registration(&state, json.as_bytes(), &RegistrationDetails::nickname("new phone")))
        .unwrap();
    assert!(block_on(env.credentials.delete(phone.id())).unwrap());
    let ids: Vec<Vec<u8>> =
        block_on(env.credentials.list_for_user(ALICE)).unwrap().iter().map(|r| r.id().to_vec()).collect();
    assert_eq!(ids, [laptop.id().to_vec(), new_phone.id().to_vec()]);

    let kinds: Vec<_> = env.audit.events().iter().map(|e| (e.kind, e.outcome)).collect();
    assert_eq!(
        kinds,
        [
            (AuditKind::RecoveryInitiated, AuditOutcome::Success),
            (AuditKind::RecoveryCompleted, AuditOutcome::Success),
            (AuditKind::GrantConsumed, AuditOutcome::Success),
        ]
    );
    assert!(env.audit.events().iter().all(|e| e.correlation_id.as_ref() == Some(&initiated.correlation_id)));
}

#[test]
fn an_intercepted_token_without_the_passkey_fails() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let token = env.initiate(ALICE, Channel::Rcs);
    let err = block_on(env.recovery.complete(&token, Proof::TokenAlone, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::PasskeyRequired), "{err:?}");
    assert_eq!(env.attempts_left(&token), 4, "the failure spent an attempt");
    // The user still completes with the passkey.
    let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), NOW)).unwrap();
}

#[test]
fn a_token_replayed_after_success_fails_as_replayed() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let token = env.initiate(ALICE, Channel::Push);
    let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), NOW)).unwrap();
    // The same assertion, and a fresh one: both refused as a replay (the tombstone remains).
    let again = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    for json in [assertion, again] {
        let err = block_on(env.recovery.complete(
            &token,
            Proof::Passkey(json.as_bytes()),
            &mut UnwrapErr(SysRng),
            NOW.plus_secs(1),
        ))
        .unwrap_err();
        assert!(matches!(err, RecoveryError::Replayed), "{err:?}");
    }
    // After expiry and a purge the tombstone is gone: the token is simply unknown.
    env.store.purge_expired(NOW.plus_secs(90)).unwrap();
    let err = block_on(env.recovery.complete(&token, Proof::TokenAlone, &mut UnwrapErr(SysRng), NOW.plus_secs(91)))
        .unwrap_err();
    assert!(matches!(err, RecoveryError::UnknownToken), "{err:?}");
}

#[test]
fn an_expired_token_fails_as_expired() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    for (channel, ttl) in [(Channel::Push, 90), (Channel::Sms, 240), (Channel::Rcs, 240), (Channel::Email, 1200)] {
        let token = env.initiate(ALICE, channel);
        let at = NOW.plus_secs(ttl);
        let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
        let err =
            block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), at))
                .unwrap_err();
        assert!(matches!(err, RecoveryError::Expired), "{channel:?}: {err:?}");
    }
}

#[test]
fn attempts_are_exhausted_after_n_bad_assertions() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let token = env.initiate(ALICE, Channel::Rcs);
    // Assertions over the wrong challenge (a plain sign-in challenge, not the token's).
    for left in (0..5).rev() {
        let bad = laptop.assert(&[7; 32], &knobs());
        let err = block_on(env.recovery.complete(&token, Proof::Passkey(bad.as_bytes()), &mut UnwrapErr(SysRng), NOW))
            .unwrap_err();
        assert!(matches!(&err, RecoveryError::Verification(e) if e.category() == Category::Challenge), "{err:?}");
        assert_eq!(env.attempts_left(&token), left);
    }
    let good = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let err = block_on(env.recovery.complete(&token, Proof::Passkey(good.as_bytes()), &mut UnwrapErr(SysRng), NOW))
        .unwrap_err();
    assert!(matches!(err, RecoveryError::AttemptsExhausted), "{err:?}");
}

#[test]
fn a_passkey_of_another_account_fails_as_wrong_subject() {
    let env = env();
    env.register(ALICE, "laptop");
    let mut bobs = env.register(BOB, "bob's phone");
    let token = env.initiate(ALICE, Channel::Rcs);
    // Bob intercepted Alice's token and answers its challenge with his own passkey.
    let assertion = bobs.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let err =
        block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), NOW))
            .unwrap_err();
    assert!(matches!(err, RecoveryError::WrongSubject), "{err:?}");
    assert_eq!(env.attempts_left(&token), 4);
    // An unregistered credential fails too.
    let mut stranger = passkey_verifier::testkit::SoftCredential::new(
        passkey_verifier::testkit::KeyKind::Es256,
        ALICE,
        &mut UnwrapErr(SysRng),
    );
    let assertion = stranger.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let err =
        block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), NOW))
            .unwrap_err();
    assert!(matches!(&err, RecoveryError::Verification(e) if e.category() == Category::Credential), "{err:?}");
}

#[test]
fn an_unknown_account_gets_the_same_shape_and_nothing_redeemable() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let known = block_on(env.recovery.initiate(
        &InitiateRequest::new(Some(SubjectId::new(ALICE)), Channel::Rcs),
        &mut UnwrapErr(SysRng),
        NOW,
    ))
    .unwrap();
    let before = env.store.challenge_count().unwrap();
    let unknown =
        block_on(env.recovery.initiate(&InitiateRequest::new(None, Channel::Rcs), &mut UnwrapErr(SysRng), NOW))
            .unwrap();
    assert_eq!(env.store.challenge_count().unwrap(), before, "nothing stored for an unknown account");
    let base = "https://example.com/recover";
    assert_eq!(unknown.payload.render_link(base).len(), known.payload.render_link(base).len());
    assert_eq!(unknown.payload.render_message(base).len(), known.payload.render_message(base).len());
    assert_eq!(unknown.payload.render_code().len(), known.payload.render_code().len());
    assert_eq!((unknown.redemption, unknown.expires_at), (known.redemption, known.expires_at));
    assert_eq!(unknown.correlation_id.as_str().len(), known.correlation_id.as_str().len());

    let token = token_from_link(&unknown.payload.render_link(base));
    let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    for proof in [Proof::Passkey(assertion.as_bytes()), Proof::TokenAlone] {
        let err = block_on(env.recovery.complete(&token, proof, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
        assert!(matches!(err, RecoveryError::UnknownToken), "{err:?}");
    }
    let initiated = env.audit.events().into_iter().nth(1).unwrap();
    assert_eq!(initiated.reason, Some(ReasonCategory::UnknownAccount));
}

#[test]
fn a_token_alone_is_accepted_only_where_policy_allows_it_for_low_risk() {
    let env = env();
    let alice = Some(SubjectId::new(ALICE));
    let low = InitiateRequest::new(alice.clone(), Channel::Email).risk(Risk::Low);
    let initiated = block_on(env.recovery.initiate(&low, &mut UnwrapErr(SysRng), NOW)).unwrap();
    assert_eq!(initiated.redemption, Redemption::PasskeyRequired, "the default policy never allows it");

    let mut policy = RecoveryPolicy::default();
    policy.token_alone_for_low_risk = true;
    let env = env_with(policy);
    let elevated = InitiateRequest::new(alice.clone(), Channel::Email);
    assert_eq!(
        block_on(env.recovery.initiate(&elevated, &mut UnwrapErr(SysRng), NOW)).unwrap().redemption,
        Redemption::PasskeyRequired
    );
    let initiated = block_on(env.recovery.initiate(&low, &mut UnwrapErr(SysRng), NOW)).unwrap();
    assert_eq!(initiated.redemption, Redemption::TokenAlone);
    let token = token_from_link(&initiated.payload.render_link("https://example.com/r"));
    let grant = block_on(env.recovery.complete(&token, Proof::TokenAlone, &mut UnwrapErr(SysRng), NOW)).unwrap();
    assert_eq!(grant.scopes, [Scope::RegisterPasskey]);
    // Revoking other credentials is never granted on the token alone.
    let revoke = low.clone().scopes([Scope::RegisterPasskey, Scope::RevokeOtherCredentials]);
    let err = block_on(env.recovery.initiate(&revoke, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::InvalidRequest(_)), "{err:?}");
}

#[test]
fn a_grant_is_consumed_once_and_only_for_its_scope() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let token = env.initiate(ALICE, Channel::Rcs);
    let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let grant =
        block_on(env.recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), NOW))
            .unwrap();
    let err = block_on(env.recovery.consume_grant(&grant.token, Scope::RevokeOtherCredentials, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::ScopeNotGranted), "{err:?}");
    let late = NOW.plus_secs(300);
    let err = block_on(env.recovery.consume_grant(&grant.token, Scope::RegisterPasskey, late)).unwrap_err();
    assert!(matches!(err, RecoveryError::Expired), "{err:?}");
    block_on(env.recovery.consume_grant(&grant.token, Scope::RegisterPasskey, NOW)).unwrap();
    let err = block_on(env.recovery.consume_grant(&grant.token, Scope::RegisterPasskey, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::Replayed), "{err:?}");
    let forged = passkey_recovery::GrantToken::random(&mut UnwrapErr(SysRng));
    let err = block_on(env.recovery.consume_grant(&forged, Scope::RegisterPasskey, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::UnknownToken), "{err:?}");
}

#[test]
fn concurrent_completions_of_one_token_issue_one_grant() {
    let env = Arc::new(env());
    let mut laptop = env.register(ALICE, "laptop");
    let token = env.initiate(ALICE, Channel::Rcs);
    let assertions: Vec<String> =
        (0..8).map(|_| laptop.assert(recovery_challenge(&token).as_bytes(), &knobs())).collect();
    let wins = std::thread::scope(|s| {
        let handles: Vec<_> = assertions
            .iter()
            .map(|json| {
                let (env, token) = (Arc::clone(&env), token.clone());
                s.spawn(move || {
                    block_on(env.recovery.complete(
                        &token,
                        Proof::Passkey(json.as_bytes()),
                        &mut UnwrapErr(SysRng),
                        NOW,
                    ))
                    .is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).filter(|ok| *ok).count()
    });
    assert_eq!(wins, 1);
}

#[test]
fn onboarding_is_approved_by_an_existing_device() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    // The new tablet shows a QR code; it claims to join Alice's account.
    let request = OnboardingRequest::new(Some(SubjectId::new(ALICE))).requester_key(*b"tablet-ip");
    let started = block_on(env.recovery.start_onboarding(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
    assert_eq!(started.expires_at, NOW.plus_secs(120));
    let qr = started.nonce.render_link("https://example.com/link-device");
    assert_no_leak(&qr, &[ALICE, laptop.id()]);
    let err = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::NotApproved), "{err:?}");

    // The laptop scans it and approves with its passkey.
    let nonce = OnboardingNonce::parse(qr.split_once("#n=").unwrap().1).unwrap();
    let options = env.recovery.onboarding_assertion_options(&nonce);
    assert_eq!(challenge_of(&options), onboarding_challenge(&nonce).as_bytes());
    let assertion = laptop.assert(onboarding_challenge(&nonce).as_bytes(), &knobs());
    let approval = block_on(env.recovery.approve_onboarding(&nonce, assertion.as_bytes(), NOW.plus_secs(20))).unwrap();
    assert_eq!(approval.correlation_id, started.correlation_id);

    // The tablet redeems the nonce for a registration ticket and registers its own passkey.
    let ticket = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW.plus_secs(30))).unwrap();
    assert_eq!(ticket.subject, SubjectId::new(ALICE));
    let user = ticket.user("alice", "Alice");
    let (state, creation) =
        block_on(env.ceremonies.start_registration(&user, &RegistrationChoices::default())).unwrap();
    let mut tablet = passkey_verifier::testkit::SoftCredential::new(
        passkey_verifier::testkit::KeyKind::Es256,
        ALICE,
        &mut UnwrapErr(SysRng),
    );
    let json = tablet.register(&challenge_of(&creation), &knobs());
    block_on(env.ceremonies.finish_registration(&state, json.as_bytes(), &RegistrationDetails::default())).unwrap();
    assert_eq!(block_on(env.credentials.list_for_user(ALICE)).unwrap().len(), 2);
}

#[test]
fn an_onboarding_nonce_cannot_be_replayed_or_outlive_its_ttl() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let started =
        block_on(env.recovery.start_onboarding(&OnboardingRequest::new(None), &mut UnwrapErr(SysRng), NOW)).unwrap();
    let assertion = laptop.assert(onboarding_challenge(&started.nonce).as_bytes(), &knobs());
    block_on(env.recovery.approve_onboarding(&started.nonce, assertion.as_bytes(), NOW)).unwrap();
    // A second approval (the same assertion or a fresh one) is a replay.
    let again = laptop.assert(onboarding_challenge(&started.nonce).as_bytes(), &knobs());
    let err = block_on(env.recovery.approve_onboarding(&started.nonce, again.as_bytes(), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::Replayed), "{err:?}");
    // Without a claim, the approving passkey's account is the one joined.
    let ticket = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW)).unwrap();
    assert_eq!(ticket.subject, SubjectId::new(ALICE));
    let err = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::Replayed), "{err:?}");

    // An approved nonce redeemed after its TTL fails; an unknown nonce is unknown.
    let started =
        block_on(env.recovery.start_onboarding(&OnboardingRequest::new(None), &mut UnwrapErr(SysRng), NOW)).unwrap();
    let assertion = laptop.assert(onboarding_challenge(&started.nonce).as_bytes(), &knobs());
    block_on(env.recovery.approve_onboarding(&started.nonce, assertion.as_bytes(), NOW)).unwrap();
    let err = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW.plus_secs(120))).unwrap_err();
    assert!(matches!(err, RecoveryError::Expired), "{err:?}");
    let err =
        block_on(env.recovery.redeem_onboarding(&OnboardingNonce::random(&mut UnwrapErr(SysRng)), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::UnknownToken), "{err:?}");
}

#[test]
fn onboarding_approved_by_another_users_device_fails() {
    let env = env();
    env.register(ALICE, "laptop");
    let mut bobs = env.register(BOB, "bob's phone");
    let request = OnboardingRequest::new(Some(SubjectId::new(ALICE)));
    let started = block_on(env.recovery.start_onboarding(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
    let assertion = bobs.assert(onboarding_challenge(&started.nonce).as_bytes(), &knobs());
    let err = block_on(env.recovery.approve_onboarding(&started.nonce, assertion.as_bytes(), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::WrongSubject), "{err:?}");
    let err = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::NotApproved), "{err:?}");
    // A recovery assertion is no onboarding approval (domain-separated challenges).
    let token = RecoveryToken::parse(&started.nonce.to_base64url()).unwrap();
    let mut alices = env.register(ALICE, "second laptop");
    let cross = alices.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let err = block_on(env.recovery.approve_onboarding(&started.nonce, cross.as_bytes(), NOW)).unwrap_err();
    assert!(matches!(&err, RecoveryError::Verification(e) if e.category() == Category::Challenge), "{err:?}");
}

#[test]
fn audit_events_and_debug_output_carry_no_secret_or_identifier() {
    let env = env();
    let mut phone = env.register(ALICE, "phone");
    let mut laptop = env.register(ALICE, "laptop");
    let mut bobs = env.register(BOB, "bob's phone");
    let mut secrets: Vec<String> = Vec::new();
    let mut debug: Vec<String> = Vec::new();

    let request = InitiateRequest::new(Some(SubjectId::new(ALICE)), Channel::Rcs).requester_key(*b"ip");
    let initiated = block_on(env.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
    let token = initiated.payload.token().clone();
    secrets.extend([token.to_base64url(), token.to_code(), recovery_challenge(&token).to_base64url()]);
    debug.extend([format!("{request:?}"), format!("{initiated:?}"), format!("{:?}", initiated.payload)]);
    debug.push(format!("{:?}", env.recovery.assertion_options(&token)));
    debug.push(format!("{:?}", block_on(env.store.find_challenge(&token.hash())).unwrap()));

    // Failures of every kind, then success, a replay and the grant.
    let wrong = bobs.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let errors = [
        block_on(env.recovery.complete(&token, Proof::TokenAlone, &mut UnwrapErr(SysRng), NOW)).unwrap_err(),
        block_on(env.recovery.complete(&token, Proof::Passkey(wrong.as_bytes()), &mut UnwrapErr(SysRng), NOW))
            .unwrap_err(),
        block_on(env.recovery.complete(&token, Proof::Passkey(b"{}"), &mut UnwrapErr(SysRng), NOW)).unwrap_err(),
    ];
    let good = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());
    let grant =
        block_on(env.recovery.complete(&token, Proof::Passkey(good.as_bytes()), &mut UnwrapErr(SysRng), NOW)).unwrap();
    let replay = block_on(env.recovery.complete(&token, Proof::Passkey(good.as_bytes()), &mut UnwrapErr(SysRng), NOW))
        .unwrap_err();
    secrets.push(grant.token.to_base64url());
    let redeemed = block_on(env.recovery.consume_grant(&grant.token, Scope::RegisterPasskey, NOW)).unwrap();
    debug.extend([format!("{grant:?}"), format!("{redeemed:?}"), format!("{:?}", grant.token), format!("{token:?}")]);
    debug.extend(errors.iter().chain([&replay]).flat_map(|e| [format!("{e:?}"), e.to_string()]));

    // Onboarding, approved by the phone, and an unknown-account recovery.
    let onboarding = OnboardingRequest::new(Some(SubjectId::new(ALICE))).requester_key(*b"ip");
    let started = block_on(env.recovery.start_onboarding(&onboarding, &mut UnwrapErr(SysRng), NOW)).unwrap();
    secrets.extend([started.nonce.to_base64url(), onboarding_challenge(&started.nonce).to_base64url()]);
    let approval = phone.assert(onboarding_challenge(&started.nonce).as_bytes(), &knobs());
    block_on(env.recovery.approve_onboarding(&started.nonce, approval.as_bytes(), NOW)).unwrap();
    let ticket = block_on(env.recovery.redeem_onboarding(&started.nonce, NOW)).unwrap();
    debug.extend([format!("{onboarding:?}"), format!("{started:?}"), format!("{ticket:?}")]);
    let unknown =
        block_on(env.recovery.initiate(&InitiateRequest::new(None, Channel::Sms), &mut UnwrapErr(SysRng), NOW))
            .unwrap();
    secrets.push(unknown.payload.token().to_base64url());
    debug.push(format!("{unknown:?}"));

    let events = env.audit.events();
    assert_eq!(events.len(), 11);
    assert!(events.iter().all(|e| e.correlation_id.is_some()));
    debug.extend(events.iter().map(|e| format!("{e:?}")));
    let identifiers: [&[u8]; 4] = [ALICE, phone.id(), laptop.id(), bobs.id()];
    for text in &debug {
        assert_no_leak(text, &identifiers);
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret leaked into {text}");
        }
    }
    let reasons: Vec<_> = events.iter().filter_map(|e| e.reason).collect();
    assert_eq!(
        reasons,
        [
            ReasonCategory::PasskeyRequired,
            ReasonCategory::WrongSubject,
            ReasonCategory::Verification(Category::Malformed),
            ReasonCategory::Replayed,
            ReasonCategory::UnknownAccount,
        ]
    );
}

#[test]
fn initiations_are_rate_limited_per_subject_and_per_requester() {
    let env = env();
    let alice = Some(SubjectId::new(ALICE));
    for _ in 0..5 {
        block_on(env.recovery.initiate(
            &InitiateRequest::new(alice.clone(), Channel::Rcs),
            &mut UnwrapErr(SysRng),
            NOW,
        ))
        .unwrap();
    }
    let later = NOW.plus_secs(10);
    let err = block_on(env.recovery.initiate(
        &InitiateRequest::new(alice.clone(), Channel::Rcs),
        &mut UnwrapErr(SysRng),
        later,
    ))
    .unwrap_err();
    let RecoveryError::RateLimited { retry_after_secs } = err else { panic!("{err:?}") };
    assert!((1..=3600).contains(&retry_after_secs));
    assert_eq!(env.audit.events().last().unwrap().reason, Some(ReasonCategory::RateLimited));
    // Another subject is not affected; the next window is open again.
    block_on(env.recovery.initiate(
        &InitiateRequest::new(Some(SubjectId::new(BOB)), Channel::Rcs),
        &mut UnwrapErr(SysRng),
        later,
    ))
    .unwrap();
    let next = later.plus_secs(retry_after_secs);
    block_on(env.recovery.initiate(&InitiateRequest::new(alice, Channel::Rcs), &mut UnwrapErr(SysRng), next)).unwrap();

    // Per requester: 20 per hour across subjects.
    let env = support::env();
    for i in 0..20u8 {
        let request = InitiateRequest::new(Some(SubjectId::new([i])), Channel::Push).requester_key(*b"10.0.0.1");
        block_on(env.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
    }
    let request = InitiateRequest::new(Some(SubjectId::new(*b"x")), Channel::Push).requester_key(*b"10.0.0.1");
    let err = block_on(env.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::RateLimited { .. }), "{err:?}");
    let other = InitiateRequest::new(Some(SubjectId::new(*b"x")), Channel::Push).requester_key(*b"10.0.0.2");
    block_on(env.recovery.initiate(&other, &mut UnwrapErr(SysRng), NOW)).unwrap();
}

#[test]
fn a_lookup_key_limits_unknown_accounts_like_known_ones() {
    let env = env();
    // The host passes a keyed hash of what the user typed: the limit does not reveal whether
    // an account matched.
    for subject in [Some(SubjectId::new(ALICE)), None] {
        let lookup = if subject.is_some() { b"hash(+15550100)" } else { b"hash(+15550199)" };
        let request = InitiateRequest::new(subject, Channel::Sms).lookup_key(*lookup);
        for _ in 0..5 {
            block_on(env.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
        }
        let err = block_on(env.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
        assert!(matches!(err, RecoveryError::RateLimited { .. }), "{err:?}");
    }
}

#[test]
fn onboarding_starts_are_rate_limited_per_requester() {
    let env = env();
    let request = OnboardingRequest::new(None).requester_key(*b"kiosk");
    for _ in 0..20 {
        block_on(env.recovery.start_onboarding(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
    }
    let err = block_on(env.recovery.start_onboarding(&request, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::RateLimited { .. }), "{err:?}");
}

#[test]
fn storage_errors_fail_closed() {
    let env = support::failing_env();
    let request = InitiateRequest::new(Some(SubjectId::new(ALICE)), Channel::Rcs);
    let err = block_on(env.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::Storage(_)), "{err:?}");
    let token = RecoveryToken::random(&mut UnwrapErr(SysRng));
    let err = block_on(env.complete(&token, Proof::TokenAlone, &mut UnwrapErr(SysRng), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::Storage(_)), "{err:?}");
    let err = block_on(env.redeem_onboarding(&OnboardingNonce::random(&mut UnwrapErr(SysRng)), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::Storage(_)), "{err:?}");
    assert_eq!(env.audit().events().last().unwrap().reason, Some(ReasonCategory::Storage));
}

#[test]
fn the_policy_bounds_ttls_per_channel() {
    let policy = RecoveryPolicy::default();
    assert_eq!(
        [Channel::Push, Channel::Rcs, Channel::Sms, Channel::Email].map(|c| policy.ttl_secs(c)),
        [90, 240, 240, 1200]
    );
    assert_eq!((policy.max_attempts, policy.onboarding_ttl_secs), (5, 120));
    policy.validate().unwrap();
    type Tweak = fn(&mut RecoveryPolicy);
    let cases: [(Tweak, bool); 6] = [
        (|p: &mut RecoveryPolicy| p.push_ttl_secs = 121, false),
        (|p: &mut RecoveryPolicy| p.sms_ttl_secs = 301, false),
        (|p: &mut RecoveryPolicy| p.email_ttl_secs = 1801, false),
        (|p: &mut RecoveryPolicy| p.email_ttl_secs = 600, true),
        (|p: &mut RecoveryPolicy| p.max_attempts = 0, false),
        (|p: &mut RecoveryPolicy| p.per_subject.max = 0, false),
    ];
    for (set, ok) in cases {
        let mut p = RecoveryPolicy::default();
        set(&mut p);
        assert_eq!(p.validate().is_ok(), ok, "{p:?}");
    }
}

/// A passkey proof carries an assertion (with the user handle and credential ID): its
/// `Debug` names the kind of proof only.
#[test]
fn proofs_do_not_print_the_assertion() {
    let assertion = br#"{"id":"SECRET-CREDENTIAL","response":{"userHandle":"SECRET-HANDLE"}}"#;
    let debug = format!("{:?}", Proof::Passkey(assertion));
    assert_no_leak(&debug, &[assertion, b"SECRET-CREDENTIAL", b"SECRET-HANDLE"]);
    assert_eq!(format!("{:?}", Proof::TokenAlone), "TokenAlone");
}

#[test]
fn memory_stores_pass_the_recovery_store_conformance_kit() {
    use passkey_recovery::{MemoryRateLimitStore, MemoryRecoveryStore};
    use passkey_verifier::testkit::store_conformance::shared;
    block_on(passkey_recovery::testkit::run(&shared(MemoryRecoveryStore::new), &shared(MemoryRateLimitStore::new)));
}
