//! The Redis adapter against a real server: runs when `PASSKEY_TEST_REDIS_URL` names one
//! (mandatory in CI); with `PASSKEY_TEST_POSTGRES_URL` too, `Ceremonies` over Redis state and
//! PostgreSQL credentials.

// Tests: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicUsize, Ordering};

use passkey_store_redis::{RedisStore, RedisStoreError};
use passkey_store_sql::PgStore;
use passkey_verifier::store::StateFormatError;
use passkey_verifier::testkit::store_conformance::{self, service_url, Split, StoreFactory};
use passkey_verifier::testkit::ManualClock;
use passkey_verifier::{
    AuthenticationState, CeremonyState, Challenge, ChallengeStore, StateId, UnixTime, UserVerification,
};
use sqlx::postgres::PgConnectOptions;

/// Stores under a fresh random key prefix each (one server, no flushing), the second handle a
/// second client with the same prefix.
struct Prefixes {
    url: String,
    run: String,
    next: AtomicUsize,
}

impl Prefixes {
    fn new(url: String) -> Self {
        let mut bytes = [0u8; 8];
        rand_core::TryRng::try_fill_bytes(&mut getrandom::SysRng, &mut bytes).unwrap();
        Self { url, run: passkey_verifier::hazmat::b64::encode(&bytes), next: AtomicUsize::new(0) }
    }
}

impl StoreFactory for Prefixes {
    type Store = RedisStore;

    async fn fresh(&self) -> RedisStore {
        let prefix = format!("test:{}:{}:", self.run, self.next.fetch_add(1, Ordering::SeqCst));
        RedisStore::connect(&self.url).await.unwrap().with_prefix(&prefix)
    }

    async fn second_handle(&self, store: &RedisStore) -> RedisStore {
        RedisStore::connect(&self.url).await.unwrap().with_prefix(store.prefix())
    }
}

fn redis(test: &str) -> Option<Prefixes> {
    service_url("PASSKEY_TEST_REDIS_URL", &format!("passkey-store-redis {test}")).map(Prefixes::new)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_challenge_store_conformance_kit() {
    let Some(f) = redis("challenge kit") else { return };
    store_conformance::run_challenge_store(&f).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_recovery_store_conformance_kit() {
    let Some(f) = redis("recovery kit") else { return };
    passkey_recovery::testkit::run(&f, &f).await;
}

/// Redis for state and PostgreSQL for credentials, as one pair under the full kit.
struct RedisAndPostgres {
    redis: Prefixes,
    pg_url: String,
    next: AtomicUsize,
}

impl StoreFactory for RedisAndPostgres {
    type Store = Split<RedisStore, PgStore>;

    async fn fresh(&self) -> Self::Store {
        let schema = format!("t_split_{}_{}", std::process::id(), self.next.fetch_add(1, Ordering::SeqCst));
        let admin = PgStore::connect(&self.pg_url).await.unwrap();
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            .execute(admin.pool())
            .await
            .unwrap();
        let options = self.pg_url.parse::<PgConnectOptions>().unwrap().options([("search_path", schema.as_str())]);
        let credentials = PgStore::connect_with(options, 4).await.unwrap();
        credentials.migrate().await.unwrap();
        Split { challenges: self.redis.fresh().await, credentials }
    }

    async fn second_handle(&self, store: &Self::Store) -> Self::Store {
        Split {
            challenges: self.redis.second_handle(&store.challenges).await,
            credentials: PgStore::connect_with((*store.credentials.pool().connect_options()).clone(), 4).await.unwrap(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ceremonies_over_redis_state_and_postgres_credentials_pass_the_full_kit() {
    let Some(redis) = redis("ceremonies over redis and postgres") else { return };
    let Some(pg_url) =
        service_url("PASSKEY_TEST_POSTGRES_URL", "passkey-store-redis ceremonies over redis and postgres")
    else {
        return;
    };
    store_conformance::run(&RedisAndPostgres { redis, pg_url, next: AtomicUsize::new(0) }).await;
}

fn state(expires_at: UnixTime) -> CeremonyState {
    CeremonyState::Authentication(
        AuthenticationState::new(
            Challenge::from_bytes(vec![5; 32]).unwrap(),
            Some(b"alice".to_vec()),
            UserVerification::Preferred,
            Vec::new(),
            expires_at,
        )
        .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expire_with_their_state_and_corrupt_values_are_typed_errors() {
    let Some(f) = redis("ttl and corrupt values") else { return };
    let now = UnixTime::from_secs(1_800_000_000);
    let store = f.fresh().await.with_clock(ManualClock::new(now));
    let mut conn = store.connection();
    let id = StateId::new("ttl");
    store.insert(&id, state(now.plus_secs(300))).await.unwrap();
    let ttl: i64 = redis::cmd("TTL").arg(format!("{}state:ttl", store.prefix())).query_async(&mut conn).await.unwrap();
    assert!((355..=360).contains(&ttl), "TTL is the time left plus the grace: {ttl}");
    // An ID that exists is never overwritten.
    assert_eq!(store.insert(&id, state(now)).await.unwrap_err(), RedisStoreError::Exists);
    for (value, expected) in [
        (
            r#"{"v":9,"state":{}}"#,
            RedisStoreError::State(StateFormatError::UnsupportedVersion { found: 9, supported: 1 }),
        ),
        ("secret-garbage", RedisStoreError::State(StateFormatError::Malformed)),
    ] {
        let _: () = redis::cmd("SET")
            .arg(format!("{}state:bad", store.prefix()))
            .arg(value)
            .query_async(&mut conn)
            .await
            .unwrap();
        let e = store.take(&StateId::new("bad")).await.unwrap_err();
        assert_eq!(e, expected);
        assert!(!format!("{e} {e:?}").contains("secret"));
    }
    // A key of another type: the server's refusal, by code only.
    let _: () = redis::cmd("HSET")
        .arg(format!("{}state:hash", store.prefix()))
        .arg("f")
        .arg("secret")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        store.take(&StateId::new("hash")).await.unwrap_err(),
        RedisStoreError::Server { code: "WRONGTYPE".into() }
    );
    assert_eq!(store.take(&StateId::new("x".repeat(4096))).await.unwrap(), None, "an oversized ID is unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_clients_fail_as_unavailable_and_reconnect() {
    let Some(f) = redis("client kill") else { return };
    let store = f.fresh().await;
    let admin = f.fresh().await;
    let id = StateId::new("kept");
    store.insert(&id, state(UnixTime::now().plus_secs(60))).await.unwrap();
    // Only this store's connection is killed (other tests share the server).
    let victim: i64 = redis::cmd("CLIENT").arg("ID").query_async(&mut store.connection()).await.unwrap();
    let killed: i64 =
        redis::cmd("CLIENT").arg("KILL").arg("ID").arg(victim).query_async(&mut admin.connection()).await.unwrap();
    assert_eq!(killed, 1);
    // The first command after the kill may fail as unavailable (never as anything else);
    // the connection manager then reconnects and the state is still there, taken once.
    let mut taken = 0;
    for _ in 0..50 {
        match store.take(&id).await {
            Ok(Some(_)) => taken += 1,
            Ok(None) => break,
            Err(e) => assert!(e.is_unavailable(), "{e:?}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(taken, 1, "taken exactly once across the reconnect");
}
