//! The checks on one store handle, and the helpers both parts use.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use getrandom::SysRng;
use rand_core::UnwrapErr;

use super::join_all;
use super::support::{Faulty, NoCredentials};
use crate::challenge::{AuthenticationState, Challenge, RegistrationState, UnixTime, UserVerification};
use crate::cose::CoseAlgorithm;
use crate::store::{
    BackupEligibility, CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, CredentialUpdate,
    InsertOutcome, KeptAttestation, StateId, UpdateOutcome,
};
use crate::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use crate::verify::StoredCredential;
use crate::{
    Ceremonies, CeremonyError, ErrorKind, RegistrationChoices, RegistrationDetails, RelyingParty, SignInChoices,
    SignInTarget, User,
};

pub(super) const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

pub(super) fn auth_state(seed: u8) -> CeremonyState {
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

fn discoverable_state() -> CeremonyState {
    CeremonyState::Authentication(
        AuthenticationState::new(
            Challenge::from_bytes(vec![0xd1; 32]).unwrap_or_else(|_| unreachable!()),
            None,
            UserVerification::Required,
            Vec::new(),
            NOW.plus_secs(60),
        )
        .unwrap_or_else(|_| unreachable!()),
    )
}

fn registration_state() -> CeremonyState {
    CeremonyState::Registration(
        RegistrationState::new(
            Challenge::from_bytes(vec![0x5e; 32]).unwrap_or_else(|_| unreachable!()),
            vec![0xff, 0, 7],
            UserVerification::Discouraged,
            vec![CoseAlgorithm::Es256, CoseAlgorithm::EdDsa, CoseAlgorithm::Rs256],
            NOW.plus_secs(600),
        )
        .unwrap_or_else(|_| unreachable!()),
    )
}

pub(super) fn record(id: &[u8], user: &[u8], sign_count: u32) -> CredentialRecord {
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

/// A record with every optional field empty and the other enum values.
fn sparse_record(id: &[u8], user: &[u8]) -> CredentialRecord {
    let mut record = CredentialRecord::new(
        StoredCredential::new(id.to_vec(), vec![0xa5, 1, 2, 3], u32::MAX, user.to_vec()),
        CoseAlgorithm::EdDsa,
        [0; 16],
        "packed",
        NOW.plus_secs(1),
    );
    record.credential.backup_eligible = BackupEligibility::Unknown;
    record.credential.uv_initialized = true;
    record.credential.backup_state = false;
    record.discoverable = Some(false);
    record
}

pub(super) fn update(expected: u32, new: u32) -> CredentialUpdate {
    CredentialUpdate::new(expected, new, true, NOW.plus_secs(9))
}

pub(super) fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("store conformance: {what} failed with a store error: {e:?}"))
}

pub(super) fn random_id() -> StateId {
    StateId::random(&mut UnwrapErr(SysRng))
}

/// A stored state is returned by the first take only, unchanged, for every kind of state.
pub(super) async fn take_once<S: ChallengeStore>(store: &S) {
    for state in [auth_state(1), discoverable_state(), registration_state()] {
        let id = random_id();
        ok(store.insert(&id, state.clone()).await, "insert");
        assert_eq!(ok(store.take(&id).await, "take"), Some(state), "store conformance: take returns the stored state");
        assert_eq!(ok(store.take(&id).await, "take"), None, "store conformance: a second take finds nothing");
    }
    assert_eq!(ok(store.take(&random_id()).await, "take"), None, "store conformance: unknown ID");
}

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin("https://example.com").build().unwrap_or_else(|_| unreachable!())
}

/// Ceremonies over the stores under test, at `NOW` on a manual clock.
pub(super) fn ceremonies<C: ChallengeStore, K: CredentialStore>(challenges: C, credentials: K) -> Ceremonies<C, K> {
    Ceremonies::new(rp(), challenges, credentials, UnwrapErr(SysRng)).with_clock(ManualClock::new(NOW))
}

fn user(handle: &[u8]) -> User {
    User { id: handle.to_vec(), name: "kit".into(), display_name: "Kit".into() }
}

pub(super) fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

fn expect_kind<T: std::fmt::Debug>(result: Result<T, CeremonyError>, kind: ErrorKind, what: &str) {
    match result {
        Err(e) => assert_eq!(e.kind(), Some(kind), "store conformance: {what}: wrong error {e:?}"),
        Ok(v) => panic!("store conformance: {what}: expected {kind:?}, got {v:?}"),
    }
}

