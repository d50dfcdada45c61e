//! The schema's versioned migrations, embedded in the crate.
//!
//! `PgStore::migrate` / `SqliteStore::migrate` apply them in order, each in its own
//! transaction, and record them in `passkey_schema_migrations (version, name, applied_at)`.
//! The history is linear and the same whatever features are enabled (the recovery tables
//! exist even when the `recovery` feature is off), so that enabling a feature later needs no
//! other migration. A database may be ahead of a build (a newer server migrated it during a
//! rolling deploy): migrations only add, so the older build keeps working on it.

/// One migration: a version, a name (checked against the database's history) and its SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The version, from 1, strictly increasing.
    pub version: i64,
    /// A short name, recorded with the version.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The PostgreSQL migrations, in order.
#[cfg(feature = "postgres")]
pub const POSTGRES: &[Migration] = &[
    Migration { version: 1, name: "initial", sql: include_str!("../migrations/postgres/0001_initial.sql") },
    Migration { version: 2, name: "accounts", sql: include_str!("../migrations/postgres/0002_accounts.sql") },
];

/// The SQLite migrations, in order.
#[cfg(feature = "sqlite")]
pub const SQLITE: &[Migration] = &[
    Migration { version: 1, name: "initial", sql: include_str!("../migrations/sqlite/0001_initial.sql") },
    Migration { version: 2, name: "accounts", sql: include_str!("../migrations/sqlite/0002_accounts.sql") },
];

pub(crate) const HISTORY_TABLE: &str = "CREATE TABLE IF NOT EXISTS passkey_schema_migrations (\
     version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, \
     applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)";

/// One `DELETE` per expiring table, in the order of [`Purged`](crate::Purged)'s fields.
pub(crate) const EXPIRING_TABLES: [&str; 5] = [
    "DELETE FROM passkey_ceremony_state WHERE expires_at <= $1",
    "DELETE FROM passkey_recovery_challenges WHERE expires_at <= $1",
    "DELETE FROM passkey_recovery_grants WHERE expires_at <= $1",
    "DELETE FROM passkey_onboardings WHERE expires_at <= $1",
    "DELETE FROM passkey_rate_limits WHERE expires_at <= $1",
];
