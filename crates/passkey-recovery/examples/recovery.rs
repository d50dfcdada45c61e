//! The lost-phone flow, end to end, with the software authenticator standing in for the
//! devices: Alice registers passkeys on her phone and her laptop, loses the phone, recovers
//! through an RCS-delivered token confirmed with the laptop's passkey, and registers a passkey
//! on her new phone. Run it with:
//!
//! ```text
//! cargo run --example recovery
//! ```

use std::sync::Arc;

use getrandom::SysRng;
use passkey_recovery::{
    recovery_challenge, AuditEvent, AuditKind, AuditSink, Channel, InitiateRequest, MemoryAuditSink,
    MemoryRateLimitStore, MemoryRecoveryStore, Proof, Recovery, RecoveryPolicy, RecoveryToken, Scope, SubjectId,
};
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Ceremonies, CeremonyError, CredentialStore, MemoryStore, RegistrationChoices, RegistrationDetails, RelyingParty,
    StateId, UnixTime, User,
};
use rand_core::UnwrapErr;

type Error = Box<dyn std::error::Error>;

/// The challenge of creation options (what the browser would read).
fn challenge_of(options: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    let value = serde_json::to_value(options)?;
    let text = value.get("challenge").and_then(serde_json::Value::as_str).ok_or("options without a challenge")?;
    Ok(passkey_verifier::hazmat::b64::decode(text)?)
}

/// Registers a new passkey for `user` on a software authenticator.
fn register(
    ceremonies: &Ceremonies<Arc<MemoryStore>, Arc<MemoryStore>>,
    user: &User,
    nickname: &str,
) -> Result<SoftCredential, Error> {
    let (state, options): (StateId, _) =
        block_on(ceremonies.start_registration(user, &RegistrationChoices::default()))?;
    let mut device = SoftCredential::new(KeyKind::Es256, &user.id, &mut UnwrapErr(SysRng));
    let json = device.register(&challenge_of(&options)?, &knobs());
    block_on(ceremonies.finish_registration(&state, json.as_bytes(), &RegistrationDetails::nickname(nickname)))?;
    Ok(device)
}

fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

fn main() -> Result<(), Error> {
    let rp = RelyingParty::builder("example.com").name("Example").origin("https://example.com").build()?;
    let credentials = Arc::new(MemoryStore::new());
    let mut now = UnixTime::from_secs(1_750_000_000);
    // The story's clock: the ceremonies read it, and the recovery steps are given `now`.
    let clock = ManualClock::new(now);
    let ceremonies = Ceremonies::new(rp.clone(), Arc::clone(&credentials), Arc::clone(&credentials), UnwrapErr(SysRng))
        .with_clock(clock.clone());
    let audit = Arc::new(MemoryAuditSink::new());
    let recovery = Recovery::new(
        rp,
        RecoveryPolicy::default(),
        MemoryRecoveryStore::new(),
        MemoryRateLimitStore::new(),
        Arc::clone(&credentials),
        Arc::clone(&audit),
    )?;

    // 1. Alice registers two passkeys: her phone and her laptop.
    let alice = User { id: b"uh-7f3a9c".to_vec(), name: "alice@example.com".into(), display_name: "Alice".into() };
    let phone = register(&ceremonies, &alice, "phone")?;
    let mut laptop = register(&ceremonies, &alice, "laptop")?;
    println!("1. registered 2 passkeys for Alice: phone and laptop");

    // 2. The phone is lost. On her new phone Alice asks to recover; the host resolves what she
    //    typed to her account's opaque subject ID (the user handle, never the number itself).
    now = now.plus_secs(86_400);
    clock.set(now);
    let request = InitiateRequest::new(Some(SubjectId::new(alice.id.clone())), Channel::Rcs)
        .scopes([Scope::RegisterPasskey, Scope::RevokeOtherCredentials])
        .requester_key(*b"hmac(203.0.113.7)");
    let initiated = block_on(recovery.initiate(&request, &mut UnwrapErr(SysRng), now))?;
    println!(
        "2. recovery initiated over RCS: correlation {}, redemption {:?}, expires in {} s",
        initiated.correlation_id,
        initiated.redemption,
        initiated.expires_at.as_secs() - now.as_secs()
    );
    println!("   payload (Debug, redacted): {:?}", initiated.payload);

    // 3. The host hands the message to its RCS gateway. It names no account.
    let message = initiated.payload.render_message("https://example.com/recover");
    println!("3. RCS message: {message}");

    // 4. The new phone opens the link; the token is in the fragment. The laptop (over hybrid)
    //    signs an assertion whose challenge commits to the token.
    now = now.plus_secs(45);
    clock.set(now);
    let link = initiated.payload.render_link("https://example.com/recover");
    let token = RecoveryToken::parse(link.split_once("#t=").ok_or("link without a token")?.1)?;
    let options = recovery.assertion_options(&token);
    println!("4. assertion options for the laptop: {} bytes of JSON, no credentials listed", options.to_json().len());
    let assertion = laptop.assert(recovery_challenge(&token).as_bytes(), &knobs());

    // 5. The server redeems the token with the assertion and issues a scoped, single-use grant.
    let grant = block_on(recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), now))?;
    println!("5. recovery completed: grant {:?}, scopes {:?}", grant.token, grant.scopes);
    match block_on(recovery.complete(&token, Proof::Passkey(assertion.as_bytes()), &mut UnwrapErr(SysRng), now)) {
        Ok(_) => println!("   unexpected: the token was redeemed twice"),
        Err(e) => println!("   replaying the token fails: {e}"),
    }

    // 6. The grant is consumed once: register the new phone's passkey, revoke the lost phone's.
    let redeemed = block_on(recovery.consume_grant(&grant.token, Scope::RegisterPasskey, now))?;
    let user = User { id: redeemed.subject.as_bytes().to_vec(), ..alice.clone() };
    let (state, options) = block_on(ceremonies.start_registration(&user, &RegistrationChoices::default()))?;
    let mut new_phone = SoftCredential::new(KeyKind::Es256, &user.id, &mut UnwrapErr(SysRng));
    let json = new_phone.register(&challenge_of(&options)?, &knobs());
    let registered =
        block_on(ceremonies.finish_registration(&state, json.as_bytes(), &RegistrationDetails::nickname("new phone")));
    // Ceremonies feed the same audit trail, under the recovery's correlation ID.
    let reason = registered.as_ref().err().map(CeremonyError::audit_reason);
    audit.record(AuditEvent::new(AuditKind::Registration, Some(grant.correlation_id.clone()), None, reason, now));
    registered?;
    if redeemed.scopes.contains(&Scope::RevokeOtherCredentials) {
        block_on(credentials.delete(phone.id()))?;
    }
    let remaining = block_on(credentials.list_for_user(&alice.id))?;
    let names: Vec<_> = remaining.iter().filter_map(|r| r.nickname.as_deref()).collect();
    println!("6. new phone registered ({:?}); Alice's passkeys now: {names:?}", new_phone.alg());

    // 7. The audit trail: correlation IDs, steps, outcomes; no token, key or identifier.
    println!("7. audit events:");
    for event in audit.events() {
        println!("   {event:?}");
    }
    Ok(())
}
