//! The trait implementations, written once for both backends: the SQL is the same text on
//! PostgreSQL and SQLite (`$n` placeholders, `RETURNING`, `ON CONFLICT`), only the pool type
//! and the listing order differ.

/// Implements `migrate`, `purge_expired`, [`ChallengeStore`](passkey_verifier::ChallengeStore)
/// and [`CredentialStore`](passkey_verifier::CredentialStore) for `$store` (a struct with a
/// `pool: sqlx::Pool<$db>` field).
macro_rules! sql_backend {
    (store = $store:ident, db = $db:ty, migrations = $migrations:expr, list_order = $order:literal) => {
        impl $store {
            /// Applies the migrations this build ships that the database lacks, each in its own
            /// transaction; safe to call from several processes at once (a migration is claimed
            /// by inserting its version first, and a concurrent claim waits or skips).
            ///
            /// # Errors
            ///
            /// [`SqlError::SchemaMismatch`] when the database's history names another migration
            /// at a version this build ships; any other [`SqlError`] from the database.
            pub async fn migrate(&self) -> Result<(), SqlError> {
                match sqlx::raw_sql($crate::migrate::HISTORY_TABLE).execute(&self.pool).await.map_err(map) {
                    // Two processes creating the table at once: the other one won (PostgreSQL
                    // reports the lost race on its catalog as a unique violation, or as
                    // duplicate_object / duplicate_table despite IF NOT EXISTS).
                    Ok(_) | Err(SqlError::UniqueViolation) => {}
                    Err(SqlError::Database { code }) if code == "42710" || code == "42P07" => {}
                    Err(e) => return Err(e),
                }
                for migration in $migrations {
                    let mut tx = self.pool.begin().await.map_err(map)?;
                    let claimed = sqlx::query(
                        "INSERT INTO passkey_schema_migrations (version, name) VALUES ($1, $2) \
                         ON CONFLICT (version) DO NOTHING",
                    )
                    .bind(migration.version)
                    .bind(migration.name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
                    if claimed == 0 {
                        tx.rollback().await.map_err(map)?;
                        let name: Option<String> =
                            sqlx::query_scalar("SELECT name FROM passkey_schema_migrations WHERE version = $1")
                                .bind(migration.version)
                                .fetch_optional(&self.pool)
                                .await
                                .map_err(map)?;
                        if name.as_deref() != Some(migration.name) {
                            return Err(SqlError::SchemaMismatch { version: migration.version });
                        }
                        continue;
                    }
                    sqlx::raw_sql(migration.sql).execute(&mut *tx).await.map_err(map)?;
                    tx.commit().await.map_err(map)?;
                }
                Ok(())
            }

            /// Deletes everything that expired at or before `now`: ceremony states, recovery
            /// challenges and grants (tombstones included), onboardings and rate-limit
            /// windows. Credentials never expire. Run it periodically from one task (see the
            /// crate documentation); each table is one `DELETE ... WHERE expires_at <= $1`
            /// on an index.
            ///
            /// # Errors
            ///
            /// Any [`SqlError`] from the database; tables purged before the failure stay
            /// purged.
            pub async fn purge_expired(&self, now: UnixTime) -> Result<Purged, SqlError> {
                let now = time_to_db(now)?;
                let mut counts = [0u64; 7];
                for (count, table) in counts.iter_mut().zip($crate::migrate::EXPIRING_TABLES) {
                    *count = sqlx::query(table).bind(now).execute(&self.pool).await.map_err(map)?.rows_affected();
                }
                let [ceremony_states, recovery_challenges, recovery_grants, onboardings, rate_limit_windows, pending_recoveries, cooldowns] =
                    counts;
                Ok(Purged {
                    ceremony_states,
                    recovery_challenges,
                    recovery_grants,
                    onboardings,
                    rate_limit_windows,
                    pending_recoveries,
                    cooldowns,
                })
            }

            fn decode_credential(row: &<$db as sqlx::Database>::Row) -> Result<CredentialRecord, SqlError> {
                use sqlx::Row as _;
                CredentialRow {
                    credential_id: row.try_get(0).map_err(map)?,
                    user_handle: row.try_get(1).map_err(map)?,
                    public_key: row.try_get(2).map_err(map)?,
                    alg: row.try_get(3).map_err(map)?,
                    sign_count: row.try_get(4).map_err(map)?,
                    backup_eligible: row.try_get(5).map_err(map)?,
                    backup_state: row.try_get(6).map_err(map)?,
                    uv_initialized: row.try_get(7).map_err(map)?,
                    transports: row.try_get(8).map_err(map)?,
                    aaguid: row.try_get(9).map_err(map)?,
                    attestation_format: row.try_get(10).map_err(map)?,
                    created_at: row.try_get(11).map_err(map)?,
                    last_used_at: row.try_get(12).map_err(map)?,
                    nickname: row.try_get(13).map_err(map)?,
                    discoverable: row.try_get(14).map_err(map)?,
                    attestation_object: row.try_get(15).map_err(map)?,
                    attestation_client_data: row.try_get(16).map_err(map)?,
                }
                .into_record()
            }
        }

        impl ChallengeStore for $store {
            type Error = SqlError;

            async fn insert(&self, id: &StateId, state: CeremonyState) -> Result<(), SqlError> {
                let expires_at = time_to_db(state.expires_at())?;
                let text = state.to_versioned_json()?;
                let insert =
                    sqlx::query("INSERT INTO passkey_ceremony_state (id, state, expires_at) VALUES ($1, $2, $3)")
                        .bind(id.as_str())
                        .bind(text)
                        .bind(expires_at);
                self.hot_execute(insert).await.map_err(map)?;
                Ok(())
            }

            async fn take(&self, id: &StateId) -> Result<Option<CeremonyState>, SqlError> {
                let text: Option<String> =
                    sqlx::query_scalar("DELETE FROM passkey_ceremony_state WHERE id = $1 RETURNING state")
                        .bind(id.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                Ok(text.map(|t| CeremonyState::from_versioned_json(&t)).transpose()?)
            }

            fn database(&self) -> Option<passkey_verifier::store::Database> {
                self.shared_database()
            }

            async fn take_with_credential(
                &self,
                id: &StateId,
                credential_id: &[u8],
            ) -> Result<passkey_verifier::store::TakenWithCredential, SqlError> {
                self.take_and_read(id, credential_id).await
            }
        }

        impl CredentialStore for $store {
            type Error = SqlError;

            async fn insert_new(&self, record: CredentialRecord) -> Result<InsertOutcome, SqlError> {
                let row = to_row(&record)?;
                let inserted = sqlx::query(concat!(
                    "INSERT INTO passkey_credentials (",
                    "credential_id, user_handle, public_key, alg, sign_count, backup_eligible, backup_state, ",
                    "uv_initialized, transports, aaguid, attestation_format, created_at, last_used_at, nickname, ",
                    "discoverable, attestation_object, attestation_client_data) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ",
                    "ON CONFLICT (credential_id) DO NOTHING"
                ))
                .bind(row.credential_id)
                .bind(row.user_handle)
                .bind(row.public_key)
                .bind(row.alg)
                .bind(row.sign_count)
                .bind(row.backup_eligible)
                .bind(row.backup_state)
                .bind(row.uv_initialized)
                .bind(row.transports)
                .bind(row.aaguid)
                .bind(row.attestation_format)
                .bind(row.created_at)
                .bind(row.last_used_at)
                .bind(row.nickname)
                .bind(row.discoverable)
                .bind(row.attestation_object)
                .bind(row.attestation_client_data)
                .execute(&self.pool)
                .await
                .map_err(map);
                match inserted {
                    Ok(done) if done.rows_affected() == 1 => Ok(InsertOutcome::Inserted),
                    Ok(_) | Err(SqlError::UniqueViolation) => Ok(InsertOutcome::AlreadyExists),
                    Err(e) => Err(e),
                }
            }

            async fn get(&self, id: &[u8]) -> Result<Option<CredentialRecord>, SqlError> {
                let row = sqlx::query(&format!(
                    "SELECT {} FROM passkey_credentials WHERE credential_id = $1",
                    $crate::rows::CREDENTIAL_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map)?;
                row.as_ref().map(Self::decode_credential).transpose()
            }

            async fn list_for_user(&self, user_handle: &[u8]) -> Result<Vec<CredentialRecord>, SqlError> {
                let rows = sqlx::query(&format!(
                    "SELECT {} FROM passkey_credentials WHERE user_handle = $1 ORDER BY {}",
                    $crate::rows::CREDENTIAL_COLUMNS,
                    $order
                ))
                .bind(user_handle)
                .fetch_all(&self.pool)
                .await
                .map_err(map)?;
                rows.iter().map(Self::decode_credential).collect()
            }

            async fn delete(&self, id: &[u8]) -> Result<bool, SqlError> {
                let done = sqlx::query("DELETE FROM passkey_credentials WHERE credential_id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_nickname(&self, id: &[u8], nickname: Option<String>) -> Result<bool, SqlError> {
                let done = sqlx::query("UPDATE passkey_credentials SET nickname = $2 WHERE credential_id = $1")
                    .bind(id)
                    .bind(nickname)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                Ok(done.rows_affected() > 0)
            }

            async fn update_after_sign_in(
                &self,
                id: &[u8],
                update: CredentialUpdate,
            ) -> Result<UpdateOutcome, SqlError> {
                // The count never goes down, whatever the update says.
                let new_count = update.new_sign_count.max(update.expected_sign_count);
                let done = sqlx::query(
                    "UPDATE passkey_credentials SET sign_count = $3, backup_state = $4, \
                     uv_initialized = (uv_initialized OR $5), last_used_at = $6 \
                     WHERE credential_id = $1 AND sign_count = $2",
                )
                .bind(id)
                .bind(i64::from(update.expected_sign_count))
                .bind(i64::from(new_count))
                .bind(update.backup_state)
                .bind(update.uv_initialized)
                .bind(time_to_db(update.used_at)?);
                let done = self.hot_execute(done).await.map_err(map)?;
                if done.rows_affected() > 0 {
                    return Ok(UpdateOutcome::Updated);
                }
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM passkey_credentials WHERE credential_id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map)?;
                Ok(if exists.is_some() { UpdateOutcome::Conflict } else { UpdateOutcome::NotFound })
            }

            fn database(&self) -> Option<passkey_verifier::store::Database> {
                self.shared_database()
            }
        }
    };
}

pub(crate) use sql_backend;
