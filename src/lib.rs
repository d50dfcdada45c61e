//! A pure-Rust WebAuthn / passkey verification engine: registration (WebAuthn Level 3 §7.1)
//! and sign-in (§7.2) checked in the specification's order, every failure a typed [`Error`]
//! whose [`Category`] names the check, no I/O, no clock or randomness of its own.
//!
//! ```
//! use passkey_verifier::{start_authentication, start_registration, verify_authentication, verify_registration};
//! use passkey_verifier::{AuthenticationOptions, AuthenticationResponse, RegistrationOptions, RegistrationResponse};
//! use passkey_verifier::{RelyingParty, UnixTime, User};
//! # use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
//! # fn main() -> Result<(), passkey_verifier::Error> {
//! let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
//! let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! let now = UnixTime::now();
//!
//! // Registration: send `options.to_json()` to the browser, keep `state` server-side.
//! let user = User { id: b"opaque-user-handle".to_vec(), name: "alice".into(), display_name: "Alice".into() };
//! let (options, state) = start_registration(&rp, &user, &RegistrationOptions::default(), &mut rng, now)?;
//! # let _ = options;
//! # let mut browser = SoftCredential::new(KeyKind::Es256, &user.id, &mut rng);
//! # let knobs = Knobs::new("example.com", "https://example.com");
//! # let posted = browser.register(state.challenge().as_bytes(), &knobs);
//! // `posted`: the browser's `PublicKeyCredential.toJSON()` (a software authenticator here).
//! let registered = verify_registration(&rp, state, RegistrationResponse::from_json_str(&posted)?, now)?;
//! let mut credential = registered.to_stored_credential(); // persist it
//!
//! // Sign-in.
//! let (_options, state) = start_authentication(&rp, &AuthenticationOptions::default(), &mut rng, now)?;
//! # let posted = browser.assert(state.challenge().as_bytes(), &knobs);
//! let signed_in = verify_authentication(&rp, state, AuthenticationResponse::from_json_str(&posted)?, &credential, now)?;
//! credential.sign_count = signed_in.update().new_sign_count; // persist the update
//! assert_eq!(signed_in.user_handle(), b"opaque-user-handle");
//! # Ok(())
//! # }
//! ```
//!
//! - [`Ceremonies`] runs the same ceremonies over the host's storage ([`store`]): state issued
//!   server-side and taken once, credential IDs inserted only if new, counters updated by
//!   compare-and-swap.
//! - [`attestation`] and [`metadata`] verify attestation statements and FIDO metadata against
//!   trust anchors the host configures.
//! - [`signal`] holds the Signal API values (unknown credential, accepted credentials, current
//!   user details) the ceremony layer produces for the page to pass to the browser.
//! - [`audit`] defines the events and the sink the ceremony layer (and the `passkey-recovery`
//!   crate) report to.
//! - [`hazmat`] exposes the parsers and primitives below the ceremonies, for fuzzers and tools.
//! - The `testkit` feature (tests and examples only) provides the software authenticator.
//!
//! The `ring` feature verifies ECDSA, RSA and Ed25519 with ring instead of RustCrypto, with
//! the same verdicts.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod attestation;
pub mod audit;
mod ceremony;
mod cert;
mod challenge;
mod cose;
mod crypto;
mod encoding;
mod error;
pub mod extensions;
pub mod hazmat;
pub mod metadata;
mod options;
mod rp;
pub mod signal;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
mod verify;
mod wire;

pub use attestation::{AttestationFormat, AttestationOutcome, AttestationType};
pub use ceremony::{
    sign_in_with_store, Ceremonies, CeremonyError, RegistrationChoices, RegistrationDetails, SignIn, SignInChoices,
    SignInFailure, SignInTarget, SystemClock, TimeProvider,
};
pub use challenge::{
    AuthenticationState, Challenge, Mediation, RegistrationState, UnixTime, UserVerification, CHALLENGE_LEN,
    MAX_USER_HANDLE_LEN, MIN_CHALLENGE_LEN,
};
pub use cose::CoseAlgorithm;
pub use error::{AttestationError, Category, CertificateError, Error, ErrorKind, ExtensionError, Input, Result};
pub use extensions::UnsolicitedExtensions;
pub use options::{
    start_authentication, start_registration, AttestationConveyance, AuthenticationOptions, AuthenticatorAttachment,
    CreationOptionsJson, CredentialDescriptor, Hint, RegistrationOptions, RequestOptionsJson, ResidentKey, User,
};
pub use rp::{
    CounterPolicy, Dangerous, Origin, Policy, RelyingParty, RelyingPartyBuilder, WellKnownWebAuthn,
    MAX_RELATED_ORIGIN_LABELS,
};
pub use signal::{AllAcceptedCredentials, CurrentUserDetails, UnknownCredential};
pub use store::{CeremonyState, ChallengeStore, CredentialRecord, CredentialStore, MemoryStore, StateId};
pub use verify::{
    verify_authentication, verify_registration, BackupEligibility, CounterOutcome, CredentialUpdate, StoredCredential,
    VerifiedAuthentication, VerifiedRegistration,
};
pub use wire::auth_data::Flags;
pub use wire::json::{AuthenticationResponse, RegistrationResponse};

/// The `rand_core` the RNG arguments are bounds of (`rand_core::CryptoRng`, 0.10), so a host
/// names the same version: `&mut passkey_verifier::rand_core::UnwrapErr(getrandom::SysRng)`.
pub use rand_core;
