//! Recovery, passkeyless recovery and onboarding played end to end with software
//! authenticators; the attacker tests are in `attacks`.

mod attacks;
mod metrics;
mod support;

use passkey_recovery::stepup::{ChannelFacts, Outcome, Reason};
use passkey_recovery::{
    onboarding_challenge, recovery_challenge, AccountState, AuditKind, Channel, DeliveredSecret, HighRiskOperation,
    InitiateRequest, Language, Notice, OnboardingRequest, PairingCode, PairingRef, PasskeylessRequest,
    PasskeylessStatus, Proof, RecoveryError, RecoveryHandle, RecoveryToken, Redemption, RegistrationAuthority, Scope,
    SubjectId, Templates,
};
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::testkit::{KeyKind, SoftCredential};
use passkey_verifier::{CredentialStore, RegistrationChoices, RegistrationDetails};

use support::*;

/// What the client does with a delivered link: the handle and the token from its fragment.
pub fn from_link(link: &str) -> (RecoveryHandle, DeliveredSecret) {
    let fragment = link.split_once('#').unwrap().1;
    let h = fragment.split('&').find_map(|p| p.strip_prefix("h=")).unwrap();
    let t = fragment.split('&').find_map(|p| p.strip_prefix("t=")).unwrap();
    (RecoveryHandle::parse(h).unwrap(), DeliveredSecret::Link(RecoveryToken::parse(t).unwrap()))
}

/// Registers a new passkey for `handle` under `permit`-style user through the ceremonies.
fn register_new(env: &Env, user: &passkey_verifier::User) -> SoftCredential {
    let (state, creation) = block_on(env.ceremonies.start_registration(user, &RegistrationChoices::default())).unwrap();
    let mut credential = SoftCredential::new(KeyKind::Es256, &user.id, &mut rng());
    let json = credential.register(&challenge_of(&creation), &knobs());
    block_on(env.ceremonies.finish_registration(&state, json.as_bytes(), &RegistrationDetails::nickname("new")))
        .unwrap();
    credential
}

