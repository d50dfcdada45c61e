//! Recovery and onboarding over HTTP, as the person who lost a phone, as the new device, and
//! as the attacker holding a code, a photographed QR link or someone else's grant.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::Router;
use passkey_axum::{Account, MemoryAccounts, PasskeyApi, PasskeyConfig, RecoveryConfig, RecoveryHost, RecoveryRoutes};
use passkey_recovery::stepup::{ChannelFacts, EmailState};
use passkey_recovery::{
    Channel, Identifier, LookupKey, LookupSecret, MemoryRateLimitStore, MemoryRecoveryStore, NoAudit, Notice,
    PasskeylessRequest, PasskeylessStatus, Recovery, RecoveryPolicy, RequesterKey, SubjectId,
};
use passkey_verifier::testkit::{ManualClock, SoftCredential};
use passkey_verifier::{Ceremonies, MemoryStore};
use serde_json::{json, Value};

use crate::support::{authenticator, challenge, knobs, rp, Browser, NOW};

/// The host: every account has a verified email (the outbox stands in for the gateway) and
/// its passkeys; messages and notices are kept for the test to read.
#[derive(Default)]
struct Host {
    outbox: Mutex<Vec<(String, String)>>,
    notices: Mutex<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl RecoveryHost for Host {
    type Error = Never;
    async fn channels(&self, _: Option<&Account>) -> Result<Vec<ChannelFacts>, Never> {
        Ok(vec![ChannelFacts::Passkey { user_verifying: true }, ChannelFacts::Email { state: EmailState::Verified }])
    }
    async fn deliver(&self, account: &Account, channel: Channel, message: String) -> Result<(), Never> {
        assert_eq!(channel, Channel::Email);
        self.outbox.lock().unwrap().push((account.username.clone(), message));
        Ok(())
    }
    async fn notify(&self, account: &Account, notices: &[Notice]) -> Result<(), Never> {
        self.notices.lock().unwrap().extend(notices.iter().map(|_| account.username.clone()));
        Ok(())
    }
    async fn end_other_sessions(&self, _: &[u8]) -> Result<u64, Never> {
        Ok(0)
    }
}

impl Host {
    /// The 8-digit code of the last message to `username` (`@example.com #12345678`).
    fn code_for(&self, username: &str) -> String {
        let outbox = self.outbox.lock().unwrap();
        let (_, message) = outbox.iter().rev().find(|(u, _)| u == username).expect("a message was delivered");
        let (_, tail) = message.split_once("@example.com #").expect("the origin-bound code line");
        tail.chars().take_while(char::is_ascii_digit).collect()
    }
}

type MemoryRecovery = Recovery<Arc<MemoryRecoveryStore>, Arc<MemoryRateLimitStore>, Arc<MemoryStore>, NoAudit>;

/// The API with the recovery endpoints, the host, and a second handle on the same recovery
/// stores (what another part of the host would hold).
fn recovery_app() -> (Router, Arc<Host>, MemoryRecovery) {
    let clock = ManualClock::new(NOW);
    let store = Arc::new(MemoryStore::new());
    let ceremonies = Ceremonies::new(rp(), store.clone(), store.clone(), rand_core::UnwrapErr(getrandom::SysRng))
        .with_clock(clock.clone());
    let api =
        PasskeyApi::with_clock(ceremonies, MemoryAccounts::new(), &[42; 64], PasskeyConfig::default(), Arc::new(clock));
    let (records, limits) = (Arc::new(MemoryRecoveryStore::new()), Arc::new(MemoryRateLimitStore::new()));
    let recovery = || {
        let secret = LookupSecret::new(*b"test-lookup-secret-of-32-bytes!!").unwrap();
        Recovery::new(rp(), RecoveryPolicy::default(), secret, records.clone(), limits.clone(), store.clone(), NoAudit)
            .unwrap()
    };
    let host = Arc::new(Host::default());
    let routes = RecoveryRoutes::new(&api, recovery(), Arc::clone(&host), RecoveryConfig::new("https://example.com/"));
    (api.router().merge(routes.router()), host, recovery())
}

/// Signs up `name` with two passkeys (phone and laptop), then signs out.
async fn account_with_two_passkeys(app: &Router, name: &str) -> (SoftCredential, SoftCredential) {
    let mut browser = Browser::new(app);
    let (mut phone, mut laptop) = (authenticator(), authenticator());
    assert_eq!(browser.register(Some(name), &mut phone).await.0.status, StatusCode::OK);
    let (added, _) = browser.register(None, &mut laptop).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    (phone, laptop)
}

/// Options and assertion for `body` (secret, handle) at `/api/{what}/options`.
async fn assert_with(browser: &mut Browser, what: &str, body: &Value, cred: &mut SoftCredential) -> Value {
    let options = browser.post(&format!("/api/{what}/options"), &body.to_string()).await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.text);
    serde_json::from_str(&cred.assert(&challenge(&options.body), &knobs())).unwrap()
}

