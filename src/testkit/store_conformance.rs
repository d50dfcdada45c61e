//! A conformance kit for [`ChallengeStore`] and [`CredentialStore`] implementations.
//!
//! Run it from a test against a fresh store for each check:
//!
//! ```
//! passkey_verifier::testkit::store_conformance::run(passkey_verifier::MemoryStore::new);
//! ```
//!
//! It checks take-once, expiry for every ceremony kind, uniqueness of credential IDs,
//! compare-and-swap of the sign count, listing, revocation, propagation of store errors, and a
//! concurrent stress part (threads racing to take the same state, to apply the same counter
//! update, and to finish the same sign-in). A failure panics with a message naming the
//! property.

// A test harness: a panic naming the property is how it reports a failure.
#![allow(clippy::panic)]

use core::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use getrandom::SysRng;
use rand_core::UnwrapErr;

use super::ManualClock;
use super::{KeyKind, Knobs, SoftCredential};
use crate::challenge::{AuthenticationState, Challenge, UnixTime, UserVerification};
use crate::cose::CoseAlgorithm;
use crate::store::{
    BackupEligibility, CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, CredentialUpdate,
    InsertOutcome, KeptAttestation, StateId, UpdateOutcome,
};
use crate::verify::StoredCredential;
use crate::{
    Ceremonies, CeremonyError, ErrorKind, RegistrationChoices, RegistrationDetails, RelyingParty, SignInChoices,
    SignInTarget, User,
};

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the current thread (a minimal executor, so the kit needs no
/// runtime; stores whose futures need a specific runtime should wrap their calls).
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

/// Runs every check, each against a fresh store from `make`.
pub fn run<S, F>(make: F)
where
    S: ChallengeStore + CredentialStore,
    F: Fn() -> S,
{
    take_once(&make());
    expired_states_are_refused(make());
    credential_ids_are_unique(&make());
    sign_count_is_compare_and_swap(&make());
    listing_and_revocation(&make());
    store_errors_fail_the_ceremony(make());
    concurrent_takes_have_one_winner(&make());
    concurrent_counter_updates_have_one_winner(&make());
    concurrent_sign_ins_have_one_winner(make());
}

const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

fn auth_state(seed: u8) -> CeremonyState {
    CeremonyState::Authentication(
        AuthenticationState::new(
            Challenge::from_bytes(vec![seed; 32]).unwrap_or_else(|_| unreachable!()),
            Some(vec![seed]),
            UserVerification::Preferred,
            vec![vec![seed, 1]],
            NOW.plus_secs(300),
        )
        .unwrap_or_else(|_| unreachable!()),
    )
}

fn record(id: &[u8], user: &[u8], sign_count: u32) -> CredentialRecord {
    let mut record = CredentialRecord::new(
        StoredCredential::new(id.to_vec(), vec![0xa0], sign_count, user.to_vec()),
        CoseAlgorithm::Es256,
        [7; 16],
        "none",
        NOW,
    );
    record.transports = vec!["internal".into(), "hybrid".into()];
    record.nickname = Some("laptop".into());
    record.discoverable = Some(true);
    record.attestation = Some(KeptAttestation::new(vec![0xa3, 1, 2], br#"{"type":"webauthn.create"}"#.to_vec()));
    record.credential.backup_eligible = BackupEligibility::Eligible;
    record
}

fn update(expected: u32, new: u32) -> CredentialUpdate {
    CredentialUpdate::new(expected, new, true, NOW.plus_secs(9))
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("store conformance: {what} failed with a store error: {e:?}"))
}

/// A stored state is returned by the first take only.
fn take_once<S: ChallengeStore>(store: &S) {
    let id = StateId::random(&mut UnwrapErr(SysRng));
    ok(block_on(store.insert(&id, auth_state(1))), "insert");
    assert_eq!(
        ok(block_on(store.take(&id)), "take"),
        Some(auth_state(1)),
        "store conformance: take returns the stored state"
    );
    assert_eq!(ok(block_on(store.take(&id)), "take"), None, "store conformance: a second take finds nothing");
    assert_eq!(
        ok(block_on(store.take(&StateId::random(&mut UnwrapErr(SysRng)))), "take"),
        None,
        "store conformance: unknown ID"
    );
}

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin("https://example.com").build().unwrap_or_else(|_| unreachable!())
}

/// Ceremonies over the stores under test, at `NOW` on a manual clock.
fn ceremonies<C: ChallengeStore, K: CredentialStore>(challenges: C, credentials: K) -> Ceremonies<C, K> {
    Ceremonies::new(rp(), challenges, credentials, UnwrapErr(SysRng)).with_clock(ManualClock::new(NOW))
}

fn user(handle: &[u8]) -> User {
    User { id: handle.to_vec(), name: "kit".into(), display_name: "Kit".into() }
}

fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

fn expect_kind<T: std::fmt::Debug>(result: Result<T, CeremonyError>, kind: ErrorKind, what: &str) {
    match result {
        Err(e) => assert_eq!(e.kind(), Some(kind), "store conformance: {what}: wrong error {e:?}"),
        Ok(v) => panic!("store conformance: {what}: expected {kind:?}, got {v:?}"),
    }
}

/// Registers a fresh ES256 credential for `handle` through the ceremony layer.
fn register<C: ChallengeStore, K: CredentialStore>(c: &Ceremonies<C, K>, handle: &[u8]) -> SoftCredential {
    let (id, options) =
        ok(block_on(c.start_registration(&user(handle), &RegistrationChoices::default())), "start_registration");
    let challenge = crate::encoding::b64::decode(
        serde_json::to_value(&options)
            .ok()
            .and_then(|v| v["challenge"].as_str().map(str::to_owned))
            .unwrap_or_default()
            .as_str(),
    )
    .unwrap_or_default();
    let mut cred = SoftCredential::new(KeyKind::Es256, handle, &mut UnwrapErr(SysRng));
    let json = cred.register(&challenge, &knobs());
    ok(block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())), "finish_registration");
    cred
}

