-- passkey-store-sql schema, version 3 (sqlite): recovery bound to a requester handle and the
-- new device, passkeyless recoveries and cool-downs (issue 13).
--
-- The recovery tables hold minutes-long, single-use state only, so they are recreated rather
-- than altered: recoveries and onboardings in flight during the upgrade must be started again.

DROP TABLE passkey_recovery_challenges;
DROP TABLE passkey_recovery_grants;
DROP TABLE passkey_onboardings;

-- Keyed by the SHA-256 of the recovery handle; secret_hash is the delivered secret's salted
-- hash. Consumed rows stay as tombstones until they expire.
CREATE TABLE passkey_recovery_challenges (
    handle_hash     BLOB NOT NULL PRIMARY KEY,
    secret_hash     BLOB NOT NULL,
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
    channel         TEXT,
    scopes          TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed        INTEGER NOT NULL
);
CREATE INDEX passkey_recovery_grants_expires ON passkey_recovery_grants (expires_at);

-- Keyed by the SHA-256 of the pairing reference; details is the JSON of the device secret's
-- hash, the approval challenge, the approval screen data and the offered flag.
CREATE TABLE passkey_onboardings (
    pairing_hash    BLOB NOT NULL PRIMARY KEY,
    correlation_id  TEXT NOT NULL,
    claimed         BLOB,
    approved_by     BLOB,
    details         TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed        INTEGER NOT NULL
);
CREATE INDEX passkey_onboardings_expires ON passkey_onboardings (expires_at);

-- Passkeyless recoveries: the body (JSON) is swapped by version; cancelled is its own column
-- so that a cancel by token or by subject is one UPDATE every later swap sees.
CREATE TABLE passkey_recovery_pending (
    handle_hash     BLOB NOT NULL PRIMARY KEY,
    cancel_hash     BLOB NOT NULL UNIQUE,
    subject         BLOB NOT NULL,
    version         INTEGER NOT NULL,
    cancelled       INTEGER NOT NULL,
    body            TEXT NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX passkey_recovery_pending_subject ON passkey_recovery_pending (subject);
CREATE INDEX passkey_recovery_pending_expires ON passkey_recovery_pending (expires_at);

-- Post-recovery cool-downs: high-risk operations refused until until_at.
CREATE TABLE passkey_recovery_cooldowns (
    subject         BLOB NOT NULL PRIMARY KEY,
    until_at        INTEGER NOT NULL
);
CREATE INDEX passkey_recovery_cooldowns_until ON passkey_recovery_cooldowns (until_at);
