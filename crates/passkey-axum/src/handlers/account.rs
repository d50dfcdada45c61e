//! The signed-in account: `GET /api/me`, `POST /api/logout`, and renaming or removing one of
//! its own passkeys.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_verifier::hazmat::b64;
use passkey_verifier::{BackupEligibility, ChallengeStore, CredentialRecord, CredentialStore};
use serde::Deserialize;
use serde_json::{json, Value};

use super::accounts_failed;
use crate::accounts::{Account, Accounts};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::{AppState, Shared};

/// The longest passkey nickname, in characters.
const MAX_NICKNAME_CHARS: usize = 64;

/// The signed-in account, or 401.
async fn signed_in<C, K, A: Accounts>(shared: &Shared<C, K, A>, jar: &PrivateCookieJar) -> Result<Account, ApiError> {
    let handle = shared.cookies.session(jar, shared.now()).ok_or_else(ApiError::not_signed_in)?;
    let account = shared.accounts.find_by_handle(&handle).await.map_err(accounts_failed)?;
    account.ok_or_else(ApiError::not_signed_in)
}

fn storage<E: std::error::Error>(_: E) -> ApiError {
    tracing::error!(error_type = core::any::type_name::<E>(), "credential store failed");
    ApiError::storage()
}

fn describe<C, K, A>(shared: &Shared<C, K, A>, record: &CredentialRecord) -> Value {
    json!({
        "id": b64::encode(record.id()),
        "nickname": record.nickname,
        "created_at": record.created_at.as_secs(),
        "last_used_at": record.last_used_at.map(passkey_verifier::UnixTime::as_secs),
        "backed_up": record.credential.backup_state,
        "backup_eligible": record.credential.backup_eligible == BackupEligibility::Eligible,
        "discoverable": record.discoverable,
        "transports": record.transports,
        "provider": shared.providers.name(&record.aaguid),
    })
}

pub(crate) async fn me<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    State(app): State<AppState<C, K, A>>,
    jar: PrivateCookieJar,
) -> Result<Json<Value>, ApiError> {
    let shared = &app.shared;
    let account = signed_in(shared, &jar).await?;
    let records = shared.ceremonies.credentials().list_for_user(&account.user_handle).await.map_err(storage)?;
    let credentials: Vec<Value> = records.iter().map(|r| describe(shared, r)).collect();
    Ok(Json(json!({ "username": account.username, "display_name": account.display_name, "credentials": credentials })))
}

pub(crate) async fn logout<C, K, A>(State(app): State<AppState<C, K, A>>, jar: PrivateCookieJar) -> Response {
    (app.shared.cookies.sign_out(jar), Json(json!({ "ok": true }))).into_response()
}

/// One of the signed-in account's credentials, or 404 (another account's is not revealed).
async fn own_credential<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    shared: &Shared<C, K, A>,
    jar: &PrivateCookieJar,
    id: &str,
) -> Result<(Account, CredentialRecord), ApiError> {
    let account = signed_in(shared, jar).await?;
    let id = b64::decode(id).map_err(|_| ApiError::credential_not_found())?;
    let record = shared.ceremonies.credentials().get(&id).await.map_err(storage)?;
    match record {
        Some(record) if record.user_handle() == account.user_handle.as_slice() => Ok((account, record)),
        _ => Err(ApiError::credential_not_found()),
    }
}

/// The body of `PATCH /api/credentials/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenameBody {
    nickname: Option<String>,
}

pub(crate) async fn rename<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    State(app): State<AppState<C, K, A>>,
    jar: PrivateCookieJar,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RenameBody>,
) -> Result<Json<Value>, ApiError> {
    let shared = &app.shared;
    let (_, record) = own_credential(shared, &jar, &id).await?;
    let nickname = body.nickname.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if nickname.as_ref().is_some_and(|n| n.chars().count() > MAX_NICKNAME_CHARS || n.chars().any(char::is_control)) {
        return Err(ApiError::malformed_request());
    }
    if !shared.ceremonies.credentials().set_nickname(record.id(), nickname).await.map_err(storage)? {
        return Err(ApiError::credential_not_found());
    }
    Ok(Json(json!({ "ok": true })))
}

pub(crate) async fn remove<C: ChallengeStore, K: CredentialStore, A: Accounts>(
    State(app): State<AppState<C, K, A>>,
    jar: PrivateCookieJar,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let shared = &app.shared;
    let (account, record) = own_credential(shared, &jar, &id).await?;
    let store = shared.ceremonies.credentials();
    if store.list_for_user(&account.user_handle).await.map_err(storage)?.len() <= 1 {
        return Err(ApiError::last_credential());
    }
    let accepted = shared.ceremonies.delete_credential(&account.user_handle, record.id()).await;
    let accepted = accepted.map_err(|e| match e.kind() {
        Some(_) => ApiError::credential_not_found(),
        None => ApiError::storage(),
    })?;
    tracing::info!(outcome = "success", "passkey removed");
    // The page hands this to `PublicKeyCredential.signalAllAcceptedCredentials()`.
    Ok(Json(json!({ "ok": true, "signal": accepted })))
}