fn request_challenge(options: &crate::RequestOptionsJson) -> Vec<u8> {
    let text =
        serde_json::to_value(options).ok().and_then(|v| v["challenge"].as_str().map(str::to_owned)).unwrap_or_default();
    crate::encoding::b64::decode(&text).unwrap_or_default()
}

/// Expired states are refused for registration, sign-in and discoverable sign-in.
fn expired_states_are_refused<S: ChallengeStore + CredentialStore>(store: S) {
    let clock = ManualClock::new(NOW);
    let c = ceremonies(store, NoCredentials).with_clock(clock.clone());
    let late = NOW.plus_secs(301);
    let (id, _) = ok(block_on(c.start_registration(&user(b"u1"), &RegistrationChoices::default())), "start");
    clock.set(late);
    let mut cred = SoftCredential::new(KeyKind::Es256, b"u1", &mut UnwrapErr(SysRng));
    let json = cred.register(&[0; 32], &knobs());
    expect_kind(
        block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())),
        ErrorKind::CeremonyExpired,
        "expired registration",
    );
    for target in [SignInTarget::User(b"u1"), SignInTarget::Discoverable] {
        clock.set(NOW);
        let (id, options) = ok(block_on(c.start_authentication(target, &SignInChoices::default())), "start");
        let json = cred.assert(&request_challenge(&options), &knobs());
        clock.set(late);
        expect_kind(
            block_on(c.finish_authentication(&id, json.as_bytes())),
            ErrorKind::CeremonyExpired,
            "expired sign-in",
        );
    }
}

/// Inserting an existing credential ID fails, for any user, and changes nothing.
fn credential_ids_are_unique<S: CredentialStore>(store: &S) {
    assert_eq!(ok(block_on(store.insert_new(record(b"id-1", b"alice", 3))), "insert_new"), InsertOutcome::Inserted);
    for owner in [&b"alice"[..], b"mallory"] {
        assert_eq!(
            ok(block_on(store.insert_new(record(b"id-1", owner, 0))), "insert_new"),
            InsertOutcome::AlreadyExists,
            "store conformance: an existing credential ID must not be inserted again"
        );
    }
    assert_eq!(
        ok(block_on(store.get(b"id-1")), "get"),
        Some(record(b"id-1", b"alice", 3)),
        "store conformance: record round-trips unchanged"
    );
    assert_eq!(ok(block_on(store.get(b"id-2")), "get"), None);
}

