//! The sign-in path's connections on PostgreSQL: taken from the pool once, then kept by the
//! store, so that the three statements of a sign-in cost three round trips. (A connection
//! that goes back to a sqlx pool is checked with a round trip of its own, every time.)
//!
//! A connection is reused only after its statement succeeded; on any error it is closed. One
//! idle for longer than [`IDLE_CHECK_AFTER`] is checked before use, as the pool does. At most
//! `capacity` connections are in the lane at once, idle or busy.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Connection as _;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::IDLE_CHECK_AFTER;

/// Connections for the sign-in path, beside the pool.
pub(crate) struct Lane {
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    permits: Semaphore,
}

/// A connection out of the lane: back with [`Checkout::keep`] after success; dropped (and
/// closed) otherwise.
pub(crate) struct Checkout<'a> {
    lane: &'a Lane,
    pub(crate) conn: PgConnection,
    _permit: SemaphorePermit<'a>,
}

impl Lane {
    /// A lane of at most `capacity` connections.
    pub(crate) fn new(capacity: u32) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(1).max(1);
        Self { idle: Mutex::new(Vec::new()), permits: Semaphore::new(capacity) }
    }

    /// An idle connection (checked if it idled long), or a new one from `pool`.
    pub(crate) async fn checkout(&self, pool: &PgPool) -> Result<Checkout<'_>, sqlx::Error> {
        let permit = self.permits.acquire().await.map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some((mut conn, since)) if since.elapsed() > IDLE_CHECK_AFTER => match conn.ping().await {
                Ok(()) => conn,
                Err(_) => pool.acquire().await?.detach(),
            },
            Some((conn, _)) => conn,
            None => pool.acquire().await?.detach(),
        };
        Ok(Checkout { lane: self, conn, _permit: permit })
    }
}

impl Checkout<'_> {
    /// Puts the connection back for the next statement (after it succeeded).
    pub(crate) fn keep(self) {
        let Self { lane, conn, _permit } = self;
        lane.idle.lock().unwrap_or_else(PoisonError::into_inner).push((conn, Instant::now()));
    }
}
