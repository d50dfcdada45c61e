//! `POST /api/login/start` and `/api/login/finish`: sign-in with a username, username-less,
//! or through autofill (conditional mediation).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_verifier::{ChallengeStore, CredentialStore, SignInChoices, SignInTarget};
use serde::Deserialize;
use serde_json::json;
use tracing::Instrument as _;

use super::{accounts_failed, correlation_id, outcome, rate_limit, respond, username};
use crate::accounts::Accounts;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddr, RawJson};
use crate::session::Purpose;
use crate::AppState;

/// The body of `/api/login/start`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBody {
    #[serde(default)]
    username: Option<String>,
    /// A sign-in offered through autofill (`mediation: "conditional"`), username-less.
    #[serde(default)]
    autofill: bool,
}

pub(crate) async fn start<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    State(app): State<AppState<C, K, A>>,
    jar: PrivateCookieJar,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<StartBody>,
) -> Response {
    let span = tracing::info_span!("passkey.sign_in", correlation_id = %correlation_id());
    async move {
        let shared = &app.shared;
        let result = async {
            rate_limit(shared, client)?;
            let account = match body.username.as_deref() {
                Some(raw) => {
                    let name = username(Some(raw))?;
                    let found = shared.accounts.find_by_username(&name).await.map_err(accounts_failed)?;
                    Some(found.ok_or_else(ApiError::unknown_account)?)
                }
                None => None,
            };
            let target = account.as_ref().map_or(SignInTarget::Discoverable, |a| SignInTarget::User(&a.user_handle));
            let choices = if body.autofill { SignInChoices::autofill() } else { SignInChoices::default() };
            outcome("sign_in.start", shared.ceremonies.start_authentication(target, &choices).await)
        }
        .await;
        match result {
            Ok((state_id, options)) => {
                let jar = shared.cookies.start(jar, &state_id, Purpose::SignIn, shared.now());
                let mediation = options.mediation();
                (jar, Json(json!({ "options": options, "mediation": mediation }))).into_response()
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
    let span = tracing::info_span!("passkey.sign_in", correlation_id = %correlation_id());
    async move {
        let shared = &app.shared;
        let now = shared.now();
        let pending = shared.cookies.pending(&jar, now).filter(|p| p.purpose == Purpose::SignIn);
        let mut jar = shared.cookies.finish(jar);
        let result = async {
            let pending = pending.ok_or_else(ApiError::no_pending_ceremony)?;
            let sign_in =
                outcome("sign_in.finish", shared.ceremonies.finish_authentication(&pending.state_id(), &body).await)?;
            let account = shared.accounts.find_by_handle(&sign_in.user_handle).await.map_err(accounts_failed)?;
            account.ok_or_else(ApiError::unknown_account)
        }
        .await;
        if let Ok(account) = &result {
            jar = shared.cookies.sign_in(jar, &account.user_handle, now);
            if let Some(hook) = shared.on_sign_in.get() {
                hook(account.user_handle.clone(), now).await;
            }
        }
        respond(jar, result.map(|account| Json(json!({ "ok": true, "username": account.username })).into_response()))
    }
    .instrument(span)
    .await
}
