//! `passkey_accounts`: usernames to WebAuthn user handles, for hosts that keep their accounts
//! beside the credentials (the `Accounts` of `passkey-axum` is implemented on these methods).

// The methods expand in `postgres.rs` / `sqlite.rs`, whose imports (`map`, `time_to_db`,
// `SqlError`, `UnixTime`) they use.

/// An account row. `Debug` redacts the user handle.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// The WebAuthn user handle (primary key).
    pub user_handle: Vec<u8>,
    /// The unique username.
    pub username: String,
    /// The display name.
    pub display_name: String,
}

impl core::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccountRow")
            .field("user_handle", &"<redacted>")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// The longest username or display name stored, in bytes.
const MAX_NAME_BYTES: usize = 256;

/// Implements the account methods for `$store` (a struct with a `pool: sqlx::Pool<$db>`).
macro_rules! sql_accounts {
    (store = $store:ident) => {
        impl $store {
            /// The account named `username`.
            ///
            /// # Errors
            ///
            /// Any [`SqlError`] from the database; [`SqlError::Corrupt`] for a row that does not
            /// decode.
            pub async fn account_by_username(&self, username: &str) -> Result<Option<$crate::AccountRow>, SqlError> {
                let row: Option<(Vec<u8>, String, String)> = sqlx::query_as(
                    "SELECT user_handle, username, display_name FROM passkey_accounts WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await
                .map_err(map)?;
                Ok(row.map(|(user_handle, username, display_name)| $crate::AccountRow {
                    user_handle,
                    username,
                    display_name,
                }))
            }

            /// The account whose user handle is `user_handle`.
            ///
            /// # Errors
            ///
            /// Any [`SqlError`] from the database.
            pub async fn account_by_handle(&self, user_handle: &[u8]) -> Result<Option<$crate::AccountRow>, SqlError> {
                let row: Option<(Vec<u8>, String, String)> = sqlx::query_as(
                    "SELECT user_handle, username, display_name FROM passkey_accounts WHERE user_handle = $1",
                )
                .bind(user_handle)
                .fetch_optional(&self.pool)
                .await
                .map_err(map)?;
                Ok(row.map(|(user_handle, username, display_name)| $crate::AccountRow {
                    user_handle,
                    username,
                    display_name,
                }))
            }

            /// Creates `account` unless its username (or user handle) exists, in one
            /// statement; `false` when it existed.
            ///
            /// # Errors
            ///
            /// [`SqlError::Corrupt`] for a name longer than 256 bytes; any other [`SqlError`]
            /// from the database.
            pub async fn create_account(&self, account: &$crate::AccountRow, now: UnixTime) -> Result<bool, SqlError> {
                if account.username.len() > $crate::accounts::max_name_bytes()
                    || account.display_name.len() > $crate::accounts::max_name_bytes()
                {
                    return Err(SqlError::Corrupt("username"));
                }
                let inserted = sqlx::query(
                    "INSERT INTO passkey_accounts (user_handle, username, display_name, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(&account.user_handle)
                .bind(&account.username)
                .bind(&account.display_name)
                .bind(time_to_db(now)?)
                .execute(&self.pool)
                .await
                .map_err(map);
                match inserted {
                    Ok(done) => Ok(done.rows_affected() == 1),
                    Err(SqlError::UniqueViolation) => Ok(false),
                    Err(e) => Err(e),
                }
            }
        }
    };
}

pub(crate) use sql_accounts;

pub(crate) const fn max_name_bytes() -> usize {
    MAX_NAME_BYTES
}
