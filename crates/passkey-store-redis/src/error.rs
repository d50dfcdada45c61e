//! The adapter's error: what failed, never what was sent.

use passkey_verifier::store::StateFormatError;

/// A Redis storage failure. The text names the failure (a kind, a server error code), never
/// a key or a value: server messages can echo arguments, so only their codes are kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The server could not be reached, the connection was lost or the reply timed out. The
    /// operation may or may not have been applied; the connection manager reconnects for the
    /// next one.
    #[error("redis unavailable: {0}")]
    Unavailable(&'static str),
    /// The server refused the command (`code` is its error code, such as `WRONGTYPE` or
    /// `READONLY`).
    #[error("redis error (code {code})")]
    Server {
        /// The server's error code, or `"unknown"`.
        code: String,
    },
    /// A stored value does not decode (the named part is missing or malformed).
    #[error("corrupt value: {0}")]
    Corrupt(&'static str),
    /// A stored ceremony state could not be read (malformed, or written by a newer build in a
    /// format this one does not read).
    #[error(transparent)]
    State(#[from] StateFormatError),
    /// A key to be created already exists (a state or token ID collision).
    #[error("key already exists")]
    Exists,
    /// Any other client failure.
    #[error("redis client error: {0}")]
    Client(&'static str),
}

impl RedisStoreError {
    /// Whether the failure is a lost or unreachable server (retrying later may succeed).
    #[must_use]
    pub const fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

pub(crate) fn map(e: redis::RedisError) -> RedisStoreError {
    if e.is_timeout() {
        RedisStoreError::Unavailable("timed out")
    } else if e.is_connection_refusal() {
        RedisStoreError::Unavailable("connection refused")
    } else if e.is_connection_dropped() {
        RedisStoreError::Unavailable("connection dropped")
    } else if e.is_io_error() {
        RedisStoreError::Unavailable("i/o error")
    } else if let Some(code) = e.code() {
        RedisStoreError::Server { code: code.chars().take(32).collect() }
    } else {
        RedisStoreError::Client("unexpected reply or client failure")
    }
}
