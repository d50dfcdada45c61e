//! The servers restarted in the middle of a load of sign-ins and recovery redemptions
//! (`.ci/services restart`): PostgreSQL under `Ceremonies` over PostgreSQL alone, then Redis
//! under `Ceremonies` over Redis state and PostgreSQL credentials. Every ceremony in flight
//! completes exactly once or fails with a storage error, no state is taken twice, no count
//! goes down, no recovery token is consumed without its grant (nor a grant stored without
//! its token consumed), and the same stores (pool, connection manager) work again
//! afterwards, without restarting anything on the client side.
//!
//! A binary of its own: it restarts the servers that every adapter test shares, so no other
//! test may run beside it (cargo runs test binaries one after the other). It needs the
//! servers of `.ci/services start` (`PASSKEY_SERVICES_DIR`), which it may restart; without
//! them it prints that it skipped, except in CI, where it fails.

// Tests: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use passkey_recovery::{
    ChallengeRecord, Channel, ConsumeOutcome, CorrelationId, GrantRecord, RecoveryStore, Redemption, SubjectId,
    TokenHash,
};
use passkey_store_redis::RedisStore;
use passkey_store_sql::PgStore;
use passkey_verifier::testkit::store_conformance::service_url;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::{
    Ceremonies, CeremonyError, ChallengeStore, CredentialStore, ErrorKind, RegistrationChoices, RegistrationDetails,
    RelyingParty, SignInChoices, SignInTarget, UnixTime, User,
};
use rand_core::UnwrapErr;
use sqlx::postgres::PgConnectOptions;

const CLIENTS: usize = 6;
/// Successes in a row each client must reach after the restart, over the same stores.
const STREAK: usize = 10;
const DEADLINE: Duration = Duration::from_secs(90);

const BEFORE: u8 = 0;
const RESTARTING: u8 = 1;
const AFTER: u8 = 2;

struct Services {
    dir: String,
    pg_url: String,
    redis_url: String,
}

fn services() -> Option<Services> {
    const TEST: &str = "passkey-store-redis restart";
    let pg_url = service_url("PASSKEY_TEST_POSTGRES_URL", TEST)?;
    let redis_url = service_url("PASSKEY_TEST_REDIS_URL", TEST)?;
    match std::env::var("PASSKEY_SERVICES_DIR") {
        Ok(dir) if !dir.is_empty() => Some(Services { dir, pg_url, redis_url }),
        _ => {
            let required = std::env::var("PASSKEY_SERVICES_REQUIRED").is_ok_and(|v| v == "1")
                || std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !required,
                "{TEST}: PASSKEY_SERVICES_DIR is not set: the test restarts the servers of `.ci/services start`"
            );
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: {TEST} (it restarts servers: run it under `.ci/with-services`, which sets PASSKEY_SERVICES_DIR)"
            );
            None
        }
    }
}

impl Services {
    /// `.ci/services restart WHICH DIR`, run without blocking the runtime.
    async fn restart(&self, which: &str) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/services");
        let out = tokio::process::Command::new(script).args(["restart", which, &self.dir]).output().await.unwrap();
        assert!(out.status.success(), "restart {which}: {}", String::from_utf8_lossy(&out.stderr));
    }

    async fn pg(&self, schema: &str) -> PgStore {
        let admin = PgStore::connect(&self.pg_url).await.unwrap();
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            .execute(admin.pool())
            .await
            .unwrap();
        admin.pool().close().await;
        let options = self.pg_url.parse::<PgConnectOptions>().unwrap().options([("search_path", schema)]);
        let store = PgStore::connect_with(options, 8).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    async fn drop_schema(&self, schema: &str) {
        let admin = PgStore::connect(&self.pg_url).await.unwrap();
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(admin.pool()).await.unwrap();
    }
}

/// Where the load is: before, during or after the restart, and whether to stop.
struct Phase {
    now: AtomicU8,
    stop: AtomicBool,
    /// Per client: sign-ins completed, and successes in a row since the restart.
    completed: [AtomicUsize; CLIENTS],
    streak: [AtomicUsize; CLIENTS],
}

