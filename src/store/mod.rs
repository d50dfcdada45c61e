//! Storage traits the host implements, and the embedded in-memory default.
//!
//! The ceremony layer ([`crate::Ceremonies`]) drives verification over two stores:
//!
//! * a [`ChallengeStore`] keeps issued ceremony state and hands it out **once**
//!   ([`ChallengeStore::take`] must be atomic: get-and-delete in one step);
//! * a [`CredentialStore`] keeps credential records, inserts a credential ID only if it is new
//!   (atomically), and updates the sign count by **compare-and-swap**, so that two concurrent
//!   sign-ins presenting the same counter cannot both succeed and a count never goes down.
//!
//! Methods are `async` and return `Send` futures; the crate depends on no runtime. Every
//! implementation picks its own error type; any storage error fails the ceremony. Every type
//! an implementation reads or writes is reachable from this module.
//!
//! # Implementing the traits on a shared database
//!
//! Hosts that outgrow one machine keep state in their shared database. What must be atomic,
//! and why:
//!
//! * **take**: two requests carrying the same state ID must not both get the state, or one
//!   challenge could be answered twice (a replay). PostgreSQL:
//!   `DELETE FROM ceremony_state WHERE id = $1 RETURNING state, expires_at`. Redis: `GETDEL key`
//!   (Redis 6.2+), or `MULTI GET DEL EXEC`; store with `SET key value EXAT expires_at` so
//!   abandoned ceremonies vanish on their own.
//! * **insert if new**: two registrations of the same credential ID (the same authenticator
//!   replayed, or an attacker re-registering a victim's credential under their own account)
//!   must not both succeed. PostgreSQL: a primary key on `credential_id` and
//!   `INSERT ... ON CONFLICT DO NOTHING` (zero rows means it existed). Redis:
//!   `SET cred:{id} value NX` plus `SADD user:{handle} id` in a `MULTI`.
//! * **compare-and-swap the counter**: `UPDATE credentials SET sign_count = $new, last_used = $now
//!   WHERE credential_id = $id AND sign_count = $expected` and report zero rows as a
//!   conflict. Never `SET sign_count = $new` unconditionally: two racing sign-ins from a
//!   cloned authenticator would both pass. Redis: a Lua script (or `WATCH`/`MULTI`) that
//!   compares before it sets.
//! * **list** and **delete** need no special care beyond ordinary consistency.
//!
//! * **the state's format**: keep [`CeremonyState::to_versioned_json`] (a versioned JSON
//!   envelope, see [Stored state](#stored-state)) in one text column or value, never the
//!   state's fields in columns: the states gain fields over time, and the version lets two
//!   versions of a server share one database during a rolling deploy.
//!
//! The adapter crates `passkey-store-sql` (PostgreSQL, SQLite) and `passkey-store-redis`
//! implement all of this. The store conformance kit (`testkit::store_conformance`, feature
//! `testkit`) checks it against any implementation, including two handles of one database
//! racing each other.
//!
//! # Stored state
//!
//! [`CeremonyState::to_versioned_json`] writes `{"v":1,"state":...}`;
//! [`CeremonyState::from_versioned_json`] reads every version up to
//! [`CEREMONY_STATE_FORMAT`] and refuses a newer one with
//! [`StateFormatError::UnsupportedVersion`], which a store reports as its storage error.

mod format;
mod memory;

use core::future::Future;

use serde::{Deserialize, Serialize};

pub use format::{StateFormatError, CEREMONY_STATE_FORMAT, MAX_STORED_STATE_LEN};
pub use memory::{MemoryError, MemoryStore};

// Everything a store implementer reads or writes, reachable from this one module.
pub use crate::challenge::{AuthenticationState, RegistrationState, UnixTime};
pub use crate::cose::CoseAlgorithm;
pub use crate::verify::{BackupEligibility, CredentialUpdate, StoredCredential};

/// An opaque identifier of an issued ceremony state (base64url of 16 random bytes).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StateId(String);

impl StateId {
    /// Draws a fresh identifier from `rng`.
    pub fn random(rng: &mut impl rand_core::CryptoRng) -> Self {
        Self(crate::encoding::b64::random_id(rng))
    }

    /// Wraps an identifier received from a client (for example from a cookie or a JSON field).
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The identifier's text, to hand to the client.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for StateId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StateId(<redacted>)")
    }
}

/// Server-side state of a ceremony in progress, as a [`ChallengeStore`] keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CeremonyState {
    /// A registration.
    Registration(RegistrationState),
    /// A sign-in (for a known user, or discoverable).
    Authentication(AuthenticationState),
}

impl CeremonyState {
    /// When the state stops being valid.
    #[must_use]
    pub const fn expires_at(&self) -> UnixTime {
        match self {
            Self::Registration(s) => s.expires_at(),
            Self::Authentication(s) => s.expires_at(),
        }
    }
}

