//! Thread-safe in-memory recovery and rate-limit stores.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::pending_store::{PendingRecord, PendingStore};
use crate::rate_limit::{window_start, RateKey, RateLimitStore, WindowCount};
use crate::store::{
    ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, OnboardingRecord, RecoveryStore,
};
use crate::token::{SubjectId, TokenHash};
use passkey_verifier::UnixTime;

/// The in-memory stores' error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryRecoveryStoreError {
    /// A lock is poisoned (a panic in another thread while it held the store).
    #[error("in-memory recovery store lock poisoned")]
    Poisoned,
    /// A record with that key exists already (nothing was written).
    #[error("record already exists")]
    Exists,
}

/// The most records of each kind (challenges, grants, onboardings, rate-limit buckets) kept
/// at once. When an insert finds a table full, the half closest to expiry is dropped, so that
/// a flood cannot grow memory without bound (the rate limits keep legitimate records from
/// being crowded out).
pub const MAX_RECORDS: usize = 100_000;

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, MemoryRecoveryStoreError> {
    m.lock().map_err(|_| MemoryRecoveryStoreError::Poisoned)
}

/// Drops the earliest-expiring half of `map` when it is full.
fn make_room<K: Eq + core::hash::Hash, V>(map: &mut HashMap<K, V>, expires: impl Fn(&V) -> UnixTime) {
    if map.len() < MAX_RECORDS {
        return;
    }
    let mut expiries: Vec<UnixTime> = map.values().map(&expires).collect();
    expiries.sort_unstable();
    let cutoff = expiries.get(expiries.len() / 2).copied().unwrap_or(UnixTime::from_secs(0));
    map.retain(|_, v| expires(v) > cutoff);
}

/// A thread-safe in-memory [`RecoveryStore`]. State is lost when the process ends.
#[derive(Default)]
pub struct MemoryRecoveryStore {
    challenges: Mutex<HashMap<TokenHash, ChallengeRecord>>,
    grants: Mutex<HashMap<TokenHash, GrantRecord>>,
    onboardings: Mutex<HashMap<TokenHash, OnboardingRecord>>,
    pending: Mutex<HashMap<TokenHash, PendingRecord>>,
    cooldowns: Mutex<HashMap<SubjectId, UnixTime>>,
}

impl core::fmt::Debug for MemoryRecoveryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryRecoveryStore").finish_non_exhaustive()
    }
}

impl MemoryRecoveryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of stored challenges, tombstones included.
    ///
    /// # Errors
    ///
    /// [`MemoryRecoveryStoreError`] when the lock is poisoned.
    pub fn challenge_count(&self) -> Result<usize, MemoryRecoveryStoreError> {
        Ok(lock(&self.challenges)?.len())
    }

    /// Drops every record (tombstones included) that expired at or before `now`; returns
    /// how many.
    ///
    /// # Errors
    ///
    /// [`MemoryRecoveryStoreError`] when a lock is poisoned.
    pub fn purge_expired(&self, now: UnixTime) -> Result<usize, MemoryRecoveryStoreError> {
        let mut purged = 0;
        let mut challenges = lock(&self.challenges)?;
        let before = challenges.len();
        challenges.retain(|_, r| r.expires_at > now);
        purged += before - challenges.len();
        let mut grants = lock(&self.grants)?;
        let before = grants.len();
        grants.retain(|_, r| r.expires_at > now);
        purged += before - grants.len();
        let mut onboardings = lock(&self.onboardings)?;
        let before = onboardings.len();
        onboardings.retain(|_, r| r.expires_at > now);
        purged += before - onboardings.len();
        let mut pending = lock(&self.pending)?;
        let before = pending.len();
        pending.retain(|_, r| r.expires_at > now);
        purged += before - pending.len();
        let mut cooldowns = lock(&self.cooldowns)?;
        let before = cooldowns.len();
        cooldowns.retain(|_, until| *until > now);
        purged += before - cooldowns.len();
        Ok(purged)
    }
}

impl RecoveryStore for MemoryRecoveryStore {
    type Error = MemoryRecoveryStoreError;

    async fn insert_challenge(&self, record: ChallengeRecord) -> Result<(), Self::Error> {
        let mut map = lock(&self.challenges)?;
        make_room(&mut map, |r| r.expires_at);
        if map.contains_key(&record.handle_hash) {
            return Err(MemoryRecoveryStoreError::Exists);
        }
        map.insert(record.handle_hash, record);
        Ok(())
    }

    async fn find_challenge(&self, hash: &TokenHash) -> Result<Option<ChallengeRecord>, Self::Error> {
        Ok(lock(&self.challenges)?.get(hash).cloned())
    }