/// The counter update applies only when the stored count is the expected one.
fn sign_count_is_compare_and_swap<S: CredentialStore>(store: &S) {
    ok(block_on(store.insert_new(record(b"id-1", b"alice", 5))), "insert_new");
    assert_eq!(ok(block_on(store.update_after_sign_in(b"id-1", update(5, 6))), "update"), UpdateOutcome::Updated);
    assert_eq!(
        ok(block_on(store.update_after_sign_in(b"id-1", update(5, 7))), "update"),
        UpdateOutcome::Conflict,
        "store conformance: a stale expected count must conflict"
    );
    let stored = ok(block_on(store.get(b"id-1")), "get").unwrap_or_else(|| panic!("store conformance: record lost"));
    assert_eq!(stored.credential.sign_count, 6, "store conformance: count after CAS");
    assert!(stored.credential.backup_state, "store conformance: backup state updated");
    assert_eq!(stored.last_used_at, Some(NOW.plus_secs(9)), "store conformance: last used updated");
    assert!(!stored.credential.uv_initialized, "store conformance: uvInitialized untouched by an update without it");
    let mut verified = update(6, 7);
    verified.uv_initialized = true;
    assert_eq!(ok(block_on(store.update_after_sign_in(b"id-1", verified)), "update"), UpdateOutcome::Updated);
    // A sign-in without UV, computed from a record read before the one above, must not clear it.
    assert_eq!(ok(block_on(store.update_after_sign_in(b"id-1", update(7, 8))), "update"), UpdateOutcome::Updated);
    let stored = ok(block_on(store.get(b"id-1")), "get").unwrap_or_else(|| panic!("store conformance: record lost"));
    assert!(stored.credential.uv_initialized, "store conformance: uvInitialized is OR-ed, never cleared");
    assert_eq!(ok(block_on(store.update_after_sign_in(b"id-9", update(0, 1))), "update"), UpdateOutcome::NotFound);
}

/// A user's credentials are listed oldest first; deletion removes exactly one.
fn listing_and_revocation<S: CredentialStore>(store: &S) {
    for (id, owner) in [(&b"a1"[..], &b"alice"[..]), (b"b1", b"bob"), (b"a2", b"alice")] {
        ok(block_on(store.insert_new(record(id, owner, 0))), "insert_new");
    }
    let ids = |owner: &[u8]| -> Vec<Vec<u8>> {
        ok(block_on(store.list_for_user(owner)), "list").into_iter().map(|r| r.credential.id).collect()
    };
    assert_eq!(ids(b"alice"), vec![b"a1".to_vec(), b"a2".to_vec()], "store conformance: listing");
    assert_eq!(ids(b"nobody"), Vec::<Vec<u8>>::new());
    assert!(ok(block_on(store.delete(b"a1")), "delete"), "store conformance: delete reports an existing credential");
    assert!(!ok(block_on(store.delete(b"a1")), "delete"), "store conformance: second delete finds nothing");
    assert_eq!(ids(b"alice"), vec![b"a2".to_vec()], "store conformance: listing after revocation");
    assert_eq!(ok(block_on(store.get(b"a1")), "get"), None);
    assert_eq!(ids(b"bob"), vec![b"b1".to_vec()]);
}

/// Wraps a store and fails every call while `failing` is set.
struct Faulty<S> {
    inner: S,
    failing: AtomicBool,
}

/// The error [`Faulty`] injects, or the wrapped store's own.
#[derive(Debug, thiserror::Error)]
enum Fault<E> {
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
struct NoCredentials;

/// [`NoCredentials`] never fails.
#[derive(Debug, thiserror::Error)]
#[error("unreachable")]
struct Never;

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

/// A store error at any step fails the ceremony with [`CeremonyError::Storage`].
fn store_errors_fail_the_ceremony<S: ChallengeStore + CredentialStore>(store: S) {
    let faulty = Arc::new(Faulty { inner: store, failing: AtomicBool::new(false) });
    let c = ceremonies(Arc::clone(&faulty), Arc::clone(&faulty));
    let mut cred = register(&c, b"alice");
    let storage = |r: Result<_, CeremonyError>, what: &str| match r {
        Err(CeremonyError::Storage(_)) => {}
        other => {
            panic!("store conformance: {what}: a store error must fail the ceremony, got {other:?}")
        }
    };
    faulty.failing.store(true, Ordering::SeqCst);
    storage(
        block_on(c.start_registration(&user(b"alice"), &RegistrationChoices::default())).map(|_| ()),
        "start_registration",
    );
    storage(
        block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())).map(|_| ()),
        "start_authentication",
    );
    faulty.failing.store(false, Ordering::SeqCst);
    let (id, options) =
        ok(block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())), "start");
    let json = cred.assert(&request_challenge(&options), &knobs());
    faulty.failing.store(true, Ordering::SeqCst);
    storage(block_on(c.finish_authentication(&id, json.as_bytes())).map(|_| ()), "finish_authentication");
}

