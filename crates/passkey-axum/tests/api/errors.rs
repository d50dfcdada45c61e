//! Every refusal is JSON with a status by category and a stable code, including requests
//! axum itself would answer in plain text.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use passkey_axum::PasskeyConfig;
use passkey_verifier::store::{CeremonyState, ChallengeStore, StateId};
use passkey_verifier::MemoryStore;

use crate::support::{app, app_over, authenticator, Browser};

fn assert_json_error(reply: &crate::support::Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.code(), code);
    assert!(reply.body["error"]["category"].is_string() && reply.body["error"]["message"].is_string());
}

#[tokio::test]
async fn malformed_wrongly_typed_and_oversized_bodies() {
    let app = app();
    let mut browser = Browser::new(&app);
    assert_json_error(
        &browser.post("/api/register/start", "{not json").await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    );
    assert_json_error(
        &browser.post("/api/register/start", r#"{"username": 5}"#).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    );
    assert_json_error(
        &browser.post("/api/register/start", r#"{"username": "   "}"#).await,
        StatusCode::BAD_REQUEST,
        "invalid_username",
    );
    let text = browser.send(Method::POST, "/api/register/start", Some("text/plain"), b"{}".to_vec()).await;
    assert_json_error(&text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let none = browser.send(Method::POST, "/api/login/finish", None, b"{}".to_vec()).await;
    assert_json_error(&none, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let huge = format!(r#"{{"username": "{}"}}"#, "a".repeat(70 * 1024));
    assert_json_error(
        &browser.post("/api/register/start", &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
    assert_json_error(&browser.post("/api/login/finish", &huge).await, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    assert_json_error(&browser.get("/api/nope").await, StatusCode::NOT_FOUND, "not_found");
    assert_json_error(&browser.get("/api/register/start").await, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn a_garbled_credential_is_a_verification_failure_with_its_category() {
    let app = app();
    let mut browser = Browser::new(&app);
    browser.register_start(Some("alice")).await;
    let reply = browser.post("/api/register/finish", r#"{"id":"AAAA"}"#).await;
    assert_json_error(&reply, StatusCode::BAD_REQUEST, "malformed_credential");
    assert_eq!(reply.body["error"]["category"], "malformed");
}

#[tokio::test]
async fn state_changing_requests_need_this_sites_origin() {
    let app = app();
    let mut browser = Browser::new(&app);
    browser.origin = None;
    assert_json_error(&browser.register_start(Some("alice")).await, StatusCode::FORBIDDEN, "origin_not_allowed");
    browser.origin = Some("https://evil.example".into());
    assert_json_error(&browser.post("/api/logout", "{}").await, StatusCode::FORBIDDEN, "origin_not_allowed");
    // Reading is not state-changing.
    assert_json_error(&browser.get("/api/me").await, StatusCode::UNAUTHORIZED, "not_signed_in");
}

#[tokio::test]
async fn ceremony_starts_are_rate_limited_with_retry_after() {
    let store = Arc::new(MemoryStore::new());
    let mut config = PasskeyConfig::default();
    config.starts_per_window = 3;
    let app = app_over(store.clone(), store, config);
    let mut browser = Browser::new(&app);
    for _ in 0..3 {
        assert_eq!(browser.post("/api/login/start", "{}").await.status, StatusCode::OK);
    }
    let limited = browser.post("/api/login/start", "{}").await;
    assert_json_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = limited.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

/// A challenge store whose database is down.
struct Down;

#[derive(Debug, thiserror::Error)]
#[error("connection refused")]
struct Refused;

impl ChallengeStore for Down {
    type Error = Refused;

    async fn insert(&self, _: &StateId, _: CeremonyState) -> Result<(), Refused> {
        Err(Refused)
    }

    async fn take(&self, _: &StateId) -> Result<Option<CeremonyState>, Refused> {
        Err(Refused)
    }
}

#[tokio::test]
async fn a_store_failure_is_503_and_fails_closed() {
    let app = app_over(Down, Arc::new(MemoryStore::new()), PasskeyConfig::default());
    let mut browser = Browser::new(&app);
    let reply = browser.register_start(Some("alice")).await;
    assert_json_error(&reply, StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable");
    assert!(!reply.text.contains("refused"), "no internals: {}", reply.text);
    let _ = authenticator();
}
