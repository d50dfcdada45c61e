//! The store of passkeyless recoveries (two channels, a waiting period, cancellation) and of
//! post-recovery cool-downs.
//!
//! A pending recovery is one record rewritten by compare-and-swap on its `version`; the
//! `cancelled` flag is a column of its own so that a cancel (by token, or by every sign-in
//! of the subject) is one `UPDATE` that every later swap sees. SQL:
//!
//! * **swap**: `UPDATE ... SET body = $3, version = $2 + 1 WHERE handle_hash = $1 AND version = $2
//!   AND NOT cancelled`;
//! * **redeem**: the same swap and the grant's `INSERT` in one transaction;
//! * **cancel**: `UPDATE ... SET cancelled = TRUE WHERE cancel_hash = $1 AND NOT cancelled`
//!   (or `WHERE subject = $1`).

use core::future::Future;

use serde::{Deserialize, Serialize};

use crate::policy::{Channel, Scope};
use crate::store::GrantRecord;
use crate::token::{SubjectId, TokenHash};
use passkey_verifier::audit::CorrelationId;
use passkey_verifier::UnixTime;

/// One channel of a passkeyless recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    /// The channel.
    pub channel: Channel,
    /// The hash of the secret delivered over it.
    pub secret_hash: TokenHash,
    /// Whether it was confirmed.
    pub confirmed: bool,
}

/// Where a passkeyless recovery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PendingState {
    /// Waiting for both channels to be confirmed.
    Confirming,
    /// Both confirmed; grants from `ready_at`.
    Waiting,
    /// A grant was issued.
    Redeemed,
}

/// A passkeyless recovery as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRecord {
    /// SHA-256 of the recovery handle (the key).
    pub handle_hash: TokenHash,
    /// SHA-256 of the cancel token.
    pub cancel_hash: TokenHash,
    /// The account (random for a decoy).
    pub subject: SubjectId,
    /// The correlation ID.
    pub correlation_id: CorrelationId,
    /// The two channels.
    pub factors: Vec<Factor>,
    /// Wrong secrets still allowed.
    pub attempts_left: u32,
    /// What the grant will allow.
    pub scopes: Vec<Scope>,
    /// The state.
    pub state: PendingState,
    /// When it was started.
    pub created_at: UnixTime,
    /// When the channels must be confirmed by.
    pub confirm_by: UnixTime,
    /// When the waiting period ends (set when both channels are confirmed).
    pub ready_at: Option<UnixTime>,
    /// When it expires.
    pub expires_at: UnixTime,
    /// The compare-and-swap version (0 when inserted).
    pub version: u64,
    /// Whether it was cancelled (by its cancel token or a sign-in of the subject).
    pub cancelled: bool,
}

/// Keeps passkeyless recoveries and cool-downs. Any error fails the operation closed.
pub trait PendingStore: Send + Sync {
    /// The store's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Stores a new pending recovery (version 0, not cancelled).
    fn insert_pending(&self, record: PendingRecord) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The pending recovery whose handle hashes to `hash`.
    fn find_pending(&self, hash: &TokenHash)
        -> impl Future<Output = Result<Option<PendingRecord>, Self::Error>> + Send;

    /// Replaces the record with `record` (whose `version` must be `expected + 1`) if the
    /// stored version is `expected` and it is not cancelled, atomically; `true` if replaced.
    fn swap_pending(
        &self,
        record: PendingRecord,
        expected: u64,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// [`swap_pending`](Self::swap_pending) and storing `grant`, as one atomic step (both or
    /// neither); `true` if done.
    fn redeem_pending(
        &self,
        record: PendingRecord,
        expected: u64,
        grant: GrantRecord,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Cancels the pending recovery whose cancel token hashes to `hash`; `true` if this call
    /// cancelled it.
    fn cancel_pending(&self, cancel_hash: &TokenHash) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Cancels every pending recovery of `subject`; returns how many this call cancelled.
    fn cancel_pending_for(&self, subject: &SubjectId) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// Records that high-risk operations of `subject` are refused until `until` (a later
    /// value replaces an earlier one, never the other way round).
    fn set_cooldown(
        &self,
        subject: &SubjectId,
        until: UnixTime,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Until when `subject` cools down, if a cool-down was recorded.
    fn cooldown_until(&self, subject: &SubjectId)
        -> impl Future<Output = Result<Option<UnixTime>, Self::Error>> + Send;
}

impl<T: PendingStore + ?Sized> PendingStore for std::sync::Arc<T> {
    type Error = T::Error;

    fn insert_pending(&self, record: PendingRecord) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).insert_pending(record)
    }
    fn find_pending(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<PendingRecord>, Self::Error>> + Send {
        (**self).find_pending(hash)
    }
    fn swap_pending(
        &self,
        record: PendingRecord,
        expected: u64,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        (**self).swap_pending(record, expected)
    }
    fn redeem_pending(
        &self,
        record: PendingRecord,
        expected: u64,
        grant: GrantRecord,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        (**self).redeem_pending(record, expected, grant)
    }
    fn cancel_pending(&self, cancel_hash: &TokenHash) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        (**self).cancel_pending(cancel_hash)
    }
    fn cancel_pending_for(&self, subject: &SubjectId) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        (**self).cancel_pending_for(subject)
    }
    fn set_cooldown(
        &self,
        subject: &SubjectId,
        until: UnixTime,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).set_cooldown(subject, until)
    }
    fn cooldown_until(
        &self,
        subject: &SubjectId,
    ) -> impl Future<Output = Result<Option<UnixTime>, Self::Error>> + Send {
        (**self).cooldown_until(subject)
    }
}
