//! The SQL adapter against real databases: SQLite always (temporary files), PostgreSQL when
//! `PASSKEY_TEST_POSTGRES_URL` names a server (`.ci/with-services` starts one).

// Tests: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod postgres;
mod sqlite;
mod support;
