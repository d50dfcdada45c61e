//! The pools the stores open: sqlx's defaults, except the liveness check before a connection
//! is handed out.

use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::{Connection as _, Database};

/// A connection idle for longer than this is checked (one empty round trip) before a store
/// uses it; one used more recently is not.
///
/// sqlx's pools check every connection they hand out by default, which doubles the round
/// trips of every statement on PostgreSQL (a `Sync` and its answer before the statement
/// itself), at the cost of the latency and the server's time, under load as much as when
/// idle. A connection in use within the last second is almost never dead; when it is (the
/// server restarted or killed the session a moment ago), the statement fails as
/// [`SqlError::Unavailable`](crate::SqlError::Unavailable), the ceremony fails with a
/// storage error like any other caught in flight, and the pool drops the connection and
/// opens a new one for the next. (sqlx also checks each connection when it goes back to the
/// pool, after the caller has its answer. On PostgreSQL the sign-in path's three statements
/// run on connections the store keeps beside the pool, which skip that check: up to
/// `max_connections` more connections per store.)
pub const IDLE_CHECK_AFTER: Duration = Duration::from_secs(1);

/// Pool options with `max_connections` and the idle check of [`IDLE_CHECK_AFTER`].
pub(crate) fn options<DB: Database>(max_connections: u32) -> PoolOptions<DB> {
    PoolOptions::new().max_connections(max_connections).test_before_acquire(false).before_acquire(
        |conn: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_CHECK_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        },
    )
}

/// A fresh name for a new pool (see [`passkey_verifier::store::Database`]).
pub(crate) fn next_database() -> passkey_verifier::store::Database {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    passkey_verifier::store::Database::new(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}