/// Registers `cred` with the grant this browser holds.
async fn register_with_grant(browser: &mut Browser, cred: &mut SoftCredential) -> crate::support::Reply {
    let start = browser.post("/api/recovery/register/start", "{}").await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text);
    let handle = passkey_verifier::hazmat::b64::decode(start.body["options"]["user"]["id"].as_str().unwrap()).unwrap();
    cred.set_user_handle(&handle);
    let posted = cred.register(&challenge(&start.body), &knobs());
    browser.post("/api/recovery/register/finish", &posted).await
}

#[tokio::test]
async fn a_lost_phone_is_recovered_with_the_laptop_passkey_and_revoked() {
    let (app, host, _) = recovery_app();
    let (mut phone, mut laptop) = account_with_two_passkeys(&app, "alice").await;
    let mut new_phone_browser = Browser::new(&app);
    let started = new_phone_browser.post("/api/recovery/start", r#"{"username":"alice","channel":"email"}"#).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let code = host.code_for("alice");
    assert_eq!(code.len(), 8, "an 8-digit code");

    // The code alone, in a browser that did not start the recovery, is nothing.
    let mut thief = Browser::new(&app);
    let stolen = thief.post("/api/recovery/options", &json!({ "secret": code }).to_string()).await;
    assert_eq!(stolen.code(), "no_pending_ceremony", "{}", stolen.text);

    let credential = assert_with(&mut new_phone_browser, "recovery", &json!({ "secret": code }), &mut laptop).await;
    let completed = new_phone_browser
        .post("/api/recovery/complete", &json!({ "secret": code, "credential": credential }).to_string())
        .await;
    assert_eq!(completed.status, StatusCode::OK, "{}", completed.text);
    // Replayed: the recovery is spent.
    let again = new_phone_browser
        .post("/api/recovery/complete", &json!({ "secret": code, "credential": credential }).to_string())
        .await;
    assert_ne!(again.status, StatusCode::OK, "a completed recovery completes once: {}", again.text);

    // The browser's passkey prompt is cancelled once: the grant is still there.
    let abandoned = new_phone_browser.post("/api/recovery/register/start", "{}").await;
    assert_eq!(abandoned.status, StatusCode::OK, "{}", abandoned.text);
    let mut new_phone = authenticator();
    let registered = register_with_grant(&mut new_phone_browser, &mut new_phone).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert_eq!(registered.body["revoked_credentials"], 2, "the lost phone's and the laptop's passkeys are revoked");
    assert!(registered.body["cooldown_until"].as_u64().is_some());
    assert!(new_phone_browser.signed_in());
    assert_eq!(host.notices.lock().unwrap().as_slice(), ["alice"], "the account is told");
    let me = new_phone_browser.get("/api/me").await;
    assert_eq!(me.body["credentials"].as_array().map(Vec::len), Some(1), "{}", me.text);

    // The lost phone no longer signs in; the grant registered one passkey only.
    let mut finder = Browser::new(&app);
    assert_eq!(finder.sign_in(Some("alice"), &mut phone).await.status, StatusCode::UNAUTHORIZED);
    let second = new_phone_browser.post("/api/recovery/register/start", "{}").await;
    assert_eq!(second.code(), "no_pending_ceremony", "the grant is spent: {}", second.text);
}

#[tokio::test]
async fn an_unknown_username_gets_the_same_answer_and_no_message() {
    let (app, host, _) = recovery_app();
    account_with_two_passkeys(&app, "alice").await;
    let mut browser = Browser::new(&app);
    let known = browser.post("/api/recovery/start", r#"{"username":"alice","channel":"email"}"#).await;
    let unknown = browser.post("/api/recovery/start", r#"{"username":"mallory-guess","channel":"email"}"#).await;
    assert_eq!((known.status, unknown.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    assert_eq!(known.body, unknown.body, "the same body for a known and an unknown account");
    assert_eq!(host.outbox.lock().unwrap().len(), 1, "only the real account got a message");
    // A guessed code against the decoy is refused like any wrong code.
    let guess = browser.post("/api/recovery/options", r#"{"secret":"12345678"}"#).await;
    assert_eq!(guess.status, StatusCode::OK, "options commit to whatever was typed");
    let mut stranger = authenticator();
    let assertion: Value = serde_json::from_str(&stranger.assert(&challenge(&guess.body), &knobs())).unwrap();
    let refused = browser
        .post("/api/recovery/complete", &json!({ "secret": "12345678", "credential": assertion }).to_string())
        .await;
    assert_eq!(refused.code(), "unknown_token", "{}", refused.text);
}

#[tokio::test]
async fn registering_for_an_existing_account_needs_a_grant_and_passkeys_of_others_prove_nothing() {
    let (app, host, _) = recovery_app();
    account_with_two_passkeys(&app, "alice").await;
    let (_, mut bobs_laptop) = account_with_two_passkeys(&app, "bob").await;
    let mut browser = Browser::new(&app);
    // No grant: nothing to register with.
    assert_eq!(browser.post("/api/recovery/register/start", "{}").await.code(), "no_pending_ceremony");
    // Bob recovers Alice's account with his own passkey: refused, and no grant.
    browser.post("/api/recovery/start", r#"{"username":"alice","channel":"email"}"#).await;
    let code = host.code_for("alice");
    let assertion = assert_with(&mut browser, "recovery", &json!({ "secret": code }), &mut bobs_laptop).await;
    let refused =
        browser.post("/api/recovery/complete", &json!({ "secret": code, "credential": assertion }).to_string()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.code(), "wrong_subject");
    assert_eq!(browser.post("/api/recovery/register/start", "{}").await.code(), "no_pending_ceremony");
}

#[tokio::test]
async fn a_new_device_joins_once_approved_and_a_photographed_qr_link_gets_nothing() {
    let (app, _, _) = recovery_app();
    let (_, mut laptop) = account_with_two_passkeys(&app, "alice").await;
    let mut tablet = Browser::new(&app);
    let started = tablet.post("/api/onboarding/start", r#"{"username":"alice","device_name":"Alice's tablet"}"#).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let link = started.body["link"].as_str().unwrap();
    let pairing = link.split_once("#p=").unwrap().1.to_owned();
    let code = started.body["code"].as_str().unwrap().to_owned();
    assert!(!link.contains(&code), "the QR link does not carry the pairing code");

    // Not approved yet: the new device waits.
    assert_eq!(tablet.get("/api/onboarding/status").await.body["approved"], false);
    assert_eq!(tablet.post("/api/onboarding/redeem", "{}").await.code(), "not_approved");
    // The approving device sees who asks.
    let mut existing = Browser::new(&app);
    let screen = existing.get(&format!("/api/onboarding/screen?pairing={pairing}")).await;
    assert_eq!(screen.body["device_name"], "Alice's tablet", "{}", screen.text);
    // A wrong code typed by the approver: the assertion commits to it and is refused.
    let wrong =
        assert_with(&mut existing, "onboarding", &json!({ "pairing": pairing, "code": "000000" }), &mut laptop).await;
    let refused =
        existing.post("/api/onboarding/approve", &json!({ "pairing": pairing, "credential": wrong }).to_string()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let right =
        assert_with(&mut existing, "onboarding", &json!({ "pairing": pairing, "code": code }), &mut laptop).await;
    let approved =
        existing.post("/api/onboarding/approve", &json!({ "pairing": pairing, "credential": right }).to_string()).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);

    // The thief who photographed the QR code holds the pairing reference and nothing else.
    let mut thief = Browser::new(&app);
    assert_eq!(thief.post("/api/onboarding/redeem", "{}").await.code(), "no_pending_ceremony");
    assert_eq!(thief.post("/api/recovery/register/start", "{}").await.code(), "no_pending_ceremony");

    assert_eq!(tablet.get("/api/onboarding/status").await.body["approved"], true);
    assert_eq!(thief.get("/api/onboarding/status").await.code(), "no_pending_ceremony");
    let redeemed = tablet.post("/api/onboarding/redeem", "{}").await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);
    let mut tablet_key = authenticator();
    let registered = register_with_grant(&mut tablet, &mut tablet_key).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert_eq!(registered.body["revoked_credentials"], 0, "joining revokes nothing");
    let me = tablet.get("/api/me").await;
    assert_eq!(me.body["credentials"].as_array().map(Vec::len), Some(3), "{}", me.text);
    // Once is all: the approval is spent.
    assert_eq!(tablet.post("/api/onboarding/redeem", "{}").await.code(), "no_pending_ceremony");
}

#[tokio::test]
async fn a_sign_in_with_an_existing_passkey_cancels_a_pending_passkeyless_recovery() {
    let (app, _, recovery) = recovery_app();
    let (mut phone, _) = account_with_two_passkeys(&app, "alice").await;
    let probe: Value = serde_json::from_str(&phone.assert(b"probe", &knobs())).unwrap();
    let handle = passkey_verifier::hazmat::b64::decode(probe["response"]["userHandle"].as_str().unwrap()).unwrap();
    // Someone starts a recovery of Alice's account without a passkey.
    let secret = recovery.lookup_secret();
    let request = PasskeylessRequest::new(
        LookupKey::derive(secret, Identifier::Username("alice")).unwrap(),
        RequesterKey::derive(secret, b"203.0.113.66"),
        Some(SubjectId::new(handle)),
        vec![
            ChannelFacts::Rcs { e2ee_confirmed: true, recent_number_port: false, recent_sim_change: false },
            ChannelFacts::Email { state: EmailState::RecentlyRevalidated },
        ],
    );
    let started =
        recovery.start_passkeyless(&request, &mut rand_core::UnwrapErr(getrandom::SysRng), NOW).await.unwrap();
    assert_ne!(recovery.passkeyless_status(&started.handle, NOW).await.unwrap(), PasskeylessStatus::Cancelled);
    // Alice signs in with her phone: the recovery is over.
    assert_eq!(Browser::new(&app).sign_in(Some("alice"), &mut phone).await.status, StatusCode::OK);
    assert_eq!(recovery.passkeyless_status(&started.handle, NOW).await.unwrap(), PasskeylessStatus::Cancelled);
}