#[test]
fn lost_phone_is_recovered_over_e2ee_rcs_with_the_laptop_passkey() {
    let env = env();
    let phone = env.register(ALICE, "phone");
    let mut laptop = env.register(ALICE, "laptop");
    let alice = SubjectId::new(ALICE);

    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester("198.51.100.7"),
        Some(alice.clone()),
        Channel::Rcs,
        vec![passkey(), rcs_e2ee(), email_recent()],
    )
    .scopes([Scope::RegisterPasskey, Scope::RevokeOtherCredentials, Scope::EndOtherSessions]);
    let initiated = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap();
    assert_eq!(initiated.redemption, Redemption::PasskeyRequired);
    assert_eq!(initiated.decision.outcome, Outcome::UseChannel(passkey_recovery::stepup::ChannelKind::Passkey));
    let link = initiated.payload.render_link(BASE).expect("E2EE RCS gets a deep link");
    let message = initiated.payload.render_message(&Templates::default_for(Language::En), "example.com", BASE);
    assert!(message.contains(&link) && message.contains("within 4 minutes") && message.contains("passkey"));
    assert_no_leak(&message, &[ALICE, phone.id(), laptop.id()]);

    let (handle, secret) = from_link(&link);
    assert_eq!(handle, initiated.handle);
    let options = env.recovery.assertion_options(&handle, &secret);
    assert_eq!(challenge_of(&options), recovery_challenge(&handle, &secret).as_bytes());
    let assertion = laptop.assert(recovery_challenge(&handle, &secret).as_bytes(), &knobs());
    let grant = block_on(env.recovery.complete(
        &handle,
        &secret,
        Proof::Passkey(assertion.as_bytes()),
        &requester("198.51.100.7"),
        &mut rng(),
        NOW.plus_secs(30),
    ))
    .unwrap();
    assert_eq!(grant.subject, alice);

    // The registration endpoint requires the grant for an existing account, and consumes it.
    let err = block_on(env.recovery.authorize_registration(&alice, AccountState::Exists, None, NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::GrantRequired), "{err:?}");
    let permit =
        block_on(env.recovery.authorize_registration(&alice, AccountState::Exists, Some(&grant.token), NOW)).unwrap();
    assert!(matches!(permit.authority, RegistrationAuthority::Grant { .. }));
    let again = block_on(env.recovery.authorize_registration(&alice, AccountState::Exists, Some(&grant.token), NOW));
    assert!(matches!(again, Err(RecoveryError::Replayed)), "{again:?}");
    let new_phone = register_new(&env, &permit.user("alice", "Alice"));

    // The scopes run through the stores and the session hook; the cool-down starts.
    let sessions = Sessions::default();
    let after = block_on(env.recovery.finish_registration(&permit, new_phone.id(), &sessions, NOW)).unwrap();
    assert_eq!(after.revoked_credentials, 2);
    assert_eq!(after.ended_sessions, 3);
    assert_eq!(sessions.0.lock().unwrap().as_slice(), std::slice::from_ref(&alice));
    let ids: Vec<Vec<u8>> =
        block_on(env.credentials.list_for_user(ALICE)).unwrap().iter().map(|r| r.id().to_vec()).collect();
    assert_eq!(ids, [new_phone.id().to_vec()], "only the new passkey is left");
    assert!(matches!(after.notices.as_slice(), [Notice::Recovered { revoked_credentials: 2, .. }]));
    let blocked = block_on(env.recovery.check_cooldown(&alice, HighRiskOperation::PayoutChange, NOW.plus_secs(3600)));
    assert!(matches!(blocked, Err(RecoveryError::CoolingDown { retry_after_secs: 82_800 })), "{blocked:?}");
    block_on(env.recovery.check_cooldown(&alice, HighRiskOperation::PayoutChange, NOW.plus_secs(86_400))).unwrap();

    let kinds: Vec<AuditKind> = env.audit.events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            AuditKind::RecoveryInitiated,
            AuditKind::RecoveryCompleted,
            AuditKind::RegistrationAuthorized,
            AuditKind::RegistrationAuthorized,
            AuditKind::RegistrationAuthorized,
            AuditKind::ScopesExecuted,
        ]
    );
    let first = &env.audit.events()[0];
    assert!(first.subject.is_some() && first.requester.is_some() && first.decision == Some("use_channel"));
    for event in env.audit.events() {
        assert_no_leak(&format!("{event:?}"), &[ALICE, laptop.id(), phone.id()]);
    }
}

