//! The negative-test matrix: for each check of WebAuthn Level 3 §7.1 (registration) and §7.2
//! (authentication), a ceremony that fails exactly that check, asserting its [`ErrorKind`] and
//! [`Category`].
//!
//! Every fixture comes from the software authenticator. The `verify_*` helpers first verify the
//! honest ceremony (which must pass) and only then the one with the defect, so each failure is
//! attributable to the single change a test makes:
//!
//! * [`Reg::verify_defect`] / [`Auth::verify_defect`]: the authenticator answers under changed
//!   [`Knobs`];
//! * [`Reg::verify_tampered`] / [`Auth::verify_tampered`]: the bytes of the honest response are
//!   changed;
//! * [`Reg::verify_server_defect`] / [`Auth::verify_server_defect`]: the same honest response is
//!   verified again after the server side (state, stored credential, relying party) changed.

// Test fixtures: a panic is how they report a broken fixture.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod authentication;
mod keys;
mod parsing;
mod registration;
mod secrets;

use ciborium::Value;
use getrandom::SysRng;
use passkey_verifier::hazmat::crypto::sha256;
use passkey_verifier::testkit::{
    attestation_object, authentication_json, authenticator_data, client_data_json, registration_json, AttestedData,
    ClientDataFields, KeyKind, Knobs, SoftCredential,
};
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
    AuthenticationResponse, AuthenticationState, Category, CredentialDescriptor, Error, ErrorKind, Flags, Policy,
    RegistrationOptions, RegistrationResponse, RegistrationState, RelyingParty, RelyingPartyBuilder, StoredCredential,
    UnixTime, User, UserVerification, VerifiedAuthentication, VerifiedRegistration,
};
use rand_core::UnwrapErr;

pub const RP_ID: &str = "example.com";
pub const ORIGIN: &str = "https://example.com";
pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);
pub const USER_A: &[u8] = b"user-a-0001";
pub const USER_B: &[u8] = b"user-b-0002";

type Result<T> = passkey_verifier::Result<T>;

/// The relying party `example.com` served from `https://example.com`, default policy.
pub fn rp() -> RelyingParty {
    rp_with(|b| b)
}

/// The default relying party with more configuration.
pub fn rp_with(configure: impl FnOnce(RelyingPartyBuilder) -> RelyingPartyBuilder) -> RelyingParty {
    configure(RelyingParty::builder(RP_ID).origin(ORIGIN)).build().expect("relying party")
}

/// The default relying party under `policy`.
pub fn rp_with_policy(policy: Policy) -> RelyingParty {
    rp_with(|b| b.policy(policy))
}

/// An honest authenticator for the default relying party: UP and UV, `none` attestation.
pub fn knobs() -> Knobs {
    Knobs::new(RP_ID, ORIGIN)
}

fn user(id: &[u8]) -> User {
    User { id: id.to_vec(), name: "alice".into(), display_name: "Alice".into() }
}

/// Asserts that `result` failed with exactly `kind` in `category`, and returns the error.
#[track_caller]
pub fn assert_fails<T: std::fmt::Debug>(result: Result<T>, kind: ErrorKind, category: Category) -> Error {
    let err = result.expect_err("the ceremony must fail");
    assert_eq!((err.kind(), err.category()), (kind, category), "unexpected failure: {err}");
    err
}

/// A CBOR integer.
pub fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// CBOR encoding of `value`.
pub fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("CBOR encoding");
    out
}

/// A COSE_Key map from its members.
pub fn cose_key(entries: Vec<(Value, Value)>) -> Vec<u8> {
    cbor(&Value::Map(entries))
}

/// `key` (COSE_Key bytes) with member `label` set to `value` (replaced in place, or appended).
pub fn cose_with(key: &[u8], label: i64, value: Value) -> Vec<u8> {
    let Value::Map(mut entries) = ciborium::from_reader(key).expect("COSE key") else {
        panic!("COSE key is not a map");
    };
    match entries.iter_mut().find(|(k, _)| *k == int(label)) {
        Some(entry) => entry.1 = value,
        None => entries.push((int(label), value)),
    }
    cose_key(entries)
}

