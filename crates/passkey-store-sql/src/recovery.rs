//! The recovery crate's stores (feature `recovery`): recovery challenges, grants,
//! onboardings and rate limits, on both backends.
//!
//! | operation | SQL |
//! |---|---|
//! | `decrement_attempts` | `UPDATE ... SET attempts_left = attempts_left - 1 WHERE ... AND attempts_left > 0 AND NOT consumed RETURNING attempts_left` |
//! | `redeem_challenge` | one transaction: `UPDATE ... SET consumed = TRUE WHERE ... AND NOT consumed AND attempts_left > 0`, then `INSERT` the grant |
//! | `consume_grant` | `UPDATE ... SET consumed = TRUE WHERE ... AND NOT consumed` |
//! | `redeem_onboarding` | one transaction: `UPDATE ... SET consumed = TRUE WHERE ... AND approved_by IS NOT NULL`, then `INSERT` the grant |
//! | `swap_pending` / `redeem_pending` | `UPDATE ... SET body, version = version + 1 WHERE version = $2 AND NOT cancelled` (and the grant's `INSERT`, in one transaction) |
//! | `cancel_pending`, `cancel_pending_for` | `UPDATE ... SET cancelled = TRUE WHERE cancel_hash = $1` / `subject = $1` |
//! | `set_cooldown` | `INSERT ... ON CONFLICT (subject) DO UPDATE ... WHERE until_at < $2` |
//! | `approve_onboarding` | `UPDATE ... SET approved_by = $2 WHERE ... AND approved_by IS NULL` |
//! | `RateLimitStore::hit` | `INSERT ... ON CONFLICT (rate_key, window_secs, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits` |

use passkey_recovery::{ApprovalDisplay, Channel, CorrelationId, Redemption, Scope, SubjectId, TokenHash};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::SqlError;

/// The onboarding fields kept as one JSON column.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct OnboardingDetails {
    pub(crate) device_secret_hash: TokenHash,
    pub(crate) approval_challenge: TokenHash,
    pub(crate) display: ApprovalDisplay,
    pub(crate) offered: bool,
}

pub(crate) fn enum_to_db<T: Serialize>(value: &T) -> Result<String, SqlError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(SqlError::OutOfRange("enum")),
    }
}

pub(crate) fn enum_from_db<T: DeserializeOwned>(text: String, column: &'static str) -> Result<T, SqlError> {
    serde_json::from_value(serde_json::Value::String(text)).map_err(|_| SqlError::Corrupt(column))
}

pub(crate) fn scopes_to_db(scopes: &[Scope]) -> Result<String, SqlError> {
    serde_json::to_string(scopes).map_err(|_| SqlError::OutOfRange("scopes"))
}

pub(crate) fn scopes_from_db(text: &str) -> Result<Vec<Scope>, SqlError> {
    serde_json::from_str(text).map_err(|_| SqlError::Corrupt("scopes"))
}

pub(crate) fn hash_from_db(bytes: &[u8], column: &'static str) -> Result<TokenHash, SqlError> {
    bytes.try_into().map(TokenHash::from_bytes).map_err(|_| SqlError::Corrupt(column))
}

pub(crate) fn channel_from_db(text: String) -> Result<Channel, SqlError> {
    enum_from_db(text, "channel")
}

pub(crate) fn redemption_from_db(text: String) -> Result<Redemption, SqlError> {
    enum_from_db(text, "redemption")
}

pub(crate) fn count_from_db(n: i64, column: &'static str) -> Result<u32, SqlError> {
    u32::try_from(n).map_err(|_| SqlError::Corrupt(column))
}

pub(crate) fn subject(bytes: Vec<u8>) -> SubjectId {
    SubjectId::new(bytes)
}

pub(crate) fn correlation(text: String) -> CorrelationId {
    CorrelationId::new(text)
}

/// The start of the window of `window_secs` containing `now` (windows start at multiples of
/// the length since the epoch, as the recovery crate counts them).
pub(crate) const fn window_start(window_secs: u64, now: u64) -> u64 {
    match now.checked_rem(window_secs) {
        Some(offset) => now - offset,
        None => now,
    }
}

