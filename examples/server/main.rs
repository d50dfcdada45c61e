//! A small passkey server: four JSON endpoints and a page that uses `navigator.credentials`
//! with WebAuthn Level 3 JSON options, backed by the SQLite store.
//!
//! ```text
//! cargo run --example server            # then open http://localhost:8080
//! ```
//!
//! `PASSKEY_DB` names the database file (default `passkeys.db` in the working directory);
//! `PORT` the port (default 8080; the origin must then be `http://localhost:PORT`).

#[path = "../support/sqlite_store.rs"]
mod sqlite_store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use getrandom::SysRng;
use passkey_verifier::{
    Ceremonies, RegistrationChoices, RegistrationDetails, RelyingParty, SignInChoices, SignInTarget, StateId, User,
};
use rand_core::{Rng as _, UnwrapErr};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlite_store::SqliteStore;

type Service = Ceremonies<Arc<SqliteStore>, Arc<SqliteStore>>;

struct App {
    ceremonies: Service,
    /// Username -> user handle. A real application keeps its accounts in its own database.
    users: Mutex<HashMap<String, Vec<u8>>>,
}

#[derive(Deserialize)]
struct Start {
    username: Option<String>,
}

#[derive(Deserialize)]
struct Finish {
    state_id: String,
    response: Value,
}

fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "ok": false, "error": message.into() }))).into_response()
}

fn ceremony_error(e: &passkey_verifier::CeremonyError) -> Response {
    // The category and the check are safe to show; they contain no input data.
    fail(StatusCode::BAD_REQUEST, format!("{} ({})", e, e.category()))
}

async fn register_start(State(app): State<Arc<App>>, Json(body): Json<Start>) -> Response {
    let Some(username) = body.username.filter(|u| !u.trim().is_empty()) else {
        return fail(StatusCode::BAD_REQUEST, "username required");
    };
    let handle = {
        let mut users = app.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        users
            .entry(username.clone())
            .or_insert_with(|| {
                let mut handle = vec![0u8; 16];
                UnwrapErr(SysRng).fill_bytes(&mut handle);
                handle
            })
            .clone()
    };
    let user = User { id: handle, name: username.clone(), display_name: username };
    match app.ceremonies.start_registration(&user, &RegistrationChoices::default()).await {
        Ok((id, options)) => Json(json!({ "state_id": id.as_str(), "options": options })).into_response(),
        Err(e) => ceremony_error(&e),
    }
}

async fn register_finish(State(app): State<Arc<App>>, Json(body): Json<Finish>) -> Response {
    let response = serde_json::to_vec(&body.response).unwrap_or_default();
    let id = StateId::new(body.state_id);
    match app.ceremonies.finish_registration(&id, &response, &RegistrationDetails::default()).await {
        Ok(record) => Json(json!({
            "ok": true,
            "credential_id": passkey_verifier::hazmat::b64::encode(record.id()),
            "alg": record.alg.id(),
            "attestation_format": record.attestation_format,
            "backup_eligible": record.credential.backup_eligible,
        }))
        .into_response(),
        Err(e) => ceremony_error(&e),
    }
}

async fn login_start(State(app): State<Arc<App>>, Json(body): Json<Start>) -> Response {
    // With a username: allowCredentials lists that user's passkeys. Without: discoverable.
    let handle = body
        .username
        .filter(|u| !u.trim().is_empty())
        .and_then(|u| app.users.lock().ok().and_then(|users| users.get(&u).cloned()));
    match app
        .ceremonies
        .start_authentication(
            handle.as_deref().map_or(SignInTarget::Discoverable, SignInTarget::User),
            &SignInChoices::default(),
        )
        .await
    {
        Ok((id, options)) => Json(json!({ "state_id": id.as_str(), "options": options })).into_response(),
        Err(e) => ceremony_error(&e),
    }
}

async fn login_finish(State(app): State<Arc<App>>, Json(body): Json<Finish>) -> Response {
    let response = serde_json::to_vec(&body.response).unwrap_or_default();
    let id = StateId::new(body.state_id);
    match app.ceremonies.finish_authentication(&id, &response).await {
        Ok(sign_in) => {
            let users = app.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let name = users.iter().find(|(_, h)| **h == sign_in.user_handle).map(|(n, _)| n.clone());
            Json(json!({
                "ok": true,
                "username": name,
                "user_verified": sign_in.update.user_verified,
                "counter": format!("{:?}", sign_in.counter),
            }))
            .into_response()
        }
        // A passkey this server does not know (deleted, or from a reset database): hand the page
        // the Signal API argument so the browser can hide it.
        Err(e) => match e.unknown_credential() {
            Some(signal) => (
                StatusCode::BAD_REQUEST,
                Json(json!({ "ok": false, "error": e.to_string(), "signal_unknown_credential": signal })),
            )
                .into_response(),
            None => ceremony_error(&e),
        },
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let db = std::env::var("PASSKEY_DB").unwrap_or_else(|_| "passkeys.db".into());
    let rp = RelyingParty::builder("localhost")
        .name("passkey-verifier demo")
        .origin(format!("http://localhost:{port}"))
        .build()?;
    let store = Arc::new(SqliteStore::open(&db)?);
    let app = Arc::new(App {
        ceremonies: Ceremonies::new(rp, Arc::clone(&store), store, UnwrapErr(SysRng)),
        users: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/", get(|| async { Html(include_str!("index.html")) }))
        .route("/register/start", post(register_start))
        .route("/register/finish", post(register_finish))
        .route("/login/start", post(login_start))
        .route("/login/finish", post(login_finish))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("passkey demo on http://localhost:{port} (database {db})");
    axum::serve(listener, router).await?;
    Ok(())
}
