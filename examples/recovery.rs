//! The lost-phone story, end to end over the SQL adapter (SQLite in memory), with software
//! authenticators and time passed in:
//!
//! 1. Alice loses her phone; she recovers over end-to-end encrypted RCS with her laptop's
//!    passkey, registers a new phone with the grant, and every other passkey (the lost phone's
//!    among them) is revoked.
//! 2. Later she loses both devices. Someone else starts a passkeyless recovery of her account
//!    first: she is notified and taps cancel. Her own passkeyless recovery (E2EE RCS and a
//!    recently verified email) waits 24 hours, then grants.
//!
//! `cargo run --example recovery` (from the repository root)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::sync::Arc;

use getrandom::SysRng;
use passkey_recovery::stepup::{ChannelFacts, EmailState};
use passkey_recovery::{
    recovery_challenge, render_waiting_notice, AccountState, Channel, DeliveredSecret, Identifier, InitiateRequest,
    Language, LookupKey, LookupSecret, MemoryAuditSink, PasskeylessRequest, PasskeylessStatus, Proof, Recovery,
    RecoveryError, RecoveryHandle, RecoveryPolicy, RecoveryToken, RequesterKey, Scope, SessionHook, SubjectId,
    Templates,
};
use passkey_store_sql::SqliteStore;
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Ceremonies, CredentialStore, RegistrationChoices, RegistrationDetails, RelyingParty, UnixTime, User,
};
use rand_core::UnwrapErr;

const BASE: &str = "https://example.com/recover";

struct Sessions;

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl SessionHook for Sessions {
    type Error = Never;
    async fn end_other_sessions(&self, _: &SubjectId) -> Result<u64, Never> {
        Ok(1)
    }
}

