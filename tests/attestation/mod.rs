//! Attestation statements (WebAuthn L3 §8) end to end: the software authenticator produces
//! real statements whose certificates the test PKI mints, and each test asserts the outcome
//! (format, type, trust) or the category of the refusal. This module covers `packed` with
//! `x5c` and trust anchoring; [`formats`] the other formats and `compound`; [`metadata`] FIDO
//! metadata at registration.

// Test fixtures: a panic is how they report a broken fixture.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod formats;
mod metadata;
mod safetynet;

use getrandom::SysRng;
use p256::ecdsa::SigningKey;
use passkey_verifier::testkit::pki::{p256_key, ExtraExtension, Period, TestCa};
use passkey_verifier::testkit::{KeyKind, Knobs, SoftAttestation, SoftCredential};
use passkey_verifier::{
    start_registration, verify_registration, AttestationFormat, AttestationOutcome, AttestationType, Category,
    ErrorKind, Policy, RegistrationOptions, RegistrationResponse, RelyingParty, RelyingPartyBuilder, UnixTime, User,
    VerifiedRegistration,
};
use passkey_verifier::{AttestationError, CertificateError};
use rand_core::UnwrapErr;

pub const RP_ID: &str = "example.com";
pub const ORIGIN: &str = "https://example.com";
pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);
pub const VALID: Period = (1_700_000_000, 1_800_000_000);
/// The AAGUID the software authenticator reports by default.
pub const AAGUID: [u8; 16] = *b"passkey-verifier";
/// A subject that meets the packed attestation certificate requirements (§8.2.1).
pub const PACKED_SUBJECT: &str = "C=US,O=Example,OU=Authenticator Attestation,CN=Test Key";
/// id-fido-gen-ce-aaguid.
pub const AAGUID_EXTENSION: &str = "1.3.6.1.4.1.45724.1.1.4";

type Result<T> = passkey_verifier::Result<T>;

/// A vendor PKI: the root a relying party may trust and the intermediate that issues
/// attestation certificates.
pub struct Pki {
    pub root: TestCa,
    pub ca: TestCa,
}

impl Pki {
    pub fn new() -> Self {
        let root = TestCa::root("Test Attestation Root", VALID);
        let ca = root.intermediate("Test Attestation CA", VALID);
        Self { root, ca }
    }

    /// Packed basic attestation: a fresh key, its leaf from the intermediate (with `subject`
    /// and `extra` extensions), `x5c` = [leaf, intermediate].
    pub fn packed_with(&self, subject: &str, extra: Vec<ExtraExtension>) -> SoftAttestation {
        let key = p256_key(&mut UnwrapErr(SysRng));
        let leaf = self.ca.leaf(subject, key.verifying_key(), VALID, extra, false);
        SoftAttestation::Packed { key, x5c: vec![leaf, self.ca.cert_der().to_vec()] }
    }

    /// Honest packed basic attestation.
    pub fn packed(&self) -> SoftAttestation {
        self.packed_with(PACKED_SUBJECT, vec![])
    }
}

/// A packed statement signed by `key` with the chain `x5c` as given.
pub fn packed_chain(key: SigningKey, x5c: Vec<&[u8]>) -> SoftAttestation {
    SoftAttestation::Packed { key, x5c: x5c.into_iter().map(<[u8]>::to_vec).collect() }
}

/// The relying party `example.com` with more configuration.
pub fn rp_with(configure: impl FnOnce(RelyingPartyBuilder) -> RelyingPartyBuilder) -> RelyingParty {
    configure(RelyingParty::builder(RP_ID).origin(ORIGIN)).build().expect("relying party")
}

/// The relying party trusting `root` for every format and AAGUID.
pub fn rp_trusting(root: &TestCa) -> RelyingParty {
    rp_with(|b| b.attestation_root(root.cert_der()))
}

/// The default policy changed by `edit`.
pub fn policy(edit: impl FnOnce(&mut Policy)) -> Policy {
    let mut policy = Policy::default();
    edit(&mut policy);
    policy
}

/// The default policy with `require_trusted_attestation`.
pub fn trust_required() -> Policy {
    policy(|p| p.require_trusted_attestation = true)
}

/// Honest knobs with `attestation`.
pub fn knobs(attestation: SoftAttestation) -> Knobs {
    let mut k = Knobs::new(RP_ID, ORIGIN);
    k.attestation = attestation;
    k
}

