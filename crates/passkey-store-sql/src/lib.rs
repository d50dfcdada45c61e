//! PostgreSQL and SQLite storage for [`passkey_verifier`], on [sqlx](https://docs.rs/sqlx)
//! (async, tokio), that stays correct when several server processes share one database.
//!
//! * [`PgStore`] (feature `postgres`) and [`SqliteStore`] (feature `sqlite`) implement the
//!   core's [`ChallengeStore`](passkey_verifier::ChallengeStore) and
//!   [`CredentialStore`](passkey_verifier::CredentialStore), and with the feature `recovery`
//!   the recovery crate's `RecoveryStore` and `RateLimitStore`.
//! * Every atomic guarantee of the traits is one statement or one transaction, so it holds
//!   across processes: take-once is `DELETE ... RETURNING`, insert-if-new is `INSERT ... ON
//!   CONFLICT (credential_id) DO NOTHING` on the primary key, the counter update is one
//!   `UPDATE ... WHERE sign_count = $expected`, and redeeming a recovery token (consume it
//!   *and* store its grant) is one transaction.
//! * Ceremony state is stored as the core's versioned JSON envelope
//!   ([`CeremonyState::to_versioned_json`](passkey_verifier::CeremonyState::to_versioned_json)),
//!   never as columns, so two versions of a server can share the database during a rolling
//!   deploy.
//! * The schema ships with the crate as versioned migrations ([`migrate`]); call `migrate()`
//!   once at startup (safe from several processes at once).
//! * Errors are a [`SqlError`]: a lost connection is [`SqlError::Unavailable`] and fails the
//!   ceremony (the pool reconnects for the next one), a unique violation is the traits'
//!   "already exists", a corrupt row is [`SqlError::Corrupt`]. No error text carries a bound
//!   value: database messages can echo parameters, so only their codes are kept.
//!
//! Queries are built at run time with bound parameters (`sqlx::query(..).bind(..)`): no
//! compile-time macros, so building needs no database.
//!
//! # Example
//!
//! ```
//! use passkey_store_sql::SqliteStore;
//! use passkey_verifier::{Ceremonies, RelyingParty, SignInChoices, SignInTarget, UnixTime};
//! use passkey_verifier::rand_core::UnwrapErr;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // `SqliteStore::open("passkeys.db")` for a file, `PgStore::connect("postgres://...")` for
//! // PostgreSQL: the rest is the same.
//! let store = SqliteStore::in_memory().await?;
//! store.migrate().await?;
//!
//! let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
//! let ceremonies = Ceremonies::new(rp, store.clone(), store.clone(), UnwrapErr(getrandom::SysRng));
//! let (state_id, _options) =
//!     ceremonies.start_authentication(SignInTarget::Discoverable, &SignInChoices::default()).await?;
//! # let _ = state_id;
//!
//! // Expired ceremony state (and recovery tokens, grants, rate-limit windows) is deleted by
//! // `purge_expired`: run it every few minutes from one background task.
//! let purger = store.clone();
//! tokio::spawn(async move {
//!     let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
//!     loop {
//!         every.tick().await;
//!         if let Err(e) = purger.purge_expired(UnixTime::now()).await {
//!             eprintln!("purge failed: {e}");
//!         }
//!     }
//! });
//! # Ok(())
//! # }
//! ```
//!
//! # Scheduling the purge
//!
//! Nothing expires by itself in SQL. `purge_expired(now)` deletes, table by table, the rows
//! that expired at or before `now` (each `DELETE` uses the `expires_at` index). Run it from a
//! single task per deployment or from every instance (it is idempotent; concurrent runs only
//! race to delete the same rows), every few minutes: expired rows are harmless meanwhile,
//! since every reader checks expiry itself. Pass the wall clock (`UnixTime::now()`); a grace
//! of a few seconds (`now - 60`) keeps a tombstone a little longer for slow clocks.
//!
//! # Schema
//!
//! | table | key | what |
//! |---|---|---|
//! | `passkey_ceremony_state` | `id` | versioned JSON state, `expires_at` (indexed) |
//! | `passkey_credentials` | `credential_id` (primary key: unique for every user) | the record's fields in columns, indexed by `(user_handle, created_at)` |
//! | `passkey_recovery_challenges` | `token_hash` | recovery tokens (hash only), attempts, tombstones |
//! | `passkey_recovery_grants` | `grant_hash` | grants (hash only), tombstones |
//! | `passkey_onboardings` | `nonce_hash` | device onboardings |
//! | `passkey_rate_limits` | `(rate_key, window_secs, window_start)` | fixed-window counts |
//! | `passkey_accounts` | `user_handle` (`username` unique) | accounts, for hosts that keep them here (`account_by_username`, `account_by_handle`, `create_account`) |
//! | `passkey_schema_migrations` | `version` | the applied migrations |

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod accounts;
mod error;
pub mod migrate;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod pool;
mod rows;

#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod backend;
#[cfg(feature = "postgres")]
mod lane;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(all(feature = "recovery", any(feature = "postgres", feature = "sqlite")))]
mod recovery;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use accounts::AccountRow;
pub use error::SqlError;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use pool::IDLE_CHECK_AFTER;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteStore, BUSY_TIMEOUT};

/// What `purge_expired` (of `PgStore` or `SqliteStore`) deleted, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Purged {
    /// Ceremony states.
    pub ceremony_states: u64,
    /// Recovery challenges (tombstones included).
    pub recovery_challenges: u64,
    /// Recovery grants (tombstones included).
    pub recovery_grants: u64,
    /// Device onboardings.
    pub onboardings: u64,
    /// Rate-limit windows.
    pub rate_limit_windows: u64,
    /// Passkeyless recoveries.
    pub pending_recoveries: u64,
    /// Ended cool-downs.
    pub cooldowns: u64,
}

impl Purged {
    /// The rows deleted in all.
    #[must_use]
    pub const fn total(&self) -> u64 {
        self.ceremony_states
            + self.recovery_challenges
            + self.recovery_grants
            + self.onboardings
            + self.rate_limit_windows
            + self.pending_recoveries
            + self.cooldowns
    }
}
