//! The recovery store: recovery challenges, grants and onboardings, keyed by the SHA-256 of
//! their secret.
//!
//! What must be atomic, and how a shared database does it (PostgreSQL):
//!
//! * **decrement attempts**: `UPDATE recovery SET attempts_left = attempts_left - 1 WHERE
//!   token_hash = $1 AND attempts_left > 0 AND NOT consumed RETURNING attempts_left`, so that
//!   concurrent failures never spend more than the budget nor drive it below zero;
//! * **redeem exactly once, with its grant**: in one transaction, `UPDATE recovery SET
//!   consumed = true WHERE token_hash = $1 AND NOT consumed AND attempts_left > 0`, and only
//!   if that changed a row, `INSERT` the grant; zero rows: roll back and read the row to
//!   report already consumed, exhausted or unknown. A crash between the two steps must leave
//!   neither (a token consumed without its grant would strand the user). Keep the consumed
//!   row (a tombstone) until it expires, so that a replay is reported as such;
//! * **consume exactly once**: grants, `UPDATE ... SET consumed = true WHERE ... AND NOT
//!   consumed`; an onboarding like a challenge, with its grant in one transaction, and only
//!   once approved (`AND approved_by IS NOT NULL`);
//! * **approve once**: `UPDATE onboarding SET approved_by = $2 WHERE nonce_hash = $1 AND
//!   approved_by IS NULL`.
//!
//! Expired rows may be deleted at any time after their expiry.

use core::future::Future;

use serde::{Deserialize, Serialize};

use crate::policy::{Channel, Redemption, Scope};
use crate::token::{SubjectId, TokenHash};
use passkey_verifier::audit::CorrelationId;
use passkey_verifier::UnixTime;

/// A recovery challenge as stored: never the handle or the delivered secret, only hashes.
/// For an unknown account the same record is stored with a random subject and a secret hash
/// nothing matches (a decoy): the same store work, nothing redeemable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRecord {
    /// SHA-256 of the recovery handle (the key).
    pub handle_hash: TokenHash,
    /// [`DeliveredSecret::hash_for`](crate::DeliveredSecret::hash_for) of the delivered secret.
    pub secret_hash: TokenHash,
    /// The account being recovered.
    pub subject: SubjectId,
    /// The correlation ID of this recovery.
    pub correlation_id: CorrelationId,
    /// The delivery channel.
    pub channel: Channel,
    /// What redemption requires.
    pub redemption: Redemption,
    /// What the grant will allow.
    pub scopes: Vec<Scope>,
    /// Wrong secrets still allowed.
    pub attempts_left: u32,
    /// When the token expires.
    pub expires_at: UnixTime,
    /// Whether it was redeemed (a tombstone until expiry).
    pub consumed: bool,
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// SHA-256 of the grant token (the key).
    pub grant_hash: TokenHash,
    /// The account the grant is for.
    pub subject: SubjectId,
    /// The correlation ID of the recovery that issued it.
    pub correlation_id: CorrelationId,
    /// The recovery's channel (`None` for an onboarding or a passkeyless recovery).
    pub channel: Option<Channel>,
    /// What it allows.
    pub scopes: Vec<Scope>,
    /// When it expires.
    pub expires_at: UnixTime,
    /// Whether it was consumed (a tombstone until expiry).
    pub consumed: bool,
}

/// What the approving device shows before its user approves an onboarding: host-supplied,
/// bounded text about the new device, and when it asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDisplay {
    /// The new device's name as it reported it (at most 64 characters).
    pub device_name: String,
    /// Its platform (at most 32 characters).
    pub platform: String,
    /// A coarse location from the requester's network (city or region, at most 64 characters).
    pub coarse_location: Option<String>,
    /// When the request was made.
    pub requested_at: UnixTime,
}

impl ApprovalDisplay {
    /// Checks the bounds: lengths in characters, no control characters.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::InvalidRequest`](crate::RecoveryError::InvalidRequest).
    pub fn validate(&self) -> Result<(), crate::RecoveryError> {
        let ok = |s: &str, max: usize| s.chars().count() <= max && !s.chars().any(char::is_control);
        if !ok(&self.device_name, 64)
            || !ok(&self.platform, 32)
            || !self.coarse_location.as_deref().is_none_or(|l| ok(l, 64))
        {
            return Err(crate::RecoveryError::InvalidRequest(
                "approval display text too long or with control characters",
            ));
        }
        Ok(())
    }
}

/// An onboarding as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingRecord {
    /// SHA-256 of the pairing reference (the key).
    pub pairing_hash: TokenHash,
    /// SHA-256 of the new device's secret: redemption requires the secret.
    pub device_secret_hash: TokenHash,
    /// The challenge the approving assertion must answer
    /// ([`onboarding_challenge`](crate::onboarding_challenge) of the reference and pairing code).
    pub approval_challenge: TokenHash,
    /// What the approving device shows.
    pub display: ApprovalDisplay,
    /// Whether an existing device of `claimed` offered it (the existing-device-initiated variant).
    pub offered: bool,
    /// The correlation ID of this onboarding.
    pub correlation_id: CorrelationId,
    /// The account the new device claims, if it named one.
    pub claimed: Option<SubjectId>,
    /// The account whose device approved it.
    pub approved_by: Option<SubjectId>,
    /// When it expires.
    pub expires_at: UnixTime,
    /// Whether the new device redeemed it (a tombstone until expiry).
    pub consumed: bool,
}

