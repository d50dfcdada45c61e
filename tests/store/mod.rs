//! The ceremony layer over the stores: conformance of the in-memory store, replays, and
//! cross-user attempts.

use getrandom::SysRng;
use passkey_store_sql::SqliteStore;
use passkey_verifier::testkit::store_conformance::{self, block_on};
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Ceremonies, ChallengeStore, CredentialStore, ErrorKind, MemoryStore, RegistrationChoices, RegistrationDetails,
    RelyingParty, SignInChoices, SignInTarget, StateId, UnixTime, User,
};
use rand_core::UnwrapErr;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

#[test]
fn memory_store_passes_the_conformance_kit() {
    // Two handles of one in-memory store are two clones of one `Arc`.
    block_on(store_conformance::run(&store_conformance::shared(MemoryStore::new)));
}

fn ceremonies() -> Ceremonies<MemoryStore, MemoryStore> {
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    over(rp, MemoryStore::new(), MemoryStore::new())
}

/// Ceremonies over the given stores, at `NOW` on a manual clock.
fn over<C: ChallengeStore, K: CredentialStore>(rp: RelyingParty, challenges: C, credentials: K) -> Ceremonies<C, K> {
    Ceremonies::new(rp, challenges, credentials, UnwrapErr(SysRng)).with_clock(ManualClock::new(NOW))
}

fn user(handle: &[u8]) -> User {
    User { id: handle.to_vec(), name: "user".into(), display_name: "User".into() }
}

fn challenge_of(options: &impl serde::Serialize) -> Vec<u8> {
    let v = serde_json::to_value(options).unwrap();
    passkey_verifier::hazmat::b64::decode(v["challenge"].as_str().unwrap()).unwrap()
}

fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

/// Registers a credential for `handle`; returns it with the registration response JSON.
fn register<C: ChallengeStore, K: CredentialStore>(c: &Ceremonies<C, K>, handle: &[u8]) -> (SoftCredential, String) {
    let (id, options) = block_on(c.start_registration(&user(handle), &RegistrationChoices::default())).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, handle, &mut UnwrapErr(SysRng));
    let json = cred.register(&challenge_of(&options), &knobs());
    block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::nickname("phone"))).unwrap();
    (cred, json)
}

#[test]
fn a_finished_registration_state_cannot_be_replayed() {
    let c = ceremonies();
    let (id, options) = block_on(c.start_registration(&user(b"alice"), &RegistrationChoices::default())).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, b"alice", &mut UnwrapErr(SysRng));
    let json = cred.register(&challenge_of(&options), &knobs());
    let record = block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())).unwrap();
    assert_eq!(record.id(), cred.id());
    assert_eq!(record.user_handle(), b"alice");
    let err = block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::StateNotFound));
}

#[test]
fn registering_an_existing_credential_id_fails_for_anyone() {
    let c = ceremonies();
    let (mut cred, _) = register(&c, b"alice");
    // The same authenticator credential presented again, for alice and then for mallory.
    for handle in [&b"alice"[..], b"mallory"] {
        let (id, options) = block_on(c.start_registration(&user(handle), &RegistrationChoices::default())).unwrap();
        let json = cred.register(&challenge_of(&options), &knobs());
        let err = block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())).unwrap_err();
        assert_eq!(err.kind(), Some(ErrorKind::CredentialExists), "{:?}", String::from_utf8_lossy(handle));
    }
    let owners: Vec<_> = block_on(c.credentials().list_for_user(b"mallory")).unwrap();
    assert!(owners.is_empty());
}

#[test]
fn exclude_credentials_lists_the_users_existing_credentials() {
    let c = ceremonies();
    let (cred, _) = register(&c, b"alice");
    let (_, options) = block_on(c.start_registration(&user(b"alice"), &RegistrationChoices::default())).unwrap();
    let v = serde_json::to_value(&options).unwrap();
    let excluded = v["excludeCredentials"].as_array().unwrap();
    assert_eq!(excluded.len(), 1);
    assert_eq!(excluded[0]["id"], passkey_verifier::hazmat::b64::encode(cred.id()));
}

#[test]
fn sign_in_replays_and_expiry_fail() {
    let clock = ManualClock::new(NOW);
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let c = over(rp, MemoryStore::new(), MemoryStore::new()).with_clock(clock.clone());
    let (mut cred, _) = register(&c, b"alice");
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())).unwrap();
    let json = cred.assert(&challenge_of(&options), &knobs());
    let sign_in = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap();
    assert_eq!(sign_in.user_handle, b"alice");
    assert_eq!(sign_in.update.new_sign_count, 2);
    // The same response replayed on the finished state.
    let err = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::StateNotFound));
    // An unknown state ID.
    let err = block_on(c.finish_authentication(&StateId::new("nope"), json.as_bytes())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::StateNotFound));
    // An expired state.
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::Discoverable, &SignInChoices::default())).unwrap();
    let json = cred.assert(&challenge_of(&options), &knobs());
    clock.set(NOW.plus_secs(301));
    let err = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::CeremonyExpired));
    // A registration state used for a sign-in is not found as a sign-in.
    let (id, _) = block_on(c.start_registration(&user(b"alice"), &RegistrationChoices::default())).unwrap();
    let err = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::StateNotFound));
}

