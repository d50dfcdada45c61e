//! `POST /api/recovery/start`, `/options` and `/complete`: a recovery delivered over one of
//! the account's channels and redeemed with a passkey. The browser that started it keeps
//! the handle; a delivered code is checked only together with it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_recovery::{
    Channel, DeliveredSecret, Identifier, InitiateRequest, LookupKey, Proof, RecoveryHandle, SubjectId,
};
use passkey_verifier::{ChallengeStore, CredentialStore};
use rand_core::UnwrapErr;
use serde::Deserialize;
use serde_json::json;
use tracing::Instrument as _;

use super::error::outcome;
use super::{hold_grant, host_failed, posted_credential, requester, RecoveryHost, RecoveryService, RecoveryState};
use crate::accounts::Accounts;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddr};
use crate::handlers::{accounts_failed, correlation_id, rate_limit, username};

/// The body of `/api/recovery/start`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBody {
    username: String,
    channel: Channel,
}

pub(crate) async fn start<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    jar: PrivateCookieJar,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<StartBody>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let span = tracing::info_span!("passkey.recovery", correlation_id = %correlation_id());
    async move {
        let shared = &st.app.shared;
        let recovery = st.recovery.recovery();
        let now = shared.now();
        let result = async {
            rate_limit(shared, client)?;
            let name = username(Some(&body.username))?;
            let lookup = LookupKey::derive(recovery.lookup_secret(), Identifier::Username(&name))
                .map_err(|_| ApiError::invalid_username())?;
            let account = shared.accounts.find_by_username(&name).await.map_err(accounts_failed)?;
            let channels = st.host.channels(account.as_ref()).await.map_err(host_failed)?;
            let subject = account.as_ref().map(|a| SubjectId::new(a.user_handle.clone()));
            let request =
                InitiateRequest::new(lookup, requester(&*st.recovery, client), subject, body.channel, channels)
                    .scopes(st.config.scopes.clone());
            let initiated =
                outcome("recovery.start", recovery.initiate(&request, &mut UnwrapErr(getrandom::SysRng), now).await)?;
            if let Some(account) = &account {
                let text = initiated.payload.render_message(
                    &st.config.templates,
                    recovery.relying_party().id(),
                    &st.config.link_base,
                );
                st.host.deliver(account, body.channel, text).await.map_err(host_failed)?;
            }
            Ok::<_, ApiError>(initiated)
        }
        .await;
        let ttl = |i: &passkey_recovery::Initiated| i.expires_at.as_secs().saturating_sub(now.as_secs());
        match result {
            Ok(initiated) => {
                let jar = shared.cookies.put(jar, "recovery", &initiated.handle.to_base64url(), ttl(&initiated), now);
                // The same answer for every username: whether a message went out is not told.
                let reply = json!({ "sent": true, "expires_in": ttl(&initiated) });
                (jar, (StatusCode::ACCEPTED, Json(reply))).into_response()
            }
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}

/// The delivered secret, with the handle from a link or else from this browser's cookie.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretBody {
    secret: String,
    #[serde(default)]
    handle: Option<String>,
    #[serde(default)]
    credential: Option<Box<serde_json::value::RawValue>>,
}

fn handle_and_secret<C, K, A, R, H>(
    st: &RecoveryState<C, K, A, R, H>,
    jar: &PrivateCookieJar,
    body: &SecretBody,
) -> Result<(RecoveryHandle, DeliveredSecret), ApiError> {
    let kept: Option<String> = st.app.shared.cookies.get(jar, "recovery", st.app.shared.now());
    let handle = body.handle.clone().or(kept).ok_or_else(ApiError::no_pending_ceremony)?;
    let malformed = |e: passkey_recovery::RecoveryError| ApiError::from(&e);
    let handle = RecoveryHandle::parse(&handle).map_err(malformed)?;
    let secret = DeliveredSecret::parse(body.secret.trim()).map_err(malformed)?;
    Ok((handle, secret))
}

pub(crate) async fn options<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    jar: PrivateCookieJar,
    ApiJson(body): ApiJson<SecretBody>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    match handle_and_secret(&st, &jar, &body) {
        Ok((handle, secret)) => {
            let options = st.recovery.recovery().assertion_options(&handle, &secret);
            Json(json!({ "options": options })).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn complete<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    jar: PrivateCookieJar,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<SecretBody>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let span = tracing::info_span!("passkey.recovery", correlation_id = %correlation_id());
    async move {
        let now = st.app.shared.now();
        let result = async {
            let (handle, secret) = handle_and_secret(&st, &jar, &body)?;
            let assertion = posted_credential(body.credential.as_deref())?;
            let requester = requester(&*st.recovery, client);
            let completed = st
                .recovery
                .recovery()
                .complete(
                    &handle,
                    &secret,
                    Proof::Passkey(assertion),
                    &requester,
                    &mut UnwrapErr(getrandom::SysRng),
                    now,
                )
                .await;
            outcome("recovery.complete", completed)
        }
        .await;
        match result {
            Ok(grant) => {
                let jar = st.app.shared.cookies.drop(jar, "recovery");
                let jar = hold_grant(&st.app, jar, &grant);
                (jar, Json(json!({ "ok": true, "scopes": grant.scopes }))).into_response()
            }
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}