    async fn decrement_attempts(&self, hash: &TokenHash) -> Result<AttemptOutcome, Self::Error> {
        let mut map = lock(&self.challenges)?;
        Ok(match map.get_mut(hash) {
            None => AttemptOutcome::NotFound,
            Some(r) if r.consumed || r.attempts_left == 0 => AttemptOutcome::Unchanged,
            Some(r) => {
                r.attempts_left -= 1;
                AttemptOutcome::Decremented(r.attempts_left)
            }
        })
    }

    async fn redeem_challenge(&self, hash: &TokenHash, grant: GrantRecord) -> Result<ConsumeOutcome, Self::Error> {
        // Both locks held, in the one order every method takes them: no other call sees the
        // challenge consumed without its grant.
        let mut map = lock(&self.challenges)?;
        let mut grants = lock(&self.grants)?;
        Ok(match map.get_mut(hash) {
            None => ConsumeOutcome::NotFound,
            Some(r) if r.consumed => ConsumeOutcome::AlreadyConsumed,
            Some(r) if r.attempts_left == 0 => ConsumeOutcome::Unavailable,
            Some(r) => {
                // Every check before the first write: a grant that cannot be written leaves
                // the challenge as it was.
                insert_grant(&mut grants, grant)?;
                r.consumed = true;
                ConsumeOutcome::Consumed
            }
        })
    }

    async fn find_grant(&self, hash: &TokenHash) -> Result<Option<GrantRecord>, Self::Error> {
        Ok(lock(&self.grants)?.get(hash).cloned())
    }

    async fn consume_grant(&self, hash: &TokenHash) -> Result<ConsumeOutcome, Self::Error> {
        let mut map = lock(&self.grants)?;
        Ok(match map.get_mut(hash) {
            None => ConsumeOutcome::NotFound,
            Some(r) if r.consumed => ConsumeOutcome::AlreadyConsumed,
            Some(r) => {
                r.consumed = true;
                ConsumeOutcome::Consumed
            }
        })
    }

    async fn insert_onboarding(&self, record: OnboardingRecord) -> Result<(), Self::Error> {
        let mut map = lock(&self.onboardings)?;
        make_room(&mut map, |r| r.expires_at);
        if map.contains_key(&record.pairing_hash) {
            return Err(MemoryRecoveryStoreError::Exists);
        }
        map.insert(record.pairing_hash, record);
        Ok(())
    }

    async fn find_onboarding(&self, hash: &TokenHash) -> Result<Option<OnboardingRecord>, Self::Error> {
        Ok(lock(&self.onboardings)?.get(hash).cloned())
    }

    async fn approve_onboarding(&self, hash: &TokenHash, approver: &SubjectId) -> Result<ApproveOutcome, Self::Error> {
        let mut map = lock(&self.onboardings)?;
        Ok(match map.get_mut(hash) {
            None => ApproveOutcome::NotFound,
            Some(r) if r.approved_by.is_some() => ApproveOutcome::AlreadyApproved,
            Some(r) => {
                r.approved_by = Some(approver.clone());
                ApproveOutcome::Approved
            }
        })
    }

    async fn redeem_onboarding(&self, hash: &TokenHash, grant: GrantRecord) -> Result<ConsumeOutcome, Self::Error> {
        // The lock order of every method: challenges, grants, onboardings, pending.
        let mut grants = lock(&self.grants)?;
        let mut map = lock(&self.onboardings)?;
        Ok(match map.get_mut(hash) {
            None => ConsumeOutcome::NotFound,
            Some(r) if r.consumed => ConsumeOutcome::AlreadyConsumed,
            Some(r) if r.approved_by.is_none() => ConsumeOutcome::Unavailable,
            Some(r) => {
                insert_grant(&mut grants, grant)?;
                r.consumed = true;
                ConsumeOutcome::Consumed
            }
        })
    }
}

fn insert_grant(
    grants: &mut HashMap<TokenHash, GrantRecord>,
    grant: GrantRecord,
) -> Result<(), MemoryRecoveryStoreError> {
    make_room(grants, |g| g.expires_at);
    if grants.contains_key(&grant.grant_hash) {
        return Err(MemoryRecoveryStoreError::Exists);
    }
    grants.insert(grant.grant_hash, grant);
    Ok(())
}

impl PendingStore for MemoryRecoveryStore {
    type Error = MemoryRecoveryStoreError;