/// Registers a fresh ES256 credential for `handle` through the ceremony layer.
pub(super) async fn register<C: ChallengeStore, K: CredentialStore>(
    c: &Ceremonies<C, K>,
    handle: &[u8],
) -> SoftCredential {
    let (id, options) =
        ok(c.start_registration(&user(handle), &RegistrationChoices::default()).await, "start_registration");
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
    ok(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default()).await, "finish_registration");
    cred
}

pub(super) fn request_challenge(options: &crate::RequestOptionsJson) -> Vec<u8> {
    let text =
        serde_json::to_value(options).ok().and_then(|v| v["challenge"].as_str().map(str::to_owned)).unwrap_or_default();
    crate::encoding::b64::decode(&text).unwrap_or_default()
}

/// Expired states are refused for registration, sign-in and discoverable sign-in.
pub(super) async fn expired_states_are_refused<S: ChallengeStore>(store: S) {
    let clock = ManualClock::new(NOW);
    let c = ceremonies(store, NoCredentials).with_clock(clock.clone());
    let late = NOW.plus_secs(301);
    let (id, _) = ok(c.start_registration(&user(b"u1"), &RegistrationChoices::default()).await, "start");
    clock.set(late);
    let mut cred = SoftCredential::new(KeyKind::Es256, b"u1", &mut UnwrapErr(SysRng));
    let json = cred.register(&[0; 32], &knobs());
    expect_kind(
        c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default()).await,
        ErrorKind::CeremonyExpired,
        "expired registration",
    );
    for target in [SignInTarget::User(b"u1"), SignInTarget::Discoverable] {
        clock.set(NOW);
        let (id, options) = ok(c.start_authentication(target, &SignInChoices::default()).await, "start");
        let json = cred.assert(&request_challenge(&options), &knobs());
        clock.set(late);
        expect_kind(c.finish_authentication(&id, json.as_bytes()).await, ErrorKind::CeremonyExpired, "expired sign-in");
    }
}

/// Inserting an existing credential ID fails, for any user, and changes nothing; records
/// round-trip unchanged, the full one and the sparse one.
pub(super) async fn credential_ids_are_unique<S: CredentialStore>(store: &S) {
    assert_eq!(ok(store.insert_new(record(b"id-1", b"alice", 3)).await, "insert_new"), InsertOutcome::Inserted);
    for owner in [&b"alice"[..], b"mallory"] {
        assert_eq!(
            ok(store.insert_new(record(b"id-1", owner, 0)).await, "insert_new"),
            InsertOutcome::AlreadyExists,
            "store conformance: an existing credential ID must not be inserted again"
        );
    }
    assert_eq!(
        ok(store.get(b"id-1").await, "get"),
        Some(record(b"id-1", b"alice", 3)),
        "store conformance: record round-trips unchanged"
    );
    assert_eq!(ok(store.insert_new(sparse_record(b"id-3", b"bob")).await, "insert_new"), InsertOutcome::Inserted);
    assert_eq!(
        ok(store.get(b"id-3").await, "get"),
        Some(sparse_record(b"id-3", b"bob")),
        "store conformance: a sparse record round-trips unchanged"
    );
    assert_eq!(ok(store.get(b"id-2").await, "get"), None);
}

/// The counter update applies only when the stored count is the expected one.
pub(super) async fn sign_count_is_compare_and_swap<S: CredentialStore>(store: &S) {
    ok(store.insert_new(record(b"id-1", b"alice", 5)).await, "insert_new");
    assert_eq!(ok(store.update_after_sign_in(b"id-1", update(5, 6)).await, "update"), UpdateOutcome::Updated);
    assert_eq!(
        ok(store.update_after_sign_in(b"id-1", update(5, 7)).await, "update"),
        UpdateOutcome::Conflict,
        "store conformance: a stale expected count must conflict"
    );
    let stored = ok(store.get(b"id-1").await, "get").unwrap_or_else(|| panic!("store conformance: record lost"));
    assert_eq!(stored.credential.sign_count, 6, "store conformance: count after CAS");
    assert!(stored.credential.backup_state, "store conformance: backup state updated");
    assert_eq!(stored.last_used_at, Some(NOW.plus_secs(9)), "store conformance: last used updated");
    assert!(!stored.credential.uv_initialized, "store conformance: uvInitialized untouched by an update without it");
    let mut verified = update(6, 7);
    verified.uv_initialized = true;
    assert_eq!(ok(store.update_after_sign_in(b"id-1", verified).await, "update"), UpdateOutcome::Updated);
    // A sign-in without UV, computed from a record read before the one above, must not clear it.
    assert_eq!(ok(store.update_after_sign_in(b"id-1", update(7, 8)).await, "update"), UpdateOutcome::Updated);
    let stored = ok(store.get(b"id-1").await, "get").unwrap_or_else(|| panic!("store conformance: record lost"));
    assert!(stored.credential.uv_initialized, "store conformance: uvInitialized is OR-ed, never cleared");
    // Both counts zero (an authenticator without a counter): the update still applies.
    ok(store.insert_new(record(b"zero", b"alice", 0)).await, "insert_new");
    assert_eq!(ok(store.update_after_sign_in(b"zero", update(0, 0)).await, "update"), UpdateOutcome::Updated);
    assert_eq!(ok(store.update_after_sign_in(b"id-9", update(0, 1)).await, "update"), UpdateOutcome::NotFound);
}