impl Phase {
    fn new() -> Self {
        Self {
            now: AtomicU8::new(BEFORE),
            stop: AtomicBool::new(false),
            completed: Default::default(),
            streak: Default::default(),
        }
    }

    fn get(&self) -> u8 {
        self.now.load(Ordering::SeqCst)
    }
}

/// What one client saw.
#[derive(Debug, Default)]
struct Seen {
    completed: usize,
    storage_failures: usize,
    /// First finishes that found no state: only for a state issued before a restart of a
    /// server that keeps nothing (Redis without persistence, as in CI).
    lost_states: usize,
}

fn challenge_of(options: &impl serde::Serialize) -> Vec<u8> {
    let v = serde_json::to_value(options).unwrap();
    passkey_verifier::hazmat::b64::decode(v["challenge"].as_str().unwrap()).unwrap()
}

fn is_storage<T>(r: &Result<T, CeremonyError>) -> bool {
    matches!(r, Err(CeremonyError::Storage(_)))
}

async fn register<C: ChallengeStore, K: CredentialStore>(c: &Ceremonies<C, K>, n: usize) -> SoftCredential {
    let handle = format!("user-{n}").into_bytes();
    let user = User { id: handle.clone(), name: format!("user{n}"), display_name: format!("User {n}") };
    let (id, options) = c.start_registration(&user, &RegistrationChoices::default()).await.unwrap();
    let mut soft = SoftCredential::new(KeyKind::Es256, &handle, &mut UnwrapErr(getrandom::SysRng));
    let json = soft.register(&challenge_of(&options), &Knobs::new("example.com", "https://example.com"));
    c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default()).await.unwrap();
    soft
}

