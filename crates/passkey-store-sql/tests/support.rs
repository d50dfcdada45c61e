//! Store factories over real databases: a fresh database (SQLite file, PostgreSQL schema) per
//! store, and a second pool on the same database for the second handle.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use passkey_store_sql::{PgStore, SqliteStore};
use passkey_verifier::testkit::store_conformance::StoreFactory;
use sqlx::postgres::PgConnectOptions;

/// SQLite databases in temporary files.
pub struct SqliteFiles {
    dir: PathBuf,
    next: AtomicUsize,
}

impl SqliteFiles {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("passkey-store-sql-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir, next: AtomicUsize::new(0) }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.db", self.next.fetch_add(1, Ordering::SeqCst)))
    }
}

impl Drop for SqliteFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl StoreFactory for SqliteFiles {
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

/// PostgreSQL schemas on one server: each fresh store gets a schema of its own (its pools set
/// `search_path`), dropped when the factory is.
pub struct PgSchemas {
    url: String,
    name: String,
    schemas: Mutex<Vec<String>>,
}

impl PgSchemas {
    pub fn new(url: String, name: &str) -> Self {
        Self { url, name: name.to_owned(), schemas: Mutex::new(Vec::new()) }
    }

    /// A new empty schema and connect options that use it.
    pub async fn schema(&self) -> PgConnectOptions {
        let mut schemas = self.schemas.lock().unwrap().len();
        schemas += 1;
        let schema = format!("t_{}_{}_{schemas}", self.name, std::process::id());
        let admin = PgStore::connect(&self.url).await.unwrap();
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            .execute(admin.pool())
            .await
            .unwrap();
        admin.pool().close().await;
        self.schemas.lock().unwrap().push(schema.clone());
        self.url.parse::<PgConnectOptions>().unwrap().options([("search_path", schema.as_str())])
    }

    /// Drops the schemas made so far.
    pub async fn cleanup(&self) {
        let schemas = std::mem::take(&mut *self.schemas.lock().unwrap());
        let admin = PgStore::connect(&self.url).await.unwrap();
        for schema in schemas {
            sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(admin.pool()).await.unwrap();
        }
        admin.pool().close().await;
    }
}

impl StoreFactory for PgSchemas {
    type Store = PgStore;

    async fn fresh(&self) -> PgStore {
        let store = PgStore::connect_with(self.schema().await, 4).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    async fn second_handle(&self, store: &PgStore) -> PgStore {
        PgStore::connect_with((*store.pool().connect_options()).clone(), 4).await.unwrap()
    }
}

/// Raw SQL against a store's pool (test-only tampering).
pub trait Raw {
    fn exec(&self, sql: &str) -> impl std::future::Future<Output = ()>;
}

impl Raw for SqliteStore {
    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(self.pool()).await.unwrap();
    }
}

impl Raw for PgStore {
    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(self.pool()).await.unwrap();
    }
}

pub mod common {
    //! Checks both backends share: corrupt rows, purging, migrations.

    use passkey_recovery::{ChallengeRecord, Channel, CorrelationId, RecoveryStore, Redemption, SubjectId, TokenHash};
    use passkey_recovery::{RateKey, RateLimitStore};
    use passkey_store_sql::SqlError;
    use passkey_verifier::store::{StateFormatError, UnixTime};
    use passkey_verifier::{
        AuthenticationState, CeremonyState, Challenge, ChallengeStore, CoseAlgorithm, CredentialRecord,
        CredentialStore, StateId, StoredCredential, UserVerification,
    };

    use super::Raw;

    pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);
    const SECRET: &[u8] = b"secret-credential-id";

    pub fn state(expires_at: UnixTime) -> CeremonyState {
        CeremonyState::Authentication(
            AuthenticationState::new(
                Challenge::from_bytes(vec![3; 32]).unwrap(),
                None,
                UserVerification::Required,
                Vec::new(),
                expires_at,
            )
            .unwrap(),
        )
    }

    fn record() -> CredentialRecord {
        CredentialRecord::new(
            StoredCredential::new(SECRET.to_vec(), vec![0xa5], 1, b"secret-user".to_vec()),
            CoseAlgorithm::Es256,
            [1; 16],
            "none",
            NOW,
        )
    }

    fn challenge(n: u8, expires_at: UnixTime) -> ChallengeRecord {
        ChallengeRecord {
            handle_hash: TokenHash::from_bytes([n; 32]),
            secret_hash: TokenHash::from_bytes([n; 32]),
            subject: SubjectId::new(b"alice".to_vec()),
            correlation_id: CorrelationId::new("c"),
            channel: Channel::Sms,
            redemption: Redemption::TokenAlone,
            scopes: Vec::new(),
            attempts_left: 3,
            expires_at,
            consumed: false,
        }
    }

    fn assert_clean(e: &SqlError) {
        let text = format!("{e} {e:?}");
        assert!(!text.contains("secret"), "error text leaks a value: {text}");
    }

    /// A tampered row is a typed error naming the column, never a panic or a wrong record.
    pub async fn corrupt_rows_are_typed_errors<S>(store: &S)
    where
        S: ChallengeStore<Error = SqlError> + CredentialStore<Error = SqlError> + RecoveryStore<Error = SqlError> + Raw,
    {
        let tamper = [
            ("UPDATE passkey_credentials SET alg = 31337", SqlError::Corrupt("alg")),
            ("UPDATE passkey_credentials SET aaguid = credential_id", SqlError::Corrupt("aaguid")),
            ("UPDATE passkey_credentials SET transports = 'secret'", SqlError::Corrupt("transports")),
            ("UPDATE passkey_credentials SET created_at = -5", SqlError::Corrupt("created_at")),
            ("UPDATE passkey_credentials SET attestation_object = public_key", SqlError::Corrupt("attestation")),
        ];
        for (sql, expected) in tamper {
            store.delete(SECRET).await.unwrap();
            store.insert_new(record()).await.unwrap();
            store.exec(sql).await;
            let e = store.get(SECRET).await.unwrap_err();
            assert_eq!(e, expected, "{sql}");
            assert_clean(&e);
            assert_eq!(store.list_for_user(b"secret-user").await.unwrap_err(), expected, "{sql}");
        }
        // Ceremony state: a newer format version, and garbage.
        for (text, expected) in [
            (
                r#"{"v":2,"state":{"Secret":1}}"#,
                SqlError::State(StateFormatError::UnsupportedVersion { found: 2, supported: 1 }),
            ),
            ("secret-challenge", SqlError::State(StateFormatError::Malformed)),
        ] {
            let id = StateId::new("tampered");
            store.insert(&id, state(NOW)).await.unwrap();
            store.exec(&format!("UPDATE passkey_ceremony_state SET state = '{text}'")).await;
            let e = store.take(&id).await.unwrap_err();
            assert_eq!(e, expected);
            assert_clean(&e);
        }
        store.insert_challenge(challenge(1, NOW)).await.unwrap();
        store.exec("UPDATE passkey_recovery_challenges SET channel = 'secret-pigeon'").await;
        assert_eq!(
            store.find_challenge(&TokenHash::from_bytes([1; 32])).await.unwrap_err(),
            SqlError::Corrupt("channel")
        );
        store.exec("UPDATE passkey_recovery_challenges SET channel = 'sms', handle_hash = subject").await;
        assert_eq!(store.find_challenge(&TokenHash::from_bytes([1; 32])).await.unwrap(), None);
        // A duplicate state ID is a unique violation, reported without the ID.
        let id = StateId::new("secret-state-id");
        store.insert(&id, state(NOW)).await.unwrap();
        let e = store.insert(&id, state(NOW)).await.unwrap_err();
        assert_eq!(e, SqlError::UniqueViolation);
        assert_clean(&e);
    }

    /// `purge_expired` deletes what expired at or before `now`, in every table, and nothing else.
    pub async fn purge_deletes_what_expired<S>(store: &S)
    where
        S: ChallengeStore<Error = SqlError> + RecoveryStore<Error = SqlError> + RateLimitStore<Error = SqlError>,
        S: PurgeExpired,
    {
        for (i, at) in [NOW.plus_secs(10), NOW.plus_secs(20), NOW.plus_secs(30)].into_iter().enumerate() {
            store.insert(&StateId::new(format!("s{i}")), state(at)).await.unwrap();
            store.insert_challenge(challenge(u8::try_from(i).unwrap(), at)).await.unwrap();
        }
        store.hit(&RateKey::identifier(b"alice"), 10, NOW).await.unwrap(); // window ends at NOW + 10
        store.hit(&RateKey::identifier(b"alice"), 100, NOW).await.unwrap(); // ends at NOW + 100
        let purged = store.purge(NOW.plus_secs(20)).await;
        assert_eq!(purged.ceremony_states, 2);
        assert_eq!(purged.recovery_challenges, 2);
        assert_eq!(purged.rate_limit_windows, 1);
        assert_eq!(purged.total(), 5);
        assert!(store.take(&StateId::new("s1")).await.unwrap().is_none(), "expired at `now`: purged");
        assert!(store.take(&StateId::new("s2")).await.unwrap().is_some(), "not yet expired: kept");
        assert!(store.find_challenge(&TokenHash::from_bytes([2; 32])).await.unwrap().is_some());
        assert_eq!(store.hit(&RateKey::identifier(b"alice"), 100, NOW).await.unwrap().count, 2, "live window kept");
        assert_eq!(store.purge(NOW.plus_secs(20)).await.total(), 0, "idempotent");
    }

    /// `purge_expired` of either store.
    pub trait PurgeExpired {
        fn purge(&self, now: UnixTime) -> impl std::future::Future<Output = passkey_store_sql::Purged>;
    }

    impl PurgeExpired for passkey_store_sql::SqliteStore {
        async fn purge(&self, now: UnixTime) -> passkey_store_sql::Purged {
            self.purge_expired(now).await.unwrap()
        }
    }

    impl PurgeExpired for passkey_store_sql::PgStore {
        async fn purge(&self, now: UnixTime) -> passkey_store_sql::Purged {
            self.purge_expired(now).await.unwrap()
        }
    }
}