/// A user's credentials are listed oldest first; deletion removes exactly one.
pub(super) async fn listing_and_revocation<S: CredentialStore>(store: &S) {
    for (id, owner) in [(&b"a1"[..], &b"alice"[..]), (b"b1", b"bob"), (b"a2", b"alice"), (b"a0", b"alice")] {
        ok(store.insert_new(record(id, owner, 0)).await, "insert_new");
    }
    let ids = |owner: &'static [u8]| async move {
        ok(store.list_for_user(owner).await, "list").into_iter().map(|r| r.credential.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(b"alice").await,
        vec![b"a1".to_vec(), b"a2".to_vec(), b"a0".to_vec()],
        "store conformance: listing in insertion order"
    );
    assert_eq!(ids(b"nobody").await, Vec::<Vec<u8>>::new());
    assert_eq!(ids(b"alic").await, Vec::<Vec<u8>>::new(), "store conformance: a prefix of a handle owns nothing");
    assert!(ok(store.delete(b"a1").await, "delete"), "store conformance: delete reports an existing credential");
    assert!(!ok(store.delete(b"a1").await, "delete"), "store conformance: second delete finds nothing");
    assert_eq!(ids(b"alice").await, vec![b"a2".to_vec(), b"a0".to_vec()], "store conformance: after revocation");
    assert_eq!(ok(store.get(b"a1").await, "get"), None);
    assert_eq!(ids(b"bob").await, vec![b"b1".to_vec()]);
    // Renaming changes the nickname only; clearing it leaves none; an unknown ID is reported.
    assert!(ok(store.set_nickname(b"a2", Some("work laptop".into())).await, "set_nickname"));
    let renamed = ok(store.get(b"a2").await, "get").unwrap_or_else(|| panic!("store conformance: record lost"));
    let mut expected = record(b"a2", b"alice", 0);
    expected.nickname = Some("work laptop".into());
    assert_eq!(renamed, expected, "store conformance: set_nickname changes the nickname only");
    assert!(ok(store.set_nickname(b"a2", None).await, "set_nickname"));
    assert_eq!(ok(store.get(b"a2").await, "get").and_then(|r| r.nickname), None, "store conformance: nickname cleared");
    assert!(!ok(store.set_nickname(b"a1", Some("gone".into())).await, "set_nickname"), "store conformance: unknown ID");
}

/// A store error at any step fails the ceremony with [`CeremonyError::Storage`].
pub(super) async fn store_errors_fail_the_ceremony<S: ChallengeStore + CredentialStore>(store: S) {
    let faulty = Arc::new(Faulty { inner: store, failing: AtomicBool::new(false) });
    let c = ceremonies(Arc::clone(&faulty), Arc::clone(&faulty));
    let mut cred = register(&c, b"alice").await;
    let storage = |r: Result<(), CeremonyError>, what: &str| match r {
        Err(CeremonyError::Storage(_)) => {}
        other => panic!("store conformance: {what}: a store error must fail the ceremony, got {other:?}"),
    };
    faulty.failing.store(true, Ordering::SeqCst);
    storage(
        c.start_registration(&user(b"alice"), &RegistrationChoices::default()).await.map(|_| ()),
        "start_registration",
    );
    storage(
        c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await.map(|_| ()),
        "start_authentication",
    );
    faulty.failing.store(false, Ordering::SeqCst);
    let (id, options) =
        ok(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await, "start");
    let json = cred.assert(&request_challenge(&options), &knobs());
    faulty.failing.store(true, Ordering::SeqCst);
    storage(c.finish_authentication(&id, json.as_bytes()).await.map(|_| ()), "finish_authentication");
}

/// Concurrent takes of one state: exactly one gets it.
pub(super) async fn concurrent_takes_have_one_winner<S: ChallengeStore>(store: &S) {
    for round in 0..20u8 {
        let id = random_id();
        ok(store.insert(&id, auth_state(round)).await, "insert");
        let results = join_all((0..8).map(|_| store.take(&id)).collect()).await;
        let winners = results.into_iter().filter(|r| ok(r.as_ref(), "take").is_some()).count();
        assert_eq!(winners, 1, "store conformance: concurrent takes of one state");
    }
}

