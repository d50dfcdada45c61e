//! `POST /api/register/start` and `/api/register/finish`: a new account's first passkey, or
//! another passkey for the signed-in account; never a passkey for someone else's account.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_verifier::hazmat::b64;
use passkey_verifier::{ChallengeStore, CredentialStore, RegistrationChoices, RegistrationDetails, User};
use rand_core::Rng as _;
use serde::Deserialize;
use serde_json::json;
use tracing::Instrument as _;

use super::{accounts_failed, correlation_id, outcome, rate_limit, respond, username};
use crate::accounts::{Account, Accounts, CreateOutcome};
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddr, RawJson};
use crate::session::Purpose;
use crate::AppState;

/// The body of `/api/register/start`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBody {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

/// The user handle length of new accounts (random, opaque).
const USER_HANDLE_LEN: usize = 16;

pub(crate) async fn start<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    State(app): State<AppState<C, K, A>>,
    jar: PrivateCookieJar,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<StartBody>,
) -> Response {
    let span = tracing::info_span!("passkey.register", correlation_id = %correlation_id());
    async move {
        let shared = &app.shared;
        let result = async {
            rate_limit(shared, client)?;
            let now = shared.now();
            let (user, purpose) = match shared.cookies.session(&jar, now) {
                Some(handle) => {
                    let account = shared.accounts.find_by_handle(&handle).await.map_err(accounts_failed)?;
                    let account = account.ok_or_else(ApiError::not_signed_in)?;
                    if body.username.as_deref().is_some_and(|u| u.trim() != account.username) {
                        return Err(ApiError::account_exists());
                    }
                    let user = User { id: handle, name: account.username, display_name: account.display_name };
                    let purpose = Purpose::AddPasskey { handle: b64::encode(&user.id) };
                    (user, purpose)
                }
                None => {
                    let name = username(body.username.as_deref())?;
                    if shared.accounts.find_by_username(&name).await.map_err(accounts_failed)?.is_some() {
                        return Err(ApiError::account_exists());
                    }
                    let mut handle = vec![0u8; USER_HANDLE_LEN];
                    rand_core::UnwrapErr(getrandom::SysRng).fill_bytes(&mut handle);
                    let display_name =
                        body.display_name.as_deref().map_or_else(|| name.clone(), |d| d.trim().to_owned());
                    let purpose = Purpose::SignUp { username: name.clone(), display_name: display_name.clone() };
                    (User { id: handle, name, display_name }, purpose)
                }
            };
            let started = shared.ceremonies.start_registration(&user, &RegistrationChoices::default()).await;
            let (state_id, options) = outcome("register.start", started)?;
            Ok((state_id, purpose, options))
        }
        .await;
        match result {
            Ok((state_id, purpose, options)) => {
                let jar = shared.cookies.start(jar, &state_id, purpose, shared.now());
                (jar, Json(json!({ "options": options }))).into_response()
            }
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}

pub(crate) async fn finish<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    State(app): State<AppState<C, K, A>>,
    jar: PrivateCookieJar,
    RawJson(body): RawJson,
) -> Response {
    let span = tracing::info_span!("passkey.register", correlation_id = %correlation_id());
    async move {
        let shared = &app.shared;
        let now = shared.now();
        let pending = shared.cookies.pending(&jar, now);
        let session = shared.cookies.session(&jar, now);
        let mut jar = shared.cookies.finish(jar);
        let result = async {
            let pending = pending.ok_or_else(ApiError::no_pending_ceremony)?;
            // A passkey for an account is added only while still signed in as that account.
            if let Purpose::AddPasskey { handle } = &pending.purpose {
                if session.as_deref().map(b64::encode).as_ref() != Some(handle) {
                    return Err(ApiError::not_signed_in());
                }
            }
            // Sign-ins finish at /api/login/finish, grant registrations at /api/recovery.
            if !matches!(pending.purpose, Purpose::SignUp { .. } | Purpose::AddPasskey { .. }) {
                return Err(ApiError::no_pending_ceremony());
            }
            let finished = shared
                .ceremonies
                .finish_registration(&pending.state_id(), &body, &RegistrationDetails::default())
                .await;
            let record = outcome("register.finish", finished)?;
            if let Purpose::SignUp { username, display_name } = pending.purpose {
                let account = Account { user_handle: record.user_handle().to_vec(), username, display_name };
                let created = shared.accounts.create(account).await;
                if !matches!(created, Ok(CreateOutcome::Created)) {
                    // Nobody owns the new credential: remove it before answering.
                    let _ = shared.ceremonies.credentials().delete(record.id()).await;
                    return Err(created.map_err(accounts_failed).err().unwrap_or_else(ApiError::username_taken));
                }
            }
            Ok(record)
        }
        .await;
        if let Ok(record) = &result {
            jar = shared.cookies.sign_in(jar, record.user_handle(), now);
        }
        respond(
            jar,
            result.map(|record| Json(json!({ "ok": true, "credential_id": b64::encode(record.id()) })).into_response()),
        )
    }
    .instrument(span)
    .await
}
