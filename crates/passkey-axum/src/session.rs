//! Encrypted, authenticated cookies (`axum-extra`'s private cookie jar: AES-256-GCM under the
//! host's key): the signed-in session, and the pending ceremony bound to the browser that
//! started it. Both are `HttpOnly`, `SameSite`, `Path=/`, and `Secure` unless configured off
//! for plain-HTTP development.

use axum_extra::extract::cookie::{Cookie, PrivateCookieJar, SameSite};
use passkey_verifier::hazmat::b64;
use passkey_verifier::{StateId, UnixTime};
use serde::{Deserialize, Serialize};

/// What a session cookie holds: whose it is and until when.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Session {
    /// base64url user handle.
    pub h: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

/// Why a registration was started: its outcome depends on it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Purpose {
    /// A new account named `username`, created when the registration succeeds.
    SignUp { username: String, display_name: String },
    /// Another passkey for the signed-in account (base64url user handle).
    AddPasskey { handle: String },
    /// A sign-in.
    SignIn,
    /// A passkey for an existing account (base64url user handle) with the grant this browser
    /// holds from a recovery or onboarding: the grant is consumed when the registration
    /// finishes, then its scopes run.
    #[cfg(feature = "recovery")]
    Recovered { handle: String },
}

/// The ceremony a browser started: its state ID (the state itself is server-side).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub state: String,
    pub purpose: Purpose,
    pub exp: u64,
}

impl Pending {
    pub fn state_id(&self) -> StateId {
        StateId::new(self.state.clone())
    }
}

/// A value kept in a cookie until `exp` (Unix seconds).
#[cfg(feature = "recovery")]
#[derive(Serialize, Deserialize)]
struct Kept<T> {
    v: T,
    exp: u64,
}

/// Cookie names and attributes.
#[derive(Debug, Clone)]
pub(crate) struct Cookies {
    pub secure: bool,
    pub session_ttl_secs: u64,
    pub ceremony_ttl_secs: u64,
}

impl Cookies {
    /// `__Host-` names need `Secure`; plain-HTTP development gets plain names.
    fn name(&self, base: &'static str) -> &'static str {
        match (self.secure, base) {
            (true, "session") => "__Host-passkey-session",
            (true, "recovery") => "__Host-passkey-recovery",
            (true, "grant") => "__Host-passkey-grant",
            (true, "device") => "__Host-passkey-device",
            (true, _) => "__Host-passkey-ceremony",
            (false, "session") => "passkey-session",
            (false, "recovery") => "passkey-recovery",
            (false, "grant") => "passkey-grant",
            (false, "device") => "passkey-device",
            (false, _) => "passkey-ceremony",
        }
    }

    /// Keeps `value` in the cookie `base` (`"recovery"`, `"grant"` or `"device"`) until
    /// `now + ttl_secs`, for this site's requests only (`SameSite=Strict`).
    #[cfg(feature = "recovery")]
    pub fn put<T: Serialize>(
        &self,
        jar: PrivateCookieJar,
        base: &'static str,
        value: &T,
        ttl_secs: u64,
        now: UnixTime,
    ) -> PrivateCookieJar {
        let kept = Kept { v: value, exp: now.plus_secs(ttl_secs).as_secs() };
        let text = serde_json::to_string(&kept).unwrap_or_default();
        jar.add(self.build(self.name(base), text, ttl_secs, SameSite::Strict))
    }

    /// What [`Self::put`] kept in `base`, unless it expired.
    #[cfg(feature = "recovery")]
    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        jar: &PrivateCookieJar,
        base: &'static str,
        now: UnixTime,
    ) -> Option<T> {
        let cookie = jar.get(self.name(base))?;
        let kept: Kept<T> = serde_json::from_str(cookie.value()).ok()?;
        (now.as_secs() < kept.exp).then_some(kept.v)
    }

    /// Removes the cookie `base`.
    #[cfg(feature = "recovery")]
    pub fn drop(&self, jar: PrivateCookieJar, base: &'static str) -> PrivateCookieJar {
        jar.remove(self.build(self.name(base), String::new(), 0, SameSite::Strict))
    }

    fn build(&self, name: &'static str, value: String, max_age: u64, same_site: SameSite) -> Cookie<'static> {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
            .max_age(cookie_duration(max_age))
            .build()
    }

    pub fn session(&self, jar: &PrivateCookieJar, now: UnixTime) -> Option<Vec<u8>> {
        let cookie = jar.get(self.name("session"))?;
        let session: Session = serde_json::from_str(cookie.value()).ok()?;
        if now.as_secs() >= session.exp {
            return None;
        }
        b64::decode(&session.h).ok()
    }

    pub fn sign_in(&self, jar: PrivateCookieJar, handle: &[u8], now: UnixTime) -> PrivateCookieJar {
        let session = Session { h: b64::encode(handle), exp: now.plus_secs(self.session_ttl_secs).as_secs() };
        let value = serde_json::to_string(&session).unwrap_or_default();
        jar.add(self.build(self.name("session"), value, self.session_ttl_secs, SameSite::Lax))
    }

    pub fn sign_out(&self, jar: PrivateCookieJar) -> PrivateCookieJar {
        jar.remove(self.build(self.name("session"), String::new(), 0, SameSite::Lax))
    }

    pub fn pending(&self, jar: &PrivateCookieJar, now: UnixTime) -> Option<Pending> {
        let cookie = jar.get(self.name("ceremony"))?;
        let pending: Pending = serde_json::from_str(cookie.value()).ok()?;
        (now.as_secs() < pending.exp).then_some(pending)
    }

    pub fn start(&self, jar: PrivateCookieJar, state: &StateId, purpose: Purpose, now: UnixTime) -> PrivateCookieJar {
        let pending =
            Pending { state: state.as_str().to_owned(), purpose, exp: now.plus_secs(self.ceremony_ttl_secs).as_secs() };
        let value = serde_json::to_string(&pending).unwrap_or_default();
        jar.add(self.build(self.name("ceremony"), value, self.ceremony_ttl_secs, SameSite::Strict))
    }

    pub fn finish(&self, jar: PrivateCookieJar) -> PrivateCookieJar {
        jar.remove(self.build(self.name("ceremony"), String::new(), 0, SameSite::Strict))
    }
}

fn cookie_duration(secs: u64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX))
}
