//! `fido-u2f`, `apple`, `android-key`, `tpm` and `compound` statements.

use ciborium::Value;
use getrandom::SysRng;
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::pki::p256_key;
use passkey_verifier::testkit::{KeyKind, SoftAttestation};
use passkey_verifier::AttestationError;
use passkey_verifier::{AttestationFormat, AttestationType, Category, ErrorKind, VerifiedRegistration};
use rand_core::UnwrapErr;

use super::{
    assert_attestation, assert_fails, assert_outcome, knobs, policy, register, register_edited, rp_trusting, rp_with,
    Pki, Result, VALID,
};

/// Honest `fido-u2f` attestation: a key certified directly by the root (`x5c` holds one
/// certificate).
fn fido_u2f(pki: &Pki) -> SoftAttestation {
    let key = p256_key(&mut UnwrapErr(SysRng));
    let cert =
        pki.root.leaf("C=US,O=Example,OU=Authenticator Attestation,CN=U2F", key.verifying_key(), VALID, vec![], false);
    SoftAttestation::FidoU2f { key, cert }
}

#[test]
fn fido_u2f_is_basic_attestation() {
    let pki = Pki::new();
    let result = register(&rp_trusting(&pki.root), KeyKind::Es256, fido_u2f(&pki));
    assert_outcome(result, AttestationFormat::FidoU2f, AttestationType::Basic, true);
}

#[test]
fn fido_u2f_with_eddsa_credential_is_refused() {
    let pki = Pki::new();
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::EdDsa, fido_u2f(&pki)),
        AttestationError::UnsupportedAlgorithm,
    );
}

#[test]
fn apple_is_anonymization_ca_attestation() {
    let pki = Pki::new();
    let result = register(&rp_trusting(&pki.root), KeyKind::Es256, SoftAttestation::apple(pki.ca.clone()));
    assert_outcome(result, AttestationFormat::Apple, AttestationType::AnonCa, true);
}

#[test]
fn apple_nonce_mismatch_is_refused() {
    let pki = Pki::new();
    let attestation = SoftAttestation::Apple { ca: pki.ca.clone(), nonce_override: Some([7; 32]) };
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::Es256, attestation),
        AttestationError::NotThisCeremony,
    );
}

#[test]
fn android_key_is_basic_attestation() {
    let pki = Pki::new();
    let rp = rp_trusting(&pki.root);
    for kind in [KeyKind::Es256, KeyKind::EdDsa] {
        let result = register(&rp, kind, SoftAttestation::android_key(pki.ca.clone()));
        assert_outcome(result, AttestationFormat::AndroidKey, AttestationType::Basic, true);
    }
}

#[test]
fn android_key_bad_signature_is_refused() {
    let pki = Pki::new();
    let attestation = SoftAttestation::AndroidKey { ca: pki.ca.clone(), corrupt_signature: true };
    assert_attestation(register(&rp_trusting(&pki.root), KeyKind::Es256, attestation), AttestationError::BadSignature);
}

/// `tpm` attestation by the intermediate with these knobs.
fn tpm(pki: &Pki, manufacturer: &str, name_alg: u16, sha1: bool) -> SoftAttestation {
    SoftAttestation::Tpm { ca: pki.ca.clone(), manufacturer: manufacturer.into(), name_alg, sha1 }
}

#[test]
fn tpm_is_attestation_ca_attestation() {
    let pki = Pki::new();
    let rp = rp_trusting(&pki.root);
    for kind in [KeyKind::Es256, KeyKind::Rs256] {
        let result = register(&rp, kind, SoftAttestation::tpm(pki.ca.clone()));
        assert_outcome(result, AttestationFormat::Tpm, AttestationType::AttCa, true);
    }
}

#[test]
fn tpm_unregistered_vendor_needs_allow_test_tpm_vendors() {
    let pki = Pki::new();
    let conformance = tpm(&pki, "id:FFFFF1D0", 0x000b, false);
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::Es256, conformance.clone()),
        AttestationError::CertificateRequirements,
    );
    let lenient = policy(|p| p.dangerous.allow_test_tpm_vendors = true);
    let rp = rp_with(|b| b.policy(lenient).attestation_root(pki.root.cert_der()));
    assert_outcome(register(&rp, KeyKind::Es256, conformance), AttestationFormat::Tpm, AttestationType::AttCa, true);
}

