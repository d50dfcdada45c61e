//! WebAuthn Level 3 §7.1 (registration) and §7.2 (authentication) as ordered steps.
//!
//! Each check is a named function returning `Result<(), Error>`; the ceremony functions call
//! them in the specification's order, so the first failing check is the one reported.

mod authentication;
mod credential;
mod registration;

pub use authentication::{verify_authentication, CounterOutcome, VerifiedAuthentication};
pub use credential::{BackupEligibility, CredentialUpdate, StoredCredential};
pub use registration::{verify_registration, VerifiedRegistration};

use crate::challenge::{Challenge, UnixTime, UserVerification};
use crate::error::{Error, ErrorKind, Result};
use crate::rp::RelyingParty;
use crate::wire::auth_data::AuthenticatorData;
use crate::wire::client_data::ClientData;

/// The ceremony state must not have expired (checked before anything else).
fn check_not_expired(expires_at: UnixTime, now: UnixTime) -> Result<()> {
    if now < expires_at {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::CeremonyExpired, ""))
    }
}

/// §7.1 step 7 / §7.2 step 11: `C.type`.
fn check_type(client_data: &ClientData<'_>, expected: &'static str) -> Result<()> {
    if client_data.ty() == expected {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::ClientDataType, expected))
    }
}

/// §7.1 step 8 / §7.2 step 12: `C.challenge` (constant-time comparison of the bytes).
fn check_challenge(client_data: &ClientData<'_>, challenge: &Challenge) -> Result<()> {
    if challenge.matches(client_data.challenge()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Challenge, ""))
    }
}

/// §7.1 step 9 / §7.2 step 13: `C.origin` is one of the configured origins, exactly.
fn check_origin(rp: &RelyingParty, client_data: &ClientData<'_>) -> Result<()> {
    if rp.allows_origin(client_data.origin()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Origin, ""))
    }
}

/// §7.1 step 10 / §7.2 step 14: `C.topOrigin` and `C.crossOrigin`.
///
/// A `topOrigin` passes only together with `crossOrigin: true` (a browser sets both for an
/// embedded ceremony) and when configured as a top origin; `crossOrigin: true` without a
/// `topOrigin` passes only when some top origin is configured.
fn check_top_origin(rp: &RelyingParty, client_data: &ClientData<'_>) -> Result<()> {
    let allowed = match (client_data.top_origin(), client_data.cross_origin()) {
        (Some(top), Some(true)) => rp.allows_top_origin(top),
        (Some(_), _) => false,
        (None, Some(true)) => rp.allows_cross_origin(),
        (None, _) => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::TopOrigin, ""))
    }
}

/// §7.1 step 13 / §7.2 step 15: rpIdHash is SHA-256 of the RP ID or, for a sign-in whose
/// client used the requested `appid` extension, of that AppID (`appid_hash`).
fn check_rp_id_hash(rp: &RelyingParty, rp_id_hash: &[u8; 32], appid_hash: Option<[u8; 32]>) -> Result<()> {
    let expected = appid_hash.as_ref().unwrap_or(rp.id_hash());
    if rp_id_hash == expected {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::RpIdHash, ""))
    }
}

/// §7.1 step 14 / §7.2 step 16: the UP flag.
fn check_user_present(auth_data: &AuthenticatorData<'_>) -> Result<()> {
    if auth_data.flags().user_present() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::UserPresence, ""))
    }
}

/// §7.1 step 15 / §7.2 step 17: the UV flag when verification is required.
fn check_user_verified(auth_data: &AuthenticatorData<'_>, required: bool) -> Result<()> {
    if !required || auth_data.flags().user_verified() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::UserVerification, ""))
    }
}

fn uv_required(requirement: UserVerification) -> bool {
    requirement == UserVerification::Required
}