/// The Level 3 JSON `json` with `edit` applied to it.
pub fn edit_json(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(json).expect("credential JSON");
    edit(&mut value);
    value.to_string()
}

/// A `none` attestation object around `auth_data`.
pub fn none_object(auth_data: &[u8]) -> Vec<u8> {
    attestation_object("none", &[], auth_data)
}

/// A `packed` self attestation object whose signature `signer` made over
/// `auth_data || client_data_hash`.
pub fn packed_self_object(signer: &SoftCredential, auth_data: &[u8], client_data_hash: &[u8; 32]) -> Vec<u8> {
    let sig = signer.sign(&[auth_data, client_data_hash].concat());
    attestation_object("packed", &[("alg", int(signer.alg().id())), ("sig", Value::Bytes(sig))], auth_data)
}

/// A registration response as separate byte fields, to tamper with.
#[derive(Debug, Clone)]
pub struct RegistrationParts {
    pub raw_id: Vec<u8>,
    pub client_data: Vec<u8>,
    pub attestation_object: Vec<u8>,
}

impl RegistrationParts {
    pub fn to_json(&self) -> String {
        registration_json(&self.raw_id, &self.client_data, &self.attestation_object)
    }
}

/// A registration ceremony in progress: relying party, issued state and the authenticator's
/// credential (for user A).
pub struct Reg {
    pub rp: RelyingParty,
    pub options: RegistrationOptions,
    pub state: RegistrationState,
    pub cred: SoftCredential,
}

impl Reg {
    /// An ES256 registration at the default relying party, UV preferred.
    pub fn new() -> Self {
        Self::build(rp(), KeyKind::Es256, UserVerification::Preferred)
    }

    pub fn build(rp: RelyingParty, kind: KeyKind, user_verification: UserVerification) -> Self {
        let mut options = RegistrationOptions::default();
        options.user_verification = user_verification;
        let (_, state) =
            start_registration(&rp, &user(USER_A), &options, &mut UnwrapErr(SysRng), NOW).expect("start_registration");
        Self { rp, options, state, cred: SoftCredential::new(kind, USER_A, &mut UnwrapErr(SysRng)) }
    }

    /// Issues a new ceremony (a fresh challenge) with the same options.
    pub fn reissue(&mut self) {
        self.state = start_registration(&self.rp, &user(USER_A), &self.options, &mut UnwrapErr(SysRng), NOW)
            .expect("start_registration")
            .1;
    }

    /// The authenticator's response to the issued challenge under `knobs`.
    pub fn respond(&mut self, knobs: &Knobs) -> String {
        self.cred.register(self.state.challenge().as_bytes(), knobs)
    }

    pub fn verify(&self, json: &str) -> Result<VerifiedRegistration> {
        self.verify_at(json, NOW)
    }

    pub fn verify_at(&self, json: &str, now: UnixTime) -> Result<VerifiedRegistration> {
        verify_registration(&self.rp, self.state.clone(), RegistrationResponse::from_json_str(json)?, now)
    }

    /// Verifies an honest response (it must pass), then one answered under knobs changed by
    /// `defect`.
    pub fn verify_defect(&mut self, defect: impl FnOnce(&mut Knobs)) -> Result<VerifiedRegistration> {
        let honest = self.respond(&knobs());
        self.verify(&honest).expect("the honest registration must verify");
        let mut k = knobs();
        defect(&mut k);
        let json = self.respond(&k);
        self.verify(&json)
    }

    /// Verifies an honest response (it must pass), then the same response after `defect`
    /// changed the server side.
    pub fn verify_server_defect(&mut self, defect: impl FnOnce(&mut Self)) -> Result<VerifiedRegistration> {
        let json = self.respond(&knobs());
        self.verify(&json).expect("the honest registration must verify");
        defect(self);
        self.verify(&json)
    }

