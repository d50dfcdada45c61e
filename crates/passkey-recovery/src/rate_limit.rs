//! Storage-backed rate limits: fixed windows counted atomically per key.
//!
//! A shared database implements [`RateLimitStore::hit`] as one atomic increment per key and
//! window. PostgreSQL: `INSERT INTO rate (key, window_start, count) VALUES ($1, $2, 1) ON
//! CONFLICT (key, window_start) DO UPDATE SET count = rate.count + 1 RETURNING count`.
//! Redis: `INCR key:window_start` then `EXPIREAT` at the window's end (in a `MULTI`).

use core::future::Future;

use serde::{Deserialize, Serialize};

use crate::policy::RateLimit;
use crate::RecoveryError;
use passkey_verifier::hazmat::crypto;
use passkey_verifier::UnixTime;

const SUBJECT_DOMAIN: &[u8] = b"passkey-verifier/rate/identifier/v1\0";
const REQUESTER_DOMAIN: &[u8] = b"passkey-verifier/rate/requester/v1\0";
const FAILURE_DOMAIN: &[u8] = b"passkey-verifier/rate/failures/v1\0";

/// The key of a rate-limit bucket: SHA-256 of a domain string and the host's key, so that
/// the store never holds a raw identifier or address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RateKey([u8; 32]);

impl RateKey {
    /// The bucket of an identifier (the lookup key of a recovery request).
    #[must_use]
    pub fn identifier(key: &[u8]) -> Self {
        Self(crypto::sha256_concat(&[SUBJECT_DOMAIN, key]))
    }

    /// The bucket of one requester's proofs against one recovery (the backoff of item 6:
    /// failures here never touch another requester's bucket).
    #[must_use]
    pub fn failures(requester: &[u8], recovery: &[u8]) -> Self {
        Self(crypto::sha256_concat(&[FAILURE_DOMAIN, requester, recovery]))
    }

    /// The bucket of a requester (for example a keyed hash of the client's IP address).
    #[must_use]
    pub fn requester(key: &[u8]) -> Self {
        Self(crypto::sha256_concat(&[REQUESTER_DOMAIN, key]))
    }

    /// Wraps a key read back from storage.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key bytes (a storage key).
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for RateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RateKey(<redacted>)")
    }
}

/// The count of a bucket after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Events counted in the current window, this one included.
    pub count: u32,
    /// When the current window ends.
    pub resets_at: UnixTime,
}

/// Counts events per key in fixed windows.
pub trait RateLimitStore: Send + Sync {
    /// The store's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Counts one event for `key` in the window of `window_secs` containing `now` (windows
    /// start at multiples of `window_secs` since the epoch), atomically: of `n` concurrent
    /// hits each sees a distinct count. Returns the count including this event.
    fn hit(
        &self,
        key: &RateKey,
        window_secs: u64,
        now: UnixTime,
    ) -> impl Future<Output = Result<WindowCount, Self::Error>> + Send;
}

impl<T: RateLimitStore + ?Sized> RateLimitStore for std::sync::Arc<T> {
    type Error = T::Error;

    fn hit(
        &self,
        key: &RateKey,
        window_secs: u64,
        now: UnixTime,
    ) -> impl Future<Output = Result<WindowCount, Self::Error>> + Send {
        (**self).hit(key, window_secs, now)
    }
}

/// The start of the window of `window_secs` containing `now`.
pub(crate) const fn window_start(window_secs: u64, now: UnixTime) -> u64 {
    let secs = now.as_secs();
    match secs.checked_rem(window_secs) {
        Some(offset) => secs - offset,
        None => secs,
    }
}

/// Counts an event against `limit`; refuses it when the window's count exceeds the limit.
pub(crate) async fn check<L: RateLimitStore>(
    store: &L,
    key: &RateKey,
    limit: RateLimit,
    now: UnixTime,
) -> Result<(), RecoveryError> {
    let count = store.hit(key, limit.window_secs, now).await.map_err(RecoveryError::storage)?;
    if count.count > limit.max {
        let retry_after_secs = count.resets_at.as_secs().saturating_sub(now.as_secs()).max(1);
        return Err(RecoveryError::RateLimited { retry_after_secs });
    }
    Ok(())
}
