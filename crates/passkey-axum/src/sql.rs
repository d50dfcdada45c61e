//! [`Accounts`] on the SQL adapter's stores (`passkey_accounts`, created by their
//! `migrate()`), so accounts live beside the credentials and survive restarts.

use passkey_verifier::UnixTime;

use crate::accounts::{Account, Accounts, CreateOutcome};

fn account(row: passkey_store_sql::AccountRow) -> Account {
    Account { user_handle: row.user_handle, username: row.username, display_name: row.display_name }
}

fn row(account: Account) -> passkey_store_sql::AccountRow {
    passkey_store_sql::AccountRow {
        user_handle: account.user_handle,
        username: account.username,
        display_name: account.display_name,
    }
}

macro_rules! sql_accounts {
    ($store:ty) => {
        impl Accounts for $store {
            type Error = passkey_store_sql::SqlError;

            async fn find_by_username(&self, username: &str) -> Result<Option<Account>, Self::Error> {
                Ok(self.account_by_username(username).await?.map(account))
            }

            async fn find_by_handle(&self, user_handle: &[u8]) -> Result<Option<Account>, Self::Error> {
                Ok(self.account_by_handle(user_handle).await?.map(account))
            }

            async fn create(&self, new: Account) -> Result<CreateOutcome, Self::Error> {
                let created = self.create_account(&row(new), UnixTime::now()).await?;
                Ok(if created { CreateOutcome::Created } else { CreateOutcome::UsernameTaken })
            }
        }
    };
}

#[cfg(feature = "sqlite")]
sql_accounts!(passkey_store_sql::SqliteStore);
#[cfg(feature = "postgres")]
sql_accounts!(passkey_store_sql::PgStore);