/// Keeps issued ceremony state until it is taken, once.
pub trait ChallengeStore: Send + Sync {
    /// The store's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Stores `state` under `id` (a fresh random identifier).
    fn insert(&self, id: &StateId, state: CeremonyState) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Removes and returns the state stored under `id`, atomically: of two concurrent takes of
    /// the same ID at most one gets `Some`. Expired states may be returned (the ceremony
    /// layer refuses them with a clear error) or dropped.
    fn take(&self, id: &StateId) -> impl Future<Output = Result<Option<CeremonyState>, Self::Error>> + Send;

    /// The database this store keeps state in, when it can read credentials there too (see
    /// [`take_with_credential`](Self::take_with_credential)). Default: `None`.
    fn database(&self) -> Option<Database> {
        None
    }

    /// Takes the state stored under `id`, as [`take`](Self::take), and reads the credential
    /// `credential_id` from this store's [`database`](Self::database) in the same round trip:
    /// `(state, Some(row))`. The ceremony layer calls it only when its credential store's
    /// [`CredentialStore::database`] is that same database, so a sign-in costs one round trip
    /// less. Default: [`take`](Self::take) and `None` for the credential (not read here: the
    /// ceremony layer asks the credential store).
    fn take_with_credential(
        &self,
        id: &StateId,
        credential_id: &[u8],
    ) -> impl Future<Output = Result<TakenWithCredential, Self::Error>> + Send {
        let _ = credential_id;
        async move { Ok((self.take(id).await?, None)) }
    }
}

/// What [`ChallengeStore::take_with_credential`] returns: the state, and the credential row
/// when the store read it (`Some(None)`: no such credential).
pub type TakenWithCredential = (Option<CeremonyState>, Option<Option<CredentialRecord>>);

/// Names the database a store keeps its records in, so that the ceremony layer can tell when
/// its state store and credential store are one database
/// ([`ChallengeStore::take_with_credential`]). Two handles on one connection pool share a
/// `Database`; give anything else a different one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Database(u64);

impl Database {
    /// A database named by `id` (unique per connection pool, e.g. a process-wide counter).
    #[must_use]
    pub const fn new(id: u64) -> Self {
        Self(id)
    }
}

/// A credential as the relying party keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CredentialRecord {
    /// What verification needs: ID, COSE key, sign count, owner, BE and UV at registration.
    pub credential: StoredCredential,
    /// The key's algorithm.
    pub alg: CoseAlgorithm,
    /// Transports reported at registration (hints for `allowCredentials`).
    pub transports: Vec<String>,
    /// The authenticator's AAGUID.
    pub aaguid: [u8; 16],
    /// The attestation format at registration.
    pub attestation_format: String,
    /// When the credential was registered.
    pub created_at: UnixTime,
    /// When it was last used to sign in.
    pub last_used_at: Option<UnixTime>,
    /// A name the user gave it ("Work laptop").
    pub nickname: Option<String>,
    /// Whether the credential is discoverable (a passkey), as the `credProps` extension
    /// reported at registration; `None` when the client did not say.
    #[serde(default)]
    pub discoverable: Option<bool>,
    /// The registration's attestation object and client data, kept when the host asked
    /// ([`RegistrationDetails::keep_attestation`](crate::RegistrationDetails)) so that the
    /// attestation can be verified again later (for example against newer metadata).
    #[serde(default)]
    pub attestation: Option<KeptAttestation>,
}

/// A registration's signed attestation, kept with the credential record (the Level 3 record's
/// `attestationObject` and `attestationClientDataJSON`). `Debug` shows the sizes only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeptAttestation {
    /// The `attestationObject` bytes as received.
    pub attestation_object: Vec<u8>,
    /// The `clientDataJSON` bytes as received (the attestation signs their hash).
    pub client_data_json: Vec<u8>,
}

impl KeptAttestation {
    /// The two byte strings, as a store reads them back.
    #[must_use]
    pub const fn new(attestation_object: Vec<u8>, client_data_json: Vec<u8>) -> Self {
        Self { attestation_object, client_data_json }
    }
}

impl core::fmt::Debug for KeptAttestation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeptAttestation")
            .field("attestation_object_len", &self.attestation_object.len())
            .field("client_data_json_len", &self.client_data_json.len())
            .finish()
    }
}

