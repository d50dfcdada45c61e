//! PostgreSQL: runs when `PASSKEY_TEST_POSTGRES_URL` names a server (mandatory in CI).

use std::time::Duration;

use passkey_store_sql::{PgStore, SqlError};
use passkey_verifier::testkit::store_conformance::{self, join_all, service_url, StoreFactory};
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Ceremonies, ChallengeStore, CredentialStore, RegistrationChoices, RegistrationDetails, RelyingParty, SignInChoices,
    SignInTarget, StateId, User,
};
use rand_core::UnwrapErr;
use sqlx::postgres::PgConnectOptions;

use crate::support::{common, PgSchemas, Raw};

const VAR: &str = "PASSKEY_TEST_POSTGRES_URL";

fn factory(test: &str) -> Option<PgSchemas> {
    service_url(VAR, &format!("passkey-store-sql postgres::{test}")).map(|url| PgSchemas::new(url, test))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_store_conformance_kit() {
    let Some(f) = factory("kit") else { return };
    store_conformance::run(&f).await;
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_recovery_store_conformance_kit() {
    let Some(f) = factory("recovery_kit") else { return };
    passkey_recovery::testkit::run(&f, &f).await;
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_corrupt_rows_are_typed_errors() {
    let Some(f) = factory("corrupt") else { return };
    common::corrupt_rows_are_typed_errors(&f.fresh().await).await;
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_purge_deletes_what_expired() {
    let Some(f) = factory("purge") else { return };
    common::purge_deletes_what_expired(&f.fresh().await).await;
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrations_are_idempotent_concurrent_and_checked() {
    let Some(f) = factory("migrate") else { return };
    let options = f.schema().await;
    let a = PgStore::connect_with(options.clone(), 4).await.unwrap();
    let b = PgStore::connect_with(options, 4).await.unwrap();
    for result in join_all(vec![a.migrate(), b.migrate(), a.migrate(), b.migrate()]).await {
        result.unwrap();
    }
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM passkey_schema_migrations").fetch_one(a.pool()).await.unwrap();
    let shipped = i64::try_from(passkey_store_sql::migrate::POSTGRES.len()).unwrap();
    assert_eq!(count, shipped, "each migration applied once");
    a.exec("UPDATE passkey_schema_migrations SET name = 'someone-elses'").await;
    assert_eq!(b.migrate().await.unwrap_err(), SqlError::SchemaMismatch { version: 1 });
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unreachable_is_unavailable() {
    // A port nobody listens on: the ceremony's store call fails as unavailable, quickly.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let options = PgConnectOptions::new().host("127.0.0.1").port(port).username("u").password("secret-password");
    let pool = sqlx::postgres::PgPoolOptions::new().acquire_timeout(Duration::from_secs(2)).connect_lazy_with(options);
    let store = PgStore::from_pool(pool);
    let e = store.take(&StateId::new("x")).await.unwrap_err();
    assert!(e.is_unavailable(), "{e:?}");
    assert!(!format!("{e} {e:?} {store:?}").contains("secret"), "no password in errors or Debug");
}

/// Connections killed in the middle of a load of sign-ins (`pg_terminate_backend`): every
/// sign-in either completes exactly once or fails with a storage error, the count never goes
/// down, no state is taken twice, and the store works again afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sign_ins_survive_killed_connections() {
    let Some(f) = factory("faults") else { return };
    // Only this test's connections are killed (other tests share the server).
    let options = f.schema().await;
    let store = PgStore::connect_with(options.clone().application_name("passkey-fault-victim"), 4).await.unwrap();
    store.migrate().await.unwrap();
    let killer = PgStore::connect_with(options, 1).await.unwrap();
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let now = passkey_verifier::UnixTime::from_secs(1_800_000_000);
    let c = Ceremonies::new(rp, store.clone(), store.clone(), UnwrapErr(getrandom::SysRng))
        .with_clock(ManualClock::new(now));
    let knobs = Knobs::new("example.com", "https://example.com");
    let user = User { id: b"alice".to_vec(), name: "alice".into(), display_name: "Alice".into() };
    let (id, options) = c.start_registration(&user, &RegistrationChoices::default()).await.unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, b"alice", &mut UnwrapErr(getrandom::SysRng));
    let challenge = |o: &dyn erased::Options| o.challenge();
    let json = cred.register(&challenge(&options), &knobs);
    c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default()).await.unwrap();

    let (mut completed, mut failed, mut last_count) = (0, 0, 0);
    for round in 0..60 {
        let Ok((id, options)) = c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await
        else {
            failed += 1;
            continue;
        };
        let json = cred.assert(&challenge(&options), &knobs);
        if round % 3 == 0 {
            killer
                .exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'passkey-fault-victim'")
                .await;
        }
        // The page's request and a replay (a retry): at most one of them finishes the state.
        // A request on a killed connection fails before the server saw it (the state stays,
        // and the retry may finish it) or after (the state is gone, the retry finds none).
        let mut wins = 0;
        for (attempt, result) in
            [c.finish_authentication(&id, json.as_bytes()).await, c.finish_authentication(&id, json.as_bytes()).await]
                .into_iter()
                .enumerate()
        {
            match result {
                Ok(_) => wins += 1,
                Err(passkey_verifier::CeremonyError::Storage(_)) => failed += 1,
                // Only the retry may find the state gone.
                Err(e) if attempt == 1 && e.kind() == Some(passkey_verifier::ErrorKind::StateNotFound) => {}
                Err(e) => panic!("round {round}: a killed connection must be a storage error, got {e:?}"),
            }
        }
        assert!(wins <= 1, "round {round}: a state is never finished twice");
        completed += wins;
        let count = loop {
            match store.get(cred.id()).await {
                Ok(record) => break record.unwrap().credential.sign_count,
                Err(e) => assert!(e.is_unavailable(), "{e:?}"),
            }
        };
        assert!(count >= last_count, "round {round}: the count never goes down");
        last_count = count;
    }
    eprintln!("fault test: {completed} sign-ins completed, {failed} failed with a storage error");
    assert!(completed > 0, "sign-ins completed between the kills ({completed} completed, {failed} failed)");
    // The pool has reconnected: a clean sign-in works, without restarting anything.
    let (id, options) = c.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await.unwrap();
    let json = cred.assert(&challenge(&options), &knobs);
    c.finish_authentication(&id, json.as_bytes()).await.unwrap();
    assert!(store.get(cred.id()).await.unwrap().unwrap().credential.sign_count > last_count);
    f.cleanup().await;
}

mod erased {
    //! The challenge of either options type.
    pub trait Options {
        fn challenge(&self) -> Vec<u8>;
    }

    fn of(options: &impl serde::Serialize) -> Vec<u8> {
        let v = serde_json::to_value(options).unwrap();
        passkey_verifier::hazmat::b64::decode(v["challenge"].as_str().unwrap()).unwrap()
    }

    impl Options for passkey_verifier::CreationOptionsJson {
        fn challenge(&self) -> Vec<u8> {
            of(self)
        }
    }

    impl Options for passkey_verifier::RequestOptionsJson {
        fn challenge(&self) -> Vec<u8> {
            of(self)
        }
    }
}
