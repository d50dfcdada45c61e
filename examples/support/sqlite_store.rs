//! A SQLite implementation of the storage traits, with real transactions.
//!
//! It shows how the atomic operations the traits require map to SQL:
//!
//! | trait operation | SQL |
//! |---|---|
//! | `ChallengeStore::take` | `DELETE FROM ceremony_state WHERE id = ?1 RETURNING state` |
//! | `CredentialStore::insert_new` | `INSERT ... ON CONFLICT (credential_id) DO NOTHING` on a primary key |
//! | `CredentialStore::update_after_sign_in` | `UPDATE ... WHERE credential_id = ?1 AND sign_count = ?2` |
//!
//! One connection behind a mutex keeps the example small; each operation is a single
//! statement or a transaction, so the same SQL is correct with a connection pool, and the
//! PostgreSQL equivalents are the same statements.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use passkey_verifier::store::{CredentialUpdate, InsertOutcome, KeptAttestation, UpdateOutcome};
use passkey_verifier::{
    BackupEligibility, CeremonyState, ChallengeStore, CoseAlgorithm, CredentialRecord, CredentialStore, StateId,
    StoredCredential, UnixTime,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A SQLite error, or a stored row that does not decode.
#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    /// The database failed.
    #[error("sqlite: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored value did not decode.
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
    /// Another thread panicked while holding the connection.
    #[error("connection lock poisoned")]
    Poisoned,
}

/// Ceremony state and credentials in one SQLite database.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ceremony_state (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,          -- JSON of CeremonyState
    expires_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
    credential_id       BLOB PRIMARY KEY,   -- uniqueness of credential IDs, for every user
    user_handle         BLOB NOT NULL,
    public_key          BLOB NOT NULL,      -- COSE_Key bytes
    alg                 INTEGER NOT NULL,
    sign_count          INTEGER NOT NULL,
    transports          TEXT NOT NULL,      -- JSON array
    aaguid              BLOB NOT NULL,
    backup_eligible     INTEGER,
    backup_state        INTEGER NOT NULL,
    uv_initialized      INTEGER NOT NULL,
    attestation_format  TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    last_used_at        INTEGER,
    nickname            TEXT,
    discoverable        INTEGER,
    attestation_object  BLOB,               -- kept for re-verification, when asked
    attestation_client_data BLOB
);
CREATE INDEX IF NOT EXISTS credentials_by_user ON credentials (user_handle);
";

impl SqliteStore {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SqliteError> {
        Self::with(Connection::open(path)?)
    }

    /// A private in-memory database.
    pub fn open_in_memory() -> Result<Self, SqliteError> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(conn: Connection) -> Result<Self, SqliteError> {
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, SqliteError> {
        self.conn.lock().map_err(|_| SqliteError::Poisoned)
    }

    /// Deletes ceremony states that expired before `now`.
    pub fn purge_expired(&self, now: UnixTime) -> Result<usize, SqliteError> {
        Ok(self.conn()?.execute("DELETE FROM ceremony_state WHERE expires_at <= ?1", params![secs(now)])?)
    }
}

fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

fn time(v: i64) -> UnixTime {
    UnixTime::from_secs(u64::try_from(v).unwrap_or(0))
}

const COLUMNS: &str = "credential_id, user_handle, public_key, alg, sign_count, transports, aaguid, backup_eligible, \
                       backup_state, uv_initialized, attestation_format, created_at, last_used_at, nickname, \
                       discoverable, attestation_object, attestation_client_data";

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<Result<CredentialRecord, SqliteError>> {
    let alg: i64 = row.get(3)?;
    let sign_count: i64 = row.get(4)?;
    let transports: String = row.get(5)?;
    let aaguid: Vec<u8> = row.get(6)?;
    let mut credential = StoredCredential::new(row.get(0)?, row.get(2)?, 0, row.get(1)?);
    credential.backup_eligible = BackupEligibility::from_stored(row.get(7)?);
    credential.uv_initialized = row.get(9)?;
    let decoded = (|| {
        credential.sign_count = u32::try_from(sign_count).map_err(|_| SqliteError::Corrupt("sign_count"))?;
        let mut record = CredentialRecord::new(
            credential,
            CoseAlgorithm::from_id(alg).ok_or(SqliteError::Corrupt("alg"))?,
            aaguid.try_into().map_err(|_| SqliteError::Corrupt("aaguid"))?,
            row.get::<_, String>(10).map_err(SqliteError::Sql)?,
            time(row.get(11).map_err(SqliteError::Sql)?),
        );
        record.transports = serde_json::from_str(&transports).map_err(|_| SqliteError::Corrupt("transports"))?;
        record.credential.backup_state = row.get(8).map_err(SqliteError::Sql)?;
        record.last_used_at = row.get::<_, Option<i64>>(12).map_err(SqliteError::Sql)?.map(time);
        record.nickname = row.get(13).map_err(SqliteError::Sql)?;
        record.discoverable = row.get(14).map_err(SqliteError::Sql)?;
        let object: Option<Vec<u8>> = row.get(15).map_err(SqliteError::Sql)?;
        let client_data: Option<Vec<u8>> = row.get(16).map_err(SqliteError::Sql)?;
        record.attestation = object.zip(client_data).map(|(o, c)| KeptAttestation::new(o, c));
        Ok(record)
    })();
    Ok(decoded)
}

impl ChallengeStore for SqliteStore {
    type Error = SqliteError;