#[test]
fn tpm_unregistered_name_alg_is_refused() {
    let pki = Pki::new();
    assert_attestation(
        register(&rp_trusting(&pki.root), KeyKind::Es256, tpm(&pki, "id:494E5443", 0x0099, false)),
        AttestationError::UnsupportedAlgorithm,
    );
}

#[test]
fn tpm_sha1_statement_needs_allow_sha1() {
    let pki = Pki::new();
    let sha1 = tpm(&pki, "id:494E5443", 0x000b, true);
    let result = register(&rp_trusting(&pki.root), KeyKind::Es256, sha1.clone());
    assert_fails(result, ErrorKind::AlgorithmNotAllowed, Category::Algorithm);
    let lenient = policy(|p| p.dangerous.allow_sha1 = true);
    let rp = rp_with(|b| b.policy(lenient).attestation_root(pki.root.cert_der()));
    assert_outcome(register(&rp, KeyKind::Es256, sha1), AttestationFormat::Tpm, AttestationType::AttCa, true);
}

fn two_packed_self() -> SoftAttestation {
    SoftAttestation::Compound(vec![SoftAttestation::PackedSelf, SoftAttestation::PackedSelf])
}

#[test]
fn compound_of_two_statements_verifies() {
    let result = register(&rp_with(|b| b), KeyKind::Es256, two_packed_self());
    assert_outcome(result, AttestationFormat::Compound, AttestationType::SelfAttestation, false);
}

/// Registers an ES256 credential with `attestation`, the attestation object (decoded CBOR)
/// changed by `edit` after the authenticator produced it.
fn register_edited_object(attestation: SoftAttestation, edit: impl FnOnce(&mut Value)) -> Result<VerifiedRegistration> {
    register_edited(&rp_with(|b| b), KeyKind::Es256, &knobs(attestation), |json| {
        let object = &mut json["response"]["attestationObject"];
        let bytes = b64::decode(object.as_str().expect("attestationObject")).expect("base64url");
        let mut value: Value = ciborium::from_reader(bytes.as_slice()).expect("CBOR");
        edit(&mut value);
        let mut bytes = Vec::new();
        ciborium::into_writer(&value, &mut bytes).expect("CBOR encoding");
        *object = b64::encode(&bytes).into();
    })
}

/// The value under text key `key` of CBOR map `map`.
fn member<'v>(map: &'v mut Value, key: &str) -> &'v mut Value {
    let Value::Map(entries) = map else { panic!("not a map") };
    &mut entries.iter_mut().find(|(k, _)| k.as_text() == Some(key)).expect("member").1
}

#[test]
fn compound_with_a_bad_signature_is_refused() {
    // The unchanged object verifies: the edit is the only defect.
    assert!(register_edited_object(two_packed_self(), |_| {}).is_ok());
    let result = register_edited_object(two_packed_self(), |object| {
        let Value::Array(items) = member(object, "attStmt") else { panic!("compound attStmt") };
        let Value::Bytes(sig) = member(member(&mut items[1], "attStmt"), "sig") else { panic!("sig") };
        *sig.last_mut().unwrap() ^= 0x01;
    });
    assert_attestation(result, AttestationError::BadSignature);
}

#[test]
fn compound_nested_in_compound_is_refused() {
    let nested = SoftAttestation::Compound(vec![two_packed_self(), SoftAttestation::PackedSelf]);
    assert_attestation(register(&rp_with(|b| b), KeyKind::Es256, nested), AttestationError::MalformedStatement);
}

#[test]
fn compound_of_certified_statements_is_trusted_only_if_all_are() {
    let pki = Pki::new();
    let both = SoftAttestation::Compound(vec![pki.packed(), SoftAttestation::android_key(pki.ca.clone())]);
    let result = register(&rp_trusting(&pki.root), KeyKind::Es256, both);
    assert_outcome(result, AttestationFormat::Compound, AttestationType::Basic, true);
    let mixed = SoftAttestation::Compound(vec![pki.packed(), SoftAttestation::PackedSelf]);
    let result = register(&rp_trusting(&pki.root), KeyKind::Es256, mixed);
    assert_outcome(result, AttestationFormat::Compound, AttestationType::Basic, false);
}