/// Threads racing to take one state: exactly one gets it.
fn concurrent_takes_have_one_winner<S: ChallengeStore>(store: &S) {
    for round in 0..20u8 {
        let id = StateId::random(&mut UnwrapErr(SysRng));
        ok(block_on(store.insert(&id, auth_state(round))), "insert");
        let winners = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    if ok(block_on(store.take(&id)), "take").is_some() {
                        winners.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(winners.load(Ordering::SeqCst), 1, "store conformance: concurrent takes of one state");
    }
}

/// Threads racing to apply the same counter update: exactly one wins, the count never goes
/// down.
fn concurrent_counter_updates_have_one_winner<S: CredentialStore>(store: &S) {
    ok(block_on(store.insert_new(record(b"race", b"alice", 0))), "insert_new");
    for round in 0..20u32 {
        let winners = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    if ok(block_on(store.update_after_sign_in(b"race", update(round, round + 1))), "update")
                        == UpdateOutcome::Updated
                    {
                        winners.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(winners.load(Ordering::SeqCst), 1, "store conformance: concurrent CAS with one expected count");
        let count = ok(block_on(store.get(b"race")), "get").map(|r| r.credential.sign_count);
        assert_eq!(count, Some(round + 1), "store conformance: count after a CAS race");
    }
}

/// Full ceremonies: threads racing to finish one sign-in state, and cloned authenticators
/// racing with the same counter on separate states. Exactly one wins each race; the stored
/// count never decreases.
fn concurrent_sign_ins_have_one_winner<S: ChallengeStore + CredentialStore>(store: S) {
    let store = Arc::new(store);
    let c = ceremonies(Arc::clone(&store), Arc::clone(&store));
    let mut cred = register(&c, b"alice");
    let cred_id = cred.id().to_vec();
    let mut last_count = 1;
    for _ in 0..5 {
        // One state, many finishers of the same response.
        let (id, options) =
            ok(block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())), "start");
        let json = cred.assert(&request_challenge(&options), &knobs());
        let winners = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| match block_on(c.finish_authentication(&id, json.as_bytes())) {
                    Ok(_) => {
                        winners.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => assert_eq!(e.kind(), Some(ErrorKind::StateNotFound), "store conformance: replayed state"),
                });
            }
        });
        assert_eq!(winners.load(Ordering::SeqCst), 1, "store conformance: one state finished once");

        // Separate states, the same counter value (a cloned authenticator).
        let next = cred.sign_count() + 1;
        let attempts: Vec<(StateId, String)> = (0..6)
            .map(|_| {
                let (id, options) = ok(
                    block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())),
                    "start",
                );
                let mut k = knobs();
                k.sign_count = Some(next);
                (id, cred.assert(&request_challenge(&options), &k))
            })
            .collect();
        let winners = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for (id, json) in &attempts {
                let (c, winners) = (&c, &winners);
                s.spawn(move || match block_on(c.finish_authentication(id, json.as_bytes())) {
                    Ok(_) => {
                        winners.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        assert!(
                            matches!(e.kind(), Some(ErrorKind::Counter | ErrorKind::CounterConflict)),
                            "store conformance: losing sign-in must fail on the counter, got {e:?}"
                        )
                    }
                });
            }
        });
        assert_eq!(winners.load(Ordering::SeqCst), 1, "store conformance: one sign-in per counter value");
        let count = ok(block_on(store.get(&cred_id)), "get").map(|r| r.credential.sign_count).unwrap_or_default();
        assert!(count >= last_count && count == next, "store conformance: stored count {count} after race to {next}");
        last_count = count;
    }
}
