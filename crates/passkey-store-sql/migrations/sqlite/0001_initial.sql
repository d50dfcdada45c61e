-- passkey-store-sql schema, version 1 (SQLite).

-- Issued ceremony state, taken once (DELETE ... RETURNING). `state` is the versioned JSON
-- envelope of CeremonyState ({"v":1,"state":...}), never mapped to columns.
CREATE TABLE passkey_ceremony_state (
    id          TEXT NOT NULL PRIMARY KEY,
    state       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX passkey_ceremony_state_expires ON passkey_ceremony_state (expires_at);

-- Credential records. The primary key makes a credential ID unique for every user
-- (INSERT ... ON CONFLICT DO NOTHING); the implicit `rowid` orders a user's credentials oldest first.
CREATE TABLE passkey_credentials (
    credential_id           BLOB NOT NULL PRIMARY KEY,
    user_handle             BLOB NOT NULL,
    public_key              BLOB NOT NULL,
    alg                     INTEGER NOT NULL,
    sign_count              INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    backup_eligible         INTEGER,
    backup_state            INTEGER NOT NULL,
    uv_initialized          INTEGER NOT NULL,
    transports              TEXT NOT NULL,
    aaguid                  BLOB NOT NULL,
    attestation_format      TEXT NOT NULL,
    created_at              INTEGER NOT NULL,
    last_used_at            INTEGER,
    nickname                TEXT,
    discoverable            INTEGER,
    attestation_object      BLOB,
    attestation_client_data BLOB
);
CREATE INDEX passkey_credentials_user ON passkey_credentials (user_handle, created_at);

-- Recovery challenges (passkey-recovery), keyed by the SHA-256 of the token; consumed rows
-- stay as tombstones until they expire.
CREATE TABLE passkey_recovery_challenges (
    token_hash      BLOB NOT NULL PRIMARY KEY,
    subject         BLOB NOT NULL,
    correlation_id  TEXT NOT NULL,
    channel         TEXT NOT NULL,
    redemption      TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    attempts_left   INTEGER NOT NULL CHECK (attempts_left >= 0),
    expires_at      INTEGER NOT NULL,
    consumed        INTEGER NOT NULL
);
CREATE INDEX passkey_recovery_challenges_expires ON passkey_recovery_challenges (expires_at);

CREATE TABLE passkey_recovery_grants (
    grant_hash      BLOB NOT NULL PRIMARY KEY,
    subject         BLOB NOT NULL,
    correlation_id  TEXT NOT NULL,
    channel         TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed        INTEGER NOT NULL
);
CREATE INDEX passkey_recovery_grants_expires ON passkey_recovery_grants (expires_at);

CREATE TABLE passkey_onboardings (
    nonce_hash      BLOB NOT NULL PRIMARY KEY,
    correlation_id  TEXT NOT NULL,
    claimed         BLOB,
    approved_by     BLOB,
    expires_at      INTEGER NOT NULL,
    consumed        INTEGER NOT NULL
);
CREATE INDEX passkey_onboardings_expires ON passkey_onboardings (expires_at);

-- Fixed-window rate limits: one row per key and window, counted by an upsert.
CREATE TABLE passkey_rate_limits (
    rate_key        BLOB NOT NULL,
    window_secs     INTEGER NOT NULL,
    window_start    INTEGER NOT NULL,
    hits            INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (rate_key, window_secs, window_start)
);
CREATE INDEX passkey_rate_limits_expires ON passkey_rate_limits (expires_at);
