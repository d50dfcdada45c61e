//! Registration: WebAuthn Level 3 §7.1, "Registering a New Credential".

use super::{
    check_challenge, check_not_expired, check_origin, check_rp_id_hash, check_top_origin, check_type,
    check_user_present, check_user_verified, uv_required, StoredCredential,
};
use std::ops::Range;

use super::credential::BackupEligibility;
use crate::attestation::{self, AttestationOutcome};
use crate::challenge::{Mediation, RegistrationState, UnixTime};
use crate::cose::{CoseAlgorithm, CoseKey};
use crate::crypto;
use crate::error::{Error, ErrorKind, Result};
use crate::extensions::{self, ExtensionOutputs};
use crate::rp::RelyingParty;
use crate::wire::attestation_object::AttestationObject;
use crate::wire::auth_data::Flags;
use crate::wire::client_data::ClientData;
use crate::wire::json::RegistrationResponse;

/// A registration that passed every check of §7.1. Only this crate can construct it.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedRegistration {
    /// Where the credential ID lies within the response's attestation object.
    credential_id: Range<usize>,
    /// Where the COSE key lies within the response's attestation object.
    public_key: Range<usize>,
    alg: CoseAlgorithm,
    sign_count: u32,
    aaguid: [u8; 16],
    flags: Flags,
    attestation: AttestationOutcome,
    user_handle: Vec<u8>,
    authenticator_extensions: Option<Range<usize>>,
    mediation: Mediation,
    extensions: ExtensionOutputs,
    response: RegistrationResponse,
}

/// The position of `inner` within `outer` (`inner` must be a sub-slice of it).
fn range_in(outer: &[u8], inner: &[u8]) -> Result<Range<usize>> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize);
    match start {
        Some(start) if start + inner.len() <= outer.len() => Ok(start..start + inner.len()),
        _ => Err(Error::malformed(crate::Input::AttestationObject, "internal slice bookkeeping")),
    }
}

impl VerifiedRegistration {
    /// The credential ID.
    #[must_use]
    pub fn credential_id(&self) -> &[u8] {
        self.object_slice(&self.credential_id)
    }

    fn object_slice(&self, range: &Range<usize>) -> &[u8] {
        self.response.attestation_object().get(range.clone()).unwrap_or_default()
    }

    /// The credential public key as COSE_Key bytes (store these).
    #[must_use]
    pub fn public_key(&self) -> &[u8] {
        self.object_slice(&self.public_key)
    }

    /// The credential key's algorithm.
    #[must_use]
    pub const fn alg(&self) -> CoseAlgorithm {
        self.alg
    }

    /// The initial signature counter.
    #[must_use]
    pub const fn sign_count(&self) -> u32 {
        self.sign_count
    }

    /// The authenticator's AAGUID.
    #[must_use]
    pub const fn aaguid(&self) -> [u8; 16] {
        self.aaguid
    }

    /// The AAGUID as a lowercase UUID string.
    #[must_use]
    pub fn aaguid_string(&self) -> String {
        format_uuid(&self.aaguid)
    }

    /// The authenticator data flags (UP, UV, BE, BS, AT, ED).
    #[must_use]
    pub const fn flags(&self) -> Flags {
        self.flags
    }

    /// Whether the user was present (UP). Always true unless the registration was a
    /// conditional create ([`Mediation::Conditional`]), which may pass without it.
    #[must_use]
    pub const fn user_present(&self) -> bool {
        self.flags.user_present()
    }

    /// How the registration was mediated (as its state recorded).
    #[must_use]
    pub const fn mediation(&self) -> Mediation {
        self.mediation
    }

    /// The extension outputs, verified against what the options requested.
    #[must_use]
    pub const fn extensions(&self) -> &ExtensionOutputs {
        &self.extensions
    }

    /// The verified attestation: format, type, and whether trust was established.
    #[must_use]
    pub const fn attestation(&self) -> &AttestationOutcome {
        &self.attestation
    }

    /// The user handle the credential was registered for.
    #[must_use]
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }

    /// The transports the client reported (unknown values kept as sent).
    pub fn transports(&self) -> impl Iterator<Item = &str> + '_ {
        self.response.transports()
    }

    /// `clientExtensionResults` as raw JSON, when present (for pass-through extensions; the
    /// checked outputs are in [`Self::extensions`]).
    #[must_use]
    pub fn client_extension_results(&self) -> Option<&str> {
        self.response.client_extension_results()
    }

    /// The authenticator extension outputs as a raw CBOR map, when present.
    #[must_use]
    pub fn authenticator_extensions(&self) -> Option<&[u8]> {
        self.authenticator_extensions.as_ref().map(|r| self.object_slice(r))
    }

    /// `authenticatorAttachment`, when present.
    #[must_use]
    pub fn authenticator_attachment(&self) -> Option<&str> {
        self.response.authenticator_attachment()
    }

    /// The `attestationObject` bytes as received (to keep for later re-verification).
    #[must_use]
    pub fn attestation_object(&self) -> &[u8] {
        self.response.attestation_object()
    }

    /// The `clientDataJSON` bytes as received.
    #[must_use]
    pub fn client_data_json(&self) -> &[u8] {
        self.response.client_data_json()
    }

    /// The record to persist for later sign-ins.
    #[must_use]
    pub fn to_stored_credential(&self) -> StoredCredential {
        StoredCredential {
            id: self.credential_id().to_vec(),
            public_key: self.public_key().to_vec(),
            sign_count: self.sign_count,
            user_handle: self.user_handle.clone(),
            backup_eligible: BackupEligibility::from_flag(self.flags.backup_eligible()),
            backup_state: self.flags.backup_state(),
            uv_initialized: self.flags.user_verified(),
        }
    }
}

