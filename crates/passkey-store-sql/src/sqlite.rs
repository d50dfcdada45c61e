//! SQLite.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use passkey_verifier::store::{CredentialUpdate, InsertOutcome, UnixTime, UpdateOutcome};
use passkey_verifier::{CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, StateId};

use crate::backend::sql_backend;
use crate::error::map;
use crate::rows::{time_to_db, to_row, CredentialRow};
use crate::{Purged, SqlError};

/// How long a connection waits for another's write lock before reporting the database busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Ceremony state and credentials (and, with the `recovery` feature, recovery records and
/// rate limits) in SQLite. Cheap to clone: clones share the pool. Several processes may open
/// one database file: every operation is one statement or one transaction that writes first,
/// so SQLite's locking serializes them.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl core::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path`, in WAL mode (synchronous `NORMAL`),
    /// with a [`BUSY_TIMEOUT`]. Run [`SqliteStore::migrate`] once at startup.
    ///
    /// # Errors
    ///
    /// [`SqlError::Unavailable`] when the file cannot be opened.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, SqlError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction on a process crash (only on
            // power loss), and spares an fsync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        Self::connect_with(options, 8).await
    }

    /// A private in-memory database (one connection, kept open; gone when the store is
    /// dropped). For tests and demos.
    ///
    /// # Errors
    ///
    /// [`SqlError`] if SQLite cannot open it.
    pub async fn in_memory() -> Result<Self, SqlError> {
        crate::pool::options::<Sqlite>(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(SqliteConnectOptions::new().in_memory(true))
            .await
            .map(Self::from_pool)
            .map_err(map)
    }

    /// Connects a pool of at most `max_connections` with `options` (a connection idle for
    /// more than [`IDLE_CHECK_AFTER`](crate::IDLE_CHECK_AFTER) is checked before use).
    ///
    /// # Errors
    ///
    /// As [`SqliteStore::open`].
    pub async fn connect_with(options: SqliteConnectOptions, max_connections: u32) -> Result<Self, SqlError> {
        crate::pool::options::<Sqlite>(max_connections).connect_with(options).await.map(Self::from_pool).map_err(map)
    }

    /// A store over a pool the host already has.
    #[must_use]
    pub const fn from_pool(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// The pool.
    #[must_use]
    pub const fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl SqliteStore {
    /// `None`: SQLite runs in process, so reading the credential in the same statement as the
    /// take would save no round trip.
    #[allow(clippy::unused_self)]
    pub(crate) const fn shared_database(&self) -> Option<passkey_verifier::store::Database> {
        None
    }

    /// Runs a statement of the sign-in path (on the pool: SQLite runs in process).
    pub(crate) async fn hot_execute<'q>(
        &self,
        query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error> {
        query.execute(&self.pool).await
    }

    pub(crate) async fn take_and_read(
        &self,
        id: &StateId,
        _: &[u8],
    ) -> Result<passkey_verifier::store::TakenWithCredential, SqlError> {
        Ok((ChallengeStore::take(self, id).await?, None))
    }
}

sql_backend!(store = SqliteStore, db = Sqlite, migrations = crate::migrate::SQLITE, list_order = "created_at, rowid");

crate::accounts::sql_accounts!(store = SqliteStore);
