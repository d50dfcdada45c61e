//! Account binding, played as an attacker: nobody adds a passkey to someone else's account,
//! and a captured finish request is worth one sign-in at most.

use axum::http::StatusCode;

use crate::support::{app, authenticator, Browser};

#[tokio::test]
async fn an_existing_username_without_its_session_is_refused() {
    let app = app();
    let mut alice = Browser::new(&app);
    alice.register(Some("alice"), &mut authenticator()).await;

    let mut mallory = Browser::new(&app);
    let refused = mallory.register_start(Some("alice")).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "account_exists"));
    assert!(!refused.text.contains("alice"), "no input data in errors: {}", refused.text);
    assert!(mallory.cookies.is_empty(), "no ceremony was started");

    // Signed in as mallory, naming alice's account.
    mallory.register(Some("mallory"), &mut authenticator()).await;
    let refused = mallory.register_start(Some("alice")).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "account_exists"));
}

#[tokio::test]
async fn an_authenticator_already_registered_is_refused_for_anyone() {
    let app = app();
    let mut alice = Browser::new(&app);
    let mut phone = authenticator();
    alice.register(Some("alice"), &mut phone).await;
    let (again, _) = alice.register(None, &mut phone).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "credential_exists"));

    // Mallory presents alice's authenticator for a new account: refused, and no account
    // named "mallory" is left behind.
    let mut mallory = Browser::new(&app);
    let (stolen, _) = mallory.register(Some("mallory"), &mut phone).await;
    assert_eq!((stolen.status, stolen.code()), (StatusCode::CONFLICT, "credential_exists"));
    assert!(!mallory.signed_in());
    let start = mallory.register_start(Some("mallory")).await;
    assert_eq!(start.status, StatusCode::OK, "the username is still free: {}", start.text);
}

#[tokio::test]
async fn the_ceremony_is_bound_to_the_browser_that_started_it() {
    let app = app();
    let mut alice = Browser::new(&app);
    let start = alice.register_start(Some("alice")).await;
    let mut phone = authenticator();
    let posted = phone.register(&crate::support::challenge(&start.body), &crate::support::knobs());
    // The response posted from another browser, without the ceremony cookie.
    let mut other = Browser::new(&app);
    let refused = other.post("/api/register/finish", &posted).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "no_pending_ceremony"));
    // A registration's cookie does not finish a sign-in.
    let crossed = alice.post("/api/login/finish", &posted).await;
    assert_eq!((crossed.status, crossed.code()), (StatusCode::BAD_REQUEST, "no_pending_ceremony"));
}

#[tokio::test]
async fn a_replayed_finish_request_is_refused() {
    let app = app();
    let mut alice = Browser::new(&app);
    let mut phone = authenticator();
    alice.register(Some("alice"), &mut phone).await;
    alice.post("/api/logout", "{}").await;
    let start = alice.post("/api/login/start", r#"{"username":"alice"}"#).await;
    let captured = phone.assert(&crate::support::challenge(&start.body), &crate::support::knobs());
    let attacker_copy = alice.clone();
    assert_eq!(alice.post("/api/login/finish", &captured).await.status, StatusCode::OK);
    // The attacker replays the captured request with the captured cookie.
    let mut attacker = attacker_copy;
    let replayed = attacker.post("/api/login/finish", &captured).await;
    assert_eq!((replayed.status, replayed.code()), (StatusCode::BAD_REQUEST, "ceremony_not_found"));
    assert!(!attacker.signed_in());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_submissions_of_one_finish_request_sign_in_once() {
    let app = app();
    let mut alice = Browser::new(&app);
    let mut phone = authenticator();
    alice.register(Some("alice"), &mut phone).await;
    alice.post("/api/logout", "{}").await;
    let start = alice.post("/api/login/start", r#"{"username":"alice"}"#).await;
    let captured = phone.assert(&crate::support::challenge(&start.body), &crate::support::knobs());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let mut copy = alice.clone();
            let body = captured.clone();
            tokio::spawn(async move { copy.post("/api/login/finish", &body).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == StatusCode::OK {
            ok += 1;
        } else {
            assert_eq!(reply.code(), "ceremony_not_found", "{}", reply.text);
        }
    }
    assert_eq!(ok, 1, "exactly one submission signs in");
}
