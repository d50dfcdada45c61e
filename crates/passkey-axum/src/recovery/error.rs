//! Recovery refusals as API errors: the crate's stable label as the code, a status by what
//! the client can do about it, and static text.

use axum::http::StatusCode;
use passkey_recovery::RecoveryError;

use crate::ApiError;

impl From<&RecoveryError> for ApiError {
    fn from(e: &RecoveryError) -> Self {
        let code = e.label();
        let refuse = |status, message| ApiError::recovery(status, code, message);
        match e {
            RecoveryError::RateLimited { retry_after_secs } => ApiError::rate_limited(*retry_after_secs),
            RecoveryError::Storage(_) | RecoveryError::AuditUnavailable => ApiError::storage(),
            RecoveryError::Verification(inner) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "verification_failed",
                inner.category().as_str(),
                "the passkey response failed verification",
            ),
            RecoveryError::NotApproved => refuse(StatusCode::CONFLICT, "the other device has not approved yet"),
            RecoveryError::NotReady { retry_after_secs } => {
                refuse(StatusCode::CONFLICT, "the waiting period is not over").retry_after(*retry_after_secs)
            }
            RecoveryError::CoolingDown { retry_after_secs } => {
                refuse(StatusCode::FORBIDDEN, "not allowed so soon after a recovery").retry_after(*retry_after_secs)
            }
            RecoveryError::ManualReview { .. } => {
                refuse(StatusCode::FORBIDDEN, "this recovery needs a review by support")
            }
            RecoveryError::ChannelExcluded => refuse(StatusCode::FORBIDDEN, "this channel cannot recover the account"),
            RecoveryError::WrongSubject => refuse(StatusCode::FORBIDDEN, "this passkey belongs to another account"),
            RecoveryError::DeviceMismatch => refuse(StatusCode::FORBIDDEN, "not the device that asked to join"),
            RecoveryError::GrantRequired => refuse(StatusCode::FORBIDDEN, "recover the account first"),
            RecoveryError::PasskeyRequired => refuse(StatusCode::FORBIDDEN, "confirm with a passkey"),
            RecoveryError::ScopeNotGranted => refuse(StatusCode::FORBIDDEN, "the grant does not allow this"),
            RecoveryError::Replayed => refuse(StatusCode::BAD_REQUEST, "this was used already"),
            RecoveryError::Expired => refuse(StatusCode::BAD_REQUEST, "this expired; start again"),
            RecoveryError::AttemptsExhausted => refuse(StatusCode::BAD_REQUEST, "too many wrong codes; start again"),
            RecoveryError::Cancelled => refuse(StatusCode::BAD_REQUEST, "this recovery was cancelled"),
            RecoveryError::UnknownToken | RecoveryError::MalformedToken => {
                refuse(StatusCode::BAD_REQUEST, "unknown or wrong code")
            }
            _ => refuse(StatusCode::BAD_REQUEST, "the request cannot be served"),
        }
    }
}

/// Logs how a recovery step ended (label only) and turns a failure into its API error.
pub(crate) fn outcome<T>(step: &'static str, result: Result<T, RecoveryError>) -> Result<T, ApiError> {
    match result {
        Ok(value) => {
            tracing::info!(step, outcome = "success", "recovery step");
            Ok(value)
        }
        Err(e) => {
            let error = ApiError::from(&e);
            tracing::warn!(step, outcome = "failure", reason = e.label(), code = error.code(), "recovery step");
            Err(error)
        }
    }
}
