//! Request extractors that answer every refusal in the API's JSON error form, and the
//! `Origin` check on state-changing requests.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use passkey_verifier::RelyingParty;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of shape `T`; refusals are [`ApiError`]s (415, 413, 400).
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let RawJson(bytes) = RawJson::from_request(req, state).await?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|_| ApiError::malformed_request())
    }
}

/// The raw bytes of an `application/json` body (a `PublicKeyCredential.toJSON()` the core
/// parses itself).
pub(crate) struct RawJson(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::body_too_large()),
            Err(_) => Err(ApiError::malformed_request()),
        }
    }
}

/// The client's address, when the server was started with connect info.
pub(crate) struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = core::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// Refuses a state-changing request whose `Origin` is missing or not one of the relying
/// party's origins (cross-site request forgery). Safe methods pass.
pub(crate) async fn check_origin(rp: std::sync::Arc<RelyingParty>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let allowed =
        safe || req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).is_some_and(|o| rp.allows_origin(o));
    if allowed {
        next.run(req).await
    } else {
        ApiError::origin_not_allowed().into_response()
    }
}