/// Registers a fresh `kind` credential at `rp`, answered under `knobs`, verified at [`NOW`].
pub fn register_with(rp: &RelyingParty, kind: KeyKind, knobs: &Knobs) -> Result<VerifiedRegistration> {
    register_edited(rp, kind, knobs, |_| {})
}

/// [`register_with`], with the response JSON changed by `edit` before verification.
pub fn register_edited(
    rp: &RelyingParty,
    kind: KeyKind,
    knobs: &Knobs,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<VerifiedRegistration> {
    let user = User { id: b"user-a-0001".to_vec(), name: "alice".into(), display_name: "Alice".into() };
    let (_, state) = start_registration(rp, &user, &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW)?;
    let mut cred = SoftCredential::new(kind, &user.id, &mut UnwrapErr(SysRng));
    let mut json: serde_json::Value =
        serde_json::from_str(&cred.register(state.challenge().as_bytes(), knobs)).expect("registration JSON");
    edit(&mut json);
    verify_registration(rp, state, RegistrationResponse::from_json_str(&json.to_string())?, NOW)
}

/// Registers a fresh `kind` credential at `rp` with `attestation`.
pub fn register(rp: &RelyingParty, kind: KeyKind, attestation: SoftAttestation) -> Result<VerifiedRegistration> {
    register_with(rp, kind, &knobs(attestation))
}

/// The attestation outcome of a registration that must succeed.
#[track_caller]
pub fn outcome(result: Result<VerifiedRegistration>) -> AttestationOutcome {
    match result {
        Ok(reg) => *reg.attestation(),
        Err(err) => panic!("the registration must verify: {err}"),
    }
}

/// Asserts the outcome's format, type and trust.
#[track_caller]
pub fn assert_outcome(
    result: Result<VerifiedRegistration>,
    format: AttestationFormat,
    kind: AttestationType,
    trusted: bool,
) {
    let o = outcome(result);
    assert_eq!((o.format(), o.kind(), o.trusted()), (format, kind, trusted));
}

/// Asserts that the registration failed with `kind` in `category`.
#[track_caller]
pub fn assert_fails(result: Result<VerifiedRegistration>, kind: ErrorKind, category: Category) {
    let err = result.expect_err("the registration must fail");
    assert_eq!((err.kind(), err.category()), (kind, category), "unexpected failure: {err}");
}

/// Asserts that the registration failed in the attestation category, for `reason`.
#[track_caller]
pub fn assert_attestation(result: Result<VerifiedRegistration>, reason: AttestationError) {
    assert_fails(result, ErrorKind::Attestation(reason), Category::Attestation);
}

#[test]
fn packed_chain_to_configured_root_is_trusted() {
    let pki = Pki::new();
    let result = register(&rp_trusting(&pki.root), KeyKind::Es256, pki.packed());
    assert_outcome(result, AttestationFormat::Packed, AttestationType::Basic, true);
}

#[test]
fn packed_chain_without_roots_verifies_untrusted() {
    let pki = Pki::new();
    let result = register(&rp_with(|b| b), KeyKind::Es256, pki.packed());
    assert_outcome(result, AttestationFormat::Packed, AttestationType::Basic, false);
}

#[test]
fn packed_chain_without_roots_fails_when_trust_required() {
    let pki = Pki::new();
    assert_attestation(
        register(&rp_with(|b| b.policy(trust_required())), KeyKind::Es256, pki.packed()),
        AttestationError::NotTrusted,
    );
}

#[test]
fn none_and_self_attestation_fail_when_trust_required() {
    let rp = rp_with(|b| b.policy(trust_required()));
    assert_attestation(register(&rp, KeyKind::Es256, SoftAttestation::None), AttestationError::NotTrusted);
    assert_attestation(register(&rp, KeyKind::Es256, SoftAttestation::PackedSelf), AttestationError::NotTrusted);
}

#[test]
fn chain_to_attackers_self_signed_root_is_refused() {
    let pki = Pki::new();
    // Same name as the genuine root, another key.
    let attacker = TestCa::root("Test Attestation Root", VALID);
    let key = p256_key(&mut UnwrapErr(SysRng));
    let leaf = attacker.leaf(PACKED_SUBJECT, key.verifying_key(), VALID, vec![], false);
    let attestation = packed_chain(key, vec![&leaf, attacker.cert_der()]);
    assert_attestation(register(&rp_trusting(&pki.root), KeyKind::Es256, attestation), AttestationError::NotTrusted);
}

#[test]
fn missing_intermediate_is_refused() {
    let pki = Pki::new();
    let key = p256_key(&mut UnwrapErr(SysRng));
    let leaf = pki.ca.leaf(PACKED_SUBJECT, key.verifying_key(), VALID, vec![], false);
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::Es256, packed_chain(key, vec![&leaf])),
        AttestationError::NotTrusted,
    );
}

