//! The adapter's error: what failed, never what was bound.

use passkey_verifier::store::StateFormatError;

/// A storage failure. The text names the failure (a kind, an SQLSTATE code, a column), never
/// a bound value or a row's content: database messages may echo parameters (a credential ID,
/// a user handle), so they are not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The database could not be reached or the connection was lost (I/O, TLS, pool timeout
    /// or closed, server shutting down or terminating the session). The operation did not
    /// complete; the pool reconnects for later ones.
    #[error("database unavailable: {0}")]
    Unavailable(&'static str),
    /// The database refused a statement; `code` is its SQLSTATE (or SQLite's extended result
    /// code).
    #[error("database error (code {code})")]
    Database {
        /// The error code the database reported, or `"unknown"`.
        code: String,
    },
    /// A unique constraint refused a row (reported by the traits as "already exists" where
    /// they have that outcome).
    #[error("unique constraint violated")]
    UniqueViolation,
    /// A stored row does not decode (the named column is missing, of the wrong type or out of
    /// range).
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
    /// A stored ceremony state could not be read (malformed, or written by a newer build in a
    /// format this one does not read).
    #[error(transparent)]
    State(#[from] StateFormatError),
    /// The database's migration history names a different migration at `version` than this
    /// build ships.
    #[error("schema history does not match this build at migration {version}")]
    SchemaMismatch {
        /// The first version that differs.
        version: i64,
    },
    /// A value is outside what the schema can hold (a time past the year 292 billion).
    #[error("value out of range: {0}")]
    OutOfRange(&'static str),
    /// Any other driver failure.
    #[error("database driver error: {0}")]
    Driver(&'static str),
}

impl SqlError {
    /// Whether the failure is a lost or unreachable database (retrying later may succeed).
    #[must_use]
    pub const fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// SQLSTATE codes that mean the session is gone: class 08 (connection exception) and the
/// operator-intervention codes of a terminated backend or a shutting-down server.
fn is_connection_loss(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

pub(crate) fn map(e: sqlx::Error) -> SqlError {
    match e {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return SqlError::UniqueViolation;
            }
            let code = db.code().map_or_else(|| "unknown".to_owned(), |c| c.into_owned());
            if is_connection_loss(&code) {
                SqlError::Unavailable("connection terminated by the server")
            } else {
                SqlError::Database { code }
            }
        }
        sqlx::Error::Io(_) => SqlError::Unavailable("i/o error"),
        sqlx::Error::Tls(_) => SqlError::Unavailable("tls error"),
        sqlx::Error::Protocol(_) => SqlError::Unavailable("protocol error"),
        sqlx::Error::PoolTimedOut => SqlError::Unavailable("timed out waiting for a connection"),
        sqlx::Error::PoolClosed => SqlError::Unavailable("pool closed"),
        sqlx::Error::WorkerCrashed => SqlError::Unavailable("connection worker crashed"),
        sqlx::Error::ColumnNotFound(_) | sqlx::Error::ColumnIndexOutOfBounds { .. } => {
            SqlError::Corrupt("column missing")
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => SqlError::Corrupt("column does not decode"),
        sqlx::Error::Configuration(_) => SqlError::Driver("configuration"),
        sqlx::Error::RowNotFound => SqlError::Driver("row not found"),
        _ => SqlError::Driver("other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_loss_codes() {
        for code in ["08006", "08003", "57P01", "57P02", "57P03"] {
            assert!(is_connection_loss(code), "{code}");
        }
        for code in ["23505", "40001", "42P01", "57014"] {
            assert!(!is_connection_loss(code), "{code}");
        }
        assert!(map(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(map(sqlx::Error::Io(std::io::Error::other("reset"))).is_unavailable());
        assert_eq!(map(sqlx::Error::ColumnNotFound("secret-column".into())), SqlError::Corrupt("column missing"));
        assert!(!map(sqlx::Error::ColumnNotFound("secret".into())).to_string().contains("secret"));
    }
}
