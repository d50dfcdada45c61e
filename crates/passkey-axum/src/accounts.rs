//! The accounts a host keeps: the one thing the integration cannot know. It maps usernames to
//! user handles; everything about credentials lives in the core's stores.

use core::future::Future;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// A user account as the integration needs it. `Debug` redacts the user handle.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The WebAuthn user handle: random, opaque, 1 to 64 bytes.
    pub user_handle: Vec<u8>,
    /// The username the person signs in with (unique).
    pub username: String,
    /// The name shown by authenticators.
    pub display_name: String,
}

impl core::fmt::Debug for Account {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Account")
            .field("user_handle", &"<redacted>")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// The result of [`Accounts::create`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    /// The account was created.
    Created,
    /// An account with this username exists already; nothing was created.
    UsernameTaken,
}

/// The host's accounts. `create` must be atomic on the username (a unique index): two
/// concurrent sign-ups of one username must not both succeed.
pub trait Accounts: Send + Sync + 'static {
    /// The store's error type (any error answers 503).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The account named `username`.
    fn find_by_username(&self, username: &str) -> impl Future<Output = Result<Option<Account>, Self::Error>> + Send;

    /// The account whose user handle is `user_handle`.
    fn find_by_handle(&self, user_handle: &[u8]) -> impl Future<Output = Result<Option<Account>, Self::Error>> + Send;

    /// Creates `account` unless its username is taken, atomically.
    fn create(&self, account: Account) -> impl Future<Output = Result<CreateOutcome, Self::Error>> + Send;
}

/// Accounts in memory, for tests and single-process demos (they vanish with the process).
#[derive(Debug, Default)]
pub struct MemoryAccounts {
    by_username: Mutex<HashMap<String, Account>>,
}

impl MemoryAccounts {
    /// No accounts.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// [`MemoryAccounts`] never fails.
#[derive(Debug, thiserror::Error)]
#[error("in-memory accounts cannot fail")]
pub struct Infallible;

impl Accounts for MemoryAccounts {
    type Error = Infallible;

    async fn find_by_username(&self, username: &str) -> Result<Option<Account>, Infallible> {
        Ok(self.by_username.lock().unwrap_or_else(PoisonError::into_inner).get(username).cloned())
    }

    async fn find_by_handle(&self, user_handle: &[u8]) -> Result<Option<Account>, Infallible> {
        let accounts = self.by_username.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(accounts.values().find(|a| a.user_handle == user_handle).cloned())
    }

    async fn create(&self, account: Account) -> Result<CreateOutcome, Infallible> {
        let mut accounts = self.by_username.lock().unwrap_or_else(PoisonError::into_inner);
        if accounts.contains_key(&account.username) {
            return Ok(CreateOutcome::UsernameTaken);
        }
        accounts.insert(account.username.clone(), account);
        Ok(CreateOutcome::Created)
    }
}

impl<T: Accounts + ?Sized> Accounts for std::sync::Arc<T> {
    type Error = T::Error;

    fn find_by_username(&self, username: &str) -> impl Future<Output = Result<Option<Account>, Self::Error>> + Send {
        (**self).find_by_username(username)
    }

    fn find_by_handle(&self, user_handle: &[u8]) -> impl Future<Output = Result<Option<Account>, Self::Error>> + Send {
        (**self).find_by_handle(user_handle)
    }

    fn create(&self, account: Account) -> impl Future<Output = Result<CreateOutcome, Self::Error>> + Send {
        (**self).create(account)
    }
}
