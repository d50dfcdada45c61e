//! The endpoint handlers: one file per concern, each handler a short sequence of checks
//! that ends in a JSON body or an [`ApiError`](crate::ApiError).

pub(crate) mod account;
pub(crate) mod login;
pub(crate) mod register;

use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use passkey_verifier::audit::CorrelationId;
use passkey_verifier::CeremonyError;

use crate::error::ApiError;
use crate::Shared;

/// The longest username accepted, in characters.
pub(crate) const MAX_USERNAME_CHARS: usize = 64;

/// A username as typed: trimmed, 1 to 64 characters, no control characters.
pub(crate) fn username(raw: Option<&str>) -> Result<String, ApiError> {
    let name = raw.map(str::trim).unwrap_or_default();
    let count = name.chars().count();
    if count == 0 || count > MAX_USERNAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_username());
    }
    Ok(name.to_owned())
}

/// Answers `result` with `jar`'s cookies either way.
pub(crate) fn respond(jar: PrivateCookieJar, result: Result<Response, ApiError>) -> Response {
    match result {
        Ok(body) => (jar, body).into_response(),
        Err(e) => (jar, e).into_response(),
    }
}

/// A fresh correlation ID for a ceremony's span.
pub(crate) fn correlation_id() -> CorrelationId {
    CorrelationId::random(&mut rand_core::UnwrapErr(getrandom::SysRng))
}

/// Logs how a ceremony ended (category only) and turns a failure into its API error.
pub(crate) fn outcome<T>(step: &'static str, result: Result<T, CeremonyError>) -> Result<T, ApiError> {
    match result {
        Ok(value) => {
            tracing::info!(step, outcome = "success", "passkey ceremony step");
            Ok(value)
        }
        Err(e) => {
            let error = ApiError::from(&e);
            tracing::warn!(
                step,
                outcome = "failure",
                category = e.category().as_str(),
                code = error.code(),
                "passkey ceremony step"
            );
            Err(error)
        }
    }
}

/// A store failure of the host's accounts: logged by type only (its text may hold input),
/// answered 503.
pub(crate) fn accounts_failed<E: std::error::Error>(_: E) -> ApiError {
    tracing::error!(error_type = core::any::type_name::<E>(), "accounts store failed");
    ApiError::storage()
}

/// Counts a ceremony start against the client's window.
pub(crate) fn rate_limit<C, K, A>(shared: &Shared<C, K, A>, client: Option<std::net::IpAddr>) -> Result<(), ApiError> {
    shared.limiter.check(client, shared.now().as_secs()).map_err(|retry| {
        tracing::warn!(outcome = "rate_limited", "passkey ceremony start refused");
        ApiError::rate_limited(retry)
    })
}
