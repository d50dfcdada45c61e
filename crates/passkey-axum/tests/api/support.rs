//! A browser stand-in: a cookie jar, the `Origin` header, and the software authenticator.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use passkey_axum::{MemoryAccounts, PasskeyApi, PasskeyConfig};
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{Ceremonies, ChallengeStore, CredentialStore, MemoryStore, RelyingParty, UnixTime};
use serde_json::Value;
use tower::ServiceExt as _;

pub const ORIGIN: &str = "https://example.com";
pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

pub fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin(ORIGIN).build().unwrap()
}

/// The API over in-memory stores, at `NOW` on a manual clock.
pub fn app() -> Router {
    let store = Arc::new(MemoryStore::new());
    app_over(store.clone(), store, PasskeyConfig::default())
}

pub fn app_over<C: ChallengeStore + 'static, K: CredentialStore + 'static>(
    challenges: C,
    credentials: K,
    config: PasskeyConfig,
) -> Router {
    let clock = ManualClock::new(NOW);
    let ceremonies = Ceremonies::new(rp(), challenges, credentials, rand_core::UnwrapErr(getrandom::SysRng))
        .with_clock(clock.clone());
    PasskeyApi::with_clock(ceremonies, MemoryAccounts::new(), &[42; 64], config, Arc::new(clock)).router()
}

/// A response: status, the raw `Set-Cookie` headers and the JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub set_cookies: Vec<String>,
    pub retry_after: Option<String>,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The error code of a JSON error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_else(|| panic!("not an API error: {}", self.text))
    }
}

/// One browser: its cookies, sent back on every request.
#[derive(Clone)]
pub struct Browser {
    pub app: Router,
    pub cookies: BTreeMap<String, String>,
    pub origin: Option<String>,
}

impl Browser {
    pub fn new(app: &Router) -> Self {
        Self { app: app.clone(), cookies: BTreeMap::new(), origin: Some(ORIGIN.to_owned()) }
    }

    pub async fn send(&mut self, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(origin) = &self.origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        let response = self.app.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
        let status = response.status();
        let set_cookies: Vec<String> =
            response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        let retry_after = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, set_cookies, retry_after, body, text }
    }

    pub async fn post(&mut self, path: &str, body: &str) -> Reply {
        self.send(Method::POST, path, Some("application/json"), body.as_bytes().to_vec()).await
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new()).await
    }

    /// Registration start for `username` (or the signed-in account with `None`).
    pub async fn register_start(&mut self, username: Option<&str>) -> Reply {
        let body = username.map_or_else(|| "{}".to_owned(), |u| serde_json::json!({ "username": u }).to_string());
        self.post("/api/register/start", &body).await
    }

    /// A full registration with `cred`; returns the finish reply and the posted JSON.
    pub async fn register(&mut self, username: Option<&str>, cred: &mut SoftCredential) -> (Reply, String) {
        let start = self.register_start(username).await;
        assert_eq!(start.status, StatusCode::OK, "{}", start.text);
        cred.set_user_handle(&b64::decode(start.body["options"]["user"]["id"].as_str().unwrap()).unwrap());
        let posted = cred.register(&challenge(&start.body), &knobs());
        (self.post("/api/register/finish", &posted).await, posted)
    }

    /// A full sign-in with `cred`, for `username` or username-less.
    pub async fn sign_in(&mut self, username: Option<&str>, cred: &mut SoftCredential) -> Reply {
        let body = username.map_or_else(|| "{}".to_owned(), |u| serde_json::json!({ "username": u }).to_string());
        let start = self.post("/api/login/start", &body).await;
        assert_eq!(start.status, StatusCode::OK, "{}", start.text);
        let posted = cred.assert(&challenge(&start.body), &knobs());
        self.post("/api/login/finish", &posted).await
    }

    pub fn signed_in(&self) -> bool {
        self.cookies.keys().any(|k| k.contains("session"))
    }
}

pub fn challenge(start: &Value) -> Vec<u8> {
    b64::decode(start["options"]["challenge"].as_str().unwrap()).unwrap()
}

pub fn knobs() -> Knobs {
    Knobs::new("example.com", ORIGIN)
}

pub fn authenticator() -> SoftCredential {
    SoftCredential::new(KeyKind::Es256, b"unused", &mut rand_core::UnwrapErr(getrandom::SysRng))
}