    /// The `clientDataJSON` an honest browser sends for the issued challenge.
    pub fn client_data(&self) -> Vec<u8> {
        client_data_json(&ClientDataFields {
            ty: "webauthn.create",
            challenge: self.state.challenge().as_bytes(),
            origin: ORIGIN,
            cross_origin: None,
            top_origin: None,
        })
    }

    /// Honest authenticator data (UP, UV, AT) attesting `credential_id` with `public_key`.
    pub fn auth_data_for(&self, credential_id: &[u8], public_key: &[u8]) -> Vec<u8> {
        let attested = AttestedData { aaguid: [0; 16], credential_id, public_key };
        authenticator_data(RP_ID, Flags::UP | Flags::UV, 0, Some(&attested), None)
    }

    /// Honest authenticator data attesting this credential.
    pub fn auth_data(&self) -> Vec<u8> {
        self.auth_data_for(self.cred.id(), &self.cred.cose_public_key())
    }

    /// An honest response built from the byte-level builders (`none` attestation).
    pub fn honest_parts(&self) -> RegistrationParts {
        RegistrationParts {
            raw_id: self.cred.id().to_vec(),
            client_data: self.client_data(),
            attestation_object: none_object(&self.auth_data()),
        }
    }

    /// Verifies [`Reg::honest_parts`] (it must pass), then the parts changed by `defect`.
    pub fn verify_tampered(&self, defect: impl FnOnce(&mut RegistrationParts)) -> Result<VerifiedRegistration> {
        let mut parts = self.honest_parts();
        self.verify(&parts.to_json()).expect("the honest crafted registration must verify");
        defect(&mut parts);
        self.verify(&parts.to_json())
    }

    /// Verifies the honest crafted response, then the same with `auth_data` in a `none`
    /// attestation object.
    pub fn verify_with_auth_data(&self, auth_data: &[u8]) -> Result<VerifiedRegistration> {
        self.verify_tampered(|p| p.attestation_object = none_object(auth_data))
    }
}

/// An authentication response as separate byte fields, to tamper with.
#[derive(Debug, Clone)]
pub struct AssertionParts {
    pub raw_id: Vec<u8>,
    pub client_data: Vec<u8>,
    pub auth_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Option<Vec<u8>>,
}

impl AssertionParts {
    pub fn parse(json: &str) -> Self {
        let r = AuthenticationResponse::from_json_str(json).expect("assertion JSON");
        Self {
            raw_id: r.raw_id().to_vec(),
            client_data: r.client_data_json().to_vec(),
            auth_data: r.authenticator_data().to_vec(),
            signature: r.signature().to_vec(),
            user_handle: r.user_handle().map(<[u8]>::to_vec),
        }
    }

    pub fn to_json(&self) -> String {
        authentication_json(
            &self.raw_id,
            &self.client_data,
            &self.auth_data,
            &self.signature,
            self.user_handle.as_deref(),
        )
    }

    /// Re-signs the current `authenticatorData || SHA-256(clientDataJSON)` with `signer`, so
    /// that a change to those bytes is the only defect.
    pub fn sign_with(&mut self, signer: &SoftCredential) {
        self.signature = signer.sign(&[self.auth_data.as_slice(), &sha256(&self.client_data)].concat());
    }
}

/// A sign-in in progress for a credential registered (through a verified registration) by
/// user A: relying party, authenticator credential, stored credential, options and state.
pub struct Auth {
    pub rp: RelyingParty,
    pub cred: SoftCredential,
    pub stored: StoredCredential,
    pub options: AuthenticationOptions,
    pub state: AuthenticationState,
}

impl Auth {
    /// An ES256 credential at the default relying party; see [`Auth::build`].
    pub fn new() -> Self {
        Self::build(rp(), KeyKind::Es256)
    }