/// The result of [`RecoveryStore::decrement_attempts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// One attempt was spent; this many are left.
    Decremented(u32),
    /// Nothing was spent: no attempts were left, or the token was consumed.
    Unchanged,
    /// No such record.
    NotFound,
}

/// The result of a consume-once operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOutcome {
    /// This call consumed it.
    Consumed,
    /// It was consumed before.
    AlreadyConsumed,
    /// It exists but may not be consumed: a challenge without attempts left, an onboarding
    /// not approved.
    Unavailable,
    /// No such record.
    NotFound,
}

/// The result of [`RecoveryStore::approve_onboarding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproveOutcome {
    /// This call approved it.
    Approved,
    /// It was approved before (possibly also consumed).
    AlreadyApproved,
    /// No such record.
    NotFound,
}

/// Keeps recovery challenges, grants and onboardings. Methods are `async` and return `Send`
/// futures; any error fails the operation closed.
pub trait RecoveryStore: Send + Sync {
    /// The store's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Stores a new challenge (its handle hash is fresh).
    fn insert_challenge(&self, record: ChallengeRecord) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The challenge whose handle hashes to `hash`, consumed or not.
    fn find_challenge(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<ChallengeRecord>, Self::Error>> + Send;

    /// Spends one attempt (a wrong secret) if any are left and the challenge is not consumed,
    /// atomically.
    fn decrement_attempts(&self, hash: &TokenHash) -> impl Future<Output = Result<AttemptOutcome, Self::Error>> + Send;

    /// Marks the challenge consumed if it is not yet and has attempts left, and stores
    /// `grant`, as one atomic step: both happen or neither (a failure or crash between them
    /// leaves the challenge unconsumed and no grant). Of concurrent calls at most one gets
    /// [`ConsumeOutcome::Consumed`]; the others store nothing. Keeps the challenge record.
    fn redeem_challenge(
        &self,
        hash: &TokenHash,
        grant: GrantRecord,
    ) -> impl Future<Output = Result<ConsumeOutcome, Self::Error>> + Send;

    /// The grant whose token hashes to `hash`, consumed or not.
    fn find_grant(&self, hash: &TokenHash) -> impl Future<Output = Result<Option<GrantRecord>, Self::Error>> + Send;

    /// Marks the grant consumed if it is not yet, atomically (at most one
    /// [`ConsumeOutcome::Consumed`]). Keeps the record.
    fn consume_grant(&self, hash: &TokenHash) -> impl Future<Output = Result<ConsumeOutcome, Self::Error>> + Send;

    /// Stores a new onboarding.
    fn insert_onboarding(&self, record: OnboardingRecord) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The onboarding whose nonce hashes to `hash`.
    fn find_onboarding(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<OnboardingRecord>, Self::Error>> + Send;

    /// Records `approver` as the approving account if none is recorded yet, atomically.
    fn approve_onboarding(
        &self,
        hash: &TokenHash,
        approver: &SubjectId,
    ) -> impl Future<Output = Result<ApproveOutcome, Self::Error>> + Send;

    /// Marks the onboarding consumed if it is approved and not consumed yet, and stores
    /// `grant`, as one atomic step (both or neither; at most one [`ConsumeOutcome::Consumed`];
    /// not approved: [`ConsumeOutcome::Unavailable`]). A failure writing the grant leaves the
    /// onboarding unconsumed.
    fn redeem_onboarding(
        &self,
        hash: &TokenHash,
        grant: GrantRecord,
    ) -> impl Future<Output = Result<ConsumeOutcome, Self::Error>> + Send;
}

impl<T: RecoveryStore + ?Sized> RecoveryStore for std::sync::Arc<T> {
    type Error = T::Error;

    fn insert_challenge(&self, record: ChallengeRecord) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).insert_challenge(record)
    }

    fn find_challenge(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<ChallengeRecord>, Self::Error>> + Send {
        (**self).find_challenge(hash)
    }

    fn decrement_attempts(&self, hash: &TokenHash) -> impl Future<Output = Result<AttemptOutcome, Self::Error>> + Send {
        (**self).decrement_attempts(hash)
    }

    fn redeem_challenge(
        &self,
        hash: &TokenHash,
        grant: GrantRecord,
    ) -> impl Future<Output = Result<ConsumeOutcome, Self::Error>> + Send {
        (**self).redeem_challenge(hash, grant)
    }

    fn find_grant(&self, hash: &TokenHash) -> impl Future<Output = Result<Option<GrantRecord>, Self::Error>> + Send {
        (**self).find_grant(hash)
    }

    fn consume_grant(&self, hash: &TokenHash) -> impl Future<Output = Result<ConsumeOutcome, Self::Error>> + Send {
        (**self).consume_grant(hash)
    }

    fn insert_onboarding(&self, record: OnboardingRecord) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).insert_onboarding(record)
    }

    fn find_onboarding(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<OnboardingRecord>, Self::Error>> + Send {
        (**self).find_onboarding(hash)
    }

    fn approve_onboarding(
        &self,
        hash: &TokenHash,
        approver: &SubjectId,
    ) -> impl Future<Output = Result<ApproveOutcome, Self::Error>> + Send {
        (**self).approve_onboarding(hash, approver)
    }

    fn redeem_onboarding(
        &self,
        hash: &TokenHash,
        grant: GrantRecord,
    ) -> impl Future<Output = Result<ConsumeOutcome, Self::Error>> + Send {
        (**self).redeem_onboarding(hash, grant)
    }
}
