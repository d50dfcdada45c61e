//! `POST /api/recovery/register/start` and `/finish`: a passkey for an existing account, with
//! the grant a recovery or onboarding left in this browser. The start consumes the grant
//! (its permit travels in the ceremony cookie); a verified registration runs the grant's
//! scopes, tells the account's channels, and signs the browser in.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_recovery::{AccountState, GrantToken, SessionHook, SubjectId};
use passkey_verifier::hazmat::b64;
use passkey_verifier::{ChallengeStore, CredentialStore, RegistrationChoices, RegistrationDetails};
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
            let subject = SubjectId::new(handle);
            let authorized =
                st.recovery.recovery().authorize_registration(&subject, AccountState::Exists, Some(&token), now).await;
            let permit = recovery_outcome("recovery.authorize", authorized)?;
            let user = permit.user(account.username, account.display_name);
            let started = shared.ceremonies.start_registration(&user, &RegistrationChoices::default()).await;
            let (state_id, options) = outcome("register.start", started)?;
            Ok::<_, ApiError>((state_id, permit, options))
        }
        .await;
        match result {
            Ok((state_id, permit, options)) => {
                let jar = shared.cookies.drop(jar, "grant");
                let jar = shared.cookies.start(jar, &state_id, Purpose::Recovered { permit }, now);
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
        let mut jar = shared.cookies.finish(jar);
        let result = async {
            let pending = pending.ok_or_else(ApiError::no_pending_ceremony)?;
            let state_id = pending.state_id();
            let Purpose::Recovered { permit } = pending.purpose else {
                return Err(ApiError::no_pending_ceremony());
            };
            let finished =
                shared.ceremonies.finish_registration(&state_id, &body, &RegistrationDetails::default()).await;
            let record = outcome("register.finish", finished)?;
            let recovery = st.recovery.recovery();
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