    /// Registers a `kind` credential with UP and UV (so `stored.user_verified` and
    /// `stored.backup_eligible == Some(false)`), then issues a sign-in for user A with
    /// `allowCredentials` = [the credential] and UV preferred.
    pub fn build(rp: RelyingParty, kind: KeyKind) -> Self {
        let mut reg = Reg::build(rp, kind, UserVerification::Preferred);
        let json = reg.respond(&knobs());
        let stored = reg.verify(&json).expect("registration").to_stored_credential();
        let mut options = AuthenticationOptions::default();
        options.user_handle = Some(USER_A.to_vec());
        options.allow_credentials = vec![CredentialDescriptor { id: reg.cred.id().to_vec(), transports: vec![] }];
        let state = issue(&reg.rp, &options);
        Self { rp: reg.rp, cred: reg.cred, stored, options, state }
    }

    /// Issues a new ceremony (a fresh challenge) with the options changed by `configure`.
    pub fn reissue(&mut self, configure: impl FnOnce(&mut AuthenticationOptions)) {
        configure(&mut self.options);
        self.state = issue(&self.rp, &self.options);
    }

    /// Makes the ceremony a discoverable (username-less) sign-in: no user, no allowCredentials.
    pub fn discoverable(&mut self) {
        self.reissue(|o| {
            o.user_handle = None;
            o.allow_credentials.clear();
        });
    }

    /// Honest knobs: UP, UV, the user handle returned, and a counter one above the stored one.
    pub fn honest_knobs(&self) -> Knobs {
        let mut k = knobs();
        k.sign_count = Some(self.stored.sign_count + 1);
        k
    }

    /// The authenticator's assertion for the issued challenge under `knobs`.
    pub fn respond(&mut self, knobs: &Knobs) -> String {
        self.cred.assert(self.state.challenge().as_bytes(), knobs)
    }

    pub fn honest_json(&mut self) -> String {
        let k = self.honest_knobs();
        self.respond(&k)
    }

    pub fn verify(&self, json: &str) -> Result<VerifiedAuthentication> {
        self.verify_at(json, NOW)
    }

    pub fn verify_at(&self, json: &str, now: UnixTime) -> Result<VerifiedAuthentication> {
        verify_authentication(
            &self.rp,
            self.state.clone(),
            AuthenticationResponse::from_json_str(json)?,
            &self.stored,
            now,
        )
    }

    /// Verifies an honest assertion (it must pass), then one answered under the honest knobs
    /// changed by `defect`.
    pub fn verify_defect(&mut self, defect: impl FnOnce(&mut Knobs)) -> Result<VerifiedAuthentication> {
        let honest = self.honest_json();
        self.verify(&honest).expect("the honest assertion must verify");
        let mut k = self.honest_knobs();
        defect(&mut k);
        let json = self.respond(&k);
        self.verify(&json)
    }

    /// Verifies an honest assertion (it must pass), then the same assertion after `defect`
    /// changed the server side.
    pub fn verify_server_defect(&mut self, defect: impl FnOnce(&mut Self)) -> Result<VerifiedAuthentication> {
        let json = self.honest_json();
        self.verify(&json).expect("the honest assertion must verify");
        defect(self);
        self.verify(&json)
    }

    /// Verifies an honest assertion (it must pass), then its bytes changed by `defect` (which
    /// gets the credential, to re-sign).
    pub fn verify_tampered(
        &mut self,
        defect: impl FnOnce(&mut AssertionParts, &SoftCredential),
    ) -> Result<VerifiedAuthentication> {
        let json = self.honest_json();
        self.verify(&json).expect("the honest assertion must verify");
        let mut parts = AssertionParts::parse(&json);
        defect(&mut parts, &self.cred);
        self.verify(&parts.to_json())
    }
}

fn issue(rp: &RelyingParty, options: &AuthenticationOptions) -> AuthenticationState {
    start_authentication(rp, options, &mut UnwrapErr(SysRng), NOW).expect("start_authentication").1
}