    async fn insert(&self, id: &StateId, state: CeremonyState) -> Result<(), SqliteError> {
        let json = serde_json::to_string(&state).map_err(|_| SqliteError::Corrupt("state"))?;
        self.conn()?.execute(
            "INSERT INTO ceremony_state (id, state, expires_at) VALUES (?1, ?2, ?3)",
            params![id.as_str(), json, secs(state.expires_at())],
        )?;
        Ok(())
    }

    async fn take(&self, id: &StateId) -> Result<Option<CeremonyState>, SqliteError> {
        // Get and delete in one statement: of two concurrent takes, one sees the row.
        let json: Option<String> = self
            .conn()?
            .query_row("DELETE FROM ceremony_state WHERE id = ?1 RETURNING state", params![id.as_str()], |r| r.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|_| SqliteError::Corrupt("state"))).transpose()
    }
}

impl CredentialStore for SqliteStore {
    type Error = SqliteError;

    async fn insert_new(&self, record: CredentialRecord) -> Result<InsertOutcome, SqliteError> {
        let c = &record.credential;
        let transports = serde_json::to_string(&record.transports).map_err(|_| SqliteError::Corrupt("transports"))?;
        let inserted = self.conn()?.execute(
            &format!(
                "INSERT INTO credentials ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
                 ON CONFLICT (credential_id) DO NOTHING"
            ),
            params![
                c.id,
                c.user_handle,
                c.public_key,
                record.alg.id(),
                i64::from(c.sign_count),
                transports,
                record.aaguid.as_slice(),
                c.backup_eligible.as_flag(),
                c.backup_state,
                c.uv_initialized,
                record.attestation_format,
                secs(record.created_at),
                record.last_used_at.map(secs),
                record.nickname,
                record.discoverable,
                record.attestation.as_ref().map(|a| a.attestation_object.as_slice()),
                record.attestation.as_ref().map(|a| a.client_data_json.as_slice()),
            ],
        )?;
        Ok(if inserted == 1 { InsertOutcome::Inserted } else { InsertOutcome::AlreadyExists })
    }

    async fn get(&self, id: &[u8]) -> Result<Option<CredentialRecord>, SqliteError> {
        self.conn()?
            .query_row(
                &format!("SELECT {COLUMNS} FROM credentials WHERE credential_id = ?1"),
                params![id],
                record_from_row,
            )
            .optional()?
            .transpose()
    }

    async fn list_for_user(&self, user_handle: &[u8]) -> Result<Vec<CredentialRecord>, SqliteError> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare(&format!("SELECT {COLUMNS} FROM credentials WHERE user_handle = ?1 ORDER BY rowid"))?;
        let rows = stmt.query_map(params![user_handle], record_from_row)?;
        rows.map(|r| r.map_err(SqliteError::Sql).and_then(|inner| inner)).collect()
    }

    async fn delete(&self, id: &[u8]) -> Result<bool, SqliteError> {
        Ok(self.conn()?.execute("DELETE FROM credentials WHERE credential_id = ?1", params![id])? == 1)
    }

    async fn set_nickname(&self, id: &[u8], nickname: Option<String>) -> Result<bool, SqliteError> {
        let sql = "UPDATE credentials SET nickname = ?2 WHERE credential_id = ?1";
        Ok(self.conn()?.execute(sql, params![id, nickname])? == 1)
    }

    async fn update_after_sign_in(&self, id: &[u8], update: CredentialUpdate) -> Result<UpdateOutcome, SqliteError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        // Compare-and-swap: the row changes only if the count is still the one verified
        // against, and a count never goes down.
        let changed = tx.execute(
            "UPDATE credentials SET sign_count = MAX(?3, sign_count), backup_state = ?4, last_used_at = ?5, \
             uv_initialized = uv_initialized OR ?6 WHERE credential_id = ?1 AND sign_count = ?2",
            params![
                id,
                i64::from(update.expected_sign_count),
                i64::from(update.new_sign_count),
                update.backup_state,
                secs(update.used_at),
                update.uv_initialized
            ],
        )?;
        let outcome = if changed == 1 {
            UpdateOutcome::Updated
        } else {
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM credentials WHERE credential_id = ?1", params![id], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                UpdateOutcome::Conflict
            } else {
                UpdateOutcome::NotFound
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}