/// Concurrent updates with the same expected count: exactly one wins, the count never goes
/// down.
pub(super) async fn concurrent_counter_updates_have_one_winner<S: CredentialStore>(store: &S) {
    ok(store.insert_new(record(b"race", b"alice", 0)).await, "insert_new");
    for round in 0..20u32 {
        let results =
            join_all((0..8).map(|_| store.update_after_sign_in(b"race", update(round, round + 1))).collect()).await;
        let winners = results.into_iter().filter(|r| *ok(r.as_ref(), "update") == UpdateOutcome::Updated).count();
        assert_eq!(winners, 1, "store conformance: concurrent CAS with one expected count");
        let count = ok(store.get(b"race").await, "get").map(|r| r.credential.sign_count);
        assert_eq!(count, Some(round + 1), "store conformance: count after a CAS race");
    }
}

/// Full ceremonies: concurrent finishers of one sign-in state, and cloned authenticators
/// presenting the same counter on separate states. Exactly one wins each race; the stored
/// count never decreases.
pub(super) async fn concurrent_sign_ins_have_one_winner<S: ChallengeStore + CredentialStore>(store: S) {
    let store = Arc::new(store);
    let c = ceremonies(Arc::clone(&store), Arc::clone(&store));
    let mut cred = register(&c, b"alice").await;
    let cred_id = cred.id().to_vec();
    let mut last_count = 1;
    for _ in 0..5 {
        // One state, many finishers of the same response.
        let (id, options) =
            ok(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await, "start");
        let json = cred.assert(&request_challenge(&options), &knobs());
        let results = join_all((0..8).map(|_| c.finish_authentication(&id, json.as_bytes())).collect()).await;
        let mut winners = 0;
        for result in results {
            match result {
                Ok(_) => winners += 1,
                Err(e) => assert_eq!(e.kind(), Some(ErrorKind::StateNotFound), "store conformance: replayed state"),
            }
        }
        assert_eq!(winners, 1, "store conformance: one state finished once");

        // Separate states, the same counter value (a cloned authenticator).
        let next = cred.sign_count() + 1;
        let mut attempts = Vec::new();
        for _ in 0..6 {
            let (id, options) =
                ok(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await, "start");
            let mut k = knobs();
            k.sign_count = Some(next);
            attempts.push((id, cred.assert(&request_challenge(&options), &k)));
        }
        let results =
            join_all(attempts.iter().map(|(id, json)| c.finish_authentication(id, json.as_bytes())).collect()).await;
        let mut winners = 0;
        for result in results {
            match result {
                Ok(_) => winners += 1,
                Err(e) => assert!(
                    matches!(e.kind(), Some(ErrorKind::Counter | ErrorKind::CounterConflict)),
                    "store conformance: losing sign-in must fail on the counter, got {e:?}"
                ),
            }
        }
        assert_eq!(winners, 1, "store conformance: one sign-in per counter value");
        let count = ok(store.get(&cred_id).await, "get").map(|r| r.credential.sign_count).unwrap_or_default();
        assert!(count >= last_count && count == next, "store conformance: stored count {count} after race to {next}");
        last_count = count;
    }
}

/// A store that takes a state and reads a credential in one round trip
/// ([`ChallengeStore::take_with_credential`]) agrees with `take` and `get`: the state once,
/// the row as stored (sparse ones too), `Some(None)` for an unknown credential.
pub(super) async fn take_with_credential_agrees<S: ChallengeStore + CredentialStore>(store: &S) {
    ok(store.insert_new(record(b"id-1", b"alice", 3)).await, "insert_new");
    ok(store.insert_new(sparse_record(b"id-3", b"bob")).await, "insert_new");
    let read_with = |credential: &'static [u8], expected: Option<CredentialRecord>| async move {
        let id = random_id();
        ok(store.insert(&id, auth_state(1)).await, "insert");
        let (state, read) = ok(store.take_with_credential(&id, credential).await, "take_with_credential");
        assert_eq!(state, Some(auth_state(1)), "store conformance: take_with_credential takes the state");
        if let Some(read) = read {
            assert_eq!(read, expected, "store conformance: take_with_credential reads the row as stored");
        }
        let (again, _) = ok(store.take_with_credential(&id, credential).await, "take_with_credential");
        assert_eq!(again, None, "store conformance: a state is taken once");
    };
    read_with(b"id-1", Some(record(b"id-1", b"alice", 3))).await;
    read_with(b"id-3", Some(sparse_record(b"id-3", b"bob"))).await;
    read_with(b"id-2", None).await;
}
