//! A conformance kit for [`ChallengeStore`] and [`CredentialStore`] implementations.
//!
//! The kit is `async` and needs no runtime of its own: a store runs it from its own tests, on
//! whatever runtime its futures need. A [`StoreFactory`] makes a fresh, empty store for every
//! check, and a second, independent handle on the same backing storage (its own connection
//! pool or client, as a second server process would open) for the multi-instance part:
//!
//! ```
//! use passkey_verifier::testkit::store_conformance::{self, block_on};
//! use passkey_verifier::MemoryStore;
//!
//! // In-memory: "two handles" are two clones of one `Arc`. A store on tokio awaits
//! // `store_conformance::run(&factory)` in a `#[tokio::test]` instead of `block_on`.
//! block_on(store_conformance::run(&store_conformance::shared(MemoryStore::new)));
//! ```
//!
//! It checks take-once (for every ceremony kind), expiry, uniqueness of credential IDs,
//! compare-and-swap of the sign count (with `uvInitialized` OR-ed, never cleared), listing,
//! revocation, propagation of store errors, and concurrent races: many takes of one state,
//! many updates with one expected count, many finishers of one sign-in, cloned authenticators
//! presenting one counter. The multi-instance part runs the races across the two handles
//! ([`MULTI_INSTANCE_ROUNDS`] rounds each for the single-statement ones) and asserts at most
//! one winner every time. A failure panics with a message naming the property.
//!
//! [`run`] needs both traits; [`run_challenge_store`] and [`run_credential_store`] check one
//! (a Redis state store, say), and [`Split`] pairs two stores for [`run`].

// A test harness: a panic naming the property is how it reports a failure.
#![allow(clippy::panic)]

mod multi;
mod single;
mod support;

use core::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub use support::{join_all, Split};

use crate::store::{ChallengeStore, CredentialStore};

/// The rounds of each single-statement race of the multi-instance part (take once, insert if
/// new, compare-and-swap).
pub const MULTI_INSTANCE_ROUNDS: usize = 200;

/// Makes the stores the kit checks.
pub trait StoreFactory {
    /// The store under test.
    type Store;

    /// A fresh store: empty, and sharing nothing with the stores made before.
    fn fresh(&self) -> impl Future<Output = Self::Store>;

    /// A second handle on `store`'s backing storage that shares no connection with it (its
    /// own pool or client), as a second server process would open.
    fn second_handle(&self, store: &Self::Store) -> impl Future<Output = Self::Store>;
}

/// The factory of an in-process store: each fresh store is `make()` in an [`Arc`], and its
/// second handle is a clone of that `Arc`.
#[derive(Debug, Clone, Copy)]
pub struct Shared<F>(F);

/// A [`StoreFactory`] for in-process stores (see [`Shared`]).
pub const fn shared<S, F: Fn() -> S>(make: F) -> Shared<F> {
    Shared(make)
}

impl<S, F: Fn() -> S> StoreFactory for Shared<F> {
    type Store = Arc<S>;

    async fn fresh(&self) -> Arc<S> {
        Arc::new((self.0)())
    }

    async fn second_handle(&self, store: &Arc<S>) -> Arc<S> {
        Arc::clone(store)
    }
}

/// Runs every check of both traits, single-handle and multi-instance, each against a fresh
/// store from `factory`.
pub async fn run<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: ChallengeStore + CredentialStore,
{
    run_challenge_store(factory).await;
    run_credential_store(factory).await;
    single::take_with_credential_agrees(&factory.fresh().await).await;
    single::store_errors_fail_the_ceremony(factory.fresh().await).await;
    single::concurrent_sign_ins_have_one_winner(factory.fresh().await).await;
    multi::sign_ins_race_across_handles(factory).await;
}

/// Runs the checks of a [`ChallengeStore`] alone.
pub async fn run_challenge_store<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: ChallengeStore,
{
    single::take_once(&factory.fresh().await).await;
    single::expired_states_are_refused(factory.fresh().await).await;
    single::concurrent_takes_have_one_winner(&factory.fresh().await).await;
    multi::handles_share_states(factory).await;
    multi::takes_race_across_handles(factory).await;
}

/// Runs the checks of a [`CredentialStore`] alone.
pub async fn run_credential_store<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: CredentialStore,
{
    single::credential_ids_are_unique(&factory.fresh().await).await;
    single::sign_count_is_compare_and_swap(&factory.fresh().await).await;
    single::listing_and_revocation(&factory.fresh().await).await;
    single::concurrent_counter_updates_have_one_winner(&factory.fresh().await).await;
    multi::handles_share_credentials(factory).await;
    multi::registrations_race_across_handles(factory).await;
    multi::counter_updates_race_across_handles(factory).await;
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the current thread: a minimal executor for stores whose
/// futures need no runtime (the in-memory stores), so that their tests and examples need none
/// either. Futures of a store built on a runtime (tokio, for sqlx or redis) must be awaited on
/// that runtime instead.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// The URL of a test server from the environment variable `var` (for example
/// `PASSKEY_TEST_POSTGRES_URL`), for adapter tests against real servers.
///
/// Without it, the test should skip: this prints what was skipped and how to enable it, and
/// returns `None`. Where servers are mandatory (`CI=true`, or `PASSKEY_SERVICES_REQUIRED=1`,
/// which `.ci/run` and `.ci/with-services` set), a missing variable panics instead, so that a
/// CI run without its servers fails rather than passing on skipped tests.
#[must_use]
pub fn service_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var("PASSKEY_SERVICES_REQUIRED").is_ok_and(|v| v == "1")
                || std::env::var("CI").is_ok_and(|v| v == "true");
            if required {
                panic!("{test}: {var} is not set, and the test servers are required here (CI or PASSKEY_SERVICES_REQUIRED=1)");
            }
            // Straight to the process's stderr: the test harness captures `eprintln!` of a
            // passing test, and a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: {test} (set {var}, or run `.ci/with-services cargo test --workspace` to start throwaway servers)"
            );
            None
        }
    }
}
