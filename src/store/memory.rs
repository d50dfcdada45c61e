//! The embedded default: a thread-safe in-memory store.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{
    CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, CredentialUpdate, InsertOutcome, StateId,
    UpdateOutcome,
};
use crate::challenge::UnixTime;

/// The in-memory store's error: only a poisoned lock (a panic in another thread while it
/// held the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("in-memory store lock poisoned")]
pub struct MemoryError;

/// The most ceremony states kept at once. When an insert finds the store full, the half of
/// the states closest to expiry is dropped, so that abandoned ceremonies cannot grow memory
/// without bound (rate-limit ceremony starts so that legitimate states are not crowded out).
pub const MAX_PENDING_STATES: usize = 100_000;

#[derive(Default)]
struct Credentials {
    by_id: HashMap<Vec<u8>, CredentialRecord>,
    /// Insertion order, for listing oldest first.
    order: Vec<Vec<u8>>,
}

/// A thread-safe in-memory [`ChallengeStore`] and [`CredentialStore`]: a host can start with
/// no database. State is lost when the process ends.
#[derive(Default)]
pub struct MemoryStore {
    states: Mutex<HashMap<StateId, CeremonyState>>,
    credentials: Mutex<Credentials>,
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, MemoryError> {
    m.lock().map_err(|_| MemoryError)
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops every ceremony state that expired before `now`; returns how many.
    ///
    /// # Errors
    ///
    /// [`MemoryError`] when the lock is poisoned.
    pub fn purge_expired(&self, now: UnixTime) -> Result<usize, MemoryError> {
        let mut states = lock(&self.states)?;
        let before = states.len();
        states.retain(|_, s| s.expires_at() > now);
        Ok(before - states.len())
    }
}

impl ChallengeStore for MemoryStore {
    type Error = MemoryError;

    async fn insert(&self, id: &StateId, state: CeremonyState) -> Result<(), MemoryError> {
        let mut states = lock(&self.states)?;
        if states.len() >= MAX_PENDING_STATES {
            // States carry their own expiry; without a clock, drop the oldest-expiring half.
            let mut expiries: Vec<UnixTime> = states.values().map(CeremonyState::expires_at).collect();
            expiries.sort_unstable();
            let cutoff = expiries.get(expiries.len() / 2).copied().unwrap_or(UnixTime::from_secs(0));
            states.retain(|_, s| s.expires_at() > cutoff);
        }
        states.insert(id.clone(), state);
        Ok(())
    }

    async fn take(&self, id: &StateId) -> Result<Option<CeremonyState>, MemoryError> {
        Ok(lock(&self.states)?.remove(id))
    }
}

impl CredentialStore for MemoryStore {
    type Error = MemoryError;

    async fn insert_new(&self, record: CredentialRecord) -> Result<InsertOutcome, MemoryError> {
        let mut creds = lock(&self.credentials)?;
        if creds.by_id.contains_key(record.id()) {
            return Ok(InsertOutcome::AlreadyExists);
        }
        let id = record.id().to_vec();
        creds.order.push(id.clone());
        creds.by_id.insert(id, record);
        Ok(InsertOutcome::Inserted)
    }

    async fn get(&self, id: &[u8]) -> Result<Option<CredentialRecord>, MemoryError> {
        Ok(lock(&self.credentials)?.by_id.get(id).cloned())
    }

    async fn list_for_user(&self, user_handle: &[u8]) -> Result<Vec<CredentialRecord>, MemoryError> {
        let creds = lock(&self.credentials)?;
        Ok(creds
            .order
            .iter()
            .filter_map(|id| creds.by_id.get(id))
            .filter(|r| r.user_handle() == user_handle)
            .cloned()
            .collect())
    }

    async fn delete(&self, id: &[u8]) -> Result<bool, MemoryError> {
        let mut creds = lock(&self.credentials)?;
        let existed = creds.by_id.remove(id).is_some();
        if existed {
            creds.order.retain(|other| other.as_slice() != id);
        }
        Ok(existed)
    }

    async fn set_nickname(&self, id: &[u8], nickname: Option<String>) -> Result<bool, MemoryError> {
        let mut creds = lock(&self.credentials)?;
        Ok(creds.by_id.get_mut(id).map(|record| record.nickname = nickname).is_some())
    }

    async fn update_after_sign_in(&self, id: &[u8], update: CredentialUpdate) -> Result<UpdateOutcome, MemoryError> {
        let mut creds = lock(&self.credentials)?;
        let Some(record) = creds.by_id.get_mut(id) else {
            return Ok(UpdateOutcome::NotFound);
        };
        if record.credential.sign_count != update.expected_sign_count {
            return Ok(UpdateOutcome::Conflict);
        }
        record.credential.sign_count = update.new_sign_count.max(update.expected_sign_count);
        record.credential.backup_state = update.backup_state;
        record.credential.uv_initialized |= update.uv_initialized;
        record.last_used_at = Some(update.used_at);
        Ok(UpdateOutcome::Updated)
    }
}
