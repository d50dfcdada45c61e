//! Privacy-first account recovery and device onboarding, as building blocks.
//!
//! Two flows, both ending in a passkey registration for the user:
//!
//! * **Out-of-band recovery** ([`Recovery::initiate`], [`Recovery::complete`]): the host
//!   delivers a single-use [`RecoveryToken`] over a channel (RCS, push, email, SMS) in a
//!   [`DeliveryPayload`] that carries nothing identifying the account. The token is redeemed
//!   only together with a passkey assertion whose challenge commits to it
//!   ([`recovery_challenge`]), or, where the [`RecoveryPolicy`] allows it for low risk, alone.
//!   Success yields a scoped, single-use [`Grant`] ([`Recovery::consume_grant`]).
//! * **Device onboarding** ([`Recovery::start_onboarding`], [`Recovery::approve_onboarding`],
//!   [`Recovery::redeem_onboarding`]): a new device shows a short-lived [`OnboardingNonce`]
//!   (as a QR code); a signed-in existing device approves it with a passkey assertion whose
//!   challenge commits to the nonce ([`onboarding_challenge`]); the new device redeems the
//!   approved nonce once for a [`RegistrationTicket`].
//!
//! Privacy and safety properties:
//!
//! * only SHA-256 of every token, nonce and grant is stored ([`TokenHash`]); records refer to
//!   the account through an opaque [`SubjectId`] (the WebAuthn user handle), never a phone
//!   number or an email address;
//! * for an unknown account, [`Recovery::initiate`] answers with the same shape as for a known
//!   one, but stores nothing redeemable, so it cannot be used to enumerate accounts;
//! * redemption is bounded by attempts (decremented atomically on every failed completion),
//!   expiry, single use (consumed records stay as tombstones until expiry, so a replay is told
//!   apart from an unknown token), and storage-backed rate limits per subject and per
//!   requester ([`RateLimitStore`]);
//! * every step emits an [`AuditEvent`] to a host [`AuditSink`]: a correlation ID, the step,
//!   the channel, the outcome and a reason category; never a token, challenge, key or
//!   personal data. `Debug` of every secret-bearing type redacts.
//!
//! Time and randomness are arguments; a store error fails closed.
//!
//! [`stepup`] decides which proof an operation demands, from the subject's channels and risk
//! signals.

pub mod stepup;
#[cfg(feature = "testkit")]
pub mod testkit;

mod code;
mod delivery;
mod error;
mod grant;
mod lookup;
mod memory;
mod observe;
mod onboarding;
mod passkeyless;
mod pending_store;
mod policy;
mod rate_limit;
mod service;
mod store;
mod token;

pub use code::{OneTimeCode, PairingCode};
pub use delivery::{render_waiting_notice, Confirmation, DeliveryPayload, Language, Templates};
pub use error::RecoveryError;
pub use grant::{
    AccountState, AfterRecovery, HighRiskOperation, Notice, RegistrationAuthority, RegistrationPermit, SessionHook,
};
pub use lookup::{Identifier, LookupKey, LookupSecret, Pseudonym, RequesterKey, MAX_IDENTIFIER_LEN};
pub use memory::{MemoryRateLimitStore, MemoryRecoveryStore, MemoryRecoveryStoreError, MAX_RECORDS};
pub use observe::{AuditFailed, AuditMode, RecoveryAuditSink};
pub use onboarding::{ApprovalScreen, OnboardingApproval, OnboardingRequest, OnboardingStarted};
pub use passkey_verifier::audit::{
    AuditEvent, AuditKind, AuditOutcome, AuditSink, CorrelationId, MemoryAuditSink, NoAudit, ReasonCategory,
};
pub use passkeyless::{PasskeylessRequest, PasskeylessStarted, PasskeylessStatus};
pub use pending_store::{Factor, PendingRecord, PendingState, PendingStore};
pub use policy::{Channel, RateLimit, RecoveryPolicy, Redemption, Scope};
pub use rate_limit::{RateKey, RateLimitStore, WindowCount};
pub use service::{Grant, InitiateRequest, Initiated, Proof, Recovery};
pub use store::{
    ApprovalDisplay, ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, OnboardingRecord,
    RecoveryStore,
};
pub use token::{
    onboarding_challenge, recovery_challenge, AssertionOptionsJson, CancelToken, DeliveredSecret, DeviceSecret,
    GrantToken, PairingRef, RecoveryHandle, RecoveryToken, SubjectId, TokenHash, SECRET_LEN,
};
