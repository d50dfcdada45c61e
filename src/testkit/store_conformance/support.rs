//! Test doubles and the one combinator the kit needs.

use core::future::Future;
use core::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use crate::store::{
    CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, CredentialUpdate, InsertOutcome, StateId,
    UpdateOutcome,
};

/// Polls all `futures` concurrently in the calling task and returns their outputs in order:
/// what the kit races with, so that it needs no runtime to spawn on. The futures of a store
/// backed by a server run their requests concurrently on the server (on separate connections
/// of a pool, or pipelined on one client).
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    JoinAll { pending: futures.into_iter().map(|f| Some(Box::pin(f))).collect(), done: Vec::new() }.await
}

struct JoinAll<F: Future> {
    pending: Vec<Option<Pin<Box<F>>>>,
    done: Vec<(usize, F::Output)>,
}

// Every field is boxed or owned: moving the combinator never moves a pinned future.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        for (i, slot) in this.pending.iter_mut().enumerate() {
            if let Some(future) = slot {
                if let Poll::Ready(out) = future.as_mut().poll(cx) {
                    this.done.push((i, out));
                    *slot = None;
                }
            }
        }
        if this.pending.iter().any(Option::is_some) {
            return Poll::Pending;
        }
        let mut done = core::mem::take(&mut this.done);
        done.sort_by_key(|(i, _)| *i);
        Poll::Ready(done.into_iter().map(|(_, out)| out).collect())
    }
}

/// Two stores as one: ceremony state in `challenges`, credentials in `credentials` (for
/// example Redis and PostgreSQL), so that [`run`](super::run) checks the pair.
#[derive(Debug, Clone)]
pub struct Split<C, K> {
    /// Where ceremony state lives.
    pub challenges: C,
    /// Where credentials live.
    pub credentials: K,
}

impl<C: ChallengeStore, K: Send + Sync> ChallengeStore for Split<C, K> {
    type Error = C::Error;

    fn insert(&self, id: &StateId, state: CeremonyState) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.challenges.insert(id, state)
    }

    fn take(&self, id: &StateId) -> impl Future<Output = Result<Option<CeremonyState>, Self::Error>> + Send {
        self.challenges.take(id)
    }
}

impl<C: Send + Sync, K: CredentialStore> CredentialStore for Split<C, K> {
    type Error = K::Error;

    fn insert_new(&self, record: CredentialRecord) -> impl Future<Output = Result<InsertOutcome, Self::Error>> + Send {
        self.credentials.insert_new(record)
    }

    fn get(&self, id: &[u8]) -> impl Future<Output = Result<Option<CredentialRecord>, Self::Error>> + Send {
        self.credentials.get(id)
    }

    fn list_for_user(
        &self,
        user_handle: &[u8],
    ) -> impl Future<Output = Result<Vec<CredentialRecord>, Self::Error>> + Send {
        self.credentials.list_for_user(user_handle)
    }

    fn delete(&self, id: &[u8]) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        self.credentials.delete(id)
    }

    fn set_nickname(
        &self,
        id: &[u8],
        nickname: Option<String>,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        self.credentials.set_nickname(id, nickname)
    }

    fn update_after_sign_in(
        &self,
        id: &[u8],
        update: CredentialUpdate,
    ) -> impl Future<Output = Result<UpdateOutcome, Self::Error>> + Send {
        self.credentials.update_after_sign_in(id, update)
    }
}

/// Wraps a store and fails every call while `failing` is set.
pub(super) struct Faulty<S> {
    pub(super) inner: S,
    pub(super) failing: AtomicBool,
}

/// The error [`Faulty`] injects, or the wrapped store's own.
#[derive(Debug, thiserror::Error)]
pub(super) enum Fault<E> {
    #[error("injected store failure")]
    Injected,
    #[error(transparent)]
    Inner(E),
}

impl<S> Faulty<S> {
    fn check<E>(&self) -> Result<(), Fault<E>> {
        if self.failing.load(Ordering::SeqCst) {
            Err(Fault::Injected)
        } else {
            Ok(())
        }
    }
}

impl<S: ChallengeStore> ChallengeStore for Faulty<S> {
    type Error = Fault<S::Error>;

    async fn insert(&self, id: &StateId, state: CeremonyState) -> Result<(), Self::Error> {
        self.check()?;
        ChallengeStore::insert(&self.inner, id, state).await.map_err(Fault::Inner)
    }

    async fn take(&self, id: &StateId) -> Result<Option<CeremonyState>, Self::Error> {
        self.check()?;
        self.inner.take(id).await.map_err(Fault::Inner)
    }
}

impl<S: CredentialStore> CredentialStore for Faulty<S> {
    type Error = Fault<S::Error>;

    async fn insert_new(&self, record: CredentialRecord) -> Result<InsertOutcome, Self::Error> {
        self.check()?;
        self.inner.insert_new(record).await.map_err(Fault::Inner)
    }

    async fn get(&self, id: &[u8]) -> Result<Option<CredentialRecord>, Self::Error> {
        self.check()?;
        self.inner.get(id).await.map_err(Fault::Inner)
    }

    async fn list_for_user(&self, user_handle: &[u8]) -> Result<Vec<CredentialRecord>, Self::Error> {
        self.check()?;
        self.inner.list_for_user(user_handle).await.map_err(Fault::Inner)
    }

    async fn delete(&self, id: &[u8]) -> Result<bool, Self::Error> {
        self.check()?;
        self.inner.delete(id).await.map_err(Fault::Inner)
    }

    async fn set_nickname(&self, id: &[u8], nickname: Option<String>) -> Result<bool, Self::Error> {
        self.check()?;
        self.inner.set_nickname(id, nickname).await.map_err(Fault::Inner)
    }

    async fn update_after_sign_in(&self, id: &[u8], update: CredentialUpdate) -> Result<UpdateOutcome, Self::Error> {
        self.check()?;
        self.inner.update_after_sign_in(id, update).await.map_err(Fault::Inner)
    }
}

/// A credential store with nothing in it (for checks that need only challenges).
pub(super) struct NoCredentials;

/// [`NoCredentials`] never fails.
#[derive(Debug, thiserror::Error)]
#[error("unreachable")]
pub(super) struct Never;

impl CredentialStore for NoCredentials {
    type Error = Never;

    async fn insert_new(&self, _: CredentialRecord) -> Result<InsertOutcome, Never> {
        Ok(InsertOutcome::Inserted)
    }

    async fn get(&self, _: &[u8]) -> Result<Option<CredentialRecord>, Never> {
        Ok(None)
    }

    async fn list_for_user(&self, _: &[u8]) -> Result<Vec<CredentialRecord>, Never> {
        Ok(Vec::new())
    }

    async fn delete(&self, _: &[u8]) -> Result<bool, Never> {
        Ok(false)
    }

    async fn set_nickname(&self, _: &[u8], _: Option<String>) -> Result<bool, Never> {
        Ok(false)
    }

    async fn update_after_sign_in(&self, _: &[u8], _: CredentialUpdate) -> Result<UpdateOutcome, Never> {
        Ok(UpdateOutcome::NotFound)
    }
}