#[test]
fn recovery_without_any_passkey_waits_and_a_sign_in_or_the_cancel_link_stops_it() {
    let env = env();
    let mut phone = env.register(ALICE, "phone");
    let alice = SubjectId::new(ALICE);
    let start = |now| {
        let request = PasskeylessRequest::new(
            lookup("alice@example.com"),
            requester("203.0.113.9"),
            Some(alice.clone()),
            vec![email_recent(), rcs_e2ee(), passkey()],
        );
        block_on(env.recovery.start_passkeyless(&request, &mut rng(), now)).unwrap()
    };
    let started = start(NOW);
    assert_eq!(started.wait_secs, 86_400);
    let channels: Vec<Channel> = started.payloads.iter().map(|p| p.channel()).collect();
    assert_eq!(channels, [Channel::Rcs, Channel::Email], "two independent channels; the passkey is not one");
    assert!(started.payloads[1].render_link(BASE).is_none(), "email is not E2EE: a code, not a link");

    let confirm = |payload: &passkey_recovery::DeliveryPayload, now| {
        block_on(env.recovery.confirm_factor(&started.handle, payload.secret(), now))
    };
    assert_eq!(confirm(&started.payloads[0], NOW).unwrap(), PasskeylessStatus::Confirming { confirmed: 1, needed: 2 });
    let err = block_on(env.recovery.redeem_passkeyless(&started.handle, &mut rng(), NOW)).unwrap_err();
    assert!(matches!(err, RecoveryError::NotReady { .. }), "{err:?}");
    let waiting = confirm(&started.payloads[1], NOW.plus_secs(60)).unwrap();
    assert_eq!(waiting, PasskeylessStatus::Waiting { ready_at: NOW.plus_secs(60 + 86_400) });
    let early = block_on(env.recovery.redeem_passkeyless(&started.handle, &mut rng(), NOW.plus_secs(86_000)));
    assert!(matches!(early, Err(RecoveryError::NotReady { retry_after_secs: 460 })), "{early:?}");

    // The rightful user still has the phone after all: a sign-in cancels.
    let (state, options) =
        block_on(env.ceremonies.start_authentication(passkey_verifier::SignInTarget::User(ALICE), &Default::default()))
            .unwrap();
    let json = phone.assert(&challenge_of(&options), &knobs());
    block_on(env.ceremonies.finish_authentication(&state, json.as_bytes())).unwrap();
    let audited = env.audit.events().len();
    assert_eq!(block_on(env.recovery.note_sign_in(&alice, NOW.plus_secs(120))).unwrap(), 1);
    assert_eq!(env.audit.events().len(), audited + 1, "the cancellation is audited");
    assert_eq!(block_on(env.recovery.note_sign_in(&alice, NOW.plus_secs(121))).unwrap(), 0);
    assert_eq!(env.audit.events().len(), audited + 1, "a sign-in that cancels nothing is no audit event");
    let late = block_on(env.recovery.redeem_passkeyless(&started.handle, &mut rng(), NOW.plus_secs(90_000)));
    assert!(matches!(late, Err(RecoveryError::Cancelled)), "{late:?}");

    // A second attempt: the one-tap cancel link stops it too.
    let second = start(NOW);
    for p in &second.payloads {
        block_on(env.recovery.confirm_factor(&second.handle, p.secret(), NOW)).unwrap();
    }
    assert!(block_on(env.recovery.cancel_recovery(&second.cancel, NOW.plus_secs(10))).unwrap());
    assert!(!block_on(env.recovery.cancel_recovery(&second.cancel, NOW.plus_secs(11))).unwrap(), "once");
    let status = block_on(env.recovery.passkeyless_status(&second.handle, NOW.plus_secs(12))).unwrap();
    assert_eq!(status, PasskeylessStatus::Cancelled);

    // A third, left alone: after the waiting period, a grant to register and revoke.
    let third = start(NOW);
    for p in &third.payloads {
        block_on(env.recovery.confirm_factor(&third.handle, p.secret(), NOW)).unwrap();
    }
    let later = NOW.plus_secs(86_400);
    assert_eq!(block_on(env.recovery.passkeyless_status(&third.handle, later)).unwrap(), PasskeylessStatus::Ready);
    let grant = block_on(env.recovery.redeem_passkeyless(&third.handle, &mut rng(), later)).unwrap();
    assert!(grant.scopes.contains(&Scope::RevokeOtherCredentials));
    let replay = block_on(env.recovery.redeem_passkeyless(&third.handle, &mut rng(), later));
    assert!(matches!(replay, Err(RecoveryError::Replayed)), "{replay:?}");
    let permit =
        block_on(env.recovery.authorize_registration(&alice, AccountState::Exists, Some(&grant.token), later)).unwrap();
    let new_phone = register_new(&env, &permit.user("alice", "Alice"));
    let after =
        block_on(env.recovery.finish_registration(&permit, new_phone.id(), &Sessions::default(), later)).unwrap();
    assert_eq!(after.revoked_credentials, 1, "the old phone's passkey is revoked");
}

#[test]
fn a_ported_number_disqualifies_phone_channels_from_the_passkeyless_path() {
    let env = env();
    let ported = ChannelFacts::Rcs { e2ee_confirmed: true, recent_number_port: true, recent_sim_change: false };
    let request = PasskeylessRequest::new(
        lookup("alice@example.com"),
        requester("203.0.113.9"),
        Some(SubjectId::new(ALICE)),
        vec![ported, ChannelFacts::Sms { recent_number_port: true, recent_sim_change: false }, email_recent()],
    );
    let err = block_on(env.recovery.start_passkeyless(&request, &mut rng(), NOW)).unwrap_err();
    let RecoveryError::ManualReview { reasons } = err else { panic!("{err:?}") };
    assert!(reasons.contains(&Reason::RecentNumberPort(passkey_recovery::stepup::ChannelKind::Rcs)), "{reasons:?}");
    assert!(reasons.contains(&Reason::NoChannelStrongEnough));
    let event = env.audit.events().pop().unwrap();
    assert_eq!(event.decision, Some("manual_review"));
    assert!(event.reasons.iter().any(|r| r.contains("RecentNumberPort")), "{:?}", event.reasons);
}

