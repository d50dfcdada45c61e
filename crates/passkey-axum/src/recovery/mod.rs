//! Recovery and device onboarding endpoints over [`passkey_recovery`] (feature `recovery`):
//! a [`RecoveryRoutes`] router that shares the [`PasskeyApi`]'s ceremonies, accounts,
//! cookies and sessions, and a [`RecoveryHost`] the host implements for what only it knows
//! (an account's channels, the message gateway, its session store).
//!
//! | endpoint | does |
//! |---|---|
//! | `POST /api/recovery/start {"username", "channel"}` | starts a recovery; the same answer whether or not the account exists; the browser keeps the recovery handle in a cookie |
//! | `POST /api/recovery/options {"secret", "handle"?}` | assertion options committing to the handle and the delivered code or link token |
//! | `POST /api/recovery/complete {"secret", "handle"?, "credential"}` | the passkey proof; a single-use grant kept in a cookie |
//! | `POST /api/onboarding/start {"username"?, "device_name"?}` | a new device asks to join: the pairing link for the QR code and the pairing code to show; the device secret stays in a cookie |
//! | `GET /api/onboarding/screen?pairing=` | what the approving device shows: the new device as it described itself |
//! | `POST /api/onboarding/options {"pairing", "code"}` | assertion options committing to the pairing and the code the approver typed |
//! | `POST /api/onboarding/approve {"pairing", "credential"}` | the approving passkey |
//! | `GET /api/onboarding/status` | the new device (its cookie) asks whether it was approved yet |
//! | `POST /api/onboarding/redeem` | the new device (its cookie) collects the grant once approved (`409 not_approved` until then) |
//! | `POST /api/recovery/register/start`, `/finish` | registers a passkey with the grant; the grant's scopes run (other passkeys revoked, other sessions ended), and the browser is signed in |

mod error;
mod flows;
mod onboarding;
mod register;

use core::future::Future;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Key, PrivateCookieJar};
use passkey_recovery::stepup::ChannelFacts;
use passkey_recovery::{
    Channel, Language, Notice, PendingStore, RateLimitStore, Recovery, RecoveryAuditSink, RecoveryStore, RequesterKey,
    Scope, Templates,
};
use passkey_verifier::{ChallengeStore, CredentialStore};

use crate::accounts::{Account, Accounts};
use crate::{AppState, PasskeyApi};

/// What only the host knows: an account's channels, the gateway that delivers messages to
/// them, and its session store. Implement it on the host's own types.
pub trait RecoveryHost: Send + Sync + 'static {
    /// The host's error type (any error answers 503).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The channels of `account` and what is known of them (E2EE confirmed, a recent number
    /// port or SIM change, how fresh an email is; its passkeys as
    /// [`ChannelFacts::Passkey`]), for the step-up decision. `None`: no such account; answer
    /// what a typical account has, so the decision and the answer do not tell.
    fn channels(
        &self,
        account: Option<&Account>,
    ) -> impl Future<Output = Result<Vec<ChannelFacts>, Self::Error>> + Send;

    /// Hands `message` (rendered text: it holds the code or link, a secret) to the gateway of
    /// `channel` for `account`. Enqueue and return: the answer to the requester waits for it,
    /// and an unknown account gets no message.
    fn deliver(
        &self,
        account: &Account,
        channel: Channel,
        message: String,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Tells every channel and device of `account` what a recovery or onboarding did.
    fn notify(&self, account: &Account, notices: &[Notice]) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Ends every session of the account with user handle `user_handle` (the recovered
    /// browser signs in afresh); returns how many it ended.
    fn end_other_sessions(&self, user_handle: &[u8]) -> impl Future<Output = Result<u64, Self::Error>> + Send;
}

impl<T: RecoveryHost> RecoveryHost for Arc<T> {
    type Error = T::Error;

    fn channels(
        &self,
        account: Option<&Account>,
    ) -> impl Future<Output = Result<Vec<ChannelFacts>, Self::Error>> + Send {
        (**self).channels(account)
    }

    fn deliver(
        &self,
        account: &Account,
        channel: Channel,
        message: String,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).deliver(account, channel, message)
    }

    fn notify(&self, account: &Account, notices: &[Notice]) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).notify(account, notices)
    }

    fn end_other_sessions(&self, user_handle: &[u8]) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        (**self).end_other_sessions(user_handle)
    }
}

/// Settings of the recovery endpoints.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecoveryConfig {
    /// The page links point to (`https://example.com/`): the recovery link is
    /// `{link_base}#h=..&t=..`, the pairing link `{link_base}#p=..`.
    pub link_base: String,
    /// The message templates. Default: English.
    pub templates: Templates,
    /// What a completed recovery allows. Default: register a passkey, revoke the other
    /// credentials, end the other sessions.
    pub scopes: Vec<Scope>,
}