impl CredentialRecord {
    /// A record with no transports, never used, no nickname, discoverability unknown and no
    /// kept attestation; set the public
    /// fields for the rest (the struct is `non_exhaustive`, so that fields can be added).
    #[must_use]
    pub fn new(
        credential: StoredCredential,
        alg: CoseAlgorithm,
        aaguid: [u8; 16],
        attestation_format: impl Into<String>,
        created_at: UnixTime,
    ) -> Self {
        Self {
            credential,
            alg,
            transports: Vec::new(),
            aaguid,
            attestation_format: attestation_format.into(),
            created_at,
            last_used_at: None,
            nickname: None,
            discoverable: None,
            attestation: None,
        }
    }

    /// The credential ID.
    #[must_use]
    pub fn id(&self) -> &[u8] {
        &self.credential.id
    }

    /// The owner's user handle.
    #[must_use]
    pub fn user_handle(&self) -> &[u8] {
        &self.credential.user_handle
    }
}

/// The result of [`CredentialStore::insert_new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    /// The record was stored.
    Inserted,
    /// A credential with this ID already exists (for any user); nothing was stored.
    AlreadyExists,
}

/// The result of [`CredentialStore::update_after_sign_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The stored count equalled the expected one and was updated.
    Updated,
    /// The stored count changed meanwhile (a concurrent sign-in); nothing was written.
    Conflict,
    /// No such credential (revoked meanwhile).
    NotFound,
}

/// Keeps credential records.
pub trait CredentialStore: Send + Sync {
    /// The store's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Stores `record` only if no credential with its ID exists, atomically.
    fn insert_new(&self, record: CredentialRecord) -> impl Future<Output = Result<InsertOutcome, Self::Error>> + Send;

    /// The record of credential `id`.
    fn get(&self, id: &[u8]) -> impl Future<Output = Result<Option<CredentialRecord>, Self::Error>> + Send;

    /// All credentials of the user `user_handle`, oldest first.
    fn list_for_user(
        &self,
        user_handle: &[u8],
    ) -> impl Future<Output = Result<Vec<CredentialRecord>, Self::Error>> + Send;

    /// Deletes credential `id`; `true` if it existed.
    fn delete(&self, id: &[u8]) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Sets (or, with `None`, clears) the nickname of credential `id`; `true` if it existed.
    fn set_nickname(
        &self,
        id: &[u8],
        nickname: Option<String>,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Applies `update` to credential `id` if its stored count still equals
    /// `update.expected_sign_count` (compare-and-swap), atomically: the count becomes
    /// `new_sign_count`, BS `backup_state`, `uv_initialized` is OR-ed with
    /// `update.uv_initialized` (it never goes back), and `last_used_at` becomes `used_at`.
    fn update_after_sign_in(
        &self,
        id: &[u8],
        update: CredentialUpdate,
    ) -> impl Future<Output = Result<UpdateOutcome, Self::Error>> + Send;

    /// The database this store keeps credentials in (see
    /// [`ChallengeStore::take_with_credential`]). Default: `None`.
    fn database(&self) -> Option<Database> {
        None
    }
}

impl<T: ChallengeStore + ?Sized> ChallengeStore for std::sync::Arc<T> {
    type Error = T::Error;

    fn insert(&self, id: &StateId, state: CeremonyState) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).insert(id, state)
    }

    fn take(&self, id: &StateId) -> impl Future<Output = Result<Option<CeremonyState>, Self::Error>> + Send {
        (**self).take(id)
    }

    fn database(&self) -> Option<Database> {
        ChallengeStore::database(&**self)
    }

    fn take_with_credential(
        &self,
        id: &StateId,
        credential_id: &[u8],
    ) -> impl Future<Output = Result<TakenWithCredential, Self::Error>> + Send {
        (**self).take_with_credential(id, credential_id)
    }
}

impl<T: CredentialStore + ?Sized> CredentialStore for std::sync::Arc<T> {
    type Error = T::Error;

    fn insert_new(&self, record: CredentialRecord) -> impl Future<Output = Result<InsertOutcome, Self::Error>> + Send {
        (**self).insert_new(record)
    }

    fn get(&self, id: &[u8]) -> impl Future<Output = Result<Option<CredentialRecord>, Self::Error>> + Send {
        (**self).get(id)
    }

    fn list_for_user(
        &self,
        user_handle: &[u8],
    ) -> impl Future<Output = Result<Vec<CredentialRecord>, Self::Error>> + Send {
        (**self).list_for_user(user_handle)
    }

    fn delete(&self, id: &[u8]) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        (**self).delete(id)
    }

    fn set_nickname(
        &self,
        id: &[u8],
        nickname: Option<String>,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        (**self).set_nickname(id, nickname)
    }

    fn update_after_sign_in(
        &self,
        id: &[u8],
        update: CredentialUpdate,
    ) -> impl Future<Output = Result<UpdateOutcome, Self::Error>> + Send {
        (**self).update_after_sign_in(id, update)
    }

    fn database(&self) -> Option<Database> {
        CredentialStore::database(&**self)
    }
}
