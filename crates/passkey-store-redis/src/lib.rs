//! Redis storage for [`passkey_verifier`]'s ephemeral, high-churn state, on the
//! [redis](https://docs.rs/redis) crate (tokio, a [`ConnectionManager`] that reconnects by
//! itself):
//!
//! * ceremony state ([`ChallengeStore`]): `SET key state EX ttl NX`, taken once with
//!   `GETDEL` (Redis 6.2 or later);
//! * with the feature `recovery`, the recovery crate's `RecoveryStore` (recovery tokens,
//!   grants, onboardings) and `RateLimitStore`: every check-and-change is one Lua script
//!   (attempt counting, consume-once, redeem a token *and* store its grant), every counter
//!   one `INCR` with its expiry in the same script.
//!
//! Every key carries a TTL (the record's expiry plus [`GRACE_SECS`]), so nothing needs
//! purging. Credentials stay in SQL (`passkey-store-sql`): give [`Ceremonies`] a
//! `RedisStore` for state and a `PgStore` for credentials.
//!
//! ```no_run
//! use passkey_store_redis::RedisStore;
//! use passkey_verifier::{Ceremonies, MemoryStore, RelyingParty, SignInChoices, SignInTarget};
//! use passkey_verifier::rand_core::UnwrapErr;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let states = RedisStore::connect("redis://127.0.0.1:6379/").await?.with_prefix("myapp:passkey:");
//! // In production the credentials live in PostgreSQL:
//! // `passkey_store_sql::PgStore::connect(&database_url).await?`.
//! let credentials = MemoryStore::new();
//! let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
//! let ceremonies = Ceremonies::new(rp, states, credentials, UnwrapErr(getrandom::SysRng));
//! let (state_id, _options) =
//!     ceremonies.start_authentication(SignInTarget::Discoverable, &SignInChoices::default()).await?;
//! # let _ = state_id;
//! # Ok(())
//! # }
//! ```
//!
//! Errors are a [`RedisStoreError`]; a lost connection is
//! [`RedisStoreError::Unavailable`] and fails the ceremony. No error text carries a key or a
//! value.
//!
//! # Keys
//!
//! All under the store's prefix (`passkey:` by default): `state:{id}` (the core's versioned
//! JSON state), `rc:{hash}`, `rg:{hash}`, `ro:{hash}` (hashes of a recovery challenge, grant
//! and onboarding: the record as JSON in `rec`, the mutable parts in their own fields), and
//! `rl:{key}:{window}:{start}` (a rate-limit count). Token and rate keys are hex of the
//! SHA-256 hashes the recovery crate stores; no raw token, nonce or identifier is a key. On
//! Redis Cluster, redeeming a token touches two keys: put a hash tag in the prefix
//! (`{passkey}:`) so that they share a slot.
//!
//! [`Ceremonies`]: passkey_verifier::Ceremonies

#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
#[cfg(feature = "recovery")]
mod recovery;

use std::sync::Arc;

use passkey_verifier::store::UnixTime;
use passkey_verifier::{CeremonyState, ChallengeStore, StateId, SystemClock, TimeProvider};
pub use redis::aio::ConnectionManager;

use error::map;
pub use error::RedisStoreError;

/// Seconds a key outlives its record's expiry, so that a late answer is refused as expired
/// (by the ceremony layer, which checks expiry itself) rather than as unknown.
pub const GRACE_SECS: u64 = 60;

/// The longest TTL set on any key (a week: a passkeyless recovery lives through its waiting
/// period and redemption window, a cool-down for its length), whatever expiry a record claims.
pub const MAX_TTL_SECS: u64 = 7 * 24 * 60 * 60;

/// The longest state ID looked up; longer IDs (never issued by the ceremony layer) are
/// unknown without a round trip.
pub const MAX_STATE_ID_LEN: usize = 128;

/// Ceremony state (and, with the `recovery` feature, recovery records and rate limits) in
/// Redis. Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    clock: Arc<dyn TimeProvider>,
}

impl core::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`, with `user:password@` if the server wants
    /// them) through a [`ConnectionManager`].
    ///
    /// # Errors
    ///
    /// [`RedisStoreError::Unavailable`] when the server cannot be reached,
    /// [`RedisStoreError::Client`] for a malformed URL.
    pub async fn connect(url: &str) -> Result<Self, RedisStoreError> {
        let client = redis::Client::open(url).map_err(|_| RedisStoreError::Client("invalid redis URL"))?;
        let conn = client.get_connection_manager().await.map_err(map)?;
        Ok(Self::from_manager(conn))
    }

    /// A store over a connection manager the host already has, with the prefix `passkey:`.
    #[must_use]
    pub fn from_manager(conn: ConnectionManager) -> Self {
        Self { conn, prefix: Arc::from("passkey:"), clock: Arc::new(SystemClock) }
    }

    /// Puts every key under `prefix` instead of `passkey:` (to share a server between
    /// applications, or to add a Cluster hash tag).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = Arc::from(prefix);
        self
    }

    /// Reads the time for TTLs from `clock` instead of the system clock (records carry
    /// absolute expiries; a key's TTL is the time left until then, plus [`GRACE_SECS`]).
    #[must_use]
    pub fn with_clock(mut self, clock: impl TimeProvider + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The key prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The connection.
    #[must_use]
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    /// The TTL of a key whose record expires at `expires_at`: the time left plus
    /// [`GRACE_SECS`], at most [`MAX_TTL_SECS`].
    fn ttl(&self, expires_at: UnixTime) -> u64 {
        expires_at.as_secs().saturating_sub(self.clock.now().as_secs()).saturating_add(GRACE_SECS).min(MAX_TTL_SECS)
    }
}

impl ChallengeStore for RedisStore {
    type Error = RedisStoreError;

    async fn insert(&self, id: &StateId, state: CeremonyState) -> Result<(), RedisStoreError> {
        let text = state.to_versioned_json()?;
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key("state", id.as_str()))
            .arg(text)
            .arg("EX")
            .arg(self.ttl(state.expires_at()))
            .arg("NX")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(map)?;
        set.map(|_| ()).ok_or(RedisStoreError::Exists)
    }

    async fn take(&self, id: &StateId) -> Result<Option<CeremonyState>, RedisStoreError> {
        if id.as_str().len() > MAX_STATE_ID_LEN {
            return Ok(None);
        }
        let text: Option<String> = redis::cmd("GETDEL")
            .arg(self.key("state", id.as_str()))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(map)?;
        Ok(text.map(|t| CeremonyState::from_versioned_json(&t)).transpose()?)
    }
}

/// Lower-case hex of `bytes`, for keys.
#[cfg_attr(not(feature = "recovery"), allow(dead_code))]
fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