impl RecoveryConfig {
    /// Links to `link_base`, English messages, the default scopes.
    #[must_use]
    pub fn new(link_base: impl Into<String>) -> Self {
        Self {
            link_base: link_base.into(),
            templates: Templates::default_for(Language::En),
            scopes: vec![Scope::RegisterPasskey, Scope::RevokeOtherCredentials, Scope::EndOtherSessions],
        }
    }
}

/// A [`Recovery`] with whatever stores it runs on: lets the router name one type.
pub trait RecoveryService: Send + Sync + 'static {
    /// The recovery store (with the passkeyless path's records).
    type Store: RecoveryStore + PendingStore;
    /// The rate-limit store.
    type Limits: RateLimitStore;
    /// The credential store.
    type Credentials: CredentialStore;
    /// The audit sink.
    type Audit: RecoveryAuditSink;

    /// The recovery service.
    fn recovery(&self) -> &Recovery<Self::Store, Self::Limits, Self::Credentials, Self::Audit>;
}

impl<S, L, K, A> RecoveryService for Recovery<S, L, K, A>
where
    S: RecoveryStore + PendingStore + 'static,
    L: RateLimitStore + 'static,
    K: CredentialStore + 'static,
    A: RecoveryAuditSink + 'static,
{
    type Store = S;
    type Limits = L;
    type Credentials = K;
    type Audit = A;

    fn recovery(&self) -> &Self {
        self
    }
}

/// The recovery and onboarding endpoints, over a [`PasskeyApi`]'s ceremonies, accounts and
/// cookies. Merge [`RecoveryRoutes::router`] with [`PasskeyApi::router`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # use passkey_axum::{MemoryAccounts, PasskeyApi, PasskeyConfig, RecoveryConfig, RecoveryHost, RecoveryRoutes};
/// # use passkey_recovery::{LookupSecret, MemoryRateLimitStore, MemoryRecoveryStore, NoAudit, Recovery, RecoveryPolicy};
/// # use passkey_verifier::{Ceremonies, MemoryStore, RelyingParty};
/// # struct MyHost;
/// # impl RecoveryHost for MyHost {
/// #     type Error = std::io::Error;
/// #     async fn channels(&self, _: Option<&passkey_axum::Account>) -> Result<Vec<passkey_recovery::stepup::ChannelFacts>, Self::Error> { Ok(vec![]) }
/// #     async fn deliver(&self, _: &passkey_axum::Account, _: passkey_recovery::Channel, _: String) -> Result<(), Self::Error> { Ok(()) }
/// #     async fn notify(&self, _: &passkey_axum::Account, _: &[passkey_recovery::Notice]) -> Result<(), Self::Error> { Ok(()) }
/// #     async fn end_other_sessions(&self, _: &[u8]) -> Result<u64, Self::Error> { Ok(0) }
/// # }
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let store = Arc::new(MemoryStore::new());
/// let ceremonies = Ceremonies::new(rp.clone(), store.clone(), store.clone(), rand_core::UnwrapErr(getrandom::SysRng));
/// let api = PasskeyApi::new(ceremonies, MemoryAccounts::new(), &[7u8; 64], PasskeyConfig::default());
/// let secret = LookupSecret::new(*b"load-32-secret-bytes-from-config")?;
/// let recovery = Recovery::new(rp, RecoveryPolicy::default(), secret, Arc::new(MemoryRecoveryStore::new()),
///     Arc::new(MemoryRateLimitStore::new()), store, NoAudit)?;
/// let routes = RecoveryRoutes::new(&api, recovery, MyHost, RecoveryConfig::new("https://example.com/"));
/// let app: axum::Router = api.router().merge(routes.router());
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
pub struct RecoveryRoutes<C, K, A, R, H> {
    state: RecoveryState<C, K, A, R, H>,
}

impl<C, K, A, R, H> core::fmt::Debug for RecoveryRoutes<C, K, A, R, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecoveryRoutes").field("link_base", &self.state.config.link_base).finish_non_exhaustive()
    }
}

/// The recovery router's state.
pub(crate) struct RecoveryState<C, K, A, R, H> {
    pub app: AppState<C, K, A>,
    pub recovery: Arc<R>,
    pub host: Arc<H>,
    pub config: Arc<RecoveryConfig>,
}

impl<C, K, A, R, H> Clone for RecoveryState<C, K, A, R, H> {
    fn clone(&self) -> Self {
        Self {
            app: self.app.clone(),
            recovery: Arc::clone(&self.recovery),
            host: Arc::clone(&self.host),
            config: Arc::clone(&self.config),
        }
    }
}

impl<C, K, A, R, H> FromRef<RecoveryState<C, K, A, R, H>> for Key {
    fn from_ref(state: &RecoveryState<C, K, A, R, H>) -> Self {
        state.app.key.clone()
    }
}

