//! An [axum] integration for [`passkey_verifier`]: the endpoints of a passkey server, correct
//! by default.
//!
//! [`PasskeyApi::router`] serves, under `/api`:
//!
//! | endpoint | does |
//! |---|---|
//! | `POST /api/register/start {"username"?}` | a new account's first passkey (no session; the username must be free), or another passkey for the signed-in account |
//! | `POST /api/register/finish <credential JSON>` | verifies, stores the credential, creates the account for a sign-up, signs in |
//! | `POST /api/login/start {"username"?}` | sign-in with a username, or username-less (`{}`); `{"autofill": true}` for conditional mediation |
//! | `POST /api/login/finish <credential JSON>` | verifies, updates the counter, signs in |
//! | `GET /api/me` | the signed-in account and its passkeys |
//! | `POST /api/logout` | ends the session |
//! | `PATCH /api/credentials/{id} {"nickname"}`, `DELETE /api/credentials/{id}` | rename or remove one of the account's own passkeys (the answer carries the `signalAllAcceptedCredentials` argument) |
//! | `GET /.well-known/webauthn` | the related origins document, when the relying party declares related origins |
//!
//! A sign-in with a passkey the server does not know fails with `unknown_credential` and
//! `error.signal`, the argument of `PublicKeyCredential.signalUnknownCredential()`.
//!
//! What it takes care of:
//!
//! - **Sessions** in encrypted, authenticated cookies (`HttpOnly`, `Secure`, `SameSite`);
//!   the ceremony state is bound to the browser that started it by a second such cookie,
//!   never carried in the body.
//! - **Account binding**: a passkey is added to an existing account only from a session of
//!   that account; a new username creates a new account when its first passkey verifies; an
//!   existing username without such a session is refused.
//! - **JSON errors** for every failure, malformed and oversized requests included:
//!   `{"error": {"code", "category", "message"}}`, 400 for verification failures, 401/403
//!   for authentication, 409 for conflicts, 429 with `Retry-After`, 503 for storage; no input
//!   data or internals in them ([`ApiError`]).
//! - **Limits**: `application/json` bodies of at most 64 KiB, a per-client rate limit on the
//!   start endpoints, and the `Origin` header checked on every state-changing request.
//! - **Tracing**: a span per ceremony with its correlation ID, and an event with the outcome
//!   and category (never a challenge, key, credential ID or user handle).
//!
//! With the `recovery` feature, `RecoveryRoutes` adds account recovery and device onboarding
//! over `passkey-recovery` (`/api/recovery/*`, `/api/onboarding/*`), sharing these
//! ceremonies, accounts and cookies; the host implements `RecoveryHost`.
//!
//! With the `sqlite` or `postgres` feature, [`Accounts`] is implemented on the SQL adapter's
//! `SqliteStore` / `PgStore` (table `passkey_accounts`), so one store holds everything.
//!
//! ```
//! use std::sync::Arc;
//! use passkey_axum::{MemoryAccounts, PasskeyApi, PasskeyConfig};
//! use passkey_verifier::{Ceremonies, MemoryStore, RelyingParty};
//! # fn main() -> Result<(), passkey_verifier::Error> {
//! let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
//! let store = Arc::new(MemoryStore::new());
//! let ceremonies = Ceremonies::new(rp, store.clone(), store, rand_core::UnwrapErr(getrandom::SysRng));
//! let cookie_key = [7u8; 64]; // load 64 secret random bytes from your configuration
//! let app: axum::Router = PasskeyApi::new(ceremonies, MemoryAccounts::new(), &cookie_key, PasskeyConfig::default())
//!     .router();
//! # let _ = app;
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod accounts;
mod error;
mod extract;
mod handlers;
mod limit;
#[cfg(feature = "recovery")]
mod recovery;
mod session;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{patch, post};
use axum::Router;
use axum_extra::extract::cookie::Key;
use passkey_verifier::metadata::providers::ProviderNames;
use passkey_verifier::{Ceremonies, ChallengeStore, CredentialStore, TimeProvider, UnixTime};

pub use accounts::{Account, Accounts, CreateOutcome, Infallible, MemoryAccounts};
pub use error::ApiError;
#[cfg(feature = "recovery")]
#[cfg_attr(docsrs, doc(cfg(feature = "recovery")))]
pub use recovery::{RecoveryConfig, RecoveryHost, RecoveryRoutes, RecoveryService};

/// The largest request body accepted (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Settings of the integration. The defaults suit production over HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeyConfig {
    /// Mark cookies `Secure` and name them `__Host-`. Turn off only for plain-HTTP
    /// development on a host other than `localhost` (browsers accept `Secure` cookies from
    /// `http://localhost`). Default: `true`.
    pub secure_cookies: bool,
    /// How long a session lasts, in seconds. Default: 8 hours.
    pub session_ttl_secs: u64,
    /// Ceremony starts (registration or sign-in) one client address may make per window.
    /// Default: 30.
    pub starts_per_window: u32,
    /// The rate-limit window, in seconds. Default: 60.
    pub window_secs: u64,
}

impl Default for PasskeyConfig {
    fn default() -> Self {
        Self { secure_cookies: true, session_ttl_secs: 8 * 3600, starts_per_window: 30, window_secs: 60 }
    }
}

