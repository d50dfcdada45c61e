//! `POST /api/recovery/register/start` and `/finish`: a passkey for an existing account, with
//! the grant a recovery or onboarding left in this browser. The start checks the grant; the
//! finish consumes it just before the new credential is verified and stored, then runs the
//! grant's scopes, tells the account's channels, and signs the browser in.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_recovery::{AccountState, GrantToken, Scope, SessionHook, SubjectId};
use passkey_verifier::hazmat::b64;
use passkey_verifier::{ChallengeStore, CredentialStore, RegistrationChoices, RegistrationDetails, User};
use serde_json::json;
use tracing::Instrument as _;

use super::error::outcome as recovery_outcome;
use super::{host_failed, HeldGrant, RecoveryHost, RecoveryService, RecoveryState};
use crate::accounts::Accounts;
use crate::error::ApiError;
use crate::extract::RawJson;
use crate::handlers::{accounts_failed, correlation_id, outcome, respond};
use crate::session::Purpose;

/// The host's session store as the recovery crate's hook.
struct Sessions<'a, H>(&'a H);

impl<H: RecoveryHost> SessionHook for Sessions<'_, H> {
    type Error = H::Error;

    fn end_other_sessions(
        &self,
        subject: &SubjectId,
    ) -> impl core::future::Future<Output = Result<u64, H::Error>> + Send {
        self.0.end_other_sessions(subject.as_bytes())
    }
}

pub(crate) async fn start<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    jar: PrivateCookieJar,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let span = tracing::info_span!("passkey.register", correlation_id = %correlation_id());
    async move {
        let shared = &st.app.shared;
        let now = shared.now();
        let result = async {
            let held: HeldGrant = shared.cookies.get(&jar, "grant", now).ok_or_else(ApiError::no_pending_ceremony)?;
            let handle = b64::decode(&held.s).map_err(|_| ApiError::no_pending_ceremony())?;
            let token = GrantToken::parse(&held.t).map_err(|e| ApiError::from(&e))?;
            let account = shared.accounts.find_by_handle(&handle).await.map_err(accounts_failed)?;
            let account = account.ok_or_else(ApiError::unknown_account)?;
            // Checked here, consumed when the new passkey is ready: a cancelled browser prompt
            // leaves the grant for another try.
            let subject = SubjectId::new(handle.clone());
            let checked = st.recovery.recovery().check_grant(&subject, &token, Scope::RegisterPasskey, now).await;
            recovery_outcome("recovery.check", checked)?;
            let user = User { id: handle, name: account.username, display_name: account.display_name };
            let started = shared.ceremonies.start_registration(&user, &RegistrationChoices::default()).await;
            let (state_id, options) = outcome("register.start", started)?;
            Ok::<_, ApiError>((state_id, held.s, options))
        }
        .await;
        match result {
            Ok((state_id, handle, options)) => {
                let jar = shared.cookies.start(jar, &state_id, Purpose::Recovered { handle }, now);
                (jar, Json(json!({ "options": options }))).into_response()
            }
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}

pub(crate) async fn finish<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    jar: PrivateCookieJar,
    RawJson(body): RawJson,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let span = tracing::info_span!("passkey.register", correlation_id = %correlation_id());
    async move {
        let shared = &st.app.shared;
        let now = shared.now();
        let pending = shared.cookies.pending(&jar, now);
        let held: Option<HeldGrant> = shared.cookies.get(&jar, "grant", now);
        let mut jar = shared.cookies.finish(jar);
        let mut consumed = false;
        let result = async {
            let pending = pending.ok_or_else(ApiError::no_pending_ceremony)?;
            let state_id = pending.state_id();
            let Purpose::Recovered { handle } = pending.purpose else {
                return Err(ApiError::no_pending_ceremony());
            };
            // The grant this browser holds, for the account the ceremony was started for.
            let held = held.filter(|h| h.s == handle).ok_or_else(ApiError::no_pending_ceremony)?;
            let token = GrantToken::parse(&held.t).map_err(|e| ApiError::from(&e))?;
            let subject = SubjectId::new(b64::decode(&handle).map_err(|_| ApiError::no_pending_ceremony())?);
            let recovery = st.recovery.recovery();
            let authorized = recovery.authorize_registration(&subject, AccountState::Exists, Some(&token), now).await;
            let permit = recovery_outcome("recovery.authorize", authorized)?;
            consumed = true;
            let finished =
                shared.ceremonies.finish_registration(&state_id, &body, &RegistrationDetails::default()).await;
            let record = outcome("register.finish", finished)?;
            let after = recovery.finish_registration(&permit, record.id(), &Sessions(&*st.host), now).await;
            let after = recovery_outcome("recovery.scopes", after)?;
            if let Some(account) =
                shared.accounts.find_by_handle(record.user_handle()).await.map_err(accounts_failed)?
            {
                st.host.notify(&account, &after.notices).await.map_err(host_failed)?;
            }
            Ok((record, after))
        }
        .await;
        if consumed {
            jar = shared.cookies.drop(jar, "grant");
        }
        if let Ok((record, _)) = &result {
            jar = shared.cookies.sign_in(jar, record.user_handle(), now);
        }
        respond(
            jar,
            result.map(|(record, after)| {
                Json(json!({
                    "ok": true,
                    "credential_id": b64::encode(record.id()),
                    "revoked_credentials": after.revoked_credentials,
                    "ended_sessions": after.ended_sessions,
                    "cooldown_until": after.cooldown_until.map(|t| t.as_secs()),
                }))
                .into_response()
            }),
        )
    }
    .instrument(span)
    .await
}