impl core::fmt::Debug for VerifiedRegistration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedRegistration")
            .field("credential_id_len", &self.credential_id().len())
            .field("alg", &self.alg)
            .field("sign_count", &self.sign_count)
            .field("aaguid", &self.aaguid_string())
            .field("flags", &self.flags)
            .field("attestation", &self.attestation)
            .field("mediation", &self.mediation)
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

pub(crate) fn format_uuid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

/// Verifies a registration response (WebAuthn L3 §7.1), in the specification's order:
///
/// 1. the ceremony state has not expired;
/// 2. `clientDataJSON` parses (step 6); `type` is `webauthn.create` (7); the challenge (8),
///    origin (9) and top origin (10) match;
/// 3. the attestation object parses (12); rpIdHash (13), UP unless the state records a
///    conditional create (14), UV when required (15); BS without BE is malformed (16);
///    the extension outputs match the request (18);
/// 4. the credential key parses and its algorithm is one the ceremony offered (19), and it is
///    mathematically valid;
/// 5. the attestation statement verifies (21-24);
/// 6. the credential ID is at most 1023 bytes (25) and equals `rawId`.
///
/// Checking that the credential ID is not registered yet (step 26) is the host's job (the
/// ceremony layer's store does it atomically).
///
/// ```
/// use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
/// use passkey_verifier::{start_registration, verify_registration, RegistrationOptions, RegistrationResponse};
/// use passkey_verifier::{RelyingParty, UnixTime, User};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com").origin("https://example.com").build()?;
/// let now = UnixTime::from_secs(1_750_000_000);
/// let user = User { id: b"opaque-handle".to_vec(), name: "alice".into(), display_name: "Alice".into() };
/// let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// let (_options, state) = start_registration(&rp, &user, &RegistrationOptions::default(), &mut rng, now)?;
/// // What the browser posts back (here a software authenticator stands in for it).
/// let mut phone = SoftCredential::new(KeyKind::Es256, &user.id, &mut rng);
/// let posted = phone.register(state.challenge().as_bytes(), &Knobs::new("example.com", "https://example.com"));
///
/// let verified = verify_registration(&rp, state, RegistrationResponse::from_json_str(&posted)?, now)?;
/// let record = verified.to_stored_credential(); // persist, if the credential ID is new
/// assert_eq!(record.user_handle, b"opaque-handle");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The first failing check, as an [`Error`] whose [`category`](Error::category) names it.
pub fn verify_registration(
    rp: &RelyingParty,
    state: RegistrationState,
    response: RegistrationResponse,
    now: UnixTime,
) -> Result<VerifiedRegistration> {
    check_not_expired(state.expires_at, now)?;
    let client_data = ClientData::parse(response.client_data_json())?;
    check_type(&client_data, "webauthn.create")?;
    check_challenge(&client_data, &state.challenge)?;
    check_origin(rp, &client_data)?;
    check_top_origin(rp, &client_data)?;
    let client_data_hash = crypto::sha256(client_data.raw());

    let object = AttestationObject::parse(response.attestation_object())?;
    let auth_data = object.auth_data();
    check_rp_id_hash(rp, auth_data.rp_id_hash(), None)?;
    if state.mediation != Mediation::Conditional {
        check_user_present(auth_data)?;
    }
    check_user_verified(auth_data, uv_required(state.user_verification))?;
    let attested = auth_data
        .attested_credential_data()
        .ok_or_else(|| Error::malformed(crate::Input::AuthenticatorData, "no attested credential data"))?;
    let received = extensions::Received {
        client: response.client_extension_results(),
        authenticator: auth_data.extensions(),
        credential_id: attested.credential_id(),
    };
    let extension_outputs = extensions::check(
        &state.extensions,
        extensions::Ceremony::Registration,
        &received,
        rp.policy().unsolicited_extensions,
    )?;

    let key = CoseKey::parse(attested.public_key())?;
    check_algorithm_allowed(rp, &state, key.alg())?;
    crypto::validate_key(&key)?;

    let attestation = attestation::verify_statement(
        object.fmt(),
        object.att_stmt(),
        &attestation::Inputs {
            att_stmt: crate::encoding::cbor::Seq::EMPTY,
            auth_data,
            client_data_hash: &client_data_hash,
            credential_key: &key,
            policy: rp.attestation_policy(),
            now,
        },
    )?;

    if attested.credential_id() != response.raw_id() {
        return Err(Error::new(ErrorKind::CredentialId, "rawId is not the attested credential ID"));
    }

    let object_bytes = response.attestation_object();
    let credential_id = range_in(object_bytes, attested.credential_id())?;
    let public_key = range_in(object_bytes, attested.public_key())?;
    let authenticator_extensions = auth_data.extensions().map(|e| range_in(object_bytes, e)).transpose()?;
    Ok(VerifiedRegistration {
        credential_id,
        public_key,
        alg: key.alg(),
        sign_count: auth_data.sign_count(),
        aaguid: attested.aaguid(),
        flags: auth_data.flags(),
        attestation,
        // The state is consumed: its user handle moves into the outcome.
        user_handle: state.user_handle,
        authenticator_extensions,
        mediation: state.mediation,
        extensions: extension_outputs,
        response,
    })
}

/// §7.1 step 19: the key's algorithm is among the ceremony's `pubKeyCredParams` (and the
/// relying party's policy, which refuses SHA-1 unless allowed).
fn check_algorithm_allowed(rp: &RelyingParty, state: &RegistrationState, alg: CoseAlgorithm) -> Result<()> {
    if state.algorithms.contains(&alg) && rp.allows_algorithm(alg) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::AlgorithmNotAllowed, ""))
    }
}