/// The passkey endpoints over the core's [`Ceremonies`] and the host's [`Accounts`].
pub struct PasskeyApi<C, K, A> {
    shared: Arc<Shared<C, K, A>>,
    key: Key,
}

impl<C, K, A> core::fmt::Debug for PasskeyApi<C, K, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasskeyApi").field("config", &self.shared.cookies).finish_non_exhaustive()
    }
}

/// Told of every successful sign-in (the user handle, the time): the recovery endpoints
/// cancel pending passkeyless recoveries of the account with it.
pub(crate) type SignInHook =
    Arc<dyn Fn(Vec<u8>, UnixTime) -> core::pin::Pin<Box<dyn core::future::Future<Output = ()> + Send>> + Send + Sync>;

pub(crate) struct Shared<C, K, A> {
    pub ceremonies: Ceremonies<C, K>,
    pub on_sign_in: std::sync::OnceLock<SignInHook>,
    pub accounts: A,
    pub cookies: session::Cookies,
    pub limiter: limit::StartLimiter,
    pub clock: Arc<dyn TimeProvider>,
    pub providers: &'static ProviderNames,
}

impl<C, K, A> Shared<C, K, A> {
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }
}

/// The router's state: the shared parts and the cookie key.
pub(crate) struct AppState<C, K, A> {
    pub shared: Arc<Shared<C, K, A>>,
    pub key: Key,
}

impl<C, K, A> Clone for AppState<C, K, A> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared), key: self.key.clone() }
    }
}

impl<C, K, A> FromRef<AppState<C, K, A>> for Key {
    fn from_ref(state: &AppState<C, K, A>) -> Self {
        state.key.clone()
    }
}

impl<C, K, A> PasskeyApi<C, K, A>
where
    C: ChallengeStore + 'static,
    K: CredentialStore + 'static,
    A: Accounts,
{
    /// The endpoints over `ceremonies` and `accounts`. `cookie_key` (at least 64 random bytes,
    /// the same on every instance behind a load balancer) encrypts and authenticates the
    /// cookies.
    ///
    /// # Panics
    ///
    /// When `cookie_key` is shorter than 64 bytes.
    #[must_use]
    pub fn new(ceremonies: Ceremonies<C, K>, accounts: A, cookie_key: &[u8], config: PasskeyConfig) -> Self {
        Self::with_clock(ceremonies, accounts, cookie_key, config, Arc::new(passkey_verifier::SystemClock))
    }

    /// As [`Self::new`], reading session and ceremony cookie times from `clock` (give the
    /// same clock as the [`Ceremonies`]).
    ///
    /// # Panics
    ///
    /// When `cookie_key` is shorter than 64 bytes.
    #[must_use]
    pub fn with_clock(
        ceremonies: Ceremonies<C, K>,
        accounts: A,
        cookie_key: &[u8],
        config: PasskeyConfig,
        clock: Arc<dyn TimeProvider>,
    ) -> Self {
        assert!(cookie_key.len() >= 64, "the cookie key must have at least 64 bytes");
        let cookies = session::Cookies {
            secure: config.secure_cookies,
            session_ttl_secs: config.session_ttl_secs,
            ceremony_ttl_secs: ceremonies.relying_party().policy().ceremony_timeout_secs,
        };
        let shared = Shared {
            ceremonies,
            on_sign_in: std::sync::OnceLock::new(),
            accounts,
            cookies,
            limiter: limit::StartLimiter::new(config.starts_per_window, config.window_secs),
            clock,
            providers: ProviderNames::builtin(),
        };
        Self { shared: Arc::new(shared), key: Key::from(cookie_key) }
    }

    /// The router: every endpoint under `/api`, with JSON errors for unknown paths and
    /// methods there. Merge it into the host's router.
    pub fn router(self) -> Router {
        let rp = Arc::new(self.shared.ceremonies.relying_party().clone());
        let related = Arc::clone(&rp);
        let state = AppState { shared: self.shared, key: self.key };
        let api = Router::new()
            .route("/register/start", post(handlers::register::start::<C, K, A>))
            .route("/register/finish", post(handlers::register::finish::<C, K, A>))
            .route("/login/start", post(handlers::login::start::<C, K, A>))
            .route("/login/finish", post(handlers::login::finish::<C, K, A>))
            .route("/me", axum::routing::get(handlers::account::me::<C, K, A>))
            .route("/logout", post(handlers::account::logout::<C, K, A>))
            .route(
                "/credentials/{id}",
                patch(handlers::account::rename::<C, K, A>).delete(handlers::account::remove::<C, K, A>),
            )
            .fallback(|| async { ApiError::not_found() })
            .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
            .layer(axum::middleware::from_fn(move |req, next| extract::check_origin(Arc::clone(&rp), req, next)))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(state);
        let router = Router::new().nest("/api", api);
        if related.related_origins().is_empty() {
            return router;
        }
        // Related origin requests: browsers fetch the list from the RP ID's host.
        let document = related.well_known_webauthn();
        let body = document.to_json();
        router.route(
            passkey_verifier::WellKnownWebAuthn::PATH,
            axum::routing::get(move || {
                let body = body.clone();
                async move {
                    ([(axum::http::header::CONTENT_TYPE, passkey_verifier::WellKnownWebAuthn::CONTENT_TYPE)], body)
                }
            }),
        )
    }
}