impl<C, K, A, R, H> RecoveryRoutes<C, K, A, R, H>
where
    C: ChallengeStore + 'static,
    K: CredentialStore + 'static,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    /// The endpoints of `recovery` beside `api` (the same ceremonies, accounts, cookie key
    /// and sessions). Give `recovery` the relying party and credential store of `api`'s
    /// ceremonies. From now on every sign-in through `api` cancels the account's pending
    /// passkeyless recoveries ([`Recovery::note_sign_in`]).
    #[must_use]
    pub fn new(api: &PasskeyApi<C, K, A>, recovery: R, host: H, config: RecoveryConfig) -> Self {
        let app = AppState { shared: Arc::clone(&api.shared), key: api.key.clone() };
        let recovery = Arc::new(recovery);
        // Any sign-in with an existing passkey cancels the account's pending passkeyless
        // recoveries: the rightful user evidently still has a way in.
        let cancels = Arc::clone(&recovery);
        let _ = api.shared.on_sign_in.set(Arc::new(move |handle, now| {
            let recovery = Arc::clone(&cancels);
            Box::pin(async move {
                match recovery.recovery().note_sign_in(&passkey_recovery::SubjectId::new(handle), now).await {
                    Ok(0) => {}
                    Ok(cancelled) => tracing::info!(cancelled, "a sign-in cancelled pending recoveries"),
                    Err(e) => tracing::warn!(reason = e.label(), "cancelling pending recoveries failed"),
                }
            })
        }));
        Self { state: RecoveryState { app, recovery, host: Arc::new(host), config: Arc::new(config) } }
    }

    /// The router: every endpoint under `/api`, with the same body limit and `Origin` check
    /// as [`PasskeyApi::router`].
    pub fn router(self) -> Router {
        let rp = Arc::new(self.state.app.shared.ceremonies.relying_party().clone());
        let api = Router::new()
            .route("/recovery/start", post(flows::start::<C, K, A, R, H>))
            .route("/recovery/options", post(flows::options::<C, K, A, R, H>))
            .route("/recovery/complete", post(flows::complete::<C, K, A, R, H>))
            .route("/recovery/register/start", post(register::start::<C, K, A, R, H>))
            .route("/recovery/register/finish", post(register::finish::<C, K, A, R, H>))
            .route("/onboarding/start", post(onboarding::start::<C, K, A, R, H>))
            .route("/onboarding/screen", get(onboarding::screen::<C, K, A, R, H>))
            .route("/onboarding/status", get(onboarding::status::<C, K, A, R, H>))
            .route("/onboarding/options", post(onboarding::options::<C, K, A, R, H>))
            .route("/onboarding/approve", post(onboarding::approve::<C, K, A, R, H>))
            .route("/onboarding/redeem", post(onboarding::redeem::<C, K, A, R, H>))
            .layer(axum::middleware::from_fn(move |req, next| crate::extract::check_origin(Arc::clone(&rp), req, next)))
            .layer(axum::extract::DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
            .with_state(self.state);
        Router::new().nest("/api", api)
    }
}

/// The keyed requester: the client's address (or "unknown" without connect info).
pub(crate) fn requester<R: RecoveryService>(recovery: &R, client: Option<std::net::IpAddr>) -> RequesterKey {
    let address = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    RequesterKey::derive(recovery.recovery().lookup_secret(), address.as_bytes())
}

/// The credential JSON as the browser posted it, for the verifier to parse (once).
pub(crate) fn posted_credential(raw: Option<&serde_json::value::RawValue>) -> Result<&[u8], crate::ApiError> {
    raw.map(|r| r.get().as_bytes()).ok_or_else(crate::ApiError::malformed_request)
}

/// A failure of the host's hooks: logged by type only, answered 503.
pub(crate) fn host_failed<E: std::error::Error>(_: E) -> crate::ApiError {
    tracing::error!(error_type = core::any::type_name::<E>(), "recovery host hook failed");
    crate::ApiError::storage()
}

/// The grant a browser holds between a recovery or onboarding and its registration.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct HeldGrant {
    /// base64url grant token.
    pub t: String,
    /// base64url user handle.
    pub s: String,
}

/// The new device's half of an onboarding.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct HeldDevice {
    /// base64url pairing reference.
    pub p: String,
    /// base64url device secret.
    pub d: String,
}

/// Keeps `grant` in the browser until it expires.
pub(crate) fn hold_grant<C, K, A>(
    app: &AppState<C, K, A>,
    jar: PrivateCookieJar,
    grant: &passkey_recovery::Grant,
) -> PrivateCookieJar {
    let now = app.shared.now();
    let held =
        HeldGrant { t: grant.token.to_base64url(), s: passkey_verifier::hazmat::b64::encode(grant.subject.as_bytes()) };
    let ttl = grant.expires_at.as_secs().saturating_sub(now.as_secs());
    app.shared.cookies.put(jar, "grant", &held, ttl, now)
}
