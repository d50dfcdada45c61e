#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod attestation;
pub mod audit;
mod ceremony;
mod cert;
mod challenge;
mod cose;
mod crypto;
mod encoding;
mod error;
pub mod hazmat;
pub mod metadata;
mod options;
mod rp;
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
pub use challenge::{AuthenticationState, Challenge, RegistrationState, UnixTime, UserVerification, CHALLENGE_LEN};
pub use cose::CoseAlgorithm;
pub use error::{AttestationError, Category, CertificateError, Error, ErrorKind, Input, Result};
pub use options::{
    start_authentication, start_registration, AttestationConveyance, AuthenticationOptions, AuthenticatorAttachment,
    CreationOptionsJson, CredentialDescriptor, RegistrationOptions, RequestOptionsJson, ResidentKey, User,
};
pub use rp::{CounterPolicy, Dangerous, Origin, Policy, RelyingParty, RelyingPartyBuilder};
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
