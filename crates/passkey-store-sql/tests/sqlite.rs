//! SQLite, in temporary files: always runs.

use passkey_store_sql::{SqlError, SqliteStore};
use passkey_verifier::testkit::store_conformance::{self, join_all, StoreFactory};
use passkey_verifier::ChallengeStore;

use crate::support::{common, Raw, SqliteFiles};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_store_conformance_kit() {
    store_conformance::run(&SqliteFiles::new("kit")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_recovery_store_conformance_kit() {
    let files = SqliteFiles::new("recovery-kit");
    passkey_recovery::testkit::run(&files, &files).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_corrupt_rows_are_typed_errors() {
    common::corrupt_rows_are_typed_errors(&SqliteFiles::new("corrupt").fresh().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_purge_deletes_what_expired() {
    common::purge_deletes_what_expired(&SqliteFiles::new("purge").fresh().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrations_are_idempotent_concurrent_and_checked() {
    let files = SqliteFiles::new("migrate");
    let path = files.path();
    let a = SqliteStore::open(&path).await.unwrap();
    let b = SqliteStore::open(&path).await.unwrap();
    // Two processes starting at once on a blank database.
    for result in join_all(vec![a.migrate(), b.migrate(), a.migrate()]).await {
        result.unwrap();
    }
    a.insert(&passkey_verifier::StateId::new("x"), common::state(common::NOW)).await.unwrap();
    assert!(b.take(&passkey_verifier::StateId::new("x")).await.unwrap().is_some(), "one schema, shared");
    a.migrate().await.unwrap();
    a.exec("UPDATE passkey_schema_migrations SET name = 'someone-elses'").await;
    assert_eq!(b.migrate().await.unwrap_err(), SqlError::SchemaMismatch { version: 1 });
}

#[tokio::test]
async fn sqlite_in_memory_works_and_is_private() {
    let a = SqliteStore::in_memory().await.unwrap();
    let b = SqliteStore::in_memory().await.unwrap();
    a.migrate().await.unwrap();
    b.migrate().await.unwrap();
    a.insert(&passkey_verifier::StateId::new("x"), common::state(common::NOW)).await.unwrap();
    assert!(b.take(&passkey_verifier::StateId::new("x")).await.unwrap().is_none());
    assert!(a.take(&passkey_verifier::StateId::new("x")).await.unwrap().is_some());
    assert!(format!("{a:?}").starts_with("SqliteStore"));
}