/// Implements `RecoveryStore` and `RateLimitStore` for `$store`.
macro_rules! recovery_backend {
    (store = $store:ident, db = $db:ty) => {
        const _: () = {
            use passkey_recovery::{
                ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, OnboardingRecord,
                PendingRecord, PendingStore, RateKey, RateLimitStore, RecoveryStore, SubjectId, TokenHash, WindowCount,
            };
            use passkey_verifier::UnixTime;
            use sqlx::Row as _;

            use $crate::error::map;
            use $crate::recovery::*;
            use $crate::rows::{time_from_db, time_to_db};
            use $crate::SqlError;

            const CHALLENGE_COLUMNS: &str = "handle_hash, subject, correlation_id, channel, redemption, scopes, \
                 attempts_left, expires_at, consumed, secret_hash";
            const GRANT_COLUMNS: &str = "grant_hash, subject, correlation_id, channel, scopes, expires_at, consumed";
            const ONBOARDING_COLUMNS: &str =
                "pairing_hash, correlation_id, claimed, approved_by, expires_at, consumed, details";
            const PENDING_COLUMNS: &str = "body, version, cancelled";

            fn challenge_from(row: &<$db as sqlx::Database>::Row) -> Result<ChallengeRecord, SqlError> {
                let hash: Vec<u8> = row.try_get(0).map_err(map)?;
                let secret: Vec<u8> = row.try_get(9).map_err(map)?;
                Ok(ChallengeRecord {
                    handle_hash: hash_from_db(&hash, "handle_hash")?,
                    secret_hash: hash_from_db(&secret, "secret_hash")?,
                    subject: subject(row.try_get(1).map_err(map)?),
                    correlation_id: correlation(row.try_get(2).map_err(map)?),
                    channel: channel_from_db(row.try_get(3).map_err(map)?)?,
                    redemption: redemption_from_db(row.try_get(4).map_err(map)?)?,
                    scopes: scopes_from_db(&row.try_get::<String, _>(5).map_err(map)?)?,
                    attempts_left: count_from_db(row.try_get(6).map_err(map)?, "attempts_left")?,
                    expires_at: time_from_db(row.try_get(7).map_err(map)?, "expires_at")?,
                    consumed: row.try_get(8).map_err(map)?,
                })
            }

            fn grant_from(row: &<$db as sqlx::Database>::Row) -> Result<GrantRecord, SqlError> {
                let hash: Vec<u8> = row.try_get(0).map_err(map)?;
                Ok(GrantRecord {
                    grant_hash: hash_from_db(&hash, "grant_hash")?,
                    subject: subject(row.try_get(1).map_err(map)?),
                    correlation_id: correlation(row.try_get(2).map_err(map)?),
                    channel: row.try_get::<Option<String>, _>(3).map_err(map)?.map(channel_from_db).transpose()?,
                    scopes: scopes_from_db(&row.try_get::<String, _>(4).map_err(map)?)?,
                    expires_at: time_from_db(row.try_get(5).map_err(map)?, "expires_at")?,
                    consumed: row.try_get(6).map_err(map)?,
                })
            }

            fn onboarding_from(row: &<$db as sqlx::Database>::Row) -> Result<OnboardingRecord, SqlError> {
                let hash: Vec<u8> = row.try_get(0).map_err(map)?;
                let details: OnboardingDetails =
                    serde_json::from_str(&row.try_get::<String, _>(6).map_err(map)?).map_err(|_| SqlError::Corrupt("details"))?;
                Ok(OnboardingRecord {
                    pairing_hash: hash_from_db(&hash, "pairing_hash")?,
                    device_secret_hash: details.device_secret_hash,
                    approval_challenge: details.approval_challenge,
                    display: details.display,
                    offered: details.offered,
                    correlation_id: correlation(row.try_get(1).map_err(map)?),
                    claimed: row.try_get::<Option<Vec<u8>>, _>(2).map_err(map)?.map(subject),
                    approved_by: row.try_get::<Option<Vec<u8>>, _>(3).map_err(map)?.map(subject),
                    expires_at: time_from_db(row.try_get(4).map_err(map)?, "expires_at")?,
                    consumed: row.try_get(5).map_err(map)?,
                })
            }

            impl $store {
                /// Whether a row with `key` exists in `sql` (a `SELECT 1 ... WHERE key = $1`).
                async fn exists(&self, sql: &'static str, key: &[u8]) -> Result<bool, SqlError> {
                    let found: Option<i64> =
                        sqlx::query_scalar(sql).bind(key).fetch_optional(&self.pool).await.map_err(map)?;
                    Ok(found.is_some())
                }

                /// Reports why a consume changed nothing: `(consumed, available)` of the row.
                async fn why_not_consumed(&self, sql: &'static str, key: &[u8]) -> Result<ConsumeOutcome, SqlError> {
                    let row = sqlx::query(sql).bind(key).fetch_optional(&self.pool).await.map_err(map)?;
                    let Some(row) = row else { return Ok(ConsumeOutcome::NotFound) };
                    let consumed: bool = row.try_get(0).map_err(map)?;
                    Ok(if consumed { ConsumeOutcome::AlreadyConsumed } else { ConsumeOutcome::Unavailable })
                }
            }

            impl RecoveryStore for $store {
                type Error = SqlError;

                async fn insert_challenge(&self, record: ChallengeRecord) -> Result<(), SqlError> {
                    sqlx::query(
                        "INSERT INTO passkey_recovery_challenges (handle_hash, subject, correlation_id, channel, \
                         redemption, scopes, attempts_left, expires_at, consumed, secret_hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(&record.handle_hash.as_bytes()[..])
                    .bind(record.subject.as_bytes())
                    .bind(record.correlation_id.as_str())
                    .bind(enum_to_db(&record.channel)?)
                    .bind(enum_to_db(&record.redemption)?)
                    .bind(scopes_to_db(&record.scopes)?)
                    .bind(i64::from(record.attempts_left))
                    .bind(time_to_db(record.expires_at)?)
                    .bind(record.consumed)
                    .bind(&record.secret_hash.as_bytes()[..])
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn find_challenge(&self, hash: &TokenHash) -> Result<Option<ChallengeRecord>, SqlError> {
                    let row = sqlx::query(&format!(
                        "SELECT {CHALLENGE_COLUMNS} FROM passkey_recovery_challenges WHERE handle_hash = $1"
                    ))
                    .bind(&hash.as_bytes()[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    row.as_ref().map(challenge_from).transpose()
                }

                async fn decrement_attempts(&self, hash: &TokenHash) -> Result<AttemptOutcome, SqlError> {
                    let left: Option<i64> = sqlx::query_scalar(
                        "UPDATE passkey_recovery_challenges SET attempts_left = attempts_left - 1 \
                         WHERE handle_hash = $1 AND attempts_left > 0 AND NOT consumed RETURNING attempts_left",
                    )
                    .bind(&hash.as_bytes()[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    if let Some(left) = left {
                        return Ok(AttemptOutcome::Decremented(count_from_db(left, "attempts_left")?));
                    }
                    let exists = self
                        .exists(
                            "SELECT CAST(1 AS BIGINT) FROM passkey_recovery_challenges WHERE handle_hash = $1",
                            &hash.as_bytes()[..],
                        )
                        .await?;
                    Ok(if exists { AttemptOutcome::Unchanged } else { AttemptOutcome::NotFound })
                }

                async fn redeem_challenge(
                    &self,
                    hash: &TokenHash,
                    grant: GrantRecord,
                ) -> Result<ConsumeOutcome, SqlError> {
                    // The first statement writes, so SQLite takes its write lock at once and a
                    // concurrent redeemer waits instead of failing on a stale snapshot.
                    let mut tx = self.pool.begin().await.map_err(map)?;
                    let consumed = sqlx::query(
                        "UPDATE passkey_recovery_challenges SET consumed = TRUE \
                         WHERE handle_hash = $1 AND NOT consumed AND attempts_left > 0",
                    )
                    .bind(&hash.as_bytes()[..])
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
                    if consumed == 0 {
                        tx.rollback().await.map_err(map)?;
                        return self
                            .why_not_consumed(
                                "SELECT consumed FROM passkey_recovery_challenges WHERE handle_hash = $1",
                                &hash.as_bytes()[..],
                            )
                            .await;
                    }
                    insert_grant(&mut tx, &grant).await?;
                    // Dropping `tx` on any error above rolls both steps back.
                    tx.commit().await.map_err(map)?;
                    Ok(ConsumeOutcome::Consumed)
                }

                async fn find_grant(&self, hash: &TokenHash) -> Result<Option<GrantRecord>, SqlError> {
                    let row = sqlx::query(&format!(
                        "SELECT {GRANT_COLUMNS} FROM passkey_recovery_grants WHERE grant_hash = $1"
                    ))
                    .bind(&hash.as_bytes()[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    row.as_ref().map(grant_from).transpose()
                }

                async fn consume_grant(&self, hash: &TokenHash) -> Result<ConsumeOutcome, SqlError> {
                    let done = sqlx::query(
                        "UPDATE passkey_recovery_grants SET consumed = TRUE WHERE grant_hash = $1 AND NOT consumed",
                    )
                    .bind(&hash.as_bytes()[..])
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    if done.rows_affected() > 0 {
                        return Ok(ConsumeOutcome::Consumed);
                    }
                    self.why_not_consumed(
                        "SELECT consumed FROM passkey_recovery_grants WHERE grant_hash = $1",
                        &hash.as_bytes()[..],
                    )
                    .await
                }

                async fn insert_onboarding(&self, record: OnboardingRecord) -> Result<(), SqlError> {
                    let details = OnboardingDetails {
                        device_secret_hash: record.device_secret_hash,
                        approval_challenge: record.approval_challenge,
                        display: record.display.clone(),
                        offered: record.offered,
                    };
                    let details = serde_json::to_string(&details).map_err(|_| SqlError::OutOfRange("details"))?;
                    sqlx::query(
                        "INSERT INTO passkey_onboardings (pairing_hash, correlation_id, claimed, approved_by, \
                         expires_at, consumed, details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&record.pairing_hash.as_bytes()[..])
                    .bind(record.correlation_id.as_str())
                    .bind(record.claimed.as_ref().map(SubjectId::as_bytes))
                    .bind(record.approved_by.as_ref().map(SubjectId::as_bytes))
                    .bind(time_to_db(record.expires_at)?)
                    .bind(record.consumed)
                    .bind(details)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn find_onboarding(&self, hash: &TokenHash) -> Result<Option<OnboardingRecord>, SqlError> {
                    let row = sqlx::query(&format!(
                        "SELECT {ONBOARDING_COLUMNS} FROM passkey_onboardings WHERE pairing_hash = $1"
                    ))
                    .bind(&hash.as_bytes()[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    row.as_ref().map(onboarding_from).transpose()
                }

                async fn approve_onboarding(
                    &self,
                    hash: &TokenHash,
                    approver: &SubjectId,
                ) -> Result<ApproveOutcome, SqlError> {
                    let done = sqlx::query(
                        "UPDATE passkey_onboardings SET approved_by = $2 WHERE pairing_hash = $1 AND approved_by IS NULL",
                    )
                    .bind(&hash.as_bytes()[..])
                    .bind(approver.as_bytes())
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    if done.rows_affected() > 0 {
                        return Ok(ApproveOutcome::Approved);
                    }
                    let exists = self
                        .exists(
                            "SELECT CAST(1 AS BIGINT) FROM passkey_onboardings WHERE pairing_hash = $1",
                            &hash.as_bytes()[..],
                        )
                        .await?;
                    Ok(if exists { ApproveOutcome::AlreadyApproved } else { ApproveOutcome::NotFound })
                }

                async fn redeem_onboarding(
                    &self,
                    hash: &TokenHash,
                    grant: GrantRecord,
                ) -> Result<ConsumeOutcome, SqlError> {
                    let mut tx = self.pool.begin().await.map_err(map)?;
                    let done = sqlx::query(
                        "UPDATE passkey_onboardings SET consumed = TRUE \
                         WHERE pairing_hash = $1 AND NOT consumed AND approved_by IS NOT NULL",
                    )
                    .bind(&hash.as_bytes()[..])
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
                    if done == 0 {
                        tx.rollback().await.map_err(map)?;
                        return self
                            .why_not_consumed(
                                "SELECT consumed FROM passkey_onboardings WHERE pairing_hash = $1",
                                &hash.as_bytes()[..],
                            )
                            .await;
                    }
                    insert_grant(&mut tx, &grant).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(ConsumeOutcome::Consumed)
                }
            }

            async fn insert_grant(
                tx: &mut sqlx::Transaction<'_, $db>,
                grant: &GrantRecord,
            ) -> Result<(), SqlError> {
                sqlx::query(
                    "INSERT INTO passkey_recovery_grants (grant_hash, subject, correlation_id, channel, scopes, \
                     expires_at, consumed) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&grant.grant_hash.as_bytes()[..])
                .bind(grant.subject.as_bytes())
                .bind(grant.correlation_id.as_str())
                .bind(grant.channel.as_ref().map(enum_to_db).transpose()?)
                .bind(scopes_to_db(&grant.scopes)?)
                .bind(time_to_db(grant.expires_at)?)
                .bind(grant.consumed)
                .execute(&mut **tx)
                .await
                .map_err(map)?;
                Ok(())
            }

            async fn swap_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                record: &PendingRecord,
                expected: u64,
            ) -> Result<bool, SqlError> {
                let expected_db = i64::try_from(expected).map_err(|_| SqlError::OutOfRange("version"))?;
                let mut stored = record.clone();
                stored.version = expected.saturating_add(1);
                stored.cancelled = false;
                let body = serde_json::to_string(&stored).map_err(|_| SqlError::OutOfRange("body"))?;
                let done = sqlx::query(
                    "UPDATE passkey_recovery_pending SET body = $3, version = $2 + 1 \
                     WHERE handle_hash = $1 AND version = $2 AND NOT cancelled",
                )
                .bind(&record.handle_hash.as_bytes()[..])
                .bind(expected_db)
                .bind(body)
                .execute(&mut **tx)
                .await
                .map_err(map)?;
                Ok(done.rows_affected() > 0)
            }

            impl PendingStore for $store {
                type Error = SqlError;

                async fn insert_pending(&self, record: PendingRecord) -> Result<(), SqlError> {
                    let body = serde_json::to_string(&record).map_err(|_| SqlError::OutOfRange("body"))?;
                    sqlx::query(
                        "INSERT INTO passkey_recovery_pending (handle_hash, cancel_hash, subject, version, cancelled, \
                         body, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&record.handle_hash.as_bytes()[..])
                    .bind(&record.cancel_hash.as_bytes()[..])
                    .bind(record.subject.as_bytes())
                    .bind(i64::try_from(record.version).map_err(|_| SqlError::OutOfRange("version"))?)
                    .bind(record.cancelled)
                    .bind(body)
                    .bind(time_to_db(record.expires_at)?)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn find_pending(&self, hash: &TokenHash) -> Result<Option<PendingRecord>, SqlError> {
                    let row = sqlx::query(&format!(
                        "SELECT {PENDING_COLUMNS} FROM passkey_recovery_pending WHERE handle_hash = $1"
                    ))
                    .bind(&hash.as_bytes()[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map)?;
                    let Some(row) = row else { return Ok(None) };
                    let body: String = row.try_get(0).map_err(map)?;
                    let mut record: PendingRecord =
                        serde_json::from_str(&body).map_err(|_| SqlError::Corrupt("body"))?;
                    let version: i64 = row.try_get(1).map_err(map)?;
                    record.version = u64::try_from(version).map_err(|_| SqlError::Corrupt("version"))?;
                    record.cancelled = row.try_get(2).map_err(map)?;
                    Ok(Some(record))
                }

                async fn swap_pending(&self, record: PendingRecord, expected: u64) -> Result<bool, SqlError> {
                    let mut tx = self.pool.begin().await.map_err(map)?;
                    let done = swap_in(&mut tx, &record, expected).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(done)
                }

                async fn redeem_pending(
                    &self,
                    record: PendingRecord,
                    expected: u64,
                    grant: GrantRecord,
                ) -> Result<bool, SqlError> {
                    let mut tx = self.pool.begin().await.map_err(map)?;
                    if !swap_in(&mut tx, &record, expected).await? {
                        tx.rollback().await.map_err(map)?;
                        return Ok(false);
                    }
                    insert_grant(&mut tx, &grant).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(true)
                }

                async fn cancel_pending(&self, cancel_hash: &TokenHash) -> Result<bool, SqlError> {
                    let done = sqlx::query(
                        "UPDATE passkey_recovery_pending SET cancelled = TRUE WHERE cancel_hash = $1 AND NOT cancelled",
                    )
                    .bind(&cancel_hash.as_bytes()[..])
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn cancel_pending_for(&self, subject: &SubjectId) -> Result<u64, SqlError> {
                    let done = sqlx::query(
                        "UPDATE passkey_recovery_pending SET cancelled = TRUE WHERE subject = $1 AND NOT cancelled",
                    )
                    .bind(subject.as_bytes())
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(done.rows_affected())
                }

                async fn set_cooldown(&self, subject: &SubjectId, until: UnixTime) -> Result<(), SqlError> {
                    sqlx::query(
                        "INSERT INTO passkey_recovery_cooldowns (subject, until_at) VALUES ($1, $2) \
                         ON CONFLICT (subject) DO UPDATE SET until_at = $2 \
                         WHERE passkey_recovery_cooldowns.until_at < $2",
                    )
                    .bind(subject.as_bytes())
                    .bind(time_to_db(until)?)
                    .execute(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(())
                }

                async fn cooldown_until(&self, subject: &SubjectId) -> Result<Option<UnixTime>, SqlError> {
                    let until: Option<i64> =
                        sqlx::query_scalar("SELECT until_at FROM passkey_recovery_cooldowns WHERE subject = $1")
                            .bind(subject.as_bytes())
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(map)?;
                    until.map(|t| time_from_db(t, "until_at")).transpose()
                }
            }

            impl RateLimitStore for $store {
                type Error = SqlError;

                async fn hit(&self, key: &RateKey, window_secs: u64, now: UnixTime) -> Result<WindowCount, SqlError> {
                    let start = window_start(window_secs, now.as_secs());
                    let resets_at = UnixTime::from_secs(start.saturating_add(window_secs));
                    let window = i64::try_from(window_secs).map_err(|_| SqlError::OutOfRange("window"))?;
                    let hits: i64 = sqlx::query_scalar(
                        "INSERT INTO passkey_rate_limits (rate_key, window_secs, window_start, hits, expires_at) \
                         VALUES ($1, $2, $3, 1, $4) \
                         ON CONFLICT (rate_key, window_secs, window_start) \
                         DO UPDATE SET hits = passkey_rate_limits.hits + 1 RETURNING hits",
                    )
                    .bind(&key.as_bytes()[..])
                    .bind(window)
                    .bind(time_to_db(UnixTime::from_secs(start))?)
                    .bind(time_to_db(resets_at)?)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map)?;
                    Ok(WindowCount { count: u32::try_from(hits).unwrap_or(u32::MAX), resets_at })
                }
            }
        };
    };
}

#[cfg(feature = "postgres")]
recovery_backend!(store = PgStore, db = sqlx::Postgres);
#[cfg(feature = "sqlite")]
recovery_backend!(store = SqliteStore, db = sqlx::Sqlite);

#[cfg(feature = "postgres")]
use crate::PgStore;
#[cfg(feature = "sqlite")]
use crate::SqliteStore;
