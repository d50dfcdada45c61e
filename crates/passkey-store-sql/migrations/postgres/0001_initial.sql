-- passkey-store-sql schema, version 1 (PostgreSQL).

-- Issued ceremony state, taken once (DELETE ... RETURNING). `state` is the versioned JSON
-- envelope of CeremonyState ({"v":1,"state":...}), never mapped to columns.
CREATE TABLE passkey_ceremony_state (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX passkey_ceremony_state_expires ON passkey_ceremony_state (expires_at);

-- Credential records. The primary key makes a credential ID unique for every user
-- (INSERT ... ON CONFLICT DO NOTHING); `seq` orders a user's credentials oldest first.
CREATE TABLE passkey_credentials (
    credential_id           BYTEA PRIMARY KEY,
    user_handle             BYTEA NOT NULL,
    seq                     BIGINT GENERATED ALWAYS AS IDENTITY,
    public_key              BYTEA NOT NULL,
    alg                     BIGINT NOT NULL,
    sign_count              BIGINT NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    backup_eligible         BOOLEAN,
    backup_state            BOOLEAN NOT NULL,
    uv_initialized          BOOLEAN NOT NULL,
    transports              TEXT NOT NULL,
    aaguid                  BYTEA NOT NULL,
    attestation_format      TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    last_used_at            BIGINT,
    nickname                TEXT,
    discoverable            BOOLEAN,
    attestation_object      BYTEA,
    attestation_client_data BYTEA
);
CREATE INDEX passkey_credentials_user ON passkey_credentials (user_handle, created_at, seq);

-- Recovery challenges (passkey-recovery), keyed by the SHA-256 of the token; consumed rows
-- stay as tombstones until they expire.
CREATE TABLE passkey_recovery_challenges (
    token_hash      BYTEA PRIMARY KEY,
    subject         BYTEA NOT NULL,
    correlation_id  TEXT NOT NULL,
    channel         TEXT NOT NULL,
    redemption      TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    attempts_left   BIGINT NOT NULL CHECK (attempts_left >= 0),
    expires_at      BIGINT NOT NULL,
    consumed        BOOLEAN NOT NULL
);
CREATE INDEX passkey_recovery_challenges_expires ON passkey_recovery_challenges (expires_at);

CREATE TABLE passkey_recovery_grants (
    grant_hash      BYTEA PRIMARY KEY,
    subject         BYTEA NOT NULL,
    correlation_id  TEXT NOT NULL,
    channel         TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    consumed        BOOLEAN NOT NULL
);
CREATE INDEX passkey_recovery_grants_expires ON passkey_recovery_grants (expires_at);

CREATE TABLE passkey_onboardings (
    nonce_hash      BYTEA PRIMARY KEY,
    correlation_id  TEXT NOT NULL,
    claimed         BYTEA,
    approved_by     BYTEA,
    expires_at      BIGINT NOT NULL,
    consumed        BOOLEAN NOT NULL
);
CREATE INDEX passkey_onboardings_expires ON passkey_onboardings (expires_at);

-- Fixed-window rate limits: one row per key and window, counted by an upsert.
CREATE TABLE passkey_rate_limits (
    rate_key        BYTEA NOT NULL,
    window_secs     BIGINT NOT NULL,
    window_start    BIGINT NOT NULL,
    hits            BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (rate_key, window_secs, window_start)
);
CREATE INDEX passkey_rate_limits_expires ON passkey_rate_limits (expires_at);
