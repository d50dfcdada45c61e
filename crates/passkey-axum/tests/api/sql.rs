//! The accounts on the SQL adapter: they survive a restart, usernames stay unique, and two
//! server instances on one PostgreSQL database serve the same accounts.

use axum::http::StatusCode;
use passkey_axum::{PasskeyApi, PasskeyConfig};
use passkey_store_sql::{PgStore, SqliteStore};
use passkey_verifier::testkit::store_conformance::service_url;
use passkey_verifier::testkit::ManualClock;
use passkey_verifier::Ceremonies;

use crate::support::{authenticator, rp, Browser, NOW};

fn api_over<S>(store: S) -> axum::Router
where
    S: passkey_verifier::ChallengeStore + passkey_verifier::CredentialStore + passkey_axum::Accounts + Clone + 'static,
{
    let clock = ManualClock::new(NOW);
    let ceremonies = Ceremonies::new(rp(), store.clone(), store.clone(), rand_core::UnwrapErr(getrandom::SysRng))
        .with_clock(clock.clone());
    PasskeyApi::with_clock(ceremonies, store, &[9; 64], PasskeyConfig::default(), std::sync::Arc::new(clock)).router()
}

#[tokio::test]
async fn sqlite_accounts_survive_a_restart_and_stay_unique() {
    let dir = std::env::temp_dir().join(format!("passkey-axum-sql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("passkeys.db");
    let _ = std::fs::remove_file(&path);
    let mut phone = authenticator();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        let mut browser = Browser::new(&api_over(store));
        let (reply, _) = browser.register(Some("alice"), &mut phone).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // A new process on the same file.
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let app = api_over(store);
    let mut browser = Browser::new(&app);
    let by_name = browser.sign_in(Some("alice"), &mut phone).await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.text);
    let mut mallory = Browser::new(&app);
    assert_eq!(mallory.register_start(Some("alice")).await.code(), "account_exists");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_instances_on_one_postgresql_serve_the_same_accounts() {
    let Some(url) = service_url("PASSKEY_TEST_POSTGRES_URL", "passkey-axum two instances on PostgreSQL") else {
        return;
    };
    let (one, two) = (PgStore::connect(&url).await.unwrap(), PgStore::connect(&url).await.unwrap());
    one.migrate().await.unwrap();
    let name = format!("user-{}", std::process::id());
    let mut phone = authenticator();
    let mut browser = Browser::new(&api_over(one));
    let (reply, _) = browser.register(Some(&name), &mut phone).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let second = api_over(two);
    let mut other = Browser::new(&second);
    let reply = other.sign_in(Some(&name), &mut phone).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // A stranger on the second instance cannot claim the name either.
    assert_eq!(Browser::new(&second).register_start(Some(&name)).await.code(), "account_exists");
}
