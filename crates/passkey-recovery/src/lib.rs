//! Account recovery and device onboarding that hold up against a real attacker, and the
//! step-up decisions that drive them. The crate's README holds the threat model.
//!
//! Three flows, each ending in a single-use [`Grant`] that the registration endpoint
//! consumes ([`Recovery::authorize_registration`]), after which the grant's scopes run
//! through the stores ([`Recovery::finish_registration`]):
//!
//! * **Recovery with a passkey** ([`Recovery::initiate`], [`Recovery::complete`]): the proof
//!   comes from [`stepup::decide`] on the subject's channels; the requester keeps a
//!   [`RecoveryHandle`]; the channel gets a deep link (only where end-to-end encryption is
//!   confirmed) or an 8-digit [`OneTimeCode`] in the origin-bound format.
//! * **Recovery without any passkey** ([`Recovery::start_passkeyless`],
//!   [`Recovery::confirm_factor`], [`Recovery::redeem_passkeyless`]): two independent
//!   channels, a waiting period (default 24 h) with a one-tap cancel for every channel, and
//!   any sign-in cancels ([`Recovery::note_sign_in`]).
//! * **Onboarding bound to the new device** ([`Recovery::start_onboarding`],
//!   [`Recovery::offer_onboarding`], [`Recovery::approve_onboarding`],
//!   [`Recovery::redeem_onboarding`]): the QR code carries a [`PairingRef`] only, the new
//!   device keeps a [`DeviceSecret`], and the approving assertion commits to the
//!   [`PairingCode`] both devices show.
//!
//! Anti-enumeration by construction: every initiation needs a [`LookupKey`] (keyed,
//! normalised) and a [`RequesterKey`]; an unknown account stores a decoy, so it costs the
//! same store operations and gets the same response.
//!
//! Only hashes of secrets are stored; `Debug` of every secret-bearing type redacts; errors
//! and audit events carry static names and keyed pseudonyms, never data. Time and randomness
//! are arguments; a store error fails closed. Audit events go to a [`RecoveryAuditSink`]
//! (every core [`AuditSink`] is one), counters to the `metrics` facade.

#![cfg_attr(docsrs, feature(doc_cfg))]

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