fn challenge_of(options: &impl serde::Serialize) -> Vec<u8> {
    let v = serde_json::to_value(options).unwrap();
    b64::decode(v["challenge"].as_str().unwrap()).unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = UnixTime::from_secs(1_750_000_000);
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
    let knobs = Knobs::new("example.com", "https://example.com");
    let mut rng = UnwrapErr(SysRng);
    let db = Arc::new(SqliteStore::in_memory().await?);
    db.migrate().await?;
    let clock = Arc::new(ManualClock::new(now));
    let ceremonies =
        Ceremonies::new(rp.clone(), Arc::clone(&db), Arc::clone(&db), UnwrapErr(SysRng)).with_clock(Arc::clone(&clock));
    let secret = LookupSecret::new(*b"example-lookup-secret-of-32bytes")?;
    let audit = Arc::new(MemoryAuditSink::new());
    let recovery = Recovery::new(
        rp,
        RecoveryPolicy::default(),
        secret.clone(),
        Arc::clone(&db),
        Arc::clone(&db),
        Arc::clone(&db),
        Arc::clone(&audit),
    )?;
    let alice = SubjectId::new(b"uh-alice-5c1e9b".to_vec());
    let user = User { id: alice.as_bytes().to_vec(), name: "alice".into(), display_name: "Alice".into() };
    let register = |name: &'static str| {
        let (ceremonies, user, knobs) = (&ceremonies, &user, &knobs);
        async move {
            let (state, options) = ceremonies.start_registration(user, &RegistrationChoices::default()).await?;
            let mut credential = SoftCredential::new(KeyKind::Es256, &user.id, &mut UnwrapErr(SysRng));
            let json = credential.register(&challenge_of(&options), knobs);
            ceremonies.finish_registration(&state, json.as_bytes(), &RegistrationDetails::nickname(name)).await?;
            Ok::<_, Box<dyn std::error::Error>>(credential)
        }
    };
    let lookup = || LookupKey::derive(&secret, Identifier::Email("Alice@Example.com"));
    let rcs = ChannelFacts::Rcs { e2ee_confirmed: true, recent_number_port: false, recent_sim_change: false };
    let email = ChannelFacts::Email { state: EmailState::RecentlyRevalidated };

    let _phone = register("phone").await?;
    let mut laptop = register("laptop").await?;
    println!("Alice has {} passkeys (phone, laptop).", db.list_for_user(alice.as_bytes()).await?.len());

    // 1. The phone is lost. Recovery over E2EE RCS, confirmed with the laptop's passkey.
    let request = InitiateRequest::new(
        lookup()?,
        RequesterKey::derive(&secret, b"198.51.100.7"),
        Some(alice.clone()),
        Channel::Rcs,
        vec![ChannelFacts::Passkey { user_verifying: true }, rcs, email],
    )
    .scopes([Scope::RegisterPasskey, Scope::RevokeOtherCredentials, Scope::EndOtherSessions]);
    let initiated = recovery.initiate(&request, &mut rng, now).await?;
    let templates = Templates::default_for(Language::En);
    let link = initiated.payload.render_link(BASE).expect("E2EE RCS gets a link");
    // The link is a secret: never print or log it (here it is elided).
    println!(
        "RCS message: {}",
        initiated.payload.render_message(&templates, "example.com", BASE).replace(&link, "<link>")
    );
    let fragment = link.split_once('#').map(|(_, f)| f).unwrap_or_default();
    let part = |name: &str| fragment.split('&').find_map(|p| p.strip_prefix(name)).unwrap_or_default().to_owned();
    let handle = RecoveryHandle::parse(&part("h="))?;
    let secret_link = DeliveredSecret::Link(RecoveryToken::parse(&part("t="))?);
    let assertion = laptop.assert(recovery_challenge(&handle, &secret_link).as_bytes(), &knobs);
    let requester = RequesterKey::derive(&secret, b"198.51.100.7");
    let grant = recovery
        .complete(&handle, &secret_link, Proof::Passkey(assertion.as_bytes()), &requester, &mut rng, now.plus_secs(40))
        .await?;
    let permit = recovery.authorize_registration(&alice, AccountState::Exists, Some(&grant.token), now).await?;
    let new_phone = register("new phone").await?;
    let after = recovery.finish_registration(&permit, new_phone.id(), &Sessions, now).await?;
    println!(
        "Recovered: new phone registered, {} other passkeys revoked, {} sessions ended, high-risk changes blocked for 24 hours.",
        after.revoked_credentials, after.ended_sessions
    );

    // 2. Months later both devices are gone. An attacker tries first, from elsewhere.
    let later = now.plus_secs(90 * 86_400);
    let passkeyless = |ip: &'static [u8]| {
        PasskeylessRequest::new(
            LookupKey::derive(&secret, Identifier::Email("alice@example.com")).unwrap(),
            RequesterKey::derive(&secret, ip),
            Some(alice.clone()),
            vec![rcs, email],
        )
    };
    let attacker = recovery.start_passkeyless(&passkeyless(b"203.0.113.66"), &mut rng, later).await?;
    let notice = render_waiting_notice(&templates, &attacker.cancel, BASE, attacker.wait_secs);
    println!(
        "Notice to every channel and device: {}",
        notice.replace(&attacker.cancel.render_link(BASE), "<cancel link>")
    );
    assert!(recovery.cancel_recovery(&attacker.cancel, later.plus_secs(300)).await?);
    println!("Alice tapped cancel: {:?}", recovery.passkeyless_status(&attacker.handle, later.plus_secs(301)).await?);

    // Her own recovery: both channels, then the waiting period.
    let own = recovery.start_passkeyless(&passkeyless(b"198.51.100.7"), &mut rng, later).await?;
    for payload in &own.payloads {
        println!(
            "{} gets a {}",
            payload.channel().as_str(),
            if payload.render_link(BASE).is_some() { "link" } else { "code" }
        );
        recovery.confirm_factor(&own.handle, payload.secret(), later.plus_secs(120)).await?;
    }
    let status = recovery.passkeyless_status(&own.handle, later.plus_secs(121)).await?;
    println!("Both channels confirmed: {status:?}");
    match recovery.redeem_passkeyless(&own.handle, &mut rng, later.plus_secs(3600)).await {
        Err(RecoveryError::NotReady { retry_after_secs }) => {
            println!("An hour later: not yet ({retry_after_secs} s left).")
        }
        other => panic!("unexpected: {other:?}"),
    }
    let ready = later.plus_secs(120 + 86_400);
    assert_eq!(recovery.passkeyless_status(&own.handle, ready).await?, PasskeylessStatus::Ready);
    let grant = recovery.redeem_passkeyless(&own.handle, &mut rng, ready).await?;
    let permit = recovery.authorize_registration(&alice, AccountState::Exists, Some(&grant.token), ready).await?;
    clock.set(ready);
    let newest = register("replacement phone").await?;
    let after = recovery.finish_registration(&permit, newest.id(), &Sessions, ready).await?;
    println!("After the waiting period: registered, {} old passkeys revoked.", after.revoked_credentials);
    println!("{} audit events, none with a secret or a user handle.", audit.events().len());
    Ok(())
}
