//! PostgreSQL.

use sqlx::postgres::{PgConnectOptions, PgPool, Postgres};

use passkey_verifier::store::{
    CredentialUpdate, Database, InsertOutcome, TakenWithCredential, UnixTime, UpdateOutcome,
};
use passkey_verifier::{CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, StateId};

use crate::backend::sql_backend;
use crate::error::map;
use crate::lane::Lane;
use crate::rows::{time_to_db, to_row, CredentialRow};
use crate::{Purged, SqlError};

/// Ceremony state and credentials (and, with the `recovery` feature, recovery records and
/// rate limits) in PostgreSQL. Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// Names the pool: a sign-in over one pool takes its state and reads its credential in
    /// one statement.
    database: Database,
    /// The sign-in path's connections.
    lane: std::sync::Arc<Lane>,
}

impl core::fmt::Debug for PgStore {
    // The pool's options hold the password: never print them.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects a pool of up to 10 connections (sqlx's default) to `url`
    /// (`postgres://user:password@host:port/database`), checking only connections idle for
    /// more than [`IDLE_CHECK_AFTER`](crate::IDLE_CHECK_AFTER) before use. Run
    /// [`PgStore::migrate`] once at startup.
    ///
    /// The sign-in path (storing a ceremony state, taking it with its credential, the
    /// counter's compare-and-swap) runs on up to as many connections again, taken from the
    /// pool once and kept by the store: a connection going back to a sqlx pool costs a round
    /// trip, and a sign-in then costs three in all. Budget twice the pool size against the
    /// server's `max_connections`.
    ///
    /// # Errors
    ///
    /// [`SqlError::Unavailable`] when the server cannot be reached, [`SqlError::Driver`] for
    /// a malformed URL.
    pub async fn connect(url: &str) -> Result<Self, SqlError> {
        let options: PgConnectOptions = url.parse().map_err(map)?;
        Self::connect_with(options, 10).await
    }

    /// Connects a pool of at most `max_connections` with `options` (checked before use as
    /// [`PgStore::connect`] says).
    ///
    /// # Errors
    ///
    /// As [`PgStore::connect`].
    pub async fn connect_with(options: PgConnectOptions, max_connections: u32) -> Result<Self, SqlError> {
        crate::pool::options::<Postgres>(max_connections).connect_with(options).await.map(Self::from_pool).map_err(map)
    }

    /// A store over a pool the host already has. (A pool with sqlx's default options checks
    /// every connection before use, an extra round trip per statement; see
    /// [`IDLE_CHECK_AFTER`](crate::IDLE_CHECK_AFTER).)
    #[must_use]
    pub fn from_pool(pool: PgPool) -> Self {
        let lane = std::sync::Arc::new(Lane::new(pool.options().get_max_connections()));
        Self { pool, database: crate::pool::next_database(), lane }
    }

    /// The pool.
    #[must_use]
    pub const fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    pub(crate) const fn shared_database(&self) -> Option<Database> {
        Some(self.database)
    }

    /// Runs a statement of the sign-in path on the lane.
    pub(crate) async fn hot_execute(
        &self,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<sqlx::postgres::PgQueryResult, sqlx::Error> {
        let mut lane = self.lane.checkout(&self.pool).await?;
        let done = query.execute(&mut lane.conn).await?;
        lane.keep();
        Ok(done)
    }

    /// Takes the state and reads the credential in one statement: one row, the credential's
    /// columns (null when there is none), then the taken state (null when there was none).
    pub(crate) async fn take_and_read(
        &self,
        id: &StateId,
        credential_id: &[u8],
    ) -> Result<TakenWithCredential, SqlError> {
        use sqlx::Row as _;
        let sql = format!(
            "WITH taken AS (DELETE FROM passkey_ceremony_state WHERE id = $1 RETURNING state) \
             SELECT {}, (SELECT state FROM taken) FROM (SELECT 1) AS one \
             LEFT JOIN passkey_credentials ON credential_id = $2",
            crate::rows::CREDENTIAL_COLUMNS
        );
        let row = sqlx::query(&sql).bind(id.as_str()).bind(credential_id);
        let mut lane = self.lane.checkout(&self.pool).await.map_err(map)?;
        let row = row.fetch_one(&mut lane.conn).await.map_err(map)?;
        lane.keep();
        let state: Option<String> = row.try_get(crate::rows::CREDENTIAL_COLUMN_COUNT).map_err(map)?;
        let state = state.map(|t| CeremonyState::from_versioned_json(&t)).transpose()?;
        let present: Option<Vec<u8>> = row.try_get(0).map_err(map)?;
        let record = present.map(|_| Self::decode_credential(&row)).transpose()?;
        Ok((state, Some(record)))
    }
}

sql_backend!(store = PgStore, db = Postgres, migrations = crate::migrate::POSTGRES, list_order = "created_at, seq");

crate::accounts::sql_accounts!(store = PgStore);