#[test]
fn sign_in_for_alice_answered_with_bobs_credential_fails() {
    let c = ceremonies();
    let (_alice, _) = register(&c, b"alice");
    let (mut bob, _) = register(&c, b"bob");
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())).unwrap();
    let json = bob.assert(&challenge_of(&options), &knobs());
    let err = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();
    // Bob's credential is not in alice's allowCredentials.
    assert_eq!(err.kind(), Some(ErrorKind::CredentialNotAllowed));
    let stored = block_on(c.credentials().get(bob.id())).unwrap().unwrap();
    assert_eq!(stored.credential.sign_count, 1, "a refused sign-in changes nothing");
}

#[test]
fn revoked_credentials_cannot_sign_in() {
    let c = ceremonies();
    let (mut cred, _) = register(&c, b"alice");
    assert!(block_on(c.credentials().delete(cred.id())).unwrap());
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::Discoverable, &SignInChoices::default())).unwrap();
    let json = cred.assert(&challenge_of(&options), &knobs());
    let err = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::CredentialNotFound));
}

#[test]
fn ceremony_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let c = ceremonies();
    let choices = SignInChoices::default();
    let f = c.start_authentication(SignInTarget::Discoverable, &choices);
    assert_send(&f);
    let id = StateId::new("x");
    let g = c.finish_authentication(&id, b"{}");
    assert_send(&g);
    assert_eq!(block_on(g).unwrap_err().kind(), Some(ErrorKind::StateNotFound));
    block_on(f).unwrap();
}

/// SQLite databases in temporary files: a fresh file per store, a second pool on the same
/// file for the second handle (as a second server process would open it).
struct SqliteFiles {
    dir: std::path::PathBuf,
    next: std::sync::atomic::AtomicUsize,
}

impl SqliteFiles {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("passkey-verifier-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir, next: std::sync::atomic::AtomicUsize::new(0) }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.join(format!("{}.db", self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)))
    }
}

impl Drop for SqliteFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl store_conformance::StoreFactory for SqliteFiles {
    type Store = SqliteStore;

    async fn fresh(&self) -> SqliteStore {
        let store = SqliteStore::open(self.path()).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    async fn second_handle(&self, store: &SqliteStore) -> SqliteStore {
        SqliteStore::connect_with((*store.pool().connect_options()).clone(), 4).await.unwrap()
    }
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn sqlite_store_passes_the_conformance_kit() {
    tokio().block_on(store_conformance::run(&SqliteFiles::new("conformance")));
}

#[test]
fn sqlite_store_persists_across_processes() {
    let files = SqliteFiles::new("persist");
    let path = files.path();
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let runtime = tokio();
    let (mut cred, state_id, challenge) = runtime.block_on(async {
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        let c = over(rp.clone(), store.clone(), store.clone());
        let (id, options) = c.start_registration(&user(b"alice"), &RegistrationChoices::default()).await.unwrap();
        let mut cred = SoftCredential::new(KeyKind::Es256, b"alice", &mut UnwrapErr(SysRng));
        let json = cred.register(&challenge_of(&options), &knobs());
        c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::nickname("phone")).await.unwrap();
        let (id, options) =
            c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await.unwrap();
        store.pool().close().await;
        (cred, id, challenge_of(&options))
    });
    // Another process (a new pool; migrate again is a no-op) finishes the sign-in.
    runtime.block_on(async {
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        let c = over(rp, store.clone(), store);
        let json = cred.assert(&challenge, &knobs());
        let sign_in = c.finish_authentication(&state_id, json.as_bytes()).await.unwrap();
        assert_eq!(sign_in.user_handle, b"alice");
        let record = c.credentials().get(cred.id()).await.unwrap().unwrap();
        assert_eq!(record.credential.sign_count, 2);
        assert_eq!(record.nickname.as_deref(), Some("phone"));
        assert_eq!(record.last_used_at, Some(NOW));
        let err = c.finish_authentication(&state_id, json.as_bytes()).await.unwrap_err();
        assert_eq!(err.kind(), Some(ErrorKind::StateNotFound), "the state was taken once, in the other process");
    });
}

#[test]
fn finished_ceremonies_are_audited_without_identifiers() {
    use passkey_verifier::audit::{AuditKind, AuditOutcome, MemoryAuditSink, ReasonCategory};
    let sink = std::sync::Arc::new(MemoryAuditSink::new());
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let c = over(rp, MemoryStore::new(), MemoryStore::new()).with_audit_sink(sink.clone());
    let (mut cred, _) = register(&c, b"alice");
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())).unwrap();
    let json = cred.assert(&challenge_of(&options), &knobs());
    block_on(c.finish_authentication(&id, json.as_bytes())).unwrap();
    let _ = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();

    let events = sink.events();
    let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.outcome, e.reason)).collect();
    assert_eq!(
        kinds,
        vec![
            (AuditKind::Registration, AuditOutcome::Success, None),
            (AuditKind::SignIn, AuditOutcome::Success, None),
            (
                AuditKind::SignIn,
                AuditOutcome::Failure,
                Some(ReasonCategory::Verification(passkey_verifier::Category::Challenge))
            ),
        ]
    );
    let text = format!("{events:?}");
    for secret in [
        passkey_verifier::hazmat::b64::encode(cred.id()),
        passkey_verifier::hazmat::b64::encode(b"alice"),
        "alice".to_string(),
        id.as_str().to_string(),
    ] {
        assert!(!text.contains(&secret), "audit events leak {secret}");
    }
}

