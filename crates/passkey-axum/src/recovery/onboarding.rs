//! `/api/onboarding/*`: a new device joins an account. It keeps a device secret (in its
//! cookie, never in the QR code) and shows a pairing code; an existing device looks the
//! request up by the pairing reference, shows who asks, and approves with a passkey whose
//! assertion commits to the code its user typed; the new device then collects the grant.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_recovery::{
    ApprovalDisplay, DeviceSecret, OnboardingRequest, PairingCode, PairingRef, RecoveryError, SubjectId,
};
use passkey_verifier::{ChallengeStore, CredentialStore};
use rand_core::{Rng as _, UnwrapErr};
use serde::Deserialize;
use serde_json::json;
use tracing::Instrument as _;

use super::error::outcome;
use super::{hold_grant, posted_credential, requester, HeldDevice, RecoveryHost, RecoveryService, RecoveryState};
use crate::accounts::Accounts;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddr};
use crate::handlers::{accounts_failed, correlation_id, rate_limit, username};

/// The body of `/api/onboarding/start`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBody {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    device_name: Option<String>,
}

/// The platform named by a `User-Agent`, coarsely (nothing that identifies the device).
fn platform(headers: &HeaderMap) -> &'static str {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("CrOS", "ChromeOS"), ("Windows", "Windows")]
        .into_iter()
        .chain([("Mac OS X", "macOS"), ("Linux", "Linux")])
        .find_map(|(needle, name)| agent.contains(needle).then_some(name))
        .unwrap_or("unknown")
}

fn bad(e: RecoveryError) -> ApiError {
    ApiError::from(&e)
}

pub(crate) async fn start<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    jar: PrivateCookieJar,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartBody>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let span = tracing::info_span!("passkey.onboarding", correlation_id = %correlation_id());
    async move {
        let shared = &st.app.shared;
        let now = shared.now();
        let result = async {
            rate_limit(shared, client)?;
            // A named account must approve with its own passkey. An unknown name claims a
            // random account: the same answer, and no passkey can ever approve it.
            let claimed = match body.username.as_deref() {
                Some(raw) => {
                    let name = username(Some(raw))?;
                    let account = shared.accounts.find_by_username(&name).await.map_err(accounts_failed)?;
                    Some(SubjectId::new(account.map_or_else(
                        || {
                            let mut decoy = vec![0u8; 16];
                            UnwrapErr(getrandom::SysRng).fill_bytes(&mut decoy);
                            decoy
                        },
                        |a| a.user_handle,
                    )))
                }
                None => None,
            };
            let device_name = body.device_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let display = ApprovalDisplay {
                device_name: device_name.unwrap_or("A new device").to_owned(),
                platform: platform(&headers).to_owned(),
                coarse_location: None,
                requested_at: now,
            };
            let request = OnboardingRequest::new(claimed, requester(&*st.recovery, client), display);
            let started =
                st.recovery.recovery().start_onboarding(&request, &mut UnwrapErr(getrandom::SysRng), now).await;
            outcome("onboarding.start", started)
        }
        .await;
        match result {
            Ok(started) => {
                let ttl = started.expires_at.as_secs().saturating_sub(now.as_secs());
                let held = HeldDevice { p: started.pairing.to_base64url(), d: started.device_secret.to_base64url() };
                let jar = shared.cookies.put(jar, "device", &held, ttl, now);
                let reply = json!({
                    "link": started.pairing.render_link(&st.config.link_base),
                    "code": started.pairing_code.as_str(),
                    "expires_in": ttl,
                });
                (jar, Json(reply)).into_response()
            }
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}

/// `?pairing=<ref>` of `/api/onboarding/screen`.
#[derive(Deserialize)]
pub(crate) struct PairingQuery {
    pairing: String,
}

pub(crate) async fn screen<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    Query(query): Query<PairingQuery>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let now = st.app.shared.now();
    let result = async {
        let pairing = PairingRef::parse(&query.pairing).map_err(bad)?;
        outcome("onboarding.screen", st.recovery.recovery().onboarding_screen(&pairing, now).await)
    }
    .await;
    match result {
        Ok(screen) => Json(json!({
            "device_name": screen.display.device_name,
            "platform": screen.display.platform,
            "location": screen.display.coarse_location,
            "requested_at": screen.display.requested_at.as_secs(),
            "offered": screen.offered,
            "expires_in": screen.expires_at.as_secs().saturating_sub(now.as_secs()),
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/onboarding/status`: whether the onboarding this device started was approved,
/// so that the device asks to redeem once (every redemption attempt is audited).
pub(crate) async fn status<C, K, A, R, H>(
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
    let now = st.app.shared.now();
    let result = async {
        let held: HeldDevice =
            st.app.shared.cookies.get(&jar, "device", now).ok_or_else(ApiError::no_pending_ceremony)?;
        let pairing = PairingRef::parse(&held.p).map_err(bad)?;
        outcome("onboarding.status", st.recovery.recovery().onboarding_screen(&pairing, now).await)
    }
    .await;
    match result {
        Ok(screen) => Json(json!({
            "approved": screen.approved,
            "expires_in": screen.expires_at.as_secs().saturating_sub(now.as_secs()),
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The body of `/api/onboarding/options` and `/approve`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveBody {
    pairing: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    credential: Option<Box<serde_json::value::RawValue>>,
}

pub(crate) async fn options<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let result = (|| {
        let pairing = PairingRef::parse(&body.pairing).map_err(bad)?;
        let code = PairingCode::parse(body.code.as_deref().unwrap_or_default().trim()).map_err(bad)?;
        Ok::<_, ApiError>(st.recovery.recovery().onboarding_assertion_options(&pairing, &code))
    })();
    match result {
        Ok(options) => Json(json!({ "options": options })).into_response(),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn approve<C, K, A, R, H>(
    State(st): State<RecoveryState<C, K, A, R, H>>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Response
where
    C: ChallengeStore,
    K: CredentialStore,
    A: Accounts,
    R: RecoveryService,
    H: RecoveryHost,
{
    let span = tracing::info_span!("passkey.onboarding", correlation_id = %correlation_id());
    async move {
        let result = async {
            let pairing = PairingRef::parse(&body.pairing).map_err(bad)?;
            let assertion = posted_credential(body.credential.as_deref())?;
            let approved = st.recovery.recovery().approve_onboarding(&pairing, assertion, st.app.shared.now()).await;
            outcome("onboarding.approve", approved)
        }
        .await;
        match result {
            Ok(_) => Json(json!({ "ok": true })).into_response(),
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}

pub(crate) async fn redeem<C, K, A, R, H>(
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
    let span = tracing::info_span!("passkey.onboarding", correlation_id = %correlation_id());
    async move {
        let now = st.app.shared.now();
        let result = async {
            let held: HeldDevice =
                st.app.shared.cookies.get(&jar, "device", now).ok_or_else(ApiError::no_pending_ceremony)?;
            let pairing = PairingRef::parse(&held.p).map_err(bad)?;
            let secret = DeviceSecret::parse(&held.d).map_err(bad)?;
            let redeemed = st
                .recovery
                .recovery()
                .redeem_onboarding(&pairing, &secret, &mut UnwrapErr(getrandom::SysRng), now)
                .await;
            outcome("onboarding.redeem", redeemed)
        }
        .await;
        match result {
            Ok(grant) => {
                let jar = st.app.shared.cookies.drop(jar, "device");
                let jar = hold_grant(&st.app, jar, &grant);
                (jar, Json(json!({ "ok": true }))).into_response()
            }
            Err(e) => e.into_response(),
        }
    }
    .instrument(span)
    .await
}