#[test]
fn expired_leaf_is_refused() {
    let pki = Pki::new();
    let key = p256_key(&mut UnwrapErr(SysRng));
    let leaf = pki.ca.leaf(PACKED_SUBJECT, key.verifying_key(), (1_600_000_000, NOW.as_secs() - 1), vec![], false);
    let attestation = packed_chain(key, vec![&leaf, pki.ca.cert_der()]);
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::Es256, attestation),
        AttestationError::Certificate(CertificateError::Expired),
    );
}

pub fn aaguid_extension(aaguid: [u8; 16]) -> Vec<ExtraExtension> {
    vec![(AAGUID_EXTENSION.to_owned(), false, [&[0x04, 0x10][..], &aaguid].concat())]
}

#[test]
fn packed_aaguid_extension_must_match_the_authenticator_data() {
    let pki = Pki::new();
    let rp = rp_trusting(&pki.root);
    let matching = pki.packed_with(PACKED_SUBJECT, aaguid_extension(AAGUID));
    assert_outcome(register(&rp, KeyKind::Es256, matching), AttestationFormat::Packed, AttestationType::Basic, true);
    let other = pki.packed_with(PACKED_SUBJECT, aaguid_extension(*b"another-aaguid!!"));
    assert_attestation(register(&rp, KeyKind::Es256, other), AttestationError::CertificateRequirements);
}

#[test]
fn packed_subject_ou_must_be_authenticator_attestation() {
    let pki = Pki::new();
    let attestation = pki.packed_with("C=US,O=Example,OU=Batch Signing,CN=Test Key", vec![]);
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::Es256, attestation),
        AttestationError::CertificateRequirements,
    );
}

#[test]
fn root_scoped_to_another_aaguid_does_not_anchor() {
    let pki = Pki::new();
    let scoped =
        |aaguid| rp_with(|b| b.policy(trust_required()).attestation_root_for_aaguid(aaguid, pki.root.cert_der()));
    assert_attestation(register(&scoped([0x42; 16]), KeyKind::Es256, pki.packed()), AttestationError::NotTrusted);
    assert!(outcome(register(&scoped(AAGUID), KeyKind::Es256, pki.packed())).trusted());
}

#[test]
fn root_scoped_to_another_format_does_not_anchor() {
    let pki = Pki::new();
    let scoped =
        |format| rp_with(|b| b.policy(trust_required()).attestation_root_for_format(format, pki.root.cert_der()));
    assert_attestation(
        register(&scoped(AttestationFormat::Tpm), KeyKind::Es256, pki.packed()),
        AttestationError::NotTrusted,
    );
    assert!(outcome(register(&scoped(AttestationFormat::Packed), KeyKind::Es256, pki.packed())).trusted());
}

#[test]
fn debug_output_holds_no_certificate_bytes() {
    let pki = Pki::new();
    let SoftAttestation::Packed { key, x5c } = pki.packed() else { unreachable!() };
    let leaf = x5c[0].clone();
    let reg = register(&rp_trusting(&pki.root), KeyKind::Es256, SoftAttestation::Packed { key, x5c }).unwrap();
    let hex: String = leaf[..24].iter().map(|b| format!("{b:02x}")).collect();
    let decimal = format!("{:?}", &leaf[..6]).trim_end_matches(']').to_owned();
    for debug in [format!("{:?}", reg.attestation()), format!("{reg:?}")] {
        assert!(!debug.contains(&hex) && !debug.contains(&hex.to_uppercase()), "{debug}");
        assert!(!debug.contains(&decimal), "{debug}");
        assert!(!debug.contains(&passkey_verifier::hazmat::b64::encode(&leaf[..24])), "{debug}");
    }
}