#[test]
fn onboarding_is_approved_by_an_existing_device_with_the_pairing_code() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let request = OnboardingRequest::new(None, requester("192.0.2.4"), display("Pixel 9", "Zürich, CH"));
    let started = block_on(env.recovery.start_onboarding(&request, &mut rng(), NOW)).unwrap();
    let qr = started.pairing.render_link("https://example.com/link");
    assert!(!qr.contains(&started.device_secret.to_base64url()), "the QR code carries the reference only");

    // The laptop scans, shows who asks, and its user types the code shown on the new device.
    let pairing = PairingRef::parse(qr.split_once("#p=").unwrap().1).unwrap();
    let screen = block_on(env.recovery.onboarding_screen(&pairing, NOW.plus_secs(5))).unwrap();
    assert_eq!(screen.display.device_name, "Pixel 9");
    assert_eq!(screen.display.coarse_location.as_deref(), Some("Zürich, CH"));
    let typed = PairingCode::parse(started.pairing_code.as_str()).unwrap();
    let options = env.recovery.onboarding_assertion_options(&pairing, &typed);
    let assertion = laptop.assert(&challenge_of(&options), &knobs());
    assert_eq!(challenge_of(&options), onboarding_challenge(&pairing, &typed).as_bytes());
    block_on(env.recovery.approve_onboarding(&pairing, assertion.as_bytes(), NOW.plus_secs(20))).unwrap();

    let grant = block_on(env.recovery.redeem_onboarding(
        &started.pairing,
        &started.device_secret,
        &mut rng(),
        NOW.plus_secs(30),
    ))
    .unwrap();
    assert_eq!(grant.subject, SubjectId::new(ALICE));
    let permit = block_on(env.recovery.authorize_registration(
        &grant.subject,
        AccountState::Exists,
        Some(&grant.token),
        NOW.plus_secs(31),
    ))
    .unwrap();
    register_new(&env, &permit.user("alice", "Alice"));
    assert_eq!(block_on(env.credentials.list_for_user(ALICE)).unwrap().len(), 2);
}

#[test]
fn an_existing_device_can_offer_onboarding_to_a_device_it_names() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    env.register(BOB, "bob");
    let alice = SubjectId::new(ALICE);
    let request = OnboardingRequest::new(None, requester("192.0.2.4"), display("Alice's tablet", "Bern, CH"));
    let offer = block_on(env.recovery.offer_onboarding(&alice, &request, &mut rng(), NOW)).unwrap();
    assert!(block_on(env.recovery.onboarding_screen(&offer.pairing, NOW)).unwrap().offered);
    let assertion = laptop.assert(onboarding_challenge(&offer.pairing, &offer.pairing_code).as_bytes(), &knobs());
    block_on(env.recovery.approve_onboarding(&offer.pairing, assertion.as_bytes(), NOW)).unwrap();
    // The tablet got the reference and the secret by push.
    let grant =
        block_on(env.recovery.redeem_onboarding(&offer.pairing, &offer.device_secret, &mut rng(), NOW)).unwrap();
    assert_eq!(grant.subject, alice);
}