/// The Level 3 record: `uvInitialized` is set by the first ceremony that verifies the user and
/// is never cleared; the attestation is kept only when asked, byte for byte.
#[test]
fn credential_record_tracks_uv_initialized_and_keeps_attestation_on_request() {
    use passkey_verifier::Flags;
    let c = ceremonies();
    let (id, options) = block_on(c.start_registration(&user(b"alice"), &RegistrationChoices::default())).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, b"alice", &mut UnwrapErr(SysRng));
    let mut no_uv = knobs();
    no_uv.flags = Flags::UP;
    let json = cred.register(&challenge_of(&options), &no_uv);
    let details = RegistrationDetails::nickname("key").keeping_attestation();
    let record = block_on(c.finish_registration(&id, json.as_bytes(), &details)).unwrap();
    assert!(!record.credential.uv_initialized, "registered without UV");
    let posted: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kept = record.attestation.as_ref().expect("attestation kept on request");
    let b64 = |field: &str| passkey_verifier::hazmat::b64::decode(posted["response"][field].as_str().unwrap()).unwrap();
    assert_eq!(kept.attestation_object, b64("attestationObject"));
    assert_eq!(kept.client_data_json, b64("clientDataJSON"));

    let stored =
        |c: &Ceremonies<MemoryStore, MemoryStore>| block_on(c.credentials().get(cred_id(&record))).unwrap().unwrap();
    for (flags, expected) in [(Flags::UP, false), (Flags::UP | Flags::UV, true), (Flags::UP, true)] {
        let (id, options) =
            block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default())).unwrap();
        let mut k = knobs();
        k.flags = flags;
        let sign_in =
            block_on(c.finish_authentication(&id, cred.assert(&challenge_of(&options), &k).as_bytes())).unwrap();
        assert_eq!(sign_in.update.user_verified, flags & Flags::UV != 0);
        assert_eq!(stored(&c).credential.uv_initialized, expected, "after a sign-in with {flags:?}");
    }

    let (_, plain) = register(&c, b"bob");
    let bob = block_on(c.credentials().list_for_user(b"bob")).unwrap();
    assert!(bob[0].attestation.is_none(), "not kept by default");
    assert!(!plain.is_empty());
}

fn cred_id(record: &passkey_verifier::CredentialRecord) -> &[u8] {
    record.id()
}

/// Through the ceremony layer: the `credProps` answer is stored with the record, and an
/// autofill sign-in is username-less and reported as conditional.
#[test]
fn ceremonies_store_discoverability_and_run_autofill_sign_ins() {
    use passkey_verifier::{Mediation, RegistrationChoices};
    let c = ceremonies();
    let (id, options) = block_on(c.start_registration(&user(b"alice"), &RegistrationChoices::default())).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, b"alice", &mut UnwrapErr(SysRng));
    let mut k = knobs();
    cred.answer_extensions(&serde_json::to_value(&options).unwrap()["extensions"], true, &mut k);
    let json = cred.register(&challenge_of(&options), &k);
    let record = block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())).unwrap();
    assert_eq!(record.discoverable, Some(true));
    assert_eq!(block_on(c.credentials().get(record.id())).unwrap().unwrap().discoverable, Some(true));

    let err = block_on(c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::autofill())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Config), "autofill is username-less");
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::Discoverable, &SignInChoices::autofill())).unwrap();
    assert_eq!(options.mediation(), Some("conditional"));
    let sign_in =
        block_on(c.finish_authentication(&id, cred.assert(&challenge_of(&options), &knobs()).as_bytes())).unwrap();
    assert_eq!((sign_in.user_handle.as_slice(), sign_in.mediation), (&b"alice"[..], Mediation::Conditional));
}