    async fn insert_pending(&self, record: PendingRecord) -> Result<(), Self::Error> {
        let mut map = lock(&self.pending)?;
        make_room(&mut map, |r| r.expires_at);
        if map.contains_key(&record.handle_hash) || map.values().any(|r| r.cancel_hash == record.cancel_hash) {
            return Err(MemoryRecoveryStoreError::Exists);
        }
        map.insert(record.handle_hash, record);
        Ok(())
    }

    async fn find_pending(&self, hash: &TokenHash) -> Result<Option<PendingRecord>, Self::Error> {
        Ok(lock(&self.pending)?.get(hash).cloned())
    }

    async fn swap_pending(&self, record: PendingRecord, expected: u64) -> Result<bool, Self::Error> {
        let mut map = lock(&self.pending)?;
        Ok(swap(&mut map, record, expected))
    }

    async fn redeem_pending(
        &self,
        record: PendingRecord,
        expected: u64,
        grant: GrantRecord,
    ) -> Result<bool, Self::Error> {
        let mut grants = lock(&self.grants)?;
        let mut map = lock(&self.pending)?;
        let current = map.get(&record.handle_hash);
        if !current.is_some_and(|c| c.version == expected && !c.cancelled) {
            return Ok(false);
        }
        insert_grant(&mut grants, grant)?;
        Ok(swap(&mut map, record, expected))
    }

    async fn cancel_pending(&self, cancel_hash: &TokenHash) -> Result<bool, Self::Error> {
        let mut map = lock(&self.pending)?;
        Ok(map.values_mut().find(|r| r.cancel_hash == *cancel_hash && !r.cancelled).is_some_and(|r| {
            r.cancelled = true;
            true
        }))
    }

    async fn cancel_pending_for(&self, subject: &SubjectId) -> Result<u64, Self::Error> {
        let mut map = lock(&self.pending)?;
        let mut n = 0;
        for r in map.values_mut().filter(|r| r.subject == *subject && !r.cancelled) {
            r.cancelled = true;
            n += 1;
        }
        Ok(n)
    }

    async fn set_cooldown(&self, subject: &SubjectId, until: UnixTime) -> Result<(), Self::Error> {
        let mut map = lock(&self.cooldowns)?;
        make_room(&mut map, |u| *u);
        let entry = map.entry(subject.clone()).or_insert(until);
        *entry = (*entry).max(until);
        Ok(())
    }

    async fn cooldown_until(&self, subject: &SubjectId) -> Result<Option<UnixTime>, Self::Error> {
        Ok(lock(&self.cooldowns)?.get(subject).copied())
    }
}

fn swap(map: &mut HashMap<TokenHash, PendingRecord>, mut record: PendingRecord, expected: u64) -> bool {
    match map.get_mut(&record.handle_hash) {
        Some(current) if current.version == expected && !current.cancelled => {
            record.version = expected.saturating_add(1);
            record.cancelled = false;
            *current = record;
            true
        }
        _ => false,
    }
}

/// A bucket's key: the rate key and the window length.
type BucketKey = (RateKey, u64);
/// A bucket: its window's start, the window length, the count.
type Bucket = (u64, u64, u32);

/// A thread-safe in-memory [`RateLimitStore`].
#[derive(Default)]
pub struct MemoryRateLimitStore {
    /// Per key and window length: the start of its current window, its length, and the
    /// count in it (one key may be counted in windows of several lengths at once).
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
}

impl core::fmt::Debug for MemoryRateLimitStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryRateLimitStore").finish_non_exhaustive()
    }
}

impl MemoryRateLimitStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl RateLimitStore for MemoryRateLimitStore {
    type Error = MemoryRecoveryStoreError;

    async fn hit(&self, key: &RateKey, window_secs: u64, now: UnixTime) -> Result<WindowCount, Self::Error> {
        let start = window_start(window_secs, now);
        let mut buckets = lock(&self.buckets)?;
        if buckets.len() >= MAX_RECORDS && !buckets.contains_key(&(*key, window_secs)) {
            // Drop buckets whose window has ended; if that frees nothing, the oldest half.
            buckets.retain(|_, (s, len, _)| s.saturating_add(*len) > now.as_secs());
            make_room(&mut buckets, |(s, len, _)| UnixTime::from_secs(s.saturating_add(*len)));
        }
        let bucket = buckets.entry((*key, window_secs)).or_insert((start, window_secs, 0));
        if bucket.0 != start || bucket.1 != window_secs {
            *bucket = (start, window_secs, 0);
        }
        bucket.2 = bucket.2.saturating_add(1);
        Ok(WindowCount { count: bucket.2, resets_at: UnixTime::from_secs(start.saturating_add(window_secs)) })
    }
}