#[test]
fn messages_state_the_ttl_exactly_and_codes_are_origin_bound() {
    let mut policy = passkey_recovery::RecoveryPolicy::default();
    policy.token_alone_allowed = true;
    let env = env_with(policy);
    let sms = ChannelFacts::Sms { recent_number_port: false, recent_sim_change: false };
    let mut stepup = passkey_recovery::stepup::StepUpPolicy::default();
    stepup.requirements.credential_change = passkey_recovery::stepup::Assurance::Low;
    let mut policy = env.recovery.policy().clone();
    policy.stepup = stepup;
    let env = env_with(policy);
    let request = InitiateRequest::new(
        lookup("a@example.com"),
        requester("x"),
        Some(SubjectId::new(ALICE)),
        Channel::Sms,
        vec![sms],
    );
    let initiated = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap();
    assert_eq!(initiated.redemption, Redemption::TokenAlone);
    let message = initiated.payload.render_message(&Templates::default_for(Language::En), "example.com", BASE);
    let code = initiated.payload.code().expect("SMS gets a code").as_str().to_owned();
    assert_eq!(code.len(), 8);
    assert!(message.ends_with(&format!("\n\n@example.com #{code}")), "{message}");
    assert!(!message.contains("passkey"), "a token-alone message does not promise a passkey: {message}");
    assert!(message.contains("within 4 minutes"), "{message}");
    let en = Templates::default_for(Language::En);
    assert_eq!(en.duration(90), "1 minute 30 seconds", "a 90 s push is not \"2 min\"");
}

#[test]
fn memory_stores_pass_the_recovery_store_conformance_kit() {
    use passkey_verifier::testkit::store_conformance::shared;
    block_on(passkey_recovery::testkit::run(
        &shared(passkey_recovery::MemoryRecoveryStore::new),
        &shared(passkey_recovery::MemoryRateLimitStore::new),
    ));
}

/// A grant redeemed for a host action other than registration: once, for its own scope only,
/// and audited with the recovery's correlation ID and the subject's pseudonym.
#[test]
fn a_grant_is_consumed_once_for_a_scope_it_holds_and_the_audit_ties_it_to_its_recovery() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let request = InitiateRequest::new(
        lookup("alice@example.com"),
        requester("198.51.100.7"),
        Some(SubjectId::new(ALICE)),
        Channel::Rcs,
        vec![passkey(), rcs_e2ee()],
    )
    .scopes([Scope::RegisterPasskey, Scope::EndOtherSessions]);
    let initiated = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap();
    let (handle, secret) = from_link(&initiated.payload.render_link(BASE).unwrap());
    let assertion = laptop.assert(recovery_challenge(&handle, &secret).as_bytes(), &knobs());
    let user = requester("198.51.100.7");
    let grant =
        block_on(env.recovery.complete(&handle, &secret, Proof::Passkey(assertion.as_bytes()), &user, &mut rng(), NOW))
            .unwrap();
    // A check consumes nothing, and holds for the grant's own subject and scopes only.
    let bob = block_on(env.recovery.check_grant(&SubjectId::new(BOB), &grant.token, Scope::RegisterPasskey, NOW));
    assert!(matches!(bob, Err(RecoveryError::WrongSubject)), "{bob:?}");
    let alice = SubjectId::new(ALICE);
    block_on(env.recovery.check_grant(&alice, &grant.token, Scope::RegisterPasskey, NOW)).unwrap();
    block_on(env.recovery.check_grant(&alice, &grant.token, Scope::RegisterPasskey, NOW)).unwrap();
    let refused = block_on(env.recovery.consume_grant(&grant.token, Scope::RevokeOtherCredentials, NOW));
    assert!(matches!(refused, Err(RecoveryError::ScopeNotGranted)), "{refused:?}");
    let (subject, scopes) = block_on(env.recovery.consume_grant(&grant.token, Scope::EndOtherSessions, NOW)).unwrap();
    assert_eq!((subject, scopes), (SubjectId::new(ALICE), vec![Scope::RegisterPasskey, Scope::EndOtherSessions]));
    let again = block_on(env.recovery.consume_grant(&grant.token, Scope::EndOtherSessions, NOW));
    assert!(matches!(again, Err(RecoveryError::Replayed)), "{again:?}");
    let consumed: Vec<_> = env.audit.events().into_iter().filter(|e| e.kind == AuditKind::GrantConsumed).collect();
    assert_eq!(consumed.len(), 3);
    assert_eq!(consumed[1].correlation_id.as_ref(), Some(&grant.correlation_id));
    assert!(consumed[1].subject.is_some(), "the subject's pseudonym");
}
