//! Every failure as JSON: `{"error": {"code", "category", "message"}}` with a status by
//! category. Codes are stable and machine-readable; messages are static text, never input
//! data, identifiers or internals.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use passkey_verifier::{Category, CeremonyError, ErrorKind};

/// An API failure. Built from a [`CeremonyError`] or one of the integration's own refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    category: &'static str,
    message: &'static str,
    retry_after: Option<u64>,
    /// The argument of a Signal API call the page should make (`signalUnknownCredential`).
    signal: Option<serde_json::Value>,
}

impl ApiError {
    pub(crate) const fn new(
        status: StatusCode,
        code: &'static str,
        category: &'static str,
        message: &'static str,
    ) -> Self {
        Self { status, code, category, message, retry_after: None, signal: None }
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code (`"verification_failed"`, `"not_signed_in"`, ...).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// The category: a verification category of the core (`"origin"`, `"signature"`, ...) or
    /// `"request"`, `"authentication"`, `"conflict"`, `"rate_limit"`, `"storage"`.
    #[must_use]
    pub const fn category(&self) -> &'static str {
        self.category
    }

    /// A request body that is not JSON of the expected shape (400).
    pub(crate) const fn malformed_request() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_request", "request", "the request body is not the expected JSON")
    }

    /// A body over the limit (413).
    pub(crate) const fn body_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "request", "the request body is too large")
    }

    /// A body that is not `application/json` (415).
    pub(crate) const fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "request",
            "request bodies must be application/json",
        )
    }

    /// A state-changing request from another origin, or without one (403).
    pub(crate) const fn origin_not_allowed() -> Self {
        Self::new(StatusCode::FORBIDDEN, "origin_not_allowed", "request", "the request's Origin is not this site")
    }

    /// No such endpoint (404).
    pub(crate) const fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "request", "no such endpoint")
    }

    /// The endpoint does not take this method (405).
    pub(crate) const fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "request", "method not allowed")
    }

    /// A username that is empty, too long or not printable (400).
    pub(crate) const fn invalid_username() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_username", "request", "usernames are 1 to 64 printable characters")
    }

    /// No session (401).
    pub(crate) const fn not_signed_in() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "not_signed_in", "authentication", "sign in first")
    }

    /// Sign-in for a username nobody has (401).
    pub(crate) const fn unknown_account() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unknown_account", "authentication", "no account with this username")
    }

    /// A passkey for an existing account without a session of that account (403).
    pub(crate) const fn account_exists() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "account_exists",
            "authentication",
            "this username is taken; sign in to add a passkey to it",
        )
    }

    /// A credential of another account, or none (404).
    pub(crate) const fn credential_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "credential_not_found", "credential", "no such passkey on this account")
    }

    /// The account's last passkey (409).
    pub(crate) const fn last_credential() -> Self {
        Self::new(StatusCode::CONFLICT, "last_credential", "conflict", "the account's only passkey cannot be removed")
    }

    /// A sign-up that lost the race for the username (409).
    pub(crate) const fn username_taken() -> Self {
        Self::new(StatusCode::CONFLICT, "username_taken", "conflict", "this username was just taken")
    }

    /// No pending ceremony in this browser (400).
    pub(crate) const fn no_pending_ceremony() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "no_pending_ceremony",
            "challenge",
            "no ceremony was started in this browser",
        )
    }

    /// Too many starts from one client (429).
    pub(crate) const fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "rate_limit", "too many requests");
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// A refusal of the recovery endpoints (category `recovery`).
    #[cfg(feature = "recovery")]
    pub(crate) const fn recovery(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self::new(status, code, "recovery", message)
    }

    /// With a `Retry-After` of `secs`.
    #[cfg(feature = "recovery")]
    pub(crate) const fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// A store failed (503).
    pub(crate) const fn storage() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "storage",
            "storage is unavailable; try again",
        )
    }
}

impl From<&CeremonyError> for ApiError {
    fn from(e: &CeremonyError) -> Self {
        let Some(kind) = e.kind() else {
            return Self::storage();
        };
        let category = e.category().as_str();
        let (status, code, message) = match kind {
            ErrorKind::StateNotFound => {
                (StatusCode::BAD_REQUEST, "ceremony_not_found", "the ceremony is finished or unknown")
            }
            ErrorKind::CeremonyExpired => {
                (StatusCode::BAD_REQUEST, "ceremony_expired", "the ceremony expired; start again")
            }
            ErrorKind::CredentialExists => {
                (StatusCode::CONFLICT, "credential_exists", "this authenticator is registered already")
            }
            ErrorKind::CounterConflict => {
                (StatusCode::CONFLICT, "concurrent_sign_in", "a concurrent sign-in won; try again")
            }
            ErrorKind::CredentialNotFound => {
                (StatusCode::UNAUTHORIZED, "unknown_credential", "this passkey is not registered")
            }
            ErrorKind::UserHandle | ErrorKind::CredentialNotAllowed => {
                (StatusCode::UNAUTHORIZED, "wrong_account", "this passkey belongs to another account")
            }
            ErrorKind::Config => (StatusCode::BAD_REQUEST, "invalid_request", "the request cannot start a ceremony"),
            _ if e.category() == Category::Malformed => {
                (StatusCode::BAD_REQUEST, "malformed_credential", "the credential does not parse")
            }
            _ => (StatusCode::BAD_REQUEST, "verification_failed", "the passkey response failed verification"),
        };
        let mut error = Self::new(status, code, category, message);
        // Tell the page to have the authenticator forget a credential the server does not know.
        error.signal = e.unknown_credential().and_then(|s| serde_json::to_value(s).ok());
        error
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Every refusal is traced, by code and category only.
        tracing::warn!(
            status = self.status.as_u16(),
            code = self.code,
            category = self.category,
            "passkey request refused"
        );
        let mut error = serde_json::Map::new();
        error.insert("code".into(), self.code.into());
        error.insert("category".into(), self.category.into());
        error.insert("message".into(), self.message.into());
        if let Some(signal) = self.signal {
            error.insert("signal".into(), signal);
        }
        let body = serde_json::json!({ "error": error });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
