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

mod error;
mod memory;
mod onboarding;
mod policy;
mod rate_limit;
mod service;
mod store;
mod token;

pub use error::RecoveryError;
pub use memory::{MemoryRateLimitStore, MemoryRecoveryStore, MemoryRecoveryStoreError, MAX_RECORDS};
pub use onboarding::{OnboardingApproval, OnboardingRequest, OnboardingStarted, RegistrationTicket};
pub use passkey_verifier::audit::{
    AuditEvent, AuditKind, AuditOutcome, AuditSink, CorrelationId, MemoryAuditSink, NoAudit, ReasonCategory,
};
pub use policy::{Channel, RateLimit, RecoveryPolicy, Redemption, Risk, Scope};
pub use rate_limit::{RateKey, RateLimitStore, WindowCount};
pub use service::{Grant, InitiateRequest, Initiated, Proof, Recovery, RedeemedGrant};
pub use store::{
    ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, OnboardingRecord, RecoveryStore,
};
pub use token::{
    onboarding_challenge, recovery_challenge, AssertionOptionsJson, DeliveryPayload, GrantToken, OnboardingNonce,
    RecoveryToken, SubjectId, TokenHash, SECRET_LEN,
};
