//! The flows a person goes through: sign up, sign out, sign in with and without a username,
//! a second passkey, the account page, removing a passkey.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{app, authenticator, Browser};

#[tokio::test]
async fn sign_up_sign_out_and_sign_in_with_and_without_a_username() {
    let app = app();
    let mut browser = Browser::new(&app);
    let mut phone = authenticator();
    let (reply, _) = browser.register(Some("alice"), &mut phone).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["ok"], true);
    assert!(browser.signed_in(), "a sign-up signs in");

    let me = browser.get("/api/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "alice");
    assert_eq!(me.body["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(me.body["credentials"][0]["id"], reply.body["credential_id"]);

    let out = browser.post("/api/logout", "{}").await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(!browser.signed_in());
    assert_eq!(browser.get("/api/me").await.code(), "not_signed_in");

    let by_name = browser.sign_in(Some("alice"), &mut phone).await;
    assert_eq!((by_name.status, &by_name.body["username"]), (StatusCode::OK, &json!("alice")), "{}", by_name.text);
    browser.post("/api/logout", "{}").await;
    let discoverable = browser.sign_in(None, &mut phone).await;
    assert_eq!((discoverable.status, &discoverable.body["username"]), (StatusCode::OK, &json!("alice")));
    assert_eq!(browser.get("/api/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_second_passkey_is_added_while_signed_in_and_can_be_renamed_and_removed() {
    let app = app();
    let mut browser = Browser::new(&app);
    let (mut phone, mut key) = (authenticator(), authenticator());
    browser.register(Some("alice"), &mut phone).await;
    let (second, _) = browser.register(None, &mut key).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let me = browser.get("/api/me").await;
    assert_eq!(me.body["credentials"].as_array().unwrap().len(), 2);

    let id = second.body["credential_id"].as_str().unwrap().to_owned();
    let renamed = browser
        .send(
            Method::PATCH,
            &format!("/api/credentials/{id}"),
            Some("application/json"),
            br#"{"nickname":"Desk key"}"#.to_vec(),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let me = browser.get("/api/me").await;
    assert!(me.body["credentials"].as_array().unwrap().iter().any(|c| c["nickname"] == "Desk key"));

    let removed = browser.send(Method::DELETE, &format!("/api/credentials/{id}"), None, Vec::new()).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    browser.post("/api/logout", "{}").await;
    let refused = browser.sign_in(Some("alice"), &mut key).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNAUTHORIZED, "unknown_credential"), "{}", refused.text);
    let discoverable = browser.sign_in(None, &mut key).await;
    assert_eq!((discoverable.status, discoverable.code()), (StatusCode::UNAUTHORIZED, "unknown_credential"));
    assert_eq!(browser.sign_in(None, &mut phone).await.status, StatusCode::OK, "the other passkey still works");
}

#[tokio::test]
async fn the_last_passkey_cannot_be_removed_and_cookies_are_locked_down() {
    let app = app();
    let mut browser = Browser::new(&app);
    let mut phone = authenticator();
    let (reply, _) = browser.register(Some("alice"), &mut phone).await;
    for cookie in &reply.set_cookies {
        if cookie.contains("session") {
            assert!(cookie.starts_with("__Host-"), "{cookie}");
            for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
                assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
            }
        }
    }
    let id = reply.body["credential_id"].as_str().unwrap();
    let last = browser.send(Method::DELETE, &format!("/api/credentials/{id}"), None, Vec::new()).await;
    assert_eq!((last.status, last.code()), (StatusCode::CONFLICT, "last_credential"));
}

#[tokio::test]
async fn signals_tell_the_page_what_the_server_accepts() {
    let app = app();
    let mut browser = Browser::new(&app);
    let (mut phone, mut key) = (authenticator(), authenticator());
    let (first, _) = browser.register(Some("alice"), &mut phone).await;
    let (second, _) = browser.register(None, &mut key).await;
    let id = first.body["credential_id"].as_str().unwrap().to_owned();
    let removed = browser.send(Method::DELETE, &format!("/api/credentials/{id}"), None, Vec::new()).await;
    let signal = &removed.body["signal"];
    assert_eq!(signal["rpId"], "example.com");
    assert_eq!(signal["allAcceptedCredentialIds"], json!([second.body["credential_id"]]));
    assert!(signal["userId"].is_string());

    browser.post("/api/logout", "{}").await;
    let unknown = browser.sign_in(None, &mut phone).await;
    assert_eq!(unknown.code(), "unknown_credential");
    assert_eq!(unknown.body["error"]["signal"], json!({ "rpId": "example.com", "credentialId": id }));
}

#[tokio::test]
async fn the_well_known_document_is_served_when_origins_are_related() {
    use std::sync::Arc;
    let rp = passkey_verifier::RelyingParty::builder("example.com")
        .origin(crate::support::ORIGIN)
        .related_origin("https://example.co.uk")
        .build()
        .unwrap();
    let store = Arc::new(passkey_verifier::MemoryStore::new());
    let ceremonies =
        passkey_verifier::Ceremonies::new(rp, store.clone(), store, rand_core::UnwrapErr(getrandom::SysRng));
    let app =
        passkey_axum::PasskeyApi::new(ceremonies, passkey_axum::MemoryAccounts::new(), &[1; 64], Default::default())
            .router();
    let reply = Browser::new(&app).get("/.well-known/webauthn").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "origins": ["https://example.co.uk"] }));
    // Without related origins there is nothing to serve.
    assert_eq!(Browser::new(&crate::support::app()).get("/.well-known/webauthn").await.status, StatusCode::NOT_FOUND);
}

/// The ceremonies are traced (spans with a correlation ID, outcome and category), and the
/// trace holds no username, challenge, credential ID or user handle.
#[test]
fn traces_carry_outcomes_and_no_secrets() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let secrets = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let app = app();
            let mut browser = Browser::new(&app);
            let mut phone = authenticator();
            let start = browser.register_start(Some("carol-the-username")).await;
            let challenge = start.body["options"]["challenge"].as_str().unwrap().to_owned();
            let user_id = start.body["options"]["user"]["id"].as_str().unwrap().to_owned();
            phone.set_user_handle(&passkey_verifier::hazmat::b64::decode(&user_id).unwrap());
            let posted = phone.register(&crate::support::challenge(&start.body), &crate::support::knobs());
            let done = browser.post("/api/register/finish", &posted).await;
            let credential_id = done.body["credential_id"].as_str().unwrap().to_owned();
            browser.post("/api/logout", "{}").await;
            let refused = browser.post("/api/login/finish", &posted).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST);
            vec!["carol-the-username".to_owned(), challenge, user_id, credential_id]
        })
    });
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("correlation_id") && log.contains("outcome"), "{log}");
    assert!(log.contains("category"), "failures carry their category: {log}");
    for secret in secrets {
        assert!(!log.contains(&secret), "the trace leaks {secret}: {log}");
    }
}
