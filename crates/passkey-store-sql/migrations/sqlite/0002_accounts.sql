-- Accounts (usernames to WebAuthn user handles), for hosts that keep them here, such as
-- passkey-axum's reference server. The username is unique: two concurrent sign-ups of one
-- name cannot both succeed.
CREATE TABLE passkey_accounts (
    user_handle   BLOB NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