/// The stored count, read again until the store answers.
async fn stored_count<K: CredentialStore>(store: &K, id: &[u8]) -> u32 {
    let started = Instant::now();
    loop {
        if let Ok(record) = store.get(id).await {
            return record.expect("the credential stays").credential.sign_count;
        }
        assert!(started.elapsed() < DEADLINE, "the credential store never came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One client signing in again and again until told to stop, checking every outcome.
async fn client<C, K>(
    n: usize,
    c: Arc<Ceremonies<C, K>>,
    mut soft: SoftCredential,
    phase: Arc<Phase>,
    loses: bool,
) -> Seen
where
    C: ChallengeStore + 'static,
    K: CredentialStore + 'static,
{
    let knobs = Knobs::new("example.com", "https://example.com");
    let handle = format!("user-{n}").into_bytes();
    let (mut seen, mut last_ok, mut last_stored) = (Seen::default(), 0u32, 0u32);
    while !phase.stop.load(Ordering::SeqCst) {
        let issued_in = phase.get();
        let (id, options) = match c.start_authentication(SignInTarget::User(&handle), &SignInChoices::default()).await {
            Ok(started) => started,
            Err(CeremonyError::Storage(_)) => {
                seen.storage_failures += 1;
                phase.streak[n].store(0, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Err(e) => panic!("client {n}: a start fails with a storage error or not at all, got {e:?}"),
        };
        let json = soft.assert(&challenge_of(&options), &knobs);
        // The page's request, and a replay of it (a retry, or an attacker): at most one wins.
        let first = c.finish_authentication(&id, json.as_bytes()).await;
        let replay = c.finish_authentication(&id, json.as_bytes()).await;
        let mut wins = 0;
        for (attempt, result) in [first, replay].into_iter().enumerate() {
            match result {
                Ok(sign_in) => {
                    wins += 1;
                    assert!(sign_in.update.new_sign_count > last_ok, "client {n}: counts of successes only go up");
                    last_ok = sign_in.update.new_sign_count;
                }
                r if is_storage(&r) => seen.storage_failures += 1,
                Err(e) if e.kind() == Some(ErrorKind::StateNotFound) => {
                    // A replay finds the state gone; a first attempt only when the server
                    // lost it, for a state issued before its restart was over.
                    if attempt == 0 {
                        assert!(loses && issued_in != AFTER, "client {n}: a stored state vanished ({e:?})");
                        seen.lost_states += 1;
                    }
                }
                Err(e) => panic!("client {n}: a finish completes or fails with a storage error, got {e:?}"),
            }
        }
        assert!(wins <= 1, "client {n}: one state was taken twice");
        seen.completed += wins;
        phase.completed[n].fetch_add(wins, Ordering::SeqCst);
        if wins == 1 && issued_in == AFTER {
            phase.streak[n].fetch_add(1, Ordering::SeqCst);
        } else {
            phase.streak[n].store(0, Ordering::SeqCst);
        }
        let stored = stored_count(c.credentials(), soft.id()).await;
        assert!(stored >= last_stored && stored >= last_ok, "client {n}: the stored count went down");
        last_stored = stored;
    }
    seen
}

/// What the redeemer did: the tokens tried (with the phase they were issued in), those whose
/// redemption reported `Consumed`, and how many calls failed or found their token gone.
struct Redeemed {
    tried: Vec<(u32, u8)>,
    consumed: Vec<u32>,
    failed: usize,
}

/// Recovery redemptions, one token after another, until told to stop.
async fn redeemer<R: RecoveryStore + 'static>(store: Arc<R>, tag: u8, phase: Arc<Phase>) -> Redeemed {
    let (mut tried, mut consumed, mut failed) = (Vec::new(), Vec::new(), 0);
    let expires_at = UnixTime::now().plus_secs(600);
    for i in 0u32.. {
        if phase.stop.load(Ordering::SeqCst) {
            break;
        }
        let issued_in = phase.get();
        let challenge = ChallengeRecord {
            handle_hash: token(tag, i),
            secret_hash: grant(tag ^ 0x55, i),
            subject: SubjectId::new(b"alice".to_vec()),
            correlation_id: CorrelationId::new("restart"),
            channel: Channel::Email,
            redemption: Redemption::TokenAlone,
            scopes: Vec::new(),
            attempts_left: 3,
            expires_at,
            consumed: false,
        };
        tried.push((i, issued_in));
        if store.insert_challenge(challenge).await.is_err() {
            failed += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        let grant = GrantRecord {
            grant_hash: grant(tag, i),
            subject: SubjectId::new(b"alice".to_vec()),
            correlation_id: CorrelationId::new("restart"),
            channel: Some(Channel::Email),
            scopes: Vec::new(),
            expires_at,
            consumed: false,
        };
        match store.redeem_challenge(&token(tag, i), grant).await {
            Ok(ConsumeOutcome::Consumed) => consumed.push(i),
            // Lost with a server that keeps nothing, or failed in flight.
            Ok(ConsumeOutcome::NotFound) | Err(_) => failed += 1,
            Ok(other) => panic!("token {i}: a fresh token's first redemption got {other:?}"),
        }
    }
    Redeemed { tried, consumed, failed }
}

fn token(tag: u8, i: u32) -> TokenHash {
    let mut b = [tag; 32];
    b[..4].copy_from_slice(&i.to_le_bytes());
    TokenHash::from_bytes(b)
}

fn grant(tag: u8, i: u32) -> TokenHash {
    let mut b = [tag ^ 0xff; 32];
    b[..4].copy_from_slice(&i.to_le_bytes());
    TokenHash::from_bytes(b)
}

/// Every token tried: consumed exactly when its grant exists; a reported redemption has both
/// (unless the server lost both, for a token issued before its restart was over).
async fn check_redemptions<R: RecoveryStore>(store: &R, tag: u8, tried: &[(u32, u8)], consumed: &[u32], loses: bool) {
    let (mut redeemed, mut lost) = (0, 0);
    for &(i, issued_in) in tried {
        let (challenge, stored_grant) = loop {
            if let (Ok(c), Ok(g)) = (store.find_challenge(&token(tag, i)).await, store.find_grant(&grant(tag, i)).await)
            {
                break (c, g);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let is_consumed = challenge.as_ref().is_some_and(|c| c.consumed);
        assert_eq!(is_consumed, stored_grant.is_some(), "token {i}: consumed exactly when its grant is stored");
        if consumed.contains(&i) {
            if challenge.is_none() {
                assert!(loses && issued_in != AFTER, "token {i}: a redeemed token vanished");
                lost += 1;
            } else {
                assert!(is_consumed, "token {i}: reported consumed, stored unconsumed");
                redeemed += 1;
            }
        }
    }
    eprintln!(
        "restart: {} tokens tried, {redeemed} redeemed with their grant, {lost} lost with the server",
        tried.len()
    );
    assert!(redeemed > 0, "redemptions completed around the restart");
}

/// Runs the load, restarts `which` once every client has signed in a few times, and waits
/// until every client has [`STREAK`] successes in a row after it.
async fn restart_under_load<C, K, R>(
    services: &Services,
    which: &str,
    ceremonies: Ceremonies<C, K>,
    recovery: Arc<R>,
    loses: bool,
) where
    C: ChallengeStore + 'static,
    K: CredentialStore + 'static,
    R: RecoveryStore + 'static,
{
    let c = Arc::new(ceremonies);
    let mut credentials = Vec::new();
    for n in 0..CLIENTS {
        credentials.push(register(&c, n).await);
    }
    let phase = Arc::new(Phase::new());
    let clients: Vec<_> = credentials
        .into_iter()
        .enumerate()
        .map(|(n, soft)| tokio::spawn(client(n, c.clone(), soft, phase.clone(), loses)))
        .collect();
    let tag = which.as_bytes()[0];
    let redeemer = tokio::spawn(redeemer(recovery.clone(), tag, phase.clone()));
    let started = Instant::now();
    let wait = |done: &dyn Fn() -> bool| {
        assert!(started.elapsed() < DEADLINE, "{which}: the load did not get there in {DEADLINE:?}");
        !done()
    };
    while wait(&|| phase.completed.iter().all(|c| c.load(Ordering::SeqCst) >= 3)) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    phase.now.store(RESTARTING, Ordering::SeqCst);
    let restart_began = Instant::now();
    services.restart(which).await;
    let downtime = restart_began.elapsed();
    phase.now.store(AFTER, Ordering::SeqCst);
    while wait(&|| phase.streak.iter().all(|s| s.load(Ordering::SeqCst) >= STREAK)) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    phase.stop.store(true, Ordering::SeqCst);
    let mut total = Seen::default();
    for client in clients {
        let seen = client.await.unwrap();
        total.completed += seen.completed;
        total.storage_failures += seen.storage_failures;
        total.lost_states += seen.lost_states;
    }
    let redeemed = redeemer.await.unwrap();
    eprintln!("restart {which} ({downtime:?}) under load: {total:?}, {} redemption calls failed", redeemed.failed);
    // The restart hit the load: something failed in flight (or was lost with Redis).
    assert!(
        total.storage_failures + total.lost_states + redeemed.failed > 0,
        "{which}: the restart failed nothing: was it restarted?"
    );
    check_redemptions(&*recovery, tag, &redeemed.tried, &redeemed.consumed, loses).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_and_redemptions_survive_server_restarts() {
    let Some(services) = services() else { return };
    let rp = || RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let rng = || UnwrapErr(getrandom::SysRng);

    // PostgreSQL restarted under ceremonies over PostgreSQL alone, and recovery in it.
    let schema = format!("t_restart_pg_{}", std::process::id());
    let pg = services.pg(&schema).await;
    let ceremonies = Ceremonies::new(rp(), pg.clone(), pg.clone(), rng());
    restart_under_load(&services, "postgres", ceremonies, Arc::new(pg.clone()), false).await;
    services.drop_schema(&schema).await;

    // Redis restarted (losing its keys) under ceremonies over Redis state and PostgreSQL
    // credentials, and recovery in Redis.
    let schema = format!("t_restart_split_{}", std::process::id());
    let pg = services.pg(&schema).await;
    let redis = RedisStore::connect(&services.redis_url).await.unwrap().with_prefix("restart:");
    let ceremonies = Ceremonies::new(rp(), redis.clone(), pg, rng());
    restart_under_load(&services, "redis", ceremonies, Arc::new(redis), true).await;
    services.drop_schema(&schema).await;
}
